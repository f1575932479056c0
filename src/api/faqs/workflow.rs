//! The one entry write workflow: every handler that changes an entry (create, replace, patch,
//! delete, publish, restore a version, related pins and translation links, the MCP
//! `draft_answer` tool, the scheduler) goes through it. The steps, in one transaction:
//! the content write lock, the entry's row lock, `If-Match` against its current ETag
//! ([`lock`]); the change (validated by `input`, written by [`apply_update`] or a store call);
//! the idempotency key marked carried out with the commit ([`finish`]); the entry as editors
//! see it, private ([`respond`]).

use actix_web::HttpResponse;
use actix_web::http::header;
use sqlx::{PgConnection, Postgres, Transaction};
use uuid::Uuid;

use crate::api::faqs::input::{
    self as entry_input, CurrentPage, EntryBody, TargetStatus, ValidEntry,
};
use crate::api::responses;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, FieldError, on_constraint};
use crate::http::conditional::{Precondition, entry_etag};
use crate::model::{Audience, Entry, EntryStatus};
use crate::state::AppState;
use crate::store::entries::{self, EntryRef, EntryUpdate, LockedEntry, NewEntry, PublishedAfter};
use crate::store::schedule;

/// An entry locked for a write, its `If-Match` checked.
pub(crate) struct Locked {
    /// Holds the content write lock and the entry's row lock until it ends.
    pub tx: Transaction<'static, Postgres>,
    pub current: LockedEntry,
}

/// Starts a write of entry `id`: the content write lock, the row lock (404 when the entry is
/// gone), then `If-Match` against its current `"<version>.<position>"` (412).
pub(crate) async fn lock(
    state: &AppState,
    id: Uuid,
    precondition: &Precondition,
) -> ApiResult<Locked> {
    let mut tx = state.pool.begin().await?;
    entries::lock_writes(&mut tx).await?;
    let current = entries::lock(&mut tx, id)
        .await?
        .ok_or_else(|| no_entry(&id.to_string()))?;
    let position = entries::position_of(&mut tx, current.id).await?;
    precondition.check_entry(current.version, position)?;
    Ok(Locked { tx, current })
}

/// Ends a write: commits what `changed` (marking the request's idempotency key carried out in
/// the same transaction), or rolls back a write that changed nothing (no new version).
pub(crate) async fn finish(tx: Transaction<'static, Postgres>, changed: bool) -> ApiResult<()> {
    if changed {
        crate::store::idempotency::commit(tx).await?;
    } else {
        tx.rollback().await?;
    }
    Ok(())
}

/// The one place where an entry is created through the API (`POST /faqs`, the MCP
/// `draft_answer` tool): validate, take a slug, place it, insert it (published unless it says
/// draft or `stage`), in one transaction. Gives the entry as editors see it.
pub(crate) async fn insert_entry(
    state: &AppState,
    principal: &Principal,
    body: EntryBody,
    stage: bool,
) -> ApiResult<Entry> {
    let mut tx = state.pool.begin().await?;
    entries::lock_writes(&mut tx).await?;
    let valid = entry_input::validate(&mut tx, body, None, None).await?;
    let slug = match &valid.slug {
        Some(slug) => {
            if entries::slug_taken(&mut tx, slug.as_str(), None).await? {
                return Err(slug_conflict(slug.as_str()));
            }
            slug.as_str().to_owned()
        }
        None => entries::free_slug_for(&mut tx, &valid.content.question).await?,
    };
    let sort_key = match valid.position {
        Some(position) => entries::make_room(&mut tx, valid.page_id, position, None).await?,
        None => entries::last_key(&mut tx, valid.page_id).await?,
    };
    let published = valid.status != Some(TargetStatus::Draft) && !stage;
    let new = NewEntry {
        page_id: valid.page_id,
        slug: &slug,
        content: &valid.content,
        sort_key,
        published,
        spans: None,
    };
    let id = entries::insert(&mut tx, &new, "created", &principal.name)
        .await
        .map_err(|e| on_constraint(e, "entries_slug_key", || slug_conflict(&slug)))?;
    if published {
        entries::bump_pages(&mut tx, &[valid.page_id]).await?;
    }
    schedule::set(&mut tx, id, valid.publish_at, valid.unpublish_at).await?;
    crate::store::idempotency::commit(tx).await?;
    editor_view(state, id).await
}

