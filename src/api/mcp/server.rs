//! The Model Context Protocol server behind `POST /mcp` (docs/seo-and-agents.md): tools and
//! resources over what readers see, and with an editor's token the editors' tools.
//!
//! The protocol (JSON-RPC, version negotiation, the streamable HTTP transport's rules) is the
//! official Rust SDK's, `rmcp`: its [`StreamableHttpService`] runs stateless (each POST is
//! served on its own: no session to keep, any instance can answer) and answers plain JSON.
//! `api::mcp` hands it each request; this module is the [`ServerHandler`]: what the tools
//! do, through the same store functions and write path as the REST API.

use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    JsonObject, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Resource,
    ResourceContents, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::{Value, json};

use super::tools::{
    DraftArgs, EDITOR_TOOLS, Failure, LangArgs, PageArgs, RefArgs, SearchArgs, ToolResult,
    WindowArgs, arguments, editor_tools, json_result, parse_lang, reader_tools,
};
use crate::api::faqs::input::EntryBody;
use crate::auth::{Principal, Role};
use crate::domain::Lang;
use crate::error::ApiError;
use crate::http::conditional::Precondition;
use crate::model::{Audience, Page};
use crate::search::hit::Scope;
use crate::search::query::Terms;
use crate::state::AppState;
use crate::store::entries::{self, EntryRef};
use crate::store::feedback;
use crate::store::pages;

/// The HTTP service `api::mcp` calls.
pub type McpService = StreamableHttpService<FaqServer, NeverSessionManager>;

/// The largest JSON-RPC message accepted (as for JSON writes).
pub const MAX_MESSAGE_BYTES: usize = crate::http::body::MAX_JSON_BYTES;

/// Who called, as `api::mcp` found it: put in the HTTP request's extensions for the handler.
#[derive(Clone, Debug)]
pub struct McpCaller(pub Option<Principal>);

/// The streamable HTTP service over `state`: stateless, JSON answers, no SSE keep-alive.
/// `Host` is not checked here (faqd serves any name it is reached by); `api::mcp` checks
/// `Origin` against the CORS origins before the service sees the request.
pub fn service(state: AppState) -> McpService {
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_sse_retry(None)
        .with_max_request_body_bytes(MAX_MESSAGE_BYTES)
        .disable_allowed_hosts()
        .disable_allowed_origins();
    StreamableHttpService::new(
        move || Ok(FaqServer::new(state.clone())),
        Arc::new(NeverSessionManager::default()),
        config,
    )
}

/// One request's MCP server: the application's state.
#[derive(Clone)]
pub struct FaqServer {
    state: AppState,
}

/// The URI of a page's Markdown resource.
fn page_uri(page: &Page) -> String {
    format!("faqd://pages/{}/{}", page.lang, page.slug)
}

/// `(lang, slug)` of a page resource URI.
fn parse_page_uri(uri: &str) -> Option<(String, String)> {
    let (lang, slug) = uri.strip_prefix("faqd://pages/")?.split_once('/')?;
    Some((lang.to_owned(), slug.to_owned()))
}

