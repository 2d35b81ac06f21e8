//! The server's checks on one incoming document message (issue 4 point 4) and the flags on
//! actions recorded under an outdated code (point 5).
//!
//! The message is applied to a copy of the stored document loaded for this request (a fork in
//! memory); only when every check passes are its new changes handed back to be stored. Checks:
//! every new change is authored by an actor of the sending device (ADR 0002, Actors); the summary
//! is the server's alone; a new visit names the sending device; no entry disappears; every new
//! entry is the sending device's and verifies (signature, key of that device, chain), and no
//! entry that verified before stops verifying.

use std::collections::{BTreeMap, HashMap, HashSet};

use automerge::sync;
use veldwerk_core::evidence::{EntryStatus, KeyDirectory};
use veldwerk_core::policy::PolicyBundle;
use veldwerk_core::sync::{Ack, Rejection};
use veldwerk_core::zaak::{actor_belongs_to_device, Entry, ZaakDocument};

use crate::flags::NewFlag;
use crate::policy::code_str;

/// What was accepted of one document's message.
#[derive(Debug)]
pub struct Accepted {
    pub zaak_id: String,
    /// The new changes (`save_incremental`), empty when the message brought none.
    pub incremental: Vec<u8>,
    pub state: Vec<u8>,
    pub reply: Option<Vec<u8>>,
    pub ack: Ack,
    pub flags: Vec<NewFlag>,
    pub new_entries: usize,
}

fn reject(zaak_id: &str, code: &str, message: impl Into<String>) -> Rejection {
    Rejection {
        zaak_id: zaak_id.to_owned(),
        code: code.to_owned(),
        message: message.into(),
    }
}

/// The heads of `doc` as the ack carries them, sorted.
pub fn ack_heads(doc: &mut ZaakDocument) -> Vec<serde_bytes::ByteBuf> {
    let mut heads: Vec<serde_bytes::ByteBuf> = doc
        .heads()
        .iter()
        .map(|h| serde_bytes::ByteBuf::from(h.as_ref().to_vec()))
        .collect();
    heads.sort();
    heads
}

/// Every stored entry copy of every visit, by visit id.
fn entries_by_visit(
    doc: &ZaakDocument,
    zaak_id: &str,
) -> Result<BTreeMap<String, Vec<Entry>>, Rejection> {
    let visits = doc.visits().map_err(|e| unreadable(zaak_id, &e))?;
    let mut out = BTreeMap::new();
    for v in visits {
        let entries = doc
            .stored_entries(&v.visit_id)
            .map_err(|e| unreadable(zaak_id, &e))?;
        out.insert(v.visit_id, entries);
    }
    Ok(out)
}

fn unreadable(zaak_id: &str, e: &veldwerk_core::zaak::ZaakError) -> Rejection {
    reject(
        zaak_id,
        "document_unreadable",
        format!("Zaak {zaak_id}: het document is na deze wijzigingen onleesbaar ({e})."),
    )
}

