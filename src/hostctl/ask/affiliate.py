"""Questions of `affiliate …`."""

from __future__ import annotations

from hostctl import prompts
from hostctl.ask import choice, read
from hostctl.ask import known as known
from hostctl.i18n import _, language


def withdrawal_amount(value: str | None, client_id: int) -> str:
    from hostctl.core import affiliates

    if value is not None:
        return value
    if not prompts.allowed():
        raise prompts.missing("--amount")
    currency = read(lambda session: affiliates.get_affiliate(session, client_id).currency)
    return prompts.text(
        _("Amount in {currency}:").format(currency=currency),
        option="--amount",
        check=lambda raw: affiliates.check_withdrawal(raw, currency, language=language()),
    )


def withdrawal_to(value: str | None) -> str:
    from hostctl.core import affiliates

    titles = {"credit": _("credit — the client's credit now"), "bank": _("bank — a bank transfer")}
    return choice(
        value, "--to", _("Withdraw to:"), [(t, titles[t]) for t in affiliates.WITHDRAW_TO]
    )


def bank_account(value: str | None, to: str) -> str | None:
    if value is not None or to.strip().lower() != "bank" or not prompts.allowed():
        return value
    return prompts.text(_("The client's bank account (CBU/IBAN, holder):"), option="--bank-account")
