//! Entries: reads for both audiences, and the writes every path (import, API)
//! goes through, each writing its revision in the same transaction.

pub use crate::store::order::{
    count_on_page, ids_on_page, last_key, make_room, position_of, set_order, set_sort_key,
    shift_spans,
};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::content::slug::parses_as_id;
use crate::model::{Audience, Entry, EntryStatus};

/// Position of an entry in the `(page slug, lang, order)` sequence, for cursors.
pub type EntryKey = (String, String, i64, Uuid);

/// Filters of an entry listing.
#[derive(Debug, Default)]
pub struct EntryFilter<'a> {
    pub page: Option<&'a str>,
    pub lang: Option<&'a str>,
    pub tag: Option<&'a str>,
    /// `Some("")` selects entries with no section.
    pub section: Option<&'a str>,
    /// Editors only: entries in this state.
    pub status: Option<&'a str>,
    /// Editors only: deleted entries instead of live ones.
    pub deleted: bool,
}

impl EntryFilter<'_> {
    pub(crate) fn relation(&self, audience: Audience) -> &'static str {
        match (audience, self.deleted) {
            (Audience::Editor, true) => "deleted_entries",
            _ => audience.entries_relation(),
        }
    }
}

/// The audience's entries, with page, lang and 1-based position, as a CTE named
/// `ordered`. `$1` page slug and `$2` lang narrow it (NULL: any).
pub(crate) fn ordered_cte(relation: &str) -> String {
    let (schedule, scheduled) = schedule_columns(relation);
    format!(
        "WITH ordered AS (
            SELECT e.id, p.slug AS page, p.lang, e.slug, e.section, e.question, e.answer,
                   e.answer_html, e.tags, e.status, e.version, e.created_at, e.updated_at,
                   e.published_at, e.sort_key{schedule},
                   row_number() OVER (PARTITION BY e.page_id ORDER BY e.sort_key, e.id) AS position
            FROM {relation} e
            JOIN pages p ON p.id = e.page_id{scheduled}
            WHERE ($1::text IS NULL OR p.slug = $1) AND ($2::text IS NULL OR p.lang = $2)
         )"
    )
}

/// Editors see an entry's schedule (`publish_at`, `unpublish_at`, read from `entries` as
/// `sched`); readers never do. The select list's addition and the join that feeds it.
fn schedule_columns(relation: &str) -> (&'static str, &'static str) {
    if relation == Audience::Reader.entries_relation() {
        ("", "")
    } else {
        (
            ", sched.publish_at, sched.unpublish_at",
            "\n            JOIN entries sched ON sched.id = e.id",
        )
    }
}

/// The tag, section and status filters over `ordered`, as `$3`, `$4` and `$5`.
pub(crate) const FILTERS: &str = "($3::text IS NULL OR $3 = ANY (tags))
    AND ($4::text IS NULL OR section IS NOT DISTINCT FROM NULLIF($4, ''))
    AND ($5::text IS NULL OR status = $5)";

/// One cursor page of entries in `(page, lang, position)` order, after `after`.
#[tracing::instrument(skip(conn))]
pub async fn list(
    conn: &mut PgConnection,
    audience: Audience,
    filter: &EntryFilter<'_>,
    after: Option<&EntryKey>,
    limit: u32,
) -> sqlx::Result<Vec<Entry>> {
    let sql = format!(
        "{cte}
         SELECT * FROM ordered
         WHERE {FILTERS}
           AND ($6::text IS NULL OR (page, lang, sort_key, id) > ($6, $7, $8, $9))
         ORDER BY page, lang, sort_key, id
         LIMIT $10",
        cte = ordered_cte(filter.relation(audience)),
    );
    sqlx::query_as(&sql)
        .bind(filter.page)
        .bind(filter.lang)
        .bind(filter.tag)
        .bind(filter.section)
        .bind(filter.status)
        .bind(after.map(|k| k.0.as_str()))
        .bind(after.map(|k| k.1.as_str()))
        .bind(after.map(|k| k.2))
        .bind(after.map(|k| k.3))
        .bind(i64::from(limit))
        .fetch_all(conn)
        .await
}

