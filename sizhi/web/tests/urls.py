"""The site's URLs plus views that fail on purpose, for the error-page tests."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("test")


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("test")


urlpatterns = [
    path("test/forbidden/", forbidden),
    path("test/suspicious/", suspicious),
    path("test/broken/", broken),
    path("", include("sizhi.config.urls")),
]

# The root URLconf names the handlers; this one stands in for it in these tests.
handler400 = "sizhi.web.views.bad_request"
handler500 = "sizhi.web.views.server_error"
