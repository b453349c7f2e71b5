"""Counting what a county holds, for the end of a demo build and for ``demo --counts``."""

import unicodedata

from django.db.models import Count
from django.utils.translation import gettext as _

from sizhi.cases.models import Case, Channel
from sizhi.cases.workflow import CaseState
from sizhi.core.regioncode import within_q
from sizhi.deliberation.models import (
    Area,
    Ballot,
    Cosign,
    Meeting,
    Motion,
    MotionEvent,
    Objection,
    Opinion,
    ProgressReport,
    Publication,
    Topic,
    Vote,
)
from sizhi.deliberation.workflow import MotionState
from sizhi.orgs.models import Level, Region, ServicePoint, Unit, UnitKind
from sizhi.orgs.standards import compliance
from sizhi.residents.models import Household, Membership, MembershipRole, Person


def collect_counts(county_code: str) -> dict[str, int]:
    """Flat counts under the county, with stable keys (they go into the audit row)."""
    scope = within_q([county_code])
    counts: dict[str, int] = {}
    regions = Region.objects.filter(within_q([county_code], field="code"))
    by_level = dict(regions.values_list("level").annotate(n=Count("pk")).order_by())
    for level in Level.values:
        counts[f"regions.{level}"] = by_level.get(level, 0)
    by_kind = dict(
        Unit.objects.filter(scope).values_list("kind").annotate(n=Count("pk")).order_by()
    )
    for kind in UnitKind.values:
        counts[f"units.{kind}"] = by_kind.get(kind, 0)
    seats = Membership.objects.filter(scope).current()
    council = seats.filter(unit__kind=UnitKind.COUNCIL)
    counts["council_members"] = council.count()
    counts["conveners"] = council.filter(role=MembershipRole.CONVENER).count()
    counts["group_branch_secretaries"] = seats.filter(
        unit__kind=UnitKind.GROUP_PARTY_BRANCH, role=MembershipRole.SECRETARY
    ).count()
    counts["memberships"] = seats.count()
    counts["households"] = Household.objects.filter(scope).count()
    persons = Person.objects.filter(scope)
    counts["persons"] = persons.count()
    counts["party_members"] = persons.filter(is_party_member=True).count()
    points = ServicePoint.objects.filter(scope).values_list("region_code", "facilities")
    counts["service_points"] = 0
    counts["service_points_complete"] = 0
    for code, facilities in points.iterator(chunk_size=5000):
        counts["service_points"] += 1
        level = {6: "county", 9: "township", 12: "village", 15: "group"}[len(code)]
        if not compliance(level, facilities or [])[0]:
            counts["service_points_complete"] += 1
    counts.update(case_counts(county_code))
    counts.update(motion_counts(county_code))
    return counts


def case_counts(county_code: str) -> dict[str, int]:
    """Cases of the county by state and by channel (every state and channel, zeros too)."""
    cases = Case.objects.filter(county_code=county_code)
    by_state = dict(cases.values_list("state").annotate(n=Count("pk")).order_by())
    by_channel = dict(cases.values_list("channel").annotate(n=Count("pk")).order_by())
    counts = {"cases": sum(by_state.values())}
    counts.update({f"cases.{state}": by_state.get(state, 0) for state in CaseState.values})
    counts.update({f"cases.channel.{c}": by_channel.get(c, 0) for c in Channel.values})
    return counts


