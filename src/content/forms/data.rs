//! FAQ items kept as YAML: a front-matter list (`faq: [{question, answer}]`) or a Hugo data file
//! (`data/faq.yml`, often sections → questions). Every question and answer is found with its
//! exact byte span (saphyr's spanned events), so that an export can write back the file with
//! only the edited scalars re-encoded.
//!
//! An item is any mapping that holds a question-like key (`question`, `q`, …) and an
//! answer-like key (`answer`, `a`, `content`, …) with string values. Its section is the
//! title-like value (`section`, `title`, `name`, `category`, …) of the nearest enclosing mapping
//! that is not an item itself, else the key under which its list sits when that key is not a
//! generic container name (`faq`, `questions`, `items`, …).

use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle, Span, SpannedEventReceiver};

use crate::content::text::ends_in_question_mark;

/// How a scalar was written, which decides how an edited value is written back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum YamlScalar {
    /// Plain, single- or double-quoted: an edit is written as a double-quoted string.
    Flow,
    /// A literal block (`|`) whose content starts at this column: an edit is written as a
    /// literal block at the same indentation.
    Literal { indent: usize },
    /// A folded block (`>`): an edit is written as a double-quoted string.
    Folded,
    /// A block sequence of paragraphs (`answer:` then `- …` lines), joined by blank lines: an
    /// edit is written as such a list again, one double-quoted paragraph per item.
    Paragraphs { indent: usize },
}

/// One question/answer mapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlItem {
    pub section: Option<String>,
    pub question: String,
    pub answer: String,
    /// The question scalar as written (quotes or block indicator included).
    pub question_span: Range<usize>,
    pub question_scalar: YamlScalar,
    /// The answer scalar as written (quotes or block indicator included).
    pub answer_span: Range<usize>,
    pub answer_scalar: YamlScalar,
    /// The whole item: from its sequence dash (when it is a sequence entry) to the end of its
    /// last value.
    pub item_span: Range<usize>,
}

const QUESTION_KEYS: &[&str] = &[
    "question", "q", "frage", "pregunta", "pergunta", "domanda", "vraag", "kerdes", "kérdés",
];
const ANSWER_KEYS: &[&str] = &[
    "answer",
    "a",
    "content",
    "text",
    "body",
    "response",
    "reponse",
    "réponse",
    "antwort",
    "respuesta",
    "resposta",
    "risposta",
    "antwoord",
    "valasz",
    "válasz",
];
/// Answer keys read only in the entries of a list below a key that names a FAQ
/// (`faqs: [{title, description}]`): elsewhere `{title, description}` is a card, a feature, a
/// link.
const FAQ_ANSWER_KEYS: &[&str] = &["description"];
/// Question keys used only by a mapping with no nested lists or mappings (`{title, content}`).
const FALLBACK_QUESTION_KEYS: &[&str] = &["title", "name", "summary", "heading"];
/// Keys by which an item names its own section (`type = "General"`).
const OWN_SECTION_KEYS: &[&str] = &["section", "category", "type", "group", "topic"];
const TITLE_KEYS: &[&str] = &[
    "section", "title", "name", "category", "group", "heading", "label", "topic",
];
const CONTAINER_KEYS: &[&str] = &[
    "faq",
    "faqs",
    "questions",
    "items",
    "entries",
    "qa",
    "qas",
    "qna",
    "list",
    "data",
    "content",
];

/// A YAML (or JSON, TOML) value with the byte spans of its scalars.
#[derive(Debug)]
pub(crate) enum Node {
    Scalar {
        value: String,
        style: ScalarStyle,
        span: Range<usize>,
    },
    Seq(Vec<Node>),
    Map {
        start: usize,
        pairs: Vec<(Node, Node)>,
    },
    Alias,
}

