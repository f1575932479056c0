// Walks the editors' desk in Debian's Chromium (playwright-core, no browser downloaded),
// against a real faqd ($FAQD_URL, an editor's $FAQD_TOKEN): every flow an editor has, each
// step checked through the public API as well; axe-core on every screen (no serious or
// critical violation); screenshots of the main screens into docs/screenshots/; no
// Content-Security-Policy violation, no console error, no request to another host.
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const BASE = process.env.FAQD_URL;
const TOKEN = process.env.FAQD_TOKEN;
const BROWSER = process.env.CHROMIUM || "/usr/bin/chromium";
const SHOTS = process.env.DESK_SCREENSHOTS || join(root, "docs", "screenshots");
if (!BASE || !TOKEN) {
  console.error("run under .ci/with-faqd (FAQD_URL and FAQD_TOKEN)");
  process.exit(2);
}
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

let steps = 0;
const problems = [];
const step = (name) => {
  steps += 1;
  console.log(`desk check ${String(steps).padStart(2)}: ${name}`);
};
function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
}

/** The public API, as an editor (token) or anonymously. */
async function api(path, { token = TOKEN, method = "GET", json, ifMatch } = {}) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (json !== undefined) headers["Content-Type"] = "application/json";
  if (ifMatch) headers["If-Match"] = ifMatch;
  const res = await fetch(`${BASE}/api/v1${path}`, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
  const text = await res.text();
  let body = null;
  try { body = JSON.parse(text); } catch { body = text; }
  return { status: res.status, body, etag: res.headers.get("etag") };
}
const anon = (path) => api(path, { token: null });

/** The change feed after `cursor` (from its start without one), all of it: items and the cursor to follow. */
async function changesAfter(cursor) {
  const items = [];
  for (;;) {
    const { body } = await anon(`/changes?limit=100${cursor ? `&since=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...body.items);
    cursor = body.next_cursor || cursor;
    if (!body.has_more) return { items, cursor };
  }
}

