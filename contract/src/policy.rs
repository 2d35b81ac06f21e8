//! The organisation's signed policy bundle: routekaart, overrides and active-code directives.
//!
//! Policy is not a CRDT (DESIGN.md, Data): the server issues it, signed with the organisation's
//! Ed25519 key, and a device verifies it against the key pinned at enrollment before using it.
//! The bundle carries the organisation's routekaart overrides as TOML text (the routekaart
//! module parses them), so the bundle format does not change when the routekaart type does, and
//! the full list of code directives, so a device and the server can tell which code was active
//! at any moment (needed to flag actions recorded under an outdated code, issue 4 point 5).

use chrono::{DateTime, Duration, Utc};
use ring::signature::{Ed25519KeyPair, UnparsedPublicKey, ED25519};
use serde::{Deserialize, Serialize};

use veldwerk_rules::routekaart::{Code, Routekaart};

/// Domain separation: the signed message is this prefix followed by the payload bytes.
const SIGNING_CONTEXT: &[u8] = b"veldwerk-policy-v1\n";

/// How old a device's policy may get before it warns: 12 hours (issue 4 point 5).
pub const DEFAULT_MAX_AGE: Duration = Duration::hours(12);

/// A decision to make `code` the active code from `effective_from` on, with who and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeDirective {
    pub code: Code,
    pub effective_from: DateTime<Utc>,
    /// The name of the supervisor who switched the code.
    pub by: String,
    pub reason: String,
}

/// One version of the organisation's policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyBundle {
    pub organisation: String,
    /// Increases by one with every new bundle; a device only accepts a higher version.
    pub version: u64,
    pub issued_at: DateTime<Utc>,
    /// The organisation's routekaart overrides (footnote * of the VNG table, seed 004), TOML
    /// text; empty means the built-in VNG table of November 2020 applies unchanged.
    pub overrides_toml: String,
    /// Every directive so far, oldest first.
    pub directives: Vec<CodeDirective>,
    /// The effective routekaart (the VNG table with `overrides_toml` applied): every code ×
    /// actie with its rule (`forbidden` with a reason, or `allowed` with its limits and the
    /// conditions to confirm), so a client that does not implement the routekaart fills
    /// `policy_allowed` and the conditions from it. Signed with the rest; absent in bundles
    /// issued before it was added, which verify and install as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routekaart: Option<Routekaart>,
    /// The organisation's vragenlijst for the digital huisbezoek (TOML, `docs/vragenlijst.md`);
    /// empty means the built-in woonsituatie-onderzoek. Absent in older bundles.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub vragenlijst_toml: String,
    /// The organisation's own consent texts (TOML, `docs/toestemmingsteksten.md`); empty means
    /// the built-in texts of the three variants. Absent in older bundles.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub toestemmingsteksten_toml: String,
}

/// The effective routekaart of `overrides_toml` (empty: the VNG table unchanged), as the bundle
/// carries it; `None` when the overrides do not apply (devices refuse such a bundle anyway).
pub fn effective_routekaart(overrides_toml: &str) -> Option<Routekaart> {
    if overrides_toml.trim().is_empty() {
        return Some(Routekaart::vng_2020());
    }
    Routekaart::from_overrides(overrides_toml).ok()
}

impl PolicyBundle {
    /// The directive in force at `at`: the latest one whose `effective_from` is not after it.
    pub fn directive_at(&self, at: DateTime<Utc>) -> Option<&CodeDirective> {
        self.directives
            .iter()
            .filter(|d| d.effective_from <= at)
            .max_by_key(|d| d.effective_from)
    }

    /// The newest directive, the one devices act on now.
    pub fn active(&self) -> Option<&CodeDirective> {
        self.directives.iter().max_by_key(|d| d.effective_from)
    }

    /// The code in force at `at`, if any directive was in force then.
    pub fn code_at(&self, at: DateTime<Utc>) -> Option<Code> {
        self.directive_at(at).map(|d| d.code)
    }
}

