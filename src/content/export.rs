//! Export: a page written back as the file it came from.
//!
//! An imported page keeps its source and every entry keeps the byte spans of its item, question
//! and answer in it (its *slot*). Export re-reads the source with the page's question style to
//! find the slots, then writes the source again with:
//!
//! - every slot whose entry is unchanged as the original bytes (an unedited page comes back byte
//!   for byte, whatever its form and line endings);
//! - an edited question or answer re-encoded in the slot's own syntax, and nothing else changed;
//! - entries in their current order (slots keep their places; a moved entry takes its own bytes
//!   to its new place);
//! - a deleted entry's slot left out, with one separator next to it;
//! - a new entry written in the file's own form, cloned from its neighbour's item, after the
//!   entry it follows.
//!
//! A page with no source (or none of whose entries came from it) is written as clean Hugo
//! Markdown: the front matter, the intro, sections as `##` headings and questions in bold.

use std::ops::Range;

use crate::content::forms::data::{self, YamlScalar};
use crate::content::forms::markdown::define;
use crate::content::forms::shortcode::{self, QuestionPlace};
use crate::content::forms::{html, list};
use crate::content::import::{parse_file, parse_page};
use crate::content::model::{EntrySyntax, ParsedEntry, ParsedPage};
use crate::content::style::QuestionStyle;
use crate::content::text::ends_in_question_mark;

/// What the exporter needs of a page.
#[derive(Debug, Clone, Copy)]
pub struct PageSource<'a> {
    /// The imported file, if the page came from one.
    pub source: Option<&'a str>,
    /// The file's path as imported (`faq.md`, `data/faq.toml`): it tells a TOML data file.
    pub path: Option<&'a str>,
    pub style: QuestionStyle,
    pub front_matter_raw: Option<&'a str>,
    pub title: &'a str,
    pub intro: &'a str,
}

/// One entry to write, in page order.
#[derive(Debug, Clone)]
pub struct EntryText<'a> {
    pub question: &'a str,
    pub answer: &'a str,
    pub section: Option<&'a str>,
    /// Where its question starts in the source, when it came from it.
    pub question_start: Option<usize>,
}

/// Writes `page` with `entries` (in order) as the page's file.
pub fn export(page: &PageSource<'_>, entries: &[EntryText<'_>]) -> String {
    // The source read again as the import read it: detected when detection gives the page's
    // style, else with the style forced, as the import must have been.
    let reparse = |forced: Option<QuestionStyle>| match page.path {
        Some(path) => parse_file(std::path::Path::new(path), page.source?, forced).ok(),
        None => parse_page(page.source?, forced).ok(),
    };
    let parsed = reparse(None)
        .filter(|parsed| parsed.style == page.style)
        .or_else(|| reparse(Some(page.style)));
    if let Some(parsed) = parsed {
        // By the start of its question; else, for an entry whose bytes moved without it (a
        // front matter list after the block was rewritten), by its question.
        let slot_of = |e: &EntryText<'_>| {
            e.question_start.and_then(|start| {
                parsed
                    .entries
                    .iter()
                    .position(|slot| slot.question_span.start == start)
                    .or_else(|| {
                        parsed.entries.iter().position(|slot| {
                            slot.question == e.question
                                && !matches!(slot.syntax, EntrySyntax::Heading(_))
                                && slot.question_span.end <= front_matter_end(&parsed)
                        })
                    })
            })
        };
        let slots: Vec<Option<usize>> = entries.iter().map(slot_of).collect();
        if slots.iter().any(Option::is_some) {
            return Templated {
                source: &parsed.source,
                slots: &parsed.entries,
            }
            .write(entries, &slots);
        }
    }
    clean(page, entries)
}

/// Where the front matter block ends in the parsed source (0 without one).
fn front_matter_end(parsed: &ParsedPage) -> usize {
    parsed.front_matter.as_ref().map_or(0, |fm| fm.raw.len())
}

struct Templated<'a> {
    source: &'a str,
    slots: &'a [ParsedEntry],
}

