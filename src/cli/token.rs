//! `faqd token create|list|revoke`: API tokens.

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};

use crate::auth::{self, Role};
use crate::config::DatabaseSettings;
use crate::store::tokens;

#[derive(Debug, Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    pub command: TokenCommand,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Mint a token and print it once (only its hash is stored).
    Create {
        /// A name for the token, shown in revisions and `token list`.
        #[arg(long)]
        name: String,
        /// What the token may do.
        #[arg(long, value_enum)]
        role: Role,
        /// Lifetime, e.g. `90d`, `12h`, `2w` (default: no expiry).
        #[arg(long, value_parser = |s: &str| auth::parse_expiry(s))]
        expires: Option<DateTime<Utc>>,
    },
    /// List live tokens with their last use.
    List,
    /// Revoke a token by name: refused from the next request on.
    Revoke {
        /// The token's name.
        name: String,
    },
}

pub async fn run(settings: &DatabaseSettings, args: &TokenArgs) -> anyhow::Result<()> {
    let db = super::open_database(settings).await?;
    let result = execute(&db.pool, &args.command).await;
    db.close().await;
    result
}

async fn execute(pool: &sqlx::PgPool, command: &TokenCommand) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await?;
    match command {
        TokenCommand::Create {
            name,
            role,
            expires,
        } => {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 100 {
                bail!("a token name has 1 to 100 characters");
            }
            let token = auth::generate_token().context("the OS random generator failed")?;
            let inserted =
                tokens::insert(&mut conn, name, *role, &auth::hash_token(&token), *expires).await;
            match inserted {
                Err(sqlx::Error::Database(db))
                    if db.constraint() == Some("api_tokens_live_name_key") =>
                {
                    bail!("a live token is already named '{name}'; revoke it or pick another name")
                }
                other => other?,
            }
            eprintln!(
                "token '{name}' ({}) created{}; it is shown once, store it now:",
                role.as_str(),
                expires.map_or(String::new(), |at| format!(", expires {}", at.to_rfc3339()))
            );
            println!("{token}");
        }
        TokenCommand::List => {
            let list = tokens::list(&mut conn).await?;
            if list.is_empty() {
                eprintln!("no live tokens");
            }
            println!(
                "{:<24} {:<8} {:<20} {:<20} LAST USED",
                "NAME", "ROLE", "CREATED", "EXPIRES"
            );
            let when = |at: Option<DateTime<Utc>>, none: &str| {
                at.map_or(none.to_owned(), |at| {
                    at.format("%Y-%m-%d %H:%M").to_string()
                })
            };
            for t in list {
                println!(
                    "{:<24} {:<8} {:<20} {:<20} {}",
                    t.name,
                    t.role.as_str(),
                    when(Some(t.created_at), ""),
                    when(t.expires_at, "never"),
                    when(t.last_used_at, "never"),
                );
            }
        }
        TokenCommand::Revoke { name } => {
            if !tokens::revoke(&mut conn, name).await? {
                bail!("no live token named '{name}'");
            }
            println!("token '{name}' revoked");
        }
    }
    Ok(())
}
