//! Signed, hash-chained evidence: signing entries with the device key and verifying a visit's chains.
//!
//! DESIGN.md, Security: "Every entry is signed and chained to the previous entry of its visit by
//! hash, so a missing, altered or reordered entry is detectable by the server and in the exported
//! rapport." The encoding below is the contract with the server and with other (JavaScript)
//! clients; ADR 0002 repeats it. Never change it for an existing [`ENTRY_FORMAT`].
//!
//! **Canonical bytes (format 1)** of an entry are the UTF-8 bytes of this JSON object, with the
//! keys in this (byte-wise sorted) order, no whitespace, strings escaped as `JSON.stringify` and
//! `serde_json` both do (`\"`, `\\`, `\b \f \n \r \t`, other control characters as lowercase
//! `\u00xx`, everything else literal UTF-8), integers in plain decimal:
//!
//! ```text
//! {"body":<string>,"device_id":<string>,"entry_id":<string>,"format":1,"key_id":<string>,
//!  "policy":{"actie":<string>,"allowed":<bool>,"code":<string>,"confirmed_conditions":[<string>...],
//!            "policy_synced_at":<timestamp>|null,"policy_version":<int>},
//!  "prev_hash":<string>,"recorded_at":<timestamp>,"seq":<int>,"visit_id":<string>}
//! ```
//!
//! Timestamps are RFC 3339 in UTC with exactly three fraction digits: `2026-11-23T09:42:00.120Z`.
//! `body` is the event's canonical JSON *as a string*. The signature field is not part of it.
//!
//! - signature = Ed25519(device key, canonical bytes), stored as lowercase hex;
//! - chain hash = lowercase hex SHA-256(canonical bytes ‖ the signature's hex text as ASCII);
//! - `prev_hash` = the chain hash of the same device's entry with `seq - 1` in the same visit, or
//!   [`GENESIS_HASH`] (64 zeros) for `seq == 1`;
//! - key id = lowercase hex of the first 8 bytes of SHA-256(raw 32-byte public key).

mod directory;
mod entry;
pub mod klantverklaring;
mod reading;
mod signatures;

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, SecondsFormat, Utc};
use ring::digest::{digest, SHA256};
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use veldwerk_rules::Notice;

pub use entry::{
    event_body, order_entries, to_millis, Entry, InvalidEvent, PolicyContext, TAALWAARSCHUWINGEN,
};

pub use directory::{
    directory_of, sign_key_list, DeviceKeyInfo, KeyList, KeyListError, SignedKeyList,
};
pub use reading::{read_visit, CheckedCopy, ReadEntry};
pub use signatures::{check_public_key, Signatures};

/// The canonical encoding version new entries are signed with.
pub const ENTRY_FORMAT: u64 = 1;

/// `prev_hash` of a device's first entry in a visit.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Errors of key handling.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("Er kon geen apparaatsleutel worden gemaakt.")]
    KeyGeneration,
    #[error("De apparaatsleutel is ongeldig of beschadigd.")]
    InvalidPrivateKey,
    #[error("De publieke sleutel is ongeldig (verwacht 32 bytes Ed25519).")]
    InvalidPublicKey,
}

impl EvidenceError {
    pub fn code(&self) -> &'static str {
        match self {
            EvidenceError::KeyGeneration => "key_generation_failed",
            EvidenceError::InvalidPrivateKey => "private_key_invalid",
            EvidenceError::InvalidPublicKey => "public_key_invalid",
        }
    }

    pub fn notice(&self) -> Notice {
        Notice::new(self.code(), self.to_string())
    }
}

