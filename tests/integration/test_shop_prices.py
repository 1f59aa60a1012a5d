# ruff: noqa: F811  (the shop tests' fixtures are imported and then requested by name)
"""A product's price typed by shop staff is read by the one money grammar, on SQLite and
PostgreSQL: what is not a price is refused with a message and adds no product."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.shop.models import Product
from tests.integration.staff_client import post_form as post
from tests.integration.test_shop_flow import catalogue, staff  # noqa: F401 (fixtures)
from tests.integration.test_shop_views import client, shop_client  # noqa: F401


@pytest.mark.parametrize(
    ("price", "message"),
    [
        # 10^20 euros went to the database and came back as a server error.
        ("100000000000000000000", "the amount is over the limit of 10000.00."),
        ("10000.01", "Price: &#39;10000.01&#39;: the amount is over the limit of 10000.00."),
        ("1e3", "Price: an amount like 2.50, please."),
        ("²", "Price: an amount like 2.50, please."),  # str.isdigit() said yes; int() did not
        ("-1.00", "Price: an amount like 2.50, please."),
    ],
)
def test_a_price_that_is_not_money_adds_no_product(
    shop_client: FlaskClient,
    db: Session,
    catalogue: dict[str, Product],
    price: str,
    message: str,
) -> None:
    before = db.scalar(select(func.count()).select_from(Product))
    db.commit()  # ends the read: on SQLite it would hold the write lock the app needs
    page = post(shop_client, "/shop/products", "/shop/products", sku="RADIO-1",
                category="food", name_et="Raadio", name_ru="Радио", name_en="Radio",
                price=price, vat_percent="24", unit="pc", stock="1", tags="")  # fmt: skip
    assert message in page
    assert db.scalar(select(func.count()).select_from(Product)) == before
    db.commit()
