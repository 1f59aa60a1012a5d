"""The register's files and feed bodies as JSON lines: one event (or one listed person) each."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..surface.json_body import MalformedJson, parse_json


def json_lines(text: str) -> Iterator[Any]:
    """Each non-blank line's JSON value; a line that is not JSON yields its reason instead,
    which the services refuse by position like any other bad event."""
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            yield parse_json(line.encode())
        except MalformedJson as bad:
            yield f"not JSON ({bad.reason})"
