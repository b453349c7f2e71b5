"""The subscriptions page runs a fixed number of queries, whatever the number of subscriptions
and deliveries: 3 or 30 of each."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sizhi.webhooks import actions
from sizhi.webhooks.queries import PAGE_DELIVERIES
from sizhi.webhooks.tests.conftest import Integration, make_integration, subscribe
from sizhi.webhooks.tests.factories import DeliveryFactory
from sizhi.webhooks.tests.pages import LIST, detail, signed_in

pytestmark = pytest.mark.django_db

# The session, the user, the integration keys (the owner choices), the subscriptions with
# their newest delivery, and the two reads of the site's navigation (county, roles).
LIST_QUERIES = 6
# The session, the user, the subscription with its owner, its deliveries, and the navigation.
DETAIL_QUERIES = 6


@pytest.fixture
def owner(tree: Any) -> Integration:
    return make_integration(tree.township_a)


def _queries(client: Any, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(url)
    assert answer.status_code == 200
    return len(queries.captured_queries), answer.content.decode()


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_runs_the_same_queries_for_3_or_30_subscriptions(owner, count):
    for number in range(count):
        # Half through the key, half through the account (at most 20 active per owner)
        url = f"https://hooks.example.com/{number}"
        subscription = (
            subscribe(owner, url).subscription
            if number % 2
            else actions.create_subscription(
                name="本人", url=url, user=owner.user, actor=None
            ).subscription
        )
        DeliveryFactory.create_batch(3, subscription=subscription, state="failed")
        DeliveryFactory.create(subscription=subscription, state="delivered", last_status=204)
    client = signed_in(owner.user)
    queries, html = _queries(client, LIST)
    assert queries == LIST_QUERIES
    assert html.count("<code>204</code>") == count  # the newest delivery of each


@pytest.mark.parametrize(("count", "shown"), [(3, 3), (30, 30), (60, PAGE_DELIVERIES)])
def test_the_detail_runs_the_same_queries_for_3_or_30_deliveries(owner, count, shown):
    subscription = subscribe(owner, "https://hooks.example.com/in").subscription
    DeliveryFactory.create_batch(count, subscription=subscription, state="failed")
    client = signed_in(owner.user)
    queries, html = _queries(client, detail(subscription))
    assert queries == DETAIL_QUERIES
    assert html.count("重新推送事件 case-") == shown
