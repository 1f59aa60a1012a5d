"""A service's refusal that names values is said in each reader's language, its values filled
in the reader's way; its English message stays as logs, audit rows and tests read it."""

from __future__ import annotations

from datetime import date

from backoffice.errors import Cents, Conflict, InvalidInput, Phrase
from backoffice.shop.models import OrderStatus
from backoffice.states import check_move
from backoffice.surface.i18n import TRANSLATIONS, load_catalogues
from backoffice.surface.refusals import say
from backoffice.words import word

CATALOGUES = load_catalogues(TRANSLATIONS)
ZONE = "Europe/Tallinn"


def said(error: Exception, language: str) -> str:
    catalogue = CATALOGUES.get(language)
    return say(error, language, catalogue.gettext if catalogue else str, ZONE)


def test_a_refusal_with_values_is_said_in_each_language() -> None:
    refused = Conflict(
        "Order %(number)s is %(status)s; it cannot be packed.",
        number="S000042",
        status=word(OrderStatus.PICKING),
    )
    assert refused.message == "Order S000042 is picking; it cannot be packed."
    assert str(refused) == refused.message
    assert said(refused, "en") == "Order S000042 is picking; it cannot be packed."
    assert said(refused, "et") == "Tellimuse S000042 olek on „pakkimisel“: seda ei saa pakkida."
    assert said(refused, "ru") == "Заказ S000042 в статусе «собирается»: его нельзя упаковать."


def test_amounts_days_and_names_are_shown_the_readers_way() -> None:
    paid = Conflict(
        "%(paid)s has been paid towards debt %(debt)s already", paid=Cents(125_050), debt=7
    )
    assert paid.message == "1250.50 has been paid towards debt 7 already"
    assert said(paid, "en") == "€1,250.50 has been paid towards debt 7 already"
    assert said(paid, "et") == "Võla 7 katteks on juba makstud 1 250,50 €"
    assert said(paid, "ru") == "В счёт долга 7 уже выплачено 1 250,50 €"
    no_calls = Conflict("There are no calls on %(day)s.", day=date(2026, 12, 3))
    assert no_calls.message == "There are no calls on 2026-12-03."
    assert said(no_calls, "et") == "3. dets 2026 kõnesid ei ole."
    tea = {"et": "Tee", "ru": "Чай", "en": "Tea"}
    short = InvalidInput("%(product)s: pack between 0 and %(most)s.", product=tea, most=2)
    assert short.message == "Tea: pack between 0 and 2."
    assert said(short, "ru") == "Чай: упакуйте от 0 до 2."


def test_a_status_move_names_its_record_in_the_readers_language() -> None:
    try:
        check_move(
            {OrderStatus.PACKED: ()},
            OrderStatus.PACKED,
            OrderStatus.PLACED,
            Phrase("Order %(number)s", number="S7"),
        )
    except Conflict as refused:
        assert refused.message == "Order S7 is packed; it cannot become placed."
        assert said(refused, "et") == (
            "Tellimus S7: olekust „pakitud“ ei saa minna olekusse „esitatud“."
        )
    else:
        raise AssertionError("the move was allowed")


def test_a_refusal_without_values_is_never_formatted_and_details_stay_details() -> None:
    plain = Conflict("50% off is not a price.", field="price")
    assert plain.message == "50% off is not a price."
    assert said(plain, "ru") == "50% off is not a price."  # not in the catalogue: as written
    assert plain.values == {} and plain.details == {"field": "price"}
    tags = InvalidInput("At most %(most)s tags.", field="tags", most=12)
    assert tags.values == {"most": 12}
    assert tags.details == {"field": "tags", "most": 12}
    assert said(tags, "et") == "Märgiseid võib olla kuni 12."


def test_a_translation_that_does_not_fit_its_values_is_said_in_english() -> None:
    refused = Conflict("Wing %(wing)s is closed.", wing="B")
    assert say(refused, "et", lambda _: "Osakond %(tiib)s on suletud.", ZONE) == (
        "Wing B is closed."
    )


def test_a_refusal_inside_a_refusal_is_said_too() -> None:
    inner = Conflict("Wing %(wing)s is closed.", wing="B")
    outer = InvalidInput("Photo %(n)s: %(reason)s", n=2, reason=inner)
    assert outer.message == "Photo 2: Wing B is closed."
    assert said(outer, "ru") == "Фото 2: Отделение B закрыто."
