"""Races on purpose: several callables in threads of their own, released at one moment."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

Start = Callable[[], object]
"""What a racer calls when it is ready; it returns once every racer has called it."""


def run_together(
    racers: Sequence[Callable[[Start], T]], *, timeout: float = 120
) -> list[T | BaseException | None]:
    """Run each racer in a thread of its own. Each is given `start`, a threading.Barrier's
    wait: what it does before calling it is its own preparation (a session, a row read); what
    it does after runs at the same moment as the others'. The answer is each racer's result, or
    the exception it raised, in the order given (None for one still running after `timeout`
    seconds, which is also how long a racer waits at the barrier for the others)."""
    barrier = threading.Barrier(len(racers), timeout=timeout)
    outcomes: list[T | BaseException | None] = [None] * len(racers)

    def run(n: int) -> None:
        try:
            outcomes[n] = racers[n](barrier.wait)
        except BaseException as error:  # given back, not lost in the thread
            outcomes[n] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(racers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return outcomes
