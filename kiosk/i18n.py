"""The kiosk's languages: the one catalogue of every surface (backoffice/surface/i18n.py), in
the language the inmate chose on this kiosk session (the first configured one until then)."""

from __future__ import annotations

from flask import Flask, session

from backoffice.surface.i18n import (
    LANGUAGE_NAMES,
    TRANSLATIONS,
    CatalogueDomain,
    current_language,
    load_catalogues,
)
from backoffice.surface.i18n import init_i18n as init_surface_i18n

__all__ = [
    "LANGUAGE_NAMES",
    "SESSION_KEY",
    "TRANSLATIONS",
    "CatalogueDomain",
    "current_language",
    "init_i18n",
    "load_catalogues",
    "set_language",
]

SESSION_KEY = "lang"


def init_i18n(app: Flask, languages: list[str]) -> None:
    fallback = languages[0]

    def select_language() -> str:
        chosen = session.get(SESSION_KEY)
        return chosen if chosen in languages else fallback

    init_surface_i18n(app, languages, select_language)


def set_language(language: str, languages: list[str]) -> None:
    if language in languages:
        session[SESSION_KEY] = language
