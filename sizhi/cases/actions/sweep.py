"""The periodic sweep of case clocks and follow-ups (run by ``sizhi sweep_cases`` on a timer).

Idempotent: every mark is a compare-and-set on a field that is empty until the sweep fills it,
so a second run at the same moment finds nothing to do, and two sweeps running at once never
mark, notify or escalate twice.

- A running clock with less than ``due_soon_fraction`` of its period left is marked due soon
  (``CaseClock.due_soon_at``) and the handling unit is told.
- A running clock past its deadline is marked overdue (``CaseClock.overdue_at``), the handling
  unit is told, and the case is escalated (督办, owned by the county office, with the
  ``supervision`` deadline): once per clock. A case no longer open (a petition under 复查) is
  marked but not escalated, since escalation is a step of open cases only.
- A paused clock is neither: its deadline moves when it resumes.
- A bad rating (回访) whose ``needs_contact_by`` has passed with no contact with the resident
  since is flagged to the county office, once (an audit row marks it flagged).
- A petition whose window for asking 复查 (after the handling opinion: closed) or 复核 (after
  the 复查 opinion: reviewed) has passed with no request ends: it is terminated by the system
  with a note saying why (the ``review_window`` limit, the same one that refuses a late
  request). Terminated, it is no longer looked at.
"""

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast, Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_  # noqa: N812
from django.utils.translation import override

from sizhi.cases.actions.base import transition_case
from sizhi.cases.actions.clocks import limits
from sizhi.cases.actions.dispatching import escalate_case
from sizhi.cases.actions.handling import review_window_end
from sizhi.cases.models import (
    Case,
    CaseClock,
    CaseEvent,
    ClockKind,
    ClockState,
    FollowUp,
    Kind,
    Urgency,
)
from sizhi.cases.tasks import notify
from sizhi.cases.workflow import CaseState
from sizhi.core import audit
from sizhi.core.errors import InvalidState
from sizhi.core.models import AuditLog
from sizhi.messaging.actions import queue_message
from sizhi.orgs.models import RoleGrant, UnitKind
from sizhi.orgs.rules import roles_with

logger = logging.getLogger("sizhi.cases.sweep")

SWEEP_ACTION = "case.sweep"
FLAG_ACTION = "case.bad_rating_not_contacted"
# Bad ratings older than this are not looked at again (a sweep runs every few minutes).
FOLLOW_UP_LOOKBACK = dt.timedelta(days=30)
# Steps that mean the unit was back in touch with the resident after a bad rating.
CONTACT_TRANSITIONS = ("contact", "reply")
FLAG_TEXT = N_("差评未在1个工作日内联系群众：%(number)s %(title)s")
ESCALATION_REASON = N_("%(clock)s已超期，系统自动督办。")
# A petition in these states waits for the petitioner's next step; unused in time, it ends.
LAPSING_STEPS = {CaseState.CLOSED: "request_review", CaseState.REVIEWED: "request_recheck"}
LAPSED_NOTES = {
    "request_review": N_("申请复查的期限已过，信访人未申请复查，信访事项终结。"),
    "request_recheck": N_("申请复核的期限已过，信访人未申请复核，信访事项终结。"),
}


@dataclass
class SweepReport:
    due_soon: int = 0
    overdue: int = 0
    escalated: int = 0
    follow_ups_flagged: int = 0
    petitions_ended: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            self.due_soon or self.overdue or self.follow_ups_flagged or self.petitions_ended
        )


def due_soon_from(started_at: dt.datetime, due_at: dt.datetime, fraction: float) -> dt.datetime:
    """The moment after which a clock running from ``started_at`` to ``due_at`` is due soon:
    less than ``fraction`` of its period is left."""
    return due_at - (due_at - started_at) * fraction


def _zh(template: str, values: dict[str, str]) -> str:
    with override("zh-hans"):
        return _(template) % values


