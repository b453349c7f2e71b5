"""A household and its members, masked; revealing a member's personal data is an action with a
stated reason, written to the audit log."""

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from sizhi.core.errors import Invalid, NotAllowed, NotFound
from sizhi.orgs.models import can
from sizhi.orgs.queries import access_region, region_path
from sizhi.residents import actions
from sizhi.residents.queries import access_household, list_members_of_household, masked_address


class RevealForm(forms.Form):
    fields_wanted = forms.MultipleChoiceField(
        label=_("查看哪些信息"),
        choices=[("name", _("姓名")), ("phone", _("手机号")), ("address", _("住址"))],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一项。")},
    )
    reason = forms.CharField(
        label=_("查看理由"),
        max_length=200,
        error_messages={"required": _("查看完整信息须填写理由。")},
        help_text=_("例如：电话回访、上门走访。查看记录将写入审计日志。"),
    )


def _page(
    request: HttpRequest, household_id: int, extra: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    try:
        household = access_household(request.user, household_id)
    except NotFound as exc:
        raise Http404 from exc
    region = access_region(household.region_code)
    context = {
        "household": household,
        "address": masked_address(household),
        "members": list_members_of_household(request.user, household),
        "path": region_path(region),
        "may_reveal": can(request.user, "residents.reveal_person", household.region_code),
        "form": RevealForm(),
        **(extra or {}),
    }
    return render(request, "web/household.html", context, status=status)


@login_required
def household_detail(request: HttpRequest, household_id: int) -> HttpResponse:
    return _page(request, household_id)


@login_required
@require_POST
def reveal_person(request: HttpRequest, household_id: int, person_id: int) -> HttpResponse:
    form = RevealForm(request.POST)
    if not form.is_valid():
        return _page(request, household_id, {"form": form, "form_person": person_id}, status=400)
    try:
        access_household(request.user, household_id)
        revealed = actions.reveal_person(
            person_id=person_id,
            fields=form.cleaned_data["fields_wanted"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
    except NotFound as exc:
        raise Http404 from exc
    except NotAllowed:
        return _page(request, household_id, {"denied": True}, status=403)
    except Invalid as exc:
        for field, messages in exc.fields.items():
            form.add_error("reason" if field == "reason" else None, messages)
        return _page(request, household_id, {"form": form, "form_person": person_id}, status=400)
    return _page(request, household_id, {"revealed": revealed, "revealed_person": person_id})
