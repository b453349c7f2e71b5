"""The pages anyone may read: a group's deliberation page, a public motion and its files, and the
notice-board print of a publication; and the propose form of the group's residents and members."""

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from sizhi.core.errors import NotAllowed
from sizhi.deliberation import actions, queries_bodies, queries_pages
from sizhi.deliberation.attachments import file_response
from sizhi.deliberation.forms import ProposeForm
from sizhi.deliberation.models import Motion
from sizhi.deliberation.views_common import found, refused, submit


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The deliberation entry of the navigation: the desk for those who run motions, the
    group's page for its residents and members."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    where, code = queries_pages.entry_for(request.user)
    if where == "desk":
        return redirect("deliberation:desk")
    if where == "group":
        return redirect("deliberation:group", code=code)
    if where == "list":
        return redirect("deliberation:motions")
    raise Http404


@require_GET
def group(request: HttpRequest, code: str) -> HttpResponse:
    view = found(lambda: queries_pages.group_view(request.user, code))
    return render(request, "deliberation/public/group.html", {"view": view, "now": timezone.now()})


@login_required
@require_GET
def body(request: HttpRequest, unit_id: int) -> HttpResponse:
    """A body's members and terms, the composition the law asks of it, its rule and meetings."""
    page = found(lambda: queries_bodies.body_page(request.user, unit_id))
    return render(request, "deliberation/public/body.html", {"page": page})


@require_GET
def public_motion(request: HttpRequest, code: str, motion_id: int) -> HttpResponse:
    view = found(lambda: queries_pages.public_motion_page(code, motion_id))
    context = {
        "view": view,
        "motion": view.motion,
        "full_page": queries_pages.sees_motion(request.user, view.motion.pk),
        "now": timezone.now(),
    }
    return render(request, "deliberation/public/motion.html", context)


@require_GET
def public_attachment(
    request: HttpRequest, code: str, motion_id: int, attachment_id: int
) -> FileResponse:
    """A file of a motion the public page shows, for anyone: images and PDFs inline,
    sandboxed, as on the motion page. 404 for any other motion's file or a missing one."""
    return found(
        lambda: file_response(queries_pages.public_attachment_of(code, motion_id, attachment_id))
    )


PROPOSED = gettext_lazy("已提交提议。附议人数达到要求或召集人受理后，将进入评议。")


@login_required
@require_http_methods(["GET", "POST"])
def propose(request: HttpRequest, code: str) -> HttpResponse:
    """A resident or member of the group proposes a motion to its council."""
    bodies = found(lambda: queries_pages.propose_bodies(code))
    back = (reverse("deliberation:group", kwargs={"code": code}), _("回到本组议事页面"))
    if not queries_pages.may_propose(request.user, code):
        return refused(request, NotAllowed(_("只有本组群众和议事会成员可以提议。")), 403, back)
    form = ProposeForm(
        request.POST if request.method == "POST" else None,
        councils=bodies.councils,
        deciding=bodies.deciding,
    )

    def again(bound: forms.Form, status: int = 400) -> HttpResponse:
        context = {"form": bound, "bodies": bodies, "region": bodies.region}
        return render(request, "deliberation/public/propose.html", context, status=status)

    if request.method == "GET":
        return again(form, 200)

    def create(data: dict[str, Any]) -> object:
        return actions.create_motion(
            council_id=data.get("council") or bodies.councils[0].pk,
            deciding_body_id=data.get("deciding_body") or None,
            title=data.get("title"),
            body=data.get("body"),
            area=data.get("area"),
            statutory_matter=data.get("statutory_matter") or "",
            money_yuan=data.get("money_yuan"),
            land_mu=data.get("land_mu"),
            is_public=bool(data.get("is_public")),
            attachments=request.FILES.getlist("attachments"),
            actor=request.user,
        )

    return submit(
        request,
        form,
        create,
        done=PROPOSED,
        then=_motion_url,
        again=again,
        back=back,
        names=ProposeForm.ACTION_FIELDS,
    )


def _motion_url(motion: object) -> str:
    assert isinstance(motion, Motion)
    return reverse("deliberation:motion", kwargs={"motion_id": motion.pk})


@require_GET
def print_publication(request: HttpRequest, publication_id: int) -> HttpResponse:
    """A publication as an A4 notice for the group's board."""
    view = found(lambda: queries_pages.print_view(request.user, publication_id))
    return render(request, "deliberation/public/print.html", {"view": view})
