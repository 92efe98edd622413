"""hostctl promo: the referral month and the 2×1 for new clients."""

from __future__ import annotations

from typing import Annotated

import typer

from hostctl.commands._common import JsonOpt, asking, work
from hostctl.i18n import _

app = typer.Typer(help="Promotions: referral month, 2×1 for new clients.", no_args_is_help=True)
Opt = typer.Option


@app.command("referral", cls=asking("referrer", "referred", "service"))
def referral(
    referrer: Annotated[int | None, Opt(help="The client who referred a friend.")] = None,
    referred: Annotated[int | None, Opt(help="The referred client (has paid an invoice).")] = None,
    service: Annotated[
        int | None, Opt(help="The referrer's active service that gets the month.")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """A free month for a referred friend: the service's next due date one month later.

    Example: hostctl promo referral --referrer 7 --referred 12 --service 31
    """
    from hostctl import output, views
    from hostctl.ask import promo as ask
    from hostctl.core import promos

    referrer, referred, service = ask.referral_ids(referrer, referred, service)
    with work() as (session, ctx):
        changed, reward = promos.referral_month(session, ctx, referrer, referred, service)
        data = views.service(changed)
    if json_out:
        output.print_json(data)
    else:
        output.info(
            _(
                "Service {changed_id}: next due date {old_due} → {new_due} (referral of "
                "client {referred})."
            ).format(
                changed_id=changed.id,
                old_due=reward.old_due,
                new_due=reward.new_due,
                referred=referred,
            )
        )


@app.command("two-for-one", cls=asking("client", "product", "cycle"))
def two_for_one(
    client: Annotated[
        list[int] | None, Opt(help="Each new client: --client A --client B (B's is free).")
    ] = None,
    product: Annotated[str | None, Opt(help="The product both order.")] = None,
    cycle: Annotated[str | None, Opt(help="The cycle both order.")] = None,
    domain: Annotated[
        list[str] | None, Opt(help="A's domain, then B's (when the product needs one).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """2×1: two new clients order the same plan; B's first invoice is free and is settled
    when A's is paid, so both start the same day.

    Example: hostctl promo two-for-one --client 7 --client 8 --product hosting-basic --cycle annual
    """
    from hostctl import output, views
    from hostctl.ask import promo as ask
    from hostctl.core import invoices, promos

    client = ask.two_clients(client or [])
    product = ask.product(product, client_id=client[0])
    cycle = ask.cycle(cycle, product)
    with work() as (session, ctx):
        made, bills = promos.two_for_one(session, ctx, client, product, cycle, domain)
        data = {
            "services": [views.service(s) for s in made],
            "invoices": [views.invoice(i, invoices.lines_of(session, i.id or 0)) for i in bills],
        }
    if json_out:
        output.print_json(data)
        return
    for inv in data["invoices"]:
        output.print_line(
            _("invoice {number} (client {client_id}): {total} due {due_date}").format(
                number=inv["number"],
                client_id=inv["client_id"],
                total=output.amount_text(inv["total"], inv["currency"]),
                due_date=inv["due_date"],
            )
        )
