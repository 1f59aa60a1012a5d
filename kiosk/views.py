from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

bp = Blueprint("kiosk", __name__)


@bp.get("/")
def start() -> Any:
    return render_template("kiosk/start.html")
