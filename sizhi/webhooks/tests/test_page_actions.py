"""Stopping, starting and re-keying a subscription on its page: each through its action, with a
redirect after the POST (the new secret excepted, shown once), an audit row, and nothing
changed when refused."""

from typing import Any

import pytest

from sizhi.accounts.actions import revoke_api_token
from sizhi.accounts.tests.factories import UserFactory
from sizhi.core.models import AuditLog
from sizhi.webhooks import actions
from sizhi.webhooks.models import Subscription
from sizhi.webhooks.signing import secret_of
from sizhi.webhooks.tests.conftest import Integration, make_integration, subscribe
from sizhi.webhooks.tests.factories import DeliveryFactory
from sizhi.webhooks.tests.pages import (
    PUBLIC_URL,
    action,
    detail,
    resend_url,
    shown_secret,
    signed_in,
    snapshot,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(tree: Any) -> Integration:
    return make_integration(tree.township_a)


@pytest.fixture
def subscription(owner: Integration) -> Subscription:
    return subscribe(owner, PUBLIC_URL).subscription


def _follow(answer: Any) -> str:
    assert answer.status_code == 200
    return answer.content.decode()


def test_the_detail_page_shows_the_subscription_and_its_deliveries_newest_first(
    owner: Integration, subscription: Subscription
):
    delivered = DeliveryFactory.create(subscription=subscription, event_id=11, last_status=200)
    waiting = DeliveryFactory.create(
        subscription=subscription,
        event_id=12,
        state="queued",
        attempts=2,
        last_status=502,
        last_error="answered 502",
        next_attempt_at=subscription.created_at,
    )
    withheld = DeliveryFactory.create(subscription=subscription, event_id=13, state="withheld")
    failed = DeliveryFactory.create(subscription=subscription, event_id=14, state="failed")
    html = _follow(signed_in(owner.user).get(detail(subscription)))
    assert html.index("case-14") < html.index("case-13") < html.index("case-12")
    assert html.index("case-12") < html.index("case-11")
    assert "<code>502</code>" in html
    assert "answered 502" in html
    assert "2 / 6" in html
    assert subscription.created_at.strftime("%Y-%m-%d") in html
    resends = [
        delivery
        for delivery in (delivered, waiting, withheld, failed)
        if resend_url(delivery) in html
    ]
    assert resends == [withheld, failed]
    assert html.count("重新推送事件 case-") == 2
    assert f"<code>{subscription.secret_prefix}…</code>" in html
    assert f"{owner.token.name} <code>{owner.token.prefix}…</code>" in html


def test_the_owner_stops_and_starts_a_subscription(owner: Integration, subscription: Subscription):
    client = signed_in(owner.user)
    stopped = client.post(action("disable", subscription))
    assert (stopped.status_code, stopped["Location"]) == (302, detail(subscription))
    subscription.refresh_from_db()
    assert (subscription.is_active, subscription.disabled_reason) == (False, "manual")
    html = _follow(client.get(detail(subscription)))
    assert "已停用订阅“推送测试”。" in html
    assert "启用订阅" in html
    Subscription.objects.filter(pk=subscription.pk).update(consecutive_failures=3)
    started = client.post(action("enable", subscription))
    assert (started.status_code, started["Location"]) == (302, detail(subscription))
    subscription.refresh_from_db()
    assert (subscription.is_active, subscription.disabled_reason) == (True, "")
    assert subscription.consecutive_failures == 0
    assert "已启用订阅“推送测试”。" in _follow(client.get(detail(subscription)))
    rows = AuditLog.objects.filter(action__in=["webhook.disable", "webhook.enable"])
    assert [(row.action, row.actor) for row in rows.order_by("id")] == [
        ("webhook.disable", owner.user),
        ("webhook.enable", owner.user),
    ]


def test_a_subscription_stopped_after_failures_can_be_started_again(
    owner: Integration, subscription: Subscription
):
    Subscription.objects.filter(pk=subscription.pk).update(
        is_active=False, disabled_reason="failures", consecutive_failures=5
    )
    client = signed_in(owner.user)
    assert "连续推送失败，自动停用" in _follow(client.get(detail(subscription)))
    assert client.post(action("enable", subscription)).status_code == 302
    subscription.refresh_from_db()
    assert (subscription.is_active, subscription.consecutive_failures) == (True, 0)


def test_stopping_twice_says_so_and_changes_nothing(owner: Integration, subscription: Subscription):
    actions.disable_subscription(subscription_id=subscription.pk, actor=None)
    before = snapshot()
    client = signed_in(owner.user)
    answer = client.post(action("disable", subscription))
    assert (answer.status_code, answer["Location"]) == (302, detail(subscription))
    assert "该订阅已停用。" in _follow(client.get(detail(subscription)))
    assert snapshot() == before
    actions.enable_subscription(subscription_id=subscription.pk, actor=None)
    before = snapshot()
    assert client.post(action("enable", subscription)).status_code == 302
    assert "该订阅已启用。" in _follow(client.get(detail(subscription)))
    assert snapshot() == before


def test_a_subscription_is_not_started_when_its_url_is_no_longer_allowed(
    owner: Integration, settings: Any
):
    settings.SIZHI_WEBHOOK_ALLOW_PRIVATE = True
    subscription = subscribe(owner, "http://10.1.2.3/hook").subscription
    actions.disable_subscription(subscription_id=subscription.pk, actor=None)
    settings.SIZHI_WEBHOOK_ALLOW_PRIVATE = False
    before = snapshot()
    answer = signed_in(owner.user).post(action("enable", subscription))
    assert answer.status_code == 400
    html = answer.content.decode()
    assert 'id="action-errors"' in html
    assert "不允许推送到本机或内网地址。" in html
    assert snapshot() == before


def test_a_subscription_is_not_started_when_its_key_was_revoked(
    owner: Integration, subscription: Subscription
):
    actions.disable_subscription(subscription_id=subscription.pk, actor=None)
    revoke_api_token(token_id=owner.token.pk, actor=None)
    before = snapshot()
    answer = signed_in(owner.user).post(action("enable", subscription))
    assert answer.status_code == 400
    assert "所有者须为有效的集成密钥。" in answer.content.decode()
    assert snapshot() == before


def test_a_new_secret_is_shown_once_and_the_old_one_stops_signing(
    owner: Integration, subscription: Subscription
):
    old = secret_of(subscription.secret_salt)
    client = signed_in(owner.user)
    answer = client.post(action("rotate", subscription))
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    subscription.refresh_from_db()
    secret = shown_secret(answer.content.decode())
    assert secret == secret_of(subscription.secret_salt)
    assert secret != old
    assert subscription.secret_prefix == secret[:12]
    later = _follow(client.get(detail(subscription)))
    assert shown_secret(later) is None
    assert secret not in later
    audit = AuditLog.objects.get(action="webhook.rotate_secret")
    assert audit.actor == owner.user
    assert audit.changes == {"secret_prefix": [old[:12], secret[:12]]}


def test_the_owners_own_account_subscription_is_managed_the_same_way(owner: Integration):
    mine = actions.create_subscription(
        name="本人", url=PUBLIC_URL, user=owner.user, actor=None
    ).subscription
    client = signed_in(owner.user)
    assert "本人账号" in _follow(client.get(detail(mine)))
    assert client.post(action("disable", mine)).status_code == 302
    assert client.post(action("rotate", mine)).status_code == 200
    mine.refresh_from_db()
    assert not mine.is_active


def test_a_superuser_manages_any_subscription_but_lists_only_their_own(
    owner: Integration, subscription: Subscription
):
    admin = UserFactory.create(is_superuser=True, is_staff=True)
    client = signed_in(admin)
    assert "推送测试" not in _follow(client.get("/accounts/webhooks/"))
    assert client.get(detail(subscription)).status_code == 200
    assert client.post(action("disable", subscription)).status_code == 302
    assert AuditLog.objects.get(action="webhook.disable").actor == admin
