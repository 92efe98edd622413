"""The ``--help`` catalog (``help.po`` → ``help.mo``): extract, update, compile, check.

    python tools/help_catalog.py update    # help texts of the command tree → help.po
    python tools/help_catalog.py compile   # help.po → help.mo
    python tools/help_catalog.py check     # exit 1 listing what is untranslated or stale
    python tools/help_catalog.py extract [FILE]   # the template (POT), for a translator

A tool for developers, not used at run time: it imports Babel and the CLI's whole command
tree, so it lives outside the package (a module of ``hostctl`` importing ``hostctl.cli`` would
point the layers the wrong way). The package keeps what a run needs: ``hostctl.help_i18n``,
which reads ``help.mo``. Both catalogs are compiled by one function,
``messages_catalog.mo_bytes`` (its neighbour in ``tools/``).
Help texts are not marked in the source: :func:`collect` walks the whole command tree the
way ``--help`` builds it (the root, then every noun of ``cli.COMMANDS`` through
``cli.load_command``, recursively) and takes each command's help and short help and each
parameter's help, cut into the units ``help_i18n`` translates, plus click's own words.
``update`` keeps existing translations; a changed text gets its old translation marked
fuzzy, which ``check`` reports (and ``compile`` leaves out) until someone reviews it.

After changing a help text: ``update``, translate the new or fuzzy entries in help.po,
``compile``, and commit both files.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hostctl import __version__, help_i18n
from hostctl.i18n import LOCALE_DIR

TOOLS = Path(__file__).resolve().parent
if str(TOOLS) not in sys.path:  # run as a script it is there already; loaded from a test, not
    sys.path.insert(0, str(TOOLS))
from messages_catalog import mo_bytes  # noqa: E402  (one compiler for both catalogs)

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog
    from typer import _click as click

PO = LOCALE_DIR / "es" / "LC_MESSAGES" / "help.po"
MO = PO.with_suffix(".mo")
HEADER = "Spanish (Rioplatense, neutral) --help texts of hostctl."

# What a translation must keep as written: option names, placeholders, rule ids, §s.
KEPT = re.compile(r"(?<![\w-])--?[a-z][a-z0-9-]*|\{\w*\}|§\s?\d+|\b[A-Z]{2,}\d*-\d+\b")


@dataclass(frozen=True)
class Text:
    msgid: str
    where: str  # "hostctl service order --client", for the translator


def _param_name(param: click.Parameter) -> str:
    return max(param.opts, key=len) if param.opts else str(param.name)


def _walk(command: click.Command, path: str) -> Iterator[Text]:
    for field in ("help", "short_help"):
        for unit in help_i18n.units(getattr(command, field)):
            yield Text(unit, path)
    for param in command.params:
        for unit in help_i18n.units(getattr(param, "help", None)):
            yield Text(unit, f"{path} {_param_name(param)}")
    for name, sub in getattr(command, "commands", {}).items():
        yield from _walk(sub, f"{path} {name}")


def collect() -> dict[str, list[str]]:
    """Every msgid of the help, in tree order → where it is used."""
    import typer

    from hostctl import cli

    found: dict[str, list[str]] = {}

    def add(text: Text) -> None:
        found.setdefault(text.msgid, [])
        if text.where not in found[text.msgid]:
            found[text.msgid].append(text.where)

    root = typer.main.get_command(cli.app)  # its nouns are lazy: none in root.commands
    for text in _walk(root, "hostctl"):
        add(text)
    for name in cli.COMMANDS:
        command = cli.load_command(name)
        assert command is not None
        for text in _walk(command, f"hostctl {name}"):
            add(text)
    for word in (*help_i18n.WORDS, *help_i18n.LABELS):
        add(Text(word, "click: help page"))
    for msgid in help_i18n.error_msgids():
        add(Text(msgid, "click: usage error"))
    return found


def template() -> Catalog:
    from babel.messages.catalog import Catalog

    catalog = Catalog(
        domain="help", project="hostctl", version=__version__, header_comment=f"# {HEADER}"
    )
    for msgid, where in collect().items():
        catalog.add(msgid, auto_comments=where[:3] + ([f"(+{len(where) - 3})"] * (len(where) > 3)))
    return catalog


def read() -> Catalog:
    from babel.messages.pofile import read_po

    with PO.open("rb") as file:
        return read_po(file, locale="es", domain="help")


def po_bytes(catalog: Catalog) -> bytes:
    from babel.messages.pofile import write_po

    out = io.BytesIO()
    write_po(out, catalog, width=100, ignore_obsolete=True, include_previous=True)
    return out.getvalue()


def update() -> Catalog:
    """Merge the tree's msgids into help.po, keeping translations (dates kept too, so an
    update that finds nothing new leaves the file as it was)."""
    from babel.messages.catalog import Catalog

    fresh = template()
    if PO.exists():
        catalog = read()
        fresh.creation_date = catalog.creation_date
    else:
        catalog = Catalog(locale="es", domain="help", project="hostctl", version=__version__)
        catalog.header_comment = f"# {HEADER}"
        catalog.language_team = "hostctl"
    catalog.update(fresh, update_header_comment=False)
    catalog.version = __version__
    catalog.fuzzy = False
    catalog.last_translator = "hostctl"
    catalog.msgid_bugs_address = ""
    catalog.revision_date = catalog.creation_date
    PO.parent.mkdir(parents=True, exist_ok=True)
    PO.write_bytes(po_bytes(catalog))
    return catalog


def compile_mo() -> None:
    MO.write_bytes(mo_bytes(read()))


def translations(mo: bytes) -> dict[str, str]:
    """The messages of a compiled catalog (its header left out)."""
    import gettext

    found = gettext.GNUTranslations(io.BytesIO(mo))._catalog  # type: ignore[attr-defined]
    return {str(k): str(v) for k, v in found.items() if k}


def problems() -> list[str]:
    """What keeps help.po/help.mo from being complete and current, one line each."""
    if not PO.exists():
        return [f"{PO} is missing: run python tools/help_catalog.py update"]
    catalog = read()
    found: list[str] = []
    for msgid, where in collect().items():
        message = catalog.get(msgid)
        if message is None:
            found.append(f"not in help.po: {msgid!r} ({where[0]})")
        elif not message.string:
            found.append(f"untranslated: {msgid!r} ({where[0]})")
        elif message.fuzzy:
            found.append(f"fuzzy (review it): {msgid!r} ({where[0]})")
        else:
            lost = sorted(set(KEPT.findall(msgid)) - set(KEPT.findall(str(message.string))))
            if lost:
                found.append(f"translation drops {', '.join(lost)}: {msgid!r}")
    if not MO.exists() or translations(MO.read_bytes()) != translations(mo_bytes(catalog)):
        found.append(
            "help.mo is not compiled from help.po: run python tools/help_catalog.py compile"
        )
    return found


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    action = args[0] if args else ""
    if action == "extract":
        from babel.messages.pofile import write_po

        out = io.BytesIO()
        write_po(out, template(), width=100)
        if len(args) > 1:
            Path(args[1]).write_bytes(out.getvalue())
        else:
            sys.stdout.write(out.getvalue().decode())
        return 0
    if action == "update":
        catalog = update()
        todo = sum(1 for m in catalog if m.id and (not m.string or m.fuzzy))
        print(f"{PO}: {len(catalog)} messages, {todo} to translate or review")
        return 0
    if action == "compile":
        compile_mo()
        print(f"{MO} written")
        return 0
    if action == "check":
        found = problems()
        for line in found:
            print(line)
        print(f"{len(found)} problem(s)" if found else "help.po and help.mo are complete")
        return 1 if found else 0
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
