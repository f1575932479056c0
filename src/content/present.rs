//! What readers' channels make of a rendered answer: its plain text (for meta descriptions and
//! previews), its relative links and images resolved against the public site's base URL, and
//! the small HTML subset that FAQ rich results accept (for JSON-LD). Pure: no I/O.

use std::collections::HashSet;

use url::Url;

/// Tags an `Answer`'s `text` may hold in schema.org FAQ markup as search engines read it:
/// headings, paragraphs, line breaks, lists, links, bold, italics and `div`.
const JSON_LD_TAGS: [&str; 16] = [
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "ol", "ul", "li", "a", "b", "strong", "i", "em",
];

/// How answers are presented to readers of one faqd: built once from the settings.
pub struct Presenter {
    base: Option<Url>,
    /// Re-sanitises stored answer HTML with relative URLs rewritten (only with a base URL).
    rebase: Option<ammonia::Builder<'static>>,
    /// The JSON-LD subset (with relative URLs rewritten when there is a base URL).
    json_ld: ammonia::Builder<'static>,
    /// Tells apart the representations that depend on these settings (ETags).
    fingerprint: String,
}

impl std::fmt::Debug for Presenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Presenter")
            .field("base", &self.base.as_ref().map(Url::as_str))
            .finish_non_exhaustive()
    }
}

impl Presenter {
    /// `base`: the public site's base URL (an absolute http(s) URL), if any.
    pub fn new(base: Option<Url>) -> Self {
        let base = base.map(with_trailing_slash);
        let rebase = base.clone().map(|base| {
            let mut builder = super::render::sanitizer();
            builder.url_relative(resolver(base));
            builder
        });
        let mut json_ld = ammonia::Builder::empty();
        json_ld
            .tags(HashSet::from(JSON_LD_TAGS))
            .add_tags(&["div"])
            .add_tag_attributes("a", &["href"])
            .url_schemes(HashSet::from(super::render::URL_SCHEMES))
            .link_rel(None)
            .clean_content_tags(HashSet::from(["script", "style"]));
        if let Some(base) = &base {
            json_ld.url_relative(resolver(base.clone()));
        }
        let fingerprint = match &base {
            Some(base) => {
                use sha2::Digest as _;
                let digest = sha2::Sha256::digest(base.as_str().as_bytes());
                let hex: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
                format!("-{hex}")
            }
            None => String::new(),
        };
        Self {
            base,
            rebase,
            json_ld,
            fingerprint,
        }
    }

    /// The public site's base URL, ending in `/`.
    pub fn base(&self) -> Option<&Url> {
        self.base.as_ref()
    }

    /// A short tag of the settings that change representations (`-` and 8 hex digits; empty
    /// without a base URL),
    /// to fold into ETags so that a new base URL never answers `304` for an old body.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Stored answer HTML as readers get it: relative links and images resolved against the
    /// base URL (unchanged without one).
    pub fn answer_html(&self, html: &str) -> String {
        match &self.rebase {
            Some(builder) => builder.clean(html).to_string(),
            None => html.to_owned(),
        }
    }

    /// Answer HTML limited to what FAQ rich results accept, links resolved.
    pub fn json_ld_html(&self, html: &str) -> String {
        self.json_ld.clean(html).to_string().trim().to_owned()
    }

    /// The URL of a page on the public site: `{base}{slug}/`, or `{base}{lang}/{slug}/` for a
    /// page not in the default language (Hugo's multilingual layout).
    pub fn page_url(&self, slug: &str, lang: &str) -> Option<String> {
        let base = self.base.as_ref()?;
        let path = if lang == crate::domain::DEFAULT_LANG {
            format!("{slug}/")
        } else {
            format!("{lang}/{slug}/")
        };
        base.join(&path).ok().map(String::from)
    }
}

