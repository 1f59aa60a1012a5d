"""Every surface's languages (Estonian, Russian, English) through Flask-Babel, from one text
catalogue: backoffice/translations/<lang>/LC_MESSAGES/messages.po holds the kiosk's words and
the back office's. English is the source language.

The .po files are compiled in memory (backoffice/catalogue.py), once per process. Each surface
says how it picks the reader's language (the kiosk from its session, the back office from the
member of staff's profile) and passes that to `init_i18n`. `make messages` extracts the msgids
and updates the catalogues (babel.cfg says where from).
"""

from __future__ import annotations

from collections.abc import Callable

from babel.support import NullTranslations, Translations
from flask import Flask
from flask_babel import Babel, Domain, get_locale

from ..catalogue import N_, TRANSLATIONS, catalogues, load_catalogues, translate

__all__ = [
    "LANGUAGE_NAMES",
    "N_",
    "TRANSLATIONS",
    "CatalogueDomain",
    "catalogues",
    "current_language",
    "init_i18n",
    "load_catalogues",
    "translate",
]

LANGUAGE_NAMES = {"et": "Eesti", "ru": "Русский", "en": "English"}


class CatalogueDomain(Domain):  # type: ignore[misc]
    """A Flask-Babel domain that answers from catalogues compiled at start."""

    def __init__(self, catalogues: dict[str, Translations]) -> None:
        super().__init__(domain="messages")
        self.catalogues = catalogues

    def get_translations(self) -> Translations | NullTranslations:
        locale = get_locale()
        return self.catalogues.get(str(locale)) or NullTranslations()


def init_i18n(app: Flask, languages: list[str], select_language: Callable[[], str]) -> None:
    """Flask-Babel on `app`, in the language `select_language` picks (one of `languages`);
    templates get `languages` (code, own name) and `current_language`."""
    domain = CatalogueDomain(catalogues())
    Babel(app, locale_selector=select_language, default_locale=languages[0])

    @app.before_request
    def use_compiled_catalogues() -> None:
        domain.as_default()

    @app.context_processor
    def languages_for_templates() -> dict[str, object]:
        return {
            "languages": [(code, LANGUAGE_NAMES[code]) for code in languages],
            "current_language": select_language(),
        }


def current_language() -> str:
    return str(get_locale())
