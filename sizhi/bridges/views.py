"""The appeals-to-agenda pages: clusters of cases a cadre may take to a council, and the form
that opens a motion with them linked. Missing and forbidden are both 404."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from sizhi.bridges import agenda
from sizhi.bridges.forms import ClusterFilterForm, ClusterMotionForm, places_in
from sizhi.core.errors import Invalid, InvalidState, NotAllowed, NotFound
from sizhi.deliberation.forms import add_action_errors
from sizhi.deliberation.views_county import nav, refused


@login_required
@require_GET
def clusters(request: HttpRequest) -> HttpResponse:
    scope = agenda.link_scope(request.user)
    if not scope:
        raise Http404
    form = ClusterFilterForm(request.GET, places=places_in(scope))
    context: dict[str, Any] = {"form": form, **nav(request.user)}
    if not form.is_valid():
        return render(request, "deliberation/county/clusters.html", context, status=400)
    data = form.cleaned_data
    context.update(
        clusters=agenda.case_clusters(
            request.user, data["region"], since_days=data["days"], min_cases=data["min_cases"]
        ),
        days=data["days"],
    )
    return render(request, "deliberation/county/clusters.html", context)


def _days(request: HttpRequest) -> int:
    source = request.POST if request.method == "POST" else request.GET
    try:
        days = int(source.get("days") or agenda.DEFAULT_SINCE_DAYS)
    except ValueError:
        days = agenda.DEFAULT_SINCE_DAYS
    return days if days in agenda.SINCE_DAYS else agenda.DEFAULT_SINCE_DAYS


@login_required
@require_http_methods(["GET", "POST"])
def cluster_motion(request: HttpRequest, region_code: str, category_id: int) -> HttpResponse:
    """The cases of one cluster and the form that opens a motion for a body of the place."""
    try:
        page = agenda.cluster_page(request.user, region_code, category_id, _days(request))
    except NotFound as error:
        raise Http404 from error
    posted = request.method == "POST"
    form = ClusterMotionForm(request.POST if posted else None, page=page)
    context: dict[str, Any] = {"form": form, "page": page, **nav(request.user)}
    if not posted:
        return render(request, "deliberation/county/cluster_motion.html", context)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            motion = agenda.open_motion_from_cases(
                case_ids=data["case_ids"],
                council_id=data["council"],
                title=data["title"],
                body=data["body"],
                area=data["area"],
                actor=request.user,
            )
        except NotFound as error:
            raise Http404 from error
        except NotAllowed as error:
            return refused(request, error, 403)
        except Invalid as error:
            add_action_errors(form, error.fields, {"council_id": "council"})
        except InvalidState as error:
            form.add_error(None, str(error.message))
            status = 409
        else:
            messages.success(
                request,
                _("已为%(council)s开启议题，关联诉求%(n)d件。")
                % {"council": motion.council.name, "n": len(data["case_ids"])},
            )
            return redirect("deliberation:motion", motion.pk)
    return render(request, "deliberation/county/cluster_motion.html", context, status=status)
