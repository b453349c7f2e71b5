"""Top-down topics: a county or township sends one matter to many councils at once."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sizhi.core import audit
from sizhi.core.errors import Invalid, InvalidState, NotAllowed, NotFound
from sizhi.core.regioncode import within_q
from sizhi.deliberation.actions.base import tell_listeners_of_many
from sizhi.deliberation.actions.proposing import choice, text_field
from sizhi.deliberation.models import Area, Motion, MotionEvent, Origin, Topic
from sizhi.deliberation.workflow import MotionState
from sizhi.orgs.models import Region, Unit, UnitKind, can

BATCH = 1000
# The events written for each motion sent, in order: (transition, from state, to state).
STEPS = (
    ("create", "", MotionState.DRAFT),
    ("propose", MotionState.DRAFT, MotionState.PROPOSED),
)


@transaction.atomic
def create_topic(
    *,
    region_code: Any,
    title: Any,
    body: Any,
    area: Any,
    actor: Any,
    due_on: Any = None,
    now: dt.datetime | None = None,
) -> Topic:
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    region = Region.objects.filter(code=str(region_code or "")).first()
    if region is None or len(region.code) not in (6, 9):
        errors["region_code"] = [_("议题应由县或乡镇下发。")]
    elif not can(actor, "deliberation.topic", region.code):
        raise NotAllowed
    title_text = text_field(title, "title", 120, errors)
    body_text = text_field(body, "body", 5000, errors)
    area_value = choice(area, Area, "area", errors)
    due = None
    if due_on not in (None, ""):
        try:
            due = due_on if isinstance(due_on, dt.date) else dt.date.fromisoformat(str(due_on))
        except ValueError:
            errors["due_on"] = [_("请输入有效的日期。")]
        else:
            if due < timezone.localdate(now):
                errors["due_on"] = [_("完成期限不能早于今天。")]
    if errors:
        raise Invalid(fields=errors)
    assert region is not None
    topic = Topic.objects.create(
        title=title_text,
        body=body_text,
        area=area_value,
        region=region,
        region_code=region.code,
        issued_by=actor if getattr(actor, "pk", None) else None,
        created_at=now,
        due_on=due,
    )
    audit.record(actor=actor, action="topic.create", obj=topic, changes={"title": title_text})
    return topic


@transaction.atomic
def send_topic(
    *,
    topic_id: Any,
    actor: Any,
    within: str = "",
    council_ids: Iterable[Any] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Create one motion per council (every council under ``within``, a subtree of the
    topic's region, or the chosen ``council_ids``) in bulk, each with its "create" and
    "propose" events, announced to the event listeners as one batch after commit. Councils
    that already have the topic are skipped. Returns the number of motions created."""
    now = now or timezone.now()
    try:
        key = int(topic_id)
    except (TypeError, ValueError):
        raise NotFound from None
    topic = Topic.objects.select_for_update().filter(pk=key).first()
    if topic is None or not (
        can(actor, "deliberation.view", topic.region_code)
        or can(actor, "deliberation.topic", topic.region_code)
    ):
        raise NotFound
    if not can(actor, "deliberation.topic", topic.region_code):
        raise NotAllowed
    prefix = within or topic.region_code
    if not (prefix.isdigit() and prefix.startswith(topic.region_code)):
        raise Invalid(fields={"within": [_("只能下发到本级区域内的议事会。")]})
    councils = Unit.objects.filter(
        within_q([prefix]), kind=UnitKind.COUNCIL, is_active=True
    ).exclude(pk__in=Motion.objects.filter(topic=topic).values("council_id"))
    if council_ids is not None:
        try:
            ids = [int(value) for value in council_ids]
        except (TypeError, ValueError):
            raise Invalid(fields={"council_ids": [_("请选择有效的议事会。")]}) from None
        councils = councils.filter(pk__in=ids)
        if not ids:
            raise Invalid(fields={"council_ids": [_("请至少选择一个议事会。")]})
    rows = list(councils.values_list("pk", "region_id", "region_code").order_by("region_code"))
    if not rows:
        raise InvalidState(_("没有可下发的议事会。"))
    origin = Origin.COUNTY_TOPIC if topic.level == "county" else Origin.TOWNSHIP_TOPIC
    proposer = actor if getattr(actor, "pk", None) else None
    created = 0
    events: list[MotionEvent] = []
    for start in range(0, len(rows), BATCH):
        motions = Motion.objects.bulk_create(
            [
                Motion(
                    region_id=region_id,
                    region_code=region_code,
                    council_id=council_id,
                    deciding_body_id=council_id,
                    topic=topic,
                    title=topic.title,
                    body=topic.body,
                    area=topic.area,
                    origin=origin,
                    state=MotionState.PROPOSED,
                    proposer=proposer,
                    created_at=now,
                    updated_at=now,
                    proposed_at=now,
                )
                for council_id, region_id, region_code in rows[start : start + BATCH]
            ]
        )
        # Each motion's history starts as a written one's does (create_motion, then
        # propose): "create" into draft, then "propose"; one insert keeps that order in the
        # ids, which break the tie of the equal times.
        events += MotionEvent.objects.bulk_create(
            [
                MotionEvent(
                    motion_id=motion.pk,
                    region_code=motion.region_code,
                    at=now,
                    actor=proposer,
                    transition=transition,
                    from_state=source,
                    to_state=target,
                    data={"topic": topic.pk},
                )
                for motion in motions
                for transition, source, target in STEPS
            ]
        )
        created += len(motions)
    Topic.objects.filter(pk=topic.pk).update(
        sent_at=topic.sent_at or now, target_count=topic.target_count + created
    )
    audit.record(
        actor=actor,
        action="topic.send",
        obj=topic,
        changes={"within": prefix, "motions": created},
    )
    tell_listeners_of_many(events)
    return created
