//! Pages: reads for both audiences, and the page half of an import.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::content::QuestionStyle;
use crate::model::{Audience, Page};

/// Position of a page in the `(slug, lang)` order, for cursors.
pub type PageKey = (String, String);

/// The columns of [`Page`], for a `pages` row aliased `p`. Editors see its schedule
/// (`page_schedules`); readers never do.
fn page_columns(audience: Audience) -> String {
    let schedule = if audience == Audience::Reader {
        ""
    } else {
        ",
         (SELECT s.publish_at FROM page_schedules s WHERE s.page_id = p.id) AS publish_at,
         (SELECT s.unpublish_at FROM page_schedules s WHERE s.page_id = p.id) AS unpublish_at"
    };
    format!(
        "p.slug, p.lang, p.title, p.description, p.draft, p.front_matter, p.intro, p.version,
         p.created_at, p.updated_at, p.question_style,
         (SELECT count(*) FROM {entries} e WHERE e.page_id = p.id) AS entry_count,
         ARRAY(SELECT t.lang FROM pages t
               WHERE t.slug = p.slug AND t.id <> p.id AND {t_visible}
               ORDER BY t.lang) AS translations{schedule}",
        entries = audience.entries_relation(),
        t_visible = audience.pages_visible("t"),
    )
}

/// One cursor page of pages in `(slug, lang)` order, after `after`.
#[tracing::instrument(skip(conn))]
pub async fn list(
    conn: &mut PgConnection,
    audience: Audience,
    lang: Option<&str>,
    after: Option<&PageKey>,
    limit: u32,
) -> sqlx::Result<Vec<Page>> {
    let sql = format!(
        "SELECT {columns} FROM pages p
         WHERE {visible}
           AND ($1::text IS NULL OR p.lang = $1)
           AND ($2::text IS NULL OR (p.slug, p.lang) > ($2, $3))
         ORDER BY p.slug, p.lang
         LIMIT $4",
        columns = page_columns(audience),
        visible = audience.pages_visible("p"),
    );
    let pages: Vec<Page> = sqlx::query_as(&sql)
        .bind(lang)
        .bind(after.map(|k| k.0.as_str()))
        .bind(after.map(|k| k.1.as_str()))
        .bind(i64::from(limit))
        .fetch_all(conn)
        .await?;
    Ok(pages.into_iter().map(|p| seen_by(p, audience)).collect())
}

/// How many pages [`list`] matches over all its cursor pages, and when the newest changed.
#[tracing::instrument(skip(conn))]
pub async fn count(
    conn: &mut PgConnection,
    audience: Audience,
    lang: Option<&str>,
) -> sqlx::Result<(i64, Option<DateTime<Utc>>)> {
    let sql = format!(
        // Last-Modified never moves backwards: a page that turned draft or was deleted
        // still counts with the time it changed (its content does not show).
        "SELECT count(*) FILTER (WHERE {visible}), max(p.updated_at) FROM pages p
         WHERE ($1::text IS NULL OR p.lang = $1)",
        visible = audience.pages_visible("p"),
    );
    sqlx::query_as(&sql).bind(lang).fetch_one(conn).await
}

/// The languages in which the audience can see the page `slug`.
#[tracing::instrument(skip(conn))]
pub async fn languages(
    conn: &mut PgConnection,
    audience: Audience,
    slug: &str,
) -> sqlx::Result<Vec<String>> {
    let sql = format!(
        "SELECT p.lang FROM pages p WHERE p.slug = $1 AND {visible} ORDER BY p.lang",
        visible = audience.pages_visible("p"),
    );
    sqlx::query_scalar(&sql).bind(slug).fetch_all(conn).await
}

/// The page `(slug, lang)` if the audience can see it.
#[tracing::instrument(skip(conn))]
pub async fn get(
    conn: &mut PgConnection,
    audience: Audience,
    slug: &str,
    lang: &str,
) -> sqlx::Result<Option<Page>> {
    let sql = format!(
        "SELECT {columns} FROM pages p WHERE p.slug = $1 AND p.lang = $2 AND {visible}",
        columns = page_columns(audience),
        visible = audience.pages_visible("p"),
    );
    let page: Option<Page> = sqlx::query_as(&sql)
        .bind(slug)
        .bind(lang)
        .fetch_optional(conn)
        .await?;
    Ok(page.map(|p| seen_by(p, audience)))
}

