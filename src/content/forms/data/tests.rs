//! The YAML and TOML item readers, on small documents.

use super::*;

const DATA: &str = "# comment\n- section: Général\n  questions:\n    - question: Is it \"free\"?\n      answer: |\n        Yes, **free**.\n\n        Really.\n    - question: \"Quoted é?\"\n      answer: >-\n        folded\n        text\n    # - question: commented\n    - question: plain\n        multi line\n      answer: 'single'\n- section: Other\n  questions:\n  - q: Short?\n    a: Yes.\n";

/// A list entry whose title asks and whose one prose value has a name no list knows
/// (`message`) is an item; a card, a link or an entry that does not ask is not.
#[test]
fn an_asking_title_with_one_prose_value_is_an_item() {
    let page = "sections:\n  - title: General\n    items:\n      - title: \"Which simulator can I use?\"\n        message: \"Any simulator, though tracking varies.\"\n      - title: Are there activity requirements?\n        message: No. There are none.\ncards:\n  - title: Why us?\n    link: /why-us\n  - title: Maintenance\n    message: The site is down on Sunday.\n  - title: Two texts?\n    message: One text here.\n    note: Another text there.\n";
    let found = front_matter_items(page, 0..page.len()).unwrap();
    let read: Vec<_> = found
        .iter()
        .map(|i| (i.section.as_deref(), i.question.as_str(), i.answer.as_str()))
        .collect();
    assert_eq!(
        read,
        [
            (
                Some("General"),
                "Which simulator can I use?",
                "Any simulator, though tracking varies."
            ),
            (
                Some("General"),
                "Are there activity requirements?",
                "No. There are none."
            ),
        ]
    );
    assert_eq!(
        &page[found[0].answer_span.clone()],
        "\"Any simulator, though tracking varies.\""
    );
    let mut json: serde_json::Value = serde_norway::from_str(page).unwrap();
    drop_item_lists(&mut json);
    assert_eq!(
        json.as_object()
            .map(|m| m.keys().cloned().collect::<Vec<_>>()),
        Some(vec!["cards".to_owned()])
    );
}

#[test]
fn data_file_items_with_sections_and_spans() {
    let items = items(DATA, 0..DATA.len()).expect("parses");
    let questions: Vec<_> = items.iter().map(|i| i.question.as_str()).collect();
    assert_eq!(
        questions,
        ["Is it \"free\"?", "Quoted é?", "plain multi line", "Short?"]
    );
    assert_eq!(items[0].section.as_deref(), Some("Général"));
    assert_eq!(items[3].section.as_deref(), Some("Other"));
    assert_eq!(items[0].answer, "Yes, **free**.\n\nReally.");
    assert_eq!(
        &DATA[items[0].answer_span.clone()],
        "|\n        Yes, **free**.\n\n        Really."
    );
    assert_eq!(items[0].answer_scalar, YamlScalar::Literal { indent: 8 });
    assert_eq!(&DATA[items[1].question_span.clone()], "\"Quoted é?\"");
    assert_eq!(&DATA[items[2].answer_span.clone()], "'single'");
    assert!(DATA[items[3].item_span.clone()].starts_with("- q: Short?"));
    assert!(DATA[items[3].item_span.clone()].ends_with("a: Yes."));
}

#[test]
fn encoded_scalars_read_back_as_the_text() {
    for text in [
        "plain",
        "with: colon # and hash",
        "multi\n\nline **md**",
        "  lead",
        "é\t\"q\"",
    ] {
        for kind in [
            YamlScalar::Flow,
            YamlScalar::Literal { indent: 4 },
            YamlScalar::Folded,
        ] {
            let doc = format!(
                "- question: x\n  answer: {}\n",
                encode_scalar(text, kind, "|-", "\n")
            );
            let found = items(&doc, 0..doc.len()).expect("parses");
            assert_eq!(found[0].answer, text.trim_end(), "{doc}");
        }
    }
}

#[test]
fn broken_yaml_is_an_error() {
    assert!(items("a: [b\n", 0..6).is_err());
}
