"""Payment reference numbers (viitenumber) by the Estonian 7-3-1 standard: each inmate has one
to give to family, and a bank payment that carries it is credited to that inmate.

    check_digit("123456") -> "1"              weights 7, 3, 1, 7, 3, 1, ... from the right
    is_valid("1234561") -> True
    inmate_reference(42) -> "100000427"       the inmate's reference: "1", the id in 7 digits,
                                              the check digit
    inmate_id_of(text) -> int | None          the inmate a reference names, if it is one of ours

A reference is 2 to 20 digits, the last one the check digit; people type spaces in it.
"""

from __future__ import annotations

import re

_WEIGHTS = (7, 3, 1)
_DIGITS = re.compile(r"[0-9]{2,20}")
# Our references start with this digit, so that a number of another scheme rarely passes.
_OURS = "1"


def check_digit(base: str) -> str:
    if not base.isascii() or not base.isdigit() or not 1 <= len(base) <= 19:
        raise ValueError(f"a reference's base is 1 to 19 digits, got {base!r}")
    total = sum(int(d) * _WEIGHTS[i % 3] for i, d in enumerate(reversed(base)))
    return str((10 - total % 10) % 10)


def normalise(text: str) -> str:
    return "".join(text.split())


def is_valid(text: str) -> bool:
    digits = normalise(text)
    return bool(_DIGITS.fullmatch(digits)) and check_digit(digits[:-1]) == digits[-1]


def inmate_reference(inmate_id: int) -> str:
    if not 0 < inmate_id < 10**7:
        raise ValueError(f"inmate id {inmate_id} has no reference of 9 digits")
    base = f"{_OURS}{inmate_id:07d}"
    return base + check_digit(base)


def inmate_id_of(text: str) -> int | None:
    digits = normalise(text)
    if len(digits) != 9 or not digits.startswith(_OURS) or not is_valid(digits):
        return None
    return int(digits[1:-1]) or None


def iban_problem(text: str) -> str:
    """Why `text` is not an IBAN (ISO 13616: country, check digits, mod 97 = 1), or ""."""
    iban = normalise(text).upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", iban):
        return f"{text!r} is not an IBAN (two letters, two check digits, the account)"
    digits = "".join(str(int(c, 36)) for c in iban[4:] + iban[:4])
    if int(digits) % 97 != 1:
        return f"{iban} fails its check digits: a typing mistake?"
    return ""
