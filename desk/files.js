// The trash (deleted entries and pages, restorable) and page files: import with a dry-run
// preview first, then apply.

import { call, entryPath, pagePath } from "./api.js";
import { field, h, report, say, show } from "./ui.js";

const DELETED_PAGES = "faqd.desk.deleted-pages";

export async function trashView() {
  const { data } = await call("/faqs", { query: { deleted: "true", limit: 100 } });
  const entries = h("ul", { class: "trash", id: "trash-entries" },
    data.items.length
      ? data.items.map((e) =>
          h("li", {},
            h("span", { class: "q" }, e.question),
            h("span", { class: "meta" }, `${e.page} (${e.lang}) · ${e.status}`),
            h("button", {
              type: "button",
              "aria-label": `Restore: ${e.question}`,
              onclick: async () => {
                try {
                  await call(`${entryPath(e.id)}/restore`, { method: "POST", ifMatch: `"${e.version}"` });
                  say(`Restored: ${e.question}`);
                  await trashView();
                } catch (err) {
                  report(err, "Not restored");
                }
              },
            }, "Restore")))
      : h("li", {}, "No deleted entries."));

  const remembered = JSON.parse(sessionStorage.getItem(DELETED_PAGES) || "[]");
  const restorePage = async (slug, lang) => {
    try {
      await call(`${pagePath(slug)}/restore`, { method: "POST", query: { lang }, ifMatch: "*" });
      sessionStorage.setItem(DELETED_PAGES, JSON.stringify(remembered.filter((p) => p.slug !== slug || p.lang !== lang)));
      say(`Page ${slug} (${lang || "its language"}) restored.`);
      location.hash = `#/page/${encodeURIComponent(slug)}/${encodeURIComponent(lang || "en")}`;
    } catch (err) {
      report(err, "The page was not restored");
    }
  };
  const slug = h("input", { type: "text", id: "restore-slug", autocomplete: "off", required: true });
  const lang = h("input", { type: "text", id: "restore-lang", autocomplete: "off", value: "en" });
  show(
    h("h1", {}, "Trash"),
    h("section", { "aria-labelledby": "trash-entries-h" },
      h("h2", { id: "trash-entries-h" }, `Deleted entries (${data.total})`),
      entries),
    h("section", { "aria-labelledby": "trash-pages-h" },
      h("h2", { id: "trash-pages-h" }, "Deleted pages"),
      remembered.length
        ? h("ul", { class: "trash" }, remembered.map((p) =>
            h("li", {}, h("span", { class: "q" }, p.title || p.slug), h("span", { class: "meta" }, `${p.slug} (${p.lang})`),
              h("button", { type: "button", "aria-label": `Restore page ${p.slug} (${p.lang})`, onclick: () => restorePage(p.slug, p.lang) }, "Restore"))))
        : h("p", { class: "hint" }, "Pages deleted in this session are listed here."),
      h("form", {
        class: "card row",
        onsubmit: (event) => { event.preventDefault(); restorePage(slug.value.trim(), lang.value.trim()); },
      }, field("Page slug", slug), field("Language", lang), h("button", { type: "submit" }, "Restore page"))),
  );
}

const TYPES = { md: "text/markdown", markdown: "text/markdown", yaml: "application/yaml", yml: "application/yaml", toml: "application/toml", json: "application/json" };

export async function importView(initialSlug, initialLang) {
  const file = h("input", { type: "file", id: "import-file", accept: ".md,.markdown,.yaml,.yml,.toml,.json" });
  const slug = h("input", { type: "text", id: "import-slug", value: initialSlug, autocomplete: "off" });
  const lang = h("input", { type: "text", id: "import-lang", value: initialLang, autocomplete: "off" });
  const force = h("input", { type: "checkbox", id: "import-force" });
  const report_ = h("section", { id: "import-report", "aria-live": "polite" });
  const state = { text: null, type: null, name: null };

  file.addEventListener("change", async () => {
    const chosen = file.files[0];
    report_.replaceChildren();
    if (!chosen) return;
    const ext = chosen.name.split(".").pop().toLowerCase();
    state.type = TYPES[ext] || "text/markdown";
    state.text = await chosen.text();
    state.name = chosen.name;
    if (!slug.value) slug.value = chosen.name.replace(/\..*$/, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  });

  const run = async (dryRun) => {
    if (!state.text) {
      say("Choose a file first.", "error");
      file.focus();
      return;
    }
    try {
      const { data } = await call("/pages/import", {
        method: "POST",
        query: { slug: slug.value.trim(), lang: lang.value.trim(), dry_run: dryRun ? "true" : undefined, force: force.checked ? "true" : undefined },
        body: state.text,
        type: state.type,
      });
      const list = (title, items, id) =>
        h("div", { class: "report-group", id },
          h("h3", {}, `${title} (${items.length})`),
          items.length ? h("ul", {}, items.map((i) => h("li", {}, typeof i === "string" ? i : `${i.question} — ${i.reason}`))) : null);
      report_.replaceChildren(
        h("h2", { tabindex: "-1" }, dryRun ? `Dry run: what importing ${state.name} would do` : `Imported ${state.name}`),
        h("p", {}, `Page ${data.slug} (${data.lang})${data.page_created ? ", new" : ""}; questions found as ${data.questions}.`),
        list("Created", data.created, "r-created"),
        list("Updated", data.updated, "r-updated"),
        list("Deleted", data.deleted, "r-deleted"),
        list("Unchanged", data.unchanged, "r-unchanged"),
        list("Conflicts (left as editors have them unless forced)", data.conflicting, "r-conflicts"),
        dryRun
          ? h("button", { type: "button", class: "primary", id: "apply-import", onclick: () => run(false) }, "Apply this import")
          : h("a", { class: "button primary", href: `#/page/${encodeURIComponent(data.slug)}/${encodeURIComponent(data.lang)}` }, "Open the page"),
      );
      report_.querySelector("h2").focus();
      say(dryRun ? "Dry run done: nothing was changed." : "Import applied.");
    } catch (err) {
      report(err, "The import failed");
    }
  };

  show(
    h("h1", {}, "Import a page file"),
    h("p", {}, "Markdown (Hugo), YAML, TOML or JSON. A dry run shows what would change, and the conflicts, before anything does."),
    h("form", { class: "card", onsubmit: (e) => { e.preventDefault(); run(true); } },
      field("File", file),
      h("div", { class: "row" },
        field("Page slug", slug, "Empty: from the file name."),
        field("Language", lang, "Empty: from the file, else en.")),
      h("div", { class: "field check" }, force, h("label", { for: "import-force" }, "Overwrite conflicting editors' changes (force)")),
      h("button", { type: "submit", class: "primary", id: "dry-run" }, "Preview (dry run)")),
    report_,
  );
}
