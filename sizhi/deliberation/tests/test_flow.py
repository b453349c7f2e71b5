"""A motion from a resident's proposal to a closed, published result, through the actions."""

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from sizhi.accounts.tests.factories import UserFactory
from sizhi.core.errors import Invalid, InvalidState, NotAllowed
from sizhi.deliberation import actions
from sizhi.deliberation.models import (
    Authorisation,
    Ballot,
    Meeting,
    Motion,
    MotionEvent,
    Opinion,
    Publication,
    Vote,
)
from sizhi.deliberation.workflow import MotionState
from sizhi.messaging.models import Message
from sizhi.orgs.tests.factories import RoleGrantFactory

S = MotionState


def _proposed(bodies: Any, resident: Any, **extra: Any) -> Motion:
    return actions.create_motion(
        council_id=bodies.council_a1.pk,
        title="修缮组内便道",
        body="组内便道年久失修，提议筹资筹劳修缮。",
        area="development",
        actor=resident,
        **extra,
    )


def _reviewing(motion: Motion, convener: Any) -> Motion:
    actions.admit_motion(motion_id=motion.pk, actor=convener)
    actions.start_review(motion_id=motion.pk, actor=convener, note="意见已充分")
    motion.refresh_from_db()
    return motion


def _meeting(body: Any, motion: Motion, purpose: str, convener: Any, days: int = 0) -> Meeting:
    now = timezone.now()
    return actions.schedule_meeting(
        body_id=body.pk,
        title="组务会议",
        place="一组群众工作点",
        starts_at=now,
        notice_sent_at=now - dt.timedelta(days=days),
        agenda=[(motion.pk, purpose)],
        actor=convener,
    )


def _pass_review(bodies: Any, motion: Motion, convener: Any) -> None:
    meeting = _meeting(bodies.branch_a1, motion, "review", convener)
    actions.record_attendance(meeting_id=meeting.pk, present=3, actor=convener, minutes="审议")
    ballot = actions.open_ballot(
        meeting_id=meeting.pk,
        motion_id=motion.pk,
        purpose="review",
        method="show_of_hands",
        actor=convener,
    )
    actions.record_counts(ballot_id=ballot.pk, yes=3, no=0, abstain=0, actor=convener)
    actions.close_ballot(ballot_id=ballot.pk, actor=convener)


def _vote(bodies: Any, motion: Motion, convener: Any, present: int, yes: int) -> Ballot:
    meeting = _meeting(bodies.council_a1, motion, "vote", convener)
    actions.record_attendance(meeting_id=meeting.pk, present=present, actor=convener)
    ballot = actions.open_ballot(
        meeting_id=meeting.pk, motion_id=motion.pk, purpose="vote", method="roll_call",
        actor=convener,
    )  # fmt: skip
    members = bodies.council_members[:present]
    choices = {p.pk: ("yes" if i < yes else "no") for i, p in enumerate(members)}
    actions.record_votes(ballot_id=ballot.pk, votes=choices, actor=convener)
    return actions.close_ballot(ballot_id=ballot.pk, actor=convener, resolution="同意修缮。")


def test_a_resident_proposal_goes_all_the_way_to_a_closed_result(
    bodies: Any, resident: Any
) -> None:
    convener = bodies.convener_user
    motion = _proposed(bodies, resident)
    assert (motion.state, motion.origin, motion.cosign_threshold) == (S.PROPOSED, "resident", 5)
    motion = _reviewing(motion, convener)
    assert motion.state == S.REVIEWING
    _pass_review(bodies, motion, convener)
    ballot = _vote(bodies, motion, convener, present=5, yes=3)
    motion.refresh_from_db()
    assert (ballot.outcome, ballot.yes, ballot.no) == ("passed", 3, 2)
    assert (motion.state, motion.resolution, motion.is_advisory) == (
        S.RESOLVED,
        "同意修缮。",
        False,
    )
    publication = actions.publish_resolution(motion_id=motion.pk, actor=convener)
    assert publication.text == "同意修缮。"
    actions.start_implementation(motion_id=motion.pk, actor=convener)
    actions.report_progress(
        motion_id=motion.pk, text="已完成一半", money_spent_yuan="12000", percent_done=50,
        actor=convener,
    )  # fmt: skip
    actions.publish_result(
        motion_id=motion.pk, text="便道修缮完成，共支出2.4万元。", actor=convener
    )
    actions.close_motion(motion_id=motion.pk, actor=convener)
    motion.refresh_from_db()
    assert motion.state == S.CLOSED
    steps = list(MotionEvent.objects.filter(motion=motion).values_list("transition", flat=True))
    assert steps == [
        "create", "propose", "admit", "start_review", "record_review", "open_vote", "resolve",
        "publish_resolution", "start_implementation", "report_progress", "publish_result",
        "close",
    ]  # fmt: skip
    assert Publication.objects.filter(motion=motion).count() == 2


