//! The editors' desk at `/admin`: a web interface over the public API, embedded in the binary
//! (plain ES modules and one stylesheet from `desk/`, no framework, no build step), served
//! under one strict Content-Security-Policy: only its own scripts and styles, no inline
//! script or style, requests to this origin only. It signs in with an editor's bearer token
//! kept in the tab's `sessionStorage`; the server holds no session.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::ApiError;
use crate::http::conditional::{is_not_modified, weak_etag_of};

/// The desk's policy: nothing but its own files; the API on this origin; icons as `data:`.
/// Answers in the preview are the server's sanitised HTML: an image elsewhere is not loaded.
pub const DESK_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

const JS: &str = "text/javascript; charset=utf-8";

/// Every file of the desk: name under `/admin/`, bytes, media type.
const ASSETS: &[(&str, &str, &str)] = &[
    ("desk.js", include_str!("../../desk/desk.js"), JS),
    ("api.js", include_str!("../../desk/api.js"), JS),
    ("ui.js", include_str!("../../desk/ui.js"), JS),
    ("page.js", include_str!("../../desk/page.js"), JS),
    ("entry.js", include_str!("../../desk/entry.js"), JS),
    ("files.js", include_str!("../../desk/files.js"), JS),
    ("insights.js", include_str!("../../desk/insights.js"), JS),
    (
        "desk.css",
        include_str!("../../desk/desk.css"),
        "text/css; charset=utf-8",
    ),
];

const INDEX: &str = include_str!("../../desk/index.html");

/// `/admin`, `/admin/` and `/admin/{file}`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin", web::get().to(index))
        .route("/admin/", web::get().to(index))
        .route("/admin/{file}", web::get().to(asset));
}

async fn index(req: HttpRequest) -> HttpResponse {
    serve(&req, INDEX, "text/html; charset=utf-8")
}

async fn asset(req: HttpRequest, file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let (_, body, media_type) = ASSETS
        .iter()
        .find(|(name, _, _)| *name == file.as_str())
        .ok_or_else(|| ApiError::NotFound(format!("the desk has no file '{file}'")))?;
    Ok(serve(&req, body, media_type))
}

/// A desk file: revalidated on every use (`no-cache`, a weak ETag of its bytes), so that a new
/// binary's desk is never mixed with an old one's modules.
fn serve(req: &HttpRequest, body: &'static str, media_type: &str) -> HttpResponse {
    let etag = weak_etag_of(body.as_bytes());
    let unchanged = is_not_modified(req, &etag, None);
    let mut res = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::CONTENT_SECURITY_POLICY, DESK_CSP))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(header::ETag(etag));
    if unchanged {
        res.finish()
    } else {
        res.content_type(media_type).body(body)
    }
}