enum Piece {
    Literal(Range<usize>),
    /// A slot position, in source order.
    Slot(usize),
}

impl Templated<'_> {
    fn write(&self, entries: &[EntryText<'_>], slot_of: &[Option<usize>]) -> String {
        let source = self.source;
        // Slot positions in use, in source order, filled by the slotted entries in page order.
        let mut used: Vec<usize> = slot_of.iter().flatten().copied().collect();
        used.sort_unstable();
        used.dedup();
        let mut filled: Vec<Option<usize>> = vec![None; self.slots.len()];
        let mut after: Vec<Vec<usize>> = vec![Vec::new(); self.slots.len()];
        let mut before_first: Vec<usize> = Vec::new();
        let mut next_position = used.iter();
        let mut last_position: Option<usize> = None;
        let mut seen = vec![false; self.slots.len()];
        for (i, slot) in slot_of.iter().enumerate() {
            match slot {
                Some(s) if !seen[*s] => {
                    seen[*s] = true;
                    if let Some(&position) = next_position.next() {
                        filled[position] = Some(i);
                        last_position = Some(position);
                    }
                }
                _ => match last_position {
                    Some(p) => after[p].push(i),
                    None => before_first.push(i),
                },
            }
        }

        // The file as pieces: literal bytes around the slots.
        let mut pieces = Vec::new();
        let mut pos = 0;
        for (i, slot) in self.slots.iter().enumerate() {
            pieces.push(Piece::Literal(pos..slot.item_span.start));
            pieces.push(Piece::Slot(i));
            pos = slot.item_span.end;
        }
        pieces.push(Piece::Literal(pos..source.len()));

        // An empty slot takes one separator with it: the one before, else the one after.
        let mut dropped = vec![false; pieces.len()];
        for (k, piece) in pieces.iter().enumerate() {
            if let Piece::Slot(i) = piece
                && filled[*i].is_none()
            {
                dropped[k] = true;
                let is_separator = |k: usize| match pieces.get(k) {
                    Some(Piece::Literal(r)) => is_separator(&source[r.clone()]),
                    _ => false,
                };
                if k >= 2 && !dropped[k - 1] && is_separator(k - 1) && k - 1 != 0 {
                    dropped[k - 1] = true;
                } else if k + 2 < pieces.len() && is_separator(k + 1) {
                    dropped[k + 1] = true;
                }
            }
        }

        let mut out = String::with_capacity(source.len() + 256);
        for (k, piece) in pieces.iter().enumerate() {
            if dropped[k] {
                continue;
            }
            match piece {
                Piece::Literal(range) => out.push_str(&source[range.clone()]),
                Piece::Slot(i) => {
                    if *i == first_used(&filled) {
                        for &e in &before_first {
                            out.push_str(&self.new_item(*i, &entries[e]));
                            out.push_str(&self.separator(*i));
                        }
                    }
                    if let Some(e) = filled[*i] {
                        let own = slot_of[e].unwrap_or(*i);
                        let item = self.item(own, &entries[e]);
                        out.push_str(&self.at_level_of(*i, own, item));
                    }
                    for &e in &after[*i] {
                        out.push_str(&self.separator(*i));
                        out.push_str(&self.new_item(*i, &entries[e]));
                    }
                }
            }
        }
        out
    }

    /// The bytes of slot `i` with `entry`'s question and answer where they differ.
    fn item(&self, i: usize, entry: &EntryText<'_>) -> String {
        let slot = &self.slots[i];
        let mut replacements = Vec::new();
        if entry.question != slot.question {
            replacements.push((
                slot.question_span.clone(),
                self.encode_question(slot, entry.question),
            ));
        }
        if entry.answer != slot.answer {
            replacements.push((
                slot.answer_span.clone(),
                self.encode_answer(slot, entry.answer),
            ));
        }
        self.splice(slot.item_span.clone(), replacements)
    }

    /// The item of slot `own`, moved to slot `place`, with the heading level of its new place:
    /// on a page whose questions are headings of more than one level (`### Which avatars?`
    /// under a `## [Usage]` label among `##` questions), the level belongs to the place, so
    /// that the moved question is read as one there.
    fn at_level_of(&self, place: usize, own: usize, item: String) -> String {
        let (Some(EntrySyntax::Heading(to)), Some(EntrySyntax::Heading(from))) = (
            self.slots.get(place).map(|s| s.syntax),
            self.slots.get(own).map(|s| s.syntax),
        ) else {
            return item;
        };
        let hashes = item.len() - item.trim_start_matches('#').len();
        let after = item[hashes..].chars().next();
        if to == from || hashes != usize::from(from) || !after.is_none_or(|c| c == ' ' || c == '\t')
        {
            return item;
        }
        format!("{}{}", "#".repeat(usize::from(to)), &item[hashes..])
    }

    /// A new entry in the form of slot `i`: its item with the question and answer replaced.
    fn new_item(&self, i: usize, entry: &EntryText<'_>) -> String {
        let slot = &self.slots[i];
        let replacements = vec![
            (
                slot.question_span.clone(),
                self.encode_question(slot, entry.question),
            ),
            (
                slot.answer_span.clone(),
                self.encode_answer(slot, entry.answer),
            ),
        ];
        self.splice(slot.item_span.clone(), replacements)
    }

    fn splice(&self, item: Range<usize>, mut replacements: Vec<(Range<usize>, String)>) -> String {
        replacements.sort_by_key(|(r, _)| (r.start, r.end));
        let mut out = String::new();
        let mut pos = item.start;
        for (range, text) in replacements {
            if range.start < pos || range.end > item.end {
                continue;
            }
            out.push_str(&self.source[pos..range.start]);
            out.push_str(&text);
            pos = range.end;
        }
        out.push_str(&self.source[pos..item.end]);
        out
    }

    /// What separates items next to slot `i`: a separator literal of the file, else a blank
    /// line (Markdown) or a line break at the item's indentation (YAML).
    fn separator(&self, i: usize) -> String {
        let source = self.source;
        let slot = &self.slots[i];
        let after = self
            .slots
            .get(i + 1)
            .map(|next| &source[slot.item_span.end..next.item_span.start]);
        let before = i
            .checked_sub(1)
            .and_then(|p| self.slots.get(p))
            .map(|prev| &source[prev.item_span.end..slot.item_span.start]);
        if let Some(sep) = after.into_iter().chain(before).find(|s| is_separator(s)) {
            return sep.to_owned();
        }
        let newline = newline_of(source);
        match slot.syntax {
            EntrySyntax::Yaml { .. } => {
                let line_start = source[..slot.item_span.start]
                    .rfind('\n')
                    .map_or(0, |n| n + 1);
                // Items of a JSON list are separated by commas.
                let comma = if source[slot.item_span.clone()].starts_with('{') {
                    ","
                } else {
                    ""
                };
                format!(
                    "{comma}{newline}{}",
                    &source[line_start..slot.item_span.start]
                )
            }
            EntrySyntax::ListItem { .. } => newline.to_owned(),
            _ => format!("{newline}{newline}"),
        }
    }

    fn encode_question(&self, slot: &ParsedEntry, question: &str) -> String {
        let question = question.replace(['\r', '\n'], " ");
        // The file's `Q:` label goes back in front of the question.
        let question = match (&slot.label, slot.syntax) {
            (Some(label), EntrySyntax::Heading(_) | EntrySyntax::Bold) => {
                format!("{label} {question}")
            }
            _ => question,
        };
        match slot.syntax {
            EntrySyntax::Bold => format!("**{}**", escape_inline(&question)),
            EntrySyntax::Labelled => {
                let label = slot.label.as_deref().unwrap_or("Q:");
                // The label stays as it was written: bold (`**Q:**`) or plain (`Q:`).
                if self.source[slot.question_span.clone()].starts_with("**") {
                    format!("**{label}** {}", escape_inline(&question))
                } else {
                    format!("{label} {}", escape_inline(&question))
                }
            }
            EntrySyntax::Quote => format!("> {}", escape_inline(&question)),
            EntrySyntax::Definition => escape_inline(&question),
            EntrySyntax::Heading(level) => {
                format!(
                    "{} {}",
                    "#".repeat(usize::from(level)),
                    escape_inline(&question)
                )
            }
            EntrySyntax::Shortcode(QuestionPlace::Heading(level)) => {
                format!(
                    "{} {}",
                    "#".repeat(usize::from(level)),
                    escape_inline(&question)
                )
            }
            EntrySyntax::Shortcode(QuestionPlace::Argument(quote)) => {
                shortcode::encode_argument(&question, quote)
            }
            EntrySyntax::Yaml { question: kind, .. } => {
                self.encode_scalar(slot, &question, kind, true)
            }
            EntrySyntax::Html(_) => html::escape(&question),
            // A question line must still ask to be read as one; else it is written in bold.
            EntrySyntax::ListItem { bold, .. } => {
                if bold || !ends_in_question_mark(&question) {
                    format!("**{}**", escape_inline(&question))
                } else {
                    escape_inline(&question)
                }
            }
        }
    }

    fn encode_answer(&self, slot: &ParsedEntry, answer: &str) -> String {
        match slot.syntax {
            // Markdown stays Markdown, unable to close its item; HTML is escaped.
            EntrySyntax::Html(html::HtmlSlot::Markdown) => html::defuse(answer),
            EntrySyntax::Html(html::HtmlSlot::Html) => html::escape(answer),
            EntrySyntax::ListItem { indent, .. } => {
                let newline = newline_of(self.source);
                let text = list::indent(answer, indent, newline);
                match (slot.answer_span.is_empty() && !answer.is_empty(), indent) {
                    // An answer outside its item (indentation 0) starts after a blank line.
                    (true, 0) => format!("{newline}{newline}{text}"),
                    (true, _) => format!("{newline}{}{text}", " ".repeat(indent)),
                    (false, _) => text,
                }
            }
            EntrySyntax::Yaml { answer: kind, .. } => self.encode_scalar(slot, answer, kind, false),
            EntrySyntax::Definition => {
                let newline = newline_of(self.source);
                let defined = define(answer, newline);
                if slot.answer_span.is_empty() {
                    format!("{newline}{defined}")
                } else {
                    defined
                }
            }
            // An answer added where there was none needs a blank line after its question.
            _ if slot.answer_span.is_empty() && !answer.is_empty() => {
                let newline = newline_of(self.source);
                format!("{newline}{newline}{answer}")
            }
            _ => answer.to_owned(),
        }
    }

    fn encode_scalar(
        &self,
        slot: &ParsedEntry,
        text: &str,
        kind: YamlScalar,
        question: bool,
    ) -> String {
        let span = if question {
            &slot.question_span
        } else {
            &slot.answer_span
        };
        let header = data::block_header(self.source, span);
        data::encode_scalar(text, kind, &header, newline_of(self.source))
    }
}

