"""hostctl whmcs: moving over from WHMCS."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from hostctl.commands._common import JsonOpt
from hostctl.i18n import N_

app = typer.Typer(help="Moving over from WHMCS.", no_args_is_help=True)
Opt = typer.Option
FromOpt = Annotated[
    str | None,
    Opt(
        "--from",
        help="The WHMCS database: mysql+pymysql://user:pass@host/whmcs (default: HOSTCTL_WHMCS_URL).",
    ),
]


@app.command("map")
def map_(from_: FromOpt = None, json_out: JsonOpt = False) -> None:
    """Draft the map of WHMCS products, domain TLDs and gateways onto hostctl's catalogue and
    payment methods, with a guess for each (fill in the empty ones). WHMCS is only read.

    Example: hostctl whmcs map --from mysql+pymysql://reader@127.0.0.1/whmcs > whmcs-map.toml
    """
    from hostctl import output
    from hostctl.adapters import whmcs
    from hostctl.commands._common import work
    from hostctl.core import catalogue, settings, whmcs_map

    url = whmcs.whmcs_url(from_)
    with whmcs.open_whmcs(url) as reader:
        facts = whmcs.map_facts(reader)
    with work(readonly=True) as (session, _ctx):
        products = [
            whmcs_map.CatalogueEntry(p.code, p.name, p.category)
            for p in catalogue.list_products(session)
        ]
        methods = settings.payment_methods(session)
    drafted = whmcs_map.draft(facts, products, methods)
    if json_out:
        output.print_json(drafted)
    else:
        output.print_document(whmcs_map.render(drafted))


MapOpt = Annotated[
    Path,
    Opt("--map", help="The map file (TOML) that `hostctl whmcs map` drafted and staff filled in."),
]
DryRunOpt = Annotated[
    bool, Opt("--dry-run", help="Do the whole import and keep nothing: the report only.")
]


@app.command("import")
def import_(
    map_file: MapOpt,
    from_: FromOpt = None,
    dry_run: DryRunOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Bring the WHMCS database into this empty hostctl database, in one transaction: clients,
    contacts, services, domains, invoices, payments, refunds, credit, open tickets,
    affiliates, and the servers with each service's account and each product's package. Prints what came, what was left out and why, and the money reconciled per
    currency. WHMCS is only read.

    Example: hostctl whmcs import --from mysql+pymysql://reader@127.0.0.1/whmcs --map whmcs-map.toml --dry-run
    """
    from hostctl import output
    from hostctl.adapters import whmcs
    from hostctl.commands._common import work_or_dry_run
    from hostctl.core import catalogue, reading, settings, whmcs_import, whmcs_map

    url = whmcs.whmcs_url(from_)
    text = reading.read_text(map_file)
    progress = _TableProgress() if output.stderr_is_tty() and not json_out else None
    report: whmcs_import.Report | None = None
    try:
        with work_or_dry_run(dry_run=dry_run) as (session, ctx):
            entries = [
                whmcs_map.CatalogueEntry(p.code, p.name, p.category)
                for p in catalogue.list_products(session)
            ]
            mapping = whmcs_map.read_map(
                text, reading.shown_name(map_file), entries, settings.payment_methods(session)
            )
            whmcs_import.check_empty(session)
            with whmcs.open_whmcs(url) as reader:
                report = whmcs_import.import_whmcs(
                    session, ctx, reader, mapping, progress=progress.advance if progress else None
                )
            report.dry_run = dry_run
    finally:
        if progress:
            progress.stop()
    assert report is not None
    if not dry_run:
        from hostctl import db

        db.refresh_statistics()  # every table was written: the planner learns their sizes
    if json_out:
        output.print_json(report.to_json())
        return
    _show(report)


class _TableProgress:
    """A progress bar per WHMCS table on stderr (TTY only): rows read so far."""

    def __init__(self) -> None:
        from hostctl import output

        self.bar: Any = None
        self.table = ""
        self.output = output

    def advance(self, table: str, count: int) -> None:
        if table != self.table:
            self.stop()
            self.bar = self.output.Counter(table)
            self.table = table
        self.bar.update(count)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def _show(report: Any) -> None:
    from hostctl import output
    from hostctl.i18n import _

    title = (
        _("WHMCS import, dry run: nothing was kept.") if report.dry_run else _("WHMCS import done.")
    )
    output.info(title)
    output.print_table(
        [{"what": k, "count": v} for k, v in report.imported.items()],
        [output.Col("what", N_("imported"), "code"), output.Col("count", N_("count"), "number")],
    )
    output.print_table(
        report.money,
        [
            output.Col("currency", N_("currency"), "code"),
            output.Col("whmcs_unpaid", N_("WHMCS unpaid"), "money"),
            output.Col("hostctl_unpaid", N_("hostctl unpaid"), "money"),
            output.Col("whmcs_credit", N_("WHMCS credit"), "money"),
            output.Col("hostctl_credit", N_("hostctl credit"), "money"),
        ],
    )
    if report.servers:
        output.print_table(
            report.servers,
            [
                output.Col("name", N_("server"), "code"),
                output.Col("panel", N_("panel"), "code"),
                output.Col("url", N_("address"), "text"),
                output.Col("token_variable", N_("its token goes in"), "code"),
            ],
            title=_(
                "Servers: set each token, then `hostctl server check NAME` and "
                "`hostctl server audit NAME`:"
            ),
        )
    if report.skipped:
        output.print_table(
            _skipped_groups(report.skipped),
            [
                output.Col("table", N_("table"), "code"),
                output.Col("why", N_("why left out"), "text"),
                output.Col("count", N_("count"), "number"),
                output.Col("ids", N_("ids"), "list"),
            ],
            title=_("Left out (--json lists every row):"),
        )


def _skipped_groups(skipped: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows left out, one line per table and reason: how many, and the first ids."""
    groups: dict[tuple[str, str], list[Any]] = {}
    for row in skipped:
        groups.setdefault((row["table"], row["why"]), []).append(row["id"])
    shown = 5
    return [
        {
            "table": table,
            "why": why,
            "count": len(ids),
            "ids": ",".join(str(i) for i in ids[:shown]) + (",…" if len(ids) > shown else ""),
        }
        for (table, why), ids in groups.items()
    ]