def sweep_clocks(*, now: dt.datetime) -> SweepReport:
    """Mark, notify and escalate as of ``now`` (the current time: escalations are stamped by
    the escalation action with the clock of the machine). Returns what it did."""
    report = SweepReport()
    fraction = limits().due_soon_fraction
    running = CaseClock.objects.filter(state=ClockState.RUNNING, overdue_at__isnull=True)
    due_soon: dict[int, list[int]] = defaultdict(list)
    for clock_id, case_id, started_at, due_at in (
        running.filter(due_soon_at__isnull=True, due_at__gt=now)
        .values_list("pk", "case_id", "started_at", "due_at")
        .iterator(chunk_size=2000)
    ):
        if now > due_soon_from(started_at, due_at, fraction):
            due_soon[case_id].append(clock_id)
    for case_id, clock_ids in sorted(due_soon.items()):
        report.due_soon += _mark_due_soon(case_id, clock_ids, now)
    overdue: dict[int, list[int]] = defaultdict(list)
    for clock_id, case_id in running.filter(due_at__lt=now).values_list("pk", "case_id"):
        overdue[case_id].append(clock_id)
    for case_id, clock_ids in sorted(overdue.items()):
        marked, escalated = _mark_overdue(case_id, sorted(clock_ids), now)
        report.overdue += marked
        report.escalated += escalated
    report.follow_ups_flagged = _flag_follow_ups(now)
    report.petitions_ended = sum(
        _end_lapsed_petition(case_id, now) for case_id in lapsed_petition_candidates(now)
    )
    if report.changed:
        audit.record(
            actor=None,
            action=SWEEP_ACTION,
            changes={
                "due_soon": report.due_soon,
                "overdue": report.overdue,
                "escalated": report.escalated,
                "follow_ups_flagged": report.follow_ups_flagged,
                "petitions_ended": report.petitions_ended,
            },
        )
    return report


@transaction.atomic
def _mark_due_soon(case_id: int, clock_ids: list[int], now: dt.datetime) -> int:
    marked = CaseClock.objects.filter(
        pk__in=clock_ids,
        state=ClockState.RUNNING,
        due_soon_at__isnull=True,
        overdue_at__isnull=True,
        due_at__gt=now,
    ).update(due_soon_at=now)
    if marked:
        case = _case(case_id)
        notify(case, "due_soon", reference=f"case-due-soon:{case_id}")
    return marked


@transaction.atomic
def _mark_overdue(case_id: int, clock_ids: list[int], now: dt.datetime) -> tuple[int, int]:
    """Mark each clock overdue (compare-and-set), tell the unit once, escalate once per clock
    this call marked."""
    marked_kinds = []
    for clock_id in clock_ids:
        clock = CaseClock.objects.filter(pk=clock_id).values_list("kind", flat=True).first()
        moved = CaseClock.objects.filter(
            pk=clock_id, state=ClockState.RUNNING, overdue_at__isnull=True, due_at__lt=now
        ).update(overdue_at=now)
        if moved and clock is not None:
            marked_kinds.append(clock)
    if not marked_kinds:
        return 0, 0
    notify(_case(case_id), "overdue", reference=f"case-overdue:{case_id}")
    escalated = 0
    for kind in marked_kinds:
        reason = _zh(ESCALATION_REASON, {"clock": str(ClockKind(kind).label)})
        try:
            escalate_case(case_id=case_id, reason=reason, actor=None)
        except InvalidState:
            logger.info("case %s: %s clock overdue, not escalated in its state", case_id, kind)
            continue
        escalated += 1
    return len(marked_kinds), escalated


def _case(case_id: int) -> Case:
    return Case.objects.select_related("handling_unit", "merged_into").get(pk=case_id)


def unflagged_bad_ratings(now: dt.datetime, since: dt.datetime | None) -> QuerySet[FollowUp]:
    """Bad ratings whose contact deadline passed before ``now`` (and after ``since``, when
    given) with no contact with the resident since, not yet flagged."""
    later_contact = CaseEvent.objects.filter(
        case=OuterRef("case"), transition__in=CONTACT_TRANSITIONS, at__gt=OuterRef("at")
    )
    later_follow_up = FollowUp.objects.filter(
        case=OuterRef("case"), contacted=True, at__gt=OuterRef("at")
    )
    flagged = AuditLog.objects.filter(
        action=FLAG_ACTION,
        object_type=FollowUp._meta.label_lower,
        object_id=Cast(OuterRef("pk"), output_field=CharField()),
    )
    pending = FollowUp.objects.filter(needs_contact_by__lt=now)
    if since is not None:
        pending = pending.filter(needs_contact_by__gte=since)
    return pending.filter(~Exists(later_contact), ~Exists(later_follow_up), ~Exists(flagged))


