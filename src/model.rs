//! The resources of the public contract, as they travel in JSON and in the OpenAPI document.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Who is reading: what they may see follows from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// Anonymous readers: published content of live, non-draft pages only.
    Reader,
    /// Editors (and preview tokens): the current versions, drafts included.
    Editor,
}

/// The publication state of an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EntryStatus {
    /// Not visible to readers.
    Draft,
    /// Readers see the current version.
    Published,
    /// Readers see the last published version; the current one is staged.
    Changed,
}

impl EntryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Changed => "changed",
        }
    }
}

impl TryFrom<String> for EntryStatus {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        match s.as_str() {
            "draft" => Ok(Self::Draft),
            "published" => Ok(Self::Published),
            "changed" => Ok(Self::Changed),
            other => Err(format!("unknown entry status '{other}'")),
        }
    }
}

/// One question and its answer.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Entry {
    /// Stable identifier.
    pub id: Uuid,
    /// The slug of the entry's page.
    #[schema(example = "faq")]
    pub page: String,
    /// The language of the entry's page (BCP 47).
    #[schema(example = "en")]
    pub lang: String,
    /// Unique across the service; derived from the question when not given.
    #[schema(example = "what-is-a-technical-coach")]
    pub slug: String,
    /// The nearest Markdown heading above the question, `null` before any.
    pub section: Option<String>,
    #[schema(example = "What is a technical coach?")]
    pub question: String,
    /// The Markdown source exactly as written.
    pub answer: String,
    /// The answer rendered (CommonMark) and sanitised: no script, no event handlers, no `javascript:`/`data:` URLs.
    pub answer_html: String,
    /// The answer as plain text (tags dropped, one line per block), for meta descriptions and
    /// previews.
    #[sqlx(skip)]
    pub answer_text: String,
    /// 1-based place among the page's entries (as this reader sees them), computed when read.
    #[schema(example = 3, minimum = 1)]
    pub position: i64,
    pub tags: Vec<String>,
    #[sqlx(try_from = "String")]
    pub status: EntryStatus,
    /// Grows by one with every change of the entry; the `ETag` derives from it.
    #[schema(example = 1, minimum = 1)]
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    /// The same question in the page's other languages (same page slug): linked by an
    /// editor (`translation_of`) or at the same position. Readers see published ones only.
    #[sqlx(skip)]
    pub translations: Vec<Translation>,
    /// With `?include=related`: up to 5 related published entries in the same language,
    /// pinned ones first (see `GET /faqs/{ref}/related`).
    #[sqlx(skip)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related: Option<Vec<RelatedEntry>>,
    /// Editors only: the slugs of the entries pinned as related (`PUT /faqs/{ref}/related`).
    #[sqlx(skip)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related_pins: Option<Vec<String>>,
    /// Editors only, when set: the slug of the entry this one translates
    /// (`PUT /faqs/{ref}/translation`).
    #[sqlx(skip)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub translation_of: Option<String>,
    /// Editors only: readers' votes on the entry (`POST /faqs/{ref}/feedback`).
    #[sqlx(skip)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feedback: Option<FeedbackCounts>,
    /// Editors only: when the entry is to go live by itself (absent when not scheduled).
    #[sqlx(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publish_at: Option<DateTime<Utc>>,
    /// Editors only: when the entry is to leave readers by itself (absent when not scheduled).
    #[sqlx(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unpublish_at: Option<DateTime<Utc>>,
    /// Order key within the page, for cursors; not part of the resource.
    #[serde(skip)]
    pub sort_key: i64,
}

/// An entry in another language of the same page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Translation {
    #[schema(example = "fr")]
    pub lang: String,
    #[schema(example = "qu-est-ce-qu-un-coach-technique")]
    pub slug: String,
}

/// A related entry, as listed under another.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct RelatedEntry {
    pub id: uuid::Uuid,
    #[schema(example = "how-many-teams-can-a-technical-coach-support")]
    pub slug: String,
    #[schema(example = "faq")]
    pub page: String,
    #[schema(example = "en")]
    pub lang: String,
    pub question: String,
    /// Pinned by an editor (listed first).
    pub pinned: bool,
}

/// Readers' votes on an entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct FeedbackCounts {
    /// "Helpful" votes.
    pub helpful: i64,
    /// "Not helpful" votes.
    pub not_helpful: i64,
}

