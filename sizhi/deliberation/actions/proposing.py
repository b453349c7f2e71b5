"""From an idea to a reviewed motion: create, propose, co-sign, admit, appraise, review."""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sizhi.core import audit
from sizhi.core.errors import Invalid, InvalidState, NotAllowed
from sizhi.deliberation import config
from sizhi.deliberation.actions.base import (
    check_visible,
    load_for_update,
    tell_listeners,
    transition_motion,
)
from sizhi.deliberation.actions.files import check_files, store_attachment
from sizhi.deliberation.actions.records import recorded
from sizhi.deliberation.models import (
    Area,
    Cosign,
    LinkedCase,
    Motion,
    MotionEvent,
    Opinion,
    Origin,
    Stance,
    StatutoryMatter,
)
from sizhi.deliberation.rules import BODY_KINDS
from sizhi.orgs.models import Unit, can

PROPOSER_ORIGINS = frozenset({Origin.RESIDENT, Origin.MEMBER, Origin.ORGANISATION, Origin.CASES})


def text_field(value: Any, name: str, limit: int, errors: dict[str, list[str]]) -> str:
    text = str(value or "").strip()
    if not text:
        errors.setdefault(name, []).append(_("此项为必填项。"))
    elif len(text) > limit:
        errors.setdefault(name, []).append(_("内容不能超过%(limit)d个字。") % {"limit": limit})
    return text


def amount(
    value: Any, name: str, errors: dict[str, list[str]], limit: Decimal = Decimal("1e12")
) -> Decimal | None:
    """A non-negative amount with at most cents, below ``limit`` once rounded."""
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        errors.setdefault(name, []).append(_("请输入数字。"))
        return None
    if number.is_finite() and 0 <= number < limit:
        number = number.quantize(Decimal("0.01"))
        if number < limit:
            return number
    errors.setdefault(name, []).append(_("请输入不小于0的合理数值。"))
    return None


def choice(value: Any, choices: Any, name: str, errors: dict[str, list[str]]) -> str:
    text = str(value or "")
    if text not in choices.values:
        errors.setdefault(name, []).append(_("请选择有效的选项。"))
    return text


def body_unit(unit_id: Any, name: str, errors: dict[str, list[str]]) -> Unit | None:
    try:
        key = int(unit_id)
    except (TypeError, ValueError):
        key = 0
    unit = Unit.objects.filter(pk=key, is_active=True, kind__in=BODY_KINDS).first()
    if unit is None:
        errors.setdefault(name, []).append(_("请选择有效的议事或决策机构。"))
    return unit


def _origin_of(actor: Any, region_code: str, requested: str) -> str:
    if requested:
        return requested
    if can(actor, "deliberation.manage", region_code):
        return Origin.ORGANISATION
    if can(actor, "deliberation.view", region_code):
        return Origin.MEMBER
    return Origin.RESIDENT


def _proposer_name(actor: Any) -> str:
    person = getattr(actor, "person", None) if getattr(actor, "pk", None) else None
    return person.name if person is not None else ""


