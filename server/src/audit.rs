//! The tamper-evident audit log: every row carries the SHA-256 of the previous row's hash and
//! its own canonical content, so editing, deleting or reordering a row breaks the chain.
//!
//! Code switches (issue 4 point 5), enrollments, revocations and flag resolutions are logged
//! here. [`verify_audit_chain`] recomputes the chain from the first row.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::error::Result;

/// The `prev_hash` of the first row.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One row of the log as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRow {
    pub seq: i64,
    /// Seconds since the Unix epoch.
    pub at: i64,
    pub actor: String,
    pub action: String,
    /// JSON text.
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The part of a row that is hashed, in a fixed field order.
#[derive(Serialize)]
struct Canonical<'a> {
    seq: i64,
    at: i64,
    actor: &'a str,
    action: &'a str,
    details: &'a str,
}

/// `hex(SHA-256(prev_hash ‖ "\n" ‖ canonical JSON of seq, at, actor, action, details))`.
pub fn row_hash(
    prev_hash: &str,
    seq: i64,
    at: i64,
    actor: &str,
    action: &str,
    details: &str,
) -> String {
    let canonical = serde_json::to_string(&Canonical {
        seq,
        at,
        actor,
        action,
        details,
    })
    .unwrap_or_default();
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(prev_hash.as_bytes());
    ctx.update(b"\n");
    ctx.update(canonical.as_bytes());
    hex::encode(ctx.finish())
}

/// Appends a row at the end of the chain; call inside the transaction of the change it logs.
pub fn append(
    conn: &Connection,
    at: i64,
    actor: &str,
    action: &str,
    details: &serde_json::Value,
) -> Result<i64> {
    let last: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev_hash) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let details = details.to_string();
    let hash = row_hash(&prev_hash, seq, at, actor, action, &details);
    conn.execute(
        "INSERT INTO audit_log (seq, at, actor, action, details, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![seq, at, actor, action, details, prev_hash, hash],
    )?;
    Ok(seq)
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditCheck {
    pub rows: u64,
    pub intact: bool,
    /// The first row whose link or hash does not match.
    pub broken_at: Option<i64>,
}

/// Recomputes every row's hash from the first row on and checks each row links to the one
/// before it with consecutive sequence numbers (a deleted row is a gap).
pub fn verify_audit_chain(conn: &Connection) -> Result<AuditCheck> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor, action, details, prev_hash, hash FROM audit_log ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut expected_prev = GENESIS_HASH.to_owned();
    let mut expected_seq = 1i64;
    let mut count = 0u64;
    while let Some(r) = rows.next()? {
        let row = read_row(r)?;
        count += 1;
        let recomputed = row_hash(
            &row.prev_hash,
            row.seq,
            row.at,
            &row.actor,
            &row.action,
            &row.details,
        );
        if row.seq != expected_seq || row.prev_hash != expected_prev || row.hash != recomputed {
            return Ok(AuditCheck {
                rows: count,
                intact: false,
                broken_at: Some(row.seq),
            });
        }
        expected_prev = row.hash;
        expected_seq += 1;
    }
    Ok(AuditCheck {
        rows: count,
        intact: true,
        broken_at: None,
    })
}

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRow> {
    Ok(AuditRow {
        seq: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        details: r.get(4)?,
        prev_hash: r.get(5)?,
        hash: r.get(6)?,
    })
}

/// The newest `limit` rows, newest first.
pub fn recent(conn: &Connection, limit: u32) -> Result<Vec<AuditRow>> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor, action, details, prev_hash, hash FROM audit_log
         ORDER BY seq DESC LIMIT ?1",
    )?;
    let rows = stmt
        .query_map([limit], read_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Every row of one action (e.g. `code_switched`), newest first.
pub fn of_action(conn: &Connection, action: &str) -> Result<Vec<AuditRow>> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor, action, details, prev_hash, hash FROM audit_log
         WHERE action = ?1 ORDER BY seq DESC",
    )?;
    let rows = stmt
        .query_map([action], read_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use serde_json::json;

    fn db_with_rows() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        db.write(|tx| {
            append(
                tx,
                100,
                "sanne",
                "code_switched",
                &json!({"code": "oranje"}),
            )?;
            append(tx, 200, "sanne", "device_revoked", &json!({"device": "d1"}))?;
            append(tx, 300, "admin", "user_added", &json!({"name": "piet"}))?;
            Ok(())
        })
        .unwrap();
        (dir, db)
    }

    fn check(db: &Db) -> AuditCheck {
        db.with(|c| verify_audit_chain(c)).unwrap()
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let (_d, db) = db_with_rows();
        assert_eq!(
            check(&db),
            AuditCheck {
                rows: 3,
                intact: true,
                broken_at: None
            }
        );
        let rows = db.with(|c| recent(c, 10)).unwrap();
        assert_eq!(rows[2].prev_hash, GENESIS_HASH);
        assert_eq!(rows[1].prev_hash, rows[2].hash);
    }

    #[test]
    fn an_edited_row_breaks_the_chain() {
        let (_d, db) = db_with_rows();
        db.with(|c| {
            c.execute(
                "UPDATE audit_log SET details = '{\"code\":\"geel\"}' WHERE seq = 1",
                [],
            )?;
            Ok(())
        })
        .unwrap();
        assert_eq!(check(&db).broken_at, Some(1));
    }

    #[test]
    fn a_rehashed_row_still_breaks_the_next_link() {
        let (_d, db) = db_with_rows();
        db.with(|c| {
            let h = row_hash(GENESIS_HASH, 1, 100, "sanne", "code_switched", "{}");
            c.execute(
                "UPDATE audit_log SET details = '{}', hash = ?1 WHERE seq = 1",
                [h],
            )?;
            Ok(())
        })
        .unwrap();
        assert_eq!(check(&db).broken_at, Some(2));
    }

    #[test]
    fn a_deleted_row_breaks_the_chain() {
        let (_d, db) = db_with_rows();
        db.with(|c| {
            c.execute("DELETE FROM audit_log WHERE seq = 2", [])?;
            Ok(())
        })
        .unwrap();
        assert_eq!(check(&db).broken_at, Some(3));
    }
}