/// How many entries [`list`] matches over all its cursor pages, and when the newest changed.
#[tracing::instrument(skip(conn))]
pub async fn count(
    conn: &mut PgConnection,
    audience: Audience,
    filter: &EntryFilter<'_>,
) -> sqlx::Result<(i64, Option<chrono::DateTime<chrono::Utc>>)> {
    let sql = format!(
        // Removals leave no row behind: the pages' change times catch them, hidden pages'
        // too, so that Last-Modified never moves backwards.
        "{cte} SELECT count(*), GREATEST(max(updated_at),
                (SELECT max(p.updated_at) FROM pages p
                 WHERE ($1::text IS NULL OR p.slug = $1) AND ($2::text IS NULL OR p.lang = $2)))
         FROM ordered WHERE {FILTERS}",
        cte = ordered_cte(filter.relation(audience)),
    );
    sqlx::query_as(&sql)
        .bind(filter.page)
        .bind(filter.lang)
        .bind(filter.tag)
        .bind(filter.section)
        .bind(filter.status)
        .fetch_one(conn)
        .await
}

/// Every entry of the page `(slug, lang)` that the audience sees, in order.
#[tracing::instrument(skip(conn))]
pub async fn of_page(
    conn: &mut PgConnection,
    audience: Audience,
    slug: &str,
    lang: &str,
) -> sqlx::Result<Vec<Entry>> {
    let sql = format!(
        "{cte} SELECT * FROM ordered ORDER BY sort_key, id",
        cte = ordered_cte(audience.entries_relation()),
    );
    sqlx::query_as(&sql)
        .bind(slug)
        .bind(lang)
        .fetch_all(conn)
        .await
}

/// An entry reference from a path: its id, or else its slug.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryRef {
    Id(Uuid),
    Slug(String),
}

impl EntryRef {
    /// An id (in the hyphenated form faqd writes them), a well-formed slug, or `None`: a
    /// reference that can name no entry. A slug of 32 hex digits is a slug, not an id.
    pub fn parse(s: &str) -> Option<Self> {
        match Uuid::try_parse(s) {
            Ok(id) if s.len() == 36 => Some(Self::Id(id)),
            _ => crate::domain::Slug::parse(s)
                .ok()
                .map(|slug| Self::Slug(slug.as_str().to_owned())),
        }
    }
}

/// One entry by id or slug, if the audience sees it.
#[tracing::instrument(skip(conn))]
pub async fn get(
    conn: &mut PgConnection,
    audience: Audience,
    entry: &EntryRef,
) -> sqlx::Result<Option<Entry>> {
    let (id, slug) = match entry {
        EntryRef::Id(id) => (Some(*id), None),
        EntryRef::Slug(slug) => (None, Some(slug.as_str())),
    };
    // Positions are computed over the entry's own page only.
    let sql = format!(
        "WITH target AS (SELECT page_id FROM entries WHERE id = $3 OR slug = $4),
         ordered AS (
            SELECT e.id, p.slug AS page, p.lang, e.slug, e.section, e.question, e.answer,
                   e.answer_html, e.tags, e.status, e.version, e.created_at, e.updated_at,
                   e.published_at, e.sort_key{schedule},
                   row_number() OVER (PARTITION BY e.page_id ORDER BY e.sort_key, e.id) AS position
            FROM {entries} e
            JOIN pages p ON p.id = e.page_id{scheduled}
            WHERE e.page_id IN (SELECT page_id FROM target)
         )
         SELECT * FROM ordered WHERE ($1::uuid IS NULL OR id = $1) AND ($2::text IS NULL OR slug = $2)",
        entries = audience.entries_relation(),
        schedule = schedule_columns(audience.entries_relation()).0,
        scheduled = schedule_columns(audience.entries_relation()).1,
    );
    sqlx::query_as(&sql)
        .bind(id)
        .bind(slug)
        .bind(id)
        .bind(slug)
        .fetch_optional(conn)
        .await
}

