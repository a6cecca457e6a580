//! Identity: JWT verification (HS256 with a shared secret, RS256/ES256 with a
//! PEM public key), and dev mode when no key is configured.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// The verified caller. `sub` of the token; never chosen by the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub user_id: String,
}

/// How tokens are checked.
#[derive(Clone, Debug, Default)]
pub struct AuthConfig {
    /// HS256 shared secret.
    pub secret: Option<String>,
    /// PEM public key (RSA or EC) for RS256/ES256.
    pub public_key_pem: Option<String>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    /// Queries and subscriptions may run without a token.
    pub public_read: bool,
}

/// Every claim is optional here so that a missing one is reported by the
/// validation (which names it), not as a malformed token.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sub: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exp: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    iss: Option<String>,
    /// A string or an array of strings (RFC 7519); checked by the validation.
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<serde_json::Value>,
}

/// A token verifier.
pub struct Auth {
    key: DecodingKey,
    validation: Validation,
    public_read: bool,
    /// In dev mode: the ephemeral secret and a token for user `dev`.
    dev: Option<(String, String)>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth").field("dev_mode", &self.dev.is_some()).field("public_read", &self.public_read).finish()
    }
}

pub fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Mints an HS256 token for `sub`, valid for `ttl_secs`.
pub fn mint(
    secret: &str,
    sub: &str,
    ttl_secs: u64,
    issuer: Option<&str>,
    audience: Option<&str>,
) -> Result<String, String> {
    let claims = Claims {
        sub: Some(sub.to_owned()),
        exp: Some(now_secs().saturating_add(ttl_secs)),
        iss: issuer.map(str::to_owned),
        aud: audience.map(|a| serde_json::Value::String(a.to_owned())),
    };
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret.as_bytes()))
        .map_err(|e| format!("cannot sign the token: {e}"))
}

fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS entropy: fall back to a time-seeded generator; dev mode only.
        let mut rng = fastrand::Rng::with_seed(now_secs() ^ u64::from(std::process::id()));
        rng.fill(&mut bytes);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Auth {
    /// Builds the verifier; with neither secret nor public key, dev mode.
    pub fn new(config: &AuthConfig) -> Result<Self, String> {
        let (key, algorithms, dev) = match (&config.secret, &config.public_key_pem) {
            (Some(_), Some(_)) => return Err("give either --jwt-secret or --jwt-public-key, not both".into()),
            (Some(secret), None) => {
                if secret.len() < 16 {
                    return Err("--jwt-secret must be at least 16 characters".into());
                }
                (DecodingKey::from_secret(secret.as_bytes()), vec![Algorithm::HS256], None)
            }
            (None, Some(pem)) => {
                if let Ok(key) = DecodingKey::from_rsa_pem(pem.as_bytes()) {
                    (key, vec![Algorithm::RS256], None)
                } else if let Ok(key) = DecodingKey::from_ec_pem(pem.as_bytes()) {
                    (key, vec![Algorithm::ES256], None)
                } else {
                    return Err("--jwt-public-key is neither an RSA nor an EC public key in PEM form".into());
                }
            }
            (None, None) => {
                let secret = random_secret();
                let token = mint(&secret, "dev", 7 * 24 * 3600, config.issuer.as_deref(), config.audience.as_deref())?;
                (DecodingKey::from_secret(secret.as_bytes()), vec![Algorithm::HS256], Some((secret, token)))
            }
        };
        let mut validation = Validation::new(algorithms[0]);
        validation.algorithms = algorithms;
        validation.leeway = 5;
        validation.validate_nbf = true;
        // A configured issuer or audience must be present, not merely "not different".
        let mut required = vec!["exp", "sub"];
        if config.issuer.is_some() {
            required.push("iss");
        }
        if config.audience.is_some() {
            required.push("aud");
        }
        validation.set_required_spec_claims(&required);
        match &config.issuer {
            Some(iss) => validation.set_issuer(&[iss]),
            None => validation.iss = None,
        }
        match &config.audience {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        Ok(Self { key, validation, public_read: config.public_read || dev.is_some(), dev })
    }

    pub fn public_read(&self) -> bool {
        self.public_read
    }

    /// The dev-mode token for user `dev`, when no key is configured.
    pub fn dev_token(&self) -> Option<&str> {
        self.dev.as_ref().map(|(_, t)| t.as_str())
    }

    /// The dev-mode secret, for minting more dev tokens.
    pub fn dev_secret(&self) -> Option<&str> {
        self.dev.as_ref().map(|(s, _)| s.as_str())
    }

    /// Verifies an `Authorization` value (`Bearer <jwt>`).
    pub fn verify_header(&self, value: &str) -> Result<Identity, ApiError> {
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .ok_or_else(|| ApiError::unauthenticated("the Authorization value must be `Bearer <token>`"))?;
        self.verify(token.trim())
    }

    /// Verifies a bare JWT.
    pub fn verify(&self, token: &str) -> Result<Identity, ApiError> {
        refuse_critical_extensions(token)?;
        let data = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation).map_err(|e| {
            let why = match e.kind() {
                ErrorKind::ExpiredSignature => "the token has expired; sign in again",
                ErrorKind::InvalidSignature => "the token's signature does not match this server's key",
                ErrorKind::InvalidIssuer => "the token's issuer is not accepted",
                ErrorKind::InvalidAudience => "the token's audience is not accepted",
                ErrorKind::MissingRequiredClaim(claim) => {
                    return ApiError::unauthenticated(format!(
                        "the token has no `{claim}` claim, which this server requires"
                    ));
                }
                ErrorKind::InvalidAlgorithm | ErrorKind::MissingAlgorithm => {
                    "the token's algorithm is not accepted by this server"
                }
                ErrorKind::ImmatureSignature => "the token is not valid yet",
                _ => "the token is malformed",
            };
            ApiError::unauthenticated(why)
        })?;
        match data.claims.sub {
            Some(sub) if !sub.is_empty() => Ok(Identity { user_id: sub }),
            _ => Err(ApiError::unauthenticated("the token's `sub` is empty")),
        }
    }

    /// Seconds until the token expires (for ending subscriptions); saturates
    /// for tokens that expire in the far future.
    pub fn expires_in(&self, token: &str) -> Option<u64> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation).ok()?;
        Some(data.claims.exp?.saturating_sub(now_secs()))
    }
}

