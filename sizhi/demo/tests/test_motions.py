"""The demo's year of motions (small profile, fixed build time): exact counts, every history a
path through the workflow table, ballots that agree with the bodies' rules, meetings that expect
the bodies' members, and the rows each state implies (opinions, co-signs, publications,
objections, progress); the article's 临江村 example, the county's topic and the personas' group.
Built once for the module inside a transaction rolled back at the end."""

import datetime as dt
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.test.utils import CaptureQueriesContext

from sizhi.accounts.models import User
from sizhi.core.workflow import transition_for
from sizhi.deliberation import config, rules, workflow
from sizhi.deliberation.access import may
from sizhi.deliberation.actions.meetings import electorate, eligible_ids
from sizhi.deliberation.actions.sweep import sweep_motions
from sizhi.deliberation.models import (
    AgendaItem,
    Authorisation,
    Ballot,
    Cosign,
    Meeting,
    Motion,
    MotionEvent,
    Objection,
    Opinion,
    ProgressReport,
    Publication,
    Topic,
    Vote,
)
from sizhi.deliberation.queries import topic_progress
from sizhi.demo.builder import DEFAULT_SEED, PROFILE_SMALL, build_demo
from sizhi.demo.fenggang import HOME_GROUP, HOME_VILLAGE, SMALL_TOWNSHIP
from sizhi.orgs.models import Unit
from sizhi.residents.models import Membership, Person

S = workflow.MotionState
TZ = ZoneInfo("Asia/Shanghai")
AS_OF = dt.datetime(2026, 6, 15, 10, 0, tzinfo=TZ)
# States a motion has passed through on its way to each state (on the main road).
AFTER_APPRAISAL = {
    S.REVIEWING, S.VOTING, S.RESOLVED, S.ADJOURNED, S.RESOLUTION_PUBLISHED, S.IMPLEMENTING,
    S.RESULT_PUBLISHED, S.CLOSED,
}  # fmt: skip
PUBLISHED = {S.RESOLUTION_PUBLISHED, S.IMPLEMENTING, S.RESULT_PUBLISHED, S.CLOSED}


@pytest.fixture(scope="module")
def small_demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        report = build_demo(profile=PROFILE_SMALL, seed=DEFAULT_SEED, as_of=AS_OF)
        yield report
        transaction.set_rollback(True)


@pytest.fixture
def demo(small_demo, db):
    return small_demo


@pytest.fixture
def histories(demo):
    found = defaultdict(list)
    for event in MotionEvent.objects.order_by("motion_id", "at", "id"):
        found[event.motion_id].append(event)
    return found


def _by(field, **filters):
    rows = Motion.objects.filter(**filters).values_list(field).annotate(n=Count("pk"))
    return dict(rows.order_by())


def test_a_year_of_motions_by_area_and_state(demo):
    # 进化镇's share of the article's totals, plus the county's topic sent to its 211 councils
    # (风气) and the township's topic sent to 18 of them (发展).
    assert _by("area") == {
        "development": 178,
        "law": 37,
        "morality": 67,
        "customs": 255,
        "harmony": 72,
    }
    assert _by("state") == {
        "draft": 12,
        "proposed": 20,
        "appraising": 23,
        "reviewing": 26,
        "voting": 3,
        "resolved": 5,
        "adjourned": 6,
        "resolution_published": 15,
        "implementing": 101,
        "result_published": 38,
        "closed": 294,
        "rejected": 58,
        "withdrawn": 8,
    }
    assert _by("origin") == {
        "resident": 165,
        "member": 108,
        "organisation": 107,
        "county_topic": 211,
        "township_topic": 18,
    }
    assert Motion.objects.count() == demo.counts["motions"] == 609
    assert Motion.objects.filter(implementation_overdue=True).count() == 4
    counted = ("meetings", "ballots", "votes", "opinions", "cosigns", "publications")
    assert {key: demo.counts[key] for key in counted} == {
        "meetings": 1060,
        "ballots": 1044,
        "votes": 794,
        "opinions": 1991,
        "cosigns": 439,
        "publications": 780,
    }
    assert (demo.counts["objections"], demo.counts["progress_reports"]) == (41, 546)


