// What readers search for: a chart of searches and of the zero-result rate per day, the
// searches that found nothing (each one a button to write the answer), the top queries.
// What readers think of the answers: the worst-rated entries (with their helpful / not
// helpful counts, each a link to the entry) and the recent feedback with its reasons and
// comments (a comment can be deleted).

import { call } from "./api.js";
import { h, report, say, show, when } from "./ui.js";

/** The reasons readers pick, in words. */
const REASONS = {
  needs_more_information: "needs more information",
  inaccurate: "inaccurate",
  hard_to_understand: "hard to understand",
  broken_link: "broken link",
  other: "other",
};

/** The entries with the most "not helpful" votes, worst first (only those with any). */
function worstRated(entries) {
  const rated = entries.filter((e) => e.feedback && e.feedback.not_helpful > 0);
  if (!rated.length) return h("p", { class: "hint" }, "No answer has been rated unhelpful yet.");
  return h("ol", { class: "queries worst", id: "worst-rated" }, rated.map((e) =>
    h("li", { "data-id": e.id },
      h("a", { class: "q", href: `#/entry/${e.id}` }, e.question),
      h("span", { class: "meta" },
        `${e.feedback.helpful} helpful · ${e.feedback.not_helpful} not helpful · ${e.page} (${e.lang})`))));
}

/** The newest feedback: verdict, reason, comment, the entry it is about; delete one; more. */
function recentFeedback(list) {
  if (!list.items.length) return h("p", { class: "hint" }, "No feedback yet.");
  const ul = h("ul", { class: "queries feedback", id: "recent-feedback" });
  const shown = h("p", { class: "hint", "aria-live": "polite" });
  let total = list.total;
  const count = () => { shown.textContent = `The newest ${ul.children.length} of ${total}.`; };
  const remove = async (f, li) => {
    if (!window.confirm(`Delete this feedback on “${f.question}”? Its vote and comment are gone for good.`)) return;
    try {
      await call(`/feedback/${encodeURIComponent(f.id)}`, { method: "DELETE" });
      const next = li.nextElementSibling || li.previousElementSibling;
      li.remove();
      total -= 1;
      count();
      say("Feedback deleted.");
      const focus = next?.querySelector("button") || document.getElementById("feedback-h");
      if (focus) {
        if (!focus.matches("button")) focus.setAttribute("tabindex", "-1");
        focus.focus();
      }
    } catch (err) {
      report(err, "The feedback was not deleted");
    }
  };
  const row = (f) => {
    const li = h("li", { "data-id": String(f.id) },
      h("span", { class: `verdict ${f.helpful ? "yes" : "no"}` }, f.helpful ? "Helpful" : "Not helpful"),
      h("a", { class: "q", href: `#/entry/${f.entry_id}` }, f.question),
      h("span", { class: "meta" }, [f.reason ? REASONS[f.reason] || f.reason : "", when(f.created_at)].filter(Boolean).join(" · ")),
      f.comment ? h("blockquote", {}, f.comment) : null);
    li.append(h("button", {
      type: "button", class: "small danger",
      "aria-label": `Delete feedback on: ${f.question}`,
      onclick: () => remove(f, li),
    }, "Delete"));
    return li;
  };
  let cursor = list.next_cursor;
  const more = h("button", {
    type: "button", hidden: !cursor,
    onclick: async () => {
      try {
        const { data } = await call("/feedback", { query: { limit: 20, cursor } });
        const rows = data.items.map(row);
        ul.append(...rows);
        cursor = data.next_cursor;
        total = data.total;
        more.hidden = !cursor;
        count();
        rows[0]?.querySelector("a")?.focus();
      } catch (err) {
        report(err, "No more feedback could be read");
      }
    },
  }, "Show older feedback");
  ul.append(...list.items.map(row));
  count();
  return [shown, ul, more];
}

/** Every day of the range, oldest first, with its counts (0 for days without searches). */
function series(data) {
  const byDay = new Map(data.by_day.map((d) => [d.day, d]));
  const days = [];
  const today = new Date();
  for (let i = data.days - 1; i >= 0; i -= 1) {
    const d = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - i));
    const key = d.toISOString().slice(0, 10);
    const found = byDay.get(key);
    days.push({ day: key, searches: found?.searches || 0, empty: found?.searches_without_hits || 0 });
  }
  return days;
}

