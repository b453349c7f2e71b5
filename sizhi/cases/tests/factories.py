import datetime as dt
from dataclasses import dataclass
from typing import Any

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sizhi.cases.actions.base import tracking_hash
from sizhi.cases.models import Case, CaseClock, Category, Extension
from sizhi.orgs.tests.factories import RegionFactory

# Every factory-made case answers to this tracking code.
TRACKING_CODE = "ABCD2345"


class CategoryFactory(factory.django.DjangoModelFactory[Category]):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"C{n:04d}")
    name = factory.Sequence(lambda n: f"分类{n}")
    owner_level = "village"


class CaseFactory(factory.django.DjangoModelFactory[Case]):
    """A case row as intake would leave it; use the actions to move it. Pass ``state=`` (and
    ``handling_unit=``) to start from a later point of the workflow."""

    class Meta:
        model = Case

    number = factory.Sequence(lambda n: f"520327-2026-{n + 900000:06d}")
    county_code = "520327"
    kind = "complaint"
    channel = "web"
    category = factory.SubFactory(CategoryFactory)
    urgency = "normal"
    title = factory.Sequence(lambda n: f"诉求{n}")
    description = "路灯坏了"
    region = factory.SubFactory(RegionFactory, code="520327101201001")
    region_code = factory.LazyAttribute(lambda o: o.region.code)
    contact_phone = "13812345678"
    received_at = factory.LazyFunction(timezone.now)
    tracking_hash = factory.LazyAttribute(lambda o: tracking_hash(o.number, TRACKING_CODE))


class CaseClockFactory(factory.django.DjangoModelFactory[CaseClock]):
    """A running handling clock of five working days, due in a week."""

    class Meta:
        model = CaseClock

    case = factory.SubFactory(CaseFactory)
    region_code = factory.LazyAttribute(lambda o: o.case.region_code)
    kind = "handle"
    value = 5
    unit = "working_day"
    started_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(lambda o: o.started_at + dt.timedelta(days=7))


class ExtensionFactory(factory.django.DjangoModelFactory[Extension]):
    """A pending extension request."""

    class Meta:
        model = Extension

    case = factory.SubFactory(CaseFactory)
    value = 5
    unit = "working_day"
    reason = "需要协调相关部门"
    requested_at = factory.LazyFunction(timezone.now)


# ---------------------------------------------------------------------------------------------
# Workflow scenarios: a case standing in any state, ready for any transition, and the real
# action that takes each transition.

# The fixture name of someone allowed to take each transition on a case of village A handled by
# the village A service centre ("submitter": the resident, with the tracking code).
ACTOR_OF: dict[str, str] = {
    "accept": "dispatcher",
    "decline": "dispatcher",
    "dispatch": "dispatcher",
    "transfer": "dispatcher",
    "merge": "dispatcher",
    "sign_for": "handler",
    "object": "handler",
    "contact": "handler",
    "reply": "handler",
    "request_extension": "handler",
    "pause_clock": "handler",
    "resume_clock": "handler",
    "uphold": "county_admin",
    "reassign": "county_admin",
    "approve_extension": "county_admin",
    "reject_extension": "county_admin",
    "follow_up": "operator",
    "close": "operator",
    "reopen": "operator",
    "repeat": "operator",
    "escalate": "supervisor",
    "add_note": "dispatcher",
    "attach": "dispatcher",
    "add_information": "submitter",
    "request_review": "submitter",
    "request_recheck": "submitter",
    "issue_review": "supervisor",
    "issue_recheck": "supervisor",
    "terminate": "supervisor",
}


@dataclass
class Scenario:
    case: Case
    parent: Case | None = None  # the open case a merge goes into


def scenario_for(name: str, state: str, desk: Any, **case_fields: Any) -> Scenario:
    """A case of village A group 1 in ``state``, handled by the village A service centre, with
    what ``name`` needs besides the state (a running or paused handling clock, a pending
    extension, an open case to merge into). 复查/复核 steps get a petition."""
    from sizhi.cases.workflow import PETITION_ONLY

    fields: dict[str, Any] = {
        "state": state,
        "category": desk.village_matter,
        "handling_unit": desk.village_centre,
        "receiving_unit": desk.village_centre,
        "closed_at": timezone.now() if state in CLOSED_LIKE else None,
    }
    if name in PETITION_ONLY:
        fields.update(kind="petition", petition_class="claim", is_confidential=True)
    fields.update(case_fields)
    case = CaseFactory.create(**fields)
    parent = None
    if name in {"pause_clock", "approve_extension", "reject_extension"}:
        CaseClockFactory.create(case=case)
    if name == "resume_clock":
        CaseClockFactory.create(
            case=case,
            state="paused",
            paused_at=timezone.now() - dt.timedelta(hours=1),
            pause_reason="hearing",
        )
    if name in {"approve_extension", "reject_extension"}:
        ExtensionFactory.create(case=case)
    if name == "merge":
        parent = CaseFactory.create(
            category=desk.village_matter,
            contact_phone="13900002222",
            title="并单主诉求",
            handling_unit=desk.village_centre,
            state="assigned",
        )
    return Scenario(case, parent)


