//! Where the server keeps zaak documents: a compacted snapshot per zaak plus the incremental
//! changes accepted since, and the Automerge sync state per (zaak, device).
//!
//! A zaak's document is created by the server from the zaak row the first time a device of an
//! assigned handhaver syncs (so zaken created or assigned by any path, CLI or demo, get one);
//! loading is the snapshot followed by every incremental row, which Automerge reads as one file.

use std::collections::BTreeSet;

use veldwerk_contract::zaak::{Address, ZaakDocument, ZaakSummary};

use crate::db::Tx;
use crate::error::{Error, Result};
use crate::params;
use crate::zaken::Zaak;

/// Compact a document once it has more incremental rows than this.
pub const COMPACT_AFTER: i64 = 32;

/// The incremental rows of a zaak, in no particular order.
pub(crate) const CHANGE_ROWS: &str = "SELECT id, bytes FROM zaak_doc_changes WHERE zaak_id = ?1";
/// The id of a zaak's last incremental row (second column), 0 when there is none.
pub(crate) const LAST_CHANGE_ID: &str =
    "SELECT count(*), coalesce(max(id), 0) FROM zaak_doc_changes WHERE zaak_id = ?1";

/// A stored document as bytes: the snapshot followed by the incremental rows, the id of the
/// last row included, and how many rows there were.
#[derive(Debug, Clone)]
pub struct StoredDoc {
    pub bytes: Vec<u8>,
    pub last_change_id: i64,
    pub changes: i64,
}

