//! Text and span helpers shared by the readers of every form: the Markdown dialect, the
//! question-mark test, and the trimming of byte ranges to their non-blank text.

use std::ops::Range;

use pulldown_cmark::Options;

/// The Markdown dialect of page files: CommonMark with the extensions Hugo enables by default
/// that pulldown-cmark has. Import and rendering share it so that both see the same blocks.
pub(crate) fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_DEFINITION_LIST
}

/// `Is it "free?"` or `(really?)` still asks; so does a question in Chinese (`？`, or a final `吗`), Arabic
/// (`؟`), Armenian (`՞`) or Greek: the Greek question mark (U+037E), and the semicolon that
/// stands for it in Greek text (`Πώς μπορώ;`: a text with a Greek word; Greek writes its own
/// semicolon as `·`).
pub(crate) fn ends_in_question_mark(text: &str) -> bool {
    let text = text.trim_end_matches(['"', '\'', '”', '’', '»', '」', ')', ']', ' ', '\u{200b}']);
    text.ends_with(['?', '？', '؟', '՞', '⸮', '﹖', '\u{37e}'])
        || (text.ends_with(';') && has_greek_word(text))
        || asks_in_japanese(text)
        || asks_by_particle(text)
}

/// Thai and Chinese often ask without a question mark, with a final particle or question word:
/// `สมัครสมาชิกอย่างไร` (how do I sign up), `ใช้ฟรีไหม` (is it free), `可以转载文章吗`.
fn asks_by_particle(text: &str) -> bool {
    let text = text.strip_suffix('。').unwrap_or(text).trim_end();
    const THAI: [&str; 12] = [
        "ไหม",
        "มั้ย",
        "หรือไม่",
        "หรือเปล่า",
        "อย่างไร",
        "ยังไง",
        "อะไร",
        "เท่าไร",
        "เท่าไหร่",
        "ที่ไหน",
        "เมื่อไร",
        "เมื่อไหร่",
    ];
    THAI.iter().any(|p| text.ends_with(p))
        || text
            .strip_suffix(['吗', '嗎'])
            .and_then(|before| before.chars().last())
            .is_some_and(|c| matches!(c, '\u{4e00}'..='\u{9fff}'))
}

/// Japanese asks with the particle `か`, often closed by a full stop: `参加できますか。`.
fn asks_in_japanese(text: &str) -> bool {
    let text = text.strip_suffix('。').unwrap_or(text);
    text.strip_suffix('か')
        .and_then(|before| before.chars().last())
        .is_some_and(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'))
}

/// Two Greek letters in a row: a Greek word, not a lone `π` or `μ` in a formula.
fn has_greek_word(text: &str) -> bool {
    let greek =
        |c: char| matches!(c, '\u{370}'..='\u{3ff}' | '\u{1f00}'..='\u{1fff}') && c.is_alphabetic();
    text.chars()
        .zip(text.chars().skip(1))
        .any(|(a, b)| greek(a) && greek(b))
}

/// `range` without surrounding blank lines (see [`trim_blank_lines`]) and without the thematic
/// breaks that end it (`rules`, in source order): FAQ pages often draw a `---` between entries, which is page layout, not
/// part of the answer above it (it stays in the bytes between entries, so export keeps it).
pub(crate) fn trim_surroundings(
    source: &str,
    range: Range<usize>,
    rules: &[Range<usize>],
) -> Range<usize> {
    let mut trimmed = trim_blank_lines(source, range.clone());
    // `rules` are in source order and do not overlap: the one ending where the text ends is
    // found by bisection (a page of many rules stays linear).
    while let Some(rule) = rules
        .get(rules.partition_point(|rule| rule.end < trimmed.end))
        .filter(|rule| rule.end == trimmed.end && rule.start >= trimmed.start && !rule.is_empty())
    {
        trimmed = trim_blank_lines(source, range.start..rule.start);
    }
    trimmed
}

/// Markdown's whitespace: what blank lines and trailing space are made of.
fn is_blank(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
}

/// The end of `range` once trailing whitespace and line endings are dropped.
pub(crate) fn trim_end_blank(source: &str, range: Range<usize>) -> usize {
    let bytes = source.as_bytes().get(range.clone()).unwrap_or_default();
    // Whitespace is ASCII, so the byte after the last non-blank one starts a character.
    range.start
        + bytes
            .iter()
            .rposition(|&b| !is_blank(b))
            .map_or(0, |i| i + 1)
}

/// `range` without its leading blank lines (the first kept line keeps its indentation) and
/// without trailing whitespace; an empty range at `range.start` when it is all blank.
pub(crate) fn trim_blank_lines(source: &str, range: Range<usize>) -> Range<usize> {
    let end = trim_end_blank(source, range.clone());
    let bytes = source.as_bytes().get(range.start..end).unwrap_or_default();
    let mut line_start = range.start;
    for (i, &byte) in bytes.iter().enumerate() {
        if byte == b'\n' {
            line_start = range.start + i + 1;
        } else if !is_blank(byte) {
            return line_start..end;
        }
    }
    range.start..range.start
}
