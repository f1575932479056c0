//! `faqd seed`: import every Markdown file under the seed directory.

use std::path::PathBuf;

use clap::Args;

use crate::cli::files;
use crate::config::DatabaseSettings;

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// Directory of Markdown pages.
    #[arg(long, env = "FAQD_SEED_DIR", default_value = "seed")]
    pub seed_dir: PathBuf,
    #[command(flatten)]
    pub models: crate::config::ModelSettings,
}

pub async fn run(settings: &DatabaseSettings, args: &SeedArgs) -> anyhow::Result<()> {
    let models = super::start_models(&args.models);
    let db = super::open_database(settings).await?;
    let result = files::seed(&db.pool, &args.seed_dir).await;
    if result.is_ok() {
        db.analyze().await;
    }
    db.close().await;
    super::finish_models(models).await;
    for report in result? {
        println!("{}", files::summary(&report));
    }
    Ok(())
}
