//! The Prometheus registry: counters and histograms recorded as requests are served, gauges set
//! at scrape time, and the text exposition. The middleware that measures requests is
//! `http::middleware::observe`; `GET /metrics` is in `api::health`.

use std::sync::LazyLock;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: String,
}

type HistogramFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: HistogramFamily,
    cache: Family<ResultLabels, Counter>,
    webhook_failures: Counter,
    pool_size: Gauge,
    pool_idle: Gauge,
    webhook_queue: Gauge,
    webhook_oldest_seconds: Gauge,
    change_lag: Gauge,
}

fn latency_histogram() -> Histogram {
    // 0.1 ms to about 3 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 16))
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let mut registry = Registry::with_prefix("faqd");
    let requests = Family::<RequestLabels, Counter>::default();
    registry.register(
        "http_requests",
        "HTTP requests by method, route and status",
        requests.clone(),
    );
    let latency: HistogramFamily = Family::new_with_constructor(latency_histogram);
    registry.register(
        "http_request_duration_seconds",
        "HTTP request latency by method and route",
        latency.clone(),
    );
    let cache = Family::<ResultLabels, Counter>::default();
    registry.register(
        "read_cache",
        "Anonymous reads answered from memory (hit) or built (miss)",
        cache.clone(),
    );
    let webhook_failures = Counter::default();
    registry.register(
        "webhook_delivery_failures",
        "Webhook delivery attempts that did not get a 2xx",
        webhook_failures.clone(),
    );
    let gauge = |registry: &mut Registry, name: &str, help: &str| {
        let gauge = Gauge::default();
        registry.register(name, help, gauge.clone());
        gauge
    };
    let pool_size = gauge(
        &mut registry,
        "db_pool_connections",
        "Open database connections",
    );
    let pool_idle = gauge(
        &mut registry,
        "db_pool_idle_connections",
        "Idle database connections",
    );
    let webhook_queue = gauge(
        &mut registry,
        "webhook_queue_depth",
        "Webhook deliveries waiting for an attempt",
    );
    let webhook_oldest_seconds = gauge(
        &mut registry,
        "webhook_queue_oldest_seconds",
        "Age of the oldest waiting webhook delivery",
    );
    let change_lag = gauge(
        &mut registry,
        "change_log_lag",
        "Changes committed that this instance has not yet been told of",
    );
    Metrics {
        registry,
        requests,
        latency,
        cache,
        webhook_failures,
        pool_size,
        pool_idle,
        webhook_queue,
        webhook_oldest_seconds,
        change_lag,
    }
});

/// A read answered from the in-memory cache (`hit`) or built (`miss`).
pub fn cache_result(hit: bool) {
    let result = if hit { "hit" } else { "miss" };
    METRICS
        .cache
        .get_or_create(&ResultLabels {
            result: result.to_owned(),
        })
        .inc();
}

/// A webhook delivery attempt failed.
pub fn webhook_failure() {
    METRICS.webhook_failures.inc();
}

/// A request served: counted by method, route and status, timed by method and route.
pub fn record_request(method: String, route: String, status: u16, seconds: f64) {
    METRICS
        .requests
        .get_or_create(&RequestLabels {
            method: method.clone(),
            route: route.clone(),
            status,
        })
        .inc();
    METRICS
        .latency
        .get_or_create(&RouteLabels { method, route })
        .observe(seconds);
}

/// What a scrape reads from the pool and the database.
#[derive(Debug, Default)]
pub struct Gauges {
    pub pool_size: u32,
    pub pool_idle: usize,
    /// Deliveries waiting, and the age of the oldest in seconds (when the database answered).
    pub webhook_queue: Option<(i64, f64)>,
    /// Changes committed that this instance has not been told of yet.
    pub change_lag: Option<i64>,
}

/// Every metric in the Prometheus text format, with the gauges of this scrape set first.
pub fn encode(gauges: &Gauges) -> Result<String, std::fmt::Error> {
    let m = &*METRICS;
    m.pool_size.set(i64::from(gauges.pool_size));
    m.pool_idle
        .set(i64::try_from(gauges.pool_idle).unwrap_or(i64::MAX));
    if let Some((depth, oldest)) = gauges.webhook_queue {
        m.webhook_queue.set(depth);
        m.webhook_oldest_seconds.set(oldest as i64);
    }
    if let Some(lag) = gauges.change_lag {
        m.change_lag.set(lag);
    }
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &m.registry)?;
    Ok(text)
}
