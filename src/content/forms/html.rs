//! Raw HTML FAQ items in a Markdown body: `<details>` blocks whose `<summary>` asks the
//! question, and accordions pasted from a CSS framework (Bootstrap's
//! `.accordion-item` with an `.accordion-button` and an `.accordion-body`, or a site's own
//! question `<button>`/`<h3>` with an answer panel `<div>` marked by class names).
//!
//! Only HTML that Markdown passes through is read: the byte ranges of pulldown-cmark's HTML
//! events (blocks and inline tags), so that a tag shown in a code block or a code span is never
//! taken for markup. A small tag scanner walks those ranges once (linear in the input) and
//! keeps a stack of open elements, bounded at [`MAX_DEPTH`]; void elements and paragraphs
//! closed by a following block are handled as HTML parsers do. A `<details>` or an answer panel
//! that is never closed, or nesting past the bound, is a clear error.

mod tags;

use std::ops::Range;

use crate::content::forms::html::tags::{Element, elements};

pub use tags::{MAX_DEPTH, MAX_TAG};

/// Which HTML form an item was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HtmlKind {
    /// `<details><summary>…</summary>…</details>`.
    Details,
    /// A question element with an answer panel marked by class names.
    Accordion,
}

/// How the answer of an item is read by Hugo, which decides how an edit is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HtmlSlot {
    /// A blank line separates the answer from the tags before it: Markdown.
    Markdown,
    /// The answer is inside the HTML block: HTML, so an edit is HTML-escaped.
    Html,
}

/// One raw HTML question and answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub kind: HtmlKind,
    /// From the item's opening tag to the end of its closing tag.
    pub item_span: Range<usize>,
    /// The question element's content, trimmed.
    pub question_span: Range<usize>,
    /// The question as text: tags stripped, entities decoded, whitespace runs as one space.
    pub question: String,
    /// The answer: the content between the question and the end of the item (details) or of
    /// the answer panel (accordion), without surrounding blank lines.
    pub answer_span: Range<usize>,
    pub slot: HtmlSlot,
}

/// The raw HTML items of a body, by form.
#[derive(Debug, Default)]
pub struct Found {
    pub details: Vec<Item>,
    pub accordion: Vec<Item>,
    /// `<h1>`…`<h6>` elements outside every item: the sections of a raw HTML FAQ.
    pub headings: Vec<Heading>,
}

/// A raw HTML heading outside the items (`<h2>Billing</h2>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    /// The whole element, tags included.
    pub span: Range<usize>,
    /// Its text: tags stripped, entities decoded, whitespace runs as one space.
    pub text: String,
}

/// Class names of a question element.
const QUESTION_CLASSES: &[&str] = &[
    "accordion-button",
    "accordion-header",
    "accordion-heading",
    "accordion-title",
    "accordion-toggle",
    "accordion-trigger",
    "collapsible-header",
    "panel-title",
    "toggle-title",
    "faq-title",
    "card-header",
];
/// Class names of an answer panel.
const ANSWER_CLASSES: &[&str] = &[
    "accordion-body",
    "accordion-collapse",
    "accordion-content",
    "accordion-panel",
    "collapsible-body",
    "panel-body",
    "panel-collapse",
    "faq-content",
    "faq-body",
    "toggle-content",
    "collapse",
    "card-body",
];

fn class_has(class: &str, list: &[&str], word: &str) -> bool {
    class.split_ascii_whitespace().any(|c| {
        let c = c.to_ascii_lowercase();
        list.contains(&c.as_str()) || c.contains(word)
    })
}

fn is_question_element(e: &Element) -> bool {
    class_has(&e.class, QUESTION_CLASSES, "question")
}

fn is_answer_element(e: &Element) -> bool {
    class_has(&e.class, ANSWER_CLASSES, "answer")
}