/// The one place where an existing entry changes through the API: lock, check
/// `If-Match`, build and check the new state, then write it (a new version and
/// its revision) and bump the pages whose readers see a change — all in one
/// transaction. `body` turns the locked entry into the requested fields.
pub(crate) async fn update_entry(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    precondition: &Precondition,
    stage: bool,
    kind: &str,
    body: impl FnOnce(&LockedEntry, &CurrentPage) -> Result<EntryBody, ApiError>,
) -> ApiResult<HttpResponse> {
    write_update(state, principal, id, precondition, stage, kind, body)
        .await
        .map(written)
}

/// [`update_entry`] without the HTTP answer: the entry as editors see it after the write.
pub(crate) async fn write_update(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    precondition: &Precondition,
    stage: bool,
    kind: &str,
    body: impl FnOnce(&LockedEntry, &CurrentPage) -> Result<EntryBody, ApiError>,
) -> ApiResult<Entry> {
    let Locked { mut tx, current } = lock(state, id, precondition).await?;
    let page = current_page(&mut tx, current.page_id).await?;
    let valid = entry_input::validate(
        &mut tx,
        body(&current, &page)?,
        Some(&page),
        Some(&current.slug),
    )
    .await?;
    let changed = apply_update(&mut tx, &current, &valid, stage, kind, &principal.name).await?;
    // Set after the write, which clears a schedule it carries out by hand.
    let scheduled = schedule::set(&mut tx, id, valid.publish_at, valid.unpublish_at).await?;
    finish(tx, changed || scheduled).await?;
    editor_view(state, id).await
}

/// The answer to a write: the entry as editors see it, its ETag, private.
pub(crate) fn written(entry: Entry) -> HttpResponse {
    responses::private(HttpResponse::Ok())
        .insert_header(header::ETag(entry_etag(entry.version, entry.position)))
        .json(entry)
}

/// The answer to a write of entry `id`: [`written`] over the entry as editors now see it.
pub(crate) async fn respond(state: &AppState, id: Uuid) -> ApiResult<HttpResponse> {
    Ok(written(editor_view(state, id).await?))
}