/// The device's Ed25519 key pair, created at enrollment and kept (encrypted) in the store.
pub struct DeviceKey {
    pair: Ed25519KeyPair,
    key_id: String,
}

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceKey")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl DeviceKey {
    /// A new key pair as PKCS#8 v2 bytes: what the store keeps, encrypted.
    pub fn generate_pkcs8() -> Result<Vec<u8>, EvidenceError> {
        let doc = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .map_err(|_| EvidenceError::KeyGeneration)?;
        Ok(doc.as_ref().to_vec())
    }

    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<Self, EvidenceError> {
        let pair =
            Ed25519KeyPair::from_pkcs8(pkcs8).map_err(|_| EvidenceError::InvalidPrivateKey)?;
        let key_id = key_id_for(pair.public_key().as_ref());
        Ok(Self { pair, key_id })
    }

    /// The raw 32-byte public key, sent to the server at enrollment.
    pub fn public_key(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(self.pair.public_key().as_ref());
        out
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        let mut out = [0u8; 64];
        out.copy_from_slice(self.pair.sign(message).as_ref());
        out
    }
}

/// A device as author of entries: the id the server assigned at enrollment and its key.
#[derive(Debug)]
pub struct Signer {
    pub device_id: String,
    pub key: DeviceKey,
}

/// Key id of a raw public key: hex of the first 8 bytes of its SHA-256.
pub fn key_id_for(public_key: &[u8]) -> String {
    hex::encode(&digest(&SHA256, public_key).as_ref()[..8])
}

/// A public key the verifier trusts, and the device it was enrolled for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownKey {
    pub device_id: String,
    pub public_key: Vec<u8>,
    /// When the organisation revoked the device, if it did: its entries still verify, and are
    /// shown as [`EntryStatus::KeyRevoked`] so the reader knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The public keys a verifier knows, by key id (the server: every enrolled device; a device:
/// the keys the server told it about).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyDirectory {
    keys: BTreeMap<String, KnownKey>,
}

impl KeyDirectory {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a device's key (refused as [`check_public_key`] refuses it); returns its key id.
    pub fn insert(&mut self, device_id: &str, public_key: &[u8]) -> Result<String, EvidenceError> {
        check_public_key(public_key)?;
        let key_id = key_id_for(public_key);
        self.keys.insert(
            key_id.clone(),
            KnownKey {
                device_id: device_id.to_owned(),
                public_key: public_key.to_vec(),
                revoked_at: None,
            },
        );
        Ok(key_id)
    }

    /// [`Self::insert`] for a device the organisation revoked at `revoked_at`.
    pub fn insert_revoked(
        &mut self,
        device_id: &str,
        public_key: &[u8],
        revoked_at: DateTime<Utc>,
    ) -> Result<String, EvidenceError> {
        let key_id = self.insert(device_id, public_key)?;
        if let Some(known) = self.keys.get_mut(&key_id) {
            known.revoked_at = Some(revoked_at);
        }
        Ok(key_id)
    }

    /// Adds every key of `other`; a key both know keeps `other`'s entry.
    pub fn extend(&mut self, other: &KeyDirectory) {
        for (key_id, known) in &other.keys {
            self.keys.insert(key_id.clone(), known.clone());
        }
    }

    /// How many keys are known.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn get(&self, key_id: &str) -> Option<&KnownKey> {
        self.keys.get(key_id)
    }
}

/// Canonical JSON of any value: object keys sorted byte-wise, no whitespace. Independent of
/// serde_json's map ordering features.
pub fn canonical_json(value: &Value) -> String {
    let mut out = Vec::new();
    write_canonical(value, &mut out);
    // Only serde_json's output and ASCII punctuation went in.
    String::from_utf8(out).unwrap_or_default()
}

fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut fields: Vec<(&String, &Value)> = map.iter().collect();
            fields.sort_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (key, v)) in fields.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json(key, out);
                out.push(b':');
                write_canonical(v, out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        scalar => write_json(scalar, out),
    }
}

/// serde_json's compact form of a string or scalar, appended.
fn write_json<T: Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) {
    // Writing a string or scalar into a Vec cannot fail.
    let _ = serde_json::to_writer(out, value);
}

