//! Sync over HTTP: [`drive`] runs the core's `SyncSession` against `POST /v1/sync` for any
//! `SyncDocs`, reporting progress as it goes; [`DeviceDocs`] is the interim `SyncDocs` over
//! the device's public API, until `core::device::Device` implements the trait itself.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use chrono::Utc;
use veldwerk_core::device::Device;
use veldwerk_core::policy::{PolicyBundle, SignedPolicy};
use veldwerk_core::sync::{
    Instruction, Progress, SyncDocs, SyncResponse, SyncSession, SyncSummary, CONTENT_TYPE,
    SYNC_PATH,
};
use veldwerk_core::zaak::ZaakDocument;
use veldwerk_core::Notice as CoreNotice;

use crate::error::VeldwerkError;
use crate::http::Http;
use crate::types::{notices, Notice};

/// The peer name the device keeps its sync states under.
const SERVER_PEER: &str = "server";

/// Where a running sync is, for a progress bar.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncStep {
    /// 1, 2, ... the round trip this step belongs to.
    pub round_trip: u32,
    /// `sending`, `received` or `done`.
    pub phase: String,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub docs_sent: u32,
    pub docs_received: u32,
}

/// One document the server did not keep, and why.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Rejection {
    pub zaak_id: String,
    pub code: String,
    pub message: String,
}

/// What one sync did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncReport {
    pub round_trips: u32,
    pub docs_sent: u32,
    pub docs_received: u32,
    pub entries_received: u32,
    /// Zaken that arrived on the device.
    pub new_zaken: Vec<String>,
    pub rejections: Vec<Rejection>,
    /// The version of a newer, verified policy bundle now in use.
    pub policy_updated: Option<u64>,
    pub withdrawn: Vec<String>,
    /// Zaken of which the server now holds every change the device had: they arrived there
    /// and passed the server's checks (signatures, chains, actor, assignment).
    pub acknowledged: Vec<String>,
    /// The server told the device to wipe itself (it was revoked).
    pub wipe_requested: bool,
    pub notices: Vec<Notice>,
    pub bytes_sent: u64,
    pub bytes_received: u64,
}

fn report(s: SyncSummary, acknowledged: BTreeSet<String>) -> SyncReport {
    let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    SyncReport {
        round_trips: s.round_trips,
        docs_sent: n(s.docs_sent),
        docs_received: n(s.docs_received),
        entries_received: n(s.entries_received),
        new_zaken: s.new_docs,
        rejections: s
            .rejections
            .into_iter()
            .map(|r| Rejection {
                zaak_id: r.zaak_id,
                code: r.code,
                message: r.message,
            })
            .collect(),
        policy_updated: s.policy_updated,
        withdrawn: s.withdrawn.into_iter().collect(),
        acknowledged: acknowledged.into_iter().collect(),
        wipe_requested: s.instructions.contains(&Instruction::Wipe),
        notices: notices(s.notices),
        bytes_sent: s.bytes_sent as u64,
        bytes_received: s.bytes_received as u64,
    }
}

fn step(round_trip: u32, phase: &str, s: &SyncSummary) -> SyncStep {
    SyncStep {
        round_trip,
        phase: phase.to_owned(),
        bytes_sent: s.bytes_sent as u64,
        bytes_received: s.bytes_received as u64,
        docs_sent: u32::try_from(s.docs_sent).unwrap_or(u32::MAX),
        docs_received: u32::try_from(s.docs_received).unwrap_or(u32::MAX),
    }
}

/// Runs one sync of `docs` with the server: signed round trips until the session is done.
/// Returns the session's summary and the zaken the server acknowledged in full.
pub(crate) fn drive<D: SyncDocs>(
    docs: &mut D,
    org_public_key: &[u8],
    http: &Http,
    device_id: &str,
    sign: &dyn Fn(&[u8]) -> [u8; 64],
    progress: &dyn Fn(SyncStep),
) -> Result<(SyncSummary, BTreeSet<String>), VeldwerkError> {
    let mut session = SyncSession::new(docs, org_public_key)?;
    let mut acknowledged = BTreeSet::new();
    let mut round = 0u32;
    while let Some(body) = session.next_request()? {
        round += 1;
        progress(step(round, "sending", session.summary()));
        let (status, answer) = http.post_signed(SYNC_PATH, CONTENT_TYPE, &body, device_id, sign)?;
        if !(200..300).contains(&status) {
            return Err(session.handle_refusal(status, &answer).into());
        }
        // The acknowledgements are for the app (what arrived); the session reads the rest.
        if let Ok(resp) = SyncResponse::from_cbor(&answer) {
            for ack in resp.acks {
                if ack.complete {
                    acknowledged.insert(ack.zaak_id);
                } else {
                    acknowledged.remove(&ack.zaak_id);
                }
            }
        }
        let done = session.handle_response(&answer)? == Progress::Done;
        progress(step(round, "received", session.summary()));
        if done {
            break;
        }
    }
    let summary = session.finish();
    progress(step(round, "done", &summary));
    Ok((summary, acknowledged))
}

