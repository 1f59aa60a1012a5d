"""The tablet API's problem details are in the one catalogue: Estonian and Russian for each,
with the same params as the English."""

from __future__ import annotations

import re

from backoffice.surface.i18n import TRANSLATIONS, load_catalogues
from tablet_api.problems import TYPES

CATALOGUES = load_catalogues(TRANSLATIONS)


def test_every_tablet_problem_is_in_the_catalogue_in_each_language() -> None:
    """The tablet API's problem details come from the same catalogue: each in Estonian and
    Russian, with the same params."""
    placeholder = re.compile(r"%\((\w+)\)s")
    for kind in TYPES.values():
        if placeholder.fullmatch(kind.text):
            continue  # the detail is a refusal said already (order-refused)
        for language in ("et", "ru"):
            detail = CATALOGUES[language].gettext(kind.text)
            assert detail != kind.text, (kind.code, language)
            assert set(placeholder.findall(detail)) == set(placeholder.findall(kind.text))
