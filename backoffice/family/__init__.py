"""The family's public surface: the pages a contact opens from their invitation (the call's
time, joining inside the join window) and their messages with the inmate, in Estonian, Russian
and English, served by its own app (`cellgate serve family`), never by the staff back office."""

from .app import create_app

__all__ = ["create_app"]
