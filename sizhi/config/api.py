"""The JSON API: version 1 under /api/v1/, its OpenAPI document at /api/openapi.json and
interactive docs at /api/docs (served from the installation; nothing loads from the internet).
Each app contributes a router; the shared machinery comes from core (errors, body checks) and
accounts (tokens, sessions, rate limits, Idempotency-Key)."""

from ninja.openapi.docs import Swagger

from sizhi.accounts.apiauth import RateThrottle, SessionAuth, TokenAuth
from sizhi.accounts.idempotency import idempotent
from sizhi.cases.api import router as cases_router
from sizhi.cases.api_attachments import router as case_files_router
from sizhi.core.api.base import SizhiAPI
from sizhi.deliberation.api import router as motions_router
from sizhi.deliberation.api_files import router as motion_files_router
from sizhi.deliberation.api_meetings import router as meetings_router
from sizhi.deliberation.api_publicity import router as publicity_router
from sizhi.residents.api import router as persons_router
from sizhi.webhooks.schemas import openapi_webhooks

DESCRIPTION = """\
The county platform's API. Authenticate with `Authorization: Bearer <token>` (tokens are made
on the account's API token page, or with `manage.py create_api_token`); the site's own pages may
use the signed-in session instead, with the CSRF token on unsafe methods.

Every error has the shape `{"detail": "...", "code": "...", "fields": {"name": ["..."]}}`.
Send an `Idempotency-Key` header with a POST to make retrying it safe.
"""

api = SizhiAPI(
    title="Sizhi API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    throttle=[RateThrottle()],
    # The validator badge would fetch an image from the internet.
    docs=Swagger(settings={"validatorUrl": None}),
    webhooks=openapi_webhooks,
)
api.add_decorator(idempotent, mode="operation")
api.add_router("/v1/", cases_router)
api.add_router("/v1/", case_files_router)
api.add_router("/v1/", motions_router)
api.add_router("/v1/", motion_files_router)
api.add_router("/v1/", meetings_router)
api.add_router("/v1/", publicity_router)
api.add_router("/v1/", persons_router)
