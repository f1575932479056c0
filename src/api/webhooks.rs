//! `/webhooks`: admins register receivers of the change log, list what was delivered to each
//! and ask for a delivery again. Delivery itself is `crate::events::webhooks`.

use std::collections::BTreeSet;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::{Caller, Role};
use crate::domain::{Cursor, Limit};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::events::webhooks::{self, EVENT_KINDS};
use crate::http::body;
use crate::http::body::{JSON, MERGE_PATCH_JSON};
use crate::state::AppState;
use crate::store::webhooks::{self as store, Attempt, DeliveryRow, Webhook, WebhookChanges};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_webhook)
        .service(list_webhooks)
        .service(get_webhook)
        .service(patch_webhook)
        .service(delete_webhook)
        .service(list_deliveries)
        .service(redeliver);
}

/// The largest webhook body.
const MAX_BODY: usize = 16 * 1024;
/// The longest secret and description.
const MAX_SECRET: usize = 512;
const MAX_DESCRIPTION: usize = 1000;
/// Attempts listed per delivery (the newest).
const ATTEMPTS_SHOWN: i64 = 20;

/// A webhook with its signing secret: the answer to its creation, and to a change of secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The HMAC-SHA256 key of `webhook-signature` (see the README: `whsec_` secrets are
    /// base64; any other secret is used as its UTF-8 bytes). Store it now: it is not shown
    /// again.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

/// The registered webhooks.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<Webhook>,
}

/// A new webhook.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// Where to POST: `http` or `https`, no credentials; not a loopback, private or
    /// link-local address unless `FAQD_WEBHOOK_ALLOW_PRIVATE=true`.
    #[schema(example = "https://example.com/hooks/faqd")]
    pub url: String,
    /// Change kinds to deliver, or `["*"]` (the default) for all.
    #[schema(example = json!(["*"]))]
    pub events: Option<Vec<String>>,
    /// The signing secret, 1 to 512 characters; without it, faqd generates a `whsec_` one.
    pub secret: Option<String>,
    /// Defaults to `true`.
    pub active: Option<bool>,
    pub description: Option<String>,
}

/// A change of a webhook (JSON Merge Patch; every field optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookPatch {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    /// A new secret; the answer shows it.
    pub secret: Option<String>,
    pub active: Option<bool>,
    pub description: Option<String>,
}

/// One change sent (or to be sent) to one webhook.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    /// Also the `webhook-id` header and the payload's `id`.
    pub id: Uuid,
    /// The change's id in the change feed.
    pub event_id: i64,
    #[serde(rename = "type")]
    #[schema(example = "entry.updated")]
    pub kind: String,
    /// `pending` (waiting for its next attempt), `delivered` or `failed` (retries ran out).
    #[schema(example = "delivered")]
    pub state: String,
    /// Attempts since it was queued (or last redelivered).
    pub attempt_count: i32,
    /// When the next attempt is due (pending deliveries).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// The newest attempts, newest first (at most 20).
    pub attempts: Vec<Attempt>,
}

/// A page of deliveries, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    pub items: Vec<Delivery>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// Only deliveries in this state.
    #[param(value_type = Option<String>, example = "failed")]
    pub state: Option<DeliveryState>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<Limit>,
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryState {
    Pending,
    Delivered,
    Failed,
}

impl DeliveryState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }
}

fn no_webhook(id: &str) -> ApiError {
    ApiError::NotFound(format!(
        "no webhook {}",
        crate::domain::truncate_for_message(id)
    ))
}

fn parse_id(id: &str) -> ApiResult<Uuid> {
    Uuid::try_parse(id).map_err(|_| no_webhook(id))
}

