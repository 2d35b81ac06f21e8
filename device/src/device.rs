//! The device: one handhaver's encrypted store, its identity and verified policy, the open zaak
//! documents, and the one path by which a visit's facts are recorded (protocol, routekaart, sign,
//! chain, Automerge change, encrypt, durable commit).
//!
//! Recording (issue 3, "record one waarneming"): [`Device::record`] replays the visit
//! ([`Bezoek`]), applies the new event strictly, checks the visit's action against the routekaart
//! of the active code (refusing forbidden actions and unconfirmed conditions), appends the signed,
//! chained entry to the zaak document and commits the change with the zaak's new worklist row in
//! one durable transaction. When `record` returns, the entry survives a dead battery.
//!
//! Reading: [`Device::visit_progress`] says where one visit stands (fase, next steps, consent
//! variant) for a step screen; [`Device::zaak_detail`] gives everything, with every signature
//! verified, for where evidence status is shown.

mod error;
mod keys;
mod klantmodus;
mod photos;
mod progress;
mod recovery;
pub mod rules;
mod sync_docs;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};

pub use error::DeviceError;
pub use keys::KeysStatus;
pub use klantmodus::{Klantmodus, Rondgang, RondgangVraag, MIN_ONTGRENDELCODE};
pub use progress::VisitProgress;
pub use recovery::{Rebase, RefusedWork};
pub use rules::Rules;

use crate::store::{BlobRef, CompactionPolicy, Store, Worklist, WorklistItem};
use progress::Replayed;
use veldwerk_contract::evidence::klantverklaring::{self, Klantverklaring};
use veldwerk_contract::evidence::{
    self, CheckedCopy, DeviceKey, EntryStatus, EvidenceError, KeyDirectory, KeyList, Signer,
    VisitVerification,
};
use veldwerk_contract::policy::{self, PolicyBundle, PolicyError, PolicyStatus, SignedPolicy};
use veldwerk_contract::zaak::{Entry, PolicyContext, VisitMeta, ZaakDocument, ZaakSummary};
use veldwerk_rules::protocol::{
    stap, Anomaly, Bezoek, Einde, Event, EventSoort, Fase, ProtocolError, Taalwaarschuwing, Variant,
};
use veldwerk_rules::routekaart::{Actie, Code, Decision, PlannedAction};
use veldwerk_rules::Notice;

/// Store secret names (fixed, non-personal labels; the values are sealed).
const DEVICE_KEY: &str = "device_key";
const PROVISIONAL_ID: &str = "device_provisional_id";
const ENROLLMENT: &str = "enrollment";
const POLICY: &str = "policy";
const KNOWN_KEYS: &str = "known_keys";
/// The organisation's signed key list (`GET /v1/keys`), re-verified at every open.
const ORG_KEYS: &str = "org_keys";

fn plan_secret(visit_id: &str) -> String {
    format!("visit_plan:{visit_id}")
}

/// Present (holding `true`) for a visit started as part of a grote controle.
fn grote_controle_secret(visit_id: &str) -> String {
    format!("visit_grote_controle:{visit_id}")
}

/// How a visit is started beyond its plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VisitOptions {
    /// The visit is part of a grote controle (e.g. a recreatieterrein): the routekaart's
    /// condition for grote controles is asked at its contact steps (seed 004, code geel).
    pub grote_controle: bool,
}

/// The code a device applies while it has no policy bundle: the VNG default table under code
/// geel, the least restrictive code, recorded as policy version 0 without a sync time so the
/// server flags every such action for the supervisor (DESIGN.md, "Offline and the active code").
pub const CODE_WITHOUT_POLICY: Code = Code::Geel;

/// What enrollment gave the device: its id, the organisation's key policy bundles are verified
/// against, and where its server is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    pub device_id: String,
    /// Raw 32-byte Ed25519 public key of the organisation.
    pub org_public_key: Vec<u8>,
    pub server_url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredPolicy {
    signed: SignedPolicy,
    /// When the server last confirmed this bundle is current.
    checked_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct InstalledPolicy {
    bundle: PolicyBundle,
    checked_at: DateTime<Utc>,
    rules: Rules,
    signed: SignedPolicy,
}

/// What the device shows about its policy (`veldwerk status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevicePolicyStatus {
    /// Whether a verified bundle is installed.
    pub installed: bool,
    /// The active code the device applies.
    pub code: Code,
    /// The bundle's version; 0 without one.
    pub version: u64,
    /// When the server last confirmed the policy; `None` if never.
    pub synced_at: Option<DateTime<Utc>>,
    /// Seconds since `synced_at`.
    pub age_seconds: Option<i64>,
    /// Older than the organisation allows, or no policy at all.
    pub stale: bool,
    pub warnings: Vec<Notice>,
}

/// A visit as the device knows it: its meta data, the plan it was started with, its protocol
/// state and its entries in reading order, each with its decoded event, and their verification.
#[derive(Debug, Clone, Serialize)]
pub struct VisitDetail {
    pub meta: VisitMeta,
    /// The planned action given when the visit started on this device (`None` if it started
    /// on another device).
    pub plan: Option<PlannedAction>,
    pub fase: Fase,
    pub einde: Option<Einde>,
    pub next_steps: Vec<EventSoort>,
    /// The consent text variant the recorded grondslag demands (for the apps' zaak screen).
    /// Not serialised, so the JSON of `veldwerk zaak show` keeps its shape.
    #[serde(skip)]
    pub consent_variant: Option<Variant>,
    pub entries: Vec<EntryDetail>,
    /// Entries the protocol could not apply after a merge (they stay recorded).
    pub anomalies: Vec<Anomaly>,
    pub warnings: Vec<Notice>,
    pub verification: VisitVerification,
}

