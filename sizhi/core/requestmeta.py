"""Who is acting and from where, for the audit log, without threading it through every call."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestMeta:
    ip: str | None


current_meta: ContextVar[RequestMeta | None] = ContextVar("sizhi_request_meta", default=None)


def current_ip() -> str | None:
    meta = current_meta.get()
    return meta.ip if meta else None
