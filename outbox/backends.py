"""SMS backends. ``settings.SMS_BACKEND`` names the class; each has ``send(to, text) -> str``
that returns the gateway's reference or raises :class:`SmsError`.

- ``FileSmsBackend`` (default): one file per message under ``SMS_FILE_PATH``, for
  development and closed networks without a gateway.
- ``ConsoleSmsBackend``: writes the message to standard output (development only).
- ``LocmemSmsBackend``: keeps messages in ``outbox.backends.sent`` (tests).
- ``HttpSmsBackend``: POSTs ``{"to": ..., "text": ...}`` as JSON to ``SMS_GATEWAY_URL`` with
  ``Authorization: Bearer SMS_GATEWAY_KEY``; a 2xx answer is success and its JSON ``id``
  (if any) is kept as the reference.

No backend writes a phone number or a message text to the application log.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class SmsError(Exception):
    """The message was not accepted; the worker retries later."""


@dataclass
class SmsMessage:
    to: str
    text: str


sent: list[SmsMessage] = []


class BaseSmsBackend:
    def send(self, to: str, text: str) -> str:
        raise NotImplementedError


class LocmemSmsBackend(BaseSmsBackend):
    def send(self, to: str, text: str) -> str:
        sent.append(SmsMessage(to=to, text=text))
        return f"locmem-{len(sent)}"


class ConsoleSmsBackend(BaseSmsBackend):
    def send(self, to: str, text: str) -> str:
        sys.stdout.write(f"SMS to {to}:\n{text}\n{'-' * 40}\n")
        sys.stdout.flush()
        return "console"


class FileSmsBackend(BaseSmsBackend):
    def send(self, to: str, text: str) -> str:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        ref = uuid.uuid4().hex
        name = f"{timezone.now():%Y%m%d-%H%M%S}-{ref[:8]}.txt"
        (folder / name).write_text(f"To: {to}\n\n{text}\n", encoding="utf-8")
        return ref


class HttpSmsBackend(BaseSmsBackend):
    timeout = 10

    def send(self, to: str, text: str) -> str:
        url = settings.SMS_GATEWAY_URL
        if not url.startswith(("http://", "https://")):
            raise SmsError("SMS_GATEWAY_URL is not an http(s) URL")
        data = json.dumps({"to": to, "text": text}, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8"})  # noqa: S310
        if settings.SMS_GATEWAY_KEY:
            request.add_header("Authorization", f"Bearer {settings.SMS_GATEWAY_KEY}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read(4096)
        except urllib.error.HTTPError as exc:
            raise SmsError(f"gateway answered HTTP {exc.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError(f"gateway unreachable: {type(exc).__name__}") from None
        try:
            answer = json.loads(body or b"{}")
        except ValueError:
            return ""
        return str(answer.get("id", ""))[:100] if isinstance(answer, dict) else ""


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
