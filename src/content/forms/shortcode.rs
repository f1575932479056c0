//! Hugo shortcodes that hold one question each: `{{< faq "Question?" >}}answer{{< /faq >}}`,
//! `{{% details title="Question?" %}}…{{% /details %}}`, or `{{< faq >}}### Question …{{< /faq >}}`
//! (the question is the first heading inside).
//!
//! Shortcodes are found by a small scanner over the body (they are not Markdown, so
//! pulldown-cmark sees them as text), skipping fenced and indented code, and Hugo's commented-out
//! form `{{</* … */>}}`.

use std::ops::Range;

use crate::content::text::{ends_in_question_mark, trim_blank_lines};

/// Shortcode names whose pairs are FAQ items.
const ITEM_NAMES: &[&str] = &[
    "faq",
    "faq-item",
    "faqitem",
    "faq_item",
    "question",
    "qa",
    "details",
    "expand",
    "expander",
    "accordion",
    "accordion-item",
    "collapse",
    "collapsible",
    "toggle",
    "spoiler",
];

/// Shortcode names of a pair that holds the answer to the question pair right before it
/// (`{{< question >}}…{{< /question >}}` then `{{< answer >}}…{{< /answer >}}`).
const ANSWER_NAMES: &[&str] = &["answer", "reply", "response"];

/// Named arguments that carry the question.
const QUESTION_ARGS: &[&str] = &[
    "question", "title", "q", "header", "summary", "name", "label",
];
/// Named arguments that carry the question only when it asks: HugoBlox's and Wowchemy's
/// `{{< spoiler text="…?" >}}`, far more often a tutorial's "Solution" or "Click to reveal".
const ASKING_ARGS: &[&str] = &["text"];

/// One shortcode tag.
#[derive(Clone, Debug)]
struct Tag {
    span: Range<usize>,
    name: String,
    closing: bool,
    /// `(name, value span without quotes, quote)`; positional arguments have no name.
    args: Vec<(Option<String>, Range<usize>, Option<char>)>,
}

/// Where an item's question is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuestionPlace {
    /// An argument of the opening tag, quoted with this character (`"` or `` ` ``), or bare.
    Argument(Option<char>),
    /// The first heading inside, at this level.
    Heading(u8),
}

/// One shortcode pair holding a question and its answer.
#[derive(Clone, Debug)]
pub struct Item {
    /// From the opening tag's `{{` to the closing tag's `}}`.
    pub item_span: Range<usize>,
    /// The question's text as written (inside the quotes; for a heading, the whole heading).
    pub question_span: Range<usize>,
    pub question_place: QuestionPlace,
    /// The raw question: the argument's value (escapes undone), or the heading's text.
    pub question: String,
    /// Between the tags (after the heading question), without surrounding blank lines.
    pub answer_span: Range<usize>,
}