impl Presenter {
    /// Markdown with the destinations of its relative links and images (inline ones and link
    /// reference definitions) resolved against the base URL; unchanged without one. Links to a
    /// fragment of the same document (`#…`) stay.
    pub fn markdown(&self, markdown: &str) -> String {
        let Some(base) = &self.base else {
            return markdown.to_owned();
        };
        // (start, end, replacement) of each destination, in the source's bytes.
        let mut edits: Vec<(usize, usize, String)> = Vec::new();
        let parser =
            pulldown_cmark::Parser::new_ext(markdown, crate::content::text::markdown_options());
        let mut resolve = |dest: &str, within: std::ops::Range<usize>| {
            let Some(resolved) = resolve_relative(base, dest) else {
                return;
            };
            let Some(text) = markdown.get(within.clone()) else {
                return;
            };
            // The destination as written: the last occurrence in its link (the text comes
            // first). A destination written with escapes is not found, and left as it is.
            if let Some(at) = text.rfind(dest) {
                let start = within.start + at;
                edits.push((start, start + dest.len(), resolved));
            }
        };
        for (_, def) in parser.reference_definitions().iter() {
            resolve(&def.dest, def.span.clone());
        }
        for (event, range) in parser.into_offset_iter() {
            if let pulldown_cmark::Event::Start(
                pulldown_cmark::Tag::Link {
                    link_type: pulldown_cmark::LinkType::Inline,
                    dest_url,
                    ..
                }
                | pulldown_cmark::Tag::Image {
                    link_type: pulldown_cmark::LinkType::Inline,
                    dest_url,
                    ..
                },
            ) = &event
            {
                resolve(dest_url, range);
            }
        }
        edits.sort_by_key(|e| e.0);
        let mut out = String::with_capacity(markdown.len() + edits.len() * 32);
        let mut at = 0;
        for (start, end, replacement) in edits {
            if start < at {
                continue;
            }
            out.push_str(&markdown[at..start]);
            out.push_str(&replacement);
            at = end;
        }
        out.push_str(&markdown[at..]);
        out
    }
}

/// Resolves relative URLs in HTML against `base`, except links to a fragment of the same
/// document (`#…`), which stay.
fn resolver(base: Url) -> ammonia::UrlRelative<'static> {
    ammonia::UrlRelative::Custom(Box::new(Resolver(base)))
}

struct Resolver(Url);

impl<'a> ammonia::UrlRelativeEvaluate<'a> for Resolver {
    fn evaluate<'url>(&self, url: &'url str) -> Option<std::borrow::Cow<'url, str>> {
        Some(match resolve_relative(&self.0, url) {
            Some(resolved) => std::borrow::Cow::Owned(resolved),
            None => std::borrow::Cow::Borrowed(url),
        })
    }
}

/// `dest` resolved against `base` when it is a relative URL (not a fragment, not empty).
fn resolve_relative(base: &Url, dest: &str) -> Option<String> {
    if dest.is_empty() || dest.starts_with('#') {
        return None;
    }
    match Url::parse(dest) {
        Err(url::ParseError::RelativeUrlWithoutBase) => base.join(dest).ok().map(String::from),
        _ => None,
    }
}

/// `https://example.com/help` → `https://example.com/help/`: relative URLs resolve below it.
fn with_trailing_slash(mut url: Url) -> Url {
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url.set_query(None);
    url.set_fragment(None);
    url
}

/// Block elements: their text is a line of its own.
const BLOCKS: [&str; 20] = [
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "table",
    "tr",
    "dt",
    "dd",
    "hr",
    "br",
    "details",
];

/// The plain text of sanitised answer HTML: tags dropped, entities decoded, each block on a
/// line of its own, runs of spaces collapsed. (The HTML is ammonia's output: well-formed,
/// quoted attributes, `<` in text always escaped.)
pub fn plain_text(html: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let end_line = |line: &mut String, lines: &mut Vec<String>| {
        let collapsed = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if !collapsed.is_empty() {
            lines.push(collapsed);
        }
        line.clear();
    };
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        line.push_str(&decode_entities(&rest[..open]));
        let after = &rest[open + 1..];
        let close = after.find('>').map_or(after.len(), |i| i + 1);
        let name: String = after[..close]
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        // Inline tags go without a trace (`<em>x</em>!` is `x!`); blocks end the line.
        if BLOCKS.contains(&name.as_str()) {
            end_line(&mut line, &mut lines);
        }
        rest = &after[close..];
    }
    line.push_str(&decode_entities(rest));
    end_line(&mut line, &mut lines);
    lines.join("\n")
}

