"""Every change to webhooks: subscriptions made, stopped, started and given a new secret;
deliveries queued for an event (sizhi.webhooks.fanout, re-exported here), queued again when
their next attempt is due or when their owner sends them again, and deleted when old.

Posting happens only in the task worker (sizhi.webhooks.tasks), never in the request that
caused the event. See docs/adr/0010-webhooks.md.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sizhi.accounts.models import ApiToken, TokenKind
from sizhi.cases.workflow import TRANSITIONS as CASE_TRANSITIONS
from sizhi.core import audit
from sizhi.core.errors import Invalid, InvalidState, NotFound
from sizhi.core.regioncode import is_valid
from sizhi.deliberation.workflow import TRANSITIONS as MOTION_TRANSITIONS

# Re-exported: the listener and the ADR name them as actions.
from sizhi.webhooks.fanout import queue_batch_deliveries as queue_batch_deliveries
from sizhi.webhooks.fanout import queue_deliveries as queue_deliveries
from sizhi.webhooks.models import (
    Delivery,
    DeliveryState,
    DisabledReason,
    EventKind,
    Subscription,
)
from sizhi.webhooks.queries import owner_reach
from sizhi.webhooks.signing import VISIBLE_LENGTH, new_salt, secret_of
from sizhi.webhooks.targets import TargetError, check_url
from sizhi.webhooks.tasks import LEASE, MAX_ATTEMPTS, deliver_webhook

MAX_ACTIVE_SUBSCRIPTIONS = 20  # per owner
REQUEUE_BATCH = 1000
# Rows deleted per statement by the prune, as for Idempotency-Key answers
# (sizhi.accounts.actions.PRUNE_BATCH): a large backlog never holds a lock for long.
PRUNE_BATCH = 5000
# A delivery in one of these states is done: it may be sent again by hand, or deleted when old.
RESENDABLE = (DeliveryState.FAILED, DeliveryState.WITHHELD)
FINISHED = (DeliveryState.DELIVERED, *RESENDABLE)
TRANSITIONS_OF = {EventKind.CASE: CASE_TRANSITIONS, EventKind.MOTION: MOTION_TRANSITIONS}
# Events written outside the workflow tables, announced like the others.
OTHER_EVENTS: dict[str, dict[str, Any]] = {
    EventKind.CASE: {
        "receive": gettext_lazy("登记"),
        "motion_published": gettext_lazy("议事会决议公开"),
    },
    EventKind.MOTION: {"create": gettext_lazy("创建")},
}


def events_of(kind: str) -> dict[str, Any]:
    """Every event of ``kind`` a subscription may choose, by name, with its label: those
    written outside the table first (registration, creation), then the table's steps."""
    table = {name: step.label for name, step in TRANSITIONS_OF[EventKind(kind)].items()}
    return {**OTHER_EVENTS[EventKind(kind)], **table}


@dataclass(frozen=True)
class IssuedSubscription:
    subscription: Subscription
    secret: str  # shown once; it is derived again only to sign


def _may_manage(actor: Any, subscription: Subscription) -> bool:
    """The system, a superuser, or the owner (the user, or the key's user)."""
    if actor is None or getattr(actor, "is_superuser", False):
        return True
    owner_id = subscription.token.user_id if subscription.token else subscription.user_id
    return bool(getattr(actor, "pk", None)) and actor.pk == owner_id


def clean_events(raw: Sequence[Any]) -> list[str]:
    """``case``, ``motion``, or ``case.<event>`` / ``motion.<event>`` of ``events_of``;
    Invalid for anything else."""
    events: list[str] = []
    for item in raw:
        value = str(item).strip()
        kind, dot, transition = value.partition(".")
        if kind not in EventKind.values:
            known = False
        elif dot:
            known = transition in events_of(kind)
        else:
            known = True
        if not known:
            raise Invalid(fields={"events": [_("未知的事件：%(event)s。") % {"event": value[:60]}]})
        if value not in events:
            events.append(value)
    return events