fn first_used(filled: &[Option<usize>]) -> usize {
    filled.iter().position(Option::is_some).unwrap_or(0)
}

/// Whitespace and thematic breaks only: what FAQ files put between items (and one comma, as
/// between the items of a JSON list).
fn is_separator(text: &str) -> bool {
    if text.matches(',').count() == 1 && text.replace(',', "").trim().is_empty() {
        return true;
    }
    text.lines().all(|line| {
        let line = line.trim();
        line.is_empty()
            || (line.len() >= 3
                && ["-", "*", "_"]
                    .iter()
                    .any(|c| line.replace(' ', "").chars().all(|ch| ch.to_string() == *c)))
    })
}

/// `\r\n` when the file uses it, else `\n`.
fn newline_of(source: &str) -> &'static str {
    if source.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    }
}

/// Plain text made safe inside a Markdown heading or bold span: the characters that would
/// start markup are backslash-escaped, so the question reads back as the same text.
pub fn escape_inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '['
                | ']'
                | '<'
                | '>'
                | '#'
                | '{'
                | '}'
                | '|'
                | '~'
                | '!'
                | '&'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Clean Hugo Markdown for a page with no source to follow.
fn clean(page: &PageSource<'_>, entries: &[EntryText<'_>]) -> String {
    if page.style == QuestionStyle::Data {
        return clean_data(entries);
    }
    let mut out = String::new();
    match page.front_matter_raw {
        // A front-matter FAQ list is what readers see of its entries or nothing: its raw text
        // still holds the items readers no longer see (drafted, deleted, staged).
        Some(raw) if page.style != QuestionStyle::FrontMatter => out.push_str(raw),
        _ if !page.title.is_empty() => {
            let title = serde_json::to_string(page.title).unwrap_or_default();
            out.push_str(&format!("---\ntitle: {title}\n---\n"));
        }
        _ => {}
    }
    if !page.intro.is_empty() {
        out.push('\n');
        out.push_str(page.intro);
        out.push('\n');
    }
    let mut section: Option<&str> = None;
    for entry in entries {
        if entry.section != section {
            if let Some(title) = entry.section {
                out.push_str(&format!("\n## {}\n", escape_inline(title)));
            }
            section = entry.section;
        }
        out.push_str(&format!(
            "\n**{}**\n",
            escape_inline(&entry.question.replace(['\r', '\n'], " "))
        ));
        if !entry.answer.is_empty() {
            out.push('\n');
            out.push_str(entry.answer);
            out.push('\n');
        }
    }
    out
}

