"""WhatsApp through Meta's Cloud API: one template message per call (stdlib HTTP).

``POST {api_base}/{phone_number_id}/messages`` with a bearer token. A success carries
``messages[0].id`` (the ``wamid``); a failure carries ``{"error": {"code", "message"}}``.
HTTP 429, 5xx, the Cloud API's throttling/"try again" codes and network errors are
temporary; any other 4xx is permanent.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from hostctl.core.channels import PermanentError, Sent, TemporaryError, clip
from hostctl.core.templates import WhatsAppContent

TIMEOUT_SECONDS = 20
# Cloud API error codes that mean "later", whatever the HTTP status: throttling (4, 80007,
# 130429, 131048, 131056), temporary server trouble (1, 2, 131000, 131016, 133004).
RETRYABLE_CODES = {1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056, 133004}


@dataclass(frozen=True)
class WhatsAppConfig:
    api_base: str
    phone_number_id: str
    token: str
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
    url = f"{config.api_base.rstrip('/')}/{config.phone_number_id}/messages"
    data = json.dumps(request_body(to, content, config.language), ensure_ascii=False)
    request = urllib.request.Request(
        url,
        data=data.encode("utf-8"),
        method="POST",
        headers={
            "Authorization": f"Bearer {config.token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raw = exc.read() or b""
        reason, code = _error_reason(exc.code, raw)
        if exc.code == 429 or exc.code >= 500 or code in RETRYABLE_CODES:
            raise TemporaryError(reason, retry_after=_retry_after(exc.headers)) from None
        raise PermanentError(reason) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        cause = getattr(exc, "reason", exc)
        raise TemporaryError(clip(f"cannot reach the WhatsApp API: {cause}")) from None
    try:
        message_id = json.loads(raw.decode("utf-8"))["messages"][0]["id"]
    except (ValueError, KeyError, IndexError, TypeError):
        # Accepted (2xx) but unreadable: it was most likely sent, so never resend it.
        return Sent(provider_id=None, note=clip(f"sent, but no message id in {raw[:200]!r}"))
    return Sent(provider_id=str(message_id))
