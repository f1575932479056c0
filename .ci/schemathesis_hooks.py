"""Schemathesis hooks for .ci/schemathesis: real test data where a schema cannot say what is valid.

- A fixture page (`schemathesis-fixture`, three entries) is imported when the hooks load, so
  that the destructive operations (delete and restore a page or an entry) work on it and not
  on the seed's `faq` page, which the other operations read and write.
- Valid (positive) cases of `POST /pages/{slug}/order` send the page's real entry ids, in an
  order drawn from the generated body (ids exist only at run time), with `If-Match: *`.
- Valid cases of `POST /pages/import` wrap the generated text in a file of the media type
  sent (a question and the text as its answer): a schema cannot say "a page file". TOML is
  sent as the text it is (Schemathesis has no TOML serializer).
- Valid cases of `POST /pages/{slug}/restore` first delete the fixture page, so that there
  is a deleted page to restore.
- A page in two languages (`schemathesis-translated`, English and French) gives
  `PUT /faqs/{ref}/translation` an entry to link: valid cases name the French entry (or
  `null`, which removes the link), as only an entry of the same page in another language is.
- Valid JSON cases of `POST /pages/import` get items an import takes (a question and an
  answer that are not blank, within their lengths).
Negative cases are left as generated. FAQD_URL and FAQD_TOKEN come from .ci/with-faqd.
"""

import json
import os
import random
import urllib.error
import urllib.request

import schemathesis
from schemathesis.generation.modes import GenerationMode

URL = os.environ["FAQD_URL"].rstrip("/")
TOKEN = os.environ["FAQD_TOKEN"]
FIXTURE_MARKDOWN = """---
title: Schemathesis fixture
---

## Schemathesis fixture one?

One.

## Schemathesis fixture two?

Two.

## Schemathesis fixture three?

Three.
"""


schemathesis.serializer.alias("application/toml", "text/plain")


def _request(method, path, body=None, content_type=None, if_match=None):
    req = urllib.request.Request(URL + path, data=body, method=method)
    req.add_header("Authorization", f"Bearer {TOKEN}")
    if content_type:
        req.add_header("Content-Type", content_type)
    if if_match:
        req.add_header("If-Match", if_match)
    with urllib.request.urlopen(req, timeout=20) as res:
        return json.loads(res.read() or b"null")


_request(
    "POST",
    "/api/v1/pages/import?slug=schemathesis-fixture&lang=en",
    FIXTURE_MARKDOWN.encode(),
    "text/markdown",
)
# One page in two languages, for the translation link.
_request(
    "POST",
    "/api/v1/pages/import?slug=schemathesis-translated&lang=en",
    b"## Schemathesis translated one?\n\nOne.\n",
    "text/markdown",
)
_request(
    "POST",
    "/api/v1/pages/import?slug=schemathesis-translated&lang=fr",
    b"## Schemathesis traduit un ?\n\nUn.\n",
    "text/markdown",
)
TRANSLATION_TARGET = _request("GET", "/api/v1/pages/schemathesis-translated?lang=fr")["entries"][0]["slug"]


def _is_positive(case):
    return case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE


def _toml_string(text):
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _page_file(media_type, text):
    text = text.replace("\x00", "")
    question = "Schemathesis import?"
    if media_type == "text/markdown":
        return f"## {question}\n\n{text}\n"
    if media_type == "application/toml":
        return f"[[faq]]\nquestion = {_toml_string(question)}\nanswer = {_toml_string(text)}\n"
    # JSON and YAML: the value, which Schemathesis serializes.
    return [{"question": question, "answer": text}]


def _import_item(i, item):
    """A JSON import item an import takes: generated text where it is usable, else a default."""
    item = item if isinstance(item, dict) else {}

    def text(value, default, limit):
        value = value.replace("\x00", "") if isinstance(value, str) else ""
        return value[:limit] if value.strip() else default

    out = {
        "question": text(item.get("question"), f"Schemathesis import {i}?", 500),
        "answer": text(item.get("answer"), "An answer.", 20000),
    }
    if isinstance(item.get("section"), str) and item["section"].strip():
        out["section"] = item["section"].replace("\x00", "")[:200]
    return out


@schemathesis.hook
def before_call(context, case, kwargs):
    method = case.operation.method.upper()
    path = case.operation.path
    # The seed's page stays what the other operations read: deleting it, or importing over it
    # (an example, or a slug the stateful phase took from a response), goes to pages of the
    # run's own.
    if method == "DELETE" and path == "/api/v1/pages/{slug}" and case.path_parameters:
        if case.path_parameters.get("slug") == "faq":
            case.path_parameters["slug"] = "schemathesis-fixture"
    if path == "/api/v1/pages/import" and (case.query or {}).get("slug") in (None, "faq"):
        case.query = {**(case.query or {}), "slug": "schemathesis-import"}
    if not _is_positive(case):
        return
    if method == "PUT" and path == "/api/v1/faqs/{ref}/translation":
        target = (case.body or {}).get("translation_of") if isinstance(case.body, dict) else None
        case.body = {"translation_of": None if target is None else TRANSLATION_TARGET}
        return
    if method != "POST":
        return
    if path == "/api/v1/pages/{slug}/order":
        slug = (case.path_parameters or {}).get("slug", "faq")
        try:
            page = _request("GET", f"/api/v1/pages/{slug}?lang=en")
        except urllib.error.HTTPError:
            return  # no such page: the request is refused as it is
        ids = [entry["id"] for entry in page["entries"]]
        random.Random(repr(case.body)).shuffle(ids)
        case.body = {"ids": ids}
        # A generated validator is some other version's (412): a valid case reorders
        # whatever version is current.
        case.headers = {**(case.headers or {}), "If-Match": "*"}
    elif path == "/api/v1/pages/{slug}/restore":
        slug = (case.path_parameters or {}).get("slug", "schemathesis-fixture")
        try:
            _request("DELETE", f"/api/v1/pages/{slug}?lang=en", if_match="*")
        except urllib.error.HTTPError:
            pass  # already deleted
    elif path == "/api/v1/pages/import" and isinstance(case.body, str):
        case.body = _page_file(case.media_type, case.body)
        if case.query:
            case.query.pop("questions", None)
    elif path == "/api/v1/pages/import" and isinstance(case.body, list):
        case.body = [_import_item(i, item) for i, item in enumerate(case.body)] or [
            _import_item(0, {})
        ]
        if case.query:
            case.query.pop("questions", None)