/// Writes `valid` over `current`; false when it would change nothing.
pub(crate) async fn apply_update(
    tx: &mut PgConnection,
    current: &LockedEntry,
    valid: &ValidEntry,
    stage: bool,
    kind: &str,
    actor: &str,
) -> ApiResult<bool> {
    // Publication: an explicit status decides; otherwise a draft stays a draft and
    // a visible entry goes live at once, or is staged with ?stage=true.
    let (status, published) = match (valid.status, current.status) {
        (Some(TargetStatus::Draft), _) => (EntryStatus::Draft, PublishedAfter::Unchanged),
        (Some(TargetStatus::Published), _) => (EntryStatus::Published, PublishedAfter::NewVersion),
        (None, EntryStatus::Draft) => (EntryStatus::Draft, PublishedAfter::Unchanged),
        (None, _) if stage => (EntryStatus::Changed, PublishedAfter::Unchanged),
        (None, _) => (EntryStatus::Published, PublishedAfter::NewVersion),
    };

    let moved = valid.page_id != current.page_id;
    let slug_changes = valid
        .slug
        .as_ref()
        .is_some_and(|s| s.as_str() != current.slug);
    let repositioned = match valid.position {
        Some(position) if !moved => {
            // Beyond the end means last: compare where the entry would land.
            let count = entries::count_on_page(tx, current.page_id).await?;
            position.min(count) != entries::position_of(tx, current.id).await?
        }
        _ => false,
    };
    // Slug, page and place are not versioned content: readers would see a staged
    // change of them at once. Refuse rather than leak.
    if status == EntryStatus::Changed && (slug_changes || moved || repositioned) {
        let staged = "cannot be staged (readers would see it at once): send it without ?stage=true";
        let mut errors = Vec::new();
        for (field, broken) in [
            ("slug", slug_changes),
            ("page", moved),
            ("position", repositioned),
        ] {
            if broken {
                errors.push(FieldError::new(field, staged));
            }
        }
        return Err(ApiError::validation(errors));
    }

    let content_same = valid.content == current.content();
    let state_same = match published {
        // Going live with identical content changes nothing when it is live already.
        PublishedAfter::NewVersion => {
            current.status == EntryStatus::Published
                && current.published_version == Some(current.version)
        }
        PublishedAfter::Unchanged => status == current.status,
    };
    let is_visible = status != EntryStatus::Draft;
    if content_same && state_same && !slug_changes && !moved {
        if !repositioned {
            return Ok(false);
        }
        // A move within the page is a change of the page, not of the entry.
        let position = valid.position.unwrap_or(1);
        let key = entries::make_room(tx, current.page_id, position, Some(current.id)).await?;
        entries::set_sort_key(tx, current.id, key).await?;
        if is_visible {
            entries::bump_pages(tx, &[current.page_id]).await?;
        }
        return Ok(true);
    }

    let slug = match &valid.slug {
        Some(slug) if slug_changes => {
            if entries::slug_taken(tx, slug.as_str(), Some(current.id)).await? {
                return Err(slug_conflict(slug.as_str()));
            }
            entries::add_slug_alias(tx, current.id, &current.slug, slug.as_str()).await?;
            slug.as_str().to_owned()
        }
        _ => current.slug.clone(),
    };
    let sort_key = match (moved || repositioned, valid.position) {
        (false, _) => current.sort_key,
        (true, Some(position)) => {
            entries::make_room(tx, valid.page_id, position, Some(current.id)).await?
        }
        (true, None) => entries::last_key(tx, valid.page_id).await?,
    };
    let update = EntryUpdate {
        page_id: valid.page_id,
        slug: &slug,
        content: &valid.content,
        sort_key,
        status,
        published,
    };
    entries::update(tx, current.id, &update, kind, actor)
        .await
        .map_err(|e| on_constraint(e, "entries_slug_key", || slug_conflict(&slug)))?;
    // A publication (or withdrawal) done now is no longer to be done later.
    if published == PublishedAfter::NewVersion {
        schedule::clear(tx, current.id, true).await?;
    }
    if status == EntryStatus::Draft && current.status != EntryStatus::Draft {
        schedule::clear(tx, current.id, false).await?;
    }

    // Readers see a change when the entry was or becomes visible and what they see
    // moved: new live content, (un)publication, slug, place or page.
    let was_visible = current.status != EntryStatus::Draft;
    let readers_see = was_visible != is_visible
        || (is_visible
            && (published == PublishedAfter::NewVersion
                || slug != current.slug
                || moved
                || repositioned));
    if readers_see {
        let mut pages = vec![current.page_id];
        if moved {
            pages.push(valid.page_id);
        }
        entries::bump_pages(tx, &pages).await?;
    }
    Ok(true)
}

/// The id of the live entry a path names (404 otherwise), before the body is read.
pub(crate) async fn existing(state: &AppState, entry_ref: &str) -> ApiResult<Uuid> {
    let parsed = EntryRef::parse(entry_ref).ok_or_else(|| no_entry(entry_ref))?;
    let mut conn = state.conn().await?;
    entries::resolve(&mut conn, &parsed)
        .await?
        .ok_or_else(|| no_entry(entry_ref))
}

/// The slug and language of the page an entry is on.
pub(crate) async fn current_page(conn: &mut PgConnection, page_id: i64) -> ApiResult<CurrentPage> {
    let (slug, lang) = crate::store::pages::slug_and_lang(conn, page_id).await?;
    Ok(CurrentPage {
        id: page_id,
        slug,
        lang,
    })
}

pub(crate) async fn editor_view(state: &AppState, id: Uuid) -> ApiResult<Entry> {
    let mut conn = state.conn().await?;
    let mut entry = entries::get(&mut conn, Audience::Editor, &EntryRef::Id(id))
        .await?
        .ok_or_else(|| no_entry(&id.to_string()))?;
    state.present(&mut entry);
    crate::api::feedback::add_counts(
        &mut conn,
        Audience::Editor,
        std::slice::from_mut(&mut entry),
    )
    .await?;
    crate::api::faqs::related::add_links(
        &mut conn,
        Audience::Editor,
        std::slice::from_mut(&mut entry),
    )
    .await?;
    Ok(entry)
}

pub(crate) fn no_entry(entry_ref: &str) -> ApiError {
    ApiError::NotFound(format!(
        "no entry '{}'",
        crate::domain::truncate_for_message(entry_ref)
    ))
}

fn slug_conflict(slug: &str) -> ApiError {
    ApiError::Conflict(format!("the slug '{slug}' is already taken"))
}