/// Applies `message` from `device_id` to `doc` (loaded from the store for this request) and
/// checks it. `policy` is the organisation's current bundle (all directives), for flags.
pub fn apply(
    zaak_id: &str,
    doc: &mut ZaakDocument,
    state: &mut sync::State,
    message: sync::Message,
    device_id: &str,
    keys: &KeyDirectory,
    policy: &PolicyBundle,
) -> Result<Accepted, Rejection> {
    let announced = message.heads.clone();
    let brings_changes = !message.changes.is_empty();
    let heads_before = doc.heads();
    let before = if brings_changes {
        Some((
            doc.summary().map_err(|e| unreadable(zaak_id, &e))?,
            entries_by_visit(doc, zaak_id)?,
        ))
    } else {
        None
    };
    doc.receive_sync_message(state, message).map_err(|e| {
        reject(
            zaak_id,
            "message_invalid",
            format!("Zaak {zaak_id}: het synchronisatiebericht kon niet worden verwerkt ({e})."),
        )
    })?;

    let mut flags = Vec::new();
    let mut new_entries = 0;
    if let (Some((summary_before, entries_before)), true) = (before, doc.heads() != heads_before) {
        for actor in doc.change_actors_since(&heads_before) {
            if !actor_belongs_to_device(&actor, device_id) {
                return Err(reject(
                    zaak_id,
                    "actor_mismatch",
                    format!(
                        "Zaak {zaak_id}: een wijziging is niet door dit apparaat gemaakt (actor {actor})."
                    ),
                ));
            }
        }
        if doc.summary().map_err(|e| unreadable(zaak_id, &e))? != summary_before {
            return Err(reject(
                zaak_id,
                "summary_changed",
                format!(
                    "Zaak {zaak_id}: de zaakgegevens mogen alleen op kantoor worden gewijzigd."
                ),
            ));
        }
        for v in doc.visits().map_err(|e| unreadable(zaak_id, &e))? {
            if !entries_before.contains_key(&v.visit_id) && v.created_by != device_id {
                return Err(reject(
                    zaak_id,
                    "visit_foreign",
                    format!(
                        "Zaak {zaak_id}: huisbezoek {} noemt een ander apparaat als maker.",
                        v.visit_id
                    ),
                ));
            }
        }
        let entries_after = entries_by_visit(doc, zaak_id)?;
        for (visit_id, before) in &entries_before {
            let after: HashSet<&str> = entries_after
                .get(visit_id)
                .map(|es| es.iter().map(|e| e.entry_id.as_str()).collect())
                .unwrap_or_default();
            if let Some(gone) = before.iter().find(|e| !after.contains(e.entry_id.as_str())) {
                return Err(reject(
                    zaak_id,
                    "entry_removed",
                    format!(
                        "Zaak {zaak_id}: vastlegging {} zou verdwijnen; vastleggingen worden nooit verwijderd.",
                        gone.entry_id
                    ),
                ));
            }
        }
        for (visit_id, after) in &entries_after {
            let empty = Vec::new();
            let before = entries_before.get(visit_id).unwrap_or(&empty);
            if after.len() == before.len() {
                continue;
            }
            let old_ids: HashSet<&str> = before.iter().map(|e| e.entry_id.as_str()).collect();
            let verified_after = veldwerk_core::evidence::verify_visit(visit_id, after, keys);
            let verified_before = veldwerk_core::evidence::verify_visit(visit_id, before, keys);
            let ok_before: HashSet<&str> = verified_before
                .entries
                .iter()
                .filter(|v| v.status == EntryStatus::Ok)
                .map(|v| v.entry_id.as_str())
                .collect();
            let mut status: HashMap<&str, EntryStatus> = HashMap::new();
            for v in &verified_after.entries {
                // Of several copies of one id the best verdict counts (Ok wins).
                let s = status.entry(v.entry_id.as_str()).or_insert(v.status);
                if v.status == EntryStatus::Ok {
                    *s = EntryStatus::Ok;
                }
            }
            for entry in after {
                let id = entry.entry_id.as_str();
                let verdict = status.get(id).copied().unwrap_or(EntryStatus::Altered);
                let is_new = !old_ids.contains(id);
                if is_new && entry.device_id != device_id {
                    return Err(reject(
                        zaak_id,
                        "entry_foreign",
                        format!(
                            "Zaak {zaak_id}: vastlegging {id} is van een ander apparaat ({}).",
                            entry.device_id
                        ),
                    ));
                }
                if (is_new || ok_before.contains(id)) && verdict != EntryStatus::Ok {
                    return Err(reject(
                        zaak_id,
                        "entry_unverified",
                        format!(
                            "Zaak {zaak_id}: vastlegging {id} is niet in orde: {}",
                            verdict.notice().message
                        ),
                    ));
                }
            }
            let mut counted = HashSet::new();
            for entry in after {
                if old_ids.contains(entry.entry_id.as_str())
                    || !counted.insert(entry.entry_id.as_str())
                {
                    continue;
                }
                new_entries += 1;
                if let Some(flag) = outdated(zaak_id, entry, policy) {
                    flags.push(flag);
                }
            }
        }
    }

    let reply = doc.generate_sync_message(state).map(|m| m.encode());
    let complete = announced.iter().all(|h| state.shared_heads.contains(h));
    let ack = Ack {
        zaak_id: zaak_id.to_owned(),
        heads: ack_heads(doc),
        complete,
    };
    Ok(Accepted {
        zaak_id: zaak_id.to_owned(),
        incremental: doc.save_incremental(),
        state: state.encode(),
        reply,
        ack,
        flags,
        new_entries,
    })
}

/// A flag when the device recorded `entry` under a less restrictive code than the one really
/// active at `recorded_at` (DESIGN.md, "Offline and the active code"); never a reason to drop it.
pub fn outdated(zaak_id: &str, entry: &Entry, policy: &PolicyBundle) -> Option<NewFlag> {
    let active = policy.code_at(entry.recorded_at)?;
    (active > entry.policy.code).then(|| NewFlag {
        device_id: entry.device_id.clone(),
        zaak_id: zaak_id.to_owned(),
        entry_ref: entry.entry_id.clone(),
        actie: serde_json::to_value(entry.policy.actie)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        recorded_at: entry.recorded_at.timestamp(),
        code_known: Some(code_str(entry.policy.code).to_owned()),
        policy_version_known: entry.policy.policy_version,
        code_active: code_str(active).to_owned(),
    })
}