def _flag_follow_ups(now: dt.datetime) -> int:
    pending = unflagged_bad_ratings(now, now - FOLLOW_UP_LOOKBACK)
    ids = list(pending.order_by("pk").values_list("pk", flat=True))
    return sum(_flag_follow_up(follow_up_id, now) for follow_up_id in ids)


@transaction.atomic
def _flag_follow_up(follow_up_id: int, now: dt.datetime) -> int:
    follow_up = (
        FollowUp.objects.select_for_update().select_related("case").filter(pk=follow_up_id).first()
    )
    if follow_up is None:
        return 0
    already = AuditLog.objects.filter(
        action=FLAG_ACTION,
        object_type=FollowUp._meta.label_lower,
        object_id=str(follow_up.pk),
    ).exists()
    if already:
        return 0
    case = follow_up.case
    audit.record(
        actor=None,
        action=FLAG_ACTION,
        obj=follow_up,
        changes={
            "case": case.pk,
            "needs_contact_by": follow_up.needs_contact_by.isoformat()
            if follow_up.needs_contact_by
            else None,
        },
    )
    text = _zh(FLAG_TEXT, {"number": case.number, "title": case.title})
    for user in county_office_users(case.county_code):
        queue_message(
            channel="inapp",
            user=user,
            subject=text,
            body=text,
            region_code=case.region_code,
            reference=f"case-follow-up:{follow_up.pk}",
        )
    return 1


def county_office_users(county_code: str) -> list[Any]:
    """Who speaks for the county office: anyone with a grant on the county office unit, and
    the supervisors and administrators granted the whole county."""
    supervising = roles_with("cases.supervise")
    grants = (
        RoleGrant.objects.active()
        .filter(
            Q(unit__kind=UnitKind.COUNTY_OFFICE, unit__region_code=county_code)
            | Q(unit__isnull=True, region_code=county_code, role__in=supervising)
        )
        .select_related("user")
        .order_by("user_id")
    )
    users: dict[int, Any] = {}
    for grant in grants:
        if grant.user.is_active:
            users.setdefault(grant.user_id, grant.user)
    return list(users.values())


def _shortest_review_window() -> dt.timedelta | None:
    """No review window ends sooner after its start than this (a period of N days, calendar or
    working, ends N days on at the earliest), so older starts are the only candidates."""
    spans = []
    for urgency in Urgency.values:
        period = limits().period(Kind.PETITION, "review_window", urgency)
        if period is not None:
            value, unit = period
            spans.append(dt.timedelta(hours=value) if unit == "hour" else dt.timedelta(days=value))
    return min(spans, default=None)


def lapsed_petition_candidates(now: dt.datetime) -> list[int]:
    """Ids of the petitions waiting for a 复查 or 复核 request whose window may have passed by
    ``now``: closed or reviewed, with the window's start far enough back. The exact end is
    checked case by case (it follows the holiday calendar). Two queries on the petition index."""
    shortest = _shortest_review_window()
    if shortest is None:
        return []
    started_before = now - shortest
    petitions = Case.objects.filter(kind=Kind.PETITION)
    closed = (
        petitions.filter(state=CaseState.CLOSED)
        .annotate(window_start=Coalesce("closed_at", "replied_at"))
        .filter(window_start__lt=started_before)
    )
    last_review = (
        CaseEvent.objects.filter(case=OuterRef("pk"), transition="issue_review")
        .order_by("-at", "-id")
        .values("at")[:1]
    )
    reviewed = (
        petitions.filter(state=CaseState.REVIEWED)
        .annotate(window_start=Subquery(last_review))
        .filter(window_start__lt=started_before)
    )
    ids = {*closed.values_list("pk", flat=True), *reviewed.values_list("pk", flat=True)}
    return sorted(ids)


@transaction.atomic
def _end_lapsed_petition(case_id: int, now: dt.datetime) -> int:
    """Terminate the petition if it still waits for a request whose window ended before
    ``now`` (compare-and-set through the workflow: a request made meanwhile wins)."""
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None or case.kind != Kind.PETITION:
        return 0
    step = LAPSING_STEPS.get(CaseState(case.state))
    if step is None:
        return 0
    end = review_window_end(case, step)
    if end is None or now <= end:
        return 0
    with override("zh-hans"):
        note = _(LAPSED_NOTES[step])
    transition_case(
        case=case,
        name="terminate",
        actor=None,
        note=note,
        data={"lapsed": step, "window_end": end.isoformat()},
        now=now,
    )
    return 1
