"""The inmate's lifecycle written down once: the steps (`Step`), which step each status allows
and where it leads (`MOVES`), the movement each writes (`KIND`) and what each does to everything
the inmate has open (`EFFECTS`). `lifecycle` carries them out."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..models import InmateStatus, MovementKind


class Step(StrEnum):
    ADMIT = "admit"
    CHANGE_LEGAL_STATUS = "change_legal_status"
    MOVE = "move"
    TRANSFER = "transfer"
    GO_OUT = "go_out"
    COME_BACK = "come_back"
    RELEASE = "release"
    DECEASE = "decease"


A, OUT = InmateStatus.ACTIVE, InmateStatus.OUT
RELEASED, TRANSFERRED, DECEASED = (
    InmateStatus.RELEASED,
    InmateStatus.TRANSFERRED,
    InmateStatus.DECEASED,
)

# The allowed steps, in one place: from each status (None: not held here yet), each step and the
# status it leads to. A person released (or transferred out of this installation) may be
# admitted again under the same prison number; a death is final.
MOVES: dict[InmateStatus | None, dict[Step, InmateStatus]] = {
    None: {Step.ADMIT: A},
    A: {
        Step.CHANGE_LEGAL_STATUS: A,
        Step.MOVE: A,
        Step.TRANSFER: A,
        Step.GO_OUT: OUT,
        Step.RELEASE: RELEASED,
        Step.DECEASE: DECEASED,
    },
    OUT: {
        Step.CHANGE_LEGAL_STATUS: OUT,
        Step.MOVE: OUT,
        Step.TRANSFER: A,
        Step.COME_BACK: A,
        Step.RELEASE: RELEASED,
        Step.DECEASE: DECEASED,
    },
    RELEASED: {Step.ADMIT: A},
    TRANSFERRED: {Step.ADMIT: A},
    DECEASED: {},
}

KIND = {
    Step.ADMIT: MovementKind.ADMITTED,
    Step.CHANGE_LEGAL_STATUS: MovementKind.LEGAL_STATUS,
    Step.MOVE: MovementKind.MOVED,
    Step.TRANSFER: MovementKind.TRANSFERRED,
    Step.GO_OUT: MovementKind.OUT,
    Step.COME_BACK: MovementKind.RETURNED,
    Step.RELEASE: MovementKind.RELEASED,
    Step.DECEASE: MovementKind.DECEASED,
}


class Orders(StrEnum):
    KEEP = "keep"
    # On another wing: not yet packed cancelled (the old wing's round), packed delivered there.
    FOLLOW = "follow"
    CANCEL = "cancel"  # every open order, packed ones with the reason; goods back on the shelf


@dataclass(frozen=True)
class Effects:
    """What a step does to what the inmate has open."""

    end_sessions: bool = False  # every kiosk and tablet session, at once
    orders: Orders = Orders.KEEP
    cancel_calls: bool = False  # future video calls, the contact told
    requests_follow: bool = False  # open requests go to the new prison
    leaves: bool = False  # no cell any more; the retention clock starts
    money_follows: bool = False  # his money moves from the old prison's books to the new one's


EFFECTS: dict[Step, Effects] = {
    Step.ADMIT: Effects(),
    Step.CHANGE_LEGAL_STATUS: Effects(),
    # The old cell's tablet and the old wing's kiosk no longer admit him (they admit only who
    # is held there); his sessions end now rather than at their next call.
    Step.MOVE: Effects(end_sessions=True, orders=Orders.FOLLOW),
    # Orders are cancelled (their holds voided) before the money moves, so all of it moves.
    Step.TRANSFER: Effects(
        end_sessions=True,
        orders=Orders.CANCEL,
        cancel_calls=True,
        requests_follow=True,
        money_follows=True,
    ),
    # In court or in hospital: no sign-in, but his orders wait for him.
    Step.GO_OUT: Effects(end_sessions=True),
    Step.COME_BACK: Effects(),
    # Open requests stay with the prison that owes the answer.
    Step.RELEASE: Effects(end_sessions=True, orders=Orders.CANCEL, cancel_calls=True, leaves=True),
    Step.DECEASE: Effects(end_sessions=True, orders=Orders.CANCEL, cancel_calls=True, leaves=True),
}
