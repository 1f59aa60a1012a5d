// Home: what the inmate looks for first, each a way into its screen.
import * as api from "../api.js";
import { day, h, heading, money, moment, setCurrency, t } from "../ui.js";
import { unreadCount } from "./notifications.js";

const OPEN_ORDERS = ["placed", "picking", "packed"];

export async function render(main) {
  const [balance, orders, bookings, notes] = await Promise.all([
    api.get("/balance"),
    api.get("/orders?limit=20"),
    api.get("/bookings?limit=20"),
    api.get("/notifications"),
  ]);
  setCurrency(balance.currency);
  const open = orders.items.filter((o) => OPEN_ORDERS.includes(o.status));
  open.sort((a, b) => a.delivery_on.localeCompare(b.delivery_on));
  const now = Date.now();
  const calls = bookings.items.filter(
    (b) => b.status === "confirmed" && new Date(b.ends_at).getTime() > now,
  );
  calls.sort((a, b) => a.starts_at.localeCompare(b.starts_at));
  const unread = unreadCount(notes.items);
  const tile = (screen, label, value) =>
    h("a", { class: "tile", href: `#/${screen}`, "data-tile": screen }, h("span", { class: "label" }, label), h("strong", {}, value));
  main.replaceChildren(
    heading(t("home.title")),
    h(
      "div",
      { class: "tiles" },
      tile("money", t("home.balance"), money(balance.available_cents)),
      tile(
        "orders",
        t("home.delivery"),
        open.length ? `${t("orders.number", { number: open[0].number })}: ${day(open[0].delivery_on)}` : t("home.nodelivery"),
      ),
      tile(
        "calls",
        t("home.call"),
        calls.length ? `${calls[0].contact_name}: ${moment(calls[0].starts_at)}` : t("home.nocall"),
      ),
      tile("notifications", t("home.unread"), String(unread)),
    ),
  );
}