/** Bars: searches per day; line: the share of them that found nothing. */
function chart(days) {
  const W = 720, H = 240, left = 44, right = 44, top = 16, bottom = 36;
  const plotW = W - left - right, plotH = H - top - bottom;
  const most = Math.max(1, ...days.map((d) => d.searches));
  const step = plotW / days.length;
  const x = (i) => left + i * step;
  const yCount = (n) => top + plotH - (n / most) * plotH;
  const yRate = (r) => top + plotH - r * plotH;
  const total = days.reduce((s, d) => s + d.searches, 0);
  const empty = days.reduce((s, d) => s + d.empty, 0);
  const svg = h("svg:svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-labelledby": "chart-title chart-desc" },
    h("svg:title", { id: "chart-title" }, "Searches and zero-result rate per day"),
    h("svg:desc", { id: "chart-desc" }, `${total} searches over ${days.length} days, ${total ? Math.round((100 * empty) / total) : 0} % of them found nothing. The table below gives each day.`),
    // Axes and grid.
    [0, 0.5, 1].map((f) => h("svg:line", { x1: left, x2: W - right, y1: yRate(f), y2: yRate(f), class: "grid" })),
    h("svg:text", { x: left - 6, y: yCount(most) + 4, class: "axis", "text-anchor": "end" }, String(most)),
    h("svg:text", { x: left - 6, y: yCount(0) + 4, class: "axis", "text-anchor": "end" }, "0"),
    h("svg:text", { x: W - right + 6, y: yRate(1) + 4, class: "axis rate" }, "100 %"),
    h("svg:text", { x: W - right + 6, y: yRate(0) + 4, class: "axis rate" }, "0 %"),
    days.map((d, i) => h("svg:rect", {
      x: x(i) + step * 0.15, width: Math.max(1, step * 0.7),
      y: yCount(d.searches), height: Math.max(0, top + plotH - yCount(d.searches)), class: "bar",
    }, h("svg:title", {}, `${d.day}: ${d.searches} searches, ${d.empty} found nothing`))),
    // The rate exists only on days with searches: a line through those days, a dot on each.
    h("svg:polyline", {
      class: "rate-line", fill: "none",
      points: days.flatMap((d, i) => (d.searches ? [`${x(i) + step / 2},${yRate(d.empty / d.searches)}`] : [])).join(" "),
    }),
    days.map((d, i) => d.searches
      ? h("svg:circle", { cx: x(i) + step / 2, cy: yRate(d.empty / d.searches), r: 4, class: "rate-dot" },
          h("svg:title", {}, `${d.day}: ${Math.round((100 * d.empty) / d.searches)} % found nothing`))
      : null),
    [0, Math.floor(days.length / 2), days.length - 1].map((i) =>
      h("svg:text", { x: x(i) + step / 2, y: H - 12, class: "axis", "text-anchor": "middle" }, days[i].day.slice(5))),
  );
  return h("figure", { class: "card" },
    svg,
    h("figcaption", {}, h("span", { class: "key bar-key" }, "■"), " searches per day   ",
      h("span", { class: "key rate-key" }, "━"), " share that found nothing"));
}

export async function insightsView() {
  const [{ data }, { data: worst }, { data: feedback }] = await Promise.all([
    call("/search/insights", { query: { days: 30, limit: 20 } }),
    call("/faqs", { query: { sort: "-not_helpful", limit: 10 } }),
    call("/feedback", { query: { limit: 20 } }),
  ]);
  const days = series(data);
  const queryList = (items, withWrite) =>
    items.length
      ? h("ul", { class: "queries" }, items.map((q) =>
          h("li", {},
            h("span", { class: "q" }, q.query),
            h("span", { class: "meta" }, `${q.searches} searches, ${q.no_hits} found nothing`),
            withWrite
              ? h("a", { class: "button small", href: `#/new?q=${encodeURIComponent(q.query)}` },
                  "Write an answer for this", h("span", { class: "visually-hidden" }, `: ${q.query}`))
              : null)))
      : h("p", { class: "hint" }, "Nothing yet.");
  show(
    h("h1", {}, "Insights"),
    h("p", {}, `What readers searched for in the last ${data.days} days.`),
    chart(days),
    h("details", { class: "card" },
      h("summary", {}, "The numbers, day by day"),
      h("table", {},
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Day"), h("th", { scope: "col" }, "Searches"), h("th", { scope: "col" }, "Found nothing"))),
        h("tbody", {}, days.filter((d) => d.searches).reverse().map((d) =>
          h("tr", {}, h("th", { scope: "row" }, d.day), h("td", {}, String(d.searches)), h("td", {}, String(d.empty))))))),
    h("div", { class: "split" },
      h("section", { "aria-labelledby": "no-hits-h", id: "no-hits" },
        h("h2", { id: "no-hits-h" }, "Searches that found nothing"),
        queryList(data.overall.no_hits, true)),
      h("section", { "aria-labelledby": "top-h" },
        h("h2", { id: "top-h" }, "Top searches"),
        queryList(data.overall.top, false))),
    h("div", { class: "split" },
      h("section", { "aria-labelledby": "worst-h", id: "worst" },
        h("h2", { id: "worst-h" }, "Worst-rated answers"),
        worstRated(worst.items)),
      h("section", { "aria-labelledby": "feedback-h", id: "feedback" },
        h("h2", { id: "feedback-h" }, "Recent reader feedback"),
        recentFeedback(feedback))),
  );
}
