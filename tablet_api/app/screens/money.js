// Money: the balances and the spendable account's movements, a page at a time.
import * as api from "../api.js";
import { h, heading, money, moment, setCurrency, t } from "../ui.js";

export async function render(main) {
  const [balance, first] = await Promise.all([api.get("/balance"), api.get("/transactions?limit=20")]);
  setCurrency(balance.currency);
  const row = (label, cents, key) => h("div", { class: "row", "data-balance": key }, h("dt", {}, label), h("dd", {}, money(cents)));
  const body = h("tbody");
  const more = h("button", { type: "button", class: "more" }, t("more"));
  const add = (page) => {
    for (const line of page.items) {
      body.append(
        h(
          "tr",
          {},
          h("td", {}, moment(line.at)),
          h("td", {}, line.label),
          h("td", { class: line.amount_cents < 0 ? "amount out" : "amount in" }, money(line.amount_cents)),
        ),
      );
    }
    more.hidden = !page.next_cursor;
    more.dataset.cursor = page.next_cursor || "";
  };
  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      add(await api.get(`/transactions?limit=20&cursor=${encodeURIComponent(more.dataset.cursor)}`));
    } finally {
      more.disabled = false;
    }
  });
  add(first);
  main.replaceChildren(
    heading(t("money.title")),
    h(
      "dl",
      { class: "balances card" },
      row(t("money.available"), balance.available_cents, "available"),
      row(t("money.spendable"), balance.spendable_cents, "spendable"),
      row(t("money.held"), balance.held_cents, "held"),
      row(t("money.release"), balance.release_fund_cents, "release"),
      row(t("money.debts"), balance.debts_set_aside_cents, "debts"),
    ),
    h("h2", {}, t("money.history")),
    first.items.length
      ? h(
          "table",
          { class: "transactions" },
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("money.date")), h("th", { scope: "col" }, t("money.what")), h("th", { scope: "col" }, t("money.amount")))),
          body,
        )
      : h("p", {}, t("none")),
    more,
  );
}
