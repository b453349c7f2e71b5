"""The subscriptions page: who sees what, and making a subscription there (the same checks as
``sizhi create_webhook``, the secret shown once)."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sizhi.accounts.actions import create_api_token, revoke_api_token
from sizhi.core.models import AuditLog
from sizhi.orgs.models import RoleGrant
from sizhi.webhooks import actions
from sizhi.webhooks.models import Subscription
from sizhi.webhooks.signing import secret_of
from sizhi.webhooks.tests.conftest import Integration, make_integration, subscribe
from sizhi.webhooks.tests.factories import DeliveryFactory
from sizhi.webhooks.tests.pages import (
    LIST,
    PUBLIC_URL,
    action,
    detail,
    form_data,
    resend_url,
    shown_secret,
    signed_in,
    snapshot,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(tree: Any) -> Integration:
    """A township A cadre holding an integration key without a region of its own."""
    return make_integration(tree.township_a)


@pytest.fixture
def stranger(tree: Any) -> Integration:
    return make_integration(tree.township_b)


def _key_choice(owner: Integration) -> str:
    return f"token:{owner.token.pk}"


def test_anonymous_visitors_are_sent_to_the_login_page_and_change_nothing(owner: Integration):
    subscription = subscribe(owner, PUBLIC_URL).subscription
    delivery = DeliveryFactory.create(subscription=subscription, state="failed", attempts=6)
    before = snapshot()
    anonymous = Client()
    for url in (LIST, detail(subscription)):
        answer = anonymous.get(url)
        assert answer.status_code == 302
        assert answer["Location"] == f"{reverse('accounts:login')}?next={url}"
    posts = [LIST, resend_url(delivery)] + [
        action(name, subscription) for name in ("disable", "enable", "rotate")
    ]
    for url in posts:
        answer = anonymous.post(url, form_data())
        assert answer.status_code == 302
        assert answer["Location"].startswith(f"{reverse('accounts:login')}?next=")
    assert snapshot() == before


def test_the_list_shows_the_subscriptions_owned_by_the_user_and_by_their_keys(
    owner: Integration, stranger: Integration, tree: Any
):
    by_key = subscribe(
        owner, PUBLIC_URL, events=["case.close", "motion"], region_prefix=tree.village_a.code
    ).subscription
    by_account = actions.create_subscription(
        name="本人的订阅", url="https://me.example.com/in", user=owner.user, actor=None
    ).subscription
    others = actions.create_subscription(
        name="别人的订阅", url="https://other.example.com/in", token=stranger.token, actor=None
    ).subscription
    DeliveryFactory.create(subscription=by_key, state="delivered", last_status=200)
    DeliveryFactory.create(subscription=by_key, state="failed", last_status=503, attempts=6)
    answer = signed_in(owner.user).get(LIST)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert html.count("<tr>") == 3  # the header and two subscriptions
    assert f'href="{detail(by_key)}">推送测试</a>' in html
    assert f'href="{detail(by_account)}">本人的订阅</a>' in html
    assert "别人的订阅" not in html
    assert others.url not in html
    assert f"<code>{PUBLIC_URL}</code>" in html
    assert "诉求 · 办结、议题 · 全部" in html
    assert tree.village_a.code in html
    assert "全部事件" in html  # the subscription on the account takes everything
    assert "推送失败" in html
    assert "<code>503</code>" in html
    assert "尚无推送" in html
    assert by_key.secret_salt not in html
    assert secret_of(by_key.secret_salt) not in html


def test_another_users_subscription_is_missing_and_every_action_on_it_changes_nothing(
    owner: Integration, stranger: Integration
):
    theirs = subscribe(stranger, PUBLIC_URL).subscription
    failed = DeliveryFactory.create(subscription=theirs, state="failed", attempts=6)
    actions.disable_subscription(subscription_id=theirs.pk, actor=None)
    stopped = subscribe(stranger, PUBLIC_URL).subscription
    before = snapshot()
    client = signed_in(owner.user)
    assert client.get(detail(theirs)).status_code == 404
    assert client.get(reverse("webhooks:subscription", args=[999999])).status_code == 404
    for url in (
        action("disable", stopped),
        action("enable", theirs),
        action("rotate", theirs),
        resend_url(failed),
    ):
        assert client.post(url).status_code == 404
    assert snapshot() == before


def test_a_delivery_of_another_subscription_cannot_be_sent_again_through_ones_own(
    owner: Integration, stranger: Integration
):
    mine = subscribe(owner, PUBLIC_URL).subscription
    theirs = subscribe(stranger, PUBLIC_URL).subscription
    failed = DeliveryFactory.create(subscription=theirs, state="failed", attempts=6)
    before = snapshot()
    answer = signed_in(owner.user).post(resend_url(failed, subscription=mine))
    assert answer.status_code == 404
    assert snapshot() == before


def test_making_a_subscription_shows_its_secret_once(owner: Integration, tree: Any):
    client = signed_in(owner.user)
    answer = client.post(
        LIST,
        form_data(
            owner=_key_choice(owner),
            events=["case.accept", "case.close"],
            region_prefix=tree.village_a.code,
        ),
    )
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    subscription = Subscription.objects.get()
    secret = shown_secret(answer.content.decode())
    assert secret == secret_of(subscription.secret_salt)
    assert (subscription.token_id, subscription.user_id) == (owner.token.pk, None)
    assert subscription.name == "进化镇工单看板"
    assert subscription.url == PUBLIC_URL
    assert subscription.events == ["case.accept", "case.close"]
    assert subscription.region_prefix == tree.village_a.code
    audit = AuditLog.objects.get(action="webhook.create")
    assert audit.actor == owner.user
    assert secret not in str(audit.changes)
    for page in (LIST, detail(subscription)):
        later = client.get(page)
        assert later.status_code == 200
        assert shown_secret(later.content.decode()) is None
        assert secret not in later.content.decode()
    assert f"<code>{secret[:12]}…</code>" in client.get(detail(subscription)).content.decode()


def test_a_user_subscribes_their_own_account(owner: Integration):
    answer = signed_in(owner.user).post(LIST, form_data(owner="user", name="本人"))
    assert answer.status_code == 200
    subscription = Subscription.objects.get()
    assert (subscription.token_id, subscription.user_id) == (None, owner.user.pk)
    assert subscription.events == []
    assert shown_secret(answer.content.decode()) == secret_of(subscription.secret_salt)


def test_only_the_users_usable_integration_keys_are_offered_as_owners(
    owner: Integration, stranger: Integration
):
    old = create_api_token(
        owner=owner.user, name="旧平台", scopes=["cases:read"], kind="integration", actor=None
    ).token
    revoke_api_token(token_id=old.pk, actor=None)
    html = signed_in(owner.user).get(LIST).content.decode()
    assert f'value="token:{owner.token.pk}"' in html
    assert f'value="token:{old.pk}"' not in html
    assert f'value="token:{stranger.token.pk}"' not in html
    assert "本人账号" in html
    before = snapshot()
    for choice in (f"token:{old.pk}", f"token:{stranger.token.pk}", "token:x", ""):
        answer = signed_in(owner.user).post(LIST, form_data(owner=choice))
        assert answer.status_code == 400
        assert "请选择有效的选项。" in answer.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"url": "ftp://hooks.example.com/x"},
            "请输入有效的推送地址（http:// 或 https:// 开头）。",
        ),
        ({"url": "https://user:pw@hooks.example.com/"}, "推送地址不能包含用户名或密码。"),
        ({"url": ""}, "请输入有效的推送地址（http:// 或 https:// 开头）。"),
        ({"url": "http://10.0.0.8/hook"}, "不允许推送到本机或内网地址。"),
        ({"url": "http://localhost:8000/hook"}, "不允许推送到本机或内网地址。"),
        ({"events": ["case.no_such_step"]}, "未知的事件：case.no_such_step。"),
        ({"events": ["case", "sms"]}, "未知的事件：sms。"),
        ({"region_prefix": "52032710"}, "请输入有效的区划代码，如 520327101。"),
        ({"region_prefix": "520327102"}, "区域范围须在所有者的权限范围之内。"),
        ({"name": ""}, "请填写订阅名称。"),
    ],
)
def test_bad_input_is_shown_on_the_form_with_400_and_nothing_is_made(
    owner: Integration, settings: Any, values: dict[str, Any], message: str
):
    settings.SIZHI_WEBHOOK_ALLOW_PRIVATE = False
    before = snapshot()
    answer = signed_in(owner.user).post(LIST, form_data(**values))
    assert answer.status_code == 400
    html = answer.content.decode()
    assert message in html
    assert 'aria-invalid="true"' in html or 'class="errorlist"' in html
    assert shown_secret(html) is None
    assert snapshot() == before


def test_a_region_outside_the_keys_region_is_refused(tree: Any):
    owner = make_integration(tree.county, key_region=tree.township_a.code)
    before = snapshot()
    answer = signed_in(owner.user).post(
        LIST, form_data(owner=_key_choice(owner), region_prefix=tree.township_b.code)
    )
    assert answer.status_code == 400
    assert "区域范围须在集成密钥的区域范围之内。" in answer.content.decode()
    assert snapshot() == before


def test_private_addresses_are_taken_when_the_installation_allows_them(
    owner: Integration, settings: Any
):
    settings.SIZHI_WEBHOOK_ALLOW_PRIVATE = True
    answer = signed_in(owner.user).post(LIST, form_data(url="http://10.0.0.8/hook"))
    assert answer.status_code == 200
    assert Subscription.objects.get().url == "http://10.0.0.8/hook"


def test_the_checked_events_and_the_typed_values_are_kept_after_an_error(owner: Integration):
    answer = signed_in(owner.user).post(
        LIST, form_data(name="", url="https://x.example.com/in", events=["motion", "case.close"])
    )
    html = answer.content.decode()
    assert answer.status_code == 400
    assert 'value="https://x.example.com/in"' in html
    assert 'value="motion"\n               checked' in html
    assert 'value="case.close"\n                     checked' in html
    assert "<details open>" in html


def test_a_user_whose_grants_ended_keeps_their_subscriptions_but_cannot_make_new_ones(
    owner: Integration,
):
    subscription = subscribe(owner, PUBLIC_URL).subscription
    RoleGrant.objects.filter(user=owner.user).update(revoked_at=subscription.created_at)
    client = signed_in(owner.user)
    assert "推送测试" in client.get(LIST).content.decode()
    assert client.get(detail(subscription)).status_code == 200
    before = snapshot()
    answer = client.post(LIST, form_data(owner=_key_choice(owner)))
    assert answer.status_code == 400
    assert "所有者在任何区域都没有权限，订阅收不到事件。" in answer.content.decode()
    assert snapshot() == before
    assert client.post(action("disable", subscription)).status_code == 302
    subscription.refresh_from_db()
    assert not subscription.is_active


def test_a_subscription_whose_key_was_revoked_is_listed_as_no_longer_receiving(
    owner: Integration,
):
    subscribe(owner, PUBLIC_URL)
    revoke_api_token(token_id=owner.token.pk, actor=None)
    html = signed_in(owner.user).get(LIST).content.decode()
    assert "所有者已失效（密钥撤销、过期或账号停用），不再推送" in html


def test_writes_need_a_post_with_a_csrf_token(owner: Integration):
    subscription = subscribe(owner, PUBLIC_URL).subscription
    before = snapshot()
    client = signed_in(owner.user)
    for name in ("disable", "enable", "rotate"):
        assert client.get(action(name, subscription)).status_code == 405
    strict = signed_in(owner.user, enforce_csrf_checks=True)
    assert strict.post(LIST, form_data()).status_code == 403
    assert strict.post(action("disable", subscription)).status_code == 403
    assert strict.post(action("rotate", subscription)).status_code == 403
    assert snapshot() == before


def test_the_platforms_own_reasons_read_in_the_readers_language(owner: Integration):
    subscription = subscribe(owner, PUBLIC_URL).subscription
    DeliveryFactory.create(
        subscription=subscription, state="withheld", last_error="not visible to the owner"
    )
    DeliveryFactory.create(subscription=subscription, state="failed", last_error="answered 502")
    client = signed_in(owner.user)
    page = client.get(detail(subscription)).content.decode()
    assert "所有者无权查看该事件" in page
    assert "not visible to the owner" not in page
    assert "answered 502" in page  # the receiver's own answer is shown as it came
    english = client.get(detail(subscription), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The owner may not see this event" in english
