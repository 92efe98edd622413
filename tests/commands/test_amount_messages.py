"""An amount inside a message from core is a field the CLI formats for the session (issue
#20): the refusal under a prompt and the error line show it as the screen shows amounts,
in Spanish or in English, never in the other language's format."""

from __future__ import annotations

import pytest

from hostctl import output, prompts, words
from hostctl.core.money import Money
from hostctl.errors import BusinessRuleError
from hostctl.i18n import N_


def _refuse(_answer: str) -> None:
    minimum = Money.parse("1234.5", "ARS")
    raise BusinessRuleError(
        N_("The minimum withdrawal is {minimum}.", minimum=words.Amount(minimum))
    )


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "The minimum withdrawal is $ 1,234.50."),
        ("es", "El retiro mínimo es de $ 1.234,50."),
    ],
)
def test_an_amount_in_a_core_message_is_shown_in_the_sessions_format(monkeypatch, lang, said):
    monkeypatch.setenv("HOSTCTL_LANG", lang)
    monkeypatch.setattr(output, "stdout_is_tty", lambda: False)  # stderr is still a person's
    with pytest.raises(BusinessRuleError) as refused:
        _refuse("")
    assert str(refused.value.message) == "The minimum withdrawal is 1234.50 ARS."  # the data
    assert output.people(refused.value.message, human=True) == said
    assert prompts._validator("--amount", _refuse)("10") == said