/// RFC 3339, UTC, exactly three fraction digits.
pub fn canonical_time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The bytes an entry's signature covers (module docs give the exact format).
pub fn canonical_bytes(entry: &Entry) -> Vec<u8> {
    let p = &entry.policy;
    let policy = serde_json::json!({
        "actie": p.actie,
        "allowed": p.allowed,
        "code": p.code,
        "confirmed_conditions": p.confirmed_conditions,
        "policy_synced_at": p.policy_synced_at.as_ref().map(canonical_time),
        "policy_version": p.policy_version,
    });
    let value = serde_json::json!({
        "body": entry.body,
        "device_id": entry.device_id,
        "entry_id": entry.entry_id,
        "format": entry.format,
        "key_id": entry.key_id,
        "policy": policy,
        "prev_hash": entry.prev_hash,
        "recorded_at": canonical_time(&entry.recorded_at),
        "seq": entry.seq,
        "visit_id": entry.visit_id,
    });
    let mut out = Vec::with_capacity(1024);
    write_canonical(&value, &mut out);
    out
}

/// Sets `key_id`, `format` and `signature` of an entry whose other fields are final.
pub fn sign_entry(entry: &mut Entry, key: &DeviceKey) {
    entry.key_id = key.key_id().to_owned();
    entry.format = ENTRY_FORMAT;
    entry.signature = hex::encode(key.sign(&canonical_bytes(entry)));
}

/// The chain hash of an entry: what the device's next entry in the visit puts in `prev_hash`.
pub fn chain_hash(entry: &Entry) -> String {
    chain_hash_of(&canonical_bytes(entry), &entry.signature)
}

/// [`chain_hash`] from the entry's canonical bytes and its signature.
fn chain_hash_of(canonical: &[u8], signature: &str) -> String {
    let mut hash = ring::digest::Context::new(&SHA256);
    hash.update(canonical);
    hash.update(signature.as_bytes());
    hex::encode(hash.finish())
}

/// Checks one entry's signature against a public key (ZIP 215 rules, see ADR 0003).
pub fn signature_valid(entry: &Entry, public_key: &[u8]) -> bool {
    signatures::verify_one(&canonical_bytes(entry), &entry.signature, public_key)
}

/// What verification found for one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryStatus {
    /// Signed by a known key of its device and chained to its predecessor.
    Ok,
    /// Its content no longer matches its signature, it is not in the visit it was signed for,
    /// or it could not be read.
    Altered,
    /// It carries no signature.
    Unsigned,
    /// Its key is not known, or belongs to another device.
    UnknownKey,
    /// The entry it follows (`seq - 1` of the same device, as signed) is not in the document.
    MissingPredecessor,
    /// Its chain link names another entry of its device than its sequence number says.
    Reordered,
    /// Another copy of this entry, or another entry with its device and sequence number, came first.
    Duplicate,
    /// A copy of an entry that differs from the copy that verifies and does not verify itself:
    /// someone wrote other content under the entry's id. Given by [`read_visit`], which shows
    /// the valid copy as the entry (verification itself reports such a copy as what it is, e.g.
    /// `Altered`, and keeps it out of its device's chain).
    ForgedCopy,
    /// Signed and chained, by a device the organisation has since revoked.
    KeyRevoked,
}

