//! The organisation's device keys as the server hands them to devices: every enrolled device's
//! public key and revocation state, signed with the organisation key like the policy bundle, so
//! a device verifies its colleagues' entries against keys it can trust (ADR 0002, "Keys").
//!
//! The signed message is `veldwerk-keys-v1\n` followed by the payload (the [`KeyList`] as JSON
//! text); the other context than the policy bundle's keeps a signed key list from ever passing
//! as a policy bundle or the other way round.

use chrono::{DateTime, Utc};
use ring::signature::{Ed25519KeyPair, UnparsedPublicKey, ED25519};
use serde::{Deserialize, Serialize};

use super::KeyDirectory;

/// Domain separation: the signed message is this prefix followed by the payload bytes.
const SIGNING_CONTEXT: &[u8] = b"veldwerk-keys-v1\n";

/// One enrolled device of the organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceKeyInfo {
    pub device_id: String,
    /// The handhaver the device belongs to.
    pub user: String,
    /// The raw 32-byte Ed25519 public key, lowercase hex.
    pub public_key: String,
    /// When the device was revoked; `None` while it is in use.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Every device of the organisation at `issued_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyList {
    pub organisation: String,
    /// A device installs a list only if it is not older than the one it has, so an old list
    /// (from before a revocation) cannot be replayed to it.
    pub issued_at: DateTime<Utc>,
    pub devices: Vec<DeviceKeyInfo>,
}

impl KeyList {
    /// The keys as a verifier uses them ([`directory_of`]).
    pub fn directory(&self) -> KeyDirectory {
        directory_of(&self.devices)
    }
}

/// The keys of `devices` as a verifier uses them (revoked devices marked). A key that is not a
/// valid Ed25519 key is left out: entries signed with it do not verify.
pub fn directory_of(devices: &[DeviceKeyInfo]) -> KeyDirectory {
    let mut keys = KeyDirectory::new();
    for d in devices {
        let Ok(public_key) = hex::decode(&d.public_key) else {
            continue;
        };
        let _ = match d.revoked_at {
            Some(at) => keys.insert_revoked(&d.device_id, &public_key, at),
            None => keys.insert(&d.device_id, &public_key),
        };
    }
    keys
}

/// A key list as it travels: the exact payload text and the organisation's signature over it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedKeyList {
    /// The [`KeyList`] as JSON text.
    pub payload: String,
    /// Lowercase hex of the Ed25519 signature over `veldwerk-keys-v1\n` + payload.
    pub signature: String,
}

/// Why a key list was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyListError {
    #[error("De sleutellijst van de organisatie is onleesbaar.")]
    Malformed,
    #[error("De handtekening onder de sleutellijst klopt niet met de sleutel van de organisatie.")]
    BadSignature,
    #[error("De sleutellijst is ouder dan de lijst die al op dit apparaat staat.")]
    Older,
}

impl KeyListError {
    pub fn code(&self) -> &'static str {
        match self {
            KeyListError::Malformed => "key_list_malformed",
            KeyListError::BadSignature => "key_list_signature_invalid",
            KeyListError::Older => "key_list_outdated",
        }
    }
}

impl SignedKeyList {
    /// Verifies the signature against the organisation's public key and returns the list.
    pub fn verify(&self, org_public_key: &[u8]) -> Result<KeyList, KeyListError> {
        let signature = hex::decode(&self.signature).map_err(|_| KeyListError::Malformed)?;
        let mut message = SIGNING_CONTEXT.to_vec();
        message.extend_from_slice(self.payload.as_bytes());
        UnparsedPublicKey::new(&ED25519, org_public_key)
            .verify(&message, &signature)
            .map_err(|_| KeyListError::BadSignature)?;
        serde_json::from_str(&self.payload).map_err(|_| KeyListError::Malformed)
    }
}

/// Signs `list` with the organisation key.
pub fn sign_key_list(
    list: &KeyList,
    org_key: &Ed25519KeyPair,
) -> Result<SignedKeyList, KeyListError> {
    let payload = serde_json::to_string(list).map_err(|_| KeyListError::Malformed)?;
    let mut message = SIGNING_CONTEXT.to_vec();
    message.extend_from_slice(payload.as_bytes());
    Ok(SignedKeyList {
        signature: hex::encode(org_key.sign(&message)),
        payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::DeviceKey;
    use ring::rand::SystemRandom;
    use ring::signature::KeyPair;

    fn org() -> Ed25519KeyPair {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap()
    }

    fn device_key() -> DeviceKey {
        DeviceKey::from_pkcs8(&DeviceKey::generate_pkcs8().unwrap()).unwrap()
    }

    /// Issue 13, item 7: the key list is signed by the organisation; any other key, a changed
    /// payload or a policy bundle's signature over the same text does not verify.
    #[test]
    fn a_key_list_verifies_with_the_org_key_only_and_marks_revoked_devices() {
        let k = org();
        let (a, b) = (device_key(), device_key());
        let revoked_at: DateTime<Utc> = "2026-11-23T10:00:00Z".parse().unwrap();
        let list = KeyList {
            organisation: "Gemeente Urk".into(),
            issued_at: "2026-11-24T10:00:00Z".parse().unwrap(),
            devices: vec![
                DeviceKeyInfo {
                    device_id: "dev-a".into(),
                    user: "piet".into(),
                    public_key: hex::encode(a.public_key()),
                    revoked_at: None,
                },
                DeviceKeyInfo {
                    device_id: "dev-b".into(),
                    user: "kees".into(),
                    public_key: hex::encode(b.public_key()),
                    revoked_at: Some(revoked_at),
                },
            ],
        };
        let signed = sign_key_list(&list, &k).unwrap();
        assert_eq!(signed.verify(k.public_key().as_ref()).unwrap(), list);
        assert_eq!(
            signed.verify(org().public_key().as_ref()),
            Err(KeyListError::BadSignature)
        );
        let mut tampered = signed.clone();
        tampered.payload = tampered.payload.replace("\"kees\"", "\"klaas\"");
        assert_eq!(
            tampered.verify(k.public_key().as_ref()),
            Err(KeyListError::BadSignature)
        );
        // A policy bundle's signature over the same payload is no key list signature.
        let mut policy_message = b"veldwerk-policy-v1\n".to_vec();
        policy_message.extend_from_slice(signed.payload.as_bytes());
        let as_policy = SignedKeyList {
            payload: signed.payload.clone(),
            signature: hex::encode(k.sign(&policy_message)),
        };
        assert_eq!(
            as_policy.verify(k.public_key().as_ref()),
            Err(KeyListError::BadSignature)
        );

        let keys = list.directory();
        let known_a = keys.get(a.key_id()).unwrap();
        assert_eq!(known_a.device_id, "dev-a");
        assert_eq!(known_a.revoked_at, None);
        assert_eq!(keys.get(b.key_id()).unwrap().revoked_at, Some(revoked_at));
    }
}
