//! Ed25519 verification of entry signatures under the ZIP 215 rules (ADR 0003), one at a time or
//! many at once.
//!
//! Entries are signed with ring (RFC 8032). They are verified with `ed25519-zebra`, which
//! implements ZIP 215: every signature valid under RFC 8032 (and under ring's verification, which
//! the first releases used) is valid here, and verifying a batch gives exactly the verdict of
//! verifying each signature alone, so it makes no difference to the evidence whether the server
//! checked a signature in a batch or the rapport export checks it alone. A batch costs less than
//! half of the signatures verified one by one once it holds a dozen or more.
//!
//! [`Signatures`] remembers verdicts: the server queues every signature a sync message's checks
//! will ask about, over all documents of a round trip, verifies them at once, and the checks then
//! read the verdicts (asking about one that was not queued verifies it there and then).

use std::collections::HashMap;

use curve25519_dalek::edwards::CompressedEdwardsY;
use ed25519_zebra::batch;
use ed25519_zebra::{Signature, VerificationKey, VerificationKeyBytes};

use super::EvidenceError;

/// A signature over some bytes by some key, as [`Signatures`] remembers it.
type Signed = ([u8; 32], [u8; 64], Vec<u8>);

/// Whether `public_key` may be enrolled as a device key: 32 bytes that decode to a point of the
/// curve that is not of small order. Anyone can make signatures that verify under a key of small
/// order, so such a key would sign nothing.
pub fn check_public_key(public_key: &[u8]) -> Result<(), EvidenceError> {
    let bytes: [u8; 32] = public_key
        .try_into()
        .map_err(|_| EvidenceError::InvalidPublicKey)?;
    match CompressedEdwardsY(bytes).decompress() {
        Some(point) if !point.is_small_order() => Ok(()),
        _ => Err(EvidenceError::InvalidPublicKey),
    }
}

/// Verifies one signature (`signature` as the lowercase hex entries carry) over `message`.
pub fn verify_one(message: &[u8], signature: &str, public_key: &[u8]) -> bool {
    parse(signature, public_key).is_some_and(|(key, sig)| {
        VerificationKey::try_from(key)
            .is_ok_and(|k| k.verify(&Signature::from(sig), message).is_ok())
    })
}

/// The raw key and signature, if both have the right length (and the signature is hex).
fn parse(signature: &str, public_key: &[u8]) -> Option<([u8; 32], [u8; 64])> {
    let key: [u8; 32] = public_key.try_into().ok()?;
    let mut sig = [0u8; 64];
    hex::decode_to_slice(signature, &mut sig).ok()?;
    Some((key, sig))
}

/// Signature verdicts, gathered for any number of visits and documents: queue what will be
/// asked, [`Signatures::verify_queued`] once, then [`Signatures::valid`] answers from memory.
#[derive(Default)]
pub struct Signatures {
    queued: HashMap<Signed, batch::Item>,
    verdicts: HashMap<Signed, bool>,
}

