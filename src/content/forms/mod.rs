//! The readers of the FAQ forms, one per file: the Markdown block scan ([`blocks`]) and the
//! questions it finds in bold paragraphs, headings, quotes and definitions ([`markdown`]),
//! shortcode pairs ([`shortcode`]), YAML/TOML items ([`data`]), JSON front matter and data
//! with spans ([`json`]), raw HTML `<details>` blocks and accordions ([`html`]), list FAQs
//! ([`list`]), front matter lists ([`listed`]), and what an import reports about the forms it
//! saw ([`FormCount`]).
//!
//! Each reader is linear in its input and bounded in nesting; hostile input is a clear error.

pub(crate) mod blocks;
pub mod data;
pub(crate) mod headings;
pub mod html;
pub mod json;
pub mod list;
pub(crate) mod listed;
pub(crate) mod markdown;
pub mod shortcode;

pub use crate::model::FormCount;
