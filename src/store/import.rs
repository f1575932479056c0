//! Importing a page file, three-way: the file, the editors' entries, and the base (what the
//! file last set for each entry).
//!
//! Per entry of the file, matched to an existing entry (by the base question, else the base
//! answer, else, for entries editors created, the current question):
//!
//! - the file did not change it since the base: the editors' version stays;
//! - the file changed it and editors did not: the file's text is applied, keeping the entry's
//!   publication state (a draft stays a draft, a staged change stays staged);
//! - both changed it: a conflict, reported and left as editors have it, unless forced.
//!
//! Entries the file dropped are deleted (restorable); entries editors created are kept, after
//! the entry they followed. Writes are batched (one statement for all new entries, one for all
//! moved ones), and an unchanged file writes nothing at all.

use std::collections::{HashMap, HashSet};

use sqlx::{Acquire, PgConnection};
use uuid::Uuid;

use crate::content::{self, ParsedEntry, ParsedPage};
use crate::model::{EntryStatus, ImportConflict, ImportReport};
use crate::store::entries::{self, EntryContent, EntryUpdate, PublishedAfter};
use crate::store::pages::{self, PageFields};
use crate::store::schedule;

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

/// How to import.
#[derive(Debug, Default, Clone)]
pub struct ImportMode<'a> {
    /// Roll back and report what would happen.
    pub dry_run: bool,
    /// Apply the file's text to conflicting entries too.
    pub force: bool,
    /// The file's path as imported (`faq.md`, `data/faq.yml`), kept for export.
    pub source_path: Option<&'a str>,
    /// Record in `seed_files` (path, SHA-256) in the same transaction.
    pub seed_file: Option<(&'a str, &'a str)>,
}

/// The limits every entry keeps, however it was written (the database checks
/// them too; this names the question that breaks one).
fn check_limits(parsed: &ParsedPage) -> Result<(), ImportFailure> {
    use crate::domain::{MAX_ANSWER_CHARS, MAX_QUESTION_CHARS};
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

/// The revision kind that imports write.
const KIND: &str = "imported";

/// An entry of the page as the import sees it (deleted ones included).
#[derive(Debug, sqlx::FromRow)]
struct Existing {
    id: Uuid,
    slug: String,
    section: Option<String>,
    question: String,
    answer: String,
    answer_html: String,
    tags: Vec<String>,
    status: String,
    sort_key: i64,
    deleted: bool,
    base_question: Option<String>,
    base_answer: Option<String>,
    base_section: Option<String>,
    q_start: Option<i32>,
    q_end: Option<i32>,
    a_start: Option<i32>,
    a_end: Option<i32>,
}

impl Existing {
    fn set_by_file(&self) -> bool {
        self.base_question.is_some()
    }

    /// The base, or the current text for an entry the file never set.
    fn base(&self) -> (&str, &str, Option<&str>) {
        match (&self.base_question, &self.base_answer) {
            (Some(q), Some(a)) => (q, a, self.base_section.as_deref()),
            _ => (&self.question, &self.answer, self.section.as_deref()),
        }
    }

    fn spans(&self) -> Option<(i32, i32, i32, i32)> {
        Some((self.q_start?, self.q_end?, self.a_start?, self.a_end?))
    }

    fn current(&self) -> (&str, &str, Option<&str>) {
        (&self.question, &self.answer, self.section.as_deref())
    }
}

fn file_text(entry: &ParsedEntry) -> (&str, &str, Option<&str>) {
    (&entry.question, &entry.answer, entry.section.as_deref())
}

/// What the three sides say of one field pair, for a conflict's reason.
fn what_changed(
    base: (&str, &str, Option<&str>),
    other: (&str, &str, Option<&str>),
) -> Vec<&'static str> {
    let mut fields = Vec::new();
    if base.0 != other.0 {
        fields.push("question");
    }
    if base.1 != other.1 {
        fields.push("answer");
    }
    if base.2 != other.2 {
        fields.push("section");
    }
    fields
}

