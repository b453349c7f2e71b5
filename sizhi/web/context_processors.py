"""What every page's frame needs: site and county name, the navigation, the user's roles.

Everything that reads the database is lazy, so a page that does not show it costs no query.
"""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language

from sizhi.core.errors import NotFound
from sizhi.core.text import pinyin_of
from sizhi.orgs.queries import access_region
from sizhi.web.navigation import DIRECTS
from sizhi.web.queries import role_labels


def county_label() -> str:
    """The installation's county as the header shows it: 凤冈县 → 凤冈 (Fenggang in English)."""
    try:
        name = access_region(settings.SIZHI_COUNTY_CODE).name
    except NotFound:
        return ""
    short = name if name.endswith("自治县") else name.removesuffix("县")
    if (get_language() or "").startswith("zh"):
        return short
    return pinyin_of(short).capitalize()


def _section(request: HttpRequest) -> str:
    match = request.resolver_match
    if match is not None and match.namespace == "orgs":
        return "regions"  # the region import and export pages
    if match is not None and match.namespace in {"appeals", "cases"}:
        return "cases"
    if match is not None and match.namespace == "stats":
        return "stats"
    if match is not None and match.namespace == "deliberation":
        return "deliberation"
    if match is None or match.namespace != "web":
        return ""
    if match.url_name in {"region-index", "region"}:
        return "regions"
    if match.url_name == "coming":
        return str(match.kwargs.get("slug", ""))
    return match.url_name or ""


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "site_title": settings.SIZHI_SITE_NAME,
        "county_label": SimpleLazyObject(county_label),
        "directs": DIRECTS,
        "nav_section": _section(request),
        "user_roles": SimpleLazyObject(lambda: role_labels(user)),
    }
