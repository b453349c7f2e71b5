"""Telling submitters and handlers about case milestones, after the transaction commits."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_  # noqa: N812
from django.utils.translation import override
from django_tasks import task

from sizhi.cases.models import Case, CaseEvent, handler_users_of
from sizhi.cases.workflow import CaseState
from sizhi.messaging.actions import queue_message
from sizhi.orgs.models import RoleGrant

# What the resident is told, by transition.
RESIDENT_MESSAGES = {
    "receive": N_("您的诉求已登记，编号 %(number)s，请凭编号和查询码查询办理进度。"),
    "decline": N_("您的诉求 %(number)s 不予受理：%(note)s"),
    "dispatch": N_("您的诉求 %(number)s 已交由 %(unit)s 办理。"),
    "reply": N_("您的诉求 %(number)s 已有答复，请查看并评价。"),
    "approve_extension": N_("您的诉求 %(number)s 办理期限已延长：%(note)s"),
    "reopen": N_("您的诉求 %(number)s 已退回重新办理。"),
    "close": N_("您的诉求 %(number)s 已办结，感谢您的支持。"),
    "merge": N_("您的诉求 %(number)s 已与同一事项合并办理，进度请查询 %(parent)s。"),
}
# What the submitter of each case merged into this one is told, by transition of this one.
MERGED_MESSAGES = {
    "reply": N_("您的诉求 %(number)s 已随合并办理的 %(parent)s 一并答复，请凭编号和查询码查看。"),
    "close": N_("您的诉求 %(number)s 已随合并办理的 %(parent)s 一并办结，感谢您的支持。"),
}
# What the handling unit is told, by transition.
UNIT_MESSAGES = {
    "dispatch": N_("新派单：%(number)s %(title)s"),
    "transfer": N_("转派单：%(number)s %(title)s"),
    "reassign": N_("改派单：%(number)s %(title)s"),
    "uphold": N_("异议未获支持，请继续办理：%(number)s"),
    "reopen": N_("退回重办：%(number)s %(title)s"),
    "escalate": N_("督办：%(number)s %(title)s"),
    "due_soon": N_("即将超期：%(number)s %(title)s"),
    "overdue": N_("已超期：%(number)s %(title)s"),
}


def _resident_text(template: str, values: dict[str, str]) -> str:
    # Messages go out in Chinese, the language residents use with the county.
    with override("zh-hans"):
        return _(template) % values


@task()
def notify_case_event(event_id: int) -> int:
    event = (
        CaseEvent.objects.select_related(
            "case", "case__handling_unit", "case__merged_into", "case__person"
        )
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return 0
    reference = f"case-event:{event_id}"
    sent = notify(event.case, event.transition, event.note, reference=reference)
    if event.transition in MERGED_MESSAGES:
        sent += notify_merged(event.case, event.transition, reference=reference)
    return sent


def notify(case: Case, what: str, note: str = "", reference: str = "") -> int:
    """Queue the messages for milestone ``what`` of ``case``; returns how many."""
    values = {
        "number": case.number,
        "title": case.title,
        "note": note[:200],
        "unit": case.handling_unit.name if case.handling_unit else "",
        "parent": case.merged_into.number if case.merged_into else "",
    }
    sent = 0
    template = RESIDENT_MESSAGES.get(what)
    phone = submitter_phone(case) if template else ""
    if template and phone:
        queue_message(
            channel="sms",
            address=phone,
            body=_resident_text(template, values),
            region_code=case.region_code,
            reference=reference,
        )
        sent += 1
    template = UNIT_MESSAGES.get(what)
    if template and case.handling_unit_id:
        for user in handler_users_of(case.handling_unit_id):
            queue_message(
                channel="inapp",
                user=user,
                subject=_resident_text(template, values),
                body=_resident_text(template, values),
                region_code=case.region_code,
                reference=reference,
            )
            sent += 1
    return sent


def submitter_phone(case: Case) -> str:
    """Where the submitter of ``case`` can be texted: the contact phone given at intake, else
    the phone of the known person who filed it; "" for an anonymous case or no phone at all."""
    if case.is_anonymous:
        return ""
    if case.contact_phone:
        return case.contact_phone
    return case.person.phone if case.person_id and case.person else ""


def notify_merged(parent: Case, what: str, reference: str = "") -> int:
    """Tell the submitter of every case merged into ``parent`` of its milestone ``what``
    (a reply or the close), each by the number of their own case; returns how many."""
    template = MERGED_MESSAGES[what]
    children = (
        Case.objects.filter(merged_into=parent, state=CaseState.MERGED)
        .select_related("person")
        .order_by("pk")
    )
    sent = 0
    for child in children:
        phone = submitter_phone(child)
        if not phone:
            continue
        queue_message(
            channel="sms",
            address=phone,
            body=_resident_text(template, {"number": child.number, "parent": parent.number}),
            region_code=child.region_code,
            reference=reference,
        )
        sent += 1
    return sent


@task()
def copy_to_unit(case_id: int, unit_id: int) -> int:
    """抄送: tell everyone with a grant on ``unit_id`` (the county office) of a dispatch."""
    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        return 0
    text = _resident_text(
        N_("抄送：%(number)s %(title)s 已派至乡镇办理。"),
        {"number": case.number, "title": case.title},
    )
    users = {
        grant.user
        for grant in RoleGrant.objects.active().filter(unit_id=unit_id).select_related("user")
    }
    for user in users:
        queue_message(
            channel="inapp",
            user=user,
            subject=text,
            body=text,
            region_code=case.region_code,
            reference=f"case-copy:{case_id}",
        )
    return len(users)