/// A page's row as an import sees it (deleted pages included), locked for the
/// rest of the transaction.
#[derive(Debug, sqlx::FromRow)]
pub struct PageForImport {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub draft: bool,
    pub front_matter: sqlx::types::Json<serde_json::Value>,
    pub front_matter_raw: Option<String>,
    pub front_matter_format: Option<String>,
    pub intro: String,
    pub source: Option<String>,
    pub source_path: Option<String>,
    pub question_style: String,
    pub version: i64,
    pub deleted: bool,
}

/// The fields of a page that an import writes.
#[derive(Debug, PartialEq)]
pub struct PageFields<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub draft: bool,
    pub front_matter: &'a serde_json::Value,
    pub front_matter_raw: Option<&'a str>,
    pub front_matter_format: Option<&'a str>,
    pub intro: &'a str,
    pub source: &'a str,
    pub source_path: Option<&'a str>,
    pub question_style: &'a str,
}

impl PageForImport {
    /// Whether `fields` differ from this row in anything readers see.
    pub fn differs_for_readers(&self, fields: &PageFields<'_>) -> bool {
        self.deleted
            || self.title != fields.title
            || self.description != fields.description
            || self.draft != fields.draft
            || &self.front_matter.0 != fields.front_matter
            || self.intro != fields.intro
    }

    /// Whether `fields` differ from this row at all (source text and style included).
    pub fn differs(&self, fields: &PageFields<'_>) -> bool {
        self.differs_for_readers(fields)
            || self.front_matter_raw.as_deref() != fields.front_matter_raw
            || self.front_matter_format.as_deref() != fields.front_matter_format
            || self.source.as_deref() != Some(fields.source)
            || self.source_path.as_deref() != fields.source_path
            || !same_style(&self.question_style, fields.question_style)
    }
}

/// Two stored question styles that read a file the same way (`shortcode` kept before
/// migration 0021 and `details` now): the page has not changed.
fn same_style(stored: &str, new: &str) -> bool {
    use std::str::FromStr;
    stored == new
        || matches!(
            (QuestionStyle::from_str(stored), QuestionStyle::from_str(new)),
            (Ok(a), Ok(b)) if a == b
        )
}

/// Finds the page `(slug, lang)` and locks it, creating it from `fields` when
/// missing. Returns the row and whether it was created.
#[tracing::instrument(skip(conn, fields))]
pub async fn lock_or_create(
    conn: &mut PgConnection,
    slug: &str,
    lang: &str,
    fields: &PageFields<'_>,
) -> sqlx::Result<(PageForImport, bool)> {
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO pages (slug, lang, title, description, draft, front_matter, front_matter_raw,
                            front_matter_format, intro, source, question_style, source_path)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (slug, lang) DO NOTHING
         RETURNING id",
    )
    .bind(slug)
    .bind(lang)
    .bind(fields.title)
    .bind(fields.description)
    .bind(fields.draft)
    .bind(sqlx::types::Json(fields.front_matter))
    .bind(fields.front_matter_raw)
    .bind(fields.front_matter_format)
    .bind(fields.intro)
    .bind(fields.source)
    .bind(fields.question_style)
    .bind(fields.source_path)
    .fetch_optional(&mut *conn)
    .await?;
    let row = sqlx::query_as(
        "SELECT id, title, description, draft, front_matter, front_matter_raw, front_matter_format,
                intro, source, source_path, question_style, version,
                deleted_at IS NOT NULL AS deleted
         FROM pages WHERE slug = $1 AND lang = $2 FOR UPDATE",
    )
    .bind(slug)
    .bind(lang)
    .fetch_one(conn)
    .await?;
    Ok((row, inserted.is_some()))
}

/// Writes an import's page fields; `bump` says whether readers see a change
/// (then `version` grows by one). Returns the page's version.
#[tracing::instrument(skip(conn, fields))]
pub async fn update_from_import(
    conn: &mut PgConnection,
    id: i64,
    fields: &PageFields<'_>,
    bump: bool,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "UPDATE pages SET
            title = $2, description = $3, draft = $4, front_matter = $5, front_matter_raw = $6,
            front_matter_format = $7, intro = $8, source = $9, question_style = $10,
            source_path = $12, deleted_at = NULL,
            version = version + $11::boolean::int,
            updated_at = CASE WHEN $11 THEN now() ELSE updated_at END
         WHERE id = $1
         RETURNING version",
    )
    .bind(id)
    .bind(fields.title)
    .bind(fields.description)
    .bind(fields.draft)
    .bind(sqlx::types::Json(fields.front_matter))
    .bind(fields.front_matter_raw)
    .bind(fields.front_matter_format)
    .bind(fields.intro)
    .bind(fields.source)
    .bind(fields.question_style)
    .bind(bump)
    .bind(fields.source_path)
    .fetch_one(conn)
    .await
}