/// A bundle as it travels: the exact payload bytes (the bundle as JSON) and the organisation's
/// signature over them. The payload is kept as text so the signature covers exactly what was
/// sent; nothing is re-serialised before verifying.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedPolicy {
    /// The bundle as JSON text.
    pub payload: String,
    /// Lowercase hex of the Ed25519 signature over `veldwerk-policy-v1\n` + payload.
    pub signature: String,
}

impl SignedPolicy {
    /// The signed bundle as bytes (JSON), for storing or sending.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising two strings cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Verifies the signature and returns the bundle it covers.
    pub fn verify(&self, org_public_key: &[u8]) -> Result<PolicyBundle, PolicyError> {
        let signature = hex::decode(&self.signature).map_err(|_| PolicyError::Malformed)?;
        let mut message = SIGNING_CONTEXT.to_vec();
        message.extend_from_slice(self.payload.as_bytes());
        UnparsedPublicKey::new(&ED25519, org_public_key)
            .verify(&message, &signature)
            .map_err(|_| PolicyError::BadSignature)?;
        serde_json::from_str(&self.payload).map_err(|_| PolicyError::Malformed)
    }
}

/// Why a policy bundle was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("policy bundle is not well-formed")]
    Malformed,
    #[error("policy bundle signature does not verify with the organisation key")]
    BadSignature,
    #[error("policy bundle version {got} is not newer than {have}")]
    NotNewer { have: u64, got: u64 },
}

impl PolicyError {
    pub fn code(&self) -> &'static str {
        match self {
            PolicyError::Malformed => "policy_malformed",
            PolicyError::BadSignature => "policy_signature_invalid",
            PolicyError::NotNewer { .. } => "policy_not_newer",
        }
    }
}

/// Signs `bundle` with the organisation key.
pub fn sign(bundle: &PolicyBundle, org_key: &Ed25519KeyPair) -> Result<SignedPolicy, PolicyError> {
    let payload = serde_json::to_string(bundle).map_err(|_| PolicyError::Malformed)?;
    let mut message = SIGNING_CONTEXT.to_vec();
    message.extend_from_slice(payload.as_bytes());
    Ok(SignedPolicy {
        signature: hex::encode(org_key.sign(&message)),
        payload,
    })
}

/// Parses signed-bundle bytes (as [`SignedPolicy::to_bytes`] writes them) and verifies them
/// against the organisation's public key (32 raw bytes) pinned at enrollment.
pub fn verify(bytes: &[u8], org_public_key: &[u8]) -> Result<PolicyBundle, PolicyError> {
    let signed: SignedPolicy = serde_json::from_slice(bytes).map_err(|_| PolicyError::Malformed)?;
    signed.verify(org_public_key)
}

/// Verifies `candidate` and accepts it only if it is newer than the version the device has.
pub fn accept_newer(
    candidate: &SignedPolicy,
    org_public_key: &[u8],
    have_version: u64,
) -> Result<PolicyBundle, PolicyError> {
    let bundle = candidate.verify(org_public_key)?;
    if bundle.version <= have_version {
        return Err(PolicyError::NotNewer {
            have: have_version,
            got: bundle.version,
        });
    }
    Ok(bundle)
}

/// What a device shows about its policy: the active code, how long since the server last
/// confirmed the policy, and whether that is longer than the organisation allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyStatus {
    pub code: Option<Code>,
    pub version: u64,
    /// Time since `checked_at`, never negative.
    #[serde(with = "seconds")]
    pub age: Duration,
    pub stale: bool,
}

impl PolicyStatus {
    /// `checked_at` is when the device last heard from the server that this bundle is current
    /// (its last sync); `max_age` is the organisation's limit ([`DEFAULT_MAX_AGE`] if unset).
    pub fn of(
        bundle: &PolicyBundle,
        checked_at: DateTime<Utc>,
        now: DateTime<Utc>,
        max_age: Duration,
    ) -> Self {
        let age = (now - checked_at).max(Duration::zero());
        PolicyStatus {
            code: bundle.active().map(|d| d.code),
            version: bundle.version,
            age,
            stale: age > max_age,
        }
    }