/// A search highlight (escaped HTML with `<mark>`) as plain text.
fn plain_snippet(highlight: &str) -> String {
    highlight
        .replace("<mark>", "")
        .replace("</mark>", "")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

impl FaqServer {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }

    /// An editor's (or admin's) principal, if the request carried such a token.
    fn editor(context: &RequestContext<RoleServer>) -> Option<Principal> {
        context
            .extensions
            .get::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<McpCaller>())
            .and_then(|caller| caller.0.clone())
            .filter(|principal| principal.role >= Role::Editor)
    }

    /// Where readers find an entry: on the site when its URL is known, else its API URL.
    fn entry_url(&self, page: &str, lang: &str, slug: &str) -> String {
        match self.state.presenter.page_url(page, lang) {
            Some(url) => format!("{url}#{slug}"),
            None => format!("{}/faqs/{slug}", crate::http::API_PREFIX),
        }
    }

    /// The page `slug` readers see, in `lang` or in its only language.
    async fn reader_page(&self, slug: &str, lang: Option<&str>) -> Result<Page, Failure> {
        let lang = parse_lang(lang)?;
        let mut conn = self.state.conn().await?;
        let lang = match lang {
            Some(lang) => lang.as_str().to_owned(),
            None => {
                let langs = pages::languages(&mut conn, Audience::Reader, slug).await?;
                match langs.as_slice() {
                    [] => return Err(Failure::Tool(format!("no page '{slug}'"))),
                    [one] => one.clone(),
                    several => {
                        return Err(Failure::Tool(format!(
                            "the page '{slug}' exists in {}: give lang",
                            several.join(", ")
                        )));
                    }
                }
            }
        };
        pages::get(&mut conn, Audience::Reader, slug, &lang)
            .await?
            .ok_or_else(|| Failure::Tool(format!("no page '{slug}' in '{lang}'")))
    }

    async fn search_faq(&self, args: SearchArgs) -> ToolResult {
        let query = args.query.trim();
        if query.is_empty() {
            return Err(Failure::Tool("query must not be empty".to_owned()));
        }
        let limit = args.limit.unwrap_or(10);
        if !(1..=50).contains(&limit) {
            return Err(Failure::Tool("limit must be from 1 to 50".to_owned()));
        }
        let lang = parse_lang(args.lang.as_deref())?;
        let terms = Terms::parse(query);
        let scope = Scope {
            page: args.page.as_deref(),
            lang: lang.as_ref().map(Lang::as_str),
            section: None,
            tag: None,
        };
        let found = self
            .state
            .searcher
            .find(query, &terms, &scope, 0, i64::from(limit))
            .await?;
        let hits: Vec<Value> = found
            .hits
            .iter()
            .map(|hit| {
                json!({
                    "question": hit.question,
                    "slug": hit.slug,
                    "page": hit.page,
                    "lang": hit.lang,
                    "snippet": plain_snippet(&hit.highlight.answer),
                    "url": self.entry_url(&hit.page, &hit.lang, &hit.slug),
                })
            })
            .collect();
        json_result(json!({
            "query": query,
            "corrected": found.corrected,
            "total": found.total,
            "hits": hits,
        }))
    }

    async fn get_page(&self, args: PageArgs) -> ToolResult {
        let page = self.reader_page(&args.slug, args.lang.as_deref()).await?;
        let mut conn = self.state.conn().await?;
        let markdown = crate::api::llms::page_markdown(&self.state, &mut conn, &page)
            .await?
            .ok_or_else(|| Failure::Tool(format!("no page '{}'", page.slug)))?;
        let listed = entries::of_page(&mut conn, Audience::Reader, &page.slug, &page.lang).await?;
        let entries: Vec<Value> = listed
            .iter()
            .map(|e| json!({"slug": e.slug, "section": e.section, "question": e.question}))
            .collect();
        let structured = json!({
            "slug": page.slug,
            "lang": page.lang,
            "title": page.title,
            "description": page.description,
            "url": self.state.presenter.page_url(&page.slug, &page.lang),
            "resource": page_uri(&page),
            "entries": entries,
        });
        let mut result = CallToolResult::success(vec![ContentBlock::text(markdown)]);
        result.structured_content = Some(structured);
        Ok(result)
    }

    async fn get_entry(&self, args: RefArgs) -> ToolResult {
        let missing = || Failure::Tool(format!("no entry '{}'", args.entry));
        let parsed = EntryRef::parse(args.entry.trim()).ok_or_else(missing)?;
        let mut conn = self.state.conn().await?;
        let mut entry = entries::get(&mut conn, Audience::Reader, &parsed)
            .await?
            .ok_or_else(missing)?;
        self.state.present(&mut entry);
        json_result(json!({
            "id": entry.id,
            "slug": entry.slug,
            "page": entry.page,
            "lang": entry.lang,
            "section": entry.section,
            "question": entry.question,
            "answer": self.state.presenter.markdown(&entry.answer),
            "answer_text": entry.answer_text,
            "url": self.entry_url(&entry.page, &entry.lang, &entry.slug),
            "published_at": entry.published_at,
        }))
    }

    async fn list_pages(&self, args: LangArgs) -> ToolResult {
        let lang = parse_lang(args.lang.as_deref())?;
        let mut conn = self.state.conn().await?;
        let listed = pages::list(
            &mut conn,
            Audience::Reader,
            lang.as_ref().map(Lang::as_str),
            None,
            crate::api::llms::MAX_PAGES,
        )
        .await?;
        let pages: Vec<Value> = listed
            .iter()
            .map(|p| {
                json!({
                    "slug": p.slug,
                    "lang": p.lang,
                    "title": p.title,
                    "description": p.description,
                    "questions": p.entry_count,
                    "resource": page_uri(p),
                })
            })
            .collect();
        json_result(json!({ "pages": pages }))
    }

    async fn related_questions(&self, args: RefArgs) -> ToolResult {
        let missing = || Failure::Tool(format!("no entry '{}'", args.entry));
        let parsed = EntryRef::parse(args.entry.trim()).ok_or_else(missing)?;
        let mut conn = self.state.conn().await?;
        let entry = entries::get(&mut conn, Audience::Reader, &parsed)
            .await?
            .ok_or_else(missing)?;
        let related = crate::api::faqs::related::related_of(&self.state, &mut conn, &entry).await?;
        let items: Vec<Value> = related
            .iter()
            .map(|r| {
                json!({
                    "question": r.question,
                    "slug": r.slug,
                    "page": r.page,
                    "lang": r.lang,
                    "pinned": r.pinned,
                })
            })
            .collect();
        json_result(json!({ "entry": entry.slug, "related": items }))
    }

    async fn draft_answer(&self, principal: &Principal, args: DraftArgs) -> ToolResult {
        let entry = match &args.entry {
            Some(entry_ref) => {
                // A staged change of the entry's question and answer: readers keep the
                // published version (a draft entry stays a draft).
                let id =
                    crate::api::faqs::workflow::existing(&self.state, entry_ref.trim()).await?;
                crate::api::faqs::workflow::write_update(
                    &self.state,
                    principal,
                    id,
                    &Precondition::Any,
                    true,
                    "updated",
                    |current, page| {
                        Ok(EntryBody {
                            page: Some(page.slug.clone()),
                            lang: Some(page.lang.clone()),
                            question: Some(args.question.clone()),
                            answer: Some(args.answer.clone()),
                            slug: Some(current.slug.clone()),
                            section: args.section.clone().or(current.section.clone()),
                            position: None,
                            tags: Some(current.tags.clone()),
                            status: None,
                            publish_at: None,
                            unpublish_at: None,
                        })
                    },
                )
                .await?
            }
            None => {
                let Some(page) = args.page.clone() else {
                    return Err(Failure::Tool(
                        "give page (a new draft entry's page) or ref (an entry to stage a change of)"
                            .to_owned(),
                    ));
                };
                let body = EntryBody {
                    page: Some(page),
                    lang: args.lang.clone(),
                    question: Some(args.question.clone()),
                    answer: Some(args.answer.clone()),
                    slug: None,
                    section: args.section.clone(),
                    position: None,
                    tags: None,
                    status: Some("draft".to_owned()),
                    publish_at: None,
                    unpublish_at: None,
                };
                crate::api::faqs::workflow::insert_entry(&self.state, principal, body, false)
                    .await?
            }
        };
        json_result(json!({
            "id": entry.id,
            "slug": entry.slug,
            "page": entry.page,
            "lang": entry.lang,
            "status": entry.status,
            "version": entry.version,
            "review": format!("/admin#/faqs/{}", entry.id),
            "note": "Not published: an editor reviews and publishes it.",
        }))
    }

    async fn unanswered_questions(&self, args: WindowArgs) -> ToolResult {
        let (since, limit) = args.checked(20)?;
        if let Some(insights) = &self.state.insights {
            insights.flush(&self.state.pool).await?;
        }
        let mut conn = self.state.conn().await?;
        let rows = crate::search::postgres::no_hit_queries(&mut conn, since, limit).await?;
        let questions: Vec<Value> = rows
            .into_iter()
            .map(|(query, searches, no_hits)| {
                json!({"query": query, "searches": searches, "searches_without_hits": no_hits})
            })
            .collect();
        json_result(json!({
            "days": since + 1,
            "insights_enabled": self.state.insights.is_some(),
            "questions": questions,
        }))
    }

    async fn feedback_summary(&self, args: WindowArgs) -> ToolResult {
        let (since, limit) = args.checked(10)?;
        let mut conn = self.state.conn().await?;
        let feedback::Summary {
            helpful,
            not_helpful,
            reasons,
            worst,
        } = feedback::summary(&mut conn, since, limit).await?;
        let by_reason: serde_json::Map<String, Value> = reasons
            .into_iter()
            .map(|(reason, n)| (reason, json!(n)))
            .collect();
        let worst_rated: Vec<Value> = worst
            .into_iter()
            .map(|(slug, page, lang, question, helpful, not_helpful)| {
                json!({
                    "slug": slug, "page": page, "lang": lang, "question": question,
                    "helpful": helpful, "not_helpful": not_helpful,
                })
            })
            .collect();
        json_result(json!({
            "days": since + 1,
            "helpful": helpful,
            "not_helpful": not_helpful,
            "by_reason": by_reason,
            "worst_rated": worst_rated,
        }))
    }

    async fn call(
        &self,
        name: &str,
        args: Option<JsonObject>,
        editor: Option<Principal>,
    ) -> ToolResult {
        match (name, editor) {
            ("search_faq", _) => self.search_faq(arguments(args)?).await,
            ("get_page", _) => self.get_page(arguments(args)?).await,
            ("get_entry", _) => self.get_entry(arguments(args)?).await,
            ("list_pages", _) => self.list_pages(arguments(args)?).await,
            ("related_questions", _) => self.related_questions(arguments(args)?).await,
            ("draft_answer", Some(editor)) => self.draft_answer(&editor, arguments(args)?).await,
            ("unanswered_questions", Some(_)) => self.unanswered_questions(arguments(args)?).await,
            ("feedback_summary", Some(_)) => self.feedback_summary(arguments(args)?).await,
            (name, None) if EDITOR_TOOLS.contains(&name) => {
                Err(Failure::Protocol(ErrorData::invalid_params(
                    format!("unknown tool '{name}': it needs an editor's bearer token"),
                    None,
                )))
            }
            (name, _) => Err(Failure::Protocol(ErrorData::invalid_params(
                format!(
                    "unknown tool '{}'",
                    crate::domain::truncate_for_message(name)
                ),
                None,
            ))),
        }
    }
}