impl EntryStatus {
    /// The verdict in a few Dutch words, as a tag beside the entry ("geverifieerd").
    pub fn woord(self) -> &'static str {
        match self {
            EntryStatus::Ok => "geverifieerd",
            EntryStatus::Altered => "gewijzigd na ondertekening",
            EntryStatus::Unsigned => "niet ondertekend",
            EntryStatus::UnknownKey => "onbekende sleutel",
            EntryStatus::MissingPredecessor => "voorgaande vastlegging ontbreekt",
            EntryStatus::Reordered => "volgorde gewijzigd",
            EntryStatus::Duplicate => "dubbele kopie",
            EntryStatus::ForgedCopy => "vervalste kopie",
            EntryStatus::KeyRevoked => "geverifieerd, apparaat inmiddels ingetrokken",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            EntryStatus::Ok => "ok",
            EntryStatus::Altered => "altered",
            EntryStatus::Unsigned => "unsigned",
            EntryStatus::UnknownKey => "key_unknown",
            EntryStatus::MissingPredecessor => "missing_predecessor",
            EntryStatus::Reordered => "reordered",
            EntryStatus::Duplicate => "duplicate",
            EntryStatus::ForgedCopy => "forged_copy",
            EntryStatus::KeyRevoked => "key_revoked",
        }
    }

    pub fn notice(self) -> Notice {
        let message = match self {
            EntryStatus::Ok => "De vastlegging is ondertekend en sluit aan op de vorige.",
            EntryStatus::Altered => "De vastlegging is gewijzigd na ondertekening.",
            EntryStatus::Unsigned => "De vastlegging is niet ondertekend.",
            EntryStatus::UnknownKey => "De vastlegging is ondertekend met een onbekende sleutel.",
            EntryStatus::MissingPredecessor => {
                "De voorafgaande vastlegging van dit apparaat ontbreekt."
            }
            EntryStatus::Reordered => "De volgorde van de vastleggingen is gewijzigd.",
            EntryStatus::Duplicate => "De vastlegging komt dubbel voor.",
            EntryStatus::ForgedCopy => {
                "Vervalste kopie: deze tekst staat onder het nummer van een ondertekende \
                 vastlegging, maar is niet door dat apparaat ondertekend."
            }
            EntryStatus::KeyRevoked => {
                "De vastlegging is ondertekend door een apparaat dat inmiddels is ingetrokken."
            }
        };
        Notice::new(self.code(), message)
    }
}

/// The verdict on one entry (`entry_id` is empty when an unreadable entry had none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryVerification {
    pub entry_id: String,
    pub device_id: String,
    pub seq: u64,
    pub status: EntryStatus,
}

/// The last entry of a device's chain as verification saw it: the server compares it with what it
/// acknowledged before, since dropping a chain's *last* entries leaves no gap in the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    pub seq: u64,
    pub hash: String,
}

/// The verdict on a visit, entry by entry (in the order given).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitVerification {
    pub entries: Vec<EntryVerification>,
    /// Per device id, the highest `seq` among its entries that verified `Ok`.
    pub heads: BTreeMap<String, ChainHead>,
}

impl VisitVerification {
    pub fn is_intact(&self) -> bool {
        self.entries.iter().all(|e| e.status == EntryStatus::Ok)
    }

    pub fn problems(&self) -> impl Iterator<Item = &EntryVerification> {
        self.entries.iter().filter(|e| e.status != EntryStatus::Ok)
    }

    /// The verdict on the entry `entry_id` itself: of its copies, the one that verifies, else the
    /// first that is not merely a duplicate or forged copy of another. A forged copy never
    /// decides it; [`Self::copies_of`] gives every copy's own verdict.
    pub fn status_of(&self, entry_id: &str) -> Option<EntryStatus> {
        let mut copies = self.copies_of(entry_id).peekable();
        copies.peek()?;
        let mut first = None;
        let mut fallback = None;
        for c in copies {
            match c.status {
                EntryStatus::Ok | EntryStatus::KeyRevoked => return Some(c.status),
                EntryStatus::Duplicate | EntryStatus::ForgedCopy => {
                    fallback.get_or_insert(c.status);
                }
                other => {
                    first.get_or_insert(other);
                }
            }
        }
        first.or(fallback)
    }

    /// Every stored copy of `entry_id` with its own verdict, in the order given.
    pub fn copies_of<'a>(
        &'a self,
        entry_id: &'a str,
    ) -> impl Iterator<Item = &'a EntryVerification> + 'a {
        self.entries.iter().filter(move |e| e.entry_id == entry_id)
    }
}

