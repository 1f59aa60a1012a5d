"""Items: the list and the review queue, a new item, its page (a version per language with its
file, subtitles and quiz; tags; who it is for; when; its parts) and each step of the review."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ...audit.models import AuditEvent
from ...errors import NotFound
from ...people.models import Language, LegalStatus
from ...surface import form_id, get_db, settings
from ...web.access import staff_actor
from ...web.formats import reader_zone
from ...web.handling import perform
from .. import services
from ..forms import moment, parse_quiz, quiz_text
from ..models import PARTS, TRANSITIONS, ContentCategory, Item, Kind, Level, Status
from .common import bp, now, prisons, visible

LIST_LIMIT = 200


@bp.get("/")
def index() -> Any:
    db = get_db()
    status = request.args.get("status", "")
    stmt = (
        select(Item)
        .where(Item.parent_id.is_(None), services.kept_for(db, staff_actor()))
        .options(selectinload(Item.versions))
        .order_by(Item.updated_at.desc())
        .limit(LIST_LIMIT)
    )
    if status in {s.value for s in Status}:
        stmt = stmt.where(Item.status == status)
    return render_template(
        "content/index.html",
        items=list(db.scalars(stmt)),
        status=status,
        statuses=[s.value for s in Status],
        kinds=[k.value for k in Kind if k != Kind.LESSON],
        levels=[lv.value for lv in Level],
        categories=list(db.scalars(select(ContentCategory).order_by(ContentCategory.code))),
    )


def _spec(parent_id: int | None = None) -> services.ItemSpec:
    form = request.form
    return services.ItemSpec(
        kind=form.get("kind", ""),
        category_id=form_id(form.get("category_id")) if form.get("category_id") else None,
        level=form.get("level") or None,
        min_age=form.get("min_age", 0, type=int) or 0,
        pass_percent=form.get("pass_percent", 100, type=int) or 100,
        parent_id=parent_id,
        texts=[
            services.VersionText(
                language=form.get("language", ""),
                title=form.get("title", ""),
                summary=form.get("summary", ""),
            )
        ],
    )


@bp.post("/items")
def create() -> Any:
    created: list[Item] = []

    def action(db: Session) -> str:
        created.append(services.create_item(db, staff_actor(), _spec(), now()))
        return _(
            "The draft is made: add its file, who it is for, and send it for review.",
        )

    response = perform(action, "", url_for("content.index"))
    if created:  # made: on to its page
        response.location = url_for("content.item", item_id=created[0].id)
    return response


@bp.post("/categories")
def category() -> Any:
    names = {lang.value: request.form.get(f"name_{lang.value}", "") for lang in Language}

    def action(db: Session) -> None:
        services.upsert_category(db, staff_actor(), request.form.get("code", ""), names)

    return perform(action, _("The category is saved."), url_for("content.index"))


def _item_or_404(item_id: int) -> Item:
    """The item, when a prison this member of staff works in keeps it."""
    try:
        return services.item_for(get_db(), staff_actor(), item_id)
    except NotFound:
        abort(404)


@bp.get("/items/<int:item_id>")
def item(item_id: int) -> Any:
    db = get_db()
    found = _item_or_404(item_id)
    top = services.top_of(db, found)
    ids = [str(found.id), *(str(p.id) for p in found.parts)]
    history = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.target_type == "content_item", AuditEvent.target_id.in_(ids))
        .order_by(AuditEvent.id.desc())
        .limit(100)
    )
    steps = [
        action
        for action, (sources, _to) in TRANSITIONS.items()
        if not action.endswith("_due") and action != "schedule" and Status(top.status) in sources
    ]
    return render_template(
        "content/item.html",
        item=found,
        top=top,
        steps=steps if found.parent_id is None else [],
        editable=top.status == Status.DRAFT,
        languages=[lang.value for lang in Language],
        versions={v.language: v for v in found.versions},
        quiz_text=quiz_text,
        part_kinds=sorted(PARTS.get(Kind(found.kind), ())),
        prisons=prisons(),
        legal_statuses=[s.value for s in LegalStatus],
        regime_levels=list(settings()["regime_levels"]),
        history=list(history),
        accepts=sorted(services.media_kinds_for(found)),
        max_upload_mb=settings()["content.max_upload_bytes"] >> 20,
    )


def _back(item_id: int) -> str:
    return url_for("content.item", item_id=item_id)


@bp.post("/items/<int:item_id>/versions")
def save_version(item_id: int) -> Any:
    _item_or_404(item_id)
    form = request.form

    def action(db: Session) -> None:
        text = services.VersionText(
            language=form.get("language", ""),
            title=form.get("title", ""),
            summary=form.get("summary", ""),
            body=form.get("body", ""),
            quiz=parse_quiz(form.get("quiz", "")),
        )
        services.save_version(db, staff_actor(), item_id, text, now=now())

    return perform(action, _("The text is saved."), _back(item_id))


@bp.post("/items/<int:item_id>/tags")
def tags(item_id: int) -> Any:
    _item_or_404(item_id)
    wanted = request.form.get("tags", "").split(",")

    def action(db: Session) -> None:
        services.set_tags(db, staff_actor(), item_id, wanted, now())

    return perform(action, _("The tags are saved."), _back(item_id))


@bp.post("/items/<int:item_id>/targets")
def targets(item_id: int) -> Any:
    _item_or_404(item_id)
    form = request.form
    legal_status = form.get("legal_status") or None
    regime_level = form.get("regime_level") or None
    chosen: list[services.TargetSpec] = []
    for value in form.getlist("where"):
        prison_part, _sep, wing_part = value.partition(":")
        if not prison_part.isdigit() or (wing_part and not wing_part.isdigit()):
            continue
        if not visible(int(prison_part)):
            abort(404)
        chosen.append(
            services.TargetSpec(
                prison_id=int(prison_part),
                wing_id=int(wing_part) if wing_part else None,
                legal_status=legal_status,
                regime_level=regime_level,
            )
        )

    def action(db: Session) -> None:
        services.set_targets(db, staff_actor(), item_id, chosen, now())

    return perform(action, _("Who it is for is saved."), _back(item_id))


@bp.post("/items/<int:item_id>/schedule")
def schedule(item_id: int) -> Any:
    _item_or_404(item_id)

    def action(db: Session) -> None:
        services.set_schedule(
            db,
            staff_actor(),
            item_id,
            moment(request.form.get("publish_at", ""), reader_zone()),
            moment(request.form.get("unpublish_at", ""), reader_zone()),
            now(),
        )

    return perform(action, _("The schedule is saved."), _back(item_id))


@bp.post("/items/<int:item_id>/parts")
def add_part(item_id: int) -> Any:
    _item_or_404(item_id)

    def action(db: Session) -> None:
        services.create_item(db, staff_actor(), _spec(parent_id=item_id), now())

    return perform(action, _("The part is added."), _back(item_id))


STEPS = frozenset({"submit", "approve", "return_to_draft", "unpublish", "reopen"})


@bp.post("/items/<int:item_id>/steps/<step>")
def move(item_id: int, step: str) -> Any:
    _item_or_404(item_id)
    if step not in STEPS:
        abort(404)

    def action(db: Session) -> str:
        moved = services.move(
            db, staff_actor(), item_id, step, now=now(), reason=request.form.get("reason", "")
        )
        return _(
            "It is now %(replace)s.",
            replace=moved.status.replace("_", " "),
        )

    return perform(action, "", _back(item_id), audited=services.SelfReview)
