"""Every message to a contact and every text of the family's pages exists in Estonian, Russian
and English, with the same placeholders in each."""

from __future__ import annotations

import string

import pytest

from backoffice.family.texts import TEXTS as PAGE_TEXTS
from backoffice.outbox.texts import LANGUAGES, TEXTS, render


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("kind", sorted(TEXTS))
def test_each_message_renders_in_each_language_with_the_same_placeholders(kind: str) -> None:
    assert set(TEXTS[kind]) == set(LANGUAGES)
    subject, body = TEXTS[kind]["en"]
    wanted = placeholders(subject) | placeholders(body)
    values = {name: f"<{name}>" for name in wanted}
    for language in LANGUAGES:
        said = render(kind, language, **values)
        assert placeholders(" ".join(TEXTS[kind][language])) == wanted, (kind, language)
        assert all(v in " ".join(said) for v in values.values()), (kind, language)


@pytest.mark.parametrize("key", sorted(PAGE_TEXTS))
def test_each_page_text_is_in_each_language_with_the_same_placeholders(key: str) -> None:
    assert set(PAGE_TEXTS[key]) == set(LANGUAGES)
    wanted = placeholders(PAGE_TEXTS[key]["en"])
    assert all(placeholders(PAGE_TEXTS[key][lang]) == wanted for lang in LANGUAGES), key
