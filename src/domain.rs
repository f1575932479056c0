//! Small validated types that requests and files are parsed into, so that the
//! rest of the code never holds a bad slug, language, limit or cursor.

use std::fmt;

use actix_web::http::header::LanguageTag;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;

/// The language of a page when neither the import nor its front matter names one.
pub const DEFAULT_LANG: &str = "en";

/// Longest slug accepted (the database checks it too).
pub const MAX_SLUG_LEN: usize = 100;

/// The largest page file accepted (1 MiB), over HTTP and from disk alike; also the largest
/// body any route takes.
pub const MAX_PAGE_FILE_BYTES: usize = 1024 * 1024;

/// Longest question, in characters, however an entry is written (the database checks it too).
pub const MAX_QUESTION_CHARS: usize = 500;
/// Longest answer, in characters.
pub const MAX_ANSWER_CHARS: usize = 20_000;
/// Most tags on one entry.
pub const MAX_TAGS: usize = 20;
/// Longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 50;
/// Longest section title, in characters.
pub const MAX_SECTION_CHARS: usize = 200;

/// A URL slug: lowercase ASCII letters and digits in words joined by `-`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = String, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", example = "what-is-a-technical-coach")]
pub struct Slug(String);

impl Slug {
    pub fn parse(s: &str) -> Result<Self, String> {
        let well_formed = !s.is_empty()
            && s.len() <= MAX_SLUG_LEN
            && s.split('-').all(|word| {
                !word.is_empty()
                    && word
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        if well_formed {
            Ok(Self(s.to_owned()))
        } else {
            Err(format!(
                "'{}' is not a slug: use lowercase letters and digits in words joined by '-', at most {MAX_SLUG_LEN} characters",
                truncate_for_message(s)
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Slug {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A well-formed, valid BCP 47 language tag in its conventional case (`en`, `fr-CA`, `zh-Hant`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = String, example = "en")]
pub struct Lang(String);

impl Lang {
    pub fn parse(s: &str) -> Result<Self, String> {
        let invalid = || {
            format!(
                "'{}' is not a BCP 47 language tag (e.g. en, fr, pt-BR)",
                truncate_for_message(s)
            )
        };
        let tag = LanguageTag::parse(s.trim()).map_err(|_| invalid())?;
        // Private-use (`x-…`) and grandfathered tags have no place in a page's identity.
        let primary = tag.primary_language();
        let plain_language = (2..=8).contains(&primary.len())
            && primary.bytes().all(|b| b.is_ascii_alphabetic())
            && tag.private_use().is_none();
        if !tag.is_valid() || !plain_language || tag.as_str().len() > 35 {
            return Err(invalid());
        }
        Ok(Self(tag.into_string()))
    }

    pub fn default_lang() -> Self {
        Self(DEFAULT_LANG.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Lang {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A page size: 1 to 100 items, 20 when not given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = u32, default = 20)]
pub struct Limit(u32);

impl Limit {
    pub const MAX: u32 = 100;
    pub const DEFAULT: Limit = Limit(20);

    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for Limit {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl<'de> Deserialize<'de> for Limit {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Query strings carry text: accept "20" as well as 20.
        let raw = String::deserialize(d)?;
        match raw.trim().parse::<u32>() {
            Ok(n @ 1..=Self::MAX) => Ok(Self(n)),
            _ => Err(serde::de::Error::custom(format!(
                "limit must be a whole number from 1 to {}, not '{}'",
                Self::MAX,
                truncate_for_message(&raw)
            ))),
        }
    }
}

/// An opaque pagination cursor: base64url of a JSON position that only the
/// endpoint which issued it understands.
pub struct Cursor;

impl Cursor {
    pub fn encode<T: Serialize>(position: &T) -> String {
        // Serialising our own plain structs cannot fail; an empty cursor would
        // only restart the listing.
        let json = serde_json::to_vec(position).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    pub fn decode<T: DeserializeOwned>(cursor: &str) -> Result<T, ApiError> {
        let bad = || ApiError::BadRequest("the cursor is not one this endpoint issued".to_owned());
        let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).map_err(|_| bad())?;
        serde_json::from_slice(&bytes).map_err(|_| bad())
    }

    /// Cuts a page read with one item more than `limit` back to `limit` items, and gives the
    /// cursor of its last item when that extra item showed that more follow.
    pub fn next_page<T, P: Serialize>(
        items: &mut Vec<T>,
        limit: usize,
        position: impl Fn(&T) -> P,
    ) -> Option<String> {
        if items.len() <= limit {
            return None;
        }
        items.truncate(limit);
        items.last().map(|item| Self::encode(&position(item)))
    }
}

/// Where the versioned API is mounted (the resources' URLs start with it).
pub const API_PREFIX: &str = "/api/v1";

/// Cuts user input quoted back in a message to a readable length.
pub fn truncate_for_message(s: &str) -> String {
    const MAX: usize = 60;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_words_joined_by_dashes() {
        assert!(Slug::parse("faq").is_ok());
        assert!(Slug::parse("what-is-a-technical-coach").is_ok());
        for bad in [
            "",
            "-faq",
            "faq-",
            "a--b",
            "FAQ",
            "é",
            "a b",
            &"a".repeat(101),
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn languages_are_valid_bcp47_in_conventional_case() {
        assert_eq!(Lang::parse("en").unwrap().as_str(), "en");
        assert_eq!(Lang::parse("pt-br").unwrap().as_str(), "pt-BR");
        assert_eq!(Lang::parse("zh-hant").unwrap().as_str(), "zh-Hant");
        for bad in ["", "e", "english!", "x-private", "en_US", "123"] {
            assert!(Lang::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let encoded = Cursor::encode(&("faq", 3));
        let decoded: (String, i64) = Cursor::decode(&encoded).unwrap();
        assert_eq!(decoded, ("faq".to_owned(), 3));
        assert!(Cursor::decode::<(String, i64)>("!!!").is_err());
        assert!(Cursor::decode::<(String, i64)>(&Cursor::encode(&42)).is_err());
    }

    #[test]
    fn a_next_page_exists_only_past_the_limit() {
        let mut items = vec![1, 2, 3];
        assert_eq!(Cursor::next_page(&mut items, 3, |i| *i), None);
        assert_eq!(items, [1, 2, 3]);
        let next = Cursor::next_page(&mut items, 2, |i| *i);
        assert_eq!(items, [1, 2]);
        assert_eq!(next.map(|c| Cursor::decode::<i32>(&c).unwrap()), Some(2));
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        let long = "é".repeat(100);
        assert_eq!(truncate_for_message(&long).chars().count(), 61);
    }
}
