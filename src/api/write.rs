//! What every write shares: reading a bounded body of an accepted media type,
//! parsing JSON in two steps (syntax and types: 400; rules: 422), and `If-Match`.
//!
//! Handlers call these in the order of the contract's precedence (401, 403, 404,
//! 405, 415, 413, 400, 428, 412, 422, 409), which is why bodies are read here
//! from the raw payload rather than by an extractor that would run first.

use actix_web::http::header::{self, Header, IfMatch};
use actix_web::{HttpMessage, HttpRequest, web};
use futures_util::StreamExt as _;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};

/// The largest JSON body accepted: a 20,000-character answer in any script fits.
pub const MAX_JSON_BYTES: usize = 256 * 1024;

pub const JSON: &str = "application/json";
pub const MERGE_PATCH_JSON: &str = "application/merge-patch+json";

/// Checks the media type (415), then reads at most `limit` bytes (413).
pub async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    accepted: &[&str],
    limit: usize,
) -> Result<web::Bytes, ApiError> {
    let mime = req.mime_type().ok().flatten();
    let essence = mime.as_ref().map(|m| m.essence_str().to_ascii_lowercase());
    if !essence.as_deref().is_some_and(|e| accepted.contains(&e)) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "send the body as {}",
            accepted.join(" or ")
        )));
    }
    let too_large = || ApiError::PayloadTooLarge(format!("the body is over {} KiB", limit / 1024));
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut body = web::BytesMut::with_capacity(declared.unwrap_or(0).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::BadRequest(format!("cannot read the body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Parses JSON syntax: 400 with the parser's position when it is not JSON. Text holding a
/// NUL character (which no text column can store) is well-formed: the handler refuses it with
/// a 422 naming the field ([`nul_errors`]), in the contract's order (after `If-Match`).
pub fn parse_json(bytes: &[u8]) -> Result<serde_json::Value, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))
}

/// A 422 field error for every string (or key) in `value` that holds a NUL character, named
/// by its path (`question`, `tags[2]`, `front_matter.title`).
pub fn nul_errors(value: &serde_json::Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut pending = vec![(String::new(), value)];
    while let Some((path, value)) = pending.pop() {
        match value {
            serde_json::Value::String(s) if s.contains('\0') => errors.push(FieldError::new(
                if path.is_empty() {
                    "body".to_owned()
                } else {
                    path
                },
                "must not contain NUL characters (\\u0000)",
            )),
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    pending.push((format!("{path}[{i}]"), item));
                }
            }
            serde_json::Value::Object(map) => {
                for (key, item) in map {
                    let field = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    if key.contains('\0') {
                        errors.push(FieldError::new(
                            field.clone(),
                            "names must not contain NUL characters (\\u0000)",
                        ));
                    }
                    pending.push((field, item));
                }
            }
            _ => {}
        }
    }
    errors.sort_by(|a, b| a.field.cmp(&b.field));
    errors
}

/// Reads a JSON value into `T`: 400 for a wrong JSON type or an unknown field.
pub fn parse_typed<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    if !value.is_object() {
        return Err(ApiError::BadRequest(
            "the body must be a JSON object".to_owned(),
        ));
    }
    serde_json::from_value(value)
        .map_err(|e| ApiError::BadRequest(format!("the body does not fit the schema: {e}")))
}

/// What `If-Match` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// `If-Match: *`: overwrite whatever is there.
    Any,
    /// The entity tags named (weak or strong alike), as sent.
    Tags(Vec<String>),
}

impl Precondition {
    /// For a page (`"<lang>-<version>"` or `"<version>"`): 412 unless `current` is named.
    pub fn check(&self, current: i64) -> Result<(), ApiError> {
        match self {
            Self::Any => Ok(()),
            Self::Tags(tags) if tags.iter().any(|t| version_of(t) == Some(current)) => Ok(()),
            Self::Tags(_) => Err(ApiError::PreconditionFailed(format!(
                "If-Match does not name the current version; it is now \"{current}\""
            ))),
        }
    }