impl Node {
    fn as_str(&self) -> Option<&str> {
        match self {
            Self::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The end of the last scalar inside.
    fn end(&self) -> Option<usize> {
        match self {
            Self::Scalar { span, .. } => Some(span.end),
            Self::Seq(items) => items.iter().filter_map(Node::end).max(),
            Self::Map { pairs, .. } => pairs
                .iter()
                .filter_map(|(k, v)| v.end().or_else(|| k.end()))
                .max(),
            Self::Alias => None,
        }
    }
}

/// Collects events into a tree of nodes with byte spans.
struct Builder<'s> {
    source: &'s str,
    /// Byte offset of every character, then the length: saphyr's markers count characters.
    offsets: Vec<usize>,
    stack: Vec<Frame>,
    root: Option<Node>,
}

enum Frame {
    Seq(Vec<Node>),
    Map {
        start: usize,
        pairs: Vec<(Node, Node)>,
        key: Option<Node>,
    },
}

impl Builder<'_> {
    fn byte(&self, char_index: usize) -> usize {
        self.offsets
            .get(char_index)
            .copied()
            .unwrap_or(self.source.len())
    }

    fn push(&mut self, node: Node) {
        match self.stack.last_mut() {
            Some(Frame::Seq(items)) => items.push(node),
            Some(Frame::Map { pairs, key, .. }) => match key.take() {
                Some(k) => pairs.push((k, node)),
                None => *key = Some(node),
            },
            None => self.root = Some(node),
        }
    }

    /// The span of a scalar as written: block scalars from their indicator, without the
    /// trailing line breaks and indentation saphyr counts in.
    fn scalar_span(&self, style: ScalarStyle, span: Span) -> Range<usize> {
        let start = self.byte(span.start.index());
        let end = self.byte(span.end.index()).max(start);
        let text = &self.source[start..end];
        let end = start + text.trim_end_matches([' ', '\t', '\r', '\n']).len();
        match style {
            ScalarStyle::Literal | ScalarStyle::Folded => {
                let indicator = if style == ScalarStyle::Literal {
                    '|'
                } else {
                    '>'
                };
                let before = &self.source[..start];
                match before.rfind(indicator) {
                    Some(at) => at..end.max(at + 1),
                    None => start..end,
                }
            }
            _ => start..end,
        }
    }
}

impl<'input> SpannedEventReceiver<'input> for Builder<'_> {
    fn on_event(&mut self, event: Event<'input>, span: Span) {
        match event {
            Event::Scalar(value, style, _, _) => {
                let span = self.scalar_span(style, span);
                self.push(Node::Scalar {
                    value: value.into_owned(),
                    style,
                    span,
                });
            }
            Event::SequenceStart(..) => self.stack.push(Frame::Seq(Vec::new())),
            Event::MappingStart(..) => {
                let start = self.byte(span.start.index());
                self.stack.push(Frame::Map {
                    start,
                    pairs: Vec::new(),
                    key: None,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let node = match self.stack.pop() {
                    Some(Frame::Seq(items)) => Node::Seq(items),
                    Some(Frame::Map { start, pairs, .. }) => Node::Map { start, pairs },
                    None => return,
                };
                self.push(node);
            }
            Event::Alias(_) => self.push(Node::Alias),
            _ => {}
        }
    }
}

fn key_in(key: &str, list: &[&str]) -> bool {
    let key = key.trim().to_lowercase();
    list.contains(&key.as_str())
}

/// Finds every question/answer item of the YAML document `source[range]` (spans are offsets
/// of `source`). A YAML syntax error is returned as a message with its line.
pub fn items(source: &str, range: Range<usize>) -> Result<Vec<YamlItem>, String> {
    yaml_items(source, range, false)
}

/// As [`items`] for a page's front matter: its top-level mapping is the page's own (its
/// `title` is the page's, not a section's), so its values are walked without it.
pub(crate) fn front_matter_items(
    source: &str,
    range: Range<usize>,
) -> Result<Vec<YamlItem>, String> {
    yaml_items(source, range, true)
}

/// Walks a document's root; a page's root mapping (`page`) is walked value by value.
pub(crate) fn walk_root(source: &str, root: &Node, page: bool, found: &mut Vec<YamlItem>) {
    match root {
        Node::Map { pairs, .. } if page => {
            for (key, value) in pairs {
                let scope = Scope {
                    faq: key.as_str().is_some_and(names_faq),
                    entry: false,
                };
                walk(source, value, None, scope, found);
            }
        }
        root => walk(source, root, None, Scope::default(), found),
    }
}

fn yaml_items(source: &str, range: Range<usize>, page: bool) -> Result<Vec<YamlItem>, String> {
    let text = source.get(range.clone()).unwrap_or_default();
    crate::content::limits::check_yaml(text)?;
    let mut offsets: Vec<usize> = text.char_indices().map(|(i, _)| range.start + i).collect();
    offsets.push(range.end);
    let mut builder = Builder {
        source,
        offsets,
        stack: Vec::new(),
        root: None,
    };
    let mut parser = Parser::new_from_str(text);
    parser
        .load(&mut builder, false)
        .map_err(|e| format!("invalid YAML at line {}: {}", e.marker().line(), e.info()))?;
    let mut found = Vec::new();
    if let Some(root) = &builder.root {
        walk_root(source, root, page, &mut found);
    }
    Ok(found)
}

fn scalar_kind(source: &str, node: &Node) -> YamlScalar {
    match node {
        Node::Scalar {
            style: ScalarStyle::Literal,
            span,
            ..
        } => {
            // The content starts on the line after the indicator; its indentation is the
            // block's.
            let after = &source[span.start..span.end];
            let indent = after
                .find('\n')
                .map(|nl| after[nl + 1..].chars().take_while(|c| *c == ' ').count())
                .unwrap_or(2);
            YamlScalar::Literal { indent }
        }
        Node::Scalar {
            style: ScalarStyle::Folded,
            ..
        } => YamlScalar::Folded,
        _ => YamlScalar::Flow,
    }
}

/// Where a node sits, for the keys that depend on it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Scope {
    /// Below a key that names a FAQ (`faq`, `faqs`, `faqgroups`, …).
    pub(crate) faq: bool,
    /// An entry of a sequence (a list item), not the value of a key.
    pub(crate) entry: bool,
}

