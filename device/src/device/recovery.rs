//! Recovery after a refusal (issue 13, item 6; `docs/sync-protocol.md`, "Recovery after a
//! refusal"): a document the server refused would be resent, and refused, at every sync. The
//! device instead moves its copy aside (kept whole and sealed in the store, shown as "geweigerd
//! door de server" with the server's reason), drops the zaak's document and sync state, takes the
//! server's copy fresh at the next round trip, and re-applies its own entries that the server
//! lacks and that still verify, in chain order. Nothing valid is lost: what is not re-applied
//! stays in the kept copy.
//!
//! Re-applying copies the entry maps exactly as they are (the same signed entry, same id), as
//! new objects in the server's copy written by a new actor of this device; a visit the server
//! lacks is copied with them when this device started it.

use std::collections::{BTreeMap, HashSet};

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, Value, ROOT};
use chrono::{DateTime, Utc};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};

use super::{corrupt, load_zaak, Device, DeviceError};
use veldwerk_contract::evidence::{self, Entry, EntryStatus, GENESIS_HASH};
use veldwerk_contract::sync::Rejection;
use veldwerk_contract::zaak::schema::{object, objects, ENTRIES, VISITS};
use veldwerk_contract::zaak::{device_actor_prefix, ZaakDocument};
use veldwerk_rules::Notice;

/// Refusals that say nothing about the document's content: rebasing would not help (the zaak
/// is not the device's, or the server will not hand out its copy), so the document stays.
const NOT_RECOVERABLE: &[&str] = &["not_assigned"];

/// Work of one zaak the server refused, as the device keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedWork {
    /// The store's id of the record.
    #[serde(skip)]
    pub id: i64,
    pub zaak_id: String,
    /// The server's refusal: stable code and Dutch reason.
    pub code: String,
    pub message: String,
    pub refused_at: DateTime<Utc>,
    /// The device's whole document as it was refused (Automerge save), lowercase hex.
    document: String,
    /// Whether the zaak was rebased on the server's copy yet.
    pub rebased: bool,
    /// This device's entries re-applied on the server's copy.
    pub reapplied: Vec<String>,
    /// This device's entries the server lacks that were not re-applied (they do not verify, or
    /// follow one that does not): kept only here.
    pub kept_only_here: Vec<String>,
}

impl RefusedWork {
    /// "Geweigerd door de server", with the server's reason.
    pub fn notice(&self) -> Notice {
        Notice::new(
            "work_refused",
            format!(
                "Zaak {}: geweigerd door de server ({}): {}",
                self.zaak_id, self.code, self.message
            ),
        )
    }

    /// The refused document (Automerge save), for an export or a closer look.
    pub fn document(&self) -> Result<Vec<u8>, DeviceError> {
        hex::decode(&self.document).map_err(|e| corrupt("refused", e))
    }
}

/// What re-applying did for one zaak.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rebase {
    pub reapplied: usize,
    pub kept_only_here: usize,
}

fn decode(id: i64, bytes: &[u8]) -> Result<RefusedWork, DeviceError> {
    let mut work: RefusedWork = serde_json::from_slice(bytes).map_err(|e| corrupt("refused", e))?;
    work.id = id;
    Ok(work)
}

fn encode(work: &RefusedWork) -> Result<Vec<u8>, DeviceError> {
    serde_json::to_vec(work).map_err(|e| corrupt("refused", e))
}

impl Device {
    /// Moves the zaak's document aside after the server refused it: kept sealed with the
    /// server's reason, and the zaak's document and sync state dropped, so the next round trip
    /// receives the server's copy. Returns `false` (and changes nothing) for a refusal that is
    /// not about the document's content, or a zaak not on the device.
    pub fn set_aside_refused(
        &mut self,
        rejection: &Rejection,
        now: DateTime<Utc>,
    ) -> Result<bool, DeviceError> {
        if NOT_RECOVERABLE.contains(&rejection.code.as_str()) {
            return Ok(false);
        }
        let Some(document) = self.store.load_document(&rejection.zaak_id)? else {
            return Ok(false);
        };
        let work = RefusedWork {
            id: 0,
            zaak_id: rejection.zaak_id.clone(),
            code: rejection.code.clone(),
            message: rejection.message.clone(),
            refused_at: now,
            document: hex::encode(document),
            rebased: false,
            reapplied: Vec::new(),
            kept_only_here: Vec::new(),
        };
        self.open.remove(&rejection.zaak_id);
        self.store.set_aside(&rejection.zaak_id, &encode(&work)?)?;
        Ok(true)
    }

