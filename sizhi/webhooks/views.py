"""The page where a user manages the webhook subscriptions they own, through their account or
their integration keys: make one, stop and start it, give it a new secret, see its recent
deliveries and send a failed or withheld one again.

Every change goes through sizhi.webhooks.actions. A POST that changes something redirects
(post/redirect/get), except the two that make a secret: the new subscription and the new
secret are shown in the answer to that POST, once, never stored and never cached, as the API
tokens page shows a token. Bad input is shown on the form with 400 and changes nothing.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sizhi.core.errors import Invalid, InvalidState, NotFound
from sizhi.webhooks import actions
from sizhi.webhooks.forms import SubscriptionForm, describe_events, event_groups
from sizhi.webhooks.models import Subscription
from sizhi.webhooks.queries import (
    PAGE_DELIVERIES,
    access_subscription,
    deliveries_of,
    integration_keys_of,
    list_subscriptions_for,
    owner_is_usable,
    subscription_state,
)
from sizhi.webhooks.tasks import MAX_ATTEMPTS


def _no_store(response: HttpResponse, secret: str) -> HttpResponse:
    if secret:
        response["Cache-Control"] = "no-store"  # the secret must not stay in a cache
    return response


def _list_page(
    request: HttpRequest,
    form: SubscriptionForm,
    status: int = 200,
    secret: str = "",
    created: Subscription | None = None,
) -> HttpResponse:
    rows = list_subscriptions_for(request.user)
    checked = form.checked_events() if form.is_bound else []
    context = {
        "form": form,
        "rows": [(row, describe_events(row.subscription.events)) for row in rows],
        "event_groups": event_groups(),
        "checked_events": checked,
        "steps_open": any("." in event for event in checked),
        "secret": secret,
        "created": created,
    }
    return _no_store(render(request, "webhooks/subscriptions.html", context, status=status), secret)


@login_required
@require_http_methods(["GET", "POST"])
def subscriptions(request: HttpRequest) -> HttpResponse:
    """The user's subscriptions; POST makes one and shows its secret once."""
    keys = integration_keys_of(request.user)
    if request.method != "POST":
        return _list_page(request, SubscriptionForm(keys=keys))
    form = SubscriptionForm(request.POST, keys=keys)
    if form.is_valid():
        key = form.owner_key()
        try:
            issued = actions.create_subscription(
                name=form.cleaned_data["name"],
                url=form.cleaned_data["url"],
                token=key,
                user=None if key is not None else request.user,
                events=form.cleaned_data["events"],
                region_prefix=form.cleaned_data["region_prefix"],
                actor=request.user,
            )
        except Invalid as error:
            form.add_action_errors(error.fields)
        else:
            return _list_page(
                request,
                SubscriptionForm(keys=keys),
                secret=issued.secret,
                created=issued.subscription,
            )
    return _list_page(request, form, status=400)


def _detail_page(
    request: HttpRequest,
    subscription: Subscription,
    status: int = 200,
    secret: str = "",
    errors: list[str] | None = None,
) -> HttpResponse:
    context = {
        "subscription": subscription,
        "state": subscription_state(subscription),
        "owner_usable": owner_is_usable(subscription, timezone.now()),
        "events": describe_events(subscription.events),
        "deliveries": [
            (delivery, f"{delivery.event_kind}-{delivery.event_id}")
            for delivery in deliveries_of(subscription.pk, limit=PAGE_DELIVERIES)
        ],
        "delivery_limit": PAGE_DELIVERIES,
        "max_attempts": MAX_ATTEMPTS,
        "secret": secret,
        "errors": errors or [],
    }
    response = render(request, "webhooks/subscription.html", context, status=status)
    return _no_store(response, secret)


def _access(request: HttpRequest, subscription_id: int) -> Subscription:
    try:
        return access_subscription(request.user, subscription_id)
    except NotFound as error:
        raise Http404 from error


@login_required
@require_http_methods(["GET"])
def subscription(request: HttpRequest, subscription_id: int) -> HttpResponse:
    return _detail_page(request, _access(request, subscription_id))


def _done(request: HttpRequest, subscription_id: int, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("webhooks:subscription", subscription_id=subscription_id)


@login_required
@require_POST
def disable(request: HttpRequest, subscription_id: int) -> HttpResponse:
    try:
        stopped = actions.disable_subscription(subscription_id=subscription_id, actor=request.user)
    except NotFound as error:
        raise Http404 from error
    except InvalidState as error:
        messages.info(request, str(error.message))
        return redirect("webhooks:subscription", subscription_id=subscription_id)
    return _done(request, stopped.pk, _("已停用订阅“%(name)s”。") % {"name": stopped.name})


@login_required
@require_POST
def enable(request: HttpRequest, subscription_id: int) -> HttpResponse:
    try:
        started = actions.enable_subscription(subscription_id=subscription_id, actor=request.user)
    except NotFound as error:
        raise Http404 from error
    except InvalidState as error:
        messages.info(request, str(error.message))
        return redirect("webhooks:subscription", subscription_id=subscription_id)
    except Invalid as error:
        problems = [str(message) for found in error.fields.values() for message in found]
        return _detail_page(request, _access(request, subscription_id), status=400, errors=problems)
    return _done(request, started.pk, _("已启用订阅“%(name)s”。") % {"name": started.name})


@login_required
@require_POST
def rotate(request: HttpRequest, subscription_id: int) -> HttpResponse:
    """A new secret, shown once in the answer."""
    try:
        issued = actions.rotate_secret(subscription_id=subscription_id, actor=request.user)
    except NotFound as error:
        raise Http404 from error
    return _detail_page(request, _access(request, issued.subscription.pk), secret=issued.secret)


@login_required
@require_POST
def resend(request: HttpRequest, subscription_id: int, delivery_id: int) -> HttpResponse:
    try:
        delivery = actions.resend_delivery(
            subscription_id=subscription_id, delivery_id=delivery_id, actor=request.user
        )
    except NotFound as error:
        raise Http404 from error
    except InvalidState as error:
        messages.info(request, str(error.message))
        return redirect("webhooks:subscription", subscription_id=subscription_id)
    event: dict[str, Any] = {"event": f"{delivery.event_kind}-{delivery.event_id}"}
    return _done(request, subscription_id, _("已重新排队推送事件 %(event)s。") % event)
