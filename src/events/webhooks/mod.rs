//! Webhook delivery: the signing scheme, the address guard, and the background worker.
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

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use sqlx::PgPool;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::events::signal::ChangeSignal;

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

/// Deliveries claimed per step of the worker.
const BATCH: i64 = 16;
/// The longest wait between two retries.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// Bytes of a receiver's answer kept in the attempt's error.
const ERROR_BODY_CHARS: usize = 200;

/// How webhooks are delivered.
#[derive(Clone, Debug)]
pub struct Policy {
    /// Deliver to loopback, private and link-local addresses too (tests, private networks).
    pub allow_private: bool,
    /// The first retry's delay; each next one doubles it (at most an hour).
    pub retry_base: Duration,
    /// Retries stop this long after the first attempt (or a redelivery).
    pub retry_horizon: Duration,
    /// The longest one delivery may take.
    pub timeout: Duration,
}

/// A new secret: `whsec_` and 24 random bytes in base64, as Standard Webhooks does.
pub fn generate_secret() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes)?;
    Ok(format!("whsec_{}", STANDARD.encode(bytes)))
}

/// Whether a secret can sign: a `whsec_` one must be base64 (or receivers could never verify).
pub fn secret_is_usable(secret: &str) -> bool {
    secret
        .strip_prefix("whsec_")
        .is_none_or(|b64| STANDARD.decode(b64).is_ok_and(|k| !k.is_empty()))
}

/// The HMAC key of a secret (see the module's documentation).
fn key_of(secret: &str) -> Vec<u8> {
    secret
        .strip_prefix("whsec_")
        .and_then(|b64| STANDARD.decode(b64).ok())
        .unwrap_or_else(|| secret.as_bytes().to_vec())
}

/// The `webhook-signature` value for one message.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key_of(secret)) else {
        return String::new();
    };
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// Addresses a webhook may not reach unless private delivery is allowed: loopback, private,
/// link-local, carrier-grade NAT, unique-local, unspecified, broadcast and multicast.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && v4.octets()[2] == 0)
                || (a == 198 && (18..20).contains(&b))
                || a >= 240
        }
        IpAddr::V6(v6) => {
            // IPv4-mapped and IPv4-compatible forms are their IPv4 address.
            if let Some(v4) = v6.to_ipv4() {
                return v6.is_loopback() || is_forbidden(IpAddr::V4(v4));
            }
            let segments = v6.segments();
            let first = segments[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                // 6to4 and NAT64 wrap IPv4 addresses: refuse them rather than unwrap each form.
                || first == 0x2002
                // Teredo, NAT64 (well-known and local-use) and SIIT forms wrap IPv4 too.
                || (first == 0x2001 && segments[1] == 0)
                || (first == 0x64 && segments[1] == 0xff9b)
                || segments[..6] == [0, 0, 0, 0, 0xffff, 0]
        }
    }
}

/// Why a webhook URL cannot be used.
pub fn check_url(url: &str) -> Result<reqwest::Url, String> {
    if url.len() > 2048 {
        return Err("must be at most 2048 characters".to_owned());
    }
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("is not an absolute URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("must be an http or https URL".to_owned());
    }
    if parsed.host().is_none() {
        return Err("must name a host".to_owned());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("must not carry credentials; the signature authenticates faqd".to_owned());
    }
    Ok(parsed)
}

