"""Checks of typed text without the CLI (core/validate.py)."""

from __future__ import annotations

import pytest

from hostctl.core import validate
from hostctl.errors import ValidationError


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("Ana\x00", "The client name 'Ana\\x00' contains the control character U+0000; only "
         "tab and line breaks are allowed in text."),
        ("Ana\x9b31m", "The client name 'Ana\\x9b31m' contains the control character U+009B; "
         "only tab and line breaks are allowed in text."),
    ],
)  # fmt: skip
def test_names_from_files_are_checked_too(raw, message):
    with pytest.raises(ValidationError) as err:
        validate.name(raw, "client name")
    assert err.value.message == message


def test_an_argument_may_hold_tabs_and_line_breaks_and_a_refused_one_is_shown_clipped():
    assert validate.argument("Caída\tweb\r\nlínea 2\u2028") == "Caída\tweb\r\nlínea 2\u2028"
    with pytest.raises(ValidationError) as err:
        validate.argument("x" * 100 + "\x00")
    assert err.value.message == (
        f"The argument '{'x' * 60}…' contains the control character U+0000; only tab and line "
        "breaks are allowed in text."
    )
