//! The real-page corpus (`tests/corpus/`, origins in its README): every file imports with the
//! questions a person counted by hand, and exports byte for byte. No database needed.

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
}

fn manifest() -> Vec<Item> {
    let text = std::fs::read_to_string("tests/corpus/manifest.json").expect("manifest");
    serde_json::from_str(&text).expect("manifest is JSON")
}

fn read(file: &str) -> String {
    std::fs::read_to_string(Path::new("tests/corpus").join(file)).expect("corpus file")
}

fn parse(file: &str) -> ParsedPage {
    match parse_file(Path::new(file), &read(file), None) {
        Ok(page) => page,
        Err(e) => panic!("{file}: {e}"),
    }
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
    let mut failures = Vec::new();
    for item in manifest() {
        let page = match parse_file(Path::new(&item.file), &read(&item.file), None) {
            Ok(page) => page,
            Err(e) => {
                failures.push(format!("{}: refused: {e}", item.file));
                continue;
            }
        };
        let got: Vec<String> = page.entries.iter().map(|e| normal(&e.question)).collect();
        assert_eq!(
            item.questions.len(),
            item.count,
            "{}: manifest count",
            item.file
        );
        let expected = item.faqd_questions.as_ref().unwrap_or(&item.questions);
        let want: Vec<String> = expected.iter().map(|q| normal(q)).collect();
        if got != want {
            failures.push(format!(
                "{} ({}): {} questions, hand count {}\n  got:  {got:?}\n  want: {want:?}",
                item.file,
                page.style,
                got.len(),
                item.count
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_file_exports_byte_for_byte() {
    for item in manifest() {
        let page = parse(&item.file);
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
        let source = PageSource {
            source: Some(&page.source),
            path: Some(&item.file),
            style: page.style,
            front_matter_raw: page.front_matter.as_ref().map(|fm| fm.raw.as_str()),
            title: page.title.as_deref().unwrap_or(""),
            intro: &page.intro,
        };
        let exported = export(&source, &entries);
        let original = read(&item.file);
        if exported != original {
            let at = exported
                .bytes()
                .zip(original.bytes())
                .position(|(a, b)| a != b)
                .unwrap_or(exported.len().min(original.len()));
            let from = at.saturating_sub(80);
            eprintln!(
                "{}: first difference at byte {at}:\n--- exported\n{:?}\n--- original\n{:?}",
                item.file,
                exported.get(from..(at + 120).min(exported.len())),
                original.get(from..(at + 120).min(original.len())),
            );
        }
        assert!(
            exported == original || Some(exported.as_str()) == original.strip_prefix('\u{feff}'),
            "{} does not export byte for byte",
            item.file
        );
    }
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
) -> (String, ParsedPage) {
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
        Ok(again) => (exported, again),
        Err(e) => panic!("{file}: the edited export does not import: {e}\n{exported}"),
    }
}

#[test]
fn an_edited_answer_changes_only_its_own_bytes_and_reads_back() {
    for item in manifest() {
        let page = parse(&item.file);
        let mut edited: Vec<(String, String, Option<usize>)> = page
            .entries
            .iter()
            .map(|e| {
                (
                    e.question.clone(),
                    e.answer.clone(),
                    Some(e.question_span.start),
                )
            })
            .collect();
        let target = edited.len() / 2;
        edited[target].1 =
            "Edited *answer*: see [the docs](https://example.com).\n\nA second paragraph."
                .to_owned();
        let (exported, again) = round_trip(&item.file, &page, &edited);
        let want: Vec<(String, String)> = edited
            .iter()
            .map(|(q, a, _)| (q.clone(), a.clone()))
            .collect();
        assert_eq!(texts(&again), want, "{}", item.file);
        // Only the answer's bytes differ.
        let span = &page.entries[target].answer_span;
        let original = &page.source;
        assert_eq!(
            &exported[..span.start],
            &original[..span.start],
            "{}",
            item.file
        );
        let tail = &original[span.end..];
        assert!(
            exported.ends_with(tail),
            "{}: bytes after the answer changed",
            item.file
        );
    }
}

#[test]
fn edited_question_new_entry_deletion_and_reorder_read_back() {
    for item in manifest() {
        let page = parse(&item.file);
        let mut edited: Vec<(String, String, Option<usize>)> = page
            .entries
            .iter()
            .map(|e| {
                (
                    e.question.clone(),
                    e.answer.clone(),
                    Some(e.question_span.start),
                )
            })
            .collect();
        if edited.len() < 2 {
            continue;
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
        let (exported, again) = round_trip(&item.file, &page, &edited);
        let got: Vec<String> = again.entries.iter().map(|e| normal(&e.question)).collect();
        let want: Vec<String> = edited.iter().map(|(q, _, _)| normal(q)).collect();
        assert_eq!(got, want, "{}\n{exported}", item.file);
        assert_eq!(again.entries[1].answer, "A new answer.", "{}", item.file);
    }
}

#[test]
fn every_file_is_read_in_its_form_and_reports_the_others() {
    for item in manifest() {
        let page = parse(&item.file);
        if let Some(form) = &item.faqd_form {
            assert_eq!(&page.form, form, "{}", item.file);
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
        assert_eq!(
            count(&page.form) + listed,
            page.entries.len(),
            "{}: {:?}",
            item.file,
            page.forms
        );
    }
}
