"""Every surface's languages (Estonian, Russian, English) through Flask-Babel, from one text
catalogue: backoffice/translations/<lang>/LC_MESSAGES/messages.po holds the kiosk's words and
the back office's. English is the source language.

The .po files are compiled in memory when an app starts, with Babel's own reader and writer:
nothing compiled is tracked or written to disk, so a fresh clone works as it is. Each surface
says how it picks the reader's language (the kiosk from its session, the back office from the
member of staff's profile) and passes that to `init_i18n`. `make messages` extracts the msgids
and updates the catalogues (babel.cfg says where from).
"""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Flask
from flask_babel import Babel, Domain, get_locale

TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"
LANGUAGE_NAMES = {"et": "Eesti", "ru": "Русский", "en": "English"}


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


def init_i18n(app: Flask, languages: list[str], select_language: Callable[[], str]) -> None:
    """Flask-Babel on `app`, in the language `select_language` picks (one of `languages`);
    templates get `languages` (code, own name) and `current_language`."""
    domain = CatalogueDomain(load_catalogues())
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


def N_(message: str) -> str:
    """Marks a text for the catalogue where it is written; it is translated where it is shown."""
    return message


def current_language() -> str:
    return str(get_locale())
