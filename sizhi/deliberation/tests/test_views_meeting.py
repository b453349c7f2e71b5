"""Meetings and ballots over HTTP: calling a meeting (errors shown, nothing stored), attendance,
opening a ballot per agenda item, the roll call and the counts, a member's own vote, closing
with the body's rule; a member of group A can neither see nor vote in a private motion of
group B; a fixed number of queries on the ballot page whatever the number of members."""

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sizhi.deliberation import actions
from sizhi.deliberation.models import AgendaItem, Ballot, Meeting, Motion, MotionEvent, Vote
from sizhi.deliberation.tests.factories import MotionFactory
from sizhi.deliberation.workflow import MotionState

pytestmark = pytest.mark.django_db

S = MotionState


def _html(response: Any) -> str:
    """The page with every run of white space made one space."""
    return re.sub(r"\s+", " ", response.content.decode())


def _reviewing(bodies: Any, **extra: Any) -> Motion:
    return MotionFactory.create(
        council=bodies.council_a1, state=S.REVIEWING, title="修缮组内便道", **extra
    )


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _meeting(bodies: Any, motion: Motion, purpose: str, body: Any = None) -> Meeting:
    now = timezone.now()
    return actions.schedule_meeting(
        body_id=(body or bodies.council_a1).pk, title="组务会议", place="一组群众工作点",
        starts_at=now, notice_sent_at=now, agenda=[(motion.pk, purpose)],
        actor=bodies.convener_user,
    )  # fmt: skip


def _held(bodies: Any, motion: Motion, purpose: str, present: int, body: Any = None) -> Meeting:
    meeting = _meeting(bodies, motion, purpose, body)
    actions.record_attendance(meeting_id=meeting.pk, present=present, actor=bodies.convener_user)
    return meeting


def _reviewed(bodies: Any, motion: Motion) -> None:
    meeting = _held(bodies, motion, "review", 3, bodies.branch_a1)
    ballot = actions.open_ballot(
        meeting_id=meeting.pk, motion_id=motion.pk, purpose="review", method="show_of_hands",
        actor=bodies.convener_user,
    )  # fmt: skip
    actions.record_counts(ballot_id=ballot.pk, yes=3, no=0, abstain=0, actor=bodies.convener_user)
    actions.close_ballot(ballot_id=ballot.pk, actor=bodies.convener_user)


def _roll_call(bodies: Any, motion: Motion) -> Ballot:
    meeting = _held(bodies, motion, "vote", 5)
    return actions.open_ballot(
        meeting_id=meeting.pk, motion_id=motion.pk, purpose="vote", method="roll_call",
        actor=bodies.convener_user,
    )  # fmt: skip


# -- Calling a meeting ----------------------------------------------------------------------------


def test_the_convener_sees_the_form_with_the_motions_waiting(client, bodies):
    motion = _reviewing(bodies)
    MotionFactory.create(council=bodies.council_a1, state=S.APPRAISING, title="还在评议")
    client.force_login(bodies.convener_user)
    response = client.get(f"/deliberation/meetings/new/?motion={motion.pk}&purpose=review")
    assert response.status_code == 200
    html = _html(response)
    assert "修缮组内便道" in html
    assert "还在评议" not in html
    assert '<option value="review" selected>审议</option>' in html
    assert "一组党支部" in html
    assert "一组议事会" in html


@pytest.mark.parametrize("who", ["resident", "member"])
def test_people_who_do_not_run_motions_cannot_call_meetings(client, bodies, request, who):
    user = bodies.member_user if who == "member" else request.getfixturevalue(who)
    client.force_login(user)
    assert client.get("/deliberation/meetings/new/").status_code == 404
    assert client.post("/deliberation/meetings/new/", {"title": "会"}).status_code == 404
    assert Meeting.objects.count() == 0


def test_bad_input_is_shown_and_no_meeting_is_stored(client, bodies):
    _reviewing(bodies)
    client.force_login(bodies.convener_user)
    data = {"body": str(bodies.council_a1.pk), "title": "", "place": "", "starts_at": "明天"}
    response = client.post("/deliberation/meetings/new/", data)
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "__all__": ["请至少列入一个议题。"],
        "title": ["此项为必填项。"],
        "place": ["此项为必填项。"],
        "starts_at": ["请输入有效的日期和时间。"],
    }
    assert "有错误：安排会议" in _html(response)
    assert Meeting.objects.count() == 0
    assert AgendaItem.objects.count() == 0


def test_a_review_at_the_council_is_refused(client, bodies):
    motion = _reviewing(bodies)
    client.force_login(bodies.convener_user)
    now = timezone.now()
    data = {
        "body": str(bodies.council_a1.pk),
        "title": "议事会会议",
        "place": "一组",
        "starts_at": _local(now),
        f"agenda_{motion.pk}": "review",
    }
    response = client.post("/deliberation/meetings/new/", data)
    assert response.status_code == 400
    assert "审议应由党组织、党员大会或村民委员会进行。" in _html(response)
    assert Meeting.objects.count() == 0


