"""The site's NinjaAPI: JSON in and out, the one error shape everywhere (also for unknown paths
and wrong methods), body checks before anything reads a body, and an OpenAPI document that
says so."""

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.renderers import JSONRenderer
from ninja.types import DictStrAny

from sizhi.core.api.errors import ErrorOut, error_response, install_error_handlers, render_json
from sizhi.core.api.requests import JsonParser, check_body
from sizhi.core.errors import NotFound

IDEMPOTENCY_HEADER = "Idempotency-Key"

# The error answers every operation may give, and those only requests with a body may give.
COMMON_ERRORS = {
    "400": "Invalid input",
    "401": "Missing, invalid, expired or revoked token",
    "403": "Missing scope or permission",
    "404": "Missing, or not visible to the caller",
    "429": "Too many requests",
}
BODY_ERRORS = {
    "409": "Not allowed in the object's current state",
    "413": "Request body too large",
    "415": "Request body is not JSON",
    "422": "Idempotency-Key reused with a different request",
}
IDEMPOTENCY_PARAMETER: DictStrAny = {
    "in": "header",
    "name": IDEMPOTENCY_HEADER,
    "required": False,
    # What the Idempotency-Key decorator accepts: 1 to 128 visible ASCII characters.
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": 128,
        "pattern": r"^[!-~]([ -~]*[!-~])?$",
    },
    "description": (
        "Any unique string (a UUID, say). Sending the same key with the same request again "
        "while it is kept (24 hours by default) returns the first answer without acting "
        "twice; the same key with a different request is refused with 422."
    ),
}


class Renderer(JSONRenderer):
    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        return render_json(data)


@csrf_exempt
def unknown_path(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return error_response(404, NotFound.code, NotFound.default_message)


def _json_errors(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """ninja answers a wrong method with an empty 405, and its root path with Django's 404
    page; give them the error shape."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return error_response(404, NotFound.code, NotFound.default_message)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = response.get("Allow", "")
            response = error_response(
                405, "method_not_allowed", _("不支持此请求方法。"), headers={"Allow": allowed}
            )
        return response

    wrapped.csrf_exempt = True  # type: ignore[attr-defined]  # ninja checks CSRF itself
    return wrapped


class SizhiAPI(NinjaAPI):
    def __init__(
        self,
        *,
        webhooks: Callable[[], tuple[DictStrAny, DictStrAny]] | None = None,
        **kwargs: Any,
    ) -> None:
        """``webhooks`` gives the document's ``webhooks`` section and the schemas it names:
        the requests the site sends, next to those it answers."""
        self.webhooks = webhooks
        kwargs.setdefault("renderer", Renderer())
        kwargs.setdefault("parser", JsonParser())
        super().__init__(**kwargs)
        install_error_handlers(self)
        self.add_decorator(check_body, mode="view")

    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_errors(pattern.callback)
        patterns.append(re_path(r"^.*$", unknown_path, name="unknown"))
        return patterns, app_name, namespace

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: DictStrAny | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas["Error"] = ErrorOut.model_json_schema()
        reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                errors = dict(COMMON_ERRORS)
                if method == "post":
                    errors.update(BODY_ERRORS)
                    operation.setdefault("parameters", []).append(dict(IDEMPOTENCY_PARAMETER))
                responses = operation.setdefault("responses", {})
                for status, description in errors.items():
                    responses.setdefault(status, {"description": description, "content": reference})
        if self.webhooks is not None:
            webhooks, components = self.webhooks()
            clashes = sorted(name for name in components if name in schemas)
            if clashes:  # two models of one name would silently describe one another's bodies
                raise ValueError(f"webhook schemas clash with the API's: {clashes}")
            schemas.update(components)
            schema["webhooks"] = webhooks
        return schema
