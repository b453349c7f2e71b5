"""Where a webhook may be sent: checked when a subscription is made, and again (with the
addresses the name resolves to) before every attempt.

A target is an ``http`` or ``https`` URL with a host and no user name or password in it. Unless
``SIZHI_WEBHOOK_ALLOW_PRIVATE`` is on (the default only with ``SIZHI_DEBUG``), the host must
not be, or resolve to, a loopback, private, link-local or otherwise non-public address, so that
a subscription cannot make the server probe its own network. The connection then goes to the
address that was checked, not to a second lookup of the name.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

MAX_URL_LENGTH = 500
LOCAL_NAMES = ("localhost", "localhost.localdomain")


class TargetError(Exception):
    """A URL that may not be used; the message says why (translated)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with the query string


def allow_private() -> bool:
    return bool(getattr(settings, "SIZHI_WEBHOOK_ALLOW_PRIVATE", settings.DEBUG))


def parse_target(url: str) -> Target:
    """The parts of a usable URL, or TargetError."""
    if not url or len(url) > MAX_URL_LENGTH or not url.isascii() or url != url.strip():
        raise TargetError(_("请输入有效的推送地址（http:// 或 https:// 开头）。"))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise TargetError(_("请输入有效的推送地址（http:// 或 https:// 开头）。")) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetError(_("请输入有效的推送地址（http:// 或 https:// 开头）。"))
    if "@" in parts.netloc:
        raise TargetError(_("推送地址不能包含用户名或密码。"))
    if parts.fragment or any(ch in url for ch in " \t\r\n"):
        raise TargetError(_("请输入有效的推送地址（http:// 或 https:// 开头）。"))
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    default_port = 443 if parts.scheme == "https" else 80
    return Target(parts.scheme, parts.hostname, port or default_port, path)


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _literal_address(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def check_url(url: str) -> Target:
    """Validate a URL for a new subscription, without looking the name up (the server may be
    offline when it is made): the form, and a literal address or local name."""
    target = parse_target(url)
    if allow_private():
        return target
    host = target.host.lower().rstrip(".")
    literal = _literal_address(host)
    if (
        host in LOCAL_NAMES
        or host.endswith(".localhost")
        or (literal is not None and not is_public_address(literal))
    ):
        raise TargetError(_("不允许推送到本机或内网地址。"))
    return target


def resolve(target: Target) -> list[str]:
    """The addresses to connect to, in the resolver's order, after checking that none is
    private (unless that is allowed). TargetError (in English, for the delivery log) if the
    name does not resolve or an address is refused."""
    try:
        found = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise TargetError(f"cannot resolve {target.host}: {exc}") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    if not addresses:
        raise TargetError(f"cannot resolve {target.host}")
    if not allow_private():
        refused = [address for address in addresses if not is_public_address(address)]
        if refused:
            raise TargetError(f"address not allowed: {refused[0]}")
    return addresses
