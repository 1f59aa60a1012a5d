from __future__ import annotations

import json
from importlib import resources
from typing import Any

from flask import Blueprint, Response

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/openapi.json")
def openapi() -> Any:
    document = resources.files(__package__).joinpath("openapi.json").read_text("utf-8")
    return Response(json.dumps(json.loads(document)), mimetype="application/json")
