"""Which inmate a payment is for: the reference number first, then a prison number or an
inmate's name in the payer's free text. Anything else waits for an accountant, with the reason."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...people.models import Inmate
from ..camt import CamtEntry
from ..reference import inmate_id_of, is_valid, normalise

_WORD = re.compile(r"[0-9A-Za-zÀ-ɏЀ-ӿ-]+")
_NUMBER = re.compile(r"(?<![0-9])[0-9](?:[0-9 ]{7,10})[0-9](?![0-9])")


@dataclass(frozen=True)
class Match:
    inmate_id: int | None
    prison_number: str
    how: str  # the rule that matched, or why nothing did


class PrisonInmates:
    """The prison's inmates by id, prison number and name, read once per import."""

    def __init__(self, db: Session, prison_id: int) -> None:
        rows = db.execute(
            select(Inmate.id, Inmate.prison_number, Inmate.first_name, Inmate.last_name).where(
                Inmate.prison_id == prison_id
            )
        ).all()
        self.numbers = {number.upper(): (inmate_id, number) for inmate_id, number, _, _ in rows}
        self.by_id = {inmate_id: number for inmate_id, number, _, _ in rows}
        self.names: dict[str, set[int]] = {}
        for inmate_id, _, first, last in rows:
            for name in (f"{first} {last}", f"{last} {first}"):
                self.names.setdefault(_name(name), set()).add(inmate_id)

    def match(self, entry: CamtEntry) -> Match:
        refused = ""
        candidates = [entry.reference_number, *_NUMBER.findall(entry.text)]
        for raw in filter(None, candidates):
            inmate_id = inmate_id_of(raw)
            if inmate_id is not None and inmate_id in self.by_id:
                return Match(inmate_id, self.by_id[inmate_id], "by reference number")
            if raw == entry.reference_number:
                fault = "is no inmate's here" if is_valid(raw) else "fails its check digit"
                refused = f"reference number {normalise(raw)} {fault}"
        words = _WORD.findall(entry.text)
        numbers = {self.numbers[w.upper()] for w in words if w.upper() in self.numbers}
        if len(numbers) == 1:
            inmate_id, number = numbers.pop()
            return Match(inmate_id, number, "by prison number in the text")
        if len(numbers) > 1:
            found = ", ".join(sorted(n for _, n in numbers))
            return Match(None, "", f"ambiguous: the text names several prison numbers ({found})")
        lowered = [w.lower() for w in words]
        named = set().union(*(self.names.get(f"{a} {b}", set()) for a, b in pairwise(lowered)))
        if len(named) == 1:
            inmate_id = named.pop()
            return Match(inmate_id, self.by_id[inmate_id], "by the inmate's name in the text")
        if len(named) > 1:
            found = ", ".join(sorted(self.by_id[i] for i in named))
            return Match(None, "", f"ambiguous: the name fits several inmates ({found})")
        why = "no reference number, prison number or inmate's name in the payment"
        return Match(None, "", f"{refused}; {why}" if refused else why)


def _name(text: str) -> str:
    return " ".join(w.lower() for w in _WORD.findall(text))
