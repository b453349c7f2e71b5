"""The county's pages of deliberation: the overview of motions by area, month, state and
township with its chart and CSV export; a filtered motion list; and topics sent down to many
councils (list, new, send, progress). Missing and forbidden are both 404; anonymous users are
sent to log in first."""

import csv
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from sizhi.core.errors import ActionError, Invalid, InvalidState, NotAllowed, NotFound
from sizhi.deliberation import actions, queries
from sizhi.deliberation.forms import add_action_errors
from sizhi.deliberation.forms_county import (
    TARGET_ALL,
    CountyFilterForm,
    MotionFilterForm,
    TopicForm,
    target_regions,
    townships_in,
    unsent_councils,
)
from sizhi.deliberation.models import Area, Topic
from sizhi.deliberation.workflow import MotionState
from sizhi.orgs.models import can, scope_prefixes

# Five colours of the site's palette, each at least 3:1 against white, one per area.
AREA_COLOURS = ("#1a4f8b", "#a8201a", "#1c6530", "#5b3a8c", "#7a4a00")
EXPORT_TABLES = ("township", "month", "state")
# Spreadsheet programs run a cell that starts like a formula; such text gets a leading quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def nav(user: Any) -> dict[str, bool]:
    """Which of the county pages the user may open (from the grants already loaded)."""
    return {
        "may_view": bool(scope_prefixes(user, "deliberation.view")),
        "may_topics": bool(
            scope_prefixes(user, "deliberation.view") or scope_prefixes(user, "deliberation.topic")
        ),
        "may_link": bool(scope_prefixes(user, "deliberation.link_cases")),
    }


def refused(request: HttpRequest, error: ActionError, status: int) -> HttpResponse:
    title = _("当前状态不允许此操作") if status == 409 else _("没有权限")
    return render(
        request,
        "deliberation/county/refused.html",
        {"title": title, "message": error.message, "status": status, **nav(request.user)},
        status=status,
    )


def _require_view(request: HttpRequest) -> list[str]:
    prefixes = scope_prefixes(request.user, "deliberation.view")
    if not prefixes:
        raise Http404
    return prefixes


# -- The overview --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of an overview table: what it counts, per area in the order of ``Area``."""

    key: str  # the month's number, the state or the township's code
    label: str
    counts: list[int]
    total: int

    @property
    def cells(self) -> list[tuple[str, int]]:
        return list(zip([str(label) for label in Area.labels], self.counts, strict=True))


def _row(key: str, label: object, counts: list[int]) -> Row:
    return Row(key, str(label), counts, sum(counts))


def _tables(overview: queries.Overview) -> dict[str, Any]:
    """The overview's counts as rows of the five areas and a total, for the page and the CSV."""
    areas = Area.values
    months = [
        _row(
            str(m + 1),
            _("%(month)d月") % {"month": m + 1},
            [overview.by_area_month[a][m] for a in areas],
        )
        for m in range(12)
    ]
    states = [
        _row(
            state.value, state.label, [overview.by_area_state[a].get(state.value, 0) for a in areas]
        )
        for state in MotionState
    ]
    townships = [
        _row(region.code, region.name, [counts.get(a, 0) for a in areas])
        for region, counts, _total in overview.by_township
    ]
    return {
        "months": months,
        "states": [row for row in states if row.total],
        "townships": townships,
        "total": _row("", _("合计"), [overview.totals[a] for a in areas]),
    }


def _scale(value: int) -> tuple[int, int]:
    """(top, step) of a count axis: a step of 1, 2 or 5 × 10ⁿ, at most five steps."""
    if value <= 0:
        return 1, 1
    power = 10 ** max(math.floor(math.log10(value / 5)), 0)
    step = next(f * power for f in (1, 2, 5, 10) if math.ceil(value / (f * power)) <= 5)
    return step * math.ceil(value / step), step


def _text(x: float, y: float, label: object, anchor: str = "middle", size: int = 13) -> str:
    return format_html(
        '<text x="{}" y="{}" text-anchor="{}" font-size="{}" fill="#1f2329">{}</text>',
        round(x, 1),
        round(y, 1),
        anchor,
        size,
        label,
    )


