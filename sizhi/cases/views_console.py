"""The hotline operator's console: one screen, keyboard first. Type the caller's number and
their earlier cases appear; fill in the case and similar recent cases appear as possible
repeats; the unit the routing suggests is preselected; saving registers the case and
dispatches it in the same step, then shows the number and tracking code to read to the caller.

The look-ups (earlier cases, duplicates, places, suggested unit) are GET endpoints that answer
htmx with a partial and a plain browser with the whole console, filled in as sent; without
JavaScript the "检查重复" button asks for the same look-ups by POST, so nothing typed is lost."""

import time
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from sizhi.cases import actions, queries, queries_desk
from sizhi.cases.forms import CONSOLE_FIELDS, ConsoleForm, add_action_errors
from sizhi.cases.models import Case, Category
from sizhi.cases.views_common import page_or_partial, refused, require_console
from sizhi.core.errors import Invalid, InvalidState, NotAllowed, Throttled
from sizhi.core.pii import normalise_mobile

TEMPLATE = "cases/console/console.html"
RECEIPTS = "cases.console.receipts"
RECEIPT_SECONDS = 30 * 60
MAX_RECEIPTS = 20


class Lookups:
    """What the console shows besides the form, each looked up only when rendered (a partial
    needs one of them)."""

    def __init__(self, request: HttpRequest, prefixes: list[str], values: Any) -> None:
        self.user = request.user
        self.prefixes = prefixes
        self.phone = normalise_mobile(str(values.get("phone", "")))[:20]
        self.region_text = str(values.get("region", "")).strip()[:80]
        self.text = " ".join(
            str(values.get(name, "")).strip()[:2000] for name in ("title", "description")
        ).strip()
        self.category_id = str(values.get("category", "")).strip()
        self.repeat_of = str(values.get("repeat_of", "")).strip()
        self.unit = str(values.get("unit", "")).strip()
        self._region: list[Any] | None = None
        self._suggested: tuple[int | None] | None = None

    def region(self) -> Any:
        """The place typed, when it names exactly one."""
        if self._region is None:
            self._region = queries_desk.resolve_region(self.region_text, self.prefixes)
        return self._region[0] if len(self._region) == 1 else None

    def history(self) -> list[tuple[Case, queries.Contact]]:
        return [
            (case, queries.contact_for(self.user, case))
            for case in queries_desk.caller_history(self.user, self.phone)
        ]

    def duplicates(self) -> list[queries_desk.Duplicate]:
        region = self.region()
        if not self.phone and not (self.text and region is not None):
            return []
        return queries_desk.duplicates_for(
            self.user,
            phone=self.phone,
            text=self.text,
            region_code=region.code if region is not None else "",
            now=timezone.now(),
        )

    def region_hits(self) -> list[Any]:
        if self.region_text:
            return queries_desk.find_regions(self.region_text, self.prefixes)
        return queries_desk.region_options(self.prefixes)

    def units(self) -> list[Any]:
        units = queries_desk.desk_units(self.user, "cases.dispatch")
        suggested = self.suggested()
        if suggested is not None and all(unit.pk != suggested for unit in units):
            units += queries_desk.units_by_id([suggested])
        return units

    def suggested(self) -> int | None:
        """The unit the routing suggests for the category and place typed so far."""
        if self._suggested is None:
            self._suggested = (self._suggest(),)
        return self._suggested[0]

    def _suggest(self) -> int | None:
        region = self.region()
        if region is None or not self.category_id.isdigit():
            return None
        category = Category.objects.filter(pk=int(self.category_id), is_active=True).first()
        if category is None:
            return None
        draft = Case(category=category, region_code=region.code, county_code=region.code[:6])
        return actions.suggest_unit(draft).unit_id

    def selected_unit(self) -> str:
        suggested = self.suggested()
        if suggested is not None:
            return str(suggested)
        return self.unit or "auto"


def _context(
    request: HttpRequest, form: ConsoleForm, lookups: Lookups, **extra: Any
) -> dict[str, Any]:
    return {"form": form, "look": lookups, **extra}


def _categories() -> list[Category]:
    return queries.categories()


@login_required
@require_http_methods(["GET", "POST"])
def console(request: HttpRequest) -> HttpResponse:
    prefixes = require_console(request)
    if request.method == "POST":
        if request.POST.get("intent") == "check":
            return _lookup_page(request, prefixes, request.POST)
        return _save(request, prefixes)
    form = ConsoleForm(categories=_categories())
    receipt = _receipt(request, request.GET.get("done", ""))
    lookups = Lookups(request, prefixes, {})
    return render(request, TEMPLATE, _context(request, form, lookups, receipt=receipt))


def _lookup_page(request: HttpRequest, prefixes: list[str], values: Any) -> HttpResponse:
    form = ConsoleForm(categories=_categories(), prefill=values)
    lookups = Lookups(request, prefixes, values)
    return render(request, TEMPLATE, _context(request, form, lookups, checked=True))