/// RFC 7515 section 4.1.11: a token whose `crit` header names extensions the
/// recipient does not understand must be refused. This server understands
/// none, so any `crit` is refused.
fn refuse_critical_extensions(token: &str) -> Result<(), ApiError> {
    use base64::Engine as _;
    let Some(header) = token.split('.').next() else { return Ok(()) };
    // A header that does not decode is refused by the verification itself.
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header.trim_end_matches('=')) else {
        return Ok(());
    };
    let Ok(header) = serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&bytes) else {
        return Ok(());
    };
    if header.contains_key("crit") {
        return Err(ApiError::unauthenticated(
            "the token's header lists critical extensions (`crit`) that this server does not understand",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hs() -> Auth {
        let config = AuthConfig { secret: Some("0123456789abcdef0123".into()), ..AuthConfig::default() };
        Auth::new(&config).expect("valid config")
    }

    #[test]
    fn accepts_a_valid_token_and_reads_sub() {
        let token = mint("0123456789abcdef0123", "alice", 60, None, None).expect("mint");
        assert_eq!(hs().verify(&token).map(|i| i.user_id).ok().as_deref(), Some("alice"));
    }

    #[test]
    fn refuses_wrong_signature_expired_and_none() {
        let auth = hs();
        let other = mint("another-secret-entirely", "alice", 60, None, None).expect("mint");
        assert!(auth.verify(&other).is_err());
        let claims = Claims { sub: Some("alice".into()), exp: Some(now_secs() - 600), iss: None, aud: None };
        let expired = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"0123456789abcdef0123"),
        )
        .expect("encode");
        assert!(auth.verify(&expired).is_err_and(|e| e.message.contains("expired")));
        // alg: none, hand-built.
        let header = base64_url(br#"{"alg":"none","typ":"JWT"}"#);
        let body = base64_url(format!(r#"{{"sub":"alice","exp":{}}}"#, now_secs() + 60).as_bytes());
        assert!(auth.verify(&format!("{header}.{body}.")).is_err());
        assert!(auth.verify_header("Basic abc").is_err());
    }

    #[test]
    fn refuses_critical_extensions_and_names_missing_claims() {
        let auth = hs();
        let key = EncodingKey::from_secret(b"0123456789abcdef0123");
        let claims = Claims { sub: Some("alice".into()), exp: Some(now_secs() + 60), iss: None, aud: None };
        let good = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).expect("encode");
        // Re-sign a header with `crit` by hand (jsonwebtoken's Header has no such field).
        let header = base64_url(br#"{"alg":"HS256","typ":"JWT","crit":["exp-ext"],"exp-ext":1}"#);
        let payload = good.split('.').nth(1).expect("payload");
        let signing_input = format!("{header}.{payload}");
        let signature = jsonwebtoken::crypto::sign(signing_input.as_bytes(), &key, Algorithm::HS256).expect("sign");
        let crit = format!("{signing_input}.{signature}");
        assert!(auth.verify(&crit).is_err_and(|e| e.message.contains("crit")));
        let no_exp = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &serde_json::json!({"sub": "alice"}), &key)
            .expect("encode");
        let e = auth.verify(&no_exp).expect_err("no exp");
        assert!(e.message.contains("`exp`"), "names the claim: {e:?}");
        let no_sub =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &serde_json::json!({"exp": now_secs() + 60}), &key)
                .expect("encode");
        assert!(auth.verify(&no_sub).is_err_and(|e| e.message.contains("`sub`")), "names the claim");
    }

    fn base64_url(bytes: &[u8]) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    #[test]
    fn dev_mode_mints_a_token_it_accepts() {
        let auth = Auth::new(&AuthConfig::default()).expect("dev mode");
        let token = auth.dev_token().map(str::to_owned).expect("dev token");
        assert_eq!(auth.verify(&token).map(|i| i.user_id).ok().as_deref(), Some("dev"));
        assert!(auth.public_read());
    }
}