/// Whether a key names a FAQ: it contains `faq` (`faq`, `faqs`, `faqgroups`, `faq_items`).
fn names_faq(key: &str) -> bool {
    key.to_lowercase().contains("faq")
}

/// Every question/answer item under `node`, with its section.
pub(crate) fn walk(
    source: &str,
    node: &Node,
    section: Option<&str>,
    scope: Scope,
    found: &mut Vec<YamlItem>,
) {
    match node {
        Node::Seq(items) => {
            for item in items {
                walk(
                    source,
                    item,
                    section,
                    Scope {
                        entry: true,
                        ..scope
                    },
                    found,
                );
            }
        }
        Node::Map { start, pairs } => {
            if let Some(item) = item_of(source, *start, pairs, section, scope) {
                found.push(item);
                return;
            }
            let own_title = scalar_at(pairs, TITLE_KEYS)
                .and_then(Node::as_str)
                .map(str::trim)
                .filter(|t| !t.is_empty());
            let section = own_title.or(section);
            for (key, value) in pairs {
                let keyed = key
                    .as_str()
                    .map(str::trim)
                    .filter(|k| !k.is_empty() && !key_in(k, CONTAINER_KEYS))
                    .filter(|_| own_title.is_none() && matches!(value, Node::Seq(_)));
                let scope = Scope {
                    faq: scope.faq || key.as_str().is_some_and(names_faq),
                    entry: false,
                };
                walk(source, value, keyed.or(section), scope, found);
            }
        }
        Node::Scalar { .. } | Node::Alias => {}
    }
}

/// The value of the first of `keys` that `pairs` holds as a scalar.
fn scalar_at<'n>(pairs: &'n [(Node, Node)], keys: &[&str]) -> Option<&'n Node> {
    keys.iter().find_map(|wanted| {
        pairs
            .iter()
            .find(|(k, v)| k.as_str().is_some_and(|k| key_in(k, &[wanted])) && v.as_str().is_some())
            .map(|(_, v)| v)
    })
}

