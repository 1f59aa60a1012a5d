"""Back-office pages for inmate sign-in: face enrolment at reception (photos uploaded or taken
with the reception camera), cards (issue, block, replace), PINs and lockouts."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from hardware.camera import CameraError, decode_image

from ..db import utcnow
from ..errors import NotFound, ServiceError
from ..people.models import Inmate
from ..staff.models import Role
from ..staff.scope import in_scope, scope_of
from ..surface import equipment, get_db, settings
from ..web.access import ACCESS, staff_actor
from ..web.handling import perform, translated_refusal
from . import services
from .models import CardStatus, FaceTemplate, InmateCard, InmateCredentials, InmateSession
from .services import SignInPolicy

bp = Blueprint(
    "signin",
    __name__,
    url_prefix="/signin",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
STAFF = frozenset({Role.ADMIN, Role.OFFICER})
SIGNIN_ACCESS = {
    "signin.static": STAFF,
    "signin.index": STAFF,
    "signin.inmate": STAFF,
    "signin.enrol": STAFF,
    "signin.delete_faces": STAFF,
    "signin.issue_card": STAFF,
    "signin.block_card": STAFF,
    "signin.replace_card": STAFF,
    "signin.set_pin": STAFF,
    "signin.unlock": STAFF,
    "signin.sessions": STAFF,
    "signin.end_session": STAFF,
}
MAX_PHOTOS = 5


def init_app(app: Flask) -> None:
    """Open the sign-in pages to officers and administrators and mount the blueprint."""
    ACCESS.update(SIGNIN_ACCESS)
    app.register_blueprint(bp)


def matcher() -> services.FaceMatcher:
    return equipment().face_matcher


def _policy() -> SignInPolicy:
    return SignInPolicy.from_settings(settings())


def _inmate(inmate_id: int) -> Inmate:
    """The inmate, or 404 when there is none in the prisons the member of staff works in."""
    try:
        return in_scope(get_db(), staff_actor(), Inmate, inmate_id, "inmate")
    except NotFound:
        abort(404)


def _card(card_id: int) -> InmateCard:
    card = get_db().get(InmateCard, card_id)
    if card is None:
        abort(404)
    _inmate(card.inmate_id)
    return card


def _inmate_page(inmate_id: int) -> str:
    return url_for("signin.inmate", inmate_id=inmate_id)


def _back(inmate_id: int) -> Any:
    return redirect(_inmate_page(inmate_id))


@bp.get("/")
def index() -> Any:
    db = get_db()
    text = request.args.get("q", "").strip()
    stmt = (
        select(Inmate)
        .options(selectinload(Inmate.wing), selectinload(Inmate.cell))
        .order_by(Inmate.last_name, Inmate.first_name)
    )
    stmt = stmt.where(scope_of(db, staff_actor()).where(Inmate.prison_id))
    if text:
        like = f"%{text}%"
        stmt = stmt.where(Inmate.prison_number.ilike(like) | Inmate.last_name.ilike(like))
    inmates = list(db.scalars(stmt.limit(200)))
    ids = [i.id for i in inmates]
    faces = dict(
        db.execute(
            select(FaceTemplate.inmate_id, func.count())
            .where(FaceTemplate.inmate_id.in_(ids))
            .group_by(FaceTemplate.inmate_id)
        ).all()
    )
    cards = dict(
        db.execute(
            select(InmateCard.inmate_id, InmateCard.card_number).where(
                InmateCard.inmate_id.in_(ids), InmateCard.status == CardStatus.ACTIVE.value
            )
        ).all()
    )
    return render_template("signin/index.html", inmates=inmates, faces=faces, cards=cards, q=text)


@bp.get("/inmates/<int:inmate_id>")
def inmate(inmate_id: int) -> Any:
    db = get_db()
    person = _inmate(inmate_id)
    return render_template(
        "signin/inmate.html",
        inmate=person,
        faces=list(
            db.scalars(
                select(FaceTemplate)
                .where(FaceTemplate.inmate_id == inmate_id)
                .order_by(FaceTemplate.id)
            )
        ),
        cards=services.cards_of(db, inmate_id),
        credentials=db.get(InmateCredentials, inmate_id),
        now=utcnow(),
        max_photos=MAX_PHOTOS,
    )


@bp.post("/inmates/<int:inmate_id>/faces")
def enrol(inmate_id: int) -> Any:
    person = _inmate(inmate_id)
    uploads = [f for f in request.files.getlist("photos") if f and f.filename]
    if not uploads:
        flash(_("Choose at least one photo of the inmate."), "error")
        return _back(inmate_id)
    if len(uploads) > MAX_PHOTOS:
        flash(
            _(
                "At most %(MAX_PHOTOS)s photos at a time.",
                MAX_PHOTOS=MAX_PHOTOS,
            ),
            "error",
        )
        return _back(inmate_id)
    images = []
    for n, upload in enumerate(uploads, start=1):
        try:
            images.append(decode_image(upload.read()))
        except CameraError:
            flash(
                _(
                    "Photo %(n)s (%(filename)s) is not a JPEG or PNG image.",
                    n=n,
                    filename=upload.filename,
                ),
                "error",
            )
            return _back(inmate_id)

    def action(db: Session) -> str:
        templates = services.enroll_face(
            db,
            staff_actor(),
            person,
            images,
            matcher(),
            source=request.form.get("source", "upload")[:16] or "upload",
            replace=request.form.get("replace") == "yes",
            policy=_policy(),
        )
        return _(
            "%(len)s face image(s) enrolled for %(full_name)s.",
            len=len(templates),
            full_name=person.full_name,
        )

    return perform(action, "", _inmate_page(inmate_id), category="ok")


@bp.post("/inmates/<int:inmate_id>/faces/delete")
def delete_faces(inmate_id: int) -> Any:
    def action(db: Session) -> str:
        removed = services.delete_faces(db, staff_actor(), _inmate(inmate_id))
        return _("%(removed)s face image(s) deleted.", removed=removed)

    return perform(action, "", _inmate_page(inmate_id), category="ok")


def _show_key(card: InmateCard, key: bytes) -> Any:
    # The key is shown once, to be written onto the card now; the server keeps it encrypted.
    return render_template("signin/card_issued.html", card=card, key_hex=key.hex())


@bp.post("/inmates/<int:inmate_id>/cards")
def issue_card(inmate_id: int) -> Any:
    db = get_db()
    try:
        card, key = services.issue_card(
            db,
            staff_actor(),
            _inmate(inmate_id),
            card_number=request.form.get("card_number", "").strip() or None,
            policy=_policy(),
        )
    except ServiceError as error:
        flash(translated_refusal(error), "error")
        return _back(inmate_id)
    db.commit()
    return _show_key(card, key)


@bp.post("/cards/<int:card_id>/block")
def block_card(card_id: int) -> Any:
    card = _card(card_id)
    reason = request.form.get("reason", "").strip()
    if not reason:
        flash(_("Reason: say why the card is blocked."), "error")
        return _back(card.inmate_id)
    return perform(
        lambda db: services.block_card(db, staff_actor(), card, reason),
        _(
            "Card %(card_number)s is blocked.",
            card_number=card.card_number,
        ),
        _inmate_page(card.inmate_id),
        category="ok",
    )


@bp.post("/cards/<int:card_id>/replace")
def replace_card(card_id: int) -> Any:
    db = get_db()
    card = _card(card_id)
    reason = request.form.get("reason", "").strip() or "replaced"
    try:
        new_card, key = services.replace_card(db, staff_actor(), card, reason, policy=_policy())
    except ServiceError as error:
        flash(translated_refusal(error), "error")
        return _back(card.inmate_id)
    db.commit()
    return _show_key(new_card, key)


@bp.post("/inmates/<int:inmate_id>/pin")
def set_pin(inmate_id: int) -> Any:
    pin = request.form.get("pin", "")
    if pin != request.form.get("pin_again", ""):
        flash(_("The two PINs differ."), "error")
        return _back(inmate_id)
    return perform(
        lambda db: services.set_pin(db, staff_actor(), _inmate(inmate_id), pin, policy=_policy()),
        _("The PIN is set. Tell it to the inmate in private."),
        _inmate_page(inmate_id),
        category="ok",
    )


@bp.post("/inmates/<int:inmate_id>/unlock")
def unlock(inmate_id: int) -> Any:
    return perform(
        lambda db: services.unlock(db, staff_actor(), _inmate(inmate_id)),
        _("Sign-in is unlocked."),
        _inmate_page(inmate_id),
        category="ok",
    )


@bp.get("/sessions")
def sessions() -> Any:
    """Inmates signed in now, on which device, since when."""
    db = get_db()
    active = list(
        db.scalars(
            select(InmateSession)
            .join(InmateSession.inmate)
            .where(
                InmateSession.ended_at.is_(None),
                scope_of(db, staff_actor()).where(Inmate.prison_id),
            )
            .options(selectinload(InmateSession.inmate), selectinload(InmateSession.device))
            .order_by(InmateSession.started_at.desc())
            .limit(500)
        )
    )
    return render_template("signin/sessions.html", sessions=active)


@bp.post("/sessions/<int:session_id>/end")
def end_session(session_id: int) -> Any:
    session = get_db().get(InmateSession, session_id)
    if session is None:
        abort(404)
    _inmate(session.inmate_id)
    return perform(
        lambda db: services.end_session(db, staff_actor(), session, reason="ended by staff"),
        _(
            "%(full_name)s is signed out of %(name)s.",
            full_name=session.inmate.full_name,
            name=session.device.name,
        ),
        url_for("signin.sessions"),
        category="ok",
    )
