"""notifications routes of the tablet API."""

from __future__ import annotations
