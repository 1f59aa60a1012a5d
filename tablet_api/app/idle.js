// Idle sign-out: after a while without a touch or a key the inmate is asked whether he is still
// there, with a countdown; at zero he is signed out. The API ends an idle session too, so the
// countdown ends before the server's clock would (a touch keeps both going).
import { h, t } from "./ui.js";

const WARN_SECONDS = 30;
let idleTimer = 0;
let tickTimer = 0;
let limit = 600;
let onIdle = () => {};
let running = false;
let keepAlive = () => {};
let lastKept = 0;

function dialog() {
  return document.getElementById("idle");
}

function activity() {
  if (!running || !dialog().hidden) return;
  arm();
  // A touch is activity for the server's idle clock too, told at most once a minute.
  if (Date.now() - lastKept > 60000) {
    lastKept = Date.now();
    keepAlive();
  }
}

function arm() {
  clearTimeout(idleTimer);
  // Before the server's idle limit, with the warning's time inside it.
  const quiet = Math.max(5, limit - WARN_SECONDS - 15);
  idleTimer = setTimeout(warn, quiet * 1000);
}

function warn() {
  let left = WARN_SECONDS;
  const count = h("p", { id: "idle-count", "aria-live": "assertive" });
  const stay = h("button", { type: "button", class: "primary" }, t("idle.stay"));
  const box = dialog();
  box.replaceChildren(
    h(
      "div",
      { class: "idle-box", role: "alertdialog", "aria-modal": "true", "aria-labelledby": "idle-title", "aria-describedby": "idle-count" },
      h("h2", { id: "idle-title" }, t("idle.title")),
      count,
      stay,
    ),
  );
  const show = () => {
    count.textContent = t("idle.countdown", { n: left });
  };
  show();
  box.hidden = false;
  stay.focus();
  stay.addEventListener("click", () => {
    box.hidden = true;
    clearInterval(tickTimer);
    lastKept = Date.now();
    keepAlive();
    arm();
  });
  tickTimer = setInterval(() => {
    left -= 1;
    show();
    if (left <= 0) {
      clearInterval(tickTimer);
      box.hidden = true;
      onIdle();
    }
  }, 1000);
}

export function startIdle(seconds, whenIdle, whenActive) {
  limit = seconds;
  onIdle = whenIdle;
  keepAlive = whenActive;
  lastKept = Date.now();
  running = true;
  dialog().hidden = true;
  arm();
}

export function stopIdle() {
  running = false;
  clearTimeout(idleTimer);
  clearInterval(tickTimer);
  dialog().hidden = true;
}

for (const event of ["pointerdown", "keydown", "input", "wheel", "touchstart"]) {
  document.addEventListener(event, activity, { passive: true, capture: true });
}
