// Notifications: orders packed, requests answered, calls about to start. What was shown once
// is no longer counted as unread on the home screen (kept per inmate on this tablet).
import * as api from "../api.js";
import { h, heading, moment, t } from "../ui.js";

function seenKey() {
  return `cellgate.seen.${api.inmate().id}`;
}

export function unreadCount(items) {
  const seen = localStorage.getItem(seenKey()) || "";
  return items.filter((item) => item.at > seen).length;
}

const LINKS = { order_packed: "orders", request_answered: "requests", call_starting: "calls" };

export async function render(main) {
  const { items } = await api.get("/notifications");
  const seen = localStorage.getItem(seenKey()) || "";
  main.replaceChildren(
    heading(t("notifications.title")),
    items.length
      ? h(
          "ul",
          { class: "list" },
          items.map((item) =>
            h(
              "li",
              { class: item.at > seen ? "unread" : "" },
              h(
                "a",
                { href: `#/${LINKS[item.kind] || "home"}${item.request_id ? `/${item.request_id}` : ""}` },
                item.at > seen ? h("span", { class: "badge" }, t("notifications.new")) : null,
                h("span", {}, item.text),
                h("small", {}, moment(item.at)),
              ),
            ),
          ),
        )
      : h("p", {}, t("none")),
  );
  if (items.length) localStorage.setItem(seenKey(), items[0].at);
}
