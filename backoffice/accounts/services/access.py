"""Who may keep and who may read a prison's books, checked by the services themselves (a page
that forgot its check, a command or a worker calling a service, is still refused).

- Keeping the books (manual entries, their approval or rejection, the month close) is the
  accountant's duty, in a prison they work in; no other role stands in for it.
- Reading them (the accounts pages, the journal, statements, reconciliation, charts) is the
  accountant's and the auditor's. The auditor is national staff (no prison of their own),
  reads every prison's books and moves no money. Every reading of a prison's books by someone
  who does not work in that prison (the auditor, a national accountant) is audited.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ...audit.services import Actor, record
from ...errors import Forbidden, NotFound
from ...staff.models import Role, StaffUser

KEEPERS = frozenset({Role.ACCOUNTANT.value})
READERS = frozenset({Role.ACCOUNTANT.value, Role.AUDITOR.value})


def _staff(db: Session, actor: Actor) -> StaffUser:
    if actor.kind != "staff" or actor.id is None:
        raise Forbidden("the books are kept and read by a named member of staff")
    user = db.get(StaffUser, actor.id)
    if user is None or not user.active:
        raise Forbidden("only active staff may do this")
    return user


def require_keeper(db: Session, actor: Actor, prison_id: int) -> StaffUser:
    """Refuse anyone but an accountant working in this prison (or national)."""
    user = _staff(db, actor)
    if not user.has_role(*KEEPERS):
        raise Forbidden(
            "%(user)s is not an accountant: keeping the books is their work", user=user.username
        )
    if user.prison_id not in (None, prison_id):
        raise NotFound("no such prison")
    return user


def read_books(db: Session, actor: Actor, prison_id: int | None, what: str) -> None:
    """Refuse anyone who may not read this prison's books (None: every prison's, as national
    staff's journal searches); audit a reader from outside it."""
    user = _staff(db, actor)
    if not user.has_role(*READERS):
        raise Forbidden("%(user)s is neither an accountant nor an auditor", user=user.username)
    if user.prison_id is not None and user.prison_id != prison_id:
        raise NotFound("no such prison")
    if user.prison_id is None:
        every = prison_id is None
        record(db, actor, "books.read", target_type="" if every else "prison",
               target_id="" if every else prison_id, page=what)  # fmt: skip