/// Resolves the URL's host and refuses it when an address is forbidden. A host that does not
/// resolve now is let through: the check runs again at every delivery.
pub async fn check_destination(url: &reqwest::Url, allow_private: bool) -> Result<(), String> {
    if allow_private {
        return Ok(());
    }
    let addrs: Vec<IpAddr> = match url.host() {
        Some(url::Host::Ipv4(ip)) => vec![IpAddr::V4(ip)],
        Some(url::Host::Ipv6(ip)) => vec![IpAddr::V6(ip)],
        Some(url::Host::Domain(name)) => {
            let lookup = tokio::net::lookup_host((name, 0));
            match tokio::time::timeout(Duration::from_secs(3), lookup).await {
                Ok(Ok(found)) => found.map(|a| a.ip()).collect(),
                _ => return Ok(()),
            }
        }
        None => return Err("must name a host".to_owned()),
    };
    match addrs.into_iter().find(|ip| is_forbidden(*ip)) {
        Some(ip) => Err(format!(
            "resolves to {ip}, a loopback, private or link-local address \
             (FAQD_WEBHOOK_ALLOW_PRIVATE=true allows it)"
        )),
        None => Ok(()),
    }
}

/// A DNS resolver for deliveries that refuses forbidden addresses, so that the address
/// checked is the address connected to.
struct GuardedResolver;

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if let Some(bad) = addrs.iter().find(|a| is_forbidden(a.ip())) {
                return Err(format!("{host} resolves to {}, a private address", bad.ip()).into());
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The HTTP client of deliveries: no redirects, no proxies from the environment, the guard.
fn client(policy: &Policy) -> reqwest::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(policy.timeout)
        .connect_timeout(policy.timeout.min(Duration::from_secs(5)))
        .user_agent(concat!("faqd/", env!("CARGO_PKG_VERSION"), " (webhooks)"));
    if !policy.allow_private {
        builder = builder.dns_resolver(Arc::new(GuardedResolver));
    }
    builder.build()
}

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

/// A claimed delivery with what it needs.
#[derive(sqlx::FromRow)]
struct Due {
    id: Uuid,
    change_id: i64,
    attempts: i32,
    retry_from: DateTime<Utc>,
    url: String,
    secret: String,
    kind: String,
    at: DateTime<Utc>,
    entry_id: Option<Uuid>,
    entry_slug: Option<String>,
    page: String,
    lang: String,
    feedback_id: Option<i64>,
    helpful: Option<bool>,
    reason: Option<String>,
    comment: Option<String>,
}

impl Due {
    fn body(&self) -> Vec<u8> {
        let url = match self.entry_id {
            Some(id) => format!("/api/v1/faqs/{id}"),
            None => format!("/api/v1/pages/{}?lang={}", self.page, self.lang),
        };
        let event = Event {
            id: self.id,
            event_id: self.change_id,
            kind: self.kind.clone(),
            timestamp: self.at,
            data: EventData {
                entry_id: self.entry_id,
                entry_slug: self.entry_slug.clone(),
                page: self.page.clone(),
                lang: self.lang.clone(),
                url,
                feedback: self
                    .feedback_id
                    .zip(self.helpful)
                    .map(|(id, helpful)| FeedbackData {
                        id,
                        helpful,
                        reason: self.reason.clone(),
                        comment: self.comment.clone(),
                    }),
            },
        };
        serde_json::to_vec(&event).unwrap_or_default()
    }
}

/// What one attempt gave.
struct Outcome {
    status: Option<u16>,
    error: Option<String>,
    elapsed: Duration,
}

