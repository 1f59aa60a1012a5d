"""The one JSON body reader: what it refuses and why, without a web request."""

from __future__ import annotations

import pytest

from backoffice.surface.json_body import MAX_DEPTH, MalformedJson, parse_json


def reason(raw: bytes) -> str:
    with pytest.raises(MalformedJson) as refused:
        parse_json(raw)
    return refused.value.reason


def test_nesting_up_to_the_cap_is_read_and_one_deeper_is_refused() -> None:
    assert parse_json(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) is not None
    assert reason(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1)) == "too-deep"
    # A million levels (what an attacker sends) is refused before the parser recurses at all.
    assert reason(b"[" * 1_000_000) == "too-deep"


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = '"' + "[{" * 500 + '\\"' + "]}" * 10 + '"'
    assert parse_json(f'{{"note": {text}}}'.encode()) == {"note": text[1:-1].replace('\\"', '"')}


def test_numbers_that_are_not_numbers_are_refused() -> None:
    for raw in (b"NaN", b"[Infinity]", b'{"a": -Infinity}', b"1e999", b"[-1e999]"):
        assert reason(raw) == "not-a-number", raw
    assert parse_json(b"[1.5, 1e3, -0.0]") == [1.5, 1000.0, -0.0]


def test_a_key_twice_is_refused_at_any_depth() -> None:
    assert reason(b'{"a": 1, "a": 1}') == "duplicate-key"
    assert reason(b'[{"b": {"c": 1, "c": 2}}]') == "duplicate-key"


def test_nul_and_lone_surrogates_are_refused_in_values_and_keys() -> None:
    for raw in (b'"a\\u0000"', b'{"\\u0000": 1}', b'["\\udc00"]', b'{"\\ud800x": 1}'):
        assert reason(raw) == "characters", raw
    # A surrogate pair is one character, not two lone halves.
    assert parse_json(b'"\\ud83d\\ude00"') == "\U0001f600"


def test_bytes_that_are_not_utf8_are_refused() -> None:
    assert reason(b'"\xff"') == "not-utf8"
    assert reason('"a"'.encode("utf-16")) == "not-utf8"
    assert reason(b'\xef\xbb\xbf{"a": 1}') == "not-utf8"
    assert parse_json('"Tõnu Õun"'.encode()) == "Tõnu Õun"


def test_what_is_not_json_is_a_syntax_refusal() -> None:
    for raw in (b"", b"{", b"language=et", b"[1,]", b"9" * 5000):
        assert reason(raw) == "syntax", raw