def _check_owner(token: ApiToken | None, user: Any, now: dt.datetime) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if (token is None) == (user is None):
        errors["owner"] = [_("请指定一个集成密钥或一个用户作为订阅所有者。")]
    elif token is not None and (
        token.kind != TokenKind.INTEGRATION
        or token.revoked_at is not None
        or (token.expires_at is not None and token.expires_at <= now)
        or not token.user.is_active
    ):
        errors["owner"] = [_("所有者须为有效的集成密钥。")]
    elif user is not None and not user.is_active:
        errors["owner"] = [_("该账号已停用，请联系管理员。")]
    return errors


def _check_input(
    *, name: str, url: str, region_prefix: str, token: ApiToken | None, user: Any
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("请填写订阅名称。")]
    elif len(name) > 60:
        errors["name"] = [_("名称不能超过%(limit)d个字。") % {"limit": 60}]
    try:
        check_url(url)
    except TargetError as exc:
        errors["url"] = [str(exc)]
    if region_prefix and not is_valid(region_prefix):
        errors["region_prefix"] = [_("请输入有效的区划代码，如 520327101。")]
    elif token is not None and region_prefix and not region_prefix.startswith(token.region_code):
        errors["region_prefix"] = [_("区域范围须在集成密钥的区域范围之内。")]
    owner_rows = Subscription.objects.filter(is_active=True)
    owner_rows = (
        owner_rows.filter(token=token) if token is not None else owner_rows.filter(user=user)
    )
    if (token is not None or user is not None) and owner_rows.count() >= MAX_ACTIVE_SUBSCRIPTIONS:
        errors["name"] = [
            _("有效订阅已达%(limit)d个，请先停用不用的订阅。") % {"limit": MAX_ACTIVE_SUBSCRIPTIONS}
        ]
    return errors


def _check_reach(owner: Any, region_prefix: str) -> dict[str, list[str]]:
    """The owner must see some place, and a region, when given, must meet what they see:
    lie within one of their grants or hold one. A region with nothing the owner may see would
    only ever record withheld deliveries."""
    reach = owner_reach(owner)
    if not reach:
        return {"owner": [_("所有者在任何区域都没有权限，订阅收不到事件。")]}
    if region_prefix and not any(
        region_prefix.startswith(code) or code.startswith(region_prefix) for code in reach
    ):
        return {"region_prefix": [_("区域范围须在所有者的权限范围之内。")]}
    return {}


@transaction.atomic
def create_subscription(
    *,
    name: str,
    url: str,
    actor: Any,
    token: ApiToken | None = None,
    user: Any = None,
    events: Sequence[Any] = (),
    region_prefix: str = "",
    now: dt.datetime | None = None,
) -> IssuedSubscription:
    """Subscribe an integration key (``token``) or a user to events, posted to ``url``. The
    system (``actor`` None), a superuser or the owner may. The region, when given, must lie
    within the key's and meet the owner's grants. Returns the signing secret, which is shown
    this once."""
    now = now or timezone.now()
    name, url, region_prefix = name.strip(), url.strip(), region_prefix.strip()
    if token is not None:  # as it is now, not as the caller last read it
        token = ApiToken.objects.select_related("user").filter(pk=token.pk).first()
    subscription = Subscription(name=name, token=token, user=user)
    if (token is not None or user is not None) and not _may_manage(actor, subscription):
        raise NotFound
    errors = _check_owner(token, user, now)
    errors.update(
        _check_input(name=name, url=url, region_prefix=region_prefix, token=token, user=user)
    )
    if not errors.keys() & {"owner", "region_prefix"}:
        errors.update(_check_reach(token.user if token is not None else user, region_prefix))
    try:
        cleaned = clean_events(events)
    except Invalid as exc:
        errors.update(exc.fields)
    if errors:
        raise Invalid(fields=errors)
    salt = new_salt()
    secret = secret_of(salt)
    subscription.url = url
    subscription.events = cleaned
    subscription.region_prefix = region_prefix
    subscription.secret_salt = salt
    subscription.secret_prefix = secret[:VISIBLE_LENGTH]
    subscription.created_at = now
    subscription.save()
    audit.record(
        actor=actor,
        action="webhook.create",
        obj=subscription,
        region_code=region_prefix,
        changes={
            "owner": f"token:{token.pk}" if token is not None else f"user:{user.pk}",
            "url": url,
            "events": cleaned,
            "region_prefix": region_prefix,
        },
    )
    return IssuedSubscription(subscription, secret)