/// Reads the raw HTML items of `source` inside `html` (the byte ranges of Markdown's HTML
/// events, in order).
pub fn scan(source: &str, html: &[Range<usize>]) -> Result<Found, String> {
    let elements = elements(source, html, |name, class| {
        name == "details"
            || name == "summary"
            || class
                .split_ascii_whitespace()
                .any(|w| ANSWER_CLASSES.iter().any(|c| w.eq_ignore_ascii_case(c)))
    })?;
    let mut found = Found::default();
    // `<details>` items: the outermost ones (a details inside an answer belongs to it), whose
    // first child is a `<summary>`.
    let mut last_end = 0;
    for (id, details) in elements.iter().enumerate() {
        let Some(details) = details else { continue };
        if details.name != "details" || details.outer.start < last_end {
            continue;
        }
        let Some(Some(summary)) = elements.get(id + 1) else {
            continue;
        };
        if summary.name != "summary"
            || summary.parent != Some(id)
            || !source[details.inner.start..summary.outer.start]
                .trim()
                .is_empty()
        {
            continue;
        }
        let question = text_of(&source[summary.inner.clone()]);
        if question.is_empty() {
            continue;
        }
        let (answer_span, slot) = answer_of(source, summary.outer.end..details.inner.end);
        found.details.push(Item {
            kind: HtmlKind::Details,
            item_span: details.outer.clone(),
            question_span: trim(source, summary.inner.clone()),
            question,
            answer_span,
            slot,
        });
        last_end = details.outer.end;
    }
    found.accordion = accordions(source, &elements, &found.details);
    found.headings = headings(source, &elements, &found);
    Ok(found)
}

/// The headings outside the items, in order.
fn headings(source: &str, elements: &[Option<Element>], found: &Found) -> Vec<Heading> {
    let items: Vec<&Range<usize>> = found
        .details
        .iter()
        .chain(&found.accordion)
        .map(|item| &item.item_span)
        .collect();
    elements
        .iter()
        .flatten()
        .filter_map(|e| {
            let level = match e.name.as_str() {
                "h1" => 1,
                "h2" => 2,
                "h3" => 3,
                "h4" => 4,
                "h5" => 5,
                "h6" => 6,
                _ => return None,
            };
            if items
                .iter()
                .any(|item| item.start < e.outer.end && e.outer.start < item.end)
            {
                return None;
            }
            let text = text_of(source.get(e.inner.clone())?);
            (!text.is_empty()).then(|| Heading {
                level,
                span: e.outer.clone(),
                text,
            })
        })
        .collect()
}

/// Question elements and answer panels, paired in one pass over the elements in order.
fn accordions(source: &str, elements: &[Option<Element>], details: &[Item]) -> Vec<Item> {
    let get = |id: usize| elements.get(id).and_then(Option::as_ref);
    let blank = |range: Range<usize>| source.get(range).is_some_and(|t| t.trim().is_empty());
    let is_panel = |id: usize, previous: Option<usize>| {
        get(id).is_some_and(|e| {
            is_answer_element(e)
                || (class_has(&e.class, &["panel"], "\u{0}")
                    && previous.and_then(get).is_some_and(|p| p.name == "button"))
        })
    };
    let mut items = Vec::new();
    let mut previous_end = 0;
    let mut next_details = details.iter().peekable();
    let mut last_question: Option<usize> = None;
    // The last child seen of each parent (`None`: top level), to find previous siblings.
    let mut last_child: std::collections::HashMap<Option<usize>, usize> =
        std::collections::HashMap::new();
    for (id, element) in elements.iter().enumerate() {
        let Some(element) = element else { continue };
        if element.outer.start < previous_end {
            continue;
        }
        while next_details
            .peek()
            .is_some_and(|d| d.item_span.end <= element.outer.start)
        {
            next_details.next();
        }
        if next_details
            .peek()
            .is_some_and(|d| d.item_span.start <= element.outer.start)
        {
            continue;
        }
        let previous = last_child.insert(element.parent, id);
        if is_question_element(element) {
            last_question = Some(id);
            continue;
        }
        if !is_panel(id, previous) {
            continue;
        }
        // An outermost panel only: a panel inside a panel is its content.
        let mut ancestor = element.parent;
        let mut nested = false;
        while let Some(a) = ancestor.and_then(get) {
            if is_answer_element(a) {
                nested = true;
                break;
            }
            ancestor = a.parent;
        }
        if nested {
            continue;
        }
        let outer_answer = element;
        let question_id = last_question
            .filter(|&q| {
                get(q).is_some_and(|q| {
                    q.outer.end <= outer_answer.outer.start && q.outer.start >= previous_end
                })
            })
            .or_else(|| {
                previous.filter(|&p| {
                    get(p).is_some_and(|p| {
                        matches!(p.name.as_str(), "button" | "h2" | "h3" | "h4" | "h5" | "h6")
                            && blank(p.outer.end..outer_answer.outer.start)
                    })
                })
            });
        last_question = None;
        let Some(mut question_id) = question_id else {
            continue;
        };
        // Into the element's only child while it has one (Bootstrap 4's `.card-header` holds
        // a heading that holds the button): edits replace the innermost text.
        while get(question_id + 1).is_some_and(|child| {
            child.parent == Some(question_id)
                && get(question_id).is_some_and(|q| {
                    blank(q.inner.start..child.outer.start) && blank(child.outer.end..q.inner.end)
                })
        }) {
            question_id += 1;
        }
        let Some(question_el) = get(question_id) else {
            continue;
        };
        let question = text_of(&source[question_el.inner.clone()]);
        if question.is_empty() {
            continue;
        }
        // The innermost panel of a chain of panels that open one inside the other.
        let mut answer_id = id;
        while let Some(next) = get(answer_id + 1).filter(|next| {
            next.parent == Some(answer_id)
                && is_answer_element(next)
                && get(answer_id).is_some_and(|a| blank(a.inner.start..next.outer.start))
        }) {
            let _ = next;
            answer_id += 1;
        }
        let Some(answer) = get(answer_id) else {
            continue;
        };
        // The outermost wrapper of the question that ends before the panel.
        let mut question_outer = question_el;
        while let Some(parent) = question_outer.parent.and_then(get) {
            if parent.outer.end <= outer_answer.outer.start && parent.outer.start >= previous_end {
                question_outer = parent;
            } else {
                break;
            }
        }
        // The item: the element made of the question wrapper and the panel alone, else the
        // two of them.
        let around = question_outer
            .parent
            .filter(|&p| outer_answer.parent == Some(p))
            .and_then(get)
            .filter(|p| {
                blank(p.inner.start..question_outer.outer.start)
                    && blank(question_outer.outer.end..outer_answer.outer.start)
                    && blank(outer_answer.outer.end..p.inner.end)
                    && p.outer.start >= previous_end
            });
        let item_span = match around {
            Some(p) => p.outer.clone(),
            None => question_outer.outer.start..outer_answer.outer.end,
        };
        let (answer_span, slot) = answer_of(source, answer.inner.clone());
        previous_end = item_span.end;
        items.push(Item {
            kind: HtmlKind::Accordion,
            item_span,
            question_span: trim(source, question_el.inner.clone()),
            question,
            answer_span,
            slot,
        });
    }
    items
}

