"""The demo's year of cases (small profile, fixed build time): exact counts, every history a
path through the workflow table, clocks that agree with the states and with what the sweep
would have done, numbers in order, and determinism. Built once for the module inside a
transaction rolled back at the end."""

import datetime as dt
import re
from collections import Counter, defaultdict
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count

from sizhi.cases import workflow
from sizhi.cases.actions.base import tracking_hash
from sizhi.cases.actions.sweep import FLAG_ACTION, sweep_clocks, unflagged_bad_ratings
from sizhi.cases.models import (
    Case,
    CaseClock,
    CaseEvent,
    CaseNumber,
    Category,
    Extension,
    FollowUp,
    RoutingRule,
    Supervision,
)
from sizhi.core.models import AuditLog
from sizhi.demo.builder import DEFAULT_SEED, PROFILE_SMALL, build_demo
from sizhi.demo.casedraw import poisson
from sizhi.demo.cases import tracking_code
from sizhi.demo.casewalk import next_tick
from sizhi.demo.fenggang import SMALL_TOWNSHIP
from sizhi.residents.models import Person

TZ = ZoneInfo("Asia/Shanghai")
AS_OF = dt.datetime(2026, 6, 15, 10, 0, tzinfo=TZ)  # a Monday morning
ACTIVE = ("running", "paused")


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
    """case id → its events in order."""
    found = defaultdict(list)
    for event in CaseEvent.objects.order_by("case_id", "at", "id"):
        found[event.case_id].append(event)
    return found


def _by(field):
    return dict(Case.objects.values_list(field).annotate(n=Count("pk")).order_by())


def test_a_year_of_cases_by_state_and_channel(demo):
    assert _by("state") == {
        "received": 2,
        "accepted": 1,
        "declined": 22,
        "in_progress": 16,
        "replied": 3,
        "closed": 843,
        "merged": 22,
        "reviewed": 1,
        "terminated": 12,
    }
    assert _by("channel") == {
        "hotline": 407,
        "mailbox": 153,
        "web": 130,
        "visit": 75,
        "letter": 72,
        "app": 60,
        "grid": 25,
    }
    assert demo.counts["cases"] == Case.objects.count()


def test_the_mix_is_realistic(demo):
    total = Case.objects.count()
    assert 700 <= total <= 1500  # one township: about a tenth of 20-40 a day
    kinds = _by("kind")
    assert kinds["help"] + kinds["consultation"] + kinds["complaint"] > 0.7 * total
    assert 0.02 * total <= kinds["petition"] <= 0.07 * total
    assert {"suggestion", "praise", "report"} <= set(kinds)
    channels = _by("channel")
    assert max(channels, key=channels.get) == "hotline"
    assert channels["mailbox"] > channels["web"] > channels["grid"]
    states = _by("state")
    assert states["closed"] > 0.8 * total
    assert 0 < states["declined"] < 0.06 * total
    assert 0 < states["merged"] < 0.05 * total
    assert Case.objects.filter(reopen_count__gt=0).exists()
    assert CaseClock.objects.filter(state="running", overdue_at__isnull=False).exists()
    ratings = Counter(
        Case.objects.exclude(satisfaction=None).values_list("satisfaction", flat=True)
    )
    assert ratings[5] + ratings[4] > 0.75 * sum(ratings.values())
    assert ratings[1] + ratings[2] > 0
    assert Category.objects.filter(parent__isnull=False).count() >= 50
    assert RoutingRule.objects.count() == 14


def test_every_history_is_a_path_through_the_workflow_table(demo, histories):
    cases = {case.pk: case for case in Case.objects.all()}
    assert set(histories) == set(cases)
    for case_id, events in histories.items():
        case = cases[case_id]
        first = events[0]
        assert (first.transition, first.from_state, first.to_state) == ("receive", "", "received")
        assert first.at == case.received_at
        state = "received"
        for event in events[1:]:
            assert event.from_state == state, (case.number, event.transition)
            workflow.transition_of(event.transition, state, case.kind)  # raises when invalid
            state = workflow.target_of(event.transition, state)
            assert event.to_state == state
        assert state == case.state, case.number
        times = [event.at for event in events]
        assert times == sorted(times)
        assert times[-1] <= AS_OF


def test_cases_come_from_the_year_before_the_build(demo):
    received = Case.objects.order_by("received_at").values_list("received_at", flat=True)
    first, last = received[0], received.reverse()[0]
    assert AS_OF - dt.timedelta(days=366) <= first < AS_OF - dt.timedelta(days=360)
    assert AS_OF - dt.timedelta(days=2) < last < AS_OF


