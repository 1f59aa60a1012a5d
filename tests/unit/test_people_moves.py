"""The inmate's state machine as written: every status has its row, every step says what it
does to what is open, and the steps that take a person out of custody clear all of it."""

from backoffice.people.models import InmateStatus
from backoffice.people.services import EFFECTS, MOVES, Step


def test_every_status_and_every_step_is_written_down() -> None:
    assert set(MOVES) == {None, *InmateStatus}
    assert set(EFFECTS) == set(Step)
    assert {step for steps in MOVES.values() for step in steps} == set(Step)


def test_a_death_is_final_and_only_admission_brings_someone_back() -> None:
    assert MOVES[InmateStatus.DECEASED] == {}
    for gone in (InmateStatus.RELEASED, InmateStatus.TRANSFERRED):
        assert MOVES[gone] == {Step.ADMIT: InmateStatus.ACTIVE}


def test_leaving_custody_ends_sessions_cancels_orders_and_calls() -> None:
    for step in (Step.RELEASE, Step.DECEASE, Step.TRANSFER):
        effects = EFFECTS[step]
        assert effects.end_sessions and effects.cancel_calls and effects.orders == "cancel"
    assert EFFECTS[Step.GO_OUT].orders == "keep" and EFFECTS[Step.GO_OUT].end_sessions
