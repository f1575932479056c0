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
use serde::Deserialize;
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

// Field readers for typed bodies (`#[serde(default, deserialize_with = "…")]`).

/// A field that may be `null`: present (`Some`, perhaps `Some(None)`) or, by `default`,
/// absent (`None`).
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A field that may be omitted but is never `null`: the documents say which fields take
/// `null`, and elsewhere it is a value of the wrong type (400), not a silent "omitted".
pub fn not_null<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// A whole number, never `null`. JSON has one kind of number and JSON Schema counts `3.0` as
/// the integer 3, so it is taken as 3; `3.5`, or a number beyond 64 bits, is of the wrong type.
pub fn whole_number<'de, D>(deserializer: D) -> Result<Option<i64>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Whole;

    impl serde::de::Visitor<'_> for Whole {
        type Value = i64;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a whole number")
        }

        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }

        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<i64, E> {
            i64::try_from(v)
                .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(v), &self))
        }

        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<i64, E> {
            // `i64::MAX as f64` rounds up to 2^63, just out of range: hence `<`.
            if v.fract() == 0.0 && v >= i64::MIN as f64 && v < i64::MAX as f64 {
                Ok(v as i64)
            } else {
                Err(E::invalid_value(serde::de::Unexpected::Float(v), &self))
            }
        }
    }

    deserializer.deserialize_any(Whole).map(Some)
}
