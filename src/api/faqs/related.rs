//! Related questions and translations: `GET /faqs/{ref}/related` (and `?include=related` on an
//! entry) for anyone, editors' pins (`PUT /faqs/{ref}/related`) and explicit translation links
//! (`PUT /faqs/{ref}/translation`), and the `translations` every entry carries.
//!
//! A related list is computed lazily and kept (`related_entries`): by meaning where the
//! semantic index has embeddings, else (and to fill up) by the words of the question, over
//! what readers see in the entry's language. It is computed again on the first read after the
//! change log has moved on; every other read costs no search (and the read cache answers most
//! from memory).

use actix_web::{HttpRequest, HttpResponse, get, put, web};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::faqs::workflow::{self, Locked, current_page, existing, no_entry};
use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::body;
use crate::http::body::{JSON, MAX_JSON_BYTES};
use crate::http::conditional;
use crate::http::conditional::Cacheable;
use crate::model::{Audience, Entry, EntryStatus, RelatedEntry};
use crate::search::fusion::MIN_SIMILARITY;
use crate::search::semantic::SemanticScope;
use crate::state::AppState;
use crate::store::entries::{self, EntryRef};
use crate::store::related;

/// The longest related list.
pub const MAX_RELATED: usize = 5;
/// Candidates kept per entry: more than shown, so that pins and entries that left readers'
/// view can be skipped.
const KEPT: usize = 10;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_related)
        .service(put_related)
        .service(put_translation);
}

/// The related entries of an entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct RelatedList {
    /// At most 5, pinned ones first.
    pub items: Vec<RelatedEntry>,
}

/// Computes the related candidates of a visible entry: by meaning, then by words.
async fn compute(state: &AppState, entry: &Entry) -> ApiResult<(Vec<Uuid>, &'static str)> {
    let mut found: Vec<Uuid> = Vec::new();
    if let Some(semantic) = state.semantic.index() {
        let scope = SemanticScope {
            page: None,
            lang: Some(&entry.lang),
        };
        for (id, similarity) in semantic.search(&entry.question, scope, KEPT + 1).await {
            if id != entry.id && similarity >= MIN_SIMILARITY && !found.contains(&id) {
                found.push(id);
            }
        }
    }
    let by_meaning = found.len();
    if found.len() < KEPT {
        // Bounded like a search: a slow database answers 503, never a hang.
        let mut tx = state.searcher.bounded().await?;
        let words = related::by_words(&mut tx, entry.id, KEPT as i64).await?;
        tx.commit().await?;
        for id in words {
            if found.len() < KEPT && !found.contains(&id) {
                found.push(id);
            }
        }
    }
    let method = match (by_meaning, found.len() - by_meaning) {
        (0, _) => "words",
        (_, 0) => "meaning",
        _ => "both",
    };
    Ok((found, method))
}

/// The related list of an entry readers see: pinned entries first, then the kept
/// computation (computed again when the change log moved on), only what readers see in the
/// entry's language, at most 5.
pub(crate) async fn related_of(
    state: &AppState,
    conn: &mut PgConnection,
    entry: &Entry,
) -> ApiResult<Vec<RelatedEntry>> {
    let generation = related::generation(conn).await?;
    let computed = match related::cached(conn, entry.id).await? {
        Some((kept, list)) if kept >= generation => list,
        _ => {
            let (list, method) = compute(state, entry).await?;
            related::keep(conn, entry.id, generation, &list, method).await?;
            list
        }
    };
    let pins = related::links(conn, entry.id)
        .await?
        .map(|(pins, _)| pins)
        .unwrap_or_default();
    let mut ids: Vec<Uuid> = Vec::new();
    for id in pins.iter().chain(&computed) {
        if *id != entry.id && !ids.contains(id) {
            ids.push(*id);
        }
    }
    let mut shown = related::visible(conn, &ids, &entry.lang).await?;
    shown.truncate(MAX_RELATED);
    for item in &mut shown {
        item.pinned = pins.contains(&item.id);
    }
    Ok(shown)
}

/// Related questions
///
/// Up to 5 published entries in the same language that a reader of this one likely wants
/// next: the ones editors pinned first, then the nearest by meaning where embeddings exist,
/// else by the words of the question. Computed once per change of the content and kept.
/// Only for entries readers see (404 otherwise), and only entries readers see.
#[utoipa::path(
    tag = "faqs",
    params(("ref" = String, Path, description = "The entry's id or slug.", example = "what-is-a-technical-coach")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The related entries.", body = RelatedList, headers(
            ("ETag" = String, description = "Weak validator of this representation."),
            ("Cache-Control" = String, description = "Public and short-lived for anonymous readers."),
        )),
        (status = 304, response = crate::api::NotModified),
        (status = 401, response = crate::api::Unauthorized),
        (status = 404, response = crate::api::NotFound),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[get("/faqs/{ref}/related")]
