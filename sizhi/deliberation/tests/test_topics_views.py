"""Topics sent down to many councils: the list, writing and sending a topic (to every council
of an area, or to councils picked one by one), bad input that stores nothing, and the progress
page in a fixed number of queries whatever the number of councils."""

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from sizhi.deliberation import actions
from sizhi.deliberation.models import Motion, Topic
from sizhi.orgs.models import Unit, UnitKind
from sizhi.orgs.tests.factories import RegionFactory, UnitFactory

pytestmark = pytest.mark.django_db

NEW = "/deliberation/topics/new/"


def _login(client: Any, user: Any) -> Any:
    if user.is_authenticated:
        client.force_login(user)
    return client


def _form(issuer: str, **extra: str) -> dict[str, str]:
    return {
        "region": issuer,
        "title": "清理房前屋后垃圾",
        "body": "请各组议事会商议本组环境整治办法。",
        "area": "customs",
        "due_on": "",
        "target": "all",
        "within": "",
        **extra,
    }


def _topic(user: Any, region: str) -> Topic:
    return actions.create_topic(
        region_code=region, title="移风易俗", body="商议红白喜事简办标准。", area="customs",
        actor=user,
    )  # fmt: skip


def test_urls() -> None:
    assert reverse("deliberation:topics") == "/deliberation/topics/"
    assert reverse("deliberation:topic_new") == NEW
    assert reverse("deliberation:topic", args=[7]) == "/deliberation/topics/7/"
    assert reverse("deliberation:topic_send", args=[7]) == "/deliberation/topics/7/send/"


def test_a_county_topic_goes_to_every_council_of_the_county_at_once(
    client: Any, tree: Any, county_admin: Any
) -> None:
    response = _login(client, county_admin).post(NEW, _form(tree.county.code, due_on="2027-03-01"))
    topic = Topic.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/deliberation/topics/{topic.pk}/"
    assert (topic.region_code, topic.level, topic.target_count) == ("520327", "county", 2)
    assert topic.due_on == dt.date(2027, 3, 1)
    rows = Motion.objects.filter(topic=topic).order_by("region_code")
    assert [(m.council_id, m.origin, m.state, m.title) for m in rows] == [
        (tree.council_a1.pk, "county_topic", "proposed", "清理房前屋后垃圾"),
        (tree.council_b1.pk, "county_topic", "proposed", "清理房前屋后垃圾"),
    ]
    page = client.get(response["Location"])
    assert "议题已下发到2个议事会。" in page.content.decode()


def test_a_township_topic_may_go_to_one_village_only(
    client: Any, tree: Any, township_cadre: Any
) -> None:
    form = _form(tree.township_a.code, within=tree.village_b.code)
    response = _login(client, township_cadre).post(NEW, form)
    assert response.status_code == 302
    topic = Topic.objects.get()
    assert (topic.level, topic.target_count) == ("township", 1)
    assert list(Motion.objects.values_list("council_id", "origin")) == [
        (tree.council_b1.pk, "township_topic")
    ]


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            {"title": "", "body": " ", "area": ""},
            {
                "title": ["此项为必填项。"],
                "body": ["此项为必填项。"],
                "area": ["请选择有效的选项。"],
            },
        ),
        ({"title": "长" * 121}, {"title": ["内容不能超过120个字。"]}),
        ({"due_on": "2020-01-01"}, {"due_on": ["完成期限不能早于今天。"]}),
        ({"due_on": "明天"}, {"due_on": ["请输入有效的日期。"]}),
        ({"within": "520327102"}, {"within": ["只能下发到本级区域内的议事会。"]}),
        ({"within": "52032710x"}, {"within": ["请选择有效的区域。"]}),
        ({"region": "520327101201"}, {"region": ["议题应由县或乡镇下发。"]}),
    ],
)
def test_bad_input_is_refused_with_translated_errors_and_nothing_is_stored(
    client: Any, tree: Any, township_cadre: Any, changes: dict[str, str], errors: Any
) -> None:
    response = _login(client, township_cadre).post(NEW, _form(tree.township_a.code, **changes))
    assert response.status_code == 400
    assert response.context["form"].errors == errors
    assert "提交没有成功，请修改下面标出的内容。" in response.content.decode()
    assert Topic.objects.count() == 0
    assert Motion.objects.count() == 0


