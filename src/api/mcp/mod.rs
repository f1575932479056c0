//! `POST /mcp` (no prefix): the Model Context Protocol over streamable HTTP, for AI agents
//! (docs/seo-and-agents.md). This module is the HTTP side: the `Origin` check the transport
//! asks for (against the CORS origins), the body read like every JSON body, JSON-RPC
//! parse errors answered as JSON-RPC, then the request handed to `rmcp`'s streamable HTTP
//! service (`crate::api::mcp::server`) as an `http::Request`, and its response streamed back. The
//! caller's principal, checked by `http::middleware::auth::authenticate` like any request's, rides along in
//! the request's extensions. `GET /mcp` is no route: the central fallback answers `405`
//! with `Allow: POST`, which the transport specifies for servers that open no stream of
//! their own.

pub mod server;
mod tools;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, post, web};
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};
use std::borrow::Cow;

use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::mcp::server::{MAX_MESSAGE_BYTES, McpCaller, McpService};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Problem};
use crate::http::body;
use crate::http::body::JSON;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(post_mcp);
}

/// The MCP service and the browser origins allowed to call it.
#[derive(Clone)]
pub struct McpEndpoint {
    service: McpService,
    origins: Vec<String>,
    any_origin: bool,
}

impl McpEndpoint {
    /// The service over `state`; browser origins as the CORS settings allow (`*`: any).
    pub fn new(state: AppState, cors_origins: &[String]) -> Self {
        let origins: Vec<String> = cors_origins
            .iter()
            .map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase())
            .filter(|o| !o.is_empty())
            .collect();
        Self {
            service: crate::api::mcp::server::service(state),
            any_origin: origins.iter().any(|o| o == "*"),
            origins,
        }
    }

    /// DNS-rebinding protection: a request from a browser page (it carries `Origin`) must
    /// come from an origin the CORS settings allow. Requests without `Origin` (agents,
    /// servers) pass.
    fn check_origin(&self, req: &HttpRequest) -> Result<(), ApiError> {
        let Some(origin) = req.headers().get(header::ORIGIN) else {
            return Ok(());
        };
        if self.any_origin {
            return Ok(());
        }
        let allowed = origin.to_str().is_ok_and(|o| {
            let o = o.trim().trim_end_matches('/').to_ascii_lowercase();
            self.origins.contains(&o)
        });
        if allowed {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "this Origin may not call /mcp: it is not among the CORS origins (FAQD_CORS_ORIGINS)"
                    .to_owned(),
            ))
        }
    }
}

/// A JSON-RPC 2.0 request (with `id`) or notification (without) of the Model Context
/// Protocol.
pub struct JsonRpcRequest;

impl utoipa::PartialSchema for JsonRpcRequest {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .description(Some(
                "A JSON-RPC 2.0 request (with `id`) or notification (without) of the Model \
                 Context Protocol: `initialize`, `tools/list`, `tools/call`, `resources/list`, \
                 `resources/read`, `ping`, `notifications/initialized` …",
            ))
            .property(
                "jsonrpc",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(["2.0"])),
            )
            .property("id", request_id())
            .property(
                "method",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .examples([json!("tools/call")]),
            )
            .property(
                "params",
                ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .description(Some("The method's parameters.")),
            )
            .required("jsonrpc")
            .required("method")
            .examples([json!({
                "jsonrpc": "2.0",
                "id": 1,
                "method": "tools/call",
                "params": {"name": "search_faq", "arguments": {"query": "how many teams"}}
            })])
            .into()
    }
}

impl ToSchema for JsonRpcRequest {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("JsonRpcRequest")
    }
}

/// A JSON-RPC 2.0 response: a `result`, or an `error` (`code`, `message`).
pub struct JsonRpcResponse;

impl utoipa::PartialSchema for JsonRpcResponse {
    fn schema() -> RefOr<Schema> {
        let error = ObjectBuilder::new()
            .property(
                "code",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .examples([json!(-32602)]),
            )
            .property("message", ObjectBuilder::new().schema_type(Type::String))
            .property("data", ObjectBuilder::new())
            .required("code")
            .required("message");
        let id = ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([
                Type::String,
                Type::Integer,
                Type::Null,
            ]))
            .description(Some(
                "The request's id; `null` when the body did not parse.",
            ));
        ObjectBuilder::new()
            .description(Some(
                "A JSON-RPC 2.0 response: the method's `result`, or an `error`.",
            ))
            .property(
                "jsonrpc",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(["2.0"])),
            )
            .property("id", id)
            .property(
                "result",
                ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .description(Some("The method's result.")),
            )
            .property("error", error)
            .required("jsonrpc")
            .examples([json!({
                "jsonrpc": "2.0",
                "id": 1,
                "result": {"content": [{"type": "text", "text": "{…}"}], "structuredContent": {}}
            })])
            .into()
    }
}

impl ToSchema for JsonRpcResponse {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("JsonRpcResponse")
    }
}

/// A request id: a string or a whole number.
fn request_id() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Integer]))
        .minimum(Some(0))
        .maximum(Some(9_007_199_254_740_991_i64))
        .description(Some("Absent in a notification."))
}

/// Whether `Accept` lets the answer be JSON (absent, `*/*`, `application/*` or
/// `application/json`). Such a client gets JSON even when it does not name
/// `text/event-stream`, which the transport asks clients to send: faqd never answers with a
/// stream.
fn accepts_json(req: &HttpRequest) -> bool {
    let Some(accept) = req.headers().get(header::ACCEPT) else {
        return true;
    };
    accept.to_str().is_ok_and(|accept| {
        accept.split(',').any(|item| {
            let essence = item.split(';').next().unwrap_or_default().trim();
            ["application/json", "application/*", "*/*"]
                .iter()
                .any(|m| essence.eq_ignore_ascii_case(m))
        })
    })
}

