"""From appeals to agenda: clusters of cases, who may open a motion with them linked, and the
submitters told once when the resolution is published."""

from typing import Any

import pytest
from django.conf import settings

from sizhi.bridges import agenda
from sizhi.bridges.tests.conftest import PHONE_1, PHONE_2
from sizhi.cases.models import CaseEvent
from sizhi.cases.tests.factories import CaseFactory
from sizhi.core.errors import Invalid, InvalidState, NotAllowed, NotFound
from sizhi.core.models import AuditLog
from sizhi.deliberation import actions
from sizhi.deliberation.models import LinkedCase, Motion, MotionEvent
from sizhi.deliberation.tests.test_flow import _pass_review, _reviewing, _vote
from sizhi.messaging.models import Message

pytestmark = pytest.mark.django_db


def _clusters(user: Any, **options: Any) -> list[tuple[str, str, int, int]]:
    return [
        (c.region_code, c.category_name, c.count, c.open_count)
        for c in agenda.case_clusters(user, **options)
    ]


def _open(cases: Any, actor: Any, council: Any, ids: list[int] | None = None) -> Motion:
    return agenda.open_motion_from_cases(
        case_ids=ids if ids is not None else [c.pk for c in cases.lamps_a1],
        council_id=council.pk,
        title="修复一组路灯",
        body="一组多位群众反映路灯不亮，提请议事会商议修复和电费分摊办法。",
        area="development",
        actor=actor,
    )


def _nothing_stored() -> None:
    assert Motion.objects.count() == 0
    assert LinkedCase.objects.count() == 0
    assert MotionEvent.objects.count() == 0


def test_clusters_are_places_and_categories_with_enough_open_or_recent_cases(
    cases: Any, village_cadre: Any, township_cadre: Any, other_village_cadre: Any
) -> None:
    assert _clusters(village_cadre) == [
        ("520327101201001", "路灯", 4, 3),
        ("520327101201", "乡村道路", 3, 3),
    ]
    assert _clusters(township_cadre) == [
        ("520327101201001", "路灯", 4, 3),
        ("520327101201", "乡村道路", 3, 3),
        ("520327101202001", "路灯", 3, 3),
    ]
    assert _clusters(other_village_cadre) == [("520327101202001", "路灯", 3, 3)]


def test_clusters_narrow_by_place_window_and_size(
    cases: Any, township_cadre: Any, village_cadre: Any
) -> None:
    assert _clusters(township_cadre, region_prefix="520327101202") == [
        ("520327101202001", "路灯", 3, 3)
    ]
    assert _clusters(township_cadre, region_prefix="520327101201", min_cases=4) == [
        ("520327101201001", "路灯", 4, 3)
    ]
    # The case filed 200 days ago is still open; the one closed that long ago never counts.
    assert _clusters(village_cadre, region_prefix="520327101201001", since_days=365) == [
        ("520327101201001", "路灯", 5, 3)
    ]
    assert _clusters(village_cadre, min_cases=2, region_prefix="520327101201001") == [
        ("520327101201001", "路灯", 4, 3)
    ]
    # Outside the user's scope there is nothing, whatever the prefix asked for.
    assert _clusters(village_cadre, region_prefix="520327101202") == []


@pytest.mark.parametrize("persona", ["supervisor", "convener", "resident"], indirect=True)
def test_those_who_may_not_link_cases_see_no_clusters(cases: Any, persona: Any) -> None:
    assert _clusters(persona) == []


def test_the_cluster_query_is_one_query(
    cases: Any, village_cadre: Any, django_assert_num_queries: Any
) -> None:
    agenda.link_scope(village_cadre)  # the grants, loaded once per user
    with django_assert_num_queries(2):  # the handler units of the user, and the clusters
        agenda.case_clusters(village_cadre)


def test_a_cadre_opens_a_motion_for_the_council_with_the_cases_linked(
    cases: Any, tree: Any, village_cadre: Any
) -> None:
    motion = _open(cases, village_cadre, tree.council_a1)
    assert (motion.origin, motion.state, motion.council_id, motion.region_code) == (
        "cases",
        "proposed",
        tree.council_a1.pk,
        "520327101201001",
    )
    assert (motion.proposer_id, motion.cosign_threshold) == (village_cadre.pk, 0)
    numbers = sorted(c.number for c in cases.lamps_a1)
    links = LinkedCase.objects.filter(motion=motion).order_by("case_number")
    assert [(link.case_number, link.told_at) for link in links] == [(n, None) for n in numbers]
    assert {link.case_id for link in links} == {c.pk for c in cases.lamps_a1}
    create = MotionEvent.objects.get(motion=motion, transition="create")
    assert create.data == {"cases": numbers}


