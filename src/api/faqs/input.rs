//! The body of entry writes, and its rules: a body that parses (400 otherwise)
//! is checked here against every rule at once, and a broken one is a 422 listing
//! all of them.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use sqlx::PgConnection;
use utoipa::ToSchema;

use crate::content;
use crate::domain::{
    Lang, MAX_ANSWER_CHARS, MAX_QUESTION_CHARS, MAX_SECTION_CHARS, MAX_TAG_CHARS, MAX_TAGS, Slug,
};
use crate::error::{ApiError, FieldError};
use crate::http::body::{not_null, present, whole_number};
use crate::model::EntryStatus;
use crate::store::entries::EntryContent;

/// The writable fields of an entry. On create, `page`, `question` and `answer`
/// are required; on replace, `question` and `answer` (omitted optional fields
/// take their defaults: no section, no tags; the slug, page, position and
/// publication state stay as they are). A merge patch may send any subset, and
/// `null` to remove a field.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryBody {
    /// The slug of the entry's page; changing it moves the entry.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(example = "faq")]
    pub page: Option<String>,
    /// The page's language; needed only when the page exists in several.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(example = "en")]
    pub lang: Option<String>,
    /// 1 to 500 characters.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(example = "What is a technical coach?")]
    pub question: Option<String>,
    /// Markdown, at most 20,000 characters.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(example = "A technical coach is a training developer …")]
    pub answer: Option<String>,
    /// Derived from the question when not given; unique across the service (409 when taken).
    /// A slug that parses as an entry id (32 hex digits or a UUID) is refused (422).
    #[serde(default, deserialize_with = "not_null")]
    #[schema(example = "what-is-a-technical-coach")]
    pub slug: Option<String>,
    /// The section heading the entry sits under; `null` for none.
    pub section: Option<String>,
    /// 1-based place among the page's entries; beyond the end puts it last.
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(minimum = 1)]
    pub position: Option<i64>,
    /// At most 20 tags of 1 to 50 characters.
    pub tags: Option<Vec<String>>,
    /// `draft` or `published` (a new entry is published unless it says draft).
    #[serde(default, deserialize_with = "not_null")]
    #[schema(example = "published")]
    pub status: Option<String>,
    /// When the entry goes live by itself; `null` cancels; omitted leaves it as it is.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<chrono::DateTime<chrono::Utc>>)]
    pub publish_at: Option<Option<DateTime<Utc>>>,
    /// When the entry leaves readers by itself; `null` cancels; omitted leaves it as it is.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<chrono::DateTime<chrono::Utc>>)]
    pub unpublish_at: Option<Option<DateTime<Utc>>>,
}

/// The statuses a write may ask for (`changed` comes only from `?stage=true`).
#[derive(ToSchema)]
#[schema(as = WritableStatus)]
#[allow(dead_code)] // documentation only: the handler reads a string and checks it
pub enum WritableStatusDoc {
    #[schema(rename = "draft")]
    Draft,
    #[schema(rename = "published")]
    Published,
}

// The request bodies as each operation documents them. The handlers all parse
// [`EntryBody`] and check its rules in [`validate`] (a missing required field is a 422
// there); these types only tell clients, generators and fuzzers what each operation
// requires. A unit test keeps their fields those of `EntryBody`. Text may hold no NUL
// character, and a question or a tag must hold more than white space (422 naming the field).

/// A question or a tag: no NUL character, and more than white space.
const NON_BLANK_TEXT: &str = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$";

/// A tag: 1 to 50 characters, not only white space.
#[allow(dead_code)] // documentation only, see above
pub struct TagNameDoc;

impl utoipa::PartialSchema for TagNameDoc {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .min_length(Some(1))
            .max_length(Some(MAX_TAG_CHARS))
            .pattern(Some(NON_BLANK_TEXT))
            .examples(["coaching"])
            .into()
    }
}

impl utoipa::ToSchema for TagNameDoc {
    fn name() -> std::borrow::Cow<'static, str> {
        "TagName".into()
    }
}

