//! Front matter: finds the YAML (`---`) or TOML (`+++`) block at the very start of a page
//! file, keeps its raw text for a byte-exact export, and parses it (with `serde_norway` /
//! `toml`) into a JSON object with nested values kept.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

use crate::content::error::ImportError;

/// The language of a front matter block, told by its delimiters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FrontMatterFormat {
    /// YAML between `---` lines.
    Yaml,
    /// TOML between `+++` lines.
    Toml,
    /// A JSON object (`{ … }`) at the top of the file, optionally after blank lines.
    Json,
}

impl FrontMatterFormat {
    /// `"yaml"`, `"toml"` or `"json"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Yaml => "yaml",
            Self::Toml => "toml",
            Self::Json => "json",
        }
    }

    /// The name kept in the `pages.front_matter_format` column: `yaml`, `toml` or `json`
    /// (before migration 0021 a JSON block was kept as `yaml`; [`rewrite`] tells JSON by its
    /// `{` whatever the column says).
    pub fn stored(self) -> &'static str {
        self.as_str()
    }

    /// The line that opens and closes a block in this format.
    fn delimiter(self) -> &'static str {
        match self {
            Self::Yaml => "---",
            Self::Toml => "+++",
            Self::Json => "",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Yaml => "YAML",
            Self::Toml => "TOML",
            Self::Json => "JSON",
        }
    }
}

