//! Search insights: what readers search for, counted in memory and flushed in
//! batches, so that a search never waits on a write. Only the normalised query
//! text and counts are kept: no address, no token, no user agent.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{NaiveDate, Utc};
use sqlx::PgPool;

/// The longest query text kept (longer ones are cut at a word).
const MAX_QUERY_CHARS: usize = 200;

/// The most distinct (day, query) keys held in memory between flushes. Past it, searches
/// of new queries are not counted (those already pending still are), so that memory stays
/// bounded however many distinct queries arrive and however long the database refuses writes.
pub const MAX_PENDING_KEYS: usize = 10_000;

/// A pending key: the day and the query text.
type Key = (NaiveDate, String);

/// Pending counts per (day, query): searches, and those that found nothing.
type Counts = HashMap<Key, (i64, i64)>;

/// What waits to be written, and what did not fit since the last flush.
#[derive(Default)]
struct Pending {
    counts: Counts,
    /// Searches not counted because `counts` was full.
    dropped: u64,
}

impl Pending {
    /// Adds `searches` and `no_hits` to `key`, unless `key` is new and no room is left.
    fn add(&mut self, key: Key, searches: i64, no_hits: i64, cap: usize) {
        if let Some(counts) = self.counts.get_mut(&key) {
            counts.0 += searches;
            counts.1 += no_hits;
        } else if self.counts.len() < cap {
            self.counts.insert(key, (searches, no_hits));
        } else {
            self.dropped = self
                .dropped
                .saturating_add(u64::try_from(searches).unwrap_or(0));
        }
    }
}

/// One batch as the columns of the upsert, sorted by key (day, then query bytes): every
/// flush, in this process or another, locks the rows it upserts in the same order, so two
/// concurrent flushes wait for each other instead of deadlocking.
#[derive(Debug, Default, PartialEq)]
pub struct Rows {
    pub days: Vec<NaiveDate>,
    pub queries: Vec<String>,
    pub searches: Vec<i64>,
    pub no_hits: Vec<i64>,
}

impl Rows {
    fn sorted(batch: &Counts) -> Self {
        let mut sorted: Vec<(&Key, &(i64, i64))> = batch.iter().collect();
        sorted.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut rows = Self {
            days: Vec::with_capacity(sorted.len()),
            queries: Vec::with_capacity(sorted.len()),
            searches: Vec::with_capacity(sorted.len()),
            no_hits: Vec::with_capacity(sorted.len()),
        };
        for ((day, query), (s, n)) in sorted {
            rows.days.push(*day);
            rows.queries.push(query.clone());
            rows.searches.push(*s);
            rows.no_hits.push(*n);
        }
        rows
    }
}

/// Counts waiting to be written.
pub struct Insights {
    pending: Mutex<Pending>,
    retention_days: u32,
    max_keys: usize,
}

impl Insights {
    pub fn new(retention_days: u32) -> Self {
        Self::with_max_keys(retention_days, MAX_PENDING_KEYS)
    }

