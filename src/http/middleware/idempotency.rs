//! `Idempotency-Key` on `POST`: a client that retries a create, an import, a publish or a
//! restore with the same key (and the same request) gets the first answer again, and nothing
//! is done twice; the same key with another request is a `422`; a retry while the first is
//! still running is a `409`.
//!
//! Keys belong to the token that sent them (its id: a name can be reused after a revocation) (an anonymous `POST` is refused by its handler
//! anyway) and live for 24 hours. The first request claims its key in `idempotency_keys`
//! before it runs and stores its answer when it completes; an answer of `5xx` or `429` is not
//! kept (the request may simply be retried), nor one of `413` or `415` (the body was refused
//! unread). The key changes no answer's precedence: an oversized body or a wrong media type is
//! answered by the handler as it would be without a key. A claim whose answer was never recorded (the
//! process died mid-way) answers `409` until it expires, since its outcome is unknown.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, ResponseError, web};
use futures_util::StreamExt as _;
use sha2::{Digest, Sha256};

use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;
use crate::store::idempotency::Claimed;

/// The request header.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// Set on an answer replayed from an earlier request.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
/// The largest body whose request can be keyed (the largest any route takes: an import).
const MAX_BODY: usize = crate::domain::MAX_PAGE_FILE_BYTES + 1;
/// The longest key.
const MAX_KEY: usize = 255;

/// What a stored key says about a new request.
enum Claim {
    /// This request runs; its answer is kept.
    Run,
    /// The first request's answer.
    Replay(HttpResponse),
}

fn key_of(req: &ServiceRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(&IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| {
            !k.is_empty() && k.len() <= MAX_KEY && k.bytes().all(|b| (0x21..0x7f).contains(&b))
        })
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "Idempotency-Key must be 1 to {MAX_KEY} visible ASCII characters"
            ))
        })?;
    Ok(Some(key.to_owned()))
}

/// What the guard read of a body.
struct Body {
    /// All of it, or (when `whole` is false) its first `MAX_BODY` bytes or more.
    bytes: web::Bytes,
    /// Whether `bytes` is the whole body.
    whole: bool,
}

/// Reads the body (to fingerprint it) and puts it back for the handler, unchanged. A body over
/// `MAX_BODY` is read no further than that: it is over every route's limit, so a handler that
/// reads it answers 413 in its own precedence (after its 404 and 415), exactly as without a
/// key; the rest of the stream follows the part read, for the handler to refuse.
async fn buffer_body(req: &mut ServiceRequest) -> Result<Body, ApiError> {
    let (_, payload) = req.parts_mut();
    let mut stream = std::mem::replace(payload, Payload::None);
    let mut body = web::BytesMut::new();
    let mut whole = true;
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::BadRequest(format!("cannot read the body: {e}")))?;
        body.extend_from_slice(&chunk);
        if body.len() >= MAX_BODY {
            whole = false;
            break;
        }
    }
    let bytes = body.freeze();
    if whole {
        req.set_payload(Payload::from(bytes.clone()));
    } else {
        let read = bytes.clone();
        let rest: std::pin::Pin<
            Box<
                dyn futures_util::Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>>,
            >,
        > = Box::pin(futures_util::stream::once(async move { Ok(read) }).chain(stream));
        req.set_payload(Payload::from(rest));
    }
    Ok(Body { bytes, whole })
}

fn fingerprint(req: &ServiceRequest, body: &Body) -> Vec<u8> {
    let mut hash = Sha256::new();
    hash.update(req.method().as_str());
    hash.update([0]);
    hash.update(req.uri().to_string());
    hash.update([0]);
    for name in ["content-type", "if-match"] {
        if let Some(v) = req.headers().get(name) {
            hash.update(v.as_bytes());
        }
        hash.update([0]);
    }
    hash.update([u8::from(body.whole)]);
    // Of a body over the limit, its first `MAX_BODY` bytes: how many more were read with them
    // depends on how the body arrived in chunks.
    hash.update(&body.bytes[..body.bytes.len().min(MAX_BODY)]);
    hash.finalize().to_vec()
}

