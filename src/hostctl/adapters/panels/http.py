"""HTTP for the panel drivers (stdlib ``urllib``, as the WhatsApp channel): TLS verified
against the system's CAs or the server's ``ca_file``, and what went wrong said in the
outbox's terms (``core/channels``):

* not sent — the request never reached the panel in full (DNS, connection refused, TLS,
  a failure while writing it: ``urlopen`` raises ``URLError`` for exactly these), or the
  panel answered 5xx: ``TemporaryError``, retried with back-off;
* refused token — HTTP 401 or 403: ``PermanentError``, one sentence naming the server;
* unknown — the request was written and its answer was lost (a timeout or a reset while
  waiting): the panel may have done it, so it is not retried (``UnknownOutcome``).

The token never appears in what is raised: it travels in a header (WHM) or the body (CWP),
never in the address, and no exception here quotes either.
"""

from __future__ import annotations

import http.client
import json
import ssl
import urllib.error
import urllib.request
from typing import Any

from hostctl.core.channels import PermanentError, TemporaryError, UnknownOutcome, clip
from hostctl.core.channels.panel import PanelServer
from hostctl.core.secret import bad_character

TIMEOUT_SECONDS = 60  # the outbox's STALE_AFTER is 10 minutes: well within it


def token_refused(server: PanelServer, detail: str) -> PermanentError:
    return PermanentError(
        clip(
            f"server {server.name} refused the API token ({detail}); make a new one and set "
            f"it where hostctl reads it"
        )
    )


def header_safe(value: str) -> bool:
    """Whether ``value`` can go in a header as http.client writes them (Latin-1, no
    control character): http.client would refuse it quoting the value."""
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return not bad_character(value)


def _opener(server: PanelServer) -> urllib.request.OpenerDirector:
    if not server.url.startswith("https://"):
        return urllib.request.build_opener()
    try:
        context = ssl.create_default_context(cafile=server.ca_file)
    except OSError as exc:  # ssl.SSLError too: not a PEM bundle
        reason = exc.strerror or getattr(exc, "reason", None) or exc
        raise TemporaryError(
            clip(f"cannot use the CA file {server.ca_file} of server {server.name} ({reason})")
        ) from None
    return urllib.request.build_opener(urllib.request.HTTPSHandler(context=context))


def fetch(
    server: PanelServer,
    url: str,
    *,
    headers: dict[str, str],
    data: bytes | None = None,
    timeout: float = TIMEOUT_SECONDS,
) -> Any:
    """``GET`` (or ``POST`` ``data``) and the JSON answer, parsed. Raises the channels'
    errors as the module says."""
    request = urllib.request.Request(
        url,
        data=data,
        method="POST" if data is not None else "GET",
        headers={"Accept": "application/json", **headers},
    )
    where = f"server {server.name}"
    try:
        response = _opener(server).open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        raise _http_error(server, exc) from None
    except urllib.error.URLError as exc:  # raised before the request was fully written
        raise TemporaryError(clip(f"cannot reach {where}: {exc.reason}")) from None
    except (OSError, http.client.HTTPException) as exc:  # written; the answer was lost
        raise UnknownOutcome(
            clip(f"{where} got the request but its answer was lost: {_describe(exc)}")
        ) from None
    with response:
        try:
            raw = response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise UnknownOutcome(
                clip(f"{where} answered but the answer was cut: {_describe(exc)}")
            ) from None
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        # an answer that is not the API's (a proxy's page): nobody can tell what was done
        raise UnknownOutcome(
            clip(f"{where} answered HTTP {response.status} with no JSON: {raw[:200]!r}")
        ) from None


def _http_error(
    server: PanelServer, exc: urllib.error.HTTPError
) -> TemporaryError | PermanentError:
    try:
        raw = exc.read() or b""
    except (OSError, http.client.HTTPException):
        raw = b""
    body = raw.decode("utf-8", "replace").strip()
    if exc.code in (401, 403):
        return token_refused(server, f"HTTP {exc.code}")
    text = clip(f"server {server.name} answered HTTP {exc.code}: {body or 'no body'}")
    if exc.code >= 500 or exc.code == 429:
        return TemporaryError(text)
    return PermanentError(text)


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
