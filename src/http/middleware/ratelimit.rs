//! Rate limits per client (the token, else the client's address): one budget for writes, one for
//! searches, one for readers' feedback. Other reads (cacheable, and cheap) are not limited. Over budget: `429` with
//! `Retry-After`; every limited route's answer carries the IETF draft's `RateLimit-Limit`,
//! `RateLimit-Remaining` and `RateLimit-Reset` headers.

use std::num::NonZeroU32;
use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError, web};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::nanos::Nanos;
use governor::state::StateStore;
use governor::state::keyed::{DefaultKeyedStateStore, ShrinkableKeyedStateStore};
use governor::{Quota, RateLimiter};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

type Limiter<C> = RateLimiter<[u8; 16], Clients, C, StateInformationMiddleware>;

/// The clients' states, shared between the limiter and [`Budget::bounded`] (which asks
/// whether a client is known).
#[derive(Clone, Default)]
struct Clients(Arc<DefaultKeyedStateStore<[u8; 16]>>);

impl StateStore for Clients {
    type Key = [u8; 16];

    fn measure_and_replace<T, F, E>(&self, key: &Self::Key, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        self.0.measure_and_replace(key, f)
    }
}

impl ShrinkableKeyedStateStore<[u8; 16]> for Clients {
    fn retain_recent(&self, drop_below: Nanos) {
        self.0.retain_recent(drop_below);
    }

    fn shrink_to_fit(&self) {
        ShrinkableKeyedStateStore::shrink_to_fit(&*self.0);
    }

    fn len(&self) -> usize {
        ShrinkableKeyedStateStore::len(&*self.0)
    }

    fn is_empty(&self) -> bool {
        ShrinkableKeyedStateStore::is_empty(&*self.0)
    }
}

/// One budget: `per_minute` requests a minute, in bursts of up to a sixth of it; state for
/// at most `max_clients` clients (the clock is the system's, or a test's).
struct Budget<C: Clock = DefaultClock> {
    limiter: Limiter<C>,
    clients: Clients,
    per_minute: u32,
    max_clients: usize,
}

impl Budget {
    fn new(per_minute: u32) -> Option<Self> {
        Budget::with_clock(per_minute, MAX_CLIENTS, DefaultClock::default())
    }
}

impl<C: Clock> Budget<C> {
    fn with_clock(per_minute: u32, max_clients: usize, clock: C) -> Option<Self> {
        let rate = NonZeroU32::new(per_minute)?;
        let burst = NonZeroU32::new((per_minute / 6).max(10)).unwrap_or(rate);
        let clients = Clients::default();
        let limiter: Limiter<C> = RateLimiter::<
            [u8; 16],
            Clients,
            C,
            governor::middleware::NoOpMiddleware<C::Instant>,
        >::new(
            Quota::per_minute(rate).allow_burst(burst),
            clients.clone(),
            clock,
        )
        .with_middleware::<StateInformationMiddleware>();
        Some(Self {
            limiter,
            clients,
            per_minute,
            max_clients,
        })
    }
}

/// The budgets of this server (`None`: that budget is off).
pub struct RateLimits {
    writes: Option<Budget>,
    search: Option<Budget>,
    feedback: Option<Budget>,
}

impl RateLimits {
    pub fn new(writes_per_minute: u32, search_per_minute: u32) -> Arc<Self> {
        Self::with_feedback(writes_per_minute, search_per_minute, 0)
    }

    /// [`RateLimits::new`] with a budget for readers' feedback too.
    pub fn with_feedback(
        writes_per_minute: u32,
        search_per_minute: u32,
        feedback_per_minute: u32,
    ) -> Arc<Self> {
        Arc::new(Self {
            writes: Budget::new(writes_per_minute),
            search: Budget::new(search_per_minute),
            feedback: Budget::new(feedback_per_minute),
        })
    }

    fn budget_for(&self, req: &ServiceRequest) -> Option<&Budget> {
        match budget_of(req.method(), req.path())? {
            Limited::Writes => self.writes.as_ref(),
            Limited::Search => self.search.as_ref(),
            Limited::Feedback => self.feedback.as_ref(),
        }
    }
}

/// The budgets a request can count against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limited {
    Writes,
    Search,
    /// Readers' feedback: anonymous writes, on a small budget of their own.
    Feedback,
}

/// Which budget a request to `path` with `method` counts against, if any: every write under
/// the API prefix, and searches. The OpenAPI document declares `429` from this too.
pub fn budget_of(method: &Method, path: &str) -> Option<Limited> {
    // An MCP message is a search or a read, at most one editor's draft: the search budget.
    if path == crate::http::MCP_PATH && *method == Method::POST {
        return Some(Limited::Search);
    }
    let rest = path.strip_prefix(crate::http::API_PREFIX)?;
    if *method == Method::POST
        && rest
            .strip_prefix("/faqs/")
            .and_then(|r| r.strip_suffix("/feedback"))
            .is_some_and(|entry| !entry.is_empty() && !entry.contains('/'))
    {
        Some(Limited::Feedback)
    } else if !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        Some(Limited::Writes)
    } else if rest == "/search" {
        Some(Limited::Search)
    } else {
        None
    }
}