/// Imports `parsed` as the page `(slug, lang)` inside one transaction on `conn`.
#[tracing::instrument(skip(conn, parsed, mode), fields(entries = parsed.entries.len()))]
pub async fn import_page(
    conn: &mut PgConnection,
    parsed: &ParsedPage,
    slug: &str,
    lang: &str,
    actor: &str,
    mode: &ImportMode<'_>,
) -> Result<ImportReport, ImportFailure> {
    // Spans are stored as int4: refuse what cannot be addressed (far above any limit).
    if i32::try_from(parsed.source.len()).is_err() {
        return Err(ImportFailure::TooLarge(parsed.source.len()));
    }
    check_limits(parsed)?;
    let mut tx = conn.begin().await?;
    entries::lock_writes(&mut tx).await?;
    // Search documents are refreshed once for the page at the end, not row by row.
    sqlx::query("SELECT set_config('faqd.bulk_search', 'on', true)")
        .execute(&mut *tx)
        .await?;
    let empty = serde_json::Value::Object(Default::default());
    let front_matter = parsed.front_matter.as_ref();
    let style = parsed.stored_style();
    // Hugo leaves out a page published later or expired: so do readers here.
    let now = chrono::Utc::now();
    let fields = PageFields {
        title: parsed.title.as_deref().unwrap_or(""),
        description: parsed.description.as_deref().unwrap_or(""),
        draft: parsed.draft || parsed.dates.hidden_at(now),
        front_matter: front_matter.map_or(&empty, |fm| &fm.value),
        front_matter_raw: front_matter.map(|fm| fm.raw.as_str()),
        front_matter_format: front_matter.map(|fm| fm.format.stored()),
        intro: &parsed.intro,
        source: &parsed.source,
        source_path: mode.source_path,
        question_style: &style,
    };
    let (page, created) = pages::lock_or_create(&mut tx, slug, lang, &fields).await?;
    let mut report = ImportReport {
        slug: slug.to_owned(),
        lang: lang.to_owned(),
        page_created: created,
        dry_run: mode.dry_run,
        questions: style.clone(),
        form: parsed.form.clone(),
        forms: parsed.forms.clone(),
        ..ImportReport::default()
    };

    let existing: Vec<Existing> = if created {
        Vec::new()
    } else {
        sqlx::query_as(
            "SELECT id, slug, section, question, answer, answer_html, tags, status, sort_key,
                    deleted_at IS NOT NULL AS deleted, base_question, base_answer, base_section,
                    lower(question_span) AS q_start, upper(question_span) AS q_end,
                    lower(answer_span) AS a_start, upper(answer_span) AS a_end
             FROM entries WHERE page_id = $1 ORDER BY sort_key, id FOR UPDATE",
        )
        .bind(page.id)
        .fetch_all(&mut *tx)
        .await?
    };
    let matches = match_entries(&existing, parsed);
    let mut readers_see = false;

    // Each file entry's id, in file order; `None` for those still to be created.
    let mut file_ids: Vec<Option<Uuid>> = Vec::with_capacity(parsed.entries.len());
    // Base updates and restores, applied with the placement below.
    let mut new_base: HashSet<Uuid> = HashSet::new();
    for (entry, matched) in parsed.entries.iter().zip(&matches) {
        let Some(i) = *matched else {
            file_ids.push(None);
            continue;
        };
        let old = &existing[i];
        file_ids.push(Some(old.id));
        let base = old.base();
        let file = file_text(entry);
        let current = old.current();
        let file_changed = file != base;
        let editor_changed = current != base || (old.deleted && old.set_by_file());
        if !file_changed && !old.deleted {
            report.unchanged.push(old.slug.clone());
            if !old.set_by_file() {
                new_base.insert(old.id);
            }
            continue;
        }
        if !file_changed && old.set_by_file() {
            // Editors deleted it and the file still has it as it was: it stays deleted.
            report.unchanged.push(old.slug.clone());
            continue;
        }
        // A question the file dropped before (and deleted) that it brings back is restored.
        let returning = old.deleted && !old.set_by_file();
        if current == file && !old.deleted {
            // Both made the same change.
            report.unchanged.push(old.slug.clone());
            new_base.insert(old.id);
            continue;
        }
        if editor_changed && !mode.force && !returning {
            let by_file = what_changed(base, file);
            let by_editors = what_changed(base, current);
            let reason = if old.deleted {
                format!(
                    "{} changed in the file; editors deleted the entry",
                    by_file.join(" and ")
                )
            } else {
                format!(
                    "{} changed in the file; {} changed by editors",
                    by_file.join(" and "),
                    by_editors.join(" and ")
                )
            };
            report.conflicting.push(ImportConflict {
                slug: old.slug.clone(),
                question: old.question.clone(),
                file_question: entry.question.clone(),
                reason,
            });
            continue;
        }
        // Apply the file's text, keeping the publication state.
        if old.deleted {
            sqlx::query("UPDATE entries SET deleted_at = NULL WHERE id = $1")
                .bind(old.id)
                .execute(&mut *tx)
                .await?;
        }
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
        let (status, published) = match old.status.as_str() {
            "draft" => (EntryStatus::Draft, PublishedAfter::Unchanged),
            "changed" => (EntryStatus::Changed, PublishedAfter::Unchanged),
            _ => (EntryStatus::Published, PublishedAfter::NewVersion),
        };
        readers_see |= published == PublishedAfter::NewVersion || old.deleted;
        let update = EntryUpdate {
            page_id: page.id,
            slug: &old.slug,
            content: &content,
            sort_key: old.sort_key,
            status,
            published,
        };
        entries::update(&mut tx, old.id, &update, KIND, actor).await?;
        new_base.insert(old.id);
        report.updated.push(old.slug.clone());
    }

    // Entries the file dropped: deleted when they came from it; editors' own entries stay.
    let matched: HashSet<usize> = matches.iter().flatten().copied().collect();
    let mut dropped: Vec<Uuid> = Vec::new();
    for (i, old) in existing.iter().enumerate() {
        if matched.contains(&i) || !old.set_by_file() {
            continue;
        }
        if !old.deleted {
            entries::soft_delete(&mut tx, old.id, "deleted", actor).await?;
            report.deleted.push(old.slug.clone());
            readers_see |= old.status != "draft";
        }
        dropped.push(old.id);
    }

    // New entries: ids and slugs now, written in one statement once their places are known.
    let mut new_slugs: Vec<String> = Vec::new();
    let fresh: Vec<usize> = (0..parsed.entries.len())
        .filter(|&j| file_ids[j].is_none())
        .collect();
    if !fresh.is_empty() {
        let questions: Vec<&str> = fresh
            .iter()
            .map(|&j| parsed.entries[j].question.as_str())
            .collect();
        let slugs = free_slugs(&mut tx, &questions).await?;
        for &j in &fresh {
            file_ids[j] = Some(Uuid::now_v7());
        }
        report.created.extend(slugs.iter().cloned());
        readers_see = true;
        new_slugs = slugs;
    }

    // Order: the file's entries in file order, each editor-created entry after the entry it
    // followed; then spans and bases, written only where they differ.
    let order = merged_order(&existing, &matched, &file_ids);
    let span_of: HashMap<Uuid, &ParsedEntry> = file_ids
        .iter()
        .zip(&parsed.entries)
        .filter_map(|(id, e)| id.map(|id| (id, e)))
        .collect();
    let old_of: HashMap<Uuid, &Existing> = existing.iter().map(|e| (e.id, e)).collect();
    let key_of = |k: usize| i64::try_from(k).unwrap_or(i64::MAX - 1) + 1;
    if !fresh.is_empty() {
        let position: HashMap<Uuid, usize> =
            order.iter().enumerate().map(|(k, id)| (*id, k)).collect();
        let ids: Vec<Uuid> = fresh.iter().filter_map(|&j| file_ids[j]).collect();
        let keys: Vec<i64> = ids
            .iter()
            .map(|id| key_of(position.get(id).copied().unwrap_or(0)))
            .collect();
        let batch = NewBatch {
            page_id: page.id,
            entries: fresh.iter().map(|&j| &parsed.entries[j]).collect(),
            ids,
            slugs: &new_slugs,
            keys,
        };
        batch.insert(&mut tx, actor).await?;
    }
    let mut place = Placement::default();
    for (k, id) in order.iter().enumerate() {
        let sort_key = key_of(k);
        let entry = span_of.get(id);
        let old = old_of.get(id);
        let spans = entry.map(|e| {
            (
                span_bound(e.question_span.start),
                span_bound(e.question_span.end),
                span_bound(e.answer_span.start),
                span_bound(e.answer_span.end),
            )
        });
        let base_changes = new_base.contains(id);
        // New entries were written in place.
        let same =
            old.is_none_or(|o| o.sort_key == sort_key && spans == o.spans() && !base_changes);
        if same {
            continue;
        }
        if old.is_some_and(|o| o.sort_key != sort_key && !o.deleted && o.status != "draft") {
            readers_see = true;
        }
        place.push(
            *id,
            sort_key,
            spans,
            base_changes.then(|| entry.copied()).flatten(),
        );
    }
    for id in dropped {
        if old_of
            .get(&id)
            .is_some_and(|o| o.q_start.is_some() || o.set_by_file())
        {
            place.clear(id);
        }
    }
    place.write(&mut tx).await?;

    let page_readers = page.differs_for_readers(&fields);
    report.page_updated = !created && (page_readers || report.changed_order(&existing, &order));
    readers_see |= page_readers;
    report.version = if created {
        page.version
    } else if readers_see || page.differs(&fields) {
        pages::update_from_import(&mut tx, page.id, &fields, readers_see).await?
    } else {
        page.version
    };

    // A publication date to come is the page's publication schedule (never for a page the
    // file keeps a draft), an expiry date to come its withdrawal schedule.
    let publish = parsed.dates.publish.filter(|at| *at > now && !parsed.draft);
    let expiry = parsed.dates.expiry.filter(|at| *at > now);
    if publish.is_some() || expiry.is_some() {
        schedule::set_page(&mut tx, page.id, publish.map(Some), expiry.map(Some)).await?;
    }

    // Other languages of the page list this one among their translations: the page trigger
    // bumps them when it appears or leaves (`0011_visibility.sql`).
    if created || report.changed() || page.differs(&fields) {
        sqlx::query(
            "SELECT faqd_refresh_search_many(array(SELECT id FROM entries WHERE page_id = $1))",
        )
        .bind(page.id)
        .execute(&mut *tx)
        .await?;
    }
    if let Some((path, sha)) = mode.seed_file {
        sqlx::query(
            "INSERT INTO seed_files (path, sha256) VALUES ($1, $2)
             ON CONFLICT (path) DO UPDATE SET sha256 = EXCLUDED.sha256, imported_at = now()",
        )
        .bind(path)
        .bind(sha)
        .execute(&mut *tx)
        .await?;
    }

    if mode.dry_run {
        tx.rollback().await?;
    } else {
        crate::store::idempotency::commit(tx).await?;
    }
    Ok(report)
}

