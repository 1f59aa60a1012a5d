import pytest
from sqlalchemy.orm import Session

from backoffice.audit.services import Actor
from backoffice.devices.services import authenticate_device, register_device, revoke_device
from backoffice.errors import InvalidInput
from backoffice.people.models import Prison
from tests.conftest import wing_of


def test_a_kiosk_serves_a_wing_and_a_tablet_a_cell(
    db: Session, system: Actor, prison: Prison
) -> None:
    wing = wing_of(db, prison, "A")
    kiosk = register_device(db, system, kind="kiosk", name="kiosk-A", wing_id=wing.id)
    tablet = register_device(db, system, kind="tablet", name="tab-A1", cell_id=wing.cells[0].id)
    db.commit()
    assert authenticate_device(db, kiosk.credential).wing_id == wing.id
    found = authenticate_device(db, tablet.credential)
    assert (found.cell_id, found.wing_id) == (wing.cells[0].id, wing.id)


def test_wrong_missing_and_revoked_credentials_are_refused(
    db: Session, system: Actor, prison: Prison
) -> None:
    wing = wing_of(db, prison, "A")
    kiosk = register_device(db, system, kind="kiosk", name="kiosk-A", wing_id=wing.id)
    db.commit()
    key_part = kiosk.credential.rsplit(".", 1)[0]
    assert authenticate_device(db, f"{key_part}.guessed-secret") is None
    assert authenticate_device(db, "") is None
    assert authenticate_device(db, "cgd_nothing") is None
    revoke_device(db, system, kiosk.device.id, reason="stolen")
    db.commit()
    assert authenticate_device(db, kiosk.credential) is None


@pytest.mark.parametrize(
    ("kind", "where", "message"),
    [
        ("kiosk", {}, "a kiosk serves one wing"),
        ("tablet", {}, "a tablet is bound to one cell"),
        ("phone", {}, "a kiosk or a tablet"),
    ],
)
def test_placement_is_required(
    db: Session, system: Actor, prison: Prison, kind: str, where: dict, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        register_device(db, system, kind=kind, name="x", **where)