def test_the_convener_calls_a_review_meeting_of_the_branch(client, bodies):
    motion = _reviewing(bodies)
    client.force_login(bodies.convener_user)
    start = timezone.now() + dt.timedelta(days=1)
    data = {
        "body": str(bodies.branch_a1.pk),
        "title": "支部审议会",
        "place": "一组群众工作点",
        "starts_at": _local(start),
        "notice_sent_at": "",
        f"agenda_{motion.pk}": "review",
    }
    response = client.post("/deliberation/meetings/new/", data, follow=True)
    meeting = Meeting.objects.get()
    assert response.redirect_chain == [(f"/deliberation/meetings/{meeting.pk}/", 302)]
    assert (meeting.body_id, meeting.expected) == (bodies.branch_a1.pk, 3)
    assert list(meeting.agenda.values_list("motion_id", "purpose")) == [(motion.pk, "review")]
    html = _html(response)
    assert "会议已安排。" in html
    assert "会议召开后，请先登记到会情况，再逐项表决。" in html


# -- Attendance and ballots -----------------------------------------------------------------------


def test_attendance_is_checked_then_recorded(client, bodies):
    motion = _reviewing(bodies)
    meeting = _meeting(bodies, motion, "review", bodies.branch_a1)
    client.force_login(bodies.convener_user)
    url = f"/deliberation/meetings/{meeting.pk}/attendance/"
    response = client.post(url, {"expected": "3", "present": "4", "women_present": "0"})
    assert response.status_code == 400
    assert "实到人数不能多于应到人数。" in _html(response)
    meeting.refresh_from_db()
    assert (meeting.held, meeting.present) == (False, 0)
    data = {
        "expected": "3", "present": "3", "women_present": "1",
        "township_attendee": "进化镇 王干部", "minutes": "审议修缮便道",
    }  # fmt: skip
    response = client.post(url, data, follow=True)
    assert "已登记到会情况。" in _html(response)
    meeting.refresh_from_db()
    assert (meeting.held, meeting.present, meeting.women_present) == (True, 3, 1)
    assert "开始审议表决" in _html(response)


def test_a_ballot_before_attendance_is_a_conflict(client, bodies):
    motion = _reviewing(bodies)
    meeting = _meeting(bodies, motion, "review", bodies.branch_a1)
    client.force_login(bodies.convener_user)
    url = f"/deliberation/meetings/{meeting.pk}/ballots/"
    data = {"motion": motion.pk, "purpose": "review", "method": "show_of_hands"}
    response = client.post(url, data)
    assert response.status_code == 409
    assert "请先登记到会情况。" in _html(response)
    assert Ballot.objects.count() == 0


def test_a_review_by_show_of_hands_is_counted_and_closed(client, bodies):
    motion = _reviewing(bodies)
    meeting = _held(bodies, motion, "review", 3, bodies.branch_a1)
    client.force_login(bodies.convener_user)
    url = f"/deliberation/meetings/{meeting.pk}/ballots/"
    response = client.post(url, {"motion": motion.pk, "purpose": "review"})
    assert response.status_code == 400
    assert "请选择表决方式。" in _html(response)
    data = {"motion": motion.pk, "purpose": "review", "method": "show_of_hands"}
    response = client.post(url, data)
    ballot = Ballot.objects.get()
    assert response["Location"] == f"/deliberation/ballots/{ballot.pk}/"
    counts = f"/deliberation/ballots/{ballot.pk}/counts/"
    response = client.post(counts, {"yes": "3", "no": "1", "abstain": "0"})
    assert response.status_code == 400
    assert "赞成、反对、弃权票数之和不能多于实到人数。" in _html(response)
    ballot.refresh_from_db()
    assert ballot.yes == 0
    assert client.post(counts, {"yes": "3", "no": "0", "abstain": "0"}).status_code == 302
    response = client.post(f"/deliberation/ballots/{ballot.pk}/close/", {}, follow=True)
    assert "表决结束：通过。" in _html(response)
    ballot.refresh_from_db()
    assert (ballot.outcome, ballot.yes) == ("passed", 3)
    assert "适用规则：到会超过二分之一应到人数；赞成票超过二分之一到会人数" in _html(response)


