"""Over HTTPS the connection goes to the checked address, and the certificate is still checked
against the URL's host name: an untrusted certificate, or one for another name, is a failed
attempt; a trusted one for the right name gets the POST."""

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sizhi.cases.actions import accept_case
from sizhi.webhooks import sender
from sizhi.webhooks.models import Delivery
from sizhi.webhooks.signing import verify
from sizhi.webhooks.tests.conftest import Receiver, new_case, serving, subscribe

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command"),
]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: Any) -> Path:
    """A self-signed certificate for "localhost", valid for two days; returns its folder."""
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(  # noqa: S603 - fixed arguments
        [  # noqa: S607 - the openssl found on the PATH
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
            "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return folder


def _server_context(folder: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context


@pytest.fixture
def tls_receiver(settings, certificate) -> Iterator[Receiver]:
    settings.SIZHI_WEBHOOK_ALLOW_PRIVATE = True
    settings.SIZHI_WEBHOOK_TIMEOUT = 2.0
    with serving(_server_context(certificate), host="localhost") as found:
        yield found


@pytest.fixture
def trusted(monkeypatch, certificate) -> None:
    """The worker trusts the test certificate (as an installation would its county's CA)."""
    cafile = str(certificate / "cert.pem")
    original = ssl.create_default_context
    monkeypatch.setattr(sender.ssl, "create_default_context", lambda: original(cafile=cafile))


def _post_one(capture, tree) -> Delivery:
    with capture(execute=True):
        accept_case(case_id=new_case(tree.group_a1).pk, actor=None)
    return Delivery.objects.get()


def test_an_untrusted_certificate_is_a_failed_attempt(
    tls_receiver, county_integration, tree, django_capture_on_commit_callbacks
):
    subscribe(county_integration, tls_receiver.url)
    delivery = _post_one(django_capture_on_commit_callbacks, tree)
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("queued", 1, None)
    assert "CERTIFICATE_VERIFY_FAILED" in delivery.last_error
    assert tls_receiver.received == []


def test_a_trusted_certificate_for_the_host_gets_the_signed_post(
    tls_receiver, trusted, county_integration, tree, django_capture_on_commit_callbacks
):
    issued = subscribe(county_integration, tls_receiver.url)
    delivery = _post_one(django_capture_on_commit_callbacks, tree)
    assert (delivery.state, delivery.last_status) == ("delivered", 200)
    got = tls_receiver.received[0]
    assert got.headers["Host"].startswith("localhost:")
    timestamp = int(got.headers["Sizhi-Timestamp"])
    assert verify(issued.secret, got.headers["Sizhi-Signature"], got.body, timestamp)


def test_a_certificate_for_another_name_is_a_failed_attempt(
    tls_receiver, trusted, county_integration, tree, django_capture_on_commit_callbacks
):
    subscribe(county_integration, tls_receiver.url.replace("//localhost:", "//127.0.0.1:"))
    delivery = _post_one(django_capture_on_commit_callbacks, tree)
    assert delivery.state == "queued"
    assert "CERTIFICATE_VERIFY_FAILED" in delivery.last_error
    assert "127.0.0.1" in delivery.last_error
    assert tls_receiver.received == []