/// The body of `POST /faqs`: a new entry. `page`, `question` and `answer` are required.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = EntryCreate)]
#[allow(dead_code)] // documentation only, see above
pub struct EntryCreateDoc {
    /// The slug of the page the entry joins.
    #[schema(
        example = "faq",
        min_length = 1,
        max_length = 100,
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$"
    )]
    pub page: String,
    /// The page's language; needed only when the page exists in several.
    #[schema(
        example = "en",
        pattern = "^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$",
        nullable = false
    )]
    pub lang: Option<String>,
    /// 1 to 500 characters.
    #[schema(
        example = "What is a technical coach?",
        min_length = 1,
        max_length = 500,
        pattern = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"
    )]
    pub question: String,
    /// Markdown, at most 20,000 characters.
    #[schema(
        example = "A technical coach is a training developer …",
        max_length = 20000,
        pattern = "^[^\\u0000]*$"
    )]
    pub answer: String,
    /// Derived from the question when not given; unique across the service (409 when taken).
    /// A slug that parses as an entry id (32 hex digits or a UUID) is refused (422).
    #[schema(
        example = "what-is-a-technical-coach",
        max_length = 100,
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        nullable = false
    )]
    pub slug: Option<String>,
    /// The section heading the entry sits under; omitted or `null` for none.
    #[schema(max_length = 200, pattern = "^[^\\u0000]*$")]
    pub section: Option<String>,
    /// 1-based place among the page's entries (the others move along); beyond the end, or
    /// omitted, puts it last.
    #[schema(minimum = 1, nullable = false)]
    pub position: Option<i64>,
    /// At most 20 tags of 1 to 50 characters; omitted or `null`: none.
    #[schema(value_type = Option<Vec<TagNameDoc>>, max_items = 20)]
    pub tags: Option<Vec<String>>,
    /// A new entry is published unless this says `draft` (or the write is staged).
    #[schema(nullable = false)]
    pub status: Option<WritableStatusDoc>,
    /// When the entry is to go live by itself (a draft or a staged change is published
    /// then, as by `POST /faqs/{ref}/publish`).
    pub publish_at: Option<DateTime<Utc>>,
    /// When the entry is to leave readers by itself (as by `PATCH {"status": "draft"}`).
    pub unpublish_at: Option<DateTime<Utc>>,
}

/// The body of `PUT /faqs/{ref}`: every writable field. `question` and `answer` are
/// required; an omitted `section` or `tags` becomes empty, an omitted `page`, `lang`,
/// `slug`, `position` or `status` keeps its current value.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = EntryReplace)]
#[allow(dead_code)] // documentation only, see above
pub struct EntryReplaceDoc {
    /// The slug of the entry's page; another one moves the entry. Omitted: unchanged.
    #[schema(
        example = "faq",
        min_length = 1,
        max_length = 100,
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        nullable = false
    )]
    pub page: Option<String>,
    /// The page's language; needed only when the page exists in several. Omitted: unchanged.
    #[schema(
        example = "en",
        pattern = "^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$",
        nullable = false
    )]
    pub lang: Option<String>,
    /// 1 to 500 characters.
    #[schema(
        example = "What is a technical coach?",
        min_length = 1,
        max_length = 500,
        pattern = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"
    )]
    pub question: String,
    /// Markdown, at most 20,000 characters.
    #[schema(
        example = "A technical coach is a training developer …",
        max_length = 20000,
        pattern = "^[^\\u0000]*$"
    )]
    pub answer: String,
    /// A new slug (the old one keeps redirecting); unique (409 when taken); one that parses
    /// as an entry id is refused (422). Omitted: unchanged.
    #[schema(
        example = "what-is-a-technical-coach",
        max_length = 100,
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        nullable = false
    )]
    pub slug: Option<String>,
    /// The section heading the entry sits under; omitted or `null` for none.
    #[schema(max_length = 200, pattern = "^[^\\u0000]*$")]
    pub section: Option<String>,
    /// 1-based place among the page's entries; beyond the end puts it last. Omitted: unchanged.
    #[schema(minimum = 1, nullable = false)]
    pub position: Option<i64>,
    /// At most 20 tags of 1 to 50 characters; omitted or `null`: none.
    #[schema(value_type = Option<Vec<TagNameDoc>>, max_items = 20)]
    pub tags: Option<Vec<String>>,
    /// `draft` unpublishes, `published` publishes this version. Omitted: a draft stays a
    /// draft, a visible entry goes live at once (or is staged with `?stage=true`).
    #[schema(nullable = false)]
    pub status: Option<WritableStatusDoc>,
    /// When the entry is to go live by itself; `null` cancels; omitted: unchanged.
    pub publish_at: Option<DateTime<Utc>>,
    /// When the entry is to leave readers by itself; `null` cancels; omitted: unchanged.
    pub unpublish_at: Option<DateTime<Utc>>,
}

