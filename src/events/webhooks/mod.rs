//! Webhook delivery: the signing scheme (`signing`), the address guard (`guard`), and the
//! background worker (`worker`); the outbox's SQL is `crate::store::webhooks`.
//!
//! Every change readers can see is queued as one delivery per matching webhook by a trigger
//! on the change log (`migrations/0008_webhooks.sql`), in the transaction of the change. The
//! worker of every faqd instance claims due deliveries with `FOR UPDATE SKIP LOCKED` (two
//! instances never send one delivery twice), POSTs each, records the attempt, and on failure
//! schedules a retry with exponential backoff until the horizon has passed.
//!
//! # Signing (Standard Webhooks)
//!
//! Each request carries `webhook-id` (the delivery's id, the same on every retry),
//! `webhook-timestamp` (Unix seconds of this attempt) and `webhook-signature`:
//! `v1,` followed by the base64 of HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`.
//! The key is the secret's bytes; a secret of the form `whsec_<base64>` (the form faqd
//! generates, and Standard Webhooks libraries expect) uses the base64-decoded bytes.

mod guard;
mod signing;
mod worker;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

pub use crate::config::WebhookPolicy as Policy;
pub use guard::{check_destination, check_url, is_forbidden};
pub use signing::{generate_secret, secret_is_usable, sign};
pub use worker::{backoff, start};

/// Every kind of change a webhook can ask for (`*`: all of them).
pub const EVENT_KINDS: &[&str] = &[
    "entry.created",
    "entry.updated",
    "entry.published",
    "entry.unpublished",
    "entry.deleted",
    "entry.restored",
    "entry.moved",
    "page.imported",
    "page.updated",
    "page.reordered",
    "page.published",
    "page.unpublished",
    "page.deleted",
    "page.restored",
    "entry.feedback",
];

/// The JSON body of a delivery (Standard Webhooks' `type`, `timestamp`, `data`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Event {
    /// The message id, as in `webhook-id`: the same on every retry and redelivery.
    pub id: Uuid,
    /// The change's id in the change feed (`GET /changes`): orders events.
    pub event_id: i64,
    /// The change's kind, e.g. `entry.updated`.
    #[serde(rename = "type")]
    pub kind: String,
    /// When the change happened.
    pub timestamp: DateTime<Utc>,
    pub data: EventData,
}

/// What changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventData {
    /// The entry, for `entry.*` events.
    pub entry_id: Option<Uuid>,
    /// Its slug when the change happened.
    pub entry_slug: Option<String>,
    /// The page's slug and language when the change happened.
    pub page: String,
    pub lang: String,
    /// Where to read the changed resource (relative to faqd's base URL).
    pub url: String,
    /// The vote, for `entry.feedback` events (absent once an editor deleted it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feedback: Option<FeedbackData>,
}

/// A reader's vote, in an `entry.feedback` event.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedbackData {
    /// The feedback's id (`GET /feedback`, `DELETE /feedback/{id}`).
    pub id: i64,
    pub helpful: bool,
    /// `needs_more_information`, `inaccurate`, `hard_to_understand`, `broken_link` or `other`.
    pub reason: Option<String>,
    /// The reader's words (plain text).
    pub comment: Option<String>,
}