impl ImportReport {
    fn changed_order(&self, existing: &[Existing], order: &[Uuid]) -> bool {
        let before: Vec<Uuid> = existing
            .iter()
            .filter(|e| !e.deleted)
            .map(|e| e.id)
            .collect();
        let after: Vec<Uuid> = order
            .iter()
            .copied()
            .filter(|id| before.contains(id))
            .collect();
        let kept: Vec<Uuid> = before
            .iter()
            .copied()
            .filter(|id| after.contains(id))
            .collect();
        kept != after
    }
}

fn span_bound(offset: usize) -> i32 {
    // import_page checked that every offset fits.
    i32::try_from(offset).unwrap_or(i32::MAX)
}

/// For each of the file's entries, the index of the existing entry it is, if any: by the
/// base question, then (for a reworded question) by the base answer, then, among entries the
/// file never set, by the current question. Each existing entry is matched at most once.
fn match_entries(existing: &[Existing], parsed: &ParsedPage) -> Vec<Option<usize>> {
    type Key = for<'a> fn(&'a Existing) -> Option<&'a str>;
    type FileKey = for<'a> fn(&'a ParsedEntry) -> Option<&'a str>;
    let passes: [(Key, FileKey); 3] = [
        (
            |old| old.base_question.as_deref(),
            |new| Some(&new.question),
        ),
        (
            |old| old.base_answer.as_deref().filter(|a| !a.is_empty()),
            |new| Some(new.answer.as_str()).filter(|a| !a.is_empty()),
        ),
        (
            |old| (!old.set_by_file()).then_some(old.question.as_str()),
            |new| Some(&new.question),
        ),
    ];
    let mut used = vec![false; existing.len()];
    let mut matches = vec![None; parsed.entries.len()];
    for (old_key, new_key) in passes {
        // One index per pass: thousands of entries are matched in linear time, each existing
        // entry at most once, in page order.
        let mut index: HashMap<&str, std::collections::VecDeque<usize>> = HashMap::new();
        for (i, old) in existing.iter().enumerate() {
            if !used[i]
                && let Some(key) = old_key(old)
            {
                index.entry(key).or_default().push_back(i);
            }
        }
        for (j, new) in parsed.entries.iter().enumerate() {
            if matches[j].is_some() {
                continue;
            }
            let found = new_key(new)
                .and_then(|key| index.get_mut(key))
                .and_then(|queue| queue.pop_front());
            if let Some(i) = found {
                used[i] = true;
                matches[j] = Some(i);
            }
        }
    }
    matches
}

