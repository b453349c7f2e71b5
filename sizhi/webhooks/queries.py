"""Reads for webhooks: what an event says, whether a subscription may hear of it, and the lists
the admin and the subscriptions page show.

Who may see the case or motion is decided by its own domain (``cases.queries.access_case``,
``deliberation.queries.access_motion``, both over ``visible_to``), for the subscription's owner,
narrowed by the owner's integration key (its region and scopes) and the subscription's region.
"""

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from sizhi.accounts.models import ApiToken, TokenKind
from sizhi.accounts.tokens import SCOPES
from sizhi.cases import queries as case_queries
from sizhi.cases.models import Case, CaseEvent
from sizhi.core.errors import NotFound
from sizhi.deliberation import queries as motion_queries
from sizhi.deliberation.models import Motion, MotionEvent
from sizhi.orgs.models import RoleGrant
from sizhi.webhooks.models import Delivery, EventKind, Subscription

# The scope an integration key needs for each kind of event, where such a scope exists
# (sizhi.accounts.tokens.SCOPES); a kind without one is governed by visibility alone.
READ_SCOPES = {EventKind.CASE: "cases:read", EventKind.MOTION: "motions:read"}
# Ids per "IN (...)" when reading many events or objects at once.
CHUNK = 500
# The subscriptions page: at most this many subscriptions, and deliveries of one.
PAGE_SUBSCRIPTIONS = 100
PAGE_DELIVERIES = 50


def region_prefixes(region_code: str) -> list[str]:
    """Every prefix of ``region_code``, "" included: the region scopes that cover it."""
    return [region_code[:length] for length in range(len(region_code) + 1)]


def wants(events: list[Any], kind: str, transition: str) -> bool:
    """Whether a subscription's event filter takes ``kind.transition`` (empty: everything)."""
    return not events or kind in events or f"{kind}.{transition}" in events


def key_may_read(scopes: list[Any] | None, kind: str) -> bool:
    """An integration key must carry the kind's read scope; a user (``scopes`` None) need not."""
    if scopes is None:
        return True
    scope = READ_SCOPES.get(EventKind(kind))
    return scope is None or scope not in SCOPES or scope in scopes


def _usable_owner(now: dt.datetime, prefixes: list[str] | None = None) -> Q:
    """An active user, or a key neither revoked nor expired whose user is active (and whose
    region scope is one of ``prefixes``, when given)."""
    usable_key = (
        Q(token__revoked_at__isnull=True)
        & (Q(token__expires_at__isnull=True) | Q(token__expires_at__gt=now))
        & Q(token__user__is_active=True)
    )
    if prefixes is not None:
        usable_key &= Q(token__region_code__in=prefixes)
    return Q(token__isnull=True, user__is_active=True) | usable_key


def matching_subscriptions(
    kind: str, transition: str, region_code: str, now: dt.datetime
) -> list[int]:
    """Active subscriptions that take this event and whose owner is usable, in one query: the
    region (the subscription's and the key's) covers it and the filter and scopes take it.
    Whether the owner sees the object is checked before each attempt (``withheld_reason``)."""
    prefixes = region_prefixes(region_code)
    rows = (
        Subscription.objects.filter(is_active=True, region_prefix__in=prefixes)
        .filter(_usable_owner(now, prefixes))
        .order_by("pk")
        .values_list("pk", "events", "token_id", "token__scopes")
    )
    return [
        pk
        for pk, events, token_id, scopes in rows
        if wants(events, kind, transition) and key_may_read(scopes if token_id else None, kind)
    ]


@dataclass(frozen=True)
class EventFacts:
    object_id: int
    region_code: str
    payload: dict[str, Any]


def _facts(kind: str, event_id: int, row: tuple[Any, ...]) -> EventFacts:
    object_id, number, region_code, transition, source, target, at = row
    subject: dict[str, Any] = {"id": object_id, "region_code": region_code}
    if number:
        subject["number"] = number
    payload = {
        "id": f"{kind}-{event_id}",
        "kind": kind,
        "event_id": event_id,
        "transition": transition,
        "from_state": source,
        "to_state": target,
        "at": timezone.localtime(at).isoformat(),
        kind: subject,
    }
    return EventFacts(object_id, region_code, payload)


def _fact_rows(kind: str, event_ids: list[int]) -> QuerySet[Any, tuple[Any, ...]]:
    """(event id, object id, case number or "", region, step, from, to, time) of each event."""
    if kind == EventKind.CASE:
        return CaseEvent.objects.filter(pk__in=event_ids).values_list(
            "pk", "case_id", "case__number", "region_code", "transition", "from_state",
            "to_state", "at",
        )  # fmt: skip
    return MotionEvent.objects.filter(pk__in=event_ids).values_list(
        "pk", "motion_id", Value(""), "region_code", "transition", "from_state", "to_state",
        "at",
    )  # fmt: skip