def area_month_chart(months: Sequence[Row]) -> SafeString:
    """Stacked columns: motions per month, one colour per area, as inline SVG named by its
    title and described in words (the page shows the same numbers as a table)."""
    width, height, left, right, top, bottom = 640, 300, 44, 12, 48, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    ceiling, step = _scale(max((row.total for row in months), default=0))
    labels = [str(label) for label in Area.labels]
    describe = "；".join(
        f"{row.label} " + "，".join(f"{label}{n}" for label, n in row.cells if n)
        for row in months
        if row.total
    )
    parts: list[str] = [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {} {}" '
            'width="100%" aria-labelledby="chart-areas-title chart-areas-desc" '
            'style="min-width:560px;max-width:{}px;height:auto;display:block">'
            '<title id="chart-areas-title">{}</title><desc id="chart-areas-desc">{}</desc>',
            width,
            height,
            width,
            _("各月议题数（按领域）"),
            describe or _("本年度没有议题。"),
        )
    ]
    for index, (label, colour) in enumerate(zip(labels, AREA_COLOURS, strict=True)):
        key_x = left + index * 112
        parts.append(
            format_html('<rect x="{}" y="8" width="14" height="14" fill="{}"/>', key_x, colour)
        )
        parts.append(_text(key_x + 20, 20, label, "start", 14))
    for value in range(0, ceiling + 1, step):
        y = top + plot_h - plot_h * value / ceiling
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#d5dae1"/>',
                left,
                width - right,
                round(y, 1),
                round(y, 1),
            )
        )
        parts.append(_text(left - 6, y + 4, value, "end"))
    slot = plot_w / 12
    bar_w = slot * 0.64
    for index, row in enumerate(months):
        x = left + slot * index + (slot - bar_w) / 2
        base: float = top + plot_h
        for (label, n), colour in zip(row.cells, AREA_COLOURS, strict=True):
            if not n:
                continue
            h = plot_h * n / ceiling
            base -= h
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>',
                    round(x, 1),
                    round(base, 1),
                    round(bar_w, 1),
                    round(h, 1),
                    colour,
                    _("%(month)s · %(area)s：%(n)d") % {"month": row.label, "area": label, "n": n},
                )
            )
        if row.total:
            parts.append(_text(x + bar_w / 2, base - 4, row.total))
        parts.append(_text(x + bar_w / 2, height - bottom + 18, row.label))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every part above is escaped


def _overview(request: HttpRequest) -> tuple[CountyFilterForm, queries.Overview | None]:
    prefixes = _require_view(request)
    today = timezone.localdate()
    form = CountyFilterForm(request.GET, townships=townships_in(prefixes), this_year=today.year)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, queries.county_overview(request.user, data["year"], data["township"])


