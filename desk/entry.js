// One entry: edit with a live preview (rendered by the server), save as draft, stage,
// publish, unpublish, schedule, delete; a 412 shows both versions side by side and lets the
// editor reapply. A new entry warns of near questions while its question is typed.
// History: every version, its diff, restore.

import { ApiError, call, entryPath, entryTag, pagePath } from "./api.js";
import { debounce, field, fromLocalInput, h, report, say, show, toLocalInput, when } from "./ui.js";

const pageHref = (e) => `#/page/${encodeURIComponent(e.page)}/${encodeURIComponent(e.lang)}`;

/** The editable fields of the form, as a body. */
function formBody(form) {
  const tags = form.tags.value.split(",").map((t) => t.trim()).filter(Boolean);
  const body = {
    question: form.question.value,
    answer: form.answer.value,
    tags,
    section: form.section.value.trim() || null,
  };
  if (form.publishAt) {
    body.publish_at = fromLocalInput(form.publishAt.value);
    body.unpublish_at = fromLocalInput(form.unpublishAt.value);
  }
  return body;
}

/** A withdrawal set before the publication is almost surely a slip: say so, send nothing. */
function scheduleBackwards(body) {
  if (body.publish_at && body.unpublish_at && body.unpublish_at <= body.publish_at) {
    say("“Unpublish at” comes before “Publish at”: change one of them.", "error");
    document.getElementById("unpublish-at")?.focus();
    return true;
  }
  return false;
}

/** The form's controls: question, answer with its preview, tags, section, schedule. */
function editorFields(entry, options = {}) {
  const question = h("input", { type: "text", id: "question", value: entry.question || "", maxlength: 500, required: true, autocomplete: "off" });
  const answer = h("textarea", { id: "answer", rows: 10, required: true }, entry.answer || "");
  const preview = h("div", { class: "preview answer-html", id: "preview" });
  const tags = h("input", { type: "text", id: "tags", value: (entry.tags || []).join(", "), autocomplete: "off" });
  const section = h("input", { type: "text", id: "section", value: entry.section || "", autocomplete: "off" });
  const publishAt = h("input", { type: "datetime-local", id: "publish-at", step: 1, value: toLocalInput(entry.publish_at) });
  const unpublishAt = h("input", { type: "datetime-local", id: "unpublish-at", step: 1, value: toLocalInput(entry.unpublish_at) });
  if (entry.answer_html) preview.innerHTML = entry.answer_html; // sanitised by the server

  const renderPreview = debounce(async () => {
    try {
      const { data } = await call("/render", { method: "POST", json: { markdown: answer.value } });
      preview.innerHTML = data.html; // rendered and sanitised by the server, as readers get it
    } catch (err) {
      report(err, "The preview failed");
    }
  }, 250);
  answer.addEventListener("input", renderPreview);

  const form = { question, answer, tags, section, publishAt, unpublishAt, preview };
  const parts = [
    field("Question", question),
    options.afterQuestion || null,
    h("div", { class: "split" },
      field("Answer (Markdown)", answer),
      h("div", { class: "field" },
        h("p", { class: "label", id: "preview-label" }, "Preview (as readers will see it)"),
        h("div", { role: "region", "aria-labelledby": "preview-label" }, preview))),
    h("div", { class: "row" },
      field("Tags", tags, "Separated by commas."),
      field("Section", section, "The heading the entry sits under; empty for none.")),
    h("fieldset", { class: "row" },
      h("legend", {}, "Schedule (optional, your local time)"),
      field("Publish at", publishAt),
      field("Unpublish at", unpublishAt)),
  ];
  return { form, parts };
}

