//! `veldwerk-mobile`: the uniffi facade over `veldwerk-device` (and the rules and contract it records under) for the Android and iOS apps.
//! It translates; the core decides.
//!
//! - [`Veldwerk`]: the one object the apps hold (the device behind a mutex).
//! - [`types`], [`steps`]: the records and enums that cross the boundary.
//! - [`error`]: the one error enum, with a stable code and a Dutch message.
//! - [`sync`]: the records of a sync; enrollment and sync themselves are `veldwerk-client`'s
//!   (the core does no network I/O).
//!
//! Every exported function is blocking: apps call them from a background dispatcher / task.

pub mod error;
pub mod rondgang;
pub mod steps;
pub mod sync;
pub mod types;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::Utc;
use veldwerk_device::Device;
use veldwerk_rules::protocol::{self, ToestemmingsTekst};

pub use error::VeldwerkError;
pub use rondgang::{Antwoord, Handtekening, KlantmodusInfo, Punt, Tour, TourVraag};
pub use steps::{Feit, Grondslag, Ondertekenaar, Stap, Tolk};
pub use sync::{Rejection, SyncReport, SyncStep};
pub use types::*;

uniffi::setup_scaffolding!("veldwerk");

/// The version of the core the app runs on (shown on the app's about screen and sent nowhere).
#[uniffi::export]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// The built-in consent text of a variant for a visit of `actie` (the digital tour's for
/// `huisbezoek_app`) and its SHA-256 hash. In a visit, show `VisitProgress::consent_text`
/// instead: it is the organisation's approved text, and a device refuses a text the
/// organisation did not approve (`toestemmingstekst_niet_goedgekeurd`).
#[uniffi::export]
pub fn consent_text(variant: Variant, actie: Actie) -> ConsentText {
    ToestemmingsTekst::standaard_voor(variant.into(), actie.into()).into()
}

/// Factual-language warnings for a rapport or waarneming text, while it is being written
/// (never blocking).
#[uniffi::export]
pub fn text_warnings(tekst: String) -> Vec<TextWarning> {
    protocol::rapport_warnings(&tekst)
        .into_iter()
        .map(|w| types::text_warning("tekst", w))
        .collect()
}

/// Progress of a running sync, called on the thread that called `sync` (the sync itself runs
/// on a worker thread that holds the device; it never waits for the callback). A call back
/// into [`Veldwerk`] from here does not deadlock: it waits until the sync is done.
#[uniffi::export(callback_interface)]
pub trait SyncProgress: Send + Sync {
    fn on_step(&self, step: SyncStep);
}

/// What enrollment gave the device.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EnrollInfo {
    pub device_id: String,
    pub user: String,
    pub organisation: String,
    pub policy: PolicyInfo,
}

/// What one recorded step left (ask `next_steps` for where the visit stands now).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Recorded {
    pub entry_id: String,
    pub seq: u64,
    pub recorded_at_ms: i64,
    /// Factual-language warnings on the step's texts (recorded anyway; the handhaver may
    /// correct with a `Correctie`).
    pub text_warnings: Vec<TextWarning>,
}

/// What recording a step would meet, asked before the handhaver confirms (issue 15): the
/// routekaart's decision with only the conditions of this step (`None` for steps it does not
/// govern), and the factual-language warnings on the step's texts, to show and confirm or edit
/// before a waarneming or rapport is signed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StepCheck {
    pub decision: Option<Decision>,
    pub text_warnings: Vec<TextWarning>,
}

/// The handhaver's device: the encrypted store, its identity, policy and zaken. One per app.
/// Close it (`close()` in Kotlin, `use {}`) or drop it when the app goes to the background.
#[derive(uniffi::Object)]
pub struct Veldwerk {
    /// `None` once wiped (by `wipe`, or by a sync that found the device revoked).
    device: Mutex<Option<Device>>,
}

impl std::fmt::Debug for Veldwerk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Veldwerk").finish_non_exhaustive()
    }
}

fn storage_key(key: &[u8]) -> Result<[u8; 32], VeldwerkError> {
    key.try_into().map_err(|_| {
        VeldwerkError::invalid(
            "storage_key_invalid",
            format!(
                "De opslagsleutel moet 32 bytes lang zijn, niet {}.",
                key.len()
            ),
        )
    })
}

impl Veldwerk {
    fn lock(&self) -> MutexGuard<'_, Option<Device>> {
        // A panic while recording leaves nothing half-written (every write is one
        // transaction), so a poisoned lock is taken over.
        self.device.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Device) -> Result<T, VeldwerkError>,
    ) -> Result<T, VeldwerkError> {
        let mut guard = self.lock();
        let device = guard.as_mut().ok_or_else(VeldwerkError::closed)?;
        f(device)
    }
}

#[uniffi::export]
impl Veldwerk {
    /// Opens (or creates) the store in `dir` with the 32-byte storage key from the platform
    /// keystore. A wrong key gives `WrongKey` (`wrong_key`).
    #[uniffi::constructor]
    pub fn open(dir: String, key: Vec<u8>) -> Result<Arc<Veldwerk>, VeldwerkError> {
        let key = storage_key(&key)?;
        let device = Device::open(Path::new(&dir), key)?;
        Ok(Arc::new(Veldwerk {
            device: Mutex::new(Some(device)),
        }))
    }

