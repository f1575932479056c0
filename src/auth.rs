//! Bearer tokens: minting, checking, and the roles requests need.
//!
//! Every request that carries `Authorization` is checked by the `authenticate`
//! middleware (`http::middleware::auth`) before routing, so that a bad token is a 401 whatever else is wrong
//! with the request (the contract's precedence puts 401 first). Handlers then
//! ask the [`Caller`] extractor for the role they need.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::ApiError;
use crate::model::Audience;
use crate::store::tokens;
pub use crate::store::tokens::Role;

/// The fixed prefix of every token, so that secret scanners can recognise a leaked one.
pub const TOKEN_PREFIX: &str = "faqd_";

/// Bytes of randomness in a token (256 bits).
const TOKEN_BYTES: usize = 32;

/// A new token's secret: the prefix and 256 bits from the OS generator.
pub fn generate_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes)?;
    Ok(format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
}

/// The SHA-256 of a token's secret: all that is stored.
pub fn hash_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Parses `--expires` values such as `90d`, `12h`, `2w`.
pub fn parse_expiry(s: &str) -> Result<DateTime<Utc>, String> {
    let duration = humantime::parse_duration(s.trim())
        .map_err(|e| format!("'{s}' is not a duration such as 90d, 12h or 2w: {e}"))?;
    let duration =
        chrono::Duration::from_std(duration).map_err(|_| format!("'{s}' is too long"))?;
    Utc::now()
        .checked_add_signed(duration)
        .ok_or_else(|| format!("'{s}' is too long"))
}

/// The caller a valid token names.
#[derive(Clone, Debug)]
pub struct Principal {
    /// The token's row: names of revoked tokens can be reused, ids never are.
    pub token_id: i64,
    pub name: String,
    pub role: Role,
}

/// The principal a bearer token names: 401 when it is unknown, revoked or expired. Marks the
/// token as used.
pub async fn check_token(pool: &sqlx::PgPool, token: &str) -> Result<Principal, ApiError> {
    let hash = hash_token(token);
    let mut conn = pool.acquire().await?;
    let unknown = || ApiError::Unauthorized("the token is not valid".to_owned());
    let stored = tokens::find(&mut conn, &hash).await?.ok_or_else(unknown)?;
    // The lookup was by hash; compare again in constant time all the same.
    if !bool::from(stored.token_hash.as_slice().ct_eq(hash.as_slice())) {
        return Err(unknown());
    }
    if stored.revoked {
        return Err(ApiError::Unauthorized(
            "the token has been revoked".to_owned(),
        ));
    }
    if stored.expired {
        return Err(ApiError::Unauthorized("the token has expired".to_owned()));
    }
    tokens::touch(&mut conn, stored.id).await?;
    Ok(Principal {
        token_id: stored.id,
        name: stored.name,
        role: stored.role,
    })
}

/// Who is calling: anonymous, or the principal of a checked token.
#[derive(Clone, Debug)]
pub struct Caller(pub Option<Principal>);

impl Caller {
    /// Readers without a token; editors' view with any valid token (preview included).
    pub fn audience(&self) -> Audience {
        match self.0 {
            Some(_) => Audience::Editor,
            None => Audience::Reader,
        }
    }

    /// The principal, if it has at least `role`: 401 without a token, 403 without the role.
    pub fn require(&self, role: Role) -> Result<&Principal, ApiError> {
        match &self.0 {
            None => Err(ApiError::Unauthorized(format!(
                "this request needs a token with the {} role",
                role.as_str()
            ))),
            Some(p) if p.role < role => Err(ApiError::Forbidden(format!(
                "the token '{}' has the {} role; this request needs {}",
                p.name,
                p.role.as_str(),
                role.as_str()
            ))),
            Some(p) => Ok(p),
        }
    }
}

impl FromRequest for Caller {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self(req.extensions().get::<Principal>().cloned())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_random_and_hashed() {
        let a = generate_token().unwrap();
        let b = generate_token().unwrap();
        assert!(a.starts_with(TOKEN_PREFIX));
        assert_ne!(a, b);
        assert!(a.len() >= TOKEN_PREFIX.len() + 43, "256 bits in base64url");
        assert_eq!(hash_token(&a), hash_token(&a));
        assert_ne!(hash_token(&a), hash_token(&b));
    }

    #[test]
    fn roles_are_ordered_by_power() {
        assert!(Role::Preview < Role::Editor && Role::Editor < Role::Admin);
    }

    #[test]
    fn expiries_parse_human_durations() {
        let in_90_days = parse_expiry("90d").unwrap();
        let days = (in_90_days - Utc::now()).num_days();
        assert!((89..=90).contains(&days));
        assert!(parse_expiry("soon").is_err());
    }
}