def test_every_history_is_a_path_through_the_workflow_table(demo, histories):
    motions = {motion.pk: motion for motion in Motion.objects.all()}
    assert set(histories) == set(motions)
    for motion_id, events in histories.items():
        motion = motions[motion_id]
        first = events[0]
        # A topic's motions begin like written ones: created as a draft, then proposed.
        assert (first.transition, first.from_state, first.to_state) == ("create", "", S.DRAFT)
        if motion.topic_id:
            assert first.data == {"topic": motion.topic_id}
        assert first.at == motion.created_at
        state = first.to_state
        for event in events[1:]:
            assert event.from_state == state, (motion.pk, event.transition)
            transition = transition_for(workflow.TRANSITIONS, event.transition, state)
            state = transition.target or state
            assert event.to_state == state
        assert state == motion.state, motion.pk
        times = [event.at for event in events]
        assert times == sorted(times)
        assert times[-1] == motion.updated_at
        assert AS_OF - dt.timedelta(days=366) <= times[0]
        assert times[-1] < AS_OF


def test_motion_fields_follow_the_steps_taken(demo, histories):
    for motion in Motion.objects.all():
        steps = Counter(event.transition for event in histories[motion.pk])
        assert (motion.proposed_at is not None) == bool(steps["propose"]), motion.pk
        assert (motion.resolved_at is not None) == bool(steps["resolve"]), motion.pk
        assert (motion.closed_at is not None) == (motion.state == S.CLOSED)
        assert (motion.implementation_due_on is not None) == bool(steps["start_implementation"])
        assert motion.cosign_count == steps["cosign"] == motion.cosigns.count()
        assert (motion.appraisal_ends_at is not None) == bool(steps["admit"])
        if steps["resolve"]:
            assert motion.resolution
        assert motion.implementation_overdue == (
            motion.state == S.IMPLEMENTING and bool(steps["flag_overdue"])
        )
        if motion.cosign_threshold and motion.cosign_count >= motion.cosign_threshold:
            admit = next(e for e in histories[motion.pk] if e.transition == "admit")
            assert (admit.actor_id, admit.note) == (None, "附议人数达到5人，自动进入评议。")


def test_ballots_agree_with_the_bodys_rule_and_the_steps_they_caused(demo):
    caused = {}
    for event in MotionEvent.objects.filter(data__has_key="ballot"):
        caused[event.data["ballot"]] = event
    ballots = Ballot.objects.select_related("meeting__body")
    assert ballots.count() == demo.counts["ballots"]
    for ballot in ballots:
        meeting = ballot.meeting
        rule = config.body_rule(meeting.body.kind)
        assert ballot.rule == rules.describe(rule)
        if ballot.outcome == "":
            assert ballot.closed_at is None
            assert ballot.motion.state == S.VOTING
            assert ballot.pk not in caused
            continue
        tally = rules.Tally(
            meeting.expected, meeting.present, meeting.expected_households,
            meeting.present_households, ballot.yes, ballot.no, ballot.abstain,
        )  # fmt: skip
        assert not rules.tally_errors(tally)
        assert rules.outcome(rule, tally) == ballot.outcome, ballot.pk
        event = caused[ballot.pk]
        expected_step = {
            ("review", "passed"): "record_review",
            ("review", "failed"): "record_review",
            ("vote", "passed"): "resolve",
            ("vote", "failed"): "defeat",
            ("vote", "no_quorum"): "adjourn",
        }[(ballot.purpose, ballot.outcome)]
        assert (event.transition, event.motion_id, event.at) == (
            expected_step, ballot.motion_id, ballot.closed_at,
        )  # fmt: skip
        assert event.data == {
            "ballot": ballot.pk, "meeting": meeting.pk, "outcome": ballot.outcome,
            "yes": ballot.yes, "no": ballot.no, "abstain": ballot.abstain,
            "expected": meeting.expected, "present": meeting.present, "rule": ballot.rule,
        }  # fmt: skip
        assert meeting.held
        assert ballot.closed_at is not None
        assert meeting.starts_at <= ballot.opened_at < ballot.closed_at
        assert AgendaItem.objects.filter(
            meeting=meeting, motion_id=ballot.motion_id, purpose=ballot.purpose
        ).exists()
        if ballot.purpose == "vote":
            assert meeting.body_id == ballot.motion.deciding_body_id
            matter = ballot.motion.statutory_matter
            assert ballot.is_advisory == (bool(matter) and meeting.body.kind == "council")
        else:
            assert meeting.body.kind in rules.REVIEW_KINDS
    assert set(Ballot.objects.values_list("outcome", flat=True)) == {
        "", "passed", "failed", "no_quorum",
    }  # fmt: skip