// ---------------------------------------------------------------------------
// Writes

/// The content of an entry as a write sets it.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryContent {
    pub section: Option<String>,
    pub question: String,
    pub answer: String,
    pub answer_html: String,
    pub tags: Vec<String>,
}

/// Where an imported entry sits in its page's source text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SourceSpans {
    pub question: (i32, i32),
    pub answer: (i32, i32),
}

/// Serialises content writes (held until commit). Every write transaction takes
/// it first, before any row lock: writers then never deadlock on each other's
/// rows, and two writers never pick the same free slug. Content writes are rare
/// next to reads, which take no lock at all.
pub async fn lock_writes(conn: &mut PgConnection) -> sqlx::Result<()> {
    // An arbitrary application-wide key for pg_advisory_xact_lock.
    const WRITE_LOCK: i64 = 0x6661_7164_736c_7567; // "faqdslug"
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(WRITE_LOCK)
        .execute(conn)
        .await?;
    Ok(())
}

/// The first free slug among `base`, `base-2`, `base-3`, … (deleted entries keep
/// theirs). Call with [`lock_writes`] held.
pub async fn free_slug(conn: &mut PgConnection, base: &str) -> sqlx::Result<String> {
    // `base-…` slugs sort between `base-` and `base.` ('.' follows '-') in byte
    // order: a range on the byte-ordered indexes, not a scan of every slug.
    let taken: Vec<String> = sqlx::query_scalar(
        r#"SELECT slug FROM entries
           WHERE slug = $1
              OR (slug COLLATE "C" > ($1 || '-') COLLATE "C" AND slug COLLATE "C" < ($1 || '.') COLLATE "C")
           UNION ALL
           SELECT slug FROM entry_slug_aliases
           WHERE slug = $1
              OR (slug COLLATE "C" > ($1 || '-') COLLATE "C" AND slug COLLATE "C" < ($1 || '.') COLLATE "C")"#,
    )
    .bind(base)
    .fetch_all(conn)
    .await?;
    if !taken.iter().any(|s| s == base) && !parses_as_id(base) {
        return Ok(base.to_owned());
    }
    let mut n = 2u64;
    loop {
        let candidate = format!("{base}-{n}");
        if !taken.contains(&candidate) && !parses_as_id(&candidate) {
            return Ok(candidate);
        }
        n += 1;
    }
}

/// The first free slug derived from a question (see [`crate::content::slug::base_slug`]: never
/// one that parses as an id). Call with [`lock_writes`] held.
pub async fn free_slug_for(conn: &mut PgConnection, question: &str) -> sqlx::Result<String> {
    free_slug(conn, &crate::content::slug::base_slug(question)).await
}

/// A new entry, written with its first revision. Published entries are visible at once.
#[derive(Debug)]
pub struct NewEntry<'a> {
    pub page_id: i64,
    pub slug: &'a str,
    pub content: &'a EntryContent,
    pub sort_key: i64,
    pub published: bool,
    pub spans: Option<SourceSpans>,
}

/// Inserts an entry and its revision 1. Returns its id.
#[tracing::instrument(skip(conn, new), fields(slug = new.slug))]
pub async fn insert(
    conn: &mut PgConnection,
    new: &NewEntry<'_>,
    kind: &str,
    actor: &str,
) -> sqlx::Result<Uuid> {
    let id = Uuid::now_v7();
    let (question_span, answer_span) = spans_to_sql(new.spans);
    sqlx::query(
        "INSERT INTO entries (id, page_id, slug, section, question, answer, answer_html, sort_key,
                              tags, status, version, published_version, published_at,
                              question_span, answer_span)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
                 CASE WHEN $10 THEN 'published' ELSE 'draft' END, 1,
                 CASE WHEN $10 THEN 1 END, CASE WHEN $10 THEN now() END,
                 int4range($11, $12), int4range($13, $14))",
    )
    .bind(id)
    .bind(new.page_id)
    .bind(new.slug)
    .bind(&new.content.section)
    .bind(&new.content.question)
    .bind(&new.content.answer)
    .bind(&new.content.answer_html)
    .bind(new.sort_key)
    .bind(&new.content.tags)
    .bind(new.published)
    .bind(question_span.0)
    .bind(question_span.1)
    .bind(answer_span.0)
    .bind(answer_span.1)
    .execute(&mut *conn)
    .await?;
    write_revision(conn, id, kind, actor).await?;
    Ok(id)
}