/// Syncs the device: [`drive`] over [`DeviceDocs`], then marks what the server acknowledged
/// and that the policy was confirmed current.
pub(crate) fn sync_device(
    device: &mut Device,
    progress: &dyn Fn(SyncStep),
) -> Result<SyncReport, VeldwerkError> {
    let enrollment = device
        .enrollment()
        .cloned()
        .ok_or_else(|| VeldwerkError::from(veldwerk_core::device::DeviceError::NietAangemeld))?;
    let http = Http::new(&enrollment.server_url)?;
    let device_id = device.device_id().to_owned();
    let cell = RefCell::new(device);
    let (summary, acknowledged) = {
        let mut docs = DeviceDocs::new(&cell)?;
        let sign = |m: &[u8]| cell.borrow().sign(m);
        drive(
            &mut docs,
            &enrollment.org_public_key,
            &http,
            &device_id,
            &sign,
            progress,
        )?
    };
    let device = cell.into_inner();
    let now = Utc::now();
    device.policy_confirmed(now)?;
    for zaak_id in &acknowledged {
        device.mark_synced(zaak_id)?;
        device
            .store()
            .mark_acknowledged(zaak_id, now)
            .map_err(|e| VeldwerkError::from(veldwerk_core::device::DeviceError::from(e)))?;
    }
    Ok(report(summary, acknowledged))
}

fn notice(e: impl Into<veldwerk_core::device::DeviceError>) -> CoreNotice {
    e.into().notice()
}

/// Interim `SyncDocs` over the device's public API (documents through `zaak_document` and
/// `add_zaak_document`, sync states in the store). To be replaced by the core's own
/// `impl SyncDocs for Device`; [`drive`] does not change then.
pub(crate) struct DeviceDocs<'a, 'd> {
    device: &'a RefCell<&'d mut Device>,
    ids: BTreeSet<String>,
    docs: BTreeMap<String, ZaakDocument>,
}

impl<'a, 'd> DeviceDocs<'a, 'd> {
    fn new(device: &'a RefCell<&'d mut Device>) -> Result<Self, VeldwerkError> {
        let ids = device
            .borrow()
            .worklist()?
            .items
            .into_iter()
            .map(|i| i.zaak_id)
            .collect();
        Ok(DeviceDocs {
            device,
            ids,
            docs: BTreeMap::new(),
        })
    }
}

impl SyncDocs for DeviceDocs<'_, '_> {
    fn zaak_ids(&self) -> Vec<String> {
        self.ids.iter().cloned().collect()
    }

    fn doc_mut(&mut self, zaak_id: &str) -> Option<&mut ZaakDocument> {
        if !self.docs.contains_key(zaak_id) {
            let bytes = self.device.borrow_mut().zaak_document(zaak_id).ok()?;
            let doc = ZaakDocument::load(&bytes).ok()?;
            self.docs.insert(zaak_id.to_owned(), doc);
        }
        self.docs.get_mut(zaak_id)
    }

    fn sync_state(&self, zaak_id: &str) -> Result<Option<Vec<u8>>, CoreNotice> {
        self.device
            .borrow()
            .store()
            .load_sync_state(zaak_id, SERVER_PEER)
            .map_err(notice)
    }

    fn persist(&mut self, zaak_id: &str, sync_state: &[u8]) -> Result<(), CoreNotice> {
        let mut device = self.device.borrow_mut();
        if let Some(doc) = self.docs.get_mut(zaak_id) {
            // The device merges the received changes into its own document and commits them
            // with the zaak's worklist row; the sync state is stored after, so an interruption
            // between the two only costs a longer exchange next time.
            device
                .add_zaak_document(&doc.save(), Utc::now())
                .map_err(|e| e.notice())?;
        }
        device
            .store()
            .save_sync_state(zaak_id, SERVER_PEER, sync_state)
            .map_err(notice)
    }

    fn insert(&mut self, zaak_id: &str, mut doc: ZaakDocument) -> Result<(), CoreNotice> {
        self.device
            .borrow_mut()
            .add_zaak_document(&doc.save(), Utc::now())
            .map_err(|e| e.notice())?;
        self.ids.insert(zaak_id.to_owned());
        self.docs.insert(zaak_id.to_owned(), doc);
        Ok(())
    }

    fn remove(&mut self, zaak_id: &str) -> Result<(), CoreNotice> {
        // The device has no delete of its own yet: the zaak is marked acknowledged, and the
        // store's retention removes it once it is closed and the retention period passed.
        self.device
            .borrow()
            .store()
            .mark_acknowledged(zaak_id, Utc::now())
            .map_err(notice)
    }

    fn policy_version(&self) -> u64 {
        self.device.borrow().policy_version()
    }

    fn store_policy(
        &mut self,
        signed: &SignedPolicy,
        _bundle: &PolicyBundle,
    ) -> Result<(), CoreNotice> {
        self.device
            .borrow_mut()
            .install_policy(&signed.to_bytes(), Utc::now())
            .map(|_| ())
            .map_err(|e| e.notice())
    }
}
