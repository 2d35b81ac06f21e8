//! One recorded entry of a visit: its signed header, its policy context and its event body, and
//! the order in which a visit's entries are read.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use veldwerk_rules::protocol::{Event, Taalwaarschuwing};
use veldwerk_rules::routekaart::{Actie, Code};

use super::{canonical_json, chain_hash};

/// An entry's body that is no event this build knows (or an event that cannot be encoded).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("De gebeurtenis van vastlegging {entry_id} is onleesbaar: {detail}")]
pub struct InvalidEvent {
    /// The entry's id; empty when encoding a new event.
    pub entry_id: String,
    pub detail: String,
}

/// The routekaart context an entry was recorded under (DESIGN.md, "Offline and the active code"):
/// the server compares it with the code that was really active and flags outdated ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyContext {
    /// The routekaart action this entry belongs to.
    pub actie: Actie,
    /// Whether the routekaart allowed the action on this device.
    pub allowed: bool,
    /// The condition codes the handhaver confirmed (the checklist of `Decision::Allowed`).
    pub confirmed_conditions: Vec<String>,
    /// The policy bundle version known to the device.
    pub policy_version: u64,
    /// The active code known to the device.
    pub code: Code,
    /// When the device last received a policy bundle; `None` if never.
    pub policy_synced_at: Option<DateTime<Utc>>,
}

/// An immutable entry of a visit. Every field except `signature` is covered by the signature
/// (see [`crate::evidence::canonical_bytes`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Random 128-bit id, lowercase hex.
    pub entry_id: String,
    pub visit_id: String,
    pub device_id: String,
    /// The signing key's id ([`crate::evidence::key_id_for`]).
    pub key_id: String,
    /// Canonical encoding version the entry was signed with ([`crate::evidence::ENTRY_FORMAT`]).
    pub format: u64,
    /// 1, 2, 3... per device within this visit.
    pub seq: u64,
    /// Millisecond precision: finer parts would not survive the document.
    pub recorded_at: DateTime<Utc>,
    /// Chain hash of this device's previous entry in this visit, or
    /// [`crate::evidence::GENESIS_HASH`] for its first.
    pub prev_hash: String,
    /// Ed25519 signature, lowercase hex; empty when unsigned.
    pub signature: String,
    pub policy: PolicyContext,
    /// Canonical JSON of a [`Event`], kept as text so entries from newer clients stay verifiable.
    pub body: String,
}

impl Entry {
    /// The factual-language warnings signed over with this entry ([`TAALWAARSCHUWINGEN`]);
    /// none for a body without them or one that does not read.
    pub fn taalwaarschuwingen(&self) -> Vec<Taalwaarschuwing> {
        #[derive(Deserialize)]
        struct Body {
            #[serde(default)]
            taalwaarschuwingen: Vec<Taalwaarschuwing>,
        }
        serde_json::from_str::<Body>(&self.body)
            .map(|b| b.taalwaarschuwingen)
            .unwrap_or_default()
    }

    /// Decodes the body; fails for an event this build does not know.
    pub fn event(&self) -> Result<Event, InvalidEvent> {
        serde_json::from_str(&self.body).map_err(|e| InvalidEvent {
            entry_id: self.entry_id.clone(),
            detail: e.to_string(),
        })
    }
}

/// The body key that lists the factual-language warnings a waarneming's or rapport's text had
/// when it was signed (issue 15): beside the event's own fields, so the signature covers them.
/// Left out when there are none, so such bodies are what they were before the key existed.
pub const TAALWAARSCHUWINGEN: &str = "taalwaarschuwingen";

/// The canonical JSON text of an event as an entry's body: keys sorted, no whitespace; for a
/// waarneming or rapport whose text has factual-language warnings, with those warnings under
/// [`TAALWAARSCHUWINGEN`] (they were shown before signing and are signed over).
pub fn event_body(event: &Event) -> Result<String, InvalidEvent> {
    let invalid = |e: serde_json::Error| InvalidEvent {
        entry_id: String::new(),
        detail: e.to_string(),
    };
    let mut value = serde_json::to_value(event).map_err(invalid)?;
    let warnings = event.taalwaarschuwingen_bij_ondertekening();
    if let (false, serde_json::Value::Object(map)) = (warnings.is_empty(), &mut value) {
        map.insert(
            TAALWAARSCHUWINGEN.to_owned(),
            serde_json::to_value(&warnings).map_err(invalid)?,
        );
    }
    Ok(canonical_json(&value))
}

/// Truncates to the millisecond precision the document keeps.
pub fn to_millis(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(3)
}

/// The deterministic reading order of a visit's entries (ADR 0002):
///
/// 1. of copies sharing an `entry_id` one is kept: the one with the least chain hash (copies
///    normally are identical; this keeps the choice independent of list positions);
/// 2. each device's entries form a chain ordered by `(seq, entry_id)`; that order is never broken;
/// 3. the chains are merged by repeatedly taking the head with the least
///    `(recorded_at, device_id, seq, entry_id)`.
///
/// The result depends only on the set of entries, not on merge order or list positions.
pub fn order_entries(entries: Vec<Entry>) -> Vec<Entry> {
    let mut unique: HashMap<String, Entry> = HashMap::with_capacity(entries.len());
    for entry in entries {
        match unique.get(&entry.entry_id) {
            Some(kept) if kept == &entry || chain_hash(kept) <= chain_hash(&entry) => {}
            _ => {
                unique.insert(entry.entry_id.clone(), entry);
            }
        }
    }
    let mut chains: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
    for entry in unique.into_values() {
        chains
            .entry(entry.device_id.clone())
            .or_default()
            .push(entry);
    }
    let mut chains: Vec<std::collections::VecDeque<Entry>> = chains
        .into_values()
        .map(|mut chain| {
            chain.sort_by(|a, b| (a.seq, &a.entry_id).cmp(&(b.seq, &b.entry_id)));
            chain.into()
        })
        .collect();
    let total = chains.iter().map(|c| c.len()).sum();
    let mut out = Vec::with_capacity(total);
    loop {
        let mut best: Option<usize> = None;
        for (i, chain) in chains.iter().enumerate() {
            let Some(head) = chain.front() else { continue };
            best = match best {
                Some(b) => match chains[b].front() {
                    Some(current) if head_key_cmp(head, current) == Ordering::Less => Some(i),
                    _ => Some(b),
                },
                None => Some(i),
            };
        }
        let Some(b) = best else { break };
        if let Some(e) = chains[b].pop_front() {
            out.push(e);
        }
    }
    out
}

fn head_key_cmp(a: &Entry, b: &Entry) -> Ordering {
    (a.recorded_at, &a.device_id, a.seq, &a.entry_id).cmp(&(
        b.recorded_at,
        &b.device_id,
        b.seq,
        &b.entry_id,
    ))
}
