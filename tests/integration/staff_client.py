"""The back office as a member of staff uses it in a browser: the Flask test client signed in
with a password, and each form posted with the CSRF token of the page it is on."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import TEST_PASSWORD

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def reads_english(client: FlaskClient) -> FlaskClient:
    """The client's browser asks for English (before signing in, the back office follows it),
    the language these tests' expectations are written in."""
    client.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")
    return client


def csrf_token(client: FlaskClient, path: str = "/sign-in") -> str:
    """The CSRF token of the form on the page at `path`."""
    reads_english(client)
    page = client.get(path).get_data(as_text=True)
    match = CSRF_FIELD.search(page)
    assert match, page
    return match.group(1)


def post_sign_in(client: FlaskClient, username: str, password: str = TEST_PASSWORD) -> TestResponse:
    """The answer to the sign-in form, filled in as written."""
    return client.post(
        "/sign-in",
        data={"username": username, "password": password, "csrf_token": csrf_token(client)},
    )


def sign_in(client: FlaskClient, username: str, password: str = TEST_PASSWORD) -> None:
    """Sign the member of staff in (the sign-in page redirects on success)."""
    response = post_sign_in(client, username, password)
    assert response.status_code == 302, username


def signed_in(app: Flask, username: str, password: str = TEST_PASSWORD) -> FlaskClient:
    """A new test client of `app` with the member of staff signed in."""
    client = app.test_client()
    sign_in(client, username, password)
    return client


def post_form(client: FlaskClient, path: str, form_page: str, **data: object) -> str:
    """Submit a form the way a browser does (with the page's CSRF token); the page after."""
    response = client.post(
        path, data={"csrf_token": csrf_token(client, form_page), **data}, follow_redirects=True
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)