def test_a_roll_call_lists_the_members_records_votes_and_resolves(client, bodies):
    motion = _reviewing(bodies)
    _reviewed(bodies, motion)
    ballot = _roll_call(bodies, motion)
    client.force_login(bodies.convener_user)
    response = client.get(f"/deliberation/ballots/{ballot.pk}/")
    assert response.status_code == 200
    roll = response.context["roll"]
    members = bodies.council_members
    assert [voter.person_id for voter in roll.voters] == [p.pk for p in members]
    html = _html(response)
    for person in members:
        assert person.name not in html
    data = {f"vote_{p.pk}": "yes" for p in members[:3]} | {f"vote_{members[3].pk}": "no"}
    response = client.post(f"/deliberation/ballots/{ballot.pk}/votes/", data, follow=True)
    assert "已登记表决票。" in _html(response)
    assert [v.person_id for v in response.context["roll"].voters] == [members[4].pk]
    response = client.post(f"/deliberation/ballots/{ballot.pk}/votes/", {}, follow=True)
    assert "请至少登记一票。" in _html(response)
    response = client.post(
        f"/deliberation/ballots/{ballot.pk}/close/", {"resolution": "同意修缮，按户均摊。"}
    )
    assert response.status_code == 302
    motion.refresh_from_db()
    ballot.refresh_from_db()
    assert (ballot.outcome, ballot.yes, ballot.no) == ("passed", 3, 1)
    assert (motion.state, motion.resolution) == (S.RESOLVED, "同意修缮，按户均摊。")
    assert client.post(f"/deliberation/ballots/{ballot.pk}/close/", {}).status_code == 409


def test_a_member_casts_their_own_vote_once(client, bodies):
    motion = _reviewing(bodies)
    _reviewed(bodies, motion)
    ballot = _roll_call(bodies, motion)
    client.force_login(bodies.member_user)
    response = client.get(f"/deliberation/ballots/{ballot.pk}/")
    assert response.context["cast"] is not None
    assert response.context["roll"] is None  # members do not record others' votes
    url = f"/deliberation/ballots/{ballot.pk}/vote/"
    assert client.post(url, {}).status_code == 400
    response = client.post(url, {"choice": "yes"}, follow=True)
    assert "您的表决意见已记录。" in _html(response)
    assert "您已参加本次表决。" in _html(response)
    response = client.post(url, {"choice": "no"})
    assert response.status_code == 409
    assert list(Vote.objects.values_list("person_id", "choice")) == [
        (bodies.council_members[1].pk, "yes")
    ]
    assert client.post(f"/deliberation/ballots/{ballot.pk}/close/", {}).status_code == 403
    assert Ballot.objects.get(pk=ballot.pk).outcome == ""


def test_a_member_of_group_a_can_neither_see_nor_vote_in_a_private_motion_of_group_b(
    client, bodies, tree
):
    from sizhi.orgs.tests.factories import RoleGrantFactory

    convener_b = bodies.member_b1_user
    RoleGrantFactory.create(user=convener_b, role="convener", unit=bodies.council_b1)
    motion = MotionFactory.create(council=bodies.council_b1, is_public=False, state=S.VOTING)
    now = timezone.now()
    meeting = Meeting.objects.create(
        body=bodies.council_b1, region_code=bodies.council_b1.region_code, title="沙坝组会",
        place="沙坝", starts_at=now, notice_sent_at=now, held=True, expected=1, present=1,
    )  # fmt: skip
    AgendaItem.objects.create(meeting=meeting, motion=motion, purpose="vote")
    ballot = Ballot.objects.create(
        meeting=meeting, motion=motion, region_code=motion.region_code, purpose="vote",
        method="roll_call", opened_at=now,
    )  # fmt: skip
    client.force_login(bodies.member_user)
    assert client.get(f"/deliberation/meetings/{meeting.pk}/").status_code == 404
    assert client.get(f"/deliberation/ballots/{ballot.pk}/").status_code == 404
    assert (
        client.post(f"/deliberation/ballots/{ballot.pk}/vote/", {"choice": "yes"}).status_code
        == 404
    )
    person = bodies.council_members[1]
    data = {f"vote_{person.pk}": "yes"}
    assert client.post(f"/deliberation/ballots/{ballot.pk}/votes/", data).status_code == 404
    assert client.post(f"/deliberation/ballots/{ballot.pk}/close/", {}).status_code == 404
    assert Vote.objects.count() == 0
    ballot.refresh_from_db()
    motion.refresh_from_db()
    assert (ballot.yes, ballot.outcome, motion.state) == (0, "", S.VOTING)
    assert MotionEvent.objects.count() == 0


# -- Query counts ---------------------------------------------------------------------------------


def _ballot_queries(client: Any, ballot: Ballot) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/deliberation/ballots/{ballot.pk}/")
    assert response.status_code == 200
    return len(queries)


def test_the_ballot_page_runs_the_same_queries_for_5_or_30_members(client, bodies):
    from sizhi.deliberation.tests.conftest import _member

    motion = _reviewing(bodies)
    _reviewed(bodies, motion)
    ballot = _roll_call(bodies, motion)
    client.force_login(bodies.convener_user)
    client.get(f"/deliberation/ballots/{ballot.pk}/")
    five = _ballot_queries(client, ballot)
    for _ in range(25):
        _member(bodies.council_a1)
    assert _ballot_queries(client, ballot) == five
