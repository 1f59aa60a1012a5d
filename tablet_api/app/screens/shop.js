// The shop: products with their photos (fetched only when scrolled into view), categories,
// search and diet/allergen tags; the cart, checked by the shop's rules as it fills (what is
// left of the balance and the limits, and every refusal naming its item); placing the order.
//
// An order is money: it is sent with an Idempotency-Key made when "place order" is pressed and
// kept on the tablet with the cart until the API has answered, so a retry after a lost
// connection (or a restart) can only ever return the same order.
import * as api from "../api.js";
import { day, draft, dropDraft, explain, fill, h, has, heading, keepDraft, money, notice, setCurrency, t } from "../ui.js";

let photos = null; // IntersectionObserver of this screen's pictures
const blobs = new Map(); // product id -> object URL, for this page's life

function cartName() {
  return `cart.${api.inmate().id}`;
}

function pendingName() {
  return `order.${api.inmate().id}`;
}

function tagLabel(tag) {
  return has(`tag.${tag}`) ? t(`tag.${tag}`) : tag;
}

export async function render(main) {
  const [catalogue, balance] = await Promise.all([api.get("/catalogue"), api.get("/balance")]);
  setCurrency(balance.currency);
  const products = new Map(catalogue.products.map((p) => [p.id, p]));
  const cart = new Map(Object.entries(draft(cartName()) || {}).map(([id, n]) => [Number(id), n]));
  for (const id of cart.keys()) if (!products.has(id)) cart.delete(id);
  const filter = { category: "", search: "", tags: new Set() };

  const list = h("ul", { class: "products", "aria-label": t("shop.title") });
  const cartBox = h("section", { class: "cart card", "aria-labelledby": "cart-title" });
  const search = h("input", { type: "search", id: "shop-search", autocomplete: "off" });
  search.addEventListener("input", () => {
    filter.search = search.value.trim().toLowerCase();
    showProducts();
  });

  const pressed = (button, on) => button.setAttribute("aria-pressed", String(on));
  const categoryButtons = [{ code: "", name: t("shop.all") }, ...catalogue.categories]
    .filter((c) => c.code === "" || catalogue.products.some((p) => p.category === c.code))
    .map((c) => {
      const button = h("button", { type: "button", class: "chip", "data-category": c.code }, c.name);
      pressed(button, c.code === "");
      button.addEventListener("click", () => {
        filter.category = c.code;
        categoryButtons.forEach((b) => pressed(b, b.dataset.category === c.code));
        showProducts();
      });
      return button;
    });
  const allTags = [...new Set(catalogue.products.flatMap((p) => p.tags))].sort();
  const tagButtons = allTags.map((tag) => {
    const button = h("button", { type: "button", class: "chip", "data-tag": tag }, tagLabel(tag));
    pressed(button, false);
    button.addEventListener("click", () => {
      if (filter.tags.has(tag)) filter.tags.delete(tag);
      else filter.tags.add(tag);
      pressed(button, filter.tags.has(tag));
      showProducts();
    });
    return button;
  });

  function showProducts() {
    if (photos) photos.disconnect();
    photos = new IntersectionObserver(loadPhotos, { rootMargin: "200px" });
    const shown = catalogue.products.filter(
      (p) =>
        (!filter.category || p.category === filter.category) &&
        (!filter.search || p.name.toLowerCase().includes(filter.search) || p.sku.toLowerCase().includes(filter.search)) &&
        [...filter.tags].every((tag) => p.tags.includes(tag)),
    );
    list.replaceChildren(...shown.map(productCard));
    if (!shown.length) list.append(h("li", { class: "empty" }, t("shop.nomatch")));
  }

  function productCard(product) {
    const picture = h("div", { class: "photo", "data-photo": product.photo ? product.id : "" });
    if (!product.photo) picture.append(h("span", {}, t("shop.nophoto")));
    else if (blobs.has(product.id)) picture.append(h("img", { src: blobs.get(product.id), alt: "" }));
    else photos.observe(picture);
    const quantity = cart.get(product.id) || 0;
    return h(
      "li",
      { class: "product card", "data-sku": product.sku },
      picture,
      h("h2", { class: "product-name" }, product.name),
      h("p", { class: "price" }, money(product.price_cents)),
      product.tags.length ? h("p", { class: "tags" }, product.tags.map(tagLabel).join(", ")) : null,
      product.in_stock
        ? h(
            "div",
            { class: "stepper" },
            h("button", { type: "button", "aria-label": t("shop.remove", { name: product.name }), disabled: quantity === 0, onclick: () => change(product.id, -1) }, "−"),
            h("output", { "aria-label": t("shop.quantity") }, String(quantity)),
            h("button", { type: "button", "aria-label": t("shop.add", { name: product.name }), onclick: () => change(product.id, 1) }, "+"),
          )
        : h("p", { class: "stock" }, t("shop.outofstock")),
    );
  }

  function change(id, by) {
    const next = Math.max(0, (cart.get(id) || 0) + by);
    if (next) cart.set(id, next);
    else cart.delete(id);
    keepDraft(cartName(), Object.fromEntries(cart));
    const card = list.querySelector(`[data-sku="${CSS.escape(products.get(id).sku)}"]`);
    if (card) card.replaceWith(productCard(products.get(id)));
    showCart();
  }

  let checkTimer = 0;
  let checked = null;

  function lines() {
    return [...cart.entries()].map(([product_id, quantity]) => ({ product_id, quantity }));
  }

  function showCart(result = null, message = null) {
    const pending = draft(pendingName());
    const rows = [...cart.entries()].map(([id, n]) =>
      h("li", {}, h("span", {}, `${products.get(id).name} × ${n}`), h("span", {}, money(products.get(id).price_cents * n))),
    );
    const consent = h("input", { type: "checkbox", id: "substitution" });
    const place = h("button", { type: "button", class: "primary", id: "place-order", disabled: !cart.size || (result && !result.ok) }, t("shop.place"));
    place.addEventListener("click", () => placeOrder({ lines: lines(), substitution_consent: consent.checked }));
    fill(cartBox,
      h("h2", { id: "cart-title" }, t("shop.cart")),
      pending ? pendingNotice(pending) : null,
      message,
      rows.length ? h("ul", { class: "cart-lines" }, rows) : h("p", {}, t("shop.empty")),
      result ? h("p", { class: "total" }, `${t("shop.total")}: ${money(result.total_cents)}`) : null,
      result && Object.keys(result.left_cents).length
        ? h(
            "dl",
            { class: "left", "aria-label": t("shop.left") },
            Object.entries(result.left_cents).map(([limit, cents]) =>
              h("div", { "data-left": limit }, h("dt", {}, has(`left.${limit}`) ? t(`left.${limit}`) : t("left.other")), h("dd", {}, money(cents))),
            ),
          )
        : null,
      result && result.violations.length
        ? h(
            "div",
            { class: "refusal", role: "alert" },
            h("p", {}, t("shop.refused")),
            h("ul", {}, result.violations.map((v) => h("li", {}, v.message))),
          )
        : null,
      cart.size ? h("div", { class: "check" }, consent, h("label", { for: "substitution" }, t("shop.substitution"))) : null,
      cart.size ? place : null,
    );
    if (!result && cart.size) {
      clearTimeout(checkTimer);
      checkTimer = setTimeout(check, 250);
    }
  }

  async function check() {
    const asked = JSON.stringify(lines());
    try {
      const result = await api.post("/cart/check", { lines: lines() });
      if (JSON.stringify(lines()) === asked) {
        checked = result;
        showCart(result);
      }
    } catch (error) {
      showCart(checked, notice(explain(error), "error"));
    }
  }

  function pendingNotice(pending) {
    const retry = h("button", { type: "button", class: "primary", id: "retry-order" }, t("retry"));
    retry.addEventListener("click", () => send(pending));
    return h("div", { class: "notice pending", role: "status" }, h("p", {}, t("shop.pending")), retry);
  }

  async function placeOrder(body) {
    // The key is made once, here, and kept with the cart until the API answers.
    const pending = { key: api.newKey(), body };
    keepDraft(pendingName(), pending);
    await send(pending);
  }

  async function send(pending) {
    const busy = cartBox.querySelectorAll("button");
    busy.forEach((b) => {
      b.disabled = true;
    });
    try {
      const order = await api.post("/orders", pending.body, { key: pending.key });
      dropDraft(pendingName());
      cart.clear();
      dropDraft(cartName());
      checked = null;
      showProducts();
      showCart(null, notice(t("shop.placed", { number: order.number, day: day(order.delivery_on) }), "success"));
    } catch (error) {
      if (!(error instanceof api.Offline) && error.status !== 401 && error.status !== 429 && error.status < 500) {
        dropDraft(pendingName()); // refused for good: a new press makes a new order and key
      }
      const refusal = error.problem && error.problem.violations ? error.problem : null;
      showCart(refusal ? { ...(checked || { total_cents: 0, left_cents: {} }), ok: false, violations: refusal.violations } : checked, notice(explain(error), "error"));
    }
  }

  main.replaceChildren(
    heading(t("shop.title")),
    h(
      "div",
      { class: "shop" },
      h(
        "div",
        { class: "catalogue" },
        h("div", { class: "field" }, h("label", { for: "shop-search" }, t("shop.search")), search),
        h("div", { class: "chips", role: "group", "aria-label": t("shop.categories") }, categoryButtons),
        tagButtons.length ? h("div", { class: "chips", role: "group", "aria-label": t("shop.tags") }, tagButtons) : null,
        list,
      ),
      cartBox,
    ),
  );
  showProducts();
  showCart();
}

async function loadPhotos(entries, observer) {
  for (const entry of entries) {
    if (!entry.isIntersecting) continue;
    const box = entry.target;
    observer.unobserve(box);
    const id = Number(box.dataset.photo);
    try {
      if (!blobs.has(id)) blobs.set(id, URL.createObjectURL(await api.get(`/products/${id}/photo`, { blob: true })));
      box.replaceChildren(h("img", { src: blobs.get(id), alt: "" }));
    } catch {
      box.replaceChildren(h("span", {}, t("shop.nophoto")));
    }
  }
}
