//! The zaak document: one Automerge CRDT document per zaak, with its visits and their entries.
//!
//! The layout is in [`schema`]; the reading order of entries in [`order_entries`]; signing and
//! chaining in [`crate::evidence`]; the reasons for all three in ADR 0002.
//!
//! A zaak document is created once (by the server when it assigns the zaak) and reaches devices by
//! sync; devices never create one for an existing zaak themselves. Every change a device makes is
//! authored by an actor that starts with [`device_actor_prefix`] of its device id, so the server can
//! tell whose change it holds ([`actor_belongs_to_device`]). The rest of the actor is random per
//! document instance: a device that goes on from an older copy (a restored backup, a crash after a
//! sync but before a save) must not reuse an actor and sequence number the server already holds,
//! which Automerge refuses to merge ("duplicate seq").

pub mod changes;
pub mod layout;
pub mod schema;

use std::collections::{BTreeSet, HashMap, HashSet};

use automerge::sync::{self, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{
    hydrate, ActorId, AutoCommit, AutomergeError, ChangeHash, ObjId, ObjType, ReadDoc, ScalarValue,
    Value, ValueRef, ROOT,
};
use chrono::{DateTime, NaiveDate, Utc};
use ring::digest::{digest, SHA256};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};

pub use crate::evidence::{event_body, order_entries, Entry, PolicyContext};
pub use changes::{ChangeRefusal, Touched};
pub use layout::SchemaViolation;

use crate::evidence::{
    self, EntryStatus, EntryVerification, KeyDirectory, Signer, VisitVerification,
};
use schema::*;
use veldwerk_rules::protocol::melding::Werkproces;
use veldwerk_rules::protocol::Event;
use veldwerk_rules::routekaart::{Actie, Code};
use veldwerk_rules::Notice;

/// The schema version this build writes. Readers accept every version up to it.
pub const SCHEMA_VERSION: u64 = 1;

/// Errors reading or writing a zaak document.
#[derive(Debug, thiserror::Error)]
pub enum ZaakError {
    #[error("Het zaakdocument is beschadigd of onleesbaar: {0}")]
    Automerge(#[from] AutomergeError),
    #[error("Het zaakdocument heeft geen schemaversie.")]
    SchemaVersionMissing,
    #[error("Het zaakdocument heeft schemaversie {found}; deze versie van de app kent tot en met {supported}. Werk de app bij.")]
    SchemaTooNew { found: u64, supported: u64 },
    #[error("Het zaakdocument is onjuist opgebouwd bij {path}: {detail}")]
    Malformed { path: String, detail: String },
    #[error("Het huisbezoek {0} bestaat niet in deze zaak.")]
    UnknownVisit(String),
    #[error("De gebeurtenis van vastlegging {entry_id} is onleesbaar: {detail}")]
    InvalidEvent { entry_id: String, detail: String },
    #[error("Er kon geen willekeurig kenmerk worden gemaakt.")]
    Random,
}

impl From<evidence::InvalidEvent> for ZaakError {
    fn from(e: evidence::InvalidEvent) -> Self {
        ZaakError::InvalidEvent {
            entry_id: e.entry_id,
            detail: e.detail,
        }
    }
}

impl ZaakError {
    pub fn code(&self) -> &'static str {
        match self {
            ZaakError::Automerge(_) => "document_unreadable",
            ZaakError::SchemaVersionMissing => "schema_version_missing",
            ZaakError::SchemaTooNew { .. } => "schema_too_new",
            ZaakError::Malformed { .. } => "document_malformed",
            ZaakError::UnknownVisit(_) => "visit_unknown",
            ZaakError::InvalidEvent { .. } => "event_invalid",
            ZaakError::Random => "random_unavailable",
        }
    }

    pub fn notice(&self) -> Notice {
        Notice::new(self.code(), self.to_string())
    }
}

/// The address of the visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub street: String,
    pub house_number: String,
    pub postcode: String,
    pub city: String,
}

/// What a handhaver needs of a zaak offline, and no more personal data than the visit needs:
/// no client name or BSN, only the address to go to and the melding's facts (seed 000).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZaakSummary {
    pub zaak_id: String,
    /// A short label without personal data, e.g. "2026-0142 samenwoning".
    pub label: String,
    pub address: Address,
    pub werkproces: Werkproces,
    /// The melding's motivation (seed 000: based on facts).
    pub motivatie: String,
    pub deadline: Option<NaiveDate>,
    /// Ids of the handhavers assigned to the zaak.
    pub handhavers: BTreeSet<String>,
}

