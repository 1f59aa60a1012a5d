"""Every word the kiosk shows exists in Estonian and Russian, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from kiosk.i18n import TRANSLATIONS, load_catalogues

KIOSK = Path(__file__).resolve().parents[2] / "kiosk"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def kiosk_messages() -> set[str]:
    found = extract_from_dir(
        str(KIOSK),
        [("**.py", "python"), ("templates/**.html", "jinja2")],
        options_map={"templates/**.html": {}},
    )
    return {message for _file, _line, message, _comments, _context in found}


@pytest.mark.parametrize("language", ["et", "ru"])
def test_every_kiosk_message_is_translated(language: str) -> None:
    catalogue = load_catalogues(TRANSLATIONS)[language]
    messages = kiosk_messages()
    assert len(messages) > 100
    missing = [m for m in messages if catalogue.gettext(m) == m]
    assert missing == []
    for message in messages:
        said = catalogue.gettext(message)
        assert set(PLACEHOLDER.findall(said)) == set(PLACEHOLDER.findall(message)), message


def test_the_catalogues_speak_each_language() -> None:
    catalogues = load_catalogues(TRANSLATIONS)
    assert catalogues["et"].gettext("Sign out") == "Logi välja"
    assert catalogues["ru"].gettext("Sign out") == "Выйти"
