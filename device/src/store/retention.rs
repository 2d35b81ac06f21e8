//! Retention: a closed zaak the server has fully acknowledged is deleted from the device once
//! the organisation's retention period has passed (DESIGN.md, data minimisation).

use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, OptionalExtension};

use super::{open_index, Store, StoreError};

impl Store {
    /// Deletes every closed zaak acknowledged at least `retention` before `now`: its document,
    /// chunks, sync states, index row and blob references, then every blob no zaak references.
    /// Returns how many zaken were deleted. A zaak whose index row cannot be read is kept, and
    /// so is one with a recorded photo the server has not confirmed yet (issue 14: the photo
    /// is evidence too).
    pub fn purge_acknowledged(
        &self,
        retention: Duration,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        self.write(|tx| {
            let mut due: Vec<(i64, Vec<u8>)> = Vec::new();
            {
                let mut stmt = tx.prepare_cached("SELECT id, zaak_key, sealed_index FROM zaken")?;
                let mut rows = stmt.query([])?;
                while let Some(row) = rows.next()? {
                    let id: i64 = row.get(0)?;
                    let zaak_key: Vec<u8> = row.get(1)?;
                    let sealed: Vec<u8> = row.get(2)?;
                    let Ok(record) = open_index(&self.keys, &zaak_key, &sealed) else {
                        continue;
                    };
                    let expired = record
                        .item
                        .acknowledged_at
                        .is_some_and(|at| at + retention <= now);
                    if record.item.closed && expired {
                        due.push((id, zaak_key));
                    }
                }
            }
            let mut waiting = tx.prepare_cached(
                "SELECT 1 FROM blob_refs WHERE zaak_key = ?1 AND upload = 1 LIMIT 1",
            )?;
            let mut purgeable = Vec::with_capacity(due.len());
            for (id, zaak_key) in due {
                if waiting
                    .query_row(params![zaak_key], |_| Ok(()))
                    .optional()?
                    .is_none()
                {
                    purgeable.push((id, zaak_key));
                }
            }
            drop(waiting);
            let due = purgeable;
            for (id, zaak_key) in &due {
                tx.prepare_cached("DELETE FROM chunks WHERE zaak = ?1")?
                    .execute(params![id])?;
                tx.prepare_cached("DELETE FROM snapshots WHERE zaak = ?1")?
                    .execute(params![id])?;
                tx.prepare_cached("DELETE FROM sync_states WHERE zaak_key = ?1")?
                    .execute(params![zaak_key])?;
                tx.prepare_cached("DELETE FROM blob_refs WHERE zaak_key = ?1")?
                    .execute(params![zaak_key])?;
                tx.prepare_cached("DELETE FROM zaken WHERE id = ?1")?
                    .execute(params![id])?;
            }
            if !due.is_empty() {
                tx.execute(
                    "DELETE FROM blobs WHERE blob_key NOT IN (SELECT blob_key FROM blob_refs)",
                    [],
                )?;
            }
            Ok(due.len())
        })
    }
}