def motion_counts(county_code: str) -> dict[str, int]:
    """Motions of the county by area and by state (zeros too), and what hangs on them."""
    scope = within_q([county_code])
    motions = Motion.objects.filter(scope)
    by_area = dict(motions.values_list("area").annotate(n=Count("pk")).order_by())
    by_state = dict(motions.values_list("state").annotate(n=Count("pk")).order_by())
    counts = {"motions": sum(by_state.values())}
    counts.update({f"motions.area.{area}": by_area.get(area, 0) for area in Area.values})
    counts.update({f"motions.{state}": by_state.get(state, 0) for state in MotionState.values})
    counts["motions.overdue"] = motions.filter(implementation_overdue=True).count()
    counts["topics"] = Topic.objects.filter(scope).count()
    counts["motion_events"] = MotionEvent.objects.filter(scope).count()
    counts["opinions"] = Opinion.objects.filter(motion__in=motions).count()
    counts["cosigns"] = Cosign.objects.filter(motion__in=motions).count()
    counts["meetings"] = Meeting.objects.filter(scope).count()
    counts["ballots"] = Ballot.objects.filter(scope).count()
    counts["votes"] = Vote.objects.filter(ballot__in=Ballot.objects.filter(scope)).count()
    counts["publications"] = Publication.objects.filter(scope).count()
    counts["objections"] = Objection.objects.filter(scope).count()
    counts["progress_reports"] = ProgressReport.objects.filter(scope).count()
    return counts


def count_lines(counts: dict[str, int]) -> list[tuple[str, int]]:
    """(label, number) lines for printing, in a reading order."""
    lines = [
        (_("区域：{level}").format(level=Level(level).label), counts.get(f"regions.{level}", 0))
        for level in Level.values
    ]
    lines += [
        (_("单位：{kind}").format(kind=UnitKind(kind).label), counts.get(f"units.{kind}", 0))
        for kind in UnitKind.values
        if counts.get(f"units.{kind}", 0)
    ]
    lines += [
        (_("议事会成员（含召集人）"), counts.get("council_members", 0)),
        (_("召集人"), counts.get("conveners", 0)),
        (_("组党支部书记"), counts.get("group_branch_secretaries", 0)),
        (_("任职（全部）"), counts.get("memberships", 0)),
        (_("户"), counts.get("households", 0)),
        (_("居民"), counts.get("persons", 0)),
        (_("党员"), counts.get("party_members", 0)),
        (_("服务阵地"), counts.get("service_points", 0)),
        (_("服务阵地（必备设施齐全）"), counts.get("service_points_complete", 0)),
        (_("诉求（全部）"), counts.get("cases", 0)),
    ]
    lines += [
        (_("诉求：{state}").format(state=CaseState(state).label), counts.get(f"cases.{state}", 0))
        for state in CaseState.values
        if counts.get(f"cases.{state}", 0)
    ]
    lines.append((_("议题（全部）"), counts.get("motions", 0)))
    lines += [
        (_("议题：{area}").format(area=Area(area).label), counts.get(f"motions.area.{area}", 0))
        for area in Area.values
    ]
    lines += [
        (
            _("议题：{state}").format(state=MotionState(state).label),
            counts.get(f"motions.{state}", 0),
        )
        for state in MotionState.values
        if counts.get(f"motions.{state}", 0)
    ]
    lines += [
        (_("议题：实施逾期"), counts.get("motions.overdue", 0)),
        (_("下发议题"), counts.get("topics", 0)),
        (_("议题记录"), counts.get("motion_events", 0)),
        (_("评议意见"), counts.get("opinions", 0)),
        (_("附议"), counts.get("cosigns", 0)),
        (_("会议"), counts.get("meetings", 0)),
        (_("审议和表决"), counts.get("ballots", 0)),
        (_("记名表决票"), counts.get("votes", 0)),
        (_("决议和结果公开"), counts.get("publications", 0)),
        (_("异议"), counts.get("objections", 0)),
        (_("实施进展"), counts.get("progress_reports", 0)),
    ]
    return lines


def display_width(text: str) -> int:
    """Columns a string takes in a terminal: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A plain-text table with columns aligned for CJK text."""
    widths = [max(display_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(pad(cell, widths[i]) for i, cell in enumerate(header)).rstrip()]
    lines.append("  ".join("-" * width for width in widths))
    lines += [
        "  ".join(pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows
    ]
    return lines
