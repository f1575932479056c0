//! Markdown files on disk: reading them, naming the page they hold, importing
//! them one by one (`faqd import`) or a whole directory (`faqd seed`).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use sqlx::PgPool;

use crate::content::{self, QuestionStyle};
use crate::domain::{Lang, MAX_PAGE_FILE_BYTES, Slug};
use crate::model::ImportReport;
use crate::store::{import, meta};

/// How to import one file.
#[derive(Debug, Default, Clone)]
pub struct ImportOptions {
    /// The page's slug; default: from the file name.
    pub slug: Option<Slug>,
    /// The page's language; default: the front matter's, else the file name's
    /// Hugo suffix (`faq.fr.md`), else `en`.
    pub lang: Option<Lang>,
    /// Force a question style instead of detecting it.
    pub questions: Option<QuestionStyle>,
    pub dry_run: bool,
    /// Apply the file's text to entries editors changed too.
    pub force: bool,
}

/// The slug and (Hugo-style) language a file name suggests: `faq.md` → (`faq`,
/// none), `faq.fr.md` → (`faq`, `fr`); a data file in a language's folder,
/// `data/faq/fr/usage.yaml` → (`usage`, `fr`).
pub fn identity_from_path(path: &Path) -> (String, Option<Lang>) {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if let Some((name, suffix)) = stem.rsplit_once('.')
        && let Ok(lang) = Lang::parse(suffix)
    {
        return (content::slugify(name), Some(lang));
    }
    let folder_lang = content::is_data_file(path)
        .then(|| path.parent()?.file_name()?.to_str())
        .flatten()
        .filter(|name| (2..=3).contains(&name.len()) || name.contains('-'))
        .and_then(|name| Lang::parse(name).ok());
    (content::slugify(stem), folder_lang)
}

/// The path a file is remembered by, for `faqd export --all`: relative to `root` when it is
/// under it, else from its `data/` folder for a data file, else its name.
pub fn source_path(path: &Path, root: Option<&Path>) -> String {
    if let Some(relative) = root.and_then(|root| path.strip_prefix(root).ok()) {
        return relative.to_string_lossy().into_owned();
    }
    let parts: Vec<&str> = path.iter().filter_map(|p| p.to_str()).collect();
    if content::is_data_file(path)
        && let Some(at) = parts.iter().rposition(|p| *p == "data")
    {
        return parts[at..].join("/");
    }
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "page.md".to_owned())
}

