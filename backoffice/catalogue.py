"""The one text catalogue of every surface, without Flask: backoffice/translations/<lang>/
LC_MESSAGES/messages.po compiled in memory with Babel's own reader and writer (nothing compiled
is tracked or written to disk, so a fresh clone works as it is), and `translate` for the words a
service says to a named reader in their language where no request is there to choose it.
English is the source language; `make messages` extracts the msgids (babel.cfg says where from).
"""

from __future__ import annotations

from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

TRANSLATIONS = Path(__file__).resolve().parent / "translations"


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


@cache
def catalogues() -> dict[str, Translations]:
    """The catalogues of this installation, compiled once per process."""
    return load_catalogues()


def translate(language: str, message: str | tuple[str, str], **values: object) -> str:
    """An English msgid in `language`, with `values` put in its %(name)s places, where there is
    no request to take the language from: what the services say to a named reader in their own
    language (the shop rules' refusals, a request's texts). A (context, msgid) pair, from `NC_`,
    is the word in that context. Untranslated, it stays English."""
    catalogue = catalogues().get(language)
    if isinstance(message, tuple):
        context, text = message
        said = catalogue.pgettext(context, text) if catalogue is not None else text
    else:
        said = catalogue.gettext(message) if catalogue is not None else message
    return said % values if values else said


def N_(message: str) -> str:
    """Marks a text for the catalogue where it is written; it is translated where it is shown."""
    return message


def NC_(context: str, message: str) -> tuple[str, str]:
    """Marks a word whose translation depends on where it stands ("Approved" of a request is
    "Rahuldatud", of a payment "Kinnitatud"): `make messages` extracts it with its context."""
    return (context, message)
