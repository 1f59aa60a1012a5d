"""The /api/v1 blueprint: the contract, the problem types, the tablet itself and the inmate's
profile. The features (money, shop, requests, visits, notifications) add their routes to the
same blueprint from their own modules."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from werkzeug.exceptions import NotFound as HTTPNotFound

from backoffice.people.models import Inmate
from backoffice.people.services import choose_language
from backoffice.surface import get_db

from . import http
from .openapi import DEVICE, DOCUMENT_FILE, INMATE, PUBLIC, Routes
from .problems import TYPE_PREFIX, TYPES, details

bp = Blueprint("api", __name__, url_prefix="/api/v1")
meta = Routes(bp, tag="meta", auth=PUBLIC)
session = Routes(bp, tag="session", auth=DEVICE)
profile = Routes(bp, tag="profile", auth=INMATE)


@meta("/openapi.json", "GET", response={"type": "object"})
def openapi() -> Any:
    """This document"""
    return Response(DOCUMENT_FILE.read_bytes(), mimetype="application/json")


@meta("/problems/<code>", "GET", response="ProblemType", errors=(404,))
def problem_type(code: str) -> Any:
    """What a problem type means, with its detail in each language"""
    kind = TYPES.get(code)
    if kind is None:
        raise HTTPNotFound()
    return http.json_response(
        {
            "type": f"{TYPE_PREFIX}{kind.code}",
            "code": kind.code,
            "status": kind.status,
            "title": kind.title,
            "detail": details(kind.code),
        }
    )


@session("/device", "GET", response="Device", etag=True)
def this_device() -> Any:
    """This tablet: its cell and the sign-in methods it offers"""
    found = http.device()
    return http.json_response(
        {
            "id": found.id,
            "name": found.name,
            "cell": found.cell.number if found.cell else "",
            "wing": found.wing.code if found.wing else "",
            "sign_in_methods": sign_in_methods(),
        }
    )


def sign_in_methods() -> list[str]:
    settings = http.settings()
    methods = [m for m in settings["tablet.sign_in_methods"] if m in ("face", "pin")]
    if not settings["signin.pin_allowed"]:
        methods = [m for m in methods if m != "pin"]
    return methods


def profile_of(person: Inmate) -> dict[str, Any]:
    return {
        **http.attributes(
            person,
            "id",
            "prison_number",
            "first_name",
            "last_name",
            "language",
            "legal_status",
            "regime_level",
        ),
        "cell": person.cell.number if person.cell else None,
        "wing": person.wing.code if person.wing else None,
    }


@profile("/me", "GET", response="Profile", etag=True)
def me() -> Any:
    """The signed-in inmate's profile"""
    return http.json_response(profile_of(http.inmate()))


@profile("/me", "PATCH", body="ProfileChange", response="Profile", example={"language": "ru"})
def change_me() -> Any:
    """Change the inmate's language (et, ru or en)"""
    db = get_db()
    person = http.inmate()
    language = http.body()["language"]
    if choose_language(db, http.actor(), person, language):
        db.commit()
    return http.json_response(profile_of(person), headers={"Content-Language": language})
