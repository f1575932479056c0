//! Importing a Markdown page: the file is the truth for its page. Entries are
//! matched to the file's questions, and only what differs is written, so that
//! importing the same file twice changes nothing (no new versions).

use sqlx::{Acquire, PgConnection};

use crate::content::{self, ParsedPage};
use crate::model::EntryStatus;
use crate::model::ImportReport;
use crate::store::entries::{
    self, EntryContent, EntryForImport, EntryUpdate, NewEntry, PublishedAfter, SourceSpans,
};
use crate::store::pages::{self, PageFields};

/// Why an import was refused.
#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    #[error("the file is too large to keep byte spans of ({0} bytes)")]
    TooLarge(usize),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The limits every entry keeps, however it was written (the database checks
/// them too; this names the question that breaks one).
fn check_limits(parsed: &ParsedPage) -> Result<(), ImportFailure> {
    use crate::api::entry_input::{MAX_ANSWER_CHARS, MAX_QUESTION_CHARS};
    if let Some(at) = parsed.source.find('\0') {
        return Err(ImportFailure::Invalid(format!(
            "the file holds a NUL character (at byte {at}), which is not text"
        )));
    }
    for (i, entry) in parsed.entries.iter().enumerate() {
        let shown = crate::domain::truncate_for_message(&entry.question);
        let n = i + 1;
        if entry.question.trim().is_empty() {
            return Err(ImportFailure::Invalid(format!("question {n} is empty")));
        }
        if entry.question.chars().count() > MAX_QUESTION_CHARS {
            return Err(ImportFailure::Invalid(format!(
                "question {n} ('{shown}') is over {MAX_QUESTION_CHARS} characters"
            )));
        }
        if entry.answer.chars().count() > MAX_ANSWER_CHARS {
            return Err(ImportFailure::Invalid(format!(
                "the answer to question {n} ('{shown}') is over {MAX_ANSWER_CHARS} characters"
            )));
        }
    }
    Ok(())
}

/// The revision kind and actor that imports write.
const KIND: &str = "imported";

/// Imports `parsed` as the page `(slug, lang)` inside one transaction on `conn`.
/// With `dry_run`, the transaction is rolled back and the report says what
/// would have happened.
#[tracing::instrument(skip(conn, parsed), fields(entries = parsed.entries.len()))]
pub async fn import_page(
    conn: &mut PgConnection,
    parsed: &ParsedPage,
    slug: &str,
    lang: &str,
    actor: &str,
    dry_run: bool,
) -> Result<ImportReport, ImportFailure> {
    // Spans are stored as int4: refuse what cannot be addressed (far above any limit).
    if i32::try_from(parsed.source.len()).is_err() {
        return Err(ImportFailure::TooLarge(parsed.source.len()));
    }
    check_limits(parsed)?;
    let mut tx = conn.begin().await?;
    entries::lock_writes(&mut tx).await?;
    let empty = serde_json::Value::Object(Default::default());
    let front_matter = parsed.front_matter.as_ref();
    let fields = PageFields {
        title: parsed.title.as_deref().unwrap_or(""),
        description: parsed.description.as_deref().unwrap_or(""),
        draft: parsed.draft,
        front_matter: front_matter.map_or(&empty, |fm| &fm.value),
        front_matter_raw: front_matter.map(|fm| fm.raw.as_str()),
        front_matter_format: front_matter.map(|fm| fm.format.as_str()),
        intro: &parsed.intro,
        source: &parsed.source,
        question_style: &parsed.style.to_string(),
    };
    let (page, created) = pages::lock_or_create(&mut tx, slug, lang, &fields).await?;
    let mut report = ImportReport {
        slug: slug.to_owned(),
        lang: lang.to_owned(),
        page_created: created,
        dry_run,
        ..ImportReport::default()
    };

    let existing = if created {
        Vec::new()
    } else {
        entries::of_page_for_import(&mut tx, page.id).await?
    };
    let matches = match_entries(&existing, parsed);

    let mut order_changed = false;
    for (index, (entry, matched)) in parsed.entries.iter().zip(&matches).enumerate() {
        let sort_key = i64::try_from(index).unwrap_or(i64::MAX - 1) + 1;
        let spans = Some(SourceSpans {
            question: span(&entry.question_span),
            answer: span(&entry.answer_span),
        });
        match matched {
            Some(i) => {
                let old = &existing[*i];
                let content = EntryContent {
                    answer_html: if old.answer == entry.answer {
                        old.answer_html.clone()
                    } else {
                        content::render_answer(&entry.answer)
                    },
                    section: entry.section.clone(),
                    question: entry.question.clone(),
                    answer: entry.answer.clone(),
                    // Tags live in faqd, not in the file: an import keeps them.
                    tags: old.tags.clone(),
                };
                if old.content() != content || old.status != "published" {
                    let update = EntryUpdate {
                        page_id: page.id,
                        slug: &old.slug,
                        content: &content,
                        sort_key,
                        status: EntryStatus::Published,
                        published: PublishedAfter::NewVersion,
                    };
                    entries::update(&mut tx, old.id, &update, KIND, actor).await?;
                    report.updated.push(old.slug.clone());
                } else {
                    report.unchanged.push(old.slug.clone());
                }
                order_changed |= old.sort_key != sort_key;
                entries::place(&mut tx, old.id, sort_key, spans).await?;
            }
            None => {
                let slug = entries::free_slug_for(&mut tx, &entry.question).await?;
                let content = EntryContent {
                    section: entry.section.clone(),
                    question: entry.question.clone(),
                    answer: entry.answer.clone(),
                    answer_html: content::render_answer(&entry.answer),
                    tags: Vec::new(),
                };
                let new = NewEntry {
                    page_id: page.id,
                    slug: &slug,
                    content: &content,
                    sort_key,
                    published: true,
                    spans,
                };
                entries::insert(&mut tx, &new, KIND, actor).await?;
                report.created.push(slug);
            }
        }
    }
    for (i, old) in existing.iter().enumerate() {
        if !matches.contains(&Some(i)) {
            entries::soft_delete(&mut tx, old.id, "deleted", actor).await?;
            report.deleted.push(old.slug.clone());
        }
    }

    let readers_see_change = page.differs_for_readers(&fields)
        || order_changed
        || !report.created.is_empty()
        || !report.updated.is_empty()
        || !report.deleted.is_empty();
    report.page_updated = !created && (page.differs_for_readers(&fields) || order_changed);
    report.version = if created {
        page.version
    } else if readers_see_change || page.differs(&fields) {
        pages::update_from_import(&mut tx, page.id, &fields, readers_see_change && !created).await?
    } else {
        page.version
    };

    // Other languages of the page list this one among their translations.
    if created || page.deleted || page.draft != fields.draft {
        pages::bump_translations(&mut tx, slug, page.id).await?;
    }

    if dry_run {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    Ok(report)
}

fn span(range: &std::ops::Range<usize>) -> (i32, i32) {
    // import_page checked that every offset fits.
    let start = i32::try_from(range.start).unwrap_or(i32::MAX);
    let end = i32::try_from(range.end).unwrap_or(i32::MAX);
    (start, end)
}

/// For each of the file's entries, the index of the existing entry it is, if any:
/// first by identical question, then (for a reworded question) by identical answer.
/// Each existing entry is matched at most once.
fn match_entries(existing: &[EntryForImport], parsed: &ParsedPage) -> Vec<Option<usize>> {
    let mut used = vec![false; existing.len()];
    let mut matches = vec![None; parsed.entries.len()];
    let passes: [fn(&EntryForImport, &content::ParsedEntry) -> bool; 2] = [
        |old, new| old.question == new.question,
        |old, new| old.answer == new.answer,
    ];
    for same in passes {
        for (j, new) in parsed.entries.iter().enumerate() {
            if matches[j].is_some() {
                continue;
            }
            if let Some(i) = (0..existing.len()).find(|&i| !used[i] && same(&existing[i], new)) {
                used[i] = true;
                matches[j] = Some(i);
            }
        }
    }
    matches
}
