// The editors' desk: a hash router over the views. Every view talks to faqd's public API
// (api.js) with the editor's token; nothing here knows SQL or the server's internals.

import { ApiError, call, token } from "./api.js";
import { h, say, show, when } from "./ui.js";
import { pageView } from "./page.js";
import { entryView, historyView, newEntryView } from "./entry.js";
import { importView, trashView } from "./files.js";
import { insightsView } from "./insights.js";

/** The current route: path segments and the query after `?` in the hash. */
function route() {
  const hash = location.hash.replace(/^#/, "") || "/pages";
  const [path, qs] = hash.split("?");
  return { parts: path.split("/").filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(qs || "") };
}

async function render() {
  const nav = document.getElementById("nav");
  if (!token.get()) {
    nav.hidden = true;
    signInView();
    return;
  }
  nav.hidden = false;
  const { parts, query } = route();
  for (const link of nav.querySelectorAll("a")) {
    const current = `#/${parts[0] || "pages"}` === link.getAttribute("href");
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  try {
    switch (parts[0]) {
      case "page":
        return await pageView(parts[1], parts[2]);
      case "entry":
        return await entryView(parts[1]);
      case "new":
        return await newEntryView(parts[1], parts[2], query.get("q") || "");
      case "history":
        return await historyView(parts[1]);
      case "trash":
        return await trashView();
      case "import":
        return await importView(query.get("slug") || "", query.get("lang") || "");
      case "insights":
        return await insightsView();
      default:
        return await pagesView(query.get("q") || "");
    }
  } catch (err) {
    failed(err);
  }
}

/** What a view shows when a call it needs failed. */
export function failed(err) {
  if (err instanceof ApiError && err.status === 401) {
    token.clear();
    say("Your token is no longer accepted: sign in again.", "error");
    render();
    return;
  }
  show(
    h("h1", {}, "Something went wrong"),
    h("p", { class: "error" }, err instanceof ApiError ? `${err.status}: ${err.message}` : String(err)),
    h("p", {}, h("a", { href: "#/pages" }, "Back to the pages")),
  );
}

function signInView() {
  const input = h("input", {
    type: "password",
    id: "token",
    name: "token",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
  });
  const error = h("p", { class: "error", id: "token-error", role: "alert" });
  const form = h(
    "form",
    {
      class: "card narrow",
      onsubmit: async (event) => {
        event.preventDefault();
        const secret = input.value.trim();
        if (!secret) return;
        token.set(secret);
        try {
          // An editors-only read that changes nothing: the token's role is checked.
          await call("/faqs/similar", { query: { q: "sign in" } });
          input.value = "";
          say("Signed in.");
          render();
        } catch (err) {
          token.clear();
          error.textContent =
            err instanceof ApiError && err.status === 401
              ? "This token is unknown, expired or revoked."
              : err instanceof ApiError && err.status === 403
                ? "This token is not an editor's."
                : `Could not sign in: ${err.message}`;
          input.setAttribute("aria-invalid", "true");
          input.focus();
        }
      },
    },
    h("div", { class: "field" }, h("label", { for: "token" }, "Editor token"), input,
      h("p", { class: "hint", id: "token-hint" }, "Paste a token made with ",
        h("code", {}, "faqd token create --name NAME --role editor"),
        ". It stays in this tab only, until you sign out or close it.")),
    error,
    h("button", { type: "submit", class: "primary" }, "Sign in"),
  );
  input.setAttribute("aria-describedby", "token-hint token-error");
  show(h("h1", {}, "Sign in to the desk"), form);
}

/** Every page, with a filter. */
async function pagesView(initial) {
  const pages = [];
  let cursor;
  for (let i = 0; i < 50; i += 1) {
    const { data } = await call("/pages", { query: { limit: 100, cursor } });
    pages.push(...data.items);
    cursor = data.next_cursor;
    if (!cursor) break;
  }
  const list = h("ul", { class: "pages", id: "page-list" });
  const count = h("p", { class: "hint", "aria-live": "polite" });
  const filter = h("input", { type: "search", id: "page-filter", value: initial, autocomplete: "off" });
  const draw = () => {
    const q = filter.value.trim().toLowerCase();
    const shown = pages.filter((p) => !q || `${p.title} ${p.slug} ${p.lang} ${p.description}`.toLowerCase().includes(q));
    list.replaceChildren(
      ...shown.map((p) =>
        h("li", {},
          h("a", { href: `#/page/${encodeURIComponent(p.slug)}/${encodeURIComponent(p.lang)}` },
            h("span", { class: "title" }, p.title || p.slug)),
          h("span", { class: "meta" }, `${p.slug} · ${p.lang} · ${p.entry_count} entries`),
          p.draft ? h("span", { class: "badge draft" }, "draft page") : null,
          p.publish_at ? h("span", { class: "meta" }, `goes live ${when(p.publish_at)}`) : null,
          p.unpublish_at ? h("span", { class: "meta" }, `leaves readers ${when(p.unpublish_at)}`) : null,
        ),
      ),
    );
    count.textContent = `${shown.length} of ${pages.length} pages`;
  };
  filter.addEventListener("input", draw);
  draw();
  show(
    h("h1", {}, "Pages"),
    h("div", { class: "toolbar" },
      h("div", { class: "field grow" }, h("label", { for: "page-filter" }, "Find a page"), filter),
      h("a", { class: "button", href: "#/import" }, "Import a file")),
    count,
    list,
  );
}

window.addEventListener("hashchange", render);
document.getElementById("sign-out").addEventListener("click", () => {
  // The token and everything the desk kept for this tab.
  sessionStorage.clear();
  say("Signed out: the token is forgotten.");
  location.hash = "#/pages";
  render();
});
render();

export { render };