    /// The id entries are signed with (provisional until enrollment).
    pub fn device_id(&self) -> Result<String, VeldwerkError> {
        self.with(|d| Ok(d.device_id().to_owned()))
    }

    /// Whether the device is enrolled with a server.
    pub fn is_enrolled(&self) -> Result<bool, VeldwerkError> {
        self.with(|d| Ok(d.enrollment().is_some()))
    }

    /// Enrolls with the server at `server_url` using the supervisor's one-time code, pins the
    /// organisation key and installs the verified policy (`veldwerk_client::enroll`). Blocking
    /// HTTP: call it off the main thread; other calls wait until it is done.
    pub fn enroll(&self, server_url: String, code: String) -> Result<EnrollInfo, VeldwerkError> {
        self.with(|d| {
            let e = veldwerk_client::enroll(d, &server_url, &code)?;
            Ok(EnrollInfo {
                device_id: e.device_id,
                user: e.user,
                organisation: e.organisation,
                policy: d.policy_status(Utc::now()).into(),
            })
        })
    }

    /// Syncs with the server (zaken, entries, policy) through `veldwerk_client::sync`.
    /// Blocking: call it off the main thread. The device stays locked while the sync runs
    /// (other calls wait); `progress` is called on this thread without the lock. A revoked
    /// device is wiped and gives `Revoked`: the app then deletes the storage key.
    pub fn sync(&self, progress: Box<dyn SyncProgress>) -> Result<SyncReport, VeldwerkError> {
        let (tx, rx) = std::sync::mpsc::channel::<SyncStep>();
        std::thread::scope(|scope| {
            let worker = scope.spawn(move || {
                let mut slot = self.lock();
                if slot.is_none() {
                    return Err(VeldwerkError::closed());
                }
                let report = veldwerk_client::sync(&mut slot, &mut |p| {
                    // The receiver lives until this thread ends.
                    if let Some(step) = SyncStep::of(p) {
                        let _ = tx.send(step);
                    }
                })?;
                Ok(report.into())
            });
            for s in rx {
                progress.on_step(s);
            }
            worker.join().unwrap_or_else(|_| {
                Err(VeldwerkError::Storage {
                    code: "internal_error".into(),
                    detail: "De synchronisatie is onverwacht afgebroken; er is niets verloren."
                        .into(),
                })
            })
        })
    }

    /// Every zaak on the device, open ones first, then by deadline.
    pub fn worklist(&self) -> Result<Worklist, VeldwerkError> {
        self.with(|d| Ok(d.worklist()?.into()))
    }

    /// One zaak with its visits, entries, protocol state and verification.
    pub fn zaak_detail(&self, zaak_id: String) -> Result<ZaakInfo, VeldwerkError> {
        self.with(|d| Ok(d.zaak_detail(&zaak_id)?.into()))
    }

    /// Work the server refused, moved aside and kept on the device ("geweigerd door de
    /// server"), oldest first: for the app's sync screen.
    pub fn refused_work(&self) -> Result<Vec<RefusedWorkInfo>, VeldwerkError> {
        self.with(|d| Ok(d.refused_work()?.into_iter().map(Into::into).collect()))
    }

    /// What the routekaart of the active code decides for `actie` with `params`.
    pub fn check_action(
        &self,
        actie: Actie,
        params: ActionParams,
    ) -> Result<Decision, VeldwerkError> {
        self.with(|d| Ok(d.check_action(&params.planned(actie)).into()))
    }

    /// What recording `stap` in a visit now would meet: the routekaart's decision (its
    /// conditions are the checklist to confirm; `None` for steps it does not govern, such as
    /// correctie and rapport) and the factual-language warnings on its texts.
    pub fn check_step(
        &self,
        zaak_id: String,
        visit_id: String,
        stap: Stap,
    ) -> Result<StepCheck, VeldwerkError> {
        let event = stap.into_event()?;
        let text_warnings = event
            .factual_warnings()
            .into_iter()
            .map(Into::into)
            .collect();
        self.with(|d| {
            Ok(StepCheck {
                decision: d.decision_for(&zaak_id, &visit_id, &event)?.map(Into::into),
                text_warnings,
            })
        })
    }

    /// Starts a visit (`huisbezoek` or `huisbezoek_app`) with what is planned for it; a plan
    /// the routekaart forbids gives `Forbidden`. Returns the visit id.
    pub fn start_visit(
        &self,
        zaak_id: String,
        actie: Actie,
        params: ActionParams,
    ) -> Result<String, VeldwerkError> {
        let planned = params.planned(actie);
        self.with(|d| Ok(d.start_visit(&zaak_id, actie.into(), planned, Utc::now())?))
    }

