"""Walking one demo case through the case workflow table, in memory (pure: no database).

Every step is checked against ``sizhi.cases.workflow`` (``transition_of``) and moves the clocks
as ``sizhi.cases.sla`` says (STARTS, STOPS, CANCELS, the limits, the working-day calendar),
the way ``sizhi.cases.actions`` would. Between steps the walk does what the five-minute sweep
(``sizhi.cases.actions.sweep``) would have done: it marks clocks due soon and overdue at the
sweep's ticks, and escalates open cases once per overdue clock. So the demo's history is one
the system could have written, and a sweep run right after the build finds nothing from the
past left to do.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sizhi.cases import sla, workflow
from sizhi.cases.actions.sweep import due_soon_from
from sizhi.core.workdays import Deadline, WorkCalendar, compute_deadline

SWEEP_SECONDS = 300
RUNNING, PAUSED, MET, LATE, CANCELLED = "running", "paused", "met", "late", "cancelled"


def next_tick(moment: dt.datetime) -> dt.datetime:
    """The first five-minute sweep strictly after ``moment``."""
    seconds = int(moment.timestamp()) // SWEEP_SECONDS * SWEEP_SECONDS + SWEEP_SECONDS
    return dt.datetime.fromtimestamp(seconds, tz=moment.tzinfo)


@dataclass(slots=True)
class ClockPlan:
    kind: str
    value: int
    unit: str
    started_at: dt.datetime
    due_at: dt.datetime
    provisional: bool
    state: str = RUNNING
    paused_at: dt.datetime | None = None
    pause_reason: str = ""
    stopped_at: dt.datetime | None = None
    due_soon_at: dt.datetime | None = None
    overdue_at: dt.datetime | None = None
    running_since: dt.datetime | None = None


@dataclass(slots=True)
class EventPlan:
    at: dt.datetime
    transition: str
    from_state: str
    to_state: str
    unit_id: int | None
    actor: str  # a persona key ("operator", "dispatcher", …) or "" for the system / resident
    note: str
    data: dict[str, Any]
    is_public: bool
    # data keys whose value is a row planned alongside: ("extension" | "supervision" | "case",
    # index into the case's extensions / supervisions, or into all cases)
    refs: dict[str, tuple[str, int]] = field(default_factory=dict)


@dataclass(slots=True)
class ExtensionPlan:
    value: int
    unit: str
    reason: str
    requested_at: dt.datetime
    requested_by: str
    state: str = "requested"
    decided_at: dt.datetime | None = None
    decided_by: str = ""


@dataclass(slots=True)
class SupervisionPlan:
    reason: str
    owner_unit_id: int
    due_at: dt.datetime
    created_at: dt.datetime


@dataclass(slots=True)
class FollowUpPlan:
    at: dt.datetime
    by: str
    by_resident: bool
    contacted: bool
    solved: bool | None
    satisfaction: int | None
    note: str
    needs_contact_by: dt.datetime | None


@dataclass(slots=True)
class CasePlan:
    index: int
    kind: str
    petition_class: str
    channel: str
    category_id: int
    urgency: str
    title: str
    description: str
    region_code: str
    address: str
    received_at: dt.datetime
    person_id: int | None = None
    contact_name: str = ""
    contact_phone: str = ""
    is_anonymous: bool = False
    is_confidential: bool = False
    is_public: bool = False
    representatives: list[str] = field(default_factory=list)
    visitors: int = 1
    state: str = "received"
    receiving_unit_id: int | None = None
    handling_unit_id: int | None = None
    complained_unit_id: int | None = None
    is_designated: bool = False
    transfer_count: int = 0
    reopen_count: int = 0
    extension_count: int = 0
    repeat_count: int = 0
    merged_into: int | None = None  # index of the parent case
    is_escalated: bool = False
    assigned_at: dt.datetime | None = None
    first_contact_at: dt.datetime | None = None
    replied_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    reply: str = ""
    satisfaction: int | None = None
    is_solved: bool | None = None
    # The texts search words are made from (title, description template, place, reply).
    search_parts: tuple[str, ...] = ()
    number: str = ""
    events: list[EventPlan] = field(default_factory=list)
    clocks: list[ClockPlan] = field(default_factory=list)
    extensions: list[ExtensionPlan] = field(default_factory=list)
    supervisions: list[SupervisionPlan] = field(default_factory=list)
    follow_ups: list[FollowUpPlan] = field(default_factory=list)


@dataclass(frozen=True)
class WalkRules:
    calendar: WorkCalendar
    tz: ZoneInfo
    limits: sla.Limits
    county_office_id: int
    as_of: dt.datetime
    public_transitions: frozenset[str]
    escalation_reasons: dict[str, str]  # clock kind → the sweep's reason text


class CaseWalk:
    """Steps of one case, in time order; a step after ``as_of`` ends the walk."""

    def __init__(self, case: CasePlan, rules: WalkRules) -> None:
        self.case = case
        self.rules = rules
        self.now = case.received_at
        self.alive = case.received_at < rules.as_of

    def deadline(self, start: dt.datetime, value: int, unit: str) -> Deadline:
        return compute_deadline(self.rules.calendar, start, value, unit, self.rules.tz)

    # -- steps ---------------------------------------------------------------------------------

    def receive(self, channel: str, actor: str) -> None:
        case = self.case
        at = case.received_at
        self._start("received", at)
        case.events.append(
            EventPlan(at, "receive", "", case.state, None, actor, "", {"channel": channel}, True)
        )

    def step(
        self,
        name: str,
        at: dt.datetime,
        *,
        unit_id: int | None = None,
        actor: str = "",
        note: str = "",
        data: dict[str, Any] | None = None,
        changes: dict[str, Any] | None = None,
        refs: dict[str, tuple[str, int]] | None = None,
        public: bool | None = None,
    ) -> bool:
        """Take transition ``name`` at ``at``; False (and nothing done) once past ``as_of``."""
        if not self.alive or at >= self.rules.as_of:
            self.alive = False
            return False
        if at < self.now:
            raise ValueError(f"step {name} at {at} before {self.now}")
        self._catch_up(at)
        self._apply(name, at, unit_id, actor, note, data or {}, changes or {}, refs or {}, public)
        return True

    def _apply(
        self,
        name: str,
        at: dt.datetime,
        unit_id: int | None,
        actor: str,
        note: str,
        data: dict[str, Any],
        changes: dict[str, Any],
        refs: dict[str, tuple[str, int]],
        public: bool | None,
    ) -> None:
        case = self.case
        workflow.transition_of(name, case.state, case.kind)  # InvalidState on a wrong step
        source = case.state
        target = workflow.target_of(name, source)
        case.state = target
        for key, value in changes.items():
            setattr(case, key, value)
        self._end(name, at)
        self._start(name, at)
        shown = name in self.rules.public_transitions if public is None else public
        case.events.append(
            EventPlan(at, name, source, target, unit_id, actor, note, data, shown, refs)
        )
        self.now = at

    # -- clocks ----------------------------------------------------------------------------------

    def _start(self, transition: str, at: dt.datetime) -> None:
        case = self.case
        for kind in sla.STARTS.get(transition, ()):
            period = self.rules.limits.period(case.kind, kind, case.urgency)
            if period is None:
                continue
            value, unit = period
            due = self.deadline(at, value, unit)
            case.clocks.append(
                ClockPlan(kind, value, unit, at, due.due_at, due.provisional, running_since=at)
            )

    def _end(self, transition: str, at: dt.datetime) -> None:
        stops = sla.STOPS.get(transition, ())
        cancels = sla.CANCELS.get(transition, ())
        for clock in self.case.clocks:
            if clock.state not in (RUNNING, PAUSED):
                continue
            if clock.kind in stops:
                if clock.state == PAUSED and clock.paused_at is not None:
                    clock.due_at += at - clock.paused_at
                clock.state = MET if clock.due_at >= at else LATE
                clock.stopped_at, clock.paused_at, clock.pause_reason = at, None, ""
            elif clock.kind in cancels:
                clock.state, clock.stopped_at = CANCELLED, at
                clock.paused_at, clock.pause_reason = None, ""

    def pause(self, at: dt.datetime, reason: str) -> None:
        for clock in self.case.clocks:
            if clock.kind == "handle" and clock.state == RUNNING:
                clock.state, clock.paused_at, clock.pause_reason = PAUSED, at, reason

    def resume(self, at: dt.datetime) -> None:
        for clock in self.case.clocks:
            if clock.kind == "handle" and clock.state == PAUSED and clock.paused_at is not None:
                clock.due_at += at - clock.paused_at
                clock.state, clock.paused_at, clock.pause_reason = RUNNING, None, ""
                clock.running_since = at

    def extend(self, value: int, unit: str) -> None:
        running = [
            c for c in self.case.clocks if c.kind == "handle" and c.state in (RUNNING, PAUSED)
        ]
        if not running:
            return
        clock = running[-1]
        due = self.deadline(clock.due_at, value, unit)
        clock.due_at, clock.provisional = due.due_at, clock.provisional or due.provisional
        clock.overdue_at = None
        # The sweep sees the new deadline from now on.
        if clock.running_since is not None:
            clock.running_since = max(clock.running_since, self.now)

    def handle_due(self) -> dt.datetime | None:
        """The deadline of the running handling clock, if any."""
        running = [c for c in self.case.clocks if c.kind == "handle" and c.state == RUNNING]
        return running[-1].due_at if running else None

    # -- what the sweep would have done ----------------------------------------------------------

    def finish(self) -> None:
        """Catch up with the sweeps up to ``as_of``, and sweep once at ``as_of`` itself (so a
        sweep right after the build has nothing left to do); call once, after the last step."""
        as_of = self.rules.as_of
        self._catch_up(as_of)
        fraction = self.rules.limits.due_soon_fraction
        for clock in self.case.clocks:
            if clock.state != RUNNING or clock.overdue_at is not None:
                continue
            soon = due_soon_from(clock.started_at, clock.due_at, fraction)
            if clock.due_soon_at is None and clock.due_at > as_of and as_of > soon:
                clock.due_soon_at = as_of
        for clock in self.case.clocks:
            if clock.state == RUNNING and clock.overdue_at is None and clock.due_at < as_of:
                clock.overdue_at = as_of
                self._escalate(clock, as_of)
        self.alive = False

    def _catch_up(self, until: dt.datetime) -> None:
        """Marks and escalations of the sweeps strictly before ``until``, in time order."""
        fraction = self.rules.limits.due_soon_fraction
        marks: list[tuple[dt.datetime, int, int]] = []
        for position, clock in enumerate(self.case.clocks):
            if clock.state != RUNNING or clock.running_since is None:
                continue
            if clock.due_soon_at is None and clock.overdue_at is None:
                soon = due_soon_from(clock.started_at, clock.due_at, fraction)
                tick = next_tick(max(soon, clock.running_since))
                if tick < clock.due_at and tick < until:
                    marks.append((tick, 0, position))
            if clock.overdue_at is None:
                tick = next_tick(max(clock.due_at, clock.running_since))
                if tick < until:
                    marks.append((tick, 1, position))
        for tick, overdue, position in sorted(marks):
            clock = self.case.clocks[position]
            if not overdue:
                if clock.overdue_at is None:
                    clock.due_soon_at = tick
                continue
            clock.overdue_at = tick
            self._escalate(clock, tick)

    def _escalate(self, clock: ClockPlan, at: dt.datetime) -> None:
        case = self.case
        if case.state not in workflow.OPEN_STATES:
            return  # marked overdue, but only open cases are escalated
        rules = self.rules
        reason = rules.escalation_reasons[clock.kind]
        due = self.deadline(at, *rules.limits.named("supervision"))
        case.supervisions.append(SupervisionPlan(reason, rules.county_office_id, due.due_at, at))
        self._apply(
            "escalate",
            at,
            None,
            "",
            reason,
            {"owner_unit": rules.county_office_id},
            {"is_escalated": True},
            {"supervision": ("supervision", len(case.supervisions) - 1)},
            None,
        )
