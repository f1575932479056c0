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
use actix_web::{ResponseError, web};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::{DefaultKeyedRateLimiter, Quota};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

type Limiter = DefaultKeyedRateLimiter<[u8; 16], StateInformationMiddleware>;

/// One budget: `per_minute` requests a minute, in bursts of up to a sixth of it.
struct Budget {
    limiter: Limiter,
    per_minute: u32,
}

impl Budget {
    fn new(per_minute: u32) -> Option<Self> {
        let rate = NonZeroU32::new(per_minute)?;
        let burst = NonZeroU32::new((per_minute / 6).max(10)).unwrap_or(rate);
        let limiter = governor::RateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst))
            .with_middleware::<StateInformationMiddleware>();
        Some(Self {
            limiter,
            per_minute,
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
    let rest = path.strip_prefix(crate::app::API_PREFIX)?;
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

/// The client a request counts against: its bearer token (hashed), else its address (the peer,
/// or behind a trusted proxy the address it forwarded: see [`crate::proxy`]).
fn client_key(req: &ServiceRequest) -> [u8; 16] {
    let mut hasher = Sha256::new();
    match req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        Some(auth) => hasher.update(auth.as_bytes()),
        None => {
            let client = crate::proxy::client_ip(req.request())
                .map(|ip| ip.to_string())
                .unwrap_or_default();
            hasher.update(client.as_bytes());
        }
    }
    let digest = hasher.finalize();
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    key
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
    match budget.limiter.check_key(&client_key(&req)) {
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
            let wait = not_until.wait_time_from(DefaultClock::default().now());
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