def test_enough_cosigners_admit_a_proposal_without_the_convener(
    bodies: Any, resident: Any, tree: Any
) -> None:
    motion = _proposed(bodies, resident)
    neighbours = []
    for _ in range(5):
        user = UserFactory.create()
        RoleGrantFactory.create(user=user, role="resident", region=tree.group_a1)
        neighbours.append(user)
    for user in neighbours[:4]:
        actions.cosign_motion(motion_id=motion.pk, actor=user)
    motion.refresh_from_db()
    assert (motion.state, motion.cosign_count) == (S.PROPOSED, 4)
    actions.cosign_motion(motion_id=motion.pk, actor=neighbours[4])
    motion.refresh_from_db()
    assert (motion.state, motion.cosign_count) == (S.APPRAISING, 5)
    admit = MotionEvent.objects.get(motion=motion, transition="admit")
    assert (admit.actor_id, admit.note) == (None, "附议人数达到5人，自动进入评议。")


def test_cosigning_twice_or_ones_own_proposal_is_refused(
    bodies: Any, resident: Any, tree: Any
) -> None:
    motion = _proposed(bodies, resident)
    with pytest.raises(InvalidState):
        actions.cosign_motion(motion_id=motion.pk, actor=resident)
    user = UserFactory.create()
    RoleGrantFactory.create(user=user, role="resident", region=tree.group_a1)
    actions.cosign_motion(motion_id=motion.pk, actor=user)
    with pytest.raises(InvalidState):
        actions.cosign_motion(motion_id=motion.pk, actor=user)
    motion.refresh_from_db()
    assert motion.cosign_count == 1


def test_appraisal_opinions_are_one_per_person_and_counted(bodies: Any, resident: Any) -> None:
    motion = _proposed(bodies, resident)
    actions.admit_motion(motion_id=motion.pk, actor=bodies.convener_user)
    actions.comment_on_motion(motion_id=motion.pk, stance="oppose", actor=bodies.member_user)
    actions.comment_on_motion(
        motion_id=motion.pk, stance="support", text="赞成", actor=bodies.member_user
    )
    actions.comment_on_motion(
        motion_id=motion.pk, stance="suggest", text="建议分两期", actor=resident
    )
    rows = list(Opinion.objects.order_by("id").values_list("stance", "is_member", "text"))
    assert rows == [("support", True, "赞成"), ("suggest", False, "建议分两期")]


def test_a_suggestion_without_text_is_refused_and_nothing_is_stored(
    bodies: Any, resident: Any
) -> None:
    motion = _proposed(bodies, resident)
    actions.admit_motion(motion_id=motion.pk, actor=bodies.convener_user)
    with pytest.raises(Invalid) as error:
        actions.comment_on_motion(motion_id=motion.pk, stance="suggest", actor=resident)
    assert error.value.fields == {"text": ["请写下您的建议。"]}
    assert Opinion.objects.count() == 0
    assert MotionEvent.objects.filter(transition="comment").count() == 0


def test_ending_appraisal_early_needs_a_reason(bodies: Any, resident: Any) -> None:
    motion = _proposed(bodies, resident)
    actions.admit_motion(motion_id=motion.pk, actor=bodies.convener_user)
    with pytest.raises(Invalid) as error:
        actions.start_review(motion_id=motion.pk, actor=bodies.convener_user)
    assert error.value.fields == {"note": ["评议期尚未结束，提前结束评议须说明理由。"]}
    motion.refresh_from_db()
    assert motion.state == S.APPRAISING
    later = timezone.now() + dt.timedelta(days=8)
    actions.start_review(motion_id=motion.pk, actor=bodies.convener_user, now=later)
    motion.refresh_from_db()
    assert motion.state == S.REVIEWING


