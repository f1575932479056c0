//! Markdown content: front matter, the question/answer split of page files, rendering and
//! sanitising of answers, and slugs.
//!
//! Everything here is pure (no I/O, no database): the importer, the exporter, the CLI and the
//! HTTP handlers call it. Of faqd it imports only the leaves (`domain`).
//!
//! Inside, the arrows run one way: [`import`] (the dispatcher) and [`export`] over [`forms`]
//! (one reader per FAQ form) and [`front_matter`], over [`model`], [`error`], [`style`],
//! [`text`] and [`limits`].

pub mod dates;
pub mod error;
pub mod export;
pub mod forms;
pub mod front_matter;
pub mod import;
pub mod limits;
pub mod model;
pub mod present;
pub mod render;
pub mod slug;
pub mod style;
pub(crate) mod text;

pub use self::slug::slugify;
pub use dates::PageDates;
pub use error::ImportError;
pub use front_matter::{FrontMatter, FrontMatterFormat};
pub use import::{is_data_file, parse_data, parse_file, parse_page};
pub use model::{EntrySyntax, ParsedEntry, ParsedPage, ParsedSection};
pub use render::render_answer;
pub use style::{ParseQuestionStyleError, QuestionStyle};
