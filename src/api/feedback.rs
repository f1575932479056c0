//! Reader feedback: `POST /faqs/{ref}/feedback` ("was this helpful?") for anyone, the
//! listing and deletion for editors, and the counts editors see on entries.
//!
//! Nothing that identifies a reader is stored. One client's votes on one entry are
//! deduplicated within a UTC day by a keyed hash of its address (see [`voter`]), whose key
//! lives only in this process's memory and is replaced every day.

use std::sync::Mutex;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{NaiveDate, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::faqs::workflow::no_entry;
use crate::api::responses;
use crate::auth::{Caller, Role};
use crate::domain::{Cursor, Lang, Limit};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::body;
use crate::http::body::{JSON, MAX_JSON_BYTES};
use crate::model::{Audience, Entry};
use crate::state::AppState;
use crate::store::entries::{self, EntryRef};
use crate::store::feedback::{self, Feedback, FeedbackFilter, FeedbackKey, NewFeedback};

/// The longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 500;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(post_feedback)
        .service(list_feedback)
        .service(delete_feedback);
}

/// Why an answer did not help.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackReason {
    NeedsMoreInformation,
    Inaccurate,
    HardToUnderstand,
    BrokenLink,
    Other,
}

impl FeedbackReason {
    pub const ALL: [Self; 5] = [
        Self::NeedsMoreInformation,
        Self::Inaccurate,
        Self::HardToUnderstand,
        Self::BrokenLink,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NeedsMoreInformation => "needs_more_information",
            Self::Inaccurate => "inaccurate",
            Self::HardToUnderstand => "hard_to_understand",
            Self::BrokenLink => "broken_link",
            Self::Other => "other",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A reader's feedback on an entry.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackBody {
    /// Whether the answer helped.
    pub helpful: bool,
    /// Why not (or why): `needs_more_information`, `inaccurate`, `hard_to_understand`,
    /// `broken_link` or `other`.
    #[schema(value_type = Option<FeedbackReason>)]
    pub reason: Option<String>,
    /// The reader's words: plain text, at most 500 characters.
    #[schema(max_length = 500)]
    pub comment: Option<String>,
}

/// Every broken rule of a feedback body, at once (422).
fn check(body: &FeedbackBody) -> Result<(Option<FeedbackReason>, Option<String>), ApiError> {
    let mut errors = Vec::new();
    let reason = match body.reason.as_deref() {
        None => None,
        Some(text) => {
            let parsed = FeedbackReason::parse(text);
            if parsed.is_none() {
                errors.push(FieldError::new(
                    "reason",
                    format!(
                        "must be one of {}",
                        FeedbackReason::ALL.map(FeedbackReason::as_str).join(", ")
                    ),
                ));
            }
            parsed
        }
    };
    let comment = body
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if let Some(comment) = comment {
        if comment.contains('\0') {
            errors.push(FieldError::new(
                "comment",
                "must not contain NUL characters (\\u0000)",
            ));
        } else if comment
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            errors.push(FieldError::new(
                "comment",
                "must be plain text (no control characters)",
            ));
        }
        if comment.chars().count() > MAX_COMMENT_CHARS {
            errors.push(FieldError::new(
                "comment",
                format!("must be at most {MAX_COMMENT_CHARS} characters"),
            ));
        }
    }
    if errors.is_empty() {
        Ok((reason, comment.map(str::to_owned)))
    } else {
        Err(ApiError::validation(errors))
    }
}

/// Today's key of the voter hashes: random, in memory only, replaced every UTC day.
static DAILY_KEY: Mutex<Option<(NaiveDate, [u8; 32])>> = Mutex::new(None);

