"""Values typed into forms and queries, read the one way every surface reads them."""

from __future__ import annotations

# The largest id a table's integer key holds on PostgreSQL: a larger one names nothing.
MAX_ID = 2**31 - 1


def form_id(raw: str | None) -> int | None:
    """A record's id typed into a form or a query: ASCII digits naming an id that can exist, or
    None. str.isdigit() alone lets "²" through to int(), and a 20-digit id to the database:
    both answered 500."""
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or not 1 <= int(raw) <= MAX_ID:
        return None
    return int(raw)
