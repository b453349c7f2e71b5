"""The case numbers page and its exports, for cadres, supervisors and county admins within
their scope. Others get 404 (missing and forbidden look the same); anonymous users are sent to
log in first."""

import datetime as dt
import tempfile
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sizhi.stats import charts, exports
from sizhi.stats.forms import StatsFilterForm
from sizhi.stats.queries import (
    BY_CHOICES,
    KPIS,
    Table,
    cases_for,
    kpi_table,
    received_by_month,
    stats_scope,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SPOOL_BYTES = 1024 * 1024  # an export larger than this is spooled to disk, not kept in memory
CHART_RATES = ("response", "resolution", "satisfaction", "on_time")
CHART_COLOURS = (charts.BLUE, charts.RED, charts.GREEN, charts.PURPLE)
MAX_CHART_GROUPS = 40


def _require_stats(request: HttpRequest) -> None:
    if not stats_scope(request.user):
        raise Http404


def _monthly_chart(monthly: list[tuple[dt.date, int]]) -> Any:
    bars = [
        charts.Bar(
            formats.date_format(month, "YEAR_MONTH_FORMAT"),
            _("%(month)d月") % {"month": month.month},
            count,
        )
        for month, count in monthly
    ]
    return charts.column_chart(
        chart_id="chart-monthly",
        title=_("每月受理量"),
        description=charts.describe([(bar.label, str(int(bar.value))) for bar in bars]),
        bars=bars,
    )


def _township_chart(table: Table) -> Any:
    kpis = [next(kpi for kpi in KPIS if kpi.key == key) for key in CHART_RATES]
    series = [
        charts.Series(str(kpi.label), colour)
        for kpi, colour in zip(kpis, CHART_COLOURS, strict=True)
    ]
    rows = table.rows[:MAX_CHART_GROUPS]
    groups = [charts.Group(row.label, [row.ratio(kpi.key).value for kpi in kpis]) for row in rows]
    description = charts.describe(
        [
            (
                row.label,
                "，".join(
                    f"{kpi.label} {charts.percent(row.ratio(kpi.key).value)}" for kpi in kpis
                ),
            )
            for row in rows
        ]
    )
    return charts.grouped_bar_chart(
        chart_id="chart-townships",
        title=_("各乡镇主要指标"),
        description=description,
        series=series,
        groups=groups,
    )


@login_required
@require_GET
def case_numbers(request: HttpRequest) -> HttpResponse:
    _require_stats(request)
    form = StatsFilterForm(request.GET, user=request.user)
    context: dict[str, Any] = {"form": form, "by_choices": BY_CHOICES, "kpis": KPIS}
    if not form.is_valid():
        return render(request, "stats/cases.html", context, status=400)
    filters = form.filters()
    by = form.cleaned_data["by"]
    now = timezone.now()
    cases = cases_for(request.user, filters)
    table = kpi_table(cases, by, now)
    townships = table if by == "township" else kpi_table(cases, "township", now)
    monthly = received_by_month(cases, filters)
    context.update(
        filters=filters,
        by=by,
        table=table,
        monthly=monthly,
        townships=townships,
        monthly_chart=_monthly_chart(monthly),
        township_chart=_township_chart(townships),
        query=request.GET.urlencode(),
    )
    return render(request, "stats/cases.html", context)


@login_required
@require_GET
def case_numbers_export(
    request: HttpRequest, what: str, fmt: str
) -> HttpResponse | StreamingHttpResponse:
    """The case list (``what`` "cases") or the KPI table ("kpi") under the page's filters."""
    _require_stats(request)
    form = StatsFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        return render(
            request,
            "stats/cases.html",
            {"form": form, "by_choices": BY_CHOICES, "kpis": KPIS},
            status=400,
        )
    filters = form.filters()
    cases = cases_for(request.user, filters)
    span = f"{filters.date_from:%Y%m%d}-{filters.date_to:%Y%m%d}"
    if what == "cases":
        header, rows = exports.case_header(), exports.case_rows(cases)
        filename, title = f"cases-{span}.{fmt}", _("诉求清单")
    else:
        by = form.cleaned_data["by"]
        table = kpi_table(cases, by, timezone.now())
        header, rows = exports.kpi_header(table), exports.kpi_rows(table)
        filename, title = f"case-kpis-{by}-{span}.{fmt}", _("诉求统计")
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.iter_csv(header, rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    # A workbook is a zip archive, written whole before it can be sent: spool it.
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - FileResponse closes it
    exports.write_xlsx(header, rows, spool, title)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX)