/// The keyed hash that tells one client's second vote on an entry, the same UTC day, from
/// another client's: HMAC-SHA256 under today's key of the client's address and the entry
/// (its first 16 bytes). `None` (no deduplication) without an address or randomness.
fn voter(req: &HttpRequest, entry: Uuid) -> Option<[u8; 16]> {
    let ip = crate::http::client_ip::client_ip(req)?;
    let today = Utc::now().date_naive();
    let key = {
        let mut held = DAILY_KEY.lock().ok()?;
        match *held {
            Some((day, key)) if day == today => key,
            _ => {
                let mut key = [0u8; 32];
                getrandom::fill(&mut key).ok()?;
                *held = Some((today, key));
                key
            }
        }
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(ip.to_string().as_bytes());
    mac.update(b"\0");
    mac.update(entry.as_bytes());
    let digest = mac.finalize().into_bytes();
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    Some(out)
}

/// Send feedback on an entry
///
/// "Was this helpful?": anonymous, for any entry readers can see (404 otherwise). `reason` is
/// one of a fixed list; `comment` is plain text of at most 500 characters. Rate-limited per
/// client (`FAQD_RATE_LIMIT_FEEDBACK` a minute). No IP address or user agent is stored; the
/// same client's second vote on an entry the same day replaces its first. Editors see the
/// counts on entries and the feedback at `GET /feedback`; webhooks get an `entry.feedback`
/// event.
#[utoipa::path(
    tag = "feedback",
    params(("ref" = String, Path, description = "The entry's id or slug.", example = "what-is-a-technical-coach")),
    request_body(content = FeedbackBody, content_type = "application/json"),
    security((), ("bearer" = [])),
    responses(
        (status = 202, description = "Recorded."),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 404, response = crate::api::NotFound),
        (status = 413, response = crate::api::PayloadTooLarge),
        (status = 415, response = crate::api::UnsupportedMediaType),
        (status = 422, response = crate::api::Unprocessable),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[post("/faqs/{ref}/feedback")]
pub async fn post_feedback(
    req: HttpRequest,
    state: web::Data<AppState>,
    entry_ref: web::Path<String>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let parsed = EntryRef::parse(&entry_ref).ok_or_else(|| no_entry(&entry_ref))?;
    let mut conn = state.conn().await?;
    // Feedback is on what readers see, whoever sends it.
    let entry = entries::get(&mut conn, Audience::Reader, &parsed)
        .await?
        .ok_or_else(|| no_entry(&entry_ref))?;
    drop(conn);
    let bytes = body::read_body(&req, payload, &[JSON], MAX_JSON_BYTES).await?;
    // Not `body::parse_json`: a NUL in the comment is a broken rule of that field (422).
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?;
    let body: FeedbackBody = body::parse_typed(value)?;
    let (reason, comment) = check(&body)?;
    let new = NewFeedback {
        entry_id: entry.id,
        entry_version: entry.version,
        helpful: body.helpful,
        reason: reason.map(FeedbackReason::as_str),
        comment: comment.as_deref(),
        voter: voter(&req, entry.id),
    };
    let mut conn = state.conn().await?;
    feedback::record(&mut conn, &new).await?;
    Ok(HttpResponse::Accepted()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListFeedbackQuery {
    /// Only feedback on entries of the page with this slug.
    #[param(example = "faq")]
    pub page: Option<String>,
    /// Only feedback on entries of pages in this language.
    #[param(value_type = Option<String>, example = "en", pattern = "^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$")]
    pub lang: Option<Lang>,
    /// Only feedback on this entry (id or slug).
    pub entry: Option<String>,
    /// Only "helpful" (`true`) or "not helpful" (`false`) votes.
    pub helpful: Option<bool>,
    /// Only feedback with this reason.
    pub reason: Option<FeedbackReason>,
    /// Items per response, 1 to 100.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<Limit>,
    /// The `next_cursor` of the previous response.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// A page of feedback.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedbackList {
    pub items: Vec<Feedback>,
    /// Pass as `cursor` to get the next items; `null` on the last page.
    pub next_cursor: Option<String>,
    /// How many items the query matches across all its cursor pages.
    pub total: i64,
}

/// List reader feedback
///
/// Newest first; filters `page`, `lang`, `entry`, `helpful`, `reason`; cursor paging. Editors.
#[utoipa::path(
    tag = "feedback",
    params(ListFeedbackQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of feedback.", body = FeedbackList),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 403, response = crate::api::Forbidden),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[get("/feedback")]
pub async fn list_feedback(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListFeedbackQuery>,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Editor)?;
    let query = query.into_inner();
    let after: Option<FeedbackKey> = query.cursor.as_deref().map(Cursor::decode).transpose()?;
    let limit = query.limit.unwrap_or_default().get();
    let mut conn = state.conn().await?;
    let entry = match query.entry.as_deref() {
        None => None,
        Some(text) => {
            let found = match EntryRef::parse(text) {
                Some(parsed) => entries::get(&mut conn, Audience::Editor, &parsed).await?,
                None => None,
            };
            // An entry that does not exist has no feedback: an empty list, not an error.
            Some(found.map_or(Uuid::nil(), |e| e.id))
        }
    };
    let filter = FeedbackFilter {
        page: query.page.as_deref(),
        lang: query.lang.as_ref().map(Lang::as_str),
        entry,
        helpful: query.helpful,
        reason: query.reason.map(FeedbackReason::as_str),
    };
    let mut items = feedback::list(&mut conn, &filter, after.as_ref(), limit + 1).await?;
    let total = feedback::count(&mut conn, &filter).await?;
    let next_cursor = Cursor::next_page(&mut items, limit as usize, |f| (f.created_at, f.id));
    Ok(responses::private(HttpResponse::Ok()).json(FeedbackList {
        items,
        next_cursor,
        total,
    }))
}

/// Delete reader feedback
///
/// Removes one piece of feedback (its vote and comment). Editors.
#[utoipa::path(
    tag = "feedback",
    params(("id" = i64, Path, description = "The feedback's id.")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted."),
        (status = 401, response = crate::api::Unauthorized),
        (status = 403, response = crate::api::Forbidden),
        (status = 404, response = crate::api::NotFound),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[delete("/feedback/{id}")]
pub async fn delete_feedback(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Editor)?;
    let no_feedback = || {
        ApiError::NotFound(format!(
            "no feedback '{}'",
            crate::domain::truncate_for_message(&id)
        ))
    };
    let parsed: i64 = id.parse().map_err(|_| no_feedback())?;
    let mut conn = state.conn().await?;
    if !feedback::delete(&mut conn, parsed).await? {
        return Err(no_feedback());
    }
    Ok(responses::private(HttpResponse::NoContent()).finish())
}

/// Adds editors' feedback counts to entries (readers never see them).
pub(crate) async fn add_counts(
    conn: &mut sqlx::PgConnection,
    audience: Audience,
    entries: &mut [Entry],
) -> ApiResult<()> {
    if audience != Audience::Editor || entries.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = entries.iter().map(|e| e.id).collect();
    let counts = feedback::counts(conn, &ids).await?;
    for entry in entries {
        entry.feedback = Some(counts.get(&entry.id).copied().unwrap_or_default());
    }
    Ok(())
}
