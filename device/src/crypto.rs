//! Authenticated encryption at rest (AES-256-GCM) for everything the device store writes.
//!
//! One 32-byte storage key (from the platform keystore) is split with HKDF-SHA256 into an
//! AES-256-GCM key for sealing values and an HMAC-SHA256 key for turning identifiers (zaak ids,
//! blob hashes, peers) into opaque row keys, so no identifier is ever written in plaintext.
//!
//! Sealed format, version 1: `[0x01][nonce: 12][ciphertext][tag: 16]`. The associated data is the
//! version byte followed by length-prefixed parts ([`Aad`]) naming the table, the row's document
//! key and its kind or sequence number, so a value copied into another row, another document or
//! another position fails to open.
//!
//! Nonces are 96 random bits from `ring::rand::SystemRandom`, not a counter: a counter must be
//! persisted, and a restored backup or a rolled-back transaction after a crash would rewind it and
//! reuse nonces, which breaks GCM completely. Random nonces need no state; a device seals far fewer
//! than the 2^32 values per key that NIST SP 800-38D allows for random 96-bit nonces.

use ring::aead::{self, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::hkdf;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

use veldwerk_rules::Notice;

/// The leading byte of every value sealed by this version of the format.
pub const SEALED_V1: u8 = 1;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = 1 + NONCE_LEN;
/// Bytes a sealed value adds to its plaintext (version, nonce, tag).
pub const SEALED_OVERHEAD: usize = HEADER_LEN + TAG_LEN;

/// HKDF salt: fixed and public; it separates this scheme's keys from any other use of the key.
const HKDF_SALT: &[u8] = b"veldwerk-device-store-v1";

/// Why a sealed value could not be made or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("versleutelde waarde is te kort ({len} bytes)")]
    Truncated { len: usize },
    #[error("versleutelde waarde heeft een onbekende versie ({version})")]
    UnknownVersion { version: u8 },
    #[error("versleutelde waarde is gewijzigd, hoort bij een andere sleutel of staat op de verkeerde plek")]
    Tampered,
    #[error("het apparaat levert geen willekeurige getallen")]
    RandomUnavailable,
    #[error("sleutel afleiden of versleutelen is mislukt")]
    KeyDerivation,
}

impl CryptoError {
    /// The stable machine code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            CryptoError::Truncated { .. } => "sealed_truncated",
            CryptoError::UnknownVersion { .. } => "sealed_unknown_version",
            CryptoError::Tampered => "sealed_tampered",
            CryptoError::RandomUnavailable => "random_unavailable",
            CryptoError::KeyDerivation => "key_derivation_failed",
        }
    }

    /// The code with its Dutch message.
    pub fn notice(&self) -> Notice {
        Notice::new(self.code(), self.to_string())
    }
}

/// Associated data: where a sealed value belongs. Each part is length-prefixed, so
/// `("ab", "c")` and `("a", "bc")` never collide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aad(Vec<u8>);

impl Aad {
    /// Starts the associated data with the table the value is stored in.
    pub fn table(table: &str) -> Self {
        Aad(Vec::with_capacity(64)).part(table.as_bytes())
    }

    /// Adds one part (a row key, a kind, a name).
    pub fn part(mut self, part: &[u8]) -> Self {
        // Parts are table names, 32-byte keys and short names: far below u32::MAX.
        let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
        self.0.extend_from_slice(&len.to_be_bytes());
        self.0.extend_from_slice(part);
        self
    }

    /// Adds a sequence number or generation.
    pub fn number(self, n: u64) -> Self {
        self.part(&n.to_be_bytes())
    }

    fn with_version(&self, version: u8) -> Vec<u8> {
        let mut ad = Vec::with_capacity(1 + self.0.len());
        ad.push(version);
        ad.extend_from_slice(&self.0);
        ad
    }
}

/// The keys derived from one storage key: sealing and identifier hashing.
pub struct StoreKeys {
    aead: LessSafeKey,
    ids: hmac::Key,
    rng: SystemRandom,
}

impl std::fmt::Debug for StoreKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreKeys(..)")
    }
}

