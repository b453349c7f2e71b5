"""Making, stopping, starting and re-keying subscriptions: what is checked, what is stored (never
the secret), who may, the audit rows, the command and the admin."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from sizhi.accounts.actions import create_api_token, revoke_api_token
from sizhi.accounts.tests.factories import UserFactory
from sizhi.cases.actions import accept_case
from sizhi.core.errors import Invalid, InvalidState, NotFound
from sizhi.core.models import AuditLog
from sizhi.webhooks import actions
from sizhi.webhooks.models import Delivery, Subscription
from sizhi.webhooks.signing import secret_of
from sizhi.webhooks.tests.conftest import make_integration, new_case, subscribe

pytestmark = pytest.mark.django_db

PUBLIC_URL = "https://hooks.example.com/sizhi"


def _fields(call) -> dict:
    with pytest.raises(Invalid) as info:
        call()
    return info.value.fields


def test_the_secret_is_returned_once_and_stored_nowhere(county_integration):
    issued = subscribe(county_integration, PUBLIC_URL, events=["case", "case.close", "case"])
    subscription = Subscription.objects.get()
    assert issued.secret.startswith("whsec_")
    assert len(issued.secret) == 70
    assert secret_of(subscription.secret_salt) == issued.secret
    assert subscription.secret_prefix == issued.secret[:12]
    row = Subscription.objects.filter(pk=subscription.pk).values().get()
    assert all(issued.secret not in str(value) for value in row.values())
    assert issued.secret[12:] not in str(subscription)
    assert subscription.events == ["case", "case.close"]
    audit = AuditLog.objects.get(action="webhook.create")
    assert audit.object_id == str(subscription.pk)
    assert audit.changes["events"] == ["case", "case.close"]
    assert issued.secret not in str(audit.changes) + audit.object_repr


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.example.com/x",
        "hooks.example.com/sizhi",
        "https://user:secret@hooks.example.com/sizhi",
        "https://token@hooks.example.com/sizhi",
        "http:///sizhi",
        "https://hooks.example.com/sizhi#part",
        "https://hooks.example.com:99999/",
        "https://hooks.example.com/a b",
        "https://例子.example.com/",
        "https://hooks.example.com/" + "x" * 500,
    ],
)
def test_a_malformed_url_or_one_with_credentials_is_refused(county_integration, url):
    assert "url" in _fields(lambda: subscribe(county_integration, url))
    assert not Subscription.objects.exists()


PRIVATE_URLS = [
    "http://127.0.0.1:8000/hook",
    "http://localhost/hook",
    "http://api.localhost/hook",
    "http://10.20.30.40/hook",
    "http://192.168.1.20/hook",
    "http://169.254.169.254/latest",
    "http://[::1]/hook",
    "http://[::ffff:10.0.0.1]/hook",
    "http://0.0.0.0/hook",
]


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_private_and_loopback_hosts_are_refused_unless_allowed(county_integration, settings, url):
    settings.SIZHI_WEBHOOK_ALLOW_PRIVATE = False
    assert _fields(lambda: subscribe(county_integration, url))["url"] == [
        "不允许推送到本机或内网地址。"
    ]
    settings.SIZHI_WEBHOOK_ALLOW_PRIVATE = True
    assert subscribe(county_integration, url).subscription.url == url


def test_a_name_that_resolves_to_a_private_address_is_not_posted_to(
    receiver, settings, county_integration, tree, django_capture_on_commit_callbacks
):
    subscribe(county_integration, receiver.url)  # made while private targets were allowed
    settings.SIZHI_WEBHOOK_ALLOW_PRIVATE = False
    with django_capture_on_commit_callbacks(execute=True):
        accept_case(case_id=new_case(tree.group_a1).pk, actor=None)
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.last_status) == ("queued", None)
    assert delivery.last_error == "address not allowed: 127.0.0.1"
    assert receiver.received == []


def test_the_owner_must_be_one_usable_integration_key_or_one_active_user(tree):
    owner = make_integration(tree.county)
    user = owner.user
    both = _fields(
        lambda: actions.create_subscription(
            name="x", url=PUBLIC_URL, token=owner.token, user=user, actor=None
        )
    )
    neither = _fields(lambda: actions.create_subscription(name="x", url=PUBLIC_URL, actor=None))
    assert "owner" in both
    assert "owner" in neither
    revoke_api_token(token_id=owner.token.pk, actor=None)
    assert "owner" in _fields(lambda: subscribe(owner, PUBLIC_URL))
    user.is_active = False
    user.save()
    assert "owner" in _fields(
        lambda: actions.create_subscription(name="x", url=PUBLIC_URL, user=user, actor=None)
    )


def test_a_personal_token_cannot_own_a_subscription(tree):
    user = UserFactory.create()
    personal = create_api_token(
        owner=user,
        name="个人令牌",
        scopes=["cases:read"],
        actor=None,
        expires_at=timezone.now() + dt.timedelta(days=30),
    )
    fields = _fields(
        lambda: actions.create_subscription(
            name="x", url=PUBLIC_URL, token=personal.token, actor=None
        )
    )
    assert fields["owner"] == ["所有者须为有效的集成密钥。"]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"events": ["case.no_such_step"]}, "events"),
        ({"events": ["sms"]}, "events"),
        ({"events": ["case."]}, "events"),
        ({"region_prefix": "52032710"}, "region_prefix"),
        ({"region_prefix": "520327102"}, "region_prefix"),  # outside the key's township
        ({"name": ""}, "name"),
        ({"name": "名" * 61}, "name"),
    ],
)
def test_bad_events_regions_and_names_are_refused(tree, options, field):
    owner = make_integration(tree.county, key_region=tree.township_a.code)
    values = {"name": "推送", "url": PUBLIC_URL, "token": owner.token, "actor": None, **options}
    assert field in _fields(lambda: actions.create_subscription(**values))


def test_who_may_manage_a_subscription(tree):
    owner = make_integration(tree.county)
    stranger = UserFactory.create()
    admin = UserFactory.create(is_superuser=True, is_staff=True)
    with pytest.raises(NotFound):
        actions.create_subscription(name="x", url=PUBLIC_URL, token=owner.token, actor=stranger)
    mine = actions.create_subscription(
        name="x", url=PUBLIC_URL, token=owner.token, actor=owner.user
    ).subscription
    for act in (actions.disable_subscription, actions.rotate_secret):
        with pytest.raises(NotFound):
            act(subscription_id=mine.pk, actor=stranger)
    actions.disable_subscription(subscription_id=mine.pk, actor=admin)
    actions.enable_subscription(subscription_id=mine.pk, actor=owner.user)
    with pytest.raises(NotFound):
        actions.disable_subscription(subscription_id="abc", actor=None)


def test_disable_enable_and_rotate_write_audit_rows(county_integration):
    issued = subscribe(county_integration, PUBLIC_URL)
    pk = issued.subscription.pk
    stopped = actions.disable_subscription(subscription_id=pk, actor=None)
    assert (stopped.is_active, stopped.disabled_reason) == (False, "manual")
    assert stopped.disabled_at is not None
    with pytest.raises(InvalidState):
        actions.disable_subscription(subscription_id=pk, actor=None)
    started = actions.enable_subscription(subscription_id=pk, actor=None)
    assert (started.is_active, started.disabled_at, started.disabled_reason) == (True, None, "")
    with pytest.raises(InvalidState):
        actions.enable_subscription(subscription_id=pk, actor=None)
    rotated = actions.rotate_secret(subscription_id=pk, actor=None)
    assert rotated.secret != issued.secret
    assert list(
        AuditLog.objects.filter(object_type="webhooks.subscription", object_id=str(pk))
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["webhook.create", "webhook.disable", "webhook.enable", "webhook.rotate_secret"]
    rotation = AuditLog.objects.get(action="webhook.rotate_secret")
    assert rotation.changes == {"secret_prefix": [issued.secret[:12], rotated.secret[:12]]}


def test_a_subscription_is_not_enabled_again_if_its_url_is_no_longer_allowed(
    county_integration, settings
):
    settings.SIZHI_WEBHOOK_ALLOW_PRIVATE = True
    issued = subscribe(county_integration, "http://10.1.2.3/hook")
    actions.disable_subscription(subscription_id=issued.subscription.pk, actor=None)
    settings.SIZHI_WEBHOOK_ALLOW_PRIVATE = False
    fields = _fields(
        lambda: actions.enable_subscription(subscription_id=issued.subscription.pk, actor=None)
    )
    assert "url" in fields


def test_the_command_makes_a_subscription_and_prints_its_secret_once(county_integration):
    out = StringIO()
    call_command(
        "create_webhook",
        "--name=政务外网",
        f"--url={PUBLIC_URL}",
        f"--token={county_integration.token.prefix}",
        "--event=case.close",
        "--event=motion",
        "--region=520327101",
        stdout=out,
    )
    subscription = Subscription.objects.get()
    lines = out.getvalue().strip().splitlines()
    prefix = subscription.secret_prefix
    assert lines[0] == f"已创建订阅“政务外网”（{prefix}…）。签名密钥只显示这一次："
    assert secret_of(subscription.secret_salt) == lines[1]
    assert (subscription.events, subscription.region_prefix) == (
        ["case.close", "motion"],
        "520327101",
    )
    with pytest.raises(CommandError, match="未找到该前缀的集成密钥"):
        call_command("create_webhook", "--name=x", f"--url={PUBLIC_URL}", "--token=szi_nothing")
    with pytest.raises(CommandError, match="url"):
        call_command(
            "create_webhook",
            "--name=x",
            "--url=ftp://x",
            f"--user={county_integration.user.phone}",
        )


def test_the_admin_lists_without_secrets_and_acts_through_the_actions(client, county_integration):
    issued = subscribe(county_integration, PUBLIC_URL)
    admin = UserFactory.create(is_superuser=True, is_staff=True)
    client.force_login(admin)
    page = client.get(reverse("admin:webhooks_subscription_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert issued.subscription.secret_prefix in html
    assert issued.subscription.secret_salt not in html
    assert issued.secret not in html
    detail = client.get(
        reverse("admin:webhooks_subscription_change", args=[issued.subscription.pk])
    )
    assert detail.status_code == 200
    assert issued.subscription.secret_salt not in detail.content.decode()
    url = reverse("admin:webhooks_subscription_changelist")
    selected = {"_selected_action": [issued.subscription.pk]}
    client.post(url, {"action": "disable", **selected})
    assert not Subscription.objects.get().is_active
    assert AuditLog.objects.get(action="webhook.disable").actor == admin
    answer = client.post(url, {"action": "rotate", **selected}, follow=True)
    rotated = Subscription.objects.get()
    assert secret_of(rotated.secret_salt) in answer.content.decode()
    assert client.get(reverse("admin:webhooks_delivery_changelist")).status_code == 200
