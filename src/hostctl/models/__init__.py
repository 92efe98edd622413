"""SQLModel tables, one submodule per area, each imported on first use.

``from hostctl.models import Client`` imports only ``models.clients`` (and the modules its
foreign keys name): building SQLAlchemy mappings is the largest part of a command's start-up,
so a command pays only for the tables it touches.

Module names matter: the ORM inserts rows of unrelated tables in the order of their classes'
module and name, so a module's name sorts after the modules whose tables it references
(catalogue, clients → services → support; outbox after clients). ``metadata`` (for
Alembic and tests) and ``load_all()`` import every table.

Money is stored as integer minor units (``*_minor``) beside a currency column, never as a
float or a database decimal. Timestamps are stored in UTC; dates are calendar dates in the
company time zone.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import MetaData

    from hostctl.models.audit import AuditEntry
    from hostctl.models.automation import DailyRun, Lock
    from hostctl.models.base import Table, UTCDateTime
    from hostctl.models.catalogue import Product, ProductPrice
    from hostctl.models.clients import Client, Contact
    from hostctl.models.outbox import OutboxMessage
    from hostctl.models.servers import Server
    from hostctl.models.services import (
        CreditEntry,
        Invoice,
        InvoiceCounter,
        InvoiceLine,
        Payment,
        Refund,
        Service,
        Upgrade,
    )
    from hostctl.models.settings import Setting
    from hostctl.models.statement_lines import StatementLine
    from hostctl.models.support import Ticket, TicketMessage, Transfer
    from hostctl.models.trade import (
        Commission,
        Outage,
        Pairing,
        Quote,
        QuoteLine,
        ReferralReward,
        UptimeCredit,
        Withdrawal,
    )

    metadata: MetaData

WHERE = {
    "Table": "base",
    "UTCDateTime": "base",
    "Setting": "settings",
    "Client": "clients",
    "Contact": "clients",
    "Product": "catalogue",
    "ProductPrice": "catalogue",
    "Service": "services",
    "Invoice": "services",
    "InvoiceLine": "services",
    "InvoiceCounter": "services",
    "Payment": "services",
    "CreditEntry": "services",
    "Refund": "services",
    "Upgrade": "services",
    "DailyRun": "automation",
    "Lock": "automation",
    "AuditEntry": "audit",
    "OutboxMessage": "outbox",
    "Transfer": "support",
    "Ticket": "support",
    "TicketMessage": "support",
    "ReferralReward": "trade",
    "Pairing": "trade",
    "Commission": "trade",
    "Withdrawal": "trade",
    "Quote": "trade",
    "QuoteLine": "trade",
    "Outage": "trade",
    "UptimeCredit": "trade",
    "StatementLine": "statement_lines",
    "Server": "servers",
}
MODULES = sorted(set(WHERE.values()))

__all__ = [
    "AuditEntry",
    "Client",
    "Commission",
    "Contact",
    "CreditEntry",
    "DailyRun",
    "Invoice",
    "InvoiceCounter",
    "InvoiceLine",
    "Lock",
    "Outage",
    "OutboxMessage",
    "Pairing",
    "Payment",
    "Product",
    "ProductPrice",
    "Quote",
    "QuoteLine",
    "ReferralReward",
    "Refund",
    "Server",
    "Service",
    "Setting",
    "StatementLine",
    "Table",
    "Ticket",
    "TicketMessage",
    "Transfer",
    "UTCDateTime",
    "Upgrade",
    "UptimeCredit",
    "Withdrawal",
    "load_all",
    "metadata",
]


def load_all() -> MetaData:
    """Import every table; the metadata then describes the whole schema."""
    for module in MODULES:
        importlib.import_module(f"hostctl.models.{module}")
    from hostctl.models.base import metadata

    return metadata


def __getattr__(name: str) -> Any:
    if name == "metadata":
        return load_all()
    module = WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'hostctl.models' has no attribute {name!r}")
    return getattr(importlib.import_module(f"hostctl.models.{module}"), name)
