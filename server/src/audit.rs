//! The tamper-evident audit log: every row carries the SHA-256 of the previous row's hash and
//! its own canonical content, so editing, deleting or reordering a row breaks the chain, and
//! every row's hash is signed with the organisation key, so a row rewritten with recomputed
//! hashes (or inserted) fails its signature. Dropping the newest rows leaves a shorter chain
//! that is still whole: a [`Checkpoint`] (the signed newest row, printed by `veldwerk-server audit
//! verify` and kept elsewhere by whoever audits) shows it, since the chain must still reach it.
//!
//! Code switches (issue 4 point 5), enrollments, revocations and flag resolutions are logged
//! here. [`verify_audit_chain`] recomputes the chain from the first row.

use std::fmt;
use std::str::FromStr;

use ring::signature::{Ed25519KeyPair, UnparsedPublicKey, ED25519};
use serde::Serialize;

use crate::db::{Row, Serial, Tx};
use crate::error::{Error, Result};
use crate::params;

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
    /// Hex Ed25519 signature of the organisation key over [`signed_text`]; `None` for rows
    /// written before rows were signed.
    pub signature: Option<String>,
}

/// What the organisation key signs for a row: its sequence number and hash, under a prefix of
/// its own so an audit signature can never pass for a policy signature.
pub fn signed_text(seq: i64, hash: &str) -> String {
    format!("veldwerk-audit-v1\n{seq}\n{hash}")
}

/// The organisation key as stored, if there is an organisation yet.
fn organisation_key(conn: &Tx<'_>) -> Result<Option<Ed25519KeyPair>> {
    let pkcs8: Option<Vec<u8>> = conn.query_opt(
        "SELECT key_pkcs8 FROM organisation WHERE id = 1",
        params![],
        |r| r.get(0),
    )?;
    pkcs8
        .map(|p| {
            Ed25519KeyPair::from_pkcs8(&p)
                .map_err(|_| Error::Crypto("stored organisation key does not parse".into()))
        })
        .transpose()
}

/// The organisation's public key as stored.
fn organisation_public_key(conn: &Tx<'_>) -> Result<Option<Vec<u8>>> {
    conn.query_opt(
        "SELECT public_key FROM organisation WHERE id = 1",
        params![],
        |r| r.get(0),
    )
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
    conn: &Tx<'_>,
    at: i64,
    actor: &str,
    action: &str,
    details: &serde_json::Value,
) -> Result<i64> {
    conn.serialize(Serial::AuditChain)?;
    let last: Option<(i64, String)> = conn.query_opt(
        "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
        params![],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (seq, prev_hash) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let details = details.to_string();
    let hash = row_hash(&prev_hash, seq, at, actor, action, &details);
    let signature = organisation_key(conn)?
        .map(|key| hex::encode(key.sign(signed_text(seq, &hash).as_bytes())));
    conn.execute(
        "INSERT INTO audit_log (seq, at, actor, action, details, prev_hash, hash, signature)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![seq, at, actor, action, details, prev_hash, hash, signature],
    )?;
    Ok(seq)
}

/// A signed row of the log that an auditor keeps outside the server (`seq:hash:signature`):
/// a later check that does not reach it with the same hash finds rows dropped or rewritten.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub signature: String,
}

impl fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.seq, self.hash, self.signature)
    }
}

impl FromStr for Checkpoint {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let mut parts = s.trim().split(':');
        let (Some(seq), Some(hash), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("verwacht regelnummer:hash:handtekening".into());
        };
        let seq = seq
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or("het regelnummer is geen positief getal")?;
        let is_hex =
            |t: &str, len: usize| t.len() == len && t.bytes().all(|b| b.is_ascii_hexdigit());
        if !is_hex(hash, 64) {
            return Err("de hash is geen 64 hexadecimale tekens".into());
        }
        if !is_hex(signature, 128) {
            return Err("de handtekening is geen 128 hexadecimale tekens".into());
        }
        Ok(Checkpoint {
            seq,
            hash: hash.to_ascii_lowercase(),
            signature: signature.to_ascii_lowercase(),
        })
    }
}