/// A visit's meta data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitMeta {
    pub visit_id: String,
    /// The routekaart action: a huisbezoek (in person or by app), a waarneming ter plaatse, a
    /// gesprek or an administratief onderzoek.
    pub kind: Actie,
    /// Device id of the device that started it.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// The first 16 bytes of every Automerge actor of a device: the first 16 bytes of
/// SHA-256(`"veldwerk-actor-v1:"` ‖ device id as UTF-8). A device's actors are this prefix followed
/// by 8 random bytes, new for each document instance that writes.
pub fn device_actor_prefix(device_id: &str) -> [u8; 16] {
    let hash = digest(&SHA256, format!("veldwerk-actor-v1:{device_id}").as_bytes());
    let mut out = [0u8; 16];
    out.copy_from_slice(&hash.as_ref()[..16]);
    out
}

/// Whether a change's actor is one of this device's actors (24 bytes, the device's prefix first).
pub fn actor_belongs_to_device(actor: &ActorId, device_id: &str) -> bool {
    let bytes = actor.to_bytes();
    bytes.len() == 24 && bytes[..16] == device_actor_prefix(device_id)
}

fn new_device_actor(device_id: &str) -> Result<ActorId, ZaakError> {
    let mut bytes = [0u8; 24];
    bytes[..16].copy_from_slice(&device_actor_prefix(device_id));
    SystemRandom::new()
        .fill(&mut bytes[16..])
        .map_err(|_| ZaakError::Random)?;
    Ok(ActorId::from(bytes))
}

fn random_id() -> Result<String, ZaakError> {
    let mut bytes = [0u8; 16];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| ZaakError::Random)?;
    Ok(hex::encode(bytes))
}

/// An entry as read from the document: unreadable ones carry their `entry_id` (if readable).
type StoredEntry = Result<Entry, (String, ZaakError)>;

/// One zaak's CRDT document.
#[derive(Debug, Clone)]
pub struct ZaakDocument {
    doc: AutoCommit,
    /// Heads at the last load or save: `save_incremental` writes what came after (Automerge's own
    /// cursor starts empty after `load`, which would repeat the whole document).
    saved: Vec<ChangeHash>,
    /// (visit id, device id) → (seq, chain hash) of the last entry this instance appended, so
    /// consecutive appends need not scan the visit. Cleared whenever foreign changes arrive.
    chain_tips: HashMap<(String, String), (u64, String)>,
    /// The device whose actor this instance writes with, once a device has written.
    writing_device: Option<String>,
}

