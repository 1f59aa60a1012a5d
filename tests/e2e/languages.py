"""Which words must not be on a screen in a given language: the phrases of the other two
languages, taken from what the kiosk reads from (the one gettext catalogue, which holds the
shop's refusals and the requests' texts too, and the request types' tables), that the language
itself never uses."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from typing import Any

from backoffice.settings import ROOT
from kiosk.i18n import TRANSLATIONS, load_catalogues

LANGUAGES = ("et", "ru", "en")
# A placeholder of any of the text systems: {name}, %(name)s, %s.
PLACEHOLDER = re.compile(r"\{\w+\}|%\(\w+\)s|%s")


def foreign_phrases(texts: Mapping[str, Iterable[str]], language: str) -> set[str]:
    """The other languages' texts that `language` never uses: each text's longest piece
    between placeholders, when long enough to mean something and not part of one of its own
    texts (a name, "OK" or a number reads the same in every language)."""
    own = set(texts[language])
    found = set()
    for other, theirs in texts.items():
        if other == language:
            continue
        for text in theirs:
            if text in own:
                continue
            piece = max(PLACEHOLDER.split(text), key=len).strip(" .:,;!?…()«»„“”\"'-–")
            if len(piece) >= 6 and not any(piece in mine for mine in own):
                found.add(piece)
    return found


def kiosk_texts() -> dict[str, set[str]]:
    """Every text the kiosk may show, per language."""
    texts: dict[str, set[str]] = {language: set() for language in LANGUAGES}
    for language, catalogue in load_catalogues(TRANSLATIONS).items():
        for msgid, msgstr in catalogue._catalog.items():
            if isinstance(msgid, str) and msgid:
                texts["en"].add(msgid.rpartition("\x04")[2])  # without a word's context
                texts[language].add(str(msgstr))
    tables = list(
        _three_language_tables(tomllib.loads((ROOT / "config" / "request_types.toml").read_text()))
    )
    for table in tables:
        for language in LANGUAGES:
            texts[language].add(str(table[language]))
    return texts


def _three_language_tables(value: Any) -> Iterable[Mapping[str, Any]]:
    if isinstance(value, dict):
        if set(LANGUAGES) <= set(value):
            yield value
            return
        for each in value.values():
            yield from _three_language_tables(each)
    elif isinstance(value, list):
        for each in value:
            yield from _three_language_tables(each)


def shown_in(phrases: Iterable[str], text: str) -> list[str]:
    """The phrases that stand in `text` as words of their own: a proper name that begins
    with a word of another language ("Vanglateenistus", a payee's name) is not that word."""
    return sorted(p for p in phrases if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", text))
