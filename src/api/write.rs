//! What every write shares: reading a bounded body of an accepted media type,
//! parsing JSON in two steps (syntax and types: 400; rules: 422), and `If-Match`.
//!
//! Handlers call these in the order of the contract's precedence (401, 403, 404,
//! 405, 415, 413, 400, 428, 412, 422, 409), which is why bodies are read here
//! from the raw payload rather than by an extractor that would run first.

use actix_web::http::header::{self, EntityTag, Header, IfMatch};
use actix_web::{HttpMessage, HttpRequest, web};
use futures_util::StreamExt as _;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

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

/// Parses JSON syntax: 400 with the parser's position when it is not JSON, or
/// when a string holds a NUL character (which no text column can store).
pub fn parse_json(bytes: &[u8]) -> Result<serde_json::Value, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?;
    if holds_nul(&value) {
        return Err(ApiError::BadRequest(
            "text must not contain NUL characters (\\u0000)".to_owned(),
        ));
    }
    Ok(value)
}

fn holds_nul(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(s) => s.contains('\0'),
        serde_json::Value::Array(items) => items.iter().any(holds_nul),
        serde_json::Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        _ => false,
    }
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
    /// The versions named (weak or strong tags alike).
    Versions(Vec<i64>),
}

impl Precondition {
    /// 412 unless `current` is named.
    pub fn check(&self, current: i64) -> Result<(), ApiError> {
        match self {
            Self::Any => Ok(()),
            Self::Versions(v) if v.contains(&current) => Ok(()),
            Self::Versions(_) => Err(ApiError::PreconditionFailed(format!(
                "If-Match does not name the current version; it is now \"{current}\""
            ))),
        }
    }
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
        Ok(IfMatch::Items(tags)) => Ok(Precondition::Versions(
            tags.iter().filter_map(version_of).collect(),
        )),
        Err(_) => Err(ApiError::BadRequest(
            "If-Match is not a list of entity tags".to_owned(),
        )),
    }
}

/// The version an ETag names (`"3"`, `W/"3"`, a page's `"en-3"`); `None` for a tag we never
/// issue.
fn version_of(tag: &EntityTag) -> Option<i64> {
    tag.tag().rsplit('-').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preconditions_match_named_versions_only() {
        assert!(Precondition::Any.check(7).is_ok());
        assert!(Precondition::Versions(vec![6, 7]).check(7).is_ok());
        assert!(matches!(
            Precondition::Versions(vec![6]).check(7),
            Err(ApiError::PreconditionFailed(_))
        ));
    }

    #[test]
    fn tags_name_versions_weak_or_strong() {
        assert_eq!(version_of(&EntityTag::new_strong("3".into())), Some(3));
        assert_eq!(version_of(&EntityTag::new_weak("3".into())), Some(3));
        assert_eq!(version_of(&EntityTag::new_weak("abc".into())), None);
    }
}