/// The most clients a budget keeps state for. Past it, idle clients are dropped first; if
/// that is not enough, new clients share one of [`OVERFLOW_BUCKETS`] budgets by the hash of
/// their key, so that memory stays bounded whatever the number of addresses.
const MAX_CLIENTS: usize = 100_000;
const OVERFLOW_BUCKETS: u8 = 64;

/// The client a request counts against: its token (by the token's id, however the
/// `Authorization` header spells it: authentication ran first), else its address (the peer, or
/// behind a trusted proxy the address it forwarded: see [`crate::http::client_ip`]); an IPv6 address by
/// its /64, the block one subscriber gets, so one host cannot spread over 2^64 budgets.
fn client_key(req: &ServiceRequest) -> [u8; 16] {
    let mut hasher = Sha256::new();
    let principal = req
        .extensions()
        .get::<crate::auth::Principal>()
        .map(|p| p.token_id);
    match principal {
        Some(token_id) => {
            hasher.update(b"token:");
            hasher.update(token_id.to_be_bytes());
        }
        None => match crate::http::client_ip::client_ip(req.request()) {
            Some(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
                hasher.update(b"ip6:");
                hasher.update(&v6.octets()[..8]);
            }
            Some(ip) => {
                let ip = match ip {
                    std::net::IpAddr::V6(v6) => {
                        v6.to_ipv4_mapped().map_or(ip, std::net::IpAddr::V4)
                    }
                    v4 => v4,
                };
                hasher.update(b"ip:");
                hasher.update(ip.to_string().as_bytes());
            }
            None => hasher.update(b"unknown"),
        },
    }
    let digest = hasher.finalize();
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    key
}

impl<C: Clock> Budget<C> {
    /// The key to count `key` under: itself while the budget has room, else (for a client it
    /// does not know yet) a shared overflow bucket.
    fn bounded(&self, key: [u8; 16]) -> [u8; 16] {
        if self.limiter.len() < self.max_clients || self.clients.0.contains_key(&key) {
            return key;
        }
        self.limiter.retain_recent();
        if self.limiter.len() < self.max_clients {
            return key;
        }
        let mut bucket = [0xff; 16];
        bucket[0] = key[0] % OVERFLOW_BUCKETS;
        bucket
    }

