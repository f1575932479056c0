//! The tag scanner of raw HTML: walks the byte ranges of Markdown's HTML events once (linear
//! in the input), with a stack of open elements bounded at [`MAX_DEPTH`], and gives every
//! element with its parent and spans. Void elements and paragraphs closed by a following block
//! are handled as HTML parsers do.

use std::ops::Range;

/// The deepest nesting of HTML elements accepted.
pub const MAX_DEPTH: usize = 64;
/// The longest tag accepted (attributes included).
pub const MAX_TAG: usize = 64 * 1024;

/// An element whose end tag was seen.
#[derive(Debug, Clone)]
pub(crate) struct Element {
    pub(crate) name: String,
    pub(crate) class: String,
    pub(crate) parent: Option<usize>,
    /// From `<` of the start tag to `>` of the end tag.
    pub(crate) outer: Range<usize>,
    /// Between the start tag and the end tag.
    pub(crate) inner: Range<usize>,
}

struct Open {
    id: usize,
    parent: Option<usize>,
    name: String,
    class: String,
    start: usize,
    inner_start: usize,
}

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];
/// Start tags that close an open `<p>`.
const CLOSES_P: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "details",
    "div",
    "dl",
    "fieldset",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "ul",
    "summary",
];

/// The line (1-based) of `offset`.
pub(crate) fn line_of(source: &str, offset: usize) -> usize {
    source.as_bytes()[..offset.min(source.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Every element of the HTML ranges by the order of its start tag, with its parent; `None`
/// for an element never closed (and void elements, which have no content). An element that
/// `must_close` (by its name and class) and is left open is an error.
pub(crate) fn elements(
    source: &str,
    html: &[Range<usize>],
    must_close: impl Fn(&str, &str) -> bool,
) -> Result<Vec<Option<Element>>, String> {
    let bytes = source.as_bytes();
    let mut stack: Vec<Open> = Vec::new();
    let mut done: Vec<Option<Element>> = Vec::new();
    // Closes the open elements above `depth`; the last one by the tag at `at..end`.
    let close = |stack: &mut Vec<Open>, done: &mut [Option<Element>], depth: usize, at, end| {
        while stack.len() > depth {
            if let Some(open) = stack.pop() {
                let closed_here = stack.len() == depth;
                if let Some(slot) = done.get_mut(open.id) {
                    *slot = Some(Element {
                        name: open.name,
                        class: open.class,
                        parent: open.parent,
                        outer: open.start..if closed_here { end } else { at },
                        inner: open.inner_start..at,
                    });
                }
            }
        }
    };
    for range in merge(html) {
        let mut pos = range.start;
        while pos < range.end {
            let Some(lt) = bytes[pos..range.end].iter().position(|&b| b == b'<') else {
                break;
            };
            let start = pos + lt;
            let rest = &source[start..range.end];
            if rest.starts_with("<!--") {
                pos = match rest.find("-->") {
                    Some(end) => start + end + 3,
                    None => range.end,
                };
                continue;
            }
            let Some(tag) = read_tag(rest) else {
                pos = start + 1;
                continue;
            };
            if tag.len > MAX_TAG {
                return Err(format!(
                    "an HTML tag at line {} is longer than {} KiB",
                    line_of(source, start),
                    MAX_TAG / 1024
                ));
            }
            let end = start + tag.len;
            pos = end;
            if tag.closing {
                if let Some(depth) = stack.iter().rposition(|o| o.name == tag.name) {
                    close(&mut stack, &mut done, depth, start, end);
                }
                continue;
            }
            if VOID.contains(&tag.name.as_str()) || tag.self_closing {
                continue;
            }
            let top = stack.len().saturating_sub(1);
            if CLOSES_P.contains(&tag.name.as_str()) && stack.last().is_some_and(|o| o.name == "p")
            {
                close(&mut stack, &mut done, top, start, start);
            }
            let top = stack.len().saturating_sub(1);
            if tag.name == "li" && stack.last().is_some_and(|o| o.name == "li") {
                close(&mut stack, &mut done, top, start, start);
            }
            if stack.len() >= MAX_DEPTH {
                return Err(format!(
                    "the HTML at line {} is nested deeper than {MAX_DEPTH} elements",
                    line_of(source, start)
                ));
            }
            stack.push(Open {
                id: done.len(),
                parent: stack.last().map(|o| o.id),
                name: tag.name,
                class: tag.class,
                start,
                inner_start: end,
            });
            done.push(None);
        }
    }
    // An item's element that is never closed would swallow the rest of the page.
    if let Some(open) = stack.iter().find(|o| must_close(&o.name, &o.class)) {
        return Err(format!(
            "the `<{}>` opened at line {} is never closed",
            open.name,
            line_of(source, open.start)
        ));
    }
    Ok(done)
}

/// Adjacent or overlapping ranges joined: a tag may span two HTML events (lines).
fn merge(ranges: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r.clone()),
        }
    }
    out
}

struct Tag {
    name: String,
    class: String,
    closing: bool,
    self_closing: bool,
    /// Bytes from `<` to `>` included.
    len: usize,
}

/// The tag at the start of `text` (which starts with `<`), if it is one.
fn read_tag(text: &str) -> Option<Tag> {
    let bytes = text.as_bytes();
    let mut i = 1;
    let closing = bytes.get(1) == Some(&b'/');
    if closing {
        i += 1;
    }
    let name_start = i;
    while bytes
        .get(i)
        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'-')
    {
        i += 1;
    }
    if i == name_start || !bytes[name_start].is_ascii_alphabetic() {
        return None;
    }
    let name = text[name_start..i].to_ascii_lowercase();
    let mut class = String::new();
    // Attributes: name, optionally `=` and a quoted or bare value.
    loop {
        while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        match bytes.get(i)? {
            b'>' => {
                return Some(Tag {
                    name,
                    class,
                    closing,
                    self_closing: false,
                    len: i + 1,
                });
            }
            b'/' if bytes.get(i + 1) == Some(&b'>') => {
                return Some(Tag {
                    name,
                    class,
                    closing,
                    self_closing: true,
                    len: i + 2,
                });
            }
            _ => {}
        }
        let attr_start = i;
        while bytes
            .get(i)
            .is_some_and(|b| !b.is_ascii_whitespace() && !matches!(b, b'=' | b'>' | b'/'))
        {
            i += 1;
        }
        if i == attr_start {
            // A stray `/`.
            i += 1;
            continue;
        }
        let attr = text[attr_start..i].to_ascii_lowercase();
        while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        if bytes.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        let value = match bytes.get(i)? {
            q @ (b'"' | b'\'') => {
                let close = text[i + 1..].find(*q as char)?;
                let value = &text[i + 1..i + 1 + close];
                i += close + 2;
                value
            }
            _ => {
                let start = i;
                while bytes
                    .get(i)
                    .is_some_and(|b| !b.is_ascii_whitespace() && *b != b'>')
                {
                    i += 1;
                }
                &text[start..i]
            }
        };
        if attr == "class" {
            class = value.to_owned();
        }
    }
}
