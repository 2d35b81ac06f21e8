//! The document layout (schema version 1) and typed reads and writes of its Automerge values.
//!
//! ```text
//! ROOT
//! ├─ schema_version: uint
//! ├─ summary: map { zaak_id, label, street, house_number, postcode, city: str,
//! │                 werkproces: str ("h2"|"h6"), motivatie: str, deadline: str (YYYY-MM-DD) | null,
//! │                 handhavers: map { <handhaver id>: true } }
//! └─ visits: map { <visit id>: map { kind: str (Actie), created_by: str (device id),
//!                                     created_at: timestamp, entries: list [ entry map ] } }
//! entry map { entry_id, visit_id, device_id, key_id: str, format: uint, seq: uint,
//!             recorded_at: timestamp, prev_hash, signature: str,
//!             policy_actie: str, policy_allowed: bool, policy_conditions: str (JSON array),
//!             policy_version: uint, policy_code: str, policy_synced_at: timestamp | null,
//!             body: str (canonical JSON of the event) }
//! ```
//!
//! Readers take every conflicting value of a container key (`get_all`), so two replicas that
//! created the same visit (or document root) concurrently lose nothing. Unknown keys are ignored.

use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, Value};
use chrono::{DateTime, NaiveDate, Utc};
use serde::de::DeserializeOwned;

use super::ZaakError;

pub const SCHEMA_VERSION_KEY: &str = "schema_version";
pub const SUMMARY: &str = "summary";
pub const VISITS: &str = "visits";
pub const ENTRIES: &str = "entries";
pub const HANDHAVERS: &str = "handhavers";

/// Every conflicting object of type `ty` at `obj[key]`, in Automerge's deterministic order.
pub fn objects(
    doc: &AutoCommit,
    obj: &ObjId,
    key: &str,
    ty: ObjType,
) -> Result<Vec<ObjId>, ZaakError> {
    Ok(doc
        .get_all(obj, key)?
        .into_iter()
        .filter_map(|(v, id)| match v {
            Value::Object(t) if t == ty => Some(id),
            _ => None,
        })
        .collect())
}

/// The winning object of type `ty` at `obj[key]`, if any.
pub fn object(
    doc: &AutoCommit,
    obj: &ObjId,
    key: &str,
    ty: ObjType,
) -> Result<Option<ObjId>, ZaakError> {
    Ok(match doc.get(obj, key)? {
        Some((Value::Object(t), id)) if t == ty => Some(id),
        _ => None,
    })
}

fn scalar(
    doc: &AutoCommit,
    obj: &ObjId,
    key: &str,
    path: &str,
) -> Result<Option<ScalarValue>, ZaakError> {
    match doc.get(obj, key)? {
        None => Ok(None),
        Some((Value::Scalar(s), _)) => Ok(Some(s.into_owned())),
        Some((Value::Object(_), _)) => Err(malformed(path, key, "an object where a value belongs")),
    }
}

pub fn malformed(path: &str, key: &str, what: &str) -> ZaakError {
    ZaakError::Malformed {
        path: format!("{path}.{key}"),
        detail: what.to_owned(),
    }
}

pub fn get_str(doc: &AutoCommit, obj: &ObjId, key: &str, path: &str) -> Result<String, ZaakError> {
    match scalar(doc, obj, key, path)? {
        Some(ScalarValue::Str(s)) => Ok(s.to_string()),
        None => Err(malformed(path, key, "missing")),
        Some(_) => Err(malformed(path, key, "not a string")),
    }
}

pub fn get_uint(doc: &AutoCommit, obj: &ObjId, key: &str, path: &str) -> Result<u64, ZaakError> {
    match scalar(doc, obj, key, path)? {
        Some(ScalarValue::Uint(n)) => Ok(n),
        Some(ScalarValue::Int(n)) if n >= 0 => Ok(n as u64),
        None => Err(malformed(path, key, "missing")),
        Some(_) => Err(malformed(path, key, "not an unsigned integer")),
    }
}

pub fn get_bool(doc: &AutoCommit, obj: &ObjId, key: &str, path: &str) -> Result<bool, ZaakError> {
    match scalar(doc, obj, key, path)? {
        Some(ScalarValue::Boolean(b)) => Ok(b),
        None => Err(malformed(path, key, "missing")),
        Some(_) => Err(malformed(path, key, "not a boolean")),
    }
}

fn time_from_millis(ms: i64, path: &str, key: &str) -> Result<DateTime<Utc>, ZaakError> {
    // Years 0000..=9999 only, so the canonical RFC 3339 text has one form everywhere.
    const MAX_MS: i64 = 253_402_300_799_999;
    const MIN_MS: i64 = -62_167_219_200_000;
    if !(MIN_MS..=MAX_MS).contains(&ms) {
        return Err(malformed(path, key, "timestamp out of range"));
    }
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| malformed(path, key, "timestamp out of range"))
}

pub fn get_time(
    doc: &AutoCommit,
    obj: &ObjId,
    key: &str,
    path: &str,
) -> Result<DateTime<Utc>, ZaakError> {
    match scalar(doc, obj, key, path)? {
        Some(ScalarValue::Timestamp(ms)) => time_from_millis(ms, path, key),
        None => Err(malformed(path, key, "missing")),
        Some(_) => Err(malformed(path, key, "not a timestamp")),
    }
}

pub fn get_opt_time(
    doc: &AutoCommit,
    obj: &ObjId,
    key: &str,
    path: &str,
) -> Result<Option<DateTime<Utc>>, ZaakError> {
    match scalar(doc, obj, key, path)? {
        Some(ScalarValue::Timestamp(ms)) => time_from_millis(ms, path, key).map(Some),
        Some(ScalarValue::Null) | None => Ok(None),
        Some(_) => Err(malformed(path, key, "not a timestamp")),
    }
}

pub fn get_opt_date(
    doc: &AutoCommit,
    obj: &ObjId,
    key: &str,
    path: &str,
) -> Result<Option<NaiveDate>, ZaakError> {
    match scalar(doc, obj, key, path)? {
        Some(ScalarValue::Str(s)) => NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| malformed(path, key, "not a date (YYYY-MM-DD)")),
        Some(ScalarValue::Null) | None => Ok(None),
        Some(_) => Err(malformed(path, key, "not a date")),
    }
}

/// A string holding a serde enum's snake_case name (e.g. `Actie`, `Code`, `Werkproces`).
pub fn get_enum<T: DeserializeOwned>(
    doc: &AutoCommit,
    obj: &ObjId,
    key: &str,
    path: &str,
) -> Result<T, ZaakError> {
    let s = get_str(doc, obj, key, path)?;
    serde_json::from_value(serde_json::Value::String(s))
        .map_err(|_| malformed(path, key, "unknown value"))
}

/// The snake_case name of a serde unit enum value.
pub fn enum_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

pub fn timestamp(t: &DateTime<Utc>) -> ScalarValue {
    ScalarValue::Timestamp(t.timestamp_millis())
}