    /// Forgets the clients whose budget is full again, and gives the memory back.
    fn prune(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

impl RateLimits {
    /// Forgets clients whose budget is full again (they have been idle for at least a
    /// minute), and gives the memory back. Run on a schedule by the server.
    pub fn prune(&self) {
        self.budgets().for_each(Budget::prune);
    }

    /// How many clients the budgets hold state for.
    pub fn clients(&self) -> usize {
        self.budgets().map(|b| b.limiter.len()).sum()
    }

    /// Every budget that is on (feedback's too: its clients are anonymous addresses).
    fn budgets(&self) -> impl Iterator<Item = &Budget> {
        [&self.writes, &self.search, &self.feedback]
            .into_iter()
            .flatten()
    }
}

/// Middleware: counts writes and searches per client.
pub async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let limits = req.app_data::<web::Data<Arc<RateLimits>>>().cloned();
    let Some(budget) = limits.as_ref().and_then(|l| l.budget_for(&req)) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let limit = budget.per_minute.to_string();
    match budget.limiter.check_key(&budget.bounded(client_key(&req))) {
        Ok(snapshot) => {
            let remaining = snapshot.remaining_burst_capacity().to_string();
            let mut res = next.call(req).await?;
            let headers = res.headers_mut();
            for (name, value) in [
                ("ratelimit-limit", limit.as_str()),
                ("ratelimit-remaining", remaining.as_str()),
                ("ratelimit-reset", "60"),
            ] {
                if let Ok(value) = header::HeaderValue::from_str(value) {
                    headers.insert(header::HeaderName::from_static(name), value);
                }
            }
            Ok(res.map_into_left_body())
        }
        Err(not_until) => {
            let wait = not_until.wait_time_from(budget.limiter.clock().now());
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            let mut res = ApiError::TooManyRequests(seconds.max(1)).error_response();
            let headers = res.headers_mut();
            for (name, value) in [
                ("ratelimit-limit", limit),
                ("ratelimit-remaining", "0".to_owned()),
                ("ratelimit-reset", seconds.max(1).to_string()),
            ] {
                if let Ok(value) = header::HeaderValue::from_str(&value) {
                    headers.insert(header::HeaderName::from_static(name), value);
                }
            }
            Ok(req.into_response(res).map_into_right_body())
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use governor::clock::FakeRelativeClock;

    use super::*;

    fn key(n: u32) -> [u8; 16] {
        let mut key = [0u8; 16];
        key[..4].copy_from_slice(&n.to_be_bytes());
        key[4] = 1;
        key
    }

    fn budget(
        per_minute: u32,
        max_clients: usize,
    ) -> (Budget<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        let budget = Budget::with_clock(per_minute, max_clients, clock.clone());
        (
            budget.unwrap_or_else(|| unreachable!("a rate above zero")),
            clock,
        )
    }

    fn spend(budget: &Budget<FakeRelativeClock>, key: [u8; 16], times: usize) -> usize {
        (0..times)
            .filter(|_| budget.limiter.check_key(&budget.bounded(key)).is_ok())
            .count()
    }

    #[test]
    fn a_zero_budget_is_off() {
        assert!(Budget::new(0).is_none());
        let limits = RateLimits::with_feedback(0, 0, 0);
        assert_eq!(limits.clients(), 0);
    }

    #[test]
    fn idle_clients_are_pruned_and_busy_ones_kept() {
        // 60 a minute, bursts of 10: a full budget is refilled in 10 s.
        let (budget, clock) = budget(60, MAX_CLIENTS);
        for n in 0..1_000 {
            assert_eq!(spend(&budget, key(n), 1), 1);
        }
        assert_eq!(spend(&budget, key(5_000), 10), 10, "a burst");
        assert_eq!(spend(&budget, key(5_000), 1), 0, "over budget");
        assert_eq!(budget.limiter.len(), 1_001);
        // Not yet: a client that spent one request is full again after a second.
        budget.prune();
        assert_eq!(budget.limiter.len(), 1_001);
        clock.advance(Duration::from_secs(2));
        budget.prune();
        assert_eq!(budget.limiter.len(), 1, "only the spent client stays");
        // The spent client keeps its state (and its debt) until it is full again.
        assert_eq!(spend(&budget, key(5_000), 3), 2, "two refilled in 2 s");
        clock.advance(Duration::from_secs(9));
        budget.prune();
        assert_eq!(budget.limiter.len(), 1, "still in debt");
        clock.advance(Duration::from_secs(60));
        budget.prune();
        assert_eq!(budget.limiter.len(), 0, "everyone idle: nothing held");
    }

    #[test]
    fn every_budget_is_pruned_feedback_too() {
        let limits = RateLimits::with_feedback(60, 60, 60);
        for budget in limits.budgets() {
            budget.limiter.check_key(&key(1)).ok();
        }
        assert_eq!(limits.budgets().count(), 3);
        assert_eq!(limits.clients(), 3);
    }

    #[test]
    fn past_the_cap_new_clients_share_overflow_buckets() {
        let (budget, clock) = budget(60, MAX_CLIENTS);
        // A flood of distinct addresses, one request each: none idle yet.
        for n in 0..MAX_CLIENTS as u32 {
            assert_eq!(budget.bounded(key(n)), key(n));
            budget.limiter.check_key(&key(n)).ok();
        }
        assert_eq!(budget.limiter.len(), MAX_CLIENTS);
        // One more: the table holds no idle client to drop, so it counts in a bucket shared
        // by one in OVERFLOW_BUCKETS of the newcomers, and the table does not grow.
        let newcomers: Vec<[u8; 16]> = (0..1_000u32).map(|n| key(1_000_000 + n)).collect();
        let buckets: std::collections::HashSet<[u8; 16]> =
            newcomers.iter().map(|k| budget.bounded(*k)).collect();
        assert!(buckets.iter().all(|b| b[1..] == [0xff; 15]), "{buckets:?}");
        assert!(buckets.len() <= usize::from(OVERFLOW_BUCKETS));
        for k in &newcomers {
            spend(&budget, *k, 1);
        }
        assert!(budget.limiter.len() <= MAX_CLIENTS + usize::from(OVERFLOW_BUCKETS));
        // Newcomers hashed to one bucket share its budget: 10 in a burst between them all.
        let first = budget.bounded(newcomers[0]);
        let sharing: Vec<[u8; 16]> = (0..100_000u32)
            .map(|n| key(2_000_000 + n))
            .filter(|k| budget.bounded(*k) == first)
            .take(20)
            .collect();
        let allowed: usize = sharing.iter().map(|k| spend(&budget, *k, 1)).sum();
        assert!(allowed <= 10, "{allowed} allowed in one bucket");
        // A client the table knows keeps its own budget (and its debt) past the cap.
        assert_eq!(budget.bounded(key(7)), key(7));
        assert_eq!(
            spend(&budget, key(7), 20),
            9,
            "its burst less the one spent"
        );
        // Once the flood is idle, its clients are dropped and newcomers get their own state.
        clock.advance(Duration::from_secs(61));
        assert_eq!(budget.bounded(key(3_000_000)), key(3_000_000));
        assert!(budget.limiter.len() < MAX_CLIENTS);
    }
}
