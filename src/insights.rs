//! Search insights: what readers search for, counted in memory and flushed in
//! batches, so that a search never waits on a write. Only the normalised query
//! text and counts are kept: no address, no token, no user agent.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{NaiveDate, Utc};
use sqlx::PgPool;

/// The longest query text kept (longer ones are cut at a word).
const MAX_QUERY_CHARS: usize = 200;

/// Pending counts per (day, query): searches, and those that found nothing.
type Pending = HashMap<(NaiveDate, String), (i64, i64)>;

/// Counts waiting to be written.
pub struct Insights {
    pending: Mutex<Pending>,
    retention_days: u32,
}

impl Insights {
    pub fn new(retention_days: u32) -> Self {
        Self {
            pending: Mutex::new(HashMap::new()),
            retention_days,
        }
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
        // A poisoned lock only means a panic elsewhere mid-insert: counts stay usable.
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let counts = pending.entry((day, query)).or_insert((0, 0));
        counts.0 += 1;
        if hits == 0 {
            counts.1 += 1;
        }
    }

    /// Writes the pending counts in one statement and drops days past retention.
    pub async fn flush(&self, pool: &PgPool) -> sqlx::Result<()> {
        let batch = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        if !batch.is_empty() {
            let mut days = Vec::with_capacity(batch.len());
            let mut queries = Vec::with_capacity(batch.len());
            let mut searches = Vec::with_capacity(batch.len());
            let mut no_hits = Vec::with_capacity(batch.len());
            for ((day, query), (s, n)) in &batch {
                days.push(*day);
                queries.push(query.clone());
                searches.push(*s);
                no_hits.push(*n);
            }
            let written = sqlx::query(
                "INSERT INTO search_queries (day, query, searches, no_hits)
                 SELECT * FROM unnest($1::date[], $2::text[], $3::bigint[], $4::bigint[])
                 ON CONFLICT (day, query) DO UPDATE SET
                    searches = search_queries.searches + EXCLUDED.searches,
                    no_hits = search_queries.no_hits + EXCLUDED.no_hits",
            )
            .bind(&days)
            .bind(&queries)
            .bind(&searches)
            .bind(&no_hits)
            .execute(pool)
            .await;
            if let Err(err) = written {
                // Keep the counts for the next flush rather than lose them.
                let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
                for (key, (s, n)) in batch {
                    let counts = pending.entry(key).or_insert((0, 0));
                    counts.0 += s;
                    counts.1 += n;
                }
                return Err(err);
            }
        }
        sqlx::query("DELETE FROM search_queries WHERE day < current_date - $1::int")
            .bind(i32::try_from(self.retention_days).unwrap_or(i32::MAX))
            .execute(pool)
            .await?;
        Ok(())
    }
}