/// The body of `PATCH /faqs/{ref}`: a JSON Merge Patch (RFC 7396) over the writable fields.
/// Every field is optional: an omitted one keeps its value; `null` removes `section` and
/// `tags`. The patched entry must still have a question and an answer.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = EntryPatch)]
#[allow(dead_code)] // documentation only, see above
pub struct EntryPatchDoc {
    /// The slug of the page to move the entry to.
    #[schema(
        example = "faq",
        min_length = 1,
        max_length = 100,
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        nullable = false
    )]
    pub page: Option<String>,
    /// The page's language; needed only when the page exists in several.
    #[schema(
        example = "en",
        pattern = "^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$",
        nullable = false
    )]
    pub lang: Option<String>,
    /// 1 to 500 characters.
    #[schema(
        example = "What is a technical coach?",
        min_length = 1,
        max_length = 500,
        pattern = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$",
        nullable = false
    )]
    pub question: Option<String>,
    /// Markdown, at most 20,000 characters.
    #[schema(
        example = "A technical coach is a training developer …",
        max_length = 20000,
        pattern = "^[^\\u0000]*$",
        nullable = false
    )]
    pub answer: Option<String>,
    /// A new slug (the old one keeps redirecting); unique (409 when taken); one that parses
    /// as an entry id is refused (422).
    #[schema(
        example = "what-is-a-technical-coach",
        max_length = 100,
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        nullable = false
    )]
    pub slug: Option<String>,
    /// The section heading; `null` removes it.
    #[schema(max_length = 200, pattern = "^[^\\u0000]*$")]
    pub section: Option<String>,
    /// 1-based place among the page's entries; beyond the end puts it last.
    #[schema(minimum = 1, nullable = false)]
    pub position: Option<i64>,
    /// At most 20 tags of 1 to 50 characters; `null` removes them all.
    #[schema(value_type = Option<Vec<TagNameDoc>>, max_items = 20)]
    pub tags: Option<Vec<String>>,
    /// `draft` unpublishes; `published` publishes the patched version.
    #[schema(nullable = false)]
    pub status: Option<WritableStatusDoc>,
    /// When the entry is to go live by itself; `null` cancels; omitted: unchanged.
    pub publish_at: Option<DateTime<Utc>>,
    /// When the entry is to leave readers by itself; `null` cancels; omitted: unchanged.
    pub unpublish_at: Option<DateTime<Utc>>,
}

/// The state a write asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetStatus {
    Draft,
    Published,
}

/// A checked body.
#[derive(Debug)]
pub struct ValidEntry {
    pub page_id: i64,
    pub slug: Option<Slug>,
    pub content: EntryContent,
    pub position: Option<i64>,
    pub status: Option<TargetStatus>,
    /// The schedule to set: `None` keeps it, `Some(None)` cancels.
    pub publish_at: Option<Option<DateTime<Utc>>>,
    pub unpublish_at: Option<Option<DateTime<Utc>>>,
}

/// Where the entry being replaced sits (for defaults on replace and patch).
#[derive(Debug, Clone)]
pub struct CurrentPage {
    pub id: i64,
    pub slug: String,
    pub lang: String,
}