async fn claim(
    state: &AppState,
    principal: &str,
    key: &str,
    print: &[u8],
) -> Result<Claim, ApiError> {
    let mut conn = state.conn().await?;
    // Expired keys make way. A claim whose request never recorded its answer (the process
    // died, or the client left mid-way) stays: its outcome is unknown, and running it again
    // could do it twice; the key answers 409 until it expires.
    if store::idempotency::insert(&mut conn, principal, key, print).await? {
        return Ok(Claim::Run);
    }
    let row = store::idempotency::stored(&mut conn, principal, key).await?;
    let Some((stored_print, status, headers, body, committed)) = row else {
        // Deleted between the two statements (its first request failed): run this one.
        return Ok(Claim::Run);
    };
    if stored_print != print {
        return Err(ApiError::validation(vec![crate::error::FieldError::new(
            "Idempotency-Key",
            "this key was used for another request; use a new key for a new request",
        )]));
    }
    let Some(status) = status else {
        if committed {
            return Err(ApiError::Conflict(
                "the request with this Idempotency-Key was carried out, but its answer was lost; \
                 read the resource to see its state, and use a new key for a new request"
                    .to_owned(),
            ));
        }
        return Err(ApiError::Conflict(
            "a request with this Idempotency-Key is still being processed, or its outcome is \
             unknown; read the resource to see whether it happened, and use a new key"
                .to_owned(),
        ));
    };
    let status = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let mut res = HttpResponse::build(status);
    if let Some(serde_json::Value::Array(pairs)) = headers {
        for pair in pairs {
            if let Some([name, value]) = pair.as_array().map(Vec::as_slice)
                && let (Some(name), Some(value)) = (name.as_str(), value.as_str())
                && let (Ok(name), Ok(value)) = (
                    HeaderName::from_bytes(name.as_bytes()),
                    HeaderValue::from_str(value),
                )
            {
                res.append_header((name, value));
            }
        }
    }
    res.insert_header((REPLAYED, "true"));
    Ok(Claim::Replay(res.body(body.unwrap_or_default())))
}

async fn release(state: &AppState, claim: &Claimed) {
    if let Err(err) = crate::store::idempotency::release(&state.pool, claim).await {
        tracing::warn!(error = %err, "could not release an idempotency key");
    }
}

/// Whether an answer is kept as its key's outcome. Not a `5xx` or a `429` (the request may
/// simply be retried), nor a `413` or a `415` (the body was refused unread: nothing was done,
/// and the key stays free for the request sent right).
fn kept(status: StatusCode) -> bool {
    !(status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::PAYLOAD_TOO_LARGE
        || status == StatusCode::UNSUPPORTED_MEDIA_TYPE)
}

/// Middleware (inside authentication): keys `POST` requests that carry `Idempotency-Key`.
pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Only writers' requests are keyed: a preview token's POST is refused by its handler, and
    // answering it here first would put 413/422 before the contract's 403.
    let principal = req
        .extensions()
        .get::<Principal>()
        .filter(|p| p.role >= crate::auth::Role::Editor)
        .map(|p| format!("token:{}", p.token_id));
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let (Some(principal), Some(state), true) = (principal, state, req.method() == Method::POST)
    else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let key = match key_of(&req) {
        Ok(Some(key)) => key,
        Ok(None) => {
            return next
                .call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body);
        }
        Err(err) => return Ok(req.into_response(err.error_response())),
    };
    let body = match buffer_body(&mut req).await {
        Ok(body) => body,
        Err(err) => return Ok(req.into_response(err.error_response())),
    };
    let print = fingerprint(&req, &body);
    match claim(&state, &principal, &key, &print).await {
        Ok(Claim::Run) => {}
        Ok(Claim::Replay(res)) => return Ok(req.into_response(res)),
        Err(err) => return Ok(req.into_response(err.error_response())),
    }
    let claimed = Claimed {
        principal: principal.clone(),
        key: key.clone(),
    };
    let res = match crate::store::idempotency::within(claimed.clone(), next.call(req)).await {
        Ok(res) => res,
        Err(err) => {
            release(&state, &claimed).await;
            return Err(err);
        }
    };
    let status = res.status();
    if !kept(status) {
        release(&state, &claimed).await;
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let body = match actix_web::body::to_bytes(body).await {
        Ok(bytes) => bytes,
        Err(err) => {
            release(&state, &claimed).await;
            return Err(actix_web::error::ErrorInternalServerError(
                err.into().to_string(),
            ));
        }
    };
    let headers: Vec<[String; 2]> = head
        .headers()
        .iter()
        .filter_map(|(n, v)| Some([n.as_str().to_owned(), v.to_str().ok()?.to_owned()]))
        .collect();
    let stored = store::idempotency::keep_answer(
        &state.pool,
        &principal,
        &key,
        i16::try_from(status.as_u16()).unwrap_or(0),
        &serde_json::json!(headers),
        body.as_ref(),
    )
    .await;
    if let Err(err) = stored {
        // The write itself succeeded: answer it. A retry with this key is a 409 (its write
        // committed), never a second run.
        tracing::warn!(error = %err, "could not keep an idempotent answer");
        release(&state, &claimed).await;
    }
    let mut rebuilt = HttpResponse::build(status);
    for (name, value) in head.headers() {
        rebuilt.append_header((name.clone(), value.clone()));
    }
    Ok(ServiceResponse::new(req, rebuilt.body(body)))
}
