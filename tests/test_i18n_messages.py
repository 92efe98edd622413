"""Messages in Spanish: the catalog is complete and compiled, the language follows the
environment, --json never changes with it, and an English run never opens a catalog.

The catalog checks run Babel's extraction over ``src/hostctl`` (``tools/messages_catalog.py``)
and list every msgid that lacks its Spanish; fix them with ``python tools/messages_catalog.py``
and a translation in ``src/hostctl/locale/es/LC_MESSAGES/hostctl.po``.
"""

from __future__ import annotations

import ast
import gettext
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "hostctl"
HOSTCTL = str(Path(sys.executable).with_name("hostctl"))
NOT_FOUND_ES = "error: No existe el cliente 99999; `hostctl client list` muestra los clientes.\n"
NOT_FOUND_EN = "error: There is no client 99999; `hostctl client list` shows them.\n"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "messages_catalog", ROOT / "tools/messages_catalog.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------- the catalog
def test_every_message_in_the_source_has_its_spanish_with_the_same_placeholders() -> None:
    tool = _tool()
    extracted = tool.extract()
    assert len([m for m in extracted if m.id]) > 600  # the extraction found the messages
    catalog = tool.updated()  # hostctl.po brought up to the source, as the tool does
    problems = tool.problems(catalog)
    assert not problems, "run python tools/messages_catalog.py and translate:\n" + "\n".join(
        problems
    )
    shipped = tool.read()
    for message in extracted:
        if message.id:
            found = shipped.get(message.id, context=message.context)
            assert found is not None and not found.fuzzy, f"not in hostctl.po: {message.id!r}"


def test_the_problems_list_names_what_is_missing() -> None:
    from babel.messages.catalog import Catalog

    tool = _tool()
    catalog = Catalog(locale="es")
    catalog.add("Client {client_id} not found.", "")
    catalog.add("Service {service_id} is {status}.", "El servicio {id} está {status}.")
    catalog.add(("{count} row", "{count} rows"), ("{count} fila", ""))
    catalog.add("Kept", "Guardado", flags=["fuzzy"])
    assert tool.problems(catalog) == [
        "untranslated: 'Client {client_id} not found.'",
        "placeholders differ: 'Service {service_id} is {status}.' has ['{service_id}', "
        "'{status}'], the Spanish ['{id}', '{status}']",
        "untranslated: '{count} row'",
        "fuzzy (review it): 'Kept'",
    ]


def test_the_shipped_mo_is_compiled_from_the_shipped_po() -> None:
    tool = _tool()
    compiled = gettext.GNUTranslations(io.BytesIO(tool.mo_bytes(tool.read())))
    with tool.MO.open("rb") as handle:
        shipped = gettext.GNUTranslations(handle)
    assert shipped._catalog == compiled._catalog, "run python tools/messages_catalog.py"  # type: ignore[attr-defined]
    assert shipped.ngettext("{count} client imported from {file}.", "x", 2) == (
        "{count} clientes importados desde {file}."
    )


def test_the_wheel_ships_the_compiled_catalog() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    assert '"locale/*/LC_MESSAGES/*.mo"' in text
    assert (SRC / "locale/es/LC_MESSAGES/hostctl.mo").is_file()


# --------------------------------------------------------------------------- the source
MARKERS = {"_": 1, "N_": 1, "ngettext": 2, "NC_": 2}
HOSTCTL_ERRORS = {
    "HostctlError",
    "ValidationError",
    "BusinessRuleError",
    "NotFoundError",
    "UsageError",
    "BusyError",
    "ImportFileError",
}


def _sources() -> list[Path]:
    return [
        p
        for p in sorted(SRC.rglob("*.py"))
        if "migrations" not in p.parts and p.name != "i18n.py"  # i18n.py translates msgids
    ]