impl ServerHandler for FaqServer {
    fn get_info(&self) -> ServerConfig {
        let mut implementation = Implementation::new("faqd", env!("CARGO_PKG_VERSION"));
        implementation.title = Some(self.state.site_name.to_string());
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_server_info(implementation)
        .with_instructions(
            "Frequently asked questions and their published answers. search_faq finds \
             questions; get_entry gives an answer; list_pages and get_page (or the page \
             resources, in Markdown) give whole pages. With an editor's token: draft_answer \
             proposes an answer for review (never published by itself), \
             unanswered_questions and feedback_summary show what readers miss.",
        )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let mut tools = reader_tools();
        if Self::editor(&context).is_some() {
            tools.extend(editor_tools());
        }
        Ok(ListToolsResult::with_all_items(tools))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let editor = Self::editor(&context);
        match self.call(&request.name, request.arguments, editor).await {
            Ok(result) => Ok(result.into()),
            Err(Failure::Tool(message)) => {
                Ok(CallToolResult::error(vec![ContentBlock::text(message)]).into())
            }
            Err(Failure::Protocol(error)) => Err(error),
        }
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let listed = async {
            let mut conn = self.state.conn().await?;
            let listed = pages::list(
                &mut conn,
                Audience::Reader,
                None,
                None,
                crate::api::llms::MAX_PAGES,
            )
            .await?;
            Ok::<_, ApiError>(listed)
        }
        .await
        .map_err(protocol_error)?;
        let resources = listed
            .iter()
            .map(|page| {
                let mut resource = Resource::new(page_uri(page), page.slug.clone())
                    .with_mime_type("text/markdown");
                if !page.title.trim().is_empty() {
                    resource = resource.with_title(page.title.clone());
                }
                if !page.description.trim().is_empty() {
                    resource = resource.with_description(page.description.clone());
                }
                resource
            })
            .collect();
        Ok(ListResourcesResult::with_all_items(resources))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let not_found = || {
            ErrorData::resource_not_found(
                format!(
                    "no resource '{}'",
                    crate::domain::truncate_for_message(&request.uri)
                ),
                None,
            )
        };
        let (lang, slug) = parse_page_uri(&request.uri).ok_or_else(not_found)?;
        let markdown = async {
            let mut conn = self.state.conn().await?;
            let Some(page) = pages::get(&mut conn, Audience::Reader, &slug, &lang).await? else {
                return Ok(None);
            };
            crate::api::llms::page_markdown(&self.state, &mut conn, &page).await
        }
        .await
        .map_err(protocol_error)?
        .ok_or_else(not_found)?;
        Ok(ReadResourceResult::new(vec![
            ResourceContents::text(markdown, request.uri.clone()).with_mime_type("text/markdown"),
        ])
        .into())
    }
}