/// One entry with its decoded event (`None` for an event this build does not know), its own
/// verdict, and every other stored copy of it with theirs (a forged copy is listed here as
/// `forged_copy`, never shown in the entry's place).
#[derive(Debug, Clone, Serialize)]
pub struct EntryDetail {
    pub entry: Entry,
    pub event: Option<Event>,
    /// The factual-language warnings its text was signed despite (from the signed body).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub taalwaarschuwingen: Vec<Taalwaarschuwing>,
    pub status: EntryStatus,
    pub other_copies: Vec<CheckedCopy>,
}

/// Everything about one zaak on the device (`veldwerk zaak show`).
#[derive(Debug, Clone, Serialize)]
pub struct ZaakDetail {
    pub summary: ZaakSummary,
    pub worklist: Option<WorklistItem>,
    pub visits: Vec<VisitDetail>,
}

/// The protocol state of one visit, rebuilt from its entries once and then kept up to date.
#[derive(Debug, Clone)]
struct VisitState {
    meta: VisitMeta,
    bezoek: Bezoek,
    entry_ids: HashSet<String>,
}

/// An open zaak document and what the device derived from it.
#[derive(Debug)]
struct OpenZaak {
    doc: ZaakDocument,
    summary: ZaakSummary,
    /// (created_at, visit id) of the latest visit: the one the worklist shows.
    latest_visit: Option<(DateTime<Utc>, String)>,
    visits: HashMap<String, VisitState>,
}

impl OpenZaak {
    fn new(doc: ZaakDocument) -> Result<Self, DeviceError> {
        let mut zaak = OpenZaak {
            summary: doc.summary()?,
            doc,
            latest_visit: None,
            visits: HashMap::new(),
        };
        zaak.refresh()?;
        Ok(zaak)
    }

    /// Re-derives everything from the document (after changes from elsewhere were merged).
    fn refresh(&mut self) -> Result<(), DeviceError> {
        self.summary = self.doc.summary()?;
        self.latest_visit = self
            .doc
            .visits()?
            .into_iter()
            .map(|v| (v.created_at, v.visit_id))
            .max();
        self.visits.clear();
        Ok(())
    }

    fn visit(&mut self, visit_id: &str) -> Result<&mut VisitState, DeviceError> {
        if !self.visits.contains_key(visit_id) {
            let meta = self.doc.visit(visit_id)?;
            let replayed = Replayed::of(&self.doc, visit_id)?;
            let state = VisitState {
                meta,
                bezoek: replayed.bezoek,
                entry_ids: replayed.entries.into_iter().map(|e| e.entry_id).collect(),
            };
            self.visits.insert(visit_id.to_owned(), state);
        }
        self.visits.get_mut(visit_id).ok_or_else(|| {
            DeviceError::Zaak(veldwerk_contract::zaak::ZaakError::UnknownVisit(
                visit_id.into(),
            ))
        })
    }