/// Finds every FAQ shortcode pair in `source[range]`, outside `code` (byte ranges of code
/// blocks). `heading_text` gives the text and level of a heading found at the start of a
/// range, for items whose question is their first heading.
pub fn items(
    source: &str,
    range: Range<usize>,
    code: &[Range<usize>],
    heading_text: impl Fn(Range<usize>) -> Option<(String, Range<usize>, u8)>,
) -> Vec<Item> {
    let tags = scan(source, range, code);
    let same_name = same_name_matches(&tags);
    let mut items = Vec::new();
    let mut i = 0;
    while i < tags.len() {
        let open = &tags[i];
        if open.closing {
            i += 1;
            continue;
        }
        let Some(j) = closing_of(&tags, i, &same_name) else {
            i += 1;
            continue;
        };
        let close_tag = &tags[j];
        let inner = open.span.end..close_tag.span.start;
        let named_in = |names: &[&str], asking: bool| {
            open.args.iter().find(|(name, span, _)| {
                name.as_deref()
                    .is_some_and(|n| names.contains(&n.to_ascii_lowercase().as_str()))
                    && (!asking || source.get(span.clone()).is_some_and(ends_in_question_mark))
            })
        };
        let named = named_in(QUESTION_ARGS, false).or_else(|| named_in(ASKING_ARGS, true));
        // The first positional argument that holds a word: a theme's `{{< details "1" "Q?" >}}`
        // numbers its items in the first one (the number is the list's marker, not its question).
        let positional = open.args.iter().find(|(name, span, _)| {
            name.is_none()
                && source
                    .get(span.clone())
                    .is_some_and(|value| value.chars().any(char::is_alphabetic))
        });
        let question = match named.or(positional) {
            Some((_, span, quote)) => {
                let raw = &source[span.clone()];
                let text = if *quote == Some('"') {
                    raw.replace("\\\"", "\"")
                } else {
                    raw.to_owned()
                };
                Some((
                    text.trim().to_owned(),
                    span.clone(),
                    QuestionPlace::Argument(*quote),
                    trim_blank_lines(source, inner.clone()),
                ))
            }
            None => {
                let body = trim_blank_lines(source, inner.clone());
                heading_text(body.clone()).map(|(text, span, level)| {
                    let rest = trim_blank_lines(source, span.end..inner.end);
                    (text, span, QuestionPlace::Heading(level), rest)
                })
            }
        };
        let known = is_item_name(&open.name);
        if let Some((question, question_span, place, answer_span)) = question
            && !question.is_empty()
            && (known || ends_in_question_mark(&question))
        {
            // An answer pair right after the question pair holds the answer; what the question
            // pair says besides its question stays between the two.
            let answer_pair = tags.get(j + 1).filter(|next| {
                !next.closing
                    && ANSWER_NAMES.contains(&next.name.as_str())
                    && source[close_tag.span.end..next.span.start]
                        .trim()
                        .is_empty()
            });
            let answered = answer_pair.and_then(|next| {
                let k = same_name.get(j + 1).copied().flatten()?;
                Some((k, next.span.end..tags[k].span.start))
            });
            let (end, answer_span, next) = match answered {
                Some((k, inner)) => (tags[k].span.end, trim_blank_lines(source, inner), k + 1),
                None => (close_tag.span.end, answer_span, j + 1),
            };
            items.push(Item {
                item_span: open.span.start..end,
                question_span,
                question_place: place,
                question,
                answer_span,
            });
            i = next;
        } else {
            i += 1;
        }
    }
    items
}

/// A FAQ item's name: one of [`ITEM_NAMES`], or any `faq…` name (`faq-review`, `faq_money`).
fn is_item_name(name: &str) -> bool {
    ITEM_NAMES.contains(&name) || name.starts_with("faq")
}

/// How far past an opening FAQ tag [`closing_of`] looks for a closing tag of another FAQ name.
/// A real item holds a handful of tags; the bound keeps a file of unclosed tags linear.
const LOOKAHEAD: usize = 32;

/// For every opening tag, the closing tag of the same name that closes it (nesting counted),
/// found in one pass with a stack per name.
fn same_name_matches(tags: &[Tag]) -> Vec<Option<usize>> {
    let mut matches = vec![None; tags.len()];
    let mut open: std::collections::HashMap<&str, Vec<usize>> = std::collections::HashMap::new();
    for (j, tag) in tags.iter().enumerate() {
        let stack = open.entry(tag.name.as_str()).or_default();
        if tag.closing {
            if let Some(i) = stack.pop() {
                matches[i] = Some(j);
            }
        } else {
            stack.push(j);
        }
    }
    matches
}

/// The index of the tag that closes the one opened at `i`: the same name's closing tag
/// (nesting counted, from `same_name`), else, for a FAQ item closed by another FAQ name
/// (`{{< faq-osi >}}` … `{{</ faq-leaf >}}`), the first FAQ closing tag before the next FAQ item
/// opens (looked for within [`LOOKAHEAD`] tags).
fn closing_of(tags: &[Tag], i: usize, same_name: &[Option<usize>]) -> Option<usize> {
    let open = &tags[i];
    let same = same_name.get(i).copied().flatten();
    if !is_item_name(&open.name) {
        return same;
    }
    let mut depth = 0usize;
    let mut fallback = None;
    for (j, tag) in tags.iter().enumerate().skip(i + 1).take(LOOKAHEAD) {
        if tag.name == open.name {
            match (tag.closing, depth) {
                (true, 0) => return Some(j),
                (true, _) => depth -= 1,
                (false, _) => depth += 1,
            }
        } else if is_item_name(&tag.name) {
            if tag.closing {
                fallback = fallback.or(Some(j));
            } else if depth == 0 {
                return fallback;
            }
        }
    }
    same.or(fallback)
}

