// One page: its fields (If-Match) and its schedule (publish at / unpublish at), its entries
// in order (open, reorder by drag and drop or with the move buttons), new entry, export,
// delete.

import { call, pagePath } from "./api.js";
import { download, field, fromLocalInput, h, report, say, show, toLocalInput, when } from "./ui.js";

export async function pageView(slug, lang) {
  const { data: page } = await call(pagePath(slug), { query: { lang } });
  // A page's writes take its version as `"<lang>-<version>"` (an editor's read carries a
  // weak tag of its body instead, which names no version).
  const tagOf = (p) => `"${p.lang}-${p.version}"`;
  const state = { page, etag: tagOf(page) };
  const list = h("ol", { class: "entries", id: "entries", "aria-describedby": "order-hint" });

  const title = h("input", { type: "text", value: page.title, maxlength: 200 });
  const description = h("textarea", { rows: 2 }, page.description);
  const draft = h("input", { type: "checkbox", id: "page-draft", checked: page.draft });
  const publishAt = h("input", { type: "datetime-local", id: "page-publish-at", step: 1, value: toLocalInput(page.publish_at) });
  const unpublishAt = h("input", { type: "datetime-local", id: "page-unpublish-at", step: 1, value: toLocalInput(page.unpublish_at) });
  const scheduled = h("p", { class: "hint", id: "page-schedule" });
  const drawSchedule = (p) => {
    publishAt.value = toLocalInput(p.publish_at);
    unpublishAt.value = toLocalInput(p.unpublish_at);
    draft.checked = p.draft;
    scheduled.textContent = [
      p.publish_at ? `Goes live ${when(p.publish_at)}.` : "",
      p.unpublish_at ? `Leaves readers ${when(p.unpublish_at)}.` : "",
    ].filter(Boolean).join(" ") || "Nothing scheduled.";
  };
  drawSchedule(page);
  const fields = h(
    "form",
    {
      class: "card",
      "aria-labelledby": "page-fields",
      onsubmit: async (event) => {
        event.preventDefault();
        // An empty field cancels that schedule (`null`).
        const schedule = { publish_at: fromLocalInput(publishAt.value), unpublish_at: fromLocalInput(unpublishAt.value) };
        if (schedule.publish_at && schedule.unpublish_at && schedule.unpublish_at <= schedule.publish_at) {
          say("“Unpublish at” comes before “Publish at”: change one of them.", "error");
          unpublishAt.focus();
          return;
        }
        try {
          const { data } = await call(pagePath(slug), {
            method: "PATCH",
            query: { lang },
            mergePatch: true,
            json: { title: title.value, description: description.value, draft: draft.checked, ...schedule },
            ifMatch: state.etag,
          });
          state.page = data;
          state.etag = tagOf(data);
          drawSchedule(data);
          say(data.publish_at || data.unpublish_at ? `Page saved. ${scheduled.textContent}` : "Page saved.");
        } catch (err) {
          if (err.status === 412) {
            say("Someone changed this page meanwhile: it was reloaded; make your change again.", "error");
            return pageView(slug, lang);
          }
          report(err, "The page was not saved");
        }
      },
    },
    h("h2", { id: "page-fields" }, "Page fields"),
    field("Title", title),
    field("Description", description),
    h("div", { class: "field check" }, draft, h("label", { for: "page-draft" }, "Draft page (hidden from readers)")),
    h("fieldset", { class: "row" },
      h("legend", {}, "Schedule"),
      field("Publish at", publishAt, "Your local time: the page goes live then (its draft flag turns off). Empty: no scheduled publication."),
      field("Unpublish at", unpublishAt, "The page leaves readers then (its draft flag turns on). Empty: no scheduled withdrawal."),
      scheduled),
    h("button", { type: "submit" }, "Save page fields"),
  );

  const move = async (id, delta) => {
    state.focusMove = delta < 0 ? "up" : "down";
    const ids = state.page.entries.map((e) => e.id);
    const from = ids.indexOf(id);
    const to = from + delta;
    if (from < 0 || to < 0 || to >= ids.length) return;
    ids.splice(to, 0, ...ids.splice(from, 1));
    await reorder(ids, id);
  };
  const reorder = async (ids, focusId) => {
    try {
      const { data } = await call(`${pagePath(slug)}/order`, {
        method: "POST",
        query: { lang },
        json: { ids },
        ifMatch: state.etag,
      });
      state.page = data;
      state.etag = tagOf(data);
      draw();
      const moved = state.page.entries.find((e) => e.id === focusId);
      say(moved ? `Moved to position ${moved.position}: ${moved.question}` : "Order saved.");
      const row = list.querySelector(`[data-id="${focusId}"]`);
      const buttons = row ? [...row.querySelectorAll(".moves button")] : [];
      const again = buttons.find((b) => !b.disabled && b.dataset.dir === state.focusMove) || buttons.find((b) => !b.disabled);
      if (again) again.focus();
    } catch (err) {
      if (err.status === 412) {
        say("The page changed meanwhile: it was reloaded; move the entry again.", "error");
        return pageView(slug, lang);
      }
      report(err, "The order was not saved");
    }
  };

  let dragged = null;
  const draw = () => {
    const entries = state.page.entries;
    list.replaceChildren(
      ...entries.map((e, i) =>
        h("li", {
          class: "entry",
          "data-id": e.id,
          ondragover: (event) => { if (dragged) { event.preventDefault(); event.currentTarget.classList.add("over"); } },
          ondragleave: (event) => event.currentTarget.classList.remove("over"),
          ondrop: (event) => {
            event.preventDefault();
            event.currentTarget.classList.remove("over");
            if (!dragged || dragged === e.id) return;
            const ids = entries.map((x) => x.id).filter((x) => x !== dragged);
            ids.splice(ids.indexOf(e.id) + (entries.findIndex((x) => x.id === dragged) < i ? 1 : 0), 0, dragged);
            const id = dragged;
            dragged = null;
            reorder(ids, id);
          },
        },
          h("span", {
            class: "drag",
            draggable: "true",
            "aria-hidden": "true",
            title: "Drag to move",
            ondragstart: (event) => { dragged = e.id; event.dataTransfer.setData("text/plain", e.id); event.dataTransfer.effectAllowed = "move"; },
            ondragend: () => { dragged = null; },
          }, "⠿"),
          h("span", { class: "pos" }, String(e.position)),
          h("div", { class: "q" },
            h("a", { href: `#/entry/${e.id}` }, e.question),
            h("span", { class: "meta" },
              h("span", { class: `badge ${e.status}` }, e.status),
              e.section ? ` § ${e.section}` : "",
              e.tags.length ? ` · ${e.tags.join(", ")}` : "",
              e.publish_at ? ` · publishes ${new Date(e.publish_at).toLocaleString()}` : "",
              e.unpublish_at ? ` · unpublishes ${new Date(e.unpublish_at).toLocaleString()}` : "",
              e.feedback && e.feedback.helpful + e.feedback.not_helpful
                ? ` · readers: ${e.feedback.helpful} helpful, ${e.feedback.not_helpful} not helpful`
                : "")),
          h("span", { class: "moves" },
            h("button", { type: "button", class: "small", disabled: i === 0, "data-dir": "up", "aria-label": `Move up: ${e.question}`, onclick: () => move(e.id, -1) }, "↑ Up"),
            h("button", { type: "button", class: "small", disabled: i === entries.length - 1, "data-dir": "down", "aria-label": `Move down: ${e.question}`, onclick: () => move(e.id, 1) }, "↓ Down")),
        ),
      ),
    );
  };
  draw();

  const exportPage = async () => {
    try {
      const { data: res } = await call(`${pagePath(slug)}/export`, { query: { lang }, raw: true });
      download(`${slug}.${lang}.md`, await res.text(), "text/markdown");
      say("Exported.");
    } catch (err) {
      report(err, "The export failed");
    }
  };
  const deletePage = async () => {
    if (!window.confirm(`Delete the page “${state.page.title || slug}” (${lang})? It can be restored from the trash.`)) return;
    try {
      await call(pagePath(slug), { method: "DELETE", query: { lang }, ifMatch: state.etag });
      const gone = JSON.parse(sessionStorage.getItem("faqd.desk.deleted-pages") || "[]");
      gone.push({ slug, lang, title: state.page.title });
      sessionStorage.setItem("faqd.desk.deleted-pages", JSON.stringify(gone));
      say("Page deleted: it is in the trash.");
      location.hash = "#/trash";
    } catch (err) {
      report(err, "The page was not deleted");
    }
  };

  show(
    h("p", { class: "crumbs" }, h("a", { href: "#/pages" }, "Pages"), " / ", `${slug} (${lang})`),
    h("h1", {}, page.title || slug),
    h("div", { class: "toolbar" },
      h("a", { class: "button primary", href: `#/new/${encodeURIComponent(slug)}/${encodeURIComponent(lang)}` }, "New entry"),
      h("button", { type: "button", onclick: exportPage }, "Export"),
      h("a", { class: "button", href: `#/import?slug=${encodeURIComponent(slug)}&lang=${encodeURIComponent(lang)}` }, "Import into this page"),
      h("button", { type: "button", class: "danger", onclick: deletePage }, "Delete page")),
    h("section", { "aria-labelledby": "entries-h" },
      h("h2", { id: "entries-h" }, `Entries (${page.entries.length})`),
      h("p", { class: "hint", id: "order-hint" }, "Drag an entry by its handle, or use its Up and Down buttons, to change the order readers see."),
      list),
    fields,
  );
}