def test_a_village_level_cluster_may_go_to_a_group_council_of_that_village(
    cases: Any, tree: Any, village_cadre: Any
) -> None:
    motion = _open(cases, village_cadre, tree.council_a1, [c.pk for c in cases.roads_a])
    assert LinkedCase.objects.filter(motion=motion).count() == 3


def test_a_cadre_of_another_village_cannot_link_these_cases(
    cases: Any, tree: Any, other_village_cadre: Any
) -> None:
    with pytest.raises(NotFound):
        _open(cases, other_village_cadre, tree.council_a1)
    with pytest.raises(NotFound):
        _open(cases, other_village_cadre, tree.council_b1)
    _nothing_stored()


def test_one_case_out_of_sight_makes_the_whole_request_not_found(
    cases: Any, tree: Any, village_cadre: Any
) -> None:
    ids = [cases.lamps_a1[0].pk, cases.lamps_b1[0].pk]
    with pytest.raises(NotFound):
        _open(cases, village_cadre, tree.council_a1, ids)
    _nothing_stored()


def test_a_council_out_of_the_cadres_scope_is_not_allowed(
    cases: Any, tree: Any, other_village_cadre: Any
) -> None:
    with pytest.raises(NotAllowed):
        _open(cases, other_village_cadre, tree.council_a1, [c.pk for c in cases.lamps_b1])
    _nothing_stored()


@pytest.mark.parametrize(
    ("persona", "error"),
    [("supervisor", NotAllowed), ("convener", NotFound), ("resident", NotFound)],
    indirect=["persona"],
)
def test_those_without_the_link_permission_cannot_open_one(
    cases: Any, tree: Any, persona: Any, error: type[Exception]
) -> None:
    # The supervisor sees the cases but may not link them; the others do not see them.
    with pytest.raises(error):
        _open(cases, persona, tree.council_a1)
    _nothing_stored()


def test_cases_of_another_village_do_not_go_to_this_council(
    cases: Any, tree: Any, township_cadre: Any
) -> None:
    with pytest.raises(Invalid) as error:
        _open(cases, township_cadre, tree.council_b1, [cases.lamps_a1[1].pk])
    number = cases.lamps_a1[1].number
    assert error.value.fields == {"case_ids": [f"诉求 {number} 不在该议事机构所在的村（社区）。"]}
    _nothing_stored()


def test_a_confidential_case_never_goes_on_a_public_agenda(
    cases: Any, tree: Any, village_cadre: Any
) -> None:
    secret = CaseFactory.create(category=cases.lamps, region=tree.group_a1, is_confidential=True)
    with pytest.raises(Invalid) as error:
        _open(cases, village_cadre, tree.council_a1, [cases.lamps_a1[0].pk, secret.pk])
    assert error.value.fields == {"case_ids": [f"保密诉求不能列入议题：{secret.number}。"]}
    _nothing_stored()


@pytest.mark.parametrize(
    ("ids", "message"),
    [([], "请至少选择一件诉求。"), (["x"], "请选择有效的诉求。")],
)
def test_bad_case_lists_are_refused(
    cases: Any, tree: Any, village_cadre: Any, ids: list[Any], message: str
) -> None:
    with pytest.raises(Invalid) as error:
        _open(cases, village_cadre, tree.council_a1, ids)
    assert error.value.fields == {"case_ids": [message]}
    _nothing_stored()


def test_bad_motion_input_is_refused_by_the_motion_action(
    cases: Any, tree: Any, village_cadre: Any
) -> None:
    with pytest.raises(Invalid) as error:
        agenda.open_motion_from_cases(
            case_ids=[cases.lamps_a1[0].pk], council_id=tree.council_a1.pk, title=" ",
            body="", area="sport", actor=village_cadre,
        )  # fmt: skip
    assert error.value.fields == {
        "title": ["此项为必填项。"],
        "body": ["此项为必填项。"],
        "area": ["请选择有效的选项。"],
    }
    with pytest.raises(Invalid) as error:
        agenda.open_motion_from_cases(
            case_ids=[cases.lamps_a1[0].pk], council_id="0", title="修复路灯", body="修复。",
            area="development", actor=village_cadre,
        )  # fmt: skip
    assert error.value.fields == {"council_id": ["请选择有效的议事或决策机构。"]}
    _nothing_stored()


