"""Contract tests of the topic endpoints: issuing and sending a topic in one request, its
progress, the list with keyset pages, and refusals that change nothing."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from sizhi.accounts.tests.apiclient import error_of, get, post
from sizhi.deliberation.models import Motion, Topic
from sizhi.deliberation.tests.apidata import (  # noqa: F401 - the fixture
    TOPICS,
    fresh_rate_counters,
    snapshot,
    token,
)
from sizhi.orgs.models import UnitKind
from sizhi.orgs.tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


def _topic(code: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "region_code": code,
        "title": "农村人居环境整治",
        "body": "请各组议事会商议本组人居环境整治方案。",
        "area": "development",
    }
    body.update(overrides)
    return body


def _topics(tree: Any, count: int, region: Any = None) -> list[Topic]:
    start = timezone.now() - dt.timedelta(hours=count)
    place = region or tree.county
    return [
        Topic.objects.create(
            title=f"议题{n}",
            body="内容",
            area="development",
            region=place,
            region_code=place.code,
            created_at=start + dt.timedelta(hours=n),
        )
        for n in range(count)
    ]


def test_a_county_topic_is_issued_and_sent_in_one_request(
    bodies: Any, county_admin: Any, tree: Any
) -> None:
    UnitFactory.create(region=tree.township_b, kind=UnitKind.COUNCIL, name="琊川镇议事会")
    secret = token(county_admin)
    response = post(TOPICS, _topic(tree.county.code, send=True, due_on="2099-06-30"), secret)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sent"] == 3
    topic = body["topic"]
    assert (topic["level"], topic["target_count"], topic["due_on"]) == ("county", 3, "2099-06-30")
    assert topic["progress"] == {
        "total": 3,
        "by_state": {"proposed": 3},
        "by_township": [
            {"code": "520327101", "name": "进化镇", "total": 2, "by_state": {"proposed": 2}},
            {"code": "520327102", "name": "琊川镇", "total": 1, "by_state": {"proposed": 1}},
        ],
    }
    assert set(Motion.objects.values_list("origin", "state")) == {("county_topic", "proposed")}
    again = get(f"{TOPICS}/{topic['id']}", secret).json()
    assert again == topic


def test_a_topic_without_send_creates_no_motions(county_admin: Any, tree: Any) -> None:
    body = post(TOPICS, _topic(tree.township_a.code), token(county_admin)).json()
    assert (body["sent"], body["topic"]["level"], body["topic"]["sent_at"]) == (0, "township", None)
    assert Motion.objects.count() == 0


def test_sending_to_nowhere_is_409_and_leaves_no_topic(county_admin: Any, tree: Any) -> None:
    secret = token(county_admin)
    before = snapshot()
    response = post(TOPICS, _topic(tree.township_b.code, send=True), secret)
    assert error_of(response)[:2] == (409, "invalid_state")
    assert response.json()["detail"] == "没有可下发的议事会。"
    assert snapshot() == before


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"region_code": "520327101201"}, "region_code", "议题应由县或乡镇下发。"),
        ({"title": ""}, "title", "此项为必填项。"),
        ({"area": "weather"}, "area", "请选择有效的选项。"),
        ({"due_on": "2000-01-01"}, "due_on", "完成期限不能早于今天。"),
        ({"due_on": "someday"}, "due_on", "请输入有效的日期。"),
        ({"send": True, "within": "520327102"}, "within", "只能下发到本级区域内的议事会。"),
    ],
)
def test_bad_topics_are_400_and_change_nothing(
    bodies: Any, county_admin: Any, tree: Any, overrides: dict[str, Any], field: str, message: str
) -> None:
    secret = token(county_admin)
    before = snapshot()
    response = post(TOPICS, _topic(tree.township_a.code, **overrides), secret)
    status, code, fields = error_of(response)
    assert (status, code, fields[field]) == (400, "invalid", [message])
    assert snapshot() == before


def test_only_those_with_the_topic_permission_issue_topics(bodies: Any, tree: Any) -> None:
    secret = token(bodies.convener_user)
    before = snapshot()
    response = post(TOPICS, _topic(tree.township_a.code), secret)
    assert error_of(response)[:2] == (403, "forbidden")
    assert snapshot() == before


def test_a_region_scoped_token_issues_only_inside_its_region(county_admin: Any, tree: Any) -> None:
    secret = token(county_admin, region_code=tree.township_a.code)
    before = snapshot()
    for body, field in (
        (_topic(tree.county.code), "region_code"),
        (_topic(tree.township_b.code), "region_code"),
    ):
        assert error_of(post(TOPICS, body, secret)) == (
            400,
            "invalid",
            {field: ["该地点不在此令牌的区域范围内。"]},
        )
    assert snapshot() == before


def test_topics_page_newest_first(county_admin: Any, tree: Any) -> None:
    made = _topics(tree, 3)
    secret = token(county_admin)
    first = get(TOPICS, secret, limit=2).json()
    assert [t["id"] for t in first["items"]] == [made[2].pk, made[1].pk]
    rest = get(TOPICS, secret, limit=2, cursor=first["next_cursor"]).json()
    assert ([t["id"] for t in rest["items"]], rest["next_cursor"]) == ([made[0].pk], None)
    assert get(TOPICS, secret, area="law").json()["items"] == []
    assert error_of(get(TOPICS, secret, area="weather"))[:2] == (400, "invalid")


def test_a_township_cadre_follows_county_topics_and_their_own(
    township_cadre: Any, tree: Any
) -> None:
    county = _topics(tree, 1)[0]
    own = _topics(tree, 1, tree.township_a)[0]
    other = _topics(tree, 1, tree.township_b)[0]
    secret = token(township_cadre)
    assert {t["id"] for t in get(TOPICS, secret).json()["items"]} == {county.pk, own.pk}
    assert get(f"{TOPICS}/{county.pk}", secret).status_code == 200
    assert error_of(get(f"{TOPICS}/{other.pk}", secret))[:2] == (404, "not_found")


def test_the_topics_list_runs_the_same_queries_for_3_and_30_rows(
    county_admin: Any, tree: Any, django_assert_num_queries: Any
) -> None:
    secret = token(county_admin)
    get(TOPICS, secret)
    _topics(tree, 3)
    with django_assert_num_queries(3):
        assert len(get(TOPICS, secret).json()["items"]) == 3
    _topics(tree, 27)
    with django_assert_num_queries(3):
        assert len(get(TOPICS, secret).json()["items"]) == 30