/// One FAQ page (one source Markdown file, in one language).
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Page {
    #[schema(example = "faq")]
    pub slug: String,
    /// BCP 47 language tag; `(slug, lang)` identifies the page.
    #[schema(example = "en")]
    pub lang: String,
    #[schema(example = "Manufacture | FAQ")]
    pub title: String,
    pub description: String,
    /// Front matter `draft: true`: the page and its entries are hidden from readers.
    pub draft: bool,
    /// Every key of the source front matter, nested values kept.
    #[schema(value_type = Object)]
    pub front_matter: sqlx::types::Json<serde_json::Value>,
    /// The Markdown between the front matter and the first question, verbatim.
    pub intro: String,
    /// How many entries this reader sees on the page.
    #[schema(example = 18)]
    pub entry_count: i64,
    /// The other languages this page exists in.
    #[schema(example = json!(["fr"]))]
    pub translations: Vec<String>,
    /// Grows with every change to the page or to anything readers see of it; the `ETag` derives from it.
    #[schema(example = 1, minimum = 1)]
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Editors only: when the page is to go live by itself (`draft` turns false; absent when
    /// not scheduled).
    #[sqlx(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publish_at: Option<DateTime<Utc>>,
    /// Editors only: when the page is to leave readers by itself (`draft` turns true; absent
    /// when not scheduled).
    #[sqlx(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unpublish_at: Option<DateTime<Utc>>,
    /// How the page's questions were found (`front-matter` when the import took them from a
    /// front-matter list); not part of the resource.
    #[serde(skip)]
    pub question_style: String,
}

/// A page with its entries in order: everything a frontend needs to render it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PageWithEntries {
    #[serde(flatten)]
    pub page: Page,
    /// The entries this reader sees, in order.
    pub entries: Vec<Entry>,
}

/// A page of pages.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageList {
    pub items: Vec<Page>,
    /// Pass as `cursor` to get the next items; `null` on the last page.
    pub next_cursor: Option<String>,
    /// How many items the query matches across all its cursor pages.
    pub total: i64,
}

/// A page of entries.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryList {
    pub items: Vec<Entry>,
    /// Pass as `cursor` to get the next items; `null` on the last page.
    pub next_cursor: Option<String>,
    /// How many items the query matches across all its cursor pages.
    pub total: i64,
}

/// How many questions one form of a file asks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct FormCount {
    /// `shortcode`, `details`, `accordion`, `h1`…`h6`, `bold`, `quote`, `definition`, `list`,
    /// `front-matter` or `data`.
    pub form: String,
    /// The questions found in that form.
    pub count: usize,
}

/// What an import did, entry by entry (slugs).
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ImportReport {
    pub slug: String,
    pub lang: String,
    /// The page did not exist before.
    pub page_created: bool,
    /// Page fields (front matter, intro, order) changed.
    pub page_updated: bool,
    /// The page's version after the import.
    pub version: i64,
    /// How the file asks its questions, as the page keeps it: `bold`, `h1`…`h6`, `quote`,
    /// `definition`, `list`, `shortcode`, `details`, `accordion`, `front-matter` or `data`.
    pub questions: String,
    /// Slugs of the entries the file added.
    pub created: Vec<String>,
    /// Slugs of the entries the file changed and editors had not: the file's text was
    /// applied, each entry keeping its publication state (a draft stays a draft, a staged
    /// change stays staged).
    pub updated: Vec<String>,
    /// Slugs of the entries the file dropped: deleted, and restorable.
    pub deleted: Vec<String>,
    /// Slugs of the entries the file did not change (editors' versions kept as they are).
    pub unchanged: Vec<String>,
    /// Entries both the file and editors changed since the file last set them: left as
    /// editors have them, unless the import was forced (then they are in `updated`).
    pub conflicting: Vec<ImportConflict>,
    /// Nothing was written: this is what the import would do.
    pub dry_run: bool,
    /// The form the questions were read in, finer than `questions`: `shortcode`, `details`,
    /// `accordion`, `h1`…`h6`, `bold`, `quote`, `definition`, `list`, `front-matter` or `data`.
    pub form: String,
    /// Every form in which the file asks questions, with how many each asks (the chosen one
    /// included), in that order of forms: what `questions=` could choose instead when the
    /// split is wrong.
    pub forms: Vec<FormCount>,
}

/// An entry that the file and editors both changed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportConflict {
    pub slug: String,
    /// The question as editors have it.
    pub question: String,
    /// The question as the file has it.
    pub file_question: String,
    /// What each side changed, e.g. `answer changed in the file and by editors`.
    pub reason: String,
}

impl ImportReport {
    /// Whether the import changed anything readers or editors can see.
    pub fn changed(&self) -> bool {
        self.page_created
            || self.page_updated
            || !self.created.is_empty()
            || !self.updated.is_empty()
            || !self.deleted.is_empty()
    }
}
