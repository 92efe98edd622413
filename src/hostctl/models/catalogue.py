"""Tables: catalogue."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field

from hostctl.models.base import Table, _ts, money_checks, money_field


# --------------------------------------------------------------------------- catalogue
class Product(Table, table=True):
    __tablename__ = "products"
    code: str = Field(primary_key=True, max_length=60)
    name: str
    category: str = Field(index=True)
    cycles: str  # comma-separated, in cycle order
    activation: str = "instant"  # instant | manual
    activation_days: int = 0
    requirement: str | None = None
    period_discount: bool = True
    refundable: bool = True
    upgrade_to: str = ""  # comma-separated product codes
    free_domain: str | None = None  # a domain product included free (CAN-3, CAN-6)
    panel_package: str | None = None  # the panel package of its services (SRV-2)
    active: bool = True
    created_at: dt.datetime = _ts()
    updated_at: dt.datetime = _ts()


class ProductPrice(Table, table=True):
    __tablename__ = "product_prices"
    __table_args__ = money_checks("monthly_minor")
    product_code: str = Field(foreign_key="products.code", primary_key=True, max_length=60)
    currency: str = Field(primary_key=True, max_length=3)
    monthly_minor: int = money_field()
