//! What handlers' responses share beyond `http::conditional`: the headers of an answer that
//! only its caller may keep.

use actix_web::HttpResponseBuilder;
use actix_web::http::header;

pub use crate::http::conditional::PRIVATE;

/// Marks `res` as its caller's alone: `Cache-Control: private, no-store`, and
/// `Vary: Authorization` for any cache that would key on the URL alone.
pub fn private(mut res: HttpResponseBuilder) -> HttpResponseBuilder {
    res.insert_header((header::CACHE_CONTROL, PRIVATE))
        .insert_header((header::VARY, "Authorization"));
    res
}
