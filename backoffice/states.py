"""Explicit state machines: each feature writes its allowed moves once (a `TRANSITIONS` table
in its models) and every move goes through `check_move` before the status changes."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from enum import Enum
from typing import TypeVar

from .errors import Conflict

S = TypeVar("S", bound=Enum)


def check_move(transitions: Mapping[S, Collection[S]], current: S, to: S, subject: str) -> None:
    """Refuses (409) a move from `current` to `to` that `transitions` does not allow; `subject`
    names the record for the message, say "Order 2026-0042"."""
    if to not in transitions[current]:
        raise Conflict(f"{subject} is {current.value}; it cannot become {to.value}.")
