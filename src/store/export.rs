//! Reading a page back as its file: the page's source and its entries' spans, handed to
//! [`crate::content::export`].

use std::str::FromStr;

use sqlx::PgConnection;

use crate::content::QuestionStyle;
use crate::content::export::{EntryText, PageSource, export};
use crate::model::Audience;

/// A page written back as a file.
#[derive(Debug)]
pub struct ExportedFile {
    /// The file's text.
    pub text: String,
    /// Where it goes under a content root: the path it was imported from, else
    /// `slug.md` / `slug.lang.md`.
    pub path: String,
    /// `text/markdown; charset=utf-8`, or the data file's own type.
    pub media_type: &'static str,
    /// The page's version (for the ETag).
    pub version: i64,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(sqlx::FromRow)]
struct PageRow {
    id: i64,
    title: String,
    intro: String,
    front_matter_raw: Option<String>,
    source: Option<String>,
    source_path: Option<String>,
    question_style: String,
    version: i64,
    updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    question: String,
    answer: String,
    section: Option<String>,
    question_start: Option<i32>,
}

/// The page `(slug, lang)` as `audience` sees it, written as its file; `None` when that
/// audience cannot see the page.
pub async fn export_page(
    conn: &mut PgConnection,
    slug: &str,
    lang: &str,
    audience: Audience,
) -> sqlx::Result<Option<ExportedFile>> {
    let page: Option<PageRow> = sqlx::query_as(&format!(
        "SELECT p.id, p.title, p.intro, p.front_matter_raw, p.source, p.source_path,
                p.question_style, p.version, p.updated_at
         FROM pages p WHERE p.slug = $1 AND p.lang = $2 AND {}",
        audience.pages_visible("p")
    ))
    .bind(slug)
    .bind(lang)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(page) = page else {
        return Ok(None);
    };
    let rows: Vec<EntryRow> = sqlx::query_as(&format!(
        "SELECT v.question, v.answer, v.section, lower(e.question_span) AS question_start
         FROM {} v JOIN entries e ON e.id = v.id
         WHERE v.page_id = $1 ORDER BY v.sort_key, v.id",
        audience.entries_relation()
    ))
    .bind(page.id)
    .fetch_all(&mut *conn)
    .await?;
    let entries: Vec<EntryText<'_>> = rows
        .iter()
        .map(|r| EntryText {
            question: &r.question,
            answer: &r.answer,
            section: r.section.as_deref(),
            question_start: r.question_start.and_then(|s| usize::try_from(s).ok()),
        })
        .collect();
    let style = QuestionStyle::from_str(&page.question_style).unwrap_or(QuestionStyle::Bold);
    let text = export(
        &PageSource {
            source: page.source.as_deref(),
            path: page.source_path.as_deref(),
            style,
            front_matter_raw: page.front_matter_raw.as_deref(),
            title: &page.title,
            intro: &page.intro,
        },
        &entries,
    );
    let path = page.source_path.clone().unwrap_or_else(|| {
        let ext = if style == QuestionStyle::Data {
            "yml"
        } else {
            "md"
        };
        let dir = if style == QuestionStyle::Data {
            "data/"
        } else {
            ""
        };
        if lang == crate::domain::Lang::default_lang().as_str() {
            format!("{dir}{slug}.{ext}")
        } else {
            format!("{dir}{slug}.{lang}.{ext}")
        }
    });
    Ok(Some(ExportedFile {
        text,
        media_type: media_type_of(&path),
        path,
        version: page.version,
        updated_at: page.updated_at,
    }))
}

/// The media type of a page file, by its extension.
pub fn media_type_of(path: &str) -> &'static str {
    let ext = path
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match ext.as_str() {
        "yml" | "yaml" => "application/yaml",
        "toml" => "application/toml",
        "json" => "application/json",
        _ => "text/markdown; charset=utf-8",
    }
}

/// Every page that is not deleted, as `(slug, lang)`.
pub async fn all_pages(conn: &mut PgConnection) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as("SELECT slug, lang FROM pages WHERE deleted_at IS NULL ORDER BY slug, lang")
        .fetch_all(conn)
        .await
}

/// The language a page is exported in without `--lang`: the default language when the page
/// has it, else its first.
pub async fn default_lang_of(conn: &mut PgConnection, slug: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT lang FROM pages WHERE slug = $1 AND deleted_at IS NULL
         ORDER BY lang <> $2, lang LIMIT 1",
    )
    .bind(slug)
    .bind(crate::domain::Lang::default_lang().as_str())
    .fetch_optional(conn)
    .await
}