impl Checkpoint {
    /// Whether the organisation key `public_key` signed this checkpoint.
    pub fn verifies(&self, public_key: &[u8]) -> bool {
        signature_verifies(public_key, self.seq, &self.hash, &self.signature)
    }
}

fn signature_verifies(public_key: &[u8], seq: i64, hash: &str, signature: &str) -> bool {
    let Ok(signature) = hex::decode(signature) else {
        return false;
    };
    UnparsedPublicKey::new(&ED25519, public_key)
        .verify(signed_text(seq, hash).as_bytes(), &signature)
        .is_ok()
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditCheck {
    pub rows: u64,
    pub intact: bool,
    /// The first row whose link, hash or signature does not match (for a checkpoint the chain
    /// no longer reaches: the checkpoint's row).
    pub broken_at: Option<i64>,
    /// Why the chain is not intact, in Dutch.
    pub problem: Option<String>,
    /// Rows from before rows were signed (always the oldest ones).
    pub unsigned: u64,
    /// The newest row, signed: what an auditor keeps to detect dropped rows later.
    pub head: Option<Checkpoint>,
}

/// Checks the chain against the organisation key held in the same store. Catches an edited,
/// reordered, inserted or deleted row; a rewrite needs the private key, and dropping the newest
/// rows needs [`verify_audit_chain_against`] with a checkpoint kept elsewhere.
pub fn verify_audit_chain(conn: &Tx<'_>) -> Result<AuditCheck> {
    let public_key = organisation_public_key(conn)?.unwrap_or_default();
    verify_audit_chain_against(conn, &public_key, None)
}

/// Recomputes every row's hash from the first row on, checks each row links to the one before
/// it with consecutive sequence numbers (a deleted row is a gap) and is signed by `public_key`
/// (only a prefix of old rows may be unsigned), and that the chain still reaches `checkpoint`
/// with the same hash.
pub fn verify_audit_chain_against(
    conn: &Tx<'_>,
    public_key: &[u8],
    checkpoint: Option<&Checkpoint>,
) -> Result<AuditCheck> {
    let mut check = AuditCheck {
        rows: 0,
        intact: true,
        broken_at: None,
        problem: None,
        unsigned: 0,
        head: None,
    };
    let broken = |mut check: AuditCheck, seq: i64, problem: String| {
        check.intact = false;
        check.broken_at = Some(seq);
        check.problem = Some(problem);
        check.head = None;
        Ok(check)
    };
    if let Some(c) = checkpoint {
        if !c.verifies(public_key) {
            return broken(
                check,
                c.seq,
                "Het controlepunt is niet ondertekend met de sleutel van de organisatie.".into(),
            );
        }
    }
    let rows = conn.query_map(&format!("{SELECT_ROWS} ORDER BY seq"), params![], read_row)?;
    let mut expected_prev = GENESIS_HASH.to_owned();
    let mut expected_seq = 1i64;
    let mut signed_seen = false;
    for row in rows {
        check.rows += 1;
        let recomputed = row_hash(
            &row.prev_hash,
            row.seq,
            row.at,
            &row.actor,
            &row.action,
            &row.details,
        );
        if row.seq != expected_seq || row.prev_hash != expected_prev || row.hash != recomputed {
            return broken(
                check,
                row.seq,
                format!("De keten breekt bij regel {}.", row.seq),
            );
        }
        match &row.signature {
            None if signed_seen => {
                return broken(
                    check,
                    row.seq,
                    format!("Regel {} is niet ondertekend.", row.seq),
                )
            }
            None => check.unsigned += 1,
            Some(sig) if signature_verifies(public_key, row.seq, &row.hash, sig) => {
                signed_seen = true;
                check.head = Some(Checkpoint {
                    seq: row.seq,
                    hash: row.hash.clone(),
                    signature: sig.clone(),
                });
            }
            Some(_) => {
                return broken(
                    check,
                    row.seq,
                    format!(
                    "De handtekening van regel {} klopt niet met de sleutel van de organisatie.",
                    row.seq
                ),
                )
            }
        }
        if let Some(c) = checkpoint {
            if c.seq == row.seq && c.hash != row.hash {
                return broken(
                    check,
                    row.seq,
                    format!("Regel {} is anders dan bij het controlepunt.", row.seq),
                );
            }
        }
        expected_prev = row.hash;
        expected_seq += 1;
    }
    if let Some(c) = checkpoint {
        if c.seq >= expected_seq {
            let problem = format!(
                "Het auditlog eindigt bij regel {}, het controlepunt noemt regel {}: regels zijn verwijderd.",
                expected_seq - 1,
                c.seq
            );
            return broken(check, c.seq, problem);
        }
    }
    Ok(check)
}

const SELECT_ROWS: &str =
    "SELECT seq, at, actor, action, details, prev_hash, hash, signature FROM audit_log";

fn read_row(r: &Row<'_>) -> Result<AuditRow> {
    Ok(AuditRow {
        seq: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        details: r.get(4)?,
        prev_hash: r.get(5)?,
        hash: r.get(6)?,
        signature: r.get(7)?,
    })
}

/// The newest `limit` rows, newest first.
pub fn recent(conn: &Tx<'_>, limit: u32) -> Result<Vec<AuditRow>> {
    conn.query_map(
        &format!("{SELECT_ROWS} ORDER BY seq DESC LIMIT ?1"),
        params![limit],
        read_row,
    )
}

/// Every row of one action (e.g. `code_switched`), newest first.
pub fn of_action(conn: &Tx<'_>, action: &str) -> Result<Vec<AuditRow>> {
    conn.query_map(
        &format!("{SELECT_ROWS} WHERE action = ?1 ORDER BY seq DESC"),
        params![action],
        read_row,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use serde_json::json;

    /// An organisation (whose creation is the first row) and three more rows.
    fn db_with_rows() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        db.write(|tx| {
            crate::org::create(tx, "Gemeente Proef", 50)?;
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

    /// Several server instances append to one chain at once (issue 18 §2; two instances on
    /// PostgreSQL once gave two rows the same `seq`): each transaction takes the chain lock
    /// before it reads the tip, so every row is appended once and the chain verifies.
    #[test]
    fn appends_from_several_instances_at_once_keep_one_chain() {
        let store = crate::db::TestStore::new();
        let first = store.open();
        first
            .write(|tx| crate::org::create(tx, "Gemeente Proef", 50).map(|_| ()))
            .unwrap();
        let instances: Vec<Db> = (0..2).map(|_| store.open()).collect();
        std::thread::scope(|s| {
            for (i, db) in instances.iter().enumerate() {
                for t in 0..3 {
                    s.spawn(move || {
                        for n in 0..15 {
                            let details = json!({"instance": i, "thread": t, "n": n});
                            db.write(|tx| append(tx, 100, "sanne", "code_switched", &details))
                                .unwrap();
                        }
                    });
                }
            }
        });
        let c = check(&first);
        assert!(c.intact, "{:?}", c.problem);
        assert_eq!(c.rows, 1 + 2 * 3 * 15);
    }

    fn check(db: &Db) -> AuditCheck {
        db.with(verify_audit_chain).unwrap()
    }

    fn check_against(db: &Db, checkpoint: &Checkpoint) -> AuditCheck {
        db.with(|c| {
            let key = organisation_public_key(c)?.unwrap();
            verify_audit_chain_against(c, &key, Some(checkpoint))
        })
        .unwrap()
    }

    fn sql(db: &Db, statement: &str) {
        db.with(|c| c.execute_batch(statement)).unwrap();
    }

    /// Rewrites row `seq`'s details and recomputes the hash of it and every later row, as someone
    /// with write access to the database but without the organisation key could.
    fn rewrite_and_rehash(db: &Db, seq: i64, details: &str) {
        db.with(|c| {
            c.execute(
                "UPDATE audit_log SET details = ?1 WHERE seq = ?2",
                params![details, seq],
            )?;
            let rows = c.query_map(&format!("{SELECT_ROWS} ORDER BY seq"), params![], read_row)?;
            let mut prev = GENESIS_HASH.to_owned();
            for r in rows {
                let hash = row_hash(&prev, r.seq, r.at, &r.actor, &r.action, &r.details);
                c.execute(
                    "UPDATE audit_log SET prev_hash = ?1, hash = ?2 WHERE seq = ?3",
                    params![prev, hash, r.seq],
                )?;
                prev = hash;
            }
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn an_untouched_chain_verifies_and_names_its_signed_head() {
        let (_d, db) = db_with_rows();
        let c = check(&db);
        assert!(c.intact, "{c:?}");
        assert_eq!((c.rows, c.unsigned, c.broken_at), (4, 0, None));
        let head = c.head.clone().unwrap();
        assert_eq!(head.seq, 4);
        assert_eq!(head.to_string().parse::<Checkpoint>().unwrap(), head);
        assert!(check_against(&db, &head).intact);
        let rows = db.with(|c| recent(c, 10)).unwrap();
        assert_eq!(rows[3].prev_hash, GENESIS_HASH);
        assert_eq!(rows[2].prev_hash, rows[3].hash);
        assert!(rows.iter().all(|r| r.signature.is_some()));
    }

    #[test]
    fn an_edited_row_breaks_the_chain() {
        let (_d, db) = db_with_rows();
        sql(
            &db,
            "UPDATE audit_log SET details = '{\"code\":\"geel\"}' WHERE seq = 2",
        );
        assert_eq!(check(&db).broken_at, Some(2));
    }

    #[test]
    fn a_rehashed_row_is_caught_at_that_row_by_its_signature() {
        let (_d, db) = db_with_rows();
        db.with(|c| {
            let prev: String =
                c.query_row("SELECT hash FROM audit_log WHERE seq = 1", params![], |r| {
                    r.get(0)
                })?;
            let h = row_hash(&prev, 2, 100, "sanne", "code_switched", "{}");
            c.execute(
                "UPDATE audit_log SET details = '{}', hash = ?1 WHERE seq = 2",
                params![h],
            )?;
            Ok(())
        })
        .unwrap();
        assert_eq!(check(&db).broken_at, Some(2));
    }

    /// Issue 13, "Smaller": rewrite a row and recompute every hash after it — without the
    /// organisation key the signatures no longer match.
    #[test]
    fn a_rewrite_with_every_hash_recomputed_fails_its_signature() {
        let (_d, db) = db_with_rows();
        rewrite_and_rehash(&db, 2, r#"{"code":"geel"}"#);
        let c = check(&db);
        assert!(!c.intact);
        assert_eq!(c.broken_at, Some(2));
        assert!(c.problem.unwrap().contains("handtekening"));
    }

    /// Issue 13, "Smaller": dropping the newest rows leaves a whole but shorter chain; the
    /// checkpoint kept by an auditor shows it.
    #[test]
    fn dropped_newest_rows_are_found_against_a_checkpoint() {
        let (_d, db) = db_with_rows();
        let head = check(&db).head.unwrap();
        sql(&db, "DELETE FROM audit_log WHERE seq >= 3");
        assert!(
            check(&db).intact,
            "without a checkpoint a shorter chain is whole"
        );
        let c = check_against(&db, &head);
        assert!(!c.intact);
        assert_eq!(c.broken_at, Some(4));
        assert!(c.problem.unwrap().contains("verwijderd"));
    }

    #[test]
    fn a_checkpoint_not_signed_by_the_organisation_is_refused() {
        let (_d, db) = db_with_rows();
        let mut head = check(&db).head.unwrap();
        head.signature = "ab".repeat(64);
        assert!(!check_against(&db, &head).intact);
        assert!("4:abc:def".parse::<Checkpoint>().is_err());
        assert!("x:y".parse::<Checkpoint>().is_err());
    }

    #[test]
    fn an_unsigned_row_after_signed_ones_is_refused_and_old_unsigned_rows_are_counted() {
        let (_d, db) = db_with_rows();
        sql(&db, "UPDATE audit_log SET signature = NULL WHERE seq = 1");
        let c = check(&db);
        assert!(c.intact);
        assert_eq!(c.unsigned, 1);
        sql(&db, "UPDATE audit_log SET signature = NULL WHERE seq = 3");
        assert_eq!(check(&db).broken_at, Some(3));
    }

    #[test]
    fn a_deleted_row_breaks_the_chain() {
        let (_d, db) = db_with_rows();
        sql(&db, "DELETE FROM audit_log WHERE seq = 2");
        assert_eq!(check(&db).broken_at, Some(3));
    }
}