def test_meetings_expect_the_bodys_members_and_were_called_in_time(demo):
    meetings = Meeting.objects.select_related("body")
    for meeting in meetings:
        expected, households = electorate(meeting.body, meeting.starts_at.year)
        assert (meeting.expected, meeting.expected_households) == (expected, households)
        assert meeting.present <= meeting.expected
        assert meeting.women_present <= meeting.present
        rule = config.body_rule(meeting.body.kind)
        has_vote = AgendaItem.objects.filter(meeting=meeting, purpose="vote").exists()
        assert meeting.notice_sent_at <= meeting.starts_at
        if has_vote:
            assert rules.notice_ok(rule, meeting.notice_sent_at, meeting.starts_at)
        if not meeting.held:
            assert meeting.starts_at > AS_OF - dt.timedelta(hours=2)
            assert not meeting.ballots.exists()
    assert meetings.filter(held=False).exists()  # called, not met yet


def test_votes_are_one_per_member_and_add_up(demo):
    roll_calls = Ballot.objects.filter(method="roll_call").exclude(outcome="")
    assert roll_calls.exists()
    for ballot in roll_calls.select_related("meeting__body"):
        votes = list(ballot.votes.values_list("person_id", "choice"))
        counts = Counter(choice for _person, choice in votes)
        assert (counts["yes"], counts["no"], counts["abstain"]) == (
            ballot.yes, ballot.no, ballot.abstain,
        )  # fmt: skip
        people = {person for person, _choice in votes}
        assert len(people) == len(votes) <= ballot.meeting.present
        year = ballot.meeting.starts_at.year
        assert eligible_ids(ballot.meeting.body, people, year) == people
    assert not Vote.objects.filter(ballot__method="show_of_hands").exists()
    duplicated = Vote.objects.values("ballot", "person").annotate(n=Count("pk")).filter(n__gt=1)
    assert not duplicated.exists()


def test_opinions_and_cosigns_come_from_people_who_may_take_part(demo, histories):
    users = dict(Person.objects.filter(user__isnull=False).values_list("user_id", "region_code"))
    for opinion in Opinion.objects.select_related("motion"):
        motion = opinion.motion
        assert users[opinion.author_id] == motion.region_code
        said = [
            e.data
            for e in histories[motion.pk]
            if (e.transition, e.at, e.actor_id) == ("comment", opinion.at, opinion.author_id)
        ]
        assert said == [{"stance": opinion.stance}]
        assert opinion.stance != "suggest" or opinion.text
        if not motion.is_public:
            assert opinion.is_member
    assert not Opinion.objects.values("motion", "author").annotate(n=Count("pk")).filter(n__gt=1)
    for cosign in Cosign.objects.select_related("motion"):
        assert users[cosign.user_id] == cosign.motion.region_code
        assert cosign.user_id != cosign.motion.proposer_id
    appraised = Motion.objects.filter(state__in=AFTER_APPRAISAL)
    with_opinions = appraised.filter(opinions__isnull=False).distinct().count()
    assert with_opinions > 0.8 * appraised.count()
    assert not Opinion.objects.filter(motion__state__in=[S.DRAFT, S.PROPOSED]).exists()
    assert Opinion.objects.filter(is_member=True).exists()
    assert Opinion.objects.filter(is_member=False).exists()


