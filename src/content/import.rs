//! Import: splits a page file into front matter, intro, sections and question/answer entries,
//! keeping every piece as an exact byte span of the source so that an unedited page can be
//! written back byte for byte.
//!
//! Blocks are found with pulldown-cmark's offset iterator, never with regular expressions over
//! Markdown; only top-level blocks can be questions or sections (a bold line in a list item or a
//! heading in a block quote is answer text).
//!
//! # Choosing the question style
//!
//! Unless the caller forces a style, [`parse_page`] picks one per file:
//!
//! 1. For each heading level, count the top-level headings whose text ends in a question mark
//!    (`?`, fullwidth `？`, Arabic `؟`, Greek `;`, Japanese `か`; closing quotes and brackets
//!    ignored) and that stay questions once articles are told apart (`forms::markdown::fates`:
//!    the steps of a tutorial with a FAQ section, a post that asks once). The level with the
//!    most such headings is the candidate (the shallower one on a tie).
//! 2. Count the top-level paragraphs wholly in bold (`**…**` or `__…__`) that end in a question
//!    mark.
//! 3. If the candidate level has at least one question heading and at least as many as there are
//!    bold questions, the file asks its questions with headings at that level
//!    ([`QuestionStyle::Heading`]); bold lines are then ordinary answer text.
//! 4. Otherwise, if the file has two or more paragraphs wholly in bold, it asks them in bold
//!    ([`QuestionStyle::Bold`]): every such paragraph is a question, whether or not it ends in a
//!    question mark (one such paragraph is an emphasised sentence).
//! 5. Otherwise there is no question: [`ImportError::NoQuestions`].
//!
//! On a page whose questions are headings, once the level is chosen, `forms::headings` reads
//! the page whole: group labels (`## [Usage]`) and a FAQ's closing sections (`## See also`)
//! head sections, and an asking deeper heading right under such a section is a question. A
//! heading without a letter or a digit (`## ———`) is a thematic break (`forms::blocks`).
//!
//! Raw HTML `<details>` blocks and accordions count with the shortcode pairs (style
//! [`QuestionStyle::Shortcode`]), list FAQs with the definition terms
//! ([`QuestionStyle::Definition`]); the finer form is [`ParsedPage::form`], and every form's
//! count is in [`ParsedPage::forms`] (see `docs/hugo-forms.md` and [`super::forms`]).
//!
//! A front-matter list (YAML, TOML or JSON) is read first. On an article (the page's `layout`
//! or `type` does not name a FAQ) it is the whole FAQ and the body is the intro; on a FAQ page
//! the body's questions follow it. A forced style always reads the body with the list.
//!
//! # Answers, intro and sections
//!
//! An answer is the source text from its question to the next question or section heading,
//! without the blank lines around it, without trailing whitespace and without thematic breaks
//! (`---`) that end it: those separate entries on many FAQ pages. The intro is the text before
//! the first question or section heading, trimmed the same way. The bytes left out stay between
//! the spans, so the file is always exactly its spans plus the gaps between them.

use std::path::Path;

use crate::content::dates::PageDates;
use crate::content::error::ImportError;
use crate::content::forms::blocks::{Block, BlockKind, Scan, heading_at, scan};
use crate::content::forms::headings::{self, Heading, Kind, regroup};
use crate::content::forms::markdown::{
    Context, Fate, Head, Role, choose_style, fates, labelled_headings, undefine,
};
use crate::content::forms::{self, FormCount, data, html, list, shortcode};
use crate::content::front_matter;
use crate::content::model::{EntrySyntax, ParsedEntry, ParsedPage, ParsedSection};
use crate::content::style::QuestionStyle;
use crate::content::text::{ends_in_question_mark, trim_surroundings};

/// Parses a page file, choosing by its name: a YAML or JSON data file (`data/faq.yml`) is read
/// as data, anything else as a Markdown page. `forced` as for [`parse_page`].
pub fn parse_file(
    path: &Path,
    text: &str,
    forced: Option<QuestionStyle>,
) -> Result<ParsedPage, ImportError> {
    if is_data_file(path) || forced == Some(QuestionStyle::Data) {
        let toml = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
        parse_data(text, toml)
    } else {
        parse_page(text, forced)
    }
}

/// A Hugo data file by its extension: `.yml`, `.yaml`, `.json` or `.toml`.
pub fn is_data_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["yml", "yaml", "json", "toml"].contains(&e.to_ascii_lowercase().as_str()))
}

