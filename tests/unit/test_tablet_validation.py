"""The tablet API's request checks: what a wrong body or query value is refused with, field by
field, as the inmate reads it (one reason per field, in the order of the body)."""

from __future__ import annotations

from typing import Any

import pytest

from tablet_api.schemas import PAGE_QUERY, Invalid, validate, validate_body


def refusal(component: str, body: Any) -> list[tuple[str, str, dict[str, Any]]]:
    with pytest.raises(Invalid) as refused:
        validate_body(component, body)
    return refused.value.errors


def test_each_field_says_its_first_wrong_check_in_the_order_of_the_body() -> None:
    body = {"tip": 1, "lines": [{"product_id": 0, "quantity": "2"}, {"quantity": 1.5}]}
    assert refusal("Cart", body) == [
        ("tip", "unknown", {}),
        ("lines[0].product_id", "minimum", {"n": 1}),
        ("lines[0].quantity", "type", {"type": "integer"}),
        ("lines[1].product_id", "required", {}),
        ("lines[1].quantity", "type", {"type": "integer"}),
    ]
    assert refusal("PinSignIn", {"prison_number": "", "pin": "12ab"}) == [
        ("prison_number", "minLength", {"n": 1}),
        ("pin", "pattern", {}),
    ]


def test_nothing_is_said_about_what_lies_inside_a_wrong_value() -> None:
    assert refusal("Cart", [1]) == [("body", "type", {"type": "object"})]
    assert refusal("Cart", {"lines": []}) == [("lines", "minItems", {"n": 1})]
    assert refusal("ProfileChange", {"language": 5}) == [("language", "type", {"type": "string"})]
    many = {"type": "see_doctor", "fields": {f"f{i}": "x" for i in range(31)}}
    assert refusal("NewRequest", many) == [("fields", "maxItems", {"n": 30})]


def test_a_form_field_is_told_against_its_names_and_its_last_option() -> None:
    body = {"type": "see_doctor", "fields": {"who": {"name": 5}, "Bad": 1, "n": -1}}
    assert refusal("NewRequest", body) == [
        ("fields.who.name", "type", {"type": "string"}),
        ("fields.Bad", "unknown", {}),
        ("fields.n", "type", {"type": "object"}),
    ]


def test_options_that_each_ask_for_a_field_are_said_as_one() -> None:
    body = {"full_name": "Maria Tamm", "relation": "aunt"}
    errors = refusal("NewContact", body)
    assert errors[0] == ("phone, email", "either", {"fields": "phone, email"})
    assert errors[1][:2] == ("relation", "enum")


def test_a_query_value_with_a_nul_is_refused_for_its_characters() -> None:
    with pytest.raises(Invalid) as refused:
        validate(PAGE_QUERY["cursor"], "1\x00", "cursor")
    assert refused.value.localized("en") == [
        {"field": "cursor", "reason": "contains characters that are not allowed"}
    ]


def test_a_valid_body_comes_back_with_whole_numbers_as_ints() -> None:
    checked = validate_body("Cart", {"lines": [{"product_id": 3.0, "quantity": 2}]})
    assert checked == {"lines": [{"product_id": 3, "quantity": 2}]}
    assert isinstance(checked["lines"][0]["product_id"], int)
