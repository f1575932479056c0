//! Where entries stand on their page: sort keys, positions, the page order as a whole, and
//! the source spans that move with a page's front matter.

use sqlx::PgConnection;
use uuid::Uuid;

/// The order key that puts an entry at 1-based `position` among the page's
/// entries (editors' view), moving the entries from there on one place down.
/// Beyond the end, the entry goes last. `except` is the entry being moved.
pub async fn make_room(
    conn: &mut PgConnection,
    page_id: i64,
    position: i64,
    except: Option<Uuid>,
) -> sqlx::Result<i64> {
    let at: Option<i64> = sqlx::query_scalar(
        "SELECT sort_key FROM entries
         WHERE page_id = $1 AND deleted_at IS NULL AND id IS DISTINCT FROM $2
         ORDER BY sort_key, id OFFSET $3 LIMIT 1",
    )
    .bind(page_id)
    .bind(except)
    .bind(position.saturating_sub(1).max(0))
    .fetch_optional(&mut *conn)
    .await?;
    match at {
        Some(key) => {
            sqlx::query(
                "UPDATE entries SET sort_key = sort_key + 1
                 WHERE page_id = $1 AND sort_key >= $2 AND id IS DISTINCT FROM $3",
            )
            .bind(page_id)
            .bind(key)
            .bind(except)
            .execute(conn)
            .await?;
            Ok(key)
        }
        None => last_key(conn, page_id).await,
    }
}

/// The order key after every entry of the page (deleted ones included, so that a
/// restored entry never collides).
pub async fn last_key(conn: &mut PgConnection, page_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COALESCE(max(sort_key), 0) + 1 FROM entries WHERE page_id = $1")
        .bind(page_id)
        .fetch_one(conn)
        .await
}

/// How many entries the page has (editors' view).
pub async fn count_on_page(conn: &mut PgConnection, page_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM entries WHERE page_id = $1 AND deleted_at IS NULL")
        .bind(page_id)
        .fetch_one(conn)
        .await
}

/// Moves an entry within its page: not a change of the entry, so no new version.
pub async fn set_sort_key(conn: &mut PgConnection, id: Uuid, sort_key: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE entries SET sort_key = $2 WHERE id = $1")
        .bind(id)
        .bind(sort_key)
        .execute(conn)
        .await?;
    Ok(())
}

/// The 1-based position of an entry among its page's entries (editors' view).
pub async fn position_of(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM entries o JOIN entries e ON e.id = $1
         WHERE o.page_id = e.page_id AND o.deleted_at IS NULL
           AND (o.sort_key, o.id) <= (e.sort_key, e.id)",
    )
    .bind(id)
    .fetch_one(conn)
    .await
}

/// The ids of page `page_id`'s live entries, in page order.
pub async fn ids_on_page(conn: &mut PgConnection, page_id: i64) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "SELECT id FROM entries WHERE page_id = $1 AND deleted_at IS NULL ORDER BY sort_key, id",
    )
    .bind(page_id)
    .fetch_all(conn)
    .await
}

/// Puts `ids` in this order (sort keys 1, 2, …), logged as `page.reordered` rather than
/// `page.updated`.
pub async fn set_order(conn: &mut PgConnection, ids: &[Uuid]) -> sqlx::Result<()> {
    let keys: Vec<i64> = (1..=i64::try_from(ids.len()).unwrap_or(i64::MAX)).collect();
    sqlx::query(
        "UPDATE entries e SET sort_key = v.key
         FROM unnest($1::uuid[], $2::int8[]) AS v(id, key) WHERE e.id = v.id",
    )
    .bind(ids)
    .bind(&keys)
    .execute(&mut *conn)
    .await?;
    sqlx::query("SELECT set_config('faqd.page_change', 'page.reordered', true)")
        .execute(conn)
        .await?;
    Ok(())
}

/// Moves the source spans of page `page_id`'s entries that start at `from` or later by
/// `delta` bytes (its front matter grew or shrank).
pub async fn shift_spans(
    conn: &mut PgConnection,
    page_id: i64,
    delta: i32,
    from: i32,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE entries SET
            question_span = int4range(lower(question_span) + $2, upper(question_span) + $2),
            answer_span = int4range(lower(answer_span) + $2, upper(answer_span) + $2)
         WHERE page_id = $1 AND question_span IS NOT NULL AND lower(question_span) >= $3",
    )
    .bind(page_id)
    .bind(delta)
    .bind(from)
    .execute(conn)
    .await?;
    Ok(())
}
