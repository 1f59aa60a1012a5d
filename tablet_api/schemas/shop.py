"""The shop: the catalogue, a cart, orders and their lines, a claim for a missing item."""

from __future__ import annotations

from typing import Any

from .common import (
    DAY,
    ID,
    MONEY,
    TIMESTAMP,
    obj,
    page_of,
    ref,
    text,
)

COMPONENTS: dict[str, dict[str, Any]] = {
    "Product": obj(
        {
            "id": {"type": "integer"},
            "sku": {"type": "string"},
            "category": {"type": "string"},
            "name": {"type": "string"},
            "unit": {"type": "string"},
            "price_cents": MONEY,
            "tags": {"type": "array", "items": {"type": "string"}},
            "in_stock": {
                "type": "boolean",
                "description": "Some is left that no placed order has reserved.",
            },
        },
        ("id", "sku", "category", "name", "unit", "price_cents", "tags", "in_stock"),
    ),
    "Catalogue": obj(
        {
            "categories": {
                "type": "array",
                "items": obj(
                    {"code": {"type": "string"}, "name": {"type": "string"}}, ("code", "name")
                ),
            },
            "products": {"type": "array", "items": ref("Product")},
        },
        ("categories", "products"),
    ),
    "Cart": obj(
        {
            "lines": {
                "type": "array",
                "minItems": 1,
                "maxItems": 50,
                "items": obj(
                    {
                        "product_id": ID,
                        "quantity": {"type": "integer", "minimum": 1, "maximum": 99},
                    },
                    ("product_id", "quantity"),
                ),
            },
            "substitution_consent": {
                "type": "boolean",
                "description": "The shop may pack a similar product if one is out of stock.",
            },
        },
        ("lines",),
    ),
    "Violation": obj(
        {
            "code": {"type": "string"},
            "rule": {"type": "string"},
            "message": {"type": "string"},
            "sku": {"type": "string"},
        },
        ("code", "rule", "message", "sku"),
    ),
    "CartCheck": obj(
        {
            "ok": {"type": "boolean"},
            "total_cents": MONEY,
            "violations": {"type": "array", "items": ref("Violation")},
            "left_cents": {"type": "object", "additionalProperties": {"type": "integer"}},
        },
        ("ok", "total_cents", "violations", "left_cents"),
    ),
    "OrderLine": obj(
        {
            "id": {"type": "integer"},
            "product_id": {"type": "integer"},
            "name": {"type": "string"},
            "quantity": {"type": "integer"},
            "unit_price_cents": MONEY,
            "packed_quantity": {"type": ["integer", "null"]},
            "refunded_quantity": {"type": "integer"},
            "substitute_product_id": {
                "type": ["integer", "null"],
                "description": "Packed in place of this product (with the inmate's consent).",
            },
            "substitute_name": {"type": ["string", "null"]},
            "substitute_unit_price_cents": {"type": ["integer", "null"]},
            "charged_unit_cents": {
                "type": "integer",
                "description": "What one of what was packed costs: the substitute's price "
                "where one was packed, else the price ordered at.",
            },
        },
        (
            "id",
            "product_id",
            "name",
            "quantity",
            "unit_price_cents",
            "packed_quantity",
            "refunded_quantity",
            "substitute_product_id",
            "substitute_name",
            "substitute_unit_price_cents",
            "charged_unit_cents",
        ),
    ),
    "Order": obj(
        {
            "id": {"type": "integer"},
            "number": {"type": "string"},
            "status": {
                "type": "string",
                "enum": ["placed", "picking", "packed", "delivered", "cancelled", "expired"],
            },
            "placed_at": TIMESTAMP,
            "delivery_on": DAY,
            "held_cents": MONEY,
            "charged_cents": MONEY,
            "refunded_cents": MONEY,
            "substitution_consent": {"type": "boolean"},
            "can_cancel": {"type": "boolean"},
            "can_acknowledge": {
                "type": "boolean",
                "description": "Packed, and its delivery day has come in the prison's time.",
            },
            "lines": {"type": "array", "items": ref("OrderLine")},
        },
        (
            "id",
            "number",
            "status",
            "placed_at",
            "delivery_on",
            "held_cents",
            "charged_cents",
            "refunded_cents",
            "substitution_consent",
            "can_cancel",
            "can_acknowledge",
            "lines",
        ),
    ),
    "OrderPage": page_of("#/components/schemas/Order"),
}

# Listed last in the document: the claim came after the rest.
CLAIM_COMPONENTS: dict[str, dict[str, Any]] = {
    "MissingItem": obj(
        {
            "line_id": ID,
            "quantity": {"type": "integer", "minimum": 1, "maximum": 99},
            "reason": text(3, 500),
        },
        ("line_id", "quantity", "reason"),
    ),
}
