"""Starting, stopping, pausing and extending the clocks of a case (called inside actions)."""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from sizhi.cases import sla
from sizhi.cases.models import Case, CaseClock, ClockState, Extension, ExtensionState
from sizhi.core.calendar import deadline


def limits() -> sla.Limits:
    return sla.merged_limits(getattr(settings, "SIZHI_CASE_LIMITS", None))


def start_clocks(case: Case, transition: str, now: dt.datetime) -> list[CaseClock]:
    clocks = []
    for kind in sla.STARTS.get(transition, ()):
        period = limits().period(case.kind, kind, case.urgency)
        if period is None:
            continue
        value, unit = period
        due = deadline(now, value, unit)
        clocks.append(
            CaseClock(
                case=case,
                region_code=case.region_code,
                kind=kind,
                value=value,
                unit=unit,
                started_at=now,
                due_at=due.due_at,
                provisional=due.provisional,
            )
        )
    return CaseClock.objects.bulk_create(clocks)


def end_clocks(case: Case, transition: str, now: dt.datetime) -> None:
    """Stop the clocks ``transition`` stops (met when on time, late otherwise) and cancel the
    ones it cancels. A paused clock is first credited with its paused time."""
    running = [ClockState.RUNNING, ClockState.PAUSED]
    stops = sla.STOPS.get(transition, ())
    cancels = sla.CANCELS.get(transition, ())
    if not stops and not cancels:
        return
    for clock in CaseClock.objects.filter(case=case, kind__in=stops, state__in=running):
        if clock.state == ClockState.PAUSED and clock.paused_at is not None:
            clock.due_at += now - clock.paused_at
        clock.state = ClockState.MET if clock.due_at >= now else ClockState.LATE
        clock.stopped_at, clock.paused_at, clock.pause_reason = now, None, ""
        clock.save(update_fields=["due_at", "state", "stopped_at", "paused_at", "pause_reason"])
    if cancels:
        CaseClock.objects.filter(case=case, kind__in=cancels, state__in=running).update(
            state=ClockState.CANCELLED, stopped_at=now, paused_at=None, pause_reason=""
        )
    if "handle" in stops or "handle" in cancels:
        # An extension asked for a handling period that has ended lapses with it (the unit
        # that gets the case next asks for its own).
        Extension.objects.filter(case=case, state=ExtensionState.REQUESTED).update(
            state=ExtensionState.REJECTED, decided_at=now
        )


def pause_handling(case: Case, reason: str, now: dt.datetime) -> int:
    return CaseClock.objects.filter(case=case, kind="handle", state=ClockState.RUNNING).update(
        state=ClockState.PAUSED, paused_at=now, pause_reason=reason
    )


def resume_handling(case: Case, now: dt.datetime) -> int:
    """The paused time is added to the deadline."""
    resumed = 0
    for clock in CaseClock.objects.filter(case=case, kind="handle", state=ClockState.PAUSED):
        assert clock.paused_at is not None
        clock.due_at += now - clock.paused_at
        clock.state, clock.paused_at, clock.pause_reason = ClockState.RUNNING, None, ""
        clock.save(update_fields=["due_at", "state", "paused_at", "pause_reason"])
        resumed += 1
    return resumed


def extend_handling(case: Case, value: int, unit: str) -> dt.datetime | None:
    clock = (
        CaseClock.objects.filter(
            case=case, kind="handle", state__in=[ClockState.RUNNING, ClockState.PAUSED]
        )
        .order_by("-started_at")
        .first()
    )
    if clock is None:
        return None
    due = deadline(clock.due_at, value, unit)
    clock.due_at, clock.provisional = due.due_at, clock.provisional or due.provisional
    # A new deadline gets its own due-soon warning and overdue mark from the sweep.
    clock.overdue_at = clock.due_soon_at = None
    clock.save(update_fields=["due_at", "provisional", "overdue_at", "due_soon_at"])
    return clock.due_at


def handling_due(case: Case) -> dt.datetime | None:
    """When the current handling period ends (None: no handling clock is running)."""
    clock = (
        CaseClock.objects.filter(
            case=case, kind="handle", state__in=[ClockState.RUNNING, ClockState.PAUSED]
        )
        .order_by("-started_at")
        .first()
    )
    if clock is None:
        return None
    if clock.state == ClockState.PAUSED and clock.paused_at is not None:
        return clock.due_at + (timezone.now() - clock.paused_at)
    return clock.due_at
