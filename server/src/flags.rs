//! Flagged actions: field actions recorded under a code that was no longer active at that
//! moment (issue 4 point 5). The sync endpoint raises them; a supervisor lists and resolves
//! them. A flag is never deleted and the action it points at is never dropped: field data is
//! evidence.

use serde::Serialize;
use serde_json::json;

use crate::audit;
use crate::db::{Row, Tx};
use crate::error::{Error, Result};
use crate::params;

/// A flag as raised by sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFlag {
    pub device_id: String,
    pub zaak_id: String,
    /// The entry in the zaak document this flag is about (unique per zaak).
    pub entry_ref: String,
    /// The action id (`huisbezoek`, `spreekkamer`, ...).
    pub actie: String,
    pub recorded_at: i64,
    /// The code the device believed active, if it had a policy.
    pub code_known: Option<String>,
    pub policy_version_known: u64,
    /// The code really active at `recorded_at`.
    pub code_active: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    pub id: i64,
    pub device_id: String,
    pub zaak_id: String,
    pub entry_ref: String,
    pub actie: String,
    pub recorded_at: i64,
    pub code_known: Option<String>,
    pub policy_version_known: u64,
    pub code_active: String,
    pub created_at: i64,
    pub resolved_at: Option<i64>,
    pub resolved_by: Option<String>,
    pub resolution: Option<String>,
}

/// Raises a flag; raising the same entry again is a no-op (sync may resend). Returns the id.
pub fn raise(conn: &Tx<'_>, f: &NewFlag, now: i64) -> Result<i64> {
    conn.execute(
        "INSERT INTO flags (device_id, zaak_id, entry_ref, actie, recorded_at, code_known,
            policy_version_known, code_active, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT DO NOTHING",
        params![
            f.device_id,
            f.zaak_id,
            f.entry_ref,
            f.actie,
            f.recorded_at,
            f.code_known,
            f.policy_version_known as i64,
            f.code_active,
            now
        ],
    )?;
    conn.query_row(
        "SELECT id FROM flags WHERE zaak_id = ?1 AND entry_ref = ?2",
        params![f.zaak_id, f.entry_ref],
        |r| r.get(0),
    )
}

const SELECT: &str = "SELECT id, device_id, zaak_id, entry_ref, actie, recorded_at, code_known,
    policy_version_known, code_active, created_at, resolved_at, resolved_by, resolution FROM flags";

fn read(r: &Row<'_>) -> Result<Flag> {
    Ok(Flag {
        id: r.get(0)?,
        device_id: r.get(1)?,
        zaak_id: r.get(2)?,
        entry_ref: r.get(3)?,
        actie: r.get(4)?,
        recorded_at: r.get(5)?,
        code_known: r.get(6)?,
        policy_version_known: r.get::<i64>(7)? as u64,
        code_active: r.get(8)?,
        created_at: r.get(9)?,
        resolved_at: r.get(10)?,
        resolved_by: r.get(11)?,
        resolution: r.get(12)?,
    })
}

/// Flags, open ones only unless `include_resolved`.
pub fn list(conn: &Tx<'_>, include_resolved: bool) -> Result<Vec<Flag>> {
    let sql = if include_resolved {
        format!("{SELECT} ORDER BY id")
    } else {
        format!("{SELECT} WHERE resolved_at IS NULL ORDER BY id")
    };
    let rows = conn.query_map(&sql, params![], read)?;
    Ok(rows)
}

/// Every flag of one zaak, resolved ones included, oldest first.
pub fn of_zaak(conn: &Tx<'_>, zaak_id: &str) -> Result<Vec<Flag>> {
    let rows = conn.query_map(
        &format!("{SELECT} WHERE zaak_id = ?1 ORDER BY id"),
        params![zaak_id],
        read,
    )?;
    Ok(rows)
}

/// Resolves a flag with the supervisor's judgement; logged in the audit chain.
pub fn resolve(conn: &Tx<'_>, id: i64, by: &str, resolution: &str, now: i64) -> Result<Flag> {
    let resolution = resolution.trim();
    if resolution.is_empty() {
        return Err(Error::bad_request(
            "resolution_required",
            "Beschrijf hoe de melding is afgehandeld.",
        ));
    }
    let flag = conn
        .query_opt(&format!("{SELECT} WHERE id = ?1"), params![id], read)?
        .ok_or_else(|| {
            Error::not_found("flag_not_found", format!("Signalering {id} bestaat niet."))
        })?;
    if flag.resolved_at.is_some() {
        return Err(Error::refused(
            axum::http::StatusCode::CONFLICT,
            "flag_already_resolved",
            format!("Signalering {id} is al afgehandeld."),
        ));
    }
    conn.execute(
        "UPDATE flags SET resolved_at = ?2, resolved_by = ?3, resolution = ?4 WHERE id = ?1",
        params![id, now, by, resolution],
    )?;
    audit::append(
        conn,
        now,
        by,
        "flag_resolved",
        &json!({ "flag": id, "resolution": resolution }),
    )?;
    conn.query_row(&format!("{SELECT} WHERE id = ?1"), params![id], read)
}
