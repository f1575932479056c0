//! `faqd import FILE`: import one page file (Markdown, or a data file such as `data/faq.yml`).

use std::path::PathBuf;

use clap::Args;

use crate::config::DatabaseSettings;
use crate::content::QuestionStyle;
use crate::domain::{Lang, Slug};
use crate::files::{self, ImportOptions};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The page file: Hugo Markdown (YAML/TOML front matter, then questions and answers), or a
    /// data file (`data/faq.yml`, `.yaml`, `.toml`, `.json`) of question/answer items.
    pub file: PathBuf,
    /// The page's slug (default: from the file name).
    #[arg(long, value_parser = |s: &str| Slug::parse(s))]
    pub slug: Option<Slug>,
    /// The page's language (default: the front matter's, else `en`).
    #[arg(long, value_parser = |s: &str| Lang::parse(s))]
    pub lang: Option<Lang>,
    /// How questions are marked: `bold` paragraphs, headings of a level (`h2`, `h3`, …),
    /// `quote`, `definition`, `shortcode`, `front-matter` (the front matter's list only) or
    /// `data`. Default: detected per file.
    #[arg(long)]
    pub questions: Option<QuestionStyle>,
    /// Report what would change without writing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Apply the file's text to entries that editors changed too (conflicts).
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub models: crate::config::ModelSettings,
}

pub async fn run(settings: &DatabaseSettings, args: &ImportArgs) -> anyhow::Result<()> {
    let models = super::start_models(&args.models);
    let db = super::open_database(settings).await?;
    let options = ImportOptions {
        slug: args.slug.clone(),
        lang: args.lang.clone(),
        questions: args.questions,
        dry_run: args.dry_run,
        force: args.force,
    };
    let result = files::import_file(&db.pool, &args.file, &options, "cli").await;
    db.close().await;
    super::finish_models(models).await;
    let report = result?;
    println!("{}", files::summary(&report));
    println!("{}", files::forms_line(&report));
    for conflict in &report.conflicting {
        println!(
            "conflict: {} ({}): {}; kept as editors have it (--force applies the file)",
            conflict.slug, conflict.question, conflict.reason
        );
    }
    Ok(())
}