/// `range` without surrounding whitespace.
fn trim(source: &str, range: Range<usize>) -> Range<usize> {
    let text = &source[range.clone()];
    let start = range.start + (text.len() - text.trim_start().len());
    let end = range.start + text.trim_end().len();
    start..end.max(start)
}

/// The answer inside `range`: without blank lines around it (an answer on the line of the
/// tag before it starts at its first character; one on a line of its own keeps its
/// indentation), and how Hugo reads it.
fn answer_of(source: &str, range: Range<usize>) -> (Range<usize>, HtmlSlot) {
    let text = &source[range.clone()];
    let lead = text.len() - text.trim_start().len();
    let end = range.start + text.trim_end().len();
    let first = range.start + lead;
    if first >= end {
        return (range.start..range.start, HtmlSlot::Html);
    }
    let leading = &text[..lead];
    let start = match leading.rfind('\n') {
        Some(nl) => range.start + nl + 1,
        None => first,
    };
    let blank_line = leading.matches('\n').count() >= 2;
    let slot = if blank_line {
        HtmlSlot::Markdown
    } else {
        HtmlSlot::Html
    };
    (start..end, slot)
}

/// Plain text of an HTML fragment: tags dropped, entities decoded, whitespace collapsed.
pub fn text_of(fragment: &str) -> String {
    let mut out = String::with_capacity(fragment.len());
    let mut rest = fragment;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        match rest[lt..].find('>') {
            Some(gt) => {
                out.push(' ');
                rest = &rest[lt + gt + 1..];
            }
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    let decoded = decode_entities(&out);
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Decodes the common named entities and numeric references.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let name = &after[..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" | "#39" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Text safe in an HTML slot: `&`, `<` and `>` escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// Markdown that cannot end or open the item it is written into: the `<` of any `details`,
/// `summary` or `div` tag in it escaped.
pub fn defuse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let tag = rest[lt + 1..].trim_start_matches('/');
        let name: String = tag
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        if matches!(name.as_str(), "details" | "summary" | "div") {
            out.push_str("&lt;");
        } else {
            out.push('<');
        }
        rest = &rest[lt + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole text as one HTML range.
    fn whole(text: &str) -> Vec<Range<usize>> {
        std::iter::once(0..text.len()).collect()
    }

    fn all(source: &str) -> Found {
        match scan(source, &whole(source)) {
            Ok(found) => found,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn details_items_with_markdown_and_html_slots() {
        let source = "<details>\n<summary>Is it <b>free</b>?</summary>\n\nYes, **free**.\n\n</details>\n<details><summary>Why &amp; how?</summary>Because.</details>\n";
        let found = all(source);
        let got: Vec<(&str, &str, HtmlSlot)> = found
            .details
            .iter()
            .map(|i| (i.question.as_str(), &source[i.answer_span.clone()], i.slot))
            .collect();
        assert_eq!(
            got,
            [
                ("Is it free ?", "Yes, **free**.", HtmlSlot::Markdown),
                ("Why & how?", "Because.", HtmlSlot::Html),
            ]
        );
        assert!(found.accordion.is_empty());
    }

    #[test]
    fn bootstrap_accordion_items_and_custom_panels() {
        let source = r##"<div class="accordion" id="faq">
  <div class="accordion-item">
    <h2 class="accordion-header" id="h1">
      <button class="accordion-button" type="button" data-bs-target="#c1">
        What is it?
      </button>
    </h2>
    <div id="c1" class="accordion-collapse collapse show">
      <div class="accordion-body">
        It is <strong>this</strong>.
      </div>
    </div>
  </div>
  <div class="accordion-item">
    <h2 class="accordion-header"><button class="accordion-button collapsed">Second?</button></h2>
    <div class="accordion-collapse collapse"><div class="accordion-body">Two.</div></div>
  </div>
</div>
<h3 class="faq-question">Own question?</h3>
<div class="faq-answer">Own answer.</div>
<button class="accordion">Third?</button>
<div class="panel"><p>Three.</p></div>
"##;
        let found = all(source);
        let got: Vec<(&str, &str)> = found
            .accordion
            .iter()
            .map(|i| (i.question.as_str(), &source[i.answer_span.clone()]))
            .collect();
        assert_eq!(
            got,
            [
                ("What is it?", "        It is <strong>this</strong>."),
                ("Second?", "Two."),
                ("Own question?", "Own answer."),
                ("Third?", "<p>Three.</p>"),
            ]
        );
        assert!(
            source[found.accordion[0].item_span.clone()]
                .starts_with("<div class=\"accordion-item\">")
        );
        assert!(
            source[found.accordion[0].item_span.clone()].ends_with("</div>\n    </div>\n  </div>")
        );
    }

    #[test]
    fn bootstrap_4_card_accordions() {
        let source = r##"<div class="accordion" id="faq">
  <div class="card">
    <div class="card-header" id="h1">
      <h2 class="mb-0">
        <button class="btn btn-link" type="button" data-toggle="collapse" data-target="#c1">
          Is it &quot;free&quot;?
        </button>
      </h2>
    </div>
    <div id="c1" class="collapse show" data-parent="#faq">
      <div class="card-body">
        Yes.
      </div>
    </div>
  </div>
</div>
"##;
        let found = all(source);
        assert_eq!(found.accordion.len(), 1);
        let item = &found.accordion[0];
        assert_eq!(item.question, "Is it \"free\"?");
        assert_eq!(
            &source[item.question_span.clone()],
            "Is it &quot;free&quot;?"
        );
        assert_eq!(&source[item.answer_span.clone()], "        Yes.");
        assert!(source[item.item_span.clone()].starts_with("<div class=\"card\">"));
    }

    #[test]
    fn hostile_html_is_refused_clearly_and_fast() {
        let started = std::time::Instant::now();
        let deep = "<div>".repeat(100_000);
        let err = scan(&deep, &whole(&deep)).expect_err("refused");
        assert!(err.contains("nested deeper"), "{err}");
        let unclosed = "<details><summary>Q?</summary>\nanswer\n";
        let err = scan(unclosed, &whole(unclosed)).expect_err("refused");
        assert!(err.contains("never closed"), "{err}");
        let huge = format!("<div class=\"{}\">x</div>", "a".repeat(1 << 20));
        let err = scan(&huge, &whole(&huge)).expect_err("refused");
        assert!(err.contains("longer than"), "{err}");
        let unterminated = format!("<div class=\"{}", "a".repeat(1 << 20));
        assert!(scan(&unterminated, &whole(&unterminated)).is_ok());
        let many = "<details><summary>Q?</summary>A</details>\n".repeat(20_000);
        assert_eq!(all(&many).details.len(), 20_000);
        let soup = "<p><li><b><i></b></p></li>".repeat(20_000);
        assert!(scan(&soup, &whole(&soup)).is_ok());
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn defuse_and_escape_keep_an_edit_inside_its_item() {
        assert_eq!(
            defuse("a </details> <b>b</b> <DIV>"),
            "a &lt;/details> <b>b</b> &lt;DIV>"
        );
        assert_eq!(escape("a < b & c"), "a &lt; b &amp; c");
    }
}