/// Checks the fields a body sets; every broken rule at once.
async fn validate(
    state: &AppState,
    url: Option<&str>,
    events: Option<&[String]>,
    secret: Option<&str>,
    description: Option<&str>,
) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if let Some(url) = url {
        match webhooks::check_url(url) {
            Ok(parsed) => {
                if let Err(err) =
                    webhooks::check_destination(&parsed, state.webhooks.allow_private).await
                {
                    errors.push(FieldError::new("url", format!("the URL {err}")));
                }
            }
            Err(err) => errors.push(FieldError::new("url", format!("the URL {err}"))),
        }
    }
    if let Some(events) = events {
        if events.is_empty() {
            errors.push(FieldError::new(
                "events",
                "list at least one change kind, or \"*\" for all",
            ));
        }
        for (i, kind) in events.iter().enumerate() {
            if kind != "*" && !EVENT_KINDS.contains(&kind.as_str()) {
                errors.push(FieldError::new(
                    format!("events[{i}]"),
                    format!(
                        "'{}' is not a change kind; use \"*\" or one of {}",
                        crate::domain::truncate_for_message(kind),
                        EVENT_KINDS.join(", ")
                    ),
                ));
            }
        }
    }
    if let Some(secret) = secret {
        if secret.trim().is_empty() || secret.chars().count() > MAX_SECRET {
            errors.push(FieldError::new(
                "secret",
                format!("must be 1 to {MAX_SECRET} characters, not blank"),
            ));
        } else if !webhooks::secret_is_usable(secret) {
            errors.push(FieldError::new(
                "secret",
                "a whsec_ secret must be base64 after its prefix (as Standard Webhooks reads it)",
            ));
        }
    }
    if let Some(description) = description
        && description.chars().count() > MAX_DESCRIPTION
    {
        errors.push(FieldError::new(
            "description",
            format!("must be at most {MAX_DESCRIPTION} characters"),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

/// The events as stored: `*` alone when it is listed, else the kinds, once each, sorted.
fn normalise(events: &[String]) -> Vec<String> {
    if events.iter().any(|e| e == "*") {
        return vec!["*".to_owned()];
    }
    events
        .iter()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn private_json(status: actix_web::http::StatusCode) -> actix_web::HttpResponseBuilder {
    crate::api::responses::private(HttpResponse::build(status))
}

async fn fetch(state: &AppState, id: Uuid) -> ApiResult<Webhook> {
    let mut conn = state.conn().await?;
    store::get(&mut conn, id)
        .await?
        .ok_or_else(|| no_webhook(&id.to_string()))
}

/// Register a webhook
///
/// Every change readers can see, of the kinds listed, is POSTed to the URL as JSON, signed
/// as Standard Webhooks does (`webhook-id`, `webhook-timestamp`, `webhook-signature`: `v1,`
/// and the base64 HMAC-SHA256 of `id.timestamp.body`), retried with exponential backoff for a
/// day (`FAQD_WEBHOOK_RETRY_HORIZON`). The answer shows the secret, once.
#[utoipa::path(
    tag = "webhooks",
    request_body(content = NewWebhook, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Registered.", body = WebhookWithSecret, headers(
            ("Location" = String, description = "The webhook's URL."),
        )),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 403, response = crate::api::Forbidden),
        (status = 413, response = crate::api::PayloadTooLarge),
        (status = 415, response = crate::api::UnsupportedMediaType),
        (status = 422, response = crate::api::Unprocessable),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[post("/webhooks")]
pub async fn create_webhook(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let principal = caller.require(Role::Admin)?;
    let bytes = body::read_body(&req, payload, &[JSON], MAX_BODY).await?;
    let body: NewWebhook = body::parse_typed(body::parse_json(&bytes)?)?;
    let events = body.events.unwrap_or_else(|| vec!["*".to_owned()]);
    validate(
        &state,
        Some(&body.url),
        Some(&events),
        body.secret.as_deref(),
        body.description.as_deref(),
    )
    .await?;
    let secret = match body.secret {
        Some(secret) => secret,
        None => webhooks::generate_secret().map_err(|e| ApiError::Internal(Box::new(e)))?,
    };
    let mut conn = state.conn().await?;
    let events = normalise(&events);
    let description = body.description.unwrap_or_default();
    let webhook = store::create(
        &mut conn,
        &store::NewWebhook {
            url: &body.url,
            events: &events,
            secret: &secret,
            active: body.active.unwrap_or(true),
            description: &description,
            created_by: &principal.name,
        },
    )
    .await?;
    Ok(private_json(actix_web::http::StatusCode::CREATED)
        .insert_header((
            header::LOCATION,
            format!("{}/webhooks/{}", crate::http::API_PREFIX, webhook.id),
        ))
        .json(WebhookWithSecret { webhook, secret }))
}

/// List webhooks
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every webhook, oldest first.", body = WebhookList),
        (status = 401, response = crate::api::Unauthorized),
        (status = 403, response = crate::api::Forbidden),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[get("/webhooks")]
pub async fn list_webhooks(state: web::Data<AppState>, caller: Caller) -> ApiResult<HttpResponse> {
    caller.require(Role::Admin)?;
    let mut conn = state.conn().await?;
    let items = store::list(&mut conn).await?;
    Ok(private_json(actix_web::http::StatusCode::OK).json(WebhookList { items }))
}

/// One webhook
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The webhook.", body = Webhook),
        (status = 401, response = crate::api::Unauthorized),
        (status = 403, response = crate::api::Forbidden),
        (status = 404, response = crate::api::NotFound),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Admin)?;
    let webhook = fetch(&state, parse_id(&id)?).await?;
    Ok(private_json(actix_web::http::StatusCode::OK).json(webhook))
}

/// Change a webhook
///
/// URL, events, secret, `active` and description, as a JSON Merge Patch. A new secret is
/// shown in the answer; deliveries already queued are signed with the secret current when
/// they are sent.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook's id.")),
    request_body(content = WebhookPatch, content_type = "application/merge-patch+json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The webhook as changed (with `secret` when it was replaced).", body = Webhook),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 403, response = crate::api::Forbidden),
        (status = 404, response = crate::api::NotFound),
        (status = 413, response = crate::api::PayloadTooLarge),
        (status = 415, response = crate::api::UnsupportedMediaType),
        (status = 422, response = crate::api::Unprocessable),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[patch("/webhooks/{id}")]
