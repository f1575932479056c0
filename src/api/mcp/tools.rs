//! The MCP tools: their names, descriptions and input schemas as agents list them, the
//! arguments they take, and how a call fails (a message for the model, or a protocol error).

use std::sync::Arc;

use rmcp::ErrorData;
use rmcp::model::{CallToolResult, ContentBlock, JsonObject, Tool, ToolAnnotations};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::Lang;
use crate::error::ApiError;

/// What a tool call fails with: a message for the model (a tool result with `isError`), or
/// a protocol error (unknown tool, bad arguments, the database down).
pub(super) enum Failure {
    Tool(String),
    Protocol(ErrorData),
}

impl From<ApiError> for Failure {
    fn from(err: ApiError) -> Self {
        match err {
            ApiError::Unavailable => Self::Protocol(ErrorData::internal_error(
                "the database is unavailable; retry in a moment",
                None,
            )),
            ApiError::Internal(cause) => {
                tracing::error!(error = %cause, "MCP tool failed");
                Self::Protocol(ErrorData::internal_error("internal error", None))
            }
            ApiError::TooManyRequests(seconds) => {
                Self::Tool(format!("too many requests: retry in {seconds} s"))
            }
            ApiError::Validation { detail, errors } => {
                let fields: Vec<String> = errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect();
                Self::Tool(format!("{detail}: {}", fields.join("; ")))
            }
            other => Self::Tool(other.to_string()),
        }
    }
}

impl From<sqlx::Error> for Failure {
    fn from(err: sqlx::Error) -> Self {
        Self::from(ApiError::from(err))
    }
}

pub(super) type ToolResult = Result<CallToolResult, Failure>;

/// A tool's answer: the JSON as structured content, and as text for clients that read only
/// text.
pub(super) fn json_result(value: Value) -> ToolResult {
    let text = serde_json::to_string_pretty(&value).unwrap_or_default();
    let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
    result.structured_content = Some(value);
    Ok(result)
}

/// A tool's arguments, by its schema: a wrong shape is a protocol error (invalid params).
pub(super) fn arguments<T: for<'de> Deserialize<'de>>(
    args: Option<JsonObject>,
) -> Result<T, Failure> {
    serde_json::from_value(Value::Object(args.unwrap_or_default())).map_err(|e| {
        Failure::Protocol(ErrorData::invalid_params(
            format!("the arguments do not fit the tool's input schema: {e}"),
            None,
        ))
    })
}

pub(super) fn parse_lang(lang: Option<&str>) -> Result<Option<Lang>, Failure> {
    lang.map(|l| Lang::parse(l).map_err(Failure::Tool))
        .transpose()
}

/// An input schema from its JSON.
pub(super) fn schema(value: Value) -> Arc<JsonObject> {
    match value {
        Value::Object(map) => Arc::new(map),
        _ => Arc::new(JsonObject::new()),
    }
}

/// The tools anyone may call.
pub(super) fn reader_tools() -> Vec<Tool> {
    let read_only = ToolAnnotations::new().read_only(true).open_world(false);
    vec![
        Tool::new(
            "search_faq",
            "Search the published FAQ: ranked, typo-tolerant hits (question, slug, page, \
             language and a snippet of the answer). Use get_entry with a hit's slug for the \
             full answer.",
            schema(json!({
                "type": "object",
                "properties": {
                    "query": {"type": "string", "minLength": 1, "description": "What to look for, in plain words."},
                    "page": {"type": "string", "description": "Only entries of the page with this slug."},
                    "lang": {"type": "string", "description": "Only entries of pages in this language (BCP 47, e.g. en)."},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 50, "default": 10, "description": "Hits to return."}
                },
                "required": ["query"],
                "additionalProperties": false
            })),
        )
        .with_title("Search the FAQ")
        .with_annotations(read_only.clone()),
        Tool::new(
            "get_page",
            "One published FAQ page: its Markdown (as readers see it) and its entries.",
            schema(json!({
                "type": "object",
                "properties": {
                    "slug": {"type": "string", "description": "The page's slug (see list_pages)."},
                    "lang": {"type": "string", "description": "The page's language; needed when the page exists in several."}
                },
                "required": ["slug"],
                "additionalProperties": false
            })),
        )
        .with_title("Read a page")
        .with_annotations(read_only.clone()),
        Tool::new(
            "get_entry",
            "One published question and its answer (Markdown, and as plain text), with its URL.",
            schema(json!({
                "type": "object",
                "properties": {
                    "ref": {"type": "string", "description": "The entry's slug or id."}
                },
                "required": ["ref"],
                "additionalProperties": false
            })),
        )
        .with_title("Read an entry")
        .with_annotations(read_only.clone()),
        Tool::new(
            "list_pages",
            "The published FAQ pages: slug, language, title, description, number of questions.",
            schema(json!({
                "type": "object",
                "properties": {
                    "lang": {"type": "string", "description": "Only pages in this language."}
                },
                "additionalProperties": false
            })),
        )
        .with_title("List the pages")
        .with_annotations(read_only.clone()),
        Tool::new(
            "related_questions",
            "Up to 5 published questions a reader of this entry likely wants next (pinned by \
             editors first, then by meaning or words).",
            schema(json!({
                "type": "object",
                "properties": {
                    "ref": {"type": "string", "description": "The entry's slug or id."}
                },
                "required": ["ref"],
                "additionalProperties": false
            })),
        )
        .with_title("Related questions")
        .with_annotations(read_only),
    ]
}