/// The page's new order: the file's entries in file order, with every entry editors created
/// kept right after the entry that preceded it before (at the start when none did).
fn merged_order(
    existing: &[Existing],
    matched: &HashSet<usize>,
    file_ids: &[Option<Uuid>],
) -> Vec<Uuid> {
    let mut order: Vec<Uuid> = file_ids.iter().flatten().copied().collect();
    let mut anchor: Option<Uuid> = None;
    let mut pending_at_start: Vec<Uuid> = Vec::new();
    let mut after: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (i, old) in existing.iter().enumerate() {
        if old.deleted {
            continue;
        }
        if matched.contains(&i) {
            anchor = Some(old.id);
        } else if !old.set_by_file() {
            match anchor {
                Some(a) => after.entry(a).or_default().push(old.id),
                None => pending_at_start.push(old.id),
            }
        }
    }
    if after.is_empty() && pending_at_start.is_empty() {
        return order;
    }
    let mut merged = pending_at_start;
    for id in order.drain(..) {
        merged.push(id);
        if let Some(followers) = after.remove(&id) {
            merged.extend(followers);
        }
    }
    merged
}

/// Sort keys, spans and bases to write, in one statement.
#[derive(Default)]
struct Placement {
    ids: Vec<Uuid>,
    keys: Vec<i64>,
    spans: Vec<[Option<i32>; 4]>,
    set_base: Vec<bool>,
    base_q: Vec<Option<String>>,
    base_a: Vec<Option<String>>,
    base_s: Vec<Option<String>>,
    cleared: Vec<Uuid>,
}

