"""Contract tests of the meeting and ballot endpoints: a motion reviewed and resolved entirely
through the API, the list of meetings, and the refusals (400, 403, 404, 409) that change
nothing."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from sizhi.accounts.tests.apiclient import error_of, get, post
from sizhi.deliberation.models import Ballot, Meeting, Motion, Vote
from sizhi.deliberation.tests.apidata import (  # noqa: F401 - the fixture
    BALLOTS,
    MEETINGS,
    MOTIONS,
    fresh_rate_counters,
    motion,
    new_motion,
    snapshot,
    token,
)

pytestmark = pytest.mark.django_db


def _meeting_body(body: Any, motion_id: int, purpose: str, **overrides: Any) -> dict[str, Any]:
    now = timezone.now()
    data: dict[str, Any] = {
        "body_id": body.pk,
        "title": "组务会议",
        "place": "一组群众工作点",
        "starts_at": now.isoformat(),
        "notice_sent_at": (now - dt.timedelta(days=1)).isoformat(),
        "agenda": [{"motion_id": motion_id, "purpose": purpose}],
    }
    data.update(overrides)
    return data


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    return body


def test_a_motion_is_reviewed_and_resolved_through_the_api(bodies: Any, resident: Any) -> None:
    convener, member = token(bodies.convener_user), token(bodies.member_user)
    motion_id = _ok(post(MOTIONS, new_motion(bodies.council_a1), token(resident)), 201)["id"]
    steps = f"{MOTIONS}/{motion_id}/transitions"
    _ok(post(steps, {"name": "admit"}, convener))
    _ok(post(steps, {"name": "start_review", "note": "意见已充分"}, convener))

    # ③ The branch reviews it by a show of hands.
    review = _ok(
        post(MEETINGS, _meeting_body(bodies.branch_a1, motion_id, "review"), convener), 201
    )
    assert (review["expected"], review["held"], review["may_manage"]) == (3, False, True)
    assert review["agenda"] == [
        {
            "order": 1,
            "purpose": "review",
            "motion": {"id": motion_id, "title": "修缮组内便道", "state": "reviewing"},
            "ballot_id": None,
            "outcome": None,
        }
    ]
    attended = post(
        f"{MEETINGS}/{review['id']}/attendance", {"present": 3, "minutes": "审议记录"}, convener
    )
    assert (_ok(attended)["present"], attended.json()["held"]) == (3, True)
    opened = {"motion_id": motion_id, "purpose": "review", "method": "show_of_hands"}
    ballot = _ok(post(f"{MEETINGS}/{review['id']}/ballots", opened, convener), 201)
    assert (ballot["outcome"], ballot["voters"]) == ("", [])
    counts = {"yes": 3, "no": 0, "abstain": 0}
    _ok(post(f"{BALLOTS}/{ballot['id']}/counts", counts, convener))
    closed = _ok(post(f"{BALLOTS}/{ballot['id']}/close", {}, convener))
    assert (closed["outcome"], closed["motion"]["state"]) == ("passed", "reviewing")

    # ④ The council votes by roll call: one member in person, the rest recorded.
    vote = _ok(post(MEETINGS, _meeting_body(bodies.council_a1, motion_id, "vote"), convener), 201)
    _ok(post(f"{MEETINGS}/{vote['id']}/attendance", {"present": 5}, convener))
    opened = {"motion_id": motion_id, "purpose": "vote", "method": "roll_call"}
    ballot = _ok(post(f"{MEETINGS}/{vote['id']}/ballots", opened, convener), 201)
    assert ballot["motion"]["state"] == "voting"
    assert ballot["rule"] == "到会超过二分之一应到人数；赞成票超过二分之一到会人数"
    seen = _ok(get(f"{BALLOTS}/{ballot['id']}", member))
    assert (seen["may_cast"], seen["own_choice"], len(seen["voters"])) == (True, "", 5)
    assert all(len(v["name"]) >= 2 and v["name"][1] == "*" for v in seen["voters"])
    cast = _ok(post(f"{BALLOTS}/{ballot['id']}/vote", {"choice": "yes"}, member))
    assert (cast["yes"], cast["own_choice"], cast["may_cast"]) == (1, "yes", False)
    others = [v["person_id"] for v in cast["voters"] if not v["choice"]]
    roll = [
        {"person_id": pid, "choice": c}
        for pid, c in zip(others, ["yes", "yes", "no", "no"], strict=True)
    ]
    recorded = _ok(post(f"{BALLOTS}/{ballot['id']}/votes", {"votes": roll}, convener))
    assert (recorded["yes"], recorded["no"], recorded["abstain"]) == (3, 2, 0)
    resolved = _ok(post(f"{BALLOTS}/{ballot['id']}/close", {"resolution": "同意修缮。"}, convener))
    assert (resolved["outcome"], resolved["motion"]["state"]) == ("passed", "resolved")

    body = _ok(get(f"{MOTIONS}/{motion_id}", convener))
    assert (body["state"], body["resolution"], body["is_advisory"]) == (
        "resolved",
        "同意修缮。",
        False,
    )
    assert [(b["purpose"], b["outcome"], b["yes"]) for b in body["ballots"]] == [
        ("review", "passed", 3),
        ("vote", "passed", 3),
    ]
    assert body["allowed_transitions"] == ["publish_resolution", "add_note"]


def _reviewing(bodies: Any) -> Motion:
    return motion(bodies.council_a1, state="reviewing")


def _held_meeting(bodies: Any, target: Motion, purpose: str, present: int) -> dict[str, Any]:
    convener = token(bodies.convener_user)
    body = bodies.branch_a1 if purpose == "review" else bodies.council_a1
    meeting = _ok(post(MEETINGS, _meeting_body(body, target.pk, purpose), convener), 201)
    _ok(post(f"{MEETINGS}/{meeting['id']}/attendance", {"present": present}, convener))
    return meeting


def test_a_member_votes_once(bodies: Any) -> None:
    target = motion(bodies.council_a1, state="adjourned")
    meeting = _held_meeting(bodies, target, "vote", 5)
    opened = {"motion_id": target.pk, "purpose": "vote", "method": "roll_call"}
    ballot = post(f"{MEETINGS}/{meeting['id']}/ballots", opened, token(bodies.convener_user))
    ballot_id = _ok(ballot, 201)["id"]
    member = token(bodies.member_user)
    _ok(post(f"{BALLOTS}/{ballot_id}/vote", {"choice": "no"}, member))
    before = snapshot()
    again = post(f"{BALLOTS}/{ballot_id}/vote", {"choice": "yes"}, member)
    assert error_of(again) == (409, "invalid_state", {})
    assert again.json()["detail"] == "您已投过票。"
    assert snapshot() == before


def test_someone_without_a_vote_in_the_body_is_refused(bodies: Any, resident: Any) -> None:
    target = motion(bodies.council_a1, state="adjourned")
    meeting = _held_meeting(bodies, target, "vote", 5)
    opened = {"motion_id": target.pk, "purpose": "vote", "method": "roll_call"}
    ballot = post(f"{MEETINGS}/{meeting['id']}/ballots", opened, token(bodies.convener_user))
    ballot_id = _ok(ballot, 201)["id"]
    secret = token(resident)
    assert _ok(get(f"{BALLOTS}/{ballot_id}", secret))["may_cast"] is False
    before = snapshot()
    response = post(f"{BALLOTS}/{ballot_id}/vote", {"choice": "yes"}, secret)
    assert error_of(response)[:2] == (403, "forbidden")
    assert snapshot() == before


def test_a_ballot_before_the_attendance_is_409_and_changes_nothing(bodies: Any) -> None:
    target = _reviewing(bodies)
    convener = token(bodies.convener_user)
    meeting = _ok(
        post(MEETINGS, _meeting_body(bodies.branch_a1, target.pk, "review"), convener), 201
    )
    before = snapshot()
    opened = {"motion_id": target.pk, "purpose": "review", "method": "show_of_hands"}
    response = post(f"{MEETINGS}/{meeting['id']}/ballots", opened, convener)
    assert error_of(response)[:2] == (409, "invalid_state")
    assert response.json()["detail"] == "请先登记到会情况。"
    assert snapshot() == before


def test_counts_and_roll_calls_do_not_mix(bodies: Any) -> None:
    target = _reviewing(bodies)
    meeting = _held_meeting(bodies, target, "review", 3)
    convener = token(bodies.convener_user)
    opened = {"motion_id": target.pk, "purpose": "review", "method": "roll_call"}
    ballot_id = _ok(post(f"{MEETINGS}/{meeting['id']}/ballots", opened, convener), 201)["id"]
    before = snapshot()
    counts = post(f"{BALLOTS}/{ballot_id}/counts", {"yes": 1, "no": 0, "abstain": 0}, convener)
    assert error_of(counts)[:2] == (409, "invalid_state")
    person = bodies.branch_members[0].pk
    twice = [{"person_id": person, "choice": "yes"}, {"person_id": person, "choice": "no"}]
    status, code, fields = error_of(
        post(f"{BALLOTS}/{ballot_id}/votes", {"votes": twice}, convener)
    )
    assert (status, code, fields) == (400, "invalid", {"votes": ["每名成员只能登记一票。"]})
    stranger = [{"person_id": bodies.council_members[1].pk, "choice": "yes"}]
    status, code, fields = error_of(
        post(f"{BALLOTS}/{ballot_id}/votes", {"votes": stranger}, convener)
    )
    assert (status, code, fields) == (400, "invalid", {"votes": ["有不属于该机构的人员。"]})
    assert snapshot() == before


WHEN = "请输入 ISO 8601 格式的日期时间，例如 2026-03-01T08:00:00+08:00。"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"agenda": []}, "agenda", "请至少列入一个议题。"),
        ({"title": ""}, "title", "此项为必填项。"),
        ({"starts_at": "0001-01-01T00:00:00+08:00"}, "starts_at", WHEN),
        ({"starts_at": "tomorrow"}, "starts_at", WHEN),
        ({"body_id": 999999}, "body_id", "请选择有效的议事或决策机构。"),
        (
            {"agenda": [{"motion_id": 1, "purpose": "chat"}]},
            "agenda.0.purpose",
            "请选择有效的选项。",
        ),
    ],
)
def test_bad_meetings_are_400_and_change_nothing(
    bodies: Any, overrides: dict[str, Any], field: str, message: str
) -> None:
    target = _reviewing(bodies)
    secret = token(bodies.convener_user)
    before = snapshot()
    body = _meeting_body(bodies.branch_a1, target.pk, "review", **overrides)
    status, code, fields = error_of(post(MEETINGS, body, secret))
    assert (status, code) == (400, "invalid")
    assert fields[field] == [message]
    assert snapshot() == before


def test_a_member_may_not_call_a_meeting(bodies: Any) -> None:
    target = _reviewing(bodies)
    secret = token(bodies.member_user)
    before = snapshot()
    response = post(MEETINGS, _meeting_body(bodies.branch_a1, target.pk, "review"), secret)
    assert error_of(response)[:2] == (403, "forbidden")
    assert snapshot() == before


def test_a_body_outside_the_tokens_region_is_refused(bodies: Any, county_admin: Any) -> None:
    target = _reviewing(bodies)
    secret = token(county_admin, region_code="520327101202")
    before = snapshot()
    response = post(MEETINGS, _meeting_body(bodies.branch_a1, target.pk, "review"), secret)
    assert error_of(response) == (
        400,
        "invalid",
        {"body_id": ["该地点不在此令牌的区域范围内。"]},
    )
    assert snapshot() == before


def test_bad_attendance_is_400_and_changes_nothing(bodies: Any) -> None:
    target = _reviewing(bodies)
    convener = token(bodies.convener_user)
    meeting = _ok(
        post(MEETINGS, _meeting_body(bodies.branch_a1, target.pk, "review"), convener), 201
    )
    before = snapshot()
    for body, field, message in (
        ({"present": 4}, "present", "实到人数不能多于应到人数。"),
        ({"present": -1}, "present", "不能小于0。"),
        ({"present": 2, "women_present": 3}, "women_present", "到会妇女人数不能多于实到人数。"),
        ({}, "present", "此项必填。"),
    ):
        status, code, fields = error_of(
            post(f"{MEETINGS}/{meeting['id']}/attendance", body, convener)
        )
        assert (status, code, fields[field]) == (400, "invalid", [message])
    assert snapshot() == before


# -- GET /meetings ---------------------------------------------------------------------------------


def _meetings(body: Any, count: int) -> list[Meeting]:
    start = timezone.now() - dt.timedelta(days=count)
    return [
        Meeting.objects.create(
            body=body,
            region_code=body.region_code,
            title=f"第{n}次会议",
            place="村委会",
            starts_at=start + dt.timedelta(days=n),
            notice_sent_at=start,
        )
        for n in range(count)
    ]


def test_meetings_page_latest_first_and_filter(bodies: Any, county_admin: Any, tree: Any) -> None:
    a1 = _meetings(bodies.council_a1, 3)
    b1 = _meetings(bodies.council_b1, 1)
    secret = token(county_admin)
    first = _ok(get(MEETINGS, secret, limit=2))
    assert [m["id"] for m in first["items"]] == [b1[0].pk, a1[2].pk]
    rest = _ok(get(MEETINGS, secret, limit=2, cursor=first["next_cursor"]))
    assert ([m["id"] for m in rest["items"]], rest["next_cursor"]) == ([a1[1].pk, a1[0].pk], None)
    ids = {m["id"] for m in _ok(get(MEETINGS, secret, region=tree.village_b.code))["items"]}
    assert ids == {b1[0].pk}
    ids = {m["id"] for m in _ok(get(MEETINGS, secret, body_id=bodies.council_a1.pk))["items"]}
    assert ids == {m.pk for m in a1}
    assert error_of(get(MEETINGS, secret, region="12"))[:2] == (400, "invalid")


def test_the_meetings_list_runs_the_same_queries_for_3_and_30_rows(
    bodies: Any, county_admin: Any, django_assert_num_queries: Any
) -> None:
    secret = token(county_admin)
    get(MEETINGS, secret)
    _meetings(bodies.council_a1, 3)
    with django_assert_num_queries(3):
        assert len(get(MEETINGS, secret).json()["items"]) == 3
    _meetings(bodies.council_a1, 27)
    with django_assert_num_queries(3):
        assert len(get(MEETINGS, secret).json()["items"]) == 30


def test_residents_read_no_meetings_and_open_no_ballots(bodies: Any, resident: Any) -> None:
    meeting = _meetings(bodies.council_a1, 1)[0]
    secret = token(resident)
    assert _ok(get(MEETINGS, secret))["items"] == []
    assert error_of(get(f"{MEETINGS}/{meeting.pk}", secret))[:2] == (404, "not_found")
    before = snapshot()
    response = post(f"{MEETINGS}/{meeting.pk}/attendance", {"present": 1}, secret)
    assert error_of(response)[:2] == (404, "not_found")
    assert error_of(get(f"{BALLOTS}/999999", secret))[:2] == (404, "not_found")
    assert snapshot() == before
    assert Ballot.objects.count() == Vote.objects.count() == 0