@transaction.atomic
def create_motion(
    *,
    council_id: Any,
    title: Any,
    body: Any,
    area: Any,
    actor: Any,
    deciding_body_id: Any = None,
    statutory_matter: Any = "",
    money_yuan: Any = None,
    land_mu: Any = None,
    is_public: bool = True,
    origin: str = "",
    propose: bool = True,
    linked_cases: Iterable[tuple[int, str]] = (),
    attachments: Iterable[UploadedFile] = (),
    now: dt.datetime | None = None,
) -> Motion:
    """A resident, member or organisation writes a motion for a council; with ``propose`` it
    is proposed at once, otherwise it stays a draft the proposer can still withdraw."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    council = body_unit(council_id, "council_id", errors)
    title_text = text_field(title, "title", 120, errors)
    body_text = text_field(body, "body", 5000, errors)
    area_value = choice(area, Area, "area", errors)
    matter = str(statutory_matter or "")
    if matter:
        choice(matter, StatutoryMatter, "statutory_matter", errors)
    money = amount(money_yuan, "money_yuan", errors)
    land = amount(land_mu, "land_mu", errors, limit=Decimal("1e10"))
    if origin and origin not in PROPOSER_ORIGINS:
        errors.setdefault("origin", []).append(_("请选择有效的选项。"))
    deciding = council
    if deciding_body_id not in (None, ""):
        deciding = body_unit(deciding_body_id, "deciding_body_id", errors)
    if (
        council is not None
        and deciding is not None
        and not (
            council.region_code.startswith(deciding.region_code)
            and len(deciding.region_code) >= min(12, len(council.region_code))
        )
    ):
        errors.setdefault("deciding_body_id", []).append(_("决议机构应是本组或本村的机构。"))
    files = check_files(attachments, "attachments", errors)
    if council is not None and not can(actor, "deliberation.propose", council.region_code):
        raise NotAllowed
    if errors:
        raise Invalid(fields=errors)
    assert council is not None
    assert deciding is not None
    motion_origin = _origin_of(actor, council.region_code, origin)
    motion = Motion.objects.create(
        region_id=council.region_id,
        region_code=council.region_code,
        council=council,
        deciding_body=deciding,
        title=title_text,
        body=body_text,
        area=area_value,
        origin=motion_origin,
        statutory_matter=matter,
        money_yuan=money,
        land_mu=land,
        is_public=bool(is_public),
        proposer=actor if getattr(actor, "pk", None) else None,
        proposer_name=_proposer_name(actor),
        cosign_threshold=config.value("cosign_threshold")
        if motion_origin == Origin.RESIDENT
        else 0,
        created_at=now,
        updated_at=now,
    )
    links = [
        LinkedCase(motion=motion, case_id=case_id, case_number=number)
        for case_id, number in linked_cases
    ]
    LinkedCase.objects.bulk_create(links)
    created = MotionEvent.objects.create(
        motion=motion,
        region_code=motion.region_code,
        at=now,
        actor=motion.proposer,
        transition="create",
        from_state="",
        to_state=motion.state,
        data={"cases": [number for _id, number in linked_cases]} if links else {},
    )
    for upload in files:
        store_attachment(motion, upload, actor, now, event=created)
    audit.record(actor=actor, action="motion.create", obj=motion, changes={"title": title_text})
    tell_listeners(created)
    if propose:
        transition_motion(
            motion=motion, name="propose", actor=actor, changes={"proposed_at": now}, now=now
        )
    return motion


def _load(motion_id: Any, actor: Any) -> Motion:
    motion = load_for_update(motion_id)
    check_visible(motion, actor)
    return motion


@transaction.atomic
def propose_motion(*, motion_id: Any, actor: Any, now: dt.datetime | None = None) -> Motion:
    now = now or timezone.now()
    motion = _load(motion_id, actor)
    transition_motion(
        motion=motion, name="propose", actor=actor, changes={"proposed_at": now}, now=now
    )
    return motion


@transaction.atomic
def cosign_motion(*, motion_id: Any, actor: Any, now: dt.datetime | None = None) -> Motion:
    """Back a resident's proposal; reaching the threshold admits it to appraisal."""
    now = now or timezone.now()
    motion = _load(motion_id, actor)
    if motion.proposer_id is not None and motion.proposer_id == getattr(actor, "pk", None):
        raise InvalidState(_("提议人不能附议自己的提议。"))
    try:
        with transaction.atomic():
            Cosign.objects.create(motion=motion, user=actor, at=now)
    except IntegrityError:
        raise InvalidState(_("您已附议过该提议。")) from None
    transition_motion(
        motion=motion,
        name="cosign",
        actor=actor,
        changes={"cosign_count": F("cosign_count") + 1},
        now=now,
    )
    motion.refresh_from_db(fields=["cosign_count"])
    if motion.cosign_threshold and motion.cosign_count >= motion.cosign_threshold:
        _admit(
            motion,
            None,
            recorded(lambda: _("附议人数达到%(n)d人，自动进入评议。") % {"n": motion.cosign_count}),
            now,
        )
    return motion


def _admit(motion: Motion, actor: Any, note: str, now: dt.datetime) -> None:
    days = int(config.value("appraisal_days"))
    transition_motion(
        motion=motion,
        name="admit",
        actor=actor,
        note=note,
        changes={"appraisal_ends_at": now + dt.timedelta(days=days)},
        now=now,
    )


@transaction.atomic
def admit_motion(
    *, motion_id: Any, actor: Any, note: str = "", now: dt.datetime | None = None
) -> Motion:
    """The convener accepts the proposal and opens the appraisal (评议)."""
    motion = _load(motion_id, actor)
    _admit(motion, actor, str(note or "").strip()[:2000], now or timezone.now())
    return motion


