"""The kiosk's languages: Estonian, Russian and English through Flask-Babel.

The catalogues are kept as .po files (kiosk/translations/<lang>/LC_MESSAGES/messages.po) and
compiled in memory when the app starts, with Babel's own reader and writer. Nothing compiled is
tracked or written to disk, so a fresh clone works as it is. English is the source language.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Flask, session
from flask_babel import Babel, Domain, get_locale

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LANGUAGE_NAMES = {"et": "Eesti", "ru": "Русский", "en": "English"}
SESSION_KEY = "lang"


def load_catalogues(directory: Path = TRANSLATIONS) -> dict[str, Translations]:
    """Every catalogue under `directory`, compiled to gettext form in memory."""
    catalogues = {}
    for po_file in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        language = po_file.parent.parent.name
        with po_file.open("rb") as fh:
            catalog = read_po(fh, locale=language)
        compiled = BytesIO()
        write_mo(compiled, catalog, use_fuzzy=False)
        compiled.seek(0)
        catalogues[language] = Translations(fp=compiled, domain="messages")
    return catalogues


class CatalogueDomain(Domain):  # type: ignore[misc]
    """A Flask-Babel domain that answers from catalogues compiled at start."""

    def __init__(self, catalogues: dict[str, Translations]) -> None:
        super().__init__(domain="messages")
        self.catalogues = catalogues

    def get_translations(self) -> Translations | NullTranslations:
        locale = get_locale()
        return self.catalogues.get(str(locale)) or NullTranslations()


def init_i18n(app: Flask, languages: list[str]) -> None:
    fallback = languages[0]

    def select_language() -> str:
        chosen = session.get(SESSION_KEY)
        return chosen if chosen in languages else fallback

    domain = CatalogueDomain(load_catalogues())
    Babel(app, locale_selector=select_language, default_locale=fallback)

    @app.before_request
    def use_compiled_catalogues() -> None:
        domain.as_default()

    @app.context_processor
    def languages_for_templates() -> dict[str, object]:
        return {
            "languages": [(code, LANGUAGE_NAMES[code]) for code in languages],
            "current_language": select_language(),
        }


def set_language(language: str, languages: list[str]) -> None:
    if language in languages:
        session[SESSION_KEY] = language


def current_language() -> str:
    return str(get_locale())