/// An error of a protocol method (not a tool call) as JSON-RPC.
fn protocol_error(err: ApiError) -> ErrorData {
    match Failure::from(err) {
        Failure::Protocol(error) => error,
        Failure::Tool(message) => ErrorData::invalid_params(message, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_uris_round_trip() {
        let uri = "faqd://pages/fr-CA/faq";
        assert_eq!(
            parse_page_uri(uri),
            Some(("fr-CA".to_owned(), "faq".to_owned()))
        );
        assert_eq!(parse_page_uri("https://example.com/faq"), None);
        assert_eq!(parse_page_uri("faqd://pages/en"), None);
    }

    #[test]
    fn snippets_are_plain_text() {
        assert_eq!(
            plain_snippet("A <mark>team</mark> &amp; &lt;b&gt; &#39;x&#39;"),
            "A team & <b> 'x'"
        );
    }

    #[test]
    fn editor_tools_are_not_reader_tools() {
        let readers: Vec<_> = reader_tools().into_iter().map(|t| t.name).collect();
        let editors: Vec<_> = editor_tools().into_iter().map(|t| t.name).collect();
        assert_eq!(readers.len(), 5);
        assert_eq!(editors, EDITOR_TOOLS);
        assert!(editors.iter().all(|e| !readers.contains(e)));
    }
}
