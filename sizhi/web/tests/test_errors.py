"""The 400 and 500 pages render without the database: no django_db mark here, so any query
would fail the test."""

import pytest
from django.test import Client
from django.urls import get_resolver

from sizhi.web import views


@pytest.mark.urls("sizhi.web.tests.urls")
def test_server_error_renders_the_standalone_500_page() -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/test/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "<h1>服务器出错</h1>" in html
    assert '<html lang="zh-hans">' in html
    assert "四直为民" in html


@pytest.mark.urls("sizhi.web.tests.urls")
def test_bad_request_renders_the_standalone_400_page() -> None:
    response = Client().get("/test/suspicious/")
    assert response.status_code == 400
    assert "<h1>请求有误</h1>" in response.content.decode()


def test_site_wires_the_standalone_handlers() -> None:
    resolver = get_resolver()
    assert resolver.resolve_error_handler(400) is views.bad_request
    assert resolver.resolve_error_handler(500) is views.server_error
