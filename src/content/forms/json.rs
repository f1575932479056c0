//! JSON with byte spans: a page's JSON front matter (`{ … }` at the top of the file, Hugo's
//! third front-matter format) and the FAQ items it holds, found the way YAML items are
//! ([`super::data`]: `question`/`answer`, `q`/`a`, `title`/`content`, `name`/`text`, lists
//! nested in titled sections). Every string keeps its exact span, so an edited item is written
//! back as a JSON string in its place and the rest of the file keeps its bytes.
//!
//! The reader is a small recursive-descent parser, linear in the input, that refuses nesting
//! deeper than [`MAX_DEPTH`] before it could exhaust the stack.

use std::collections::HashMap;
use std::ops::Range;

use saphyr_parser::ScalarStyle;

use crate::content::forms::data::{self, Node, YamlItem};

/// The deepest nesting of arrays and objects accepted (real front matter needs a handful).
pub const MAX_DEPTH: usize = 48;

/// Whether `source` opens with a JSON front matter: optional blank lines, then `{` followed by
/// a string key or `}` (so that a body starting with a `{{< shortcode >}}` is not one).
/// Returns the offset of the `{`.
pub fn front_matter_start(source: &str) -> Option<usize> {
    let start = source.len() - source.trim_start_matches([' ', '\t', '\r', '\n']).len();
    let rest = source.get(start..)?;
    let after = rest.strip_prefix('{')?;
    let next = after.trim_start_matches([' ', '\t', '\r', '\n']);
    (next.starts_with('"') || next.starts_with('}')).then_some(start)
}

/// The JSON object that starts at `start`: its end (just after the `}`) and its tree.
/// A syntax error or too deep a nesting is a message with the line.
pub fn parse_object(source: &str, start: usize) -> Result<(usize, Parsed), String> {
    let mut parser = Parser {
        source,
        bytes: source.as_bytes(),
        pos: start,
        depth: 0,
        map_ends: HashMap::new(),
    };
    let node = parser.value()?;
    if !matches!(node, Node::Map { .. }) {
        return Err(parser.error_at(start, "the JSON front matter must be an object (`{ … }`)"));
    }
    Ok((
        parser.pos,
        Parsed {
            root: node,
            front_matter: true,
            map_ends: parser.map_ends,
        },
    ))
}

/// A parsed JSON value with the end of every object, by its start.
pub struct Parsed {
    root: Node,
    front_matter: bool,
    map_ends: HashMap<usize, usize>,
}

impl Parsed {
    /// The question/answer items, each item spanning its whole object (`{` to `}`). The
    /// top-level object is the page's own (its `title` is the page's, not a section's): its
    /// lists are walked without it.
    pub fn items(&self, source: &str) -> Vec<YamlItem> {
        let mut found = Vec::new();
        data::walk_root(source, &self.root, self.front_matter, &mut found);
        for item in &mut found {
            if let Some(&end) = self.map_ends.get(&item.item_span.start) {
                item.item_span.end = end;
            }
        }
        found
    }
}

/// The items of a whole JSON document (a data file): an object or an array at the top.
pub fn items(source: &str) -> Result<Vec<YamlItem>, String> {
    let start = source.len() - source.trim_start().len();
    let mut parser = Parser {
        source,
        bytes: source.as_bytes(),
        pos: start,
        depth: 0,
        map_ends: HashMap::new(),
    };
    let root = parser.value()?;
    parser.skip_ws();
    if parser.pos < source.len() {
        return Err(parser.error_at(parser.pos, "text after the JSON value"));
    }
    Ok(Parsed {
        root,
        front_matter: false,
        map_ends: parser.map_ends,
    }
    .items(source))
}

struct Parser<'s> {
    source: &'s str,
    bytes: &'s [u8],
    pos: usize,
    depth: usize,
    map_ends: HashMap<usize, usize>,
}

