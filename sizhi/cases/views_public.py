"""The resident's appeal pages, no account needed: file an appeal, then follow it by case number
and tracking code, add information, rate the answer, ask for a petition review.

Every page works without JavaScript. The place is chosen first, one level per page (township,
village, group) by plain links, so nothing typed is lost and nothing personal goes into a URL.
The tracking code travels in POST bodies only; after a lookup it is kept in the session for an
hour so the follow-up forms work, and a "forget" button drops it on a shared device.
"""

import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sizhi.cases import actions, queries
from sizhi.cases.attachments import file_response
from sizhi.cases.forms_public import (
    AppealForm,
    InformationForm,
    RatingForm,
    ReviewRequestForm,
    TrackForm,
)
from sizhi.cases.models import Case
from sizhi.cases.public_queries import (
    PlaceHit,
    PlaceStep,
    category_groups,
    chosen_place,
    place_step,
    public_attachments,
    resident_case,
    review_step_of,
    search_places,
)
from sizhi.core.errors import Invalid, InvalidState, NotFound, Throttled
from sizhi.core.pii import keyed_hash
from sizhi.orgs.models import Region, scope_prefixes

RECEIPTS = "appeals.receipts"
TRACKED = "appeals.tracked"
FAILURES = "appeals.lookup_failures"
RECEIPT_SECONDS = 30 * 60  # the number and code stay on the success page this long
TRACKED_SECONDS = 60 * 60  # a looked-up case stays open in the session this long
LOOKUP_WINDOW_SECONDS = 60 * 60
MAX_KEPT = 10
NUMBER_MAX_LENGTH = 24
CODE_MAX_LENGTH = 16


def _lookups_per_session() -> int:
    return int(getattr(settings, "SIZHI_APPEAL_FAILED_LOOKUPS_PER_SESSION", 10))


def _lookups_per_ip() -> int:
    # Higher than per session: a service centre's residents may share one address.
    return int(getattr(settings, "SIZHI_APPEAL_FAILED_LOOKUPS_PER_IP", 30))


# -- The place chooser, shared with the staff desk -------------------------------------------------


@dataclass(frozen=True)
class PlaceChoice:
    path: list[Region]  # the chosen place (top first), or [] while choosing
    step: PlaceStep | None
    query: str
    hits: list[PlaceHit] | None
    error: str


def start_of(top: str, prefixes: Sequence[str]) -> str:
    """Where the chooser opens: the one region a user's scope lies in, else the county."""
    if len(prefixes) == 1 and prefixes[0].startswith(top) and len(prefixes[0]) > len(top):
        return prefixes[0][:12]
    return top


def choose_place(request: HttpRequest, top: str, prefixes: Sequence[str]) -> PlaceChoice:
    """Read ?place= (a place chosen), ?at= (walking the tree) and ?q= (a search)."""
    error = ""
    place = request.GET.get("place", "").strip()
    if place:
        path = chosen_place(place, top, prefixes)
        if path:
            return PlaceChoice(path, None, "", None, "")
        error = _("没有找到这个地点，请重新选择。")
    start = start_of(top, prefixes)
    at = request.GET.get("at", "").strip() or start
    step = place_step(at, top, prefixes) or place_step(start, top, prefixes)
    query = request.GET.get("q", "").strip()[:30]
    hits = search_places(query, top, prefixes) if query else None
    return PlaceChoice([], step, query, hits, error)


# -- Session bookkeeping ---------------------------------------------------------------------------


def _fresh(entries: dict[str, Any], seconds: int) -> dict[str, Any]:
    now = time.time()
    kept = {key: value for key, value in entries.items() if now - value.get("at", 0) < seconds}
    newest = sorted(kept.items(), key=lambda item: item[1].get("at", 0))[-MAX_KEPT:]
    return dict(newest)


def remember_receipt(request: HttpRequest, key: str, receipt: dict[str, Any]) -> None:
    """Keep what the success page shows (the code only exists in clear here) for a while."""
    receipts = _fresh(request.session.get(RECEIPTS, {}), RECEIPT_SECONDS)
    earlier = receipts.get(key) or {}
    if earlier.get("number") == receipt.get("number") and not receipt.get("code"):
        # A repeated submit of the same form: keep the code the first one showed.
        receipt = {**receipt, "code": earlier.get("code", "")}
    receipts[key] = {**receipt, "at": time.time()}
    request.session[RECEIPTS] = receipts


def receipt_for(request: HttpRequest, key: str) -> dict[str, Any] | None:
    """The receipt kept under ``key``. A repeated submit of the same form returns the case
    without a code; the code shown for the first submit of that case is looked up then."""
    receipts = _fresh(request.session.get(RECEIPTS, {}), RECEIPT_SECONDS)
    receipt = receipts.get(key)
    if receipt is None:
        return None
    if not receipt.get("code"):
        for other in receipts.values():
            if other.get("number") == receipt.get("number") and other.get("code"):
                return {**receipt, "code": other["code"]}
    return dict(receipt)