    /// Records one step, checked by the protocol and the routekaart (with the confirmed
    /// condition codes), signed and durably stored before this returns.
    pub fn record(
        &self,
        zaak_id: String,
        visit_id: String,
        stap: Stap,
        confirmed_conditions: Vec<String>,
    ) -> Result<Recorded, VeldwerkError> {
        let event = stap.into_event()?;
        let text_warnings = event
            .factual_warnings()
            .into_iter()
            .map(Into::into)
            .collect();
        self.with(|d| {
            let entry = d.record(&zaak_id, &visit_id, event, confirmed_conditions, Utc::now())?;
            Ok(Recorded {
                entry_id: entry.entry_id,
                seq: entry.seq,
                recorded_at_ms: types::millis(entry.recorded_at),
                text_warnings,
            })
        })
    }

    /// Where a visit stands: its fase, the steps the protocol allows next, its warnings.
    pub fn next_steps(
        &self,
        zaak_id: String,
        visit_id: String,
    ) -> Result<VisitProgress, VeldwerkError> {
        self.with(|d| visit_progress(d, &zaak_id, &visit_id))
    }

    /// The client's digital tour of a `huisbezoek_app` visit: the questions asked now with the
    /// answers so far; record answers and the signature with `Stap::VraagBeantwoord` and
    /// `Stap::VragenlijstOndertekend`.
    pub fn tour(&self, zaak_id: String, visit_id: String) -> Result<Tour, VeldwerkError> {
        self.with(|d| Ok(d.rondgang(&zaak_id, &visit_id)?.into()))
    }

    /// Hands the device to the client: until [`Veldwerk::end_klantmodus`] gets `code` (at least
    /// four characters), only this visit's tour, signature and withdrawal can be used, also
    /// after a restart.
    pub fn start_klantmodus(
        &self,
        zaak_id: String,
        visit_id: String,
        code: String,
    ) -> Result<KlantmodusInfo, VeldwerkError> {
        self.with(|d| Ok(d.start_klantmodus(&zaak_id, &visit_id, &code)?.into()))
    }

    /// The visit the device is locked to, if it is in klantmodus.
    pub fn klantmodus(&self) -> Result<Option<KlantmodusInfo>, VeldwerkError> {
        self.with(|d| Ok(d.klantmodus()?.map(Into::into)))
    }

    /// Unlocks the device with the handhaver's code.
    pub fn end_klantmodus(&self, code: String) -> Result<(), VeldwerkError> {
        self.with(|d| Ok(d.end_klantmodus(&code)?))
    }

    /// Stores a photo for a zaak, encrypted; returns the reference to put in
    /// `Stap::Waarneming { foto }` (which needs its own recorded consent for photos).
    pub fn put_photo(&self, zaak_id: String, bytes: Vec<u8>) -> Result<String, VeldwerkError> {
        self.with(|d| Ok(d.put_photo(&zaak_id, &bytes)?.as_str().to_owned()))
    }

    /// The active code, the policy's age and whether it is stale, with coded warnings.
    pub fn policy_status(&self) -> Result<PolicyInfo, VeldwerkError> {
        self.with(|d| Ok(d.policy_status(Utc::now()).into()))
    }

    /// Deletes the store and everything in it. The app must also delete the storage key from
    /// the platform keystore. Every later call gives `Closed`.
    pub fn wipe(&self) -> Result<(), VeldwerkError> {
        match self.lock().take() {
            Some(device) => Ok(device.wipe()?),
            None => Ok(()),
        }
    }
}

/// Where a visit stands.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VisitProgress {
    pub visit_id: String,
    pub fase: Fase,
    pub einde: Option<String>,
    pub next_steps: Vec<Stapsoort>,
    pub consent_variant: Option<Variant>,
    /// The organisation's approved consent text of that variant (from the signed policy
    /// bundle, else the built-in one): show `tekst`, then record `Stap::ToestemmingGevraagd`
    /// with this variant, text and hash and the aanleiding told.
    pub consent_text: Option<ConsentText>,
    pub warnings: Vec<Notice>,
}

impl VisitProgress {
    fn of(p: veldwerk_device::VisitProgress, device: &Device) -> Self {
        VisitProgress {
            visit_id: p.visit_id,
            fase: p.fase.into(),
            einde: p.einde.as_ref().map(types::enum_code),
            next_steps: p.next_steps.into_iter().map(Into::into).collect(),
            consent_variant: p.consent_variant.map(Into::into),
            consent_text: p
                .consent_variant
                .map(|v| device.rules().toestemmingstekst(v, p.actie).into()),
            warnings: types::notices(p.warnings),
        }
    }
}

/// The device's answer, with the facade's own message for a visit not in the zaak.
fn visit_progress(
    device: &mut Device,
    zaak_id: &str,
    visit_id: &str,
) -> Result<VisitProgress, VeldwerkError> {
    let progress = device
        .visit_progress(zaak_id, Some(visit_id))
        .map_err(|e| match e.code() {
            "visit_unknown" => VeldwerkError::NotFound {
                code: "visit_unknown".into(),
                detail: format!("Bezoek {visit_id} staat niet bij zaak {zaak_id}."),
            },
            _ => e.into(),
        })?;
    Ok(VisitProgress::of(progress, device))
}

// The unit tests share fixtures with the integration tests, which name the crate.
#[cfg(test)]
extern crate self as veldwerk_mobile;
#[cfg(test)]
mod tests;
