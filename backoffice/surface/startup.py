"""What every app loads once at its start and keeps: the shop's protocols, the rules of
requests and of visits, the tablet sessions' lifetimes, and the face matcher that
`signin.face_matcher` chooses (the real one or the fake). `init_common` makes it, so a bad
protocols or request types file stops the start with its line; views read it with
`equipment()`; a test puts its own matcher on it."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from ..requests import services as requests
from ..settings import Settings
from ..shop.protocol_versions import RuleBook
from ..signin import services as signin
from ..signin.services import tablet_sessions
from ..visits import services as visits


@dataclass
class Equipment:
    shop_rules: RuleBook
    request_rules: requests.Rules
    visit_rules: visits.VisitRules
    tablet_lifetimes: tablet_sessions.Lifetimes
    face_matcher_kind: str
    face_upsample: int
    _face_matcher: signin.FaceMatcher | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def at_start(cls, settings: Settings) -> Equipment:
        return cls(
            shop_rules=RuleBook.at_start(settings),
            request_rules=requests.rules_from_settings(settings),
            visit_rules=visits.VisitRules.from_settings(settings),
            tablet_lifetimes=tablet_sessions.Lifetimes.from_settings(settings),
            face_matcher_kind=settings["signin.face_matcher"],
            face_upsample=settings["signin.face_upsample"],
        )

    @property
    def face_matcher(self) -> signin.FaceMatcher:
        # Made at its first use, once per worker: loading dlib's models takes a second or two
        # and 100 MB, which only the workers that match faces need to pay.
        if self._face_matcher is None:
            with self._lock:
                if self._face_matcher is None:
                    self._face_matcher = signin.face_matcher(
                        self.face_matcher_kind, self.face_upsample
                    )
        return self._face_matcher

    @face_matcher.setter
    def face_matcher(self, matcher: signin.FaceMatcher) -> None:
        self._face_matcher = matcher