/// A span as two nullable int4 bounds.
type SqlSpan = (Option<i32>, Option<i32>);

fn spans_to_sql(spans: Option<SourceSpans>) -> (SqlSpan, SqlSpan) {
    match spans {
        Some(s) => (
            (Some(s.question.0), Some(s.question.1)),
            (Some(s.answer.0), Some(s.answer.1)),
        ),
        None => ((None, None), (None, None)),
    }
}

/// Copies the entry's current state into its history, as version `version`.
pub async fn write_revision(
    conn: &mut PgConnection,
    id: Uuid,
    kind: &str,
    actor: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO entry_revisions (entry_id, version, kind, actor, slug, section, question,
                                      answer, answer_html, tags, status)
         SELECT id, version, $2, $3, slug, section, question, answer, answer_html, tags, status
         FROM entries WHERE id = $1",
    )
    .bind(id)
    .bind(kind)
    .bind(actor)
    .execute(conn)
    .await?;
    Ok(())
}

/// An entry as an import compares it with the file.
#[derive(Debug, sqlx::FromRow)]
pub struct EntryForImport {
    pub id: Uuid,
    pub slug: String,
    pub section: Option<String>,
    pub question: String,
    pub answer: String,
    pub answer_html: String,
    pub tags: Vec<String>,
    pub status: String,
    pub sort_key: i64,
}

impl EntryForImport {
    pub fn content(&self) -> EntryContent {
        EntryContent {
            section: self.section.clone(),
            question: self.question.clone(),
            answer: self.answer.clone(),
            answer_html: self.answer_html.clone(),
            tags: self.tags.clone(),
        }
    }
}

/// The page's entries that are not deleted, in order, locked for the transaction.
pub async fn of_page_for_import(
    conn: &mut PgConnection,
    page_id: i64,
) -> sqlx::Result<Vec<EntryForImport>> {
    sqlx::query_as(
        "SELECT id, slug, section, question, answer, answer_html, tags, status, sort_key
         FROM entries WHERE page_id = $1 AND deleted_at IS NULL
         ORDER BY sort_key, id FOR UPDATE",
    )
    .bind(page_id)
    .fetch_all(conn)
    .await
}

/// Sets where an entry sits: its order key and its spans in the page source.
/// Neither is a change of the entry itself, so its version stays.
pub async fn place(
    conn: &mut PgConnection,
    id: Uuid,
    sort_key: i64,
    spans: Option<SourceSpans>,
) -> sqlx::Result<()> {
    let (q, a) = spans_to_sql(spans);
    sqlx::query(
        "UPDATE entries SET sort_key = $2, question_span = int4range($3, $4),
                answer_span = int4range($5, $6)
         WHERE id = $1",
    )
    .bind(id)
    .bind(sort_key)
    .bind(q.0)
    .bind(q.1)
    .bind(a.0)
    .bind(a.1)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes an entry softly: it leaves readers, keeps its slug and stays restorable.
pub async fn soft_delete(
    conn: &mut PgConnection,
    id: Uuid,
    kind: &str,
    actor: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE entries SET deleted_at = now(), version = version + 1, updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    write_revision(conn, id, kind, actor).await
}

// ---------------------------------------------------------------------------
// The API's write path: every create, update and delete of an entry.

/// Whether `slug` is taken by an entry other than `except` (current slugs and
/// old slugs that still redirect alike). Call with [`lock_writes`] held.
pub async fn slug_taken(
    conn: &mut PgConnection,
    slug: &str,
    except: Option<Uuid>,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM entries WHERE slug = $1 AND id IS DISTINCT FROM $2)
             OR EXISTS (SELECT 1 FROM entry_slug_aliases WHERE slug = $1 AND entry_id IS DISTINCT FROM $2)",
    )
    .bind(slug)
    .bind(except)
    .fetch_one(conn)
    .await
}