def event_facts(kind: str, event_id: int) -> EventFacts | None:
    """The public facts of an event, as sent: ids, the step, the states, the time, the case
    number and the place. Never the note, the event's data or anything about the person who
    filed a case. One query; None if the event is gone."""
    row = _fact_rows(kind, [event_id]).first()
    return None if row is None else _facts(kind, event_id, row[1:])


def chunks(values: Sequence[int], size: int = CHUNK) -> Iterator[list[int]]:
    """``values`` in lists of at most ``size``: the ids of one ``IN (...)`` each, well within
    every backend's limit on parameters."""
    ordered = sorted(set(values))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def events_facts(kind: str, event_ids: Sequence[int]) -> dict[int, EventFacts]:
    """``event_facts`` of many events of one kind, by event id (the ones gone are missing):
    one query per CHUNK events."""
    return {
        row[0]: _facts(kind, row[0], row[1:])
        for chunk in chunks(event_ids)
        for row in _fact_rows(kind, chunk)
    }


@dataclass(frozen=True)
class Subscriber:
    """What decides, without a query, whether a subscription takes an event: its filter, the
    region prefixes the event must lie under (its own and its key's) and the key's scopes
    (None for a user owner); and the owner whose sight decides the rest."""

    pk: int
    owner_id: int
    events: list[Any]
    regions: tuple[str, str]
    scopes: list[Any] | None

    def takes(self, kind: str, transition: str, region_code: str) -> bool:
        return (
            all(region_code.startswith(prefix) for prefix in self.regions)
            and wants(self.events, kind, transition)
            and key_may_read(self.scopes, kind)
        )


def usable_subscribers(now: dt.datetime) -> list[Subscriber]:
    """Every active subscription whose owner is usable, in one query, for matching a batch
    of events in memory (``matching_subscriptions`` matches one event in the query)."""
    rows = (
        Subscription.objects.filter(is_active=True)
        .filter(_usable_owner(now))
        .order_by("pk")
        .values_list(
            "pk", "events", "region_prefix", "token_id", "token__region_code", "token__scopes",
            "token__user_id", "user_id",
        )
    )  # fmt: skip
    return [
        Subscriber(
            pk=pk,
            owner_id=key_user_id if token_id else user_id,
            events=events,
            regions=(prefix, key_region if token_id else ""),
            scopes=scopes if token_id else None,
        )
        for pk, events, prefix, token_id, key_region, scopes, key_user_id, user_id in rows
    ]


def visible_object_ids(owners: Mapping[int, set[int]], kind: str) -> dict[int, set[int]]:
    """Of the case or motion ids given for each owner (by user id), those the owner may see,
    through the domain's ``visible_to`` (as ``withheld_reason`` does one at a time): one query
    for the owners, then per owner one for the grants and one per CHUNK objects."""
    users = get_user_model().objects.filter(pk__in=list(owners), is_active=True)
    seen: dict[int, set[int]] = {}
    for user in users:
        found: set[int] = set()
        for chunk in chunks(list(owners[user.pk])):
            rows = (
                Case.objects.visible_to(user).filter(pk__in=chunk)
                if kind == EventKind.CASE
                else Motion.objects.visible_to(user).filter(pk__in=chunk)
            )
            found.update(rows.values_list("pk", flat=True))
        seen[user.pk] = found
    return seen


def _object_region(user: Any, kind: str, object_id: int) -> str | None:
    """The region of the case or motion if ``user`` may see it, else None."""
    try:
        if kind == EventKind.CASE:
            return case_queries.access_case(user, object_id).region_code
        return motion_queries.access_motion(user, object_id).region_code
    except NotFound:
        return None


def withheld_reason(delivery: Delivery, now: dt.datetime) -> str:
    """Why the delivery may not be sent now ("" if it may): the subscription or its key has
    stopped, or the owner may no longer see the object, or the object left the region that the
    key or the subscription covers. In English, for the delivery log."""
    subscription = delivery.subscription
    if not subscription.is_active:
        return "subscription disabled"
    token: ApiToken | None = subscription.token
    owner: Any = subscription.user
    if token is not None:
        if token.revoked_at is not None or (token.expires_at and token.expires_at <= now):
            return "integration key revoked or expired"
        if not key_may_read(token.scopes, delivery.event_kind):
            return "integration key lacks the read scope"
        owner = token.user
    if owner is None or not owner.is_active:
        return "owner inactive"
    region = _object_region(owner, delivery.event_kind, delivery.object_id)
    scopes = [subscription.region_prefix, token.region_code if token is not None else ""]
    if region is None or not all(region.startswith(prefix) for prefix in scopes):
        return "not visible to the owner"
    return ""


