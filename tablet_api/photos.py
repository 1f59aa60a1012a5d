"""Product photos for the tablet's shop: the picture's bytes, kept by the tablet's browser for a
while and revalidated by ETag (a photo is the same for every inmate, so only the tablet's
credential is asked for)."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Response, request
from sqlalchemy import select

from backoffice.shop.models import Product
from backoffice.surface import get_db

from .api import bp
from .openapi import DEVICE, Routes
from .problems import Problem

# An hour without asking again; after that one conditional request (304 when unchanged).
PHOTO_MAX_AGE = 3600

route = Routes(bp, tag="shop", auth=DEVICE)


@route(
    "/products/<int:product_id>/photo",
    "GET",
    response=None,
    errors=(404,),
    other_responses={
        200: {
            "description": "The photo",
            "content": {
                "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}},
            },
        },
        304: {"description": "Not modified: the photo in the tablet's cache is current"},
    },
)
def product_photo(product_id: int) -> Any:
    """A product's photo (JPEG or PNG); the catalogue says which products have one"""
    row = (
        get_db()
        .execute(
            select(Product.photo, Product.photo_type).where(
                Product.id == product_id, Product.active.is_(True)
            )
        )
        .first()
    )
    if row is None or not row.photo:
        raise Problem("not-found")
    response = Response(row.photo, mimetype=row.photo_type)
    response.set_etag(hashlib.sha256(row.photo).hexdigest()[:24])
    response.headers["Cache-Control"] = f"private, max-age={PHOTO_MAX_AGE}"
    response.vary.add("X-Device-Credential")
    return response.make_conditional(request)
