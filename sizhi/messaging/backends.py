"""Delivery backends. The log backend records and logs; the HTTP backend posts SMS to a
gateway given by URL (SIZHI_SMS_URL). In-app messages need no delivery."""

import json
import logging
import urllib.request
from typing import Protocol

from django.conf import settings

from sizhi.messaging.models import Message

logger = logging.getLogger("sizhi.messaging")


class DeliveryError(Exception):
    pass


class Backend(Protocol):
    def deliver(self, message: Message) -> None: ...


class LogBackend:
    def deliver(self, message: Message) -> None:
        logger.info("message %s to %s: %s", message.channel, message.pk, message.subject)


class HttpSmsBackend:
    """POST {"to", "text"} as JSON to the gateway; any answer but 2xx is a failure."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url
        self.timeout = timeout

    def deliver(self, message: Message) -> None:
        body = json.dumps({"to": message.address, "text": message.body}).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's setting
            self.url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                if not 200 <= response.status < 300:
                    raise DeliveryError(f"gateway answered {response.status}")
        except OSError as exc:
            raise DeliveryError(str(exc)) from exc


def backend_for(channel: str) -> Backend:
    url = getattr(settings, "SIZHI_SMS_URL", "")
    if channel == "sms" and url:
        return HttpSmsBackend(url)
    return LogBackend()
