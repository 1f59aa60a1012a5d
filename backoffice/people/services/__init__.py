"""People services: an inmate's life in custody (lifecycle: admission, moves, transfers, out
and back, release, death, each with what it does to everything open).

One module per use case; the names below are the package's."""

from .language import choose_language
from .lifecycle import (
    EFFECTS,
    MOVES,
    Batch,
    Effects,
    Step,
    admit,
    change_legal_status,
    come_back,
    decease,
    go_out,
    has_open_things,
    move,
    movements_of,
    release,
    transfer,
)

__all__ = [
    "EFFECTS",
    "MOVES",
    "Batch",
    "Effects",
    "Step",
    "admit",
    "change_legal_status",
    "choose_language",
    "come_back",
    "decease",
    "go_out",
    "has_open_things",
    "move",
    "movements_of",
    "release",
    "transfer",
]