def test_a_case_already_on_a_motion_under_way_is_not_linked_twice(
    cases: Any, tree: Any, village_cadre: Any
) -> None:
    first = _open(cases, village_cadre, tree.council_a1, [cases.lamps_a1[0].pk])
    with pytest.raises(InvalidState) as error:
        _open(cases, village_cadre, tree.council_a1)
    assert str(error.value.message) == (
        f"诉求 {cases.lamps_a1[0].number} 已列入其他正在办理的议题。"
    )
    assert Motion.objects.count() == 1
    actions.withdraw_motion(motion_id=first.pk, actor=village_cadre)
    assert _open(cases, village_cadre, tree.council_a1).pk != first.pk


def test_the_county_admin_may_open_a_motion_from_cases(
    cases: Any, tree: Any, county_admin: Any
) -> None:
    assert _open(cases, county_admin, tree.council_a1).origin == "cases"


def _resolved(cases: Any, bodies: Any, village_cadre: Any) -> Motion:
    motion = _open(cases, village_cadre, bodies.council_a1)
    convener = bodies.convener_user
    motion = _reviewing(motion, convener)
    _pass_review(bodies, motion, convener)
    _vote(bodies, motion, convener, present=5, yes=4)
    motion.refresh_from_db()
    assert motion.state == "resolved"
    return motion


def test_the_bridge_listens_to_publications() -> None:
    assert "sizhi.bridges.agenda.on_publication" in settings.SIZHI_PUBLICATION_LISTENERS


def test_publishing_the_resolution_tells_each_submitter_once(
    cases: Any,
    bodies: Any,
    village_cadre: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    motion = _resolved(cases, bodies, village_cadre)
    reference = f"motion-cases:{motion.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        actions.publish_resolution(motion_id=motion.pk, actor=bodies.convener_user)
        assert not Message.objects.filter(reference=reference).exists()
    first, second, _third, anonymous = cases.lamps_a1
    told = "已列入一组议事会议题「修复一组路灯」，决议已公开：同意修缮。"
    sent = Message.objects.filter(reference=reference).order_by("address")
    assert [(m.channel, m.address, m.body) for m in sent] == [
        ("sms", PHONE_1, f"您反映的诉求 {first.number}、{second.number}：{told}"),
        ("sms", PHONE_2, f"您反映的诉求 {cases.lamps_a1[2].number}：{told}"),
    ]
    links = LinkedCase.objects.filter(motion=motion)
    assert links.count() == 4
    assert not links.filter(told_at__isnull=True).exists()
    events = CaseEvent.objects.filter(transition="motion_published").order_by("case_id")
    assert [(e.case_id, e.note, e.from_state, e.to_state) for e in events] == [
        (c.pk, told, c.state, c.state) for c in sorted(cases.lamps_a1, key=lambda c: c.pk)
    ]
    audit = AuditLog.objects.filter(action="case.motion_published")
    assert sorted(int(a.object_id) for a in audit) == sorted(c.pk for c in cases.lamps_a1)
    assert anonymous.pk in {e.case_id for e in events}
    # The resident following the case sees it on the public timeline, with the note.
    from sizhi.cases.public_queries import public_events, timeline

    shown = public_events(timeline(first, public=True), first.pk)
    assert [(e.label, e.note) for e in shown if e.transition == "motion_published"] == [
        ("议事会决议公开", told)
    ]
    # Told once: hearing of the same publication again changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        agenda.on_publication(motion_id=motion.pk, kind="resolution")
    assert agenda.tell_submitters(motion_id=motion.pk) == 0
    assert Message.objects.filter(reference=reference).count() == 2
    assert CaseEvent.objects.filter(transition="motion_published").count() == 4


def test_a_result_publication_or_an_unpublished_resolution_tells_nobody(
    cases: Any, bodies: Any, village_cadre: Any, django_capture_on_commit_callbacks: Any
) -> None:
    motion = _resolved(cases, bodies, village_cadre)
    with django_capture_on_commit_callbacks(execute=True):
        agenda.on_publication(motion_id=motion.pk, kind="result")
    assert agenda.tell_submitters(motion_id=motion.pk) == 0  # not published yet
    assert not Message.objects.filter(reference=f"motion-cases:{motion.pk}").exists()
    assert not LinkedCase.objects.filter(told_at__isnull=False).exists()
