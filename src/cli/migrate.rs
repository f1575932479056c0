//! `faqd migrate`: apply pending migrations.

use crate::config::DatabaseSettings;

pub async fn run(settings: &DatabaseSettings) -> anyhow::Result<()> {
    let db = super::open_database(settings).await?;
    println!("migrations applied to {}", db.describe());
    db.close().await;
    Ok(())
}
