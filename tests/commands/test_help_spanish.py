"""--help in Spanish: the catalog covers the whole command tree, the language follows
HOSTCTL_LANG / LC_ALL / LC_MESSAGES / LANG, English runs open no catalog, --json never changes.

After changing a help text: ``python tools/help_catalog.py update``, translate what it
lists in src/hostctl/locale/es/LC_MESSAGES/help.po, then ``python tools/help_catalog.py
compile`` and commit both files.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from hostctl import cli, i18n

_BESIDE = Path(sys.executable).with_name("hostctl")
HOSTCTL = str(_BESIDE) if _BESIDE.exists() else (shutil.which("hostctl") or "hostctl")
LANGUAGE_VARS = ("HOSTCTL_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")
FIX = "run `python tools/help_catalog.py update`, translate in help.po, then `… compile`"


def _tool() -> ModuleType:
    """``tools/help_catalog.py``: a developer tool, outside the package (it imports the CLI)."""
    path = Path(__file__).resolve().parents[2] / "tools" / "help_catalog.py"
    spec = importlib.util.spec_from_file_location("help_catalog", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


help_catalog = _tool()


def _env(**language: str) -> dict[str, str]:
    """This process's environment with only the given language variables set."""
    env = {k: v for k, v in os.environ.items() if k not in LANGUAGE_VARS}
    env.update(language)
    return env


def _run(*args: str, **language: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HOSTCTL, *args], env=_env(**language), capture_output=True, text=True, timeout=120
    )


def _option_names(help_page: str) -> list[str]:
    return re.findall(r"(?m)^  (-[-\w, ]*?)(?=\s{2}|\s<|$)", help_page)


# -- the catalog --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tree() -> dict[str, list[str]]:
    return help_catalog.collect()


def test_the_walk_reaches_every_noun_its_verbs_and_their_options(tree):
    where = {w for places in tree.values() for w in places}
    for noun in cli.COMMANDS:
        assert f"hostctl {noun}" in where
    assert "hostctl service order --client" in where
    assert "hostctl client contact add --rights" in where  # a noun inside a noun
    assert "hostctl service show service_id" in where  # an argument
    assert tree["Order service(s): pending until their first invoice (due today) is paid."]
    assert len(tree) > 250


def test_every_help_text_has_a_spanish_translation(tree):
    catalog = help_catalog.read()
    missing = [
        f"{msgid!r} ({places[0]})"
        for msgid, places in tree.items()
        if (message := catalog.get(msgid)) is None or not message.string or message.fuzzy
    ]
    assert not missing, f"{len(missing)} help text(s) without Spanish; {FIX}:\n" + "\n".join(
        missing
    )


def test_translations_keep_option_names_placeholders_and_rule_ids(tree):
    catalog = help_catalog.read()
    dropped = []
    for msgid in tree:
        message = catalog.get(msgid)
        if message is None or not message.string:
            continue  # reported by the test above
        kept = set(help_catalog.KEPT.findall(msgid))
        lost = kept - set(help_catalog.KEPT.findall(str(message.string)))
        if lost:
            dropped.append(f"{msgid!r} loses {sorted(lost)}")
    assert not dropped, "\n".join(dropped)
    # the check itself sees what it must keep
    assert help_catalog.KEPT.findall("Why; needed with --force (BIL-8, §4) {command}") == [
        "--force",
        "BIL-8",
        "§4",
        "{command}",
    ]


def test_help_mo_is_compiled_from_help_po():
    compiled = help_catalog.translations(help_catalog.mo_bytes(help_catalog.read()))
    shipped = help_catalog.translations(help_catalog.MO.read_bytes())
    assert shipped == compiled, "help.mo is stale: run `python tools/help_catalog.py compile`"
    assert shipped["Usage:"] == "Uso:"


def test_the_catalog_tool_checks_clean():
    assert help_catalog.problems() == []
    assert help_catalog.main(["check"]) == 0


# -- the language of a run (real processes) -------------------------------------------------


def test_hostctl_lang_es_gives_spanish_help_with_the_same_options():
    english = _run("service", "order", "--help", LANG="C.UTF-8")
    spanish = _run("service", "order", "--help", HOSTCTL_LANG="es")
    assert (english.returncode, spanish.returncode) == (0, 0)
    assert "Order service(s): pending until their first invoice" in english.stdout
    assert "Registra el pedido de uno o más servicios" in spanish.stdout
    assert "Uso: hostctl service order [OPCIONES]" in spanish.stdout
    assert "Opciones:" in spanish.stdout and "Options:" not in spanish.stdout
    assert "Id del cliente.  [obligatorio]" in spanish.stdout
    assert "[por defecto: 1]" in spanish.stdout
    assert "Muestra esta ayuda y termina." in spanish.stdout
    names = _option_names(english.stdout)
    assert names == _option_names(spanish.stdout)
    assert {"--client", "--product", "--cycle", "--json", "-h, --help"} <= set(names)
    # the example is a command line: only its label changes
    example = "hostctl service order --client 7 --product hosting-basic --cycle annual"
    assert f"Example: {example}" in english.stdout
    assert f"Ejemplo: {example}" in spanish.stdout


def test_the_root_help_lists_the_nouns_in_spanish():
    result = _run("--help", LANG="es_UY.UTF-8")
    assert result.returncode == 0
    assert "Comandos:" in result.stdout
    assert "Clientes y sus contactos (reglas §1)." in result.stdout
    assert "No pregunta nunca; si falta un dato, es un error." in result.stdout