def _is_text(node: ast.expr) -> bool:
    """Words built in place: a literal, an f-string, "…" % x, "…".format(…), "…" + x with
    a word in it (``f"{key} = {value}"`` has none to translate)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return re.search(r"[A-Za-z]{2}", node.value) is not None
    if isinstance(node, ast.JoinedStr):
        return any(_is_text(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return _is_text(node.left) or _is_text(node.right)
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and _is_text(node.func.value)
    )


def test_only_string_literals_are_given_to_the_markers() -> None:
    """Babel extracts literals only: an f-string or a %-format given to _() would never
    be in the catalog (and its msgid would change with every value)."""
    bad = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                count = MARKERS.get(node.func.id)
                if count is None:
                    continue
                for arg in node.args[:count]:
                    if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                        bad.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(arg)}")
    assert not bad, "give _()/N_()/ngettext()/NC_() a string literal:\n" + "\n".join(bad)


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def test_no_message_bypasses_the_catalog() -> None:
    """Errors, output.info/warn/error and prompt labels are never bare text."""
    bad = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = _name(node.func)
            receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
            owner = receiver.id if isinstance(receiver, ast.Name) else ""
            if (
                name in HOSTCTL_ERRORS
                or (owner == "output" and name in ("info", "warn", "error"))
                or (owner == "prompts" and name in ("text", "secret", "select", "confirm"))
            ) and _is_text(node.args[0]):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)[:90]}")
    assert not bad, "wrap these messages in _():\n" + "\n".join(bad)


def test_every_field_of_the_views_has_a_spanish_label() -> None:
    from hostctl.fields import LABELS

    keys = {
        k.value
        for node in ast.walk(ast.parse((SRC / "views.py").read_text()))
        if isinstance(node, ast.Dict)
        for k in node.keys
        if isinstance(k, ast.Constant) and isinstance(k.value, str)
    }
    assert keys - set(LABELS) == set()


# --------------------------------------------------------------------------- the language
@pytest.fixture
def env(db_url: str) -> dict[str, str]:
    """The environment of a child hostctl: the test database, no language set."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("HOSTCTL_LANG", "LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE")
    }
    return clean | {"LANG": "C.UTF-8"}


def _hostctl(env: dict[str, str], *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HOSTCTL, *args], env=env | extra, capture_output=True, text=True, timeout=120
    )


def test_hostctl_lang_es_speaks_spanish(env: dict[str, str]) -> None:
    done = _hostctl(env, "client", "show", "99999", HOSTCTL_LANG="es")
    assert (done.returncode, done.stdout, done.stderr) == (3, "", NOT_FOUND_ES)


def test_a_spanish_locale_speaks_spanish(env: dict[str, str]) -> None:
    done = _hostctl(env, "client", "show", "99999", LANG="es_AR.UTF-8")
    assert (done.returncode, done.stderr) == (3, NOT_FOUND_ES)
    done = _hostctl(env, "client", "show", "99999", LANG="C.UTF-8", LC_MESSAGES="es_UY.UTF-8")
    assert (done.returncode, done.stderr) == (3, NOT_FOUND_ES)


def test_english_by_default_and_when_forced(env: dict[str, str]) -> None:
    done = _hostctl(env, "client", "show", "99999")  # LANG=C.UTF-8
    assert (done.returncode, done.stderr) == (3, NOT_FOUND_EN)
    done = _hostctl(env, "client", "show", "99999", LANG="es_AR.UTF-8", HOSTCTL_LANG="en")
    assert (done.returncode, done.stderr) == (3, NOT_FOUND_EN)
    done = _hostctl(env, "client", "show", "99999", LANG="es_AR.UTF-8", LC_ALL="en_US.UTF-8")
    assert (done.returncode, done.stderr) == (3, NOT_FOUND_EN)


def test_tables_records_and_warnings_in_spanish(env: dict[str, str]) -> None:
    add = ["client", "add", "--name", "Ana", "--email", "ana@example.com", "--phone"]
    assert _hostctl(env, *add, "+5491123456789").returncode == 0
    add[5] = "beto@example.com"
    done = _hostctl(env, *add, "+5491123456789", HOSTCTL_LANG="es")
    assert done.returncode == 0
    assert done.stderr == (
        "aviso: El teléfono +5491123456789 también es el del cliente 1 (Ana); verifique que "
        "no sea la misma persona.\n"
    )
    assert "correo           beto@example.com\n" in done.stdout
    assert "saldo a favor    0.00\n" in done.stdout
    assert "verificado       no\n" in done.stdout
    heading = _hostctl(env, "client", "list", HOSTCTL_LANG="es").stdout.splitlines()[0]
    assert heading.split() == [
        "id", "nombre", "correo", "teléfono", "país", "mon.", "plan", "verificado",
        "saldo", "a", "favor", "estado",
    ]  # fmt: skip
    english = _hostctl(env, "client", "list").stdout.splitlines()[0]
    assert english.split()[:3] == ["id", "name", "email"]