/// Where the closing tags of the shortcodes that wrap the FAQ start: tags opened before `from`
/// (the first question) and closed after it (`{{< /main-container >}}` after the last answer),
/// in source order. They are the page's layout, never part of an answer.
pub(crate) fn wrapper_closers(
    source: &str,
    body: Range<usize>,
    code: &[Range<usize>],
    from: usize,
) -> Vec<usize> {
    let tags = scan(source, body, code);
    // One pass with a stack per name (linear however many tags never close).
    let mut closers: Vec<usize> = same_name_matches(&tags)
        .iter()
        .enumerate()
        .filter_map(|(i, close)| {
            let close = tags.get((*close)?)?;
            (tags[i].span.start < from && close.span.start >= from).then_some(close.span.start)
        })
        .collect();
    closers.sort_unstable();
    closers
}

/// Every shortcode tag in `source[range]` outside `code`.
fn scan(source: &str, range: Range<usize>, code: &[Range<usize>]) -> Vec<Tag> {
    let mut tags = Vec::new();
    let mut at = range.start;
    while let Some(found) = source.get(at..range.end).and_then(|s| s.find("{{")) {
        let start = at + found;
        // `code` is in source order: the block that may hold `start` is the last one opening
        // at or before it (a binary search, so that many blocks and tags stay linear).
        let before = code.partition_point(|c| c.start <= start);
        if let Some(block) = before.checked_sub(1).and_then(|b| code.get(b))
            && block.contains(&start)
        {
            at = block.end.max(start + 2);
            continue;
        }
        match parse_tag(source, start, range.end) {
            Some(tag) => {
                at = tag.span.end;
                tags.push(tag);
            }
            None => at = start + 2,
        }
    }
    tags
}

/// Parses the tag starting at `start` (`{{<` or `{{%`).
fn parse_tag(source: &str, start: usize, limit: usize) -> Option<Tag> {
    let bytes = source.as_bytes();
    let delim = *bytes.get(start + 2)?;
    if delim != b'<' && delim != b'%' {
        return None;
    }
    let close = if delim == b'<' { ">}}" } else { "%}}" };
    // A tag never holds another tag's `{{`: it must close before the next one. This keeps a
    // file of unclosed tags linear (each parse stops at the next `{{`).
    let limit = source
        .get(start + 2..limit)
        .and_then(|rest| rest.find("{{"))
        .map_or(limit, |next| start + 2 + next);
    let mut pos = start + 3;
    let skip_ws = |pos: &mut usize| {
        while *pos < limit && matches!(bytes.get(*pos), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            *pos += 1;
        }
    };
    skip_ws(&mut pos);
    if bytes.get(pos) == Some(&b'/') && bytes.get(pos + 1) == Some(&b'*') {
        return None; // {{</* commented out */>}}
    }
    let closing = bytes.get(pos) == Some(&b'/');
    if closing {
        pos += 1;
        skip_ws(&mut pos);
    }
    let name_start = pos;
    while pos < limit
        && bytes
            .get(pos)
            .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'/' | b'.'))
    {
        pos += 1;
    }
    if pos == name_start {
        return None;
    }
    let mut name = source[name_start..pos].to_ascii_lowercase();
    let mut closing = closing;
    // `{{< container_open … >}}` … `{{< container_close >}}` pair like `container`.
    for (suffix, close) in [
        ("_open", false),
        ("-open", false),
        ("_close", true),
        ("-close", true),
    ] {
        if let Some(base) = name.strip_suffix(suffix)
            && !base.is_empty()
        {
            name = base.to_owned();
            closing = closing || close;
            break;
        }
    }
    let mut args = Vec::new();
    loop {
        skip_ws(&mut pos);
        if pos >= limit {
            return None;
        }
        if bytes[pos..].starts_with(close.as_bytes()) {
            return Some(Tag {
                span: start..pos + 3,
                name,
                closing,
                args,
            });
        }
        if bytes[pos..].starts_with(b"/") && bytes[pos + 1..].starts_with(close.as_bytes()) {
            // Self-closing: no content, never an item.
            return Some(Tag {
                span: start..pos + 4,
                name: format!("{name}/"),
                closing: false,
                args,
            });
        }
        // name=value or a positional value.
        let mut arg_name = None;
        let word_start = pos;
        while pos < limit
            && bytes
                .get(pos)
                .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
        {
            pos += 1;
        }
        if pos > word_start && bytes.get(pos) == Some(&b'=') {
            arg_name = Some(source[word_start..pos].to_owned());
            pos += 1;
        } else {
            pos = word_start;
        }
        let (value, quote) = match bytes.get(pos) {
            Some(b'"') => {
                let value_start = pos + 1;
                let mut p = value_start;
                loop {
                    match bytes.get(p) {
                        None => return None,
                        Some(b'\\') => p += 2,
                        Some(b'"') => break,
                        Some(_) => p += 1,
                    }
                    if p >= limit {
                        return None;
                    }
                }
                pos = p + 1;
                (value_start..p, Some('"'))
            }
            Some(b'`') => {
                let value_start = pos + 1;
                let end = source.get(value_start..limit)?.find('`')? + value_start;
                pos = end + 1;
                (value_start..end, Some('`'))
            }
            Some(_) => {
                let value_start = pos;
                while pos < limit
                    && !matches!(bytes.get(pos), Some(b' ' | b'\t' | b'\r' | b'\n'))
                    && !bytes[pos..].starts_with(close.as_bytes())
                {
                    pos += 1;
                }
                if pos == value_start {
                    return None;
                }
                (value_start..pos, None)
            }
            None => return None,
        };
        if !source.is_char_boundary(value.start) || !source.is_char_boundary(value.end) {
            return None;
        }
        args.push((arg_name, value, quote));
    }
}

