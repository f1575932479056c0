//! The delivery worker: every instance claims due deliveries (`FOR UPDATE SKIP LOCKED`, so two
//! instances never send one delivery twice), POSTs each, records the attempt, and on failure
//! schedules a retry with exponential backoff until the horizon has passed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use sqlx::PgPool;

use super::guard::{GuardedResolver, check_destination, check_url};
use super::signing::sign;
use super::{Event, EventData, FeedbackData, Policy};
use crate::domain::API_PREFIX;
use crate::events::signal::ChangeSignal;
use crate::store::webhooks::{self as store, AttemptRecord, DueDelivery};

/// Deliveries claimed per step of the worker.
const BATCH: i64 = 16;
/// The longest wait between two retries.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// Bytes of a receiver's answer kept in the attempt's error.
const ERROR_BODY_CHARS: usize = 200;

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

/// The JSON body of a claimed delivery.
fn body(due: &DueDelivery) -> Vec<u8> {
    let url = match due.entry_id {
        Some(id) => format!("{API_PREFIX}/faqs/{id}"),
        None => format!("{API_PREFIX}/pages/{}?lang={}", due.page, due.lang),
    };
    let event = Event {
        id: due.id,
        event_id: due.change_id,
        kind: due.kind.clone(),
        timestamp: due.at,
        data: EventData {
            entry_id: due.entry_id,
            entry_slug: due.entry_slug.clone(),
            page: due.page.clone(),
            lang: due.lang.clone(),
            url,
            feedback: due
                .feedback_id
                .zip(due.helpful)
                .map(|(id, helpful)| FeedbackData {
                    id,
                    helpful,
                    reason: due.reason.clone(),
                    comment: due.comment.clone(),
                }),
        },
    };
    serde_json::to_vec(&event).unwrap_or_default()
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
async fn attempt(client: &reqwest::Client, policy: &Policy, due: &DueDelivery) -> Outcome {
    let started = Instant::now();
    let id = due.id.to_string();
    let body = body(due);
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
    let due = store::claim_due(pool, BATCH, lease).await?;
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
async fn record(
    pool: &PgPool,
    policy: &Policy,
    item: &DueDelivery,
    outcome: &Outcome,
) -> sqlx::Result<()> {
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
    store::record_attempt(
        pool,
        &AttemptRecord {
            delivery: item.id,
            state,
            attempts,
            next_attempt_at: next,
            status: outcome.status.map(i32::from),
            error: outcome.error.as_deref(),
            duration_ms: i32::try_from(outcome.elapsed.as_millis()).unwrap_or(i32::MAX),
        },
    )
    .await
}

/// How long until the next pending delivery is due (at most `cap`).
async fn next_due_in(pool: &PgPool, cap: Duration) -> Duration {
    let next = store::next_due_in_seconds(pool).await;
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
                Err(err) if crate::store::shutting_down(&pool, &err) => break,
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
    fn backoff_doubles_up_to_an_hour() {
        let base = Duration::from_secs(5);
        assert_eq!(backoff(base, 1), Duration::from_secs(5));
        assert_eq!(backoff(base, 2), Duration::from_secs(10));
        assert_eq!(backoff(base, 5), Duration::from_secs(80));
        assert_eq!(backoff(base, 40), MAX_BACKOFF);
    }
}