def test_a_vote_needs_a_passed_review_first(bodies: Any, resident: Any) -> None:
    convener = bodies.convener_user
    motion = _reviewing(_proposed(bodies, resident), convener)
    meeting = _meeting(bodies.council_a1, motion, "vote", convener)
    actions.record_attendance(meeting_id=meeting.pk, present=5, actor=convener)
    with pytest.raises(InvalidState):
        actions.open_ballot(
            meeting_id=meeting.pk, motion_id=motion.pk, purpose="vote", method="roll_call",
            actor=convener,
        )  # fmt: skip
    motion.refresh_from_db()
    assert motion.state == S.REVIEWING
    assert Ballot.objects.count() == 0


def test_review_may_amend_and_send_back(bodies: Any, resident: Any) -> None:
    convener = bodies.convener_user
    motion = _reviewing(_proposed(bodies, resident), convener)
    actions.amend_motion(
        motion_id=motion.pk, title="修缮组内便道（一期）", body="先修一期。", note="分期实施",
        actor=convener,
    )  # fmt: skip
    amend = MotionEvent.objects.get(transition="amend")
    assert amend.data == {
        "title_before": "修缮组内便道",
        "body_before": "组内便道年久失修，提议筹资筹劳修缮。",
    }
    actions.send_back_motion(motion_id=motion.pk, note="补充预算", actor=convener)
    motion.refresh_from_db()
    assert (motion.state, motion.title) == (S.APPRAISING, "修缮组内便道（一期）")


def test_a_meeting_without_quorum_adjourns_and_can_reconvene(bodies: Any, resident: Any) -> None:
    convener = bodies.convener_user
    motion = _reviewing(_proposed(bodies, resident), convener)
    _pass_review(bodies, motion, convener)
    ballot = _vote(bodies, motion, convener, present=2, yes=2)
    motion.refresh_from_db()
    assert (ballot.outcome, motion.state) == ("no_quorum", S.ADJOURNED)
    ballot = _vote(bodies, motion, convener, present=4, yes=2)
    motion.refresh_from_db()
    assert (ballot.outcome, motion.state) == ("failed", S.REJECTED)
    steps = MotionEvent.objects.filter(motion=motion).values_list("transition", flat=True)
    assert list(steps)[-4:] == ["open_vote", "adjourn", "reconvene", "defeat"]


def test_a_member_votes_once_and_the_database_refuses_a_second_vote(
    bodies: Any, resident: Any
) -> None:
    convener = bodies.convener_user
    motion = _reviewing(_proposed(bodies, resident), convener)
    _pass_review(bodies, motion, convener)
    meeting = _meeting(bodies.council_a1, motion, "vote", convener)
    actions.record_attendance(meeting_id=meeting.pk, present=5, actor=convener)
    ballot = actions.open_ballot(
        meeting_id=meeting.pk, motion_id=motion.pk, purpose="vote", method="roll_call",
        actor=convener,
    )  # fmt: skip
    actions.cast_vote(ballot_id=ballot.pk, choice="yes", actor=bodies.member_user)
    with pytest.raises(InvalidState):
        actions.cast_vote(ballot_id=ballot.pk, choice="no", actor=bodies.member_user)
    member = bodies.council_members[1]
    with pytest.raises(InvalidState):
        actions.record_votes(ballot_id=ballot.pk, votes={member.pk: "no"}, actor=convener)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(ballot=ballot, person=member, choice="no", at=timezone.now())
    assert list(Vote.objects.values_list("person_id", "choice")) == [(member.pk, "yes")]
    ballot.refresh_from_db()
    assert (ballot.yes, ballot.no) == (1, 0)


def test_a_council_resolution_on_a_statutory_matter_is_advisory(bodies: Any, resident: Any) -> None:
    convener = bodies.convener_user
    motion = _proposed(bodies, resident, statutory_matter="compensation")
    motion = _reviewing(motion, convener)
    _pass_review(bodies, motion, convener)
    ballot = _vote(bodies, motion, convener, present=5, yes=5)
    motion.refresh_from_db()
    assert (ballot.is_advisory, motion.is_advisory, motion.state) == (True, True, S.RESOLVED)