/// The slug and language of page `id`.
pub async fn slug_and_lang(conn: &mut PgConnection, id: i64) -> sqlx::Result<(String, String)> {
    sqlx::query_as("SELECT slug, lang FROM pages WHERE id = $1")
        .bind(id)
        .fetch_one(conn)
        .await
}

/// The languages page `slug` has among live pages (or deleted ones), in order.
pub async fn languages_of(
    conn: &mut PgConnection,
    slug: &str,
    deleted: bool,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT lang FROM pages WHERE slug = $1 AND (deleted_at IS NOT NULL) = $2
         ORDER BY lang",
    )
    .bind(slug)
    .bind(deleted)
    .fetch_all(conn)
    .await
}

/// Locks page `(slug, lang)` among live pages (or deleted ones): its id and version.
pub async fn lock(
    conn: &mut PgConnection,
    slug: &str,
    lang: &str,
    deleted: bool,
) -> sqlx::Result<Option<(i64, i64)>> {
    sqlx::query_as(
        "SELECT id, version FROM pages
         WHERE slug = $1 AND lang = $2 AND (deleted_at IS NOT NULL) = $3 FOR UPDATE",
    )
    .bind(slug)
    .bind(lang)
    .bind(deleted)
    .fetch_optional(conn)
    .await
}

/// What a page PATCH starts from.
#[derive(sqlx::FromRow)]
pub struct PatchedFields {
    pub front_matter: sqlx::types::Json<serde_json::Value>,
    pub front_matter_raw: Option<String>,
    pub front_matter_format: Option<String>,
    pub title: String,
    pub description: String,
    pub draft: bool,
    /// Bytes of the raw front matter (where the body's spans start).
    pub front_matter_bytes: Option<i32>,
}

/// Page `id`'s own fields.
pub async fn fields(conn: &mut PgConnection, id: i64) -> sqlx::Result<PatchedFields> {
    sqlx::query_as(
        "SELECT front_matter, front_matter_raw, front_matter_format, title, description, draft,
                octet_length(front_matter_raw) AS front_matter_bytes
         FROM pages WHERE id = $1",
    )
    .bind(id)
    .fetch_one(conn)
    .await
}

/// Writes page `id`'s own fields as a new version; a new raw front matter replaces the old
/// one at the head of the stored source.
pub async fn set_fields(
    conn: &mut PgConnection,
    id: i64,
    title: &str,
    description: &str,
    draft: bool,
    front_matter: &serde_json::Value,
    front_matter_raw: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE pages SET title = $2, description = $3, draft = $4, front_matter = $5,
                front_matter_raw = $6,
                source = CASE WHEN source IS NULL OR $6 IS NULL THEN source
                              ELSE $6 || substr(source, char_length(front_matter_raw) + 1) END,
                version = version + 1, updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(title)
    .bind(description)
    .bind(draft)
    .bind(sqlx::types::Json(front_matter))
    .bind(front_matter_raw)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes page `id` (or restores it) as a new version. The page's other languages list it
/// among their translations no more (or again): the page trigger bumps them
/// (`0011_visibility.sql`).
pub async fn set_deleted(conn: &mut PgConnection, id: i64, deleted: bool) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE pages SET deleted_at = CASE WHEN $2 THEN now() END,
                version = version + 1, updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(deleted)
    .execute(conn)
    .await?;
    Ok(())
}

/// The live pages with slug `slug` (in language `lang` only, when given): ids and languages,
/// in language order.
pub async fn live_languages(
    conn: &mut PgConnection,
    slug: &str,
    lang: Option<&str>,
) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as(
        "SELECT id, lang FROM pages WHERE slug = $1 AND deleted_at IS NULL AND ($2::text IS NULL OR lang = $2)
         ORDER BY lang",
    )
    .bind(slug)
    .bind(lang)
    .fetch_all(conn)
    .await
}

/// The page as `audience` may see it: for readers, the front-matter lists that the import
/// turned into entries are left out (readers see those entries as `entries`, where drafts,
/// staged text and deleted entries never show).
fn seen_by(mut page: Page, audience: Audience) -> Page {
    if audience == Audience::Reader && page.question_style == "front-matter" {
        crate::content::forms::data::drop_item_lists(&mut page.front_matter.0);
    }
    page
}
