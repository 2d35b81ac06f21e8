//! Signed device requests: the canonical form both device and server sign and verify.
//!
//! After enrollment every request a device makes is signed with its Ed25519 key (DESIGN.md,
//! Security: "requests are signed by the device key (method, path, timestamp, nonce, body
//! digest) and replays are refused"). The device sends four headers ([`HEADER_DEVICE`],
//! [`HEADER_TIMESTAMP`], [`HEADER_NONCE`], [`HEADER_SIGNATURE`]); the signature covers
//! [`canonical_string`]. This module checks the signature and the clock skew; refusing a nonce
//! that was already seen is the server's job, since only it keeps the window of seen nonces.

use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{Ed25519KeyPair, UnparsedPublicKey, ED25519};

/// Header carrying the device id issued at enrollment.
pub const HEADER_DEVICE: &str = "x-veldwerk-device";
/// Header carrying the request time in whole seconds since the Unix epoch (UTC).
pub const HEADER_TIMESTAMP: &str = "x-veldwerk-timestamp";
/// Header carrying a fresh random nonce ([`NONCE_BYTES`] random bytes, lowercase hex).
pub const HEADER_NONCE: &str = "x-veldwerk-nonce";
/// Header carrying the Ed25519 signature over the canonical string (lowercase hex, 128 chars).
pub const HEADER_SIGNATURE: &str = "x-veldwerk-signature";

/// How many random bytes a nonce has: at least 16 (so two requests never share one by chance),
/// at most 32; sent as twice as many lowercase hex digits.
pub const NONCE_BYTES: std::ops::RangeInclusive<usize> = 16..=32;

/// The first line of every canonical string; changes if the signed form ever changes.
pub const CANONICAL_PREFIX: &str = "veldwerk-request-v1";

/// How far a request's timestamp may differ from the server's clock: 5 minutes.
pub const DEFAULT_MAX_SKEW_SECS: i64 = 300;

/// Why a request's signature headers were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    #[error("malformed header {0}")]
    MalformedHeader(&'static str),
    #[error("request timestamp is {skew_secs} s away from the server clock")]
    Stale { skew_secs: i64 },
    #[error("signature does not verify")]
    BadSignature,
    #[error("no randomness available")]
    Random,
}

impl AuthError {
    /// The stable machine code for this refusal.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::MissingHeader(_) => "signature_missing",
            AuthError::MalformedHeader(_) => "signature_malformed",
            AuthError::Stale { .. } => "request_stale",
            AuthError::BadSignature => "signature_invalid",
            AuthError::Random => "random_unavailable",
        }
    }
}

/// The signature headers of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestAuth {
    pub device_id: String,
    /// Seconds since the Unix epoch (UTC).
    pub timestamp: i64,
    /// Lowercase hex.
    pub nonce: String,
    /// Lowercase hex of the 64-byte Ed25519 signature.
    pub signature: String,
}

impl RequestAuth {
    /// The four headers to send, as (name, value).
    pub fn headers(&self) -> [(&'static str, String); 4] {
        [
            (HEADER_DEVICE, self.device_id.clone()),
            (HEADER_TIMESTAMP, self.timestamp.to_string()),
            (HEADER_NONCE, self.nonce.clone()),
            (HEADER_SIGNATURE, self.signature.clone()),
        ]
    }

    /// Reads the four headers through `get` (a header lookup by lowercase name).
    pub fn from_headers<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Self, AuthError> {
        let need = |name: &'static str| get(name).ok_or(AuthError::MissingHeader(name));
        let device_id = need(HEADER_DEVICE)?;
        if device_id.is_empty() || device_id.len() > 64 || device_id.contains('\n') {
            return Err(AuthError::MalformedHeader(HEADER_DEVICE));
        }
        let timestamp = need(HEADER_TIMESTAMP)?
            .parse::<i64>()
            .map_err(|_| AuthError::MalformedHeader(HEADER_TIMESTAMP))?;
        let nonce = need(HEADER_NONCE)?;
        if nonce.len() % 2 != 0 || !NONCE_BYTES.contains(&(nonce.len() / 2)) || !is_lower_hex(nonce)
        {
            return Err(AuthError::MalformedHeader(HEADER_NONCE));
        }
        let signature = need(HEADER_SIGNATURE)?;
        if signature.len() != 128 || !is_lower_hex(signature) {
            return Err(AuthError::MalformedHeader(HEADER_SIGNATURE));
        }
        Ok(RequestAuth {
            device_id: device_id.to_owned(),
            timestamp,
            nonce: nonce.to_owned(),
            signature: signature.to_owned(),
        })
    }
}

fn is_lower_hex(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Lowercase hex SHA-256 of `body` (the digest of an empty body for requests without one).
pub fn body_digest(body: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, body))
}