/// Reads a page file: at most [`MAX_PAGE_FILE_BYTES`], UTF-8.
pub async fn read_page_file(path: &Path) -> anyhow::Result<String> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    if size > MAX_PAGE_FILE_BYTES as u64 {
        bail!(
            "{} is {size} bytes; the limit is {MAX_PAGE_FILE_BYTES}",
            path.display()
        );
    }
    let bytes = tokio::fs::read(path)
        .await
        .with_context(|| format!("cannot read {}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{} is not UTF-8 text (invalid byte at {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
}

/// Reads, parses and imports one page file (Markdown or data file).
pub async fn import_file(
    pool: &PgPool,
    path: &Path,
    options: &ImportOptions,
    actor: &str,
) -> anyhow::Result<ImportReport> {
    import_file_from(pool, path, None, options, actor, false).await
}

/// [`import_file`] for a file found under the folder `root`: remembered by its path relative
/// to it (as `faqd export --all` writes it back).
pub async fn import_file_under(
    pool: &PgPool,
    path: &Path,
    root: Option<&Path>,
    options: &ImportOptions,
    actor: &str,
) -> anyhow::Result<ImportReport> {
    import_file_from(pool, path, root, options, actor, false).await
}

/// [`import_file`] for a file under `root` (the seed directory): remembered by its path
/// relative to it, and marked as seeded when `seed` is set.
async fn import_file_from(
    pool: &PgPool,
    path: &Path,
    root: Option<&Path>,
    options: &ImportOptions,
    actor: &str,
    seed: bool,
) -> anyhow::Result<ImportReport> {
    let source = read_page_file(path).await?;
    let parsed = content::parse_file(path, &source, options.questions)
        .with_context(|| format!("cannot import {}", path.display()))?;

    let (file_slug, file_lang) = identity_from_path(path);
    let slug = match &options.slug {
        Some(slug) => slug.clone(),
        None => Slug::parse(&file_slug).map_err(|e| {
            anyhow::anyhow!(
                "cannot name the page after {}: {e}; pass --slug",
                path.display()
            )
        })?,
    };
    let lang = match (&options.lang, &parsed.lang, file_lang) {
        (Some(lang), _, _) => lang.clone(),
        (None, Some(front), _) => Lang::parse(front)
            .map_err(|e| anyhow::anyhow!("{}: front matter language: {e}", path.display()))?,
        (None, None, Some(lang)) => lang,
        (None, None, None) => Lang::default_lang(),
    };
    let remembered = source_path(path, root);
    let sha = seed.then(|| sha256_hex(source.as_bytes()));
    let mode = import::ImportMode {
        dry_run: options.dry_run,
        force: options.force,
        source_path: Some(&remembered),
        seed_file: sha.as_deref().map(|sha| (remembered.as_str(), sha)),
    };
    let mut conn = pool.acquire().await?;
    let report = import::import_page(
        &mut conn,
        &parsed,
        slug.as_str(),
        lang.as_str(),
        actor,
        &mode,
    )
    .await?;
    Ok(report)
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every page file under `dir` (Markdown, and data files: `.yml`, `.yaml`, `.toml`,
/// `.json`), recursively, in a stable order.
pub fn markdown_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries =
            std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?;
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"))
                || content::is_data_file(&path)
            {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Imports every page file under `dir` and records that the database is seeded. Each file is
/// marked in the transaction that imports it: a seed that stopped half-way resumes with the
/// files it had not imported, and never imports one twice.
pub async fn seed(pool: &PgPool, dir: &Path) -> anyhow::Result<Vec<ImportReport>> {
    let files = markdown_files(dir)?;
    if files.is_empty() {
        bail!("no Markdown file under {}", dir.display());
    }
    let done = meta::seeded_files(pool).await?;
    let mut reports = Vec::with_capacity(files.len());
    for file in &files {
        if done.contains(&source_path(file, Some(dir))) {
            continue;
        }
        let options = ImportOptions::default();
        reports.push(import_file_from(pool, file, Some(dir), &options, "seed", true).await?);
    }
    let mut conn = pool.acquire().await?;
    meta::mark_seeded(&mut conn).await?;
    meta::analyze_if_owner(&mut conn).await?;
    Ok(reports)
}

/// Seeds the database from `dir` if it never was: the first start imports the
/// seed, and content editors delete later never comes back.
pub async fn seed_once(pool: &PgPool, dir: &Path) -> anyhow::Result<Option<Vec<ImportReport>>> {
    // Two instances starting together: the lock makes the second wait, then
    // see the marker.
    let mut tx = pool.begin().await?;
    meta::lock_seeding(&mut tx).await?;
    if meta::is_seeded(&mut tx).await? {
        return Ok(None);
    }
    if !dir.is_dir() {
        tracing::warn!(dir = %dir.display(), "no seed directory; starting empty");
        meta::mark_seeded(&mut tx).await?;
        tx.commit().await?;
        return Ok(Some(Vec::new()));
    }
    let reports = seed(pool, dir).await?;
    tx.commit().await?;
    Ok(Some(reports))
}

/// One line per import, for the CLI.
pub fn summary(report: &ImportReport) -> String {
    format!(
        "{}{} ({}) v{}: {} created, {} updated, {} deleted, {} unchanged, {} conflicting{}",
        if report.dry_run { "[dry run] " } else { "" },
        report.slug,
        report.lang,
        report.version,
        report.created.len(),
        report.updated.len(),
        report.deleted.len(),
        report.unchanged.len(),
        report.conflicting.len(),
        if report.page_created {
            " (new page)"
        } else {
            ""
        },
    )
}

/// How the import read the file: the form chosen and the others seen, with their counts
/// (`questions: details (5); also seen: h2 (3), bold (1)`).
pub fn forms_line(report: &ImportReport) -> String {
    let chosen = report
        .forms
        .iter()
        .find(|f| f.form == report.form)
        .map_or(0, |f| f.count);
    let others: Vec<String> = report
        .forms
        .iter()
        .filter(|f| f.form != report.form)
        .map(|f| format!("{} ({})", f.form, f.count))
        .collect();
    let mut line = format!(
        "questions: {} ({chosen}), style `{}`",
        report.form, report.questions
    );
    if !others.is_empty() {
        line.push_str("; also seen: ");
        line.push_str(&others.join(", "));
        line.push_str(" (choose one with --questions)");
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_give_slug_and_hugo_language() {
        assert_eq!(
            identity_from_path(Path::new("seed/faq.md")),
            ("faq".to_owned(), None)
        );
        let (slug, lang) = identity_from_path(Path::new("x/Shipping FAQ.fr.md"));
        assert_eq!(slug, "shipping-faq");
        assert_eq!(lang.map(|l| l.to_string()).as_deref(), Some("fr"));
    }
}
