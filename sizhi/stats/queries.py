"""Case numbers (issue #3 item 9): counts and the KPI formulas, per unit, township, category and
month, over the cases the user may see.

Each count is one SQL aggregate, defined once below, and each KPI is one function of the
counts with its definition in the docstring. A table is three grouped queries (cases, their
clocks, their latest follow-ups) and one query for the row labels, whatever the number of
cases; totals are sums of the grouped counts. Cases are counted in the month they were
received (a cohort): a case received in March counts for March however long it took.

Definitions: ``shared/research/domain-china.md`` §2.8 (the "three rates" of 北京's
接诉即办 law, BJJS art. 32, with our operational formulas), and for on-time, rework and
extension rates the 数字城管 forms cited there.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Substr, TruncMonth
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sizhi.cases.models import Case, CaseClock, Category, ClockState, FollowUp
from sizhi.cases.workflow import CaseState
from sizhi.core.regioncode import within_q
from sizhi.orgs.models import Region, RoleGrant, Unit
from sizhi.orgs.roles import Role

# Who sees case numbers, and where: the scope of their grants with these roles.
STATS_ROLES = frozenset({Role.CADRE, Role.SUPERVISOR, Role.COUNTY_ADMIN})

# 办结: handled to the end. Petitions go on to 复查/复核 after closing and stay closed for
# these numbers; declined and merged cases were never handled and are not counted as closed.
CLOSED_STATES = frozenset(
    {
        CaseState.CLOSED,
        CaseState.REVIEW_REQUESTED,
        CaseState.REVIEWED,
        CaseState.RECHECK_REQUESTED,
        CaseState.TERMINATED,
    }
)

BY_CHOICES: tuple[tuple[str, Promise], ...] = (
    ("township", _("按乡镇")),
    ("unit", _("按承办单位")),
    ("category", _("按分类")),
    ("month", _("按月份")),
)
BY_KEYS = frozenset(key for key, _label in BY_CHOICES)


def stats_scope(user: Any) -> list[str]:
    """Region code prefixes where ``user`` may see case numbers: the places of their cadre,
    supervisor and county admin grants ([""] for a superuser, [] for everyone else)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return [""]
    cached: list[str] | None = getattr(user, "_sizhi_stats_scope", None)
    if cached is None:
        cached = sorted(
            set(
                RoleGrant.objects.active()
                .filter(user_id=user.pk, role__in=STATS_ROLES, region__isnull=False)
                .values_list("region_code", flat=True)
            )
        )
        setattr(user, "_sizhi_stats_scope", cached)  # noqa: B010 - a per-object cache
    return cached


@dataclass(frozen=True)
class Filters:
    date_from: dt.date
    date_to: dt.date  # inclusive
    region_code: str = ""
    category_id: int | None = None