    /// Every piece of refused work on the device, oldest first.
    pub fn refused_work(&self) -> Result<Vec<RefusedWork>, DeviceError> {
        self.store
            .refused_all()?
            .into_iter()
            .map(|(id, bytes)| decode(id, &bytes))
            .collect()
    }

    /// The refused work of one zaak, oldest first.
    pub fn refused_work_for(&self, zaak_id: &str) -> Result<Vec<RefusedWork>, DeviceError> {
        self.store
            .refused_for(zaak_id)?
            .into_iter()
            .map(|(id, bytes)| decode(id, &bytes))
            .collect()
    }

    /// Rebases a zaak whose work was moved aside on the server's copy now on the device:
    /// re-applies this device's entries from the kept copy that the server's copy lacks and that
    /// verify, in chain order, and stores them as new changes (sent at the next round trip).
    /// An entry re-applied once is not re-applied again (it was refused again, or the server
    /// has it). Nothing to do gives an empty [`Rebase`].
    pub fn rebase_refused(
        &mut self,
        zaak_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Rebase, DeviceError> {
        let records = self.refused_work_for(zaak_id)?;
        let Some(mut work) = records.iter().rev().find(|w| !w.rebased).cloned() else {
            return Ok(Rebase::default());
        };
        let tried: HashSet<String> = records
            .iter()
            .flat_map(|w| w.reapplied.iter().cloned())
            .collect();
        let keys = self.key_directory();
        let device_id = self.signer.device_id.clone();
        let kept = ZaakDocument::load(&work.document()?)?;
        let zaak = load_zaak(&self.store, &mut self.open, zaak_id)?;

        // What the server's copy holds: entry ids, and per visit this device's chain.
        let mut server_ids: HashSet<String> = HashSet::new();
        let mut chains: BTreeMap<String, (HashSet<String>, HashSet<u64>)> = BTreeMap::new();
        for v in zaak.doc.visits()? {
            let chain = chains.entry(v.visit_id.clone()).or_default();
            for e in zaak.doc.stored_entries(&v.visit_id).unwrap_or_default() {
                if e.device_id == device_id {
                    chain.0.insert(evidence::chain_hash(&e));
                    chain.1.insert(e.seq);
                }
                server_ids.insert(e.entry_id);
            }
        }

        // This device's verified entries the server lacks, per visit in chain order.
        let mut plan: Vec<(String, Vec<Entry>)> = Vec::new();
        let mut kept_only_here = Vec::new();
        for v in kept.visits()? {
            let stored = kept.stored_entries(&v.visit_id).unwrap_or_default();
            let verification = kept.verify_visit(&v.visit_id, &keys)?;
            let mut own: Vec<Entry> = stored
                .into_iter()
                .zip(&verification.entries)
                .filter(|(e, verdict)| {
                    e.device_id == device_id
                        && !server_ids.contains(&e.entry_id)
                        && verdict.entry_id == e.entry_id
                })
                .map(|(e, verdict)| (e, verdict.status))
                .filter_map(|(e, status)| {
                    if status == EntryStatus::Ok && !tried.contains(&e.entry_id) {
                        Some(e)
                    } else {
                        if status != EntryStatus::Duplicate {
                            kept_only_here.push(e.entry_id);
                        }
                        None
                    }
                })
                .collect();
            own.sort_by_key(|e| e.seq);
            let needs_visit = !chains.contains_key(&v.visit_id);
            if needs_visit && v.created_by != device_id {
                kept_only_here.extend(own.into_iter().map(|e| e.entry_id));
                continue;
            }
            let (hashes, slots) = chains.entry(v.visit_id.clone()).or_default();
            let mut accepted = Vec::new();
            for e in own {
                let links = (e.seq == 1 && e.prev_hash == GENESIS_HASH)
                    || (e.seq > 1 && hashes.contains(&e.prev_hash));
                if links && !slots.contains(&e.seq) {
                    hashes.insert(evidence::chain_hash(&e));
                    slots.insert(e.seq);
                    accepted.push(e);
                } else {
                    kept_only_here.push(e.entry_id);
                }
            }
            if !accepted.is_empty() {
                plan.push((v.visit_id.clone(), accepted));
            }
        }

        let reapplied: Vec<String> = plan
            .iter()
            .flat_map(|(_, es)| es.iter().map(|e| e.entry_id.clone()))
            .collect();
        if !plan.is_empty() {
            let mut server = zaak.doc.clone();
            let chunk = copy_entries(&mut server, &kept, &plan, &device_id)?;
            // The copies must verify in the server's copy as they did in the kept one.
            let mut check = zaak.doc.clone();
            check.load_incremental(&chunk)?;
            for (visit_id, entries) in &plan {
                let verification = check.verify_visit(visit_id, &keys)?;
                for e in entries {
                    if verification.status_of(&e.entry_id) != Some(EntryStatus::Ok) {
                        return Err(corrupt(
                            "refused",
                            format!("vastlegging {} verifieert niet na herstel", e.entry_id),
                        ));
                    }
                }
            }
            self.update_document(zaak_id, now, |doc| Ok(doc.load_incremental(&chunk)?))?;
            // The re-applied entries are unsynced until the server acknowledges them.
            if let Some(mut item) = self.store.worklist_item(zaak_id)? {
                let n = u32::try_from(reapplied.len()).unwrap_or(u32::MAX);
                item.unsynced_entries = item.unsynced_entries.saturating_add(n);
                self.store.update_worklist_item(&item)?;
            }
        }
        let result = Rebase {
            reapplied: reapplied.len(),
            kept_only_here: kept_only_here.len(),
        };
        work.rebased = true;
        work.reapplied = reapplied;
        work.kept_only_here = kept_only_here;
        self.store
            .update_refused(zaak_id, work.id, &encode(&work)?)?;
        Ok(result)
    }
}

fn device_actor(device_id: &str) -> Result<automerge::ActorId, DeviceError> {
    let mut bytes = [0u8; 24];
    bytes[..16].copy_from_slice(&device_actor_prefix(device_id));
    SystemRandom::new()
        .fill(&mut bytes[16..])
        .map_err(|_| corrupt("refused", "geen willekeurige getallen beschikbaar"))?;
    Ok(automerge::ActorId::from(bytes))
}

/// Copies the planned entry maps (and a visit the server's copy lacks) from `kept` into
/// `server`, as one change by a new actor of `device_id`; returns that change (Automerge's
/// incremental format).
fn copy_entries(
    server: &mut ZaakDocument,
    kept: &ZaakDocument,
    plan: &[(String, Vec<Entry>)],
    device_id: &str,
) -> Result<Vec<u8>, DeviceError> {
    let from = AutoCommit::load(&kept.clone().save()).map_err(am)?;
    let server_bytes = server.save();
    let mut to = AutoCommit::load(&server_bytes).map_err(am)?;
    let heads = to.get_heads();
    to.set_actor(device_actor(device_id)?);
    let to_visits = object(&to, &ROOT, VISITS, ObjType::Map)?
        .ok_or_else(|| corrupt("refused", "het document van de server heeft geen bezoeken"))?;
    for (visit_id, entries) in plan {
        let from_visit = first_visit(&from, visit_id)?
            .ok_or_else(|| corrupt("refused", "bezoek ontbreekt in het bewaarde document"))?;
        let to_visit = match first_visit(&to, visit_id)? {
            Some(v) => v,
            None => {
                let v = to
                    .put_object(&to_visits, visit_id.as_str(), ObjType::Map)
                    .map_err(am)?;
                copy_scalars(&from, &from_visit, &mut to, &v)?;
                to.put_object(&v, ENTRIES, ObjType::List).map_err(am)?;
                v
            }
        };
        let to_list = object(&to, &to_visit, ENTRIES, ObjType::List)?
            .ok_or_else(|| corrupt("refused", "bezoek zonder vastleggingen"))?;
        for e in entries {
            let source = find_entry(&from, &from_visit, e)?.ok_or_else(|| {
                corrupt("refused", "vastlegging ontbreekt in het bewaarde document")
            })?;
            let at = to.length(&to_list);
            let target = to.insert_object(&to_list, at, ObjType::Map).map_err(am)?;
            copy_scalars(&from, &source, &mut to, &target)?;
        }
    }
    to.commit();
    Ok(to.save_after(&heads))
}

fn am(e: automerge::AutomergeError) -> DeviceError {
    corrupt("refused", e)
}

fn first_visit(doc: &AutoCommit, visit_id: &str) -> Result<Option<ObjId>, DeviceError> {
    for visits in objects(doc, &ROOT, VISITS, ObjType::Map)? {
        if let Some(v) = objects(doc, &visits, visit_id, ObjType::Map)?
            .into_iter()
            .next()
        {
            return Ok(Some(v));
        }
    }
    Ok(None)
}

/// The entry map of the kept document that holds exactly `entry` (its id and signature).
fn find_entry(
    doc: &AutoCommit,
    visit: &ObjId,
    entry: &Entry,
) -> Result<Option<ObjId>, DeviceError> {
    let str_at = |obj: &ObjId, key: &str| match doc.get(obj, key) {
        Ok(Some((Value::Scalar(s), _))) => match s.as_ref() {
            ScalarValue::Str(t) => Some(t.to_string()),
            _ => None,
        },
        _ => None,
    };
    for list in objects(doc, visit, ENTRIES, ObjType::List)? {
        for item in doc.list_range(&list, ..) {
            let id = item.id();
            if str_at(&id, "entry_id").as_deref() == Some(entry.entry_id.as_str())
                && str_at(&id, "signature").as_deref() == Some(entry.signature.as_str())
            {
                return Ok(Some(id));
            }
        }
    }
    Ok(None)
}

/// Copies every scalar value of map `src` into map `dst` with its Automerge type.
fn copy_scalars(
    from: &AutoCommit,
    src: &ObjId,
    to: &mut AutoCommit,
    dst: &ObjId,
) -> Result<(), DeviceError> {
    for item in from.map_range(src, ..) {
        if let automerge::ValueRef::Scalar(s) = item.value {
            to.put(dst, item.key.as_ref(), ScalarValue::from(s))
                .map_err(am)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::tests::{at, device_with_zaak, plan, record_all, waarneming};
    use crate::sync::SyncDocs;
    use veldwerk_contract::zaak::test_support::{read_raw_entry, steps_to_binnen, tamper};
    use veldwerk_rules::routekaart::Actie;

    fn refusal(code: &str) -> Rejection {
        Rejection {
            zaak_id: "Z-1".into(),
            code: code.into(),
            message: "Zaak Z-1: de zaakgegevens mogen alleen op kantoor worden gewijzigd.".into(),
        }
    }

    /// The device's entry ids of a zaak, in reading order, with their verdicts.
    fn read(device: &mut Device) -> Vec<(String, EntryStatus)> {
        device
            .zaak_detail("Z-1")
            .unwrap()
            .visits
            .iter()
            .flat_map(|v| v.entries.iter())
            .map(|e| (e.entry.entry_id.clone(), e.status))
            .collect()
    }

    /// Issue 13, item 6: after a refusal the device's copy is moved aside (kept, with the
    /// reason), the server's copy taken fresh, and the device's own entries the server lacks
    /// re-applied exactly (same ids and signatures), in chain order; they verify there.
    #[test]
    fn refused_work_is_moved_aside_and_own_entries_are_reapplied_on_the_servers_copy() {
        let dir = tempfile::tempdir().unwrap();
        let mut device = device_with_zaak(dir.path());
        let visit = device
            .start_visit(
                "Z-1",
                Actie::Huisbezoek,
                plan(Actie::Huisbezoek, Some(2)),
                at(1),
            )
            .unwrap();
        record_all(
            &mut device,
            "Z-1",
            &visit,
            steps_to_binnen(Actie::Huisbezoek, &["piet", "kees"]),
            2,
        );
        // What the server holds.
        let server_copy = device.zaak_document("Z-1").unwrap();
        record_all(
            &mut device,
            "Z-1",
            &visit,
            vec![waarneming(1), waarneming(2)],
            20,
        );
        let before = read(&mut device);

        assert!(!device
            .set_aside_refused(&refusal("not_assigned"), at(30))
            .unwrap());
        assert!(device
            .set_aside_refused(&refusal("summary_changed"), at(30))
            .unwrap());
        assert!(device.worklist().unwrap().items.is_empty());
        assert_eq!(device.sync_state("Z-1").unwrap(), None);
        let kept = device.refused_work().unwrap();
        assert_eq!(kept.len(), 1);
        assert!(!kept[0].rebased);
        assert_eq!(kept[0].code, "summary_changed");
        assert!(kept[0]
            .notice()
            .message
            .contains("geweigerd door de server"));

        let doc = ZaakDocument::load(&server_copy).unwrap();
        let state = automerge::sync::State::new().encode();
        device.insert("Z-1", doc, &state).unwrap();
        assert_eq!(read(&mut device).len(), before.len() - 2);
        let rebase = device.rebase_refused("Z-1", at(31)).unwrap();
        assert_eq!(
            rebase,
            Rebase {
                reapplied: 2,
                kept_only_here: 0
            }
        );
        assert_eq!(read(&mut device), before);
        assert_eq!(device.unsynced_entries().unwrap(), 2);
        let kept = device.refused_work_for("Z-1").unwrap();
        assert!(kept[0].rebased);
        assert_eq!(kept[0].reapplied.len(), 2);
        // Once rebased, nothing is re-applied again.
        assert_eq!(
            device.rebase_refused("Z-1", at(32)).unwrap(),
            Rebase::default()
        );
        // Durable: the re-applied entries are in the store.
        drop(device);
        let mut device = Device::open(dir.path(), crate::device::tests::KEY).unwrap();
        assert_eq!(read(&mut device), before);
    }

    /// Issue 13, item 6: an own entry altered on the device is not re-applied, nor are the
    /// entries that follow it in its chain (they would not verify on the server): they stay in
    /// the kept copy, listed as kept only here.
    #[test]
    fn an_altered_entry_and_what_follows_it_stay_in_the_kept_copy() {
        let dir = tempfile::tempdir().unwrap();
        let mut device = device_with_zaak(dir.path());
        let visit = device
            .start_visit(
                "Z-1",
                Actie::Huisbezoek,
                plan(Actie::Huisbezoek, Some(2)),
                at(1),
            )
            .unwrap();
        record_all(
            &mut device,
            "Z-1",
            &visit,
            steps_to_binnen(Actie::Huisbezoek, &["piet", "kees"]),
            2,
        );
        let server_copy = device.zaak_document("Z-1").unwrap();
        let n = read(&mut device).len();
        record_all(
            &mut device,
            "Z-1",
            &visit,
            vec![waarneming(1), waarneming(2), waarneming(3)],
            20,
        );
        // Edit the first new entry's text in place, as a raw Automerge write would.
        device
            .update_document("Z-1", at(25), |doc| {
                let mut edited = tamper(doc, &visit, |raw, list| {
                    let e = read_raw_entry(raw, list, n);
                    let obj = veldwerk_contract::zaak::test_support::entry_obj(raw, list, n);
                    raw.put(&obj, "body", e.body.replace("kamer 1", "kamer 9"))
                        .unwrap();
                });
                doc.merge(&mut edited)?;
                Ok(())
            })
            .unwrap();
        assert!(device
            .set_aside_refused(&refusal("entry_unverified"), at(30))
            .unwrap());
        let doc = ZaakDocument::load(&server_copy).unwrap();
        device
            .insert("Z-1", doc, &automerge::sync::State::new().encode())
            .unwrap();
        let rebase = device.rebase_refused("Z-1", at(31)).unwrap();
        assert_eq!(
            rebase,
            Rebase {
                reapplied: 0,
                kept_only_here: 3
            }
        );
        assert_eq!(read(&mut device).len(), n);
        assert!(read(&mut device).iter().all(|(_, s)| *s == EntryStatus::Ok));
        let kept = device.refused_work_for("Z-1").unwrap();
        assert_eq!(kept[0].kept_only_here.len(), 3);
        let doc = ZaakDocument::load(&kept[0].document().unwrap()).unwrap();
        assert_eq!(doc.stored_entries(&visit).unwrap().len(), n + 3);
    }
}
