"""WhatsApp through Meta's Cloud API: one template message per call (stdlib HTTP).

``POST {api_base}/{phone_number_id}/messages`` with a bearer token. A success carries
``messages[0].id`` (the ``wamid``); a failure carries ``{"error": {"code", "message"}}``.

Whether the message may have gone decides what happens next:

* not sent — the request never reached the API in full (DNS, connection refused, TLS,
  a failure while writing it: ``urlopen`` raises ``URLError`` for exactly these), or the
  API answered that it did not take it: HTTP 429, 5xx and the Cloud API's throttling/"try
  again" codes are temporary, any other 4xx permanent;
* unknown — the request was written and its answer was lost (connection reset or closed,
  a timeout while waiting), or a gateway answered 502/504 without the API's error body:
  the API may have accepted it, so it is not retried (``UnknownOutcome``).
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from hostctl.core.channels import PermanentError, Sent, TemporaryError, UnknownOutcome, clip
from hostctl.core.secret import Secret, bad_character
from hostctl.core.templates import WhatsAppContent

TIMEOUT_SECONDS = 20
# Cloud API error codes that mean "later", whatever the HTTP status: throttling (4, 80007,
# 130429, 131048, 131056), temporary server trouble (1, 2, 131000, 131016, 133004).
RETRYABLE_CODES = {1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056, 133004}
# A gateway's "the API did not answer me in time / properly": the API may have taken it.
GATEWAY_LOST = {502, 504}


@dataclass(frozen=True)
class WhatsAppConfig:
    api_base: str
    phone_number_id: str
    token: Secret  # never a plain string: a traceback's locals must not show it
    language: str


def to_digits(phone: str) -> str:
    """E.164 as the Cloud API wants it: digits only (``+54 9 11 …`` → ``54911…``)."""
    return re.sub(r"\D", "", phone or "")


def request_body(to: str, content: WhatsAppContent, language: str) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "to": to,
        "type": "template",
        "template": {
            "name": content.name,
            "language": {"code": content.language or language},
            "components": [
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": p} for p in content.parameters],
                }
            ],
        },
    }


def _retry_after(headers: Any) -> dt.timedelta | None:
    raw = headers.get("Retry-After") if headers is not None else None
    if raw and str(raw).strip().isdigit():
        return dt.timedelta(seconds=int(str(raw).strip()))
    return None


def _error_reason(status: int, raw: bytes) -> tuple[str, int | None]:
    try:
        error = json.loads(raw.decode("utf-8", "replace")).get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    if not isinstance(error, dict) or not error:
        return clip(f"HTTP {status}: {raw.decode('utf-8', 'replace') or 'no body'}"), None
    code = error.get("code")
    message = error.get("message") or "no message"
    details = (error.get("error_data") or {}).get("details")
    text = f"HTTP {status}: WhatsApp error {code}: {message}"
    if details and details not in message:
        text += f" ({details})"
    return clip(text), code if isinstance(code, int) else None


def send(config: WhatsAppConfig, phone: str, content: WhatsAppContent) -> Sent:
    to = to_digits(phone)
    if not to:
        raise PermanentError("the client has no WhatsApp phone number")
    if not _header_safe(config.token):
        # http.client would refuse the header with a message quoting its value: the token
        raise PermanentError(
            "HOSTCTL_WHATSAPP_TOKEN has a character an HTTP header cannot carry; nothing was sent"
        )
    url = f"{config.api_base.rstrip('/')}/{config.phone_number_id}/messages"
    data = json.dumps(request_body(to, content, config.language), ensure_ascii=False)
    request = urllib.request.Request(
        url,
        data=data.encode("utf-8"),
        method="POST",
        headers={
            "Authorization": "Bearer " + config.token.reveal(),
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
    )
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS)
    except urllib.error.HTTPError as exc:
        raise _http_error(exc) from None
    except urllib.error.URLError as exc:  # raised before the request was fully written
        raise TemporaryError(clip(f"cannot reach the WhatsApp API: {exc.reason}")) from None
    except (OSError, http.client.HTTPException) as exc:  # written; the answer was lost
        raise UnknownOutcome(
            clip(f"the WhatsApp API got the request but its answer was lost: {_describe(exc)}")
        ) from None
    with response:
        try:
            raw = response.read()
        except (OSError, http.client.HTTPException) as exc:
            return Sent(note=clip(f"sent (HTTP {response.status}), answer cut: {_describe(exc)}"))
    try:
        message_id = json.loads(raw.decode("utf-8"))["messages"][0]["id"]
    except (ValueError, KeyError, IndexError, TypeError):
        # Accepted (2xx) but unreadable: it was most likely sent, so never resend it.
        return Sent(provider_id=None, note=clip(f"sent, but no message id in {raw[:200]!r}"))
    return Sent(provider_id=str(message_id))


def _header_safe(token: Secret) -> bool:
    """Whether the token can go in a header as http.client writes them (Latin-1, no
    control character)."""
    try:
        token.reveal().encode("latin-1")
    except UnicodeEncodeError:
        return False
    return not bad_character(token.reveal())


def _http_error(exc: urllib.error.HTTPError) -> TemporaryError | PermanentError | UnknownOutcome:
    """The API (or a gateway in front of it) answered with an error status."""
    try:
        raw = exc.read() or b""
    except (OSError, http.client.HTTPException):
        raw = b""
    reason, code = _error_reason(exc.code, raw)
    if exc.code in GATEWAY_LOST and code is None:
        return UnknownOutcome(clip(f"{reason} (a gateway lost the API's answer)"))
    if exc.code == 429 or exc.code >= 500 or code in RETRYABLE_CODES:
        return TemporaryError(reason, retry_after=_retry_after(exc.headers))
    return PermanentError(reason)


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
