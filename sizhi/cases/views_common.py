"""What the desk views share: who may use the desk, full page or htmx partial, refusals."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from sizhi.cases import queries, queries_desk
from sizhi.cases.models import Case
from sizhi.core.errors import ActionError, NotFound
from sizhi.orgs.models import scope_prefixes


def page_or_partial(
    request: HttpRequest,
    template: str,
    partial: str,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    """The partial for an htmx request, the whole page otherwise: every htmx endpoint also
    answers a plain browser."""
    name = f"{template}#{partial}" if getattr(request, "htmx", False) else template
    return render(request, name, context, status=status)


def require_desk(request: HttpRequest) -> None:
    """The desk is for people who work cases; anyone else finds nothing here."""
    if not queries_desk.on_desk(request.user):
        raise Http404


def require_console(request: HttpRequest) -> list[str]:
    """The hotline console is for operators, dispatchers and the county office: people who
    register cases and dispatch them. Returns the region prefixes they register cases in."""
    prefixes = scope_prefixes(request.user, "cases.intake")
    if not prefixes or not scope_prefixes(request.user, "cases.dispatch"):
        raise Http404
    return prefixes


def access(request: HttpRequest, case_id: int) -> Case:
    try:
        return queries.access_case(request.user, case_id)
    except NotFound as exc:
        raise Http404 from exc


def refused(
    request: HttpRequest, error: ActionError, status: int, case: Case | None = None
) -> HttpResponse:
    """The page for a step that was refused: not allowed (403), or the case changed meanwhile
    or is not in a state for it (409)."""
    title = _("诉求状态已变化，或者这一步现在不能办理") if status == 409 else _("没有权限")
    return render(
        request,
        "cases/desk/refused.html",
        {"title": title, "message": error.message, "case": case, "status": status},
        status=status,
    )