/// A list of paragraphs given as an answer: every item a scalar.
fn paragraphs(source: &str, node: &Node) -> Option<(String, Range<usize>)> {
    let Node::Seq(items) = node else { return None };
    let texts: Option<Vec<&str>> = items.iter().map(Node::as_str).collect();
    let texts = texts.filter(|t| !t.is_empty())?;
    let first = match items.first() {
        Some(Node::Scalar { span, .. }) => span.start,
        _ => return None,
    };
    let first = dash_before(source, first);
    let end = node.end()?;
    let text = texts
        .iter()
        .map(|t| t.trim_end())
        .collect::<Vec<_>>()
        .join("\n\n");
    Some((text, first..end))
}

/// The mapping as a question/answer item, if it is one.
fn item_of(
    source: &str,
    start: usize,
    pairs: &[(Node, Node)],
    section: Option<&str>,
    scope: Scope,
) -> Option<YamlItem> {
    let flat = pairs
        .iter()
        .all(|(_, v)| matches!(v, Node::Scalar { .. } | Node::Alias));
    let q = scalar_at(pairs, QUESTION_KEYS).or_else(|| {
        flat.then(|| scalar_at(pairs, FALLBACK_QUESTION_KEYS))
            .flatten()
    })?;
    let Node::Scalar {
        value: question,
        span: q_span,
        ..
    } = q
    else {
        return None;
    };
    if question.trim().is_empty() {
        return None;
    }
    let answer = scalar_at(pairs, ANSWER_KEYS)
        .or_else(|| {
            (scope.faq && scope.entry)
                .then(|| scalar_at(pairs, FAQ_ANSWER_KEYS))
                .flatten()
        })
        .or_else(|| {
            (flat && scope.entry && ends_in_question_mark(question))
                .then(|| only_prose(pairs.iter().filter(|(_, v)| !std::ptr::eq(v, q))))
                .flatten()
        });
    let (answer, a_span, a_kind) = match answer {
        Some(a @ Node::Scalar { value, span, .. }) => (
            value.trim_end().to_owned(),
            span.clone(),
            scalar_kind(source, a),
        ),
        _ => {
            // `answer:` followed by a list of paragraphs.
            let list = pairs.iter().find_map(|(k, v)| {
                k.as_str()
                    .filter(|k| key_in(k, ANSWER_KEYS))
                    .and_then(|_| paragraphs(source, v))
            })?;
            let indent = list.1.start - source[..list.1.start].rfind('\n').map_or(0, |n| n + 1);
            (list.0, list.1, YamlScalar::Paragraphs { indent })
        }
    };
    let own_section = scalar_at(pairs, OWN_SECTION_KEYS)
        .filter(|node| !std::ptr::eq(*node, q))
        .and_then(Node::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let item_start = dash_before(source, start);
    let item_end = pairs
        .iter()
        .filter_map(|(k, v)| v.end().or_else(|| k.end()))
        .max()
        .unwrap_or(q_span.end.max(a_span.end));
    Some(YamlItem {
        section: own_section.or(section).map(str::to_owned),
        question: question.trim().to_owned(),
        answer,
        question_span: q_span.clone(),
        question_scalar: scalar_kind(source, q),
        answer_span: a_span.clone(),
        answer_scalar: a_kind,
        item_span: item_start.min(q_span.start.min(a_span.start))..item_end,
    })
}

/// The one value among `pairs` that reads as prose (a string with a space in it that is not a
/// link, a path or a date), if exactly one does: the answer of a list entry whose question
/// asks and whose answer key has a name no list above knows (`{title: "…?", message: "…"}`).
/// Keys of an item's own section or title, and any second prose value, leave it unread.
fn only_prose<'n>(pairs: impl Iterator<Item = &'n (Node, Node)>) -> Option<&'n Node> {
    let mut found = None;
    for (key, value) in pairs {
        let (Some(key), Some(text)) = (key.as_str(), value.as_str()) else {
            continue;
        };
        if key_in(key, OWN_SECTION_KEYS) || key_in(key, TITLE_KEYS) || !is_prose(text) {
            continue;
        }
        if found.replace(value).is_some() {
            return None;
        }
    }
    found
}

