//! The device's side of sync: [`SyncDocs`] over the encrypted store, acknowledgements from the
//! server, and the wipe a revoked device is told to do.
//!
//! Durability order: a document's new changes are written before its sync state. The store has
//! no call that writes both in one transaction, and this order is the safe one: a crash between
//! the two leaves the changes with the older sync state, whose shared heads are a subset of
//! what the document now holds, so the next sync only exchanges a little more than needed. The
//! other order could leave a sync state claiming changes the store never received.

use chrono::{DateTime, Utc};

use super::{load_zaak, write_json, Device, DeviceError, InstalledPolicy, Rules, StoredPolicy};
use super::{DEVICE_KEY, POLICY};
use crate::sync::{Ack, Rejection, SyncDocs};
use veldwerk_contract::evidence::{DeviceKey, Signer};
use veldwerk_contract::policy::{PolicyBundle, SignedPolicy};
use veldwerk_contract::zaak::ZaakDocument;
use veldwerk_rules::Notice;

/// The peer name the server's sync states are kept under.
const SERVER_PEER: &str = "server";

fn notice(e: DeviceError) -> Notice {
    e.notice()
}

impl SyncDocs for Device {
    /// The zaken in the store's index (damaged index rows are left out: their zaak cannot be
    /// loaded either, and the worklist reports them).
    fn zaak_ids(&self) -> Vec<String> {
        self.store
            .worklist()
            .map(|w| w.items.into_iter().map(|i| i.zaak_id).collect())
            .unwrap_or_default()
    }

    /// A zaak whose document cannot be loaded is left out of the sync (`None`); its damage is
    /// reported by the worklist and `zaak show`, and nothing of it is touched.
    fn doc_mut(&mut self, zaak_id: &str) -> Option<&mut ZaakDocument> {
        load_zaak(&self.store, &mut self.open, zaak_id)
            .ok()
            .map(|z| &mut z.doc)
    }

    fn sync_state(&self, zaak_id: &str) -> Result<Option<Vec<u8>>, Notice> {
        self.store
            .load_sync_state(zaak_id, SERVER_PEER)
            .map_err(|e| notice(e.into()))
    }

    /// Changes first, then the sync state (see the module note for why that order is safe).
    fn persist(&mut self, zaak_id: &str, sync_state: &[u8]) -> Result<(), Notice> {
        let now = Utc::now();
        let Device { store, open, .. } = self;
        let result = (|| {
            let zaak = load_zaak(store, open, zaak_id)?;
            let chunk = zaak.doc.save_incremental();
            if !chunk.is_empty() {
                // Changes of other devices arrived: re-derive the visits and the worklist row.
                zaak.refresh()?;
                let item = super::worklist_item(store, zaak, 0, now)?;
                store.append_changes(zaak_id, &chunk, &item)?;
            }
            store.save_sync_state(zaak_id, SERVER_PEER, sync_state)?;
            Ok(())
        })();
        self.settle(zaak_id, &result);
        result.map_err(notice)
    }

    fn insert(
        &mut self,
        zaak_id: &str,
        doc: ZaakDocument,
        sync_state: &[u8],
    ) -> Result<(), Notice> {
        let mut doc = doc;
        let found = doc.summary().map_err(|e| notice(e.into()))?.zaak_id;
        if found != zaak_id {
            return Err(Notice::new(
                "document_mismatch",
                format!("Het document voor zaak {zaak_id} hoort bij zaak {found}."),
            ));
        }
        if self
            .store
            .worklist_item(zaak_id)
            .map_err(|e| notice(e.into()))?
            .is_some()
        {
            // Already here (a repeated answer after an interrupted sync): merge, lose nothing.
            let bytes = doc.save();
            self.add_zaak_document(&bytes, Utc::now()).map_err(notice)?;
            return self
                .store
                .save_sync_state(zaak_id, SERVER_PEER, sync_state)
                .map_err(|e| notice(e.into()));
        }
        let bytes = doc.save();
        self.commit_new(doc, &bytes, Utc::now(), Some((SERVER_PEER, sync_state)))
            .map_err(notice)
    }

    /// Deletes a withdrawn zaak the server holds completely. The store deletes zaken only
    /// through retention, so the zaak is marked closed and acknowledged at the earliest
    /// representable moment and purged with a retention no real acknowledgement can have
    /// passed: other zaken keep their retention untouched.
    fn remove(&mut self, zaak_id: &str) -> Result<(), Notice> {
        self.open.remove(zaak_id);
        let result = (|| {
            let Some(mut item) = self.store.worklist_item(zaak_id)? else {
                return Ok(());
            };
            item.closed = true;
            self.store.update_worklist_item(&item)?;
            let long_ago = DateTime::<Utc>::MIN_UTC;
            self.store.mark_acknowledged(zaak_id, long_ago)?;
            self.store
                .purge_acknowledged(withdrawn_retention(), Utc::now())?;
            Ok::<(), DeviceError>(())
        })();
        result.map_err(notice)
    }

