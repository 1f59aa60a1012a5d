"""The one reader of JSON request bodies, for every surface (the tablet API, the kiosk agent).

The size is capped before this is called (the request's max_content_length). What is refused
here, each with a reason code that the surface says in its reader's language:

- `not-utf8`: the bytes are not UTF-8 (a BOM, UTF-16 or broken bytes);
- `syntax`: not JSON at all, or a number too long for Python to read;
- `too-deep`: arrays and objects nested deeper than `max_depth` (Python's own parser would hit
  its recursion limit at about 1,000 and raise deep inside);
- `not-a-number`: NaN, Infinity or a number so large it reads as infinity;
- `duplicate-key`: the same key twice in one object (which one would count?);
- `characters`: a NUL character or a lone surrogate in a string or a key, which the database
  cannot store.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 32
REASONS = ("not-utf8", "syntax", "too-deep", "not-a-number", "duplicate-key", "characters")

# The body without its strings, so that brackets inside them do not count.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class MalformedJson(ValueError):
    """A body the surface must refuse with 400; `reason` is one of REASONS."""

    def __init__(self, reason: str) -> None:
        assert reason in REASONS, reason
        super().__init__(reason)
        self.reason = reason


def _depth(text: str) -> int:
    """How deep arrays and objects nest, read without parsing (C-speed regular expressions;
    a frame of several hundred kilobytes is one string)."""
    deepest = depth = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise MalformedJson("duplicate-key")
    return out


def _refuse_constant(_name: str) -> Any:
    raise MalformedJson("not-a-number")


def _finite(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):  # 1e999
        raise MalformedJson("not-a-number")
    return value


def is_clean_text(text: str) -> bool:
    """False for text that no column can hold: a NUL, or a lone surrogate."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from "\ud800"
        return False
    return True


def _check_strings(value: Any) -> None:
    # A loop, not recursion: the depth is capped already, but nothing here may depend on it.
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not is_clean_text(item):
                raise MalformedJson("characters")
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())


def parse_json(raw: bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value of `raw`; raises MalformedJson with the reason otherwise."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedJson("not-utf8") from None
    if text.startswith("\ufeff"):
        raise MalformedJson("not-utf8")
    if _depth(text) > max_depth:
        raise MalformedJson("too-deep")
    try:
        value = json.loads(
            text,
            object_pairs_hook=_object,
            parse_constant=_refuse_constant,
            parse_float=_finite,
        )
    except MalformedJson:
        raise
    except RecursionError:  # cannot happen below max_depth; kept so that nothing answers 500
        raise MalformedJson("too-deep") from None
    except ValueError:  # JSONDecodeError, or an integer of more than 4,300 digits
        raise MalformedJson("syntax") from None
    _check_strings(value)
    return value
