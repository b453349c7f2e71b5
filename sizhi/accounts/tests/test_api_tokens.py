"""API tokens: made and revoked through actions (hash only, audit rows, limits), recognised by
the API (missing, bad, revoked, expired, inactive owner), and the command that makes one."""

import datetime as dt
import hashlib
import io
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from sizhi.accounts import actions
from sizhi.accounts.models import ApiToken, User
from sizhi.accounts.tests.apiclient import error_of, get, issue
from sizhi.accounts.tests.factories import UserFactory
from sizhi.core.errors import Invalid, InvalidState, NotAllowed, NotFound
from sizhi.core.models import AuditLog

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases"
LATER = timezone.now() + dt.timedelta(days=30)


@pytest.fixture
def owner() -> Any:
    return UserFactory(phone="13800000001", name="王芳")


def _make(owner: Any, **overrides: Any) -> actions.IssuedToken:
    values: dict[str, Any] = {
        "owner": owner,
        "name": "报表工具",
        "scopes": ["cases:read"],
        "expires_at": LATER,
        "actor": owner,
    }
    values.update(overrides)
    return actions.create_api_token(**values)


def test_a_token_keeps_only_the_hash_of_its_secret(owner: Any) -> None:
    issued = _make(owner, region_code="520327101", scopes=["cases:read", "cases:write"])
    token = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.secret.startswith("szp_")
    assert len(issued.secret) == 4 + 43
    assert token.key_hash == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert token.prefix == issued.secret[:12]
    assert issued.secret not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert token.scopes == ["cases:read", "cases:write"]
    assert token.region_code == "520327101"
    assert token.kind == "personal"
    audit = AuditLog.objects.for_object(token).get()
    assert audit.action == "api_token.create"
    assert audit.actor_id == owner.pk
    assert issued.secret not in str(audit.changes)
    assert audit.changes["scopes"] == ["cases:read", "cases:write"]


def test_two_tokens_never_share_a_secret(owner: Any) -> None:
    assert _make(owner).secret != _make(owner).secret


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "长" * 61}, "name"),
        ({"scopes": []}, "scopes"),
        ({"scopes": ["cases:delete"]}, "scopes"),
        ({"region_code": "52032"}, "region_code"),
        ({"region_code": "520327000"}, "region_code"),
        ({"expires_at": None}, "expires_at"),
        ({"expires_at": timezone.now() + dt.timedelta(days=400)}, "expires_at"),
        ({"expires_at": timezone.now() - dt.timedelta(minutes=1)}, "expires_at"),
        ({"kind": "robot", "actor": None}, "kind"),
    ],
)
def test_bad_token_input_is_refused_and_nothing_is_made(
    owner: Any, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(Invalid) as info:
        _make(owner, **overrides)
    assert field in info.value.fields
    assert ApiToken.objects.count() == 0
    assert AuditLog.objects.count() == 0


def test_nobody_makes_a_personal_token_for_someone_else(owner: Any) -> None:
    other = UserFactory()
    with pytest.raises(NotAllowed):
        _make(owner, actor=other)
    assert ApiToken.objects.count() == 0


def test_integration_keys_come_from_a_superuser_or_the_command_line(owner: Any) -> None:
    with pytest.raises(NotAllowed):
        _make(owner, kind="integration", expires_at=None)
    admin = UserFactory(is_superuser=True)
    by_admin = _make(owner, kind="integration", expires_at=None, actor=admin)
    by_system = _make(owner, kind="integration", expires_at=None, actor=None)
    assert by_admin.secret.startswith("szi_")
    assert by_admin.token.expires_at is None
    assert by_system.token.user_id == owner.pk


def test_a_user_has_at_most_twenty_usable_tokens(owner: Any) -> None:
    for _ in range(actions.MAX_ACTIVE_TOKENS):
        _make(owner)
    with pytest.raises(Invalid):
        _make(owner)
    actions.revoke_api_token(token_id=ApiToken.objects.values_list("pk", flat=True)[0], actor=owner)
    _make(owner)


def test_the_owner_revokes_a_token_once(owner: Any) -> None:
    token = _make(owner).token
    revoked = actions.revoke_api_token(token_id=token.pk, actor=owner)
    assert revoked.revoked_at is not None
    assert AuditLog.objects.filter(action="api_token.revoke", actor=owner).count() == 1
    with pytest.raises(InvalidState):
        actions.revoke_api_token(token_id=token.pk, actor=owner)


def test_nobody_else_revokes_a_token_and_it_looks_missing(owner: Any) -> None:
    token = _make(owner).token
    with pytest.raises(NotFound):
        actions.revoke_api_token(token_id=token.pk, actor=UserFactory())
    with pytest.raises(NotFound):
        actions.revoke_api_token(token_id=token.pk + 1000, actor=owner)
    token.refresh_from_db()
    assert token.revoked_at is None
    assert AuditLog.objects.filter(action="api_token.revoke").count() == 0


# -- Recognising tokens ----------------------------------------------------------------------------


def test_a_good_token_is_accepted_and_its_use_noted(owner: Any) -> None:
    secret = issue(owner, scopes=("cases:read",))
    response = get(CASES, secret)
    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}
    token = ApiToken.objects.get()
    assert token.last_used_at is not None