/** Side by side: the editor's version and the one saved meanwhile. */
function conflictPanel(mine, theirs, onReapply, onTakeTheirs) {
  const column = (title, v) =>
    h("div", { class: "version" },
      h("h3", {}, title),
      h("dl", {},
        h("dt", {}, "Question"), h("dd", {}, v.question),
        h("dt", {}, "Answer"), h("dd", {}, h("pre", {}, v.answer)),
        h("dt", {}, "Tags"), h("dd", {}, (v.tags || []).join(", ") || "—"),
        h("dt", {}, "Section"), h("dd", {}, v.section || "—")));
  const panel = h("section", { class: "conflict card", "aria-labelledby": "conflict-h", role: "alert" },
    h("h2", { id: "conflict-h", tabindex: "-1" }, "This entry changed while you were editing"),
    h("p", {}, `Version ${theirs.version} was saved meanwhile${theirs.updated_at ? ` (${when(theirs.updated_at)})` : ""}. Nothing of yours is lost: compare, then reapply your changes on top of it, or keep the saved version.`),
    h("div", { class: "side-by-side" }, column("Your version (not saved)", mine), column(`Saved meanwhile (version ${theirs.version})`, theirs)),
    h("div", { class: "toolbar" },
      h("button", { type: "button", class: "primary", id: "reapply", onclick: onReapply }, "Reapply my changes"),
      h("button", { type: "button", onclick: onTakeTheirs }, "Keep the saved version")));
  return panel;
}

export async function entryView(id) {
  const { data: entry } = await call(entryPath(id));
  const state = { entry, etag: entryTag(entry) };
  const { form, parts } = editorFields(entry);
  const conflictSlot = h("div", {});
  const status = h("p", { class: "meta", id: "entry-status" });
  const drawStatus = () => {
    const e = state.entry;
    status.replaceChildren(
      h("span", { class: `badge ${e.status}` }, e.status), ` version ${e.version} · position ${e.position}`,
      e.published_at ? ` · published ${when(e.published_at)}` : "",
      e.publish_at ? ` · publishes ${when(e.publish_at)}` : "",
      e.unpublish_at ? ` · unpublishes ${when(e.unpublish_at)}` : "");
  };
  drawStatus();

  // One write of the form: `stage` keeps readers on the published version; `status` asks for one.
  const write = async (label, { stage = false, status: target, contentless = false } = {}) => {
    const body = contentless ? {} : formBody(form);
    if (scheduleBackwards(body)) return;
    if (target) body.status = target;
    try {
      const { data } = await call(entryPath(state.entry.id), {
        method: "PATCH",
        query: { stage: stage ? "true" : undefined },
        mergePatch: true,
        json: body,
        ifMatch: state.etag,
      });
      state.entry = data;
      state.etag = entryTag(data);
      form.publishAt.value = toLocalInput(data.publish_at);
      form.unpublishAt.value = toLocalInput(data.unpublish_at);
      conflictSlot.replaceChildren();
      drawStatus();
      drawActions();
      say(`${label}: done (version ${data.version}, ${data.status}).`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) return conflict(label, body, { stage });
      report(err, `${label} failed`);
    }
  };
  const conflict = async (label, body, { stage }) => {
    const { data: theirs } = await call(entryPath(state.entry.id));
    const panel = conflictPanel(
      { ...state.entry, ...body },
      theirs,
      async () => {
        state.entry = theirs;
        state.etag = entryTag(theirs);
        drawStatus();
        await write(label, { stage, status: body.status });
      },
      () => entryView(state.entry.id),
    );
    conflictSlot.replaceChildren(panel);
    panel.querySelector("h2").focus();
    say("Not saved: the entry changed meanwhile.", "error");
  };
  const publish = async () => {
    // Saves the form and publishes that version in one write (a scheduled publication
    // is then done: the field is emptied).
    form.publishAt.value = "";
    await write("Publish", { status: "published" });
  };
  const remove = async () => {
    if (!window.confirm("Delete this entry? It can be restored from the trash.")) return;
    try {
      await call(entryPath(state.entry.id), { method: "DELETE", ifMatch: state.etag });
      say("Entry deleted: it is in the trash.");
      location.hash = pageHref(state.entry);
    } catch (err) {
      if (err.status === 412) return say("The entry changed meanwhile: reload it before deleting.", "error");
      report(err, "The entry was not deleted");
    }
  };

  const actions = h("div", { class: "toolbar actions" });
  const drawActions = () => {
    const s = state.entry.status;
    actions.replaceChildren(
      s === "draft"
        ? h("button", { type: "button", id: "save-draft", onclick: () => write("Save draft") }, "Save draft")
        : h("button", { type: "button", id: "save-live", onclick: () => write("Save") }, s === "changed" ? "Save (publishes)" : "Save (goes live)"),
      s !== "draft" ? h("button", { type: "button", id: "stage", onclick: () => write("Stage", { stage: true }) }, "Stage change") : null,
      h("button", { type: "button", class: "primary", id: "publish", onclick: publish }, "Publish"),
      s !== "draft" ? h("button", { type: "button", id: "unpublish", onclick: () => write("Unpublish", { status: "draft", contentless: true }) }, "Unpublish") : null,
      h("a", { class: "button", href: `#/history/${state.entry.id}` }, "History"),
      h("button", { type: "button", class: "danger", id: "delete", onclick: remove }, "Delete"),
    );
  };
  drawActions();

  show(
    h("p", { class: "crumbs" }, h("a", { href: "#/pages" }, "Pages"), " / ", h("a", { href: pageHref(entry) }, `${entry.page} (${entry.lang})`)),
    h("h1", {}, "Edit entry"),
    status,
    conflictSlot,
    h("form", { class: "card editor", onsubmit: (e) => e.preventDefault() }, parts, actions),
  );
}

