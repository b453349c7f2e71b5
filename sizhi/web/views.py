"""The web shell: home pages, the region browser, placeholders and error pages."""

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.views.decorators.csrf import requires_csrf_token

from sizhi.core.errors import NotFound
from sizhi.core.regioncode import LEVEL_LENGTHS
from sizhi.orgs.queries import access_region, scope_prefixes
from sizhi.web import queries
from sizhi.web.navigation import DIRECTS, FEATURES, tiles_for


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "web/landing.html", {"features": DIRECTS})
    grants = queries.grant_rows(request.user)
    roles = {grant.role for grant in grants}
    places: dict[str, str] = {}
    for grant in grants:
        places.setdefault(grant.region_code, grant.region_name)
    context = {
        "grants": grants,
        "places": places,
        "tiles": tiles_for(roles, is_staff=request.user.is_staff),
    }
    return render(request, "web/dashboard.html", context)


def coming(request: HttpRequest, slug: str) -> HttpResponse:
    feature = FEATURES.get(slug)
    if feature is None:
        raise Http404
    return render(request, "web/coming.html", {"feature": feature})


@login_required
def region_index(request: HttpRequest) -> HttpResponse:
    """Search regions, or go to the installation's county."""
    text = request.GET.get("q", "").strip()
    if not text:
        try:
            county = access_region(settings.SIZHI_COUNTY_CODE)
        except NotFound:
            return render(request, "web/region_search.html", _search_context(request, "", []))
        return redirect("web:region", code=county.code)
    return render(
        request,
        "web/region_search.html",
        _search_context(request, text, queries.search_regions(text)),
    )


def _search_context(request: HttpRequest, text: str, results: list[Any]) -> dict[str, Any]:
    # County admins (and superusers) may import the tree, even before the county exists.
    scopes = scope_prefixes(request.user, "orgs.change_region")
    is_admin = any(len(prefix) <= LEVEL_LENGTHS["county"] for prefix in scopes)
    return {
        "q": text[: queries.SEARCH_MAX_LENGTH],
        "results": results,
        "search_limit": queries.SEARCH_LIMIT,
        "import_url": reverse("orgs:region-import") if is_admin else "",
    }


@login_required
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        region = access_region(code)
    except NotFound as exc:
        raise Http404 from exc
    page = queries.region_page(
        request.user,
        region,
        after=request.GET.get("after", "")[:30],
        before=request.GET.get("before", "")[:30],
    )
    return render(request, "web/region.html", {"page": page, "region": region})


# Error handlers. 400 and 500 render a standalone page that needs neither the database nor the
# context processors: whatever broke the request may have broken those too.


def _standalone(template_name: str, status: int) -> HttpResponse:
    body = loader.get_template(template_name).render({"site_title": settings.SIZHI_SITE_NAME})
    return HttpResponse(body, status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _standalone("400.html", 400)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    return _standalone("500.html", 500)