def test_without_a_token_the_answer_is_401_with_a_challenge() -> None:
    response = get(CASES)
    assert error_of(response)[:2] == (401, "not_authenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="sizhi"'


@pytest.mark.parametrize(
    "header",
    [
        "Bearer szp_not-a-real-token",
        "Bearer ",
        "Token abc",
        "Basic dXNlcjpwYXNz",
        "Bearer " + "x" * 500,
    ],
)
def test_a_bad_token_is_401_invalid_token(owner: Any, header: str) -> None:
    issue(owner)
    response = Client().get(CASES, HTTP_AUTHORIZATION=header)
    assert error_of(response)[:2] == (401, "invalid_token")
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_a_revoked_token_is_refused(owner: Any) -> None:
    secret = issue(owner)
    actions.revoke_api_token(token_id=ApiToken.objects.get().pk, actor=owner)
    assert error_of(get(CASES, secret))[:2] == (401, "token_revoked")


def test_an_expired_token_is_refused(owner: Any) -> None:
    secret = issue(owner, days=1)
    assert get(CASES, secret).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(days=1, seconds=1)):
        assert error_of(get(CASES, secret))[:2] == (401, "token_expired")


def test_the_token_of_a_deactivated_user_is_refused(owner: Any) -> None:
    secret = issue(owner)
    User.objects.filter(pk=owner.pk).update(is_active=False)
    assert error_of(get(CASES, secret))[:2] == (401, "invalid_token")


# -- The command -----------------------------------------------------------------------------------


def test_the_command_prints_an_integration_key_once(owner: Any) -> None:
    out = io.StringIO()
    call_command(
        "create_api_token",
        "--user=138 0000 0001",
        "--name=12345 平台",
        "--scope=cases:read",
        "--scope=cases:write",
        "--region=520327101",
        stdout=out,
    )
    secret = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get()
    assert secret.startswith("szi_")
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.kind == "integration"
    assert token.expires_at is None
    assert token.region_code == "520327101"
    assert AuditLog.objects.get(action="api_token.create").actor_id is None


def test_the_command_refuses_an_unknown_user_or_bad_input(owner: Any) -> None:
    with pytest.raises(CommandError):
        call_command("create_api_token", "--user=13999999999", "--name=x", "--scope=cases:read")
    with pytest.raises(CommandError):
        call_command(
            "create_api_token", "--user=13800000001", "--name=x", "--scope=cases:read", "--region=1"
        )
    assert ApiToken.objects.count() == 0


def test_a_superuser_revokes_tokens_from_the_admin(owner: Any) -> None:
    token = _make(owner).token
    admin = UserFactory.create(is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/accounts/apitoken/")
    assert page.status_code == 200
    assert token.prefix in page.content.decode()
    assert client.get(f"/admin/accounts/apitoken/{token.pk}/change/").status_code == 200
    response = client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditLog.objects.get(action="api_token.revoke").actor_id == admin.pk