    /// A coded Dutch warning when the policy is stale.
    pub fn warning(&self) -> Option<veldwerk_rules::Notice> {
        self.stale.then(|| {
            veldwerk_rules::Notice::new(
                "policy_stale",
                format!(
                    "Het beleid op dit apparaat is {} uur oud. Synchroniseer om de actuele code te \
                     ontvangen voordat u verder werkt.",
                    self.age.num_hours()
                ),
            )
        })
    }
}

mod seconds {
    use chrono::Duration;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(d.num_seconds())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::seconds(i64::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::KeyPair;

    fn key() -> Ed25519KeyPair {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn bundle() -> PolicyBundle {
        PolicyBundle {
            organisation: "Gemeente Urk".into(),
            version: 3,
            issued_at: at("2026-11-23T10:00:00Z"),
            overrides_toml: "[oranje.huisbezoek]\nmax_handhavers = 1\n".into(),
            directives: vec![
                CodeDirective {
                    code: Code::Geel,
                    effective_from: at("2026-11-01T08:00:00Z"),
                    by: "systeem".into(),
                    reason: "Startwaarde".into(),
                },
                CodeDirective {
                    code: Code::Rood,
                    effective_from: at("2026-11-23T10:00:00Z"),
                    by: "sanne".into(),
                    reason: "Lockdown per kabinetsbesluit".into(),
                },
            ],
            routekaart: None,
            vragenlijst_toml: String::new(),
            toestemmingsteksten_toml: String::new(),
        }
    }

    /// Issue 13, "Docs a second implementation can follow": the bundle carries the effective
    /// routekaart, signed with the rest, and it is exactly what the routekaart rules compute
    /// for the overrides; a bundle signed before the field existed still verifies, without it.
    #[test]
    fn the_bundle_carries_the_effective_routekaart_and_old_bundles_still_verify() {
        let k = key();
        let mut with_table = bundle();
        with_table.overrides_toml = "organisatie = \"Gemeente Test\"\nversie = \"2021-01\"\n\n[oranje.spreekkamer]\ntoegestaan = false\nreden = \"Onze spreekkamers zijn dicht.\"\nreden_code = \"spreekkamers_dicht\"\n".into();
        with_table.routekaart = effective_routekaart(&with_table.overrides_toml);
        let expected = Routekaart::from_overrides(&with_table.overrides_toml).unwrap();
        assert_eq!(with_table.routekaart.as_ref(), Some(&expected));
        let signed = sign(&with_table, &k).unwrap();
        let verified = signed.verify(k.public_key().as_ref()).unwrap();
        assert_eq!(verified.routekaart, Some(expected.clone()));
        // Machine-readable for any client: one cell per code × actie with its rule.
        let json: serde_json::Value = serde_json::from_str(&signed.payload).unwrap();
        let cells = json["routekaart"]["cells"].as_array().unwrap();
        assert_eq!(cells.len(), 3 * 7);
        assert!(cells
            .iter()
            .all(|c| c["rule"]["rule"] == "allowed" || c["rule"]["rule"] == "forbidden"));
        for code in Code::ALL {
            for actie in veldwerk_rules::routekaart::Actie::ALL {
                let cell = cells
                    .iter()
                    .find(|c| c["code"] == code.id() && c["actie"] == actie.id())
                    .unwrap();
                let parsed: veldwerk_rules::routekaart::Cell =
                    serde_json::from_value(cell.clone()).unwrap();
                assert_eq!(&parsed, expected.cell(code, actie));
            }
        }
        assert_eq!(effective_routekaart(""), Some(Routekaart::vng_2020()));
        assert_eq!(effective_routekaart("[[[ geen toml"), None);

        // A bundle as signed before the field existed: no `routekaart` key in its payload.
        let old = sign(&bundle(), &k).unwrap();
        assert!(!old.payload.contains("routekaart"));
        assert_eq!(
            old.verify(k.public_key().as_ref()).unwrap().routekaart,
            None
        );
    }

    #[test]
    fn signed_bundle_verifies_with_the_org_key_only() {
        let k = key();
        let signed = sign(&bundle(), &k).unwrap();
        let bytes = signed.to_bytes();
        assert_eq!(verify(&bytes, k.public_key().as_ref()).unwrap(), bundle());
        assert_eq!(
            verify(&bytes, key().public_key().as_ref()),
            Err(PolicyError::BadSignature)
        );
    }

    #[test]
    fn tampered_payload_or_signature_fails() {
        let k = key();
        let signed = sign(&bundle(), &k).unwrap();
        let mut tampered = signed.clone();
        tampered.payload = tampered.payload.replace("\"rood\"", "\"geel\"");
        assert_ne!(tampered.payload, signed.payload);
        assert_eq!(
            tampered.verify(k.public_key().as_ref()),
            Err(PolicyError::BadSignature)
        );
        let mut bad_sig = signed.clone();
        let flipped = if bad_sig.signature.starts_with('0') {
            "1"
        } else {
            "0"
        };
        bad_sig.signature.replace_range(0..1, flipped);
        assert_eq!(
            bad_sig.verify(k.public_key().as_ref()),
            Err(PolicyError::BadSignature)
        );
        assert_eq!(
            verify(b"not json", k.public_key().as_ref()),
            Err(PolicyError::Malformed)
        );
    }

    #[test]
    fn only_newer_versions_are_accepted() {
        let k = key();
        let signed = sign(&bundle(), &k).unwrap();
        let pk = k.public_key().as_ref();
        assert!(accept_newer(&signed, pk, 2).is_ok());
        assert_eq!(
            accept_newer(&signed, pk, 3),
            Err(PolicyError::NotNewer { have: 3, got: 3 })
        );
    }

    #[test]
    fn code_at_follows_the_directives() {
        let b = bundle();
        assert_eq!(b.code_at(at("2026-10-01T00:00:00Z")), None);
        assert_eq!(b.code_at(at("2026-11-10T00:00:00Z")), Some(Code::Geel));
        assert_eq!(b.code_at(at("2026-11-23T10:00:00Z")), Some(Code::Rood));
        assert_eq!(b.active().unwrap().by, "sanne");
    }

    #[test]
    fn status_is_stale_past_the_max_age() {
        let b = bundle();
        let checked = at("2026-11-23T10:00:00Z");
        let fresh = PolicyStatus::of(&b, checked, at("2026-11-23T22:00:00Z"), DEFAULT_MAX_AGE);
        assert_eq!(fresh.code, Some(Code::Rood));
        assert!(!fresh.stale);
        assert_eq!(fresh.warning(), None);
        let old = PolicyStatus::of(&b, checked, at("2026-11-23T22:00:01Z"), DEFAULT_MAX_AGE);
        assert!(old.stale);
        assert_eq!(old.warning().unwrap().code, "policy_stale");
        let custom = PolicyStatus::of(&b, checked, at("2026-11-23T11:00:01Z"), Duration::hours(1));
        assert!(custom.stale);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// Arbitrary bytes never verify and never panic.
            #[test]
            fn verify_refuses_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
                let k = key();
                prop_assert!(verify(&bytes, k.public_key().as_ref()).is_err());
            }

            /// A signed bundle with any one payload byte changed does not verify.
            #[test]
            fn any_payload_change_is_detected(i in any::<usize>(), b in any::<u8>()) {
                let k = key();
                let signed = sign(&bundle(), &k).unwrap();
                let mut bytes = signed.payload.clone().into_bytes();
                let i = i % bytes.len();
                prop_assume!(bytes[i] != b);
                bytes[i] = b;
                let tampered = SignedPolicy {
                    payload: String::from_utf8_lossy(&bytes).into_owned(),
                    signature: signed.signature.clone(),
                };
                prop_assume!(tampered.payload != signed.payload);
                prop_assert!(tampered.verify(k.public_key().as_ref()).is_err());
            }
        }
    }
}
