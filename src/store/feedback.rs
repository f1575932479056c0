//! Reader feedback: votes as readers send them, editors' listing, counts per entry, and the
//! entries listed worst rated first.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::model::{Audience, Entry, FeedbackCounts};
use crate::store::entries::{EntryFilter, FILTERS, ordered_cte};

/// A vote as a reader sent it.
#[derive(Debug)]
pub struct NewFeedback<'a> {
    pub entry_id: Uuid,
    /// The published version the reader saw.
    pub entry_version: i64,
    pub helpful: bool,
    pub reason: Option<&'a str>,
    pub comment: Option<&'a str>,
    /// The keyed hash that deduplicates one client's votes on one entry within a day.
    pub voter: Option<[u8; 16]>,
}

/// Records a vote: a client's second vote on an entry the same day replaces its first. Each
/// write logs an `entry.feedback` event (trigger, same statement).
#[tracing::instrument(skip(conn, new), fields(entry = %new.entry_id))]
pub async fn record(conn: &mut PgConnection, new: &NewFeedback<'_>) -> sqlx::Result<()> {
    let voter = new.voter.as_ref().map(|v| v.as_slice());
    if voter.is_some() {
        let replaced = sqlx::query(
            "UPDATE feedback SET helpful = $3, reason = $4, comment = $5, entry_version = $6,
                    created_at = clock_timestamp()
             WHERE entry_id = $1 AND voter = $2",
        )
        .bind(new.entry_id)
        .bind(voter)
        .bind(new.helpful)
        .bind(new.reason)
        .bind(new.comment)
        .bind(new.entry_version)
        .execute(&mut *conn)
        .await?;
        if replaced.rows_affected() > 0 {
            return Ok(());
        }
    }
    let inserted = sqlx::query(
        "INSERT INTO feedback (entry_id, voter, helpful, reason, comment, entry_version)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(new.entry_id)
    .bind(voter)
    .bind(new.helpful)
    .bind(new.reason)
    .bind(new.comment)
    .bind(new.entry_version)
    .execute(&mut *conn)
    .await;
    match inserted {
        Ok(_) => Ok(()),
        // The same client's vote raced this one in: that one stands (the statement, its event
        // included, rolled back).
        Err(sqlx::Error::Database(db)) if db.constraint() == Some("feedback_voter_key") => Ok(()),
        Err(err) => Err(err),
    }
}

/// Helpful and not-helpful votes of each entry in `ids` (entries with none are absent).
pub async fn counts(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> sqlx::Result<HashMap<Uuid, FeedbackCounts>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, i64, i64)> = sqlx::query_as(
        "SELECT entry_id, count(*) FILTER (WHERE helpful), count(*) FILTER (WHERE NOT helpful)
         FROM feedback WHERE entry_id = ANY($1) GROUP BY entry_id",
    )
    .bind(ids)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, helpful, not_helpful)| {
            (
                id,
                FeedbackCounts {
                    helpful,
                    not_helpful,
                },
            )
        })
        .collect())
}

/// Position in the worst-rated order, for cursors: not-helpful votes, then the usual order.
pub type WorstKey = (i64, String, String, i64, Uuid);

/// One cursor page of entries, the most not-helpful votes first, then in the usual order.
#[tracing::instrument(skip(conn))]
pub async fn worst_rated(
    conn: &mut PgConnection,
    audience: Audience,
    filter: &EntryFilter<'_>,
    after: Option<&WorstKey>,
    limit: u32,
) -> sqlx::Result<Vec<Entry>> {
    let sql = format!(
        "{cte}, scored AS (
            SELECT o.*, COALESCE(f.not_helpful, 0) AS not_helpful
            FROM ordered o
            LEFT JOIN (SELECT entry_id, count(*) FILTER (WHERE NOT helpful) AS not_helpful
                       FROM feedback GROUP BY entry_id) f ON f.entry_id = o.id
         )
         SELECT * FROM scored
         WHERE {FILTERS}
           AND ($6::bigint IS NULL OR not_helpful < $6
                OR (not_helpful = $6 AND (page, lang, sort_key, id) > ($7, $8, $9, $10)))
         ORDER BY not_helpful DESC, page, lang, sort_key, id
         LIMIT $11",
        cte = ordered_cte(filter.relation(audience)),
    );
    sqlx::query_as(&sql)
        .bind(filter.page)
        .bind(filter.lang)
        .bind(filter.tag)
        .bind(filter.section)
        .bind(filter.status)
        .bind(after.map(|k| k.0))
        .bind(after.map(|k| k.1.as_str()))
        .bind(after.map(|k| k.2.as_str()))
        .bind(after.map(|k| k.3))
        .bind(after.map(|k| k.4))
        .bind(i64::from(limit))
        .fetch_all(conn)
        .await
}

