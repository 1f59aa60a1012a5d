// The app's frame: the menu, the language picker, the screens by address (#/shop, ...), the
// idle sign-out with its countdown, and the service worker that keeps the shell on the tablet.
import * as api from "./api.js";
import { LANGUAGES, fill, h, language, languageName, notice, setLanguage, showOffline, t } from "./ui.js";
import * as signin from "./screens/signin.js";
import * as home from "./screens/home.js";
import * as money from "./screens/money.js";
import * as shop from "./screens/shop.js";
import * as orders from "./screens/orders.js";
import * as requests from "./screens/requests.js";
import * as calls from "./screens/calls.js";
import * as messages from "./screens/messages.js";
import * as notifications from "./screens/notifications.js";
import { startIdle, stopIdle } from "./idle.js";

const SCREENS = { home, money, shop, orders, requests, messages, calls, notifications };
const MENU = ["home", "money", "shop", "orders", "requests", "messages", "calls", "notifications"];
const CHOSEN = "cellgate.language";

const main = document.getElementById("main");
let farewell = "";

function route() {
  const [name = "home", ...rest] = location.hash.replace(/^#\/?/, "").split("/");
  return { name: SCREENS[name] ? name : "home", rest };
}

function renderBar() {
  const bar = document.getElementById("bar");
  const nav = api.signedIn()
    ? h(
        "nav",
        { "aria-label": t("nav") },
        h(
          "ul",
          {},
          MENU.map((name) =>
            h(
              "li",
              {},
              h(
                "a",
                {
                  href: `#/${name}`,
                  "aria-current": route().name === name ? "page" : false,
                  "data-screen": name,
                  // The screen already open is read again (fresh balance, new answers).
                  onclick: () => {
                    if (location.hash === `#/${name}`) render();
                  },
                },
                t(`nav.${name}`),
              ),
            ),
          ),
        ),
      )
    : null;
  const picker = h(
    "div",
    { class: "languages", role: "group", "aria-label": t("language") },
    LANGUAGES.map((code) =>
      h(
        "button",
        {
          type: "button",
          lang: code,
          "aria-pressed": String(code === language()),
          onclick: () => chooseLanguage(code),
        },
        languageName(code),
      ),
    ),
  );
  const who = api.inmate();
  const out = api.signedIn()
    ? h("button", { type: "button", class: "signout", onclick: () => api.signOut() }, t("signout"))
    : null;
  fill(bar,
    h("span", { class: "who" }, who ? `${who.first_name} ${who.last_name}` : t("app.title")),
    picker,
    out,
    nav,
  );
  document.getElementById("offline").textContent = t("offline");
  document.querySelector(".skip").textContent = t("skip");
}

async function chooseLanguage(code) {
  localStorage.setItem(CHOSEN, code);
  setLanguage(code);
  api.setLanguage(code);
  if (api.signedIn() && api.inmate().language !== code) {
    try {
      // Saved to his profile: the API's own texts (names, problems) follow it too.
      api.setInmate(await api.call("PATCH", "/me", { body: { language: code } }));
    } catch {
      // Offline: the screen changes now, the profile the next time it is chosen.
    }
  }
  await render();
}

export async function render() {
  renderBar();
  if (!api.signedIn()) {
    stopIdle();
    await signin.render(main, farewell);
    farewell = "";
    return;
  }
  const { name, rest } = route();
  try {
    await SCREENS[name].render(main, rest);
    showOffline(false);
  } catch (error) {
    if (error instanceof api.Offline) {
      showOffline(true);
      if (!main.querySelector("h1")) main.replaceChildren(notice(t("offline"), "error"));
    } else if (api.signedIn()) {
      main.replaceChildren(notice(error.message || t("error"), "error"));
    }
  }
  main.setAttribute("data-ready", name);
}

function keepAlive() {
  api.get("/me").catch(() => {});
}

function signedIn(profile) {
  setLanguage(profile.language);
  api.setLanguage(profile.language);
  localStorage.setItem(CHOSEN, profile.language);
  startIdle(api.idleSeconds(), () => api.signOut("idle"), keepAlive);
  if (!location.hash.startsWith("#/")) location.hash = "#/home";
  else render();
}

api.on("signedOut", (reason) => {
  farewell = reason === "idle" ? t("idle.ended") : "";
  stopIdle();
  history.replaceState(null, "", location.pathname);
  render();
});
signin.onSignedIn(signedIn);

api.bindFromAddress();
const chosen = localStorage.getItem(CHOSEN) || (api.inmate() && api.inmate().language) || "et";
setLanguage(chosen);
api.setLanguage(chosen);
window.addEventListener("hashchange", render);
window.addEventListener("online", () => showOffline(false));
window.addEventListener("offline", () => showOffline(true));
if (api.signedIn()) startIdle(api.idleSeconds(), () => api.signOut("idle"), keepAlive);
render();

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" }).catch(() => {});
}
