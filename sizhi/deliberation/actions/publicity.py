"""Making resolutions and results public (两公开), objections, and carrying resolutions out."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sizhi.core import audit
from sizhi.core.errors import Invalid, InvalidState, NotAllowed, NotFound
from sizhi.core.listeners import announce
from sizhi.core.regioncode import within_q
from sizhi.deliberation import config
from sizhi.deliberation.access import may
from sizhi.deliberation.actions.base import check_visible, load_for_update, transition_motion
from sizhi.deliberation.actions.files import check_files, store_attachment
from sizhi.deliberation.actions.proposing import amount, text_field
from sizhi.deliberation.models import (
    Motion,
    Objection,
    ProgressReport,
    Publication,
)
from sizhi.messaging.actions import queue_message
from sizhi.residents.models import Person


def _load(motion_id: Any, actor: Any) -> Motion:
    motion = load_for_update(motion_id)
    check_visible(motion, actor)
    return motion


def _notify_households(motion: Motion, publication: Publication) -> int:
    """One SMS per household of the motion's place, to its head (or first member with a
    phone)."""
    heads: dict[int, str] = {}
    rows = (
        Person.objects.filter(within_q([motion.region_code]), household__isnull=False)
        .exclude(phone="")
        .order_by("household_id", "relation", "id")
        .values_list("household_id", "phone", "relation")
    )
    for household_id, phone, relation in rows:
        if household_id not in heads or relation == "head":
            heads.setdefault(household_id, phone)
            if relation == "head":
                heads[household_id] = phone
    label = _("决议公开") if publication.kind == Publication.Kind.RESOLUTION else _("实施结果公开")
    body = _(
        "【%(council)s】%(label)s：%(title)s。公示至%(until)s，如有异议请于%(objections)s前提出。"
    ) % {
        "council": motion.council.name,
        "label": label,
        "title": motion.title,
        "until": timezone.localtime(publication.visible_until).strftime("%Y-%m-%d"),
        "objections": timezone.localtime(publication.objections_until).strftime("%Y-%m-%d"),
    }
    for phone in heads.values():
        queue_message(
            channel="sms",
            address=phone,
            body=body,
            region_code=motion.region_code,
            reference=f"motion:{motion.pk}",
        )
    return len(heads)


def _tell_listeners(motion_id: int, kind: str) -> None:
    """Other domains hear of a publication through the dotted paths in
    ``SIZHI_PUBLICATION_LISTENERS`` (e.g. to tell the submitters of linked cases)."""
    announce("SIZHI_PUBLICATION_LISTENERS", motion_id=motion_id, kind=kind)


def _publish(motion: Motion, kind: str, text: str, actor: Any, now: dt.datetime) -> Publication:
    publication = Publication.objects.create(
        motion=motion,
        region_code=motion.region_code,
        kind=kind,
        text=text,
        published_at=now,
        visible_until=now + dt.timedelta(days=int(config.value("publicity_days"))),
        objections_until=now + dt.timedelta(days=int(config.value("objection_days"))),
        published_by=actor if getattr(actor, "pk", None) else None,
    )
    publication.households_notified = _notify_households(motion, publication)
    publication.save(update_fields=["households_notified"])
    _tell_listeners(motion.pk, kind)
    return publication


@transaction.atomic
def publish_resolution(
    *, motion_id: Any, actor: Any, text: Any = "", now: dt.datetime | None = None
) -> Publication:
    """⑤ 决议公开: post the resolution on the group's page and tell every household."""
    now = now or timezone.now()
    motion = _load(motion_id, actor)
    content = str(text or "").strip() or motion.resolution
    if not content:
        raise Invalid(fields={"text": [_("此项为必填项。")]})
    if len(content) > 5000:
        raise Invalid(fields={"text": [_("内容不能超过%(limit)d个字。") % {"limit": 5000}]})
    transition_motion(motion=motion, name="publish_resolution", actor=actor, now=now)
    return _publish(motion, Publication.Kind.RESOLUTION, content, actor, now)


@transaction.atomic
def start_implementation(
    *, motion_id: Any, actor: Any, due_on: Any = None, now: dt.datetime | None = None
) -> Motion:
    now = now or timezone.now()
    motion = _load(motion_id, actor)
    today = timezone.localdate(now)
    if due_on in (None, ""):
        due = today + dt.timedelta(days=int(config.value("implementation_days")))
    else:
        try:
            due = due_on if isinstance(due_on, dt.date) else dt.date.fromisoformat(str(due_on))
        except ValueError:
            raise Invalid(fields={"due_on": [_("请输入有效的日期。")]}) from None
        if due < today:
            raise Invalid(fields={"due_on": [_("实施期限不能早于今天。")]})
    transition_motion(
        motion=motion,
        name="start_implementation",
        actor=actor,
        changes={"implementation_due_on": due},
        now=now,
    )
    return motion


