"""Every message to a contact and every text of the family's pages exists in Estonian, Russian
and English, with the same placeholders in each: the one catalogue has each English msgid
translated."""

from __future__ import annotations

import re

import pytest

from backoffice.catalogue import load_catalogues
from backoffice.family.texts import TEXTS as PAGE_TEXTS
from backoffice.outbox.texts import LANGUAGES, TEXTS, render

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
CATALOGUES = load_catalogues()


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def translated(message: str) -> None:
    """Said in Estonian and Russian, with the English's placeholders."""
    for language in ("et", "ru"):
        said = CATALOGUES[language].gettext(message)
        assert said != message, (language, message)
        assert placeholders(said) == placeholders(message), (language, message)


@pytest.mark.parametrize("kind", sorted(TEXTS))
def test_each_message_renders_in_each_language_with_the_same_placeholders(kind: str) -> None:
    subject, body = TEXTS[kind]
    translated(subject)
    translated(body)
    values = {name: f"<{name}>" for name in placeholders(subject) | placeholders(body)}
    for language in LANGUAGES:
        said = render(kind, language, **values)
        assert all(v in " ".join(said) for v in values.values()), (kind, language)
    assert render(kind, "ru", **values) != render(kind, "et", **values)


@pytest.mark.parametrize("key", sorted(PAGE_TEXTS))
def test_each_page_text_is_in_each_language_with_the_same_placeholders(key: str) -> None:
    translated(PAGE_TEXTS[key])
