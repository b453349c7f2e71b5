"""Every change to webhooks: subscriptions made, stopped, started and given a new secret;
deliveries queued for an event and queued again when their next attempt is due.

Posting happens only in the task worker (sizhi.webhooks.tasks), never in the request that
caused the event. See docs/adr/0010-webhooks.md.
"""

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sizhi.accounts.models import ApiToken, TokenKind
from sizhi.cases.workflow import TRANSITIONS as CASE_TRANSITIONS
from sizhi.core import audit
from sizhi.core.errors import Invalid, InvalidState, NotFound
from sizhi.core.regioncode import is_valid
from sizhi.deliberation.workflow import TRANSITIONS as MOTION_TRANSITIONS
from sizhi.webhooks.models import (
    Delivery,
    DeliveryState,
    DisabledReason,
    EventKind,
    Subscription,
)
from sizhi.webhooks.queries import (
    chunks,
    event_facts,
    events_facts,
    matching_subscriptions,
    usable_subscribers,
    visible_object_ids,
)
from sizhi.webhooks.signing import VISIBLE_LENGTH, new_salt, secret_of
from sizhi.webhooks.targets import TargetError, check_url
from sizhi.webhooks.tasks import LEASE, MAX_ATTEMPTS, deliver_webhook

MAX_ACTIVE_SUBSCRIPTIONS = 20  # per owner
REQUEUE_BATCH = 1000
TRANSITIONS_OF = {EventKind.CASE: CASE_TRANSITIONS, EventKind.MOTION: MOTION_TRANSITIONS}


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
    """``case``, ``motion``, or ``case.<transition>`` / ``motion.<transition>`` from the
    workflow tables; Invalid for anything else."""
    events: list[str] = []
    for item in raw:
        value = str(item).strip()
        kind, dot, transition = value.partition(".")
        if kind not in EventKind.values:
            known = False
        elif dot:
            known = transition in TRANSITIONS_OF[EventKind(kind)]
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
    system (``actor`` None), a superuser or the owner may. Returns the signing secret, which is
    shown this once."""
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


def queue_deliveries(
    *, kind: str, event_id: int, transition: str, region_code: str, now: dt.datetime | None = None
) -> int:
    """Record one delivery of the event for every subscription that takes it, and enqueue each
    after commit. One query when nobody subscribes; otherwise one to read the event, one
    insert (a second call for the same event inserts nothing) and one to read the ids back.
    No HTTP here. Returns how many were enqueued."""
    now = now or timezone.now()
    kind = EventKind(kind)
    subscription_ids = matching_subscriptions(kind, transition, region_code, now)
    if not subscription_ids:
        return 0
    facts = event_facts(kind, event_id)
    if facts is None:
        return 0
    with transaction.atomic():
        Delivery.objects.bulk_create(
            [
                Delivery(
                    subscription_id=subscription_id,
                    event_kind=kind,
                    event_id=event_id,
                    object_id=facts.object_id,
                    region_code=facts.region_code,
                    payload=facts.payload,
                    created_at=now,
                    next_attempt_at=now + LEASE,
                )
                for subscription_id in subscription_ids
            ],
            ignore_conflicts=True,
        )
        queued = list(
            Delivery.objects.filter(
                event_kind=kind,
                event_id=event_id,
                subscription_id__in=subscription_ids,
                state=DeliveryState.QUEUED,
                attempts=0,
            ).values_list("pk", flat=True)
        )
        for delivery_id in queued:
            transaction.on_commit(partial(deliver_webhook.enqueue, delivery_id))
    return len(queued)


def queue_batch_deliveries(
    events: Sequence[Mapping[str, Any]], *, now: dt.datetime | None = None
) -> int:
    """``queue_deliveries`` for many events at once (a topic sent to every council), at a
    cost that does not grow with subscriptions times events: one query reads the usable
    subscriptions, matched to each event in memory; if none takes any, that is all. Then, per
    kind of event, one query per CHUNK events reads their facts; the owners' sight is read
    once per owner (``visible_object_ids``); the deliveries are inserted in bulk and read
    back per CHUNK events; and all are enqueued after commit in one transaction.

    Unlike a single event, a batch records nothing for an event its owner cannot see at the
    time: a subscription without a region would otherwise record a withheld delivery, and a
    task, for each of thousands of motions. The owner's sight is checked again before each
    attempt all the same. Returns how many were enqueued."""
    now = now or timezone.now()
    subscribers = usable_subscribers(now)
    wanted: dict[EventKind, list[tuple[int, int]]] = {}  # kind: (subscription, event) pairs
    for event in events:
        kind = EventKind(event["kind"])
        for subscriber in subscribers:
            if subscriber.takes(kind, event["transition"], event["region_code"]):
                wanted.setdefault(kind, []).append((subscriber.pk, int(event["event_id"])))
    if not wanted:
        return 0
    owner_of = {subscriber.pk: subscriber.owner_id for subscriber in subscribers}
    queued: list[int] = []
    with transaction.atomic():
        for kind, pairs in wanted.items():
            queued += _queue_visible(kind, pairs, owner_of, now)
        if queued:
            transaction.on_commit(_enqueue_all(queued), robust=True)
    return len(queued)


def _queue_visible(
    kind: str, pairs: list[tuple[int, int]], owner_of: dict[int, int], now: dt.datetime
) -> list[int]:
    """Record the deliveries of ``pairs`` (subscription, event) whose owner sees the object;
    the ids of those queued, not yet attempted."""
    facts = events_facts(kind, [event_id for _sub, event_id in pairs])
    objects_of: dict[int, set[int]] = {}
    for subscription_id, event_id in pairs:
        if event_id in facts:
            objects_of.setdefault(owner_of[subscription_id], set()).add(facts[event_id].object_id)
    seen = visible_object_ids(objects_of, kind)
    rows = [
        (subscription_id, event_id)
        for subscription_id, event_id in pairs
        if event_id in facts
        and facts[event_id].object_id in seen.get(owner_of[subscription_id], set())
    ]
    if not rows:
        return []
    Delivery.objects.bulk_create(
        [
            Delivery(
                subscription_id=subscription_id,
                event_kind=kind,
                event_id=event_id,
                object_id=facts[event_id].object_id,
                region_code=facts[event_id].region_code,
                payload=facts[event_id].payload,
                created_at=now,
                next_attempt_at=now + LEASE,
            )
            for subscription_id, event_id in rows
        ],
        ignore_conflicts=True,
    )
    # As for one event, those already recorded and attempted (the batch told twice) are not
    # enqueued again.
    subscription_ids = sorted({subscription_id for subscription_id, _event in rows})
    recorded = set(rows)
    queued: list[int] = []
    for chunk in chunks([event_id for _sub, event_id in rows]):
        found = Delivery.objects.filter(
            event_kind=kind,
            event_id__in=chunk,
            subscription_id__in=subscription_ids,
            state=DeliveryState.QUEUED,
            attempts=0,
        ).values_list("pk", "subscription_id", "event_id")
        queued += [pk for pk, sub, event in found if (sub, event) in recorded]
    return queued


def _enqueue_all(delivery_ids: list[int]) -> Callable[[], None]:
    # One transaction for all the task rows rather than one commit each. Should it fail,
    # the deliveries stay queued and the retry pass enqueues them when their lease ends.
    def enqueue_deliveries() -> None:
        with transaction.atomic():
            for delivery_id in delivery_ids:
                deliver_webhook.enqueue(delivery_id)

    return enqueue_deliveries


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