/// A JSON-RPC error with no request to answer (the body did not parse): HTTP 400, as the
/// transport allows, with the error in the body.
fn jsonrpc_error(id: Value, code: i64, message: String) -> HttpResponse {
    HttpResponse::BadRequest()
        .content_type(JSON)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": {"code": code, "message": message},
        }))
}

/// The reply to a body that is not JSON (`-32700`) or not one JSON-RPC message (`-32600`);
/// `None` when it is one.
fn bad_message(bytes: &[u8]) -> Option<HttpResponse> {
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(value) => value,
        Err(e) => {
            return Some(jsonrpc_error(
                Value::Null,
                -32700,
                format!("Parse error: {e}"),
            ));
        }
    };
    let e = serde_json::from_slice::<rmcp::model::ClientJsonRpcMessage>(bytes).err()?;
    let id = value
        .get("id")
        .filter(|id| id.is_string() || id.is_i64() || id.is_u64())
        .cloned()
        .unwrap_or(Value::Null);
    Some(jsonrpc_error(
        id,
        -32600,
        format!(
            "Invalid Request: not one JSON-RPC 2.0 message of the protocol: {}",
            crate::domain::truncate_for_message(&e.to_string())
        ),
    ))
}

/// The MCP server
///
/// The Model Context Protocol over streamable HTTP, for AI agents: one JSON-RPC message per
/// request, answered with `application/json` (clients send `Accept: application/json,
/// text/event-stream`; one that rules out JSON gets `406`). Stateless: no session id;
/// versions 2024-11-05 to 2026-07-28 are negotiated (with `initialize`, or per request as
/// 2026-07-28 does). Tools for anyone: `search_faq`, `get_page`, `get_entry`, `list_pages`,
/// `related_questions`; resources: each published page as Markdown. With an editor's bearer
/// token also `draft_answer` (a draft or a staged change, never a publication),
/// `unanswered_questions`, `feedback_summary`. Anonymous answers hold only what readers see.
/// Counts against the search rate limit. A browser `Origin` not among the CORS origins is
/// refused (403). `GET /mcp` answers `405` (no server-initiated stream). After an
/// `initialize`, clients send the negotiated version in `MCP-Protocol-Version`.
#[utoipa::path(
    tag = "mcp",
    operation_id = "post_mcp",
    request_body(content = JsonRpcRequest, content_type = "application/json"),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The JSON-RPC response: a result, or a JSON-RPC error (unknown tool, bad arguments).", body = JsonRpcResponse),
        (status = 202, description = "A notification or a response was accepted (no body)."),
        (status = 400, description = "Not JSON (`-32700`) or not a JSON-RPC message (`-32600`): a JSON-RPC error; a header the transport refuses: problem+json.", content(
            (JsonRpcResponse = "application/json"),
            (Problem = "application/problem+json"),
        )),
        (status = 401, response = crate::api::Unauthorized),
        (status = 403, response = crate::api::Forbidden),
        (status = 406, description = "`Accept` rules out `application/json`.", body = Problem, content_type = "application/problem+json"),
        (status = 413, response = crate::api::PayloadTooLarge),
        (status = 415, response = crate::api::UnsupportedMediaType),
    ),
)]
#[post("/mcp")]
pub async fn post_mcp(
    req: HttpRequest,
    payload: web::Payload,
    caller: Caller,
    endpoint: web::Data<McpEndpoint>,
) -> ApiResult<HttpResponse> {
    endpoint.check_origin(&req)?;
    let bytes = body::read_body(&req, payload, &[JSON], MAX_MESSAGE_BYTES).await?;
    if let Some(reply) = bad_message(&bytes) {
        return Ok(reply);
    }

    let mut builder = http::Request::builder()
        .method(http::Method::POST)
        .uri(req.uri().to_string());
    let json_ok = accepts_json(&req);
    for (name, value) in req.headers() {
        if !(json_ok && name == header::ACCEPT) {
            builder = builder.header(name.as_str(), value.as_bytes());
        }
    }
    if json_ok {
        builder = builder.header("accept", "application/json, text/event-stream");
    }
    let mut request = builder
        .body(Full::new(bytes))
        .map_err(|e| ApiError::BadRequest(format!("unreadable request headers: {e}")))?;
    request.extensions_mut().insert(McpCaller(caller.0));

    let (parts, body) = endpoint.service.handle(request).await.into_parts();
    let status = StatusCode::from_u16(parts.status.as_u16())
        .map_err(|_| ApiError::internal("the MCP service answered an invalid status"))?;
    let mut res = HttpResponse::build(status);
    for (name, value) in &parts.headers {
        if let (Ok(name), Ok(value)) = (
            header::HeaderName::from_bytes(name.as_str().as_bytes()),
            header::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            res.append_header((name, value));
        }
    }
    // Answers depend on the token and change with the content: never stored.
    res.insert_header((header::CACHE_CONTROL, "no-store"));
    Ok(res.streaming(body.into_data_stream()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_that_are_not_jsonrpc_get_jsonrpc_errors() {
        let code = |body: &[u8]| bad_message(body).map(|res| res.status().as_u16());
        assert_eq!(code(b"{not json"), Some(400));
        assert_eq!(code(br#"{"hello": "world"}"#), Some(400));
        assert_eq!(code(br#"[1, 2]"#), Some(400));
        // The id is echoed only when it is one a request may have (a string or a whole number).
        let reply = bad_message(br#"{"id": 2.5e-42, "jsonrpc": "2.0"}"#);
        assert_eq!(reply.map(|res| res.status().as_u16()), Some(400));
        assert_eq!(
            code(br#"{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}"#),
            None
        );
    }
}
