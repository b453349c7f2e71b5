"""Contract tests of the motion endpoints: proposing, the list with its filters and keyset
pages, a motion with its counts, its timeline, and every step a person takes through
``/transitions``."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from sizhi.accounts.tests.apiclient import error_of, get, post
from sizhi.accounts.tests.factories import UserFactory
from sizhi.core.api.cursor import encode_cursor
from sizhi.core.models import AuditLog
from sizhi.deliberation.models import Motion, MotionEvent, Opinion, ProgressReport, Publication
from sizhi.deliberation.tests.apidata import (  # noqa: F401 - the fixture
    MOTIONS,
    fresh_rate_counters,
    motion,
    motions,
    new_motion,
    snapshot,
    token,
)
from sizhi.orgs.tests.factories import RoleGrantFactory

pytestmark = pytest.mark.django_db


# -- POST /motions ---------------------------------------------------------------------------------


def test_a_resident_proposes_through_create_motion(bodies: Any, resident: Any) -> None:
    response = post(MOTIONS, new_motion(bodies.council_a1, money_yuan="12000"), token(resident))
    assert response.status_code == 201
    body = response.json()
    created = Motion.objects.get()
    assert body["id"] == created.pk
    assert (body["state"], body["origin"], body["area"]) == ("proposed", "resident", "development")
    assert body["council"] == {"id": bodies.council_a1.pk, "name": "一组议事会", "kind": "council"}
    assert body["deciding_body"] == body["council"]
    assert (body["money_yuan"], body["land_mu"]) == ("12000.00", None)
    assert (body["cosign_threshold"], body["cosign_count"], body["cosigned"]) == (5, 0, False)
    assert body["opinions"] == {"support": 0, "oppose": 0, "suggest": 0, "total": 0}
    assert body["allowed_transitions"] == ["withdraw"]
    events = list(MotionEvent.objects.values_list("transition", "actor_id"))
    assert events == [("create", resident.pk), ("propose", resident.pk)]
    assert AuditLog.objects.filter(action="motion.create", actor=resident).count() == 1


def test_a_draft_stays_a_draft_until_proposed(bodies: Any, resident: Any) -> None:
    secret = token(resident)
    body = post(MOTIONS, new_motion(bodies.council_a1, propose=False), secret).json()
    assert (body["state"], body["allowed_transitions"]) == ("draft", ["propose", "withdraw"])
    response = post(f"{MOTIONS}/{body['id']}/transitions", {"name": "propose"}, secret)
    assert response.status_code == 200
    assert (response.json()["transition"], response.json()["state"]) == ("propose", "proposed")


def test_someone_outside_the_group_may_not_propose(bodies: Any) -> None:
    secret = token(bodies.member_b1_user)
    before = snapshot()
    response = post(MOTIONS, new_motion(bodies.council_a1), secret)
    assert error_of(response)[:2] == (403, "forbidden")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": "  "}, "title", "此项为必填项。"),
        ({"area": "weather"}, "area", "请选择有效的选项。"),
        ({"council_id": 999999}, "council_id", "请选择有效的议事或决策机构。"),
        ({"council_id": 10**30}, "council_id", "不能大于9223372036854775807。"),
        ({"money_yuan": "-5"}, "money_yuan", "请输入不小于0的合理数值。"),
        ({"money_yuan": "lots"}, "money_yuan", "请输入数字。"),
        ({"money_yuan": "999999999999.999"}, "money_yuan", "最多保留2位小数。"),
        ({"money_yuan": 10**12}, "money_yuan", "须小于1000000000000。"),
        ({"land_mu": "50000000000"}, "land_mu", "须小于10000000000。"),
        ({"statutory_matter": "gossip"}, "statutory_matter", "请选择有效的选项。"),
        ({"origin": "resident"}, "origin", "不接受此字段。"),
    ],
)
def test_bad_proposals_are_400_with_the_field_and_change_nothing(
    bodies: Any, resident: Any, overrides: dict[str, Any], field: str, message: str
) -> None:
    secret = token(resident)
    before = snapshot()
    status, code, fields = error_of(
        post(MOTIONS, new_motion(bodies.council_a1, **overrides), secret)
    )
    assert (status, code) == (400, "invalid")
    assert fields[field] == [message]
    assert snapshot() == before


def test_a_council_outside_the_tokens_region_is_refused(bodies: Any, county_admin: Any) -> None:
    secret = token(county_admin, region_code="520327101202")
    before = snapshot()
    status, code, fields = error_of(post(MOTIONS, new_motion(bodies.council_a1), secret))
    assert (status, code, fields) == (
        400,
        "invalid",
        {"council_id": ["该地点不在此令牌的区域范围内。"]},
    )
    assert snapshot() == before


def test_a_repeated_idempotency_key_proposes_once(bodies: Any, resident: Any) -> None:
    secret = token(resident)
    first = post(MOTIONS, new_motion(bodies.council_a1), secret, key="motion-1")
    again = post(MOTIONS, new_motion(bodies.council_a1), secret, key="motion-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Motion.objects.count() == 1
    other = post(MOTIONS, new_motion(bodies.council_a1, title="另一件事"), secret, key="motion-1")
    assert error_of(other)[:2] == (422, "idempotency_key_reused")


# -- GET /motions ----------------------------------------------------------------------------------


def test_the_list_pages_newest_first_with_an_opaque_cursor(bodies: Any, county_admin: Any) -> None:
    made = motions(bodies.council_a1, 5)
    secret = token(county_admin)
    seen: list[int] = []
    cursor = ""
    for expected in (2, 2, 1):
        response = get(MOTIONS, secret, limit=2, cursor=cursor)
        assert response.status_code == 200
        page = response.json()
        assert len(page["items"]) == expected
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"] or ""
    assert cursor == ""
    assert seen == [m.pk for m in reversed(made)]
    item = get(MOTIONS, secret, limit=1).json()["items"][0]
    assert set(item) == {
        "id", "title", "state", "area", "origin", "region_code", "council", "deciding_body",
        "topic_id", "is_public", "created_at", "updated_at", "proposed_at",
    }  # fmt: skip


def test_the_list_filters(bodies: Any, county_admin: Any, tree: Any) -> None:
    a1 = motion(bodies.council_a1, state="appraising", area="law")
    b1 = motion(bodies.council_b1, state="closed")
    decided = motion(bodies.council_a1, deciding_body=bodies.assembly_a)
    secret = token(county_admin)

    def ids(**params: Any) -> set[int]:
        response = get(MOTIONS, secret, **params)
        assert response.status_code == 200, response.content
        return {item["id"] for item in response.json()["items"]}

    assert ids(state="appraising") == {a1.pk}
    assert ids(area="law") == {a1.pk}
    assert ids(region=tree.village_b.code) == {b1.pk}
    assert ids(region=tree.township_a.code) == {a1.pk, b1.pk, decided.pk}
    assert ids(region=tree.township_b.code) == set()
    assert ids(council_id=bodies.council_b1.pk) == {b1.pk}
    Motion.objects.filter(pk=b1.pk).update(updated_at=timezone.now() + dt.timedelta(hours=1))
    assert ids(updated_since=(timezone.now() + dt.timedelta(minutes=30)).isoformat()) == {b1.pk}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "lost"}, "state"),
        ({"area": "weather"}, "area"),
        ({"limit": 101}, "limit"),
        ({"limit": 0}, "limit"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"updated_since": "0001-01-01T00:00:00+08:00"}, "updated_since"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": encode_cursor(timezone.now(), 2**63)}, "cursor"),
        ({"region": "5203271"}, "region"),
        ({"council_id": 0}, "council_id"),
    ],
)
def test_bad_list_parameters_are_400(county_admin: Any, params: dict[str, Any], field: str) -> None:
    status, code, fields = error_of(get(MOTIONS, token(county_admin), **params))
    assert status == 400
    assert code in {"invalid", "invalid_cursor"}
    assert field in fields


def test_the_list_runs_the_same_queries_for_3_and_30_rows(
    bodies: Any, county_admin: Any, django_assert_num_queries: Any
) -> None:
    secret = token(county_admin)
    get(MOTIONS, secret)  # the token's first use is noted once
    motions(bodies.council_a1, 3)
    # The token with its owner, the owner's grants, the page.
    with django_assert_num_queries(3):
        assert len(get(MOTIONS, secret).json()["items"]) == 3
    motions(bodies.council_a1, 27)
    with django_assert_num_queries(3):
        assert len(get(MOTIONS, secret).json()["items"]) == 30


# -- GET /motions/{id} and its events --------------------------------------------------------------


def test_a_motion_shows_its_counts_and_the_callers_steps(bodies: Any, resident: Any) -> None:
    secret = token(resident)
    motion_id = post(MOTIONS, new_motion(bodies.council_a1), secret).json()["id"]
    convener = token(bodies.convener_user)
    post(f"{MOTIONS}/{motion_id}/transitions", {"name": "admit", "note": "同意受理"}, convener)
    post(f"{MOTIONS}/{motion_id}/transitions", {"name": "comment", "stance": "support"}, secret)
    post(
        f"{MOTIONS}/{motion_id}/transitions",
        {"name": "comment", "stance": "suggest", "text": "分两期"},
        token(bodies.member_user),
    )
    body = get(f"{MOTIONS}/{motion_id}", convener).json()
    assert body["opinions"] == {"support": 1, "oppose": 0, "suggest": 1, "total": 2}
    assert body["proposer_name"] == "张*"  # the resident's person record, masked
    assert body["allowed_transitions"] == ["comment", "start_review", "reject", "add_note"]
    assert get(f"{MOTIONS}/{motion_id}", secret).json()["allowed_transitions"] == [
        "comment",
        "withdraw",
    ]


def test_the_proposers_name_is_masked(bodies: Any) -> None:
    created = motion(bodies.council_a1, proposer_name="欧阳娜娜")
    response = get(f"{MOTIONS}/{created.pk}", token(bodies.convener_user))
    assert response.json()["proposer_name"] == "欧***"
    assert "欧阳娜娜" not in response.content.decode()


def test_the_timeline_lists_every_step_with_masked_actors(bodies: Any, resident: Any) -> None:
    resident.name = "王小明"
    resident.save(update_fields=["name"])
    secret = token(resident)
    motion_id = post(MOTIONS, new_motion(bodies.council_a1), secret).json()["id"]
    post(f"{MOTIONS}/{motion_id}/transitions", {"name": "withdraw", "note": "已自行解决"}, secret)
    events = get(f"{MOTIONS}/{motion_id}/events", secret).json()
    assert [(e["transition"], e["from_state"], e["to_state"], e["actor"]) for e in events] == [
        ("create", "", "draft", "王**"),
        ("propose", "draft", "proposed", "王**"),
        ("withdraw", "proposed", "withdrawn", "王**"),
    ]
    assert events[2]["note"] == "已自行解决"


def test_a_missing_motion_is_404(county_admin: Any) -> None:
    secret = token(county_admin)
    assert error_of(get(f"{MOTIONS}/999999", secret))[:2] == (404, "not_found")
    assert error_of(get(f"{MOTIONS}/999999/events", secret))[:2] == (404, "not_found")
    status, code, fields = error_of(get(f"{MOTIONS}/0", secret))
    assert (status, code, list(fields)) == (400, "invalid", ["motion_id"])


# -- POST /motions/{id}/transitions ----------------------------------------------------------------


def _cosigner(tree: Any) -> Any:
    user = UserFactory.create()
    RoleGrantFactory.create(user=user, role="resident", region=tree.group_a1)
    return user


# (state before, step, body, state after)
STEPS = [
    ("proposed", "admit", {"note": "受理"}, "appraising"),
    ("appraising", "start_review", {"note": "意见已充分"}, "reviewing"),
    ("reviewing", "amend", {"title": "新标题", "body": "新内容", "note": "分期"}, "reviewing"),
    ("reviewing", "send_back", {"note": "补充预算"}, "appraising"),
    ("appraising", "reject", {"note": "不属本组事务"}, "rejected"),
    ("resolved", "publish_resolution", {"text": "同意修缮。"}, "resolution_published"),
    ("resolution_published", "start_implementation", {"due_on": "2099-01-31"}, "implementing"),
    ("implementing", "report_progress", {"text": "完成一半", "percent_done": 50}, "implementing"),
    ("implementing", "publish_result", {"text": "已完工"}, "result_published"),
    ("result_published", "close", {}, "closed"),
    ("implementing", "add_note", {"note": "材料已到"}, "implementing"),
]


@pytest.mark.parametrize(("before", "name", "extra", "after"), STEPS)
def test_each_managers_step_goes_through_its_action(
    bodies: Any, before: str, name: str, extra: dict[str, Any], after: str
) -> None:
    target = motion(bodies.council_a1, state=before)
    response = post(
        f"{MOTIONS}/{target.pk}/transitions", {"name": name, **extra}, token(bodies.convener_user)
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["transition"], body["state"], body["motion"]["state"]) == (name, after, after)
    event = MotionEvent.objects.get(motion=target, transition=name)
    assert (event.from_state, event.to_state, event.actor_id) == (
        before,
        after,
        bodies.convener_user.pk,
    )


def test_the_steps_write_what_their_actions_write(bodies: Any) -> None:
    convener = token(bodies.convener_user)
    target = motion(bodies.council_a1, state="implementing")
    post(
        f"{MOTIONS}/{target.pk}/transitions",
        {
            "name": "report_progress",
            "text": "完成一半",
            "percent_done": 50,
            "money_spent_yuan": 800,
        },
        convener,
    )
    report = ProgressReport.objects.get()
    assert (report.text, report.percent_done, str(report.money_spent_yuan)) == (
        "完成一半",
        50,
        "800.00",
    )
    body = get(f"{MOTIONS}/{target.pk}", convener).json()
    assert body["progress"][0]["money_spent_yuan"] == "800.00"
    post(f"{MOTIONS}/{target.pk}/transitions", {"name": "publish_result", "text": "完工"}, convener)
    publication = Publication.objects.get()
    assert (publication.kind, publication.text) == ("result", "完工")
    body = get(f"{MOTIONS}/{target.pk}", convener).json()
    assert [(p["kind"], p["text"]) for p in body["publications"]] == [("result", "完工")]


def test_residents_cosign_comment_and_the_proposer_withdraws(
    bodies: Any, resident: Any, tree: Any
) -> None:
    own = token(resident)
    motion_id = post(MOTIONS, new_motion(bodies.council_a1), own).json()["id"]
    neighbour = token(_cosigner(tree))
    cosigned = post(f"{MOTIONS}/{motion_id}/transitions", {"name": "cosign"}, neighbour).json()
    assert (cosigned["state"], cosigned["motion"]["cosign_count"]) == ("proposed", 1)
    assert cosigned["motion"]["cosigned"] is True
    assert "cosign" not in cosigned["motion"]["allowed_transitions"]
    again = post(f"{MOTIONS}/{motion_id}/transitions", {"name": "cosign"}, neighbour)
    assert error_of(again)[:2] == (409, "invalid_state")
    post(f"{MOTIONS}/{motion_id}/transitions", {"name": "admit"}, token(bodies.convener_user))
    comment = {"name": "comment", "stance": "oppose", "text": "费用太高"}
    assert post(f"{MOTIONS}/{motion_id}/transitions", comment, neighbour).status_code == 200
    assert list(Opinion.objects.values_list("stance", "text", "is_member")) == [
        ("oppose", "费用太高", False)
    ]
    withdrawn = post(f"{MOTIONS}/{motion_id}/transitions", {"name": "withdraw"}, own).json()
    assert withdrawn["state"] == "withdrawn"


def test_an_invalid_step_is_409_and_changes_nothing(bodies: Any) -> None:
    target = motion(bodies.council_a1, state="proposed")
    secret = token(bodies.convener_user)
    before = snapshot()
    response = post(f"{MOTIONS}/{target.pk}/transitions", {"name": "close"}, secret)
    assert error_of(response)[:2] == (409, "invalid_state")
    assert snapshot() == before


def test_a_step_the_caller_may_not_take_is_403_and_changes_nothing(
    bodies: Any, resident: Any
) -> None:
    target = motion(bodies.council_a1, state="proposed")
    secrets = (token(resident), token(bodies.member_user))
    before = snapshot()
    for secret in secrets:
        response = post(f"{MOTIONS}/{target.pk}/transitions", {"name": "admit"}, secret)
        assert error_of(response)[:2] == (403, "forbidden")
    assert snapshot() == before


def _progress(**extra: Any) -> dict[str, Any]:
    return {"name": "report_progress", "text": "完成一半", **extra}


EARLY = "评议期尚未结束，提前结束评议须说明理由。"


@pytest.mark.parametrize(
    ("state", "body", "field", "message"),
    [
        ("reviewing", {"name": "send_back"}, "note", "请填写理由。"),
        ("appraising", {"name": "comment", "stance": "suggest"}, "text", "请写下您的建议。"),
        ("appraising", {"name": "comment", "stance": "maybe"}, "stance", "请选择有效的选项。"),
        ("appraising", {"name": "start_review"}, "note", EARLY),
        ("reviewing", {"name": "amend", "note": "x"}, "title", "此项为必填项。"),
        ("implementing", _progress(percent_done=101), "percent_done", "不能大于100。"),
        ("implementing", _progress(reported_on="2999-01-01"), "reported_on", "日期不能晚于今天。"),
        ("implementing", _progress(reported_on="soon"), "reported_on", "请输入有效的日期。"),
        ("implementing", _progress(money_spent_yuan="NaN"), "money_spent_yuan", "请输入数字。"),
        (
            "resolution_published",
            {"name": "start_implementation", "due_on": "2000-01-01"},
            "due_on",
            "实施期限不能早于今天。",
        ),
        ("proposed", {"name": "teleport"}, "name", "请选择有效的选项。"),
        ("proposed", {"name": "admit", "photos": []}, "photos", "不接受此字段。"),
    ],
)
def test_a_step_with_bad_input_is_400_and_changes_nothing(
    bodies: Any, state: str, body: dict[str, Any], field: str, message: str
) -> None:
    target = motion(
        bodies.council_a1,
        state=state,
        appraisal_ends_at=timezone.now() + dt.timedelta(days=3),
    )
    secret = token(bodies.convener_user)
    before = snapshot()
    status, code, fields = error_of(post(f"{MOTIONS}/{target.pk}/transitions", body, secret))
    assert (status, code) == (400, "invalid")
    assert fields[field] == [message]
    assert snapshot() == before
