//! Work the server refused, moved aside: sealed records kept per zaak, and the one transaction
//! that moves a zaak's document aside (record written, document, chunks and sync states
//! dropped) so the zaak can be taken fresh from the server.

use rusqlite::params;

use super::{corrupt, place, Store, StoreError};

impl Store {
    /// In one durable transaction: keeps `record` (sealed, bound to the zaak) and deletes the
    /// zaak's document, chunks, index row and sync states. Photos stay: re-applied entries and
    /// the kept record still reference them. Returns the record's id.
    pub fn set_aside(&self, zaak_id: &str, record: &[u8]) -> Result<i64, StoreError> {
        let zaak_key = self.zaak_key(zaak_id);
        let sealed = self.keys.seal(&place::set_aside(&zaak_key), record)?;
        self.write(|tx| {
            tx.prepare_cached("INSERT INTO refused (zaak_key, body) VALUES (?1, ?2)")?
                .execute(params![&zaak_key[..], sealed])?;
            let id = tx.last_insert_rowid();
            let row: Option<i64> = tx
                .prepare_cached("SELECT id FROM zaken WHERE zaak_key = ?1")?
                .query_row(params![&zaak_key[..]], |r| r.get(0))
                .ok();
            if let Some(row) = row {
                tx.prepare_cached("DELETE FROM chunks WHERE zaak = ?1")?
                    .execute(params![row])?;
                tx.prepare_cached("DELETE FROM snapshots WHERE zaak = ?1")?
                    .execute(params![row])?;
                tx.prepare_cached("DELETE FROM zaken WHERE id = ?1")?
                    .execute(params![row])?;
            }
            tx.prepare_cached("DELETE FROM sync_states WHERE zaak_key = ?1")?
                .execute(params![&zaak_key[..]])?;
            Ok(id)
        })
    }

    /// Replaces the record `id` of a zaak (after its work was re-applied).
    pub fn update_refused(&self, zaak_id: &str, id: i64, record: &[u8]) -> Result<(), StoreError> {
        let zaak_key = self.zaak_key(zaak_id);
        let sealed = self.keys.seal(&place::set_aside(&zaak_key), record)?;
        self.write(|tx| {
            tx.prepare_cached("UPDATE refused SET body = ?3 WHERE id = ?1 AND zaak_key = ?2")?
                .execute(params![id, &zaak_key[..], sealed])?;
            Ok(())
        })
    }

    /// The records kept for a zaak, oldest first, with their ids.
    pub fn refused_for(&self, zaak_id: &str) -> Result<Vec<(i64, Vec<u8>)>, StoreError> {
        let zaak_key = self.zaak_key(zaak_id);
        let rows: Vec<(i64, Vec<u8>)> = self.read(|tx| {
            let mut stmt =
                tx.prepare_cached("SELECT id, body FROM refused WHERE zaak_key = ?1 ORDER BY id")?;
            let rows = stmt
                .query_map(params![&zaak_key[..]], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })?;
        rows.into_iter()
            .map(|(id, sealed)| {
                self.keys
                    .open(&place::set_aside(&zaak_key), &sealed)
                    .map(|body| (id, body))
                    .map_err(|e| corrupt(Some(zaak_id), &zaak_key, "refused", e.to_string()))
            })
            .collect()
    }

    /// Every kept record, oldest first. Each is opened under its own row's zaak key; one that
    /// does not open is reported as corrupt.
    pub fn refused_all(&self) -> Result<Vec<(i64, Vec<u8>)>, StoreError> {
        let rows: Vec<(i64, Vec<u8>, Vec<u8>)> = self.read(|tx| {
            let mut stmt =
                tx.prepare_cached("SELECT id, zaak_key, body FROM refused ORDER BY id")?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })?;
        rows.into_iter()
            .map(|(id, zaak_key, sealed)| {
                self.keys
                    .open(&place::set_aside(&zaak_key), &sealed)
                    .map(|body| (id, body))
                    .map_err(|e| corrupt(None, &zaak_key, "refused", e.to_string()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::WorklistItem;
    use chrono::Utc;

    fn item(zaak_id: &str) -> WorklistItem {
        WorklistItem {
            zaak_id: zaak_id.into(),
            label: "label".into(),
            status: "nog_geen_bezoek".into(),
            next_step: "bezoek_starten".into(),
            deadline: None,
            unsynced_entries: 1,
            closed: false,
            acknowledged_at: None,
            updated_at: Utc::now(),
        }
    }

    /// Issue 13, item 6: moving a zaak aside keeps the record sealed and drops the zaak's
    /// document and sync state in one transaction; other zaken are untouched.
    #[test]
    fn set_aside_keeps_the_record_and_drops_only_that_zaak() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), [3; 32]).unwrap();
        store
            .append_changes("Z-1", b"changes", &item("Z-1"))
            .unwrap();
        store.append_changes("Z-2", b"other", &item("Z-2")).unwrap();
        store.save_sync_state("Z-1", "server", b"state").unwrap();
        let id = store.set_aside("Z-1", b"geweigerd werk").unwrap();
        assert!(store.load_document("Z-1").unwrap().is_none());
        assert!(store.worklist_item("Z-1").unwrap().is_none());
        assert!(store.load_sync_state("Z-1", "server").unwrap().is_none());
        assert!(store.load_document("Z-2").unwrap().is_some());
        assert_eq!(
            store.refused_for("Z-1").unwrap(),
            vec![(id, b"geweigerd werk".to_vec())]
        );
        assert!(store.refused_for("Z-2").unwrap().is_empty());
        store.update_refused("Z-1", id, b"herbouwd").unwrap();
        assert_eq!(
            store.refused_all().unwrap(),
            vec![(id, b"herbouwd".to_vec())]
        );
        // Sealed: the plaintext is not in the database file.
        drop(store);
        let raw = std::fs::read(dir.path().join(crate::store::DB_FILE)).unwrap();
        assert!(!raw.windows(8).any(|w| w == b"herbouwd"));
        let store = Store::open(dir.path(), [3; 32]).unwrap();
        assert_eq!(store.refused_for("Z-1").unwrap().len(), 1);
    }
}
