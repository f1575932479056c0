//! `faqd import FILE…`: import page files (Markdown, or data files such as `data/faq.yml`),
//! or every page file of a folder, in one run: one attach to the cluster, one connection, a
//! line per page and a total.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::Args;

use crate::cli::files::{self, ImportOptions};
use crate::config::DatabaseSettings;
use crate::content::QuestionStyle;
use crate::domain::{Lang, Slug};
use crate::model::ImportReport;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Page files — Hugo Markdown (YAML/TOML front matter, then questions and answers), or data
    /// files (`data/faq.yml`, `.yaml`, `.toml`, `.json`) of question/answer items — or folders:
    /// every page file under them, recursively.
    #[arg(required = true, num_args = 1..)]
    pub files: Vec<PathBuf>,
    /// The page's slug (default: from the file name); one file only.
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

/// The files to import, each with the folder it was found under (if any).
fn expand(args: &[PathBuf]) -> anyhow::Result<Vec<(PathBuf, Option<PathBuf>)>> {
    let mut files = Vec::new();
    for arg in args {
        if arg.is_dir() {
            let found = files::markdown_files(arg)?;
            if found.is_empty() {
                anyhow::bail!("no page file under {}", arg.display());
            }
            files.extend(found.into_iter().map(|f| (f, Some(arg.clone()))));
        } else {
            files.push((arg.clone(), None));
        }
    }
    Ok(files)
}

pub async fn run(settings: &DatabaseSettings, args: &ImportArgs) -> anyhow::Result<()> {
    let files = expand(&args.files)?;
    if args.slug.is_some() && files.len() > 1 {
        anyhow::bail!(
            "--slug names one page, and {} files were given: leave it out to name each page \
             after its file",
            files.len()
        );
    }
    let models = super::start_models(&args.models);
    // One connection is all a run of imports, one after the other, needs.
    let settings = DatabaseSettings {
        db_max_connections: 1,
        ..settings.clone()
    };
    let db = super::open_database(&settings).await?;
    let options = ImportOptions {
        slug: args.slug.clone(),
        lang: args.lang.clone(),
        questions: args.questions,
        dry_run: args.dry_run,
        force: args.force,
    };
    let progress = files.len() > 1 && std::io::stderr().is_terminal();
    let mut total = Total::default();
    let mut failed = Vec::new();
    for (at, (file, root)) in files.iter().enumerate() {
        if progress {
            eprint!("\r\x1b[K[{}/{}] {}", at + 1, files.len(), file.display());
            let _ = std::io::stderr().flush();
        }
        let result =
            files::import_file_under(&db.pool, file, root.as_deref(), &options, "cli").await;
        if progress {
            eprint!("\r\x1b[K");
        }
        match result {
            Ok(report) => {
                print_report(&report, args.dry_run);
                total.add(&report);
            }
            Err(err) if files.len() > 1 => {
                println!("{}: not imported: {err:#}", file.display());
                failed.push(file.as_path());
            }
            Err(err) => {
                db.close().await;
                super::finish_models(models).await;
                return Err(err);
            }
        }
    }
    db.close().await;
    super::finish_models(models).await;
    if files.len() > 1 {
        println!("{}", total.line(files.len(), failed.len(), args.dry_run));
    }
    if !failed.is_empty() {
        anyhow::bail!(
            "{} of {} files not imported: {}",
            failed.len(),
            files.len(),
            shown(&failed)
        );
    }
    Ok(())
}

/// A page's line; a dry run also says which form its questions were read in and what else was
/// seen (to fix a wrong split with `--questions` in one try).
fn print_report(report: &ImportReport, dry_run: bool) {
    println!("{}", files::summary(report));
    if dry_run {
        println!("{}", files::forms_line(report));
    }
    for conflict in &report.conflicting {
        println!(
            "conflict: {} ({}): {}; kept as editors have it (--force applies the file)",
            conflict.slug, conflict.question, conflict.reason
        );
    }
}

fn shown(paths: &[&Path]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The sums over every page of a run.
#[derive(Default)]
struct Total {
    pages: usize,
    created: usize,
    updated: usize,
    deleted: usize,
    unchanged: usize,
    conflicting: usize,
}

impl Total {
    fn add(&mut self, report: &ImportReport) {
        self.pages += 1;
        self.created += report.created.len();
        self.updated += report.updated.len();
        self.deleted += report.deleted.len();
        self.unchanged += report.unchanged.len();
        self.conflicting += report.conflicting.len();
    }

    fn line(&self, files: usize, failed: usize, dry_run: bool) -> String {
        format!(
            "{}total: {} of {files} files imported: {} created, {} updated, {} deleted, {} \
             unchanged, {} conflicting{}",
            if dry_run { "[dry run] " } else { "" },
            self.pages,
            self.created,
            self.updated,
            self.deleted,
            self.unchanged,
            self.conflicting,
            if failed > 0 {
                format!("; {failed} not imported")
            } else {
                String::new()
            }
        )
    }
}
