"""The shop: the catalogue, a cart, orders and their lines, a claim for a missing item."""

from __future__ import annotations

from typing import Any

from .common import (
    BOOLEAN,
    DAY,
    ID,
    INTEGER,
    MONEY,
    STRING,
    TIMESTAMP,
    all_required,
    array,
    obj,
    page_of,
    records,
    ref,
    text,
)

COMPONENTS: dict[str, dict[str, Any]] = {
    "Product": all_required(
        {
            "id": INTEGER,
            "sku": STRING,
            "category": STRING,
            "name": STRING,
            "unit": STRING,
            "price_cents": MONEY,
            "tags": array(STRING),
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
            "categories": records({"code": STRING, "name": STRING}),
            "products": array(ref("Product")),
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
            "code": STRING,
            "rule": STRING,
            "message": STRING,
            "sku": STRING,
        },
    ),
    "CartCheck": all_required(
        {
            "ok": BOOLEAN,
            "total_cents": MONEY,
            "violations": array(ref("Violation")),
            "left_cents": {"type": "object", "additionalProperties": INTEGER},
        },
    ),
    "OrderLine": all_required(
        {
            "id": INTEGER,
            "product_id": INTEGER,
            "name": STRING,
            "quantity": INTEGER,
            "unit_price_cents": MONEY,
            "packed_quantity": {"type": ["integer", "null"]},
            "refunded_quantity": INTEGER,
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
            "id": INTEGER,
            "number": STRING,
            "status": {
                "type": "string",
                "enum": ["placed", "picking", "packed", "delivered", "cancelled", "expired"],
            },
            "placed_at": TIMESTAMP,
            "delivery_on": DAY,
            "held_cents": MONEY,
            "charged_cents": MONEY,
            "refunded_cents": MONEY,
            "substitution_consent": BOOLEAN,
            "can_cancel": BOOLEAN,
            "can_acknowledge": {
                "type": "boolean",
                "description": "Packed, and its delivery day has come in the prison's time.",
            },
            "lines": array(ref("OrderLine")),
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

CATALOGUE_QUERY: dict[str, dict[str, Any]] = {
    "category": {
        "type": "string",
        "pattern": "^[a-z0-9_-]{1,32}$",
        "description": "Only this category's products.",
    }
}
