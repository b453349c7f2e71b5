"""Telling the submitters of cases what became of their matter elsewhere: a council took it up
as a motion and published its resolution. Cases do not know deliberation; the caller (the bridge
between the two domains) says what to tell, and this records and sends it."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_  # noqa: N812
from django.utils.translation import override

from sizhi.cases.actions.base import tell_listeners_of_many
from sizhi.cases.models import Case, CaseEvent
from sizhi.core import audit
from sizhi.core.errors import Invalid, NotFound
from sizhi.messaging.actions import queue_message

# The event's name on the case's record (not a step of the case workflow: the state stays).
MOTION_PUBLISHED = "motion_published"
SUBMITTER_MESSAGE = N_("您反映的诉求 %(numbers)s：%(text)s")
MAX_CASES = 200


def _case_ids(values: Iterable[Any]) -> list[int]:
    try:
        ids = sorted({int(value) for value in values})
    except (TypeError, ValueError):
        raise Invalid(fields={"case_ids": [_("请选择有效的诉求。")]}) from None
    if not ids:
        raise Invalid(fields={"case_ids": [_("请至少选择一件诉求。")]})
    if len(ids) > MAX_CASES:
        raise Invalid(fields={"case_ids": [_("一次最多选择%(n)d件诉求。") % {"n": MAX_CASES}]})
    return ids


@transaction.atomic
def tell_submitters_of_motion(
    *,
    case_ids: Iterable[Any],
    text: Any,
    actor: Any = None,
    reference: str = "",
    now: dt.datetime | None = None,
) -> int:
    """Write an event and an audit row on each case and send its submitter ``text`` by SMS,
    one message per phone however many of the cases they filed (anonymous cases and cases
    without a phone get the event only). ``actor`` None is the system, which tells the cases
    that exist; a person must see every case (else NotFound). Returns the messages queued."""
    ids = _case_ids(case_ids)
    content = str(text or "").strip()
    if not content:
        raise Invalid(fields={"text": [_("此项为必填项。")]})
    cases = Case.objects.all() if actor is None else Case.objects.visible_to(actor)
    rows = list(cases.filter(pk__in=ids).order_by("number"))
    if actor is not None and len(rows) != len(ids):
        raise NotFound
    now = now or timezone.now()
    told = CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case=case,
                region_code=case.region_code,
                at=now,
                actor=actor if getattr(actor, "pk", None) else None,
                transition=MOTION_PUBLISHED,
                from_state=case.state,
                to_state=case.state,
                note=content[:5000],
                data={"reference": reference} if reference else {},
                is_public=True,
            )
            for case in rows
        ]
    )
    tell_listeners_of_many(told)
    for case in rows:
        audit.record(actor=actor, action=f"case.{MOTION_PUBLISHED}", obj=case, reason=content[:500])
    by_phone: dict[str, list[Case]] = {}
    for case in rows:
        if case.contact_phone and not case.is_anonymous:
            by_phone.setdefault(case.contact_phone, []).append(case)
    for phone, filed in by_phone.items():
        # Messages go out in Chinese, the language residents use with the county.
        with override("zh-hans"):
            body = _(SUBMITTER_MESSAGE) % {
                "numbers": "、".join(case.number for case in filed),
                "text": content,
            }
        queue_message(
            channel="sms",
            address=phone,
            body=body,
            region_code=filed[0].region_code,
            reference=reference,
        )
    return len(by_phone)