def test_numbers_are_unique_and_sequential_per_year(demo):
    numbers = list(Case.objects.order_by("received_at", "id").values_list("number", flat=True))
    assert len(set(numbers)) == len(numbers)
    by_year = defaultdict(list)
    for number in numbers:
        county, year, serial = number.split("-")
        assert county == "520327"
        by_year[int(year)].append(int(serial))
    assert set(by_year) == {2025, 2026}
    for number_year, serials in by_year.items():
        assert serials == list(range(1, len(serials) + 1))
        counter = CaseNumber.objects.get(county_code="520327", year=number_year)
        assert counter.last == len(serials)


def test_counters_agree_with_the_events(demo, histories):
    for case in Case.objects.all():
        names = Counter(event.transition for event in histories[case.pk])
        assert case.transfer_count == names["transfer"] + names["reassign"]
        assert case.reopen_count == names["reopen"]
        assert case.extension_count == names["approve_extension"]
        assert case.is_escalated == bool(names["escalate"])
        assert case.is_designated == bool(names["uphold"] + names["reassign"])
        assert (case.merged_into_id is not None) == (case.state == "merged")
        assert (case.closed_at is not None) == (case.state not in workflow.OPEN_STATES)
        assert (case.replied_at is not None) == bool(names["reply"])
        assert bool(case.reply) == bool(names["reply"])
        assert (case.handling_unit_id is not None) == bool(names["dispatch"])
    repeats = Counter(Case.objects.exclude(merged_into=None).values_list("merged_into", flat=True))
    for parent in Case.objects.filter(pk__in=repeats):
        assert parent.repeat_count == repeats[parent.pk]
        assert parent.state != "merged"
    unexplained = Case.objects.filter(repeat_count__gt=0).exclude(pk__in=repeats)
    assert not unexplained.exists()


def test_clocks_agree_with_the_states(demo):
    active = defaultdict(set)
    for case_id, kind in CaseClock.objects.filter(state__in=ACTIVE).values_list("case", "kind"):
        active[case_id].add(kind)
    for case in Case.objects.all():
        kinds = active.get(case.pk, set())
        if case.state in workflow.FINAL_STATES or case.state in {"replied", "followed_up"}:
            assert not kinds, case.number
        if case.state in {"review_requested", "recheck_requested"}:
            assert kinds == {"review"}
        if case.state == "reviewed":
            assert not kinds
        if case.state in {"assigned", "in_progress"}:
            assert "handle" in kinds, case.number
        if case.state == "received":
            assert kinds == ({"accept"} if case.kind == "petition" else {"dispatch"})
    for clock in CaseClock.objects.all():
        assert clock.started_at <= clock.due_at
        if clock.state in ("met", "late"):
            assert clock.stopped_at is not None
            assert (clock.state == "met") == (clock.stopped_at <= clock.due_at)
        if clock.state in ACTIVE:
            assert clock.stopped_at is None
        else:
            assert clock.stopped_at is not None


def test_the_sweep_has_done_its_work_up_to_the_build(demo):
    """Every running clock past due is marked overdue; every mark is on a sweep tick or at the
    build time; each overdue clock of an open case has its supervision."""
    late = CaseClock.objects.filter(state="running", due_at__lt=AS_OF)
    assert late.exists()
    assert not late.filter(overdue_at=None).exists()
    for clock in CaseClock.objects.exclude(overdue_at=None):
        overdue_at = clock.overdue_at
        assert overdue_at is not None
        assert overdue_at > clock.due_at
        assert overdue_at <= AS_OF
        assert overdue_at == AS_OF or next_tick(overdue_at - dt.timedelta(seconds=1)) == overdue_at
    escalations = CaseEvent.objects.filter(transition="escalate")
    assert escalations.count() == Supervision.objects.count() > 0
    for event in escalations.select_related("case"):
        supervision = Supervision.objects.get(pk=event.data["supervision"])
        assert supervision.case_id == event.case_id
        assert supervision.created_at == event.at
        assert supervision.owner_unit.kind == "county_office"
        assert event.from_state in workflow.OPEN_STATES


def test_bad_ratings_not_contacted_were_flagged_as_the_sweep_would(demo):
    flagged = AuditLog.objects.filter(action=FLAG_ACTION)
    assert flagged.count() > 0
    assert not unflagged_bad_ratings(AS_OF, None).exists()
    for row in flagged:
        follow_up = FollowUp.objects.select_related("case").get(pk=int(row.object_id))
        assert follow_up.needs_contact_by is not None
        assert follow_up.needs_contact_by < AS_OF
        assert follow_up.case.state == "closed"


