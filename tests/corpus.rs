//! The real-page corpus (`tests/corpus/`, origins in its README): every file imports with the
//! questions a person counted by hand, and exports byte for byte. No database needed.
//!
//! Where faqd is known to get a file wrong today, the manifest says so per test in
//! `known_failures` (test name → what goes wrong). Such a file still runs: the test prints the
//! known failure, and fails if the file starts passing, so that the list stays true. Every other
//! file must pass.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use faqd::content::export::{EntryText, PageSource, export};
use faqd::content::{ParsedPage, parse_file};

#[derive(serde::Deserialize)]
struct Item {
    file: String,
    count: usize,
    questions: Vec<String>,
    /// Where the contract's rules deliberately differ from the hand count (`faqd_note` says
    /// why), the questions faqd must find.
    #[serde(default)]
    faqd_questions: Option<Vec<String>>,
    /// The form the import must report (`ParsedPage::form`), where the manifest says.
    #[serde(default)]
    faqd_form: Option<String>,
    /// The sections the entries fall in, in order of first appearance, where the manifest says
    /// (`[]`: no entry has a section).
    #[serde(default)]
    sections: Option<Vec<String>>,
    /// Tests (`questions`, `export`, `edit`, `reorder`, `form`, `sections`) this file is known to
    /// fail today, with what goes wrong.
    #[serde(default)]
    known_failures: BTreeMap<String, String>,
    /// A real page that is no FAQ (why, in words): the import must refuse it (no question
    /// found) rather than make questions of its headings; the other tests skip it.
    #[serde(default)]
    not_faq: Option<String>,
}

const TESTS: [&str; 6] = ["questions", "export", "edit", "reorder", "form", "sections"];

fn manifest() -> Vec<Item> {
    let text = std::fs::read_to_string("tests/corpus/manifest.json").expect("manifest");
    let items: Vec<Item> = serde_json::from_str(&text).expect("manifest is JSON");
    for item in &items {
        for test in item.known_failures.keys() {
            assert!(
                TESTS.contains(&test.as_str()),
                "{}: unknown test {test:?} in known_failures",
                item.file
            );
        }
    }
    items
}

/// A page that is no FAQ is refused for having no question.
fn refused(item: &Item) -> Result<(), String> {
    match parse_file(Path::new(&item.file), &read(&item.file), None) {
        Err(faqd::content::ImportError::NoQuestions) if item.count == 0 => Ok(()),
        Err(e) => Err(format!("refused, but not for having no question: {e}")),
        Ok(page) => Err(format!(
            "no FAQ ({}), yet read as {} with {} questions: {:?}",
            item.not_faq.as_deref().unwrap_or(""),
            page.form,
            page.entries.len(),
            page.entries.iter().map(|e| &e.question).collect::<Vec<_>>()
        )),
    }
}

fn read(file: &str) -> String {
    std::fs::read_to_string(Path::new("tests/corpus").join(file)).expect("corpus file")
}

fn parse(file: &str) -> Result<ParsedPage, String> {
    parse_file(Path::new(file), &read(file), None).map_err(|e| format!("refused: {e}"))
}

/// Runs `check` on every file and settles the results against the manifest's known failures of
/// `test`: an unexpected failure fails the test, and so does a known failure that now passes.
fn run(test: &str, check: impl Fn(&Item) -> Result<(), String>) {
    let mut unexpected = Vec::new();
    for item in manifest() {
        let result = match &item.not_faq {
            Some(_) if test == "questions" => refused(&item),
            Some(_) => Ok(()),
            None => check(&item),
        };
        match (item.known_failures.get(test), result) {
            (None, Ok(())) => {}
            (None, Err(e)) => unexpected.push(format!("{}: {e}", item.file)),
            (Some(why), Err(e)) => {
                // Straight to stderr, past the test harness's capture: shown on every run.
                let e: String = e.chars().take(600).collect();
                let _ = writeln!(
                    std::io::stderr(),
                    "known failure [{test}] {} (issue 20): {why}\n  now: {e}",
                    item.file
                );
            }
            (Some(why), Ok(())) => unexpected.push(format!(
                "{}: passes now; remove `{test}` from its known_failures ({why})",
                item.file
            )),
        }
    }
    assert!(unexpected.is_empty(), "{}", unexpected.join("\n"));
}