def _lookup(request: HttpRequest, partial: str) -> HttpResponse:
    prefixes = require_console(request)
    if not getattr(request, "htmx", False):
        return _lookup_page(request, prefixes, request.GET)
    lookups = Lookups(request, prefixes, request.GET)
    form = ConsoleForm(categories=(), prefill=request.GET)
    return page_or_partial(request, TEMPLATE, partial, _context(request, form, lookups))


@login_required
@require_GET
def caller(request: HttpRequest) -> HttpResponse:
    """The caller's earlier cases."""
    return _lookup(request, "caller")


@login_required
@require_GET
def duplicates(request: HttpRequest) -> HttpResponse:
    """Recent cases from the same phone, or with a similar text in the same village."""
    return _lookup(request, "duplicates")


@login_required
@require_GET
def regions(request: HttpRequest) -> HttpResponse:
    """Places matching the text typed (code, name, pinyin or initials), as datalist options."""
    return _lookup(request, "region-options")


@login_required
@require_GET
def route(request: HttpRequest) -> HttpResponse:
    """The unit select with the unit the routing suggests preselected."""
    return _lookup(request, "unit-field")


def _save(request: HttpRequest, prefixes: list[str]) -> HttpResponse:
    form = ConsoleForm(request.POST, categories=_categories())
    lookups = Lookups(request, prefixes, request.POST)
    status = 400
    if form.is_valid():
        found = queries_desk.resolve_region(form.cleaned_data["region"], prefixes)
        if len(found) != 1:
            form.add_error(
                "region",
                _("有多个同名地点，请从列表中选择或输入区划代码。")
                if found
                else _("没有找到这个地点，请输入区划代码、名称或拼音首字母后从列表中选择。"),
            )
        else:
            try:
                receipt = _register(request, form, found[0].code)
            except Invalid as error:
                add_action_errors(form, error.fields, CONSOLE_FIELDS)
                if not error.fields:
                    form.add_error(None, str(error.message))
            except InvalidState as error:
                form.add_error("repeat_of", str(error.message))
                status = 409
            except Throttled as error:
                form.add_error(None, str(error.message))
                status = 429
            except NotAllowed as error:
                return refused(request, error, 403)
            else:
                _remember(request, receipt)
                return redirect(f"{reverse('cases:console')}?{urlencode({'done': receipt['id']})}")
    return render(request, TEMPLATE, _context(request, form, lookups), status=status)


def _register(request: HttpRequest, form: ConsoleForm, region_code: str) -> dict[str, Any]:
    """Register the call and dispatch it, all or nothing: a unit that cannot take the case
    leaves no case behind, and the operator picks another."""
    data = form.cleaned_data
    values = {
        "channel": "hotline",
        "kind": data["kind"],
        "petition_class": data["petition_class"],
        "category_id": data["category"],
        "urgency": data["urgency"],
        "title": data["title"],
        "description": data["description"],
        "region_code": region_code,
        "address": data["address"],
        "contact_name": data["contact_name"],
        "contact_phone": data["phone"],
        "is_anonymous": data["is_anonymous"],
        "repeat_of_id": data["repeat_of"],
        "idempotency_key": data["idempotency_key"],
        "actor": request.user,
    }
    with transaction.atomic():
        try:
            submitted = actions.submit_case(**values)
        except IntegrityError:
            # A twin submit with the same key committed first: its case is the answer.
            submitted = actions.submit_case(**values)
        case = submitted.case
        unit_name = ""
        if submitted.created and data["unit"] != -1:
            case = actions.dispatch_case(case_id=case.pk, unit_id=data["unit"], actor=request.user)
            unit_name = case.handling_unit.name if case.handling_unit else ""
    return {
        "id": case.pk,
        "number": case.number,
        "code": submitted.tracking_code,
        "created": submitted.created,
        "repeat": submitted.repeat,
        "repeats": case.repeat_count,
        "unit": unit_name,
    }


def _fresh(request: HttpRequest) -> dict[str, Any]:
    now = time.time()
    kept = {
        key: value
        for key, value in request.session.get(RECEIPTS, {}).items()
        if now - value.get("at", 0) < RECEIPT_SECONDS
    }
    newest = sorted(kept.items(), key=lambda item: item[1].get("at", 0))[-MAX_RECEIPTS:]
    return dict(newest)


def _remember(request: HttpRequest, receipt: dict[str, Any]) -> None:
    """Keep the receipt (the tracking code exists in clear only here) for half an hour, so the
    page after the redirect can show it and a reload does not lose it."""
    receipts = _fresh(request)
    key = str(receipt["id"])
    # A double submit comes back without a code: the first submit's receipt stays as it was.
    if key in receipts and not receipt["created"] and not receipt["repeat"]:
        receipt = receipts[key]
    receipts[key] = {**receipt, "at": time.time()}
    request.session[RECEIPTS] = receipts


def _receipt(request: HttpRequest, key: str) -> dict[str, Any] | None:
    if not key.isdigit():
        return None
    return _fresh(request).get(key)
