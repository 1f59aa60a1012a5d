"""The family's pages, one module per group on the one blueprint `bp` ("family"): `site` (what
they share, the start page and the language), `invitations` (the invitation link) and
`messages`. Each page speaks the visitor's language and goes by the app's clock."""

from . import invitations, messages, site
from .site import bp, page

__all__ = ["bp", "invitations", "messages", "page", "site"]