def test_publications_objections_and_progress_where_the_state_implies_them(demo):
    reached = {
        "resolution": Motion.objects.filter(events__transition="publish_resolution"),
        "result": Motion.objects.filter(events__transition="publish_result"),
    }
    for kind, motions in reached.items():
        published = Publication.objects.filter(kind=kind)
        assert set(published.values_list("motion_id", flat=True)) == set(
            motions.values_list("pk", flat=True)
        )
    assert set(reached["resolution"].values_list("state", flat=True)) == PUBLISHED
    reach = dict(
        Person.objects.filter(household__isnull=False)
        .exclude(phone="")
        .values_list("region_code")
        .annotate(n=Count("household_id", distinct=True))
        .order_by()
    )
    for publication in Publication.objects.all():
        assert publication.households_notified == reach[publication.region_code] > 0
        assert publication.objections_until == publication.published_at + dt.timedelta(days=5)
    for objection in Objection.objects.select_related("publication"):
        assert objection.at <= objection.publication.objections_until
        assert objection.answer_due_at == objection.at + dt.timedelta(days=5)
        assert (objection.answered_at is None) == (objection.answer == "")
    assert Objection.objects.filter(answered_at__isnull=True).exists()
    assert not Objection.objects.filter(
        publication__motion__state=S.CLOSED, answered_at__isnull=True
    ).exists()
    carried_out = Motion.objects.filter(state__in=[S.RESULT_PUBLISHED, S.CLOSED])
    assert carried_out.filter(progress__isnull=False).distinct().count() == carried_out.count()
    assert not ProgressReport.objects.exclude(
        motion__state__in=[S.IMPLEMENTING, S.RESULT_PUBLISHED, S.CLOSED]
    ).exists()
    assert not ProgressReport.objects.filter(reported_on__gt=AS_OF.date()).exists()
    assert not ProgressReport.objects.exclude(region_code=F("motion__region_code")).exists()


def test_overdue_flags_are_what_the_sweep_would_have_set(demo):
    overdue = Motion.objects.filter(implementation_overdue=True)
    assert 0 < overdue.count() < Motion.objects.filter(state=S.IMPLEMENTING).count() / 4
    assert not overdue.filter(implementation_due_on__gte=AS_OF.date()).exists()
    assert sweep_motions(now=AS_OF).overdue_flagged == 0


def test_region_codes_agree(demo):
    assert not Motion.objects.exclude(region_code=F("region__code")).exists()
    assert not Motion.objects.exclude(region_code=F("council__region_code")).exists()
    assert not MotionEvent.objects.exclude(region_code=F("motion__region_code")).exists()
    assert not Ballot.objects.exclude(region_code=F("motion__region_code")).exists()
    assert not Meeting.objects.exclude(region_code=F("body__region_code")).exists()
    assert not Publication.objects.exclude(region_code=F("motion__region_code")).exists()
    assert not Motion.objects.exclude(
        Q(deciding_body=F("council")) | Q(deciding_body__kind="representatives_assembly")
    ).exists()


def test_the_linjiang_eco_park_matter(demo):
    motions = Motion.objects.filter(title__startswith="九龙生态养生园").order_by("region_code")
    assert list(motions.values_list("region__name", "land_mu")) == [
        ("临平组", 420), ("街坝组", 360),
    ]  # fmt: skip
    assembly = Unit.objects.get(region_code=HOME_VILLAGE, kind="representatives_assembly")
    for motion in motions:
        assert (motion.money_yuan, motion.statutory_matter, motion.deciding_body) == (
            150_000_000, "collective_project", assembly,
        )  # fmt: skip
        assert (motion.state, motion.is_advisory, motion.origin) == (
            S.IMPLEMENTING, False, "organisation",
        )  # fmt: skip
        assert motion.resolution.startswith("项目落地、农户入股")
        review = motion.ballots.get(purpose="review")
        assert review.meeting.body.name == f"临江村{motion.region.name}党支部"
        assert review.outcome == "passed"
        vote = motion.ballots.get(purpose="vote")
        assert (vote.outcome, vote.is_advisory) == ("passed", False)
        assert vote.meeting.body == assembly
        assert motion.publications.get().kind == "resolution"
        assert motion.progress.count() >= 2
        assert not motion.implementation_overdue
    sitting = {motion.ballots.get(purpose="vote").meeting_id for motion in motions}
    assert len(sitting) == 1
    meeting = Meeting.objects.get(pk=sitting.pop())
    assert meeting.expected == Membership.objects.filter(unit=assembly).count() >= 60
    assert rules.has_quorum(config.body_rule("representatives_assembly"), rules.Tally(
        meeting.expected, meeting.present, 0, 0, 0, 0, 0,
    ))  # fmt: skip
    authorisation = Authorisation.objects.get(assembly=assembly)
    assert "collective_project" in authorisation.matters
    assert authorisation.valid_from <= meeting.starts_at.date() <= authorisation.valid_to
    granted = authorisation.granted_at_meeting
    assert granted is not None
    assert (granted.body.kind, granted.held) == ("villagers_assembly", True)
    assert granted.present_households * 3 >= granted.expected_households * 2
    seats = Membership.objects.filter(unit=assembly)
    assert seats.filter(role="representative").count() * 5 >= seats.count() * 4
    assert seats.filter(person__gender="f").count() * 3 >= seats.count()


