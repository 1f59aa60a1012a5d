"""Explicit state machines: each feature writes its allowed moves once (a `TRANSITIONS` table
in its models) and every move goes through `check_move` before the status changes."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from enum import Enum
from typing import TypeVar

from .errors import Conflict, Phrase
from .words import word

S = TypeVar("S", bound=Enum)


def check_move(transitions: Mapping[S, Collection[S]], current: S, to: S, subject: Phrase) -> None:
    """Refuses (409) a move from `current` to `to` that `transitions` does not allow; `subject`
    names the record for the message, say Phrase(N_("Order %(number)s"), number="2026-0042")."""
    if to not in transitions[current]:
        raise Conflict(
            "%(subject)s is %(current)s; it cannot become %(to)s.",
            subject=subject,
            current=word(current),
            to=word(to),
        )