pub async fn get_related(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    entry_ref: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let parsed = EntryRef::parse(&entry_ref).ok_or_else(|| no_entry(&entry_ref))?;
    let mut conn = state.conn().await?;
    let entry = entries::get(&mut conn, Audience::Reader, &parsed)
        .await?
        .ok_or_else(|| no_entry(&entry_ref))?;
    let items = related_of(&state, &mut conn, &entry).await?;
    Cacheable {
        req: &req,
        state: &state,
        audience: caller.audience(),
        etag: None,
        last_modified: None,
    }
    .json(&RelatedList { items })
}

/// The body of `PUT /faqs/{ref}/related`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PinsBody {
    /// Ids or slugs of other entries, at most 5, shown first in this order (readers see only
    /// those they can see, in this entry's language). Empty: no pins.
    #[schema(max_items = 5, example = json!(["how-many-teams-can-a-technical-coach-support"]))]
    pub pins: Vec<String>,
}

/// The body of `PUT /faqs/{ref}/translation`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TranslationBody {
    /// The id or slug of the entry this one translates: an entry of a page with the same slug
    /// in another language. `null` removes the link (then entries pair by position).
    #[schema(example = "what-is-a-technical-coach")]
    pub translation_of: Option<String>,
}

/// An entry named in a body, not deleted: its id and its page's slug and language.
async fn named_entry(
    conn: &mut PgConnection,
    text: &str,
) -> ApiResult<Option<(Uuid, String, String)>> {
    let Some(parsed) = EntryRef::parse(text) else {
        return Ok(None);
    };
    let Some(id) = entries::resolve(conn, &parsed).await? else {
        return Ok(None);
    };
    Ok(entries::with_page(conn, id).await?)
}

/// Which links a write sets.
enum LinkWrite {
    Pins(Vec<String>),
    Translation(Option<String>),
}

