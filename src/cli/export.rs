//! `faqd export SLUG [--lang L]` and `faqd export --all DIR`: pages written back as the files
//! they came from.

use std::path::{Component, Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;

use crate::config::DatabaseSettings;
use crate::domain::{Lang, Slug};
use crate::model::Audience;
use crate::store::export;

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("what").required(true).args(["slug", "all"]))]
pub struct ExportArgs {
    /// The page to print on standard output.
    #[arg(value_parser = |s: &str| Slug::parse(s))]
    pub slug: Option<Slug>,
    /// The page's language (default: the default language, else the page's first).
    #[arg(long, value_parser = |s: &str| Lang::parse(s), requires = "slug")]
    pub lang: Option<Lang>,
    /// Write every page under this directory, each as the file it came from (`faq.md`,
    /// `faq.fr.md`, `data/faq.yml`, …).
    #[arg(long, value_name = "DIR", conflicts_with = "slug")]
    pub all: Option<PathBuf>,
}

pub async fn run(settings: &DatabaseSettings, args: &ExportArgs) -> anyhow::Result<()> {
    let db = super::open_database(settings).await?;
    let result = export_with(&db.pool, args).await;
    db.close().await;
    result
}

async fn export_with(pool: &sqlx::PgPool, args: &ExportArgs) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await?;
    if let Some(dir) = &args.all {
        let pages = export::all_pages(&mut conn).await?;
        for (slug, lang) in pages {
            let Some(file) = export::export_page(&mut conn, &slug, &lang, Audience::Editor).await?
            else {
                continue;
            };
            let target = dir.join(safe_relative(&file.path)?);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            std::fs::write(&target, file.text.as_bytes())
                .with_context(|| format!("cannot write {}", target.display()))?;
            println!("{slug} ({lang}) → {}", target.display());
        }
        return Ok(());
    }
    let Some(slug) = &args.slug else {
        bail!("name a page, or --all DIR");
    };
    let lang = match &args.lang {
        Some(lang) => lang.as_str().to_owned(),
        None => export::default_lang_of(&mut conn, slug.as_str())
            .await?
            .with_context(|| format!("no page {slug}"))?,
    };
    let file = export::export_page(&mut conn, slug.as_str(), &lang, Audience::Editor)
        .await?
        .with_context(|| format!("no page {slug} in {lang}"))?;
    use std::io::Write;
    std::io::stdout().write_all(file.text.as_bytes())?;
    Ok(())
}

/// A remembered path that stays inside the export directory (no `..`, no root).
fn safe_relative(path: &str) -> anyhow::Result<PathBuf> {
    let path = Path::new(path);
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            _ => bail!(
                "refusing to write outside the export directory: {}",
                path.display()
            ),
        }
    }
    if out.as_os_str().is_empty() {
        bail!("empty file name");
    }
    Ok(out)
}