impl Outcome {
    fn delivered(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Sends one delivery.
async fn attempt(client: &reqwest::Client, policy: &Policy, due: &Due) -> Outcome {
    let started = Instant::now();
    let id = due.id.to_string();
    let body = due.body();
    let timestamp = Utc::now().timestamp();
    let signature = sign(&due.secret, &id, timestamp, &body);
    let checked = match check_url(&due.url) {
        Ok(url) => check_destination(&url, policy.allow_private)
            .await
            .map(|()| url),
        Err(err) => Err(err),
    };
    let url = match checked {
        Ok(url) => url,
        Err(err) => {
            return Outcome {
                status: None,
                error: Some(format!("the URL {err}")),
                elapsed: started.elapsed(),
            };
        }
    };
    let sent = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await;
    match sent {
        Ok(response) => {
            let status = response.status().as_u16();
            let error = if response.status().is_success() {
                None
            } else {
                // A receiver's error page is read up to a few KiB, however long it is.
                let mut response = response;
                let mut head = Vec::new();
                while head.len() < 4096 {
                    match response.chunk().await {
                        Ok(Some(chunk)) => head.extend_from_slice(&chunk),
                        _ => break,
                    }
                }
                let text = String::from_utf8_lossy(&head);
                let cut: String = text.chars().take(ERROR_BODY_CHARS).collect();
                Some(format!("the receiver answered {status}: {cut}"))
            };
            Outcome {
                status: Some(status),
                error,
                elapsed: started.elapsed(),
            }
        }
        Err(err) => Outcome {
            status: None,
            error: Some(describe(&err)),
            elapsed: started.elapsed(),
        },
    }
}

/// A delivery error with its causes (reqwest's own message is terse).
fn describe(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The delay before retry number `attempts` (1 after the first failure).
pub fn backoff(base: Duration, attempts: i32) -> Duration {
    let exponent = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(20);
    base.saturating_mul(1 << exponent).min(MAX_BACKOFF)
}

/// Claims the due deliveries, sends them concurrently, records each. Returns how many it sent.
///
/// A claim is a lease, not a lock held across the calls: one short statement moves the
/// deliveries' next attempt past the time their calls can take (`FOR UPDATE SKIP LOCKED`, so
/// that no other instance claims them meanwhile), the calls run outside any transaction, and
/// each outcome is recorded on its own. A process that dies mid-call leaves its lease to
/// lapse, and the delivery is sent again (at least once, never twice at the same time).
async fn dispatch_due(
    pool: &PgPool,
    client: &reqwest::Client,
    policy: &Policy,
) -> sqlx::Result<usize> {
    let lease = chrono::Duration::from_std(policy.timeout.saturating_mul(2))
        .unwrap_or(chrono::Duration::MAX)
        + chrono::Duration::seconds(30);
    let due: Vec<Due> = sqlx::query_as(
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
    .bind(BATCH)
    .bind(lease)
    .fetch_all(pool)
    .await?;
    if due.is_empty() {
        return Ok(0);
    }
    let mut tasks = tokio::task::JoinSet::new();
    for item in due {
        let client = client.clone();
        let policy = policy.clone();
        let pool = pool.clone();
        tasks.spawn(async move {
            let outcome = attempt(&client, &policy, &item).await;
            record(&pool, &policy, &item, &outcome).await
        });
    }
    let mut sent = 0;
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(())) => sent += 1,
            Ok(Err(err)) => {
                tracing::warn!(error = %err, "could not record a webhook attempt; it will be sent again");
            }
            Err(err) => tracing::warn!(error = %err, "a webhook delivery task failed"),
        }
    }
    Ok(sent.max(1))
}

/// Records one attempt and schedules what follows: done, a retry, or failed.
async fn record(pool: &PgPool, policy: &Policy, item: &Due, outcome: &Outcome) -> sqlx::Result<()> {
    let now = Utc::now();
    let horizon = chrono::Duration::from_std(policy.retry_horizon).unwrap_or(chrono::Duration::MAX);
    let attempts = item.attempts.saturating_add(1);
    let (state, next) = if outcome.delivered() {
        ("delivered", now)
    } else {
        let delay = chrono::Duration::from_std(backoff(policy.retry_base, attempts))
            .unwrap_or(chrono::Duration::MAX);
        let next = now.checked_add_signed(delay).unwrap_or(now);
        if next > item.retry_from.checked_add_signed(horizon).unwrap_or(next) {
            ("failed", now)
        } else {
            ("pending", next)
        }
    };
    if !outcome.delivered() {
        crate::metrics::webhook_failure();
        tracing::info!(delivery = %item.id, url = %item.url, attempts, state,
            error = outcome.error.as_deref().unwrap_or(""), "webhook delivery failed");
    }
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE webhook_deliveries
         SET state = $2, attempts = $3, next_attempt_at = $4, last_status = $5,
             last_error = $6, delivered_at = CASE WHEN $2 = 'delivered' THEN $4 END
         WHERE id = $1",
    )
    .bind(item.id)
    .bind(state)
    .bind(attempts)
    .bind(next)
    .bind(outcome.status.map(i32::from))
    .bind(&outcome.error)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO webhook_attempts (delivery_id, status, error, duration_ms)
         SELECT id, $2, $3, $4 FROM webhook_deliveries WHERE id = $1",
    )
    .bind(item.id)
    .bind(outcome.status.map(i32::from))
    .bind(&outcome.error)
    .bind(i32::try_from(outcome.elapsed.as_millis()).unwrap_or(i32::MAX))
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// How long until the next pending delivery is due (at most `cap`).
async fn next_due_in(pool: &PgPool, cap: Duration) -> Duration {
    let next: sqlx::Result<Option<f64>> = sqlx::query_scalar(
        "SELECT extract(epoch FROM min(d.next_attempt_at) - clock_timestamp())::float8
         FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id AND w.active
         WHERE d.state = 'pending'",
    )
    .fetch_one(pool)
    .await;
    match next {
        Ok(Some(secs)) if secs > 0.0 => Duration::from_secs_f64(secs).min(cap),
        Ok(Some(_)) => Duration::ZERO,
        _ => cap,
    }
}

