"""One HTTP POST to a subscriber, from the task worker only.

The connection goes to an address ``targets.resolve`` checked, the first that answers (with
the URL's host name in the ``Host`` header and, over TLS, for the certificate check), with a
short timeout on the connection and on every read. Redirects are not followed: a 3xx is a
failed attempt.
"""

import http.client
import socket
import ssl
from dataclasses import dataclass

from django.conf import settings

from sizhi.webhooks.targets import Target, TargetError, parse_target, resolve

DEFAULT_TIMEOUT = 5.0  # seconds, for the connection and for each read
MAX_RESPONSE_BYTES = 1024  # what is read of the answer before closing
USER_AGENT = "Sizhi-Webhooks/1"


@dataclass(frozen=True)
class Outcome:
    status: int | None  # the HTTP status, None when no answer came
    error: str  # "" on success

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _connect(addresses: list[str], port: int, timeout: float | None) -> socket.socket:
    """A connection to the first of the checked addresses that answers."""
    error: OSError = OSError("no address")
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            error = exc
    raise error


class _PinnedConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, addresses: list[str], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses

    def connect(self) -> None:
        self.sock = _connect(self.addresses, self.port, self.timeout)


class _PinnedTLSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, addresses: list[str], timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.addresses = addresses

    def connect(self) -> None:
        raw = _connect(self.addresses, self.port, self.timeout)
        self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)


def timeout() -> float:
    return float(getattr(settings, "SIZHI_WEBHOOK_TIMEOUT", DEFAULT_TIMEOUT))


def post(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """POST ``body`` to ``url``; never raises for a network or HTTP problem."""
    try:
        target: Target = parse_target(url)
        addresses = resolve(target)
    except TargetError as exc:
        return Outcome(None, str(exc)[:200])
    connection_class = _PinnedTLSConnection if target.scheme == "https" else _PinnedConnection
    connection = connection_class(target.host, target.port, addresses=addresses, timeout=timeout())
    try:
        connection.request(
            "POST", target.path, body=body, headers={**headers, "User-Agent": USER_AGENT}
        )
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)
        status = response.status
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(None, f"{type(exc).__name__}: {exc}"[:200])
    finally:
        connection.close()
    if 200 <= status < 300:
        return Outcome(status, "")
    return Outcome(status, f"answered {status}")