@transaction.atomic
def comment_on_motion(
    *, motion_id: Any, stance: Any, text: Any = "", actor: Any, now: dt.datetime | None = None
) -> Opinion:
    """Say support, oppose or suggest during appraisal; saying it again replaces it."""
    now = now or timezone.now()
    motion = _load(motion_id, actor)
    errors: dict[str, list[str]] = {}
    stance_value = choice(stance, Stance, "stance", errors)
    comment = str(text or "").strip()
    if len(comment) > 1000:
        errors["text"] = [_("内容不能超过%(limit)d个字。") % {"limit": 1000}]
    if stance_value == Stance.SUGGEST and not comment:
        errors["text"] = [_("请写下您的建议。")]
    if errors:
        raise Invalid(fields=errors)
    transition_motion(
        motion=motion, name="comment", actor=actor, data={"stance": stance_value}, now=now
    )
    opinion, _created = Opinion.objects.update_or_create(
        motion=motion,
        author=actor,
        defaults={
            "stance": stance_value,
            "text": comment,
            "at": now,
            "is_member": can(actor, "deliberation.view", motion.region_code),
        },
    )
    return opinion


def _required_note(note: Any) -> str:
    text = str(note or "").strip()
    if not text:
        raise Invalid(fields={"note": [_("请填写理由。")]})
    if len(text) > 2000:
        raise Invalid(fields={"note": [_("内容不能超过%(limit)d个字。") % {"limit": 2000}]})
    return text


@transaction.atomic
def start_review(
    *, motion_id: Any, actor: Any, note: str = "", now: dt.datetime | None = None
) -> Motion:
    """End the appraisal and hand the motion to review (审议). Ending it before its period is
    over needs a reason."""
    now = now or timezone.now()
    motion = _load(motion_id, actor)
    text = str(note or "").strip()[:2000]
    early = motion.appraisal_ends_at is not None and now < motion.appraisal_ends_at
    if early and not text and motion.state == "appraising":
        raise Invalid(fields={"note": [_("评议期尚未结束，提前结束评议须说明理由。")]})
    transition_motion(
        motion=motion, name="start_review", actor=actor, note=text, data={"early": early}, now=now
    )
    return motion


@transaction.atomic
def amend_motion(
    *, motion_id: Any, title: Any, body: Any, note: Any, actor: Any, now: dt.datetime | None = None
) -> Motion:
    """Change the text in review; the event keeps the text before."""
    motion = _load(motion_id, actor)
    errors: dict[str, list[str]] = {}
    title_text = text_field(title, "title", 120, errors)
    body_text = text_field(body, "body", 5000, errors)
    if errors:
        raise Invalid(fields=errors)
    reason = _required_note(note)
    transition_motion(
        motion=motion,
        name="amend",
        actor=actor,
        note=reason,
        changes={"title": title_text, "body": body_text},
        data={"title_before": motion.title, "body_before": motion.body},
        now=now,
    )
    return motion


@transaction.atomic
def send_back_motion(
    *, motion_id: Any, note: Any, actor: Any, now: dt.datetime | None = None
) -> Motion:
    """Review returns the motion to appraisal for another round."""
    now = now or timezone.now()
    motion = _load(motion_id, actor)
    reason = _required_note(note)
    days = int(config.value("appraisal_days"))
    transition_motion(
        motion=motion,
        name="send_back",
        actor=actor,
        note=reason,
        changes={"appraisal_ends_at": now + dt.timedelta(days=days)},
        now=now,
    )
    return motion


@transaction.atomic
def reject_motion(
    *, motion_id: Any, note: Any, actor: Any, now: dt.datetime | None = None
) -> Motion:
    motion = _load(motion_id, actor)
    transition_motion(motion=motion, name="reject", actor=actor, note=_required_note(note), now=now)
    return motion


@transaction.atomic
def withdraw_motion(
    *, motion_id: Any, actor: Any, note: str = "", now: dt.datetime | None = None
) -> Motion:
    motion = _load(motion_id, actor)
    transition_motion(
        motion=motion, name="withdraw", actor=actor, note=str(note or "").strip()[:2000], now=now
    )
    return motion


@transaction.atomic
def note_motion(*, motion_id: Any, note: Any, actor: Any, now: dt.datetime | None = None) -> Motion:
    motion = _load(motion_id, actor)
    transition_motion(
        motion=motion, name="add_note", actor=actor, note=_required_note(note), now=now
    )
    return motion
