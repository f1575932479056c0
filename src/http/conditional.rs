//! Conditional requests in one place: every ETag faqd issues (versions, entries, pages,
//! weak body hashes, codings), `If-Match` (writes), `If-None-Match` / `If-Modified-Since`
//! (reads), and the cacheable response that answers 304.

use actix_web::body::MessageBody;
use actix_web::http::header::{
    self, EntityTag, Header, HttpDate, IfMatch, IfModifiedSince, IfNoneMatch,
};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::model::Audience;
use crate::state::AppState;

/// `Cache-Control` of every answer made for one token (editors' views, writes' results).
pub const PRIVATE: &str = "private, no-store";

/// A weak ETag over the exact bytes of a representation (for lists and search).
pub fn weak_etag_of(bytes: &[u8]) -> EntityTag {
    let digest = Sha256::digest(bytes);
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    EntityTag::new_weak(hex)
}

/// The strong ETag of a versioned resource: `"<version>"`.
pub fn version_etag(version: i64) -> EntityTag {
    EntityTag::new_strong(version.to_string())
}

/// The content codings a strong ETag is suffixed with when the body is sent compressed.
const CODING_SUFFIXES: &[&str] = &["-gzip", "-br", "-zstd", "-deflate"];

/// A tag as the representation in identity coding had it: `1.3-gzip` → `1.3`.
pub fn identity_tag(tag: &str) -> &str {
    CODING_SUFFIXES
        .iter()
        .find_map(|suffix| tag.strip_suffix(suffix))
        .unwrap_or(tag)
}

/// Middleware (outside `Compress`): a compressed body is another representation, so its
/// strong ETag gets the coding as a suffix (`"3-gzip"`); the identity body keeps `"3"`.
/// Validators sent back are read without the suffix (`identity_tag`). It also folds every
/// `Vary` line into one, because the CORS layer outside keeps only the first line it finds:
/// `Compress` appends `accept-encoding` as a line of its own, which was lost.
pub async fn etag_per_coding(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    fold_vary(res.headers_mut());
    let coding = res
        .headers()
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .filter(|c| !c.eq_ignore_ascii_case("identity"))
        .map(str::to_ascii_lowercase);
    if let Some(coding) = coding
        && let Some(etag) = res
            .headers()
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
        && etag.starts_with('"')
        && etag.ends_with('"')
        && etag.len() >= 2
    {
        let tagged = format!("\"{}-{coding}\"", &etag[1..etag.len() - 1]);
        if let Ok(value) = header::HeaderValue::from_str(&tagged) {
            res.headers_mut().insert(header::ETAG, value);
        }
    }
    Ok(res)
}

/// Middleware (inside CORS, outside everything else): any answer to a request that carries a
/// token — errors, probes, documents and redirects included — is `private, no-store` and
/// says `Vary: Authorization`.
pub async fn private_for_tokens(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    if !req.headers().contains_key(header::AUTHORIZATION) {
        return next
            .call(req)
            .await
            .map(actix_web::dev::ServiceResponse::map_into_boxed_body);
    }
    // An error (`Err`) passes as it is: problem+json errors are private already.
    let mut res = next.call(req).await?.map_into_boxed_body();
    let headers = res.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static(PRIVATE),
    );
    headers.append(
        header::VARY,
        header::HeaderValue::from_static("Authorization"),
    );
    fold_vary(headers);
    Ok(res)
}

/// Every `Vary` line of `headers` as one line (names kept once, in order).
fn fold_vary(headers: &mut actix_web::http::header::HeaderMap) {
    let lines: Vec<String> = headers
        .get_all(header::VARY)
        .filter_map(|v| v.to_str().ok())
        .map(str::to_owned)
        .collect();
    if lines.len() < 2 {
        return;
    }
    let mut names: Vec<&str> = Vec::new();
    for name in lines.iter().flat_map(|l| l.split(',')).map(str::trim) {
        if !name.is_empty() && !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            names.push(name);
        }
    }
    if let Ok(value) = header::HeaderValue::from_str(&names.join(", ")) {
        headers.insert(header::VARY, value);
    }
}

/// The strong ETag of an entry: `"<version>.<position>"`, so that a move changes it.
pub fn entry_etag(version: i64, position: i64) -> EntityTag {
    EntityTag::new_strong(entry_tag(version, position))
}

/// The strong ETag of one language of a page: `"<lang>-<version>"`, so that the French and
/// the English page never share one.
pub fn page_etag(lang: &str, version: i64) -> EntityTag {
    EntityTag::new_strong(format!("{lang}-{version}"))
}

