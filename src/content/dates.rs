//! A page's publication dates as Hugo reads them from its front matter.
//!
//! Hugo does not publish a page whose publication date is still to come, nor one whose expiry
//! date has passed (unless a site builds with `--buildFuture` or `--buildExpired`). Its default
//! keys, whatever their case: the publication date is `publishDate`, else `pubdate`, else
//! `published`, else `date`; the expiry date is `expiryDate`, else `unpublishdate`. A date
//! without a time is midnight, and one without a zone is UTC (a site's default time zone).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::Value;

/// The keys of the publication date, in the order Hugo tries them.
const PUBLISH_KEYS: [&str; 4] = ["publishdate", "pubdate", "published", "date"];
/// The keys of the expiry date, in the order Hugo tries them.
const EXPIRY_KEYS: [&str; 2] = ["expirydate", "unpublishdate"];

/// A page's publication and expiry dates, as far as its front matter gives them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageDates {
    /// When the page goes public (`publishDate`, `pubdate`, `published` or `date`).
    pub publish: Option<DateTime<Utc>>,
    /// When the page leaves readers' view (`expiryDate` or `unpublishdate`).
    pub expiry: Option<DateTime<Utc>>,
}

impl PageDates {
    /// The dates of the front matter object `front_matter` (none when it is not an object).
    pub fn of(front_matter: &Value) -> Self {
        // The first key of the list whose value is a date; keys are read in any case.
        let first = |names: &[&str]| {
            names.iter().find_map(|name| {
                crate::content::front_matter::values(front_matter, name).find_map(parse)
            })
        };
        Self {
            publish: first(&PUBLISH_KEYS),
            expiry: first(&EXPIRY_KEYS),
        }
    }

    /// Whether Hugo would leave the page out at `now`: published later, or expired.
    pub fn hidden_at(&self, now: DateTime<Utc>) -> bool {
        self.publish.is_some_and(|at| at > now) || self.expiry.is_some_and(|at| at <= now)
    }
}

/// A front matter date: YAML and TOML timestamps (TOML's arrive as strings), RFC 3339, with a
/// space for the `T`, without seconds, zone or time. Anything else is no date.
fn parse(value: &Value) -> Option<DateTime<Utc>> {
    let text = value.as_str()?.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M:%S%.f %:z",
        "%Y-%m-%d %H:%M:%S%.f %z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%:z",
    ] {
        if let Ok(at) = DateTime::parse_from_str(text, format) {
            return Some(at.with_timezone(&Utc));
        }
    }
    let utc = text.strip_suffix('Z').unwrap_or(text);
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(at) = NaiveDateTime::parse_from_str(utc, format) {
            return Some(at.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .map(|at| at.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("date")
            .with_timezone(&Utc)
    }

    #[test]
    fn every_form_hugo_writes_is_read() {
        for (text, expected) in [
            ("2027-03-01", "2027-03-01T00:00:00Z"),
            ("2027-03-01T10:30:00Z", "2027-03-01T10:30:00Z"),
            ("2027-03-01T10:30:00+01:00", "2027-03-01T09:30:00Z"),
            ("2027-03-01T10:30:00", "2027-03-01T10:30:00Z"),
            ("2027-03-01 10:30:00", "2027-03-01T10:30:00Z"),
            ("2027-03-01 10:30:00 +0100", "2027-03-01T09:30:00Z"),
            ("2027-03-01 10:30:00+01:00", "2027-03-01T09:30:00Z"),
            ("2027-03-01T10:30:00.5Z", "2027-03-01T10:30:00.5Z"),
            ("2027-03-01T10:30", "2027-03-01T10:30:00Z"),
            (" 2027-03-01 ", "2027-03-01T00:00:00Z"),
        ] {
            assert_eq!(parse(&json!(text)), Some(at(expected)), "{text}");
        }
        for text in ["soon", "", "2027-13-01", "01/03/2027", "2027"] {
            assert_eq!(parse(&json!(text)), None, "{text}");
        }
        assert_eq!(parse(&json!(2027)), None);
    }

    #[test]
    fn the_keys_are_hugos_in_its_order_and_any_case() {
        let dates = PageDates::of(&json!({
            "date": "2020-01-01",
            "PublishDate": "2027-01-01",
            "ExpiryDate": "2028-01-01",
        }));
        assert_eq!(dates.publish, Some(at("2027-01-01T00:00:00Z")));
        assert_eq!(dates.expiry, Some(at("2028-01-01T00:00:00Z")));
        // `date` stands in for a missing publication date; a value that is no date is skipped.
        let dates = PageDates::of(&json!({"publishDate": "", "date": "2027-05-05"}));
        assert_eq!(dates.publish, Some(at("2027-05-05T00:00:00Z")));
        let dates = PageDates::of(&json!({"unpublishdate": "2020-01-01", "title": "FAQ"}));
        assert_eq!(dates.expiry, Some(at("2020-01-01T00:00:00Z")));
        assert_eq!(PageDates::of(&json!([1, 2])), PageDates::default());
    }

    #[test]
    fn a_page_is_hidden_before_its_publication_and_from_its_expiry() {
        let now = at("2026-12-08T12:00:00Z");
        let dates = |v| PageDates::of(&v);
        assert!(!dates(json!({"title": "FAQ"})).hidden_at(now));
        assert!(!dates(json!({"date": "2025-01-01"})).hidden_at(now));
        assert!(dates(json!({"date": "2026-12-09"})).hidden_at(now));
        assert!(dates(json!({"publishDate": "2026-12-08T12:00:01Z"})).hidden_at(now));
        assert!(!dates(json!({"publishDate": "2026-12-08T12:00:00Z"})).hidden_at(now));
        assert!(dates(json!({"expiryDate": "2026-12-08T12:00:00Z"})).hidden_at(now));
        assert!(!dates(json!({"expiryDate": "2027-01-01"})).hidden_at(now));
    }
}
