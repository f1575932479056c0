// The desk's only way to the server: faqd's public API with the editor's bearer token.
// The token lives in sessionStorage (this tab, until it closes or the editor signs out);
// it never goes into a URL or a cookie.

const KEY = "faqd.desk.token";
const PREFIX = "/api/v1";

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (value) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
};

/** An answer that is not 2xx: its status, problem+json body (when there is one) and headers. */
export class ApiError extends Error {
  constructor(status, problem, headers) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.headers = headers;
  }
}

/**
 * One API call. `path` is relative to /api/v1. Options: method, json (a body sent as
 * JSON), body + type (a raw body), ifMatch, query (an object), mergePatch (send JSON as
 * application/merge-patch+json), raw (answer the Response, not its JSON).
 * Answers {data, etag, status}; throws ApiError for anything but 2xx.
 */
export async function call(path, options = {}) {
  const headers = { Accept: "application/json" };
  const secret = token.get();
  if (secret) headers.Authorization = `Bearer ${secret}`;
  let body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers["Content-Type"] = options.mergePatch ? "application/merge-patch+json" : "application/json";
  } else if (options.body !== undefined) {
    body = options.body;
    headers["Content-Type"] = options.type;
  }
  if (options.ifMatch) headers["If-Match"] = options.ifMatch;
  let url = PREFIX + path;
  if (options.query) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(options.query)) {
      if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
    }
    const qs = params.toString();
    if (qs) url += (url.includes("?") ? "&" : "?") + qs;
  }
  const res = await fetch(url, {
    method: options.method || "GET",
    headers,
    body,
    cache: "no-store",
    credentials: "omit",
    referrerPolicy: "no-referrer",
  });
  if (!res.ok) {
    let problem = null;
    try {
      problem = await res.json();
    } catch {
      problem = null;
    }
    throw new ApiError(res.status, problem, res.headers);
  }
  if (options.raw) return { data: res, etag: res.headers.get("ETag"), status: res.status };
  const data = res.status === 204 ? null : await res.json();
  return { data, etag: res.headers.get("ETag"), status: res.status };
}

/** A page's path segment and language query. */
export const pagePath = (slug) => `/pages/${encodeURIComponent(slug)}`;
export const entryPath = (ref) => `/faqs/${encodeURIComponent(ref)}`;

/** The ETag of an entry as it was read (strong), from its version and position. */
export const entryTag = (entry) => `"${entry.version}.${entry.position}"`;
