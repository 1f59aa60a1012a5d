"""Every word the back office shows its staff exists in Estonian and Russian, with the same
placeholders: the pages, the messages their buttons leave, and the refusals of the services
the pages show (those of the features whose refusals are translated so far)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import NamedTuple

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.support import Translations

from backoffice.surface.i18n import TRANSLATIONS, load_catalogues

BACKOFFICE = Path(__file__).resolve().parents[2] / "backoffice"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# The family site's words (backoffice/family/texts.py) are in the catalogue too.
METHODS = [
    ("**/templates/**.html", "jinja2"),
    ("**.py", "python"),
]


class Word(NamedTuple):
    context: str
    text: str


# A msgid: a text, a plural's (singular, plural), or a word in its context.
Message = str | tuple[str, str] | Word
REFUSALS = {name: None for name in ("ServiceError", "InvalidInput", "Conflict", "NotFound",
                                    "Forbidden")}  # fmt: skip
# The features whose services' refusals (templates with named values, backoffice/errors.py)
# are in the catalogue; a feature joins when its refusals are translated. Not yet: the books
# (accounts) and the register's feed (answered to a machine).
REFUSING_FEATURES = (
    "staff",
    "signin",
    "devices",
    "bank",
    "content",
    "messages",
    "money",
    "outbox",
    "people",
    "requests",
    "shop",
    "visits",
    "web",
)
# Words written the same in a language (a translation equal to the English is otherwise missing).
SAME = {
    "et": {"kiosk", "SMS", "Video", "halal", "vegan", "%(name)s: %(reason)s"},
    "ru": {"SMS", "%(name)s: %(reason)s"},
}


# A word marked with its context (backoffice/catalogue.NC_: "Approved" of a request).
KEYWORDS = {**DEFAULT_KEYWORDS, "NC_": ((1, "c"), 2)}


def _extracted(directory: Path, keywords: dict[str, object]) -> set[Message]:
    found = extract_from_dir(str(directory), METHODS, keywords=keywords, options_map={})
    return {
        Word(context, message) if context else message
        for _file, _line, message, _comments, context in found
    }


def backoffice_messages() -> set[Message]:
    """The back office's words, and the tablet API's (its movements' names)."""
    return _extracted(BACKOFFICE, KEYWORDS) | _extracted(BACKOFFICE.parent / "tablet_api", KEYWORDS)


def refusal_messages() -> set[Message]:
    found: set[Message] = set()
    with warnings.catch_warnings():
        # Refusals that name values are f-strings: Babel skips them, and says so.
        warnings.filterwarnings("ignore", "Skipping f-string", UserWarning)
        for feature in REFUSING_FEATURES:
            found |= _extracted(BACKOFFICE / feature, REFUSALS)
    return found


@pytest.mark.parametrize("language", ["et", "ru"])
def test_every_backoffice_message_is_translated(language: str) -> None:
    catalogue = load_catalogues(TRANSLATIONS)[language]
    messages = backoffice_messages() | refusal_messages()
    assert len(messages) > 500
    missing = sorted(
        str(m) for m in messages - SAME[language] if said_in(catalogue, m) == forms_of(m)
    )
    assert missing == []
    for message in messages:
        for english, said in zip(forms_of(message), said_in(catalogue, message), strict=True):
            assert set(PLACEHOLDER.findall(said)) == set(PLACEHOLDER.findall(english)), message


def forms_of(message: Message) -> tuple[str, ...]:
    """A msgid's English forms: one, or the singular and plural of an ngettext."""
    if isinstance(message, Word):
        return (message.text,)
    return message if isinstance(message, tuple) else (message,)


def said_in(catalogue: Translations, message: Message) -> tuple[str, ...]:
    """What the catalogue says for a msgid: for a plural, its forms for one and for five; for a
    word in a context, the word there."""
    if isinstance(message, Word):
        return (catalogue.pgettext(message.context, message.text),)
    if isinstance(message, tuple):
        return catalogue.ngettext(*message, 1), catalogue.ngettext(*message, 5)
    return (catalogue.gettext(message),)


def test_the_staff_pages_speak_each_language() -> None:
    catalogues = load_catalogues(TRANSLATIONS)
    assert catalogues["et"].gettext("Staff sign-in") == "Töötaja sisselogimine"
    assert catalogues["ru"].gettext("Staff sign-in") == "Вход для сотрудников"
