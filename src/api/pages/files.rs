//! Pages as files: `GET /pages/{slug}/export` (the page as its Hugo file) and
//! `POST /pages/import` (a page file in, merged with what editors changed). Both go through
//! the same code as `faqd export` and `faqd import`.

use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::pages::{no_page, page_lang};
use crate::api::responses;
use crate::auth::{Caller, Role};
use crate::content::{self, QuestionStyle};
use crate::domain::{Lang, MAX_PAGE_FILE_BYTES, Slug};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::conditional::Cacheable;
use crate::model::{Audience, ImportReport};
use crate::state::AppState;
use crate::store::import::{ImportFailure, ImportMode};
use crate::store::{export, import};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(export_page).service(import_page);
}

/// Media types of page files: Markdown, and the data files' YAML, TOML and JSON.
const MARKDOWN_TYPES: &[&str] = &["text/markdown", "text/x-markdown", "text/plain"];
const YAML_TYPES: &[&str] = &[
    "application/yaml",
    "application/x-yaml",
    "text/yaml",
    "text/x-yaml",
];
const TOML_TYPES: &[&str] = &["application/toml", "text/toml"];
const JSON_TYPES: &[&str] = &["application/json"];

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// The page's language; without it, negotiated from `Accept-Language` among the
    /// page's languages, falling back to `en`, then to the page's first language.
    #[param(value_type = Option<String>, example = "en", pattern = "^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$")]
    pub lang: Option<Lang>,
}

/// Export a page as its file
///
/// The page written back as the file it came from: Hugo Markdown (`text/markdown`), or the
/// data file's own type (`application/yaml`, `application/toml`, `application/json`). An imported, unedited page
/// comes back byte for byte; an edited answer changes only its own bytes; a new entry is
/// written in the file's own form. Anonymous readers get what they may read (published
/// entries of a live page); editors get the current versions and drafts.
#[utoipa::path(
    tag = "pages",
    security((), ("bearer" = [])),
    params(("slug" = String, Path, description = "The page's slug.", example = "faq"), ExportQuery),
    responses(
        (status = 200, description = "The page's file.", content(
            (String = "text/markdown"),
            (String = "application/yaml"),
            (String = "application/toml"),
            (String = "application/json"),
        ), headers(
            ("ETag" = String, description = "Validator of this file (per page, language and version)."),
            ("Content-Disposition" = String, description = "`inline` with the file's name."),
            ("Content-Language" = String, description = "The page's language."),
        )),
        (status = 304, response = crate::api::NotModified),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 404, response = crate::api::NotFound),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[get("/pages/{slug}/export")]