/// A string with a space in it that does not start as a link, a path or a template: text a
/// reader reads (links inside it are fine).
fn is_prose(text: &str) -> bool {
    let text = text.trim();
    text.contains(char::is_whitespace)
        && !text.starts_with(['/', '#', '{'])
        && !text.starts_with("http://")
        && !text.starts_with("https://")
}

/// The JSON side of [`only_prose`]: a list entry whose question (by a question or title key)
/// asks, and whose other values hold exactly one prose string.
fn asks_with_one_prose_value(map: &serde_json::Map<String, serde_json::Value>) -> bool {
    let question = QUESTION_KEYS
        .iter()
        .chain(FALLBACK_QUESTION_KEYS)
        .find_map(|wanted| {
            map.iter()
                .find(|(k, v)| key_in(k, &[wanted]) && v.is_string())
        });
    let Some((question_key, serde_json::Value::String(question))) = question else {
        return false;
    };
    ends_in_question_mark(question)
        && map
            .iter()
            .filter(|(k, _)| *k != question_key)
            .filter(|(k, _)| !key_in(k, OWN_SECTION_KEYS) && !key_in(k, TITLE_KEYS))
            .filter(|(_, v)| v.as_str().is_some_and(is_prose))
            .count()
            == 1
}

/// Removes from a front matter (as JSON) every top-level key whose value holds a
/// question/answer item by the rules of [`items`]: what an import turned into entries.
pub fn drop_item_lists(front_matter: &mut serde_json::Value) {
    if let serde_json::Value::Object(map) = front_matter {
        map.retain(|key, value| !holds_item(value, names_faq(key)));
    }
}

/// Whether `value` is or holds (at any depth, walked without recursion) a mapping with a
/// question-like and an answer-like key (`faq`: `value` is below a key that names a FAQ, where
/// list entries may answer with a `description`).
fn holds_item(value: &serde_json::Value, faq: bool) -> bool {
    use serde_json::Value;
    let mut pending = vec![(value, Scope { faq, entry: false })];
    while let Some((value, scope)) = pending.pop() {
        match value {
            Value::Array(items) => {
                pending.extend(items.iter().map(|v| {
                    (
                        v,
                        Scope {
                            entry: true,
                            ..scope
                        },
                    )
                }));
            }
            Value::Object(map) => {
                let has = |keys: &[&str]| {
                    map.iter()
                        .any(|(k, v)| key_in(k, keys) && (v.is_string() || v.is_array()))
                };
                let flat = map.values().all(|v| !v.is_array() && !v.is_object());
                let answers =
                    has(ANSWER_KEYS) || (scope.faq && scope.entry && has(FAQ_ANSWER_KEYS));
                if (has(QUESTION_KEYS) || (flat && has(FALLBACK_QUESTION_KEYS))) && answers {
                    return true;
                }
                if flat && scope.entry && asks_with_one_prose_value(map) {
                    return true;
                }
                pending.extend(map.iter().map(|(k, v)| {
                    let faq = scope.faq || names_faq(k);
                    (v, Scope { faq, entry: false })
                }));
            }
            _ => {}
        }
    }
    false
}

/// The offset of the `- ` that opens the sequence entry whose mapping starts at `start`, or
/// `start` when the mapping is not a block sequence entry.
fn dash_before(source: &str, start: usize) -> usize {
    let before = &source[..start];
    let trimmed = before.trim_end_matches([' ', '\t']);
    if trimmed.ends_with('-') {
        trimmed.len() - 1
    } else {
        start
    }
}

