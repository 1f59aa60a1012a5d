// Video calls: the contacts (and asking for a new one), the free times, holding a time and
// confirming it, the inmate's calls with the join button that appears only in the join window.
import * as api from "../api.js";
import { actionButton, drafted, dropDraft, explain, field, h, heading, moment, notice, t, time } from "../ui.js";

// The API opens the room this many minutes before the start (visits.join_early_minutes); the
// button shows from then, and the API is what decides.
const JOIN_EARLY_MINUTES = 5;
const RELATIONS = ["spouse", "partner", "parent", "child", "sibling", "relative", "friend", "lawyer", "other"];
let clock = 0;

export async function render(main) {
  clearInterval(clock);
  const [contacts, slots, bookings] = await Promise.all([api.get("/contacts"), api.get("/visit-slots"), api.get("/bookings?limit=20")]);
  const approved = contacts.items.filter((c) => c.status === "approved");
  const again = () => render(main);
  main.replaceChildren(
    heading(t("calls.title")),
    bookingList(bookings.items, again),
    slotList(slots.items, approved, again),
    contactList(contacts.items, again),
  );
  // The join button appears when its window opens, without a reload.
  clock = setInterval(() => {
    if (!document.body.contains(main.querySelector(".bookings"))) clearInterval(clock);
    else main.querySelectorAll("[data-join-from]").forEach(showJoin);
  }, 5000);
}

function showJoin(box) {
  const now = Date.now();
  box.hidden = !(now >= Number(box.dataset.joinFrom) && now < Number(box.dataset.joinUntil));
}

function bookingList(items, again) {
  const open = items.filter((b) => ["held", "confirmed"].includes(b.status));
  return h(
    "section",
    { class: "card bookings", "aria-labelledby": "bookings-title" },
    h("h2", { id: "bookings-title" }, t("calls.bookings")),
    open.length
      ? h(
          "ul",
          { class: "list" },
          open.map((b) => {
            const at = moment(b.starts_at);
            const row = h(
              "li",
              { "data-booking": b.id, "data-status": b.status },
              h("strong", {}, `${b.contact_name}: ${at}`),
              h("span", { class: "status" }, t(`booking.${b.status}`)),
            );
            if (b.status === "held") {
              row.append(
                h("p", {}, t("calls.held", { time: time(b.hold_expires_at) })),
                actionButton(t("calls.confirm", { time: at }), async () => {
                  await api.post(`/bookings/${b.id}/confirm`);
                  await again();
                }, { class: "primary" }),
              );
            }
            if (b.status === "confirmed") {
              const join = h(
                "span",
                {
                  class: "join",
                  "data-join-from": new Date(b.starts_at).getTime() - JOIN_EARLY_MINUTES * 60000,
                  "data-join-until": new Date(b.ends_at).getTime(),
                },
                actionButton(t("calls.join"), async () => {
                  const room = await api.post(`/bookings/${b.id}/join`);
                  const address = new URL(room.url);
                  address.searchParams.set("jwt", room.token);
                  window.open(address.toString(), "_blank", "noopener");
                }, { class: "primary", id: `join-${b.id}` }),
              );
              showJoin(join);
              row.append(join);
            }
            row.append(actionButton(t("calls.cancelcall", { time: at }), async () => {
              await api.post(`/bookings/${b.id}/cancel`);
              await again();
            }));
            return row;
          }),
        )
      : h("p", {}, t("home.nocall")),
  );
}

function slotList(items, approved, again) {
  const section = h("section", { class: "card slots", "aria-labelledby": "slots-title" }, h("h2", { id: "slots-title" }, t("calls.slots")));
  if (!approved.length) {
    section.append(h("p", {}, t("calls.noapproved")));
    return section;
  }
  if (!items.length) {
    section.append(h("p", {}, t("calls.nocalls")));
    return section;
  }
  const who = h("select", { id: "call-contact" }, approved.map((c) => h("option", { value: c.id }, c.full_name)));
  section.append(
    field(t("calls.with"), who),
    h(
      "ul",
      { class: "list" },
      items.slice(0, 30).map((slot) =>
        h(
          "li",
          { "data-slot": slot.slot_id },
          h("span", {}, `${moment(slot.starts_at)} – ${time(slot.ends_at)}`),
          h("small", {}, t("calls.places", { n: slot.places_left })),
          actionButton(t("calls.book", { time: moment(slot.starts_at) }), async () => {
            await api.post("/bookings", { slot_id: slot.slot_id, contact_id: Number(who.value) });
            await again();
          }),
        ),
      ),
    ),
  );
  return section;
}

function contactList(items, again) {
  const name = `contact.${api.inmate().id}`;
  const fullName = drafted(name, "full_name", h("input", { required: true, maxlength: 200, autocomplete: "off" }));
  const relation = drafted(name, "relation", h("select", { required: true }, RELATIONS.map((r) => h("option", { value: r }, t(`relation.${r}`)))));
  const phone = drafted(name, "phone", h("input", { type: "tel", maxlength: 40, autocomplete: "off" }));
  const email = drafted(name, "email", h("input", { type: "email", maxlength: 200, autocomplete: "off" }));
  const status = h("p", { role: "status" });
  const form = h(
    "form",
    { class: "contact-form" },
    h("h3", {}, t("calls.addcontact")),
    field(t("calls.name"), fullName),
    field(t("calls.relation"), relation),
    field(t("calls.phone"), phone),
    field(t("calls.email"), email),
    h("button", { type: "submit" }, t("send")),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { full_name: fullName.value.trim(), relation: relation.value };
    if (phone.value.trim()) body.phone = phone.value.trim();
    if (email.value.trim()) body.email = email.value.trim();
    try {
      await api.post("/contacts", body);
      dropDraft(name);
      await again();
      document.querySelector(".contacts").append(notice(t("calls.asked"), "success"));
    } catch (error) {
      status.textContent = explain(error);
    }
  });
  return h(
    "section",
    { class: "card contacts", "aria-labelledby": "contacts-title" },
    h("h2", { id: "contacts-title" }, t("calls.contacts")),
    items.length
      ? h("ul", { class: "list" }, items.map((c) => h("li", { "data-contact": c.id }, h("strong", {}, c.full_name), h("span", {}, `${t(`relation.${c.relation}`)} · ${t(`contact.${c.status}`)}`))))
      : h("p", {}, t("none")),
    form,
  );
}
