"""POST requests: a service request becomes a case through ``submit_case``.

The body is ``application/x-www-form-urlencoded`` (UTF-8), or ``multipart/form-data`` whose
files (FixMyStreet's ``photo1``…) become the case's attachments. The checks, in order: size
(413), type (415), well-formed (400), ``api_key`` (403), ``jurisdiction_id`` (404), the
service (400 missing, 404 unknown), then every field at once (400, one error each). The case
is filed on the Open311 channel as a 求助 (help) matter, published (its contact never is),
with the key's owner as the actor: the intake's own protections apply (double submits and
repeats come back as the case already made, the per-phone limit).
"""

import hashlib
from dataclasses import dataclass
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.http import HttpRequest, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

from sizhi.accounts.apiauth import Principal
from sizhi.cases.actions import Submitted, submit_case
from sizhi.cases.actions.files import MAX_ATTACHMENTS
from sizhi.cases.models import Category, Channel, Kind
from sizhi.cases.open311 import answers, location
from sizhi.cases.open311.keys import authorise
from sizhi.cases.open311.params import check_jurisdiction
from sizhi.cases.open311.render import Open311Error, field_error
from sizhi.cases.open311.services import attributes_of, service
from sizhi.core.api.messages import MESSAGES
from sizhi.core.api.requests import max_body_bytes
from sizhi.core.errors import Invalid, InvalidState, NotAllowed, Throttled

FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
MAX_DESCRIPTION = 4000
MAX_MEDIA_URL = 500
TITLE_LENGTH = 30
# The intake's field names → the names the client sent.
FIELD_NAMES = {
    "latitude": "lat",
    "longitude": "long",
    "contact_phone": "phone",
    "contact_name": "first_name",
    "address": "address_string",
    "region_code": "address_id",
    "category_id": "service_code",
    "title": "description",
    "attachments": "media",
    "idempotency_key": "Idempotency-Key",
}


def _too_long(limit: int) -> str:
    return str(MESSAGES["string_too_long"]) % {"max_length": limit}


def _limit(content_type: str) -> int:
    if content_type == MULTIPART:
        return max_body_bytes() + MAX_ATTACHMENTS * int(settings.SIZHI_MAX_ATTACHMENT_BYTES)
    return max_body_bytes()


def _malformed() -> Open311Error:
    return Open311Error(400, _("请求体格式不正确。"))


def _strict_form(body: bytes) -> QueryDict:
    """The fields of a URL-encoded body; 400 for one that is not valid UTF-8."""
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
        )
    except UnicodeDecodeError as error:
        raise _malformed() from error
    except ValueError as error:  # more fields than allowed
        raise _malformed() from error
    form = QueryDict(mutable=True)
    for key, value in pairs:
        form.appendlist(key, value)
    return form


def read_form(request: HttpRequest) -> tuple[QueryDict, list[UploadedFile]]:
    """The posted fields and files, after the size and type checks."""
    content_type = request.content_type or ""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if length < 0:
        raise Open311Error(400, _("Content-Length 请求头不正确。"))
    limit = _limit(content_type)
    if length > limit:
        raise Open311Error(413, _("请求体过大，不能超过%(limit)d字节。") % {"limit": limit})
    charset = (request.content_params or {}).get("charset", "utf-8").lower()
    if length and (content_type not in (FORM, MULTIPART) or charset not in ("utf-8", "utf8")):
        raise Open311Error(
            415,
            _("请求体须为 application/x-www-form-urlencoded（UTF-8）或 multipart/form-data。"),
        )
    files: list[UploadedFile] = []
    if content_type == MULTIPART:
        try:
            form = request.POST.copy()
            files = [upload for key in request.FILES for upload in request.FILES.getlist(key)]
        except MultiPartParserError as error:
            raise _malformed() from error
    else:
        form = _strict_form(request.body if length else b"")
    if any("\x00" in value for key in form for value in form.getlist(key)):
        raise _malformed()
    return form, files


@dataclass
class Contact:
    name: str
    phone: str