def subscriptions_for(user: Any) -> QuerySet[Subscription]:
    """The subscriptions ``user`` manages: all for a superuser, else their own and their
    keys'."""
    rows = Subscription.objects.select_related("token", "user")
    if getattr(user, "is_superuser", False):
        return rows
    if not getattr(user, "pk", None):
        return rows.none()
    return rows.filter(Q(user_id=user.pk) | Q(token__user_id=user.pk))


def deliveries_of(subscription_id: int, limit: int = 100) -> list[Delivery]:
    """The newest deliveries of a subscription, newest first (one query)."""
    return list(Delivery.objects.filter(subscription_id=subscription_id).order_by("-id")[:limit])


def owner_reach(user: Any) -> list[str]:
    """The region codes of ``user``'s active grants, whatever the role ("" for a superuser:
    everywhere); none for an inactive user. What a subscription's region must meet."""
    if user is None or not user.is_active:
        return []
    if user.is_superuser:
        return [""]
    codes = RoleGrant.objects.active().filter(user_id=user.pk).values_list("region_code", flat=True)
    return sorted(set(codes))


def owner_is_usable(subscription: Subscription, now: dt.datetime) -> bool:
    """Whether the owner can still receive anything: an active user, or a key neither revoked
    nor expired whose user is active (its ``token`` and ``token.user`` loaded)."""
    token = subscription.token
    if token is None:
        return subscription.user is not None and subscription.user.is_active
    return (
        token.revoked_at is None
        and (token.expires_at is None or token.expires_at > now)
        and token.user.is_active
    )


@dataclass(frozen=True)
class SubscriptionRow:
    """A line of the subscriptions page."""

    subscription: Subscription
    state: str  # "active", "stopped" (by hand) or "failing" (stopped after deliveries failed)
    owner_usable: bool
    last_state: str  # the newest delivery's state, "" when there is none
    last_status: int | None  # its last HTTP status
    last_at: dt.datetime | None  # its last attempt, or when it was recorded


def subscription_state(subscription: Subscription) -> str:
    if subscription.is_active:
        return "active"
    return "failing" if subscription.disabled_reason == "failures" else "stopped"


def list_subscriptions_for(user: Any, limit: int = PAGE_SUBSCRIPTIONS) -> list[SubscriptionRow]:
    """The subscriptions ``user`` owns, through their account or one of their integration keys
    (a superuser's too: the others are in the admin), newest first, each with its newest
    delivery. One query, however many subscriptions and deliveries."""
    if not getattr(user, "pk", None):
        return []
    newest = Delivery.objects.filter(subscription_id=OuterRef("pk")).order_by("-pk")[:1]
    rows = (
        Subscription.objects.filter(Q(user_id=user.pk) | Q(token__user_id=user.pk))
        .select_related("token__user", "user")
        .annotate(
            newest_state=Subquery(newest.values("state")),
            newest_status=Subquery(newest.values("last_status")),
            newest_at=Subquery(newest.values(at=Coalesce("last_attempt_at", "created_at"))),
        )
        .order_by("-created_at", "-id")[:limit]
    )
    now = timezone.now()
    return [
        SubscriptionRow(
            subscription=row,
            state=subscription_state(row),
            owner_usable=owner_is_usable(row, now),
            last_state=row.newest_state or "",
            last_status=row.newest_status,
            last_at=row.newest_at,
        )
        for row in rows
    ]


def access_subscription(user: Any, subscription_id: int) -> Subscription:
    """One subscription ``user`` manages (``subscriptions_for``), with its key, the key's user
    and its user; NotFound otherwise, missing or not theirs alike."""
    found = subscriptions_for(user).select_related("token__user").filter(pk=subscription_id)
    subscription = found.first()
    if subscription is None:
        raise NotFound
    return subscription


def integration_keys_of(user: Any, now: dt.datetime | None = None) -> list[ApiToken]:
    """The user's integration keys that may own a new subscription: neither revoked nor
    expired, oldest first (one query)."""
    keys = ApiToken.objects.filter(user_id=user.pk, kind=TokenKind.INTEGRATION).usable(now)
    return list(keys.order_by("created_at", "id"))