/// Verifies the entries stored under visit `visit_id` (every copy, as read from the document,
/// e.g. [`crate::zaak::ZaakDocument::stored_entries`]).
///
/// Per entry: no signature is `Unsigned`; a key id not in `keys`, or enrolled for another device,
/// is `UnknownKey`; a bad signature, another `visit_id` or an unknown format is `Altered`. Of the
/// copies sharing an `entry_id`, the first valid one is the entry and the other valid or identical
/// copies are `Duplicate` (a differing copy that does not verify keeps its own verdict and no
/// place in the chain: [`read_visit`] shows it as `ForgedCopy`); so is a valid entry whose `(device_id, seq)` an earlier valid entry
/// already took (a reused sequence number). Then the chain: `seq == 1` must carry [`GENESIS_HASH`]; `seq > 1` must carry the
/// chain hash of its device's `seq - 1` entry. If it carries the hash of another entry of its
/// device it is `Reordered`; if the `seq - 1` entry is there but altered or unsigned the break is
/// already reported there and this entry stays `Ok`; otherwise it is `MissingPredecessor`. An
/// entry that is `Ok` under a key the directory marks revoked is `KeyRevoked`.
pub fn verify_visit(visit_id: &str, entries: &[Entry], keys: &KeyDirectory) -> VisitVerification {
    verify_visit_with(
        visit_id,
        entries,
        &canonical_all(entries),
        keys,
        &mut Signatures::new(),
    )
}

/// The canonical bytes of each entry, built once: the signature covers them and the chain hash
/// extends them.
pub fn canonical_all(entries: &[Entry]) -> Vec<Vec<u8>> {
    entries.iter().map(canonical_bytes).collect()
}

/// The key an entry's signature must verify under, or the verdict that makes verifying it moot.
fn signing_key<'k>(
    e: &Entry,
    visit_id: &str,
    keys: &'k KeyDirectory,
) -> Result<&'k KnownKey, EntryStatus> {
    if e.signature.is_empty() {
        return Err(EntryStatus::Unsigned);
    }
    match keys.get(&e.key_id) {
        Some(known) if known.device_id == e.device_id => {
            if e.format != ENTRY_FORMAT || e.visit_id != visit_id {
                Err(EntryStatus::Altered)
            } else {
                Ok(known)
            }
        }
        _ => Err(EntryStatus::UnknownKey),
    }
}

/// Queues in `signatures` every signature [`verify_visit_with`] will ask about for these
/// entries (`canonical` as [`canonical_all`] gives it), so that many visits' signatures can be
/// verified in one batch first.
pub fn queue_signatures(
    visit_id: &str,
    entries: &[Entry],
    canonical: &[Vec<u8>],
    keys: &KeyDirectory,
    signatures: &mut Signatures,
) {
    for (e, canonical) in entries.iter().zip(canonical) {
        if let Ok(known) = signing_key(e, visit_id, keys) {
            signatures.queue(canonical, &e.signature, &known.public_key);
        }
    }
}

