//! Facets: how many of a query's matches fall on each page, section, tag and language
//! (`facets=page,section,tag,lang` on `/search`), counted over every match, not one cursor
//! page.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use utoipa::ToSchema;

/// A field to count by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Facet {
    Page,
    Section,
    Tag,
    Lang,
}

impl Facet {
    pub fn name(self) -> &'static str {
        match self {
            Self::Page => "page",
            Self::Section => "section",
            Self::Tag => "tag",
            Self::Lang => "lang",
        }
    }

    /// `page,section,tag,lang` (any of them, any order, each once).
    pub fn parse_list(text: &str) -> Result<Vec<Facet>, String> {
        let mut out = Vec::new();
        for name in text.split(',').map(str::trim) {
            let facet = match name {
                "page" => Self::Page,
                "section" => Self::Section,
                "tag" => Self::Tag,
                "lang" => Self::Lang,
                _ => {
                    return Err(format!(
                        "facets takes page, section, tag and lang, separated by commas; not {:?}",
                        name.chars().take(40).collect::<String>()
                    ));
                }
            };
            if !out.contains(&facet) {
                out.push(facet);
            }
        }
        out.sort();
        Ok(out)
    }
}

/// Counts per value, per facet asked for: `{"tag": {"billing": 12}}`.
#[derive(Debug, Default, Serialize, ToSchema)]
#[schema(example = json!({"tag": {"billing": 12, "shipping": 3}, "lang": {"en": 15}}))]
pub struct Facets(pub BTreeMap<String, BTreeMap<String, i64>>);

/// What one matching entry counts for.
pub struct Counted<'a> {
    pub page: &'a str,
    pub section: Option<&'a str>,
    pub tags: &'a [String],
    pub lang: &'a str,
}

/// Counts `entries` by each of `which` (an entry without a section counts for no section).
pub fn count<'a>(which: &[Facet], entries: impl IntoIterator<Item = Counted<'a>>) -> Facets {
    let mut counts: HashMap<Facet, HashMap<&'a str, i64>> =
        which.iter().map(|f| (*f, HashMap::new())).collect();
    for entry in entries {
        for (facet, values) in counts.iter_mut() {
            match facet {
                Facet::Page => *values.entry(entry.page).or_default() += 1,
                Facet::Lang => *values.entry(entry.lang).or_default() += 1,
                Facet::Section => {
                    if let Some(section) = entry.section {
                        *values.entry(section).or_default() += 1;
                    }
                }
                Facet::Tag => {
                    for tag in entry.tags {
                        *values.entry(tag.as_str()).or_default() += 1;
                    }
                }
            }
        }
    }
    Facets(
        counts
            .into_iter()
            .map(|(facet, values)| {
                (
                    facet.name().to_owned(),
                    values.into_iter().map(|(v, n)| (v.to_owned(), n)).collect(),
                )
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facet_lists_parse_and_unknown_names_are_refused() {
        assert_eq!(
            Facet::parse_list("tag,page,tag").unwrap(),
            [Facet::Page, Facet::Tag]
        );
        assert!(Facet::parse_list("tags").is_err());
        assert!(Facet::parse_list("").is_err());
    }

    #[test]
    fn every_entry_counts_once_per_value() {
        let tags = ["billing".to_owned(), "cards".to_owned()];
        let facets = count(
            &[Facet::Tag, Facet::Section, Facet::Lang],
            [
                Counted {
                    page: "faq",
                    section: Some("Pay"),
                    tags: &tags,
                    lang: "en",
                },
                Counted {
                    page: "faq",
                    section: None,
                    tags: &tags[..1],
                    lang: "en",
                },
            ],
        );
        assert_eq!(facets.0["tag"]["billing"], 2);
        assert_eq!(facets.0["tag"]["cards"], 1);
        assert_eq!(facets.0["section"].len(), 1);
        assert_eq!(facets.0["lang"]["en"], 2);
        assert!(!facets.0.contains_key("page"));
    }
}
