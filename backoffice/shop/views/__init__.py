"""The shop staff's back office: rounds per wing and delivery day, the pick list, packing
slips, packing with shortfalls, delivery, refunds, the day's totals, the catalogue, and an
inmate's shop page (orders, bans, restrictions).

Each view parses the form, calls one service, commits once, and turns a ServiceError into a
message on the page it came from. Staff of one prison see only that prison's wings and orders.
"""

from __future__ import annotations

from flask import Flask

from ...web.access import ACCESS

# Each module registers its pages on the one blueprint as it is imported.
from . import catalogue, inmates, orders, rounds, rules, schedules  # noqa: F401
from .common import SHOP_ACCESS, bp


def init_app(app: Flask) -> None:
    """Open the shop's pages to shop staff (access.py refuses unnamed endpoints) and mount them."""
    ACCESS.update(SHOP_ACCESS)
    app.register_blueprint(bp)