/// One piece of reader feedback, as editors see it.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Feedback {
    /// Identifies the feedback (for `DELETE /feedback/{id}`).
    #[schema(example = 42)]
    pub id: i64,
    /// The entry it is about.
    pub entry_id: Uuid,
    /// The entry's slug now.
    #[schema(example = "what-is-a-technical-coach")]
    pub entry_slug: String,
    /// The entry's question now (editors' version).
    pub question: String,
    /// The entry's page slug and language.
    #[schema(example = "faq")]
    pub page: String,
    #[schema(example = "en")]
    pub lang: String,
    /// The published version of the entry the reader saw.
    #[schema(example = 1)]
    pub entry_version: i64,
    pub helpful: bool,
    /// `needs_more_information`, `inaccurate`, `hard_to_understand`, `broken_link` or `other`.
    #[schema(example = "needs_more_information")]
    pub reason: Option<String>,
    /// The reader's words (plain text, at most 500 characters).
    pub comment: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Filters of the feedback listing.
#[derive(Debug, Default)]
pub struct FeedbackFilter<'a> {
    pub page: Option<&'a str>,
    pub lang: Option<&'a str>,
    pub entry: Option<Uuid>,
    pub helpful: Option<bool>,
    pub reason: Option<&'a str>,
}

/// Position in the newest-first order, for cursors.
pub type FeedbackKey = (DateTime<Utc>, i64);

const FEEDBACK_FROM: &str = "FROM feedback f
     JOIN entries e ON e.id = f.entry_id
     JOIN pages p ON p.id = e.page_id
     WHERE ($1::text IS NULL OR p.slug = $1) AND ($2::text IS NULL OR p.lang = $2)
       AND ($3::uuid IS NULL OR f.entry_id = $3) AND ($4::boolean IS NULL OR f.helpful = $4)
       AND ($5::text IS NULL OR f.reason = $5)";

/// One cursor page of feedback, newest first.
#[tracing::instrument(skip(conn))]
pub async fn list(
    conn: &mut PgConnection,
    filter: &FeedbackFilter<'_>,
    after: Option<&FeedbackKey>,
    limit: u32,
) -> sqlx::Result<Vec<Feedback>> {
    sqlx::query_as(&format!(
        "SELECT f.id, f.entry_id, e.slug AS entry_slug, e.question, p.slug AS page, p.lang,
                f.entry_version, f.helpful, f.reason, f.comment, f.created_at
         {FEEDBACK_FROM}
           AND ($6::timestamptz IS NULL OR (f.created_at, f.id) < ($6, $7))
         ORDER BY f.created_at DESC, f.id DESC
         LIMIT $8"
    ))
    .bind(filter.page)
    .bind(filter.lang)
    .bind(filter.entry)
    .bind(filter.helpful)
    .bind(filter.reason)
    .bind(after.map(|k| k.0))
    .bind(after.map(|k| k.1))
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await
}

/// How many pieces of feedback [`list`] matches over all its cursor pages.
pub async fn count(conn: &mut PgConnection, filter: &FeedbackFilter<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(&format!("SELECT count(*) {FEEDBACK_FROM}"))
        .bind(filter.page)
        .bind(filter.lang)
        .bind(filter.entry)
        .bind(filter.helpful)
        .bind(filter.reason)
        .fetch_one(conn)
        .await
}

/// Deletes one piece of feedback; whether it existed.
pub async fn delete(conn: &mut PgConnection, id: i64) -> sqlx::Result<bool> {
    let deleted = sqlx::query("DELETE FROM feedback WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(deleted.rows_affected() > 0)
}

/// Reader feedback of the last days, for an agent's summary.
pub struct Summary {
    pub helpful: i64,
    pub not_helpful: i64,
    /// Reasons given with "not helpful", most given first.
    pub reasons: Vec<(String, i64)>,
    /// The entries with the most "not helpful" votes: entry slug, page, language, question,
    /// helpful and not-helpful votes.
    pub worst: Vec<(String, String, String, String, i64, i64)>,
}

/// Feedback since `since` days before today; at most `limit` worst-rated entries.
pub async fn summary(conn: &mut PgConnection, since: i32, limit: i64) -> sqlx::Result<Summary> {
    let (helpful, not_helpful): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE helpful), count(*) FILTER (WHERE NOT helpful)
         FROM feedback WHERE created_at >= current_date - $1::int",
    )
    .bind(since)
    .fetch_one(&mut *conn)
    .await?;
    let reasons: Vec<(String, i64)> = sqlx::query_as(
        "SELECT reason, count(*) FROM feedback
         WHERE created_at >= current_date - $1::int AND reason IS NOT NULL
         GROUP BY reason ORDER BY count(*) DESC, reason",
    )
    .bind(since)
    .fetch_all(&mut *conn)
    .await?;
    let worst: Vec<(String, String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT e.slug, p.slug, p.lang, e.question,
            count(*) FILTER (WHERE f.helpful), count(*) FILTER (WHERE NOT f.helpful)
         FROM feedback f JOIN current_entries e ON e.id = f.entry_id
         JOIN pages p ON p.id = e.page_id
         WHERE f.created_at >= current_date - $1::int
         GROUP BY e.id, e.slug, p.slug, p.lang, e.question
         HAVING count(*) FILTER (WHERE NOT f.helpful) > 0
         ORDER BY count(*) FILTER (WHERE NOT f.helpful) DESC, e.slug LIMIT $2",
    )
    .bind(since)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Summary {
        helpful,
        not_helpful,
        reasons,
        worst,
    })
}