/** Polls `probe` until it answers true, for at most `ms`: never a fixed sleep. */
async function until(probe, what, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const profile = mkdtempSync(join(tmpdir(), "faqd-desk-profile-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: BROWSER,
  headless: true,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--no-default-browser-check", "--disable-extensions",
  ],
  viewport: { width: 1440, height: 900 },
  locale: "en-US",
  timezoneId: "UTC",
});
const page = context.pages()[0] || (await context.newPage());
page.setDefaultTimeout(10000);
const origin = new URL(BASE).origin;
// Nothing but this faqd: any other request is refused and counted.
await context.route("**/*", (route) => {
  const url = route.request().url();
  if (url.startsWith(origin) || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
  problems.push(`request to another host: ${url}`);
  return route.abort();
});
page.on("console", (msg) => {
  if (msg.type() === "error" || /Content Security Policy|Refused to/.test(msg.text())) {
    // A refused write shows up as a failed fetch: the desk handles it, the walk expects some.
    if (/Failed to load resource: the server responded with a status of (401|404|409|412|422)/.test(msg.text())) return;
    problems.push(`console ${msg.type()}: ${msg.text()}`);
  }
});
page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
page.on("dialog", (dialog) => dialog.accept());

const audited = [];
/** axe-core on the screen as it is: no serious or critical violation. */
async function audit(name) {
  // Injected through the DevTools protocol, not as a page script: the desk's policy stays as it is.
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
  const bad = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  for (const v of bad) problems.push(`axe on ${name}: ${v.impact} ${v.id} (${v.help}) at ${v.nodes.join(", ")}`);
  const minor = result.filter((v) => !bad.includes(v)).map((v) => `${v.impact} ${v.id}`);
  audited.push(`${name}${minor.length ? ` (${minor.join(", ")})` : ""}`);
}
async function shot(name) {
  mkdirSync(SHOTS, { recursive: true });
  // The passing status message would cover part of the picture.
  await page.evaluate(() => { document.getElementById("status").textContent = ""; });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}
async function screen(name, { picture = true } = {}) {
  await audit(name);
  if (picture) await shot(name);
}
const go = async (hash) => {
  await page.goto(`${BASE}/admin${hash}`);
};
const heading = (text) => page.locator("h1", { hasText: text });

try {
  // ---------------------------------------------------------------- sign in
  step("sign in with a pasted token (kept in sessionStorage only)");
  await go("");
  await heading("Sign in").waitFor();
  await screen("sign-in");
  await page.getByLabel("Editor token").fill("faqd_wrong");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("This token is unknown").waitFor();
  await page.getByLabel("Editor token").fill(TOKEN);
  await page.keyboard.press("Enter");
  await heading("Pages").waitFor();
  const stored = await page.evaluate(() => ({ session: Object.values(sessionStorage), local: localStorage.length, cookie: document.cookie }));
  check(stored.session.includes(TOKEN) && stored.local === 0 && stored.cookie === "", "the token is in sessionStorage only");
  check(!page.url().includes(TOKEN), "the token is not in the URL");
  await screen("pages");

  // ---------------------------------------------------------------- pages: search, open
  step("find a page and open it");
  await page.getByLabel("Find a page").fill("manufacture");
  await page.locator("#page-list a").first().click();
  await page.locator("#entries li").first().waitFor();
  const seed = await api("/pages/faq?lang=en");
  check((await page.locator("#entries li").count()) === seed.body.entries.length, "every entry of the page is listed");
  await screen("page");

  // ---------------------------------------------------------------- new entry, duplicate warning
  step("new entry: a near-copy of a question is flagged while typing");
  await page.getByRole("link", { name: "New entry" }).click();
  await heading("New entry").waitFor();
  await page.getByLabel("Question").pressSequentially("What is a technical coach exactly?", { delay: 5 });
  await page.locator("#similar .warn").getByRole("link", { name: "What is a technical coach?" }).waitFor();
  await page.getByLabel("Answer (Markdown)").fill("Someone who **pairs** with teams.");
  await page.locator("#preview strong", { hasText: "pairs" }).waitFor();
  await screen("new-entry-duplicate-warning");
  const similar = await api(`/faqs/similar?q=${encodeURIComponent("What is a technical coach exactly?")}`);
  check(similar.body.items[0].question === "What is a technical coach?", "the API finds the same near question");

  step("save as draft (readers do not see it)");
  await page.getByLabel("Question").fill("How do I book a technical coach?");
  await page.getByLabel("Tags").fill("booking, coaching");
  await page.getByLabel("Section").fill("Practicalities");
  await page.getByRole("button", { name: "Save as draft" }).click();
  await heading("Edit entry").waitFor();
  const entryId = page.url().split("/entry/")[1];
  let entry = await api(`/faqs/${entryId}`);
  check(entry.body.status === "draft" && entry.body.tags.join() === "booking,coaching" && entry.body.section === "Practicalities", "a draft with its tags and section");
  check((await anon(`/faqs/${entryId}`)).status === 404, "readers do not see the draft");
  await screen("entry-editor");

  // ---------------------------------------------------------------- publish, stage, publish
  step("publish, then stage a change (readers keep the published text), then publish it");
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await page.locator("#entry-status .badge", { hasText: "published" }).waitFor();
  check((await anon(`/faqs/${entryId}`)).body.answer === "Someone who **pairs** with teams.", "readers see the published entry");
  await page.getByLabel("Answer (Markdown)").fill("Write to **the desk**.");
  await page.getByRole("button", { name: "Stage change" }).click();
  await page.locator("#entry-status .badge", { hasText: "changed" }).waitFor();
  check((await anon(`/faqs/${entryId}`)).body.answer === "Someone who **pairs** with teams.", "a staged change stays unseen");
  check((await api(`/faqs/${entryId}`)).body.status === "changed", "editors see it staged");
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await page.locator("#entry-status .badge", { hasText: "published" }).waitFor();
  check((await anon(`/faqs/${entryId}`)).body.answer === "Write to **the desk**.", "published: readers see the change");

  // ---------------------------------------------------------------- 412 and reapply
  step("a concurrent edit: the desk meets a 412, shows both versions, reapplies");
  const other = await api(`/faqs/${entryId}`, { method: "PATCH", json: { answer: "Changed by someone else." }, ifMatch: "*" });
  check(other.status === 200, "the concurrent edit went through");
  await page.getByLabel("Question").fill("How can I book a technical coach?");
  await page.getByRole("button", { name: /^Save/ }).click();
  const conflict = page.locator(".conflict");
  await conflict.waitFor();
  check(await conflict.getByText("Changed by someone else.").isVisible(), "the version saved meanwhile is shown");
  check(await conflict.getByText("How can I book a technical coach?").isVisible(), "the editor's version is shown");
  check((await api(`/faqs/${entryId}`)).body.question === "How do I book a technical coach?", "nothing was overwritten by the refused write");
  await screen("conflict");
  await page.getByRole("button", { name: "Reapply my changes" }).click();
  await conflict.waitFor({ state: "detached" });
  entry = await api(`/faqs/${entryId}`);
  check(entry.body.question === "How can I book a technical coach?", "reapplied over the new version");

  // ---------------------------------------------------------------- reorder
  step("reorder with the keyboard (Move up) and by drag and drop");
  await page.getByRole("link", { name: "faq (en)" }).click();
  await page.locator("#entries li").first().waitFor();
  const before = (await api("/pages/faq?lang=en")).body.entries;
  const last = before[before.length - 1];
  check(last.id === entryId, "the new entry is last");
  const up = page.getByRole("button", { name: `Move up: ${last.question}` });
  await up.focus();
  await page.keyboard.press("Enter");
  await until(async () => (await api(`/faqs/${entryId}`)).body.position === before.length - 1, "the move up");
  check(await page.evaluate(() => document.activeElement?.dataset.dir === "up"), "focus stays on the moved entry's button");
  const firstId = before[0].id;
  await page.locator(`#entries li[data-id="${firstId}"] .drag`).dragTo(page.locator("#entries li").nth(2));
  await until(async () => (await api(`/faqs/${firstId}`)).body.position === 3, "the drop of the first entry on the third place");
  await screen("page-reordered", { picture: false });

  // ---------------------------------------------------------------- history, diff, restore
  step("history: a version's diff, then restore it");
  await page.locator("#entries a", { hasText: "How can I book a technical coach?" }).click();
  await heading("Edit entry").waitFor();
  await page.getByRole("link", { name: "History" }).click();
  await heading("History").waitFor();
  const revisions = (await api(`/faqs/${entryId}/revisions`)).body.items;
  const target = revisions.find((r) => r.version === 2);
  await page.getByRole("button", { name: "Version 3", exact: true }).click();
  await page.locator("#revision .diff").waitFor();
  check(await page.locator("#revision .diff .add").first().isVisible(), "added lines are marked");
  await screen("history-diff");
  await page.getByRole("button", { name: "Version 2", exact: true }).click();
  await page.getByRole("button", { name: "Restore version 2" }).click();
  await heading("Edit entry").waitFor();
  const v2 = (await api(`/faqs/${entryId}/revisions/2`)).body;
  entry = await api(`/faqs/${entryId}`);
  check(entry.body.answer === v2.answer && entry.body.version > target.version, "version 2's content is the current version");

  // ---------------------------------------------------------------- delete and the trash
  step("delete an entry, restore it from the trash");
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  await heading(/^faq|Manufacture/).waitFor();
  check((await api(`/faqs/${entryId}`)).status === 404, "deleted");
  check((await api("/faqs?deleted=true")).body.items.some((e) => e.id === entryId), "in the trash");
  await page.getByRole("link", { name: "Trash" }).click();
  await heading("Trash").waitFor();
  await screen("trash");
  await page.getByRole("button", { name: `Restore: ${entry.body.question}` }).click();
  await until(async () => (await api(`/faqs/${entryId}`)).status === 200, "the restored entry");

  // ---------------------------------------------------------------- import with a dry run
  step("import a file: dry run first (nothing changes), then apply");
  await page.getByRole("link", { name: "Import", exact: true }).click();
  await heading("Import a page file").waitFor();
  const file = "---\ntitle: Walk\n---\n\n## Can I import a file?\n\nYes, from the desk.\n\n## Is there a dry run?\n\nYes: nothing changes until you apply.\n";
  await page.getByLabel("File").setInputFiles({ name: "walk.md", mimeType: "text/markdown", buffer: Buffer.from(file) });
  await page.getByLabel("Page slug").fill("walk");
  await page.getByLabel("Language").fill("en");
  await page.getByRole("button", { name: "Preview (dry run)" }).click();
  await page.locator("#r-created li").nth(1).waitFor();
  check((await api("/pages/walk?lang=en")).status === 404, "a dry run creates nothing");
  await screen("import-dry-run");
  await page.getByRole("button", { name: "Apply this import" }).click();
  await page.getByRole("link", { name: "Open the page" }).waitFor();
  const walkPage = await api("/pages/walk?lang=en");
  check(walkPage.status === 200 && walkPage.body.entries.length === 2, "applied: the page and its two entries");

  step("delete a page, restore it from the trash");
  await page.getByRole("link", { name: "Open the page" }).click();
  await heading("Walk").waitFor();
  await page.getByRole("button", { name: "Delete page" }).click();
  await heading("Trash").waitFor();
  check((await anon("/pages/walk?lang=en")).status === 404, "the page left readers");
  await page.getByRole("button", { name: "Restore page walk (en)" }).click();
  await heading("Walk").waitFor();
  check((await anon("/pages/walk?lang=en")).status === 200, "the page is back");

  step("export a page");
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export" }).click();
  const saved = await download;
  const exported = readFileSync(await saved.path(), "utf8");
  check(exported.includes("Can I import a file?"), "the export holds the page's questions");

  // ---------------------------------------------------------------- insights
  step("insights: a chart per day; a search that found nothing becomes an entry");
  for (const q of ["quantum blockchain payroll", "quantum blockchain payroll", "coach", "teams"]) {
    check((await anon(`/search?q=${encodeURIComponent(q)}`)).status === 200, `search ${q}`);
  }
  await page.getByRole("link", { name: "Insights" }).click();
  await heading("Insights").waitFor();
  await page.locator("svg.chart rect.bar").last().waitFor();
  check(Number(await page.locator("svg.chart rect.bar").last().getAttribute("height")) > 0, "today's searches are drawn");
  await screen("insights");
  await page.getByRole("link", { name: /^Write an answer for this\W+quantum blockchain payroll$/ }).click();
  await heading("New entry").waitFor();
  await page.getByLabel("Page").selectOption("faq/en");
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByLabel("Answer (Markdown)").waitFor();
  check((await page.getByLabel("Question").inputValue()) === "quantum blockchain payroll", "the query is the question");
  await page.getByLabel("Question").fill("Do you handle quantum blockchain payroll?");
  await page.getByLabel("Answer (Markdown)").fill("No: we coach teams.");
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await heading("Edit entry").waitFor();
  const found = await anon(`/search?q=${encodeURIComponent("quantum blockchain payroll")}`);
  check(found.body.total >= 1, "readers now find an answer");

  // ---------------------------------------------------------------- reader feedback
  step("insights: the worst-rated answers and recent feedback; delete a comment, open an entry");
  const rated = (await anon("/pages/faq?lang=en")).body.entries.slice(0, 3);
  const votes = [
    { helpful: false, reason: "broken_link", comment: "The link to the booking form is broken." },
    { helpful: false, reason: "inaccurate" },
    { helpful: true },
  ];
  for (const [i, vote] of votes.entries()) {
    const sent = await api(`/faqs/${rated[i].id}/feedback`, { token: null, method: "POST", json: vote });
    check(sent.status === 202, `feedback ${i + 1} recorded (${sent.status})`);
  }
  const worstApi = (await api("/faqs?sort=-not_helpful&limit=10")).body.items.filter((e) => e.feedback.not_helpful > 0);
  check(worstApi.length === 2 && worstApi.every((e) => e.id !== rated[2].id), "the API ranks the two unhelpful answers worst");
  await page.getByRole("link", { name: "Insights" }).click();
  await heading("Insights").waitFor();
  const worstRows = page.locator("#worst-rated li");
  await worstRows.first().waitFor();
  check((await worstRows.count()) === worstApi.length, "the desk lists the worst-rated answers the API gives");
  for (const [i, e] of worstApi.entries()) {
    const row = worstRows.nth(i);
    check((await row.locator("a").textContent()) === e.question, `worst-rated ${i + 1} is ${e.question}`);
    check((await row.textContent()).includes(`${e.feedback.helpful} helpful · ${e.feedback.not_helpful} not helpful`), "with its counts");
  }
  const recent = page.locator("#recent-feedback li");
  check((await recent.count()) === (await api("/feedback?limit=20")).body.items.length, "every recent feedback is listed");
  const commented = recent.filter({ hasText: "The link to the booking form is broken." });
  check((await commented.textContent()).includes("broken link"), "the comment and its reason are shown");
  await screen("feedback");
  const commentId = (await api(`/feedback?entry=${rated[0].id}`)).body.items[0].id;
  await commented.getByRole("button", { name: `Delete feedback on: ${rated[0].question}` }).click();
  await until(async () => (await api(`/feedback?entry=${rated[0].id}`)).body.total === 0, "the deleted comment");
  await commented.waitFor({ state: "detached" });
  const feedbackLeft = (await api("/feedback")).body.total;
  await page.locator("#feedback .hint", { hasText: `of ${feedbackLeft}.` }).waitFor();
  check((await api("/feedback")).body.items.every((f) => f.id !== commentId), "gone from the API too");
  await page.locator("#worst-rated a").filter({ hasText: rated[1].question }).click();
  await heading("Edit entry").waitFor();
  check(page.url().endsWith(`/entry/${rated[1].id}`), "the worst-rated link opens the entry");

  // ---------------------------------------------------------------- scheduled publishing
  step("schedule a publication: a draft goes live by itself at the time set");
  await go("#/new/faq/en");
  await heading("New entry").waitFor();
  await page.getByLabel("Question").fill("When does the autumn programme open?");
  await page.getByLabel("Answer (Markdown)").fill("In **September**.");
  const soon = new Date(Date.now() + 4000);
  const local = soon.toISOString().slice(0, 19); // the browser runs in UTC
  await page.getByLabel("Publish at", { exact: true }).fill(local);
  await screen("schedule");
  await page.getByRole("button", { name: "Save as draft" }).click();
  await heading("Edit entry").waitFor();
  const scheduledId = page.url().split("/entry/")[1];
  const scheduled = await api(`/faqs/${scheduledId}`);
  check(scheduled.body.status === "draft" && Math.abs(new Date(scheduled.body.publish_at) - soon) < 1000, "editors see the schedule");
  check(await page.locator("#entry-status", { hasText: "publishes" }).isVisible(), "the desk shows it");
  check((await anon(`/faqs/${scheduledId}`)).status === 404, "not live before its time");
  await until(async () => (await anon(`/faqs/${scheduledId}`)).status === 200, "the scheduled publication", 20000);
  const history = (await api(`/faqs/${scheduledId}/revisions`)).body.items;
  check(history[0].kind === "published" && history[0].actor === "scheduler", "published by the scheduler, as by hand");
  await page.reload();
  await page.locator("#entry-status .badge", { hasText: "published" }).waitFor();

  step("schedule a page: made a draft now, it goes live by itself at the time set");
  const { cursor: feedBefore } = await changesAfter(null);
  await go("#/page/walk/en");
  await heading("Walk").waitFor();
  await page.getByLabel("Draft page (hidden from readers)").check();
  const pageSoon = new Date(Date.now() + 4000);
  await page.getByLabel("Publish at", { exact: true }).fill(pageSoon.toISOString().slice(0, 19));
  await page.getByRole("button", { name: "Save page fields" }).click();
  await page.locator("#page-schedule", { hasText: "Goes live" }).waitFor();
  const walkScheduled = await api("/pages/walk?lang=en");
  check(walkScheduled.body.draft === true && Math.abs(new Date(walkScheduled.body.publish_at) - pageSoon) < 1000, "editors see the page's schedule");
  const walkAnon = await anon("/pages/walk?lang=en");
  check(walkAnon.status === 404, "the draft page left readers until its time");
  await screen("page-schedule");
  await until(async () => (await anon("/pages/walk?lang=en")).status === 200, "the scheduled page publication", 20000);
  const walkLive = await api("/pages/walk?lang=en");
  check(walkLive.body.draft === false && walkLive.body.publish_at === undefined, "published by the scheduler; the schedule is gone");
  check((await anon("/pages/walk?lang=en")).body.publish_at === undefined, "readers never see a schedule");
  let feed = [];
  await until(async () => {
    feed = (await changesAfter(feedBefore)).items.map((c) => `${c.kind} ${c.page}`);
    return feed.length >= 2;
  }, "the page's events in the change feed", 5000);
  check(feed.join() === "page.unpublished walk,page.published walk", `the change feed says what the manual changes say (${feed.join()})`);
  await page.reload();
  await page.locator("#page-schedule", { hasText: "Nothing scheduled." }).waitFor();
  check(!(await page.getByLabel("Draft page (hidden from readers)").isChecked()), "the desk shows the page live");

  // ---------------------------------------------------------------- narrow screens
  step("360 px wide: the pages, a page and the editor");
  await page.setViewportSize({ width: 360, height: 780 });
  await go("#/pages");
  await heading("Pages").waitFor();
  await screen("pages-360");
  await go("#/page/faq/en");
  await page.locator("#entries li").first().waitFor();
  await screen("page-360");
  await go(`#/entry/${entryId}`);
  await heading("Edit entry").waitFor();
  await screen("entry-editor-360");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(overflow <= 0, `nothing wider than the screen at 360 px (${overflow} px over)`);
  await page.setViewportSize({ width: 1440, height: 900 });

  // ---------------------------------------------------------------- sign out
  step("sign out forgets the token");
  await page.getByRole("button", { name: "Sign out" }).click();
  await heading("Sign in").waitFor();
  check((await page.evaluate(() => sessionStorage.length)) === 0, "sessionStorage is empty");
} catch (err) {
  problems.push(String(err?.stack || err));
  try { await shot("failure"); } catch { /* nothing to add */ }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}

if (problems.length) {
  console.error("FAIL: the desk in Chromium:");
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(`desk check: ${steps} steps passed in Chromium; axe-core found no serious or critical violation on ${audited.length} screens: ${audited.join(", ")}`);