/// Writes `text` as a YAML scalar in the place of one written as `kind`: a literal block keeps
/// its form (same indentation; `header` is the original indicator line, e.g. `|-`), anything
/// else becomes a double-quoted string (JSON's string syntax is valid YAML).
pub fn encode_scalar(text: &str, kind: YamlScalar, header: &str, newline: &str) -> String {
    let block_safe = !text.is_empty()
        && !text.starts_with([' ', '\t', '\n', '\r'])
        && !text.contains('\r')
        && !text.contains('\t')
        && !text.lines().any(|l| l.ends_with(' '));
    match kind {
        YamlScalar::Literal { indent } if block_safe => {
            let pad = " ".repeat(indent.max(1));
            let mut out = String::from(header);
            for line in text.trim_end_matches('\n').split('\n') {
                out.push_str(newline);
                if !line.is_empty() {
                    out.push_str(&pad);
                    out.push_str(line);
                }
            }
            out
        }
        YamlScalar::Paragraphs { indent } => {
            let pad = " ".repeat(indent);
            text.split("\n\n")
                .map(|p| format!("- {}", json_string(p.trim())))
                .collect::<Vec<_>>()
                .join(&format!("{newline}{pad}"))
        }
        _ => json_string(text),
    }
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

/// Finds every question/answer item of a TOML data file (`[[faq]]` tables with `question` and
/// `answer`, or `q`/`a`, optionally a `type`/`section`), with byte spans.
pub fn items_toml(source: &str) -> Result<Vec<YamlItem>, String> {
    toml_items(source, false)
}

/// As [`items_toml`] for a page's front matter (see [`front_matter_items`]).
pub(crate) fn front_matter_items_toml(source: &str) -> Result<Vec<YamlItem>, String> {
    toml_items(source, true)
}

fn toml_items(source: &str, page: bool) -> Result<Vec<YamlItem>, String> {
    crate::content::limits::check_toml(source)?;
    let table = toml::de::DeTable::parse(source).map_err(|e| format!("invalid TOML: {e}"))?;
    let root = toml_node(
        source,
        table.span(),
        &toml::de::DeValue::Table(table.into_inner()),
    );
    let mut found = Vec::new();
    walk_root(source, &root, page, &mut found);
    // A `[[faq]]` item starts at its header line.
    for item in &mut found {
        let mut cursor = source[..item.item_span.start]
            .rfind('\n')
            .map_or(0, |n| n + 1);
        while cursor > 0 {
            let previous = source[..cursor - 1].rfind('\n').map_or(0, |n| n + 1);
            let line = source[previous..cursor].trim();
            if line.starts_with("[[") {
                item.item_span.start = previous;
                break;
            }
            if !(line.is_empty() || line.starts_with('#')) {
                break;
            }
            cursor = previous;
        }
    }
    Ok(found)
}

fn toml_node(source: &str, span: Range<usize>, value: &toml::de::DeValue<'_>) -> Node {
    use toml::de::DeValue;
    match value {
        DeValue::String(text) => Node::Scalar {
            value: text.to_string(),
            style: ScalarStyle::DoubleQuoted,
            span,
        },
        DeValue::Array(items) => Node::Seq(
            items
                .iter()
                .map(|item| toml_node(source, item.span(), item.get_ref()))
                .collect(),
        ),
        DeValue::Table(table) => {
            let mut pairs: Vec<(Node, Node)> = table
                .iter()
                .map(|(k, v)| {
                    (
                        Node::Scalar {
                            value: k.get_ref().to_string(),
                            style: ScalarStyle::Plain,
                            span: k.span(),
                        },
                        toml_node(source, v.span(), v.get_ref()),
                    )
                })
                .collect();
            pairs.sort_by_key(|(k, _)| k.end().unwrap_or(0));
            let start = pairs
                .first()
                .and_then(|(k, _)| match k {
                    Node::Scalar { span, .. } => Some(span.start),
                    _ => None,
                })
                .unwrap_or(span.start);
            Node::Map { start, pairs }
        }
        _ => Node::Scalar {
            value: source.get(span.clone()).unwrap_or_default().to_owned(),
            style: ScalarStyle::Plain,
            span,
        },
    }
}

/// The indicator line of a block scalar written at `span` (e.g. `|-`), or `|`.
pub fn block_header(source: &str, span: &Range<usize>) -> String {
    let text = source.get(span.clone()).unwrap_or_default();
    let line = text.split('\n').next().unwrap_or("|");
    let header = line.trim_end_matches('\r');
    // Comments after the indicator are dropped with the old value.
    header
        .split(" #")
        .next()
        .unwrap_or("|")
        .trim_end()
        .to_owned()
}

#[cfg(test)]
mod tests;
