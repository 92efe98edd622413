"""The Spanish catalog of hostctl's messages: extract, update, compile, check.

    python tools/messages_catalog.py           # extract, update hostctl.po, compile hostctl.mo
    python tools/messages_catalog.py --check   # change nothing; exit 1 if anything is missing

Babel extracts every string marked in ``src/hostctl`` with ``_``, ``N_``, ``ngettext`` or
``NC_`` (a context) into a template, which updates
``src/hostctl/locale/es/LC_MESSAGES/hostctl.po``: translations are kept, a msgid that changed
a little comes back as a fuzzy suggestion (not used until reviewed), and msgids no longer in
the source are dropped. Then ``hostctl.mo`` is compiled from it. Re-run it after changing a
message, translate what it lists, and run it again.

``--check`` (and ``tests/test_i18n_messages.py``) reports: msgids without a Spanish text,
fuzzy ones, a translation whose ``{placeholders}`` differ from its msgid's, and a ``.po`` or
``.mo`` that is not what this script would write. The ``--help`` texts are another catalog
(``help.po``), not this one: ``tools/help_catalog.py``.
"""

from __future__ import annotations

import io
import re
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "hostctl"
LOCALE = SRC / "locale" / "es" / "LC_MESSAGES"
PO = LOCALE / "hostctl.po"
MO = LOCALE / "hostctl.mo"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "NC_": ((1, "c"), 2)}
# Not messages: the migrations, the client-facing alert templates, and i18n.py itself (it
# translates msgids it is given, it marks none).
SKIPPED = ("migrations", "templates", "locale")
HEADER = """\
# Spanish (Argentina/Uruguay) messages of hostctl: errors, warnings, prompts, headings.
# Made by tools/messages_catalog.py; translate the empty msgstr, then run it again.
#"""


def _keep(dirname: str) -> bool:
    return Path(dirname).name not in SKIPPED


def extract() -> Catalog:
    """Every marked message of ``src/hostctl``, as a template."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    template = Catalog(project="hostctl", charset="utf-8", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        SRC,
        method_map=[("**.py", "python")],
        keywords=KEYWORDS,
        directory_filter=_keep,
    ):
        if filename == "i18n.py":
            continue
        template.add(
            message,
            None,
            [(f"src/hostctl/{filename}", lineno)],
            auto_comments=comments,
            context=context,
        )
    return template


def read(path: Path = PO) -> Catalog:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po

    if not path.exists():
        return Catalog(locale="es", domain="hostctl", project="hostctl", fuzzy=False)
    with path.open("rb") as handle:
        return read_po(handle, locale="es", domain="hostctl")


def updated(current: Catalog | None = None) -> Catalog:
    """``hostctl.po`` brought up to the source: new msgids added empty, translations kept."""
    catalog = read() if current is None else current
    created = catalog.creation_date
    revised = catalog.revision_date
    fresh = not PO.exists() if current is None else False
    catalog.update(extract(), update_creation_date=False)
    catalog.obsolete.clear()
    catalog.header_comment = HEADER
    catalog.project = "hostctl"
    catalog.version = "1"
    catalog.msgid_bugs_address = ""
    catalog.language_team = "Spanish (Rioplatense)"
    catalog.last_translator = "hostctl developers"
    catalog.creation_date = created
    catalog.revision_date = created if fresh else revised
    # gettext's two Spanish forms (one, other), not CLDR's three (with "many" for millions)
    catalog._num_plurals = 2  # private: Babel reads these from a .po header only
    catalog._plural_expr = "(n != 1)"
    catalog.fuzzy = False
    return catalog


def po_bytes(catalog: Catalog) -> bytes:
    from babel.messages.pofile import write_po

    out = io.BytesIO()
    write_po(out, catalog, width=100, include_lineno=False, sort_output=True)
    return out.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    """A compiled catalog, fuzzy entries left out: the one compiler of both catalogs
    (``tools/help_catalog.py`` uses it for ``help.mo``)."""
    from babel.messages.mofile import write_mo

    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


_FIELD = re.compile(r"\{[^{}]*\}")


def placeholders(text: str) -> Counter[str]:
    """The ``{name!r:spec}`` fields of a str.format text (``{{``/``}}`` are not fields)."""
    return Counter(_FIELD.findall(text.replace("{{", "").replace("}}", "")))


def problems(catalog: Catalog) -> list[str]:
    """What keeps the catalog from being complete, one line each (empty: all is well)."""
    found = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        shown = ids[0] if message.context is None else f"[{message.context}] {ids[0]}"
        if message.fuzzy:
            found.append(f"fuzzy (review it): {shown!r}")
            continue
        if not all(strings) or len(strings) < len(ids):
            found.append(f"untranslated: {shown!r}")
            continue
        for msgid, msgstr in zip(ids * len(strings), strings, strict=False):
            if placeholders(msgid) != placeholders(msgstr):
                found.append(
                    f"placeholders differ: {msgid!r} has {sorted(placeholders(msgid))}, "
                    f"the Spanish {sorted(placeholders(msgstr))}"
                )
                break
    return found


def main(argv: list[str]) -> int:
    check = "--check" in argv
    catalog = updated()
    po, mo = po_bytes(catalog), mo_bytes(catalog)
    issues = problems(catalog)
    stale = [
        f"{path.relative_to(ROOT)} is not up to date: run python tools/messages_catalog.py"
        for path, data in ((PO, po), (MO, mo))
        if not path.exists() or path.read_bytes() != data
    ]
    if not check:
        LOCALE.mkdir(parents=True, exist_ok=True)
        for path, data in ((PO, po), (MO, mo)):
            if not path.exists() or path.read_bytes() != data:
                path.write_bytes(data)
                print(f"wrote {path.relative_to(ROOT)}")
        stale = []
    total = sum(1 for m in catalog if m.id)
    for line in stale + issues:
        print(line, file=sys.stderr)
    print(f"{total} messages, {len(issues)} to translate or fix", file=sys.stderr)
    return 1 if (stale or issues) and check else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