/// How a reader compares two questions: whitespace runs as one space, invisible characters,
/// markup and a `Q:` label (which faqd keeps apart from the question) left out.
fn normal(text: &str) -> String {
    let text = text.trim_start();
    let text = text
        .strip_prefix("Q:")
        .or_else(|| text.strip_prefix("**Q:**"))
        .unwrap_or(text);
    text.chars()
        .filter(|c| {
            !matches!(
                c,
                '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{feff}' | '*' | '`'
            )
        })
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect::<String>()
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn every_file_gives_its_hand_counted_questions() {
    run("questions", |item| {
        assert_eq!(
            item.questions.len(),
            item.count,
            "{}: manifest count",
            item.file
        );
        let page = parse(&item.file)?;
        let got: Vec<String> = page.entries.iter().map(|e| normal(&e.question)).collect();
        let expected = item.faqd_questions.as_ref().unwrap_or(&item.questions);
        let want: Vec<String> = expected.iter().map(|q| normal(q)).collect();
        if got == want {
            Ok(())
        } else {
            Err(format!(
                "({}): {} questions, hand count {}\n  got:  {got:?}\n  want: {want:?}",
                page.style,
                got.len(),
                item.count
            ))
        }
    });
}

#[test]
fn every_file_gives_its_sections() {
    run("sections", |item| {
        let Some(want) = &item.sections else {
            return Ok(());
        };
        let page = parse(&item.file)?;
        let mut got: Vec<&str> = Vec::new();
        for section in page.entries.iter().filter_map(|e| e.section.as_deref()) {
            if !got.contains(&section) {
                got.push(section);
            }
        }
        if got == *want {
            Ok(())
        } else {
            Err(format!("sections\n  got:  {got:?}\n  want: {want:?}"))
        }
    });
}

#[test]
fn every_file_exports_byte_for_byte() {
    run("export", |item| {
        let page = parse(&item.file)?;
        let entries: Vec<EntryText<'_>> = page
            .entries
            .iter()
            .map(|e| EntryText {
                question: &e.question,
                answer: &e.answer,
                section: e.section.as_deref(),
                question_start: Some(e.question_span.start),
            })
            .collect();
        let exported = export(&source_of(&page, &item.file), &entries);
        let original = read(&item.file);
        if exported == original || Some(exported.as_str()) == original.strip_prefix('\u{feff}') {
            return Ok(());
        }
        let at = exported
            .bytes()
            .zip(original.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(exported.len().min(original.len()));
        let from = at.saturating_sub(80);
        Err(format!(
            "does not export byte for byte; first difference at byte {at}:\n--- exported\n{:?}\n--- original\n{:?}",
            exported.get(from..(at + 120).min(exported.len())),
            original.get(from..(at + 120).min(original.len())),
        ))
    });
}

fn texts(page: &ParsedPage) -> Vec<(String, String)> {
    page.entries
        .iter()
        .map(|e| (e.question.clone(), e.answer.clone()))
        .collect()
}

fn source_of<'a>(page: &'a ParsedPage, file: &'a str) -> PageSource<'a> {
    PageSource {
        source: Some(&page.source),
        path: Some(file),
        style: page.style,
        front_matter_raw: page.front_matter.as_ref().map(|fm| fm.raw.as_str()),
        title: page.title.as_deref().unwrap_or(""),
        intro: &page.intro,
    }
}

/// The export of an edited page, read back by the importer.
fn round_trip(
    file: &str,
    page: &ParsedPage,
    edited: &[(String, String, Option<usize>)],
) -> Result<(String, ParsedPage), String> {
    let entries: Vec<EntryText<'_>> = edited
        .iter()
        .map(|(q, a, start)| EntryText {
            question: q,
            answer: a,
            section: None,
            question_start: *start,
        })
        .collect();
    let exported = export(&source_of(page, file), &entries);
    match parse_file(Path::new(file), &exported, None) {
        Ok(again) => Ok((exported, again)),
        Err(e) => Err(format!(
            "the edited export does not import: {e}\n{exported}"
        )),
    }
}

fn as_edited(page: &ParsedPage) -> Vec<(String, String, Option<usize>)> {
    page.entries
        .iter()
        .map(|e| {
            (
                e.question.clone(),
                e.answer.clone(),
                Some(e.question_span.start),
            )
        })
        .collect()
}

#[test]
fn an_edited_answer_changes_only_its_own_bytes_and_reads_back() {
    run("edit", |item| {
        let page = parse(&item.file)?;
        let mut edited = as_edited(&page);
        let target = edited.len() / 2;
        edited[target].1 =
            "Edited *answer*: see [the docs](https://example.com).\n\nA second paragraph."
                .to_owned();
        let (exported, again) = round_trip(&item.file, &page, &edited)?;
        let want: Vec<(String, String)> = edited
            .iter()
            .map(|(q, a, _)| (q.clone(), a.clone()))
            .collect();
        if texts(&again) != want {
            return Err(format!(
                "reads back differently:\n  got:  {:?}\n  want: {want:?}",
                texts(&again)
            ));
        }
        // Only the answer's bytes differ.
        let span = &page.entries[target].answer_span;
        let original = &page.source;
        if exported.get(..span.start) != original.get(..span.start) {
            return Err("bytes before the answer changed".to_owned());
        }
        if !exported.ends_with(&original[span.end..]) {
            return Err("bytes after the answer changed".to_owned());
        }
        Ok(())
    });
}

#[test]
fn edited_question_new_entry_deletion_and_reorder_read_back() {
    run("reorder", |item| {
        let page = parse(&item.file)?;
        let mut edited = as_edited(&page);
        if edited.len() < 2 {
            return Ok(());
        }
        edited[0].0 = "Is this question *edited*, with \"quotes\" and a # sign?".to_owned();
        let last = edited.len() - 1;
        edited.swap(0, last);
        edited.remove(1);
        edited.insert(
            1,
            (
                "A new question?".to_owned(),
                "A new answer.".to_owned(),
                None,
            ),
        );
        let (exported, again) = round_trip(&item.file, &page, &edited)?;
        let got: Vec<String> = again.entries.iter().map(|e| normal(&e.question)).collect();
        let want: Vec<String> = edited.iter().map(|(q, _, _)| normal(q)).collect();
        if got != want {
            return Err(format!(
                "reads back differently:\n  got:  {got:?}\n  want: {want:?}\n{exported}"
            ));
        }
        match again.entries.get(1) {
            Some(e) if e.answer == "A new answer." => Ok(()),
            other => Err(format!(
                "the new entry's answer reads back as {:?}",
                other.map(|e| &e.answer)
            )),
        }
    });
}

#[test]
fn every_file_is_read_in_its_form_and_reports_the_others() {
    run("form", |item| {
        let page = parse(&item.file)?;
        if let Some(form) = &item.faqd_form
            && &page.form != form
        {
            return Err(format!("read as {:?}, not {form:?}", page.form));
        }
        // The chosen form is reported with the entries it gave; a front matter list adds its
        // own.
        let count = |form: &str| {
            page.forms
                .iter()
                .find(|f| f.form == form)
                .map_or(0, |f| f.count)
        };
        let listed = if page.form == "front-matter" {
            0
        } else {
            count("front-matter")
        };
        if count(&page.form) + listed == page.entries.len() {
            Ok(())
        } else {
            Err(format!(
                "{} entries, reported forms {:?}",
                page.entries.len(),
                page.forms
            ))
        }
    });
}
