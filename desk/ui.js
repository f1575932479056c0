// Building the DOM without HTML strings: text is always text (textContent), and the only
// HTML ever inserted is what the server rendered and sanitised (answers, previews).

/**
 * h("button", {class: "x", onclick: fn, disabled: true}, "text", child...)
 * Attributes starting with `on` become listeners (no inline handlers: the CSP forbids them);
 * `false`, `null` and `undefined` attributes and children are left out.
 */
export function h(tag, attrs = {}, ...children) {
  const svg = tag.startsWith("svg:");
  const el = svg
    ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4))
    : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "html") {
      el.innerHTML = value; // only ever server-sanitised HTML
    } else if (key === "value" && !svg) {
      el.value = value;
    } else if (key === "checked" && !svg) {
      el.checked = Boolean(value);
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === false || child === null || child === undefined) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the main region's content and moves focus to its heading (or the region). */
export function show(...children) {
  const main = document.getElementById("main");
  main.replaceChildren();
  append(main, children);
  const heading = main.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  } else {
    main.focus();
  }
}

/** Says something to everyone, screen readers included (a polite live region). */
export function say(message, kind = "info") {
  const status = document.getElementById("status");
  status.className = `status ${kind}`;
  status.textContent = message;
  clearTimeout(say.timer);
  say.timer = setTimeout(() => {
    status.textContent = "";
    status.className = "status";
  }, 8000);
}

/** A labelled form field: label + control (+ hint), ids tied together. */
let fieldCount = 0;
export function field(label, control, hint) {
  fieldCount += 1;
  const id = control.id || `f${fieldCount}`;
  control.id = id;
  const parts = [h("label", { for: id }, label), control];
  if (hint) {
    const hintId = `${id}-hint`;
    control.setAttribute("aria-describedby", hintId);
    parts.push(h("p", { class: "hint", id: hintId }, hint));
  }
  return h("div", { class: "field" }, parts);
}

/** Calls `fn` once typing pauses for `ms`. */
export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** A date-time for people, in their locale. */
export function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** An ISO instant as a datetime-local value (local time, to the second). */
export function toLocalInput(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A datetime-local value as an ISO instant, or null when empty. */
export function fromLocalInput(value) {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** Offers `text` as a file download (a blob URL: nothing leaves the browser). */
export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h("a", { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Reports a failed action in the status region; a refused token signs the editor out. */
export function report(err, what = "That did not work") {
  if (err && err.status === 401) {
    sessionStorage.clear();
    location.reload();
    return;
  }
  const detail = err?.problem?.errors?.length
    ? err.problem.errors.map((e) => `${e.field}: ${e.message}`).join("; ")
    : err?.message || String(err);
  say(`${what}: ${detail}`, "error");
}