export async function newEntryView(slug, lang, initialQuestion) {
  if (!slug) return choosePage(initialQuestion);
  const { data: page } = await call(pagePath(slug), { query: { lang } });
  const warning = h("div", { class: "similar", id: "similar", "aria-live": "polite" });
  const { form, parts } = editorFields({ question: initialQuestion }, { afterQuestion: warning });
  const checkSimilar = debounce(async () => {
    const q = form.question.value.trim();
    if (q.length < 4) return warning.replaceChildren();
    try {
      const { data } = await call("/faqs/similar", { query: { q, lang } });
      const near = data.items.filter((i) => i.similarity >= 0.4);
      warning.replaceChildren(
        near.length
          ? h("div", { class: "warn" },
              h("p", {}, h("strong", {}, "Similar questions already exist:"), " check that this one is new."),
              h("ul", {}, near.map((i) =>
                h("li", {},
                  h("a", { href: `#/entry/${i.id}` }, i.question),
                  ` — ${Math.round(i.similarity * 100)} % alike · ${i.page} · ${i.status}`))))
          : "",
      );
    } catch (err) {
      report(err, "Could not look for similar questions");
    }
  }, 300);
  form.question.addEventListener("input", checkSimilar);
  if (initialQuestion) checkSimilar();

  const create = async (status) => {
    const body = { page: slug, lang, ...formBody(form), status };
    if (scheduleBackwards(body)) return;
    if (!body.publish_at) delete body.publish_at;
    if (!body.unpublish_at) delete body.unpublish_at;
    try {
      const { data } = await call("/faqs", { method: "POST", json: body });
      say(status === "draft" ? "Saved as a draft." : "Published.");
      location.hash = `#/entry/${data.id}`;
    } catch (err) {
      report(err, "The entry was not saved");
    }
  };
  show(
    h("p", { class: "crumbs" }, h("a", { href: "#/pages" }, "Pages"), " / ", h("a", { href: `#/page/${encodeURIComponent(slug)}/${encodeURIComponent(lang)}` }, `${page.slug} (${page.lang})`)),
    h("h1", {}, "New entry"),
    h("form", { class: "card editor", onsubmit: (e) => e.preventDefault() },
      parts,
      h("div", { class: "toolbar actions" },
        h("button", { type: "button", id: "save-draft", onclick: () => create("draft") }, "Save as draft"),
        h("button", { type: "button", class: "primary", id: "publish", onclick: () => create("published") }, "Publish"))),
  );
  if (initialQuestion) form.answer.focus();
}

