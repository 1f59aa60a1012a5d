"""Every schema of the API by name, in the order the OpenAPI document lists them."""

from __future__ import annotations

from typing import Any

from . import common, content, messages, money, notifications, requests, session, shop, visits

COMPONENTS: dict[str, dict[str, Any]] = {
    **common.COMPONENTS,
    **session.COMPONENTS,
    **money.COMPONENTS,
    **shop.COMPONENTS,
    **requests.COMPONENTS,
    **visits.COMPONENTS,
    **messages.COMPONENTS,
    **notifications.COMPONENTS,
    **shop.CLAIM_COMPONENTS,
    **content.COMPONENTS,
}
