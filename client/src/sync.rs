//! One sync of the device with its server: `SyncSession` round trips over signed CBOR POSTs,
//! then the server's acknowledgements and policy confirmation applied to the device. A revoked
//! device is wiped.

use chrono::Utc;
use serde::Deserialize;
use veldwerk_contract::api::{paths, KeysResponse};
use veldwerk_contract::evidence::Signer;
use veldwerk_device::sync::{Ack, Instruction, Progress, SyncError, SyncSession, SyncSummary};
use veldwerk_device::sync::{CONTENT_TYPE, SYNC_PATH};
use veldwerk_device::{Device, DevicePolicyStatus};

use crate::error::ClientError;
use crate::transport::Transport;

/// Where a sync is, for a progress bar. Counts are cumulative over the sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncProgress {
    /// Round trip `round_trip` (1-based) is being sent.
    Sending {
        round_trip: u32,
        docs_sent: usize,
        bytes_sent: usize,
    },
    /// Its answer was applied and stored.
    Applied {
        round_trip: u32,
        docs_received: usize,
        new_docs: usize,
        bytes_received: usize,
    },
    /// After the round trips: `done` of `total` pending photos handled (uploaded, found on the
    /// server, or failed and kept for the next sync).
    Photos { done: usize, total: usize },
}

/// What one sync did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncReport {
    pub summary: SyncSummary,
    /// Entries recorded on this device that the server now holds and did not before.
    pub entries_sent: u64,
    /// Entries recorded on this device the server has not acknowledged (0 after a full sync).
    pub unsynced_entries: u64,
    /// Zaken the server acknowledged completely for the first time (retention starts).
    pub acknowledged_zaken: usize,
    /// The policy after the sync (code, version, age).
    pub policy: DevicePolicyStatus,
    /// Photos the server holds now that it did not confirm before this sync, and those still
    /// to send (tried again at the next sync); failures are in `summary.notices`.
    pub photos_uploaded: usize,
    pub photos_pending: usize,
}

/// Only the acknowledgements of an answer (the session reads the rest).
#[derive(Deserialize)]
struct AcksOnly {
    #[serde(default)]
    acks: Vec<Ack>,
}

enum Stop {
    Failed(ClientError),
    /// The server told the device to wipe (a refusal or an instruction in an answer).
    Wipe(Option<String>),
}

/// Syncs the device in `slot` with the server it enrolled with. On `device_revoked` with the
/// wipe instruction the device is taken out of `slot` and wiped, and [`ClientError::Revoked`]
/// is returned; the caller also forgets the storage key. After any other failure nothing is
/// lost: what was stored stays, and the next sync resumes from the persisted sync states.
pub fn sync(
    slot: &mut Option<Device>,
    progress: &mut dyn FnMut(SyncProgress),
) -> Result<SyncReport, ClientError> {
    let device = slot.as_mut().ok_or(ClientError::NoDevice)?;
    let enrollment = device
        .enrollment()
        .cloned()
        .ok_or(ClientError::NotEnrolled)?;
    let transport = Transport::new(&enrollment.server_url)?;
    let signer = device.request_signer()?;
    let unsynced_before = device.unsynced_entries()?;
    let mut acks = Vec::new();
    let outcome = round_trips(
        device,
        &transport,
        &signer,
        &enrollment.org_public_key,
        &mut acks,
        progress,
    );
    let now = Utc::now();
    // Acknowledgements are facts about what the server holds, kept even if a later round
    // trip failed.
    let acknowledged = device.apply_acks(&acks, now);
    match outcome {
        Ok(mut summary) => {
            let acknowledged_zaken = acknowledged?;
            // Colleagues' keys: a failure here leaves the installed list and does not fail a
            // sync whose documents are stored.
            if let Err(e) = fetch_keys(device, &transport, &signer) {
                summary.notices.push(e.notice());
            }
            if summary.policy_updated.is_none() {
                // The server sends a bundle only when it is newer: ours is current.
                device.policy_confirmed(now)?;
            }
            // Photos travel outside the documents, once the entries referencing them are in.
            let photos =
                crate::photos::upload_photos(device, &transport, &signer, &mut |done, total| {
                    progress(SyncProgress::Photos { done, total })
                });
            summary.notices.extend(photos.notices);
            let unsynced_entries = device.unsynced_entries()?;
            Ok(SyncReport {
                entries_sent: unsynced_before.saturating_sub(unsynced_entries),
                unsynced_entries,
                acknowledged_zaken,
                policy: device.policy_status(now),
                photos_uploaded: photos.uploaded,
                photos_pending: photos.pending,
                summary,
            })
        }
        Err(Stop::Failed(e)) => Err(e),
        Err(Stop::Wipe(detail)) => {
            let wiped = match slot.take() {
                Some(device) => device.wipe().is_ok(),
                None => false,
            };
            Err(ClientError::Revoked { wiped, detail })
        }
    }
}

/// `GET /v1/keys`: the organisation's signed key list, verified and installed by the device.
fn fetch_keys(
    device: &mut Device,
    transport: &Transport,
    signer: &Signer,
) -> Result<(), ClientError> {
    let answer = transport.get_signed(signer, paths::KEYS)?;
    if answer.status != 200 {
        return Err(crate::enroll::refused(answer));
    }
    let parsed: KeysResponse = serde_json::from_slice(&answer.body)
        .map_err(|e| ClientError::BadResponse(e.to_string()))?;
    device.install_key_list(&parsed.keys)?;
    Ok(())
}

fn round_trips(
    device: &mut Device,
    transport: &Transport,
    signer: &Signer,
    org_public_key: &[u8],
    acks: &mut Vec<Ack>,
    progress: &mut dyn FnMut(SyncProgress),
) -> Result<SyncSummary, Stop> {
    let fail = |e: ClientError| Stop::Failed(e);
    let mut session = SyncSession::new(device, org_public_key).map_err(|e| fail(e.into()))?;
    while let Some(body) = session.next_request().map_err(|e| fail(e.into()))? {
        let s = session.summary();
        progress(SyncProgress::Sending {
            round_trip: s.round_trips + 1,
            docs_sent: s.docs_sent,
            bytes_sent: s.bytes_sent,
        });
        let answer = transport
            .post_signed(signer, SYNC_PATH, CONTENT_TYPE, &body)
            .map_err(fail)?;
        if answer.status != 200 {
            return Err(match session.handle_refusal(answer.status, &answer.body) {
                SyncError::Refused {
                    instruction: Some(Instruction::Wipe),
                    message,
                    ..
                } => Stop::Wipe(Some(message)),
                other => fail(other.into()),
            });
        }
        if let Ok(a) = ciborium::from_reader::<AcksOnly, _>(&answer.body[..]) {
            acks.extend(a.acks);
        }
        let step = session.handle_response(&answer.body);
        if session.summary().instructions.contains(&Instruction::Wipe) {
            return Err(Stop::Wipe(None));
        }
        let step = step.map_err(|e| fail(e.into()))?;
        let s = session.summary();
        progress(SyncProgress::Applied {
            round_trip: s.round_trips,
            docs_received: s.docs_received,
            new_docs: s.new_docs.len(),
            bytes_received: s.bytes_received,
        });
        if step == Progress::Done {
            break;
        }
    }
    Ok(session.finish())
}
