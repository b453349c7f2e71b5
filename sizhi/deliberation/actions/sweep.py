"""The periodic pass over motions (idempotent): flag implementation past its due date, and
count objections not answered in time."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from sizhi.core import audit
from sizhi.deliberation.actions.base import tell_listeners_of_many
from sizhi.deliberation.models import Motion, MotionEvent, Objection
from sizhi.deliberation.workflow import MotionState


@dataclass
class MotionSweep:
    overdue_flagged: int
    objections_late: int


@transaction.atomic
def sweep_motions(*, now: dt.datetime | None = None) -> MotionSweep:
    """Flag every motion whose implementation is past due (once; publishing the result clears
    the flag) with an event each, and report objections past their answer deadline."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = list(
        Motion.objects.select_for_update()
        .filter(
            state=MotionState.IMPLEMENTING,
            implementation_due_on__lt=today,
            implementation_overdue=False,
        )
        .values_list("pk", "region_code", "implementation_due_on")
    )
    if due:
        Motion.objects.filter(pk__in=[pk for pk, _c, _d in due]).update(
            implementation_overdue=True, updated_at=now
        )
        flagged = MotionEvent.objects.bulk_create(
            MotionEvent(
                motion_id=pk,
                region_code=code,
                at=now,
                transition="flag_overdue",
                from_state=MotionState.IMPLEMENTING,
                to_state=MotionState.IMPLEMENTING,
                note=f"实施期限 {due_on} 已过",
            )
            for pk, code, due_on in due
        )
        tell_listeners_of_many(flagged)
        audit.record(
            actor=None,
            action="motion.sweep",
            changes={"overdue": [pk for pk, _c, _d in due]},
        )
    late = Objection.objects.filter(answered_at__isnull=True, answer_due_at__lt=now).count()
    return MotionSweep(overdue_flagged=len(due), objections_late=late)
