//! Rendering: an answer's Markdown to HTML with pulldown-cmark, then sanitised with ammonia so
//! that no script, event handler or `javascript:`/`data:` URL can reach a reader, whatever the
//! Markdown (raw HTML included) holds.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{Parser, html};

use crate::content::text::markdown_options;

/// URL schemes allowed in `href` and `src`; relative URLs pass too. Anything else
/// (`javascript:`, `data:`, `vbscript:`, …) is removed with its attribute.
pub(crate) const URL_SCHEMES: [&str; 4] = ["http", "https", "mailto", "tel"];

/// Built once: the sanitiser's configuration never changes.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(sanitizer);

/// A fresh sanitiser with the configuration of [`render_answer`] (others adjust a copy).
pub(crate) fn sanitizer() -> ammonia::Builder<'static> {
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(HashSet::from(URL_SCHEMES))
        // Task list items render as disabled checkboxes: allow exactly those.
        .add_tags(&["input"])
        .add_tag_attributes("input", &["checked"])
        .set_tag_attribute_value("input", "type", "checkbox")
        .set_tag_attribute_value("input", "disabled", "")
        // `language-…` classes let a frontend highlight code; table alignment is a style.
        .add_tag_attributes("code", &["class"])
        .add_tag_attributes("th", &["style"])
        .add_tag_attributes("td", &["style"])
        .attribute_filter(filter_attribute);
    builder
}

/// Keeps only the harmless forms of the attributes added above; ammonia has already dropped
/// everything not allowed at all.
fn filter_attribute<'u>(element: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
    let keep = match (element, attribute) {
        ("code", "class") => value.strip_prefix("language-").is_some_and(|lang| {
            !lang.is_empty()
                && lang
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+#-_.".contains(&b))
        }),
        ("th" | "td", "style") => matches!(
            value,
            "text-align: left" | "text-align: center" | "text-align: right"
        ),
        _ => true,
    };
    keep.then_some(Cow::Borrowed(value))
}

