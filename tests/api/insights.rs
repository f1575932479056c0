//! Search insights under pressure: concurrent flushes of overlapping batches, a database
//! that refuses writes.

use std::sync::Arc;

use faqd::search::insights::Insights;

use crate::helpers::spawn_app;

/// Two instances (two servers) flushing the same hundreds of queries at once: each upserts
/// in key order, so neither waits on a lock the other holds while holding one it needs —
/// no deadlock, every count lands.
#[tokio::test]
async fn insights_concurrent_flushes_of_the_same_queries_do_not_deadlock() {
    let app = spawn_app().await;
    let queries: Vec<String> = (0..400).map(|i| format!("query {i:03}")).collect();
    for round in 0..5 {
        let (a, b) = (Arc::new(Insights::new(90)), Arc::new(Insights::new(90)));
        for q in &queries {
            a.record(q, 1);
            b.record(q, 0);
        }
        let (ra, rb) = tokio::join!(a.flush(&app.pool), b.flush(&app.pool));
        assert!(ra.is_ok(), "round {round}: {ra:?}");
        assert!(rb.is_ok(), "round {round}: {rb:?}");
        assert_eq!(a.pending_keys() + b.pending_keys(), 0);
    }
    let (rows, searches, no_hits): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), sum(searches)::bigint, sum(no_hits)::bigint FROM search_queries",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(rows, 400);
    assert_eq!(searches, 400 * 2 * 5);
    assert_eq!(no_hits, 400 * 5, "b's searches found nothing");
}

/// While the database refuses writes, a flush keeps its batch for the next one, but never more
/// than the cap of distinct keys; what did not fit is counted, and reset once logged.
#[tokio::test]
async fn insights_failed_flushes_keep_counts_within_the_cap() {
    // Nothing listens on port 1: every write fails quickly.
    let dead = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_millis(500))
        .connect_lazy("postgres://faqd@127.0.0.1:1/faqd")
        .unwrap();
    let insights = Insights::with_max_keys(90, 50);
    for i in 0..40 {
        insights.record(&format!("first {i}"), 1);
    }
    assert!(insights.flush(&dead).await.is_err());
    assert_eq!(insights.pending_keys(), 40, "the failed batch is kept");
    for i in 0..40 {
        insights.record(&format!("second {i}"), 1);
    }
    assert_eq!(insights.pending_keys(), 50);
    assert_eq!(insights.dropped(), 30);
    assert!(insights.flush(&dead).await.is_err());
    assert_eq!(insights.pending_keys(), 50, "capped while writes fail");
    assert_eq!(
        insights.dropped(),
        0,
        "the drops were reported by that flush"
    );
    assert_eq!(insights.pending_today("first 0"), Some((1, 0)));

    // Once the database answers again, everything kept is written.
    let app = spawn_app().await;
    insights.record("first 0", 0);
    insights.flush(&app.pool).await.unwrap();
    assert_eq!(insights.pending_keys(), 0);
    let (rows, first): (i64, i64) = sqlx::query_as(
        "SELECT count(*), sum(searches) FILTER (WHERE query = 'first 0')::bigint FROM search_queries",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(rows, 50);
    assert_eq!(first, 2);
}