def test_the_county_topic_reaches_every_council_of_the_township(demo):
    topic = Topic.objects.get(title="移风易俗·红白喜事简办")
    councils = Unit.objects.filter(region_code__startswith=SMALL_TOWNSHIP, kind="council")
    assert topic.target_count == councils.count() == topic.motions.count() == 211
    assert topic.region_code == "520327"
    assert topic.sent_at is not None
    assert set(topic.motions.values_list("origin", "area")) == {("county_topic", "customs")}
    states = dict(topic.motions.values_list("state").annotate(n=Count("pk")).order_by())
    assert len(states) >= 8, states
    admin = User.objects.get(phone="13900000001")
    with CaptureQueriesContext(connection) as queries:
        progress = topic_progress(admin, topic.pk)
    assert progress.total == 211
    assert progress.by_state == states
    assert len(queries) <= 4
    township = Topic.objects.get(region_code=SMALL_TOWNSHIP)
    assert township.issued_by is not None
    assert (township.motions.count(), township.issued_by.phone) == (18, "13900000005")


def test_the_personas_group_has_a_motion_in_every_state(demo):
    convener = User.objects.get(phone="13900000009")
    council = Unit.objects.get(region_code=HOME_GROUP, kind="council")
    assert Membership.objects.get(unit=council, person__user=convener).role == "convener"
    states = set(Motion.objects.filter(council=council).values_list("state", flat=True))
    assert states == set(S.values)
    resident = User.objects.get(phone="13900000012")
    person = Person.objects.get(user=resident)
    assert person.region_code == HOME_GROUP
    mine = set(Motion.objects.filter(proposer=resident).values_list("state", flat=True))
    assert {S.DRAFT, S.PROPOSED, S.WITHDRAWN} <= mine


def test_people_taking_part_have_accounts_with_their_grants(demo):
    leads = Membership.objects.filter(role__in=["convener", "secretary"])
    assert not leads.filter(person__user__isnull=True).exists()
    accounts = User.objects.filter(person__isnull=False).exclude(phone__startswith="1390000")
    assert accounts.count() == 1721
    assert not accounts.filter(is_staff=True).exists()
    assert not any(user.has_usable_password() for user in accounts[:50])
    assert (
        not accounts.exclude(grants__region_code=F("person__region_code"))
        .exclude(grants__role="branch_secretary")
        .exists()
    )
    assert not accounts.exclude(phone=F("person__phone")).exists()
    roles = Counter(accounts.values_list("grants__role", flat=True))
    assert set(roles) == {"convener", "council_member", "branch_secretary", "resident"}


def test_every_step_was_taken_by_someone_allowed_to(demo, histories):
    users = {user.pk: user for user in User.objects.all()}
    motions = Motion.objects.all()
    checked = 0
    for motion in motions:
        for event in histories[motion.pk]:
            if event.transition in {"create", "flag_overdue"}:
                continue
            permission = workflow.TRANSITIONS[event.transition].permission
            actor = users.get(event.actor_id)
            if permission == "system":
                if event.transition == "admit" or event.actor_id is None:
                    continue
                permission = "deliberation.manage"
            if actor is None:
                assert event.transition == "admit", (motion.pk, event.transition)
                continue
            assert may(actor, permission, motion), (motion.pk, event.transition)
            checked += 1
    assert checked > 5000
