"""The convener's desk and the list of motions over HTTP: who may use them, what they show, the
filters and keyset pages, and a fixed number of queries whatever the number of rows."""

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sizhi.deliberation import actions
from sizhi.deliberation.models import Motion, Objection, Publication
from sizhi.deliberation.tests.factories import MotionFactory
from sizhi.deliberation.workflow import MotionState

pytestmark = pytest.mark.django_db

S = MotionState
GROUP_A1 = "520327101201001"


def _html(response: Any) -> str:
    """The page with every run of white space made one space."""
    return re.sub(r"\s+", " ", response.content.decode())


def _rows(bodies: Any, n: int) -> None:
    """``n`` motions of group A1 in states the desk lists, with a meeting and an objection
    for every third."""
    states = (S.PROPOSED, S.RESOLVED, S.ADJOURNED)
    now = timezone.now()
    for i in range(n):
        motion = MotionFactory.create(council=bodies.council_a1, state=states[i % 3])
        if i % 3 == 0:
            actions.schedule_meeting(
                body_id=bodies.branch_a1.pk, title=f"会议{i}", place="一组",
                starts_at=now + dt.timedelta(days=1), agenda=[(motion.pk, "review")],
                actor=bodies.convener_user,
            )  # fmt: skip
            Motion.objects.filter(pk=motion.pk).update(state=S.PROPOSED)
            publication = Publication.objects.create(
                motion=motion, region_code=motion.region_code, kind="resolution", text="同意",
                published_at=now, visible_until=now, objections_until=now,
            )  # fmt: skip
            Objection.objects.create(
                publication=publication, region_code=motion.region_code, text="异议",
                at=now, answer_due_at=now + dt.timedelta(days=5),
            )  # fmt: skip


def test_the_desk_shows_states_due_meetings_and_objections(client, bodies):
    proposed = MotionFactory.create(council=bodies.council_a1, title="待受理的事")
    MotionFactory.create(council=bodies.council_a1, state=S.REVIEWING, title="审议中的事")
    resolved = MotionFactory.create(council=bodies.council_a1, state=S.RESOLVED, title="已决议")
    MotionFactory.create(council=bodies.council_b1, title="沙坝的事")
    client.force_login(bodies.convener_user)
    response = client.get("/deliberation/desk/")
    assert response.status_code == 200
    assert response.context["by_state"] == [
        ("proposed", "已提议", 1),
        ("reviewing", "审议中", 1),
        ("resolved", "已决议", 1),
    ]
    assert [m.pk for m in response.context["view"].due] == [proposed.pk, resolved.pk]
    html = _html(response)
    assert 'href="/deliberation/motions/?state=reviewing">审议中 <strong>1</strong>' in html
    assert "受理或不予采纳" in html
    assert "公开决议" in html
    assert "沙坝的事" not in html
    assert "没有安排的会议。" in html
    assert "没有待答复的异议。" in html


@pytest.mark.parametrize("who", ["resident", "member", "village_cadre"])
def test_the_desk_is_only_for_those_who_run_motions(client, bodies, request, who):
    user = bodies.member_user if who == "member" else request.getfixturevalue(who)
    client.force_login(user)
    assert client.get("/deliberation/desk/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, tree):
    for url in ("/deliberation/desk/", "/deliberation/motions/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_desk_runs_the_same_queries_for_3_or_30_rows(client, bodies, django_assert_num_queries):
    _rows(bodies, 3)
    client.force_login(bodies.convener_user)
    client.get("/deliberation/desk/")
    three = _queries(client, "/deliberation/desk/")
    _rows(bodies, 27)
    with django_assert_num_queries(three):
        response = client.get("/deliberation/desk/")
    view = response.context["view"]
    assert (len(view.due), len(view.meetings), len(view.objections)) == (30, 10, 10)


# -- The list -------------------------------------------------------------------------------------


def test_the_list_filters_and_pages_by_keyset(client, bodies, resident):
    for i in range(31):
        MotionFactory.create(council=bodies.council_a1, title=f"议题{i:02d}")
    MotionFactory.create(council=bodies.council_a1, state=S.REVIEWING, title="审议中的议题")
    MotionFactory.create(council=bodies.council_a1, area="law", title="普法议题")
    MotionFactory.create(council=bodies.council_b1, title="沙坝议题")
    client.force_login(bodies.member_user)
    response = client.get("/deliberation/motions/")
    rows = response.context["rows"]
    assert len(rows) == 30
    assert rows[0].title == "普法议题"
    cursor = rows[-1].pk
    assert response.context["next_url"] == f"?after={cursor}"
    response = client.get(f"/deliberation/motions/?after={cursor}")
    assert [m.title for m in response.context["rows"]] == ["议题02", "议题01", "议题00"]
    assert response.context["next_url"] == ""
    assert response.context["first_url"] == "?"
    response = client.get("/deliberation/motions/", {"state": "reviewing"})
    assert [m.title for m in response.context["rows"]] == ["审议中的议题"]
    response = client.get("/deliberation/motions/", {"area": "law", "region": GROUP_A1})
    assert [m.title for m in response.context["rows"]] == ["普法议题"]
    assert "沙坝议题" not in _html(client.get("/deliberation/motions/?after=999999"))


def test_a_bad_filter_is_shown(client, bodies):
    client.force_login(bodies.member_user)
    response = client.get("/deliberation/motions/", {"region": "12ab", "state": "nope"})
    assert response.status_code == 400
    html = _html(response)
    assert "区划代码格式不正确。" in html
    assert "选择一个有效的选项" in html


def test_the_list_runs_the_same_queries_for_3_or_30_rows(client, bodies, django_assert_num_queries):
    for _ in range(3):
        MotionFactory.create(council=bodies.council_a1)
    client.force_login(bodies.member_user)
    client.get("/deliberation/motions/")
    three = _queries(client, "/deliberation/motions/")
    for _ in range(27):
        MotionFactory.create(council=bodies.council_a1)
    with django_assert_num_queries(three):
        response = client.get("/deliberation/motions/")
    assert len(response.context["rows"]) == 30
