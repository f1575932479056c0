//! The OpenAPI document: the routes that are documented (one registration for the server and
//! for `faqd openapi`, so they cannot differ), and the document's shared parts (error
//! responses, the bearer scheme, tags).

use actix_web::App;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use utoipa::OpenApi;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa_actix_web::AppExt;

use crate::api;
use crate::error::{FieldError, PROBLEM_JSON, Problem};
use crate::http::API_PREFIX;

/// Routes outside the OpenAPI document's paths, for the 404/405 table.
pub const UNDOCUMENTED_ROUTES: &[(&str, Method)] = &[
    ("/openapi.json", Method::GET),
    ("/docs", Method::GET),
    ("/docs/{tail}*", Method::GET),
    ("/admin", Method::GET),
    ("/admin/{tail}*", Method::GET),
];

/// The documented routes, and the OpenAPI document collected from them: one
/// registration for the server and for `faqd openapi`, so they cannot differ.
pub fn documented_app() -> (
    App<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse,
            Error = actix_web::Error,
            InitError = (),
        >,
    >,
    utoipa::openapi::OpenApi,
) {
    let (app, mut doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(utoipa_actix_web::scope(API_PREFIX).configure(api::configure))
        .configure(api::health::configure)
        .configure(api::llms::configure)
        .configure(api::mcp::configure)
        .configure(api::health::configure_metrics)
        .split_for_parts();
    add_common_responses(&mut doc);
    (app, doc)
}

/// The OpenAPI document, exactly as `/openapi.json` serves it.
pub fn api_doc() -> utoipa::openapi::OpenApi {
    documented_app().1
}

/// The OpenAPI document as committed in `openapi/openapi.json` and served.
pub fn api_doc_json() -> String {
    match api_doc().to_pretty_json() {
        Ok(json) => json + "\n",
        // Serialising the document's own types cannot fail; say so loudly if it ever does.
        Err(err) => panic!("the OpenAPI document does not serialise: {err}"),
    }
}

/// The parts of the OpenAPI document that no handler declares.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "faqd",
        description = "A headless CMS for FAQ content: pages of questions and answers, served as JSON.\n\n\
            Errors are `application/problem+json` (RFC 9457). Anonymous reads are cacheable \
            (`ETag`, `Last-Modified`, `Cache-Control`); `If-None-Match` answers `304`.",
        license(name = "MIT OR Apache-2.0", identifier = "MIT OR Apache-2.0"),
    ),
    servers((url = "/", description = "This faqd (paths are relative to the host that serves the document)")),
    components(
        schemas(Problem, FieldError),
        responses(
            BadRequest, Unauthorized, Forbidden, NotFound, MethodNotAllowed, Conflict,
            PreconditionFailed, PayloadTooLarge, UnsupportedMediaType, Unprocessable,
            PreconditionRequired, TooManyRequests, Unavailable, NotModified,
        ),
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "pages", description = "FAQ pages: one source Markdown file in one language"),
        (name = "faqs", description = "Entries: one question and its answer"),
        (name = "feedback", description = "Readers' votes on answers (\"was this helpful?\"), for editors to act on"),
        (name = "search", description = "Ranked, typo-tolerant search over what readers see"),
        (name = "changes", description = "The change log: what readers see that changed"),
        (name = "webhooks", description = "Receivers of the change log, signed as Standard Webhooks (admins)"),
        (name = "mcp", description = "The Model Context Protocol server for AI agents (no prefix)"),
        (name = "health", description = "Liveness, readiness and metrics"),
    ),
)]
pub struct ApiDoc;

/// Declares a reusable error response whose body is a [`Problem`], with the headers it carries.
macro_rules! problem_response {
    ($($name:ident => $description:literal $(, headers($($header:literal => $header_doc:literal),+))?);* $(;)?) => {$(
        #[doc = $description]
        pub struct $name;

        impl<'r> utoipa::ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
                #[allow(unused_mut)]
                let mut response = ResponseBuilder::new()
                    .description($description)
                    .content(PROBLEM_JSON, content);
                $($(response = response.header($header, header($header_doc));)+)?
                (stringify!($name), response.build().into())
            }
        }
    )*};
}