/// The exact text that is signed: seven lines joined by `\n`, no trailing newline:
///
/// ```text
/// veldwerk-request-v1
/// POST                      (method, uppercase)
/// /v1/sync                  (path with query string, as sent)
/// <device id>
/// 1795430400                (timestamp, decimal seconds)
/// 3f1c…                     (nonce, lowercase hex)
/// e3b0c442…                 (SHA-256 of the body, lowercase hex)
/// ```
pub fn canonical_string(
    method: &str,
    path: &str,
    device_id: &str,
    timestamp: i64,
    nonce: &str,
    body: &[u8],
) -> String {
    format!(
        "{CANONICAL_PREFIX}\n{}\n{path}\n{device_id}\n{timestamp}\n{nonce}\n{}",
        method.to_ascii_uppercase(),
        body_digest(body)
    )
}

/// Signs a request with an explicit timestamp and nonce.
pub fn sign_request(
    key: &Ed25519KeyPair,
    device_id: &str,
    method: &str,
    path: &str,
    body: &[u8],
    timestamp: i64,
    nonce: &str,
) -> RequestAuth {
    let text = canonical_string(method, path, device_id, timestamp, nonce, body);
    RequestAuth {
        device_id: device_id.to_owned(),
        timestamp,
        nonce: nonce.to_owned(),
        signature: hex::encode(key.sign(text.as_bytes())),
    }
}

/// Signs a request now, with a fresh random 16-byte nonce.
pub fn sign_request_now(
    key: &Ed25519KeyPair,
    device_id: &str,
    method: &str,
    path: &str,
    body: &[u8],
) -> Result<RequestAuth, AuthError> {
    let mut nonce = [0u8; 16];
    SystemRandom::new()
        .fill(&mut nonce)
        .map_err(|_| AuthError::Random)?;
    let now = chrono::Utc::now().timestamp();
    Ok(sign_request(
        key,
        device_id,
        method,
        path,
        body,
        now,
        &hex::encode(nonce),
    ))
}

/// Verifies a request's signature against the device's public key (32 raw bytes) and that its
/// timestamp lies within `max_skew_secs` of `now` (seconds since the epoch).
pub fn verify_request(
    public_key: &[u8],
    method: &str,
    path: &str,
    body: &[u8],
    auth: &RequestAuth,
    now: i64,
    max_skew_secs: i64,
) -> Result<(), AuthError> {
    check_timestamp(auth, now, max_skew_secs)?;
    verify_signature(public_key, method, path, body, auth)
}

/// Whether the request's timestamp lies within `max_skew_secs` of `now`: checked from the
/// headers alone, before a server reads the body.
pub fn check_timestamp(auth: &RequestAuth, now: i64, max_skew_secs: i64) -> Result<(), AuthError> {
    let skew = auth.timestamp.saturating_sub(now);
    if skew.saturating_abs() > max_skew_secs {
        return Err(AuthError::Stale { skew_secs: skew });
    }
    Ok(())
}

