"""The registration desk: staff record a visit (来访) or a letter (来信), petitions included,
and hand the visitor the case number and tracking code on a printable receipt.

Anyone without ``cases.intake`` somewhere gets 404, like every protected page.
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from sizhi.cases import actions
from sizhi.cases.forms_public import StaffRegistrationForm
from sizhi.cases.models import Channel, Kind, PetitionClass
from sizhi.cases.public_queries import (
    category_groups,
    chosen_place,
    clock_lines,
    intake_units,
    units_on_path,
)
from sizhi.cases.queries import clocks_of
from sizhi.cases.views_public import choose_place, receipt_for, remember_receipt
from sizhi.core.errors import Invalid, NotAllowed
from sizhi.orgs.models import Region, scope_prefixes


def _intake_scope(request: HttpRequest) -> list[str]:
    prefixes = scope_prefixes(request.user, "cases.intake")
    if not prefixes:
        raise Http404
    return prefixes


def _form(
    request: HttpRequest, path: Sequence[Region], bound: bool = False
) -> StaffRegistrationForm:
    extra: dict[str, Any] = {
        "categories": category_groups(),
        "complained_units": units_on_path(path[-1].code) if path else [],
        "receiving_units": intake_units(request.user),
    }
    if bound:
        return StaffRegistrationForm(request.POST, request.FILES, **extra)
    return StaffRegistrationForm(initial={"region_code": path[-1].code}, **extra)


@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    prefixes = _intake_scope(request)
    top = settings.SIZHI_COUNTY_CODE
    if request.method == "POST":
        return _register(request, top, prefixes)
    choice = choose_place(request, top, prefixes)
    if not choice.path:
        return render(
            request,
            "cases/public/place.html",
            {"choice": choice, "flow": "staff"},
            status=404 if choice.error else 200,
        )
    context = {"form": _form(request, choice.path), "place": choice.path}
    return render(request, "cases/staff/register.html", context)


def _register(request: HttpRequest, top: str, prefixes: list[str]) -> HttpResponse:
    place = chosen_place(request.POST.get("region_code", "").strip(), top, prefixes)
    form = _form(request, place, bound=True)
    if form.is_valid():
        # The action decides whether this user may register a case there (NotAllowed).
        values = form.submit_kwargs()
        try:
            submitted = actions.submit_case(
                actor=request.user, client_ip=request.META.get("REMOTE_ADDR"), **values
            )
        except Invalid as exc:
            form.add_action_errors(exc.fields)
        except NotAllowed:
            form.add_error("region_code", _("您无权登记该地点的诉求。"))
        else:
            case = submitted.case
            key = values["idempotency_key"]
            receiving = next(
                (u.name for u in form.receiving_units if u.pk == case.receiving_unit_id), ""
            )
            remember_receipt(
                request,
                key,
                {
                    "number": case.number,
                    "code": submitted.tracking_code,
                    "repeat": submitted.repeat,
                    "title": case.title,
                    "kind": str(Kind(case.kind).label),
                    "petition_class": (
                        str(PetitionClass(case.petition_class).label) if case.petition_class else ""
                    ),
                    "channel": str(Channel(case.channel).label),
                    "channel_is_letter": case.channel == Channel.LETTER,
                    "received_at": case.received_at.isoformat(),
                    "place": [region.name for region in place[1:]],
                    "receiving_unit": receiving,
                    "clocks": [
                        {"what": line.what, "due_at": line.due_at.isoformat()}
                        for line in clock_lines(clocks_of(case), timezone.now())
                        if line.state == "running"
                    ],
                },
            )
            return redirect(f"{reverse('appeals:register-done')}?{urlencode({'k': key})}")
    context = {"form": form, "place": place, "had_files": bool(request.FILES)}
    return render(request, "cases/staff/register.html", context, status=400)


def _receipt(request: HttpRequest) -> dict[str, Any] | None:
    receipt = receipt_for(request, request.GET.get("k", "")[:64])
    if receipt is None or "channel" not in receipt:
        return None
    receipt["received_at"] = dt.datetime.fromisoformat(str(receipt["received_at"]))
    receipt["clocks"] = [
        {"what": clock["what"], "due_at": dt.datetime.fromisoformat(clock["due_at"])}
        for clock in receipt.get("clocks", [])
    ]
    receipt["key"] = request.GET.get("k", "")[:64]
    return receipt


@login_required
@require_GET
def register_done(request: HttpRequest) -> HttpResponse:
    _intake_scope(request)
    receipt = _receipt(request)
    if receipt is None:
        raise Http404
    return render(request, "cases/staff/register_done.html", {"receipt": receipt})


@login_required
@require_GET
def receipt(request: HttpRequest) -> HttpResponse:
    """The visitor's receipt, laid out for an A5 (or A4) sheet."""
    _intake_scope(request)
    found = _receipt(request)
    if found is None:
        raise Http404
    track_path = request.build_absolute_uri(reverse("appeals:track"))
    return render(request, "cases/staff/receipt.html", {"receipt": found, "track_path": track_path})
