"""What the prompts offer, read through core: the choices of a closed set and the checks an
answer goes through (the same as the option's)."""

from __future__ import annotations

import pytest
from billing_setup import START, add_catalogue, add_client, add_service, invoice_for

from conftest import make_ctx
from hostctl.core import affiliates, catalogue, payments, services, upgrades
from hostctl.core.catalogue import ProductInput
from hostctl.core.money import Money
from hostctl.errors import NotFoundError, ValidationError


def _hosting_pro(session) -> None:
    catalogue.add_product(
        session,
        make_ctx(START),
        ProductInput(
            code="hosting-pro",
            name="Hosting Pro",
            category="hosting",
            cycles=["annual", "biennial"],
            prices={"USD": Money.parse("15.00", "USD")},
        ),
    )
    catalogue.edit_product(session, make_ctx(START), "hosting-basic", upgrade_to=["hosting-pro"])


def test_product_choices_are_the_catalogue_by_category_then_code(session):
    add_catalogue(session)
    assert catalogue.product_choices(session) == [
        ("domain-com", "domain-com — Dominio .com"),
        ("hosting-basic", "hosting-basic — Hosting Básico"),
        ("reseller", "reseller — Revendedor"),
        ("radio", "radio — Radio Streaming"),
    ]
    assert catalogue.cycles_of(session, "radio") == ["monthly", "quarterly", "semiannual", "annual"]
    with pytest.raises(NotFoundError, match="There is no product 'radoi'"):
        catalogue.cycles_of(session, "radoi")


def test_a_cycle_change_offers_the_other_cycles_of_the_product(session):
    add_catalogue(session)
    service = add_service(session, add_client(session, "ana@example.com"), cycle="annual")
    assert services.cycle_choices(session, service.id) == ["semiannual", "biennial"]
    with pytest.raises(NotFoundError):
        services.cycle_choices(session, 99)


def test_an_upgrade_offers_the_paths_or_with_force_the_same_category(session):
    add_catalogue(session)
    _hosting_pro(session)
    client = add_client(session, "ana@example.com")
    basic = add_service(session, client)
    radio = add_service(session, client, product="radio", cycle="monthly")
    assert upgrades.targets(session, basic.id) == ["hosting-pro"]
    assert upgrades.targets(session, radio.id) == []
    assert upgrades.targets(session, radio.id, force=True) == []  # alone in its category
    assert upgrades.targets(session, basic.id, force=True) == ["hosting-pro"]


def test_payment_methods_leave_out_paypal_where_it_is_refused(session):
    add_catalogue(session)
    usd = invoice_for(session, make_ctx(START), add_client(session, "a@example.com"), ["9.00"])
    uyu = invoice_for(
        session,
        make_ctx(START),
        add_client(session, "b@example.com", currency="UYU"),
        ["9.00"],
    )
    assert payments.methods_for(session, usd)[:3] == ["card", "paypal", "zelle"]
    assert payments.methods_for(session, uyu)[:2] == ["card", "zelle"]
    assert "paypal" not in payments.methods_for(session, uyu)


@pytest.mark.parametrize(
    ("check", "raw", "message"),
    [
        (payments.check_amount, "0", "A payment must be more than zero."),
        (affiliates.check_withdrawal, "-1", "A withdrawal must be more than zero."),
        (
            payments.check_amount,
            "1.234,56",
            "The amount '1.234,56' is not a number; write it with a dot for decimals and no "
            "thousands separator, e.g. 1234.56.",
        ),
    ],
)
def test_the_amount_checks_refuse_with_one_sentence(check, raw, message):
    with pytest.raises(ValidationError) as caught:
        check(raw, "USD")
    assert caught.value.message == message
    assert check("12.50", "USD") == Money.parse("12.50", "USD")


def test_the_typed_filter_of_a_list_ignores_case_and_accents():
    from questionary import Choice
    from questionary.prompts.common import InquirerControl

    from hostctl.prompts import fold_search

    control = InquirerControl(
        [
            Choice("hosting-basic — Hosting Básico", value="hosting-basic"),
            Choice("domain-com — Dominio .com", value="domain-com"),
            Choice("radio — Radio Ñandú", value="radio"),
        ]
    )
    fold_search(control)
    for typed, expected in (
        ("basico", ["hosting-basic"]),
        ("BÁS", ["hosting-basic"]),
        ("nandu", ["radio"]),
        ("dominio", ["domain-com"]),
    ):
        control.search_filter = typed
        assert [c.value for c in control.filtered_choices] == expected, typed
    control.search_filter = "zzz"  # nothing matches: the whole list, as questionary does
    assert len(control.filtered_choices) == 3 and control.found_in_search is False
