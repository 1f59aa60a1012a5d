"""The catalogue as the tablets read it, the call a whole prison makes when the app opens.

Nothing in it depends on the inmate beyond his prison, wing and language, so it is rendered
once per distinct catalogue and language and kept: each call reads the catalogue's plain rows
(two light queries, no ORM objects), and equal rows give the very same bytes, hence the same
ETag, and a tablet that has them gets 304. The rows are the key, so what is kept can never be
stale, on this host or any other; a host without it renders it once."""

from __future__ import annotations

import functools
from typing import Any

from flask import Response, json
from sqlalchemy.orm import Session

from backoffice.people.models import Inmate
from backoffice.shop import services as shop

LANGUAGES = ("et", "ru", "en")  # the order of the names in the rows
KEPT = 64  # distinct catalogues (wings x languages x category filters) kept per worker


def answer(db: Session, person: Inmate, category: str | None) -> Response:
    rows = shop.catalogue_rows(db, person, category)
    return Response(_rendered(person.language, rows), mimetype="application/json")


@functools.lru_cache(maxsize=KEPT)
def _rendered(language: str, rows: tuple[tuple[Any, ...], tuple[Any, ...]]) -> bytes:
    products, categories = rows
    n = LANGUAGES.index(language) if language in LANGUAGES else 2

    def name(names: tuple[str, ...]) -> str:
        return names[n] or names[2]

    document = {
        "categories": [{"code": c[0], "name": name(c[1:4])} for c in categories],
        "products": [
            {
                "id": p[0],
                "sku": p[1],
                "category": p[2],
                "name": name(p[3:6]),
                "unit": p[6],
                "price_cents": p[7],
                "tags": list(p[8]),
                "in_stock": p[9],
                "photo": f"/api/v1/products/{p[0]}/photo" if p[10] else None,
            }
            for p in products
        ],
    }
    return json.dumps(document, ensure_ascii=False).encode()
