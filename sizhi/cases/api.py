"""The case endpoints of the JSON API (mounted under /api/v1/): intake through the same
``submit_case`` as the web form and the hotline, the queue as keyset pages, a case with its
timeline, its workflow steps, and the reference data a client needs for them.

Adapters only: the actions decide, the queries fetch through ``visible_to``; on top of that a
token's region scope hides everything outside it (``Principal.narrow`` / ``covers``).
"""

from collections.abc import Callable, Mapping

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status

from sizhi.accounts.apiauth import Principal, principal_of
from sizhi.cases import actions, queries, queries_desk
from sizhi.cases.api_schemas import (
    CaseIn,
    CaseOut,
    CasePage,
    CaseQuery,
    CaseSummaryOut,
    CategoryOut,
    EventOut,
    IntakeOut,
    RegionOut,
    TransitionIn,
    TransitionOut,
    UnitOut,
    case_out,
    case_summary,
    category_out,
    event_out,
    region_out,
    unit_out,
)
from sizhi.cases.models import Case
from sizhi.core.api.cursor import MAX_YEAR, MIN_YEAR, decode_cursor, encode_cursor
from sizhi.core.api.messages import DATETIME
from sizhi.core.errors import Invalid, NotFound
from sizhi.core.regioncode import is_valid
from sizhi.orgs import queries as org_queries

READ, WRITE = "cases:read", "cases:write"


def _no_place_near() -> str:
    return _("该坐标附近%(metres)d米内没有本县已知的乡镇、村或村民小组，请填写 region_code。") % {
        "metres": settings.SIZHI_POINT_RADIUS_M
    }


router = Router(tags=["cases"])


def reader(request: HttpRequest) -> Principal:
    principal = principal_of(request)
    principal.require(READ)
    return principal


def writer(request: HttpRequest) -> Principal:
    principal = principal_of(request)
    principal.require(WRITE)
    return principal


def case_for(principal: Principal, number: str) -> Case:
    """The case by number if the caller may see it (and it lies in the token's region), with
    what its page shows loaded; NotFound otherwise."""
    found = queries.access_case_by_number(principal.user, number)
    if not principal.covers(found.region_code):
        raise NotFound
    return queries.access_case(principal.user, found.pk)


def _detail(principal: Principal, case: Case) -> CaseOut:
    user = principal.user
    allowed = [name for name in queries.allowed_actions(user, case) if name in STEPS]
    return case_out(case, queries.contact_for(user, case), allowed)


def _visible_detail(principal: Principal, case: Case) -> CaseOut | None:
    """The case as GET shows it, or None if the caller may not read it (an app's user with no
    grants files cases without reading them; on_desk tells that cheaply)."""
    if not principal.covers(case.region_code) or not queries_desk.on_desk(principal.user):
        return None
    try:
        return _detail(principal, queries.access_case(principal.user, case.pk))
    except NotFound:
        return None


# -- Intake ----------------------------------------------------------------------------------------


@router.post("/cases", response={201: IntakeOut, 200: IntakeOut}, summary="File a case")
def create_case(request: HttpRequest, payload: CaseIn) -> Status:
    """Register a case through the same intake as the web form and the hotline: the same
    validation, numbering, duplicate and repeat detection and rate limits. 201 with the new
    case's number and tracking code; 200 when an earlier case came back (a double submit, or
    a repeat of an open matter of the same caller)."""
    principal = writer(request)
    fields = payload.model_dump()
    point = (fields["latitude"], fields["longitude"])
    if not fields["region_code"] and None not in point:
        # Only a point: the place whose reference point is nearest (as for Open311).
        near = queries.region_near(*point)
        if near is None:
            raise Invalid(fields={"region_code": [_no_place_near()]})
        fields["region_code"] = near.code
    if fields["region_code"] and not principal.covers(fields["region_code"]):
        raise Invalid(fields={"region_code": [_("该地点不在此令牌的区域范围内。")]})
    submitted = actions.submit_case(
        **fields,
        actor=principal.user,
        # A token's requests come from the system that holds it, not from the resident: only
        # the signed-in site user's own address counts towards the per-address limit.
        client_ip=request.META.get("REMOTE_ADDR") if principal.token is None else None,
    )
    body = IntakeOut(
        number=submitted.case.number,
        tracking_code=submitted.tracking_code,
        created=submitted.created,
        repeat=submitted.repeat,
        case=_visible_detail(principal, submitted.case),
    )
    return Status(201 if submitted.created else 200, body)


# -- Reading ---------------------------------------------------------------------------------------