/// The entry an old slug redirects to: its current slug.
pub async fn slug_alias(
    conn: &mut PgConnection,
    slug: &str,
) -> sqlx::Result<Option<(Uuid, String)>> {
    sqlx::query_as(
        "SELECT e.id, e.slug FROM entry_slug_aliases a JOIN entries e ON e.id = a.entry_id
         WHERE a.slug = $1 AND e.deleted_at IS NULL",
    )
    .bind(slug)
    .fetch_optional(conn)
    .await
}

/// The id of the live (not deleted) entry `entry` names, by id, slug or old slug.
pub async fn resolve(conn: &mut PgConnection, entry: &EntryRef) -> sqlx::Result<Option<Uuid>> {
    resolve_where(conn, entry, false).await
}

/// [`resolve`], deleted entries included (for restore and history).
pub async fn resolve_including_deleted(
    conn: &mut PgConnection,
    entry: &EntryRef,
) -> sqlx::Result<Option<Uuid>> {
    resolve_where(conn, entry, true).await
}

async fn resolve_where(
    conn: &mut PgConnection,
    entry: &EntryRef,
    deleted_too: bool,
) -> sqlx::Result<Option<Uuid>> {
    let (id, slug) = match entry {
        EntryRef::Id(id) => (Some(*id), None),
        EntryRef::Slug(slug) => (None, Some(slug.as_str())),
    };
    sqlx::query_scalar(
        "SELECT id FROM entries WHERE ($3 OR deleted_at IS NULL) AND (id = $1 OR slug = $2)
         UNION ALL
         SELECT e.id FROM entry_slug_aliases a JOIN entries e ON e.id = a.entry_id
         WHERE ($3 OR e.deleted_at IS NULL) AND a.slug = $2
         LIMIT 1",
    )
    .bind(id)
    .bind(slug)
    .bind(deleted_too)
    .fetch_optional(conn)
    .await
}

/// An entry's row as a write sees it, locked until the transaction ends.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LockedEntry {
    pub id: Uuid,
    pub page_id: i64,
    pub slug: String,
    pub section: Option<String>,
    pub question: String,
    pub answer: String,
    pub answer_html: String,
    pub tags: Vec<String>,
    #[sqlx(try_from = "String")]
    pub status: EntryStatus,
    pub version: i64,
    pub published_version: Option<i64>,
    pub sort_key: i64,
}

impl LockedEntry {
    pub fn content(&self) -> EntryContent {
        EntryContent {
            section: self.section.clone(),
            question: self.question.clone(),
            answer: self.answer.clone(),
            answer_html: self.answer_html.clone(),
            tags: self.tags.clone(),
        }
    }
}