/// Starts the delivery worker: it wakes on every change announced and when a retry is due.
pub fn start(policy: Policy, pool: PgPool, signal: Arc<ChangeSignal>) {
    let client = match client(&policy) {
        Ok(client) => client,
        Err(err) => {
            tracing::error!(error = %err, "webhooks are not delivered: no HTTP client");
            return;
        }
    };
    tokio::spawn(async move {
        let mut failing = false;
        loop {
            if pool.is_closed() {
                break;
            }
            let wakeup = signal.notified();
            match dispatch_due(&pool, &client, &policy).await {
                Ok(0) => {
                    failing = false;
                    // At least a moment: a due delivery another instance holds is not ours.
                    let wait = next_due_in(&pool, Duration::from_secs(1))
                        .await
                        .max(Duration::from_millis(200));
                    let _ = tokio::time::timeout(wait, wakeup).await;
                }
                Ok(_) => failing = false,
                Err(err) if crate::db::shutting_down(&pool, &err) => break,
                Err(err) => {
                    if !failing {
                        tracing::warn!(error = %err, "webhook deliveries wait for the database");
                    }
                    failing = true;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_standard_webhooks() {
        // The example of the Standard Webhooks specification's reference libraries.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, id, 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn a_plain_secret_is_its_own_key() {
        let sig = sign("s3cret", "id", 1, b"{}");
        let mut mac = Hmac::<Sha256>::new_from_slice(b"s3cret").unwrap();
        mac.update(b"id.1.{}");
        assert_eq!(
            sig,
            format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
        );
    }

    #[test]
    fn private_addresses_are_forbidden() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "224.0.0.1",
        ] {
            assert!(is_forbidden(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:2800:220:1::1", "8.8.8.8"] {
            assert!(!is_forbidden(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let base = Duration::from_secs(5);
        assert_eq!(backoff(base, 1), Duration::from_secs(5));
        assert_eq!(backoff(base, 2), Duration::from_secs(10));
        assert_eq!(backoff(base, 5), Duration::from_secs(80));
        assert_eq!(backoff(base, 40), MAX_BACKOFF);
    }

    #[test]
    fn urls_must_be_plain_http() {
        assert!(check_url("https://example.com/hook").is_ok());
        assert!(check_url("ftp://example.com/").is_err());
        assert!(check_url("/relative").is_err());
        assert!(check_url("https://user:pw@example.com/").is_err());
    }
}
