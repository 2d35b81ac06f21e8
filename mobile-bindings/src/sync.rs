//! Sync as the apps see it: the records of `veldwerk-client`'s progress and report. The sync
//! itself (signed round trips, acknowledgements, policy confirmation, the wipe of a revoked
//! device) is `veldwerk_client::sync` over the core's `Device`; this module only translates.

use crate::types::{notices, Notice, PolicyInfo};

/// Where a running sync is, for a progress bar. Counts are cumulative over the sync.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SyncStep {
    /// Round trip `round_trip` (1-based) is being sent.
    Sending {
        round_trip: u32,
        docs_sent: u32,
        bytes_sent: u64,
    },
    /// Its answer was applied and stored on the device.
    Applied {
        round_trip: u32,
        docs_received: u32,
        new_zaken: u32,
        bytes_received: u64,
    },
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl SyncStep {
    /// The app's step for a sync's progress; the photo pass after the round trips has none
    /// (its outcome is in the report's notices).
    pub(crate) fn of(p: veldwerk_client::SyncProgress) -> Option<SyncStep> {
        Some(match p {
            veldwerk_client::SyncProgress::Sending {
                round_trip,
                docs_sent,
                bytes_sent,
            } => SyncStep::Sending {
                round_trip,
                docs_sent: count(docs_sent),
                bytes_sent: bytes_sent as u64,
            },
            veldwerk_client::SyncProgress::Applied {
                round_trip,
                docs_received,
                new_docs,
                bytes_received,
            } => SyncStep::Applied {
                round_trip,
                docs_received: count(docs_received),
                new_zaken: count(new_docs),
                bytes_received: bytes_received as u64,
            },
            veldwerk_client::SyncProgress::Photos { .. } => return None,
        })
    }
}

/// One document the server did not keep, and why (its data stays on the device).
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
    /// Entries recorded on this device that the server now holds and did not before: they
    /// arrived and passed its checks (signatures, chains, actor, assignment).
    pub entries_sent: u64,
    pub entries_received: u32,
    /// Entries recorded on this device the server has not acknowledged (0 after a full sync;
    /// the worklist rows say which zaak holds them).
    pub unsynced_entries: u64,
    /// Zaken that arrived on the device.
    pub new_zaken: Vec<String>,
    pub rejections: Vec<Rejection>,
    /// The version of a newer, verified policy bundle now in use.
    pub policy_updated: Option<u64>,
    /// The policy after the sync (code, version, age).
    pub policy: PolicyInfo,
    /// Zaken no longer assigned to this handhaver.
    pub withdrawn: Vec<String>,
    /// Withdrawn zaken deleted from the device (the server held all their changes).
    pub purged: Vec<String>,
    /// Closed zaken the server acknowledged in full for the first time (retention starts).
    pub acknowledged_zaken: u32,
    pub notices: Vec<Notice>,
    pub bytes_sent: u64,
    pub bytes_received: u64,
}

impl From<veldwerk_client::SyncReport> for SyncReport {
    fn from(r: veldwerk_client::SyncReport) -> Self {
        let s = r.summary;
        SyncReport {
            round_trips: s.round_trips,
            docs_sent: count(s.docs_sent),
            docs_received: count(s.docs_received),
            entries_sent: r.entries_sent,
            entries_received: count(s.entries_received),
            unsynced_entries: r.unsynced_entries,
            new_zaken: s.new_docs,
            rejections: s
                .rejections
                .into_iter()
                .map(|x| Rejection {
                    zaak_id: x.zaak_id,
                    code: x.code,
                    message: x.message,
                })
                .collect(),
            policy_updated: s.policy_updated,
            policy: r.policy.into(),
            withdrawn: s.withdrawn.into_iter().collect(),
            purged: s.purged,
            acknowledged_zaken: count(r.acknowledged_zaken),
            notices: notices(s.notices),
            bytes_sent: s.bytes_sent as u64,
            bytes_received: s.bytes_received as u64,
        }
    }
}
