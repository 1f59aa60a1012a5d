"""Which shop rules are in force, and the names a protocol file may use.

A protocol file is checked twice over. Its structure (kinds, fields, types) and the names it
gives for regime levels (settings) and legal statuses are checked whenever it is read, so a bad
file stops an app's start. The products, categories and tags it names are checked against the
catalogue wherever the database is at hand: `cellgate shop check-protocols`, `reload-protocols`
and `serve`. A typo is an error there, never a rule that silently matches nothing.

A reload records the checked file as a new row of `shop_protocol_versions`. On every shop call
each worker, on every host, reads the newest row's id (one row by primary key) and parses a
version once, when it first sees it; so a reload reaches them all on their next call, without a
restart, and nothing about it lives in one process only. Until a first reload, the file checked
at the app's start is in force.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit.services import Actor, record
from ..db import run_on_driver, utcnow
from ..people.models import LegalStatus
from ..settings import ROOT, Settings
from .models import Category, Product, ProtocolVersion
from .protocol_file import parse_protocol_text, read_protocol_text
from .protocol_text import line_of
from .protocols import (
    AgeRule,
    LevelRule,
    ProtocolError,
    Protocols,
    QuantityLimitRule,
    SpendingCapRule,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KnownNames:
    """What a rule may name. None: not checked here (the catalogue needs the database)."""

    levels: tuple[str, ...]
    statuses: tuple[str, ...]
    skus: frozenset[str] | None = None
    categories: frozenset[str] | None = None
    tags: frozenset[str] | None = None


@dataclass(frozen=True)
class ProtocolFile:
    source: str
    text: str
    protocols: Protocols

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def settings_names(settings: Settings) -> KnownNames:
    return KnownNames(
        levels=tuple(settings["regime_levels"]),
        statuses=tuple(status.value for status in LegalStatus),
    )


def catalogue_names(db: Session, settings: Settings) -> KnownNames:
    """The settings' names and the catalogue's (products on sale or not: a rule about a product
    taken off sale for a while is still meant)."""
    tags: set[str] = set()
    for product_tags in db.scalars(select(Product.tags)):
        tags.update(product_tags or ())
    names = settings_names(settings)
    return KnownNames(
        levels=names.levels,
        statuses=names.statuses,
        skus=frozenset(db.scalars(select(Product.sku))),
        categories=frozenset(db.scalars(select(Category.code))),
        tags=frozenset(tags),
    )


def read_file(path: Path, known: KnownNames) -> ProtocolFile:
    return from_text(read_protocol_text(path), str(path), known)


def from_text(text: str, source: str, known: KnownNames) -> ProtocolFile:
    """The file's rules, or a ProtocolError naming every unknown name with its line."""
    protocols = parse_protocol_text(text, source)
    problems = unknown_names(protocols, text, source, known)
    if problems:
        raise ProtocolError(*problems)
    return ProtocolFile(source=source, text=text, protocols=protocols)


def configured_path(settings: Settings) -> Path:
    return ROOT / str(settings["shop.protocols_file"])


def start_file(settings: Settings) -> ProtocolFile:
    """The file named in the settings, checked as an app's start checks it (no database)."""
    return read_file(configured_path(settings), settings_names(settings))


