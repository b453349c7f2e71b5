import re
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from sizhi.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "secret-pass-123"


@pytest.fixture
def user() -> Any:
    return UserFactory(phone="13812345678", name="王芳")


def login(client: Client, phone: str, password: str = PASSWORD) -> Any:
    return client.post(reverse("accounts:login"), {"username": phone, "password": password})


def test_login_page_asks_for_phone_and_password() -> None:
    html = Client().get(reverse("accounts:login")).content.decode()
    assert '<label for="id_username">手机号</label>' in html
    assert '<label for="id_password">密码</label>' in html
    assert 'type="tel"' in html
    assert 'maxlength="20"' in html
    assert 'autocomplete="current-password"' in html
    # The login view's own "site_name" (the host) must not replace the site's name.
    assert re.search(r'<span class="brand-name">\s*四直为民', html)


@pytest.mark.parametrize(
    "typed", ["13812345678", "138 1234 5678", "+8613812345678", "0086-138-1234-5678"]
)
def test_login_accepts_the_phone_in_any_common_spelling(user: Any, typed: str) -> None:
    client = Client()
    response = login(client, typed)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_login_goes_to_next(user: Any) -> None:
    client = Client()
    response = client.post(
        reverse("accounts:login"),
        {"username": "13812345678", "password": PASSWORD, "next": "/regions/"},
    )
    assert response["Location"] == "/regions/"


def test_bad_password_gives_the_chinese_error_and_no_session(user: Any) -> None:
    client = Client()
    response = login(client, "138 1234 5678", "wrong-password")
    assert response.status_code == 200
    html = response.content.decode()
    assert "手机号或密码不正确，请重新输入。" in html
    assert 'role="alert"' in html
    # (Client.session would create a session itself, so look at the table and the cookies.)
    assert Session.objects.count() == 0
    assert "sessionid" not in response.cookies


def test_unknown_phone_gives_the_same_error() -> None:
    html = login(Client(), "13900000000").content.decode()
    assert "手机号或密码不正确，请重新输入。" in html


def test_empty_form_says_what_is_missing() -> None:
    html = login(Client(), "", "").content.decode()
    assert "请输入手机号。" in html
    assert "请输入密码。" in html


def test_inactive_user_cannot_log_in(user: Any) -> None:
    UserFactory._meta.model.objects.filter(pk=user.pk).update(is_active=False)
    client = Client()
    response = login(client, "13812345678")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logged_in_user_is_sent_home_from_the_login_page(user: Any) -> None:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")


def test_logout_is_a_post(user: Any) -> None:
    client = Client()
    client.force_login(user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    assert "_auth_user_id" not in client.session
