"""The shop: the catalogue, a cart, orders and their lines, a claim for a missing item."""

from __future__ import annotations

from typing import Any

from .common import (
    DAY,
    ID,
    MONEY,
    TIMESTAMP,
    all_required,
    obj,
    page_of,
    ref,
    text,
)

COMPONENTS: dict[str, dict[str, Any]] = {
    "Product": all_required(
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
            "photo": {
                "type": ["string", "null"],
                "description": "Where the product's photo is (GET, the tablet's credential).",
            },
        },
    ),
    "Catalogue": all_required(
        {
            "categories": {
                "type": "array",
                "items": all_required({"code": {"type": "string"}, "name": {"type": "string"}}),
            },
            "products": {"type": "array", "items": ref("Product")},
        },
    ),
    "Cart": obj(
        {
            "lines": {
                "type": "array",
                "minItems": 1,
                "maxItems": 50,
                "items": all_required(
                    {
                        "product_id": ID,
                        "quantity": {"type": "integer", "minimum": 1, "maximum": 99},
                    },
                ),
            },
            "substitution_consent": {
                "type": "boolean",
                "description": "The shop may pack a similar product if one is out of stock.",
            },
        },
        ("lines",),
    ),
    "Violation": all_required(
        {
            "code": {"type": "string"},
            "rule": {"type": "string"},
            "message": {"type": "string"},
            "sku": {"type": "string"},
        },
    ),
    "CartCheck": all_required(
        {
            "ok": {"type": "boolean"},
            "total_cents": MONEY,
            "violations": {"type": "array", "items": ref("Violation")},
            "left_cents": {"type": "object", "additionalProperties": {"type": "integer"}},
        },
    ),
    "OrderLine": all_required(
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
    ),
    "Order": all_required(
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
    ),
    "OrderPage": page_of("#/components/schemas/Order"),
}

# Listed last in the document: the claim came after the rest.
CLAIM_COMPONENTS: dict[str, dict[str, Any]] = {
    "MissingItem": all_required(
        {
            "line_id": ID,
            "quantity": {"type": "integer", "minimum": 1, "maximum": 99},
            "reason": text(3, 500),
        },
    ),
}
