// What every screen shares: the words in the chosen language, building elements (text only
// through textContent, never markup), money and dates, drafts kept on the tablet, and the
// "no connection" state.
import strings from "./strings.json" with { type: "json" };
import { Offline, Refused } from "./api.js";

export const LANGUAGES = ["et", "ru", "en"];
const NAMES = { et: "Eesti", ru: "Русский", en: "English" };
let current = "et";
let currency = "EUR";

export function language() {
  return current;
}

export function setLanguage(code) {
  current = LANGUAGES.includes(code) ? code : "et";
  document.documentElement.lang = current;
  document.title = t("app.title");
}

export function languageName(code) {
  return NAMES[code];
}

export function t(key, params = {}) {
  const text = strings[current][key] ?? strings.en[key] ?? key;
  return text.replace(/%\((\w+)\)s/g, (_, name) => String(params[name] ?? ""));
}

export function has(key) {
  return key in strings[current];
}

// h("button", {class: "big", onclick: f}, "text", child, ...)
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

// Replace an element's children, leaving out the ones a condition made null.
export function fill(element, ...children) {
  element.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return element;
}

export function setCurrency(code) {
  currency = code;
}

export function money(cents) {
  return new Intl.NumberFormat(current, { style: "currency", currency }).format(cents / 100);
}

export function day(iso) {
  const [y, m, d] = iso.slice(0, 10).split("-").map(Number);
  return new Intl.DateTimeFormat(current, { weekday: "long", day: "numeric", month: "long" }).format(
    new Date(y, m - 1, d),
  );
}

export function moment(iso) {
  return new Intl.DateTimeFormat(current, {
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
  }).format(new Date(iso));
}

export function time(iso) {
  return new Intl.DateTimeFormat(current, { hour: "2-digit", minute: "2-digit" }).format(
    new Date(iso),
  );
}

// --- drafts: typed text stays on the tablet until it is sent --------------------------------

function draftKey(name) {
  return `cellgate.draft.${name}`;
}

export function draft(name) {
  return JSON.parse(localStorage.getItem(draftKey(name)) || "null");
}

export function keepDraft(name, value) {
  localStorage.setItem(draftKey(name), JSON.stringify(value));
}

export function dropDraft(name) {
  localStorage.removeItem(draftKey(name));
}

// A text box whose text is kept in the draft `name` under `field` as it is typed.
export function drafted(name, field, element) {
  const kept = draft(name) || {};
  if (kept[field] !== undefined) element.value = kept[field];
  element.addEventListener("input", () => {
    const now = draft(name) || {};
    now[field] = element.value;
    keepDraft(name, now);
  });
  return element;
}

// --- the connection and refusals -------------------------------------------------------------

export function showOffline(on) {
  document.getElementById("offline").hidden = !on;
}

// What went wrong, as the inmate reads it: no connection, or the API's own words.
export function explain(error) {
  if (error instanceof Offline) {
    showOffline(true);
    return t("offline");
  }
  if (error instanceof Refused) return error.message;
  console.error(error);
  return t("error");
}

export function notice(text, kind = "info") {
  return h("p", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}

export function field(label, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2)}`;
  control.id = id;
  const children = [h("label", { for: id }, label)];
  if (hint) {
    const hintId = `${id}-hint`;
    control.setAttribute("aria-describedby", hintId);
    children.push(h("p", { class: "hint", id: hintId }, hint));
  }
  return h("div", { class: "field" }, ...children, control);
}

export function heading(text) {
  return h("h1", { id: "screen-title", tabindex: "-1" }, text);
}

// A button that runs `action`, shows what went wrong next to itself, and cannot be pressed
// twice while it runs.
export function actionButton(label, action, attrs = {}) {
  const status = h("span", { class: "action-status", role: "status" });
  const button = h("button", { type: "button", ...attrs }, label);
  button.addEventListener("click", async () => {
    button.disabled = true;
    status.textContent = "";
    try {
      await action();
    } catch (error) {
      status.textContent = explain(error);
    } finally {
      button.disabled = false;
    }
  });
  return h("span", { class: "action" }, button, status);
}
