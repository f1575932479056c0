//! Content negotiation: the page language a request prefers.

use actix_web::HttpRequest;
use actix_web::http::header::{AcceptLanguage, Header, LanguageTag, Preference};

use crate::domain::DEFAULT_LANG;

/// Picks the language of a page for a request without `?lang=`: the best of the
/// page's `available` languages by `Accept-Language` (exact tag, then same primary
/// language), else the default language, else the first available.
pub fn negotiate_lang(req: &HttpRequest, available: &[String]) -> Option<String> {
    let ranked = AcceptLanguage::parse(req)
        .map(|a| a.ranked())
        .unwrap_or_default();
    for pref in &ranked {
        match pref {
            Preference::Any => break,
            Preference::Specific(tag) => {
                if let Some(found) = best_match(tag, available) {
                    return Some(found.clone());
                }
            }
        }
    }
    available
        .iter()
        .find(|l| l.as_str() == DEFAULT_LANG)
        .or_else(|| available.first())
        .cloned()
}

fn best_match<'a>(wanted: &LanguageTag, available: &'a [String]) -> Option<&'a String> {
    let exact = available
        .iter()
        .find(|l| l.eq_ignore_ascii_case(wanted.as_str()));
    exact.or_else(|| {
        let primary = wanted.primary_language();
        available.iter().find(|l| {
            l.split('-')
                .next()
                .is_some_and(|p| p.eq_ignore_ascii_case(primary))
        })
    })
}
