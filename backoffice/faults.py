"""Fault injection for the crash tests: `fault_point(name)` kills this process at once
(SIGKILL, as `kill -9` would) when the environment variable CELLGATE_FAULT_AT names that point,
and does nothing otherwise. The tests of operations that must survive a crash at any step (the
transfer of an inmate between two prisons' books) set it in a subprocess, one step at a time.
Never set it on a real installation."""

from __future__ import annotations

import os
import signal

FAULT_VARIABLE = "CELLGATE_FAULT_AT"


def fault_point(name: str) -> None:
    if os.environ.get(FAULT_VARIABLE) == name:
        os.kill(os.getpid(), signal.SIGKILL)
