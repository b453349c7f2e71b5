"""The endpoints of GeoReport v2 (mounted at /open311/v2/). GETs need no key; POST requests
needs an integration key. Each view answers in the format its path's suffix names."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sizhi.cases.models import ServiceAttribute
from sizhi.cases.open311 import published, services
from sizhi.cases.open311.intake import file_request
from sizhi.cases.open311.params import check_jurisdiction, request_filters
from sizhi.cases.open311.render import endpoint, not_found, respond

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this implementation of the endpoint last changed (discovery's endpoint changeset).
ENDPOINT_CHANGESET = "2026-11-29 00:00"
FORMATS = ["text/xml", "application/json"]


def _changeset() -> str:
    """The last change to what the endpoint offers: the code, or a service attribute."""
    latest = ServiceAttribute.objects.order_by("-updated_at").values_list("updated_at", flat=True)
    changed = latest.first()
    if changed is None:
        return ENDPOINT_CHANGESET
    return max(ENDPOINT_CHANGESET, timezone.localtime(changed).strftime("%Y-%m-%d %H:%M"))


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    url = request.build_absolute_uri(reverse("open311:root")).rstrip("/")
    data = {
        "changeset": _changeset(),
        "contact": _("%(site)s：请联系县创建办，或拨打12343热线。")
        % {"site": settings.SIZHI_SITE_NAME},
        "key_service": _(
            "POST requests 需要集成密钥（api_key），由县创建办签发："
            "sizhi create_api_token --kind integration --scope cases:write。"
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": ENDPOINT_CHANGESET,
                # A trial installation may say "test" (SIZHI_OPEN311_ENDPOINT_TYPE).
                "type": getattr(settings, "SIZHI_OPEN311_ENDPOINT_TYPE", "production"),
                "formats": FORMATS,
            }
        ],
    }
    return respond(fmt, "discovery", data)


@endpoint("GET")
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    check_jurisdiction(request.GET)
    return respond(fmt, "services", services.service_list())


@endpoint("GET")
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    check_jurisdiction(request.GET)
    return respond(fmt, "service_definition", services.definition(services.service(code)))


def _notice(created: bool, repeat: bool, number: str, tracking_code: str) -> str:
    if repeat:
        return _("该事项已在办理中，本次反映已记入诉求 %(number)s。") % {"number": number}
    if not created:
        return _("与刚提交的请求相同，返回的是已登记的诉求 %(number)s。") % {"number": number}
    return _(
        "已登记为诉求 %(number)s。查询码 %(code)s 只显示这一次，请转告诉求人："
        "凭编号和查询码可以查看办理进度并评价。"
    ) % {"number": number, "code": tracking_code}


@endpoint("GET", "POST")
def service_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        submitted = file_request(request)
        number = submitted.case.number
        notice = _notice(submitted.created, submitted.repeat, number, submitted.tracking_code)
        data = [{"service_request_id": number, "service_notice": notice, "account_id": None}]
        return respond(fmt, "service_requests", data)
    check_jurisdiction(request.GET)
    now = timezone.now()
    cases = published.find_requests(request_filters(request.GET, now))
    return respond(fmt, "service_requests", published.requests_out(cases, now))


@endpoint("GET")
def service_request(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    check_jurisdiction(request.GET)
    case = published.find_request(request_id)
    return respond(fmt, "service_requests", published.requests_out([case]))


@endpoint("GET")
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    """Every service is realtime (a POST answers with the case number), so no token is ever
    given out: any token is unknown."""
    check_jurisdiction(request.GET)
    raise not_found()


@endpoint("GET")
def root(request: HttpRequest, fmt: str) -> HttpResponse:
    """The endpoint's base URL itself: nothing here but a pointer to discovery."""
    raise not_found()
