//! One error type for the whole HTTP surface, answered as `application/problem+json`
//! (RFC 9457). Every variant documents its status; database and internal failures
//! are logged and answered with an opaque body.

use actix_web::http::{Method, StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Seconds a client should wait before retrying after a 503.
const RETRY_AFTER_UNAVAILABLE: &str = "5";

/// An error answered to an HTTP client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: malformed JSON, a wrong JSON type, an unknown field, a bad query parameter or cursor.
    #[error("{0}")]
    BadRequest(String),
    /// 401: a missing, unknown, expired or revoked token.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: a token without the role the request needs.
    #[error("{0}")]
    Forbidden(String),
    /// 404: no such page, entry, revision or route.
    #[error("{0}")]
    NotFound(String),
    /// 405: the route exists, the method does not; `Allow` lists what does.
    #[error("method not allowed")]
    MethodNotAllowed(Vec<Method>),
    /// 409: a slug already taken.
    #[error("{0}")]
    Conflict(String),
    /// 412: `If-Match` names a version that is no longer current.
    #[error("{0}")]
    PreconditionFailed(String),
    /// 413: a body over the limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 415: a `Content-Type` the endpoint does not take.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: a well-formed body that breaks rules, each listed.
    #[error("{detail}")]
    Validation {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// 428: a write that needs `If-Match` came without one.
    #[error("{0}")]
    PreconditionRequired(String),
    /// 429: over the client's budget; retry after this many seconds.
    #[error("too many requests: retry in {0} s")]
    TooManyRequests(u64),
    /// 503: the database cannot be reached; the service recovers by itself.
    #[error("the database is unavailable")]
    Unavailable,
    /// 500: a bug. Logged with its cause; the client sees no detail.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// One broken rule of a request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The JSON field (dotted path for nested fields), e.g. `question` or `tags[3]`.
    #[schema(example = "question")]
    pub field: String,
    /// What is wrong with it.
    #[schema(example = "must not be empty")]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(title = "Problem")]
pub struct Problem {
    /// A URI naming the kind of problem (`urn:faqd:problem:<kind>`).
    #[serde(rename = "type")]
    #[schema(example = "urn:faqd:problem:not-found")]
    pub kind: String,
    /// A short summary of the kind of problem.
    #[schema(example = "Not Found")]
    pub title: String,
    /// The HTTP status code.
    #[schema(example = 404)]
    pub status: u16,
    /// What went wrong with this request.
    #[schema(example = "no page 'faq' in language 'de'")]
    pub detail: String,
    /// For validation failures: every broken rule at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

impl ApiError {
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            many => format!("{} fields break the rules", many.len()),
        };
        Self::Validation { detail, errors }
    }

    pub fn internal(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(err.into())
    }

    fn problem(&self) -> Problem {
        let status = self.status_code();
        let detail = match self {
            Self::MethodNotAllowed(allow) => format!(
                "this resource answers {}",
                allow
                    .iter()
                    .map(Method::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::Unavailable => "the database is unavailable; retry shortly".to_owned(),
            Self::Internal(_) => "an internal error occurred; it has been logged".to_owned(),
            other => other.to_string(),
        };
        Problem {
            kind: problem_type(status),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            errors: match self {
                Self::Validation { errors, .. } => Some(errors.clone()),
                _ => None,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(cause) => tracing::error!(error = %cause, "internal error"),
            Self::Unavailable => tracing::warn!("database unavailable"),
            _ => {}
        }
        let mut res = HttpResponse::build(self.status_code());
        // Never stored; and private with `Vary: Authorization` like every answer to a token's
        // request (the errors that middleware returns do not pass through the layer that
        // marks those).
        res.content_type(PROBLEM_JSON)
            .insert_header((header::CACHE_CONTROL, "private, no-store"))
            .insert_header((header::VARY, "Authorization"));
        match self {
            Self::Unauthorized(_) => {
                res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"faqd\""));
            }
            Self::MethodNotAllowed(allow) => {
                let allow = allow.iter().map(Method::as_str).collect::<Vec<_>>();
                res.insert_header((header::ALLOW, allow.join(", ")));
            }
            Self::Unavailable => {
                res.insert_header((header::RETRY_AFTER, RETRY_AFTER_UNAVAILABLE));
            }
            Self::TooManyRequests(seconds) => {
                res.insert_header((header::RETRY_AFTER, seconds.to_string()));
            }
            _ => {}
        }
        res.json(self.problem())
    }
}

tokio::task_local! {
    /// Whether the request being served carries its text in the query only (`GET`, `HEAD`,
    /// `DELETE`), so that text the database refuses came from there.
    static TEXT_FROM_QUERY: bool;
}

/// Runs `f` (the rest of a request) knowing whether its text comes from the query only.
pub async fn with_text_from_query<F: std::future::Future>(from_query: bool, f: F) -> F::Output {
    TEXT_FROM_QUERY.scope(from_query, f).await
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        if is_unavailable(&err) {
            return Self::Unavailable;
        }
        // 22021 / 22P05: text PostgreSQL cannot store (a NUL byte) came from the request.
        if let sqlx::Error::Database(db) = &err
            && matches!(db.code().as_deref(), Some("22021" | "22P05"))
        {
            // A request without a body brought it in its query: a malformed request (400).
            if TEXT_FROM_QUERY.try_with(|q| *q).unwrap_or(false) {
                return Self::BadRequest(
                    "query parameters must not contain NUL characters (%00)".to_owned(),
                );
            }
            return Self::validation(vec![FieldError::new(
                "body",
                "text must not contain NUL characters (\\u0000)",
            )]);
        }
        Self::internal(err)
    }
}

/// Whether a database error means "cannot reach the database" (answered 503)
/// rather than a bug in a query.
pub fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        // Class 08: connection exception; 57P01..57P03: the server is shutting
        // down or starting up; 53300: too many connections; 40001/40P01: a
        // serialization failure or deadlock, which a retry resolves; 57014: a
        // statement over its `statement_timeout` (the server is too busy now).
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08")
                || matches!(
                    code.as_ref(),
                    "57P01" | "57P02" | "57P03" | "53300" | "40001" | "40P01" | "57014"
                )
        }),
        _ => false,
    }
}

/// Maps a unique or check violation of the named constraint to `to`, any other
/// error through `From<sqlx::Error>`.
pub fn on_constraint(err: sqlx::Error, name: &str, to: impl FnOnce() -> ApiError) -> ApiError {
    match &err {
        sqlx::Error::Database(db) if db.constraint() == Some(name) => to(),
        _ => err.into(),
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The problem `type` of a status: one URI per status, whoever answers (a handler or the
/// catch-all for errors raised outside them).
pub fn problem_type(status: StatusCode) -> String {
    let kind = match status.as_u16() {
        400 => "bad-request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not-found",
        405 => "method-not-allowed",
        409 => "conflict",
        412 => "precondition-failed",
        413 => "payload-too-large",
        415 => "unsupported-media-type",
        422 => "validation",
        428 => "precondition-required",
        429 => "too-many-requests",
        503 => "unavailable",
        500 => "internal",
        other => return format!("urn:faqd:problem:status-{other}"),
    };
    format!("urn:faqd:problem:{kind}")
}