def _contact(form: QueryDict, problems: list[tuple[str, object]]) -> Contact:
    first, last = (form.get(name, "").strip() for name in ("first_name", "last_name"))
    # Chinese names run family name first, with no space; others "first last".
    name = f"{last}{first}" if not (first + last).isascii() else f"{first} {last}".strip()
    email = form.get("email", "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as error:
            problems.append(("email", error.messages[0]))
    return Contact(name=name, phone=form.get("phone", "").strip())


def _media_url(form: QueryDict, problems: list[tuple[str, object]]) -> str:
    url = (form.getlist("media_url") or [""])[0].strip()  # repeated: the first one
    if len(url) > MAX_MEDIA_URL:
        problems.append(("media_url", _too_long(MAX_MEDIA_URL)))
        return ""
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError as error:
            problems.append(("media_url", error.messages[0]))
    return url


def _point(form: QueryDict, problems: list[tuple[str, object]]) -> tuple[str, str]:
    lat, lng = form.get("lat", "").strip(), form.get("long", "").strip()
    if bool(lat) != bool(lng):
        problems.append(("long" if lat else "lat", _("请同时填写经度和纬度。")))
    return lat, lng


def _place(
    form: QueryDict,
    principal: Principal,
    point: tuple[str, str] | None,
    problems: list[tuple[str, object]],
) -> str:
    """The region code of the place, or "" with the problem told. ``point`` is (lat, long) as
    sent, or None; a place found by it is checked against the key's scope like any other."""
    address_id = form.get("address_id", "").strip()
    address = form.get("address_string", "").strip()
    if not (point or address or address_id):
        problems.append(
            ("address_id", _("请提供事发地点：lat 和 long、address_string 或 address_id。"))
        )
        return ""
    try:
        region = location.resolve(
            address_id=address_id,
            address_string=address,
            key_region=principal.region_prefix,
            point=point,
        )
    except location.PlaceProblem as problem:
        problems.append((problem.field, problem.message))
        return ""
    if not principal.covers(region.code):
        problems.append(("address_id", _("该地点不在此令牌的区域范围内。")))
        return ""
    return region.code


def _texts(description: str, category: Category, lines: list[str]) -> tuple[str, str]:
    """The case's title and text: the first line of the description (or the service's name),
    and the description followed by the attribute answers."""
    first_line = description.splitlines()[0].strip() if description else ""
    if len(first_line) > TITLE_LENGTH:
        first_line = first_line[: TITLE_LENGTH - 1] + "…"
    text = description or category.name
    if lines:
        text = "\n".join([text, "", *lines])
    return first_line or category.name, text


def _idempotency_key(request: HttpRequest, principal: Principal) -> str:
    raw = request.headers.get("Idempotency-Key", "").strip()
    if not raw or principal.token is None:
        return ""
    return f"open311:{principal.token.pk}:{hashlib.sha256(raw.encode()).hexdigest()[:32]}"


def _intake_error(error: Invalid) -> Open311Error:
    problems: list[tuple[str, object]] = [
        (FIELD_NAMES.get(name, name), message)
        for name, messages in error.fields.items()
        for message in messages
    ]
    return field_error(400, problems or [("description", error.message)])


def file_request(request: HttpRequest) -> Submitted:
    form, files = read_form(request)
    principal = authorise(request, form)
    check_jurisdiction(form, request.GET)
    code = form.get("service_code", "").strip()
    if not code:
        raise field_error(400, [("service_code", MESSAGES["missing"])])
    category = service(code)
    problems: list[tuple[str, object]] = []
    description = form.get("description", "").strip()
    if len(description) > MAX_DESCRIPTION:
        problems.append(("description", _too_long(MAX_DESCRIPTION)))
    contact = _contact(form, problems)
    media_url = _media_url(form, problems)
    lat, lng = _point(form, problems)
    region_code = _place(form, principal, (lat, lng) if lat and lng else None, problems)
    definition = attributes_of(category)
    given, attribute_problems = answers.check(definition, answers.submitted(form))
    problems.extend(attribute_problems)
    if problems:
        raise field_error(400, problems)
    title, text = _texts(description, category, answers.describe(definition, given))
    try:
        with transaction.atomic():
            submitted = submit_case(
                channel=Channel.OPEN311,
                kind=Kind.HELP,
                category_id=category.pk,
                title=title,
                description=text,
                region_code=region_code,
                actor=principal.user,
                address=form.get("address_string", "").strip(),
                latitude=lat or None,
                longitude=lng or None,
                contact_name=contact.name,
                contact_phone=contact.phone,
                is_anonymous=not contact.phone,
                is_public=True,
                idempotency_key=_idempotency_key(request, principal),
                attachments=files,
                attributes=given,
                media_url=media_url,
                client_ip=None,  # the key's system sends for many residents
            )
    except Invalid as error:
        raise _intake_error(error) from error
    except Throttled as error:
        raise Open311Error(429, error.message, headers={"Retry-After": "3600"}) from error
    except NotAllowed as error:
        raise Open311Error(403, error.message) from error
    except InvalidState as error:
        raise Open311Error(400, error.message) from error
    return submitted