/// The tools only editors' tokens see and may call.
pub(super) fn editor_tools() -> Vec<Tool> {
    let read_only = ToolAnnotations::new().read_only(true).open_world(false);
    vec![
        Tool::new(
            "draft_answer",
            "Propose an answer, never publishing it: without `ref`, a new draft entry on \
             `page`; with `ref`, a staged change of that entry (readers keep the published \
             version until an editor publishes). Editors review it in the desk.",
            schema(json!({
                "type": "object",
                "properties": {
                    "question": {"type": "string", "minLength": 1, "maxLength": 500},
                    "answer": {"type": "string", "minLength": 1, "maxLength": 20000, "description": "Markdown."},
                    "page": {"type": "string", "description": "The page of a new entry (required without ref)."},
                    "lang": {"type": "string", "description": "The page's language, when it exists in several."},
                    "section": {"type": "string", "description": "The section heading of a new entry."},
                    "ref": {"type": "string", "description": "The slug or id of an entry to stage a change of."}
                },
                "required": ["question", "answer"],
                "additionalProperties": false
            })),
        )
        .with_title("Draft an answer")
        .with_annotations(
            ToolAnnotations::new()
                .read_only(false)
                .destructive(false)
                .idempotent(false)
                .open_world(false),
        ),
        Tool::new(
            "unanswered_questions",
            "What readers searched for recently that found nothing: the questions the FAQ \
             does not answer yet, most searched first.",
            schema(json!({
                "type": "object",
                "properties": {
                    "days": {"type": "integer", "minimum": 1, "maximum": 366, "default": 30},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}
                },
                "additionalProperties": false
            })),
        )
        .with_title("Unanswered questions")
        .with_annotations(read_only.clone()),
        Tool::new(
            "feedback_summary",
            "Readers' votes on answers: helpful and not helpful counts, the reasons given, \
             and the worst-rated entries.",
            schema(json!({
                "type": "object",
                "properties": {
                    "days": {"type": "integer", "minimum": 1, "maximum": 366, "default": 30},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}
                },
                "additionalProperties": false
            })),
        )
        .with_title("Feedback summary")
        .with_annotations(read_only),
    ]
}

pub(super) const EDITOR_TOOLS: &[&str] =
    &["draft_answer", "unanswered_questions", "feedback_summary"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SearchArgs {
    pub(super) query: String,
    pub(super) page: Option<String>,
    pub(super) lang: Option<String>,
    pub(super) limit: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PageArgs {
    pub(super) slug: String,
    pub(super) lang: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RefArgs {
    #[serde(rename = "ref")]
    pub(super) entry: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LangArgs {
    pub(super) lang: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DraftArgs {
    pub(super) question: String,
    pub(super) answer: String,
    pub(super) page: Option<String>,
    pub(super) lang: Option<String>,
    pub(super) section: Option<String>,
    #[serde(rename = "ref")]
    pub(super) entry: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WindowArgs {
    pub(super) days: Option<u32>,
    pub(super) limit: Option<u32>,
}

impl WindowArgs {
    /// Days back (today included) and list length, each checked.
    pub(super) fn checked(&self, default_limit: u32) -> Result<(i32, i64), Failure> {
        let days = self.days.unwrap_or(30);
        if !(1..=366).contains(&days) {
            return Err(Failure::Tool("days must be from 1 to 366".to_owned()));
        }
        let limit = self.limit.unwrap_or(default_limit);
        if !(1..=100).contains(&limit) {
            return Err(Failure::Tool("limit must be from 1 to 100".to_owned()));
        }
        Ok((i32::try_from(days - 1).unwrap_or(0), i64::from(limit)))
    }
}