impl ZaakDocument {
    /// A new document for a zaak (made once, by the server), authored by a random actor.
    pub fn new(summary: &ZaakSummary) -> Result<Self, ZaakError> {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, SCHEMA_VERSION_KEY, ScalarValue::Uint(SCHEMA_VERSION))?;
        doc.put_object(ROOT, SUMMARY, ObjType::Map)?;
        doc.put_object(ROOT, VISITS, ObjType::Map)?;
        let mut this = Self {
            doc,
            saved: Vec::new(),
            chain_tips: HashMap::new(),
            writing_device: None,
        };
        this.set_summary(summary)?;
        Ok(this)
    }

    /// Loads a saved document (a snapshot, optionally followed by incremental saves).
    pub fn load(bytes: &[u8]) -> Result<Self, ZaakError> {
        let mut doc = AutoCommit::load(bytes)?;
        let saved = doc.get_heads();
        let mut this = Self {
            doc,
            saved,
            chain_tips: HashMap::new(),
            writing_device: None,
        };
        this.check_schema()?;
        Ok(this)
    }

    /// Applies incremental saves or changes to a loaded document.
    pub fn load_incremental(&mut self, bytes: &[u8]) -> Result<(), ZaakError> {
        self.chain_tips.clear();
        self.doc.load_incremental(bytes)?;
        self.check_schema()
    }

    fn check_schema(&mut self) -> Result<(), ZaakError> {
        let version = match self.doc.get(ROOT, SCHEMA_VERSION_KEY)? {
            None => return Err(ZaakError::SchemaVersionMissing),
            Some(_) => get_uint(&self.doc, &ROOT, SCHEMA_VERSION_KEY, "root")?,
        };
        if version > SCHEMA_VERSION {
            return Err(ZaakError::SchemaTooNew {
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        upgrade_view(version)?;
        if object(&self.doc, &ROOT, SUMMARY, ObjType::Map)?.is_none() {
            return Err(malformed("root", SUMMARY, "missing"));
        }
        if object(&self.doc, &ROOT, VISITS, ObjType::Map)?.is_none() {
            return Err(malformed("root", VISITS, "missing"));
        }
        Ok(())
    }

    /// Checks the whole document against [`layout`] (the server checks a message's changes with
    /// [`Self::check_new_changes`], which looks at what they touched only).
    pub fn validate(&self) -> Result<(), SchemaViolation> {
        layout::validate(&self.doc)
    }

    /// How many actors the document knows (each costs Automerge work on every new one).
    pub fn actor_count(&self) -> u64 {
        self.doc.stats().num_actors
    }

    /// The version the document was written with.
    pub fn schema_version(&self) -> Result<u64, ZaakError> {
        get_uint(&self.doc, &ROOT, SCHEMA_VERSION_KEY, "root")
    }

    /// Sets the actor future changes are authored by (the server's own, for instance).
    pub fn set_actor(&mut self, actor: ActorId) {
        self.writing_device = None;
        self.doc.set_actor(actor);
    }

    pub fn actor(&self) -> &ActorId {
        self.doc.get_actor()
    }

    pub fn save(&mut self) -> Vec<u8> {
        let bytes = self.doc.save();
        self.saved = self.doc.get_heads();
        bytes
    }

    /// The changes (local or received) since the last `load`, `save` or `save_incremental`;
    /// empty when there are none. Appended to the saved bytes, they load with [`Self::load`].
    pub fn save_incremental(&mut self) -> Vec<u8> {
        let bytes = self.doc.save_after(&self.saved);
        self.saved = self.doc.get_heads();
        bytes
    }

    /// A copy with a random actor; everything in it counts as unsaved.
    pub fn fork(&mut self) -> Self {
        Self {
            doc: self.doc.fork(),
            saved: Vec::new(),
            chain_tips: HashMap::new(),
            writing_device: None,
        }
    }

    pub fn merge(&mut self, other: &mut ZaakDocument) -> Result<(), ZaakError> {
        self.chain_tips.clear();
        self.doc.merge(&mut other.doc)?;
        Ok(())
    }

    pub fn heads(&mut self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    /// The actor of each change this document has beyond `heads` (one per change): the server
    /// checks that a device's changes all satisfy [`actor_belongs_to_device`] for that device.
    pub fn change_actors_since(&mut self, heads: &[ChangeHash]) -> Vec<ActorId> {
        // The changes' metadata only: building whole changes would encode their operations.
        self.doc
            .get_changes_meta(heads)
            .into_iter()
            .map(|c| c.actor.into_owned())
            .collect()
    }

    /// The changes beyond `heads`, encoded as [`Self::save_incremental`] encodes them, without
    /// moving its mark of what was saved.
    pub fn save_after(&mut self, heads: &[ChangeHash]) -> Vec<u8> {
        self.doc.save_after(heads)
    }

    pub fn generate_sync_message(&mut self, state: &mut sync::State) -> Option<sync::Message> {
        self.doc.sync().generate_sync_message(state)
    }

    pub fn receive_sync_message(
        &mut self,
        state: &mut sync::State,
        message: sync::Message,
    ) -> Result<(), ZaakError> {
        self.chain_tips.clear();
        self.doc.sync().receive_sync_message(state, message)?;
        Ok(())
    }

    fn summary_obj(&self) -> Result<ObjId, ZaakError> {
        object(&self.doc, &ROOT, SUMMARY, ObjType::Map)?
            .ok_or_else(|| malformed("root", SUMMARY, "missing"))
    }

    pub fn summary(&self) -> Result<ZaakSummary, ZaakError> {
        let s = self.summary_obj()?;
        let d = &self.doc;
        let f = Fields::read(d, &s, "summary");
        let mut handhavers = BTreeSet::new();
        for h in objects(d, &s, HANDHAVERS, ObjType::Map)? {
            for item in d.map_range(&h, ..) {
                if item.value == ValueRef::Scalar(automerge::ScalarValueRef::Boolean(true)) {
                    handhavers.insert(item.key.into_owned());
                }
            }
        }
        Ok(ZaakSummary {
            zaak_id: f.str("zaak_id")?,
            label: f.str("label")?,
            address: Address {
                street: f.str("street")?,
                house_number: f.str("house_number")?,
                postcode: f.str("postcode")?,
                city: f.str("city")?,
            },
            werkproces: f.enumeration("werkproces")?,
            motivatie: f.str("motivatie")?,
            deadline: f.opt_date("deadline")?,
            handhavers,
        })
    }

    /// Writes the summary; only fields that differ become operations.
    pub fn set_summary(&mut self, summary: &ZaakSummary) -> Result<(), ZaakError> {
        let s = self.summary_obj()?;
        let current = self.summary().ok();
        let fields: [(&str, ScalarValue); 9] = [
            ("zaak_id", summary.zaak_id.as_str().into()),
            ("label", summary.label.as_str().into()),
            ("street", summary.address.street.as_str().into()),
            ("house_number", summary.address.house_number.as_str().into()),
            ("postcode", summary.address.postcode.as_str().into()),
            ("city", summary.address.city.as_str().into()),
            ("werkproces", enum_name(&summary.werkproces).into()),
            ("motivatie", summary.motivatie.as_str().into()),
            (
                "deadline",
                summary
                    .deadline
                    .map(|d| ScalarValue::from(d.format("%Y-%m-%d").to_string()))
                    .unwrap_or(ScalarValue::Null),
            ),
        ];
        for (key, value) in fields {
            let same = matches!(self.doc.get(&s, key)?, Some((Value::Scalar(v), _)) if v.as_ref() == &value);
            if !same {
                self.doc.put(&s, key, value)?;
            }
        }
        let h = match object(&self.doc, &s, HANDHAVERS, ObjType::Map)? {
            Some(h) => h,
            None => self.doc.put_object(&s, HANDHAVERS, ObjType::Map)?,
        };
        let old = current.map(|c| c.handhavers).unwrap_or_default();
        for gone in old.difference(&summary.handhavers) {
            self.doc.delete(&h, gone.as_str())?;
        }
        for new in summary.handhavers.difference(&old) {
            self.doc.put(&h, new.as_str(), true)?;
        }
        self.doc.commit();
        Ok(())
    }

    /// Starts a visit (an activity of any routekaart action, `Activiteit`); returns its new
    /// random id.
    pub fn start_visit(
        &mut self,
        kind: Actie,
        signer: &Signer,
        created_at: DateTime<Utc>,
    ) -> Result<String, ZaakError> {
        let visits = object(&self.doc, &ROOT, VISITS, ObjType::Map)?
            .ok_or_else(|| malformed("root", VISITS, "missing"))?;
        let visit_id = random_id()?;
        self.use_device_actor(&signer.device_id)?;
        let v = self
            .doc
            .put_object(&visits, visit_id.as_str(), ObjType::Map)?;
        self.doc.put(&v, "kind", enum_name(&kind))?;
        self.doc.put(&v, "created_by", signer.device_id.as_str())?;
        self.doc.put(
            &v,
            "created_at",
            timestamp(&evidence::to_millis(created_at)),
        )?;
        self.doc.put_object(&v, ENTRIES, ObjType::List)?;
        self.doc.commit();
        Ok(visit_id)
    }

    /// Switches to an actor of `device_id` (made once per instance and device).
    fn use_device_actor(&mut self, device_id: &str) -> Result<(), ZaakError> {
        if self.writing_device.as_deref() != Some(device_id) {
            self.doc.set_actor(new_device_actor(device_id)?);
            self.writing_device = Some(device_id.to_owned());
        }
        Ok(())
    }

    /// Every visit object of a visit id (more than one after concurrent creation).
    fn visit_objs(&self, visit_id: &str) -> Result<Vec<ObjId>, ZaakError> {
        let mut out = Vec::new();
        for visits in objects(&self.doc, &ROOT, VISITS, ObjType::Map)? {
            out.extend(objects(&self.doc, &visits, visit_id, ObjType::Map)?);
        }
        Ok(out)
    }

    /// All visits, by visit id.
    pub fn visits(&self) -> Result<Vec<VisitMeta>, ZaakError> {
        let mut ids = BTreeSet::new();
        for visits in objects(&self.doc, &ROOT, VISITS, ObjType::Map)? {
            ids.extend(self.doc.keys(&visits));
        }
        ids.into_iter().map(|id| self.visit(&id)).collect()
    }

    pub fn visit(&self, visit_id: &str) -> Result<VisitMeta, ZaakError> {
        let objs = self.visit_objs(visit_id)?;
        let v = objs
            .first()
            .ok_or_else(|| ZaakError::UnknownVisit(visit_id.to_owned()))?;
        let path = format!("visits.{visit_id}");
        let f = Fields::read(&self.doc, v, &path);
        Ok(VisitMeta {
            visit_id: visit_id.to_owned(),
            kind: f.enumeration("kind")?,
            created_by: f.str("created_by")?,
            created_at: f.time("created_at")?,
        })
    }

    /// Every stored entry object of a visit in document order, each read on its own so one
    /// unreadable entry does not hide the others (`Err` carries its `entry_id` if readable).
    fn read_visit(&self, visit_id: &str) -> Result<Vec<StoredEntry>, ZaakError> {
        let mut out = Vec::new();
        for (_, entry) in self.read_visit_objects(visit_id)? {
            out.push(entry);
        }
        Ok(out)
    }

    /// [`Self::read_visit`] with the object each entry was read from.
    fn read_visit_objects(&self, visit_id: &str) -> Result<Vec<(ObjId, StoredEntry)>, ZaakError> {
        let objs = self.visit_objs(visit_id)?;
        if objs.is_empty() {
            return Err(ZaakError::UnknownVisit(visit_id.to_owned()));
        }
        let mut out = Vec::new();
        let list_path = format!("visits.{visit_id}.entries");
        for v in objs {
            for list in objects(&self.doc, &v, ENTRIES, ObjType::List)? {
                for item in self.doc.list_range(&list, ..) {
                    let obj = item.id();
                    if item.value != ValueRef::Object(ObjType::Map) {
                        let path = format!("{list_path}[{}]", item.index);
                        out.push((obj, Err((String::new(), malformed(&path, "", "not a map")))));
                        continue;
                    }
                    let f = Fields::read_item(&self.doc, &obj, &list_path, item.index);
                    let entry =
                        read_entry(&f).map_err(|err| (f.str("entry_id").unwrap_or_default(), err));
                    out.push((obj, entry));
                }
            }
        }
        Ok(out)
    }

    /// A visit's stored entries as [`Self::stored_entries`] reads them (`.1`), and of those the
    /// ones that are not among `inserted` (`.0`). After changes that [`Self::check_new_changes`]
    /// passed, with `inserted` its [`changes::Touched::inserted`], `.0` is what the visit held
    /// before them: the changes could only insert those entry objects and left every other one
    /// as it was, so one read after them gives both sides.
    pub fn stored_entries_before_and_after(
        &self,
        visit_id: &str,
        inserted: &HashSet<ObjId>,
    ) -> Result<(Vec<Entry>, Vec<Entry>), ZaakError> {
        let mut before = Vec::new();
        let mut after = Vec::new();
        for (obj, entry) in self.read_visit_objects(visit_id)? {
            let entry = entry.map_err(|(_, e)| e)?;
            if !inserted.contains(&obj) {
                before.push(entry.clone());
            }
            after.push(entry);
        }
        Ok((before, after))
    }

    /// Every stored copy of every entry of a visit, in document order: the input of
    /// [`evidence::verify_visit`]. Fails on the first unreadable entry.
    pub fn stored_entries(&self, visit_id: &str) -> Result<Vec<Entry>, ZaakError> {
        self.read_visit(visit_id)?
            .into_iter()
            .map(|r| r.map_err(|(_, e)| e))
            .collect()
    }

    /// A visit's entries in the deterministic reading order of [`order_entries`], each once.
    pub fn entries(&self, visit_id: &str) -> Result<Vec<Entry>, ZaakError> {
        Ok(order_entries(self.stored_entries(visit_id)?))
    }

    /// Verifies a visit's entries (every stored copy); unreadable entries count as `Altered`.
    pub fn verify_visit(
        &self,
        visit_id: &str,
        keys: &KeyDirectory,
    ) -> Result<VisitVerification, ZaakError> {
        let mut readable = Vec::new();
        let mut unreadable = Vec::new();
        for r in self.read_visit(visit_id)? {
            match r {
                Ok(e) => readable.push(e),
                Err((entry_id, _)) => unreadable.push(entry_id),
            }
        }
        let mut result = evidence::verify_visit(visit_id, &readable, keys);
        result
            .entries
            .extend(unreadable.into_iter().map(|entry_id| EntryVerification {
                entry_id,
                device_id: String::new(),
                seq: 0,
                status: EntryStatus::Altered,
            }));
        Ok(result)
    }

    /// This device's entry with the highest `seq` in a visit. Reads only `device_id` and `seq` of
    /// the others (recording must stay fast as a visit grows); unreadable entries are skipped.
    fn last_own_entry(&self, visit_id: &str, device_id: &str) -> Result<Option<Entry>, ZaakError> {
        let list_path = format!("visits.{visit_id}.entries");
        let mut best: Option<(u64, Fields)> = None;
        for v in self.visit_objs(visit_id)? {
            for list in objects(&self.doc, &v, ENTRIES, ObjType::List)? {
                for item in self.doc.list_range(&list, ..) {
                    if item.value != ValueRef::Object(ObjType::Map) {
                        continue;
                    }
                    let f = Fields::read_item(&self.doc, &item.id(), &list_path, item.index);
                    if f.str("device_id").ok().as_deref() != Some(device_id) {
                        continue;
                    }
                    if let Ok(seq) = f.uint("seq") {
                        if best.as_ref().is_none_or(|(b, _)| seq > *b) {
                            best = Some((seq, f));
                        }
                    }
                }
            }
        }
        Ok(best.and_then(|(_, f)| read_entry(&f).ok()))
    }

    /// Records an event in a visit: numbers it after this device's last entry in the visit,
    /// chains it to that entry, signs it, and commits it as one Automerge change.
    pub fn append_entry(
        &mut self,
        visit_id: &str,
        event: &Event,
        policy: &PolicyContext,
        signer: &Signer,
        recorded_at: DateTime<Utc>,
    ) -> Result<Entry, ZaakError> {
        self.append_body(visit_id, event_body(event)?, policy, signer, recorded_at)
    }

    /// As [`Self::append_entry`], for an event the client stated on their own phone: the body
    /// carries the client's proof beside the event ([`crate::evidence::klantverklaring`]).
    pub fn append_klantverklaring(
        &mut self,
        visit_id: &str,
        event: &Event,
        verklaring: &crate::evidence::klantverklaring::Klantverklaring,
        policy: &PolicyContext,
        signer: &Signer,
        recorded_at: DateTime<Utc>,
    ) -> Result<Entry, ZaakError> {
        let body =
            crate::evidence::klantverklaring::event_body_with_klantverklaring(event, verklaring)?;
        self.append_body(visit_id, body, policy, signer, recorded_at)
    }

    fn append_body(
        &mut self,
        visit_id: &str,
        body: String,
        policy: &PolicyContext,
        signer: &Signer,
        recorded_at: DateTime<Utc>,
    ) -> Result<Entry, ZaakError> {
        let visits = object(&self.doc, &ROOT, VISITS, ObjType::Map)?
            .ok_or_else(|| malformed("root", VISITS, "missing"))?;
        let visit = object(&self.doc, &visits, visit_id, ObjType::Map)?
            .ok_or_else(|| ZaakError::UnknownVisit(visit_id.to_owned()))?;
        let list = object(&self.doc, &visit, ENTRIES, ObjType::List)?
            .ok_or_else(|| malformed(&format!("visits.{visit_id}"), ENTRIES, "missing"))?;

        let chain_key = (visit_id.to_owned(), signer.device_id.clone());
        let (seq, prev_hash) = match self.chain_tips.get(&chain_key) {
            Some((seq, hash)) => (seq + 1, hash.clone()),
            None => match self.last_own_entry(visit_id, &signer.device_id)? {
                Some(prev) => (prev.seq + 1, evidence::chain_hash(&prev)),
                None => (1, evidence::GENESIS_HASH.to_owned()),
            },
        };
        let mut policy = policy.clone();
        policy.policy_synced_at = policy.policy_synced_at.map(evidence::to_millis);
        let mut entry = Entry {
            entry_id: random_id()?,
            visit_id: visit_id.to_owned(),
            device_id: signer.device_id.clone(),
            key_id: String::new(),
            format: evidence::ENTRY_FORMAT,
            seq,
            recorded_at: evidence::to_millis(recorded_at),
            prev_hash,
            signature: String::new(),
            policy,
            body,
        };
        evidence::sign_entry(&mut entry, &signer.key);

        self.use_device_actor(&signer.device_id)?;
        let index = self.doc.length(&list);
        insert_entry(&mut self.doc, &list, index, &entry)?;
        self.doc.commit();
        self.chain_tips
            .insert(chain_key, (entry.seq, evidence::chain_hash(&entry)));
        Ok(entry)
    }
}

/// Upgrades an older version's view to the current one. Version 1 is the first; a later version
/// adds a step here (reading old layouts; entries are never rewritten, they are signed).
fn upgrade_view(version: u64) -> Result<(), ZaakError> {
    match version {
        1 => Ok(()),
        other => Err(malformed(
            "root",
            SCHEMA_VERSION_KEY,
            &format!("unknown version {other}"),
        )),
    }
}

fn read_entry(f: &Fields) -> Result<Entry, ZaakError> {
    let confirmed_conditions: Vec<String> = serde_json::from_str(&f.str("policy_conditions")?)
        .map_err(|_| f.malformed("policy_conditions", "not a JSON array of strings"))?;
    Ok(Entry {
        entry_id: f.str("entry_id")?,
        visit_id: f.str("visit_id")?,
        device_id: f.str("device_id")?,
        key_id: f.str("key_id")?,
        format: f.uint("format")?,
        seq: f.uint("seq")?,
        recorded_at: f.time("recorded_at")?,
        prev_hash: f.str("prev_hash")?,
        signature: f.str("signature")?,
        policy: PolicyContext {
            actie: f.enumeration::<Actie>("policy_actie")?,
            allowed: f.bool("policy_allowed")?,
            confirmed_conditions,
            policy_version: f.uint("policy_version")?,
            code: f.enumeration::<Code>("policy_code")?,
            policy_synced_at: f.opt_time("policy_synced_at")?,
        },
        body: f.str("body")?,
    })
}

/// Inserts `entry` as a new map at `index` of an entry list, in one batch (a put per field costs
/// Automerge about 20 µs each; the batch writes the whole map in two splices).
fn insert_entry(
    d: &mut AutoCommit,
    list: &ObjId,
    index: usize,
    entry: &Entry,
) -> Result<ObjId, ZaakError> {
    let conditions = serde_json::to_string(&entry.policy.confirmed_conditions).map_err(|err| {
        ZaakError::InvalidEvent {
            entry_id: entry.entry_id.clone(),
            detail: err.to_string(),
        }
    })?;
    let synced = entry
        .policy
        .policy_synced_at
        .as_ref()
        .map(timestamp)
        .unwrap_or(ScalarValue::Null);
    let fields: [(&str, ScalarValue); 16] = [
        ("entry_id", entry.entry_id.as_str().into()),
        ("visit_id", entry.visit_id.as_str().into()),
        ("device_id", entry.device_id.as_str().into()),
        ("key_id", entry.key_id.as_str().into()),
        ("format", ScalarValue::Uint(entry.format)),
        ("seq", ScalarValue::Uint(entry.seq)),
        ("recorded_at", timestamp(&entry.recorded_at)),
        ("prev_hash", entry.prev_hash.as_str().into()),
        ("signature", entry.signature.as_str().into()),
        ("policy_actie", enum_name(&entry.policy.actie).into()),
        ("policy_allowed", entry.policy.allowed.into()),
        ("policy_conditions", conditions.into()),
        (
            "policy_version",
            ScalarValue::Uint(entry.policy.policy_version),
        ),
        ("policy_code", enum_name(&entry.policy.code).into()),
        ("policy_synced_at", synced),
        ("body", entry.body.as_str().into()),
    ];
    let map: std::collections::HashMap<&str, hydrate::Value> = fields
        .into_iter()
        .map(|(k, v)| (k, hydrate::Value::Scalar(v)))
        .collect();
    Ok(d.batch_create_object(list, index, &hydrate::Value::from(map), true)?)
}

#[cfg(any(test, feature = "test-support"))]
pub mod test_support;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod verify_tests;
