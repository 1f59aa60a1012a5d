// Orders: each with its status and lines; cancel while the shop has not started, acknowledge a
// delivery on its day, report an item missing from a delivered order (a claim staff check).
import * as api from "../api.js";
import { actionButton, day, drafted, dropDraft, explain, field, h, heading, money, notice, t } from "../ui.js";

export async function render(main) {
  const list = h("ul", { class: "orders" });
  const more = h("button", { type: "button", class: "more" }, t("more"));
  const add = (page) => {
    list.append(...page.items.map((order) => orderCard(order)));
    more.hidden = !page.next_cursor;
    more.dataset.cursor = page.next_cursor || "";
  };
  more.addEventListener("click", async () => add(await api.get(`/orders?limit=10&cursor=${more.dataset.cursor}`)));
  const first = await api.get("/orders?limit=10");
  main.replaceChildren(heading(t("orders.title")), first.items.length ? list : h("p", {}, t("none")), more);
  add(first);
}

function orderCard(order) {
  const card = h("li", { class: "order card", "data-order": order.number });
  const redraw = (next) => card.replaceWith(orderCard(next));
  card.append(
    h("h2", {}, t("orders.number", { number: order.number })),
    h("p", { class: "status", "data-status": order.status }, t(`status.${order.status}`)),
    h("p", {}, t("orders.delivery", { day: day(order.delivery_on) })),
    h(
      "ul",
      { class: "lines" },
      order.lines.map((line) =>
        h(
          "li",
          {},
          h("span", {}, `${line.name} × ${line.quantity}`),
          line.packed_quantity !== null && line.packed_quantity !== line.quantity
            ? h("span", {}, t("orders.packed", { n: line.packed_quantity }))
            : null,
          h("span", {}, money(line.unit_price_cents * line.quantity)),
          order.status === "delivered" && (line.packed_quantity || 0) > line.refunded_quantity
            ? missingButton(order, line)
            : null,
        ),
      ),
    ),
    h(
      "p",
      {},
      order.status === "delivered"
        ? `${t("orders.charged")}: ${money(order.charged_cents)}`
        : `${t("orders.held")}: ${money(order.held_cents)}`,
    ),
  );
  if (order.can_cancel) {
    card.append(actionButton(t("orders.cancel", { number: order.number }), async () => redraw(await api.post(`/orders/${order.id}/cancel`))));
  }
  if (order.can_acknowledge) {
    card.append(
      actionButton(t("orders.ack", { number: order.number }), async () => redraw(await api.post(`/orders/${order.id}/acknowledge`)), { class: "primary" }),
    );
  }
  return card;
}

function missingButton(order, line) {
  const button = h("button", { type: "button", class: "small" }, t("orders.missing", { name: line.name }));
  button.addEventListener("click", () => button.replaceWith(missingForm(order, line)));
  return button;
}

function missingForm(order, line) {
  const name = `missing.${api.inmate().id}.${line.id}`;
  const reason = drafted(name, "reason", h("textarea", { rows: 3, maxlength: 1000, required: true }));
  const left = (line.packed_quantity || 0) - line.refunded_quantity;
  const quantity = h("input", { type: "number", min: 1, max: left, value: 1, inputmode: "numeric" });
  const status = h("p", { role: "status" });
  const form = h(
    "form",
    { class: "missing" },
    field(t("shop.quantity"), quantity),
    field(t("orders.reason"), reason, t("draft.kept")),
    h("button", { type: "submit", class: "primary" }, t("send")),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const claim = await api.post(`/orders/${order.id}/missing`, {
        line_id: line.id,
        quantity: Number(quantity.value),
        reason: reason.value.trim(),
      });
      dropDraft(name);
      form.replaceWith(notice(t("orders.claimed", { receipt: claim.receipt }), "success"));
    } catch (error) {
      status.textContent = explain(error);
    }
  });
  return form;
}
