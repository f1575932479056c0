//! Webhooks: the receivers admins register, the outbox of deliveries the change log's trigger
//! fills (`migrations/0008_webhooks.sql`), and the attempts the worker records. Shared by the
//! admin handlers (`api/webhooks.rs`) and the delivery worker (`events/webhooks/worker.rs`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use utoipa::ToSchema;
use uuid::Uuid;

/// A registered receiver (its secret is shown only when it is created or replaced).
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Webhook {
    pub id: Uuid,
    #[schema(example = "https://example.com/hooks/faqd")]
    pub url: String,
    /// Change kinds delivered, or `["*"]` for all.
    #[schema(example = json!(["entry.published", "entry.updated"]))]
    pub events: Vec<String>,
    /// `false` pauses deliveries: changes made meanwhile are not queued for it.
    pub active: bool,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One attempt at a delivery.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    /// The receiver's status, absent when none came back.
    pub status: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i32,
}

/// A delivery as stored, with its change's kind.
#[derive(Debug, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: Uuid,
    pub change_id: i64,
    pub kind: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// A new webhook's fields, checked.
#[derive(Debug)]
pub struct NewWebhook<'a> {
    pub url: &'a str,
    pub events: &'a [String],
    pub secret: &'a str,
    pub active: bool,
    pub description: &'a str,
    pub created_by: &'a str,
}

/// A change of a webhook, checked: `None` keeps a field.
#[derive(Debug, Default)]
pub struct WebhookChanges<'a> {
    pub url: Option<&'a str>,
    pub events: Option<&'a [String]>,
    pub secret: Option<&'a str>,
    pub active: Option<bool>,
    pub description: Option<&'a str>,
}

const COLUMNS: &str = "id, url, events, active, description, created_at, updated_at";

const DELIVERY_COLUMNS: &str = "d.id, d.change_id, c.kind, d.state, d.attempts, d.next_attempt_at,
     d.last_status, d.last_error, d.created_at, d.delivered_at";

/// One webhook.
pub async fn get(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<Webhook>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM webhooks WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Every webhook, oldest first.
pub async fn list(conn: &mut PgConnection) -> sqlx::Result<Vec<Webhook>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM webhooks ORDER BY created_at, id"
    ))
    .fetch_all(conn)
    .await
}

