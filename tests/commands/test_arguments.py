"""Arguments hostctl cannot keep as text are refused once, in cli.py, before any command runs:
one sentence, exit 1, nothing written (PostgreSQL refuses a NUL with a traceback)."""

from __future__ import annotations

import pytest

CONTROL = "only tab and line breaks are allowed in text.\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("client", "add", "--name", "Ana\x00", "--email", "ana@example.com"),
         "error: The argument 'Ana\\x00' contains the control character U+0000; " + CONTROL),
        (("client", "add", "--name", "Ana", "--email", "ana@example.com", "--company",
          "Radio\x1bSur"),
         "error: The argument 'Radio\\x1bSur' contains the control character U+001B; "
         + CONTROL),
        (("client", "add", "--name", "Ana\udcff", "--email", "ana@example.com"),
         "error: The argument 'Ana\\xff' is not valid UTF-8 text.\n"),
        (("ticket", "open", "--client", "1", "--subject", "Caída", "--category", "sla1",
          "--message", "no anda\x00"),
         "error: The argument 'no anda\\x00' contains the control character U+0000; "
         + CONTROL),
        (("config", "set", "company.name", "Hosting\x7f"),
         "error: The argument 'Hosting\\x7f' contains the control character U+007F; "
         + CONTROL),
        (("service", "order", "--client", "1", "--product", "web\x00", "--cycle", "monthly"),
         "error: The argument 'web\\x00' contains the control character U+0000; " + CONTROL),
    ],
)  # fmt: skip
def test_an_argument_with_a_control_character_or_bad_utf8_is_refused(cli, args, message):
    if args[0] != "client":
        cli("client", "add", "--name", "Ana", "--email", "ana@example.com")
    before = cli.json("log")
    result = cli(*args)
    assert (result.exit_code, result.stderr, result.stdout) == (1, message, "")
    assert cli.json("log") == before
    assert len(cli.json("client", "list")) == (0 if args[0] == "client" else 1)
    assert cli.json("ticket", "list") == []


@pytest.mark.parametrize(
    ("staff", "message"),
    [
        ("Jos\udce9", "error: The value of HOSTCTL_STAFF 'Jos\\xe9' is not valid UTF-8 text.\n"),
        ("maria\x01", "error: The value of HOSTCTL_STAFF 'maria\\x01' contains the control "
         "character U+0001; " + CONTROL),
    ],
)  # fmt: skip
def test_a_staff_name_that_is_not_text_is_refused(cli, staff, message):
    result = cli("client", "add", "--name", "Ana", "--email", "ana@example.com", staff=staff)
    assert (result.exit_code, result.stderr, result.stdout) == (1, message, "")
    assert cli.json("client", "list") == []
    assert cli.json("log") == []