    /// For an entry: 412 unless its current ETag, `"<version>.<position>"`, is named. A tag
    /// from before a move of the entry is stale, as a tag from before an edit is.
    pub fn check_entry(&self, version: i64, position: i64) -> Result<(), ApiError> {
        let current = entry_tag(version, position);
        match self {
            Self::Any => Ok(()),
            Self::Tags(tags) if tags.contains(&current) => Ok(()),
            Self::Tags(_) => Err(ApiError::PreconditionFailed(format!(
                "If-Match does not name the entry's current ETag; it is now \"{current}\""
            ))),
        }
    }
}

/// The opaque text of an entry's ETag: its version and its position.
pub fn entry_tag(version: i64, position: i64) -> String {
    format!("{version}.{position}")
}

/// The request's `If-Match`: 428 when absent, 400 when malformed.
pub fn if_match(req: &HttpRequest) -> Result<Precondition, ApiError> {
    if !req.headers().contains_key(header::IF_MATCH) {
        return Err(ApiError::PreconditionRequired(
            "this write needs If-Match with the ETag you last read (or * to overwrite)".to_owned(),
        ));
    }
    match IfMatch::parse(req) {
        Ok(IfMatch::Any) => Ok(Precondition::Any),
        Ok(IfMatch::Items(tags)) if tags.is_empty() => Err(ApiError::BadRequest(
            "If-Match is empty: send the ETag you last read, or *".to_owned(),
        )),
        Ok(IfMatch::Items(tags)) => Ok(Precondition::Tags(
            tags.iter()
                .map(|t| {
                    // `~…`: what the representation derived from other resources (see
                    // `http::with_derived`), not a version of this one.
                    let tag = crate::api::http::identity_tag(t.tag());
                    tag.split('~').next().unwrap_or(tag).to_owned()
                })
                .collect(),
        )),
        Err(_) => Err(ApiError::BadRequest(
            "If-Match is not a list of entity tags".to_owned(),
        )),
    }
}

/// The version a tag names (`3`, a page's `en-3`, an entry's `3.2`); `None` for a tag we
/// never issue.
/// The page version a page ETag names: `"<version>"`, `"<lang>-<version>"` (readers),
/// `W/"<lang>-<version>.<hash>"` (editors, whose view also shows drafts), any of them with the
/// content coding a compressed answer's tag carries (`"en-3-gzip"`).
fn version_of(tag: &str) -> Option<i64> {
    let tag = ["-gzip", "-br", "-zstd", "-deflate"]
        .iter()
        .find_map(|coding| tag.strip_suffix(coding))
        .unwrap_or(tag);
    let tag = tag.rsplit('-').next()?;
    tag.split('.').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preconditions_match_named_versions_only() {
        let tags = |t: &[&str]| Precondition::Tags(t.iter().map(|s| (*s).to_owned()).collect());
        assert!(Precondition::Any.check(7).is_ok());
        assert!(tags(&["6", "7"]).check(7).is_ok());
        assert!(tags(&["en-7"]).check(7).is_ok());
        assert!(matches!(
            tags(&["6"]).check(7),
            Err(ApiError::PreconditionFailed(_))
        ));
        assert!(tags(&["7.3"]).check_entry(7, 3).is_ok());
        assert!(
            tags(&["7"]).check_entry(7, 3).is_err(),
            "a bare version is stale"
        );
        assert!(
            tags(&["7.2"]).check_entry(7, 3).is_err(),
            "a moved entry's tag is stale"
        );
    }

    #[test]
    fn tags_name_versions() {
        assert_eq!(version_of("3"), Some(3));
        assert_eq!(version_of("en-3"), Some(3));
        assert_eq!(version_of("pt-BR-3"), Some(3));
        assert_eq!(version_of("3.2"), Some(3));
        assert_eq!(version_of("abc"), None);
    }
}
