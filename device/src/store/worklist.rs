//! The worklist index: one small sealed row per zaak, so listing the zaken on the device never
//! decrypts or loads a full document. The same row records how many change chunks the document
//! has, so a deleted chunk row is detected on load.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::StoreError;

/// What the worklist shows for one zaak. The caller derives it from the zaak document each time
/// it records; the store keeps it sealed beside the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorklistItem {
    pub zaak_id: String,
    /// Short label the handhaver recognises the zaak by (may be personal: stored sealed).
    pub label: String,
    /// Where the zaak stands, as a stable code (for example `huisbezoek_gepland`).
    pub status: String,
    /// The next step to take, as a stable code.
    pub next_step: String,
    pub deadline: Option<NaiveDate>,
    /// Entries recorded on this device that the server has not yet received.
    pub unsynced_entries: u32,
    pub closed: bool,
    /// When the server last acknowledged holding all of this zaak. Maintained by the store:
    /// set by `mark_acknowledged`, cleared by `append_changes` (new data is unacknowledged);
    /// the value passed in by callers is ignored.
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl WorklistItem {
    /// Past its termijn on `today` while still open: the worklist marks it "te laat".
    pub fn te_laat(&self, today: NaiveDate) -> bool {
        !self.closed && self.deadline.is_some_and(|d| d < today)
    }
}

/// The worklist: every readable item, plus an error per damaged index row (naming its zaak
/// when that can still be read). One damaged row never hides the others.
#[derive(Debug, Default)]
pub struct Worklist {
    /// Open zaken first, then by deadline (none last), then by label.
    pub items: Vec<WorklistItem>,
    pub damaged: Vec<StoreError>,
}

/// Sizes of a stored document, for the compaction policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentStats {
    /// Incremental change chunks stored after the snapshot.
    pub chunks: u64,
    pub chunk_bytes: u64,
    pub snapshot_bytes: u64,
}

/// When to fold a document's change chunks into a snapshot. Loading replays every chunk and
/// each chunk repeats per-change overhead, so compaction pays once the chunks are many or
/// outweigh the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompactionPolicy {
    /// Compact once this many chunks are stored after the snapshot.
    pub max_chunks: u64,
    /// Compact once the chunks are larger than the snapshot and than this many bytes.
    pub min_chunk_bytes: u64,
}

impl Default for CompactionPolicy {
    fn default() -> Self {
        CompactionPolicy {
            max_chunks: 64,
            min_chunk_bytes: 64 * 1024,
        }
    }
}

impl CompactionPolicy {
    pub fn needs_compaction(&self, stats: &DocumentStats) -> bool {
        stats.chunks >= self.max_chunks
            || (stats.chunk_bytes >= self.min_chunk_bytes
                && stats.chunk_bytes > stats.snapshot_bytes)
    }
}

/// The sealed content of a zaak's index row.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct IndexRecord {
    pub item: WorklistItem,
    /// The chunks before this sequence number are folded into the snapshot.
    pub snapshot_upto: Option<u64>,
    /// The sequence number the next chunk gets; chunks `snapshot_upto..next_seq` must exist.
    pub next_seq: u64,
    pub chunk_bytes: u64,
    pub snapshot_bytes: u64,
}

impl IndexRecord {
    pub fn stats(&self) -> DocumentStats {
        DocumentStats {
            chunks: self.next_seq - self.snapshot_upto.unwrap_or(0),
            chunk_bytes: self.chunk_bytes,
            snapshot_bytes: self.snapshot_bytes,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        // Writing plain structs into a Vec cannot fail.
        if ciborium::into_writer(self, &mut out).is_err() {
            out.clear();
        }
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, String> {
        let record: IndexRecord = ciborium::from_reader(bytes).map_err(|e| e.to_string())?;
        if record
            .snapshot_upto
            .is_some_and(|upto| upto > record.next_seq)
        {
            return Err("snapshot ligt voorbij de laatste wijziging".into());
        }
        Ok(record)
    }
}

pub(crate) fn sort(items: &mut [WorklistItem]) {
    items.sort_by(|a, b| {
        (
            a.closed,
            a.deadline.is_none(),
            a.deadline,
            &a.label,
            &a.zaak_id,
        )
            .cmp(&(
                b.closed,
                b.deadline.is_none(),
                b.deadline,
                &b.label,
                &b.zaak_id,
            ))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_counts_and_weighs_chunks() {
        let p = CompactionPolicy::default();
        let s = |chunks, chunk_bytes, snapshot_bytes| DocumentStats {
            chunks,
            chunk_bytes,
            snapshot_bytes,
        };
        assert!(!p.needs_compaction(&s(3, 3_000, 0)));
        assert!(p.needs_compaction(&s(64, 3_000, 100_000)));
        assert!(p.needs_compaction(&s(10, 70_000, 50_000)));
        assert!(!p.needs_compaction(&s(10, 70_000, 500_000)));
    }
}
