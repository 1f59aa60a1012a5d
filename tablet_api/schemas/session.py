"""The tablet, signing in on it (PIN, face, refresh) and the inmate's profile."""

from __future__ import annotations

from typing import Any

from .common import (
    BASE64,
    LANGUAGE,
    obj,
    text,
)

COMPONENTS: dict[str, dict[str, Any]] = {
    "Device": obj(
        {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "cell": {"type": "string"},
            "wing": {"type": "string"},
            "sign_in_methods": {
                "type": "array",
                "items": {"type": "string", "enum": ["pin", "face"]},
            },
        },
        ("id", "name", "cell", "wing", "sign_in_methods"),
    ),
    "PinSignIn": obj(
        {
            "prison_number": text(1, 32, pattern="^[A-Za-z0-9-]+$"),
            "pin": text(4, 12, pattern="^[0-9]+$"),
        },
        ("prison_number", "pin"),
    ),
    "FaceSignIn": obj(
        {
            "frames": {
                "type": "array",
                "minItems": 1,
                "maxItems": 5,
                "items": text(
                    4,
                    700_000,
                    pattern=BASE64,
                    contentEncoding="base64",
                    description="A camera frame, JPEG or PNG, base64.",
                ),
            },
        },
        ("frames",),
    ),
    "Tokens": obj(
        {
            "access_token": {"type": "string"},
            "token_type": {"type": "string", "enum": ["Bearer"]},
            "expires_in": {"type": "integer", "description": "Seconds the access token lives."},
            "refresh_token": {"type": "string"},
            "refresh_expires_in": {"type": "integer"},
            "idle_timeout": {"type": "integer", "description": "Seconds of inactivity allowed."},
            "inmate": {"$ref": "#/components/schemas/Profile"},
        },
        (
            "access_token",
            "token_type",
            "expires_in",
            "refresh_token",
            "refresh_expires_in",
            "idle_timeout",
            "inmate",
        ),
    ),
    "Refresh": obj(
        {"refresh_token": text(20, 200, pattern="^cgr_[A-Za-z0-9_-]+$")}, ("refresh_token",)
    ),
    "Profile": obj(
        {
            "id": {"type": "integer"},
            "prison_number": {"type": "string"},
            "first_name": {"type": "string"},
            "last_name": {"type": "string"},
            "language": LANGUAGE,
            "legal_status": {"type": "string"},
            "regime_level": {"type": "string"},
            "cell": {"type": ["string", "null"]},
            "wing": {"type": ["string", "null"]},
        },
        (
            "id",
            "prison_number",
            "first_name",
            "last_name",
            "language",
            "legal_status",
            "regime_level",
            "cell",
            "wing",
        ),
    ),
    "ProfileChange": obj({"language": LANGUAGE}, ("language",)),
}