impl StoreKeys {
    /// Derives the sealing key and the identifier key from the 32-byte storage key
    /// (HKDF-SHA256, distinct `info` labels).
    pub fn derive(storage_key: &[u8; 32]) -> Result<Self, CryptoError> {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, HKDF_SALT).extract(storage_key);
        let aead_okm = prk
            .expand(&[b"aes-256-gcm sealing"], &AES_256_GCM)
            .map_err(|_| CryptoError::KeyDerivation)?;
        let aead = LessSafeKey::new(UnboundKey::from(aead_okm));
        let ids_okm = prk
            .expand(&[b"hmac-sha256 row keys"], hmac::HMAC_SHA256)
            .map_err(|_| CryptoError::KeyDerivation)?;
        let ids = hmac::Key::from(ids_okm);
        Ok(StoreKeys {
            aead,
            ids,
            rng: SystemRandom::new(),
        })
    }

    /// The opaque row key for an identifier: HMAC-SHA256 over a domain label and the identifier,
    /// so the same id in two domains (a zaak, a peer) gives unrelated keys.
    pub fn row_key(&self, domain: &str, id: &[u8]) -> [u8; 32] {
        let mut ctx = hmac::Context::with_key(&self.ids);
        let domain_len = u32::try_from(domain.len()).unwrap_or(u32::MAX);
        ctx.update(&domain_len.to_be_bytes());
        ctx.update(domain.as_bytes());
        ctx.update(id);
        let tag = ctx.sign();
        let mut key = [0u8; 32];
        key.copy_from_slice(tag.as_ref());
        key
    }

    /// Encrypts `plaintext` for the place `aad` names, with a fresh random nonce.
    pub fn seal(&self, aad: &Aad, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .map_err(|_| CryptoError::RandomUnavailable)?;
        let mut out = Vec::with_capacity(SEALED_OVERHEAD + plaintext.len());
        out.push(SEALED_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(plaintext);
        let ad = aad.with_version(SEALED_V1);
        let tag = self
            .aead
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(ad.as_slice()),
                &mut out[HEADER_LEN..],
            )
            .map_err(|_| CryptoError::KeyDerivation)?;
        out.extend_from_slice(tag.as_ref());
        Ok(out)
    }

    /// Decrypts a sealed value, checking that it was sealed with this key for the place `aad`
    /// names. Any change to any byte, or a value from another place, gives an error.
    pub fn open(&self, aad: &Aad, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if sealed.len() < SEALED_OVERHEAD {
            return Err(CryptoError::Truncated { len: sealed.len() });
        }
        let version = sealed[0];
        if version != SEALED_V1 {
            return Err(CryptoError::UnknownVersion { version });
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&sealed[1..HEADER_LEN]);
        let mut buf = sealed[HEADER_LEN..].to_vec();
        let ad = aad.with_version(version);
        let len = self
            .aead
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(ad.as_slice()),
                &mut buf,
            )
            .map_err(|_| CryptoError::Tampered)?
            .len();
        buf.truncate(len);
        Ok(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn keys(byte: u8) -> StoreKeys {
        StoreKeys::derive(&[byte; 32]).unwrap()
    }

    #[test]
    fn round_trip_and_unique_nonces() {
        let k = keys(7);
        let aad = Aad::table("chunks").part(b"doc").number(3);
        let a = k.seal(&aad, b"waarneming").unwrap();
        let b = k.seal(&aad, b"waarneming").unwrap();
        assert_ne!(
            a, b,
            "two seals of the same value must differ (fresh nonce)"
        );
        assert_eq!(a.len(), b"waarneming".len() + SEALED_OVERHEAD);
        assert_eq!(k.open(&aad, &a).unwrap(), b"waarneming");
        assert_eq!(k.open(&aad, &b).unwrap(), b"waarneming");
    }

    #[test]
    fn wrong_place_or_key_is_detected() {
        let k = keys(7);
        let sealed = k
            .seal(&Aad::table("chunks").part(b"doc").number(3), b"x")
            .unwrap();
        for other in [
            Aad::table("chunks").part(b"doc").number(4),
            Aad::table("chunks").part(b"dod").number(3),
            Aad::table("snapshots").part(b"doc").number(3),
        ] {
            assert_eq!(k.open(&other, &sealed), Err(CryptoError::Tampered));
        }
        assert_eq!(
            keys(8).open(&Aad::table("chunks").part(b"doc").number(3), &sealed),
            Err(CryptoError::Tampered)
        );
    }

    #[test]
    fn aad_parts_are_unambiguous() {
        assert_ne!(
            Aad::table("t").part(b"ab").part(b"c"),
            Aad::table("t").part(b"a").part(b"bc")
        );
    }

    #[test]
    fn version_and_length_are_checked() {
        let k = keys(1);
        let aad = Aad::table("t");
        let mut sealed = k.seal(&aad, b"abc").unwrap();
        assert_eq!(
            k.open(&aad, &sealed[..SEALED_OVERHEAD - 1])
                .unwrap_err()
                .code(),
            "sealed_truncated"
        );
        sealed[0] = 2;
        assert_eq!(
            k.open(&aad, &sealed).unwrap_err().code(),
            "sealed_unknown_version"
        );
    }

    #[test]
    fn row_keys_depend_on_domain_and_key() {
        let k = keys(1);
        assert_eq!(k.row_key("zaak", b"Z-1"), k.row_key("zaak", b"Z-1"));
        assert_ne!(k.row_key("zaak", b"Z-1"), k.row_key("peer", b"Z-1"));
        assert_ne!(k.row_key("zaak", b"Z-1"), keys(2).row_key("zaak", b"Z-1"));
    }

    proptest! {
        #[test]
        fn random_bytes_never_open_or_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let k = keys(3);
            prop_assert!(k.open(&Aad::table("t").part(b"d"), &bytes).is_err());
        }

        #[test]
        fn any_flipped_bit_is_detected(
            plain in proptest::collection::vec(any::<u8>(), 0..100),
            pos in any::<prop::sample::Index>(),
            bit in 0u8..8,
        ) {
            let k = keys(4);
            let aad = Aad::table("t").part(b"d");
            let mut sealed = k.seal(&aad, &plain).unwrap();
            let i = pos.index(sealed.len());
            sealed[i] ^= 1 << bit;
            prop_assert!(k.open(&aad, &sealed).is_err());
        }
    }
}