/// Verifies the signature alone (the timestamp: [`check_timestamp`]).
pub fn verify_signature(
    public_key: &[u8],
    method: &str,
    path: &str,
    body: &[u8],
    auth: &RequestAuth,
) -> Result<(), AuthError> {
    let signature =
        hex::decode(&auth.signature).map_err(|_| AuthError::MalformedHeader(HEADER_SIGNATURE))?;
    let text = canonical_string(
        method,
        path,
        &auth.device_id,
        auth.timestamp,
        &auth.nonce,
        body,
    );
    UnparsedPublicKey::new(&ED25519, public_key)
        .verify(text.as_bytes(), &signature)
        .map_err(|_| AuthError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Ed25519KeyPair {
        let rng = SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap()
    }

    fn pk(k: &Ed25519KeyPair) -> Vec<u8> {
        use ring::signature::KeyPair;
        k.public_key().as_ref().to_vec()
    }

    const NOW: i64 = 1_795_430_400;
    const NONCE: &str = "00112233445566778899aabbccddeeff";

    #[test]
    fn canonical_string_has_the_documented_shape() {
        let s = canonical_string("post", "/v1/sync?x=1", "dev-1", NOW, NONCE, b"");
        assert_eq!(
            s,
            format!(
                "veldwerk-request-v1\nPOST\n/v1/sync?x=1\ndev-1\n{NOW}\n{NONCE}\n\
                 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            )
        );
    }

    #[test]
    fn signed_request_verifies() {
        let k = key();
        let auth = sign_request(&k, "dev-1", "POST", "/v1/sync", b"{}", NOW, NONCE);
        assert_eq!(
            verify_request(&pk(&k), "POST", "/v1/sync", b"{}", &auth, NOW + 10, 300),
            Ok(())
        );
    }

    #[test]
    fn any_tampered_part_fails() {
        let k = key();
        let auth = sign_request(&k, "dev-1", "POST", "/v1/sync", b"{}", NOW, NONCE);
        let p = pk(&k);
        let bad = AuthError::BadSignature;
        assert_eq!(
            verify_request(&p, "GET", "/v1/sync", b"{}", &auth, NOW, 300),
            Err(bad.clone())
        );
        assert_eq!(
            verify_request(&p, "POST", "/v1/policy", b"{}", &auth, NOW, 300),
            Err(bad.clone())
        );
        assert_eq!(
            verify_request(&p, "POST", "/v1/sync", b"{ }", &auth, NOW, 300),
            Err(bad.clone())
        );
        let mut other_device = auth.clone();
        other_device.device_id = "dev-2".into();
        assert_eq!(
            verify_request(&p, "POST", "/v1/sync", b"{}", &other_device, NOW, 300),
            Err(bad.clone())
        );
        let mut other_nonce = auth.clone();
        other_nonce.nonce = "ffeeddccbbaa99887766554433221100".into();
        assert_eq!(
            verify_request(&p, "POST", "/v1/sync", b"{}", &other_nonce, NOW, 300),
            Err(bad.clone())
        );
        let mut other_time = auth.clone();
        other_time.timestamp += 1;
        assert_eq!(
            verify_request(&p, "POST", "/v1/sync", b"{}", &other_time, NOW, 300),
            Err(bad.clone())
        );
        // Another device's key.
        assert_eq!(
            verify_request(&pk(&key()), "POST", "/v1/sync", b"{}", &auth, NOW, 300),
            Err(bad)
        );
    }

    #[test]
    fn skew_beyond_the_window_is_stale_both_ways() {
        let k = key();
        let p = pk(&k);
        let auth = sign_request(&k, "dev-1", "GET", "/v1/policy", b"", NOW, NONCE);
        assert!(verify_request(&p, "GET", "/v1/policy", b"", &auth, NOW + 300, 300).is_ok());
        assert!(verify_request(&p, "GET", "/v1/policy", b"", &auth, NOW - 300, 300).is_ok());
        assert_eq!(
            verify_request(&p, "GET", "/v1/policy", b"", &auth, NOW + 301, 300),
            Err(AuthError::Stale { skew_secs: -301 })
        );
        assert_eq!(
            verify_request(&p, "GET", "/v1/policy", b"", &auth, NOW - 301, 300)
                .unwrap_err()
                .code(),
            "request_stale"
        );
    }

    #[test]
    fn headers_round_trip_and_malformed_headers_are_refused() {
        let k = key();
        let auth = sign_request_now(&k, "dev-1", "GET", "/v1/policy", b"").unwrap();
        let headers = auth.headers();
        let get = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(RequestAuth::from_headers(get).unwrap(), auth);
        assert_eq!(
            RequestAuth::from_headers(|n| if n == HEADER_NONCE { None } else { get(n) }),
            Err(AuthError::MissingHeader(HEADER_NONCE))
        );
        assert_eq!(
            RequestAuth::from_headers(|n| if n == HEADER_TIMESTAMP {
                Some("soon")
            } else {
                get(n)
            }),
            Err(AuthError::MalformedHeader(HEADER_TIMESTAMP))
        );
        assert_eq!(
            RequestAuth::from_headers(|n| if n == HEADER_SIGNATURE {
                Some("zz")
            } else {
                get(n)
            }),
            Err(AuthError::MalformedHeader(HEADER_SIGNATURE))
        );
    }

    /// Issue 13, "Smaller": a nonce has 16 to 32 random bytes (32 to 64 hex digits, an even
    /// number), as the docs say; an 8-byte nonce was accepted.
    #[test]
    fn nonce_has_16_to_32_bytes() {
        let k = key();
        let auth = sign_request(&k, "dev-1", "GET", "/v1/policy", b"", NOW, NONCE);
        let headers = auth.headers();
        let with_nonce = |nonce: String| {
            RequestAuth::from_headers(|n| {
                if n == HEADER_NONCE {
                    Some(nonce.as_str())
                } else {
                    headers
                        .iter()
                        .find(|(h, _)| *h == n)
                        .map(|(_, v)| v.as_str())
                }
            })
            .map(|_| ())
        };
        let malformed = Err(AuthError::MalformedHeader(HEADER_NONCE));
        assert_eq!(with_nonce("ab".repeat(8)), malformed, "8 bytes");
        assert_eq!(with_nonce("ab".repeat(15)), malformed, "15 bytes");
        assert_eq!(
            with_nonce(format!("{}a", "ab".repeat(16))),
            malformed,
            "odd length"
        );
        assert_eq!(with_nonce("ab".repeat(33)), malformed, "33 bytes");
        assert_eq!(with_nonce("AB".repeat(16)), malformed, "upper case");
        assert!(with_nonce("ab".repeat(16)).is_ok());
        assert!(with_nonce("ab".repeat(32)).is_ok());
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// Header decoding never panics on anything a client sends.
            #[test]
            fn from_headers_never_panics(
                device in ".{0,80}", ts in ".{0,24}", nonce in ".{0,80}", sig in ".{0,140}"
            ) {
                let _ = RequestAuth::from_headers(|n| Some(match n {
                    HEADER_DEVICE => device.as_str(),
                    HEADER_TIMESTAMP => ts.as_str(),
                    HEADER_NONCE => nonce.as_str(),
                    _ => sig.as_str(),
                }));
            }

            /// Whatever is signed verifies, and changing the body by one byte does not.
            #[test]
            fn any_request_round_trips_and_any_body_change_fails(
                method in "[A-Z]{3,7}", path in "/[ -~]{0,60}", body in proptest::collection::vec(any::<u8>(), 0..256),
                flip in any::<usize>(), ts in 0i64..4_000_000_000
            ) {
                let k = key();
                let auth = sign_request(&k, "dev-1", &method, &path, &body, ts, NONCE);
                prop_assert!(verify_request(&pk(&k), &method, &path, &body, &auth, ts, 300).is_ok());
                let mut changed = body.clone();
                if changed.is_empty() { changed.push(0) } else { let i = flip % changed.len(); changed[i] ^= 1; }
                prop_assert_eq!(
                    verify_request(&pk(&k), &method, &path, &changed, &auth, ts, 300),
                    Err(AuthError::BadSignature)
                );
            }
        }
    }
}
