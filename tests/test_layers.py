"""The layering rules of HELPERS.md and STYLE.md, checked on the source itself.

* ``hostctl.core`` never loads typer, rich, questionary or click (imported for real, in a
  fresh interpreter, so an import hidden behind another module counts too);
* a command imports no private name (``_x``) of another command module or of ``hostctl.db``;
* only ``output.py`` (and ``prompts.py``) import rich: all terminal drawing has one home;
* only the CLI's own modules (``cli.py``, the command modules) import ``hostctl.cli``: the
  rest of the package is below it (the help catalog tool, which walks the command tree, is
  ``tools/help_catalog.py``, outside the package).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import hostctl

PACKAGE = Path(hostctl.__file__).parent
UI_LIBRARIES = ("typer", "rich", "questionary", "click")

# Modules that may import hostctl.cli: the CLI itself and the commands it loads.
CLI_LEVEL = ("cli.py", "commands/")

# Modules allowed to import rich, and why.
RICH_ALLOWED = {
    "output.py": "the one place that prints: rich tables, the bar chart and the progress bar",
    "prompts.py": "the one place that asks: questionary and its styling, behind the TTY gate",
}

CORE_IMPORTS = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys

    import hostctl.core

    names = [m.name for m in pkgutil.walk_packages(hostctl.core.__path__, "hostctl.core.")]
    for name in names:
        importlib.import_module(name)
    loaded = {m.split(".")[0] for m in sys.modules}
    print(json.dumps({"modules": names, "ui": sorted(loaded & set(sys.argv[1:]))}))
    """
)


def test_importing_every_core_module_loads_no_ui_library():
    out = subprocess.run(
        [sys.executable, "-c", CORE_IMPORTS, *UI_LIBRARIES],
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(out.stdout)
    on_disk = {_module_name(p) for p in (PACKAGE / "core").rglob("*.py")} - {"hostctl.core"}
    assert set(found["modules"]) == on_disk  # every module was imported, none skipped
    assert found["ui"] == []


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(node: ast.ImportFrom, own: str) -> str:
    if not node.level:
        return node.module or ""
    package = own.split(".")[: -node.level]
    return ".".join([*package, *([node.module] if node.module else [])])


def _guarded(module: str, own: str) -> bool:
    """Modules whose private names a command must not use: hostctl.db, other commands."""
    return module == "hostctl.db" or (module.startswith("hostctl.commands.") and module != own)


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_uses(source: str, own: str) -> list[str]:
    """``module.name`` for each private name of a guarded module that ``source`` (the
    module ``own``) imports or reaches as an attribute, in source order."""
    tree = ast.parse(source)
    bound: dict[str, str] = {}  # local name -> dotted name it stands for
    found: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    bound[top] = top
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node, own)
            for alias in node.names:
                bound[alias.asname or alias.name] = f"{module}.{alias.name}"
                if _guarded(module, own) and _private(alias.name):
                    found.append((node.lineno, node.col_offset, f"{module}.{alias.name}"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            chain, value = [node.attr], node.value
            while isinstance(value, ast.Attribute):
                chain.insert(0, value.attr)
                value = value.value
            if isinstance(value, ast.Name) and value.id in bound:
                module = ".".join([bound[value.id], *chain[:-1]])
                if _guarded(module, own):
                    found.append((node.lineno, node.col_offset, f"{module}.{node.attr}"))
    return [name for *_, name in sorted(found)]


def test_the_private_name_check_sees_every_form():
    source = textwrap.dedent(
        """
        from hostctl.commands.service import _print_invoice_lines, COLUMNS
        from hostctl.db import _make_engine as make, database_url
        from .ticket import _show
        from ._common import JsonOpt, work
        from hostctl import db, output
        from hostctl.commands import service
        import hostctl.db
        import hostctl.commands.payment as pay

        def f(x):
            db._make_engine(db.database_url())
            service._print_service(x)
            hostctl.db._engines.clear()
            pay._helper()
            output._cell(x)          # output is not guarded
            x._private()             # a local object, not a module
            _local_helper()          # this module's own private name
        """
    )
    assert private_uses(source, "hostctl.commands.invoice") == [
        "hostctl.commands.service._print_invoice_lines",
        "hostctl.db._make_engine",
        "hostctl.commands.ticket._show",
        "hostctl.db._make_engine",
        "hostctl.commands.service._print_service",
        "hostctl.db._engines",
        "hostctl.commands.payment._helper",
    ]
    assert private_uses("from hostctl.commands.invoice import _x", "hostctl.commands.invoice") == []


def test_commands_use_no_private_name_of_another_command_or_of_db():
    files = sorted((PACKAGE / "commands").glob("*.py"))
    assert len(files) >= 10
    uses = {
        f.name: found
        for f in files
        if (found := private_uses(f.read_text(encoding="utf-8"), _module_name(f)))
    }
    assert uses == {}


def _rich_imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names if a.name.split(".")[0] == "rich"]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names += [node.module] if node.module.split(".")[0] == "rich" else []
    return names


def test_only_output_imports_rich():
    importers = {
        str(path.relative_to(PACKAGE)): found
        for path in sorted(PACKAGE.rglob("*.py"))
        if (found := _rich_imports(path))
    }
    assert {name: found for name, found in importers.items() if name not in RICH_ALLOWED} == {}
    drawn_here = {
        "rich.box",
        "rich.cells",
        "rich.console",
        "rich.progress",
        "rich.table",
        "rich.text",
    }
    assert set(importers["output.py"]) == drawn_here


def cli_imports(source: str, own: str) -> list[int]:
    """Lines where ``source`` (the module ``own``) imports ``hostctl.cli``, in any form and
    at any depth (inside a function too)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node, own)
            names = [module, *(f"{module}.{a.name}" for a in node.names)]
        else:
            continue
        if any(n == "hostctl.cli" or n.startswith("hostctl.cli.") for n in names):
            found.append(node.lineno)
    return found


def test_the_cli_import_check_sees_every_form():
    source = textwrap.dedent(
        """
        import hostctl.cli
        from hostctl import cli, output
        from hostctl.cli import app
        from . import cli as c
        from .cli import COMMANDS
        from hostctl import client_names, cli_helpers
        import hostctl.clients

        def f():
            from hostctl import cli
        """
    )
    assert cli_imports(source, "hostctl.views") == [2, 3, 4, 5, 6, 11]
    assert cli_imports("from . import cli", "hostctl.core.delivery") == []  # hostctl.core.cli
    assert cli_imports("from .. import cli", "hostctl.core.delivery") == [1]


def test_only_the_cli_level_imports_hostctl_cli():
    importers = {
        name: lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if not (name := path.relative_to(PACKAGE).as_posix()).startswith(CLI_LEVEL)
        and (lines := cli_imports(path.read_text(encoding="utf-8"), _module_name(path)))
    }
    assert importers == {}
