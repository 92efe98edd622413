"""Email over SMTP (smtplib), over TLS whenever the server allows it.

How TLS starts (``smtp.tls``): ``implicit`` speaks TLS from the first byte (SMTPS, the
port-465 way); ``starttls`` connects in plain text and requires STARTTLS; ``auto`` (the
default) is ``implicit`` on port 465 and otherwise STARTTLS when the server offers it. The
server's certificate is always verified, host name included, against ``smtp.ca_file`` when
it is set (that bundle only) or else the system's CAs.

The login (``smtp.username`` with ``HOSTCTL_SMTP_PASSWORD``) happens only after TLS: a
server that offers no STARTTLS gets no AUTH at all, loopback included, and the message is
not sent (it is retried). The password never appears in a reason (``last_error``), even
when a server echoes it.

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

import base64
import binascii
import hmac
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
from hostctl.core.secret import Secret
from hostctl.core.templates import EmailContent

TIMEOUT_SECONDS = 30
# OpenSSL's verify codes for a certificate issued for another name.
_NAME_MISMATCH = {62, 64}  # X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    username: str | None
    password: Secret | None  # never a plain string: a traceback's locals must not show it
    tls: str = "auto"  # "auto", "starttls" or "implicit" (the setting smtp.tls)
    ca_file: str | None = None

    @property
    def implicit_tls(self) -> bool:
        return self.tls == "implicit" or (self.tls == "auto" and self.port == 465)


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
    if isinstance(exc, ssl.SSLCertVerificationError):
        return TemporaryError(clip(_untrusted(host, exc)))
    if isinstance(exc, ssl.SSLError):
        return TemporaryError(
            clip(f"TLS with {host} failed ({exc.reason or exc}); check smtp.port and smtp.tls")
        )
    if isinstance(exc, smtplib.SMTPException | OSError):
        return TemporaryError(clip(f"cannot deliver via {host}: {exc}"))
    return TemporaryError(clip(f"cannot deliver via {host}: {type(exc).__name__}: {exc}"))


def _untrusted(host: str, exc: ssl.SSLCertVerificationError) -> str:
    what = str(exc.verify_message or exc.reason or "verification failed").rstrip(".")
    if exc.verify_code in _NAME_MISMATCH:
        hint = "set smtp.host to a name the certificate is for"
    else:
        hint = "set smtp.ca_file to the CA certificates (PEM) that issued it"
    return f"the TLS certificate of {host} was not accepted ({what}); {hint}"


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """Verification on, host name included: ``ca_file``'s CAs only, or the system's."""
    try:
        return ssl.create_default_context(cafile=ca_file)
    except OSError as exc:  # ssl.SSLError too: not a PEM bundle
        reason = exc.strerror or getattr(exc, "reason", None) or exc
        raise TemporaryError(clip(f"cannot use smtp.ca_file {ca_file} ({reason})")) from None


def send(config: SmtpConfig, outbox_id: int, to: str, cc: list[str], content: EmailContent) -> Sent:
    try:
        return _send(config, outbox_id, to, cc, content)
    except DeliveryError as exc:
        if config.password:
            hidden = config.password.hide(exc.reason, "[password]")
            if hidden != exc.reason:
                raise type(exc)(hidden, retry_after=exc.retry_after) from None
        raise


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _login(client: smtplib.SMTP, host: str, username: str, password: Secret) -> None:
    """Log in with the user name and password as UTF-8 (smtplib's ``login`` encodes them
    as ASCII, so a password such as ``contraseña`` could never be used): AUTH PLAIN, whose
    RFC 4616 defines UTF-8, else LOGIN, else CRAM-MD5 (an HMAC of the UTF-8 bytes).

    A refusal raises ``SMTPAuthenticationError`` (the server's reply, e.g. 535); a server
    that offers no login, or none of these, is one sentence. Nothing is sent either way."""
    offered = client.esmtp_features.get("auth", "").upper().split()
    if not offered:  # no AUTH, or AUTH without a mechanism
        raise TemporaryError(
            f"{host} offers no login (AUTH), which smtp.username needs; nothing was sent"
        )
    user = username.encode("utf-8")
    if "PLAIN" in offered:
        code, reply = client.docmd(
            "AUTH", "PLAIN " + _b64(b"\0" + user + b"\0" + password.reveal().encode("utf-8"))
        )
    elif "LOGIN" in offered:
        code, reply = client.docmd("AUTH", "LOGIN " + _b64(user))
        if code == 334:
            code, reply = client.docmd(_b64(password.reveal().encode("utf-8")))
    elif "CRAM-MD5" in offered:
        code, reply = client.docmd("AUTH", "CRAM-MD5")
        if code == 334:
            try:
                challenge = base64.b64decode(reply, validate=True)
            except binascii.Error:
                raise TemporaryError(
                    f"{host} sent a CRAM-MD5 challenge that is not base64; nothing was sent"
                ) from None
            digest = hmac.new(password.reveal().encode("utf-8"), challenge, "md5").hexdigest()
            code, reply = client.docmd(_b64(user + b" " + digest.encode("ascii")))
    else:
        raise TemporaryError(
            f"{host} offers no login hostctl can use (AUTH {' '.join(offered)}; hostctl "
            "speaks PLAIN, LOGIN and CRAM-MD5); nothing was sent"
        )
    if code not in (235, 503):  # 503: already logged in (as smtplib.login)
        raise smtplib.SMTPAuthenticationError(code, reply)


def _send(
    config: SmtpConfig, outbox_id: int, to: str, cc: list[str], content: EmailContent
) -> Sent:
    if not to:
        raise PermanentError("the client has no email address")
    msg = build(config, outbox_id, to, cc, content)
    context = tls_context(config.ca_file)
    client: _SMTP | None = None
    try:
        if config.implicit_tls:
            client = _SMTP_SSL(config.host, config.port, timeout=TIMEOUT_SECONDS, context=context)
        else:
            client = _SMTP(config.host, config.port, timeout=TIMEOUT_SECONDS)
        client.ehlo()
        tls = config.implicit_tls
        if not tls and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
            tls = True
        if not tls and config.tls == "starttls":
            raise TemporaryError(
                f"{config.host} does not offer STARTTLS, which smtp.tls requires; nothing was sent"
            )
        if config.username:
            if not tls:
                raise TemporaryError(
                    f"{config.host} does not offer STARTTLS; refusing to send the SMTP "
                    "password in clear text"
                )
            _login(client, config.host, config.username, config.password or Secret(""))
        refused = client.send_message(msg)
    except DeliveryError:
        raise
    except Exception as exc:  # OSError: timeouts, resets, TLS too; anything else: an odd reply
        # or a bug, which cannot have sent the message before its final "." was written
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
