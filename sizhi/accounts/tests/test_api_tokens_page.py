"""The page where users make and revoke their own API tokens."""

import hashlib
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sizhi.accounts.models import ApiToken
from sizhi.accounts.tests.apiclient import issue
from sizhi.accounts.tests.factories import UserFactory
from sizhi.core.models import AuditLog

pytestmark = pytest.mark.django_db

PAGE = reverse("accounts:tokens")


@pytest.fixture
def user() -> Any:
    return UserFactory(phone="13800000002", name="李娜")


@pytest.fixture
def client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _create(client: Client, **data: Any) -> Any:
    values = {"name": "报表工具", "scopes": ["cases:read"], "region_code": "", "lifetime": "90"}
    values.update(data)
    return client.post(PAGE, values)


def test_the_page_needs_a_login() -> None:
    response = Client().get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_page_lists_only_the_users_own_tokens(client: Client, user: Any) -> None:
    issue(user, name="我的令牌")
    issue(UserFactory(), name="别人的令牌")
    html = client.get(PAGE).content.decode()
    assert "我的令牌" in html
    assert "别人的令牌" not in html
    assert "查看诉求、登记和办理诉求" in html
    assert 'href="/api/docs"' in html


def test_making_a_token_shows_its_secret_once(client: Client, user: Any) -> None:
    response = _create(client, scopes=["cases:read", "cases:write"], region_code="520327101")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    secret = re.search(r'id="new-token-secret"\s+value="(szp_[A-Za-z0-9_-]{43})"', html)
    assert secret is not None
    token = ApiToken.objects.get()
    assert token.user_id == user.pk
    assert token.key_hash == hashlib.sha256(secret.group(1).encode()).hexdigest()
    assert token.scopes == ["cases:read", "cases:write"]
    assert token.region_code == "520327101"
    assert token.expires_at is not None
    assert (token.expires_at - token.created_at).days in (89, 90)
    assert secret.group(1) not in client.get(PAGE).content.decode()


def test_bad_input_is_shown_next_to_the_fields_and_nothing_is_made(client: Client) -> None:
    response = _create(client, name="", scopes=[], region_code="12", lifetime="999")
    assert response.status_code == 400
    html = response.content.decode()
    assert "请选择有效的选项。" in html  # the lifetime
    assert ApiToken.objects.count() == 0
    response = _create(client, name="", scopes=[], region_code="12")
    assert response.status_code == 400
    html = response.content.decode()
    assert "请填写令牌名称。" in html
    assert "请至少选择一项权限。" in html
    assert "请输入有效的区划代码，如 520327101。" in html
    assert ApiToken.objects.count() == 0
    assert AuditLog.objects.count() == 0


def test_the_owner_revokes_a_token(client: Client, user: Any) -> None:
    issue(user, name="旧工具")
    token = ApiToken.objects.get()
    response = client.post(reverse("accounts:revoke-token", args=[token.pk]), follow=True)
    assert response.status_code == 200
    assert "已撤销令牌“旧工具”。" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_another_users_token_cannot_be_revoked_and_looks_missing(client: Client) -> None:
    issue(UserFactory(), name="别人的令牌")
    token = ApiToken.objects.get()
    audit_rows = AuditLog.objects.count()
    response = client.post(reverse("accounts:revoke-token", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert AuditLog.objects.count() == audit_rows


def test_revoking_needs_a_post(client: Client, user: Any) -> None:
    issue(user)
    token = ApiToken.objects.get()
    assert client.get(reverse("accounts:revoke-token", args=[token.pk])).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None
