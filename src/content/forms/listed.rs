//! The front matter list form: `faq: [{question, answer}]` in a page's YAML, TOML or JSON
//! front matter, with spans in the page's source.

use crate::content::forms::data::{self, YamlItem};
use crate::content::forms::json;
use crate::content::front_matter::{FrontMatter, FrontMatterFormat};

/// The question/answer items of a front matter block (a YAML, TOML or JSON list), with spans
/// in `source` (which starts with the block). A block that cannot be read for items has none:
/// the front matter itself was already parsed.
pub(crate) fn front_matter_items(source: &str, fm: &FrontMatter) -> Vec<YamlItem> {
    match fm.format {
        FrontMatterFormat::Yaml => {
            let yaml_end = fm.raw.trim_end().rfind('\n').unwrap_or(0);
            data::front_matter_items(source, 0..yaml_end).unwrap_or_default()
        }
        FrontMatterFormat::Toml => {
            // Between the `+++` lines.
            let raw = fm.raw.trim_end();
            let start = raw.find('\n').map_or(0, |n| n + 1);
            // Up to the closing line, its line ending (`\r\n` too) included.
            let end = raw.rfind('\n').map_or(0, |n| n + 1);
            if end <= start {
                return Vec::new();
            }
            let mut items = data::front_matter_items_toml(&source[start..end]).unwrap_or_default();
            for item in &mut items {
                for span in [
                    &mut item.item_span,
                    &mut item.question_span,
                    &mut item.answer_span,
                ] {
                    *span = span.start + start..span.end + start;
                }
            }
            items
        }
        FrontMatterFormat::Json => json::front_matter_start(source)
            .and_then(|start| json::parse_object(source, start).ok())
            .map(|(_, parsed)| parsed.items(source))
            .unwrap_or_default(),
    }
}

/// Whether the page says it is a FAQ page: its `layout` or `type` names one (`faq`, `faqs`,
/// `faq-page`…). Then its body's questions are read with its front matter list.
pub(crate) fn says_faq(fm: &FrontMatter) -> bool {
    ["layout", "type"].iter().any(|key| {
        fm.str(key)
            .is_some_and(|value| value.to_ascii_lowercase().contains("faq"))
    })
}
