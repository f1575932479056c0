//! The command line: a clap enum, one module per subcommand.

pub mod export;
/// Markdown files on disk: import one, seed a directory.
pub mod files;
pub mod import;
pub mod migrate;
pub mod models;
pub mod openapi;
pub mod seed;
pub mod serve;
pub mod token;

use clap::{Parser, Subcommand};

use crate::config::{DatabaseSettings, ServeSettings};

/// faqd — a headless CMS for FAQ content.
///
/// With no DATABASE_URL, faqd runs a private PostgreSQL cluster under --data-dir
/// (default ./data) using the PostgreSQL server programs installed on this
/// machine, and seeds it from seed/ the first time.
#[derive(Debug, Parser)]
#[command(name = "faqd", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub database: DatabaseSettings,

    /// `faqd` alone serves, with these settings.
    #[command(flatten)]
    pub serve: ServeSettings,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API (the default).
    Serve(Box<ServeSettings>),
    /// Apply pending database migrations.
    Migrate,
    /// Import page files or folders of them (each page created, or merged with what editors
    /// changed).
    Import(import::ImportArgs),
    /// Write a page, or every page, back as the file it came from.
    Export(export::ExportArgs),
    /// Import every Markdown file under the seed directory.
    Seed(seed::SeedArgs),
    /// Print the OpenAPI document (needs no database).
    Openapi(openapi::OpenapiArgs),
    /// Mint, list and revoke API tokens.
    Token(token::TokenArgs),
    /// Install the embedding model and the word lists, or say where they are.
    Models(models::ModelsArgs),
}

/// Runs the command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => serve::run(&cli.database, &cli.serve).await,
        Some(Command::Serve(settings)) => serve::run(&cli.database, &settings).await,
        Some(Command::Migrate) => migrate::run(&cli.database).await,
        Some(Command::Import(args)) => import::run(&cli.database, &args).await,
        Some(Command::Export(args)) => export::run(&cli.database, &args).await,
        Some(Command::Seed(args)) => seed::run(&cli.database, &args).await,
        Some(Command::Openapi(args)) => openapi::run(&args),
        Some(Command::Token(args)) => token::run(&cli.database, &args).await,
        Some(Command::Models(args)) => models::run(&args),
    }
}

/// Starts fetching the missing models on a blocking thread, if any is missing (the first
/// `faqd seed` or `faqd import` on a machine); [`finish_models`] waits for it.
pub fn start_models(
    settings: &crate::config::ModelSettings,
) -> Option<tokio::task::JoinHandle<Vec<String>>> {
    if !crate::search::embed::models::anything_missing(settings) {
        return None;
    }
    tracing::info!("fetching the embedding model and word lists (the first time on this machine)");
    let settings = settings.clone();
    Some(tokio::task::spawn_blocking(move || {
        crate::search::embed::models::provision_missing(&settings)
    }))
}

/// Waits for [`start_models`]' work, saying so when it is still running.
pub async fn finish_models(handle: Option<tokio::task::JoinHandle<Vec<String>>>) {
    let Some(handle) = handle else {
        return;
    };
    if !handle.is_finished() {
        tracing::info!("waiting for the models to finish installing (once per machine)");
    }
    let _ = handle.await;
}

/// Opens the database and applies pending migrations: every command that
/// touches data starts here.
pub async fn open_database(settings: &DatabaseSettings) -> anyhow::Result<crate::db::Database> {
    let db = crate::db::Database::open(settings).await?;
    db.migrate().await?;
    Ok(db)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn faqd_alone_serves_and_global_flags_reach_subcommands() {
        let cli = Cli::try_parse_from(["faqd", "--bind", "0.0.0.0:9000"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.serve.bind, "0.0.0.0:9000");
        let cli = Cli::try_parse_from(["faqd", "import", "x.md", "--data-dir", "/tmp/d"]).unwrap();
        assert_eq!(cli.database.data_dir, std::path::PathBuf::from("/tmp/d"));
        assert!(matches!(cli.command, Some(Command::Import(_))));
    }
}
