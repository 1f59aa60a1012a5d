"""What schemathesis needs to know about the tablet API, loaded by `st run` through
SCHEMATHESIS_HOOKS (see test_tablet_schemathesis.py, which sets the environment below).

- The inmate's access token comes from a real PIN sign-in, and again after any 401: the run
  signs out (DELETE /api/v1/session) like any other operation, and the next call signs in anew.
- One check beside schemathesis' own: a body the schema accepts is never refused as malformed.
  schemathesis' positive-data check counts every 422 as such a refusal, but a well-formed order
  the inmate cannot afford is refused by the shop's rules (422 `order-refused`), which no schema
  can say. So that check accepts 422, and this one fails any schema-valid request that is
  answered with the refusals of malformed input: 400 (not JSON, a wrong header), 415, or 422
  `invalid-input` (a field against the schema).
"""

from __future__ import annotations

import os
from typing import Any

import requests
import schemathesis

MALFORMED = {"bad-request", "invalid-input", "unsupported-media-type"}
# The operations that take only the device credential, or nothing.
WITHOUT_INMATE = r"/(session/(pin|face|refresh)|device|health|openapi\.json|problems/[^/]*)$"


@schemathesis.auth(retry_on=[401]).skip_for(path_regex=WITHOUT_INMATE)
class SignedInInmate:
    def get(self, case: Any, context: Any) -> str:
        answer = requests.post(
            f"{os.environ['TABLET_URL']}/api/v1/session/pin",
            json={
                "prison_number": os.environ["TABLET_PRISON_NUMBER"],
                "pin": os.environ["TABLET_PIN"],
            },
            headers={"X-Device-Credential": os.environ["TABLET_DEVICE"]},
            timeout=20,
        )
        answer.raise_for_status()
        return str(answer.json()["access_token"])

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


@schemathesis.check
def schema_valid_request_is_not_refused_as_malformed(
    ctx: Any, response: Any, case: Any
) -> bool | None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if response.status_code not in (400, 415, 422):
        return None
    try:
        code = response.json().get("code")
    except ValueError:
        code = None
    if response.status_code == 422 and code not in MALFORMED:
        return None  # refused by the prison's rules or state, not by the schema
    raise AssertionError(
        f"A request the schema accepts was refused as malformed: {response.status_code} "
        f"{code}: {response.text[:500]}"
    )
