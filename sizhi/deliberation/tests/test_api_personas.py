"""The persona matrix of deliberation through the API: each persona's token reads exactly the
motions its grants show, a token scoped to a township reads nothing outside it (motions,
meetings, ballots, topics), a member of one group neither reads another group's private
motion nor votes in it, and every refusal leaves everything as it was."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from sizhi.accounts.tests.apiclient import error_of, get, post
from sizhi.deliberation import actions
from sizhi.deliberation.models import Meeting, Motion, Topic
from sizhi.deliberation.tests.apidata import (  # noqa: F401 - the fixture
    BALLOTS,
    MEETINGS,
    MOTIONS,
    TOPICS,
    fresh_rate_counters,
    motion,
    snapshot,
    token,
)
from sizhi.orgs.models import UnitKind
from sizhi.orgs.tests.factories import UnitFactory

pytestmark = pytest.mark.django_db

# The motions each persona's token lists: a1 and a1x (private) of group A1, b1 and b1x
# (private) of group B1 in the sibling village, x of township B.
SEES = {
    "county_admin": {"a1", "a1x", "b1", "b1x", "x"},
    "supervisor": {"a1", "a1x", "b1", "b1x", "x"},
    "township_cadre": {"a1", "a1x", "b1", "b1x"},
    "village_cadre": {"a1", "a1x"},
    "other_village_cadre": {"b1", "b1x"},
    "convener": {"a1", "a1x"},
    "resident": {"a1"},
}
# Who may admit the proposed motion a1, and how the others are refused.
ADMIT = {
    "county_admin": 200,
    "supervisor": 403,
    "township_cadre": 403,
    "village_cadre": 403,
    "other_village_cadre": 404,
    "convener": 200,
    "resident": 403,
}


@pytest.fixture
def five(bodies: Any, tree: Any) -> dict[str, Motion]:
    council_x = UnitFactory.create(region=tree.township_b, kind=UnitKind.COUNCIL, name="镇议事会")
    return {
        "a1": motion(bodies.council_a1),
        "a1x": motion(bodies.council_a1, is_public=False),
        "b1": motion(bodies.council_b1),
        "b1x": motion(bodies.council_b1, is_public=False, state="adjourned"),
        "x": motion(council_x),
    }


def _listed(secret: str, path: str = MOTIONS) -> set[int]:
    response = get(path, secret)
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


@pytest.mark.parametrize("persona", sorted(SEES), indirect=True)
def test_each_personas_token_reads_exactly_its_motions(
    request: Any, persona: Any, five: dict[str, Motion]
) -> None:
    name = request.node.callspec.params["persona"]
    secret = token(persona)
    expected = {five[key].pk for key in SEES[name]}
    assert _listed(secret) == expected
    for found in five.values():
        status = 200 if found.pk in expected else 404
        assert get(f"{MOTIONS}/{found.pk}", secret).status_code == status
        assert get(f"{MOTIONS}/{found.pk}/events", secret).status_code == status


@pytest.mark.parametrize("persona", sorted(ADMIT), indirect=True)
def test_each_persona_may_admit_or_is_refused_without_a_trace(
    request: Any, persona: Any, five: dict[str, Motion]
) -> None:
    name = request.node.callspec.params["persona"]
    secret = token(persona)
    before = snapshot()
    response = post(f"{MOTIONS}/{five['a1'].pk}/transitions", {"name": "admit"}, secret)
    assert response.status_code == ADMIT[name]
    if ADMIT[name] == 200:
        assert response.json()["state"] == "appraising"
    else:
        error_of(response)
        assert snapshot() == before


def test_without_a_token_or_the_scope_nothing_is_read_or_done(
    five: dict[str, Motion], county_admin: Any
) -> None:
    target = f"{MOTIONS}/{five['a1'].pk}"
    assert error_of(get(MOTIONS))[:2] == (401, "not_authenticated")
    assert error_of(get(target))[:2] == (401, "not_authenticated")
    reader = token(county_admin, scopes=("motions:read",))
    cases_only = token(county_admin, scopes=("cases:read", "cases:write"))
    before = snapshot()
    assert error_of(post(f"{target}/transitions", {"name": "admit"}, reader))[:2] == (
        403,
        "insufficient_scope",
    )
    for path in (MOTIONS, target, MEETINGS, TOPICS):
        assert error_of(get(path, cases_only))[:2] == (403, "insufficient_scope")
    assert snapshot() == before


# -- A token scoped to township A ------------------------------------------------------------------


def _meeting(body: Any) -> Meeting:
    now = timezone.now()
    return Meeting.objects.create(
        body=body, region_code=body.region_code, title="会议", place="村委会", starts_at=now,
        notice_sent_at=now,
    )  # fmt: skip


def _topic(region: Any) -> Topic:
    return Topic.objects.create(
        title="议题", body="内容", area="development", region=region, region_code=region.code,
        created_at=timezone.now(),
    )  # fmt: skip


def test_a_township_token_reads_nothing_outside_its_township(
    five: dict[str, Motion], bodies: Any, county_admin: Any, tree: Any
) -> None:
    secret = token(county_admin, region_code=tree.township_a.code)
    inside = {five[key].pk for key in ("a1", "a1x", "b1", "b1x")}
    assert _listed(secret) == inside
    # Asking for a wider or another region gives no more.
    assert {i["id"] for i in get(MOTIONS, secret, region="520327").json()["items"]} == inside
    assert get(MOTIONS, secret, region=tree.township_b.code).json()["items"] == []
    assert error_of(get(f"{MOTIONS}/{five['x'].pk}", secret))[:2] == (404, "not_found")

    council_x = five["x"].council
    meeting_a, meeting_x = _meeting(bodies.council_a1), _meeting(council_x)
    assert _listed(secret, MEETINGS) == {meeting_a.pk}
    assert get(MEETINGS, secret, region=tree.township_b.code).json()["items"] == []
    assert get(f"{MEETINGS}/{meeting_a.pk}", secret).status_code == 200
    assert error_of(get(f"{MEETINGS}/{meeting_x.pk}", secret))[:2] == (404, "not_found")

    county, own, other = _topic(tree.county), _topic(tree.township_a), _topic(tree.township_b)
    assert _listed(secret, TOPICS) == {own.pk}
    for outside in (county, other):
        assert error_of(get(f"{TOPICS}/{outside.pk}", secret))[:2] == (404, "not_found")
    assert get(f"{TOPICS}/{own.pk}", secret).status_code == 200

    before = snapshot()
    refused = (
        post(f"{MOTIONS}/{five['x'].pk}/transitions", {"name": "admit"}, secret),
        post(f"{MEETINGS}/{meeting_x.pk}/attendance", {"present": 0}, secret),
    )
    for response in refused:
        assert error_of(response)[:2] == (404, "not_found")
    assert snapshot() == before


# -- Group A's member and group B's private motion -------------------------------------------------


def test_a_member_of_group_a_neither_reads_nor_votes_on_group_bs_private_motion(
    five: dict[str, Motion], bodies: Any, county_admin: Any
) -> None:
    private = five["b1x"]
    start = timezone.now()
    meeting = actions.schedule_meeting(
        body_id=bodies.council_b1.pk, title="组务会议", place="二组", starts_at=start,
        notice_sent_at=start - dt.timedelta(days=1), agenda=[(private.pk, "vote")],
        actor=county_admin,
    )  # fmt: skip
    actions.record_attendance(meeting_id=meeting.pk, present=1, actor=county_admin)
    ballot = actions.open_ballot(
        meeting_id=meeting.pk, motion_id=private.pk, purpose="vote", method="roll_call",
        actor=county_admin,
    )  # fmt: skip
    outsider, insider = token(bodies.member_user), token(bodies.member_b1_user)

    assert private.pk not in _listed(outsider)
    before = snapshot()
    for response in (
        get(f"{MOTIONS}/{private.pk}", outsider),
        get(f"{MOTIONS}/{private.pk}/events", outsider),
        get(f"{MEETINGS}/{meeting.pk}", outsider),
        get(f"{BALLOTS}/{ballot.pk}", outsider),
        post(f"{BALLOTS}/{ballot.pk}/vote", {"choice": "yes"}, outsider),
        post(
            f"{MOTIONS}/{private.pk}/transitions", {"name": "comment", "stance": "oppose"}, outsider
        ),
    ):
        assert error_of(response)[:2] == (404, "not_found")
    assert snapshot() == before

    assert private.pk in _listed(insider)
    cast = post(f"{BALLOTS}/{ballot.pk}/vote", {"choice": "yes"}, insider)
    assert cast.status_code == 200
    assert (cast.json()["yes"], cast.json()["own_choice"]) == (1, "yes")