impl Placement {
    fn push(
        &mut self,
        id: Uuid,
        sort_key: i64,
        spans: Option<(i32, i32, i32, i32)>,
        base: Option<&ParsedEntry>,
    ) {
        self.ids.push(id);
        self.keys.push(sort_key);
        self.spans.push(match spans {
            Some((a, b, c, d)) => [Some(a), Some(b), Some(c), Some(d)],
            None => [None; 4],
        });
        self.set_base.push(base.is_some());
        self.base_q.push(base.map(|e| e.question.clone()));
        self.base_a.push(base.map(|e| e.answer.clone()));
        self.base_s.push(base.and_then(|e| e.section.clone()));
    }

    /// The entry left the file: no spans, no base (it is the editors' alone now).
    fn clear(&mut self, id: Uuid) {
        self.cleared.push(id);
    }

    async fn write(self, conn: &mut PgConnection) -> sqlx::Result<()> {
        if !self.ids.is_empty() {
            let col = |n: usize| self.spans.iter().map(|s| s[n]).collect::<Vec<_>>();
            sqlx::query(
                "UPDATE entries e SET sort_key = v.sort_key,
                        question_span = CASE WHEN v.qs IS NULL THEN e.question_span ELSE int4range(v.qs, v.qe) END,
                        answer_span = CASE WHEN v.qs IS NULL THEN e.answer_span ELSE int4range(v.as_, v.ae) END,
                        base_question = CASE WHEN v.set_base THEN v.bq ELSE e.base_question END,
                        base_answer = CASE WHEN v.set_base THEN v.ba ELSE e.base_answer END,
                        base_section = CASE WHEN v.set_base THEN v.bs ELSE e.base_section END
                 FROM unnest($1::uuid[], $2::int8[], $3::int4[], $4::int4[], $5::int4[], $6::int4[],
                             $7::bool[], $8::text[], $9::text[], $10::text[])
                      AS v(id, sort_key, qs, qe, as_, ae, set_base, bq, ba, bs)
                 WHERE e.id = v.id",
            )
            .bind(&self.ids)
            .bind(&self.keys)
            .bind(col(0))
            .bind(col(1))
            .bind(col(2))
            .bind(col(3))
            .bind(&self.set_base)
            .bind(&self.base_q)
            .bind(&self.base_a)
            .bind(&self.base_s)
            .execute(&mut *conn)
            .await?;
        }
        if !self.cleared.is_empty() {
            sqlx::query(
                "UPDATE entries SET question_span = NULL, answer_span = NULL,
                        base_question = NULL, base_answer = NULL, base_section = NULL
                 WHERE id = ANY($1)",
            )
            .bind(&self.cleared)
            .execute(conn)
            .await?;
        }
        Ok(())
    }
}