    /// Whether an internetonderzoek (seed 002 §9) is recorded in an activity of this zaak.
    fn has_internetonderzoek(&mut self) -> Result<bool, DeviceError> {
        let onderzoeken: Vec<String> = self
            .doc
            .visits()?
            .into_iter()
            .filter(|v| v.kind == Actie::AdministratiefOnderzoek)
            .map(|v| v.visit_id)
            .collect();
        for id in onderzoeken {
            if self.visit(&id)?.bezoek.internetonderzoeken() > 0 {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Status, next step and closed-ness for the worklist, from the latest visit's state.
    fn progress(&mut self) -> Result<(String, String, bool), DeviceError> {
        let Some((_, visit_id)) = self.latest_visit.clone() else {
            return Ok(("nog_geen_bezoek".into(), "bezoek_starten".into(), false));
        };
        let fase = self.visit(&visit_id)?.bezoek.state();
        let next = match fase {
            Fase::Uitgenodigd => "afgerond".to_owned(),
            _ => self
                .visit(&visit_id)?
                .bezoek
                .next_steps()
                .into_iter()
                .find(|s| *s != EventSoort::Correctie)
                .map_or_else(|| "afgerond".to_owned(), |s| s.as_str().to_owned()),
        };
        // The device's part of a zaak is done once the rapport is recorded; the zaak leaves the
        // device (retention) only after the server acknowledged all of it.
        let closed = matches!(fase, Fase::Gerapporteerd | Fase::Uitgenodigd);
        Ok((fase.as_str().to_owned(), next, closed))
    }
}

/// One handhaver's device. Not `Sync`: wrap it in a mutex to share it.
pub struct Device {
    store: Store,
    signer: Signer,
    provisional_id: String,
    enrollment: Option<Enrollment>,
    policy: Option<InstalledPolicy>,
    default_rules: Rules,
    known_keys: KeyDirectory,
    /// The verified key list of the organisation, if the server sent one.
    org_keys: Option<KeyList>,
    max_policy_age: Duration,
    compaction: CompactionPolicy,
    open: HashMap<String, OpenZaak>,
    /// The tour the device is locked to (kept in the store; read once when opened).
    klantmodus: Option<Klantmodus>,
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("device_id", &self.signer.device_id)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

fn corrupt(what: &'static str, detail: impl ToString) -> DeviceError {
    DeviceError::DeviceStateCorrupt {
        what,
        detail: detail.to_string(),
    }
}

fn read_json<T: for<'de> Deserialize<'de>>(
    store: &Store,
    name: &'static str,
) -> Result<Option<T>, DeviceError> {
    match store.get_secret(name)? {
        None => Ok(None),
        Some(bytes) => serde_json::from_slice(&bytes).map_err(|e| corrupt(name, e)),
    }
}

fn write_json<T: Serialize>(store: &Store, name: &str, value: &T) -> Result<(), DeviceError> {
    let bytes = serde_json::to_vec(value).map_err(|e| corrupt("serialisatie", e))?;
    Ok(store.put_secret(name, &bytes)?)
}

impl Device {
    /// Opens (or creates) the device store in `dir` with the 32-byte storage key. The first open
    /// creates the device's Ed25519 key pair (kept as a sealed store secret) and a provisional
    /// device id used until enrollment. A wrong key gives `wrong_key`.
    pub fn open(dir: &Path, key: [u8; 32]) -> Result<Device, DeviceError> {
        let store = Store::open(dir, key)?;
        let pkcs8 = match store.get_secret(DEVICE_KEY)? {
            Some(pkcs8) => pkcs8,
            None => {
                let pkcs8 = DeviceKey::generate_pkcs8()?;
                store.put_secret(DEVICE_KEY, &pkcs8)?;
                pkcs8
            }
        };
        let device_key = DeviceKey::from_pkcs8(&pkcs8)?;
        let provisional_id = match store.get_secret(PROVISIONAL_ID)? {
            Some(id) => String::from_utf8(id).map_err(|e| corrupt(PROVISIONAL_ID, e))?,
            None => {
                let mut bytes = [0u8; 8];
                SystemRandom::new()
                    .fill(&mut bytes)
                    .map_err(|_| EvidenceError::KeyGeneration)?;
                let id = format!("lokaal-{}", hex::encode(bytes));
                store.put_secret(PROVISIONAL_ID, id.as_bytes())?;
                id
            }
        };
        let enrollment: Option<Enrollment> = read_json(&store, ENROLLMENT)?;
        let stored: Option<Option<StoredPolicy>> = read_json(&store, POLICY)?;
        let policy = match (stored.flatten(), &enrollment) {
            (None, _) => None,
            (Some(_), None) => return Err(corrupt(POLICY, "beleid zonder aanmelding")),
            (Some(stored), Some(enrollment)) => {
                let bundle = stored
                    .signed
                    .verify(&enrollment.org_public_key)
                    .map_err(|e| corrupt(POLICY, e))?;
                Some(InstalledPolicy {
                    rules: Rules::of_bundle(&bundle)?,
                    bundle,
                    checked_at: stored.checked_at,
                    signed: stored.signed,
                })
            }
        };
        let known_keys = read_json(&store, KNOWN_KEYS)?.unwrap_or_default();
        let org_keys = keys::load(&store, enrollment.as_ref())?;
        let device_id = enrollment
            .as_ref()
            .map_or_else(|| provisional_id.clone(), |e| e.device_id.clone());
        let klantmodus = klantmodus::stored(&store)?;
        Ok(Device {
            store,
            signer: Signer {
                device_id,
                key: device_key,
            },
            provisional_id,
            enrollment,
            policy,
            default_rules: Rules::vng_default(),
            known_keys,
            org_keys,
            max_policy_age: policy::DEFAULT_MAX_AGE,
            compaction: CompactionPolicy::default(),
            open: HashMap::new(),
            klantmodus,
        })
    }

    /// The store underneath (for sync and retention).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The id entries are signed with: the enrolled id, or the provisional one before enrollment.
    pub fn device_id(&self) -> &str {
        &self.signer.device_id
    }

    /// The id the device used before enrollment.
    pub fn provisional_device_id(&self) -> &str {
        &self.provisional_id
    }

    /// The raw 32-byte Ed25519 public key (sent at enrollment).
    pub fn public_key(&self) -> [u8; 32] {
        self.signer.key.public_key()
    }

    pub fn key_id(&self) -> &str {
        self.signer.key.key_id()
    }

    /// Signs `message` with the device key (request signing, `veldwerk_contract::auth`).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signer.key.sign(message)
    }

    pub fn enrollment(&self) -> Option<&Enrollment> {
        self.enrollment.as_ref()
    }

    /// Records the enrollment: from now on entries carry `device_id`, and policy bundles are
    /// verified against `org_public_key`. An installed policy of another organisation key is
    /// dropped.
    pub fn set_enrollment(
        &mut self,
        device_id: &str,
        org_public_key: &[u8],
        server_url: &str,
    ) -> Result<(), DeviceError> {
        if org_public_key.len() != 32 {
            return Err(EvidenceError::InvalidPublicKey.into());
        }
        let enrollment = Enrollment {
            device_id: device_id.to_owned(),
            org_public_key: org_public_key.to_vec(),
            server_url: server_url.to_owned(),
        };
        let keeps_policy = self
            .policy
            .as_ref()
            .is_some_and(|p| p.signed.verify(org_public_key).is_ok());
        if !keeps_policy && self.policy.is_some() {
            write_json::<Option<StoredPolicy>>(&self.store, POLICY, &None)?;
            self.policy = None;
        }
        write_json(&self.store, ENROLLMENT, &enrollment)?;
        self.signer.device_id = enrollment.device_id.clone();
        self.enrollment = Some(enrollment);
        // Documents cached with the old id would author changes with the old actor prefix.
        self.open.clear();
        Ok(())
    }

    /// How old a policy may get before the device warns (default 12 hours).
    pub fn set_max_policy_age(&mut self, max_age: Duration) {
        self.max_policy_age = max_age;
    }

    /// When to fold a zaak's change chunks into a snapshot.
    pub fn set_compaction_policy(&mut self, policy: CompactionPolicy) {
        self.compaction = policy;
    }

    /// Verifies a signed policy bundle (as [`SignedPolicy::to_bytes`] writes it) against the
    /// organisation key pinned at enrollment and installs it if it is newer than the one in use.
    /// `now` counts as the moment the server last confirmed the policy.
    pub fn install_policy(
        &mut self,
        signed_bytes: &[u8],
        now: DateTime<Utc>,
    ) -> Result<DevicePolicyStatus, DeviceError> {
        let enrollment = self.enrollment.as_ref().ok_or(DeviceError::NotEnrolled)?;
        let signed: SignedPolicy =
            serde_json::from_slice(signed_bytes).map_err(|_| PolicyError::Malformed)?;
        let have = self.policy.as_ref().map_or(0, |p| p.bundle.version);
        let bundle = policy::accept_newer(&signed, &enrollment.org_public_key, have)?;
        let rules = Rules::of_bundle(&bundle)?;
        let stored = StoredPolicy {
            signed: signed.clone(),
            checked_at: now,
        };
        write_json(&self.store, POLICY, &Some(stored))?;
        self.policy = Some(InstalledPolicy {
            bundle,
            checked_at: now,
            rules,
            signed,
        });
        Ok(self.policy_status(now))
    }

    /// Records that the server confirmed at `now` that the installed policy is still current.
    pub fn policy_confirmed(&mut self, now: DateTime<Utc>) -> Result<(), DeviceError> {
        if let Some(p) = &mut self.policy {
            let stored = StoredPolicy {
                signed: p.signed.clone(),
                checked_at: now,
            };
            write_json(&self.store, POLICY, &Some(stored))?;
            p.checked_at = now;
        }
        Ok(())
    }

    /// The installed bundle, if any.
    pub fn policy(&self) -> Option<&PolicyBundle> {
        self.policy.as_ref().map(|p| &p.bundle)
    }

    /// The installed bundle's version, 0 without one.
    pub fn policy_version(&self) -> u64 {
        self.policy.as_ref().map_or(0, |p| p.bundle.version)
    }

    /// The active code: the newest directive of the installed bundle, or
    /// [`CODE_WITHOUT_POLICY`].
    pub fn active_code(&self) -> Code {
        self.policy
            .as_ref()
            .and_then(|p| p.bundle.active())
            .map_or(CODE_WITHOUT_POLICY, |d| d.code)
    }

    /// The routekaart in force: the VNG default plus the installed bundle's overrides.
    pub fn rules(&self) -> &Rules {
        self.policy
            .as_ref()
            .map_or(&self.default_rules, |p| &p.rules)
    }

    /// The active code, the policy's age and whether it is stale, with coded warnings.
    pub fn policy_status(&self, now: DateTime<Utc>) -> DevicePolicyStatus {
        match &self.policy {
            Some(p) => {
                let status = PolicyStatus::of(&p.bundle, p.checked_at, now, self.max_policy_age);
                DevicePolicyStatus {
                    installed: true,
                    code: self.active_code(),
                    version: status.version,
                    synced_at: Some(p.checked_at),
                    age_seconds: Some(status.age.num_seconds()),
                    stale: status.stale,
                    warnings: status.warning().into_iter().collect(),
                }
            }
            None => DevicePolicyStatus {
                installed: false,
                code: CODE_WITHOUT_POLICY,
                version: 0,
                synced_at: None,
                age_seconds: None,
                stale: true,
                warnings: vec![Notice::new(
                    "policy_missing",
                    "Er staat nog geen beleid van de organisatie op dit apparaat: de routekaart \
                     van VNG met code geel geldt. Synchroniseer om de actuele code te ontvangen.",
                )],
            },
        }
    }

    /// What the routekaart decides for `planned` under the active code.
    pub fn check_action(&self, planned: &PlannedAction) -> Decision {
        self.rules().evaluate(self.active_code(), planned)
    }

    /// Adds a public key of another device (told by the server), for verifying its entries.
    pub fn add_known_key(&mut self, device_id: &str, public_key: &[u8]) -> Result<(), DeviceError> {
        let mut keys = self.known_keys.clone();
        keys.insert(device_id, public_key)?;
        write_json(&self.store, KNOWN_KEYS, &keys)?;
        self.known_keys = keys;
        Ok(())
    }

    /// The keys this device verifies entries with: its own, the organisation's signed key list
    /// and those it was told about.
    pub fn key_directory(&self) -> KeyDirectory {
        let mut keys = self.known_keys.clone();
        if let Some(list) = &self.org_keys {
            keys.extend(&list.directory());
        }
        // The device's own key is always 32 bytes.
        let _ = keys.insert(&self.signer.device_id, &self.signer.key.public_key());
        keys
    }

    /// Every zaak on the device with its status and next step, from the store's small index
    /// rows only (no document is loaded).
    pub fn worklist(&self) -> Result<Worklist, DeviceError> {
        self.guard_klantmodus(None, None, None)?;
        Ok(self.store.worklist()?)
    }

    /// Creates a new zaak document (the server does this when it assigns a zaak; tests and
    /// demos use it directly). Refuses an id that is already on the device.
    pub fn create_zaak(
        &mut self,
        summary: &ZaakSummary,
        now: DateTime<Utc>,
    ) -> Result<(), DeviceError> {
        if self.store.worklist_item(&summary.zaak_id)?.is_some() {
            return Err(DeviceError::ZaakExists(summary.zaak_id.clone()));
        }
        let mut doc = ZaakDocument::new(summary)?;
        let bytes = doc.save();
        self.commit_new(doc, &bytes, now, None)
    }

    /// Adds a zaak document received from elsewhere (sync, an import): merged into the zaak's
    /// document when the zaak is already on the device. Returns the zaak id.
    pub fn add_zaak_document(
        &mut self,
        bytes: &[u8],
        now: DateTime<Utc>,
    ) -> Result<String, DeviceError> {
        let mut incoming = ZaakDocument::load(bytes)?;
        let zaak_id = incoming.summary()?.zaak_id;
        if self.store.worklist_item(&zaak_id)?.is_none() {
            let bytes = incoming.save();
            self.commit_new(incoming, &bytes, now, None)?;
            return Ok(zaak_id);
        }
        self.update_document(&zaak_id, now, |doc| Ok(doc.merge(&mut incoming)?))?;
        Ok(zaak_id)
    }

    /// Lets `f` change a zaak's document (receive a sync message, merge), then stores what
    /// changed with the re-derived worklist row in one durable transaction. On any error the
    /// cached document is dropped, so nothing unsaved is used later.
    pub fn update_document<T>(
        &mut self,
        zaak_id: &str,
        now: DateTime<Utc>,
        f: impl FnOnce(&mut ZaakDocument) -> Result<T, DeviceError>,
    ) -> Result<T, DeviceError> {
        let Device { store, open, .. } = self;
        let result = (|| {
            let zaak = load_zaak(store, open, zaak_id)?;
            let value = f(&mut zaak.doc)?;
            let chunk = zaak.doc.save_incremental();
            if !chunk.is_empty() {
                zaak.refresh()?;
                if zaak.summary.zaak_id != zaak_id {
                    return Err(corrupt("zaak_id", "het document hoort bij een andere zaak"));
                }
                let item = worklist_item(store, zaak, 0, now)?;
                store.append_changes(zaak_id, &chunk, &item)?;
            }
            Ok(value)
        })();
        self.settle(zaak_id, &result);
        result
    }

    /// Records that the server holds every entry of the zaak recorded so far: the worklist
    /// shows no unsynced entries for it.
    pub fn mark_synced(&mut self, zaak_id: &str) -> Result<(), DeviceError> {
        let mut item = self
            .store
            .worklist_item(zaak_id)?
            .ok_or_else(|| DeviceError::UnknownZaak(zaak_id.to_owned()))?;
        item.unsynced_entries = 0;
        Ok(self.store.update_worklist_item(&item)?)
    }

    /// Stores a new document's first save with its worklist row.
    /// Stores a zaak new on this device, with its sync state with a peer (`(peer, state)`) in
    /// the same transaction when it came whole from that peer.
    fn commit_new(
        &mut self,
        doc: ZaakDocument,
        bytes: &[u8],
        now: DateTime<Utc>,
        sync_state: Option<(&str, &[u8])>,
    ) -> Result<(), DeviceError> {
        let mut zaak = OpenZaak::new(doc)?;
        let zaak_id = zaak.summary.zaak_id.clone();
        let item = worklist_item(&self.store, &mut zaak, 0, now)?;
        match sync_state {
            Some((peer, state)) => self
                .store
                .append_changes_with_sync_state(&zaak_id, bytes, &item, peer, state)?,
            None => self.store.append_changes(&zaak_id, bytes, &item)?,
        }
        self.open.insert(zaak_id, zaak);
        Ok(())
    }

    /// Drops a cached document after a failed write, so the next use reloads what is durable.
    fn settle<T>(&mut self, zaak_id: &str, result: &Result<T, DeviceError>) {
        if result.is_err() {
            self.open.remove(zaak_id);
        }
    }

    fn open_zaak(&mut self, zaak_id: &str) -> Result<&mut OpenZaak, DeviceError> {
        load_zaak(&self.store, &mut self.open, zaak_id)
    }

    /// The zaak's summary, visits (with protocol state and the plan they started with), entries
    /// in reading order and their verification against the keys this device knows.
    pub fn zaak_detail(&mut self, zaak_id: &str) -> Result<ZaakDetail, DeviceError> {
        self.guard_klantmodus(Some(zaak_id), None, None)?;
        let keys = self.key_directory();
        let worklist = self.store.worklist_item(zaak_id)?;
        let Device { store, open, .. } = self;
        let zaak = load_zaak(store, open, zaak_id)?;
        let mut visits = Vec::new();
        for meta in zaak.doc.visits()? {
            let verification = zaak.doc.verify_visit(&meta.visit_id, &keys)?;
            let read = evidence::read_visit(
                zaak.doc.stored_entries(&meta.visit_id).unwrap_or_default(),
                &verification,
            );
            let (entries, copies): (Vec<Entry>, Vec<(EntryStatus, Vec<CheckedCopy>)>) = read
                .into_iter()
                .map(|r| (r.entry, (r.status, r.other_copies)))
                .unzip();
            let Replayed {
                entries,
                events,
                bezoek,
                anomalies,
            } = if entries.is_empty() {
                // No readable copy set (an unreadable entry): the keyless reading order.
                Replayed::of(&zaak.doc, &meta.visit_id)?
            } else {
                Replayed::from_entries(entries)
            };
            let mut copies: HashMap<String, (EntryStatus, Vec<CheckedCopy>)> = entries
                .iter()
                .map(|e| e.entry_id.clone())
                .zip(copies)
                .collect();
            visits.push(VisitDetail {
                plan: read_plan(store, &meta.visit_id)?,
                fase: bezoek.state(),
                einde: bezoek.einde(),
                next_steps: bezoek.next_steps(),
                consent_variant: progress::consent_variant(&bezoek),
                entries: entries
                    .into_iter()
                    .zip(events)
                    .map(|(entry, event)| {
                        let (status, other_copies) =
                            copies.remove(&entry.entry_id).unwrap_or_else(|| {
                                let status = verification
                                    .status_of(&entry.entry_id)
                                    .unwrap_or(EntryStatus::Altered);
                                (status, Vec::new())
                            });
                        EntryDetail {
                            taalwaarschuwingen: entry.taalwaarschuwingen(),
                            entry,
                            event,
                            status,
                            other_copies,
                        }
                    })
                    .collect(),
                anomalies,
                warnings: bezoek.warnings(),
                verification,
                meta,
            });
        }
        visits.sort_by(|a, b| {
            (a.meta.created_at, &a.meta.visit_id).cmp(&(b.meta.created_at, &b.meta.visit_id))
        });
        Ok(ZaakDetail {
            summary: zaak.summary.clone(),
            worklist,
            visits,
        })
    }

    /// Verifies one visit's entries against the keys this device knows.
    pub fn verify_visit(
        &mut self,
        zaak_id: &str,
        visit_id: &str,
    ) -> Result<VisitVerification, DeviceError> {
        let keys = self.key_directory();
        let zaak = self.open_zaak(zaak_id)?;
        Ok(zaak.doc.verify_visit(visit_id, &keys)?)
    }

    /// The zaak's current document (an Automerge save), e.g. for an export.
    pub fn zaak_document(&mut self, zaak_id: &str) -> Result<Vec<u8>, DeviceError> {
        let zaak = self.open_zaak(zaak_id)?;
        let mut doc = zaak.doc.clone();
        Ok(doc.save())
    }

    /// Starts a visit of kind `actie` (`huisbezoek` or `huisbezoek_app`) with what is planned
    /// for it. A plan the routekaart forbids under the active code is refused here already; its
    /// conditions are confirmed with each recorded step. Returns the new visit id.
    pub fn start_visit(
        &mut self,
        zaak_id: &str,
        actie: Actie,
        planned: PlannedAction,
        now: DateTime<Utc>,
    ) -> Result<String, DeviceError> {
        self.start_visit_with(zaak_id, actie, planned, VisitOptions::default(), now)
    }

    /// [`Device::start_visit`] with options, e.g. marked as part of a grote controle.
    pub fn start_visit_with(
        &mut self,
        zaak_id: &str,
        actie: Actie,
        planned: PlannedAction,
        options: VisitOptions,
        now: DateTime<Utc>,
    ) -> Result<String, DeviceError> {
        // In klantmodus no new visit starts: the device shows only the client's tour.
        self.guard_klantmodus(Some(zaak_id), Some(""), None)?;
        let planned = PlannedAction { actie, ..planned };
        let code = self.active_code();
        if let Decision::Forbidden { reasons, .. } = self.rules().evaluate(code, &planned) {
            return Err(DeviceError::ActieForbidden {
                actie,
                code,
                reasons,
            });
        }
        let Device {
            store,
            open,
            signer,
            ..
        } = self;
        let result = (|| {
            let zaak = load_zaak(store, open, zaak_id)?;
            let visit_id = zaak.doc.start_visit(actie, signer, now)?;
            write_json(store, &plan_secret(&visit_id), &planned)?;
            if options.grote_controle {
                write_json(store, &grote_controle_secret(&visit_id), &true)?;
            }
            let meta = zaak.doc.visit(&visit_id)?;
            if zaak
                .latest_visit
                .as_ref()
                .is_none_or(|latest| (meta.created_at, &visit_id) > (latest.0, &latest.1))
            {
                zaak.latest_visit = Some((meta.created_at, visit_id.clone()));
            }
            let chunk = zaak.doc.save_incremental();
            let item = worklist_item(store, zaak, 0, now)?;
            store.append_changes(zaak_id, &chunk, &item)?;
            Ok(visit_id)
        })();
        self.settle(zaak_id, &result);
        result
    }

    /// The plan a visit was started with on this device, if it was.
    pub fn visit_plan(&self, visit_id: &str) -> Result<Option<PlannedAction>, DeviceError> {
        read_plan(&self.store, visit_id)
    }

    /// Stores a photo for a zaak, encrypted and content-addressed; record the waarneming that
    /// references it (`foto: Some(blob.as_str())`) afterwards.
    pub fn put_photo(&mut self, zaak_id: &str, bytes: &[u8]) -> Result<BlobRef, DeviceError> {
        if self.store.worklist_item(zaak_id)?.is_none() {
            return Err(DeviceError::UnknownZaak(zaak_id.to_owned()));
        }
        Ok(self.store.put_blob(zaak_id, bytes)?)
    }

    /// A photo's bytes, verified against its hash.
    pub fn photo(&self, blob: &BlobRef) -> Result<Option<Vec<u8>>, DeviceError> {
        Ok(self.store.get_blob(blob)?)
    }

    /// The routekaart's decision for the next step of a visit, as [`Device::record`] will
    /// evaluate it: for showing the conditions before asking the handhaver to confirm them.
    /// `None` for steps the routekaart does not govern: desk, protective and closing steps
    /// (`veldwerk_rules::protocol::StapRol`).
    pub fn decision_for(
        &mut self,
        zaak_id: &str,
        visit_id: &str,
        event: &Event,
    ) -> Result<Option<Decision>, DeviceError> {
        if !event.rol().governed_by_routekaart() {
            return Ok(None);
        }
        let plan = read_plan(&self.store, visit_id)?;
        let zaak = self.open_zaak(zaak_id)?;
        let visit = zaak.visit(visit_id)?;
        let mut after = visit.bezoek.clone();
        // The decision is about the action; a step the protocol refuses is refused by `record`.
        let _ = after.apply(event);
        let planned = planned_for(plan, visit.meta.kind, &after);
        let grote_controle = is_grote_controle(&self.store, visit_id)?;
        Ok(Some(for_step(self.check_action(&planned), grote_controle)))
    }

    /// Whether the visit was started on this device as part of a grote controle.
    pub fn is_grote_controle(&self, visit_id: &str) -> Result<bool, DeviceError> {
        is_grote_controle(&self.store, visit_id)
    }

    /// Records one step of a visit (issue 3): protocol, routekaart and conditions checked, then
    /// signed, chained and committed durably with the zaak's worklist row. Nothing is recorded
    /// when any check fails.
    pub fn record(
        &mut self,
        zaak_id: &str,
        visit_id: &str,
        event: Event,
        confirmed_conditions: Vec<String>,
        now: DateTime<Utc>,
    ) -> Result<Entry, DeviceError> {
        self.record_with(zaak_id, visit_id, event, confirmed_conditions, None, now)
    }

    /// Records what the client stated on their own phone in an app-sessie (issue 16 §2): the
    /// event as [`Device::record`] does, with the client's signed statement beside it, checked
    /// first against the organisation key (the server checks it again at every sync).
    pub fn record_klantverklaring(
        &mut self,
        zaak_id: &str,
        visit_id: &str,
        event: Event,
        verklaring: Klantverklaring,
        confirmed_conditions: Vec<String>,
        now: DateTime<Utc>,
    ) -> Result<Entry, DeviceError> {
        let value = serde_json::to_value(&event).map_err(|e| corrupt("klantverklaring", e))?;
        let org_key = self
            .enrollment
            .as_ref()
            .map(|e| e.org_public_key.clone())
            .unwrap_or_default();
        klantverklaring::verify(&value, visit_id, zaak_id, &verklaring, &org_key)
            .map_err(|e| DeviceError::Klantverklaring(e.to_string()))?;
        self.record_with(
            zaak_id,
            visit_id,
            event,
            confirmed_conditions,
            Some(verklaring),
            now,
        )
    }

    fn record_with(
        &mut self,
        zaak_id: &str,
        visit_id: &str,
        event: Event,
        confirmed_conditions: Vec<String>,
        klant: Option<Klantverklaring>,
        now: DateTime<Utc>,
    ) -> Result<Entry, DeviceError> {
        self.guard_klantmodus(Some(zaak_id), Some(visit_id), Some(&event))?;
        let plan = read_plan(&self.store, visit_id)?;
        let code = self.active_code();
        let (version, synced_at) = self
            .policy
            .as_ref()
            .map_or((0, None), |p| (p.bundle.version, Some(p.checked_at)));
        let Device {
            store,
            open,
            signer,
            policy,
            default_rules,
            compaction,
            ..
        } = self;
        let rules = policy.as_ref().map_or(&*default_rules, |p| &p.rules);
        let result = (|| {
            let zaak = load_zaak(store, open, zaak_id)?;
            // Seed 002 §9: the internet as a source of a grondslag only after the research is
            // recorded, with its sources, proportionality and subsidiarity.
            if let Event::Aanleiding { grondslag, .. } = &event {
                if grondslag.steunt_op_internet() && !zaak.has_internetonderzoek()? {
                    return Err(ProtocolError::InternetonderzoekNietVastgelegd.into());
                }
            }
            let visit = zaak.visit(visit_id)?;
            let kind = visit.meta.kind;

            // 1. The protocol, on a copy: the visit's state changes only once recorded.
            if let Event::Aanleiding { actie, .. } = &event {
                if *actie != kind {
                    return Err(DeviceError::ActieMismatch {
                        visit: kind,
                        event: *actie,
                    });
                }
            }
            let mut after = visit.bezoek.clone();
            after.apply_new(&event)?;
            rules.check_consent_text(&event, kind)?;
            rules.check_vragenlijst(&visit.bezoek, &event)?;
            if let Event::Correctie { corrigeert, .. } = &event {
                if !visit.entry_ids.contains(corrigeert) {
                    return Err(DeviceError::CorrectionOfUnknownEntry(corrigeert.clone()));
                }
            }
            // Every photo the entry names is stored here before the entry is.
            let mut photos = Vec::new();
            for foto in event.fotos() {
                let blob = BlobRef::parse(foto)?;
                if store.get_blob(&blob)?.is_none() {
                    return Err(DeviceError::UnknownFoto(foto.to_owned()));
                }
                photos.push(blob);
            }

            // 2. The routekaart of the active code, for the visit's action as it now stands.
            let context = if event.rol().governed_by_routekaart() {
                let planned = planned_for(plan, kind, &after);
                let grote_controle = is_grote_controle(store, visit_id)?;
                match for_step(rules.evaluate(code, &planned), grote_controle) {
                    Decision::Forbidden { reasons, .. } => {
                        return Err(DeviceError::ActieForbidden {
                            actie: kind,
                            code,
                            reasons,
                        })
                    }
                    Decision::Allowed { conditions, .. } => {
                        let missing: Vec<Notice> = conditions
                            .iter()
                            .filter(|c| !confirmed_conditions.contains(&c.code))
                            .cloned()
                            .collect();
                        if !missing.is_empty() {
                            return Err(DeviceError::ConditionsNotConfirmed { missing });
                        }
                        PolicyContext {
                            actie: kind,
                            allowed: true,
                            confirmed_conditions: conditions.into_iter().map(|c| c.code).collect(),
                            policy_version: version,
                            code,
                            policy_synced_at: synced_at,
                        }
                    }
                }
            } else {
                PolicyContext {
                    actie: kind,
                    allowed: true,
                    confirmed_conditions: Vec::new(),
                    policy_version: version,
                    code,
                    policy_synced_at: synced_at,
                }
            };

            // 3. Sign, chain, one Automerge change, one durable transaction.
            let entry = match &klant {
                None => zaak
                    .doc
                    .append_entry(visit_id, &event, &context, signer, now)?,
                Some(v) => zaak
                    .doc
                    .append_klantverklaring(visit_id, &event, v, &context, signer, now)?,
            };
            let visit = zaak.visit(visit_id)?;
            visit.bezoek = after;
            visit.entry_ids.insert(entry.entry_id.clone());
            let chunk = zaak.doc.save_incremental();
            let item = worklist_item(store, zaak, 1, now)?;
            if photos.is_empty() {
                store.append_changes(zaak_id, &chunk, &item)?;
            } else {
                // The photos must reach the server before retention may delete the zaak.
                store.append_changes_with_photos(zaak_id, &chunk, &item, &photos)?;
            }

            // The entry is durable. A failed compaction keeps the chunks as they are and is
            // tried again after the next entry, so it does not fail the recording.
            if store.needs_compaction(zaak_id, compaction).unwrap_or(false) {
                let snapshot = zaak.doc.save();
                let _ = store.compact(zaak_id, &snapshot);
            }
            Ok(entry)
        })();
        self.settle(zaak_id, &result);
        result
    }
}

fn is_grote_controle(store: &Store, visit_id: &str) -> Result<bool, DeviceError> {
    Ok(store
        .get_secret(&grote_controle_secret(visit_id))?
        .is_some())
}

/// The decision for one contact step: only the conditions that apply to this visit, each once
/// (`veldwerk_rules::protocol::stap::voorwaarden`).
fn for_step(decision: Decision, grote_controle: bool) -> Decision {
    match decision {
        Decision::Allowed {
            conditions,
            warnings,
        } => Decision::Allowed {
            conditions: stap::voorwaarden(conditions, grote_controle),
            warnings,
        },
        forbidden => forbidden,
    }
}

fn read_plan(store: &Store, visit_id: &str) -> Result<Option<PlannedAction>, DeviceError> {
    match store.get_secret(&plan_secret(visit_id))? {
        None => Ok(None),
        Some(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| corrupt("visit_plan", e)),
    }
}

/// The action as the routekaart sees it: the plan (or just the visit's kind when it started on
/// another device), with the handhavers actually at the door once that is recorded.
fn planned_for(plan: Option<PlannedAction>, kind: Actie, after: &Bezoek) -> PlannedAction {
    let mut planned = plan.unwrap_or(PlannedAction {
        actie: kind,
        handhavers: None,
        transport: None,
        medewerkers_per_auto: None,
        coronaproof: None,
        hardware_ok: None,
        software_beveiligd: None,
    });
    planned.actie = kind;
    if !after.handhavers().is_empty() {
        planned.handhavers = u32::try_from(after.handhavers().len()).ok();
    }
    // A waarneming ter plaatse records how its officers travel (seed 004: per car).
    if let Some((transport, per_auto)) = after.vervoer() {
        planned.transport = Some(transport);
        planned.medewerkers_per_auto = per_auto;
    }
    planned
}

fn load_zaak<'a>(
    store: &Store,
    open: &'a mut HashMap<String, OpenZaak>,
    zaak_id: &str,
) -> Result<&'a mut OpenZaak, DeviceError> {
    use std::collections::hash_map::Entry as Slot;
    match open.entry(zaak_id.to_owned()) {
        Slot::Occupied(slot) => Ok(slot.into_mut()),
        Slot::Vacant(slot) => {
            let bytes = store
                .load_document(zaak_id)?
                .ok_or_else(|| DeviceError::UnknownZaak(zaak_id.to_owned()))?;
            let zaak = OpenZaak::new(ZaakDocument::load(&bytes)?)?;
            Ok(slot.insert(zaak))
        }
    }
}

/// The zaak's worklist row as it will be after this write: `recorded` more unsynced entries.
fn worklist_item(
    store: &Store,
    zaak: &mut OpenZaak,
    recorded: u32,
    now: DateTime<Utc>,
) -> Result<WorklistItem, DeviceError> {
    let previous = store.worklist_item(&zaak.summary.zaak_id)?;
    let (status, next_step, closed) = zaak.progress()?;
    Ok(WorklistItem {
        zaak_id: zaak.summary.zaak_id.clone(),
        label: zaak.summary.label.clone(),
        status,
        next_step,
        deadline: zaak.summary.deadline,
        unsynced_entries: previous
            .map_or(0, |p| p.unsynced_entries)
            .saturating_add(recorded),
        closed,
        acknowledged_at: None,
        updated_at: now,
    })
}

#[cfg(test)]
mod tests;
