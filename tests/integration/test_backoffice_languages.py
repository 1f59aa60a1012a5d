"""The back office speaks each member of staff's language: every page reachable from its
navigation, read by the demo staff of each role in Estonian, Russian and English, carries no
words of the interface in another language. Before signing in the pages follow the browser's
Accept-Language; the switch in the header saves the choice on the member of staff."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.content.models import Item, Notice
from backoffice.people.models import Inmate, Wing
from backoffice.requests.models import Request
from backoffice.seed import DEMO_STAFF, demo_password, seed_demo
from backoffice.settings import Settings
from backoffice.shop.models import Order, Product
from backoffice.staff.models import StaffUser
from backoffice.web import create_app
from backoffice.web.access import ACCESS, ANY_STAFF, PUBLIC
from tests.integration.staff_client import CSRF_FIELD

LANGUAGES = ("et", "ru", "en")
# Words only the interface uses (no demo name, product or place has them), per language.
MARKERS = {
    "en": ["Save", "Cancel", "Approve", "Sign out", "Search", "Reason", "Status", "Back to",
           "Prison number", "Nothing", "Delivery", "Welcome"],
    "et": ["Salvesta", "Tühista", "Kinnita", "Logi välja", "Otsi", "Põhjus", "Olek", "Tagasi",
           "Kinnipeetav", "Kättetoimetamine", "Tere tulemast"],
    "ru": ["Сохранить", "Отменить", "Утвердить", "Выйти", "Причина", "Статус", "Назад",
           "Заключённый", "Доставка", "Добро пожаловать"],
}  # fmt: skip
# Pages whose own words are not in the catalogue yet (a feature's endpoint prefix, "people.").
NOT_YET: tuple[str, ...] = ()


@pytest.fixture
def app(settings: Settings, db: Session) -> Iterator[Flask]:
    seed_demo(db, min_password_length=12)
    db.commit()
    app = create_app(settings)
    yield app
    app.extensions["cellgate"]["engine"].dispose()


def visible_text(page: str) -> str:
    """What a reader sees of a page: no tags, attributes, scripts or styles (class names and
    form field names are English everywhere)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", page)


def foreign_words(page: str, language: str) -> list[str]:
    """Marker words of the other languages on a page in `language`."""
    text = visible_text(page)
    return [
        word
        for other in LANGUAGES
        if other != language
        for word in MARKERS[other]
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text)
    ]


def token(client: FlaskClient, path: str = "/") -> str:
    match = CSRF_FIELD.search(client.get(path).get_data(as_text=True))
    assert match
    return match.group(1)


def signed_in(app: Flask, username: str, client: FlaskClient | None = None) -> FlaskClient:
    client = client or app.test_client()
    response = client.post(
        "/sign-in",
        data={"username": username, "password": demo_password(username),
              "csrf_token": token(client, "/sign-in")},
    )  # fmt: skip
    assert response.status_code == 302, username
    return client


def choose(client: FlaskClient, language: str) -> None:
    """Press the language's button in the header."""
    switched = client.post(
        "/language", data={"language": language, "next": "/", "csrf_token": token(client)}
    )
    assert switched.status_code == 302


def signed_in_in(app: Flask, username: str, language: str) -> FlaskClient:
    """The demo member of staff signed in, with their language chosen by the header's switch."""
    client = signed_in(app, username)
    choose(client, language)
    return client


def library_of(officer: FlaskClient) -> None:
    """A draft in the library and an urgent notice, made on their pages as an officer does."""
    made = officer.post(
        "/content/items",
        data={"kind": "document", "language": "et", "title": "Päevakava", "min_age": "0",
              "csrf_token": token(officer, "/content/")},
    )  # fmt: skip
    assert made.status_code == 302 and "/content/items/" in made.headers["Location"]
    sent = officer.post(
        "/content/notices",
        data={"where": "prison:", "title_et": "Teade", "body_et": "Homme on saun.",
              "title_ru": "Объявление", "body_ru": "Завтра баня.",
              "title_en": "Notice", "body_en": "Sauna tomorrow.",
              "csrf_token": token(officer, "/content/notices")},
    )  # fmt: skip
    assert sent.status_code == 302