def _load(subscription_id: Any, actor: Any) -> Subscription:
    try:
        key = int(subscription_id)
    except (TypeError, ValueError):
        raise NotFound from None
    subscription = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("token")
        .filter(pk=key)
        .first()
    )
    if subscription is None or not _may_manage(actor, subscription):
        raise NotFound
    return subscription


@transaction.atomic
def disable_subscription(
    *, subscription_id: Any, actor: Any, now: dt.datetime | None = None
) -> Subscription:
    """Stop posting; deliveries still waiting are withheld when their turn comes."""
    subscription = _load(subscription_id, actor)
    if not subscription.is_active:
        raise InvalidState(_("该订阅已停用。"))
    subscription.is_active = False
    subscription.disabled_at = now or timezone.now()
    subscription.disabled_reason = DisabledReason.MANUAL
    subscription.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
    audit.record(
        actor=actor,
        action="webhook.disable",
        obj=subscription,
        region_code=subscription.region_prefix,
        changes={"is_active": [True, False]},
    )
    return subscription


@transaction.atomic
def enable_subscription(*, subscription_id: Any, actor: Any) -> Subscription:
    """Start posting again, from the next event on, with the failure count at zero. The URL
    and the owner are checked again: the rules may have changed since."""
    subscription = _load(subscription_id, actor)
    if subscription.is_active:
        raise InvalidState(_("该订阅已启用。"))
    errors = _check_owner(subscription.token, subscription.user, timezone.now())
    try:
        check_url(subscription.url)
    except TargetError as exc:
        errors["url"] = [str(exc)]
    if errors:
        raise Invalid(fields=errors)
    before = subscription.disabled_reason
    subscription.is_active = True
    subscription.disabled_at = None
    subscription.disabled_reason = ""
    subscription.consecutive_failures = 0
    subscription.save(
        update_fields=["is_active", "disabled_at", "disabled_reason", "consecutive_failures"]
    )
    audit.record(
        actor=actor,
        action="webhook.enable",
        obj=subscription,
        region_code=subscription.region_prefix,
        changes={"is_active": [False, True], "disabled_reason": [before, ""]},
    )
    return subscription


@transaction.atomic
def rotate_secret(*, subscription_id: Any, actor: Any) -> IssuedSubscription:
    """A new signing secret, at once: every later attempt, retries included, is signed with
    it. Returns the secret, shown this once."""
    subscription = _load(subscription_id, actor)
    salt = new_salt()
    secret = secret_of(salt)
    before = subscription.secret_prefix
    subscription.secret_salt = salt
    subscription.secret_prefix = secret[:VISIBLE_LENGTH]
    subscription.save(update_fields=["secret_salt", "secret_prefix"])
    audit.record(
        actor=actor,
        action="webhook.rotate_secret",
        obj=subscription,
        region_code=subscription.region_prefix,
        changes={"secret_prefix": [before, subscription.secret_prefix]},
    )
    return IssuedSubscription(subscription, secret)


def requeue_due_deliveries(*, now: dt.datetime, limit: int = REQUEUE_BATCH) -> int:
    """Enqueue the deliveries due for another attempt at ``now``: queued ones whose retry delay
    has passed, and ones whose attempt outlived its lease (the worker stopped; the last allowed
    attempt is then given up). At most ``limit``, the longest waiting first, each enqueued
    after its own compare-and-set commits, which moves its next attempt a lease ahead, so a
    pass run twice, or two at once, enqueues each once. Returns how many were enqueued."""
    due = (
        Delivery.objects.filter(
            state__in=[DeliveryState.QUEUED, DeliveryState.SENDING], next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "state", "attempts", "next_attempt_at")[:limit]
    )
    enqueued = 0
    for delivery_id, state, attempts, next_attempt_at in list(due):
        unchanged = Delivery.objects.filter(
            pk=delivery_id, state=state, next_attempt_at=next_attempt_at
        )
        if state == DeliveryState.SENDING and attempts >= MAX_ATTEMPTS:
            unchanged.update(
                state=DeliveryState.FAILED, next_attempt_at=None, last_error="attempt interrupted"
            )
            continue
        with transaction.atomic():
            if unchanged.update(state=DeliveryState.QUEUED, next_attempt_at=now + LEASE):
                transaction.on_commit(partial(deliver_webhook.enqueue, delivery_id))
                enqueued += 1
    return enqueued