/// Free slugs for new entries' questions, in order, in one query: each question's base slug
/// and the `base-N` slugs already taken are read at once (lock_writes held).
async fn free_slugs(conn: &mut PgConnection, questions: &[&str]) -> sqlx::Result<Vec<String>> {
    // Never a slug that parses as an id: `base_slug` suffixes those.
    let bases: Vec<String> = questions
        .iter()
        .map(|q| content::slug::base_slug(q))
        .collect();
    let mut distinct: Vec<&str> = bases.iter().map(String::as_str).collect();
    distinct.sort_unstable();
    distinct.dedup();
    // Most bases are free: one index probe each finds those that are not, and only their
    // `base-N` ranges are read.
    let clashing: Vec<String> = sqlx::query_scalar(
        "SELECT slug FROM entries WHERE slug = ANY($1)
         UNION SELECT slug FROM entry_slug_aliases WHERE slug = ANY($1)",
    )
    .bind(&distinct)
    .fetch_all(&mut *conn)
    .await?;
    let mut taken = clashing.clone();
    if !clashing.is_empty() {
        let numbered: Vec<String> = sqlx::query_scalar(
            r#"SELECT t.slug FROM unnest($1::text[]) AS b(base)
               JOIN LATERAL (
                   SELECT slug FROM entries
                   WHERE slug COLLATE "C" > (b.base || '-') COLLATE "C" AND slug COLLATE "C" < (b.base || '.') COLLATE "C"
                   UNION ALL
                   SELECT slug FROM entry_slug_aliases
                   WHERE slug COLLATE "C" > (b.base || '-') COLLATE "C" AND slug COLLATE "C" < (b.base || '.') COLLATE "C"
               ) t ON true"#,
        )
        .bind(&clashing)
        .fetch_all(conn)
        .await?;
        taken.extend(numbered);
    }
    let mut taken: HashSet<String> = taken.into_iter().collect();
    let mut slugs = Vec::with_capacity(bases.len());
    for base in bases {
        let mut candidate = base.clone();
        let mut n = 2u64;
        while taken.contains(&candidate) || content::slug::parses_as_id(&candidate) {
            candidate = format!("{base}-{n}");
            n += 1;
        }
        taken.insert(candidate.clone());
        slugs.push(candidate);
    }
    Ok(slugs)
}