@transaction.atomic
def report_progress(
    *,
    motion_id: Any,
    text: Any,
    actor: Any,
    reported_on: Any = None,
    money_spent_yuan: Any = None,
    percent_done: Any = 0,
    photos: Iterable[UploadedFile] = (),
    now: dt.datetime | None = None,
) -> ProgressReport:
    """What was done, what it cost, with photos."""
    now = now or timezone.now()
    motion = _load(motion_id, actor)
    errors: dict[str, list[str]] = {}
    content = text_field(text, "text", 5000, errors)
    money = amount(money_spent_yuan, "money_spent_yuan", errors)
    today = timezone.localdate(now)
    day = today
    if reported_on not in (None, ""):
        try:
            day = (
                reported_on
                if isinstance(reported_on, dt.date)
                else dt.date.fromisoformat(str(reported_on))
            )
        except ValueError:
            errors["reported_on"] = [_("请输入有效的日期。")]
        else:
            if day > today:
                errors["reported_on"] = [_("日期不能晚于今天。")]
    try:
        percent = int(percent_done or 0)
    except (TypeError, ValueError):
        percent = -1
    if not 0 <= percent <= 100:
        errors["percent_done"] = [_("完成比例应在0到100之间。")]
    files = check_files(photos, "photos", errors)
    if errors:
        raise Invalid(fields=errors)
    transition_motion(
        motion=motion,
        name="report_progress",
        actor=actor,
        note=content[:500],
        data={"percent_done": percent, "money_spent_yuan": str(money) if money else ""},
        now=now,
    )
    report = ProgressReport.objects.create(
        motion=motion,
        region_code=motion.region_code,
        reported_on=day,
        text=content,
        money_spent_yuan=money,
        percent_done=percent,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=now,
    )
    for upload in files:
        store_attachment(motion, upload, actor, now, progress=report)
    return report


@transaction.atomic
def publish_result(
    *, motion_id: Any, text: Any, actor: Any, now: dt.datetime | None = None
) -> Publication:
    """⑥ 实施结果公开."""
    now = now or timezone.now()
    motion = _load(motion_id, actor)
    errors: dict[str, list[str]] = {}
    content = text_field(text, "text", 5000, errors)
    if errors:
        raise Invalid(fields=errors)
    transition_motion(
        motion=motion,
        name="publish_result",
        actor=actor,
        changes={"implementation_overdue": False},
        now=now,
    )
    return _publish(motion, Publication.Kind.RESULT, content, actor, now)


@transaction.atomic
def close_motion(*, motion_id: Any, actor: Any, now: dt.datetime | None = None) -> Motion:
    """End the loop, once every objection has its answer."""
    now = now or timezone.now()
    motion = _load(motion_id, actor)
    if Objection.objects.filter(publication__motion=motion, answered_at__isnull=True).exists():
        raise InvalidState(_("还有未答复的异议，不能办结。"))
    transition_motion(motion=motion, name="close", actor=actor, changes={"closed_at": now}, now=now)
    return motion


@transaction.atomic
def file_objection(
    *, publication_id: Any, text: Any, actor: Any, now: dt.datetime | None = None
) -> Objection:
    """A resident of the group objects within the window; it is answered within its own."""
    now = now or timezone.now()
    try:
        key = int(publication_id)
    except (TypeError, ValueError):
        raise NotFound from None
    publication = Publication.objects.select_related("motion").filter(pk=key).first()
    if publication is None:
        raise NotFound
    check_visible(publication.motion, actor)
    if actor is None or not may(actor, "deliberation.take_part", publication.motion):
        raise NotAllowed
    if now > publication.objections_until:
        raise InvalidState(_("异议期已过。"))
    errors: dict[str, list[str]] = {}
    content = text_field(text, "text", 2000, errors)
    if errors:
        raise Invalid(fields=errors)
    objection = Objection.objects.create(
        publication=publication,
        region_code=publication.region_code,
        author=actor,
        text=content,
        at=now,
        answer_due_at=now + dt.timedelta(days=int(config.value("objection_answer_days"))),
    )
    audit.record(actor=actor, action="motion.objection", obj=publication.motion)
    return objection


@transaction.atomic
def answer_objection(
    *, objection_id: Any, answer: Any, actor: Any, now: dt.datetime | None = None
) -> Objection:
    now = now or timezone.now()
    try:
        key = int(objection_id)
    except (TypeError, ValueError):
        raise NotFound from None
    objection = (
        Objection.objects.select_for_update()
        .select_related("publication__motion")
        .filter(pk=key)
        .first()
    )
    if objection is None:
        raise NotFound
    motion = objection.publication.motion
    check_visible(motion, actor)
    if not may(actor, "deliberation.manage", motion):
        raise NotAllowed
    if objection.answered_at is not None:
        raise InvalidState(_("该异议已答复。"))
    errors: dict[str, list[str]] = {}
    content = text_field(answer, "answer", 2000, errors)
    if errors:
        raise Invalid(fields=errors)
    objection.answer, objection.answered_at, objection.answered_by = content, now, actor
    objection.save(update_fields=["answer", "answered_at", "answered_by"])
    audit.record(actor=actor, action="motion.objection_answer", obj=motion)
    return objection