def pages_of(app: Flask, db: Session) -> dict[str, str]:
    """Each back-office page reachable from the navigation, by endpoint: the GET routes without
    arguments, and a few with the demo's own records."""
    inmate = db.scalars(select(Inmate).order_by(Inmate.id)).first()
    wing = db.scalars(select(Wing).order_by(Wing.id)).first()
    order = db.scalars(select(Order).order_by(Order.id)).first()
    product = db.scalars(select(Product).order_by(Product.id)).first()
    case = db.scalars(select(Request).order_by(Request.id)).first()
    admin = db.scalars(select(StaffUser).where(StaffUser.username == "admin")).one()
    item = db.scalars(select(Item).order_by(Item.id)).first()
    notice = db.scalars(select(Notice).order_by(Notice.id)).first()
    assert inmate and wing and order and product and case and item and notice
    day = order.delivery_on.isoformat()
    pages = {
        "staff.account": f"/staff/{admin.id}",
        "signin.inmate": f"/signin/inmates/{inmate.id}",
        "people.inmate": f"/people/inmates/{inmate.id}",
        "shop.inmate_view": f"/shop/inmates/{inmate.id}",
        "shop.order_view": f"/shop/orders/{order.id}",
        "shop.product_view": f"/shop/products/{product.id}",
        "shop.round_view": f"/shop/round/{order.wing_id}/{day}",
        "shop.pick_list": f"/shop/round/{order.wing_id}/{day}/pick-list",
        "shop.packing_slips": f"/shop/round/{order.wing_id}/{day}/slips",
        "shop.day": f"/shop/day/{day}",
        "requests.case": f"/requests/{case.id}",
        "content.item": f"/content/items/{item.id}",
        "content.notice": f"/content/notices/{notice.id}",
        "requests.print_case": f"/requests/{case.id}/print",
        "requests.department": f"/requests/department/{case.department_code}",
    }
    db.rollback()  # the pages' own writes (a sign-in) must not wait for this read
    for rule in app.url_map.iter_rules():
        if "GET" in (rule.methods or ()) and not rule.arguments:
            pages[rule.endpoint] = rule.rule
    return {
        endpoint: path
        for endpoint, path in pages.items()
        if not endpoint.startswith(NOT_YET)
        and ACCESS.get(endpoint) not in (None, PUBLIC)
        and not path.endswith((".csv", ".pdf", ".json"))
    }


def reader_of(endpoint: str) -> str:
    """A demo member of staff whose role opens the page."""
    allowed = ACCESS[endpoint]
    return next(
        username
        for username, _name, roles in DEMO_STAFF
        if allowed is ANY_STAFF or {r.value for r in roles} & allowed
    )


def test_every_staff_page_is_in_the_readers_language(app: Flask, db: Session) -> None:
    clients = {username: signed_in(app, username) for username, _name, _roles in DEMO_STAFF}
    library_of(clients["officer"])
    pages = pages_of(app, db)
    assert len(pages) > 50
    wrong: dict[tuple[str, str], list[str]] = {}
    for language in LANGUAGES:
        for client in clients.values():
            choose(client, language)
        for endpoint, path in sorted(pages.items()):
            response = clients[reader_of(endpoint)].get(path)
            assert response.status_code == 200, (endpoint, path, response.status_code)
            if response.mimetype != "text/html":
                continue
            page = response.get_data(as_text=True)
            assert f'<html lang="{language}">' in page, endpoint
            if found := foreign_words(page, language):
                wrong[(language, endpoint)] = found
        # Every role's home page too (its list of tasks differs per role).
        for username, client in clients.items():
            if found := foreign_words(client.get("/").get_data(as_text=True), language):
                wrong[(language, f"views.home as {username}")] = found
    assert wrong == {}