pub async fn export_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    slug: web::Path<String>,
    query: web::Query<ExportQuery>,
) -> ApiResult<HttpResponse> {
    let audience = caller.audience();
    let slug = slug.into_inner();
    if Slug::parse(&slug).is_err() {
        return Err(no_page(&slug, None));
    }
    let mut conn = state.conn().await?;
    let lang = page_lang(&mut conn, &req, audience, &slug, query.lang.as_ref()).await?;
    let file = export::export_page(&mut conn, &slug, &lang, audience)
        .await?
        .ok_or_else(|| no_page(&slug, Some(&lang)))?;
    let etag = (audience == Audience::Reader)
        .then(|| header::EntityTag::new_strong(format!("export-{lang}-{}", file.version)));
    let name = file.path.rsplit('/').next().unwrap_or("page.md").to_owned();
    let mut res = Cacheable {
        req: &req,
        state: &state,
        audience,
        etag,
        last_modified: Some(file.updated_at),
    }
    .body(file.text.into_bytes(), file.media_type)?;
    let headers = res.headers_mut();
    if let Ok(value) = header::HeaderValue::from_str(&lang) {
        headers.insert(header::CONTENT_LANGUAGE, value);
    }
    if let Ok(value) = header::HeaderValue::from_str(&format!("inline; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::VARY,
        header::HeaderValue::from_static("Accept-Language, Authorization"),
    );
    Ok(res)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The page's slug. Default: the front matter's `slug`, else the slug of its `title`.
    #[param(value_type = Option<String>, example = "faq", max_length = 100, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Option<Slug>,
    /// The page's language. Default: the front matter's `language` or `lang`, else `en`.
    #[param(value_type = Option<String>, example = "en", pattern = "^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$")]
    pub lang: Option<Lang>,
    /// How the file marks its questions (`bold`, `h1`…`h6`, `quote`, `definition`, `list`,
    /// `shortcode`, `details`, `accordion`, `front-matter`, `data`). Default: detected.
    #[param(value_type = Option<QuestionStyleDoc>, inline, example = "h2")]
    pub questions: Option<QuestionStyle>,
    /// Report what the import would do and change nothing.
    pub dry_run: Option<bool>,
    /// Apply the file's text to entries that editors changed too (conflicts).
    pub force: Option<bool>,
}

/// How a file marks its questions (the names `?questions=` takes).
#[derive(utoipa::ToSchema)]
#[schema(as = QuestionStyle)]
#[allow(dead_code)] // documentation only: the query parses into `QuestionStyle`
pub enum QuestionStyleDoc {
    #[schema(rename = "bold")]
    Bold,
    #[schema(rename = "h1")]
    H1,
    #[schema(rename = "h2")]
    H2,
    #[schema(rename = "h3")]
    H3,
    #[schema(rename = "h4")]
    H4,
    #[schema(rename = "h5")]
    H5,
    #[schema(rename = "h6")]
    H6,
    #[schema(rename = "quote")]
    Quote,
    #[schema(rename = "definition")]
    Definition,
    #[schema(rename = "list")]
    List,
    #[schema(rename = "shortcode")]
    Shortcode,
    #[schema(rename = "details")]
    Details,
    #[schema(rename = "accordion")]
    Accordion,
    #[schema(rename = "front-matter")]
    FrontMatter,
    #[schema(rename = "data")]
    Data,
}

/// How long a file may take to parse before the import is refused. Real files take
/// milliseconds; the parsers are bounded (`content::limits`), so this is a second line of defence.
const PARSE_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Parses the file on the blocking pool, within [`PARSE_TIME_LIMIT`]: the async workers that
/// answer every reader never run the parsers, and a file that takes too long is refused.
async fn parse_off_the_workers(
    text: String,
    data_ext: Option<&'static str>,
    questions: Option<content::QuestionStyle>,
) -> ApiResult<content::ParsedPage> {
    let task = tokio::task::spawn_blocking(move || match data_ext {
        Some(ext) => content::parse_data(&text, ext == "toml"),
        None => content::parse_page(&text, questions),
    });
    match tokio::time::timeout(PARSE_TIME_LIMIT, task).await {
        Ok(Ok(Ok(parsed))) => Ok(parsed),
        Ok(Ok(Err(e))) => Err(unprocessable(e.to_string())),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "the page parser failed");
            Err(unprocessable(
                "the file could not be read as a page: the parser stopped on it".to_owned(),
            ))
        }
        Err(_) => Err(unprocessable(format!(
            "the file took longer than {} s to read: split it, or simplify its structure",
            PARSE_TIME_LIMIT.as_secs()
        ))),
    }
}

/// One question and its answer in a JSON data file (documentation of the JSON form of an
/// import; the importer also reads the short keys `q`/`a`, `title`/`content`, `name`/`text`, and
/// items nested in titled sections, as in Markdown front matter and YAML data files).
#[derive(utoipa::ToSchema)]
#[schema(as = ImportItem)]
#[allow(dead_code)] // documentation only: the handler reads the file as text
pub struct ImportItemDoc {
    /// The question.
    #[schema(example = "How do I reset my password?")]
    pub question: String,
    /// The answer, in Markdown.
    #[schema(example = "Use the *Forgot password* link.")]
    pub answer: String,
    /// The section the question sits in.
    #[schema(nullable = false)]
    pub section: Option<String>,
}

