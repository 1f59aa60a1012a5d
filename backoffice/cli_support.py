"""What every feature's command shares: its settings, checked first, and one database session
whose engine is closed however the command ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.orm import Session

from .db import make_engine, make_session_factory
from .settings import Settings, SettingsError, load_settings


def command_settings() -> Settings:
    """The settings; a bad one ends the command with one line (`bad setting: ...`)."""
    try:
        return load_settings()
    except SettingsError as error:
        raise click.ClickException(f"bad setting: {error}") from None


@contextmanager
def command_session(settings: Settings) -> Iterator[Session]:
    """One session for the command; the engine is closed however the command ends."""
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as db:
            yield db
    finally:
        engine.dispose()