/// The file's new entries, with their ids, slugs and places.
struct NewBatch<'a> {
    page_id: i64,
    entries: Vec<&'a ParsedEntry>,
    ids: Vec<Uuid>,
    slugs: &'a [String],
    keys: Vec<i64>,
}

impl NewBatch<'_> {
    /// Inserts the entries (published, revision 1) in two statements.
    async fn insert(&self, conn: &mut PgConnection, actor: &str) -> sqlx::Result<()> {
        let (page_id, entries, ids, slugs, keys) = (
            self.page_id,
            &self.entries,
            &self.ids,
            self.slugs,
            &self.keys,
        );
        let sections: Vec<Option<&str>> = entries.iter().map(|e| e.section.as_deref()).collect();
        let questions: Vec<&str> = entries.iter().map(|e| e.question.as_str()).collect();
        let answers: Vec<&str> = entries.iter().map(|e| e.answer.as_str()).collect();
        let html: Vec<String> = entries
            .iter()
            .map(|e| content::render_answer(&e.answer))
            .collect();
        let span = |pick: fn(&ParsedEntry) -> usize| -> Vec<i32> {
            entries.iter().map(|e| span_bound(pick(e))).collect()
        };
        sqlx::query(
        "INSERT INTO entries (id, page_id, slug, section, question, answer, answer_html, sort_key,
                              status, version, published_version, published_at,
                              base_question, base_answer, base_section, question_span, answer_span)
         SELECT v.id, $1, v.slug, v.section, v.question, v.answer, v.html, v.sort_key,
                'published', 1, 1, now(), v.question, v.answer, v.section,
                int4range(v.qs, v.qe), int4range(v.as_, v.ae)
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int8[],
                     $9::int4[], $10::int4[], $11::int4[], $12::int4[])
              AS v(id, slug, section, question, answer, html, sort_key, qs, qe, as_, ae)",
    )
    .bind(page_id)
    .bind(ids)
    .bind(slugs)
    .bind(&sections)
    .bind(&questions)
    .bind(&answers)
    .bind(&html)
    .bind(keys)
    .bind(span(|e| e.question_span.start))
    .bind(span(|e| e.question_span.end))
    .bind(span(|e| e.answer_span.start))
    .bind(span(|e| e.answer_span.end))
    .execute(&mut *conn)
    .await?;
        sqlx::query(
            "INSERT INTO entry_revisions (entry_id, version, kind, actor, slug, section, question,
                                      answer, answer_html, tags, status)
         SELECT id, version, $2, $3, slug, section, question, answer, answer_html, tags, status
         FROM entries WHERE id = ANY($1)",
        )
        .bind(ids)
        .bind(KIND)
        .bind(actor)
        .execute(conn)
        .await?;
        Ok(())
    }
}