    /// As `new`, holding at most `max_keys` distinct keys between flushes.
    pub fn with_max_keys(retention_days: u32, max_keys: usize) -> Self {
        Self {
            pending: Mutex::new(Pending::default()),
            retention_days,
            max_keys,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        // A poisoned lock only means a panic elsewhere mid-insert: counts stay usable.
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts one search of `normalized` text that found `hits` entries.
    pub fn record(&self, normalized: &str, hits: i64) {
        if normalized.is_empty() {
            return;
        }
        let query = match normalized.char_indices().nth(MAX_QUERY_CHARS) {
            Some((i, _)) => normalized[..i].to_owned(),
            None => normalized.to_owned(),
        };
        let day = Utc::now().date_naive();
        self.lock()
            .add((day, query), 1, i64::from(hits == 0), self.max_keys);
    }

    /// Distinct keys waiting to be written.
    pub fn pending_keys(&self) -> usize {
        self.lock().counts.len()
    }

    /// Searches not counted since the last flush because too many keys were pending.
    pub fn dropped(&self) -> u64 {
        self.lock().dropped
    }

    /// The pending counts of `query` today (searches, no hits), if any.
    pub fn pending_today(&self, query: &str) -> Option<(i64, i64)> {
        let key = (Utc::now().date_naive(), query.to_owned());
        self.lock().counts.get(&key).copied()
    }

    /// Puts a batch whose write failed back, within the cap, for the next flush.
    fn merge_back(&self, batch: Counts) {
        let mut pending = self.lock();
        for (key, (s, n)) in batch {
            pending.add(key, s, n, self.max_keys);
        }
    }

    /// Writes the pending counts in one statement (rows in key order) and drops days past
    /// retention. Searches dropped for want of room since the last flush are logged once here.
    pub async fn flush(&self, pool: &PgPool) -> sqlx::Result<()> {
        let (batch, dropped) = {
            let mut pending = self.lock();
            let dropped = std::mem::take(&mut pending.dropped);
            (std::mem::take(&mut pending.counts), dropped)
        };
        if dropped > 0 {
            tracing::warn!(
                dropped,
                max_keys = self.max_keys,
                "search insights: searches not counted, too many distinct queries pending"
            );
        }
        if !batch.is_empty() {
            let rows = Rows::sorted(&batch);
            let written = crate::search::postgres::add_query_counts(
                pool,
                &rows.days,
                &rows.queries,
                &rows.searches,
                &rows.no_hits,
            )
            .await;
            if let Err(err) = written {
                // Keep the counts for the next flush rather than lose them, within the cap.
                self.merge_back(batch);
                return Err(err);
            }
        }
        crate::search::postgres::drop_queries_past(pool, self.retention_days).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, d).unwrap_or_default()
    }

    #[test]
    fn record_holds_at_most_max_keys_and_counts_the_rest() {
        let insights = Insights::with_max_keys(90, 3);
        for q in ["a", "b", "c", "d", "e", "d"] {
            insights.record(q, 1);
        }
        assert_eq!(insights.pending_keys(), 3);
        assert_eq!(insights.dropped(), 3, "d, e, d were not counted");
        // A key already pending is still counted when full.
        insights.record("a", 0);
        assert_eq!(insights.pending_today("a"), Some((2, 1)));
        assert_eq!(insights.dropped(), 3);
        assert_eq!(insights.pending_today("d"), None);
    }

    #[test]
    fn a_failed_batch_merges_back_within_the_cap() {
        let insights = Insights::with_max_keys(90, 4);
        // Searches arrived while the failed flush ran.
        insights.record("x", 1);
        insights.record("y", 1);
        insights.record("z", 1);
        let today = Utc::now().date_naive();
        let mut batch = Counts::new();
        batch.insert((today, "x".to_owned()), (5, 1)); // merges into x
        // Three new keys for the one free slot: whichever the hash order merges first fits.
        batch.insert((today, "w".to_owned()), (2, 0));
        batch.insert((day(1), "old".to_owned()), (7, 7));
        batch.insert((day(2), "older".to_owned()), (1, 0));
        insights.merge_back(batch);
        assert_eq!(insights.pending_keys(), 4);
        assert_eq!(insights.pending_today("x"), Some((6, 1)));
        let dropped = insights.dropped();
        assert!(
            [8, 9, 3].contains(&dropped),
            "two of the three new keys' searches are dropped, got {dropped}"
        );
    }

    #[test]
    fn rows_are_sorted_by_day_then_query() {
        let mut batch = Counts::new();
        for (d, q) in [(2, "b"), (1, "z"), (2, "a"), (1, "a"), (3, "Ä"), (3, "B")] {
            batch.insert((day(d), q.to_owned()), (1, 0));
        }
        let rows = Rows::sorted(&batch);
        assert_eq!(
            rows.days,
            vec![day(1), day(1), day(2), day(2), day(3), day(3)]
        );
        assert_eq!(rows.queries, vec!["a", "z", "a", "b", "B", "Ä"]);
        // The same keys in another map (another hash order) give the same rows.
        let mut entries: Vec<_> = batch.into_iter().collect();
        entries.reverse();
        let again: Counts = entries.into_iter().collect();
        assert_eq!(Rows::sorted(&again), rows);
    }
}
