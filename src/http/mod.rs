//! Plumbing for handlers: no handler and no SQL here. Conditional requests and every ETag
//! (`conditional`), bounded bodies and JSON parsing (`body`), negotiation, the 404/405
//! fallback, the client's address, and the middleware layers (`middleware`).

pub mod body;
pub mod client_ip;
pub mod conditional;
pub mod fallback;
pub mod middleware;
pub mod negotiate;

pub use crate::domain::API_PREFIX;

/// Where the MCP server answers (no prefix).
pub const MCP_PATH: &str = "/mcp";
