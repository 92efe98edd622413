"""Email over SMTP (smtplib): STARTTLS when the server offers it, login when configured.

One message per outbox row, to the client with the entitled contacts in Cc, so every
recipient gets it in one SMTP transaction. The Message-ID is derived from the outbox id, so
a deliberate resend carries the same id and mail clients show it once.

What a failure means depends on the stage it happened at:

* before the message's final ``.`` was written (connect, greeting, STARTTLS, login, MAIL,
  RCPT, DATA, or while writing the message): the server cannot have accepted it, so 5xx
  replies are permanent and 4xx replies and connection trouble temporary;
* after the final ``.``: the server's answer decides (250 sent; 4xx/5xx as above); if that
  answer is lost (reset, closed, timeout, garbled) the server may have accepted it, so the
  outcome is unknown and it is not retried (``UnknownOutcome``).

Once the server said 250, nothing that follows (QUIT) can turn the send into a failure.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from hostctl.core.channels import (
    DeliveryError,
    PermanentError,
    Sent,
    TemporaryError,
    UnknownOutcome,
    clip,
)
from hostctl.core.templates import EmailContent

TIMEOUT_SECONDS = 30
LOOPBACK = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    username: str | None
    password: str | None


def message_id(outbox_id: int, sender: str) -> str:
    domain = sender.rpartition("@")[2].strip(" >") or "hostctl.invalid"
    return f"<hostctl.outbox.{outbox_id}@{domain}>"


def build(
    config: SmtpConfig, outbox_id: int, to: str, cc: list[str], content: EmailContent
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = config.sender
    msg["To"] = to
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = content.subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = message_id(outbox_id, config.sender)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(content.body)
    return msg


class _SMTP(smtplib.SMTP):
    """``smtplib.SMTP`` that notes when the message's final ``.`` has been written."""

    final_dot_sent = False

    def send(self, s: str | bytes) -> None:  # type: ignore[override]
        super().send(s)
        if isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):  # DATA's end (smtplib.data)
            self.final_dot_sent = True


class _SMTP_SSL(_SMTP, smtplib.SMTP_SSL):
    pass


def _smtp_error(exc: smtplib.SMTPResponseException) -> DeliveryError:
    text = exc.smtp_error
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    reason = clip(f"SMTP {exc.smtp_code}: {text}")
    if 500 <= exc.smtp_code < 600 and not isinstance(exc, smtplib.SMTPAuthenticationError):
        return PermanentError(reason)
    # 4xx, and a login the server refused: the setup is wrong, not the message, so keep
    # retrying (and failing after notify.max_attempts) until someone fixes it.
    return TemporaryError(reason)


def _failure(exc: Exception, host: str, after_dot: bool) -> DeliveryError:
    if after_dot and not (isinstance(exc, smtplib.SMTPDataError) and 400 <= exc.smtp_code < 600):
        return UnknownOutcome(
            clip(f"{host} got the whole message but its answer was lost: {_describe(exc)}")
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        first = next(iter(exc.recipients.values()))
        reason = clip(f"SMTP {first[0]}: all recipients refused: {first[1]!r}")
        if all(500 <= c < 600 for c in codes):
            return PermanentError(reason)
        return TemporaryError(reason)
    if isinstance(exc, smtplib.SMTPResponseException):
        return _smtp_error(exc)
    return TemporaryError(clip(f"cannot deliver via {host}: {exc}"))


def send(config: SmtpConfig, outbox_id: int, to: str, cc: list[str], content: EmailContent) -> Sent:
    if not to:
        raise PermanentError("the client has no email address")
    msg = build(config, outbox_id, to, cc, content)
    client: _SMTP | None = None
    try:
        if config.port == 465:
            client = _SMTP_SSL(
                config.host, config.port, timeout=TIMEOUT_SECONDS,
                context=ssl.create_default_context(),
            )  # fmt: skip
        else:
            client = _SMTP(config.host, config.port, timeout=TIMEOUT_SECONDS)
        client.ehlo()
        tls = config.port == 465
        if client.has_extn("starttls"):
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
            tls = True
        if config.username:
            if not tls and config.host not in LOOPBACK:
                raise TemporaryError(
                    f"{config.host} does not offer STARTTLS; refusing to send the SMTP "
                    "password in clear text"
                )
            client.login(config.username, config.password or "")
        refused = client.send_message(msg)
    except (smtplib.SMTPException, OSError) as exc:  # OSError: timeouts, resets, TLS too
        raise _failure(exc, config.host, bool(client and client.final_dot_sent)) from None
    finally:
        if client is not None:
            _quit(client)
    note = None
    if refused:
        note = clip("sent; refused: " + ", ".join(f"{a} ({c})" for a, (c, _) in refused.items()))
    return Sent(provider_id=msg["Message-ID"], note=note)


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _quit(client: smtplib.SMTP) -> None:
    """Say goodbye; whatever the server answers, the outcome is already known."""
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()