/// The weak ETag of a page in editors' view, which also shows drafts: validated by its bytes
/// too, with the version first so that the page's writes accept it in `If-Match`
/// (`W/"en-3.9f2c…"`).
pub fn editor_page_etag(lang: &str, version: i64, bytes: &[u8]) -> EntityTag {
    let digest = Sha256::digest(bytes);
    let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    EntityTag::new_weak(format!("{lang}-{version}.{hash}"))
}

/// A strong ETag that also covers what a representation derives from other resources (an
/// entry's `translations`): `"<tag>~<hash>"`, or `tag` itself when `derived` is empty. `If-Match`
/// ignores the `~…` part (a write is about the resource's own state, which `tag` names).
pub fn with_derived<T: Serialize>(tag: EntityTag, derived: &[T]) -> EntityTag {
    if derived.is_empty() {
        return tag;
    }
    let bytes = serde_json::to_vec(derived).unwrap_or_default();
    let digest = Sha256::digest(&bytes);
    let hex: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    EntityTag::new_strong(format!("{}~{hex}", tag.tag()))
}

/// A JSON response that honours `If-None-Match` / `If-Modified-Since` (answering
/// 304 with no body) and carries `ETag`, `Last-Modified` and the `Cache-Control`
/// that fits its audience. `etag: None` uses a weak tag of the body.
pub struct Cacheable<'a> {
    pub req: &'a HttpRequest,
    pub state: &'a AppState,
    pub audience: Audience,
    pub etag: Option<EntityTag>,
    pub last_modified: Option<DateTime<Utc>>,
}

impl Cacheable<'_> {
    pub fn json<T: Serialize>(self, body: &T) -> Result<HttpResponse, ApiError> {
        let bytes = serde_json::to_vec(body).map_err(ApiError::internal)?;
        self.body(bytes, "application/json")
    }

    /// [`Cacheable::json`] for a body already serialised as `content_type`.
    pub fn body(self, bytes: Vec<u8>, content_type: &str) -> Result<HttpResponse, ApiError> {
        let etag = self.etag.clone().unwrap_or_else(|| weak_etag_of(&bytes));
        let not_modified = self.not_modified(&etag);
        let mut res = if not_modified {
            HttpResponse::NotModified()
        } else {
            HttpResponse::Ok()
        };
        res.insert_header(header::ETag(etag));
        if let Some(at) = self.last_modified {
            res.insert_header(header::LastModified(to_http_date(at)));
        }
        res.insert_header((header::CACHE_CONTROL, self.cache_control()));
        // A token changes what is seen: shared caches must not mix the two.
        res.insert_header((header::VARY, "Authorization"));
        if not_modified {
            return Ok(res.finish());
        }
        Ok(res.content_type(content_type).body(bytes))
    }

    fn cache_control(&self) -> String {
        match self.audience {
            Audience::Reader => format!(
                "public, max-age={age}, stale-while-revalidate={age}",
                age = self.state.cache_max_age
            ),
            Audience::Editor => PRIVATE.to_owned(),
        }
    }

    fn not_modified(&self, etag: &EntityTag) -> bool {
        is_not_modified(
            self.req,
            etag,
            self.last_modified.map(std::time::SystemTime::from),
        )
    }
}

/// RFC 9110 §13.2.2: `If-None-Match` (weak comparison, codings ignored) decides when
/// present; otherwise `If-Modified-Since` against `Last-Modified`. Shared by handlers and the
/// read cache.
pub fn is_not_modified(
    req: &HttpRequest,
    etag: &EntityTag,
    last_modified: Option<std::time::SystemTime>,
) -> bool {
    if req.headers().contains_key(header::IF_NONE_MATCH) {
        return match IfNoneMatch::parse(req) {
            Ok(IfNoneMatch::Any) => true,
            Ok(IfNoneMatch::Items(tags)) => tags
                .iter()
                .any(|t| identity_tag(t.tag()) == identity_tag(etag.tag())),
            Err(_) => false,
        };
    }
    match (IfModifiedSince::parse(req), last_modified) {
        (Ok(IfModifiedSince(since)), Some(at)) => {
            let since: std::time::SystemTime = since.into();
            // HTTP dates have whole seconds.
            at.duration_since(since).map_or(true, |d| d.as_secs() == 0)
        }
        _ => false,
    }
}