def _story(env: dict[str, str]) -> None:
    """A client with a paid order and an unpaid renewal, so why has a story and a future."""
    product = "product add web --name Web --category hosting --cycles annual --monthly-price 5"
    for args in (
        ["client", "add", "--name", "Ana Pérez", "--email", "ana@example.com"],
        product.split(),
        ["service", "order", "--client", "1", "--product", "web", "--cycle", "annual"],
    ):
        done = _hostctl(env, *args, HOSTCTL_TODAY="2026-01-10")
        assert done.returncode == 0, done.stderr
    invoice = json.loads(
        _hostctl(env, "invoice", "list", "--json", HOSTCTL_TODAY="2026-01-10").stdout
    )[0]
    paid = _hostctl(
        env, "payment", "add", "--invoice", invoice["number"], "--amount", invoice["total"],
        "--method", "cash", HOSTCTL_TODAY="2026-01-10",
    )  # fmt: skip
    assert paid.returncode == 0, paid.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("client", "list"),
        ("client", "show", "1"),
        ("service", "show", "1"),
        ("why", "service", "1"),
        ("why", "client", "1"),
        ("client", "statement", "1"),
        ("config", "list"),
    ],
)
def test_json_is_the_same_in_both_languages(env: dict[str, str], args: tuple[str, ...]) -> None:
    _story(env)
    today = {"HOSTCTL_TODAY": "2027-01-01"}
    english = _hostctl(env, *args, "--json", **today)
    spanish = _hostctl(env, *args, "--json", HOSTCTL_LANG="es", **today)
    assert english.returncode == spanish.returncode == 0, spanish.stderr
    assert english.stdout == spanish.stdout
    json.loads(english.stdout)


def test_why_in_spanish_and_its_json_in_english(env: dict[str, str]) -> None:
    _story(env)
    today = {"HOSTCTL_TODAY": "2026-12-20"}
    text = _hostctl(env, "why", "service", "1", HOSTCTL_LANG="es", **today).stdout
    assert text.splitlines()[0] == "el servicio 1 está activo"
    assert (
        "  2026-01-10 pedido: pendiente hasta que se pague su primera factura: 2026-000001" in text
    )
    assert "a continuación:\n" in text
    assert "suspendido por falta de pago — para evitarlo: pague la factura " in text
    data = json.loads(_hostctl(env, "why", "service", "1", "--json", **today).stdout)
    whats = [item["what"] for item in data["next"]]
    assert "suspended for non-payment" in whats
    assert data["because"][0]["what"] == (
        "ordered: pending until its first invoice is paid: 2026-000001"
    )


def test_plural_forms(env: dict[str, str], tmp_path: Path) -> None:
    one = tmp_path / "one.csv"
    one.write_text("name,email\nAna,ana@example.com\n")
    two = tmp_path / "two.csv"
    two.write_text("name,email\nBeto,beto@example.com\nCaro,caro@example.com\n")
    done = _hostctl(env, "client", "import", str(one), HOSTCTL_LANG="es")
    assert done.stderr == "1 cliente importado desde one.csv.\n"
    done = _hostctl(env, "client", "import", str(two), HOSTCTL_LANG="es")
    assert done.stderr == "2 clientes importados desde two.csv.\n"


def test_an_import_report_names_the_column_in_spanish_too(
    env: dict[str, str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("name,email,country\nAna,ana@example.com,XX\n,beto@example.com,AR\n")
    done = _hostctl(env, "client", "import", str(bad), HOSTCTL_LANG="es")
    assert done.returncode == 1
    assert done.stderr == (
        "error: bad.csv no se importó: 2 filas con errores.\n"
        "  line 2, column country: El país 'XX' no es un código ISO 3166 como AR, UY, CL.\n"
        "  line 3, column name: El nombre no puede estar vacío.\n"
    )
    english = _hostctl(env, "client", "import", str(bad))
    assert "  line 2, column country: The country 'XX' is not an ISO 3166" in english.stderr


# --------------------------------------------------------------------------- in process
def test_an_english_run_never_loads_a_catalog(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from hostctl import i18n

    monkeypatch.setenv("HOSTCTL_LANG", "en")
    i18n._catalog.cache_clear()
    result = cli("client", "show", "99999")
    assert (result.exit_code, result.stderr) == (3, NOT_FOUND_EN)
    assert cli("client", "list").exit_code == 0
    assert i18n._catalog.cache_info().currsize == 0
    monkeypatch.setenv("HOSTCTL_LANG", "es")
    result = cli("client", "show", "99999")
    assert (result.exit_code, result.stderr) == (3, NOT_FOUND_ES)
    assert i18n._catalog.cache_info().currsize == 1


def test_lazy_texts_are_english_data_and_spanish_where_printed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hostctl.i18n import N_, NC_, LazyText, localize

    monkeypatch.setenv("HOSTCTL_LANG", "es")
    what = N_("service {service_id}: {what}", service_id=3, what=N_("suspended for non-payment"))
    assert isinstance(what, LazyText)
    assert json.dumps({"what": what}) == '{"what": "service 3: suspended for non-payment"}'
    assert localize(what) == "servicio 3: suspendido por falta de pago"
    assert localize(N_("suspended")) == "suspendido"
    assert localize(NC_("count", "suspended")) == "suspendidos"
    assert localize("plain text") == "plain text"
    monkeypatch.setenv("HOSTCTL_LANG", "en")
    assert localize(what) == "service 3: suspended for non-payment"
    assert type(localize(what)) is str
