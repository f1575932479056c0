//! Bounds on what a page file may ask of the parsers, checked before any parser that recurses
//! or expands sees the text: nesting depth on every structured format, and for YAML the number
//! of nodes its aliases expand to. A hostile file (50,000 nested `- `, an alias bomb of 15 KB
//! that expands to millions of nodes) is then a clear refusal in microseconds, never a stack
//! overflow that aborts the process or an allocation the OOM killer ends.
//!
//! The checks are linear and iterative: they walk the event stream (YAML) or the characters
//! (TOML) once with an explicit depth counter.

use saphyr_parser::{Event, Parser};

/// The deepest nesting of sequences and mappings (YAML), arrays and tables (TOML) a file may
/// hold. Real front matter and data files stay under ten.
pub const MAX_DEPTH: usize = 64;

/// The most nodes a YAML document may have once its aliases are expanded (what a deserialiser
/// builds). Real files have a few thousand at most.
pub const MAX_YAML_NODES: usize = 100_000;

/// Refuses a YAML text nested deeper than [`MAX_DEPTH`] or expanding to more than
/// [`MAX_YAML_NODES`] nodes. Syntax errors are left to the parser that follows (this check
/// stops at the first one it meets and lets the text through).
pub fn check_yaml(text: &str) -> Result<(), String> {
    // Per open collection: the number of nodes in it so far, and its anchor id (0: none).
    let mut open: Vec<(usize, usize)> = Vec::new();
    // The expanded size of each anchored node, by anchor id.
    let mut anchored: Vec<usize> = Vec::new();
    let mut total = 0usize;
    let add = |open: &mut Vec<(usize, usize)>, size: usize, total: &mut usize| {
        match open.last_mut() {
            Some((count, _)) => *count = count.saturating_add(size),
            None => *total = total.saturating_add(size),
        }
        let so_far = total.saturating_add(open.iter().map(|(c, _)| *c).sum::<usize>());
        if so_far > MAX_YAML_NODES {
            Err(format!(
                "the YAML expands to more than {MAX_YAML_NODES} values (its aliases `*name` \
                 repeat anchored values): write the values out, or split the file"
            ))
        } else {
            Ok(())
        }
    };
    let remember = |anchored: &mut Vec<usize>, id: usize, size: usize| {
        if id > 0 {
            if anchored.len() <= id {
                anchored.resize(id + 1, 0);
            }
            anchored[id] = size;
        }
    };
    for event in Parser::new_from_str(text) {
        let (event, _span) = match event {
            Ok(event) => event,
            // The scanner's own bound on flow nesting (`[[[[…`).
            Err(e) if e.info().contains("recursion") => {
                return Err(format!(
                    "the YAML is nested more than {MAX_DEPTH} levels deep"
                ));
            }
            Err(_) => return Ok(()),
        };
        match event {
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if open.len() >= MAX_DEPTH {
                    return Err(format!(
                        "the YAML is nested more than {MAX_DEPTH} levels deep"
                    ));
                }
                open.push((1, anchor));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((size, anchor)) = open.pop() {
                    remember(&mut anchored, anchor, size);
                    add(&mut open, size, &mut total)?;
                }
            }
            Event::Scalar(_, _, anchor, _) => {
                remember(&mut anchored, anchor, 1);
                add(&mut open, 1, &mut total)?;
            }
            Event::Alias(id) => {
                let size = anchored.get(id).copied().unwrap_or(1).max(1);
                add(&mut open, size, &mut total)?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// Refuses a TOML text whose arrays and inline tables nest deeper than [`MAX_DEPTH`], or
/// whose keys have more than [`MAX_DEPTH`] dotted parts. Strings and comments are skipped as
/// TOML writes them; anything malformed is left to the parser.
pub fn check_toml(text: &str) -> Result<(), String> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut dots = 0usize;
    let mut i = 0;
    let too_deep = || {
        Err(format!(
            "the TOML is nested more than {MAX_DEPTH} levels deep"
        ))
    };
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            quote @ (b'"' | b'\'') => {
                let triple = bytes[i..].starts_with(if quote == b'"' { b"\"\"\"" } else { b"'''" });
                i += if triple { 3 } else { 1 };
                loop {
                    match bytes.get(i) {
                        None => return Ok(()),
                        Some(b'\\') if quote == b'"' => i += 2,
                        Some(b'\n') if !triple => break,
                        Some(&b) if b == quote => {
                            if !triple {
                                i += 1;
                                break;
                            }
                            if bytes[i..].starts_with(&[quote; 3]) {
                                i += 3;
                                // A closing delimiter may carry one or two more quotes.
                                while bytes.get(i) == Some(&quote) {
                                    i += 1;
                                }
                                break;
                            }
                            i += 1;
                        }
                        Some(_) => i += 1,
                    }
                }
                continue;
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return too_deep();
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'.' => {
                dots += 1;
                if dots > MAX_DEPTH {
                    return too_deep();
                }
            }
            b'=' | b'\n' | b',' => dots = 0,
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_yaml_passes() {
        let text = "title: FAQ\nfaq:\n  - question: Why?\n    answer: Because.\nbase: &b {a: 1}\nother:\n  <<: *b\n";
        assert_eq!(check_yaml(text), Ok(()));
    }

    #[test]
    fn deep_yaml_is_refused_without_recursion() {
        let text = format!("{}x\n", "- ".repeat(50_000));
        let error = check_yaml(&text).unwrap_err();
        assert!(error.contains("nested more than 64"), "{error}");
        let flow = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(check_yaml(&flow).is_err());
    }

    #[test]
    fn an_alias_bomb_is_refused() {
        let items = vec!["x"; 3000].join(", ");
        let refs = vec!["*a"; 3000].join(", ");
        let text = format!("a: &a [{items}]\nb: [{refs}]\n");
        let error = check_yaml(&text).unwrap_err();
        assert!(error.contains("expands to more than"), "{error}");
        // Nested anchors multiply: 10 levels of 10 aliases each.
        let mut text = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..10 {
            let refs = vec![format!("*l{}", level - 1); 10].join(", ");
            text.push_str(&format!("l{level}: &l{level} [{refs}]\n"));
        }
        assert!(check_yaml(&text).is_err());
    }

    #[test]
    fn toml_depth_and_dotted_keys_are_bounded() {
        assert_eq!(
            check_toml("title = \"a [[[ \\\" {{{\"\n[[faq]]\nq = 'x'\nx.y.z = 1\n"),
            Ok(())
        );
        let deep = format!("a = {}1{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(check_toml(&deep).is_err());
        let dotted = format!("{} = 1", vec!["a"; 10_000].join("."));
        assert!(check_toml(&dotted).is_err());
        let tables = format!("a = {}", "{ b = ".repeat(100));
        assert!(check_toml(&tables).is_err());
        // Multi-line strings may hold anything.
        assert_eq!(
            check_toml(&format!("a = \"\"\"{}\"\"\"", "[".repeat(1000))),
            Ok(())
        );
        assert_eq!(
            check_toml(&format!("a = '''{}'''", "[".repeat(1000))),
            Ok(())
        );
    }
}