/// Import a page file
///
/// Creates or updates the page from a page file (at most 1 MiB): Hugo Markdown
/// (`text/markdown`) or a data file (`application/yaml`, `application/toml`,
/// `application/json`). Per entry, three-way against what the file last set: an entry the
/// file did not change keeps the editors' version; one the file changed and editors did not
/// takes the file's text, keeping its publication state; one both changed is a conflict, left
/// as editors have it unless `force=true`. Entries the file dropped are deleted (restorable);
/// entries editors created are kept. Importing the same file twice changes nothing.
#[utoipa::path(
    tag = "pages",
    params(ImportQuery),
    request_body(description = "The page file.", content(
        (String = "text/markdown", example = json!("---\ntitle: Help\n---\n\n## How do I reset my password?\n\nUse the *Forgot password* link.\n")),
        (String = "application/yaml", example = json!("- question: How do I reset my password?\n  answer: Use the *Forgot password* link.\n")),
        (String = "application/toml", example = json!("[[faq]]\nquestion = \"How do I reset my password?\"\nanswer = \"Use the *Forgot password* link.\"\n")),
        (Vec<ImportItemDoc> = "application/json", example = json!([{"question": "How do I reset my password?", "answer": "Use the *Forgot password* link."}])),
    )),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What the import did (or would do, with `dry_run`).", body = ImportReport),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 403, response = crate::api::Forbidden),
        (status = 413, response = crate::api::PayloadTooLarge),
        (status = 415, response = crate::api::UnsupportedMediaType),
        (status = 422, response = crate::api::Unprocessable),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[post("/pages/import")]
pub async fn import_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let principal = caller.require(Role::Editor)?;
    let accepted: Vec<&str> = [MARKDOWN_TYPES, YAML_TYPES, TOML_TYPES, JSON_TYPES].concat();
    let bytes = crate::http::body::read_body(&req, payload, &accepted, MAX_PAGE_FILE_BYTES).await?;
    let query = web::Query::<ImportQuery>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .map_err(|e| ApiError::BadRequest(format!("invalid query string: {e}")))?;
    let text = String::from_utf8(bytes.to_vec()).map_err(|e| {
        ApiError::BadRequest(format!(
            "the file is not UTF-8 text (invalid byte at {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    let essence = req
        .mime_type()
        .ok()
        .flatten()
        .map(|m| m.essence_str().to_ascii_lowercase())
        .unwrap_or_default();
    let data_ext = if YAML_TYPES.contains(&essence.as_str()) {
        Some("yml")
    } else if TOML_TYPES.contains(&essence.as_str()) {
        Some("toml")
    } else if JSON_TYPES.contains(&essence.as_str()) {
        Some("json")
    } else {
        None
    };
    let parsed = parse_off_the_workers(text, data_ext, query.questions).await?;

    let slug = match query.slug {
        Some(slug) => slug,
        None => default_slug(&parsed)?,
    };
    let lang = match (query.lang, parsed.lang.as_deref()) {
        (Some(lang), _) => lang,
        (None, Some(front)) => Lang::parse(front).map_err(|e| {
            unprocessable(format!(
                "the front matter's language is not a language tag: {e}"
            ))
        })?,
        (None, None) => Lang::default_lang(),
    };
    let path = match data_ext {
        Some(ext) => format!("data/{}.{ext}", slug.as_str()),
        None if lang == Lang::default_lang() => format!("{}.md", slug.as_str()),
        None => format!("{}.{}.md", slug.as_str(), lang.as_str()),
    };
    let mode = ImportMode {
        dry_run: query.dry_run.unwrap_or(false),
        force: query.force.unwrap_or(false),
        source_path: Some(&path),
        seed_file: None,
    };
    let mut conn = state.conn().await?;
    let report = import::import_page(
        &mut conn,
        &parsed,
        slug.as_str(),
        lang.as_str(),
        &principal.name,
        &mode,
    )
    .await
    .map_err(|e| match e {
        ImportFailure::Database(e) => ApiError::from(e),
        other => unprocessable(other.to_string()),
    })?;
    Ok(responses::private(HttpResponse::Ok()).json(report))
}

/// The slug of a page imported without `slug=`: the front matter's `slug`, else its title's.
fn default_slug(parsed: &content::ParsedPage) -> Result<Slug, ApiError> {
    let front = parsed
        .front_matter
        .as_ref()
        .and_then(|fm| fm.str("slug"))
        .map(content::slugify);
    let from_title = parsed.title.as_deref().map(content::slugify);
    front
        .into_iter()
        .chain(from_title)
        .find_map(|s| Slug::parse(&s).ok())
        .ok_or_else(|| {
            ApiError::BadRequest(
                "name the page with `slug=`: the file has no front matter `slug` or `title` to \
                 derive one from"
                    .to_owned(),
            )
        })
}

fn unprocessable(message: String) -> ApiError {
    ApiError::Validation {
        detail: format!("the file cannot be imported: {message}"),
        errors: vec![FieldError {
            field: "body".to_owned(),
            message,
        }],
    }
}
