//! What every write shares: reading a bounded body of an accepted media type,
//! parsing JSON in two steps (syntax and types: 400; rules: 422). `If-Match` is in
//! `conditional`.
//!
//! Handlers call these in the order of the contract's precedence (401, 403, 404,
//! 405, 415, 413, 400, 428, 412, 422, 409), which is why bodies are read here
//! from the raw payload rather than by an extractor that would run first.

use actix_web::http::header;
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
