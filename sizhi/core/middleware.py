from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from sizhi.core.requestmeta import RequestMeta, current_meta


class RequestMetaMiddleware:
    """Make the client's address available to the audit log for the length of a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # REMOTE_ADDR is what the WSGI server saw; a proxy in front must set it (granian does
        # not trust X-Forwarded-For by default, and neither do we).
        token = current_meta.set(RequestMeta(ip=request.META.get("REMOTE_ADDR") or None))
        try:
            return self.get_response(request)
        finally:
            current_meta.reset(token)
