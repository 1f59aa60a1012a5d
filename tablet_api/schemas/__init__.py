"""The API's JSON schemas, and the validator that checks requests against the very same schemas
the OpenAPI document publishes, so the contract and the checks cannot drift apart.

The contract: a body the schema accepts is never refused as `invalid-input`; what only the
prison's state or rules can refuse (money, the shop's rules, a request type's form) is refused
with its own problem type.

One module per part of the API (common, session, money, shop, requests, visits,
notifications), `components` puts them in the document's order, `validation` checks requests.
"""

from __future__ import annotations

from .common import ID, IDEMPOTENCY_PATTERN, MAX_ID, PAGE_QUERY, obj, page_of, ref, text
from .components import COMPONENTS
from .validation import REASONS, TYPE_NAMES, Invalid, validate, validate_body

__all__ = [
    "COMPONENTS",
    "ID",
    "IDEMPOTENCY_PATTERN",
    "MAX_ID",
    "PAGE_QUERY",
    "REASONS",
    "TYPE_NAMES",
    "Invalid",
    "obj",
    "page_of",
    "ref",
    "text",
    "validate",
    "validate_body",
]
