//! The documentation in the repository: the API reference names every operation of the
//! committed OpenAPI document, and no file points outside the repository.

use std::path::{Component, Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_reference_names_every_operation_of_the_openapi_document() {
    let doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("openapi/openapi.json")).unwrap(),
    )
    .unwrap();
    let reference = std::fs::read_to_string(root().join("docs/reference.md")).unwrap();
    let mut missing = Vec::new();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "put", "post", "delete", "patch"] {
            if item.get(method).is_some() {
                operations += 1;
                let named = format!("`{} {path}`", method.to_uppercase());
                if !reference.contains(&named) {
                    missing.push(named);
                }
            }
        }
    }
    assert!(operations > 20, "only {operations} operations read");
    assert!(
        missing.is_empty(),
        "docs/reference.md lacks {missing:?}: describe them there"
    );
}

/// Files of the repository worth reading: text under the root, without build output, local
/// data or dependencies.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            let skipped = [
                ".git",
                "target",
                "data",
                "node_modules",
                ".schemathesis",
                "schemathesis-venv",
                "work",
            ];
            if !skipped.contains(&name.as_str()) {
                files(&path, out);
            }
        } else if kind.is_file() {
            out.push(path);
        }
    }
}

#[test]
fn no_file_points_outside_the_repository() {
    // Spelled in two halves, so that this file does not find itself.
    let needles = [
        ["..", "/shared"].concat(),
        ["shared/", "API.md"].concat(),
        ["/work", "/shared"].concat(),
    ];
    let mut all = Vec::new();
    files(&root(), &mut all);
    assert!(all.len() > 50, "only {} files found", all.len());
    let mut found = Vec::new();
    for file in &all {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue; // not text
        };
        let shown = file.strip_prefix(root()).unwrap_or(file).display();
        for needle in &needles {
            if text.contains(needle.as_str()) {
                found.push(format!("{shown}: {needle}"));
            }
        }
        // The project's own Markdown; FAQ pages kept as fixtures and seed content link within
        // their Hugo sites.
        let content = ["tests/corpus/", "seed/"]
            .iter()
            .any(|dir| file.starts_with(root().join(dir)))
            && !file.ends_with("README.md");
        if file.extension().is_some_and(|e| e == "md") && !content {
            for link in markdown_links(&text) {
                if escapes(file, &link) {
                    found.push(format!("{shown}: link {link}"));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "pointing outside the repository: {found:#?}"
    );
}

/// The targets of `](…)` links that are relative paths, outside fenced code blocks (where a
/// link is an example of output, not a link of the document).
fn markdown_links(text: &str) -> Vec<String> {
    let mut fenced = false;
    let prose: String = text
        .lines()
        .filter(|line| {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
                return false;
            }
            !fenced
        })
        .collect::<Vec<_>>()
        .join("\n");
    prose
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .map(|t| t.split('#').next().unwrap_or("").trim().to_owned())
        .filter(|t| !t.is_empty() && !t.contains("://") && !t.starts_with("mailto:"))
        .collect()
}

/// Whether a relative link in `file` leads above the repository's root.
fn escapes(file: &Path, link: &str) -> bool {
    if link.starts_with('/') {
        return true;
    }
    let rel = file
        .parent()
        .unwrap_or(Path::new(""))
        .strip_prefix(root())
        .unwrap_or(Path::new(""));
    let mut depth: i32 = rel.components().count() as i32;
    for part in Path::new(link).components() {
        match part {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            _ => {}
        }
        if depth < 0 {
            return true;
        }
    }
    false
}