impl Signatures {
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues a signature for [`Signatures::verify_queued`]. One that cannot be parsed (invalid
    /// anyway) or is already queued or judged is not queued.
    pub fn queue(&mut self, message: &[u8], signature: &str, public_key: &[u8]) {
        let Some((key, sig)) = parse(signature, public_key) else {
            return;
        };
        let signed = (key, sig, message.to_vec());
        if self.verdicts.contains_key(&signed) || self.queued.contains_key(&signed) {
            return;
        }
        let item = batch::Item::from((
            VerificationKeyBytes::from(key),
            Signature::from(sig),
            message,
        ));
        self.queued.insert(signed, item);
    }

    /// How many signatures wait for [`Signatures::verify_queued`].
    pub fn queued(&self) -> usize {
        self.queued.len()
    }

    /// Verifies every queued signature: all at once, and only when that batch fails each one
    /// alone, to tell which.
    pub fn verify_queued(&mut self) {
        if self.queued.is_empty() {
            return;
        }
        let mut verifier = batch::Verifier::new();
        for item in self.queued.values() {
            verifier.queue(item.clone());
        }
        let all_valid = verifier.verify(rand_core::OsRng).is_ok();
        for (signed, item) in self.queued.drain() {
            let valid = all_valid || item.verify_single().is_ok();
            self.verdicts.insert(signed, valid);
        }
    }

    /// Whether `signature` (lowercase hex) by `public_key` over `message` is valid: the verdict
    /// of [`Signatures::verify_queued`] if it was queued, else verified here (and remembered).
    pub fn valid(&mut self, message: &[u8], signature: &str, public_key: &[u8]) -> bool {
        let Some((key, sig)) = parse(signature, public_key) else {
            return false;
        };
        let signed = (key, sig, message.to_vec());
        if let Some(item) = self.queued.remove(&signed) {
            let valid = item.verify_single().is_ok();
            self.verdicts.insert(signed, valid);
            return valid;
        }
        if let Some(valid) = self.verdicts.get(&signed) {
            return *valid;
        }
        let valid = verify_one(message, signature, public_key);
        self.verdicts.insert(signed, valid);
        valid
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::DeviceKey;

    fn key() -> DeviceKey {
        DeviceKey::from_pkcs8(&DeviceKey::generate_pkcs8().unwrap()).unwrap()
    }

    #[test]
    fn ring_signatures_verify_alone_and_in_a_batch() {
        let keys: Vec<DeviceKey> = (0..3).map(|_| key()).collect();
        let mut sigs = Signatures::new();
        let mut signed = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            for j in 0..5 {
                let message = format!("vastlegging {i}-{j}").into_bytes();
                let signature = hex::encode(k.sign(&message));
                assert!(verify_one(&message, &signature, &k.public_key()));
                sigs.queue(&message, &signature, &k.public_key());
                signed.push((message, signature, k.public_key()));
            }
        }
        assert_eq!(sigs.queued(), 15);
        sigs.verify_queued();
        assert_eq!(sigs.queued(), 0);
        for (message, signature, key) in &signed {
            assert!(sigs.valid(message, signature, key));
        }
    }

    #[test]
    fn a_bad_signature_in_a_batch_is_found_and_the_others_stay_valid() {
        let (a, b) = (key(), key());
        let mut sigs = Signatures::new();
        let good = b"goed".to_vec();
        let good_sig = hex::encode(a.sign(&good));
        // Signed by a, presented as b's; and a's signature over other bytes.
        let foreign_sig = hex::encode(a.sign(b"van a"));
        let altered = b"gewijzigd".to_vec();
        sigs.queue(&good, &good_sig, &a.public_key());
        sigs.queue(b"van a", &foreign_sig, &b.public_key());
        sigs.queue(&altered, &good_sig, &a.public_key());
        sigs.verify_queued();
        assert!(sigs.valid(&good, &good_sig, &a.public_key()));
        assert!(!sigs.valid(b"van a", &foreign_sig, &b.public_key()));
        assert!(!sigs.valid(&altered, &good_sig, &a.public_key()));
        assert!(!verify_one(&altered, &good_sig, &a.public_key()));
    }

    #[test]
    fn verdicts_not_queued_are_verified_when_asked() {
        let a = key();
        let mut sigs = Signatures::new();
        let sig = hex::encode(a.sign(b"x"));
        assert!(sigs.valid(b"x", &sig, &a.public_key()));
        assert!(!sigs.valid(b"y", &sig, &a.public_key()));
        // Queued but never batch-verified: still verified, alone.
        sigs.queue(b"z", &sig, &a.public_key());
        assert!(!sigs.valid(b"z", &sig, &a.public_key()));
    }

    #[test]
    fn unparsable_signatures_and_keys_are_invalid() {
        let a = key();
        let mut sigs = Signatures::new();
        for (sig, key) in [
            ("zz".repeat(64), a.public_key().to_vec()),
            ("ab".repeat(63), a.public_key().to_vec()),
            (hex::encode(a.sign(b"x")), vec![1; 31]),
            (String::new(), a.public_key().to_vec()),
        ] {
            sigs.queue(b"x", &sig, &key);
            assert!(!sigs.valid(b"x", &sig, &key));
            assert!(!verify_one(b"x", &sig, &key));
        }
        sigs.verify_queued();
    }

    #[test]
    fn keys_of_small_order_or_off_the_curve_are_refused() {
        assert!(check_public_key(&key().public_key()).is_ok());
        // The identity point (0, 1): every signature with s·B = R verifies under it.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(check_public_key(&identity).is_err());
        // A point of order 2: (0, -1).
        let mut order_two = [0xffu8; 32];
        order_two[0] = 0xec;
        order_two[31] = 0x7f;
        assert!(check_public_key(&order_two).is_err());
        assert!(check_public_key(&[1; 31]).is_err());
        // y = 2 is not the y-coordinate of a curve point.
        let mut off_curve = [0u8; 32];
        off_curve[0] = 2;
        assert!(check_public_key(&off_curve).is_err());
    }
}
