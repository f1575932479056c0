//! `faqd import FILE.md`: import one Markdown page.

use std::path::PathBuf;

use clap::Args;

use crate::config::DatabaseSettings;
use crate::content::QuestionStyle;
use crate::domain::{Lang, Slug};
use crate::files::{self, ImportOptions};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The Markdown file (Hugo content: YAML/TOML front matter, then questions and answers).
    pub file: PathBuf,
    /// The page's slug (default: from the file name).
    #[arg(long, value_parser = |s: &str| Slug::parse(s))]
    pub slug: Option<Slug>,
    /// The page's language (default: the front matter's, else `en`).
    #[arg(long, value_parser = |s: &str| Lang::parse(s))]
    pub lang: Option<Lang>,
    /// How questions are marked: `bold` paragraphs or headings of a level (`h2`, `h3`, …).
    /// Default: detected per file.
    #[arg(long)]
    pub questions: Option<QuestionStyle>,
    /// Report what would change without writing anything.
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn run(settings: &DatabaseSettings, args: &ImportArgs) -> anyhow::Result<()> {
    let db = super::open_database(settings).await?;
    let options = ImportOptions {
        slug: args.slug.clone(),
        lang: args.lang.clone(),
        questions: args.questions,
        dry_run: args.dry_run,
    };
    let result = files::import_file(&db.pool, &args.file, &options, "cli").await;
    db.close().await;
    println!("{}", files::summary(&result?));
    Ok(())
}