def test_an_authorised_representatives_assembly_binds(
    bodies: Any, resident: Any, tree: Any
) -> None:
    secretary = UserFactory.create()
    RoleGrantFactory.create(user=secretary, role="branch_secretary", region=tree.village_a)
    assembly = bodies.representatives_a
    Authorisation.objects.create(
        assembly=assembly, region_code=assembly.region_code, matters=["compensation"],
        valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2030, 12, 31),
    )  # fmt: skip
    motion = _proposed(
        bodies, resident, statutory_matter="compensation", deciding_body_id=assembly.pk
    )
    motion = _reviewing(motion, bodies.convener_user)
    _pass_review(bodies, motion, bodies.convener_user)
    start = timezone.now()
    meeting = actions.schedule_meeting(
        body_id=assembly.pk, title="村民代表会议", place="村委会", starts_at=start,
        notice_sent_at=start - dt.timedelta(days=5), agenda=[(motion.pk, "vote")], actor=secretary,
    )  # fmt: skip
    actions.record_attendance(meeting_id=meeting.pk, expected=30, present=20, actor=secretary)
    ballot = actions.open_ballot(
        meeting_id=meeting.pk, motion_id=motion.pk, purpose="vote", method="show_of_hands",
        actor=secretary,
    )  # fmt: skip
    actions.record_counts(ballot_id=ballot.pk, yes=11, no=9, abstain=0, actor=secretary)
    ballot = actions.close_ballot(ballot_id=ballot.pk, actor=secretary)
    motion.refresh_from_db()
    assert (ballot.outcome, ballot.is_advisory, motion.is_advisory) == ("passed", False, False)


def test_a_vote_of_the_villagers_assembly_needs_ten_days_notice(
    bodies: Any, resident: Any, tree: Any
) -> None:
    secretary = UserFactory.create()
    RoleGrantFactory.create(user=secretary, role="branch_secretary", region=tree.village_a)
    motion = _proposed(bodies, resident, deciding_body_id=bodies.assembly_a.pk)
    start = timezone.now()
    with pytest.raises(Invalid) as error:
        actions.schedule_meeting(
            body_id=bodies.assembly_a.pk, title="村民会议", place="村委会", starts_at=start,
            notice_sent_at=start - dt.timedelta(days=9), agenda=[(motion.pk, "vote")],
            actor=secretary,
        )  # fmt: skip
    assert error.value.fields == {"starts_at": ["村民会议应至少提前10日通知。"]}
    assert Meeting.objects.count() == 0


def test_publishing_tells_every_household_of_the_group_once(bodies: Any, resident: Any) -> None:
    motion = _proposed(bodies, resident)
    Motion.objects.filter(pk=motion.pk).update(state=S.RESOLVED, resolution="同意。")
    publication = actions.publish_resolution(motion_id=motion.pk, actor=bodies.convener_user)
    households = {p.household_id for p in bodies.council_members} | {
        bodies.branch_members[0].household_id
    }
    assert publication.households_notified >= len(households)
    messages = Message.objects.filter(reference=f"motion:{motion.pk}")
    assert messages.count() == publication.households_notified
    first = messages.first()
    assert first is not None
    assert first.body.startswith("【一组议事会】决议公开：修缮组内便道。")


def test_objections_are_taken_within_the_window_and_block_closing_until_answered(
    bodies: Any, resident: Any
) -> None:
    convener = bodies.convener_user
    motion = _proposed(bodies, resident)
    Motion.objects.filter(pk=motion.pk).update(state=S.RESOLVED, resolution="同意。")
    publication = actions.publish_resolution(motion_id=motion.pk, actor=convener)
    objection = actions.file_objection(
        publication_id=publication.pk, text="费用分摊不公", actor=resident
    )
    late = timezone.now() + dt.timedelta(days=6)
    with pytest.raises(InvalidState):
        actions.file_objection(publication_id=publication.pk, text="再提", actor=resident, now=late)
    Motion.objects.filter(pk=motion.pk).update(state=S.RESULT_PUBLISHED)
    with pytest.raises(InvalidState):
        actions.close_motion(motion_id=motion.pk, actor=convener)
    with pytest.raises(NotAllowed):
        actions.answer_objection(objection_id=objection.pk, answer="已说明", actor=resident)
    actions.answer_objection(
        objection_id=objection.pk, answer="按户均摊，已公示明细", actor=convener
    )
    actions.close_motion(motion_id=motion.pk, actor=convener)
    motion.refresh_from_db()
    assert motion.state == S.CLOSED