@router.get("/cases", response=CasePage, summary="List cases")
def list_cases(request: HttpRequest, filters: Query[CaseQuery]) -> CasePage:
    """The cases the caller may see, newest first, a page at a time (keyset: pass
    ``next_cursor`` back as ``cursor``). A fixed number of queries whatever the page size."""
    principal = reader(request)
    cursor = decode_cursor(filters.cursor)
    wanted = filters.region.strip()
    if wanted and not is_valid(wanted):
        raise Invalid(fields={"region": [_("请输入有效的区划代码，如 520327101。")]})
    region = principal.narrow(wanted)
    if region is None:
        return CasePage(items=[], next_cursor=None)
    cases = queries.queue_for(
        principal.user,
        queries.QueueFilters(
            state=filters.state,
            category_id=filters.category_id,
            urgency=filters.urgency,
            region_code=region,
            channel=filters.channel,
        ),
        timezone.now(),
    )
    if filters.updated_since is not None:
        since = filters.updated_since
        if not MIN_YEAR <= since.year <= MAX_YEAR:
            raise Invalid(fields={"updated_since": [str(DATETIME)]})
        if timezone.is_naive(since):
            since = timezone.make_aware(since)
        cases = cases.filter(updated_at__gte=since)
    found = queries.after(cases, cursor, filters.limit + 1)
    page, more = found[: filters.limit], len(found) > filters.limit
    last = page[-1] if more else None
    return CasePage(
        items=[CaseSummaryOut(**case_summary(case)) for case in page],
        next_cursor=encode_cursor(last.received_at, last.pk) if last is not None else None,
    )


@router.get("/cases/{number}", response=CaseOut, summary="Get a case")
def get_case(request: HttpRequest, number: str) -> CaseOut:
    """The case, with the contact masked (and hidden from the unit complained about) and the
    steps the caller may take now."""
    principal = reader(request)
    return _detail(principal, case_for(principal, number))


@router.get("/cases/{number}/events", response=list[EventOut], summary="A case's timeline")
def list_events(request: HttpRequest, number: str) -> list[EventOut]:
    """Every event of the case, oldest first, internal notes included (as on the desk)."""
    principal = reader(request)
    case = case_for(principal, number)
    return [event_out(event) for event in queries.timeline(case, public=False)]


# -- Workflow steps --------------------------------------------------------------------------------


Step = Callable[[Case, TransitionIn, Principal], object]


def _unit_id(data: TransitionIn) -> int:
    if data.unit_id is None:
        raise Invalid(fields={"unit_id": [_("请选择有效的承办单位。")]})
    return data.unit_id


def _merge(case: Case, data: TransitionIn, principal: Principal) -> object:
    """Merge the cases numbered in ``numbers`` into this one (each must be visible too)."""
    numbers = [number.strip() for number in data.numbers if number.strip()]
    found = {
        number: child
        for number, child in queries_desk.cases_by_numbers(principal.user, numbers).items()
        if principal.covers(child.region_code)
    }
    missing = [number for number in numbers if number not in found]
    if missing:
        message = _("未找到诉求 %(numbers)s，或无权查看。") % {"numbers": "、".join(missing)}
        raise Invalid(fields={"numbers": [message]})
    return actions.merge_cases(
        parent_id=case.pk,
        child_ids=[found[number].pk for number in numbers],
        actor=principal.user,
    )


def _review(name: str) -> Step:
    def step(case: Case, data: TransitionIn, principal: Principal) -> object:
        return actions.review_petition(
            case_id=case.pk, step=name, opinion=data.note, actor=principal.user
        )

    return step


def _decide_extension(approve: bool) -> Step:
    def step(case: Case, data: TransitionIn, principal: Principal) -> object:
        return actions.decide_extension(
            case_id=case.pk, approve=approve, note=data.note, actor=principal.user
        )

    return step