/// Renders an answer's Markdown to sanitised HTML.
///
/// CommonMark with tables, strikethrough, task lists and heading attributes (as at import).
/// Raw HTML is allowed through the sanitiser, which keeps ordinary markup (paragraphs, lists,
/// code, emphasis, links, images, headings, quotes, tables…) and removes scripts, styles,
/// event-handler attributes and URLs other than `http`, `https`, `mailto`, `tel` and relative
/// ones. Links get `rel="noopener noreferrer"`.
pub fn render_answer(markdown: &str) -> String {
    let mut unsafe_html = String::with_capacity(markdown.len() + markdown.len() / 2);
    html::push_html(
        &mut unsafe_html,
        Parser::new_ext(markdown, markdown_options()),
    );
    SANITIZER.clean(&unsafe_html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No dangerous element, no event-handler attribute, no dangerous URL in an attribute
    /// (the same words as visible text are harmless and allowed).
    fn assert_safe(html: &str) {
        let lower = html.to_ascii_lowercase();
        for tag in [
            "<script", "<style", "<iframe", "<svg", "<object", "<embed", "<form",
        ] {
            assert!(!lower.contains(tag), "{tag} in {html}");
        }
        for scheme in ["javascript:", "vbscript:", "data:"] {
            assert!(
                !lower.contains(&format!("=\"{scheme}")),
                "{scheme} in {html}"
            );
            assert!(
                !lower.contains(&format!("=\" {scheme}")),
                "{scheme} in {html}"
            );
        }
        // Every attribute name inside a tag: none may start with `on`.
        for tag in lower.split('<').skip(1) {
            let inside = tag.split('>').next().unwrap_or_default();
            for word in inside.split_whitespace().skip(1) {
                assert!(!word.starts_with("on"), "event handler {word} in {html}");
            }
        }
    }

    #[test]
    fn paragraphs_emphasis_and_code() {
        assert_eq!(
            render_answer("Hello *world* and **you** with `code`.\n\nSecond."),
            "<p>Hello <em>world</em> and <strong>you</strong> with <code>code</code>.</p>\n<p>Second.</p>\n"
        );
    }

    #[test]
    fn lists_keep_their_structure() {
        let html = render_answer("1. One\n\n2. Two:\n\n  - a\n\n  - b\n");
        assert!(html.starts_with("<ol>\n<li>\n<p>One</p>\n</li>"), "{html}");
        assert!(
            html.contains("<ul>") && html.contains("<li>\n<p>a</p>\n</li>"),
            "{html}"
        );
        let html = render_answer("- x\n- y\n");
        assert_eq!(html, "<ul>\n<li>x</li>\n<li>y</li>\n</ul>\n");
        let html = render_answer("3. from three\n");
        assert!(html.contains("<ol start=\"3\">"), "{html}");
    }

    #[test]
    fn script_is_removed_with_its_content() {
        let html =
            render_answer("Before\n\n<script>alert(1)</script>\n\nAfter <script>alert(2)</script>");
        assert_safe(&html);
        assert!(!html.contains("alert"), "{html}");
        assert!(html.contains("Before") && html.contains("After"), "{html}");
    }

    #[test]
    fn javascript_links_lose_their_href() {
        for markdown in [
            "[x](javascript:alert(1))",
            "[x](JavaScript:alert(1))",
            "[x](  javascript:alert(1) )",
            "[x](java&#x73;cript:alert(1))",
            "[x](vbscript:msgbox(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<javascript:alert(1)>",
            "[x][r]\n\n[r]: javascript:alert(1)",
        ] {
            let html = render_answer(markdown);
            assert_safe(&html);
        }
        assert_eq!(
            render_answer("[x](javascript:alert(1))"),
            "<p><a rel=\"noopener noreferrer\">x</a></p>\n"
        );
    }

    #[test]
    fn event_handlers_are_removed() {
        let html = render_answer("<img src=x onerror=alert(1)>");
        assert_safe(&html);
        assert!(html.contains("<img src=\"x\">"), "{html}");
        let html = render_answer("<p onclick=\"alert(1)\" style=\"color:red\">hi</p>");
        assert_safe(&html);
        assert!(!html.contains("style"), "{html}");
        let html = render_answer(
            "<svg onload=alert(1)><circle/></svg><iframe src=\"https://x\"></iframe>",
        );
        assert_safe(&html);
    }

    #[test]
    fn data_urls_are_removed() {
        for markdown in [
            "![x](data:image/png;base64,AAAA)",
            "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "<img src=\"data:image/svg+xml,<svg onload=alert(1)>\">",
            "<a href=\"DATA:text/html,hi\">x</a>",
        ] {
            assert_safe(&render_answer(markdown));
        }
    }

    #[test]
    fn ordinary_links_and_images_stay() {
        assert_eq!(
            render_answer("[site](https://example.com/a?b=1) and [rel](../contact)"),
            "<p><a href=\"https://example.com/a?b=1\" rel=\"noopener noreferrer\">site</a> and \
             <a href=\"../contact\" rel=\"noopener noreferrer\">rel</a></p>\n"
        );
        assert_eq!(
            render_answer("![A cat](images/cat.png \"Cat\")"),
            "<p><img src=\"images/cat.png\" alt=\"A cat\" title=\"Cat\"></p>\n"
        );
        assert!(render_answer("<mailto:a@example.com>").contains("href=\"mailto:a@example.com\""));
    }

    #[test]
    fn headings_quotes_code_blocks_and_tables() {
        let html = render_answer(
            "### Details\n\n> quoted\n\n```rust\nfn main() {}\n```\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n~~old~~",
        );
        assert!(html.contains("<h3>Details</h3>"), "{html}");
        assert!(
            html.contains("<blockquote>\n<p>quoted</p>\n</blockquote>"),
            "{html}"
        );
        assert!(
            html.contains("<pre><code class=\"language-rust\">fn main() {}\n</code></pre>"),
            "{html}"
        );
        assert!(
            html.contains("<table>") && html.contains("<th style=\"text-align: left\">a</th>"),
            "{html}"
        );
        assert!(
            html.contains("<td style=\"text-align: right\">2</td>"),
            "{html}"
        );
        assert!(html.contains("<del>old</del>"), "{html}");
    }

    #[test]
    fn only_harmless_classes_styles_and_inputs_pass() {
        let html = render_answer(
            "<code class=\"evil language-x\">a</code><td style=\"background:url(x)\">b</td>",
        );
        assert!(
            !html.contains("class") && !html.contains("background"),
            "{html}"
        );
        let html = render_answer("- [x] done\n- [ ] todo\n");
        assert!(html.contains("type=\"checkbox\""), "{html}");
        assert!(html.contains("checked"), "{html}");
        assert_eq!(html.matches("disabled").count(), 2, "{html}");
        // A raw text field becomes a disabled checkbox: no forms in answers.
        let html = render_answer("<input type=\"text\" name=\"password\" value=\"x\">");
        assert!(
            !html.contains("text") && !html.contains("password"),
            "{html}"
        );
        assert!(
            html.contains("type=\"checkbox\"") && html.contains("disabled"),
            "{html}"
        );
    }

    #[test]
    fn heading_attributes_do_not_leak_ids() {
        let html = render_answer("## Title {#custom .cls onclick=x}");
        assert!(html.contains("<h2>Title</h2>"), "{html}");
    }
}