/// [`verify_visit`] with the entries' canonical bytes already built ([`canonical_all`]) and the
/// signature verdicts taken from `signatures` (verified there when not yet known).
pub fn verify_visit_with(
    visit_id: &str,
    entries: &[Entry],
    canonical: &[Vec<u8>],
    keys: &KeyDirectory,
    signatures: &mut Signatures,
) -> VisitVerification {
    debug_assert_eq!(entries.len(), canonical.len());
    // Signatures and keys first, so a valid copy is preferred over a tampered one below.
    let mut statuses: Vec<Option<EntryStatus>> = entries
        .iter()
        .zip(canonical)
        .map(|(e, canonical)| match signing_key(e, visit_id, keys) {
            Err(status) => Some(status),
            Ok(known) if signatures.valid(canonical, &e.signature, &known.public_key) => None,
            Ok(_) => Some(EntryStatus::Altered),
        })
        .collect();

    // Duplicates: per entry id, and per (device, seq) among valid entries, the first valid one
    // (in the order given) is the entry; other valid or identical copies are duplicates.
    let mut primary_by_id: HashMap<&str, usize> = HashMap::new();
    for pass_valid in [true, false] {
        for (i, e) in entries.iter().enumerate() {
            if statuses[i].is_none() == pass_valid {
                primary_by_id.entry(e.entry_id.as_str()).or_insert(i);
            }
        }
    }
    let mut slots: HashSet<(&str, u64)> = HashSet::new();
    let mut forged = vec![false; entries.len()];
    for (i, e) in entries.iter().enumerate() {
        let Some(&p) = primary_by_id.get(e.entry_id.as_str()) else {
            continue;
        };
        if p == i {
            continue;
        }
        if statuses[i].is_none() || entries[i] == entries[p] {
            statuses[i] = Some(EntryStatus::Duplicate);
        } else if statuses[p].is_none() {
            // The entry has a copy that verifies and this one differs from it without
            // verifying: other content under its id. Its verdict stays its own (`Altered`,
            // `UnknownKey`, ...; [`read_visit`] shows it as a forged copy), and it takes no
            // place in its device's chain, which the valid copy holds.
            forged[i] = true;
        }
    }
    for (i, e) in entries.iter().enumerate() {
        if statuses[i].is_none() && !slots.insert((e.device_id.as_str(), e.seq)) {
            statuses[i] = Some(EntryStatus::Duplicate);
        }
    }

    // Chain hashes of all non-duplicate entries, per device.
    let mut by_slot: HashMap<(&str, u64), usize> = HashMap::new();
    let mut hashes: HashMap<&str, HashMap<String, usize>> = HashMap::new();
    let mut chain_hashes: Vec<Option<String>> = vec![None; entries.len()];
    for ((i, e), canonical) in entries.iter().enumerate().zip(canonical) {
        if forged[i] || statuses[i] == Some(EntryStatus::Duplicate) {
            continue;
        }
        by_slot.insert((e.device_id.as_str(), e.seq), i);
        let hash = chain_hash_of(canonical, &e.signature);
        hashes
            .entry(e.device_id.as_str())
            .or_default()
            .insert(hash.clone(), i);
        chain_hashes[i] = Some(hash);
    }

    for (i, e) in entries.iter().enumerate() {
        if statuses[i].is_some() {
            continue;
        }
        let device_hashes = hashes.get(e.device_id.as_str());
        let links_to = device_hashes.and_then(|h| h.get(&e.prev_hash)).copied();
        let status = if e.seq == 0 {
            EntryStatus::Altered
        } else if e.seq == 1 {
            if e.prev_hash == GENESIS_HASH {
                EntryStatus::Ok
            } else if links_to.is_some() {
                EntryStatus::Reordered
            } else {
                EntryStatus::MissingPredecessor
            }
        } else {
            let pred = by_slot.get(&(e.device_id.as_str(), e.seq - 1)).copied();
            match (pred, links_to) {
                (Some(p), Some(l)) if p == l => EntryStatus::Ok,
                (_, Some(_)) => EntryStatus::Reordered,
                (Some(p), None)
                    if matches!(
                        statuses[p],
                        Some(EntryStatus::Altered) | Some(EntryStatus::Unsigned)
                    ) =>
                {
                    EntryStatus::Ok
                }
                _ => EntryStatus::MissingPredecessor,
            }
        };
        statuses[i] = Some(status);
    }

    let mut result = VisitVerification::default();
    for (i, e) in entries.iter().enumerate() {
        let mut status = statuses[i].unwrap_or(EntryStatus::Altered);
        if status == EntryStatus::Ok
            && keys
                .get(&e.key_id)
                .is_some_and(|known| known.revoked_at.is_some())
        {
            status = EntryStatus::KeyRevoked;
        }
        if status == EntryStatus::Ok {
            let head = result
                .heads
                .entry(e.device_id.clone())
                .or_insert(ChainHead {
                    seq: 0,
                    hash: String::new(),
                });
            if e.seq > head.seq {
                *head = ChainHead {
                    seq: e.seq,
                    hash: chain_hashes[i].take().unwrap_or_else(|| chain_hash(e)),
                };
            }
        }
        result.entries.push(EntryVerification {
            entry_id: e.entry_id.clone(),
            device_id: e.device_id.clone(),
            seq: e.seq,
            status,
        });
    }
    result
}

#[cfg(test)]
mod tests {
    //! Keys and the frozen canonical encoding; verification of tampered documents is tested with
    //! the document schema (`zaak/verify_tests.rs`).

    use chrono::TimeZone;