STEPS: dict[str, Step] = {
    "accept": lambda c, d, p: actions.accept_case(case_id=c.pk, actor=p.user, note=d.note),
    "decline": lambda c, d, p: actions.decline_case(
        case_id=c.pk, reason=d.note, redirect_to=d.redirect_to, actor=p.user
    ),
    "dispatch": lambda c, d, p: actions.dispatch_case(
        case_id=c.pk, unit_id=d.unit_id, actor=p.user, note=d.note
    ),
    "sign_for": lambda c, d, p: actions.sign_for_case(case_id=c.pk, actor=p.user),
    "object": lambda c, d, p: actions.object_to_case(case_id=c.pk, reason=d.note, actor=p.user),
    "uphold": lambda c, d, p: actions.decide_objection(
        case_id=c.pk, unit_id=None, note=d.note, actor=p.user
    ),
    "reassign": lambda c, d, p: actions.decide_objection(
        case_id=c.pk, unit_id=_unit_id(d), note=d.note, actor=p.user
    ),
    "transfer": lambda c, d, p: actions.transfer_case(
        case_id=c.pk, unit_id=_unit_id(d), reason=d.note, actor=p.user
    ),
    "contact": lambda c, d, p: actions.record_contact(case_id=c.pk, note=d.note, actor=p.user),
    "reply": lambda c, d, p: actions.reply_to_case(case_id=c.pk, text=d.note, actor=p.user),
    "follow_up": lambda c, d, p: actions.follow_up_case(
        case_id=c.pk,
        contacted=d.contacted,
        solved=d.solved,
        satisfaction=d.satisfaction,
        note=d.note,
        actor=p.user,
    ),
    "close": lambda c, d, p: actions.close_case(case_id=c.pk, actor=p.user, note=d.note),
    "merge": _merge,
    "request_extension": lambda c, d, p: actions.request_extension(
        case_id=c.pk, reason=d.note, actor=p.user
    ),
    "approve_extension": _decide_extension(True),
    "reject_extension": _decide_extension(False),
    "pause_clock": lambda c, d, p: actions.pause_case_clock(
        case_id=c.pk, reason=d.pause_reason, actor=p.user
    ),
    "resume_clock": lambda c, d, p: actions.resume_case_clock(case_id=c.pk, actor=p.user),
    "escalate": lambda c, d, p: actions.escalate_case(case_id=c.pk, reason=d.note, actor=p.user),
    "add_note": lambda c, d, p: actions.add_note(case_id=c.pk, text=d.note, actor=p.user),
    "issue_review": _review("issue_review"),
    "issue_recheck": _review("issue_recheck"),
    "terminate": _review("terminate"),
}

# The actions' names for the fields this API calls otherwise.
FIELD_NAMES: Mapping[str, str] = {
    "reason": "note",
    "text": "note",
    "opinion": "note",
    "child_ids": "numbers",
}


def _api_fields(name: str, fields: Mapping[str, list[str]]) -> dict[str, list[str]]:
    renamed = dict(FIELD_NAMES, reason="pause_reason") if name == "pause_clock" else FIELD_NAMES
    return {renamed.get(field, field): list(messages) for field, messages in fields.items()}


@router.post("/cases/{number}/transitions", response=TransitionOut, summary="Take a workflow step")
def take_step(request: HttpRequest, number: str, payload: TransitionIn) -> TransitionOut:
    """Take step ``name`` on the case, through the same action as the desk. 409 when the case
    is not in a state for it (or changed meanwhile), 403 when the caller may not."""
    principal = writer(request)
    case = case_for(principal, number)
    try:
        STEPS[payload.name](case, payload, principal)
    except Invalid as error:
        raise Invalid(error.message, fields=_api_fields(payload.name, error.fields)) from error
    detail = _visible_detail(principal, case)
    if detail is None:  # the step took the case out of the caller's sight: say where it went
        case.refresh_from_db(fields=["state"])
    state = detail.state if detail is not None else case.state
    return TransitionOut(transition=payload.name, state=state, case=detail)


# -- Reference data --------------------------------------------------------------------------------


@router.get("/categories", response=list[CategoryOut], summary="Case categories")
def list_categories(request: HttpRequest) -> list[CategoryOut]:
    """The active categories in two levels; cases are filed under a second-level one."""
    principal_of(request)
    return [category_out(category) for category in queries.categories()]


@router.get("/regions", response=list[RegionOut], summary="Places")
def list_regions(request: HttpRequest, parent: str = "") -> list[RegionOut]:
    """The places below ``parent`` (one level), or without it the top of the caller's reach:
    the token's region, or the county. The place tree is public reference data (residents
    choose from it on the appeal form); a token's region scope narrows it."""
    principal = principal_of(request)
    top = principal.region_prefix or settings.SIZHI_COUNTY_CODE
    if not parent:
        return [region_out(org_queries.access_region(top))]
    if not principal.covers(parent.strip()):
        raise NotFound
    region = org_queries.access_region(parent.strip())
    return [region_out(child) for child in org_queries.list_children(region)]


@router.get("/units", response=list[UnitOut], summary="Units at a place")
def list_units(request: HttpRequest, region: str = "") -> list[UnitOut]:
    """The units sited at ``region`` (default: the token's region) that the caller may see."""
    principal = principal_of(request)
    code = region.strip() or principal.region_prefix
    if not code:
        raise Invalid(fields={"region": [_("请填写区划代码。")]})
    if not principal.covers(code):
        raise NotFound
    place = org_queries.access_region(code)
    return [unit_out(unit) for unit in org_queries.list_units_for(principal.user, place)]
