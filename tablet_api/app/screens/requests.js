// Requests: the inmate's requests; a new one (the types with their help text, then the type's
// form); one request with its answer, history and documents, a reply, an appeal, withdrawal.
// Whatever is typed is kept on the tablet (drafts) until the API has taken it.
import * as api from "../api.js";
import { actionButton, day, drafted, dropDraft, explain, field, h, heading, moment, notice, t } from "../ui.js";

export async function render(main, [first, second]) {
  if (first === "new" && second) return form(main, second);
  if (first === "new") return types(main);
  if (first) return detail(main, Number(first));
  return list(main);
}

async function list(main) {
  const page = await api.get("/requests?limit=20");
  const rows = h("ul", { class: "list requests" });
  const more = h("button", { type: "button", class: "more" }, t("more"));
  const add = (p) => {
    rows.append(
      ...p.items.map((r) =>
        h(
          "li",
          {},
          h(
            "a",
            { href: `#/requests/${r.id}`, "data-receipt": r.receipt },
            h("strong", {}, `${r.receipt} · ${r.type_name}`),
            h("span", { class: "status" }, r.status_text),
            h("small", {}, t("requests.due", { day: day(r.due_on) })),
          ),
        ),
      ),
    );
    more.hidden = !p.next_cursor;
    more.dataset.cursor = p.next_cursor || "";
  };
  more.addEventListener("click", async () => add(await api.get(`/requests?limit=20&cursor=${more.dataset.cursor}`)));
  add(page);
  main.replaceChildren(
    heading(t("requests.title")),
    h("a", { class: "button primary", href: "#/requests/new", id: "new-request" }, t("requests.new")),
    page.items.length ? rows : h("p", {}, t("none")),
    more,
  );
}

async function types(main) {
  const { items } = await api.get("/request-types");
  main.replaceChildren(
    heading(t("requests.choose")),
    h("a", { class: "button", href: "#/requests" }, t("back")),
    h(
      "ul",
      { class: "list types" },
      items.map((type) =>
        h(
          "li",
          {},
          h(
            "a",
            { href: `#/requests/new/${type.code}`, "data-type": type.code },
            h("strong", {}, type.name),
            h("span", {}, type.help),
            h("small", {}, t("requests.days", { n: type.deadline_working_days })),
            type.one_open_at_a_time ? h("small", {}, t("requests.one_open")) : null,
          ),
        ),
      ),
    ),
  );
}

function control(spec, name) {
  const attrs = { name: spec.code, required: spec.required };
  if (spec.kind === "choice") {
    const select = h("select", attrs, h("option", { value: "" }, "—"), spec.choices.map(([code, label]) => h("option", { value: code }, label)));
    return drafted(name, spec.code, select);
  }
  if (spec.kind === "date") return drafted(name, spec.code, h("input", { ...attrs, type: "date" }));
  if (spec.kind === "amount") {
    return drafted(name, spec.code, h("input", { ...attrs, type: "text", inputmode: "decimal", pattern: "[0-9]+([.,][0-9]{1,2})?" }));
  }
  if (spec.kind === "contact") {
    const who = drafted(name, `${spec.code}.name`, h("input", { ...attrs, name: `${spec.code}.name`, autocomplete: "off" }));
    const phone = drafted(name, `${spec.code}.phone`, h("input", { ...attrs, name: `${spec.code}.phone`, type: "tel", autocomplete: "off" }));
    return h("div", { class: "pair" }, field(t("calls.name"), who), field(t("calls.phone"), phone));
  }
  const box = spec.max_length > 200 ? h("textarea", { ...attrs, rows: 5, maxlength: spec.max_length }) : h("input", { ...attrs, maxlength: spec.max_length });
  return drafted(name, spec.code, box);
}

function value(spec, formElement) {
  const read = (code) => formElement.elements.namedItem(code).value.trim();
  if (spec.kind === "contact") return { name: read(`${spec.code}.name`), phone: read(`${spec.code}.phone`) };
  if (spec.kind === "amount") return Math.round(Number(read(spec.code).replace(",", ".")) * 100);
  return read(spec.code);
}