/// Locks the live entry `id` for a write.
pub async fn lock(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<LockedEntry>> {
    sqlx::query_as(
        "SELECT id, page_id, slug, section, question, answer, answer_html, tags, status, version,
                published_version, sort_key
         FROM entries WHERE id = $1 AND deleted_at IS NULL FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Bumps the versions of pages whose readers see a change.
pub async fn bump_pages(conn: &mut PgConnection, page_ids: &[i64]) -> sqlx::Result<()> {
    if page_ids.is_empty() {
        return Ok(());
    }
    sqlx::query("UPDATE pages SET version = version + 1, updated_at = now() WHERE id = ANY($1)")
        .bind(page_ids)
        .execute(conn)
        .await?;
    Ok(())
}

/// The state an update leaves an entry in.
#[derive(Debug)]
pub struct EntryUpdate<'a> {
    pub page_id: i64,
    pub slug: &'a str,
    pub content: &'a EntryContent,
    pub sort_key: i64,
    pub status: EntryStatus,
    /// The version readers see afterwards (`None` when never published).
    pub published: PublishedAfter,
}

/// What readers see of an entry after a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishedAfter {
    /// The new version goes live.
    NewVersion,
    /// Readers keep what they saw (staged change, or a draft).
    Unchanged,
}

/// Writes a new version of a locked entry and its revision.
pub async fn update(
    conn: &mut PgConnection,
    id: Uuid,
    update: &EntryUpdate<'_>,
    kind: &str,
    actor: &str,
) -> sqlx::Result<()> {
    let goes_live = update.published == PublishedAfter::NewVersion;
    sqlx::query(
        "UPDATE entries SET page_id = $2, slug = $3, section = $4, question = $5, answer = $6,
                answer_html = $7, tags = $8, sort_key = $9, status = $10,
                version = version + 1,
                published_version = CASE WHEN $11 THEN version + 1 ELSE published_version END,
                published_at = CASE WHEN $11 THEN now() ELSE published_at END,
                updated_at = now(),
                -- The spans tie the entry to its place in the page's file (export writes
                -- an edited entry there); moved to another page, it has no place there.
                question_span = CASE WHEN page_id = $2 THEN question_span END,
                answer_span = CASE WHEN page_id = $2 THEN answer_span END,
                base_question = CASE WHEN page_id = $2 THEN base_question END,
                base_answer = CASE WHEN page_id = $2 THEN base_answer END,
                base_section = CASE WHEN page_id = $2 THEN base_section END
         WHERE id = $1",
    )
    .bind(id)
    .bind(update.page_id)
    .bind(update.slug)
    .bind(&update.content.section)
    .bind(&update.content.question)
    .bind(&update.content.answer)
    .bind(&update.content.answer_html)
    .bind(&update.content.tags)
    .bind(update.sort_key)
    .bind(update.status.as_str())
    .bind(goes_live)
    .execute(&mut *conn)
    .await?;
    write_revision(conn, id, kind, actor).await
}

/// Keeps `old` redirecting to the entry after its slug changed.
pub async fn add_slug_alias(
    conn: &mut PgConnection,
    id: Uuid,
    old: &str,
    new: &str,
) -> sqlx::Result<()> {
    // Taking back a slug the entry had before: it is no longer an alias.
    sqlx::query("DELETE FROM entry_slug_aliases WHERE slug = $1 AND entry_id = $2")
        .bind(new)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO entry_slug_aliases (slug, entry_id) VALUES ($1, $2) ON CONFLICT (slug) DO NOTHING")
        .bind(old)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Locks entry `id` on a live page, deleted or not: its version, whether it is deleted, its
/// status and its page.
pub async fn lock_any(
    conn: &mut PgConnection,
    id: Uuid,
) -> sqlx::Result<Option<(i64, bool, String, i64)>> {
    sqlx::query_as(
        "SELECT e.version, e.deleted_at IS NOT NULL, e.status, e.page_id
         FROM entries e JOIN pages p ON p.id = e.page_id
         WHERE e.id = $1 AND p.deleted_at IS NULL FOR UPDATE OF e",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Brings deleted entry `id` back as a new version (its revision is the caller's to write).
pub async fn undelete(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE entries SET deleted_at = NULL, version = version + 1, updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Entry `id`, unless deleted, with its page's slug and language.
pub async fn with_page(
    conn: &mut PgConnection,
    id: Uuid,
) -> sqlx::Result<Option<(Uuid, String, String)>> {
    sqlx::query_as(
        "SELECT e.id, p.slug, p.lang FROM entries e JOIN pages p ON p.id = e.page_id
         WHERE e.id = $1 AND e.deleted_at IS NULL",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}