@pytest.mark.parametrize(
    ("language", "spanish"),
    [
        ({"LANG": "es_AR.UTF-8"}, True),
        ({"LC_MESSAGES": "es_UY.UTF-8", "LANG": "C.UTF-8"}, True),
        ({"LC_ALL": "es_AR.UTF-8", "LANG": "en_US.UTF-8"}, True),
        ({"LC_ALL": "C.UTF-8", "LANG": "es_AR.UTF-8"}, False),  # the first one set wins
        ({"HOSTCTL_LANG": "en", "LANG": "es_AR.UTF-8"}, False),
        ({"HOSTCTL_LANG": "es", "LANG": "en_US.UTF-8"}, True),
        ({"LANG": "C.UTF-8"}, False),
        ({}, False),
    ],
)
def test_the_language_comes_from_the_environment(language, spanish):
    result = _run("service", "--help", **language)
    assert result.returncode == 0
    assert ("Servicios: pedidos, cola de activación" in result.stdout) is spanish
    assert ("Services: orders, activation queue" in result.stdout) is not spanish


def test_usage_errors_in_spanish_keep_their_exit_code():
    # a read-only command keeps click's own check of a required option (commands that
    # change data ask for it on a terminal, or say so themselves: hostctl's own message)
    english = _run("uptime", "report", LANG="C.UTF-8")
    spanish = _run("uptime", "report", HOSTCTL_LANG="es")
    assert english.returncode == spanish.returncode == 2
    assert "Error: Missing option '--month'." in english.stderr
    assert spanish.stderr == (
        "Uso: hostctl uptime report [OPCIONES]\n"
        "Para ver la ayuda: 'hostctl uptime report -h'.\n\n"
        "Error: Falta la opción '--month'.\n"
    )
    order = _run("service", "order", "--product", "x", "--cycle", "annual", HOSTCTL_LANG="es")
    assert (order.returncode, order.stderr) == (
        2,
        "error: Falta --client; páselo en la línea de comandos (sin una terminal no se pregunta "
        "nada).\n",
    )
    typo = _run("service", "ordr", HOSTCTL_LANG="es")
    assert typo.returncode == 2
    assert "Error: No existe el comando 'ordr'. ¿Quiso decir 'order'?" in typo.stderr
    # a value that is not a whole number is hostctl's own sentence, as a bad date is (exit 1)
    limit = _run("service", "list", "--limit", "x", HOSTCTL_LANG="es")
    assert (limit.returncode, limit.stderr) == (
        1,
        "error: --limit lleva un número entero, como 7, no 'x'.\n",
    )
    root = _run("--bogus", HOSTCTL_LANG="es")
    assert (root.returncode, root.stderr.splitlines()[-1]) == (
        2,
        "Error: No existe la opción --bogus",
    )


def test_tab_completion_describes_commands_in_spanish():
    nouns = _run(
        _HOSTCTL_COMPLETE="zsh_complete", COMP_WORDS="hostctl cl", COMP_CWORD="1", LANG="es_AR"
    )
    assert nouns.stdout.splitlines() == ["plain", "client", "Clientes y sus contactos (reglas §1)."]
    options = _run(
        _HOSTCTL_COMPLETE="zsh_complete",
        COMP_WORDS="hostctl client add --em",
        COMP_CWORD="3",
        HOSTCTL_LANG="es",
    )
    assert options.stdout.splitlines() == ["plain", "--email", "Email; único por cliente."]


# -- English opens no catalog -------------------------------------------------------------


@pytest.mark.parametrize("args", [["--help"], ["service", "order", "--help"], []])
def test_an_english_help_page_opens_no_catalog(args):
    unset: dict[str, str | None] = dict.fromkeys(LANGUAGE_VARS)
    i18n._catalog.cache_clear()
    english = CliRunner().invoke(cli.app, args, env={**unset, "LANG": "C.UTF-8"})
    assert english.exit_code in (0, 2) and "Options:" in english.output
    assert i18n._catalog.cache_info().currsize == 0
    # the same page in Spanish does open help.mo (and only it): the check can fail
    spanish = CliRunner().invoke(cli.app, args, env={**unset, "HOSTCTL_LANG": "es"})
    assert "Opciones:" in spanish.output
    assert i18n._catalog.cache_info().currsize == 1
    i18n._catalog.cache_clear()


def test_importing_the_cli_does_not_import_the_spanish_help():
    code = "import sys, hostctl.cli; print('hostctl.help_i18n' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], env=_env(LANG="es_AR.UTF-8"), capture_output=True, text=True
    )
    assert out.stdout.strip() == "False"


# -- --json does not depend on the language ------------------------------------------------


def test_json_output_is_the_same_in_both_languages(db_url):
    added = _run(
        "client", "add", "--name", "Ana Pérez", "--email", "ana@example.com",
        "--country", "AR", "--json", HOSTCTL_LANG="es",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    for args in (["client", "show", "1"], ["client", "list"], ["config", "list"]):
        english = _run(*args, "--json", LANG="C.UTF-8")
        spanish = _run(*args, "--json", HOSTCTL_LANG="es")
        assert (english.returncode, spanish.returncode) == (0, 0), spanish.stderr
        assert spanish.stdout == english.stdout
        assert json.loads(spanish.stdout)
    assert json.loads(added.stdout)["name"] == "Ana Pérez"