def test_an_area_without_councils_stores_neither_the_topic_nor_motions(
    client: Any, tree: Any, county_admin: Any
) -> None:
    form = _form(tree.county.code, within=tree.township_b.code)
    response = _login(client, county_admin).post(NEW, form)
    assert response.status_code == 409
    assert response.context["form"].non_field_errors() == ["没有可下发的议事会。"]
    assert Topic.objects.count() == 0
    assert Motion.objects.count() == 0


def test_a_topic_for_a_region_out_of_scope_is_not_allowed(
    client: Any, tree: Any, township_cadre: Any
) -> None:
    response = _login(client, township_cadre).post(NEW, _form(tree.township_b.code))
    assert response.status_code == 403
    assert "您没有执行此操作的权限。" in response.content.decode()
    assert Topic.objects.count() == 0


@pytest.mark.parametrize(
    "persona", ["supervisor", "village_cadre", "convener", "resident"], indirect=True
)
def test_only_county_and_township_issuers_may_write_a_topic(
    client: Any, tree: Any, persona: Any
) -> None:
    client = _login(client, persona)
    assert client.get(NEW).status_code == 404
    assert client.post(NEW, _form(tree.county.code)).status_code == 404
    assert Topic.objects.count() == 0


def test_councils_may_be_picked_one_by_one(client: Any, tree: Any, county_admin: Any) -> None:
    client = _login(client, county_admin)
    response = client.post(NEW, _form(tree.county.code, target="choose"))
    topic = Topic.objects.get()
    send = f"/deliberation/topics/{topic.pk}/send/"
    assert response["Location"] == f"{send}?within="
    assert (topic.sent_at, Motion.objects.count()) == (None, 0)
    page = client.get(send)
    assert [c.pk for c in page.context["councils"]] == [tree.council_a1.pk, tree.council_b1.pk]
    assert client.post(send, {"within": ""}).context["errors"] == ["请至少选择一个议事会。"]
    response = client.post(send, {"within": "", "council": [tree.council_a1.pk]})
    assert response.status_code == 302
    assert list(Motion.objects.values_list("council_id", flat=True)) == [tree.council_a1.pk]
    assert [c.pk for c in client.get(send).context["councils"]] == [tree.council_b1.pk]
    again = client.post(send, {"within": "", "council": [tree.council_a1.pk]})
    assert (again.status_code, again.context["errors"]) == (409, ["没有可下发的议事会。"])
    topic.refresh_from_db()
    assert topic.target_count == 1
    narrowed = client.get(send, {"within": tree.village_b.code})
    assert [c.pk for c in narrowed.context["councils"]] == [tree.council_b1.pk]


def test_those_who_only_view_a_topic_may_not_send_it(
    client: Any, tree: Any, county_admin: Any, supervisor: Any
) -> None:
    topic = _topic(county_admin, tree.county.code)
    client = _login(client, supervisor)
    assert client.get(f"/deliberation/topics/{topic.pk}/").status_code == 200
    assert client.get(f"/deliberation/topics/{topic.pk}/send/").status_code == 403
    response = client.post(f"/deliberation/topics/{topic.pk}/send/", {"council": [1]})
    assert response.status_code == 403
    assert Motion.objects.count() == 0


def test_the_list_shows_the_topics_in_scope(
    client: Any, tree: Any, county_admin: Any, township_cadre: Any, other_village_cadre: Any
) -> None:
    county_topic = _topic(county_admin, tree.county.code)
    township_topic = _topic(township_cadre, tree.township_a.code)
    actions.send_topic(topic_id=county_topic.pk, actor=county_admin)
    response = _login(client, county_admin).get("/deliberation/topics/")
    assert [t.pk for t in response.context["topics"]] == [township_topic.pk, county_topic.pk]
    assert response.context["may_issue"] is True
    html = response.content.decode()
    assert f'href="/deliberation/topics/{county_topic.pk}/"' in html
    assert "未下发" in html
    client.force_login(other_village_cadre)
    response = client.get("/deliberation/topics/")
    assert response.context["may_issue"] is False
    assert "新建议题" not in response.content.decode()


