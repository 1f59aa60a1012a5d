"""The tablet, signing in on it (PIN, face, refresh) and the inmate's profile."""

from __future__ import annotations

from typing import Any

from .common import BASE64, INTEGER, LANGUAGE, STRING, all_required, text

COMPONENTS: dict[str, dict[str, Any]] = {
    "Device": all_required(
        {
            "id": INTEGER,
            "name": STRING,
            "cell": STRING,
            "wing": STRING,
            "sign_in_methods": {
                "type": "array",
                "items": {"type": "string", "enum": ["pin", "face"]},
            },
        },
    ),
    "PinSignIn": all_required(
        {
            "prison_number": text(1, 32, pattern="^[A-Za-z0-9-]+$"),
            "pin": text(4, 12, pattern="^[0-9]+$"),
        },
    ),
    "FaceSignIn": all_required(
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
    ),
    "Tokens": all_required(
        {
            "access_token": STRING,
            "token_type": {"type": "string", "enum": ["Bearer"]},
            "expires_in": {"type": "integer", "description": "Seconds the access token lives."},
            "refresh_token": STRING,
            "refresh_expires_in": INTEGER,
            "idle_timeout": {"type": "integer", "description": "Seconds of inactivity allowed."},
            "inmate": {"$ref": "#/components/schemas/Profile"},
        },
    ),
    "Refresh": all_required({"refresh_token": text(20, 200, pattern="^cgr_[A-Za-z0-9_-]+$")}),
    "Profile": all_required(
        {
            "id": INTEGER,
            "prison_number": STRING,
            "first_name": STRING,
            "last_name": STRING,
            "language": LANGUAGE,
            "legal_status": STRING,
            "regime_level": STRING,
            "cell": {"type": ["string", "null"]},
            "wing": {"type": ["string", "null"]},
        },
    ),
    "ProfileChange": all_required({"language": LANGUAGE}),
}