@pytest.mark.parametrize(
    ("accept", "language", "heading"),
    [
        ("et,en;q=0.5", "et", "Töötaja sisselogimine"),
        ("ru-RU,ru;q=0.9", "ru", "Вход для сотрудников"),
        ("en-GB,en;q=0.8", "en", "Staff sign-in"),
        ("", "et", "Töötaja sisselogimine"),
    ],
)
def test_the_sign_in_page_follows_the_browser(
    app: Flask, accept: str, language: str, heading: str
) -> None:
    client = app.test_client()
    page = client.get("/sign-in", headers={"Accept-Language": accept}).get_data(as_text=True)
    assert f'<html lang="{language}">' in page
    assert heading in page
    assert foreign_words(page, language) == []


def test_a_wrong_password_is_refused_in_the_browsers_language(app: Flask) -> None:
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
    response = client.post(
        "/sign-in",
        data={"username": "admin", "password": "not-the-password",
              "csrf_token": token(client, "/sign-in")},
    )  # fmt: skip
    assert response.status_code == 401
    assert "Неверное имя пользователя или пароль." in response.get_data(as_text=True)


def test_the_language_chosen_in_the_header_is_kept_on_the_member_of_staff(
    app: Flask, db: Session
) -> None:
    admin = db.scalars(select(StaffUser).where(StaffUser.username == "admin")).one()
    assert admin.language == "et"  # staff read Estonian unless they choose
    db.rollback()
    client = signed_in_in(app, "admin", "ru")
    assert "Добро пожаловать, Anu Admin" in client.get("/").get_data(as_text=True)
    db.expire_all()
    assert db.get(StaffUser, admin.id).language == "ru"  # type: ignore[union-attr]
    db.rollback()
    # The next sign-in, from a browser that asks for English, reads Russian again.
    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert "Staff sign-in" in other.get("/sign-in").get_data(as_text=True)
    other = signed_in(app, "admin", other)
    home = other.get("/").get_data(as_text=True)
    assert '<html lang="ru">' in home
    assert "Выйти" in home
    # A language the back office does not speak changes nothing.
    other.post("/language", data={"language": "fi", "next": "/", "csrf_token": token(other)})
    db.expire_all()
    assert db.get(StaffUser, admin.id).language == "ru"  # type: ignore[union-attr]


# Words of the accountant's PDFs, per language: their letterhead, headings and fields.
PDF_WORDS = {
    "en": ["Page 1 of", "Printed", "Opening balance", "Closing balance", "Period", "Currency",
           "Money movements", "Personal data"],
    "et": ["Lehekülg 1 /", "Prinditud", "Algsaldo", "Lõppsaldo", "Periood", "Valuuta",
           "Rahaliikumised", "Isikuandmed"],
    "ru": ["Страница 1 из", "Напечатано", "Начальный остаток", "Конечный остаток", "Период",
           "Валюта", "Движение средств", "Персональные данные"],
}  # fmt: skip


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_accountants_pdfs_are_in_the_readers_language(app: Flask, db: Session) -> None:
    number = db.scalars(select(Inmate.prison_number).order_by(Inmate.id)).first()
    db.rollback()
    accountant = signed_in(app, "accountant")
    for language in LANGUAGES:
        choose(accountant, language)
        statement = accountant.get(f"/accounts/statement?prison_number={number}&format=pdf")
        access = accountant.get(f"/accounts/subject-access?prison_number={number}&format=pdf")
        assert statement.mimetype == access.mimetype == "application/pdf"
        text = pdf_text(statement.data) + " " + pdf_text(access.data)
        missing = [word for word in PDF_WORDS[language] if word not in text]
        foreign = [
            word
            for other in LANGUAGES
            if other != language
            for word in PDF_WORDS[other]
            if word not in PDF_WORDS[language] and word in text
        ]
        assert (language, missing, foreign) == (language, [], [])
