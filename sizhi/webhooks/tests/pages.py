"""What the page tests share: addresses, a signed-in client, a snapshot of every webhook row
(to assert that a refused request changed nothing) and the secret shown on a page."""

import re
from typing import Any

from django.test import Client
from django.urls import reverse

from sizhi.core.models import AuditLog
from sizhi.webhooks.models import Delivery, Subscription

LIST = reverse("webhooks:subscriptions")
PUBLIC_URL = "https://hooks.example.com/sizhi"
SECRET = re.compile(r'id="new-secret-value"\s+value="(whsec_[0-9a-f]{64})"')


def detail(subscription: Any) -> str:
    return reverse("webhooks:subscription", args=[subscription.pk])


def action(name: str, subscription: Any) -> str:
    return reverse(f"webhooks:{name}", args=[subscription.pk])


def resend_url(delivery: Any, subscription: Any = None) -> str:
    owner = subscription.pk if subscription is not None else delivery.subscription_id
    return reverse("webhooks:resend", args=[owner, delivery.pk])


def signed_in(user: Any, **options: Any) -> Client:
    client = Client(**options)
    client.force_login(user)
    return client


def snapshot() -> tuple[list[Any], list[Any], int]:
    """Every subscription and delivery, field by field, and the number of audit rows."""
    return (
        list(Subscription.objects.order_by("pk").values()),
        list(Delivery.objects.order_by("pk").values()),
        AuditLog.objects.count(),
    )


def shown_secret(html: str) -> str | None:
    found = SECRET.search(html)
    return found.group(1) if found else None


def form_data(**values: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "进化镇工单看板",
        "owner": "user",
        "url": PUBLIC_URL,
        "events": [],
        "region_prefix": "",
    }
    data.update(values)
    return data
