"""Delivery rows made directly, in any state and at any time, for the page and the prune.
Subscriptions are made through the action (``conftest.subscribe``) so that they have a
secret."""

import factory
from django.utils import timezone

from sizhi.webhooks.models import Delivery, DeliveryState


class DeliveryFactory(factory.django.DjangoModelFactory[Delivery]):
    class Meta:
        model = Delivery

    event_kind = "case"
    event_id = factory.Sequence(lambda n: 1000 + n)
    object_id = factory.Sequence(lambda n: 5000 + n)
    region_code = "520327101201001"
    payload = factory.LazyAttribute(
        lambda o: {
            "id": f"{o.event_kind}-{o.event_id}",
            "kind": o.event_kind,
            "event_id": o.event_id,
            "transition": "accept",
        }
    )
    state = DeliveryState.DELIVERED
    attempts = 1
    created_at = factory.LazyFunction(timezone.now)
    last_attempt_at = factory.LazyAttribute(lambda o: o.created_at)
