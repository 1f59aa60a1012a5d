// Every call to /api/v1 goes through here: the tablet's credential, the inmate's access token
// (renewed with the refresh token without the inmate noticing), problems as errors, and a
// lost connection told apart from a refusal. Nothing else in the app calls fetch.

const BASE = "/api/v1";
const DEVICE_KEY = "cellgate.device";
const TOKENS_KEY = "cellgate.tokens";

export class Offline extends Error {}

export class Refused extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || String(status));
    this.status = status;
    this.problem = problem;
    this.code = problem.code || "";
  }
}

let tokens = JSON.parse(sessionStorage.getItem(TOKENS_KEY) || "null");
let refreshing = null;
let refreshTimer = 0;
const listeners = { signedOut: [], tokens: [] };

export function on(event, listener) {
  listeners[event].push(listener);
}

export function deviceCredential() {
  return localStorage.getItem(DEVICE_KEY) || "";
}

// A tablet is set up once, by opening /app/#device=<credential> (as the kiosk's /device#...).
export function bindFromAddress() {
  const match = /^#device=([A-Za-z0-9_.\-]{10,300})$/.exec(location.hash);
  if (match) {
    localStorage.setItem(DEVICE_KEY, match[1]);
    history.replaceState(null, "", location.pathname);
  }
}

export function signedIn() {
  return tokens !== null;
}

export function inmate() {
  return tokens ? tokens.inmate : null;
}

export function idleSeconds() {
  return tokens ? tokens.idle_timeout : 600;
}

export function newKey() {
  return crypto.randomUUID();
}

function keep(answer) {
  tokens = {
    access: answer.access_token,
    refresh: answer.refresh_token,
    expires_at: Date.now() + answer.expires_in * 1000,
    idle_timeout: answer.idle_timeout,
    inmate: answer.inmate,
  };
  sessionStorage.setItem(TOKENS_KEY, JSON.stringify(tokens));
  scheduleRefresh();
  listeners.tokens.forEach((f) => f(tokens));
}

export function setInmate(profile) {
  if (!tokens) return;
  tokens.inmate = profile;
  sessionStorage.setItem(TOKENS_KEY, JSON.stringify(tokens));
}

export function forget(reason) {
  const had = tokens !== null;
  tokens = null;
  clearTimeout(refreshTimer);
  sessionStorage.removeItem(TOKENS_KEY);
  if (had) listeners.signedOut.forEach((f) => f(reason));
}

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  if (!tokens) return;
  // A minute before the access token ends (or half its life, if shorter).
  const left = tokens.expires_at - Date.now();
  const wait = Math.max(1000, Math.min(left - 60000, left / 2));
  refreshTimer = setTimeout(() => refresh().catch(() => {}), wait);
}

async function refresh() {
  if (!tokens) throw new Refused(401, { code: "sign-in-required" });
  if (!refreshing) {
    const used = tokens.refresh;
    refreshing = raw("POST", "/session/refresh", { body: { refresh_token: used }, bearer: false })
      .then(keep)
      .catch((error) => {
        if (error instanceof Refused) forget("expired");
        throw error;
      })
      .finally(() => {
        refreshing = null;
      });
  }
  return refreshing;
}

let language = "et";
export function setLanguage(code) {
  language = code;
}

async function raw(method, path, { body, bearer = true, key, etag, blob } = {}) {
  const headers = { "X-Device-Credential": deviceCredential(), "Accept-Language": language };
  if (bearer && tokens) headers.Authorization = `Bearer ${tokens.access}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (key) headers["Idempotency-Key"] = key;
  if (etag) headers["If-None-Match"] = etag;
  let response;
  try {
    response = await fetch(BASE + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-cache", // revalidate with the ETag the browser kept, never use it unasked
    });
  } catch {
    throw new Offline();
  }
  if (response.status === 204) return null;
  if (blob && response.ok) return response.blob();
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json() : {};
  if (!response.ok) throw new Refused(response.status, data);
  return data;
}

// A call as the signed-in inmate: an ended access token (or one the tablet lost) is renewed once
// and the call repeated: a 401 means the call was not carried out, so repeating it cannot do
// anything twice. A session that has ended signs the inmate out.
const RENEWABLE = ["access-token-expired", "sign-in-required"];

export async function call(method, path, options = {}) {
  try {
    return await raw(method, path, options);
  } catch (error) {
    if (!(error instanceof Refused) || error.status !== 401 || !tokens) throw error;
    if (error.code === "session-ended") {
      forget("ended");
      throw error;
    }
    if (!RENEWABLE.includes(error.code)) throw error;
    await refresh(); // a refused refresh signs out (and throws)
    return raw(method, path, options);
  }
}

export const get = (path, options) => call("GET", path, options);
export const post = (path, body, options = {}) => call("POST", path, { ...options, body });

export async function signInWith(method, body) {
  keep(await raw("POST", `/session/${method}`, { body, bearer: false }));
  return tokens.inmate;
}

export async function signOut(reason = "signed-out") {
  if (tokens) {
    try {
      await raw("DELETE", "/session");
    } catch {
      // Offline or already ended: the tokens are forgotten here all the same.
    }
  }
  forget(reason);
}

scheduleRefresh();