fn to_http_date(at: DateTime<Utc>) -> HttpDate {
    HttpDate::from(std::time::SystemTime::from(at))
}

/// What `If-Match` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// `If-Match: *`: overwrite whatever is there.
    Any,
    /// The entity tags named (weak or strong alike), as sent.
    Tags(Vec<String>),
}

impl Precondition {
    /// For a page (`"<lang>-<version>"` or `"<version>"`): 412 unless `current` is named.
    pub fn check(&self, current: i64) -> Result<(), ApiError> {
        match self {
            Self::Any => Ok(()),
            Self::Tags(tags) if tags.iter().any(|t| version_of(t) == Some(current)) => Ok(()),
            Self::Tags(_) => Err(ApiError::PreconditionFailed(format!(
                "If-Match does not name the current version; it is now \"{current}\""
            ))),
        }
    }

    /// For an entry: 412 unless its current ETag, `"<version>.<position>"`, is named. A tag
    /// from before a move of the entry is stale, as a tag from before an edit is.
    pub fn check_entry(&self, version: i64, position: i64) -> Result<(), ApiError> {
        let current = entry_tag(version, position);
        match self {
            Self::Any => Ok(()),
            Self::Tags(tags) if tags.contains(&current) => Ok(()),
            Self::Tags(_) => Err(ApiError::PreconditionFailed(format!(
                "If-Match does not name the entry's current ETag; it is now \"{current}\""
            ))),
        }
    }
}

/// The opaque text of an entry's ETag: its version and its position.
pub fn entry_tag(version: i64, position: i64) -> String {
    format!("{version}.{position}")
}

/// The request's `If-Match`: 428 when absent, 400 when malformed.
pub fn if_match(req: &HttpRequest) -> Result<Precondition, ApiError> {
    if !req.headers().contains_key(header::IF_MATCH) {
        return Err(ApiError::PreconditionRequired(
            "this write needs If-Match with the ETag you last read (or * to overwrite)".to_owned(),
        ));
    }
    match IfMatch::parse(req) {
        Ok(IfMatch::Any) => Ok(Precondition::Any),
        Ok(IfMatch::Items(tags)) if tags.is_empty() => Err(ApiError::BadRequest(
            "If-Match is empty: send the ETag you last read, or *".to_owned(),
        )),
        Ok(IfMatch::Items(tags)) => Ok(Precondition::Tags(
            tags.iter()
                .map(|t| {
                    // `~…`: what the representation derived from other resources (see
                    // `http::with_derived`), not a version of this one.
                    let tag = crate::http::conditional::identity_tag(t.tag());
                    tag.split('~').next().unwrap_or(tag).to_owned()
                })
                .collect(),
        )),
        Err(_) => Err(ApiError::BadRequest(
            "If-Match is not a list of entity tags".to_owned(),
        )),
    }
}

/// The version a tag names (`3`, a page's `en-3`, an entry's `3.2`); `None` for a tag we
/// never issue.
/// The page version a page ETag names: `"<version>"`, `"<lang>-<version>"` (readers),
/// `W/"<lang>-<version>.<hash>"` (editors, whose view also shows drafts), any of them with the
/// content coding a compressed answer's tag carries (`"en-3-gzip"`).
fn version_of(tag: &str) -> Option<i64> {
    let tag = identity_tag(tag).rsplit('-').next()?;
    tag.split('.').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preconditions_match_named_versions_only() {
        let tags = |t: &[&str]| Precondition::Tags(t.iter().map(|s| (*s).to_owned()).collect());
        assert!(Precondition::Any.check(7).is_ok());
        assert!(tags(&["6", "7"]).check(7).is_ok());
        assert!(tags(&["en-7"]).check(7).is_ok());
        assert!(matches!(
            tags(&["6"]).check(7),
            Err(ApiError::PreconditionFailed(_))
        ));
        assert!(tags(&["7.3"]).check_entry(7, 3).is_ok());
        assert!(
            tags(&["7"]).check_entry(7, 3).is_err(),
            "a bare version is stale"
        );
        assert!(
            tags(&["7.2"]).check_entry(7, 3).is_err(),
            "a moved entry's tag is stale"
        );
    }

    #[test]
    fn tags_name_versions() {
        assert_eq!(version_of("3"), Some(3));
        assert_eq!(version_of("en-3"), Some(3));
        assert_eq!(version_of("pt-BR-3"), Some(3));
        assert_eq!(version_of("3.2"), Some(3));
        assert_eq!(version_of("abc"), None);
    }
}
