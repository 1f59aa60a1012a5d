"""Where in a protocol file's text a rule, a field or a value is written.

tomllib gives the data without line numbers, so a mistake found in the data is placed back in
the text by scanning it: the n-th `[[rule]]` table, then the field's `key =` line inside it,
then the line that names the value. A file written some other way (inline tables, dotted keys)
gets no line, never a wrong one.
"""

from __future__ import annotations

import re

_RULE_HEADER = re.compile(r"^\s*\[\[\s*rule\s*\]\]")
_ANY_HEADER = re.compile(r"^\s*\[")


def _key_pattern(key: str) -> re.Pattern[str]:
    name = re.escape(key)
    return re.compile(rf"""^\s*(?:{name}|"{name}"|'{name}')\s*=""")


def _value_pattern(value: str) -> re.Pattern[str]:
    name = re.escape(value)
    # A quoted string ("enhanced") or a bare key of an inline table (enhanced = 4400).
    return re.compile(rf"""["']{name}["']|(?:^|[\s{{,]){name}\s*=""")


def _rule_span(lines: list[str], rule_index: int | None) -> tuple[int, int] | None:
    """The lines of the rule (from its header to the next rule), or of the top level."""
    headers = [n for n, line in enumerate(lines) if _RULE_HEADER.match(line)]
    if rule_index is None:
        first_table = next((n for n, line in enumerate(lines) if _ANY_HEADER.match(line)), None)
        return 0, len(lines) if first_table is None else first_table
    if rule_index >= len(headers):
        return None
    end = headers[rule_index + 1] if rule_index + 1 < len(headers) else len(lines)
    return headers[rule_index], end


def line_of(
    text: str, rule_index: int | None, key: str | None = None, value: str | None = None
) -> int | None:
    """The 1-based line of a rule's header, of its field `key`, or of `value` in that field;
    None where the text does not show it plainly. `rule_index` None: a top-level key."""
    lines = text.splitlines()
    span = _rule_span(lines, rule_index)
    if span is None:
        return None
    start, end = span
    found = start if rule_index is not None else None
    if key is None:
        return None if found is None else found + 1
    key_line = next((n for n in range(start, end) if _key_pattern(key).match(lines[n])), None)
    if key_line is None:
        # The field may be a sub-table: [rule.by_level]
        table = re.compile(rf"^\s*\[\s*rule\s*\.\s*{re.escape(key)}\s*\]")
        key_line = next((n for n in range(start, end) if table.match(lines[n])), None)
    if key_line is None:
        return None if found is None else found + 1
    if value is None:
        return key_line + 1
    pattern = _value_pattern(value)
    value_line = next((n for n in range(key_line, end) if pattern.search(lines[n])), None)
    return (key_line if value_line is None else value_line) + 1
