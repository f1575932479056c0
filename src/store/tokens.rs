//! API tokens: minted by the CLI, stored only as a SHA-256 hash.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;

/// What a token may do; each role includes the ones before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads what editors read (drafts, staged changes); writes nothing.
    Preview,
    /// Writes content.
    Editor,
    /// Everything, and webhooks.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Preview => "preview",
            Self::Editor => "editor",
            Self::Admin => "admin",
        }
    }
}

impl TryFrom<String> for Role {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        match s.as_str() {
            "preview" => Ok(Self::Preview),
            "editor" => Ok(Self::Editor),
            "admin" => Ok(Self::Admin),
            other => Err(format!("unknown role '{other}'")),
        }
    }
}

/// A token as `faqd token list` shows it (never its secret).
#[derive(Debug, sqlx::FromRow)]
pub struct TokenInfo {
    pub name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A stored token found by its hash, live or not.
#[derive(Debug, sqlx::FromRow)]
pub struct StoredToken {
    pub id: i64,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub token_hash: Vec<u8>,
    pub expired: bool,
    pub revoked: bool,
}

/// Stores a new token's hash. Fails with the `api_tokens_live_name_key`
/// violation when a live token already has the name.
pub async fn insert(
    conn: &mut PgConnection,
    name: &str,
    role: Role,
    hash: &[u8; 32],
    expires_at: Option<DateTime<Utc>>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO api_tokens (name, role, token_hash, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(name)
    .bind(role.as_str())
    .bind(hash.as_slice())
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The live (not revoked) tokens, by name.
pub async fn list(conn: &mut PgConnection) -> sqlx::Result<Vec<TokenInfo>> {
    sqlx::query_as(
        "SELECT name, role, created_at, expires_at, last_used_at FROM api_tokens
         WHERE revoked_at IS NULL ORDER BY name",
    )
    .fetch_all(conn)
    .await
}

/// Revokes the live token `name`; false when there is none.
pub async fn revoke(conn: &mut PgConnection, name: &str) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL",
    )
    .bind(name)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The token whose secret hashes to `hash`, if any.
pub async fn find(conn: &mut PgConnection, hash: &[u8; 32]) -> sqlx::Result<Option<StoredToken>> {
    sqlx::query_as(
        "SELECT id, name, role, token_hash,
                expires_at IS NOT NULL AND expires_at <= now() AS expired,
                revoked_at IS NOT NULL AS revoked
         FROM api_tokens WHERE token_hash = $1",
    )
    .bind(hash.as_slice())
    .fetch_optional(conn)
    .await
}

/// Records a use of the token, at most once a minute (a write per request
/// would cost more than the information is worth).
pub async fn touch(conn: &mut PgConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE api_tokens SET last_used_at = now()
         WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
    )
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}