    fn policy_version(&self) -> u64 {
        Device::policy_version(self)
    }

    fn set_aside(&mut self, rejection: &Rejection) -> Result<bool, Notice> {
        self.set_aside_refused(rejection, Utc::now())
            .map_err(notice)
    }

    fn rebase(&mut self, zaak_id: &str) -> Result<usize, Notice> {
        self.rebase_refused(zaak_id, Utc::now())
            .map(|r| r.reapplied)
            .map_err(notice)
    }

    fn store_policy(&mut self, signed: &SignedPolicy, bundle: &PolicyBundle) -> Result<(), Notice> {
        let now = Utc::now();
        let result = (|| {
            let rules = Rules::of_bundle(bundle)?;
            let stored = StoredPolicy {
                signed: signed.clone(),
                checked_at: now,
            };
            write_json(&self.store, POLICY, &Some(stored))?;
            self.policy = Some(InstalledPolicy {
                bundle: bundle.clone(),
                checked_at: now,
                rules,
                signed: signed.clone(),
            });
            Ok::<(), DeviceError>(())
        })();
        result.map_err(notice)
    }
}

/// Longer than any real acknowledgement can be old, and short enough that
/// `DateTime::MIN_UTC + it` stays representable.
pub(super) fn withdrawn_retention() -> chrono::Duration {
    chrono::Duration::days(365 * 100_000)
}

impl Device {
    /// Applies the server's acknowledgements: a zaak whose every change the server holds
    /// (`complete`) has no unsynced entries left; a closed one starts its retention (once: a
    /// later acknowledgement does not restart it, and new changes reset it in the store).
    /// Open zaken are not marked: retention only concerns closed ones, and a rapport recorded
    /// later resets the mark anyway. Returns how many zaken were marked.
    pub fn apply_acks(&mut self, acks: &[Ack], now: DateTime<Utc>) -> Result<usize, DeviceError> {
        let mut marked = 0;
        for ack in acks.iter().filter(|a| a.complete) {
            let Some(mut item) = self.store.worklist_item(&ack.zaak_id)? else {
                continue;
            };
            if item.unsynced_entries != 0 {
                item.unsynced_entries = 0;
                self.store.update_worklist_item(&item)?;
            }
            if item.closed && item.acknowledged_at.is_none() {
                self.store.mark_acknowledged(&ack.zaak_id, now)?;
                marked += 1;
            }
        }
        Ok(marked)
    }

    /// Entries recorded on this device that the server has not acknowledged yet, over all zaken.
    pub fn unsynced_entries(&self) -> Result<u64, DeviceError> {
        Ok(self
            .store
            .worklist()?
            .items
            .iter()
            .map(|i| u64::from(i.unsynced_entries))
            .sum())
    }

    /// A second handle on the device key, to sign requests while a sync session holds the
    /// device (see `veldwerk_contract::auth`). It signs with the same key and id as the device.
    pub fn request_signer(&self) -> Result<Signer, DeviceError> {
        let pkcs8 = self
            .store
            .get_secret(DEVICE_KEY)?
            .ok_or_else(|| super::corrupt(DEVICE_KEY, "apparaatsleutel ontbreekt"))?;
        Ok(Signer {
            device_id: self.signer.device_id.clone(),
            key: DeviceKey::from_pkcs8(&pkcs8)?,
        })
    }

