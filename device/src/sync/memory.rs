//! An in-memory [`SyncDocs`]: real zaak documents and sync states kept as the bytes a store
//! would keep (a snapshot followed by incremental saves), for tests, tools and the load
//! generator. [`MemoryDocs::reopen`] loads everything back from those bytes, as a restart would.

use std::collections::BTreeMap;

use super::SyncDocs;
use veldwerk_contract::policy::{PolicyBundle, SignedPolicy};
use veldwerk_contract::zaak::ZaakDocument;
use veldwerk_rules::Notice;

#[derive(Debug, Default)]
pub struct MemoryDocs {
    docs: BTreeMap<String, ZaakDocument>,
    /// Per zaak: what was persisted (snapshot, then incremental saves).
    saved: BTreeMap<String, Vec<u8>>,
    states: BTreeMap<String, Vec<u8>>,
    policy: Option<(SignedPolicy, PolicyBundle)>,
}

impl MemoryDocs {
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy as it would be after a restart: every document loaded from its persisted bytes,
    /// the persisted sync states; nothing unsaved survives.
    pub fn reopen(&self) -> Result<Self, Notice> {
        let mut docs = BTreeMap::new();
        for (id, bytes) in &self.saved {
            docs.insert(
                id.clone(),
                ZaakDocument::load(bytes).map_err(|e| e.notice())?,
            );
        }
        Ok(MemoryDocs {
            docs,
            saved: self.saved.clone(),
            states: self.states.clone(),
            policy: self.policy.clone(),
        })
    }

    pub fn doc(&self, zaak_id: &str) -> Option<&ZaakDocument> {
        self.docs.get(zaak_id)
    }

    /// Saves a document's local changes (as recording does on a device).
    pub fn save(&mut self, zaak_id: &str) {
        if let Some(doc) = self.docs.get_mut(zaak_id) {
            let bytes = doc.save_incremental();
            self.saved
                .entry(zaak_id.to_owned())
                .or_default()
                .extend(bytes);
        }
    }

    pub fn policy(&self) -> Option<&PolicyBundle> {
        self.policy.as_ref().map(|(_, b)| b)
    }

    /// Starts from a bundle received at enrollment (already verified by the caller).
    pub fn set_policy(&mut self, signed: SignedPolicy, bundle: PolicyBundle) {
        self.policy = Some((signed, bundle));
    }
}

impl SyncDocs for MemoryDocs {
    fn zaak_ids(&self) -> Vec<String> {
        self.docs.keys().cloned().collect()
    }

    fn doc_mut(&mut self, zaak_id: &str) -> Option<&mut ZaakDocument> {
        self.docs.get_mut(zaak_id)
    }

    fn sync_state(&self, zaak_id: &str) -> Result<Option<Vec<u8>>, Notice> {
        Ok(self.states.get(zaak_id).cloned())
    }

    fn persist(&mut self, zaak_id: &str, sync_state: &[u8]) -> Result<(), Notice> {
        self.save(zaak_id);
        self.states.insert(zaak_id.to_owned(), sync_state.to_vec());
        Ok(())
    }

    fn insert(
        &mut self,
        zaak_id: &str,
        mut doc: ZaakDocument,
        sync_state: &[u8],
    ) -> Result<(), Notice> {
        self.saved.insert(zaak_id.to_owned(), doc.save());
        self.states.insert(zaak_id.to_owned(), sync_state.to_vec());
        self.docs.insert(zaak_id.to_owned(), doc);
        Ok(())
    }

    fn remove(&mut self, zaak_id: &str) -> Result<(), Notice> {
        self.docs.remove(zaak_id);
        self.saved.remove(zaak_id);
        self.states.remove(zaak_id);
        Ok(())
    }

    fn policy_version(&self) -> u64 {
        self.policy.as_ref().map_or(0, |(_, b)| b.version)
    }

    fn store_policy(&mut self, signed: &SignedPolicy, bundle: &PolicyBundle) -> Result<(), Notice> {
        self.policy = Some((signed.clone(), bundle.clone()));
        Ok(())
    }
}