pub async fn patch_webhook(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Admin)?;
    let id = parse_id(&id)?;
    fetch(&state, id).await?;
    let bytes = body::read_body(&req, payload, &[MERGE_PATCH_JSON, JSON], MAX_BODY).await?;
    let patch: WebhookPatch = body::parse_typed(body::parse_json(&bytes)?)?;
    validate(
        &state,
        patch.url.as_deref(),
        patch.events.as_deref(),
        patch.secret.as_deref(),
        patch.description.as_deref(),
    )
    .await?;
    let mut conn = state.conn().await?;
    let events = patch.events.as_deref().map(normalise);
    let webhook = store::update(
        &mut conn,
        id,
        &WebhookChanges {
            url: patch.url.as_deref(),
            events: events.as_deref(),
            secret: patch.secret.as_deref(),
            active: patch.active,
            description: patch.description.as_deref(),
        },
    )
    .await?;
    let webhook = webhook.ok_or_else(|| no_webhook(&id.to_string()))?;
    let mut response = private_json(actix_web::http::StatusCode::OK);
    Ok(match patch.secret {
        Some(secret) => response.json(WebhookWithSecret { webhook, secret }),
        None => response.json(webhook),
    })
}

/// Delete a webhook
///
/// Its queued deliveries and their history go with it.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook's id.")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted."),
        (status = 401, response = crate::api::Unauthorized),
        (status = 403, response = crate::api::Forbidden),
        (status = 404, response = crate::api::NotFound),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Admin)?;
    let id = parse_id(&id)?;
    let mut conn = state.conn().await?;
    if !store::delete(&mut conn, id).await? {
        return Err(no_webhook(&id.to_string()));
    }
    Ok(private_json(actix_web::http::StatusCode::NO_CONTENT).finish())
}

async fn delivery_of(conn: &mut sqlx::PgConnection, row: DeliveryRow) -> ApiResult<Delivery> {
    let attempts: Vec<Attempt> = store::attempts(conn, row.id, ATTEMPTS_SHOWN).await?;
    Ok(Delivery {
        id: row.id,
        event_id: row.change_id,
        kind: row.kind,
        next_attempt_at: (row.state == "pending").then_some(row.next_attempt_at),
        state: row.state,
        attempt_count: row.attempts,
        last_status: row.last_status,
        last_error: row.last_error,
        created_at: row.created_at,
        delivered_at: row.delivered_at,
        attempts,
    })
}

/// A webhook's deliveries
///
/// Newest first, each with its newest attempts (status, error, duration).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The webhook's id."), DeliveriesQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Deliveries, newest first.", body = DeliveryList),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 403, response = crate::api::Forbidden),
        (status = 404, response = crate::api::NotFound),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    query: web::Query<DeliveriesQuery>,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Admin)?;
    let id = parse_id(&id)?;
    fetch(&state, id).await?;
    let before: i64 = query
        .cursor
        .as_deref()
        .map(Cursor::decode)
        .transpose()?
        .unwrap_or(i64::MAX);
    let limit = i64::from(query.limit.unwrap_or_default().get());
    let mut conn = state.conn().await?;
    let mut rows = store::deliveries(
        &mut conn,
        id,
        before,
        query.state.map(DeliveryState::as_str),
        limit + 1,
    )
    .await?;
    let next_cursor = Cursor::next_page(&mut rows, limit as usize, |r| r.change_id);
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        items.push(delivery_of(&mut conn, row).await?);
    }
    Ok(private_json(actix_web::http::StatusCode::OK).json(DeliveryList { items, next_cursor }))
}

/// Deliver again
///
/// Queues the delivery for an attempt now, with a fresh retry horizon: the same message
/// (`webhook-id`, body) signed with a new timestamp. Works on delivered and failed deliveries
/// alike.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = Uuid, Path, description = "The webhook's id."),
        ("delivery_id" = Uuid, Path, description = "The delivery's id."),
    ),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Queued; the worker sends it at once.", body = Delivery),
        (status = 401, response = crate::api::Unauthorized),
        (status = 403, response = crate::api::Forbidden),
        (status = 404, response = crate::api::NotFound),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
pub async fn redeliver(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Admin)?;
    let (id, delivery) = path.into_inner();
    let id = parse_id(&id)?;
    let no_delivery = || {
        ApiError::NotFound(format!(
            "no delivery {}",
            crate::domain::truncate_for_message(&delivery)
        ))
    };
    let delivery_id = Uuid::try_parse(&delivery).map_err(|_| no_delivery())?;
    let mut conn = state.conn().await?;
    let row = store::requeue(&mut conn, id, delivery_id).await?;
    let row = row.ok_or_else(no_delivery)?;
    let delivery = delivery_of(&mut conn, row).await?;
    state.changes.wake();
    Ok(private_json(actix_web::http::StatusCode::ACCEPTED).json(delivery))
}
