// Messages: the inmate's conversations with approved contacts; one conversation with its photos
// (fetched only when scrolled into view, and only those screening has passed: the API gives no
// other); a reply, kept on the tablet as a draft until the API has taken it.
import * as api from "../api.js";
import { drafted, dropDraft, explain, field, h, heading, moment, notice, t } from "../ui.js";

let photos = null; // IntersectionObserver of this screen's pictures
const blobs = new Map(); // photo address -> object URL, for this signed-in inmate only

api.on("signedOut", () => {
  for (const url of blobs.values()) URL.revokeObjectURL(url);
  blobs.clear();
});

export async function render(main, [first]) {
  if (first) return conversation(main, Number(first));
  return list(main);
}

async function list(main) {
  const { items } = await api.get("/messages");
  const rows = h(
    "ul",
    { class: "list conversations" },
    items.map((c) =>
      h(
        "li",
        {},
        h(
          "a",
          { href: `#/messages/${c.contact_id}`, "data-contact": c.contact_id },
          h("strong", {}, c.contact_name),
          c.unread ? h("span", { class: "badge" }, t("messages.unread", { n: c.unread })) : null,
          c.last_at ? h("small", {}, moment(c.last_at)) : null,
        ),
      ),
    ),
  );
  main.replaceChildren(heading(t("messages.title")), items.length ? rows : h("p", {}, t("messages.nocontacts")));
}

function state(m) {
  if (m.direction !== "out") return null;
  if (m.status === "held") return t("messages.waiting");
  if (m.status === "rejected") return t("messages.rejected", { reason: m.reject_reason });
  return t("messages.passed");
}

async function conversation(main, contactId) {
  const [{ items: contacts }, { items }] = await Promise.all([api.get("/messages"), api.get(`/messages/${contactId}`)]);
  const contact = contacts.find((c) => c.contact_id === contactId);
  if (!contact) {
    location.hash = "#/messages";
    return;
  }
  if (photos) photos.disconnect();
  photos = new IntersectionObserver(loadPhotos, { rootMargin: "200px" });
  const thread = h(
    "ol",
    { class: "history thread", id: "thread" },
    items.map((m) => {
      const pictures = [];
      // Only what passed screening has photos to show (the API answers 404 for any other).
      for (let n = 1; m.status === "passed" && n <= m.photos; n += 1) {
        const box = h("div", { class: "photo", "data-photo": `/messages/${contactId}/${m.id}/photos/${n}`, "data-label": t("messages.photo", { n }) });
        photos.observe(box);
        pictures.push(box);
      }
      return h(
        "li",
        { class: m.direction === "out" ? "mine" : "theirs", "data-message": m.id },
        h("small", {}, `${m.direction === "out" ? t("messages.you") : contact.contact_name} · ${moment(m.created_at)}`),
        state(m) ? h("small", { class: "status", "data-status": m.status }, state(m)) : null,
        m.body ? h("p", { class: "message-body" }, m.body) : null,
        pictures.length ? h("div", { class: "photos" }, pictures) : null,
      );
    }),
  );
  main.replaceChildren(
    heading(contact.contact_name),
    h("a", { class: "button", href: "#/messages" }, t("messages.all")),
    items.length ? thread : h("p", {}, t("messages.none")),
    reply(contactId, contact.contact_name),
  );
}

function reply(contactId, name) {
  const draftName = `message.${api.inmate().id}.${contactId}`;
  const body = drafted(draftName, "body", h("textarea", { rows: 4, maxlength: 20000, required: true, id: "message-body" }));
  const status = h("div", { class: "form-status", role: "status" });
  const formElement = h(
    "form",
    { class: "card", "data-form": "message" },
    field(t("messages.write", { name }), body, t("draft.kept")),
    h("button", { type: "submit", class: "primary", id: "send-message" }, t("send")),
    status,
  );
  formElement.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.replaceChildren();
    try {
      const sent = await api.post(`/messages/${contactId}`, { body: body.value.trim() });
      dropDraft(draftName);
      body.value = "";
      const said = notice(sent.status === "passed" ? t("messages.sent_passed") : t("messages.sent_held"));
      await conversation(document.getElementById("main"), contactId);
      document.querySelector("[data-form=message] .form-status").replaceChildren(said);
    } catch (error) {
      status.replaceChildren(notice(explain(error), "error"));
    }
  });
  return formElement;
}

async function loadPhotos(entries, observer) {
  for (const entry of entries) {
    if (!entry.isIntersecting) continue;
    const box = entry.target;
    observer.unobserve(box);
    const path = box.dataset.photo;
    try {
      if (!blobs.has(path)) blobs.set(path, URL.createObjectURL(await api.get(path, { blob: true })));
      box.replaceChildren(h("img", { src: blobs.get(path), alt: box.dataset.label }));
    } catch {
      box.replaceChildren(h("span", {}, t("messages.nophoto")));
    }
  }
}