def _tracked_code(request: HttpRequest, number: str) -> str:
    tracked = _fresh(request.session.get(TRACKED, {}), TRACKED_SECONDS)
    entry = tracked.get(number)
    return str(entry["code"]) if entry else ""


def _remember_tracked(request: HttpRequest, number: str, code: str) -> None:
    tracked = _fresh(request.session.get(TRACKED, {}), TRACKED_SECONDS)
    tracked[number] = {"code": code, "at": time.time()}
    request.session[TRACKED] = tracked


def _forget_tracked(request: HttpRequest, number: str) -> None:
    tracked = dict(request.session.get(TRACKED, {}))
    if tracked.pop(number, None) is not None:
        request.session[TRACKED] = tracked


def _ip_counter(request: HttpRequest) -> str:
    ip = request.META.get("REMOTE_ADDR") or ""
    return f"appeals:failed-lookups:{keyed_hash(ip, 'appeal-lookup')}" if ip else ""


def _recent_failures(request: HttpRequest) -> list[float]:
    now = time.time()
    return [t for t in request.session.get(FAILURES, []) if now - t < LOOKUP_WINDOW_SECONDS]


def _lookups_exhausted(request: HttpRequest) -> bool:
    counter = _ip_counter(request)
    by_ip = int(cache.get(counter, 0)) if counter else 0
    return len(_recent_failures(request)) >= _lookups_per_session() or by_ip >= _lookups_per_ip()


def _count_failure(request: HttpRequest) -> None:
    """Failed lookups are counted in the session and, without a database, per address in the
    cache (per process with the default local-memory cache: a simple brake, not a wall)."""
    request.session[FAILURES] = [*_recent_failures(request), time.time()]
    counter = _ip_counter(request)
    if counter:
        cache.add(counter, 0, timeout=LOOKUP_WINDOW_SECONDS)
        try:
            cache.incr(counter)
        except ValueError:
            cache.set(counter, 1, timeout=LOOKUP_WINDOW_SECONDS)


def _squeeze(text: str) -> str:
    """Full-width forms to ASCII and no spaces: ５２０３２７－２０２６ → 520327-2026."""
    return "".join(unicodedata.normalize("NFKC", text).split())


# -- Filing an appeal ------------------------------------------------------------------------------


def throttled_page(request: HttpRequest, message: object) -> HttpResponse:
    return render(request, "cases/public/throttled.html", {"message": message}, status=429)


def index(request: HttpRequest) -> HttpResponse:
    may_register = bool(scope_prefixes(request.user, "cases.intake"))
    return render(request, "cases/public/index.html", {"may_register": may_register})


@require_http_methods(["GET", "POST"])
def new_appeal(request: HttpRequest) -> HttpResponse:
    top = settings.SIZHI_COUNTY_CODE
    if request.method == "POST":
        return _submit_appeal(request, top)
    choice = choose_place(request, top, [top])
    if not choice.path:
        return render(
            request,
            "cases/public/place.html",
            {"choice": choice, "flow": "resident"},
            status=404 if choice.error else 200,
        )
    form = AppealForm(initial={"region_code": choice.path[-1].code}, categories=category_groups())
    return render(request, "cases/public/new.html", {"form": form, "place": choice.path})


def _submit_appeal(request: HttpRequest, top: str) -> HttpResponse:
    form = AppealForm(request.POST, request.FILES, categories=category_groups())
    place = chosen_place(request.POST.get("region_code", "").strip(), top, [top])
    if form.is_valid():
        values = form.submit_kwargs()
        if not place:  # the resident form files in this county only
            values["region_code"] = ""
        try:
            submitted = actions.submit_case(
                channel="web",
                actor=None,
                client_ip=request.META.get("REMOTE_ADDR"),
                **values,
            )
        except Invalid as exc:
            form.add_action_errors(exc.fields)
        except Throttled as exc:
            return throttled_page(request, exc.message)
        else:
            key = values["idempotency_key"]
            remember_receipt(
                request,
                key,
                {
                    "number": submitted.case.number,
                    "code": submitted.tracking_code,
                    "repeat": submitted.repeat,
                },
            )
            return redirect(f"{reverse('appeals:done')}?{urlencode({'k': key})}")
    context = {"form": form, "place": place, "had_files": bool(request.FILES)}
    return render(request, "cases/public/new.html", context, status=400)


@require_GET
def appeal_done(request: HttpRequest) -> HttpResponse:
    receipt = receipt_for(request, request.GET.get("k", "")[:64])
    return render(
        request,
        "cases/public/done.html",
        {"receipt": receipt},
        status=200 if receipt else 404,
    )