/// Splits a page file into front matter, intro, sections and entries.
///
/// `forced` imposes a question style; without it the style is chosen as described in the
/// [module documentation](self). A leading byte order mark is dropped. Never panics.
pub fn parse_page(source: &str, forced: Option<QuestionStyle>) -> Result<ParsedPage, ImportError> {
    if forced == Some(QuestionStyle::Data) {
        return parse_data(source, false);
    }
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let (front_matter, body_start) = front_matter::split(source)?;
    // A front matter list of questions (`faq: [{question, answer}]`, YAML, TOML or JSON).
    let listed = front_matter
        .as_ref()
        .map(|fm| forms::listed::front_matter_items(source, fm))
        .unwrap_or_default();
    let Scan {
        blocks,
        rules,
        code,
    } = scan(source, body_start);
    let shortcodes = shortcode::items(source, body_start..source.len(), &code, |range| {
        heading_at(source, range)
    });
    let body = list::scan(source, body_start);
    let html_found = html::scan(source, &body.html);
    let html_items: Vec<&html::Item> = match &html_found {
        Ok(found) => found.details.iter().chain(&found.accordion).collect(),
        Err(_) => Vec::new(),
    };
    // Raw HTML headings outside the items head sections as Markdown headings do.
    let html_headings: Vec<Block> = html_found
        .as_ref()
        .map(|found| {
            found
                .headings
                .iter()
                .map(|h| Block {
                    kind: BlockKind::Heading(h.level),
                    label: None,
                    text: h.text.clone(),
                    span: h.span.clone(),
                    answer_from: None,
                    pair: None,
                    plain: false,
                })
                .collect()
        })
        .unwrap_or_default();
    let list_items: Vec<&list::ListItem> = body.lists.iter().flatten().collect();
    // Every question of the list form: items with their answers, and bare items whose answer
    // follows the list.
    let all_list_items: Vec<&list::ListItem> =
        list_items.iter().copied().chain(&body.bare).collect();
    let counts = form_counts(
        &blocks,
        &shortcodes,
        &html_found,
        &all_list_items,
        listed.len(),
    );
    let body_style = choose_style(&blocks, &shortcodes, &html_items, &all_list_items);
    // The rule for articles: a front matter list is the page's FAQ, and the body its intro,
    // unless the page says it is a FAQ page (`layout`/`type`), whose body's questions are
    // read too.
    let article = !listed.is_empty() && !front_matter.as_ref().is_some_and(forms::listed::says_faq);
    let style = match forced {
        Some(style) => style,
        None if article => QuestionStyle::FrontMatter,
        None => match body_style {
            Some(style) => style,
            None if !listed.is_empty() => QuestionStyle::FrontMatter,
            None => {
                return Err(match html_found {
                    Err(e) => ImportError::Html(e),
                    Ok(_) => ImportError::NoQuestions,
                });
            }
        },
    };
    if let (QuestionStyle::Shortcode, Err(e)) = (style, &html_found) {
        return Err(ImportError::Html(e.clone()));
    }

    // The body's questions and sections, in source order.
    enum Marker<'a> {
        Section(&'a Block, u8),
        Block(&'a Block, EntrySyntax),
        Shortcode(&'a shortcode::Item),
        Html(&'a html::Item),
        List(&'a list::ListItem),
        /// A bare list item: its answer is what follows it, up to the next marker.
        Bare(&'a list::ListItem),
    }
    let start_of = |m: &Marker| match m {
        Marker::Section(b, _) | Marker::Block(b, _) => b.span.start,
        Marker::Shortcode(item) => item.item_span.start,
        Marker::Html(item) => item.item_span.start,
        Marker::List(item) | Marker::Bare(item) => item.item_span.start,
    };
    let mut markers: Vec<Marker> = Vec::new();
    match style {
        QuestionStyle::Shortcode => {
            // Shortcode pairs and raw HTML items; one inside another belongs to its answer.
            let mut items: Vec<(std::ops::Range<usize>, Marker)> = shortcodes
                .iter()
                .map(|item| (item.item_span.clone(), Marker::Shortcode(item)))
                .chain(
                    html_items
                        .iter()
                        .map(|item| (item.item_span.clone(), Marker::Html(item))),
                )
                .collect();
            items.sort_by_key(|(span, _)| (span.start, std::cmp::Reverse(span.end)));
            let mut spans: Vec<std::ops::Range<usize>> = Vec::new();
            for (span, marker) in items {
                if spans.last().is_some_and(|last| span.start < last.end) {
                    continue;
                }
                spans.push(span);
                markers.push(marker);
            }
            let inside = |block: &Block| {
                spans
                    .binary_search_by(|span| {
                        if span.end <= block.span.start {
                            std::cmp::Ordering::Less
                        } else if span.start > block.span.start {
                            std::cmp::Ordering::Greater
                        } else {
                            std::cmp::Ordering::Equal
                        }
                    })
                    .is_ok()
            };
            for block in blocks.iter().chain(&html_headings).filter(|b| !inside(b)) {
                if let BlockKind::Heading(level) = block.kind
                    && !block.text.is_empty()
                {
                    markers.push(Marker::Section(block, level));
                }
            }
            markers.sort_by_key(|m| start_of(m));
        }
        QuestionStyle::FrontMatter | QuestionStyle::Data => {}
        QuestionStyle::Bold
        | QuestionStyle::Heading(_)
        | QuestionStyle::Quote
        | QuestionStyle::Definition => {
            let cx = Context {
                style,
                labelled_headings: labelled_headings(&blocks, style),
                forced: forced.is_some(),
            };
            for block in &blocks {
                match block.role(cx) {
                    Role::Question(syntax) => markers.push(Marker::Block(block, syntax)),
                    Role::Section(level) => markers.push(Marker::Section(block, level)),
                    Role::Content => {}
                }
            }
            if style == QuestionStyle::Definition && !all_list_items.is_empty() {
                markers.extend(list_items.iter().map(|item| Marker::List(item)));
                markers.extend(body.bare.iter().map(Marker::Bare));
                markers.sort_by_key(|m| start_of(m));
            }
            // An article with a FAQ section: the headings of its other parts are its own.
            if let QuestionStyle::Heading(q) = style
                && forced.is_none()
            {
                let heads: Vec<Head> = markers
                    .iter()
                    .filter_map(|m| match m {
                        Marker::Section(block, level) => Some(Head {
                            level: *level,
                            asks: block.asks(),
                            question: false,
                        }),
                        Marker::Block(block, EntrySyntax::Heading(level)) => Some(Head {
                            level: *level,
                            asks: block.asks(),
                            question: true,
                        }),
                        _ => None,
                    })
                    .collect();
                if heads.len() == markers.len() {
                    let mut fates = fates(&heads, q).into_iter();
                    markers.retain_mut(|marker| match (fates.next(), &*marker) {
                        (Some(Fate::Text), _) => false,
                        (
                            Some(Fate::Section),
                            Marker::Block(block, EntrySyntax::Heading(level)),
                        ) => {
                            *marker = Marker::Section(block, *level);
                            true
                        }
                        _ => true,
                    });
                }
            }
            // A shallower heading that asks but has no answer of its own heads a section.
            if let QuestionStyle::Heading(q) = style {
                let starts: Vec<usize> = markers.iter().map(start_of).skip(1).collect();
                for (i, marker) in markers.iter_mut().enumerate() {
                    if let Marker::Block(block, EntrySyntax::Heading(level)) = *marker
                        && level < q
                    {
                        let next = starts.get(i).copied().unwrap_or(source.len());
                        if trim_surroundings(source, block.span.end..next, &rules).is_empty() {
                            *marker = Marker::Section(block, level);
                        }
                    }
                }
            }
        }
    }

    // Group labels, closing sections and the questions under them (`forms::headings`).
    if let (QuestionStyle::Heading(q), None) = (style, forced) {
        let kinds: std::collections::HashMap<usize, Kind> = markers
            .iter()
            .filter_map(|m| match m {
                Marker::Section(block, _) => Some((block.span.start, Kind::Section)),
                Marker::Block(block, _) => Some((block.span.start, Kind::Question)),
                _ => None,
            })
            .collect();
        let read = headings::read(source, &blocks, &rules, |block| {
            kinds.get(&block.span.start).copied().unwrap_or(Kind::Text)
        });
        let mut heads: Vec<Heading> = read.iter().map(|(_, head)| *head).collect();
        regroup(&mut heads, q);
        markers = read
            .iter()
            .zip(&heads)
            .filter_map(|(&(block, _), head)| match head.kind {
                Kind::Question => Some(Marker::Block(block, EntrySyntax::Heading(head.level))),
                Kind::Section => Some(Marker::Section(block, head.level)),
                Kind::Text => None,
            })
            .collect();
    }

    let next_start = |i: usize| markers.get(i + 1).map_or(source.len(), start_of);
    let intro_end = markers.first().map_or(source.len(), start_of);
    let intro_span = trim_surroundings(source, body_start..intro_end, &rules);
    // An answer that runs to the next question stops at the closing tag of a shortcode that
    // wraps the whole FAQ (opened in the intro): the rest is the page's layout.
    let closers = shortcode::wrapper_closers(source, body_start..source.len(), &code, intro_end);
    let unwrapped = |answer: std::ops::Range<usize>| match closers
        .get(closers.partition_point(|&c| c < answer.start))
        .filter(|&&c| c < answer.end)
    {
        Some(&c) => {
            let line_start = source[..c]
                .rfind('\n')
                .map_or(0, |n| n + 1)
                .max(answer.start);
            trim_surroundings(source, answer.start..line_start, &rules)
        }
        None => answer,
    };

    let mut sections = Vec::new();
    let mut entries: Vec<ParsedEntry> = listed
        .iter()
        .map(|item| ParsedEntry {
            section: item.section.clone(),
            question: item.question.clone(),
            answer: item.answer.clone(),
            question_span: item.question_span.clone(),
            answer_span: item.answer_span.clone(),
            item_span: item.item_span.clone(),
            syntax: EntrySyntax::Yaml {
                question: item.question_scalar,
                answer: item.answer_scalar,
            },
            label: None,
        })
        .collect();
    let mut section: Option<String> = None;
    let title_heading = page_title_heading(
        &markers,
        front_matter.as_ref().and_then(|fm| fm.str("title")),
        |m| match m {
            Marker::Section(block, level) => Some((block.text.as_str(), *level, false)),
            Marker::Block(block, EntrySyntax::Heading(level)) => {
                Some((block.text.as_str(), *level, true))
            }
            _ => None,
        },
    );
    for (i, marker) in markers.iter().enumerate() {
        match marker {
            Marker::Section(block, level) => {
                let after = trim_surroundings(source, block.span.end..next_start(i), &rules);
                // The page's title heading heads no section.
                section = Some(block.text.clone())
                    .filter(|text| !text.is_empty() && title_heading != Some(i));
                sections.push(ParsedSection {
                    title: block.text.clone(),
                    level: *level,
                    span: block.span.clone(),
                    intro: source[after.clone()].to_owned(),
                    intro_span: after,
                });
            }
            Marker::Block(block, syntax) => {
                // A pair written in one paragraph answers after its second label.
                let from = block.answer_from.unwrap_or(block.span.end);
                let after = unwrapped(trim_surroundings(source, from..next_start(i), &rules));
                let answer = match syntax {
                    EntrySyntax::Definition => undefine(&source[after.clone()]),
                    _ => source[after.clone()].to_owned(),
                };
                entries.push(ParsedEntry {
                    section: section.clone(),
                    question: block.text.clone(),
                    answer,
                    label: block.label.clone(),
                    question_span: block.span.clone(),
                    item_span: block.span.start..after.end.max(block.span.end),
                    answer_span: after,
                    syntax: *syntax,
                });
            }
            Marker::Shortcode(item) => entries.push(ParsedEntry {
                section: section.clone(),
                question: item.question.clone(),
                answer: source[item.answer_span.clone()].to_owned(),
                question_span: item.question_span.clone(),
                answer_span: item.answer_span.clone(),
                item_span: item.item_span.clone(),
                syntax: EntrySyntax::Shortcode(item.question_place),
                label: None,
            }),
            Marker::Html(item) => entries.push(ParsedEntry {
                section: section.clone(),
                question: item.question.clone(),
                answer: source[item.answer_span.clone()].to_owned(),
                question_span: item.question_span.clone(),
                answer_span: item.answer_span.clone(),
                item_span: item.item_span.clone(),
                syntax: EntrySyntax::Html(item.slot),
                label: None,
            }),
            Marker::List(item) => entries.push(ParsedEntry {
                section: section.clone(),
                question: item.question.clone(),
                answer: item.answer.clone(),
                question_span: item.question_span.clone(),
                answer_span: item.answer_span.clone(),
                item_span: item.item_span.clone(),
                syntax: EntrySyntax::ListItem {
                    indent: item.indent,
                    bold: item.bold,
                },
                label: None,
            }),
            Marker::Bare(item) => {
                let after = unwrapped(trim_surroundings(
                    source,
                    item.item_span.end..next_start(i),
                    &rules,
                ));
                entries.push(ParsedEntry {
                    section: section.clone(),
                    question: item.question.clone(),
                    answer: source[after.clone()].to_owned(),
                    question_span: item.question_span.clone(),
                    item_span: item.item_span.start..after.end.max(item.item_span.end),
                    answer_span: after,
                    // Indentation 0: the answer is written outside the item, as it is.
                    syntax: EntrySyntax::ListItem {
                        indent: 0,
                        bold: item.bold,
                    },
                    label: None,
                });
            }
        }
    }
    // A FAQ page whose body says its front-matter list again (the list for the site's
    // structured data, the body for readers) has one set of questions: the list's.
    if forced.is_none() && !listed.is_empty() && entries.len() > listed.len() && {
        let asked: std::collections::HashSet<String> = listed
            .iter()
            .map(|item| question_key(&item.question))
            .collect();
        entries[listed.len()..]
            .iter()
            .all(|body| asked.contains(&question_key(&body.question)))
    } {
        return parse_page(source, Some(QuestionStyle::FrontMatter));
    }
    if entries.is_empty() {
        return Err(match forced {
            Some(style) => ImportError::NoQuestionsInStyle(style),
            None => ImportError::NoQuestions,
        });
    }

    // The chosen form counts the entries the body gave (a heading style takes every heading
    // of its level, asking or not).
    let form = chosen_form(style, &counts);
    let mut counts = counts;
    let body_entries = entries.len() - listed.len();
    if form != "front-matter" && form != "data" {
        match counts.iter_mut().find(|c| c.form == form) {
            Some(count) => count.count = body_entries,
            None if body_entries > 0 => counts.push(FormCount {
                form: form.clone(),
                count: body_entries,
            }),
            None => {}
        }
    }
    let string = |key: &str| {
        front_matter
            .as_ref()
            .and_then(|fm| fm.str(key))
            .map(str::to_owned)
    };
    Ok(ParsedPage {
        title: string("title"),
        description: string("description"),
        // Hugo reads keys whatever their case: `Draft: true` is a draft too.
        draft: front_matter
            .as_ref()
            .is_some_and(|fm| front_matter::values(&fm.value, "draft").any(hugo_truthy)),
        dates: front_matter
            .as_ref()
            .map_or_else(PageDates::default, |fm| PageDates::of(&fm.value)),
        lang: string("language").or_else(|| string("lang")),
        intro: source[intro_span.clone()].to_owned(),
        intro_span,
        form,
        forms: counts,
        style,
        sections,
        entries,
        front_matter,
        source: source.to_owned(),
    })
}

/// A question as compared with its other copies: case, quotes, markup and spacing aside.
fn question_key(text: &str) -> String {
    text.chars()
        .filter(|c| {
            !matches!(
                c,
                '"' | '\'' | '“' | '”' | '«' | '»' | '’' | '*' | '_' | '`'
            )
        })
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The index of the marker that is the page's title rather than a section: the first marker,
/// a section heading, when no later heading is at its level or shallower and its text is the
/// front matter's `title` (or, on a page without one, does not ask). `heading` gives a marker's heading
/// text, level and whether it asks.
fn page_title_heading<M>(
    markers: &[M],
    title: Option<&str>,
    heading: impl Fn(&M) -> Option<(&str, u8, bool)>,
) -> Option<usize> {
    let (text, level, false) = heading(markers.first()?)? else {
        return None;
    };
    let alone = markers[1..]
        .iter()
        .filter_map(&heading)
        .all(|(_, other, _)| other > level);
    let norm = |t: &str| t.trim().trim_end_matches('#').trim().to_lowercase();
    let is_title = match title {
        Some(title) => norm(title) == norm(text),
        // Without a title, a heading that asks is a section (`# Any questions?`).
        None => !ends_in_question_mark(text),
    };
    (alone && is_title).then_some(0)
}

/// The questions each form of the body asks, and the front matter list's.
fn form_counts(
    blocks: &[Block],
    shortcodes: &[shortcode::Item],
    html_found: &Result<html::Found, String>,
    list_items: &[&list::ListItem],
    listed: usize,
) -> Vec<FormCount> {
    let mut headings = [0usize; 6];
    let (mut bold, mut quotes, mut terms) = (0, 0, 0);
    for block in blocks {
        match block.kind {
            BlockKind::Heading(level) if block.asks() => {
                if let Some(count) = headings.get_mut(usize::from(level) - 1) {
                    *count += 1;
                }
            }
            BlockKind::BoldParagraph if !block.is_label() => bold += 1,
            BlockKind::LabelledParagraph => bold += 1,
            BlockKind::Quote => quotes += 1,
            BlockKind::Term if !block.text.is_empty() => terms += 1,
            _ => {}
        }
    }
    let (details, accordion) = match html_found {
        Ok(found) => (found.details.len(), found.accordion.len()),
        Err(_) => (0, 0),
    };
    let mut counts = vec![
        ("shortcode".to_owned(), shortcodes.len()),
        ("details".to_owned(), details),
        ("accordion".to_owned(), accordion),
    ];
    counts.extend((1..=6).map(|level| (format!("h{level}"), headings[level - 1])));
    counts.extend([
        ("bold".to_owned(), bold),
        ("quote".to_owned(), if quotes >= 2 { quotes } else { 0 }),
        ("definition".to_owned(), terms),
        ("list".to_owned(), list_items.len()),
        ("front-matter".to_owned(), listed),
    ]);
    counts
        .into_iter()
        .filter(|(_, count)| *count > 0)
        .map(|(form, count)| FormCount { form, count })
        .collect()
}

/// The form a style read, among those it covers: the one with the most questions.
fn chosen_form(style: QuestionStyle, counts: &[FormCount]) -> String {
    let family: &[&str] = match style {
        QuestionStyle::Shortcode => &["shortcode", "details", "accordion"],
        QuestionStyle::Definition => &["definition", "list"],
        _ => return style.to_string(),
    };
    counts
        .iter()
        .filter(|c| family.contains(&c.form.as_str()))
        .max_by_key(|c| c.count)
        .map_or_else(|| style.to_string(), |c| c.form.clone())
}

/// A Hugo data file (`data/faq.yml`): every question/answer mapping of the YAML document, with
/// the enclosing section's title. No front matter, no intro.
/// A TOML data file (`toml`) is read the same way: its strings are written back as TOML basic
/// strings, whose escapes are JSON's.
pub fn parse_data(source: &str, toml: bool) -> Result<ParsedPage, ImportError> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let json_like = source.trim_start().starts_with(['{', '[']);
    let items = if toml {
        data::items_toml(source)
    } else if json_like {
        // JSON is read with its own reader (tabs, deep nesting); a flow YAML document that is
        // not JSON falls back to the YAML reader.
        forms::json::items(source)
            .or_else(|json_error| data::items(source, 0..source.len()).map_err(|_| json_error))
    } else {
        data::items(source, 0..source.len())
    }
    .map_err(ImportError::Data)?;
    if items.is_empty() {
        return Err(ImportError::NoQuestionsInData);
    }
    let entries: Vec<ParsedEntry> = items
        .into_iter()
        .map(|item| ParsedEntry {
            section: item.section,
            question: item.question,
            answer: item.answer,
            question_span: item.question_span,
            answer_span: item.answer_span,
            item_span: item.item_span,
            syntax: EntrySyntax::Yaml {
                question: item.question_scalar,
                answer: item.answer_scalar,
            },
            label: None,
        })
        .collect();
    Ok(ParsedPage {
        source: source.to_owned(),
        front_matter: None,
        title: None,
        description: None,
        draft: false,
        dates: PageDates::default(),
        lang: None,
        intro: String::new(),
        intro_span: 0..0,
        style: QuestionStyle::Data,
        sections: Vec::new(),
        form: "data".to_owned(),
        forms: vec![FormCount {
            form: "data".to_owned(),
            count: entries.len(),
        }],
        entries,
    })
}

/// Hugo's reading of a boolean front matter value: `true`, `"true"`, `1`, `"yes"`, `"on"`…;
/// anything that is not clearly false counts as true (a page in doubt is a draft).
fn hugo_truthy(value: &serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::Bool(b) => *b,
        Value::Null => false,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => !matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "" | "false" | "0" | "no" | "off" | "n" | "f"
        ),
        Value::Array(_) | Value::Object(_) => true,
    }
}

#[cfg(test)]
mod tests;