@login_required
@require_GET
def county(request: HttpRequest) -> HttpResponse:
    form, overview = _overview(request)
    context: dict[str, Any] = {"form": form, "areas": Area.choices, **nav(request.user)}
    if overview is None:
        return render(request, "deliberation/county/overview.html", context, status=400)
    tables = _tables(overview)
    context.update(
        tables,
        overview=overview,
        chart=area_month_chart(tables["months"]),
        query=request.GET.urlencode(),
    )
    return render(request, "deliberation/county/overview.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _safe(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _csv(header: list[str], rows: Iterator[list[Any]]) -> Iterator[bytes]:
    """UTF-8 with a byte order mark, so that spreadsheet programs read the Chinese."""
    writer = csv.writer(_Echo())
    yield ("\ufeff" + writer.writerow(header)).encode()
    for row in rows:
        yield writer.writerow(row).encode()


def _export_rows(table: str, tables: dict[str, Any]) -> Iterator[list[Any]]:
    rows: list[Row] = tables[{"township": "townships", "month": "months", "state": "states"}[table]]
    total: Row = tables["total"]
    for row in rows:
        first = [row.key, _safe(row.label)] if table == "township" else [row.label]
        yield [*first, *row.counts, row.total]
    yield [*([""] if table == "township" else []), total.label, *total.counts, total.total]


@login_required
@require_GET
def county_export(request: HttpRequest, table: str) -> HttpResponse | StreamingHttpResponse:
    """One of the overview's tables as CSV, streamed: counts only, no names of people."""
    if table not in EXPORT_TABLES:
        raise Http404
    form, overview = _overview(request)
    if overview is None:
        context = {"form": form, "areas": Area.choices, **nav(request.user)}
        return render(request, "deliberation/county/overview.html", context, status=400)
    first = {
        "township": [_("区划代码"), _("乡镇")],
        "month": [_("月份")],
        "state": [_("状态")],
    }[table]
    header = [*first, *[str(label) for label in Area.labels], _("合计")]
    rows = _export_rows(table, _tables(overview))
    response = StreamingHttpResponse(_csv(header, rows), content_type="text/csv; charset=utf-8")
    name = f"motions-{table}-{overview.year}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def county_motions(request: HttpRequest) -> HttpResponse:
    """Motions within the user's scope, filtered by topic, state, area or place, newest first."""
    _require_view(request)
    form = MotionFilterForm(request.GET)
    context: dict[str, Any] = {"form": form, **nav(request.user)}
    if not form.is_valid():
        return render(request, "deliberation/county/motions.html", context, status=400)
    data = form.cleaned_data
    rows, cursor = queries.list_motions_for(
        request.user,
        state=data["state"],
        area=data["area"],
        region=data["region"] or "",
        topic_id=data["topic"],
        after=data["after"],
    )
    more = request.GET.copy()
    more["after"] = str(cursor or "")
    context.update(motions=rows, cursor=cursor, next_query=more.urlencode())
    return render(request, "deliberation/county/motions.html", context)


# -- Topics ---------------------------------------------------------------------------------------


@login_required
@require_GET
def topics(request: HttpRequest) -> HttpResponse:
    flags = nav(request.user)
    if not flags["may_topics"]:
        raise Http404
    rows = queries.topics_for(request.user)
    may_issue = any(len(p) <= 9 for p in scope_prefixes(request.user, "deliberation.topic"))
    return render(
        request,
        "deliberation/county/topics.html",
        {"topics": rows, "may_issue": may_issue, **flags},
    )


def _send(topic: Topic, user: Any, within: str, council_ids: list[str] | None) -> int:
    return actions.send_topic(topic_id=topic.pk, actor=user, within=within, council_ids=council_ids)


@login_required
@require_http_methods(["GET", "POST"])
def topic_new(request: HttpRequest) -> HttpResponse:
    """Write a topic and send it: to every council of an area at once (the topic and its
    motions are stored together or not at all), or to councils picked on the next page."""
    form = TopicForm(request.POST if request.method == "POST" else None, user=request.user)
    if not form.regions:
        raise Http404
    context: dict[str, Any] = {"form": form, **nav(request.user)}
    if request.method != "POST":
        return render(request, "deliberation/county/topic_new.html", context)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                topic = actions.create_topic(
                    region_code=data["region"],
                    title=data["title"],
                    body=data["body"],
                    area=data["area"],
                    due_on=data["due_on"],
                    actor=request.user,
                )
                sent = 0
                if data["target"] == TARGET_ALL:
                    sent = _send(topic, request.user, data["within"], None)
        except NotAllowed as error:
            return refused(request, error, 403)
        except Invalid as error:
            add_action_errors(form, error.fields, {"region_code": "region"})
        except InvalidState as error:
            form.add_error(None, str(error.message))
            status = 409
        else:
            if data["target"] != TARGET_ALL:
                url = reverse("deliberation:topic_send", args=[topic.pk])
                return redirect(f"{url}?{urlencode({'within': data['within']})}")
            messages.success(request, _("议题已下发到%(n)d个议事会。") % {"n": sent})
            return redirect("deliberation:topic", pk=topic.pk)
    return render(request, "deliberation/county/topic_new.html", context, status=status)


def _topic(request: HttpRequest, pk: int) -> Topic:
    try:
        return queries.access_topic(request.user, pk)
    except NotFound as error:
        raise Http404 from error


@login_required
@require_http_methods(["GET", "POST"])
def topic_send(request: HttpRequest, pk: int) -> HttpResponse:
    """Pick the councils of an area that get the topic (those that have it are not listed)."""
    topic = _topic(request, pk)
    if not can(request.user, "deliberation.topic", topic.region_code):
        return refused(request, NotAllowed(), 403)
    source = request.POST if request.method == "POST" else request.GET
    within = str(source.get("within") or "").strip()
    if within and not (within.isdigit() and within.startswith(topic.region_code)):
        within = ""
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        try:
            sent = _send(topic, request.user, within, request.POST.getlist("council"))
        except Invalid as error:
            errors = [str(m) for messages_ in error.fields.values() for m in messages_]
            status = 400
        except InvalidState as error:
            errors, status = [str(error.message)], 409
        else:
            messages.success(request, _("议题已下发到%(n)d个议事会。") % {"n": sent})
            return redirect("deliberation:topic", pk=topic.pk)
    context = {
        "topic": topic,
        "within": within,
        "areas": [r for r in target_regions(request.user) if r.code.startswith(topic.region_code)],
        "councils": unsent_councils(topic, within or topic.region_code),
        "errors": errors,
        **nav(request.user),
    }
    return render(request, "deliberation/county/topic_send.html", context, status=status)


@login_required
@require_GET
def topic(request: HttpRequest, pk: int) -> HttpResponse:
    """How a topic goes: its motions by state, overall and per township, whatever the number
    of councils in a fixed number of queries."""
    try:
        progress = queries.topic_progress(request.user, pk)
    except NotFound as error:
        raise Http404 from error
    states = [
        (state.value, state.label, progress.by_state[state.value])
        for state in MotionState
        if progress.by_state.get(state.value)
    ]
    townships = [
        (region, [(value, label, counts.get(value, 0)) for value, label, _n in states], total)
        for region, counts, total in progress.by_township
    ]
    context = {
        "progress": progress,
        "topic": progress.topic,
        "states": states,
        "townships": townships,
        "may_send": can(request.user, "deliberation.topic", progress.topic.region_code),
        **nav(request.user),
    }
    return render(request, "deliberation/county/topic.html", context)
