"""Pressing things in a real browser the way a person does: one press, then the next page."""

from __future__ import annotations

from typing import Any


def follow(page: Any, target: Any) -> None:
    """Press a link or a form's button and wait until the page it leads to has loaded, so
    that the next step reads and presses that page, never the one being left (a press on a
    page already on its way out cancels the request it sent, as a second tap would)."""
    with page.expect_navigation():
        target.click()