async function form(main, code) {
  const { items } = await api.get("/request-types");
  const type = items.find((each) => each.code === code);
  if (!type) {
    location.hash = "#/requests/new";
    return;
  }
  const name = `request.${api.inmate().id}.${code}`;
  const status = h("div", { class: "form-status", role: "status" });
  const fields = type.fields.map((spec) =>
    spec.kind === "contact"
      ? h("fieldset", {}, h("legend", {}, spec.label), control(spec, name))
      : field(spec.required ? `${spec.label} (${t("requests.required")})` : spec.label, control(spec, name)),
  );
  const formElement = h(
    "form",
    { class: "card request-form", "data-type": code },
    h("p", { class: "help" }, type.help),
    h("p", { class: "hint" }, t("draft.kept")),
    fields,
    h("button", { type: "submit", class: "primary", id: "send-request" }, t("send")),
    status,
  );
  formElement.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = {};
    for (const spec of type.fields) {
      const v = value(spec, formElement);
      if (v !== "" && !(spec.kind === "contact" && !v.name && !v.phone)) values[spec.code] = v;
    }
    status.replaceChildren();
    try {
      const made = await api.post("/requests", { type: code, fields: values });
      dropDraft(name);
      location.hash = `#/requests/${made.id}`;
    } catch (error) {
      status.replaceChildren(notice(explain(error), "error"));
      for (const e of (error.problem && error.problem.errors) || []) status.append(h("p", {}, `${e.field}: ${e.reason}`));
    }
  });
  main.replaceChildren(heading(type.name), h("a", { class: "button", href: "#/requests/new" }, t("back")), formElement);
}

async function detail(main, id) {
  const r = await api.get(`/requests/${id}`);
  const parts = [
    heading(`${r.receipt} · ${r.type_name}`),
    h("a", { class: "button", href: "#/requests" }, t("back")),
    h("p", { class: "status", "data-status": r.status }, r.status_text),
    h("p", {}, t("requests.due", { day: day(r.due_on) })),
    h("section", { class: "card" }, h("h2", {}, t("requests.your")), h("dl", {}, r.answers.map((a) => h("div", {}, h("dt", {}, a.label), h("dd", {}, a.value))))),
  ];
  if (r.answer_text || r.rejection_reason_text) {
    parts.push(h("section", { class: "card answer" }, h("h2", {}, t("requests.answer")), h("p", {}, r.answer_text || r.rejection_reason_text)));
  }
  if (r.documents.length) {
    parts.push(
      h(
        "section",
        { class: "card" },
        h("h2", {}, t("requests.documents")),
        h("ul", {}, r.documents.map((d) => h("li", {}, actionButton(t("requests.open_doc", { name: d.filename }), () => openDocument(id, d))))),
      ),
    );
  }
  parts.push(
    h(
      "section",
      { class: "card" },
      h("h2", {}, t("requests.history")),
      h("ol", { class: "history" }, r.entries.map((e) => h("li", {}, h("small", {}, moment(e.occurred_at)), h("strong", {}, e.title), e.body ? h("p", {}, e.body) : null))),
    ),
  );
  if (r.can_reply) parts.push(message(id, "reply", t("requests.reply")));
  if (r.can_appeal) {
    if (r.appeal_until_on) parts.push(h("p", {}, t("requests.appeal_until", { day: day(r.appeal_until_on) })));
    parts.push(message(id, "appeal", t("requests.appeal")));
  }
  if (r.can_withdraw) {
    parts.push(actionButton(t("requests.withdraw"), async () => {
      await api.post(`/requests/${id}/withdraw`);
      await detail(main, id);
    }));
  }
  main.replaceChildren(...parts);
}

// A reply or an appeal: a text kept as a draft until the API has it.
function message(id, kind, label) {
  const name = `${kind}.${api.inmate().id}.${id}`;
  const body = drafted(name, "body", h("textarea", { rows: 4, maxlength: 4000, required: true, id: `${kind}-body` }));
  const status = h("p", { role: "status" });
  const formElement = h(
    "form",
    { class: "card", "data-form": kind },
    field(label, body, t("draft.kept")),
    h("button", { type: "submit", class: "primary" }, t("send")),
    status,
  );
  formElement.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const answer = await api.post(`/requests/${id}/${kind}`, { body: body.value.trim() });
      dropDraft(name);
      location.hash = `#/requests/${answer.id}`;
      if (answer.id === id) window.dispatchEvent(new HashChangeEvent("hashchange"));
    } catch (error) {
      status.textContent = explain(error);
    }
  });
  return formElement;
}

async function openDocument(id, document_) {
  const blob = await api.get(`/requests/${id}/documents/${document_.id}`, { blob: true });
  window.open(URL.createObjectURL(blob), "_blank", "noopener");
}