impl Parser<'_> {
    fn error_at(&self, at: usize, what: &str) -> String {
        let at = at.min(self.source.len());
        let line = self.bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        format!("invalid JSON at line {line}: {what}")
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\r' | b'\n') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<(), String> {
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error_at(self.pos, what))
        }
    }

    fn value(&mut self) -> Result<Node, String> {
        self.skip_ws();
        match self.bytes.get(self.pos) {
            Some(b'{') => self.nested(Self::object),
            Some(b'[') => self.nested(Self::array),
            Some(b'"') => {
                let start = self.pos;
                let value = self.string()?;
                Ok(Node::Scalar {
                    value,
                    style: ScalarStyle::DoubleQuoted,
                    span: start..self.pos,
                })
            }
            Some(_) => {
                let start = self.pos;
                while let Some(b) = self.bytes.get(self.pos) {
                    if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.') {
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                let text = &self.source[start..self.pos];
                let valid = matches!(text, "true" | "false" | "null")
                    || (!text.is_empty()
                        && serde_json::from_str::<serde_json::Number>(text).is_ok());
                if !valid {
                    return Err(self.error_at(start, "expected a value"));
                }
                Ok(Node::Scalar {
                    value: text.to_owned(),
                    style: ScalarStyle::Plain,
                    span: start..self.pos,
                })
            }
            None => Err(self.error_at(self.pos, "the JSON ends before its value")),
        }
    }

    fn nested(&mut self, read: fn(&mut Self) -> Result<Node, String>) -> Result<Node, String> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error_at(
                self.pos,
                &format!("nested deeper than {MAX_DEPTH} arrays and objects"),
            ));
        }
        self.depth += 1;
        let node = read(self);
        self.depth -= 1;
        node
    }

    fn object(&mut self) -> Result<Node, String> {
        let start = self.pos;
        self.pos += 1;
        let mut pairs = Vec::new();
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b'}') {
            self.pos += 1;
        } else {
            loop {
                self.skip_ws();
                if self.bytes.get(self.pos) != Some(&b'"') {
                    return Err(self.error_at(self.pos, "expected a string key"));
                }
                let key = self.value()?;
                self.expect(b':', "expected `:` after the key")?;
                let value = self.value()?;
                pairs.push((key, value));
                self.skip_ws();
                match self.bytes.get(self.pos) {
                    Some(b',') => self.pos += 1,
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.error_at(self.pos, "expected `,` or `}`")),
                }
            }
        }
        self.map_ends.insert(start, self.pos);
        Ok(Node::Map { start, pairs })
    }

    fn array(&mut self) -> Result<Node, String> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(Node::Seq(items));
        }
        loop {
            items.push(self.value()?);
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Node::Seq(items));
                }
                _ => return Err(self.error_at(self.pos, "expected `,` or `]`")),
            }
        }
    }

    /// A string at `pos` (on its opening quote), decoded.
    fn string(&mut self) -> Result<String, String> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let rest = &self.bytes[self.pos..];
            let Some(stop) = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            else {
                return Err(self.error_at(start, "a string is never closed"));
            };
            out.push_str(&self.source[self.pos..self.pos + stop]);
            self.pos += stop;
            match self.bytes[self.pos] {
                b'"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    let escape = self.bytes.get(self.pos + 1).copied();
                    self.pos += 2;
                    match escape {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => {
                            let high = self.hex4()?;
                            let c = if (0xd800..0xdc00).contains(&high)
                                && self.bytes.get(self.pos..self.pos + 2) == Some(b"\\u")
                            {
                                self.pos += 2;
                                let low = self.hex4()?;
                                char::from_u32(
                                    0x10000
                                        + ((high - 0xd800) << 10)
                                        + (low.wrapping_sub(0xdc00) & 0x3ff),
                                )
                            } else {
                                char::from_u32(high)
                            };
                            out.push(c.unwrap_or('\u{fffd}'));
                        }
                        _ => {
                            return Err(
                                self.error_at(self.pos - 2, "an unknown escape in a string")
                            );
                        }
                    }
                }
                _ => return Err(self.error_at(self.pos, "a control character in a string")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self
            .source
            .get(self.pos..self.pos + 4)
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .ok_or_else(|| self.error_at(self.pos, "`\\u` needs four hex digits"))?;
        self.pos += 4;
        Ok(digits)
    }
}

/// The span of the whole JSON value `items` were read from is not needed by callers; this
/// helper gives the range of a front matter's object for the front matter reader.
pub fn object_range(source: &str) -> Option<Result<Range<usize>, String>> {
    let start = front_matter_start(source)?;
    Some(parse_object(source, start).map(|(end, _)| start..end))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FM: &str = "{\n  \"title\": \"Help\",\n  \"faq\": [\n    {\n      \"title\": \"Billing\",\n      \"items\": [\n        {\"q\": \"Can I pay \\\"later\\\"?\", \"a\": \"Yes.\\nReally.\"},\n        {\"q\": \"Refunds?\", \"a\": \"No \\u00e9.\"}\n      ]\n    },\n    {\"question\": \"Plain?\", \"answer\": \"Plain.\"}\n  ]\n}\n\nBody.\n";

    #[test]
    fn front_matter_items_with_sections_short_keys_and_whole_object_spans() {
        let start = front_matter_start(FM).expect("json front matter");
        let (end, parsed) = parse_object(FM, start).expect("parses");
        assert_eq!(&FM[end..], "\n\nBody.\n");
        let items = parsed.items(FM);
        let got: Vec<(&str, &str, Option<&str>)> = items
            .iter()
            .map(|i| (i.question.as_str(), i.answer.as_str(), i.section.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("Can I pay \"later\"?", "Yes.\nReally.", Some("Billing")),
                ("Refunds?", "No é.", Some("Billing")),
                ("Plain?", "Plain.", None),
            ]
        );
        assert_eq!(
            &FM[items[0].question_span.clone()],
            "\"Can I pay \\\"later\\\"?\""
        );
        assert_eq!(
            &FM[items[1].item_span.clone()],
            "{\"q\": \"Refunds?\", \"a\": \"No \\u00e9.\"}"
        );
    }

    #[test]
    fn a_shortcode_at_the_top_is_not_json() {
        assert_eq!(
            front_matter_start("{{< faq \"Q?\" >}}\nA\n{{< /faq >}}\n"),
            None
        );
        assert_eq!(front_matter_start("\n\n{\"title\": \"x\"}\n"), Some(2));
        assert_eq!(front_matter_start("{}\n"), Some(0));
    }

    #[test]
    fn hostile_json_is_a_clear_error() {
        let deep = format!("{{\"a\": {}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        let started = std::time::Instant::now();
        let err = parse_object(&deep, 0).err().expect("refused");
        assert!(err.contains("nested deeper"), "{err}");
        for bad in [
            "{\"a\": \"never closed",
            "{\"a\": tru}",
            "{\"a\" 1}",
            "{\"a\": \"\\x\"}",
            "{\"a\": \"\\u12\"}",
            "{\"a\": 1,}",
            "{\"a\": [1 2]}",
            "{",
        ] {
            let err = parse_object(bad, 0).err().expect(bad);
            assert!(err.starts_with("invalid JSON at line 1"), "{bad}: {err}");
        }
        let huge = format!("{{\"a\": \"{}\"}}", "x".repeat(4 << 20));
        assert!(parse_object(&huge, 0).is_ok());
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}