    /// Deletes everything on the device: documents, sync states, photos, its key and identity
    /// (a revoked device is told to). The caller also forgets the storage key.
    pub fn wipe(self) -> Result<(), DeviceError> {
        Ok(self.store.wipe()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::memory::MemoryDocs;

    /// The sync state of a document that has never been synced.
    fn fresh_state() -> Vec<u8> {
        automerge::sync::State::new().encode()
    }
    use crate::sync::{Progress, SyncRequest, SyncResponse, SyncSession};
    use automerge::sync as am;
    use std::collections::BTreeSet;
    use veldwerk_contract::zaak::{Address, ZaakSummary};

    const KEY: [u8; 32] = [9; 32];

    fn summary(zaak_id: &str) -> ZaakSummary {
        ZaakSummary {
            zaak_id: zaak_id.into(),
            label: format!("{zaak_id} woonsituatie"),
            address: Address {
                street: "Kerkstraat".into(),
                house_number: "12a".into(),
                postcode: "1234 AB".into(),
                city: "Demodorp".into(),
            },
            werkproces: veldwerk_rules::protocol::melding::Werkproces::H2,
            motivatie: "Post op dit adres is gericht aan een tweede volwassene.".into(),
            deadline: None,
            handhavers: BTreeSet::new(),
        }
    }

    /// A peer playing the server's part with real Automerge sync over an in-memory document
    /// set, answering the device's requests as the server would (messages and acks).
    fn answer(
        peer: &mut MemoryDocs,
        states: &mut std::collections::HashMap<String, am::State>,
        req: &[u8],
    ) -> Vec<u8> {
        let req = SyncRequest::from_cbor(req).unwrap();
        let mut resp = SyncResponse::empty();
        for dm in req.docs {
            let doc = peer.doc_mut(&dm.zaak_id).unwrap();
            let state = states.entry(dm.zaak_id.clone()).or_default();
            let msg = am::Message::decode(&dm.message).unwrap();
            let announced = msg.heads.clone();
            doc.receive_sync_message(state, msg).unwrap();
            let complete = announced.iter().all(|h| state.shared_heads.contains(h));
            if let Some(reply) = doc.generate_sync_message(state) {
                resp.docs.push(crate::sync::DocMessage {
                    zaak_id: dm.zaak_id.clone(),
                    message: reply.encode(),
                });
            }
            resp.acks.push(Ack {
                zaak_id: dm.zaak_id,
                heads: Vec::new(),
                complete,
            });
        }
        resp.to_cbor()
    }

    #[test]
    fn changes_and_states_survive_a_reopen_and_acks_clear_unsynced_entries() {
        let dir = tempfile::tempdir().unwrap();
        let mut device = Device::open(dir.path(), KEY).unwrap();
        device.create_zaak(&summary("Z-1"), Utc::now()).unwrap();

        // The peer starts from the device's document and adds a change of its own.
        let mut peer = MemoryDocs::new();
        let mut theirs = ZaakDocument::load(&device.zaak_document("Z-1").unwrap()).unwrap();
        let mut changed = summary("Z-1");
        changed.label = "Z-1 gewijzigd".into();
        theirs.set_summary(&changed).unwrap();
        peer.insert("Z-1", theirs, &fresh_state()).unwrap();
        let mut states = std::collections::HashMap::new();

        let org = [0u8; 32];
        let mut acks = Vec::new();
        {
            let mut session = SyncSession::new(&mut device, &org).unwrap();
            while let Some(req) = session.next_request().unwrap() {
                let resp = answer(&mut peer, &mut states, &req);
                acks.extend(SyncResponse::from_cbor(&resp).unwrap().acks);
                if session.handle_response(&resp).unwrap() == Progress::Done {
                    break;
                }
            }
        }
        assert!(acks.iter().any(|a| a.complete));
        device.apply_acks(&acks, Utc::now()).unwrap();
        let item = device.worklist().unwrap().items[0].clone();
        assert_eq!(item.label, "Z-1 gewijzigd");
        assert_eq!(item.unsynced_entries, 0);
        assert_eq!(item.acknowledged_at, None, "an open zaak is not marked");
        // Once closed, the acknowledgement starts its retention, and a later one does not
        // restart it.
        let mut closed = item.clone();
        closed.closed = true;
        device.store().update_worklist_item(&closed).unwrap();
        assert_eq!(device.apply_acks(&acks, Utc::now()).unwrap(), 1);
        let acked = device.worklist().unwrap().items[0].acknowledged_at.unwrap();
        assert_eq!(device.apply_acks(&acks, Utc::now()).unwrap(), 0);
        assert_eq!(
            device.worklist().unwrap().items[0].acknowledged_at,
            Some(acked)
        );
        drop(device);

        let mut device = Device::open(dir.path(), KEY).unwrap();
        assert!(device.sync_state("Z-1").unwrap().is_some());
        assert_eq!(
            device.zaak_detail("Z-1").unwrap().summary.label,
            "Z-1 gewijzigd"
        );
    }

    #[test]
    fn the_request_signer_signs_as_the_device_and_a_wipe_removes_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let device = Device::open(dir.path(), KEY).unwrap();
        let signer = device.request_signer().unwrap();
        assert_eq!(signer.device_id, device.device_id());
        assert_eq!(signer.key.public_key(), device.public_key());
        assert_eq!(signer.key.sign(b"abc"), device.sign(b"abc"));
        device.wipe().unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn remove_deletes_only_that_zaak_and_insert_merges_a_known_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut device = Device::open(dir.path(), KEY).unwrap();
        device.create_zaak(&summary("Z-1"), Utc::now()).unwrap();
        device.create_zaak(&summary("Z-2"), Utc::now()).unwrap();
        // Z-2 closed and acknowledged just now: its retention has not passed.
        let mut item = device.store().worklist_item("Z-2").unwrap().unwrap();
        item.closed = true;
        device.store().update_worklist_item(&item).unwrap();
        device.store().mark_acknowledged("Z-2", Utc::now()).unwrap();

        device.remove("Z-1").unwrap();
        assert_eq!(device.zaak_ids(), vec!["Z-2".to_owned()]);
        assert!(device.store().load_document("Z-1").unwrap().is_none());

        let again = ZaakDocument::load(&device.zaak_document("Z-2").unwrap()).unwrap();
        device.insert("Z-2", again, &fresh_state()).unwrap();
        assert_eq!(device.zaak_ids(), vec!["Z-2".to_owned()]);
        let wrong = ZaakDocument::new(&summary("Z-3")).unwrap();
        assert_eq!(
            device
                .insert("Z-4", wrong, &fresh_state())
                .unwrap_err()
                .code,
            "document_mismatch"
        );
    }
}