/// Checks every rule of `body`; `current` is the entry's page on replace/patch, and
/// `current_slug` its slug.
pub async fn validate(
    conn: &mut PgConnection,
    body: EntryBody,
    current: Option<&CurrentPage>,
    current_slug: Option<&str>,
) -> Result<ValidEntry, ApiError> {
    let mut errors = Vec::new();
    let nul = |text: &Option<String>| text.as_deref().is_some_and(|t| t.contains('\0'));
    for (field, text) in [
        ("page", &body.page),
        ("lang", &body.lang),
        ("question", &body.question),
        ("answer", &body.answer),
        ("slug", &body.slug),
        ("section", &body.section),
    ] {
        if nul(text) {
            errors.push(FieldError::new(
                field,
                "must not contain NUL characters (\\u0000)",
            ));
        }
    }
    for (i, tag) in body.tags.iter().flatten().enumerate() {
        if tag.contains('\0') {
            errors.push(FieldError::new(
                format!("tags[{i}]"),
                "must not contain NUL characters (\\u0000)",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let mut broken = |field: &str, message: String| errors.push(FieldError::new(field, message));

    let question = match body.question.as_deref().map(str::trim) {
        None => {
            broken("question", "is required".to_owned());
            String::new()
        }
        Some("") => {
            broken("question", "must not be empty".to_owned());
            String::new()
        }
        Some(q) if q.chars().count() > MAX_QUESTION_CHARS => {
            broken(
                "question",
                format!("must be at most {MAX_QUESTION_CHARS} characters"),
            );
            String::new()
        }
        Some(q) => q.to_owned(),
    };
    let answer = match body.answer {
        None => {
            broken("answer", "is required".to_owned());
            String::new()
        }
        Some(a) if a.chars().count() > MAX_ANSWER_CHARS => {
            broken(
                "answer",
                format!("must be at most {MAX_ANSWER_CHARS} characters"),
            );
            String::new()
        }
        Some(a) => a,
    };
    let slug = match body.slug.as_deref().map(Slug::parse) {
        Some(Err(message)) => {
            broken("slug", message);
            None
        }
        // `{ref}` could not tell such a slug from an id. An entry that has one from before
        // this rule keeps it (a patch sends the current slug back), but none gets a new one.
        Some(Ok(slug))
            if content::slug::parses_as_id(slug.as_str())
                && current_slug != Some(slug.as_str()) =>
        {
            broken(
                "slug",
                format!(
                    "'{slug}' parses as an entry id (32 hex digits or a UUID): add a word, e.g. '{slug}{}'",
                    content::slug::ID_LIKE_SUFFIX
                ),
            );
            None
        }
        Some(Ok(slug)) => Some(slug),
        None => None,
    };
    let section = match body.section.as_deref().map(str::trim) {
        Some("") | None => None,
        Some(s) if s.chars().count() > MAX_SECTION_CHARS => {
            broken(
                "section",
                format!("must be at most {MAX_SECTION_CHARS} characters"),
            );
            None
        }
        Some(s) => Some(s.to_owned()),
    };
    let mut tags: Vec<String> = Vec::new();
    let given_tags = body.tags.unwrap_or_default();
    if given_tags.len() > MAX_TAGS {
        broken(
            "tags",
            format!(
                "must hold at most {MAX_TAGS} tags, not {}",
                given_tags.len()
            ),
        );
    }
    for (i, tag) in given_tags.iter().enumerate() {
        let tag = tag.trim();
        if tag.is_empty() || tag.chars().count() > MAX_TAG_CHARS {
            broken(
                &format!("tags[{i}]"),
                format!("must have 1 to {MAX_TAG_CHARS} characters"),
            );
        } else if !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_owned());
        }
    }
    let position = match body.position {
        Some(p) if p < 1 => {
            broken("position", "must be 1 or more".to_owned());
            None
        }
        other => other,
    };
    let status = match body.status.as_deref() {
        None => None,
        Some("draft") => Some(TargetStatus::Draft),
        Some("published") => Some(TargetStatus::Published),
        Some("changed") => {
            broken(
                "status",
                "is set by writing with ?stage=true, not directly".to_owned(),
            );
            None
        }
        Some(other) => {
            broken(
                "status",
                format!(
                    "'{}' is not a status: use draft or published",
                    crate::domain::truncate_for_message(other)
                ),
            );
            None
        }
    };
    let lang = match body.lang.as_deref().map(Lang::parse) {
        Some(Err(message)) => {
            broken("lang", message);
            None
        }
        Some(Ok(lang)) => Some(lang),
        None => None,
    };
    let page_id = match resolve_page(conn, body.page.as_deref(), lang.as_ref(), current).await? {
        Ok(id) => id,
        Err(error) => {
            errors.push(error);
            0
        }
    };

    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let answer_html = content::render_answer(&answer);
    Ok(ValidEntry {
        page_id,
        slug,
        content: EntryContent {
            section,
            question,
            answer,
            answer_html,
            tags,
        },
        position,
        status,
        publish_at: body.publish_at,
        unpublish_at: body.unpublish_at,
    })
}

/// The page a body names: by slug and language, else the current page.
async fn resolve_page(
    conn: &mut PgConnection,
    page: Option<&str>,
    lang: Option<&Lang>,
    current: Option<&CurrentPage>,
) -> Result<Result<i64, FieldError>, ApiError> {
    let (slug, lang) = match (page, current) {
        (None, None) => return Ok(Err(FieldError::new("page", "is required"))),
        (None, Some(cur)) => match lang {
            None => return Ok(Ok(cur.id)),
            Some(lang) => (cur.slug.clone(), Some(lang.as_str().to_owned())),
        },
        (Some(slug), cur) => {
            let lang = lang
                .map(|l| l.as_str().to_owned())
                .or_else(|| cur.filter(|c| c.slug == slug).map(|c| c.lang.clone()));
            (slug.to_owned(), lang)
        }
    };
    let found = crate::store::pages::live_languages(conn, &slug, lang.as_deref()).await?;
    let shown = crate::domain::truncate_for_message(&slug);
    Ok(match (found.as_slice(), lang) {
        ([], Some(lang)) => Err(FieldError::new(
            "page",
            format!("no page '{shown}' in language '{lang}'"),
        )),
        ([], None) => Err(FieldError::new("page", format!("no page '{shown}'"))),
        ([(id, _)], _) => Ok(*id),
        (many, _) => match many.iter().find(|(_, l)| l == crate::domain::DEFAULT_LANG) {
            Some((id, _)) => Ok(*id),
            None => Err(FieldError::new(
                "lang",
                format!("the page '{shown}' exists in several languages: name one"),
            )),
        },
    })
}

impl TargetStatus {
    pub fn status(self) -> EntryStatus {
        match self {
            Self::Draft => EntryStatus::Draft,
            Self::Published => EntryStatus::Published,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::PartialSchema;
    use utoipa::openapi::{RefOr, Schema};

    fn fields(schema: RefOr<Schema>) -> (Vec<String>, Vec<String>) {
        match schema {
            RefOr::T(Schema::Object(object)) => {
                (object.properties.keys().cloned().collect(), object.required)
            }
            _ => panic!("an object schema"),
        }
    }

    #[test]
    fn each_operation_documents_the_fields_the_handler_reads_and_its_own_required_ones() {
        let (accepted, _) = fields(EntryBody::schema());
        for (schema, required) in [
            (EntryCreateDoc::schema(), vec!["page", "question", "answer"]),
            (EntryReplaceDoc::schema(), vec!["question", "answer"]),
            (EntryPatchDoc::schema(), vec![]),
        ] {
            let (properties, mut documented) = fields(schema);
            assert_eq!(properties, accepted);
            documented.sort();
            let mut required: Vec<String> = required.into_iter().map(str::to_owned).collect();
            required.sort();
            assert_eq!(documented, required);
        }
    }
}