def cases_for(user: Any, filters: Filters) -> QuerySet[Case]:
    """The cases counted for ``user``: those they may see (``visible_to``) within their
    statistics scope, received in the period, in the region and category chosen."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(filters.date_from, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(filters.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    cases = (
        Case.objects.visible_to(user)
        .filter(within_q(stats_scope(user)))
        .filter(received_at__gte=start, received_at__lt=end)
    )
    if filters.region_code:
        cases = cases.filter(within_q([filters.region_code]))
    if filters.category_id:
        cases = cases.filter(
            Q(category_id=filters.category_id) | Q(category__parent_id=filters.category_id)
        )
    return cases.order_by()


# ---------------------------------------------------------------------------------------------
# Counts: one SQL aggregate each.

_closed = Q(state__in=CLOSED_STATES)
_handling_time = ExpressionWrapper(F("closed_at") - F("received_at"), output_field=DurationField())

CASE_COUNTS: dict[str, Any] = {
    "received": Count("id"),
    "closed": Count("id", filter=_closed),
    "reopened": Count("id", filter=_closed & Q(reopen_count__gt=0)),
    "extended": Count("id", filter=Q(extension_count__gt=0)),
    "terminal": Count(
        "id",
        filter=_closed & Q(transfer_count=0, handling_unit_id=F("receiving_unit_id")),
    ),
    "handling_time": Sum(_handling_time, filter=_closed & Q(closed_at__isnull=False)),
}


def _clock_counts(now: dt.datetime) -> dict[str, Any]:
    """A clock is due when it stopped (met or late) or is still running past its deadline; a
    paused clock is not yet due, a cancelled one (transfer, merge) never."""
    due = Q(state__in=[ClockState.MET, ClockState.LATE]) | Q(
        state=ClockState.RUNNING, due_at__lt=now
    )
    met = Q(state=ClockState.MET)
    return {
        "respond_met": Count("id", filter=Q(kind="respond") & met),
        "respond_due": Count("id", filter=Q(kind="respond") & due),
        "handle_met": Count("id", filter=Q(kind="handle") & met),
        "handle_due": Count("id", filter=Q(kind="handle") & due),
    }


FOLLOW_UP_COUNTS: dict[str, Any] = {
    "answered": Count("id", filter=Q(solved__isnull=False)),
    "solved": Count("id", filter=Q(solved=True)),
    "rated": Count("id", filter=Q(satisfaction__isnull=False)),
    "rated_good": Count("id", filter=Q(satisfaction__gte=4)),
    "rated_fair": Count("id", filter=Q(satisfaction=3)),
}


@dataclass(frozen=True)
class Counts:
    received: int = 0
    closed: int = 0
    reopened: int = 0
    extended: int = 0
    terminal: int = 0
    handling_time: dt.timedelta = dt.timedelta(0)
    respond_met: int = 0
    respond_due: int = 0
    handle_met: int = 0
    handle_due: int = 0
    answered: int = 0
    solved: int = 0
    rated: int = 0
    rated_good: int = 0
    rated_fair: int = 0

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )


# ---------------------------------------------------------------------------------------------
# The KPIs: one function each, of the counts.


@dataclass(frozen=True)
class Ratio:
    numerator: float
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


def satisfaction_alpha() -> float:
    """The weight of 基本满意 (level 3) in 满意率: 1 by default (the top three levels count),
    set with SIZHI_SATISFACTION_ALPHA between 0 and 1."""
    alpha = float(getattr(settings, "SIZHI_SATISFACTION_ALPHA", 1.0))
    return min(max(alpha, 0.0), 1.0)


def response_rate(c: Counts) -> Ratio:
    """响应率: cases whose first contact with the resident came within the response limit ÷
    cases due for response. Counted on the ``respond`` clock (started at dispatch, stopped by
    the first contact or the reply): met ÷ (met + late + running past due). domain-china.md
    §2.8, after BJJS art. 15(1) ("及时联系诉求人") and art. 32."""
    return Ratio(c.respond_met, c.respond_due)


def resolution_rate(c: Counts) -> Ratio:
    """解决率: follow-ups where the resident says the problem is solved ÷ follow-ups with a
    valid answer (solved or unsolved). Only the latest follow-up of a case in which the
    resident was reached counts (after re-handling, the second evaluation counts); calls that
    did not reach the resident are left out. domain-china.md §2.7 and §2.8."""
    return Ratio(c.solved, c.answered)


def satisfaction_rate(c: Counts, alpha: float | None = None) -> Ratio:
    """满意率: (非常满意 + 满意 + α·基本满意) ÷ valid ratings, on the same latest follow-up as
    解决率. Levels 5, 4 and 3 of five; α = 1 by default (see ``satisfaction_alpha``).
    domain-china.md §2.8."""
    weight = satisfaction_alpha() if alpha is None else alpha
    return Ratio(c.rated_good + weight * c.rated_fair, c.rated)


def on_time_rate(c: Counts) -> Ratio:
    """按时办结率: handling periods completed within the deadline ÷ handling periods due. On the
    ``handle`` clock (from dispatch, or from a reopening, to the reply): met ÷ (met + late +
    running past due); a re-handling is a period of its own. domain-china.md §2.8 (数字城管:
    按期结案数 ÷ 应结案数)."""
    return Ratio(c.handle_met, c.handle_due)


def reopen_rate(c: Counts) -> Ratio:
    """重办率: closed cases that were reopened at least once ÷ closed cases. domain-china.md
    §2.8 (返工率: re-opened or returned ÷ completed)."""
    return Ratio(c.reopened, c.closed)


def extension_rate(c: Counts) -> Ratio:
    """延期率: cases with an approved extension ÷ cases received. domain-china.md §2.8
    (orders extended ÷ orders)."""
    return Ratio(c.extended, c.received)


def terminal_station_rate(c: Counts) -> Ratio:
    """终点站率: closed cases that the receiving unit handled itself, never transferred
    (transfer_count 0 and handling unit = receiving unit) ÷ closed cases. Issue #3 items 3
    and 9: "terminal station, not relay station" (终点站，不是中转站)."""
    return Ratio(c.terminal, c.closed)


def average_handling_days(c: Counts) -> Ratio:
    """平均办理时长: the mean time from registration (received_at) to closing (closed_at) of
    closed cases, in calendar days (working days and pauses are not taken out)."""
    return Ratio(c.handling_time.total_seconds() / 86400, c.closed)


@dataclass(frozen=True)
class Kpi:
    key: str
    label: Promise
    formula: Callable[[Counts], Ratio]
    definition: Promise
    is_rate: bool = True


KPIS: tuple[Kpi, ...] = (
    Kpi("response", _("响应率"), response_rate, _("时限内首次联系群众的工单 ÷ 应响应的工单")),
    Kpi(
        "resolution",
        _("解决率"),
        resolution_rate,
        _("回访表示已解决的工单 ÷ 对是否解决有效作答的工单（以最后一次联系上的回访为准）"),
    ),
    Kpi(
        "satisfaction",
        _("满意率"),
        satisfaction_rate,
        _("（非常满意 + 满意 + α×基本满意）÷ 有效评价，α 默认为 1"),
    ),
    Kpi(
        "on_time",
        _("按时办结率"),
        on_time_rate,
        _("在办理时限内答复的办理次数 ÷ 已到期的办理次数（重办另计一次）"),
    ),
    Kpi("reopen", _("重办率"), reopen_rate, _("曾退回重办的已办结工单 ÷ 已办结工单")),
    Kpi("extension", _("延期率"), extension_rate, _("获批延期的工单 ÷ 受理的工单")),
    Kpi(
        "terminal",
        _("终点站率"),
        terminal_station_rate,
        _("由受理单位自己办结、从未转派的工单 ÷ 已办结工单"),
    ),
    Kpi(
        "handling_days",
        _("平均办理时长（天）"),
        average_handling_days,
        _("已办结工单从登记到办结的平均自然日数"),
        is_rate=False,
    ),
)


@dataclass(frozen=True)
class Cell:
    kpi: Kpi
    ratio: Ratio


@dataclass(frozen=True)
class Row:
    key: Any
    label: str
    counts: Counts

    @property
    def cells(self) -> list[Cell]:
        return [Cell(kpi, kpi.formula(self.counts)) for kpi in KPIS]

    def ratio(self, key: str) -> Ratio:
        return next(kpi.formula(self.counts) for kpi in KPIS if kpi.key == key)


@dataclass(frozen=True)
class Table:
    by: str
    rows: list[Row]
    total: Row


# ---------------------------------------------------------------------------------------------
# Grouped queries.


def _dimension(by: str, path: str = "") -> Any:
    """The group key of a case for ``by``; ``path`` reaches the case from another table."""
    if by == "township":
        return Substr(f"{path}region_code", 1, 9)
    if by == "unit":
        return F(f"{path}handling_unit_id")
    if by == "category":
        return F(f"{path}category_id")
    if by == "month":
        return TruncMonth(f"{path}received_at", output_field=DateField())
    raise ValueError(by)


def _grouped(queryset: QuerySet[Any], by: str, path: str, aggregates: dict[str, Any]) -> Any:
    return (
        queryset.annotate(_key=_dimension(by, path))
        .values("_key")
        .annotate(**aggregates)
        .order_by()
        .values_list("_key", *aggregates)
    )


def _latest_reached_follow_ups(case_ids: QuerySet[Any]) -> QuerySet[FollowUp]:
    """Per case, the last follow-up in which the resident was reached."""
    later = FollowUp.objects.filter(case_id=OuterRef("case_id"), contacted=True).filter(
        Q(at__gt=OuterRef("at")) | Q(at=OuterRef("at"), id__gt=OuterRef("id"))
    )
    return FollowUp.objects.filter(case__in=case_ids, contacted=True).exclude(Exists(later))


def counts_by(cases: QuerySet[Case], by: str, now: dt.datetime) -> dict[Any, Counts]:
    """The counts of ``cases`` per group key of ``by``, in three grouped queries."""
    if by not in BY_KEYS:
        raise ValueError(by)
    case_ids = cases.order_by().values("id")
    merged: dict[Any, dict[str, Any]] = {}

    def take(rows: Iterable[tuple[Any, ...]], names: Iterable[str]) -> None:
        names = list(names)
        for key, *values in rows:
            merged.setdefault(key, {}).update(zip(names, values, strict=True))

    take(_grouped(cases, by, "", CASE_COUNTS), CASE_COUNTS)
    clock_counts = _clock_counts(now)
    clocks = CaseClock.objects.filter(case__in=case_ids, kind__in=["respond", "handle"])
    take(_grouped(clocks, by, "case__", clock_counts), clock_counts)
    follow_ups = _latest_reached_follow_ups(case_ids)
    take(_grouped(follow_ups, by, "case__", FOLLOW_UP_COUNTS), FOLLOW_UP_COUNTS)
    return {
        key: Counts(**{name: value for name, value in values.items() if value is not None})
        for key, values in merged.items()
    }


def _labels(by: str, keys: Iterable[Any]) -> dict[Any, str]:
    keys = [key for key in keys if key is not None]
    if by == "township":
        return dict(Region.objects.filter(code__in=keys).values_list("code", "name"))
    if by == "unit":
        return dict(Unit.objects.filter(pk__in=keys).values_list("pk", "name"))
    if by == "category":
        return {
            category.pk: f"{category.parent.name} · {category.name}"
            if category.parent
            else category.name
            for category in Category.objects.filter(pk__in=keys).select_related("parent")
        }
    return {key: formats.date_format(key, "YEAR_MONTH_FORMAT") for key in keys}


_NO_KEY = {"unit": _("未派单"), "township": _("县级"), "category": "", "month": ""}


def kpi_table(cases: QuerySet[Case], by: str, now: dt.datetime) -> Table:
    """The KPI table of ``cases`` grouped ``by`` township, unit, category or month, with a
    total row: four queries in all."""
    counts = counts_by(cases, by, now)
    labels = _labels(by, counts)
    rows = [
        Row(key, labels.get(key) or str(_NO_KEY[by]) or str(key), value)
        for key, value in counts.items()
    ]
    if by in {"unit", "category"}:
        rows.sort(key=lambda row: (row.key is None, -row.counts.received, row.label))
    else:  # townships by code, months in order
        rows.sort(key=lambda row: row.key)
    total = Row(None, str(_("合计")), sum((row.counts for row in rows), Counts()))
    return Table(by, rows, total)


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    first = start.replace(day=1)
    months = []
    while first <= end:
        months.append(first)
        first = (first + dt.timedelta(days=32)).replace(day=1)
    return months


def received_by_month(cases: QuerySet[Case], filters: Filters) -> list[tuple[dt.date, int]]:
    """Cases received per month of the period, months without any included (one query)."""
    rows = dict(_grouped(cases, "month", "", {"n": Count("id")}))
    return [
        (month, rows.get(month, 0)) for month in months_between(filters.date_from, filters.date_to)
    ]


def townships_for(user: Any) -> list[Region]:
    """The townships a user may pick: those within their scope, and the township of a scope
    below township level (the numbers stay within the scope)."""
    scope = stats_scope(user)
    containing = {prefix[:9] for prefix in scope if len(prefix) >= 9}
    return list(
        Region.objects.filter(level="township")
        .filter(within_q(scope, field="code") | Q(code__in=containing))
        .order_by("code")
    )


def category_choices() -> list[Category]:
    return list(Category.objects.filter(is_active=True).select_related("parent").order_by("code"))