/** A new entry from elsewhere (a search that found nothing): first, which page. */
async function choosePage(question) {
  const { data } = await call("/pages", { query: { limit: 100 } });
  const select = h("select", { id: "target-page" },
    data.items.map((p) => h("option", { value: `${p.slug}/${p.lang}` }, `${p.title || p.slug} (${p.slug}, ${p.lang})`)));
  show(
    h("h1", {}, "New entry"),
    h("p", {}, "Question: ", h("strong", {}, question)),
    h("form", {
      class: "card narrow",
      onsubmit: (event) => {
        event.preventDefault();
        const [slug, lang] = select.value.split("/");
        location.hash = `#/new/${encodeURIComponent(slug)}/${encodeURIComponent(lang)}?q=${encodeURIComponent(question)}`;
      },
    }, field("Page", select), h("button", { type: "submit", class: "primary" }, "Continue")),
  );
}

export async function historyView(id) {
  const [{ data: entry }, { data: revisions }] = await Promise.all([
    call(entryPath(id)),
    call(`${entryPath(id)}/revisions`, { query: { limit: 100 } }),
  ]);
  const state = { etag: entryTag(entry) };
  const detail = h("section", { class: "card", id: "revision", "aria-live": "polite" });
  const open = async (version) => {
    try {
      const { data: r } = await call(`${entryPath(id)}/revisions/${version}`);
      const diff = r.answer_diff
        ? h("pre", { class: "diff", "aria-label": "Changes to the answer" },
            r.answer_diff.split("\n")
              .filter((line) => line && !line.startsWith("--- ") && !line.startsWith("+++ ") && !line.startsWith("\\"))
              .map((line) => {
                const kind = line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : line.startsWith("@@") ? "hunk" : "";
                // Colour for the eye, words for screen readers.
                const said = kind === "add" ? "added: " : kind === "del" ? "removed: " : "";
                return h("span", { class: kind }, said ? h("span", { class: "visually-hidden" }, said) : null, line, "\n");
              }))
        : h("p", {}, "The answer did not change in this version.");
      detail.replaceChildren(
        h("h2", { tabindex: "-1", id: "revision-h" }, `Version ${r.version}: ${r.kind} by ${r.actor}, ${when(r.created_at)}`),
        r.question_changed ? h("p", {}, h("strong", {}, "Question changed to: "), r.question) : h("p", {}, "Question: ", r.question),
        diff,
        h("h3", {}, "The answer in this version"),
        h("div", { class: "answer-html", html: r.answer_html }),
        r.version === entry.version
          ? h("p", { class: "hint" }, "This is the current version.")
          : h("button", { type: "button", class: "primary", id: "restore-version", onclick: () => restore(r.version) }, `Restore version ${r.version}`),
      );
      detail.querySelector("h2").focus();
    } catch (err) {
      report(err, "Could not read that version");
    }
  };
  const restore = async (version) => {
    try {
      const { data } = await call(`${entryPath(id)}/revisions/${version}/restore`, { method: "POST", ifMatch: state.etag });
      say(`Version ${version} restored as version ${data.version}.`);
      location.hash = `#/entry/${id}`;
    } catch (err) {
      if (err.status === 412) {
        say("The entry changed meanwhile: the history was reloaded.", "error");
        return historyView(id);
      }
      report(err, "The version was not restored");
    }
  };
  show(
    h("p", { class: "crumbs" }, h("a", { href: "#/pages" }, "Pages"), " / ", h("a", { href: pageHref(entry) }, `${entry.page} (${entry.lang})`), " / ", h("a", { href: `#/entry/${id}` }, entry.question)),
    h("h1", {}, "History"),
    h("ol", { class: "revisions", reversed: true },
      revisions.items.map((r) =>
        h("li", {},
          h("button", { type: "button", class: "link", onclick: () => open(r.version) }, `Version ${r.version}`),
          ` — ${r.kind} by ${r.actor}, ${when(r.created_at)} (${r.status})`))),
    detail,
  );
}
