//! The importer against hostile input: every file under `tests/hostile/` (crashers kept as
//! regression tests) and generated shapes (deep nesting, aliases, unclosed tags, huge lines,
//! invalid UTF-8 read lossily) get a clear answer — a page or an error — within a bound (5 s: linear work takes milliseconds in a release build; the quadratic
//! and exponential shapes these files once were took tens of seconds or the whole memory), and
//! never a panic or a stack overflow.

use std::path::Path;
use std::time::{Duration, Instant};

use faqd::content::parse_file;
use proptest::prelude::*;

/// Parses on a thread with a small stack (the size of a Tokio blocking thread's, 2 MiB), so that
/// recursion a hostile file could drive shows up as a failure here, not in production.
fn parse_bounded(path: &'static str, text: String) -> Duration {
    let started = Instant::now();
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let _ = parse_file(Path::new(path), &text, None);
        })
        .expect("spawn");
    assert!(handle.join().is_ok(), "the parser panicked on a {path}");
    started.elapsed()
}

#[test]
fn every_kept_crasher_is_answered_in_bounded_time() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/hostile") {
        let path = entry.expect("entry").path();
        if path.file_name().is_some_and(|n| n == "README.md") {
            continue;
        }
        let bytes = std::fs::read(&path).expect("read");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let name: &'static str = match path.extension().and_then(|e| e.to_str()) {
            Some("yaml") => "faq.yaml",
            Some("toml") => "faq.toml",
            Some("json") => "faq.json",
            _ => "faq.md",
        };
        let took = parse_bounded(name, text);
        assert!(
            took < Duration::from_secs(5),
            "{}: {took:?}",
            path.display()
        );
        seen += 1;
    }
    assert!(seen >= 8, "the crashers are there ({seen})");
}

#[test]
fn a_page_of_question_headings_and_rules_is_answered_in_bounded_time() {
    // 20,000 questions, each followed by a rule heading and a thematic break: every answer is
    // trimmed of its rules, every heading is read whole (`forms::headings`).
    let text = "## Is it free?\n\nYes.\n\n## ———\n\n---\n\n## [Group]\n\n".repeat(20_000);
    let took = parse_bounded("faq.md", text);
    assert!(took < Duration::from_secs(5), "{took:?}");
}

/// Hostile shapes, generated.
fn hostile() -> impl Strategy<Value = (String, &'static str)> {
    let depth = 1usize..3000;
    prop_oneof![
        depth
            .clone()
            .prop_map(|n| (format!("{}x\n", "- ".repeat(n)), "faq.yaml")),
        depth.clone().prop_map(|n| (
            format!(
                "---\na: {}{}\n---\n## Q?\n\nA.\n",
                "[".repeat(n),
                "]".repeat(n)
            ),
            "faq.md"
        )),
        depth.clone().prop_map(|n| (
            format!("a = {}1{}\n", "[".repeat(n), "]".repeat(n)),
            "faq.toml"
        )),
        depth.clone().prop_map(|n| (
            format!("{}{}", "{\"a\":".repeat(n), "}".repeat(n)),
            "faq.json"
        )),
        (1usize..400, 1usize..400).prop_map(|(a, b)| {
            let items = vec!["x"; a].join(", ");
            let refs = vec!["*a"; b].join(", ");
            (
                format!("---\na: &a [{items}]\nb: [{refs}]\n---\n## Q?\n\nA.\n"),
                "faq.md",
            )
        }),
        (
            prop::sample::select(vec![
                "{{< faq >}}",
                "{{< faq \"Q?",
                "{{% details title=\"",
                "<details><summary>",
                "{{< a {{< a ",
                "**Q?**\n",
                "## Q?\n",
                "**Q:** a?  \n**A:** b\n\n",
                "**S:** a?  \n**C:** b\n",
                "**Why?**  \n",
                "Q: a?\nA: ",
                "{{< question >}}# Q?{{< /question >}}{{< answer >}}",
                "{{< w >}}"
            ]),
            1usize..20_000
        )
            .prop_map(|(unit, n)| (format!("## Q?\n\nA.\n\n{}", unit.repeat(n)), "faq.md")),
        (1usize..200_000).prop_map(|n| (format!("## {}?\n\nA.\n", "x".repeat(n)), "faq.md")),
        // Wrappers opened before many questions and closed after them; a FAQ page whose body
        // repeats its front-matter list.
        (1usize..20_000).prop_map(|n| (
            format!(
                "{}\n\n{}{}",
                "{{< w >}}".repeat(n),
                "## Q?\n\nA.\n\n".repeat(n),
                "{{< /w >}}".repeat(n)
            ),
            "faq.md"
        )),
        (1usize..3_000).prop_map(|n| (
            format!(
                "---\nlayout: faq\nfaq:\n{}---\n\n{}",
                "  - q: Q?\n    a: A.\n".repeat(n),
                "## Q?\n\nA.\n\n".repeat(n)
            ),
            "faq.md"
        )),
        prop::collection::vec(any::<u8>(), 0..4096)
            .prop_map(|bytes| (String::from_utf8_lossy(&bytes).into_owned(), "faq.md")),
        prop::collection::vec(any::<u8>(), 0..4096)
            .prop_map(|bytes| (String::from_utf8_lossy(&bytes).into_owned(), "faq.yaml")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn hostile_shapes_get_a_clear_answer_quickly((text, name) in hostile()) {
        let took = parse_bounded(name, text);
        prop_assert!(took < Duration::from_secs(5), "{name}: {took:?}");
    }
}