@override_settings(SIZHI_DELIBERATION={"cosign_threshold": 0})
def test_a_zero_threshold_waits_for_the_convener(bodies: Any, resident: Any, tree: Any) -> None:
    motion = _proposed(bodies, resident)
    user = UserFactory.create()
    RoleGrantFactory.create(user=user, role="resident", region=tree.group_a1)
    actions.cosign_motion(motion_id=motion.pk, actor=user)
    motion.refresh_from_db()
    assert motion.state == S.PROPOSED


def test_votes_beyond_those_present_are_refused_and_nothing_is_stored(
    bodies: Any, resident: Any
) -> None:
    convener = bodies.convener_user
    motion = _reviewing(_proposed(bodies, resident), convener)
    _pass_review(bodies, motion, convener)
    meeting = _meeting(bodies.council_a1, motion, "vote", convener)
    actions.record_attendance(meeting_id=meeting.pk, present=2, actor=convener)
    ballot = actions.open_ballot(
        meeting_id=meeting.pk, motion_id=motion.pk, purpose="vote", method="roll_call",
        actor=convener,
    )  # fmt: skip
    three = {p.pk: "yes" for p in bodies.council_members[:3]}
    with pytest.raises(Invalid) as error:
        actions.record_votes(ballot_id=ballot.pk, votes=three, actor=convener)
    assert error.value.fields == {"votes": ["赞成、反对、弃权票数之和不能多于实到人数。"]}
    assert Vote.objects.count() == 0
    two = {p.pk: "yes" for p in bodies.council_members[2:4]}
    actions.record_votes(ballot_id=ballot.pk, votes=two, actor=convener)
    with pytest.raises(InvalidState):
        actions.cast_vote(ballot_id=ballot.pk, choice="no", actor=bodies.member_user)
    assert Vote.objects.count() == 2


def test_a_ballot_whose_counts_no_longer_fit_the_attendance_cannot_close(
    bodies: Any, resident: Any
) -> None:
    convener = bodies.convener_user
    motion = _reviewing(_proposed(bodies, resident), convener)
    meeting = _meeting(bodies.branch_a1, motion, "review", convener)
    actions.record_attendance(meeting_id=meeting.pk, present=3, actor=convener)
    ballot = actions.open_ballot(
        meeting_id=meeting.pk, motion_id=motion.pk, purpose="review", method="show_of_hands",
        actor=convener,
    )  # fmt: skip
    actions.record_counts(ballot_id=ballot.pk, yes=3, no=0, abstain=0, actor=convener)
    actions.record_attendance(meeting_id=meeting.pk, present=2, actor=convener)
    with pytest.raises(Invalid) as error:
        actions.close_ballot(ballot_id=ballot.pk, actor=convener)
    assert error.value.fields == {"votes": ["赞成、反对、弃权票数之和不能多于实到人数。"]}
    ballot.refresh_from_db()
    assert (ballot.outcome, ballot.closed_at) == ("", None)


def test_a_resolution_with_no_text_cannot_be_published(bodies: Any, resident: Any) -> None:
    motion = _proposed(bodies, resident)
    Motion.objects.filter(pk=motion.pk).update(state=S.RESOLVED, resolution="")
    with pytest.raises(Invalid):
        actions.publish_resolution(motion_id=motion.pk, actor=bodies.convener_user)
    motion.refresh_from_db()
    assert motion.state == S.RESOLVED
    assert Publication.objects.count() == 0


def test_the_record_keeps_numbers_and_the_sites_language(
    bodies: Any, resident: Any, tree: Any
) -> None:
    from django.utils import translation

    from sizhi.core.models import AuditLog

    motion = _proposed(bodies, resident)
    user = UserFactory.create()
    RoleGrantFactory.create(user=user, role="resident", region=tree.group_a1)
    actions.cosign_motion(motion_id=motion.pk, actor=user)
    assert AuditLog.objects.get(action="motion.cosign").changes["cosign_count"] == 1
    convener = bodies.convener_user
    motion = _reviewing(motion, convener)
    meeting = _meeting(bodies.branch_a1, motion, "review", convener)
    actions.record_attendance(meeting_id=meeting.pk, present=3, actor=convener)
    with translation.override("en"):
        ballot = actions.open_ballot(
            meeting_id=meeting.pk, motion_id=motion.pk, purpose="review",
            method="show_of_hands", actor=convener,
        )  # fmt: skip
    assert ballot.rule == "到会超过二分之一应到人数；赞成票超过二分之一到会人数"