/// Decodes the character references an HTML serialiser writes (named ones it uses, numeric
/// ones of any kind); anything else stays as it is.
fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let decoded = after.find(';').filter(|&i| i <= 10).and_then(|semi| {
            let name = &after[..semi];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" | "#39" => Some('\''),
                "nbsp" => Some(' '),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            }?;
            Some((c, semi + 1))
        });
        match decoded {
            Some((c, used)) => {
                out.push(c);
                rest = &after[used..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Writes JSON so that it can be pasted into an HTML `<script>` element unchanged: `<`, `>`
/// and `&` (which JSON allows only inside strings) as `\u003c`, `\u003e`, `\u0026`.
pub fn script_safe_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            // Line and paragraph separators end a JavaScript line in older engines.
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::render::render_answer;

    #[test]
    fn plain_text_keeps_words_and_lines() {
        let html = render_answer(
            "A **bold** claim, with [a link](https://x.test) & more.\n\n- one\n- two\n\n`a < b`",
        );
        assert_eq!(
            plain_text(&html),
            "A bold claim, with a link & more.\none\ntwo\na < b"
        );
        assert_eq!(plain_text("<p>Bonjour <em>toi</em> !</p>"), "Bonjour toi !");
    }

    #[test]
    fn relative_links_and_images_resolve_against_the_base() {
        let presenter = Presenter::new(Url::parse("https://example.com/help").ok());
        let html =
            render_answer("[c](../contact) [d](docs/x) ![i](images/a.png) [abs](https://o.test/)");
        let out = presenter.answer_html(&html);
        assert!(
            out.contains("href=\"https://example.com/contact\""),
            "{out}"
        );
        assert!(
            out.contains("href=\"https://example.com/help/docs/x\""),
            "{out}"
        );
        assert!(
            out.contains("src=\"https://example.com/help/images/a.png\""),
            "{out}"
        );
        assert!(out.contains("href=\"https://o.test/\""), "{out}");
        let none = Presenter::new(None);
        assert_eq!(none.answer_html(&html), html);
    }

    #[test]
    fn json_ld_html_keeps_only_the_rich_result_subset() {
        let presenter = Presenter::new(None);
        let html = render_answer(
            "## Head\n\nText *em* **strong** `code`\n\n![img](a.png)\n\n| a |\n|---|\n| 1 |\n\n[l](https://x.test/)",
        );
        let out = presenter.json_ld_html(&html);
        assert!(out.contains("<h2>Head</h2>"), "{out}");
        assert!(
            out.contains("<em>em</em>") && out.contains("<strong>strong</strong>"),
            "{out}"
        );
        assert!(out.contains("<a href=\"https://x.test/\">l</a>"), "{out}");
        for gone in ["<code", "<img", "<table", "<td", "rel="] {
            assert!(!out.contains(gone), "{gone} in {out}");
        }
        assert!(
            out.contains("code"),
            "the text of dropped tags stays: {out}"
        );
    }

    #[test]
    fn script_safe_json_escapes_markup_characters() {
        let json = serde_json::to_string(&serde_json::json!({"t": "</script><b>&"})).unwrap();
        let safe = script_safe_json(&json);
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["t"], "</script><b>&");
    }

    #[test]
    fn markdown_links_resolve_against_the_base() {
        let presenter = Presenter::new(Url::parse("https://example.com/").ok());
        let md = "See [us](contact) and ![i](images/a.png \"t\"), [ext](https://o.test/x), \
                  [top](#faq) and [ref].\n\n[ref]: ../docs/ref\n";
        assert_eq!(
            presenter.markdown(md),
            "See [us](https://example.com/contact) and ![i](https://example.com/images/a.png \"t\"), \
             [ext](https://o.test/x), [top](#faq) and [ref].\n\n[ref]: https://example.com/docs/ref\n"
        );
        assert_eq!(Presenter::new(None).markdown(md), md);
    }

    #[test]
    fn page_urls_follow_the_language() {
        let presenter = Presenter::new(Url::parse("https://example.com").ok());
        assert_eq!(
            presenter.page_url("faq", "en").as_deref(),
            Some("https://example.com/faq/")
        );
        assert_eq!(
            presenter.page_url("faq", "fr").as_deref(),
            Some("https://example.com/fr/faq/")
        );
        assert_eq!(Presenter::new(None).page_url("faq", "en"), None);
    }
}
