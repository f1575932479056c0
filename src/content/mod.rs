//! Markdown content: front matter, the question/answer split of page files, rendering and
//! sanitising of answers, and slugs.
//!
//! Everything here is pure (no I/O, no database): the importer, the exporter, the CLI and the
//! HTTP handlers call it.

pub mod front_matter;
pub mod import;
pub mod render;
pub mod slug;

pub use self::slug::slugify;
pub use front_matter::{FrontMatter, FrontMatterFormat};
pub use import::{ImportError, ParsedEntry, ParsedPage, ParsedSection, QuestionStyle, parse_page};
pub use render::render_answer;

use pulldown_cmark::Options;

/// The Markdown dialect of page files: CommonMark with the extensions Hugo enables by default
/// that pulldown-cmark has. Import and rendering share it so that both see the same blocks.
pub(crate) fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}
