"""What an app loads at start: the rules of the shop, requests and visits read once, and the
face matcher that signin.face_matcher chooses, made at its first use and then kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from backoffice.requests.types import RequestTypesError
from backoffice.settings import load_settings
from backoffice.shop.protocols import ProtocolError
from backoffice.surface import Equipment
from hardware.faces import FakeFaceMatcher


def test_the_fake_matcher_is_made_once_and_a_test_may_put_its_own() -> None:
    equipment = Equipment.at_start(load_settings({"CELLGATE_SIGNIN__FACE_MATCHER": "fake"}))
    made = equipment.face_matcher
    assert isinstance(made, FakeFaceMatcher)
    assert equipment.face_matcher is made
    own = FakeFaceMatcher()
    equipment.face_matcher = own
    assert equipment.face_matcher is own


def test_the_rules_are_read_at_start() -> None:
    equipment = Equipment.at_start(load_settings({}))
    assert equipment.request_rules.catalogue.departments
    assert equipment.visit_rules.hold.total_seconds() > 0
    assert equipment.shop_rules.start.protocols.rules


@pytest.mark.parametrize(
    ("setting", "error"),
    [("SHOP__PROTOCOLS_FILE", ProtocolError), ("REQUESTS__TYPES_FILE", RequestTypesError)],
)
def test_a_bad_rules_file_stops_the_start(
    tmp_path: Path, setting: str, error: type[Exception]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("this is = = not toml\n")
    with pytest.raises(error):
        Equipment.at_start(load_settings({f"CELLGATE_{setting}": str(bad)}))
