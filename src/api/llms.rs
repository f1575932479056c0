//! `/llms.txt` and `/llms-full.txt` (no prefix): the published pages for language models, as
//! the llmstxt.org proposal describes — an H1 with the site's name, a blockquote summary, one
//! H2 per page with a link to its Markdown (the page's export) — and every published page's
//! Markdown in one file.

use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::http::conditional::Cacheable;
use crate::model::{Audience, Page};
use crate::state::AppState;
use crate::store::{entries, export, pages};

/// The media type of both files: Markdown, served as text so that browsers show it.
const TEXT: &str = "text/plain; charset=utf-8";

/// More pages than any FAQ site has: one response lists them all.
pub(crate) const MAX_PAGES: u32 = 10_000;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_llms_txt).service(get_llms_full_txt);
}

/// Where a page's Markdown is read (relative to faqd's own URL).
fn export_url(page: &Page) -> String {
    format!(
        "{}/pages/{}/export?lang={}",
        crate::http::API_PREFIX,
        page.slug,
        page.lang
    )
}

/// Text for one line of Markdown: no line breaks, and in link text no brackets.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn link_text(text: &str) -> String {
    one_line(text)
        .replace('\\', "\\\\")
        .replace('[', "\\[")
        .replace(']', "\\]")
}

/// A page's name for readers: its title, else its slug.
fn page_name(page: &Page) -> String {
    match one_line(&page.title) {
        title if title.is_empty() => page.slug.clone(),
        title => title,
    }
}

/// The llms.txt index
///
/// The llmstxt.org index of the published pages: an H1 with the site's name
/// (`FAQD_SITE_NAME`), a blockquote summary, and one H2 per published page (each language its
/// own) with a link to the page's Markdown — its export, published text only — and, when
/// `FAQD_PUBLIC_BASE_URL` is set, to the page on the site. Links to faqd are relative to this
/// file's URL.
#[utoipa::path(
    tag = "pages",
    operation_id = "get_llms_txt",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The index, in Markdown.", content((String = "text/plain")), headers(
            ("ETag" = String, description = "Weak validator of this representation."),
            ("Last-Modified" = String, description = "When a page last changed."),
            ("Cache-Control" = String, description = "Public and short-lived for anonymous readers."),
        )),
        (status = 304, response = crate::api::NotModified),
        (status = 401, response = crate::api::Unauthorized),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[get("/llms.txt")]
pub async fn get_llms_txt(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let listed = pages::list(&mut conn, Audience::Reader, None, None, MAX_PAGES).await?;
    let (_, last_modified) = pages::count(&mut conn, Audience::Reader, None).await?;
    let questions: i64 = listed.iter().map(|p| p.entry_count).sum();
    let mut langs: Vec<&str> = listed.iter().map(|p| p.lang.as_str()).collect();
    langs.sort_unstable();
    langs.dedup();

    let mut text = format!("# {}\n\n", one_line(&state.site_name));
    text.push_str(&format!(
        "> Frequently asked questions and their answers: {questions} question{} on {} page{}{}. \
         Each page below links to its Markdown; /llms-full.txt holds them all.\n",
        if questions == 1 { "" } else { "s" },
        listed.len(),
        if listed.len() == 1 { "" } else { "s" },
        if langs.is_empty() {
            String::new()
        } else {
            format!(", in {}", langs.join(", "))
        },
    ));
    let several_langs = langs.len() > 1;
    for page in &listed {
        let name = page_name(page);
        text.push_str(&format!("\n## {name}"));
        if several_langs {
            text.push_str(&format!(" ({})", page.lang));
        }
        text.push_str("\n\n");
        let notes = one_line(&page.description);
        text.push_str(&format!("- [{}]({})", link_text(&name), export_url(page)));
        if notes.is_empty() {
            text.push_str(&format!(
                ": {} question{}, in Markdown\n",
                page.entry_count,
                if page.entry_count == 1 { "" } else { "s" }
            ));
        } else {
            text.push_str(&format!(": {notes}\n"));
        }
        if let Some(url) = state.presenter.page_url(&page.slug, &page.lang) {
            text.push_str(&format!("- [{} on the site]({url})\n", link_text(&name)));
        }
    }
    Cacheable {
        req: &req,
        state: &state,
        audience: caller.audience(),
        etag: None,
        last_modified,
    }
    .body(text.into_bytes(), TEXT)
}

/// The llms-full.txt file
///
/// Every published page's Markdown (its export, published text only), one after the other in
/// the order of `/llms.txt`, relative links resolved against `FAQD_PUBLIC_BASE_URL` when set.
/// A page kept as a data file (YAML, TOML, JSON) comes as Markdown: its title as an H1, each
/// question as an H2 followed by its answer.
#[utoipa::path(
    tag = "pages",
    operation_id = "get_llms_full_txt",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Every published page, in Markdown.", content((String = "text/plain")), headers(
            ("ETag" = String, description = "Weak validator of this representation."),
            ("Last-Modified" = String, description = "When a page last changed."),
            ("Cache-Control" = String, description = "Public and short-lived for anonymous readers."),
        )),
        (status = 304, response = crate::api::NotModified),
        (status = 401, response = crate::api::Unauthorized),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[get("/llms-full.txt")]
pub async fn get_llms_full_txt(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let listed = pages::list(&mut conn, Audience::Reader, None, None, MAX_PAGES).await?;
    let (_, last_modified) = pages::count(&mut conn, Audience::Reader, None).await?;
    let mut text = String::new();
    for page in &listed {
        let Some(markdown) = page_markdown(&state, &mut conn, page).await? else {
            // Hidden between the two reads: it is not published any more.
            continue;
        };
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(markdown.trim_end());
        text.push('\n');
    }
    Cacheable {
        req: &req,
        state: &state,
        audience: caller.audience(),
        etag: None,
        last_modified,
    }
    .body(text.into_bytes(), TEXT)
}

/// A published page as readers' Markdown: its export (published text only), or for a data
/// file its questions and answers as Markdown; relative links resolved against
/// `FAQD_PUBLIC_BASE_URL` when set. `None` when readers cannot see the page.
pub(crate) async fn page_markdown(
    state: &AppState,
    conn: &mut sqlx::PgConnection,
    page: &Page,
) -> ApiResult<Option<String>> {
    let Some(file) = export::export_page(conn, &page.slug, &page.lang, Audience::Reader).await?
    else {
        return Ok(None);
    };
    let markdown = if file.media_type.starts_with("text/markdown") {
        file.text
    } else {
        as_markdown(
            page,
            &entries::of_page(conn, Audience::Reader, &page.slug, &page.lang).await?,
        )
    };
    Ok(Some(state.presenter.markdown(&markdown)))
}

/// A page of a data file as Markdown: the title, then each question and its answer.
fn as_markdown(page: &Page, entries: &[crate::model::Entry]) -> String {
    let mut text = format!("# {}\n", page_name(page));
    for entry in entries {
        text.push_str(&format!(
            "\n## {}\n\n{}\n",
            one_line(&entry.question),
            entry.answer.trim()
        ));
    }
    text
}