def unknown_names(protocols: Protocols, text: str, source: str, known: KnownNames) -> list[str]:
    """Every name the rules use that does not exist, each with its line and a close name."""
    problems: list[str] = []

    def check(
        index: int,
        rule_id: str,
        key: str,
        names: Iterable[str],
        existing: Collection[str] | None,
        reason: str,
    ) -> None:
        if existing is None:
            return
        for name in sorted(names):
            if name in existing:
                continue
            line = line_of(text, index, key, name)
            place = f"{source}:{line}" if line else source
            close = difflib.get_close_matches(name, list(existing), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(
                f"{place}: rule {rule_id!r}: field {key!r}: {name!r} {reason}, "
                f"so the rule would never apply{hint}"
            )

    levels = f"is not a regime level (regime_levels: {', '.join(known.levels)})"
    statuses = f"is not a legal status ({', '.join(known.statuses)})"
    for index, rule in enumerate(protocols.rules):
        if isinstance(rule, QuantityLimitRule):
            if rule.scope == "product":
                check(
                    index, rule.id, "product", [rule.target], known.skus, "is the SKU of no product"
                )
            else:
                existing = known.categories
                check(
                    index,
                    rule.id,
                    "category",
                    [rule.target],
                    existing,
                    "is not a category of the catalogue",
                )
        elif isinstance(rule, SpendingCapRule):
            check(index, rule.id, "by_level", rule.by_level, known.levels, levels)
            check(index, rule.id, "by_status", rule.by_status, known.statuses, statuses)
        elif isinstance(rule, AgeRule | LevelRule):
            check(index, rule.id, "tags", rule.tags, known.tags, "is a tag of no product")
            if isinstance(rule, LevelRule):
                check(index, rule.id, "levels", rule.levels, known.levels, levels)
    return problems


# --- the version in force -------------------------------------------------------------------


def in_force(db: Session) -> ProtocolVersion | None:
    """The newest version a reload recorded; None before the first reload."""
    return db.scalar(select(ProtocolVersion).order_by(ProtocolVersion.id.desc()).limit(1))


def put_in_force(db: Session, actor: Actor, file: ProtocolFile) -> tuple[ProtocolVersion, bool]:
    """Record a checked file as the rules in force; the same content again records nothing.
    Returns the version and whether it is new."""
    current = in_force(db)
    if current is not None and current.sha256 == file.sha256:
        return current, False
    version = ProtocolVersion(
        sha256=file.sha256, content=file.text, source=file.source, loaded_by=actor.name
    )
    db.add(version)
    db.flush()
    record(
        db,
        actor,
        "shop.protocols_in_force",
        target_type="protocol_version",
        target_id=version.id,
        sha256=file.sha256,
        source=file.source,
        rules=[rule.id for rule in file.protocols.rules],
        replaces=None if current is None else current.id,
    )
    return version, True


@dataclass(frozen=True)
class RulesInForce:
    source: str
    sha256: str
    loaded_at: datetime
    loaded_by: str
    content: str
    protocols: Protocols
    # Empty, or what is wrong: the configured file now says something else.
    configured_file: str = ""


# Every shop call's one read: one statement object, so the driver's fast path compiles it once.
# (max of the key: read from the end of its index, and no LIMIT parameter to bind.)
_NEWEST_ID = select(func.max(ProtocolVersion.id))


class RuleBook:
    """The rules one app applies: the version in force, or the file checked at start.

    `current` costs one primary-key read per call; a version is parsed once per process, on
    the first call that sees it. What is kept here is only a copy of what the database says,
    so another worker or host never misses a reload.
    """

    def __init__(self, start: ProtocolFile, known: KnownNames) -> None:
        self.start = start
        self.known = known
        self.started_at = utcnow()
        self._seen: tuple[int, Protocols] | None = None

    @classmethod
    def at_start(cls, settings: Settings) -> RuleBook:
        """Read and check the configured file; a bad one raises ProtocolError (no start)."""
        return cls(start_file(settings), settings_names(settings))

    def current(self, db: Session) -> Protocols:
        version_id = run_on_driver(db, _NEWEST_ID, {})[0][0]
        if version_id is None:
            return self.start.protocols
        if self._seen is None or self._seen[0] != version_id:
            self._seen = (version_id, self._parse(db, version_id))
        return self._seen[1]

    def shown(self, db: Session) -> RulesInForce:
        """The rules in force with their source, for staff to read."""
        version = in_force(db)
        if version is None:
            start = self.start
            source, sha256, content = start.source, start.sha256, start.text
            loaded_at, loaded_by = self.started_at, "this app, at its start (nothing reloaded yet)"
        else:
            source, sha256, content = version.source, version.sha256, version.content
            loaded_at = version.loaded_at
            loaded_by = (
                f"{version.loaded_by} (cellgate shop reload-protocols, version {version.id})"
            )
        return RulesInForce(
            source,
            sha256,
            loaded_at,
            loaded_by,
            content,
            self.current(db),
            self._configured_file_against(sha256),
        )

    def _configured_file_against(self, sha256: str) -> str:
        """Whether the configured file still says what is in force: an edit not reloaded."""
        try:
            text = read_protocol_text(Path(self.start.source))
        except ProtocolError as error:
            return str(error)
        if hashlib.sha256(text.encode("utf-8")).hexdigest() == sha256:
            return ""
        return (
            f"{self.start.source} now says something else: it is not in force until "
            "cellgate shop reload-protocols checks it and puts it in force"
        )

    def _parse(self, db: Session, version_id: int) -> Protocols:
        version = db.get_one(ProtocolVersion, version_id)
        try:
            return from_text(version.content, version.source, self.known).protocols
        except ProtocolError as error:
            # Checked when it was recorded: only a change of code or settings since can break
            # it. The shop keeps working on the file checked at this start, and says so.
            log.error(
                "shop rules: version %s no longer loads (%s); using %s",
                version_id,
                error,
                self.start.source,
            )
            return self.start.protocols
