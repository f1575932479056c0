//! Slugs: URL-safe identifiers derived from questions (lowercase ASCII words joined by `-`).

/// The longest slug [`slugify`] returns, in bytes (= characters: slugs are ASCII).
pub const MAX_SLUG_LEN: usize = 80;

/// Lowercase ASCII words joined by `-`, accents transliterated (`Qu'est-ce qu'un coach ?` →
/// `qu-est-ce-qu-un-coach`), other scripts romanised; at most [`MAX_SLUG_LEN`] characters, cut
/// at a word boundary when there is one.
///
/// Returns `""` when `text` has nothing to make a slug of (no letters or digits, e.g. only
/// emoji); the caller decides what to use instead.
pub fn slugify(text: &str) -> String {
    // Only letters and digits make words: the transliteration behind `slug` would otherwise
    // spell out emoji and symbols (`🎉` → `tada`, `©` → `c`).
    let words: String = text
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || is_combining_mark(c) {
                c
            } else {
                ' '
            }
        })
        .collect();
    truncate_at_word(::slug::slugify(words), MAX_SLUG_LEN)
}

/// What a derived slug that would parse as an entry id gets appended (`{ref}` would otherwise
/// read it as an id): `-q`, for "question".
pub const ID_LIKE_SUFFIX: &str = "-q";

/// Whether `slug` parses as an entry id (32 hex digits, or the hyphenated UUID form): such a
/// slug could not be told from an id in a `{ref}`, so no entry has one.
pub fn parses_as_id(slug: &str) -> bool {
    uuid::Uuid::try_parse(slug).is_ok()
}

/// The slug a new entry's `question` derives before clashes are numbered: [`slugify`], `entry`
/// when that gives nothing, and [`ID_LIKE_SUFFIX`] appended when it would parse as an id.
pub fn base_slug(question: &str) -> String {
    let mut base = slugify(question);
    if base.is_empty() {
        base.push_str("entry");
    } else if parses_as_id(&base) {
        base.push_str(ID_LIKE_SUFFIX);
    }
    base
}

/// Combining diacritical marks (a decomposed `é` is `e` + U+0301): part of the letter before,
/// not a word break.
fn is_combining_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}')
}

/// Cuts `slug` to at most `max` bytes, at the last `-` that keeps it within `max` when there is
/// one, else in the middle of its first word.
fn truncate_at_word(mut slug: String, max: usize) -> String {
    if slug.len() <= max {
        return slug;
    }
    // A word that ends exactly at `max` is kept whole.
    let cut = if slug.as_bytes().get(max) == Some(&b'-') {
        max
    } else {
        slug.get(..max)
            .and_then(|head| head.rfind('-'))
            .filter(|&i| i > 0)
            .unwrap_or(max)
    };
    // Slugs are ASCII, but never panic if that ever changes.
    let mut cut = cut;
    while !slug.is_char_boundary(cut) {
        cut -= 1;
    }
    slug.truncate(cut);
    let trimmed = slug.trim_end_matches('-').len();
    slug.truncate(trimmed);
    slug
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_become_lowercase_words() {
        assert_eq!(
            slugify("What is a technical coach?"),
            "what-is-a-technical-coach"
        );
        assert_eq!(
            slugify("  How many teams can a technical coach support?  "),
            "how-many-teams-can-a-technical-coach-support"
        );
        assert_eq!(
            slugify("I don't know which team to support?"),
            "i-don-t-know-which-team-to-support"
        );
        assert_eq!(slugify("CI / CD -- 100% ready!"), "ci-cd-100-ready");
    }

    #[test]
    fn accents_are_transliterated() {
        assert_eq!(slugify("Qu'est-ce qu'un coach ?"), "qu-est-ce-qu-un-coach");
        assert_eq!(
            slugify("Ça coûte combien, à l'année ?"),
            "ca-coute-combien-a-l-annee"
        );
        assert_eq!(slugify("Größe"), "grosse");
        // Decomposed accents (NFD) too.
        assert_eq!(
            slugify("re\u{301}sume\u{301} pre\u{301}cis"),
            "resume-precis"
        );
    }

    #[test]
    fn other_scripts_are_romanised() {
        let slug = slugify("Что такое коуч?");
        assert!(!slug.is_empty());
        assert!(
            slug.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        );
    }

    #[test]
    fn emoji_and_symbols_alone_give_nothing() {
        assert_eq!(slugify("🎉🎉"), "");
        assert_eq!(slugify("?!… ©™ 🚀"), "");
        assert_eq!(slugify(""), "");
        assert_eq!(slugify("Launch 🚀 day"), "launch-day");
    }

    #[test]
    fn slugs_that_parse_as_ids_are_told_apart() {
        let simple = "0123456789abcdef0123456789abcdef";
        let hyphenated = "8c1d5a0e-3f0b-4a4e-9a55-1f6e2f0c9b11";
        assert!(parses_as_id(simple));
        assert!(parses_as_id(hyphenated));
        assert!(!parses_as_id("0123456789abcdef0123456789abcde"));
        assert!(!parses_as_id("0123456789abcdef0123456789abcdeg"));
        assert!(!parses_as_id("8c1d5a0e-3f0b-4a4e-9a55-1f6e2f0c9b11-q"));
        assert!(!parses_as_id("what-is-a-technical-coach"));

        // A question that slugifies to an id gets the suffix; others do not.
        assert_eq!(base_slug(simple), format!("{simple}-q"));
        assert_eq!(
            base_slug(&hyphenated.to_uppercase()),
            format!("{hyphenated}-q")
        );
        assert_eq!(
            base_slug("{8C1D5A0E-3F0B-4A4E-9A55-1F6E2F0C9B11}?"),
            format!("{hyphenated}-q")
        );
        assert_eq!(base_slug("What is a coach?"), "what-is-a-coach");
        assert_eq!(base_slug("🎉"), "entry");
        assert!(!parses_as_id(&base_slug(simple)));
    }

    #[test]
    fn long_text_is_cut_at_a_word_boundary() {
        let question = "Why does the technical coach recommend starting with one motivated team before gradually increasing the number of teams?";
        let slug = slugify(question);
        assert!(slug.len() <= MAX_SLUG_LEN, "{slug}");
        assert_eq!(
            slug,
            "why-does-the-technical-coach-recommend-starting-with-one-motivated-team-before"
        );
        assert!(!slug.ends_with('-'));

        // A word ending exactly at the limit is kept.
        let exact = format!("{} {}", "a".repeat(39), "b".repeat(40));
        assert_eq!(slugify(&format!("{exact} more")), exact.replace(' ', "-"));

        // One endless word is cut inside it.
        let slug = slugify(&"x".repeat(200));
        assert_eq!(slug, "x".repeat(MAX_SLUG_LEN));
    }
}
