"""Email over SMTP (smtplib): STARTTLS when the server offers it, login when configured.

One message per outbox row, to the client with the entitled contacts in Cc, so every
recipient gets it in one SMTP transaction. 5xx replies are permanent, 4xx replies and
connection trouble temporary. The Message-ID is derived from the outbox id, so a resend
after a crash carries the same id and mail clients show it once.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from hostctl.core.channels import DeliveryError, PermanentError, Sent, TemporaryError, clip
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


def send(config: SmtpConfig, outbox_id: int, to: str, cc: list[str], content: EmailContent) -> Sent:
    if not to:
        raise PermanentError("the client has no email address")
    msg = build(config, outbox_id, to, cc, content)
    try:
        if config.port == 465:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                config.host, config.port, timeout=TIMEOUT_SECONDS,
                context=ssl.create_default_context(),
            )  # fmt: skip
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=TIMEOUT_SECONDS)
        with client:
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
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        first = next(iter(exc.recipients.values()))
        reason = clip(f"SMTP {first[0]}: all recipients refused: {first[1]!r}")
        if all(500 <= c < 600 for c in codes):
            raise PermanentError(reason) from None
        raise TemporaryError(reason) from None
    except smtplib.SMTPResponseException as exc:
        raise _smtp_error(exc) from None
    except (TimeoutError, smtplib.SMTPException, ssl.SSLError, OSError) as exc:
        raise TemporaryError(clip(f"cannot deliver via {config.host}: {exc}")) from None
    note = None
    if refused:
        note = clip("sent; refused: " + ", ".join(f"{a} ({c})" for a, (c, _) in refused.items()))
    return Sent(provider_id=msg["Message-ID"], note=note)
