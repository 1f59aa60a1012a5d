from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from backoffice.audit.services import Actor
from backoffice.devices.services import (
    Standing,
    authenticate_device,
    credential_admits,
    find_device,
    may_sign_in_at,
    register_device,
    revoke_device,
    standing,
)
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


def test_a_credential_admits_only_its_own_active_device(
    db: Session, system: Actor, prison: Prison
) -> None:
    wing = wing_of(db, prison, "A")
    kiosk = register_device(db, system, kind="kiosk", name="kiosk-A", wing_id=wing.id)
    tablet = register_device(db, system, kind="tablet", name="tab-A1", cell_id=wing.cells[0].id)
    db.commit()
    assert credential_admits(kiosk.device, kiosk.credential)
    assert not credential_admits(tablet.device, kiosk.credential)
    assert not credential_admits(None, kiosk.credential)
    key_part = kiosk.credential.rsplit(".", 1)[0]
    assert not credential_admits(kiosk.device, f"{key_part}.guessed-secret")
    assert not credential_admits(kiosk.device, "")
    revoke_device(db, system, kiosk.device.id, reason="stolen")
    db.commit()
    assert not credential_admits(kiosk.device, kiosk.credential)


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


def test_only_inmates_of_the_wing_or_cell_may_sign_in(
    db: Session, system: Actor, prison: Prison, make_inmate
) -> None:  # type: ignore[no-untyped-def]
    wing_a = wing_of(db, prison, "A")
    kiosk = register_device(db, system, kind="kiosk", name="kiosk-A", wing_id=wing_a.id).device
    tablet = register_device(
        db, system, kind="tablet", name="tab-A1", cell_id=wing_a.cells[0].id
    ).device
    db.commit()
    in_a1 = make_inmate("A", "A1")
    in_a2 = make_inmate("A", "A2")
    in_b1 = make_inmate("B", "B1")
    released = make_inmate("A", "A1", status="released")
    assert [may_sign_in_at(db, kiosk, i.id) for i in (in_a1, in_a2, in_b1, released)] == [
        True,
        True,
        False,
        False,
    ]
    assert [may_sign_in_at(db, tablet, i.id) for i in (in_a1, in_a2, in_b1, released)] == [
        True,
        False,
        False,
        False,
    ]
    revoke_device(db, system, tablet.id, reason="broken")
    assert not may_sign_in_at(db, tablet, in_a1.id)


def test_a_registration_expires_and_only_the_right_secret_learns_why(
    db: Session, system: Actor, prison: Prison
) -> None:
    wing = wing_of(db, prison, "A")
    kiosk = register_device(db, system, kind="kiosk", name="kiosk-A", wing_id=wing.id)
    db.commit()
    ends = kiosk.device.registered_at + timedelta(days=30)
    month = timedelta(days=30)
    just_before, at_the_end = ends - timedelta(seconds=1), ends
    assert standing(kiosk.device, kiosk.credential, just_before, month) == Standing.ADMITTED
    assert standing(kiosk.device, kiosk.credential, at_the_end, month) == Standing.EXPIRED
    assert authenticate_device(db, kiosk.credential, at_the_end, month) is None
    guessed = kiosk.credential.rsplit(".", 1)[0] + ".guessed-secret"
    assert find_device(db, guessed, at_the_end, month) == (None, Standing.UNKNOWN)
    revoke_device(db, system, kiosk.device.id, reason="stolen")
    db.commit()
    assert find_device(db, kiosk.credential) == (kiosk.device, Standing.REVOKED)
    assert find_device(db, guessed) == (None, Standing.UNKNOWN)
