"""What the protocols say to an inmate, in Estonian, Russian and English.

Each message is a format string over the violation's numbers; amounts are cents and are shown
in the inmate's language's style by `money`.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..money.amounts import money

LANGUAGES = ("et", "ru", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "insufficient_balance": {
        "et": "Rahast ei piisa: tellimus maksab {total}, saad kasutada {available}.",
        "ru": "Недостаточно денег: заказ стоит {total}, доступно {available}.",
        "en": "Not enough money: the order costs {total}, you can spend {available}.",
    },
    "spending_cap": {
        "et": "Ostulimiit ({period}) on {cap}: oled kasutanud {spent}, alles on {left}.",
        "ru": "Лимит покупок ({period}) {cap}: потрачено {spent}, осталось {left}.",
        "en": "Your shop limit ({period}) is {cap}: you have used {spent}, {left} is left.",
    },
    "quantity_limit": {
        "et": "„{item}“: lubatud kuni {max} ({period}); oled juba tellinud {already}.",
        "ru": "«{item}»: можно не больше {max} ({period}); уже заказано {already}.",
        "en": "“{item}”: at most {max} allowed ({period}); you have already ordered {already}.",
    },
    "restricted_for_you": {
        "et": "„{item}“ ei ole sulle lubatud ({tag}).",
        "ru": "«{item}» вам не разрешён ({tag}).",
        "en": "“{item}” is not allowed for you ({tag}).",
    },
    "age_restricted": {
        "et": "„{item}“ on lubatud alates {min_age}. eluaastast.",
        "ru": "«{item}» разрешён только с {min_age} лет.",
        "en": "“{item}” is only allowed from the age of {min_age}.",
    },
    "level_restricted": {
        "et": "„{item}“ on lubatud ainult tasemel: {levels}.",
        "ru": "«{item}» разрешён только на уровне: {levels}.",
        "en": "“{item}” is only allowed at level: {levels}.",
    },
    "shop_ban": {
        "et": "Sul on poekeeld kuni {ends_on} ({reason}).",
        "ru": "У вас запрет на магазин до {ends_on} ({reason}).",
        "en": "You are banned from the shop until {ends_on} ({reason}).",
    },
    "too_many_items": {
        "et": "Ühes tellimuses võib olla kuni {max} toodet; sinu tellimuses on {count}.",
        "ru": "В одном заказе не больше {max} товаров; у вас {count}.",
        "en": "One order may have at most {max} items; yours has {count}.",
    },
    "order_too_large": {
        "et": "Ühe tellimuse summa võib olla kuni {max}; sinu tellimus on {total}.",
        "ru": "Сумма одного заказа не больше {max}; ваш заказ {total}.",
        "en": "One order may cost at most {max}; yours costs {total}.",
    },
    "ordering_closed": {
        "et": "Tellimise aeg on läbi. Järgmine tellimisaeg algab {opens}.",
        "ru": "Время заказа закончилось. Следующее начнётся {opens}.",
        "en": "Ordering is closed now. The next ordering period starts {opens}.",
    },
    "unavailable": {
        "et": "„{item}“ ei ole praegu saadaval.",
        "ru": "«{item}» сейчас нет в наличии.",
        "en": "“{item}” is not available now.",
    },
    "not_enough_stock": {
        "et": "„{item}“: laos on ainult {stock}.",
        "ru": "«{item}»: на складе только {stock}.",
        "en": "“{item}”: only {stock} in stock.",
    },
    "bad_quantity": {
        "et": "„{item}“: kogus peab olema 1 kuni {max}.",
        "ru": "«{item}»: количество от 1 до {max}.",
        "en": "“{item}”: the quantity must be from 1 to {max}.",
    },
    "empty_order": {
        "et": "Ostukorv on tühi.",
        "ru": "Корзина пуста.",
        "en": "The cart is empty.",
    },
    "stock_changed": {
        "et": "Poe laoseis muutus tellimise ajal: kontrolli ostukorvi ja esita tellimus uuesti.",
        "ru": "Остатки в магазине изменились во время заказа: проверьте корзину и закажите снова.",
        "en": "The shop's stock changed while you ordered: check the cart and order again.",
    },
    # Packing: what the shop staff are told when a substitute is refused. {reason} is the
    # rule's own message, as the inmate would have been told it.
    "substitute_refused": {
        "et": "„{item}“ ei saa selle kinnipeetava jaoks asendada toodet „{original}“. "
        "Reegel ütleb: {reason}",
        "ru": "«{item}» не может заменить «{original}» для этого заключённого. Правило: {reason}",
        "en": "“{item}” cannot replace “{original}” for this inmate. The rule says: {reason}",
    },
    "substitutes_refused": {
        "et": "Asenduskaubad rikuvad selle kinnipeetava poereeglit. Reegel ütleb: {reason}",
        "ru": "Замены нарушают правило магазина для этого заключённого. Правило: {reason}",
        "en": "The substitutes break a shop rule for this inmate. The rule says: {reason}",
    },
    "substitutes_over_hold": {
        "et": "Asenduskaupadega maksaks tellimus {total}, rohkem kui selle jaoks kinni hoitud "
        "{held}: vali odavam asendus või paki vähem.",
        "ru": "С заменами заказ стоил бы {total}, больше удержанных на него {held}: "
        "выберите замену дешевле или упакуйте меньше.",
        "en": "With the substitutes the order would cost {total}, more than the {held} held "
        "for it: choose a cheaper substitute or pack less.",
    },
}

PERIODS = {
    "order": {"et": "ühes tellimuses", "ru": "в одном заказе", "en": "per order"},
    "day": {"et": "päevas", "ru": "в день", "en": "per day"},
    "week": {"et": "nädalas", "ru": "в неделю", "en": "per week"},
    "month": {"et": "kuus", "ru": "в месяц", "en": "per month"},
}


def render(code: str, language: str, params: Mapping[str, object]) -> str:
    language = language if language in LANGUAGES else "en"
    shown = {}
    for key, value in params.items():
        if key.endswith("_cents") and isinstance(value, int):
            shown[key.removesuffix("_cents")] = money(value, language)
        elif key == "period" and isinstance(value, str) and value in PERIODS:
            shown[key] = PERIODS[value][language]
        elif isinstance(value, Mapping):
            shown[key] = value.get(language) or value.get("en") or ""
        else:
            shown[key] = value
    return MESSAGES[code][language].format(**shown)