/// Locks the entry, checks `If-Match` and every rule, and writes its links as a new version.
async fn write_links(
    state: &AppState,
    req: &HttpRequest,
    actor: &str,
    id: Uuid,
    asked: LinkWrite,
) -> ApiResult<HttpResponse> {
    let precondition = conditional::if_match(req)?;
    let Locked { mut tx, current } = workflow::lock(state, id, &precondition).await?;
    let page = current_page(&mut tx, current.page_id).await?;
    let before = related::links(&mut tx, id).await?.unwrap_or_default();
    let (mut pins, mut translation_of) = before.clone();
    let mut errors = Vec::new();
    match asked {
        LinkWrite::Pins(refs) => {
            if refs.len() > MAX_RELATED {
                errors.push(FieldError::new(
                    "pins",
                    format!("must hold at most {MAX_RELATED} entries"),
                ));
            }
            let mut wanted = Vec::new();
            for (i, text) in refs.iter().enumerate() {
                match named_entry(&mut tx, text).await? {
                    None => errors.push(FieldError::new(
                        format!("pins[{i}]"),
                        format!("no entry '{}'", crate::domain::truncate_for_message(text)),
                    )),
                    Some((pin, ..)) if pin == id => errors.push(FieldError::new(
                        format!("pins[{i}]"),
                        "an entry is not related to itself",
                    )),
                    Some((pin, ..)) if wanted.contains(&pin) => {
                        errors.push(FieldError::new(format!("pins[{i}]"), "is pinned twice"))
                    }
                    Some((pin, ..)) => wanted.push(pin),
                }
            }
            pins = wanted;
        }
        LinkWrite::Translation(target) => {
            translation_of = None;
            if let Some(text) = target {
                match named_entry(&mut tx, &text).await? {
                    None => errors.push(FieldError::new(
                        "translation_of",
                        format!("no entry '{}'", crate::domain::truncate_for_message(&text)),
                    )),
                    Some((other, ..)) if other == id => errors.push(FieldError::new(
                        "translation_of",
                        "an entry is not a translation of itself",
                    )),
                    Some((_, slug, lang)) if slug != page.slug || lang == page.lang => {
                        errors.push(FieldError::new(
                            "translation_of",
                            format!(
                                "must be an entry of the page '{}' in another language",
                                page.slug
                            ),
                        ))
                    }
                    Some((other, ..)) => translation_of = Some(other),
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    // The row is locked: what was read above is still what is stored.
    let changed = before != (pins.clone(), translation_of);
    if changed {
        related::set_links(&mut tx, id, &pins, translation_of, actor).await?;
        if current.status != EntryStatus::Draft {
            entries::bump_pages(&mut tx, &[current.page_id]).await?;
        }
    }
    workflow::finish(tx, changed).await?;
    workflow::respond(state, id).await
}

/// Pin related entries
///
/// Sets the entries shown first among this one's related questions (`pins`: ids or slugs, at
/// most 5, in order; empty removes them). A new version of the entry (its ETag changes).
#[utoipa::path(
    tag = "faqs",
    params(
        ("ref" = String, Path, description = "The entry's id or slug."),
        ("If-Match" = String, Header, description = "The entry's ETag as last read, or `*`.", pattern = "^(\\*|(W/)?\"[!#-~]*\"( *, *(W/)?\"[!#-~]*\")*)$"),
    ),
    request_body(content = PinsBody, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The entry as written.", body = Entry, headers(
            ("ETag" = String, description = "The new version's ETag."),
        )),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 403, response = crate::api::Forbidden),
        (status = 404, response = crate::api::NotFound),
        (status = 412, response = crate::api::PreconditionFailed),
        (status = 413, response = crate::api::PayloadTooLarge),
        (status = 415, response = crate::api::UnsupportedMediaType),
        (status = 422, response = crate::api::Unprocessable),
        (status = 428, response = crate::api::PreconditionRequired),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[put("/faqs/{ref}/related")]
pub async fn put_related(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    entry_ref: web::Path<String>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let principal = caller.require(Role::Editor)?;
    let id = existing(&state, &entry_ref).await?;
    let bytes = body::read_body(&req, payload, &[JSON], MAX_JSON_BYTES).await?;
    let body: PinsBody = body::parse_typed(body::parse_json(&bytes)?)?;
    write_links(
        &state,
        &req,
        &principal.name,
        id,
        LinkWrite::Pins(body.pins),
    )
    .await
}

/// Link a translation
///
/// Names the entry this one translates (`translation_of`: an entry of the page with the same
/// slug in another language; `null` removes the link, and entries pair by position again).
/// A new version of the entry (its ETag changes).
#[utoipa::path(
    tag = "faqs",
    params(
        ("ref" = String, Path, description = "The entry's id or slug."),
        ("If-Match" = String, Header, description = "The entry's ETag as last read, or `*`.", pattern = "^(\\*|(W/)?\"[!#-~]*\"( *, *(W/)?\"[!#-~]*\")*)$"),
    ),
    request_body(content = TranslationBody, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The entry as written.", body = Entry, headers(
            ("ETag" = String, description = "The new version's ETag."),
        )),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 403, response = crate::api::Forbidden),
        (status = 404, response = crate::api::NotFound),
        (status = 412, response = crate::api::PreconditionFailed),
        (status = 413, response = crate::api::PayloadTooLarge),
        (status = 415, response = crate::api::UnsupportedMediaType),
        (status = 422, response = crate::api::Unprocessable),
        (status = 428, response = crate::api::PreconditionRequired),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[put("/faqs/{ref}/translation")]
pub async fn put_translation(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    entry_ref: web::Path<String>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let principal = caller.require(Role::Editor)?;
    let id = existing(&state, &entry_ref).await?;
    let bytes = body::read_body(&req, payload, &[JSON], MAX_JSON_BYTES).await?;
    let body: TranslationBody = body::parse_typed(body::parse_json(&bytes)?)?;
    write_links(
        &state,
        &req,
        &principal.name,
        id,
        LinkWrite::Translation(body.translation_of),
    )
    .await
}

/// Adds what entries carry besides their columns: `translations` (for everyone, as the
/// audience sees them), and for editors their pins and translation link.
pub(crate) async fn add_links(
    conn: &mut PgConnection,
    audience: Audience,
    entries: &mut [Entry],
) -> ApiResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = entries.iter().map(|e| e.id).collect();
    let translations = related::translations(conn, audience, &ids).await?;
    for (id, translation) in translations {
        if let Some(entry) = entries.iter_mut().find(|e| e.id == id) {
            entry.translations.push(translation);
        }
    }
    if audience == Audience::Editor {
        for (id, pins, translation_of) in related::links_as_slugs(conn, &ids).await? {
            if let Some(entry) = entries.iter_mut().find(|e| e.id == id) {
                entry.related_pins = Some(pins);
                entry.translation_of = translation_of;
            }
        }
    }
    Ok(())
}