@transaction.atomic
def resend_delivery(
    *, subscription_id: Any, delivery_id: Any, actor: Any, now: dt.datetime | None = None
) -> Delivery:
    """Send a delivery that failed or was withheld again: it goes back to the queue as if it
    had just been recorded (attempts from zero, the same retries) and one task is enqueued
    after commit. The worker posts it as any other, after checking again that the owner may
    see the case or motion, so a delivery its owner can no longer see is withheld again. The
    owner (or a superuser, or the system) may, while the subscription is active."""
    now = now or timezone.now()
    subscription = _load(subscription_id, actor)
    try:
        key = int(delivery_id)
    except (TypeError, ValueError):
        raise NotFound from None
    delivery = (
        Delivery.objects.select_for_update().filter(pk=key, subscription_id=subscription.pk).first()
    )
    if delivery is None:
        raise NotFound
    if delivery.state not in RESENDABLE:
        raise InvalidState(_("只有推送失败或未推送的记录可以重新推送。"))
    if not subscription.is_active:
        raise InvalidState(_("该订阅已停用，请先启用再重新推送。"))
    before = {"state": delivery.state, "attempts": delivery.attempts}
    delivery.state = DeliveryState.QUEUED
    delivery.attempts = 0
    delivery.last_status = None
    delivery.last_error = ""
    delivery.next_attempt_at = now + LEASE
    delivery.save(
        update_fields=["state", "attempts", "last_status", "last_error", "next_attempt_at"]
    )
    transaction.on_commit(partial(deliver_webhook.enqueue, delivery.pk))
    audit.record(
        actor=actor,
        action="webhook.resend",
        obj=subscription,
        region_code=subscription.region_prefix,
        changes={
            "delivery": delivery.pk,
            "event": f"{delivery.event_kind}-{delivery.event_id}",
            "state": [before["state"], DeliveryState.QUEUED.value],
            "attempts": [before["attempts"], 0],
        },
    )
    return delivery


def prune_deliveries(
    *, now: dt.datetime, keep_days: int | None = None, batch: int = PRUNE_BATCH
) -> int:
    """Delete the deliveries that are done (delivered, failed or withheld) and whose last
    attempt, or their recording if never attempted, lies more than ``keep_days`` days
    (``SIZHI_WEBHOOK_KEEP_DAYS``) before ``now``; one exactly that old is kept. A queued or
    sending delivery is never deleted, however old. At most ``batch`` rows per statement, the
    lowest ids first, each statement its own transaction when not inside another, until none
    is left. Bookkeeping, like the prune of Idempotency-Key answers: no audit row. Returns how
    many were deleted."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    days = settings.SIZHI_WEBHOOK_KEEP_DAYS if keep_days is None else keep_days
    if days < 0:
        raise ValueError("keep_days must not be negative")
    cutoff = now - dt.timedelta(days=days)
    old = Delivery.objects.filter(state__in=FINISHED).filter(
        Q(last_attempt_at__lt=cutoff) | Q(last_attempt_at__isnull=True, created_at__lt=cutoff)
    )
    deleted = 0
    while True:
        lowest = old.order_by("pk").values("pk")[:batch]
        # The state again: a delivery sent again since the ids were read stays.
        count, _counts = Delivery.objects.filter(pk__in=lowest, state__in=FINISHED).delete()
        deleted += count
        if count < batch:
            return deleted
