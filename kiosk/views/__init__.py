"""The kiosk's screens. Each view reads the form, calls a service with the database session and
the signed-in inmate as the actor, commits once and renders or redirects.

One module per group of screens, all on the one blueprint `bp` ("kiosk"): `screen` (what they
share and who is signed in), `device` (provisioning), `home` (start, language, sign-out),
`signin`, `money`, `shop`, `orders`, `requests`, `visits`, `content` (the library and
urgent notices) and `messages`.
"""

from __future__ import annotations

from . import content, device, home, messages, money, orders, requests, shop, signin, visits
from .screen import bp
from .signin import SIGN_IN_ENDPOINTS

__all__ = [
    "SIGN_IN_ENDPOINTS",
    "bp",
    "content",
    "device",
    "home",
    "messages",
    "money",
    "orders",
    "requests",
    "shop",
    "signin",
    "visits",
]
