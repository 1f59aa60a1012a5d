"""The staff pages at the site's root share one blueprint, "views": sign-in and home
(web/views.py), and the pages of the devices, audit and people features, each in its feature's
own views module. Their endpoints keep the names the access table and every url_for use
("views.devices", "views.audit", "views.inmates").

A feature adds its routes to `bp` when its views module is imported, and brings its templates
with a blueprint of its own (`templates_of`), registered by the app factory beside `bp`.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("views", __name__)


def templates_of(name: str, import_name: str) -> Blueprint:
    """A blueprint with no routes that serves a feature's templates/ folder (beside the module
    `import_name`) to every page, under names like "devices/devices.html"."""
    return Blueprint(name, import_name, template_folder="templates")