/// The document's bytes, if the zaak has a document.
pub fn load(conn: &Tx<'_>, zaak_id: &str) -> Result<Option<StoredDoc>> {
    let snapshot: Option<Vec<u8>> = conn.query_opt(
        "SELECT snapshot FROM zaak_docs WHERE zaak_id = ?1",
        params![zaak_id],
        |r| r.get(0),
    )?;
    let Some(mut bytes) = snapshot else {
        return Ok(None);
    };
    // Sorted here rather than by `ORDER BY`: SQLite re-prepares a statement whose plan scans an
    // index for its order every time another connection wrote in between (see
    // `last_change_id`), and there are at most `COMPACT_AFTER` and a few rows.
    let mut rows: Vec<(i64, Vec<u8>)> = conn.query_map(CHANGE_ROWS, params![zaak_id], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    rows.sort_unstable_by_key(|(id, _)| *id);
    let last_change_id = rows.last().map_or(0, |(id, _)| *id);
    let changes = rows.len() as i64;
    for (_, chunk) in rows {
        bytes.extend_from_slice(&chunk);
    }
    Ok(Some(StoredDoc {
        bytes,
        last_change_id,
        changes,
    }))
}

/// Holds the zaak's document row until the transaction ends, so appends to one zaak take turns
/// across server instances and its change ids grow in the order they commit: a reader that
/// sees the last id has seen every row before it. On SQLite the write transaction already
/// holds the whole store.
pub fn lock_zaak(conn: &Tx<'_>, zaak_id: &str) -> Result<()> {
    if conn.dialect() == crate::db::Dialect::Postgres {
        conn.query_opt(
            "SELECT 1 FROM zaak_docs WHERE zaak_id = ?1 FOR UPDATE",
            params![zaak_id],
            |_| Ok(()),
        )?;
    }
    Ok(())
}

/// Whether the zaak has a document.
pub fn exists(conn: &Tx<'_>, zaak_id: &str) -> Result<bool> {
    Ok(conn
        .query_opt(
            "SELECT 1 FROM zaak_docs WHERE zaak_id = ?1",
            params![zaak_id],
            |_| Ok(()),
        )?
        .is_some())
}

/// The id of the zaak's last incremental row, 0 when there is none: a loaded document that
/// includes that row is current (see [`super::cache`]).
///
/// Counted along so that SQLite does not answer `max(id)` by seeking the end of the index:
/// a statement planned that way is re-prepared on every use after another connection wrote
/// (its statement status counts it), which cost the server about 5% of its CPU in a burst.
pub fn last_change_id(conn: &Tx<'_>, zaak_id: &str) -> Result<i64> {
    conn.query_row(LAST_CHANGE_ID, params![zaak_id], |r| r.get(1))
}

/// Appends the changes a sync accepted (bytes of `save_incremental`).
pub fn append(
    conn: &Tx<'_>,
    zaak_id: &str,
    bytes: &[u8],
    device_id: &str,
    now: i64,
) -> Result<(i64, i64)> {
    lock_zaak(conn, zaak_id)?;
    let id = conn.insert_returning_id(
        "INSERT INTO zaak_doc_changes (zaak_id, bytes, device_id, created_at) VALUES (?1, ?2, ?3, ?4)", params![zaak_id, bytes, device_id, now])?;
    let rows = conn.query_row(
        "SELECT count(*) FROM zaak_doc_changes WHERE zaak_id = ?1",
        params![zaak_id],
        |r| r.get(0),
    )?;
    Ok((id, rows))
}

/// Replaces the snapshot with `snapshot` (which holds every row up to `last_change_id`) and
/// drops those rows; rows appended meanwhile stay.
pub fn replace_snapshot(
    conn: &Tx<'_>,
    zaak_id: &str,
    snapshot: &[u8],
    last_change_id: i64,
    now: i64,
) -> Result<()> {
    conn.execute(
        "UPDATE zaak_docs SET snapshot = ?2, updated_at = ?3 WHERE zaak_id = ?1",
        params![zaak_id, snapshot, now],
    )?;
    conn.execute(
        "DELETE FROM zaak_doc_changes WHERE zaak_id = ?1 AND id <= ?2",
        params![zaak_id, last_change_id],
    )?;
    Ok(())
}

pub fn sync_state(conn: &Tx<'_>, zaak_id: &str, device_id: &str) -> Result<Option<Vec<u8>>> {
    conn.query_opt(
        "SELECT state FROM sync_states WHERE zaak_id = ?1 AND device_id = ?2",
        params![zaak_id, device_id],
        |r| r.get(0),
    )
}

pub fn put_sync_state(
    conn: &Tx<'_>,
    zaak_id: &str,
    device_id: &str,
    state: &[u8],
    now: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_states (zaak_id, device_id, state, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (zaak_id, device_id) DO UPDATE SET state = ?3, updated_at = ?4",
        params![zaak_id, device_id, state, now],
    )?;
    Ok(())
}

/// The names of the handhavers a zaak is assigned to now.
pub fn handhavers(conn: &Tx<'_>, zaak_id: &str) -> Result<BTreeSet<String>> {
    let names = conn.query_map(
        "SELECT u.name FROM assignments a JOIN users u ON u.id = a.user_id
         WHERE a.zaak_id = ?1 AND a.withdrawn_at IS NULL",
        params![zaak_id],
        |r| r.get::<String>(0),
    )?;
    Ok(names.into_iter().collect())
}

/// Makes sure the zaak has a document; creates it from the zaak row when it has none. A stored
/// document whose handhavers differ from the current assignments gets its summary updated, as a
/// new incremental row: then it returns true, and the caller records the append in its
/// document cache before the transaction commits ([`super::cache::DocCache::forget`]).
pub fn ensure(conn: &Tx<'_>, zaak: &Zaak, now: i64) -> Result<bool> {
    let assigned = handhavers(conn, &zaak.id)?;
    match load(conn, &zaak.id)? {
        None => {
            let mut doc = ZaakDocument::new(&summary_of(zaak, assigned))
                .map_err(|e| Error::Data(format!("zaak {}: {e}", zaak.id)))?;
            conn.execute(
                "INSERT INTO zaak_docs (zaak_id, snapshot, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
                params![zaak.id, doc.save(), now],
            )?;
        }
        Some(stored) => {
            let mut doc = ZaakDocument::load(&stored.bytes)
                .map_err(|e| Error::Data(format!("zaak {}: {e}", zaak.id)))?;
            let mut summary = doc
                .summary()
                .map_err(|e| Error::Data(format!("zaak {}: {e}", zaak.id)))?;
            if summary.handhavers != assigned {
                summary.handhavers = assigned;
                doc.set_summary(&summary)
                    .map_err(|e| Error::Data(format!("zaak {}: {e}", zaak.id)))?;
                append(conn, &zaak.id, &doc.save_incremental(), "server", now)?;
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// The document summary of a zaak row: the melding's werkproces and motivatie, the label, the
/// deadline, the address split as [`split_address`] does, and the assigned handhavers (names).
pub fn summary_of(zaak: &Zaak, handhavers: BTreeSet<String>) -> ZaakSummary {
    ZaakSummary {
        zaak_id: zaak.id.clone(),
        label: zaak.label.clone(),
        address: split_address(&zaak.adres),
        werkproces: zaak.melding.werkproces,
        motivatie: zaak.melding.motivatie.clone(),
        deadline: zaak.deadline,
        handhavers,
    }
}

/// Splits a one-line Dutch address, `"Kerkstraat 12a, 1234 AB Demodorp"` or
/// `"Kerkstraat 12, Demodorp"`: street and house number before the first comma (the house number
/// is the last word that starts with a digit, with what follows it), then an optional postcode
/// (four digits and two letters) and the city. What does not fit stays in `street`, never lost.
pub fn split_address(adres: &str) -> Address {
    let (left, right) = adres.split_once(',').unwrap_or((adres, ""));
    let words: Vec<&str> = left.split_whitespace().collect();
    let (street, house_number) = match words
        .iter()
        .rposition(|w| w.starts_with(|c: char| c.is_ascii_digit()))
    {
        Some(i) if i > 0 => (words[..i].join(" "), words[i..].join(" ")),
        _ => (words.join(" "), String::new()),
    };
    let right = right.trim();
    let bytes = right.as_bytes();
    let digits = bytes.len() >= 4 && bytes[..4].iter().all(u8::is_ascii_digit);
    let (postcode, city) = if digits {
        let rest = right[4..].trim_start();
        let letters: String = rest.chars().take(2).collect();
        if letters.len() == 2 && letters.chars().all(|c| c.is_ascii_alphabetic()) {
            (
                format!("{} {}", &right[..4], letters.to_ascii_uppercase()),
                rest[2..].trim().to_owned(),
            )
        } else {
            (String::new(), right.to_owned())
        }
    } else {
        (String::new(), right.to_owned())
    };
    Address {
        street,
        house_number,
        postcode,
        city,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_dutch_addresses_and_keeps_what_does_not_fit() {
        let a = split_address("Kerkstraat 12a, 1234 ab Demodorp");
        assert_eq!(
            (
                a.street.as_str(),
                a.house_number.as_str(),
                a.postcode.as_str(),
                a.city.as_str()
            ),
            ("Kerkstraat", "12a", "1234 AB", "Demodorp")
        );
        let a = split_address("Lange Nieuwstraat 3 bis, Demodorp");
        assert_eq!(
            (
                a.street.as_str(),
                a.house_number.as_str(),
                a.postcode.as_str(),
                a.city.as_str()
            ),
            ("Lange Nieuwstraat", "3 bis", "", "Demodorp")
        );
        let a = split_address("Ergens achter de dijk");
        assert_eq!(a.street, "Ergens achter de dijk");
        assert_eq!(a.house_number, "");
        let a = split_address("");
        assert_eq!(a.street, "");
    }
}