impl fmt::Display for FrontMatterFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of [`FrontMatterFormat::from_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown front matter format `{0}`: expected `yaml`, `toml` or `json`")]
pub struct ParseFrontMatterFormatError(String);

impl FromStr for FrontMatterFormat {
    type Err = ParseFrontMatterFormatError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "yaml" => Ok(Self::Yaml),
            "toml" => Ok(Self::Toml),
            "json" => Ok(Self::Json),
            _ => Err(ParseFrontMatterFormatError(s.to_owned())),
        }
    }
}

/// A page's front matter block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrontMatter {
    /// YAML or TOML.
    pub format: FrontMatterFormat,
    /// The whole block exactly as in the file: both delimiter lines included, and the line
    /// ending after the closing delimiter when there is one. The file starts with it.
    pub raw: String,
    /// The parsed block, always a JSON object; nested values kept, TOML datetimes as the
    /// strings they were written as.
    pub value: Value,
}

impl FrontMatter {
    /// A top-level string value, e.g. `title`, its key read in any case as Hugo reads it.
    pub fn str(&self, key: &str) -> Option<&str> {
        values(&self.value, key).find_map(Value::as_str)
    }
}

/// The top-level values of `object` under `key`, as Hugo reads front matter keys: in any case
/// (`Title`, `DRAFT`), the key spelled exactly first.
pub fn values<'a>(object: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    let map = object.as_object();
    let exact = map.and_then(|map| map.get(key));
    let other = map
        .into_iter()
        .flatten()
        .filter(move |(k, _)| k.as_str() != key && k.eq_ignore_ascii_case(key))
        .map(|(_, value)| value);
    exact.into_iter().chain(other)
}

/// Splits `source` into its front matter, if any, and the byte offset where the Markdown body
/// starts (`raw.len()`, or 0 without front matter).
///
/// A block is recognised only when the very first line of the file is `---` or `+++` (trailing
/// spaces allowed); it ends at the next line that is that delimiter again. A JSON block is an
/// object at the top of the file, optionally after blank lines, as Hugo reads it. A file that opens a
/// block and never closes it is refused rather than read as Markdown, as Hugo does.
pub(crate) fn split(source: &str) -> Result<(Option<FrontMatter>, usize), ImportError> {
    if let Some(start) = crate::content::forms::json::front_matter_start(source) {
        return split_json(source, start);
    }
    let mut lines = Lines::new(source);
    let Some(first) = lines.next() else {
        return Ok((None, 0));
    };
    let format = match first.content.trim_end_matches([' ', '\t']) {
        "---" => FrontMatterFormat::Yaml,
        "+++" => FrontMatterFormat::Toml,
        _ => return Ok((None, 0)),
    };
    let delimiter = format.delimiter();
    let closing = lines.find(|line| line.content.trim_end_matches([' ', '\t']) == delimiter);
    let Some(closing) = closing else {
        return Err(ImportError::FrontMatter(format!(
            "the {} front matter opened by `{delimiter}` on line 1 is never closed: \
             add a line containing only `{delimiter}` after its last key",
            format.name(),
        )));
    };

    let raw = &source[..closing.next];
    let value = match format {
        // The opening `---` is also YAML's own document marker, so the parser gets the text from
        // the very start of the file: its line numbers in errors are then the file's own.
        FrontMatterFormat::Yaml => parse_yaml(&source[..closing.start])?,
        FrontMatterFormat::Toml | FrontMatterFormat::Json => {
            parse_toml(source, first.next..closing.start)?
        }
    };
    let front_matter = FrontMatter {
        format,
        raw: raw.to_owned(),
        value,
    };
    Ok((Some(front_matter), closing.next))
}

/// A JSON front matter: the object from `start`, and the line ending after it.
fn split_json(source: &str, start: usize) -> Result<(Option<FrontMatter>, usize), ImportError> {
    let (end, _) = crate::content::forms::json::parse_object(source, start)
        .map_err(|e| ImportError::FrontMatter(format!("JSON front matter: {e}")))?;
    let value: Value = serde_json::from_str(&source[start..end])
        .map_err(|e| ImportError::FrontMatter(format!("JSON front matter: {e}")))?;
    let rest = &source[end..];
    let after = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    let next = if rest[after..].starts_with("\r\n") {
        end + after + 2
    } else if rest[after..].starts_with('\n') {
        end + after + 1
    } else {
        end
    };
    let front_matter = FrontMatter {
        format: FrontMatterFormat::Json,
        raw: source[..next].to_owned(),
        value,
    };
    Ok((Some(front_matter), next))
}

/// The raw front matter block `raw` (in `format`, `yaml` or `toml`) rewritten to hold `value`,
/// changing as few bytes as it can: a top-level scalar that changed is rewritten on its own
/// line (`title: "New"`), a new one is added before the closing delimiter, a removed one loses
/// its line. Anything else (a nested value, a multi-line one) re-serialises the whole block.
pub fn rewrite(raw: &str, format: &str, value: &Value) -> String {
    if let Some(start) = crate::content::forms::json::front_matter_start(raw) {
        // A JSON block is written anew, after the blank lines it had, with the indentation of
        // its first key.
        let newline = if raw.contains("\r\n") { "\r\n" } else { "\n" };
        let indent = raw[start..]
            .split('\n')
            .nth(1)
            .map(|line| &line[..line.len() - line.trim_start_matches([' ', '\t']).len()])
            .filter(|pad| !pad.is_empty())
            .unwrap_or("  ");
        return match json_pretty(value, indent) {
            Some(text) => format!("{}{}{newline}", &raw[..start], text.replace('\n', newline)),
            None => raw.to_owned(),
        };
    }
    let format = if format == "toml" {
        FrontMatterFormat::Toml
    } else {
        FrontMatterFormat::Yaml
    };
    let newline = if raw.contains("\r\n") { "\r\n" } else { "\n" };
    let old = match split(raw) {
        Ok((Some(fm), _)) => fm.value,
        _ => Value::Object(Map::new()),
    };
    let (Some(old_map), Some(new_map)) = (old.as_object(), value.as_object()) else {
        return reserialise(format, value, newline).unwrap_or_else(|| raw.to_owned());
    };
    let separator = match format {
        FrontMatterFormat::Yaml | FrontMatterFormat::Json => ":",
        FrontMatterFormat::Toml => " =",
    };
    let mut lines: Vec<String> = raw.split_inclusive('\n').map(str::to_owned).collect();
    let top_level_line = |lines: &[String], key: &str| {
        lines.iter().position(|line| {
            let line = line.trim_end_matches(['\r', '\n']);
            line.strip_prefix(key).is_some_and(|rest| {
                let rest = rest.trim_start_matches(' ');
                rest.starts_with(separator.trim()) && !line.starts_with([' ', '\t'])
            })
        })
    };
    let scalar = |v: &Value| match v {
        Value::String(_) | Value::Bool(_) | Value::Number(_) => serde_json::to_string(v).ok(),
        _ => None,
    };
    let mut keys: Vec<&String> = old_map.keys().chain(new_map.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let (before, after) = (old_map.get(key), new_map.get(key));
        if before == after {
            continue;
        }
        let at = top_level_line(&lines, key);
        // A key on one line whose next line is not a continuation (indented or a list item).
        let single = at.is_some_and(|i| {
            lines
                .get(i + 1)
                .is_none_or(|next| !(next.starts_with([' ', '\t']) || next.starts_with("- ")))
        });
        match (before, after.and_then(scalar), at) {
            (_, Some(text), Some(i)) if single => {
                lines[i] = format!("{key}{separator} {text}{newline}");
            }
            (None, Some(text), None) => {
                let closing = lines.len().saturating_sub(1);
                lines.insert(closing, format!("{key}{separator} {text}{newline}"));
            }
            (Some(_), None, Some(i)) if after.is_none() && single => {
                lines.remove(i);
            }
            _ => return reserialise(format, value, newline).unwrap_or_else(|| raw.to_owned()),
        }
    }
    lines.concat()
}

/// The whole block written anew from `value`.
fn reserialise(format: FrontMatterFormat, value: &Value, newline: &str) -> Option<String> {
    let body = match format {
        FrontMatterFormat::Yaml => serde_norway::to_string(value).ok()?,
        FrontMatterFormat::Toml => toml::to_string(value).ok()?,
        FrontMatterFormat::Json => {
            return json_pretty(value, "  ").map(|text| format!("{text}\n").replace('\n', newline));
        }
    };
    let delimiter = format.delimiter();
    let text = format!(
        "{delimiter}\n{}{}\n",
        body.trim_end_matches('\n').to_owned() + "\n",
        delimiter
    );
    Some(text.replace('\n', newline))
}

/// `value` as JSON indented with `indent`.
fn json_pretty(value: &Value, indent: &str) -> Option<String> {
    use serde::Serialize;
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(indent.as_bytes());
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    value.serialize(&mut serializer).ok()?;
    String::from_utf8(out).ok()
}

/// One line of the file: its content without the line ending, and byte offsets.
struct Line<'a> {
    /// Offset of the first byte of the line.
    start: usize,
    /// The line without its `\n` or `\r\n`.
    content: &'a str,
    /// Offset of the next line (after the line ending), or the length of the file.
    next: usize,
}

/// Lines with their offsets; `str::lines` loses the offsets and whether a line ended in `\n`.
struct Lines<'a> {
    source: &'a str,
    pos: usize,
}

impl<'a> Lines<'a> {
    fn new(source: &'a str) -> Self {
        Self { source, pos: 0 }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = Line<'a>;

    fn next(&mut self) -> Option<Line<'a>> {
        let rest = self
            .source
            .get(self.pos..)
            .filter(|rest| !rest.is_empty())?;
        let start = self.pos;
        let (line, next) = match rest.find('\n') {
            Some(i) => (&rest[..i], start + i + 1),
            None => (rest, self.source.len()),
        };
        self.pos = next;
        Some(Line {
            start,
            content: line.strip_suffix('\r').unwrap_or(line),
            next,
        })
    }
}

fn parse_yaml(text: &str) -> Result<Value, ImportError> {
    crate::content::limits::check_yaml(text).map_err(ImportError::FrontMatter)?;
    let mut yaml: serde_norway::Value = serde_norway::from_str(text)
        .map_err(|e| ImportError::FrontMatter(format!("YAML syntax error: {e}")))?;
    // Hugo's YAML reader honours `<<` merge keys; keep their meaning rather than a literal `<<` key.
    yaml.apply_merge()
        .map_err(|e| ImportError::FrontMatter(format!("YAML merge key (`<<`) error: {e}")))?;
    match yaml {
        // An empty block (`---` right after `---`) is an empty mapping.
        serde_norway::Value::Null => Ok(Value::Object(Map::new())),
        serde_norway::Value::Mapping(_) => yaml_to_json(yaml),
        other => Err(ImportError::FrontMatter(format!(
            "the YAML front matter must be a mapping of keys to values (like `title: My FAQ`), \
             not {}",
            yaml_kind(&other)
        ))),
    }
}

fn yaml_kind(value: &serde_norway::Value) -> &'static str {
    use serde_norway::Value as Y;
    match value {
        Y::Null => "an empty value",
        Y::Bool(_) => "a boolean",
        Y::Number(_) => "a number",
        Y::String(_) => "a string",
        Y::Sequence(_) => "a list",
        Y::Mapping(_) => "a mapping",
        Y::Tagged(_) => "a tagged value",
    }
}

fn yaml_to_json(value: serde_norway::Value) -> Result<Value, ImportError> {
    use serde_norway::Value as Y;
    Ok(match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                float_to_json(n.as_f64(), || n.to_string())
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(
            items
                .into_iter()
                .map(yaml_to_json)
                .collect::<Result<_, _>>()?,
        ),
        Y::Mapping(mapping) => {
            let mut object = Map::new();
            for (key, value) in mapping {
                object.insert(yaml_key(key)?, yaml_to_json(value)?);
            }
            Value::Object(object)
        }
        // A custom tag (`!foo bar`) means nothing to a JSON reader: keep the value it tags.
        Y::Tagged(tagged) => yaml_to_json(tagged.value)?,
    })
}

/// JSON keys are strings; YAML lets scalars of any type be keys (`1: one`), which are kept as
/// their text. Lists or mappings as keys have no sensible JSON form and are refused.
fn yaml_key(key: serde_norway::Value) -> Result<String, ImportError> {
    use serde_norway::Value as Y;
    match key {
        Y::String(s) => Ok(s),
        Y::Bool(b) => Ok(b.to_string()),
        Y::Number(n) => Ok(n.to_string()),
        Y::Null => Ok("null".to_owned()),
        Y::Tagged(tagged) => yaml_key(tagged.value),
        other => Err(ImportError::FrontMatter(format!(
            "the YAML front matter has {} as a key; keys must be plain text",
            yaml_kind(&other)
        ))),
    }
}

/// JSON has no NaN or infinity: those are kept as their text rather than lost.
fn float_to_json(f: Option<f64>, text: impl FnOnce() -> String) -> Value {
    f.and_then(Number::from_f64)
        .map_or_else(|| Value::String(text()), Value::Number)
}

fn parse_toml(source: &str, content: std::ops::Range<usize>) -> Result<Value, ImportError> {
    let text = &source[content.clone()];
    crate::content::limits::check_toml(text).map_err(ImportError::FrontMatter)?;
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let message = e.message().trim_end();
        let Some(span) = e.span() else {
            return ImportError::FrontMatter(format!("TOML syntax error: {message}"));
        };
        let (line, column) = line_column(source, content.start + span.start);
        ImportError::FrontMatter(format!(
            "TOML syntax error at line {line} column {column}: {message}"
        ))
    })?;
    Ok(toml_to_json(toml::Value::Table(table)))
}

/// 1-based line and column (in characters) of byte `offset` in `source`.
fn line_column(source: &str, offset: usize) -> (usize, usize) {
    // The parser's span may point inside a character or past the end: clamp to a boundary.
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn toml_to_json(value: toml::Value) -> Value {
    use toml::Value as T;
    match value {
        T::String(s) => Value::String(s),
        T::Integer(i) => Value::from(i),
        T::Float(f) => float_to_json(Some(f), || f.to_string()),
        T::Boolean(b) => Value::Bool(b),
        T::Datetime(d) => Value::String(d.to_string()),
        T::Array(items) => Value::Array(items.into_iter().map(toml_to_json).collect()),
        T::Table(table) => Value::Object(
            table
                .into_iter()
                .map(|(key, value)| (key, toml_to_json(value)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn split_ok(source: &str) -> (Option<FrontMatter>, usize) {
        match split(source) {
            Ok(split) => split,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }

    fn split_err(source: &str) -> String {
        match split(source) {
            Ok(split) => panic!("expected an error, got {split:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn yaml_block_is_parsed_with_nested_values_and_raw_kept() {
        let source = "---\ntitle: \"FAQ\"\ndraft: false\nweight: 3\nratio: 0.5\ntags: [a, b]\nbutton:\n  enable: true\n  label: \"Go\"\n---\n\nBody\n";
        let (fm, body_start) = split_ok(source);
        let fm = fm.expect("front matter");
        assert_eq!(fm.format, FrontMatterFormat::Yaml);
        assert_eq!(
            fm.raw,
            "---\ntitle: \"FAQ\"\ndraft: false\nweight: 3\nratio: 0.5\ntags: [a, b]\nbutton:\n  enable: true\n  label: \"Go\"\n---\n"
        );
        assert_eq!(body_start, fm.raw.len());
        assert_eq!(&source[body_start..], "\nBody\n");
        assert_eq!(
            fm.value,
            json!({"title": "FAQ", "draft": false, "weight": 3, "ratio": 0.5, "tags": ["a", "b"],
                   "button": {"enable": true, "label": "Go"}})
        );
        assert_eq!(fm.str("title"), Some("FAQ"));
    }

    #[test]
    fn keys_are_read_in_any_case_the_exact_spelling_first() {
        let value = json!({"Title": "Other", "title": "FAQ", "DRAFT": true, "weight": 3});
        let all: Vec<&Value> = values(&value, "title").collect();
        assert_eq!(all, [&json!("FAQ"), &json!("Other")]);
        assert_eq!(values(&value, "draft").collect::<Vec<_>>(), [&json!(true)]);
        assert_eq!(values(&value, "slug").count(), 0);
        assert_eq!(values(&json!(["title"]), "title").count(), 0);
        let (fm, _) = split(
            "---
Title: Help
Language: de
---
Body
",
        )
        .expect("parses");
        let fm = fm.expect("front matter");
        assert_eq!(fm.str("title"), Some("Help"));
        assert_eq!(fm.str("language"), Some("de"));
    }

    #[test]
    fn toml_block_is_parsed_and_datetimes_become_strings() {
        let source = "+++\r\ntitle = 'FAQ'\r\ndate = 2024-01-02T03:04:05Z\r\nday = 2024-01-02\r\n[params]\r\nlist = [1, 2]\r\n+++\r\nBody";
        let (fm, body_start) = split_ok(source);
        let fm = fm.expect("front matter");
        assert_eq!(fm.format, FrontMatterFormat::Toml);
        assert!(fm.raw.starts_with("+++\r\n") && fm.raw.ends_with("\r\n+++\r\n"));
        assert_eq!(&source[body_start..], "Body");
        assert_eq!(
            fm.value,
            json!({"title": "FAQ", "date": "2024-01-02T03:04:05Z", "day": "2024-01-02",
                   "params": {"list": [1, 2]}})
        );
    }

    #[test]
    fn no_front_matter_means_body_from_start() {
        for source in [
            "",
            "Hello\n---\n",
            " ---\nx\n---\n",
            "----\nx\n----\n",
            "**Q?**\n",
        ] {
            let (fm, start) = split_ok(source);
            assert!(fm.is_none(), "{source:?}");
            assert_eq!(start, 0);
        }
    }

    #[test]
    fn closing_delimiter_at_end_of_file_without_newline() {
        let (fm, start) = split_ok("---\ntitle: x\n---");
        let fm = fm.expect("front matter");
        assert_eq!(fm.raw, "---\ntitle: x\n---");
        assert_eq!(start, 16);
    }

    #[test]
    fn empty_block_is_an_empty_object() {
        for source in ["---\n---\n", "+++\n+++\n", "---\n# only a comment\n---\n"] {
            let (fm, _) = split_ok(source);
            assert_eq!(fm.expect("front matter").value, json!({}), "{source:?}");
        }
    }

    #[test]
    fn unterminated_block_is_an_error() {
        let message = split_err("---\ntitle: x\n\n**Q?**\n\nA\n");
        assert!(message.contains("never closed"), "{message}");
        assert!(message.contains("`---`"), "{message}");
        let message = split_err("+++\ntitle = 'x'\n");
        assert!(
            message.contains("TOML") && message.contains("`+++`"),
            "{message}"
        );
    }

    #[test]
    fn invalid_yaml_reports_the_file_line() {
        // The bad line is the file's line 3.
        let message = split_err("---\ntitle: ok\nkey: [unclosed\nother: 1\n---\nBody\n");
        assert!(
            message.starts_with("invalid front matter: YAML syntax error"),
            "{message}"
        );
        assert!(
            message.contains("line 4") || message.contains("line 3"),
            "{message}"
        );
        let message = split_err("---\ntitle: a: b\n---\n");
        assert!(message.contains("line 2"), "{message}");
    }

    #[test]
    fn invalid_toml_reports_the_file_line() {
        let message = split_err("+++\ntitle = 'ok'\nbroken = \n+++\n");
        assert!(message.contains("TOML syntax error at line 3"), "{message}");
        assert!(!message.contains('\n'), "one-line message: {message}");
    }

    #[test]
    fn front_matter_that_is_not_a_mapping_is_refused() {
        let message = split_err("---\n- a\n- b\n---\n");
        assert!(
            message.contains("mapping") && message.contains("a list"),
            "{message}"
        );
        let message = split_err("---\njust text\n---\n");
        assert!(message.contains("a string"), "{message}");
    }

    #[test]
    fn yaml_scalar_keys_tags_and_merges_are_mapped() {
        let source = "---\n1: one\ntrue: yes\nbase: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\ntagged: !custom 5\n---\n";
        let (fm, _) = split_ok(source);
        assert_eq!(
            fm.expect("front matter").value,
            json!({"1": "one", "true": "yes", "base": {"x": 1}, "derived": {"x": 1, "y": 2}, "tagged": 5})
        );
        let message = split_err("---\n? [a, b]\n: v\n---\n");
        assert!(message.contains("plain text"), "{message}");
    }

    #[test]
    fn format_parses_and_prints() {
        assert_eq!("yaml".parse(), Ok(FrontMatterFormat::Yaml));
        assert_eq!("TOML".parse(), Ok(FrontMatterFormat::Toml));
        assert_eq!("json".parse(), Ok(FrontMatterFormat::Json));
        assert!("xml".parse::<FrontMatterFormat>().is_err());
        assert_eq!(FrontMatterFormat::Toml.to_string(), "toml");
        assert_eq!(FrontMatterFormat::Yaml.as_str(), "yaml");
    }

    #[test]
    fn line_column_never_panics_inside_a_character() {
        let source = "é\nxé";
        assert_eq!(line_column(source, 1), (1, 1));
        assert_eq!(line_column(source, 100), (2, 3));
    }

    #[test]
    fn rewrite_changes_only_the_lines_of_changed_keys() {
        let raw = "---\ntitle: Old # kept? no: rewritten\ntags:\n  - a\nweight: 1\n---\n";
        let value = serde_json::json!({"title": "New: \"x\"", "tags": ["a"], "draft": true});
        let out = rewrite(raw, "yaml", &value);
        assert_eq!(
            out,
            "---\ntitle: \"New: \\\"x\\\"\"\ntags:\n  - a\ndraft: true\n---\n"
        );
        let (fm, _) = split_ok(&out);
        assert_eq!(fm.expect("front matter").value, value);

        let toml = "+++\r\ntitle = \"Old\"\r\nweight = 1\r\n+++\r\n";
        let out = rewrite(
            toml,
            "toml",
            &serde_json::json!({"title": "New", "weight": 1}),
        );
        assert_eq!(out, "+++\r\ntitle = \"New\"\r\nweight = 1\r\n+++\r\n");

        // A nested change rewrites the block, which still parses to the value.
        let value = serde_json::json!({"title": "T", "tags": ["a", "b"], "weight": 1});
        let out = rewrite(raw, "yaml", &value);
        let (fm, _) = split_ok(&out);
        assert_eq!(fm.expect("front matter").value, value);
    }
}