# -- Following an appeal ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        number = _squeeze(request.GET.get("number", ""))[:NUMBER_MAX_LENGTH]
        return render(
            request, "cases/public/track.html", {"form": TrackForm(initial={"number": number})}
        )
    if _lookups_exhausted(request):
        return throttled_page(request, _("查询失败次数过多，请一小时后再试，或拨打12343热线查询。"))
    form = TrackForm(request.POST)
    if not form.is_valid():
        return render(request, "cases/public/track.html", {"form": form}, status=400)
    number = _squeeze(form.cleaned_data["number"])
    code = _squeeze(form.cleaned_data["code"]).upper()
    try:
        if len(number) > NUMBER_MAX_LENGTH or len(code) > CODE_MAX_LENGTH:
            raise NotFound
        case = queries.track_case(number, code)
    except NotFound:
        _count_failure(request)
        form.add_error(None, _("没有找到与该编号和查询码相符的诉求，请核对后重新输入。"))
        return render(request, "cases/public/track.html", {"form": form}, status=404)
    _remember_tracked(request, case.number, code)
    return redirect("appeals:case", number=case.number)


def _tracked_case(request: HttpRequest, number: str) -> tuple[Case, str] | None:
    code = _tracked_code(request, number)
    if not code:
        return None
    try:
        return queries.track_case(number, code), code
    except NotFound:
        _forget_tracked(request, number)
        return None


def _back_to_track(number: str) -> HttpResponse:
    return redirect(f"{reverse('appeals:track')}?{urlencode({'number': number})}")


def _case_page(request: HttpRequest, case: Case, status: int = 200, **forms: Any) -> HttpResponse:
    view = resident_case(case, timezone.now())
    context = {
        "view": view,
        "case": case,
        "information_form": forms.get("information_form") or InformationForm(),
        "rating_form": forms.get("rating_form") or RatingForm(),
        "review_form": forms.get("review_form") or ReviewRequestForm(),
        "state_error": forms.get("state_error", ""),
    }
    return render(request, "cases/public/case.html", context, status=status)


@require_GET
def case_page(request: HttpRequest, number: str) -> HttpResponse:
    found = _tracked_case(request, number)
    if found is None:
        return _back_to_track(number)
    return _case_page(request, found[0])


def _resident_step(
    request: HttpRequest,
    number: str,
    form_name: str,
    form: Any,
    step: Callable[[Case, str], object],
    done: str,
) -> HttpResponse:
    """Run one of the resident's steps on their tracked case and come back to the case page:
    field errors next to the form (400), a step the case no longer allows (409)."""
    found = _tracked_case(request, number)
    if found is None:
        return _back_to_track(number)
    case, code = found
    if form.is_valid():
        try:
            step(case, code)
        except Invalid as exc:
            for field, errors in exc.fields.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, str(error))
        except InvalidState as exc:
            case.refresh_from_db()
            message = (
                exc.message
                if exc.message is not InvalidState.default_message
                else _("诉求的状态已经变化，这一步现在不能办理。")
            )
            return _case_page(request, case, 409, state_error=message)
        except NotFound:
            _forget_tracked(request, number)
            return _back_to_track(number)
        else:
            messages.success(request, done)
            return redirect("appeals:case", number=case.number)
    return _case_page(request, case, 400, **{form_name: form})


@require_POST
def add_information(request: HttpRequest, number: str) -> HttpResponse:
    form = InformationForm(request.POST, request.FILES)

    def step(case: Case, code: str) -> object:
        return actions.add_information(
            case_id=case.pk,
            tracking_code=code,
            text=form.cleaned_data["text"],
            attachments=form.cleaned_data["attachments"],
        )

    return _resident_step(
        request, number, "information_form", form, step, _("补充内容已提交，承办单位会看到。")
    )


@require_GET
def attachment(request: HttpRequest, number: str, attachment_id: int) -> FileResponse:
    """A file of the resident's own case that they may see (theirs, or one the unit showed
    them), while the case is open in their session; 404 otherwise."""
    found = _tracked_case(request, number)
    if found is None:
        raise Http404
    attachment = public_attachments(found[0]).filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    try:
        return file_response(attachment)
    except NotFound as exc:
        raise Http404 from exc


@require_POST
def rate(request: HttpRequest, number: str) -> HttpResponse:
    form = RatingForm(request.POST)

    def step(case: Case, code: str) -> object:
        return actions.follow_up_case(
            case_id=case.pk,
            contacted=True,
            actor=None,
            tracking_code=code,
            **form.follow_up_kwargs(),
        )

    return _resident_step(request, number, "rating_form", form, step, _("感谢您的评价。"))


@require_POST
def request_review(request: HttpRequest, number: str) -> HttpResponse:
    form = ReviewRequestForm(request.POST)

    def step(case: Case, code: str) -> object:
        name = review_step_of(case)
        if not name:
            raise InvalidState
        return actions.review_petition(
            case_id=case.pk,
            step=name,
            opinion=form.cleaned_data["opinion"],
            actor=None,
            tracking_code=code,
        )

    return _resident_step(request, number, "review_form", form, step, _("申请已提交。"))


@require_POST
def forget(request: HttpRequest, number: str) -> HttpResponse:
    _forget_tracked(request, number)
    messages.info(request, _("已退出查看。再次查看需要输入编号和查询码。"))
    return redirect("appeals:track")