def test_a_sweep_right_after_the_build_finds_nothing_to_do(demo):
    with time_machine.travel(AS_OF, tick=False):
        report = sweep_clocks(now=AS_OF)
    assert (report.due_soon, report.overdue, report.escalated, report.follow_ups_flagged) == (
        0,
        0,
        0,
        0,
    )


def test_follow_ups_match_their_events(demo, histories):
    for case in Case.objects.all():
        events = [e for e in histories[case.pk] if e.transition == "follow_up"]
        rows = list(FollowUp.objects.filter(case=case).order_by("at", "id"))
        assert [e.at for e in events] == [r.at for r in rows]
        for row in rows:
            bad = row.contacted and (row.solved is False or (row.satisfaction or 5) <= 2)
            assert (row.needs_contact_by is not None) == bad
    extensions = Extension.objects.count()
    assert extensions == CaseEvent.objects.filter(transition="request_extension").count() > 0


def test_county_matters_are_never_pushed_below_the_county(demo):
    county = Case.objects.filter(category__owner_level="county").exclude(handling_unit=None)
    assert county.exists()
    assert not county.exclude(handling_unit__region_code="520327").exists()
    handled_below = Case.objects.exclude(handling_unit=None).exclude(
        handling_unit__region_code="520327"
    )
    for code, unit_code in handled_below.values_list("region_code", "handling_unit__region_code"):
        assert code.startswith(unit_code)


def test_contacts_are_demo_residents_of_the_place(demo):
    assert not Case.objects.filter(is_anonymous=True).exclude(contact_phone="").exists()
    named = Case.objects.filter(is_anonymous=False).select_related("person")
    for case in named[:300]:
        assert case.person is not None
        assert case.contact_phone == case.person.phone
        assert case.person.region_code[:12] == case.region_code[:12]
    assert Person.objects.filter(pk__in=named.values("person")).count() > 100
    assert not Case.objects.filter(kind="report", is_confidential=False).exists()


def test_search_words_are_filled(demo):
    assert not Case.objects.filter(search_text="").exists()
    case = Case.objects.filter(state="closed", kind="help").first()
    assert case is not None
    assert case.title.split("：")[-1][:2] in case.search_text


def test_featured_cases_answer_to_their_tracking_codes(demo):
    assert [state for _number, _code, state in demo.tracking] == [
        "replied",
        "in_progress",
        "closed",
    ]
    for number, code, state in demo.tracking:
        case = Case.objects.get(number=number)
        assert case.state == state
        assert case.region_code.startswith(SMALL_TOWNSHIP)
        assert case.tracking_hash == tracking_hash(number, code)
        assert code == tracking_code(DEFAULT_SEED, number)
    assert Case.objects.exclude(tracking_hash="").count() == 3


def test_the_command_prints_counts_by_state_and_the_tracking_codes(demo):
    out = StringIO()
    call_command("demo", "--small", "--quiet", stdout=out)
    text = out.getvalue()
    closed = Case.objects.filter(state="closed").count()
    assert re.search(rf"诉求：已办结\s+{closed:,}\n", text)
    for number, code, _state in demo.tracking:
        assert re.search(rf"{number}\s+{code}\s+", text)
    out = StringIO()
    call_command("demo", "--counts", stdout=out)
    assert re.search(rf"诉求（全部）\s+{Case.objects.count():,}\n", out.getvalue())


def test_a_rebuild_makes_the_same_cases(demo):
    fields = ("number", "kind", "channel", "state", "received_at", "title", "region_code")
    before = list(Case.objects.order_by("number").values_list(*fields))
    events = list(
        CaseEvent.objects.order_by("case__number", "at", "id").values_list("transition", "at")
    )
    report = build_demo(profile=PROFILE_SMALL, seed=DEFAULT_SEED, as_of=AS_OF, reset=True)
    assert report.created
    assert list(Case.objects.order_by("number").values_list(*fields)) == before
    assert (
        list(CaseEvent.objects.order_by("case__number", "at", "id").values_list("transition", "at"))
        == events
    )


def test_poisson_draws_average_to_their_mean():
    import random

    rng = random.Random(1)
    draws = [poisson(rng, 30) for _ in range(2000)]
    assert 29 < sum(draws) / len(draws) < 31
