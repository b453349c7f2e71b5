"""Persona matrix: who sees which motion, who may take which step; denials change nothing."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from sizhi.core.errors import NotAllowed, NotFound
from sizhi.core.models import AuditLog
from sizhi.deliberation import actions
from sizhi.deliberation.models import Ballot, Meeting, Motion, MotionEvent, Vote
from sizhi.deliberation.queries import access_motion
from sizhi.deliberation.tests.factories import MotionFactory
from sizhi.deliberation.workflow import MotionState

PRIVATE_A1, PUBLIC_A1, DRAFT_A1, PRIVATE_B1, PUBLIC_B1 = (
    "private_a1",
    "public_a1",
    "draft_a1",
    "private_b1",
    "public_b1",
)

# persona → the motions it sees.
SEES = {
    "county_admin": {PRIVATE_A1, PUBLIC_A1, DRAFT_A1, PRIVATE_B1, PUBLIC_B1},
    "supervisor": {PRIVATE_A1, PUBLIC_A1, DRAFT_A1, PRIVATE_B1, PUBLIC_B1},
    "township_cadre": {PRIVATE_A1, PUBLIC_A1, DRAFT_A1, PRIVATE_B1, PUBLIC_B1},
    "village_cadre": {PRIVATE_A1, PUBLIC_A1, DRAFT_A1},
    "other_village_cadre": {PRIVATE_B1, PUBLIC_B1},
    "convener": {PRIVATE_A1, PUBLIC_A1, DRAFT_A1},
    "member": {PRIVATE_A1, PUBLIC_A1, DRAFT_A1},
    "member_b1": {PRIVATE_B1, PUBLIC_B1},
    "resident": {PUBLIC_A1, DRAFT_A1},  # their own draft, and public motions of their group
    "anonymous": set(),
}


@pytest.fixture
def motions(bodies: Any, resident: Any) -> dict[str, Motion]:
    a1, b1 = bodies.council_a1, bodies.council_b1
    return {
        PRIVATE_A1: MotionFactory.create(council=a1, is_public=False),
        PUBLIC_A1: MotionFactory.create(council=a1, is_public=True),
        DRAFT_A1: MotionFactory.create(council=a1, state=MotionState.DRAFT, proposer=resident),
        PRIVATE_B1: MotionFactory.create(council=b1, is_public=False),
        PUBLIC_B1: MotionFactory.create(council=b1, is_public=True),
    }


@pytest.fixture
def who(request: pytest.FixtureRequest, bodies: Any) -> Any:
    if request.param == "member":
        return bodies.member_user
    if request.param == "member_b1":
        return bodies.member_b1_user
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize("who", list(SEES), indirect=True)
def test_each_persona_sees_exactly_its_motions(
    who: Any, motions: dict[str, Motion], request: pytest.FixtureRequest
) -> None:
    persona = request.node.callspec.params["who"]
    visible = set(Motion.objects.visible_to(who).values_list("pk", flat=True))
    assert {key for key, motion in motions.items() if motion.pk in visible} == SEES[persona]
    for key, motion in motions.items():
        if key in SEES[persona]:
            assert access_motion(who, motion.pk).pk == motion.pk
        else:
            with pytest.raises(NotFound):
                access_motion(who, motion.pk)


MANAGERS = {"county_admin", "convener"}


@pytest.mark.parametrize("who", list(SEES), indirect=True)
def test_only_the_groups_convener_or_the_county_admits_a_motion(
    who: Any, motions: dict[str, Motion], request: pytest.FixtureRequest
) -> None:
    persona = request.node.callspec.params["who"]
    motion = motions[PRIVATE_A1]
    before = AuditLog.objects.count()
    if persona in MANAGERS:
        actions.admit_motion(motion_id=motion.pk, actor=who)
        motion.refresh_from_db()
        assert motion.state == MotionState.APPRAISING
        return
    error = NotAllowed if PRIVATE_A1 in SEES[persona] else NotFound
    with pytest.raises(error):
        actions.admit_motion(motion_id=motion.pk, actor=who)
    motion.refresh_from_db()
    assert motion.state == MotionState.PROPOSED
    assert MotionEvent.objects.filter(motion=motion).count() == 0
    assert AuditLog.objects.count() == before


@pytest.mark.parametrize("who", list(SEES), indirect=True)
def test_taking_part_in_appraisal_needs_the_group(
    who: Any, motions: dict[str, Motion], request: pytest.FixtureRequest
) -> None:
    """Members and residents of group A1 comment on its public motion; others cannot."""
    persona = request.node.callspec.params["who"]
    motion = motions[PUBLIC_A1]
    Motion.objects.filter(pk=motion.pk).update(state=MotionState.APPRAISING)
    allowed = {"convener", "member", "resident", "county_admin"}
    if persona in allowed and persona != "county_admin":
        actions.comment_on_motion(motion_id=motion.pk, stance="support", actor=who)
        assert motion.opinions.count() == 1
        return
    with pytest.raises((NotAllowed, NotFound)):
        actions.comment_on_motion(motion_id=motion.pk, stance="support", actor=who)
    assert motion.opinions.count() == 0
    assert MotionEvent.objects.filter(motion=motion).count() == 0


def test_a_member_of_group_a_can_neither_see_nor_vote_in_a_private_motion_of_group_b(
    bodies: Any, tree: Any
) -> None:
    from sizhi.accounts.tests.factories import UserFactory
    from sizhi.orgs.tests.factories import RoleGrantFactory

    convener_b1 = UserFactory.create()
    RoleGrantFactory.create(user=convener_b1, role="convener", unit=bodies.council_b1)
    motion = MotionFactory.create(
        council=bodies.council_b1, is_public=False, state=MotionState.VOTING
    )
    now = timezone.now()
    meeting = Meeting.objects.create(
        body=bodies.council_b1, region_code=bodies.council_b1.region_code, title="议事会会议",
        place="二组", starts_at=now, notice_sent_at=now - dt.timedelta(days=1), held=True,
        expected=1, present=1,
    )  # fmt: skip
    ballot = Ballot.objects.create(
        meeting=meeting, motion=motion, region_code=motion.region_code, purpose="vote",
        method="roll_call", opened_at=now,
    )  # fmt: skip
    with pytest.raises(NotFound):
        access_motion(bodies.member_user, motion.pk)
    with pytest.raises(NotFound):
        actions.cast_vote(ballot_id=ballot.pk, choice="yes", actor=bodies.member_user)
    with pytest.raises(NotFound):
        actions.record_votes(
            ballot_id=ballot.pk,
            votes={bodies.council_members[1].pk: "yes"},
            actor=bodies.convener_user,
        )
    assert Vote.objects.count() == 0
    ballot.refresh_from_db()
    assert (ballot.yes, ballot.no, ballot.outcome) == (0, 0, "")


def test_a_visible_ballot_still_refuses_a_voter_who_is_not_a_member(
    bodies: Any, county_admin: Any
) -> None:
    """The county admin sees group A1's ballot but has no seat on its council."""
    motion = MotionFactory.create(council=bodies.council_a1, state=MotionState.VOTING)
    now = timezone.now()
    meeting = Meeting.objects.create(
        body=bodies.council_a1, region_code=bodies.council_a1.region_code, title="议事会会议",
        place="一组", starts_at=now, notice_sent_at=now, held=True, expected=5, present=5,
    )  # fmt: skip
    ballot = Ballot.objects.create(
        meeting=meeting, motion=motion, region_code=motion.region_code, purpose="vote",
        method="roll_call", opened_at=now,
    )  # fmt: skip
    with pytest.raises(NotAllowed):
        actions.cast_vote(ballot_id=ballot.pk, choice="yes", actor=county_admin)
    with pytest.raises(NotAllowed):
        actions.record_votes(
            ballot_id=ballot.pk,
            votes={bodies.council_members[1].pk: "yes"},
            actor=bodies.member_user,
        )
    assert Vote.objects.count() == 0
