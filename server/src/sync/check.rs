//! The server's checks on one incoming document message (issue 4 point 4) and the flags on
//! actions recorded under an outdated code (point 5).
//!
//! The message is applied to a copy of the stored document loaded for this request (taken out of
//! the cache, and dropped on a refusal); only when every check passes are its new changes handed
//! back to be stored. The checks run in two steps, [`apply`] and [`finish`], so that the signatures
//! of every document of a round trip are verified in one batch between them (ADR 0003). Checks: the
//! message's chunks are within [`super::limits`] before Automerge applies them; every new change is
//! authored by an actor of the sending device (ADR 0002, Actors); the new changes only add visits
//! and entries, which match the document's layout (`ZaakDocument::check_new_changes`); the summary
//! is the server's alone; a new visit names the sending device; no visit holds two copies of an
//! entry; every entry of every visit the message touched is verified: new ones are the sending
//! device's and verify (signature, key of that device, chain), and no entry that verified before
//! stops verifying. No entry can disappear: deleting from an entry list is a rewrite.
//!
//! What a check costs depends on what the message carries, not on the zaak's history: before
//! the message is applied only the summary is read, and afterwards only the visits the changes
//! touched, once, giving both what such a visit holds now and (without the entry objects the
//! changes inserted) what it held before.

use std::collections::{BTreeMap, HashMap, HashSet};

use automerge::sync;
use veldwerk_contract::evidence::{self, klantverklaring, EntryStatus, KeyDirectory, Signatures};
use veldwerk_contract::policy::PolicyBundle;
use veldwerk_contract::sync::{Ack, Rejection};
use veldwerk_contract::zaak::{actor_belongs_to_device, ChangeRefusal, Entry, ZaakDocument};

use super::cache::Known;
use super::limits::{self, SyncLimits};
use crate::flags::NewFlag;

/// What was accepted of one document's message.
#[derive(Debug)]
pub struct Accepted {
    pub zaak_id: String,
    /// The new changes in Automerge's storage format (the message's change chunks as they came,
    /// or encoded again), empty when the message brought none.
    pub incremental: Vec<u8>,
    pub state: Vec<u8>,
    pub reply: Option<Vec<u8>>,
    pub ack: Ack,
    pub flags: Vec<NewFlag>,
    pub new_entries: usize,
    /// Visits this message brought into the zaak (the history tells when each arrived).
    pub new_visits: Vec<String>,
    /// Whether the document may be kept loaded for later round trips (see [`super::cache`]):
    /// no change of the message can be waiting in it for a missing dependency. Automerge keeps
    /// such a change queued inside the document and applies it as soon as another message
    /// brings the dependency, which could be another device's round trip. A message without
    /// changes adds none; one whose announced heads the server now all holds brought no change
    /// of the device's history that could wait (every ancestor of a present head is present).
    pub keep_loaded: bool,
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
type EntriesByVisit = BTreeMap<String, Vec<Entry>>;

/// What the checks need to know of `doc` before a message is applied (read once per document
/// and kept with it in [`super::cache`]).
pub fn known(doc: &ZaakDocument, zaak_id: &str) -> Result<Known, Rejection> {
    Ok(Known {
        summary: doc.summary().map_err(|e| unreadable(zaak_id, &e))?,
    })
}

fn unreadable(zaak_id: &str, e: &veldwerk_contract::zaak::ZaakError) -> Rejection {
    reject(
        zaak_id,
        "document_unreadable",
        format!("Zaak {zaak_id}: het document is na deze wijzigingen onleesbaar ({e})."),
    )
}

/// A message applied to its document and checked as far as it can be without signature
/// verdicts: [`apply`] queues the signatures the rest of the checks will ask about, so that all
/// documents of a round trip have theirs verified in one batch before [`finish`] completes them.
pub struct Applied {
    zaak_id: String,
    announced: Vec<automerge::ChangeHash>,
    /// The message's change chunks (none: it brought no change), kept to be stored as they came
    /// (see `incremental`).
    offered: Vec<Vec<u8>>,
    heads_before: Vec<automerge::ChangeHash>,
    new_changes: usize,
    /// When the message brought something new: what the entry checks compare.
    new: Option<NewContent>,
}

/// What a message that brought something new leaves for the entry checks.
struct NewContent {
    summary_before: veldwerk_contract::zaak::ZaakSummary,
    entries_before: EntriesByVisit,
    /// Every stored entry copy of the visits the message touched, after it (the other visits
    /// are as before: the change check proves them untouched).
    entries_after: EntriesByVisit,
    /// The visits whose entries changed, with the canonical bytes of their entries before and
    /// after (built once, for the signature queue and then for the verification).
    changed: Vec<ChangedVisit>,
}

struct ChangedVisit {
    visit_id: String,
    canonical_before: Vec<Vec<u8>>,
    canonical_after: Vec<Vec<u8>>,
}

/// Who sent the round trip and what its checks verify against: the same for every document of
/// the round trip.
#[derive(Clone, Copy)]
pub struct Sender<'a> {
    pub device_id: &'a str,
    /// Every enrolled device's key.
    pub keys: &'a KeyDirectory,
    /// The organisation's current bundle (all directives), for flags.
    pub policy: &'a PolicyBundle,
    /// The organisation's public key, for the client's statements (`klantverklaring`).
    pub org_public_key: &'a [u8],
    /// The bounds on a message.
    pub limits: &'a SyncLimits,
}

