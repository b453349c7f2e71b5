"""Cases as published service requests: which cases, and what of them.

Only cases whose submitter agreed to publication (``is_public``) of the county served are
shown; confidential ones (petitions, reports, accusations) never, whatever their flag. What
is shown carries no contact: no name, phone or e-mail, and the texts (description, reply)
have phone numbers, ID numbers, e-mail addresses and the submitter's name masked. The place is
the region's name path with its code as ``address_id`` (the free-text address may name a
household and stays on the desk); ``lat``/``long`` are rounded to three decimals (about
100 m).
"""

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from sizhi.cases.models import Case, CaseClock, ClockState, Kind, PetitionClass
from sizhi.cases.open311.params import MAX_RESULTS, RequestFilters, jurisdiction
from sizhi.cases.open311.render import iso, not_found
from sizhi.cases.workflow import OPEN_STATES, CaseState
from sizhi.core.pii import mask_name
from sizhi.core.regioncode import LEVEL_LENGTHS
from sizhi.orgs.models import Region

MAX_DESCRIPTION = 4000
COORDINATE_PLACES = 3
# Runs of digits (with spaces or dashes) that may be a phone or an ID number (seven digits or
# more, an ID number may end in X), except dates; and e-mail addresses.
DIGIT_RUN = re.compile(r"(?<![\dA-Za-z])\+?\d[\d\- ]{5,}\d[Xx]?(?![\dA-Za-z])")
DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
MIN_DIGITS = 7
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def published() -> QuerySet[Case]:
    """The cases any caller may read through the API."""
    return (
        Case.objects.filter(county_code=jurisdiction(), is_public=True, is_confidential=False)
        .exclude(kind__in=[Kind.PETITION, Kind.REPORT])
        .exclude(petition_class=PetitionClass.ACCUSATION)
    )


def _rows(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.select_related("category", "handling_unit").order_by("-received_at", "-id")


def find_requests(filters: RequestFilters) -> list[Case]:
    """The cases GET requests answers with, newest first, at most 1000."""
    cases = published()
    if filters.ids:
        return list(_rows(cases.filter(number__in=filters.ids))[:MAX_RESULTS])
    cases = cases.filter(received_at__gte=filters.start, received_at__lte=filters.end)
    if filters.service_codes:
        cases = cases.filter(category__code__in=filters.service_codes)
    if filters.statuses and set(filters.statuses) != {"open", "closed"}:
        open_filter = Q(state__in=OPEN_STATES)
        cases = cases.filter(open_filter if filters.statuses == ["open"] else ~open_filter)
    return list(_rows(cases)[:MAX_RESULTS])


def find_request(number: str) -> Case:
    case = _rows(published().filter(number=number.strip())).first() if number.strip() else None
    if case is None:
        raise not_found()
    return case


def _mask_digits(match: re.Match[str]) -> str:
    run = match.group(0)
    if DATE.match(run) or sum(char.isdigit() for char in run) < MIN_DIGITS:
        return run
    return "*" * len(run)


def scrub(text: str, name: str = "") -> str:
    """``text`` with phone and ID numbers, e-mail addresses and ``name`` masked."""
    text = EMAIL.sub("***", text)
    text = DIGIT_RUN.sub(_mask_digits, text)
    if len(name.strip()) >= 2:
        text = text.replace(name.strip(), mask_name(name.strip()))
    return text


def _place_names(cases: Iterable[Case]) -> dict[str, str]:
    """Each case's place as the names from the county down, in one query."""
    codes = {
        case.region_code[:length]
        for case in cases
        for length in LEVEL_LENGTHS.values()
        if length <= len(case.region_code)
    }
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return {
        case.region_code: _joined(
            names.get(case.region_code[:length], "")
            for length in LEVEL_LENGTHS.values()
            if length <= len(case.region_code)
        )
        for case in cases
    }


def _joined(names: Iterable[str]) -> str:
    """凤冈县 进化镇 临江村 临江村一组 → 凤冈县进化镇临江村一组: a name that repeats the one
    above it replaces it."""
    path, last = "", ""
    for name in names:
        if last and name.startswith(last):
            path = path[: len(path) - len(last)]
        path += name
        last = name
    return path


def _expected(cases: Iterable[Case], now: dt.datetime) -> dict[int, dt.datetime]:
    """The deadline of each case's current handling-and-reply clock (a paused clock's deadline
    moves with the pause), in one query."""
    found: dict[int, dt.datetime] = {}
    clocks = (
        CaseClock.objects.filter(case__in=[case.pk for case in cases], kind="handle")
        .exclude(state=ClockState.CANCELLED)
        .order_by("case_id", "started_at", "id")
    )
    for clock in clocks:
        due = clock.due_at
        if clock.state == ClockState.PAUSED and clock.paused_at is not None:
            due += now - clock.paused_at
        found[clock.case_id] = due  # the latest one wins
    return found


def _coordinate(value: Any) -> float | None:
    return None if value is None else round(float(value), COORDINATE_PLACES)


def status_of(case: Case) -> str:
    return "open" if case.state in OPEN_STATES else "closed"


def _notes(case: Case) -> str:
    if case.reply and case.state != CaseState.MERGED:
        return scrub(case.reply, case.contact_name)
    return str(CaseState(case.state).label)


def request_out(case: Case, place: str, expected: dt.datetime | None) -> dict[str, Any]:
    closed = status_of(case) == "closed"
    return {
        "service_request_id": case.number,
        "status": status_of(case),
        "status_notes": _notes(case),
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": scrub(case.description, case.contact_name)[:MAX_DESCRIPTION],
        "agency_responsible": case.handling_unit.name if case.handling_unit else None,
        "service_notice": None,
        "requested_datetime": iso(case.received_at),
        "updated_datetime": iso(case.closed_at if closed and case.closed_at else case.updated_at),
        "expected_datetime": iso(expected),
        "address": place or None,
        "address_id": case.region_code,
        "zipcode": None,
        "lat": _coordinate(case.latitude),
        "long": _coordinate(case.longitude),
        "media_url": case.media_url or None,
    }


def requests_out(cases: list[Case], now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The published form of ``cases``: three queries in all, however many."""
    if not cases:
        return []
    places = _place_names(cases)
    expected = _expected(cases, now or timezone.now())
    return [request_out(case, places[case.region_code], expected.get(case.pk)) for case in cases]