/// A data file: a list of items, grouped in sections when the entries have sections.
fn clean_data(entries: &[EntryText<'_>]) -> String {
    let json = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let mut out = String::new();
    if entries.iter().all(|e| e.section.is_none()) {
        for e in entries {
            out.push_str(&format!(
                "- question: {}\n  answer: {}\n",
                json(e.question),
                json(e.answer)
            ));
        }
        return out;
    }
    let mut section: Option<Option<&str>> = None;
    for e in entries {
        if section != Some(e.section) {
            out.push_str(&format!(
                "- section: {}\n  questions:\n",
                json(e.section.unwrap_or(""))
            ));
            section = Some(e.section);
        }
        out.push_str(&format!(
            "    - question: {}\n      answer: {}\n",
            json(e.question),
            json(e.answer)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_without_a_source_exports_as_clean_markdown_that_imports_back() {
        // (An entry without a section after one with a section cannot be written: Markdown
        // has no end of section.)
        let entries = [
            ("Who made it #1?", "We did.", None),
            (
                "Is it free?",
                "Yes.\n\n- always\n- everywhere",
                Some("Pricing"),
            ),
            ("What does *it* cost in [EUR]?", "Nothing.", Some("Pricing")),
        ];
        let texts: Vec<EntryText<'_>> = entries
            .iter()
            .map(|(q, a, s)| EntryText {
                question: q,
                answer: a,
                section: *s,
                question_start: None,
            })
            .collect();
        let page = PageSource {
            source: None,
            path: None,
            style: QuestionStyle::Bold,
            front_matter_raw: None,
            title: "Help: \"FAQ\"",
            intro: "Welcome.",
        };
        let text = export(&page, &texts);
        let parsed = match parse_page(&text, None) {
            Ok(parsed) => parsed,
            Err(e) => panic!("{e}\n{text}"),
        };
        let got: Vec<(&str, &str, Option<&str>)> = parsed
            .entries
            .iter()
            .map(|e| (e.question.as_str(), e.answer.as_str(), e.section.as_deref()))
            .collect();
        assert_eq!(got, entries, "{text}");
        assert_eq!(parsed.title.as_deref(), Some("Help: \"FAQ\""));
        assert_eq!(parsed.intro, "Welcome.");
    }
}