/// A response header whose value is a string.
fn header(description: &str) -> utoipa::openapi::header::Header {
    utoipa::openapi::header::HeaderBuilder::new()
        .schema(utoipa::openapi::ObjectBuilder::new().schema_type(utoipa::openapi::Type::String))
        .description(Some(description))
        .build()
}

problem_response! {
    BadRequest => "Malformed: a query parameter, cursor, header or JSON body that does not parse or fit the schema.";
    Unauthorized => "A token is needed, or the one sent is unknown, expired or revoked (`WWW-Authenticate: Bearer`).",
        headers("WWW-Authenticate" => "`Bearer`.");
    Forbidden => "The token's role does not allow this.";
    NotFound => "No such resource.";
    Conflict => "The slug is already taken.";
    PreconditionFailed => "`If-Match` does not name the current version; nothing was changed.";
    PayloadTooLarge => "The body is over the limit (256 KiB for JSON).";
    UnsupportedMediaType => "The body's `Content-Type` is not one this operation takes.";
    Unprocessable => "The body breaks rules; `errors` lists every one.";
    PreconditionRequired => "This write needs `If-Match`.";
    MethodNotAllowed => "The resource does not answer this method; `Allow` lists those it does.",
        headers("Allow" => "The methods this resource answers, e.g. `GET, HEAD`.");
    TooManyRequests => "Over this client's budget (the token, else the address): writes and searches are rate-limited per minute.",
        headers(
            "Retry-After" => "Seconds to wait before retrying.",
            "RateLimit-Limit" => "Requests allowed a minute in this budget.",
            "RateLimit-Remaining" => "Requests left now: `0`.",
            "RateLimit-Reset" => "Seconds until a request is allowed again."
        );
    Unavailable => "The database is unavailable; retry after `Retry-After` seconds.",
        headers("Retry-After" => "Seconds to wait before retrying.");
}

/// Adds the responses that every operation, or every rate-limited one, can give, but that
/// no handler declares because no handler answers them: `405` (the fallback answers a
/// wrong method on any route) and `429` (the rate limiter answers before the handler).
/// Runs over the collected document, after the handlers have added their paths.
pub fn add_common_responses(doc: &mut utoipa::openapi::OpenApi) {
    use actix_web::http::Method;
    for (path, item) in doc.paths.paths.iter_mut() {
        let operations = [
            (&mut item.get, Method::GET),
            (&mut item.put, Method::PUT),
            (&mut item.post, Method::POST),
            (&mut item.delete, Method::DELETE),
            (&mut item.patch, Method::PATCH),
        ];
        for (operation, method) in operations {
            let Some(operation) = operation else { continue };
            let responses = &mut operation.responses.responses;
            responses
                .entry("405".to_owned())
                .or_insert_with(|| Ref::from_response_name("MethodNotAllowed").into());
            if crate::http::middleware::ratelimit::budget_of(&method, path).is_some() {
                responses
                    .entry("429".to_owned())
                    .or_insert_with(|| Ref::from_response_name("TooManyRequests").into());
            }
        }
    }
}

/// `304 Not Modified`: the representation matches `If-None-Match` / `If-Modified-Since`.
pub struct NotModified;

impl<'r> utoipa::ToResponse<'r> for NotModified {
    fn response() -> (&'r str, RefOr<Response>) {
        let response = ResponseBuilder::new()
            .description("Not modified: the cached representation is current (no body).")
            .build();
        ("NotModified", response.into())
    }
}

/// Declares the bearer token scheme that writes (and editors' reads) use.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "A token minted with `faqd token create --name NAME --role preview|editor|admin`.",
            ))
            .build();
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}