    use super::*;
    use veldwerk_rules::routekaart::{Actie, Code};

    #[test]
    fn keys_round_trip_through_pkcs8() {
        let pkcs8 = DeviceKey::generate_pkcs8().unwrap();
        let key = DeviceKey::from_pkcs8(&pkcs8).unwrap();
        let again = DeviceKey::from_pkcs8(&pkcs8).unwrap();
        assert_eq!(key.public_key(), again.public_key());
        assert_eq!(key.key_id(), key_id_for(&key.public_key()));
        assert_eq!(key.key_id().len(), 16);
        assert!(!format!("{key:?}").contains(&hex::encode(&pkcs8)));
        let sig = key.sign(b"x");
        // Checked with ring's own verification too: the keys and signatures are plain RFC 8032.
        assert!(ring::signature::UnparsedPublicKey::new(
            &ring::signature::ED25519,
            key.public_key()
        )
        .verify(b"x", &sig)
        .is_ok());
    }

    #[test]
    fn bad_key_material_is_refused() {
        let err = DeviceKey::from_pkcs8(b"no key").unwrap_err();
        assert_eq!(err.code(), "private_key_invalid");
        let err = KeyDirectory::new().insert("dev-a", &[1, 2, 3]).unwrap_err();
        assert_eq!(err.code(), "public_key_invalid");
    }

    /// The canonical encoding is a contract with the server and JavaScript clients: this exact
    /// text (and its hash, computed independently) must never change for format 1.
    #[test]
    fn canonical_bytes_are_frozen() {
        let entry = Entry {
            entry_id: "0f0e0d0c0b0a09080706050403020100".into(),
            visit_id: "v1".into(),
            device_id: "dev-a".into(),
            key_id: "1122334455667788".into(),
            format: 1,
            seq: 1,
            recorded_at: Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap()
                + chrono::Duration::milliseconds(120),
            prev_hash: GENESIS_HASH.into(),
            signature: "abcd".into(),
            policy: PolicyContext {
                actie: Actie::Huisbezoek,
                allowed: true,
                confirmed_conditions: vec!["afstand_1_5_meter".into(), "mondkapje".into()],
                policy_version: 7,
                code: Code::Oranje,
                policy_synced_at: Some(
                    Utc.with_ymd_and_hms(2026, 11, 23, 9, 1, 0).unwrap()
                        + chrono::Duration::milliseconds(250),
                ),
            },
            body: "{\"ruimte\":\"keuken\",\"soort\":\"waarneming\",\"tekst\":\"Twee borden, één \\\"pan\\\".\\n\"}".into(),
        };
        let expected = r#"{"body":"{\"ruimte\":\"keuken\",\"soort\":\"waarneming\",\"tekst\":\"Twee borden, één \\\"pan\\\".\\n\"}","device_id":"dev-a","entry_id":"0f0e0d0c0b0a09080706050403020100","format":1,"key_id":"1122334455667788","policy":{"actie":"huisbezoek","allowed":true,"code":"oranje","confirmed_conditions":["afstand_1_5_meter","mondkapje"],"policy_synced_at":"2026-11-23T09:01:00.250Z","policy_version":7},"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","recorded_at":"2026-11-23T09:30:00.120Z","seq":1,"visit_id":"v1"}"#;
        assert_eq!(
            String::from_utf8(canonical_bytes(&entry)).unwrap(),
            expected
        );
        assert_eq!(
            chain_hash(&entry),
            "372e13e0bff7dbec45565ca818efe06400662f4e30860b50b8f5ae2b07a807fc"
        );
        let mut unsynced = entry.clone();
        unsynced.policy.policy_synced_at = None;
        let text = String::from_utf8(canonical_bytes(&unsynced)).unwrap();
        assert!(text.contains(r#""policy_synced_at":null,"#));
    }

    #[test]
    fn canonical_json_sorts_nested_keys() {
        let v = serde_json::json!({"b": [{"z": 1, "a": null}], "a": "\u{1}"});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":"\u0001","b":[{"a":null,"z":1}]}"#
        );
    }
}