@pytest.mark.parametrize("persona", ["resident", "anonymous"], indirect=True)
def test_residents_find_no_topics(client: Any, tree: Any, persona: Any) -> None:
    response = _login(client, persona).get("/deliberation/topics/")
    assert response.status_code == (404 if persona.is_authenticated else 302)


def test_the_progress_page_counts_by_state_overall_and_per_township(
    client: Any, tree: Any, bodies: Any, county_admin: Any
) -> None:
    topic = _topic(county_admin, tree.county.code)
    actions.send_topic(topic_id=topic.pk, actor=county_admin)
    motion_a1 = Motion.objects.get(topic=topic, council=tree.council_a1)
    actions.admit_motion(motion_id=motion_a1.pk, actor=bodies.convener_user)
    response = _login(client, county_admin).get(f"/deliberation/topics/{topic.pk}/")
    assert response.status_code == 200
    progress = response.context["progress"]
    assert (progress.total, progress.by_state) == (2, {"proposed": 1, "appraising": 1})
    assert response.context["states"] == [("proposed", "已提议", 1), ("appraising", "评议中", 1)]
    [(township, cells, total)] = response.context["townships"]
    assert (township.code, cells, total) == (
        "520327101",
        [("proposed", "已提议", 1), ("appraising", "评议中", 1)],
        2,
    )
    html = response.content.decode()
    assert "办理进度（共2个议事会）" in html
    link = f"/deliberation/county/motions/?topic={topic.pk}&amp;state=appraising"
    assert f'href="{link}&amp;region=520327101"' in html
    listed = client.get("/deliberation/county/motions/", {"topic": topic.pk, "state": "appraising"})
    assert [m.pk for m in listed.context["motions"]] == [motion_a1.pk]


def test_a_topic_out_of_sight_is_not_found(
    client: Any, tree: Any, county_admin: Any, township_cadre: Any, resident: Any
) -> None:
    topic = _topic(township_cadre, tree.township_a.code)
    client = _login(client, resident)
    assert client.get(f"/deliberation/topics/{topic.pk}/").status_code == 404
    assert client.get(f"/deliberation/topics/{topic.pk}/send/").status_code == 404
    client.force_login(county_admin)
    assert client.get("/deliberation/topics/999999/").status_code == 404


def test_a_township_cadre_may_follow_the_county_topic_they_are_shown(
    client: Any, tree: Any, county_admin: Any, township_cadre: Any
) -> None:
    topic = _topic(county_admin, tree.county.code)
    actions.send_topic(topic_id=topic.pk, actor=county_admin)
    client = _login(client, township_cadre)
    assert [t.pk for t in client.get("/deliberation/topics/").context["topics"]] == [topic.pk]
    assert client.get(f"/deliberation/topics/{topic.pk}/").status_code == 200


def _councils(n: int) -> None:
    """``n`` more councils, half in new groups of village A (township A), half in a new
    village of township B."""
    RegionFactory.create(code="520327102201", name="新村")
    for i in range(n):
        village = "520327101201" if i % 2 else "520327102201"
        group = RegionFactory.create(code=f"{village}{i + 2:03d}")
        UnitFactory.create(region=group, kind=UnitKind.COUNCIL, name=f"{i + 2}组议事会")


@pytest.mark.parametrize("n", [3, 30])
def test_the_progress_page_runs_a_fixed_number_of_queries(
    client: Any, tree: Any, county_admin: Any, django_assert_num_queries: Any, n: int
) -> None:
    _councils(n)
    topic = _topic(county_admin, tree.county.code)
    sent = actions.send_topic(topic_id=topic.pk, actor=county_admin)
    assert sent == n + 2 == Unit.objects.filter(kind=UnitKind.COUNCIL).count()
    client = _login(client, county_admin)
    # Session, user, grants, the topic, motions by township and state, the townships, and the
    # page frame's county name and role labels.
    with django_assert_num_queries(8):
        response = client.get(f"/deliberation/topics/{topic.pk}/")
    assert response.context["progress"].total == n + 2
    assert len(response.context["townships"]) == 2
    assert timezone.now() >= topic.created_at
