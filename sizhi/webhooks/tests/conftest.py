"""A real HTTP receiver on 127.0.0.1 (an ephemeral port, in a thread), integration keys and
their owners on the shared tree (root conftest), and subscriptions to the receiver."""

import datetime as dt
import json
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sizhi.accounts.actions import create_api_token
from sizhi.accounts.models import ApiToken
from sizhi.accounts.tests.factories import UserFactory
from sizhi.accounts.tokens import SCOPES
from sizhi.cases.models import Case
from sizhi.cases.tests.factories import CaseFactory, CategoryFactory
from sizhi.orgs.tests.factories import RoleGrantFactory
from sizhi.webhooks import actions

# The read scopes of both kinds of event (a kind with no scope yet needs none).
READ_ALL = tuple(scope for scope in ("cases:read", "motions:read") if scope in SCOPES)
TZ = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 5, 11, 9, 0, tzinfo=TZ)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each POST with the next planned (status, delay in seconds), then with
    ``default``; records what it received, in order."""

    url: str = ""
    default: tuple[int, float] = (200, 0.0)
    plan: list[tuple[int, float]] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self) -> tuple[int, float]:
        with self.lock:
            return self.plan.pop(0) if self.plan else self.default


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with receiver.lock:
                receiver.received.append(Received(self.path, dict(self.headers.items()), body))
            status, delay = receiver.answer()
            if delay:
                time.sleep(delay)
            try:
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                pass  # the client gave up waiting

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serving(tls: ssl.SSLContext | None = None, host: str = "127.0.0.1") -> Iterator[Receiver]:
    """A receiver on an ephemeral port of 127.0.0.1, over TLS with ``tls``; its URL names
    ``host``."""
    found = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(found))
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    scheme = "https" if tls is not None else "http"
    found.url = f"{scheme}://{host}:{server.server_address[1]}/hooks/sizhi?source=test"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    settings.SIZHI_WEBHOOK_ALLOW_PRIVATE = True
    settings.SIZHI_WEBHOOK_TIMEOUT = 1.0
    with serving() as found:
        yield found


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller.move_to


@dataclass
class Integration:
    user: Any
    token: ApiToken
    secret: str  # the key's own secret (not the webhook's)


def make_integration(
    region: Any, key_region: str = "", scopes: tuple[str, ...] = READ_ALL
) -> Integration:
    """An integration key whose owner is a cadre of ``region`` (who sees its cases and
    motions)."""
    user = UserFactory.create()
    RoleGrantFactory.create(user=user, role="cadre", region=region)
    issued = create_api_token(
        owner=user,
        name="政务外网平台",
        scopes=list(scopes),
        kind="integration",
        region_code=key_region,
        actor=None,
    )
    return Integration(user, issued.token, issued.secret)


@pytest.fixture
def county_integration(tree: Any) -> Integration:
    return make_integration(tree.county)


def subscribe(owner: Integration, url: str, **options: Any) -> actions.IssuedSubscription:
    return actions.create_subscription(
        name="推送测试", url=url, token=owner.token, actor=None, **options
    )


def new_case(region: Any, **fields: Any) -> Case:
    category = CategoryFactory.create(code="0101", name="路灯")
    return CaseFactory.create(region=region, category=category, **fields)