/// Writes `question` as the value of a shortcode argument quoted with `quote`.
pub fn encode_argument(question: &str, quote: Option<char>) -> String {
    let single_line = question.replace(['\r', '\n'], " ");
    match quote {
        Some('`') if !single_line.contains('`') => single_line,
        _ => single_line.replace('\\', "\\\\").replace('"', "\\\""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_heading(_: Range<usize>) -> Option<(String, Range<usize>, u8)> {
        None
    }

    #[test]
    fn positional_and_named_questions() {
        let src = "Intro\n\n{{< faq \"Is it \\\"free\\\"?\" >}}\nYes.\n{{< /faq  >}}\n\n{{% details title=\"How?\" closed=\"true\" %}}\nLike this.\n\n{{% notice tip %}}x{{% /notice %}}\n{{% /details %}}\n";
        let found = items(src, 0..src.len(), &[], no_heading);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].question, "Is it \"free\"?");
        assert_eq!(&src[found[0].answer_span.clone()], "Yes.");
        assert_eq!(found[1].question, "How?");
        assert!(src[found[1].answer_span.clone()].starts_with("Like this."));
        assert!(src[found[1].item_span.clone()].ends_with("{{% /details %}}"));
    }

    #[test]
    fn a_numbered_positional_item_asks_by_its_first_worded_argument() {
        let src = "{{< details \"1\" \"Do you sign an NDA?\" >}}\nYes.\n{{< /details >}}\n\n{{< details \"2\" \"Jingle\" \"jingle\" >}}\nA short tune.\n{{< /details >}}\n";
        let found = items(src, 0..src.len(), &[], no_heading);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].question, "Do you sign an NDA?");
        assert_eq!(&src[found[0].question_span.clone()], "Do you sign an NDA?");
        assert_eq!(&src[found[0].answer_span.clone()], "Yes.");
        // A term (a glossary in the same list) is an item of a known FAQ shortcode all the same;
        // the anchor after it is not the question.
        assert_eq!(found[1].question, "Jingle");
    }

    #[test]
    fn a_spoiler_asks_by_its_text() {
        let src = "{{< spoiler text=\"Can I pay later?\" >}}\nYes.\n{{< /spoiler >}}\n\n{{< spoiler text=\"Solution\" >}}\nx = 2\n{{< /spoiler >}}\n";
        let found = items(src, 0..src.len(), &[], no_heading);
        // A spoiler that does not ask is a tutorial's hidden solution, not an item.
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].question, "Can I pay later?");
        assert_eq!(&src[found[0].answer_span.clone()], "Yes.");
    }

    #[test]
    fn code_and_comments_are_skipped() {
        let src = "```\n{{< faq \"No?\" >}}x{{< /faq >}}\n```\n{{</* faq \"No?\" */>}}";
        let fence_end = src.find("```\n{{</*").map_or(0, |at| at + 3);
        let code: Vec<Range<usize>> = std::iter::once(0..fence_end).collect();
        assert!(items(src, 0..src.len(), &code, no_heading).is_empty());
    }

    #[test]
    fn unterminated_tags_never_panic() {
        for src in ["{{< faq \"x", "{{<", "{{% details title=\"é", "{{< faq >}}"] {
            assert!(items(src, 0..src.len(), &[], no_heading).is_empty());
        }
    }
}