/// The document a message is applied to, with what the checks know of it and the device's sync
/// state with it: changed in place by [`apply`] and [`finish`].
pub struct Target<'a> {
    pub doc: &'a mut ZaakDocument,
    /// What [`known`] gives for `doc` (read by [`apply`] if `None`); when the message is
    /// accepted, [`finish`] leaves there what describes `doc` with the message applied.
    pub known: &'a mut Option<Known>,
    pub state: &'a mut sync::State,
}

/// Applies `message` from the sender's device to the target document of `zaak_id` (loaded from
/// the store, or kept in memory since it was, for this request) and makes the checks that need no
/// signature verdict: the message's bounds, actors, what the new changes touched and the layout,
/// the summary, new visits, duplicated entries. Queues in `signatures` the signatures
/// of every entry of every visit the message touched; [`finish`] makes the rest of the checks
/// once they are verified.
pub fn apply(
    zaak_id: &str,
    target: Target<'_>,
    message: sync::Message,
    sender: Sender<'_>,
    signatures: &mut Signatures,
) -> Result<Applied, Rejection> {
    let Target {
        doc,
        known: known_before,
        state,
    } = target;
    let Sender {
        device_id,
        keys,
        limits,
        ..
    } = sender;
    let announced = message.heads.clone();
    let offered: Vec<Vec<u8>> = message.changes.iter().map(<[u8]>::to_vec).collect();
    // Bounded before Automerge sees the changes (see `limits`).
    let parsed = limits::parse_changes(zaak_id, &offered, limits)?;
    let heads_before = doc.heads();
    // Only the summary is read before the message is applied: the entries it could have
    // touched are read once afterwards, both sides at once (see below).
    let summary_before = if !offered.is_empty() {
        Some(match known_before.take() {
            Some(k) => k.summary,
            None => known(doc, zaak_id)?.summary,
        })
    } else {
        None
    };
    let received = limits::guarded(|| doc.receive_sync_message(state, message));
    match received {
        Some(Ok(())) => {}
        Some(Err(e)) => {
            return Err(reject(
                zaak_id,
                "message_invalid",
                format!(
                    "Zaak {zaak_id}: het synchronisatiebericht kon niet worden verwerkt ({e})."
                ),
            ))
        }
        None => {
            return Err(reject(
                zaak_id,
                "message_invalid",
                format!("Zaak {zaak_id}: het synchronisatiebericht kon niet worden verwerkt."),
            ))
        }
    }

    let mut applied = Applied {
        zaak_id: zaak_id.to_owned(),
        announced,
        offered,
        heads_before,
        new_changes: 0,
        new: None,
    };
    let summary_before = match summary_before {
        None => return Ok(applied),
        Some(summary) if doc.heads() == applied.heads_before => {
            // Nothing new after all: what was known still holds.
            *known_before = Some(Known { summary });
            return Ok(applied);
        }
        Some(summary) => summary,
    };
    limits::check_document_actors(zaak_id, doc.actor_count(), limits)?;
    let actors = doc.change_actors_since(&applied.heads_before);
    applied.new_changes = actors.len();
    for actor in actors {
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
    // What the new changes did: only new visits and new entries, in the layout.
    let touched = limits::guarded(|| doc.check_new_changes(&applied.heads_before, &parsed))
        .ok_or_else(|| {
            reject(
                zaak_id,
                "message_invalid",
                format!(
                    "Zaak {zaak_id}: de wijzigingen in het bericht konden niet worden gelezen."
                ),
            )
        })?
        .map_err(|refusal| refused_change(zaak_id, &refusal))?;
    if doc.summary().map_err(|e| unreadable(zaak_id, &e))? != summary_before {
        return Err(reject(
            zaak_id,
            "summary_changed",
            format!("Zaak {zaak_id}: de zaakgegevens mogen alleen op kantoor worden gewijzigd."),
        ));
    }
    // Only the touched visits can differ from before (the check above proves the rest
    // untouched), and in those only the entry objects the changes inserted: one read of each
    // touched visit gives what it holds now and, without those, what it held before.
    let mut entries_before = EntriesByVisit::new();
    let mut entries_after = EntriesByVisit::new();
    for visit_id in &touched.visits {
        let created = touched.created.contains(visit_id);
        if created {
            let v = doc.visit(visit_id).map_err(|e| unreadable(zaak_id, &e))?;
            if v.created_by != device_id {
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
        let (before, after) = doc
            .stored_entries_before_and_after(visit_id, &touched.inserted)
            .map_err(|e| unreadable(zaak_id, &e))?;
        let mut ids = HashSet::new();
        if let Some(twice) = after.iter().find(|e| !ids.insert(e.entry_id.as_str())) {
            return Err(reject(
                zaak_id,
                "entry_duplicate",
                format!(
                    "Zaak {zaak_id}: vastlegging {} staat twee keer in huisbezoek {visit_id}; een vastlegging heeft één kopie.",
                    twice.entry_id
                ),
            ));
        }
        if !created {
            entries_before.insert(visit_id.clone(), before);
        }
        entries_after.insert(visit_id.clone(), after);
    }
    // Every entry of every touched visit is verified again, not only new ones.
    let mut changed = Vec::new();
    for visit_id in &touched.visits {
        let after = entries_after.get(visit_id).map_or(&[][..], Vec::as_slice);
        let before = entries_before.get(visit_id).map_or(&[][..], Vec::as_slice);
        let visit = ChangedVisit {
            visit_id: visit_id.clone(),
            canonical_before: evidence::canonical_all(before),
            canonical_after: evidence::canonical_all(after),
        };
        evidence::queue_signatures(visit_id, before, &visit.canonical_before, keys, signatures);
        evidence::queue_signatures(visit_id, after, &visit.canonical_after, keys, signatures);
        changed.push(visit);
    }
    applied.new = Some(NewContent {
        summary_before,
        entries_before,
        entries_after,
        changed,
    });
    Ok(applied)
}

/// The rejection of changes that rewrite evidence or break the layout, naming path and rule.
fn refused_change(zaak_id: &str, refusal: &ChangeRefusal) -> Rejection {
    match refusal {
        ChangeRefusal::Rewritten { .. } => reject(
            zaak_id,
            "document_rewritten",
            format!("Zaak {zaak_id}: {refusal}; alleen nieuwe huisbezoeken en vastleggingen mogen worden toegevoegd."),
        ),
        ChangeRefusal::Schema(v) => reject(
            zaak_id,
            "schema_violation",
            format!("Zaak {zaak_id}: het document voldoet niet aan het schema bij {v}."),
        ),
    }
}

/// Completes the checks of an [`apply`]d message with the signature verdicts of `signatures`:
/// every new entry is the sending device's and verifies, and no entry that verified before
/// stops verifying. Then the reply, the ack and what to store. `target` is the one the message
/// was applied to.
pub fn finish(
    applied: Applied,
    target: Target<'_>,
    sender: Sender<'_>,
    signatures: &mut Signatures,
) -> Result<Accepted, Rejection> {
    let Target {
        doc,
        known: known_before,
        state,
    } = target;
    let Sender {
        device_id,
        keys,
        policy,
        org_public_key,
        ..
    } = sender;
    let Applied {
        zaak_id,
        announced,
        offered,
        heads_before,
        new_changes,
        new,
    } = applied;
    let brings_changes = !offered.is_empty();
    let zaak_id = zaak_id.as_str();
    let mut flags = Vec::new();
    let mut new_entries = 0;
    let mut new_visits = Vec::new();
    if let Some(new) = new {
        for visit in &new.changed {
            let visit_id = visit.visit_id.as_str();
            if !new.entries_before.contains_key(visit_id) {
                new_visits.push(visit_id.to_owned());
            }
            let (Some(after), before) = (
                new.entries_after.get(visit_id),
                new.entries_before
                    .get(visit_id)
                    .map_or(&[][..], Vec::as_slice),
            ) else {
                continue;
            };
            let old_ids: HashSet<&str> = before.iter().map(|e| e.entry_id.as_str()).collect();
            let verified_after = evidence::verify_visit_with(
                visit_id,
                after,
                &visit.canonical_after,
                keys,
                signatures,
            );
            let verified_before = evidence::verify_visit_with(
                visit_id,
                before,
                &visit.canonical_before,
                keys,
                signatures,
            );
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
                if is_new {
                    if let Err(e) = klantverklaring::check(entry, zaak_id, org_public_key) {
                        return Err(reject(
                            zaak_id,
                            e.code(),
                            format!("Zaak {zaak_id}: vastlegging {id}: {e}"),
                        ));
                    }
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
        *known_before = Some(Known {
            summary: new.summary_before,
        });
    }

    // The device's Bloom filters are read here: a hostile one must not take the request down.
    let reply = limits::guarded(|| doc.generate_sync_message(state))
        .ok_or_else(|| {
            reject(
                zaak_id,
                "message_invalid",
                format!("Zaak {zaak_id}: het synchronisatiebericht kon niet worden verwerkt."),
            )
        })?
        .map(server_message);
    let complete = announced.iter().all(|h| state.shared_heads.contains(h));
    let incremental = if new_changes == 0 {
        Vec::new()
    } else if complete && offered.len() == new_changes && offered.iter().all(|c| is_change_chunk(c))
    {
        // Every chunk holds one change, every new change came in one of them (the document
        // held no waiting change: see `Accepted::keep_loaded`), and there are as many new
        // changes as chunks: the chunks are exactly the new changes, stored as they came
        // instead of encoded again.
        offered.concat()
    } else {
        doc.save_after(&heads_before)
    };
    let ack = Ack {
        zaak_id: zaak_id.to_owned(),
        heads: ack_heads(doc),
        complete,
    };
    Ok(Accepted {
        zaak_id: zaak_id.to_owned(),
        incremental,
        state: state.encode(),
        reply,
        ack,
        flags,
        new_entries,
        new_visits,
        keep_loaded: !brings_changes || complete,
    })
}

/// Whether `chunk` is one Automerge change chunk (plain or compressed), not a document chunk
/// (which holds many changes): the binary format's magic bytes, a 4-byte checksum, then the
/// chunk type (0 document, 1 change, 2 compressed change).
fn is_change_chunk(chunk: &[u8]) -> bool {
    const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
    chunk.len() > 8 && chunk[..4] == MAGIC && matches!(chunk[8], 1 | 2)
}

/// Encodes a message of the server without the capability flags. A device that knows the
/// server takes version 2 messages sends its whole document, compressed, once its new changes
/// exceed a third of the document (a fresh zaak after a day's visits); the server then parses,
/// decompresses and rebuilds every change of that document before it can apply the new ones,
/// and the device saves the whole document for it. Without the flags a device sends only its
/// new changes: more bytes on the wire for a fresh zaak (about 880 instead of 190–330 per
/// entry), about a sixth less work for the server and half for the device (see
/// `docs/sync-protocol.md`, Measured). The server uses no other capability (it is never
/// read-only), so nothing else changes.
fn server_message(mut message: sync::Message) -> Vec<u8> {
    message.flags = None;
    message.encode()
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
        code_known: Some(entry.policy.code.id().to_owned()),
        policy_version_known: entry.policy.policy_version,
        code_active: active.id().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::sync::SyncDoc;
    use automerge::transaction::Transactable;

    #[test]
    fn change_chunks_are_told_from_document_chunks() {
        let mut doc = automerge::AutoCommit::new();
        doc.put(automerge::ROOT, "zaak", "Z-1").unwrap();
        let whole = doc.save();
        doc.put(automerge::ROOT, "label", "x".repeat(500)).unwrap();
        let change = doc.save_incremental();
        assert!(is_change_chunk(&change));
        assert!(!is_change_chunk(&whole));
        assert!(!is_change_chunk(&change[..8]));
        assert!(!is_change_chunk(b"not a chunk at all"));
        // One change's bytes as a sync message carries them are the stored change chunk.
        let raw = doc.get_last_local_change().unwrap().raw_bytes().to_vec();
        assert!(is_change_chunk(&raw));
        let mut loaded = automerge::AutoCommit::load(&[whole, raw].concat()).unwrap();
        assert_eq!(loaded.get_heads(), doc.get_heads());
    }

    #[test]
    fn a_device_that_hears_from_the_server_sends_changes_not_its_whole_document() {
        let mut server = automerge::AutoCommit::new();
        server.put(automerge::ROOT, "zaak", "Z-1").unwrap();
        let mut device = server.fork();
        for i in 0..20 {
            device.put(automerge::ROOT, format!("k{i}"), i).unwrap();
            device.commit();
        }
        let (mut ds, mut ss) = (sync::State::new(), sync::State::new());
        let first = device.sync().generate_sync_message(&mut ds).unwrap();
        server.sync().receive_sync_message(&mut ss, first).unwrap();
        let reply = server.sync().generate_sync_message(&mut ss).unwrap();
        let reply = sync::Message::decode(&server_message(reply)).unwrap();
        assert_eq!(reply.flags, None);
        device.sync().receive_sync_message(&mut ds, reply).unwrap();
        let next = device.sync().generate_sync_message(&mut ds).unwrap();
        assert_eq!(next.version, sync::MessageVersion::V1);
        assert_eq!(next.changes.len(), 20, "one chunk per new change");
        server.sync().receive_sync_message(&mut ss, next).unwrap();
        assert_eq!(server.get_heads(), device.get_heads());
    }
}
