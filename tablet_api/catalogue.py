"""The catalogue as the tablets read it, the call a whole prison makes when the app opens.

Nothing in it depends on the inmate beyond his prison, wing and language, so it is rendered
once per distinct catalogue and language and kept: a call reads the catalogue's plain rows
(one light statement, no ORM objects), and equal rows give the very same bytes. The rows are
the key, so what is kept can never be stale, on this host or any other; a host without it
renders it once.

Its ETag on PostgreSQL is made of the catalogue's version (`shop.catalogue_version`, an md5 of
the rows computed by the database), the language and the category filter: the version is read
in the call's one statement, beside the session, so a tablet revalidating what it holds gets
its 304 from that statement alone, after the device and the session passed their checks, with
no catalogue read, rendered or hashed. On SQLite (the demo) the ETag is the bytes' hash."""

from __future__ import annotations

import functools
from typing import Any

from flask import Response, json, request
from sqlalchemy.orm import Session

from backoffice.people.models import Inmate
from backoffice.shop import services as shop

from . import http
from .http import etagged

LANGUAGES = ("et", "ru", "en")  # the order of the names in the rows
KEPT = 64  # distinct catalogues (wings x languages x category filters) kept per worker
# What the document looks like: change it with `_document`'s output, or a tablet holding the
# old shape would be told by its ETag that it is current.
FORMAT = "catalogue-1"
# Read beside the session (tablet_api/shop.py declares it on the route): the version of the
# signed-in inmate's prison's and wing's catalogue.
VERSION = shop.catalogue_version(Inmate.prison_id, Inmate.wing_id).label("catalogue_version")


def answer(db: Session, person: Inmate, category: str | None, version: str | None) -> Response:
    """The catalogue with its ETag, or `304` when the tablet holds it already. `version`: the
    catalogue's, read with the session (None on SQLite)."""
    if version is not None:
        etag = _etag(version, person.language, category)
        if etag in request.if_none_match:
            return http.not_modified(etag)
    read = shop.catalogue_rows(db, person, category)
    body, body_etag = _rendered(person.language, read.rows)
    if read.version is None:
        return etagged(body, body_etag)
    # The version read with these rows, in the same statement: the ETag names these bytes.
    return etagged(body, _etag(read.version, person.language, category))


def _etag(version: str, language: str, category: str | None) -> str:
    return http.etag_of(f"{FORMAT}|{version}|{language}|{category or ''}".encode())


@functools.lru_cache(maxsize=KEPT)
def _rendered(language: str, rows: tuple[tuple[Any, ...], tuple[Any, ...]]) -> tuple[bytes, str]:
    body = _document(language, rows)
    return body, http.etag_of(body)


def _document(language: str, rows: tuple[tuple[Any, ...], tuple[Any, ...]]) -> bytes:
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