/// Registers a webhook under a new id.
pub async fn create(conn: &mut PgConnection, new: &NewWebhook<'_>) -> sqlx::Result<Webhook> {
    sqlx::query_as(&format!(
        "INSERT INTO webhooks (id, url, events, secret, active, description, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(new.url)
    .bind(new.events)
    .bind(new.secret)
    .bind(new.active)
    .bind(new.description)
    .bind(new.created_by)
    .fetch_one(conn)
    .await
}

/// Changes a webhook; `None` when there is none with this id.
pub async fn update(
    conn: &mut PgConnection,
    id: Uuid,
    changes: &WebhookChanges<'_>,
) -> sqlx::Result<Option<Webhook>> {
    sqlx::query_as(&format!(
        "UPDATE webhooks SET
            url = coalesce($2, url), events = coalesce($3, events),
            secret = coalesce($4, secret), active = coalesce($5, active),
            description = coalesce($6, description), updated_at = clock_timestamp()
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(changes.url)
    .bind(changes.events)
    .bind(changes.secret)
    .bind(changes.active)
    .bind(changes.description)
    .fetch_optional(conn)
    .await
}

/// Deletes a webhook with its deliveries; whether it existed.
pub async fn delete(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<bool> {
    let deleted = sqlx::query("DELETE FROM webhooks WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(deleted.rows_affected() > 0)
}

/// A delivery's newest attempts, newest first.
pub async fn attempts(
    conn: &mut PgConnection,
    delivery: Uuid,
    limit: i64,
) -> sqlx::Result<Vec<Attempt>> {
    sqlx::query_as(
        "SELECT at, status, error, duration_ms FROM webhook_attempts
         WHERE delivery_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(delivery)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Up to `limit` deliveries of a webhook with a change id below `before`, newest first; only
/// those in `state` when given.
pub async fn deliveries(
    conn: &mut PgConnection,
    webhook: Uuid,
    before: i64,
    state: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<DeliveryRow>> {
    sqlx::query_as(&format!(
        "SELECT {DELIVERY_COLUMNS}
         FROM webhook_deliveries d JOIN changes c ON c.id = d.change_id
         WHERE d.webhook_id = $1 AND d.change_id < $2 AND ($3::text IS NULL OR d.state = $3)
         ORDER BY d.change_id DESC LIMIT $4"
    ))
    .bind(webhook)
    .bind(before)
    .bind(state)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Queues a delivery of a webhook for an attempt now, with a fresh retry horizon; `None`
/// when the webhook has no such delivery.
pub async fn requeue(
    conn: &mut PgConnection,
    webhook: Uuid,
    delivery: Uuid,
) -> sqlx::Result<Option<DeliveryRow>> {
    sqlx::query_as(&format!(
        "WITH queued AS (
             UPDATE webhook_deliveries SET state = 'pending', attempts = 0,
                    next_attempt_at = clock_timestamp(), retry_from = clock_timestamp()
             WHERE id = $1 AND webhook_id = $2 RETURNING *
         )
         SELECT {DELIVERY_COLUMNS} FROM queued d JOIN changes c ON c.id = d.change_id"
    ))
    .bind(delivery)
    .bind(webhook)
    .fetch_optional(conn)
    .await
}

/// A delivery the worker claimed, with what sending it needs.
#[derive(Debug, sqlx::FromRow)]
pub struct DueDelivery {
    pub id: Uuid,
    pub change_id: i64,
    pub attempts: i32,
    pub retry_from: DateTime<Utc>,
    pub url: String,
    pub secret: String,
    pub kind: String,
    pub at: DateTime<Utc>,
    pub entry_id: Option<Uuid>,
    pub entry_slug: Option<String>,
    pub page: String,
    pub lang: String,
    pub feedback_id: Option<i64>,
    pub helpful: Option<bool>,
    pub reason: Option<String>,
    pub comment: Option<String>,
}

/// Claims up to `batch` due deliveries of active webhooks by moving their next attempt
/// `lease` ahead (`FOR UPDATE SKIP LOCKED`: no other instance claims them meanwhile).
pub async fn claim_due(
    pool: &PgPool,
    batch: i64,
    lease: chrono::Duration,
) -> sqlx::Result<Vec<DueDelivery>> {
    sqlx::query_as(
        "WITH claimed AS (
             UPDATE webhook_deliveries d SET next_attempt_at = clock_timestamp() + $2
             WHERE d.id IN (
                 SELECT d.id FROM webhook_deliveries d
                 JOIN webhooks w ON w.id = d.webhook_id AND w.active
                 WHERE d.state = 'pending' AND d.next_attempt_at <= clock_timestamp()
                 ORDER BY d.next_attempt_at, d.change_id
                 LIMIT $1
                 FOR UPDATE OF d SKIP LOCKED)
             RETURNING d.*
         )
         SELECT d.id, d.change_id, d.attempts, d.retry_from, w.url, w.secret,
                c.kind, c.at, c.entry_id, c.entry_slug, c.page_slug AS page, c.lang,
                f.id AS feedback_id, f.helpful, f.reason, f.comment
         FROM claimed d
         JOIN webhooks w ON w.id = d.webhook_id
         JOIN changes c ON c.id = d.change_id
         LEFT JOIN feedback f ON f.change_id = c.id",
    )
    .bind(batch)
    .bind(lease)
    .fetch_all(pool)
    .await
}

/// One attempt at a delivery and what follows it.
#[derive(Debug)]
pub struct AttemptRecord<'a> {
    pub delivery: Uuid,
    /// `delivered`, `pending` (a retry at `next_attempt_at`) or `failed`.
    pub state: &'a str,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub status: Option<i32>,
    pub error: Option<&'a str>,
    pub duration_ms: i32,
}

/// Records an attempt: the delivery's new state and a line of its history, together.
pub async fn record_attempt(pool: &PgPool, record: &AttemptRecord<'_>) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE webhook_deliveries
         SET state = $2, attempts = $3, next_attempt_at = $4, last_status = $5,
             last_error = $6, delivered_at = CASE WHEN $2 = 'delivered' THEN $4 END
         WHERE id = $1",
    )
    .bind(record.delivery)
    .bind(record.state)
    .bind(record.attempts)
    .bind(record.next_attempt_at)
    .bind(record.status)
    .bind(record.error)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO webhook_attempts (delivery_id, status, error, duration_ms)
         SELECT id, $2, $3, $4 FROM webhook_deliveries WHERE id = $1",
    )
    .bind(record.delivery)
    .bind(record.status)
    .bind(record.error)
    .bind(record.duration_ms)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Seconds until the next pending delivery of an active webhook is due (negative when one
/// is overdue; `None` when none is pending).
pub async fn next_due_in_seconds(pool: &PgPool) -> sqlx::Result<Option<f64>> {
    sqlx::query_scalar(
        "SELECT extract(epoch FROM min(d.next_attempt_at) - clock_timestamp())::float8
         FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id AND w.active
         WHERE d.state = 'pending'",
    )
    .fetch_one(pool)
    .await
}

/// How many deliveries are pending, and the age in seconds of the oldest (metrics).
pub async fn pending(pool: &PgPool) -> sqlx::Result<(i64, Option<f64>)> {
    sqlx::query_as(
        "SELECT count(*),
                extract(epoch FROM clock_timestamp() - min(created_at))::float8
         FROM webhook_deliveries WHERE state = 'pending'",
    )
    .fetch_one(pool)
    .await
}