CLOSED_LIKE = frozenset(
    {
        "declined",
        "closed",
        "merged",
        "review_requested",
        "reviewed",
        "recheck_requested",
        "terminated",
    }
)


def perform(name: str, scenario: Scenario, actor: Any, desk: Any) -> None:
    """Take transition ``name`` through the action that does it, with good input. ``actor``
    "submitter" means the resident with the tracking code."""
    from django.db import transaction

    from sizhi.cases import actions
    from sizhi.cases.actions.base import check_visible, load_for_update

    case_id = scenario.case.pk
    submitter = actor == "submitter"
    match name:
        case "accept":
            actions.accept_case(case_id=case_id, actor=actor)
        case "decline":
            actions.decline_case(
                case_id=case_id, reason="属于诉讼程序", redirect_to="县人民法院", actor=actor
            )
        case "dispatch":
            actions.dispatch_case(case_id=case_id, unit_id=desk.village_centre.pk, actor=actor)
        case "sign_for":
            actions.sign_for_case(case_id=case_id, actor=actor)
        case "object":
            actions.object_to_case(case_id=case_id, reason="不属本单位职责", actor=actor)
        case "uphold":
            actions.decide_objection(case_id=case_id, unit_id=None, note="维持", actor=actor)
        case "reassign":
            actions.decide_objection(
                case_id=case_id, unit_id=desk.township_office.pk, note="改派", actor=actor
            )
        case "transfer":
            actions.transfer_case(
                case_id=case_id, unit_id=desk.township_office.pk, reason="属乡镇职责", actor=actor
            )
        case "contact":
            actions.record_contact(case_id=case_id, note="已电话联系", actor=actor)
        case "reply":
            actions.reply_to_case(case_id=case_id, text="已更换灯泡。", actor=actor)
        case "follow_up":
            actions.follow_up_case(
                case_id=case_id, contacted=True, solved=True, satisfaction=5, actor=actor
            )
        case "close":
            actions.close_case(case_id=case_id, actor=actor, note="无法联系")
        case "reopen":
            # Not an action of its own: follow_up_case reopens; this is its table step.
            with transaction.atomic():
                case = load_for_update(case_id)
                check_visible(case, actor, False)
                actions.transition_case(case=case, name="reopen", actor=actor)
        case "merge":
            assert scenario.parent is not None
            actions.merge_cases(parent_id=scenario.parent.pk, child_ids=[case_id], actor=actor)
        case "request_extension":
            actions.request_extension(case_id=case_id, reason="需要协调水务部门", actor=actor)
        case "approve_extension" | "reject_extension":
            actions.decide_extension(
                case_id=case_id, approve=name == "approve_extension", note="", actor=actor
            )
        case "pause_clock":
            actions.pause_case_clock(case_id=case_id, reason="waiting_resident", actor=actor)
        case "resume_clock":
            actions.resume_case_clock(case_id=case_id, actor=actor)
        case "escalate":
            actions.escalate_case(case_id=case_id, reason="群众多次催办", actor=actor)
        case "repeat":
            actions.submit_case(
                channel="hotline",
                kind="complaint",
                category_id=scenario.case.category_id,
                title="路灯还是不亮",
                description="又来电反映同一路灯。",
                region_code=scenario.case.region_code,
                contact_phone="13900001111",
                repeat_of_id=case_id,
                actor=actor,
            )
        case "add_note":
            actions.add_note(case_id=case_id, text="已与村委会沟通", actor=actor)
        case "attach":
            photo = SimpleUploadedFile("现场.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
            actions.attach_files(case_id=case_id, uploads=[photo], actor=actor)
        case "add_information":
            actions.add_information(
                case_id=case_id, tracking_code=TRACKING_CODE, text="补充：路口东侧第二盏"
            )
        case "request_review" | "request_recheck":
            actions.review_petition(
                case_id=case_id,
                step=name,
                opinion="对处理意见不服",
                actor=None if submitter else actor,
                tracking_code=TRACKING_CODE if submitter else "",
            )
        case "issue_review" | "issue_recheck" | "terminate":
            actions.review_petition(case_id=case_id, step=name, opinion="维持原意见", actor=actor)
        case _:
            raise AssertionError(f"no action for {name}")
