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
//! created the same visit (or document root) concurrently lose nothing. Unknown keys are ignored
//! here; the server refuses them (the schema it enforces is [`super::layout`]).

use std::borrow::Cow;

use automerge::{
    AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, ScalarValueRef, Value, ValueRef,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::de::{DeserializeOwned, IntoDeserializer};

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

/// The keys of one map object read in a single pass (one `map_range` is much cheaper than a
/// `get` per key), borrowed from the document (a string is copied only when a getter returns
/// it), with typed getters that name the path of a bad value.
pub struct Fields<'a> {
    path: &'a str,
    /// The index in the list at `path`, for a map that is a list item.
    index: Option<usize>,
    values: Vec<(Cow<'a, str>, Option<ScalarValueRef<'a>>)>,
}

impl<'a> Fields<'a> {
    /// Reads `obj`; `path` names it in errors (e.g. `summary`).
    pub fn read(doc: &'a AutoCommit, obj: &ObjId, path: &'a str) -> Self {
        let values = doc
            .map_range(obj, ..)
            .map(|item| {
                let value = match item.value {
                    ValueRef::Scalar(s) => Some(s),
                    ValueRef::Object(_) => None,
                };
                (item.key, value)
            })
            .collect();
        Self {
            path,
            index: None,
            values,
        }
    }

    /// Reads the map `obj` at `index` of the list at `list_path` (named
    /// `<list_path>[<index>]` in errors).
    pub fn read_item(doc: &'a AutoCommit, obj: &ObjId, list_path: &'a str, index: usize) -> Self {
        Self {
            index: Some(index),
            ..Self::read(doc, obj, list_path)
        }
    }

    fn scalar(&self, key: &str) -> Result<Option<&ScalarValueRef<'a>>, ZaakError> {
        match self.values.iter().find(|(k, _)| k == key) {
            None => Ok(None),
            Some((_, Some(s))) => Ok(Some(s)),
            Some((_, None)) => Err(self.malformed(key, "an object where a value belongs")),
        }
    }

    pub fn malformed(&self, key: &str, what: &str) -> ZaakError {
        match self.index {
            Some(i) => malformed(&format!("{}[{i}]", self.path), key, what),
            None => malformed(self.path, key, what),
        }
    }

    pub fn str(&self, key: &str) -> Result<String, ZaakError> {
        match self.scalar(key)? {
            Some(ScalarValueRef::Str(s)) => Ok(s.to_string()),
            None => Err(self.malformed(key, "missing")),
            Some(_) => Err(self.malformed(key, "not a string")),
        }
    }

    pub fn uint(&self, key: &str) -> Result<u64, ZaakError> {
        match self.scalar(key)? {
            Some(ScalarValueRef::Uint(n)) => Ok(*n),
            Some(ScalarValueRef::Int(n)) if *n >= 0 => Ok(*n as u64),
            None => Err(self.malformed(key, "missing")),
            Some(_) => Err(self.malformed(key, "not an unsigned integer")),
        }
    }

    pub fn bool(&self, key: &str) -> Result<bool, ZaakError> {
        match self.scalar(key)? {
            Some(ScalarValueRef::Boolean(b)) => Ok(*b),
            None => Err(self.malformed(key, "missing")),
            Some(_) => Err(self.malformed(key, "not a boolean")),
        }
    }

    fn time_from_millis(&self, ms: i64, key: &str) -> Result<DateTime<Utc>, ZaakError> {
        // Years 0000..=9999 only, so the canonical RFC 3339 text has one form everywhere.
        const MAX_MS: i64 = 253_402_300_799_999;
        const MIN_MS: i64 = -62_167_219_200_000;
        if !(MIN_MS..=MAX_MS).contains(&ms) {
            return Err(self.malformed(key, "timestamp out of range"));
        }
        DateTime::from_timestamp_millis(ms)
            .ok_or_else(|| self.malformed(key, "timestamp out of range"))
    }

    pub fn time(&self, key: &str) -> Result<DateTime<Utc>, ZaakError> {
        match self.scalar(key)? {
            Some(ScalarValueRef::Timestamp(ms)) => self.time_from_millis(*ms, key),
            None => Err(self.malformed(key, "missing")),
            Some(_) => Err(self.malformed(key, "not a timestamp")),
        }
    }

    pub fn opt_time(&self, key: &str) -> Result<Option<DateTime<Utc>>, ZaakError> {
        match self.scalar(key)? {
            Some(ScalarValueRef::Timestamp(ms)) => self.time_from_millis(*ms, key).map(Some),
            Some(ScalarValueRef::Null) | None => Ok(None),
            Some(_) => Err(self.malformed(key, "not a timestamp")),
        }
    }

    pub fn opt_date(&self, key: &str) -> Result<Option<NaiveDate>, ZaakError> {
        match self.scalar(key)? {
            Some(ScalarValueRef::Str(s)) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| self.malformed(key, "not a date (YYYY-MM-DD)")),
            Some(ScalarValueRef::Null) | None => Ok(None),
            Some(_) => Err(self.malformed(key, "not a date")),
        }
    }

    /// A string holding a serde enum's snake_case name (e.g. `Actie`, `Code`, `Werkproces`).
    pub fn enumeration<T: DeserializeOwned>(&self, key: &str) -> Result<T, ZaakError> {
        let s = match self.scalar(key)? {
            Some(ScalarValueRef::Str(s)) => s,
            None => return Err(self.malformed(key, "missing")),
            Some(_) => return Err(self.malformed(key, "not a string")),
        };
        let name: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
            s.as_ref().into_deserializer();
        T::deserialize(name).map_err(|_| self.malformed(key, "unknown value"))
    }
}

/// The unsigned integer at `obj[key]`.
pub fn get_uint(doc: &AutoCommit, obj: &ObjId, key: &str, path: &str) -> Result<u64, ZaakError> {
    match doc.get(obj, key)? {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Uint(n) => Ok(*n),
            ScalarValue::Int(n) if *n >= 0 => Ok(*n as u64),
            _ => Err(malformed(path, key, "not an unsigned integer")),
        },
        None => Err(malformed(path, key, "missing")),
        Some(_) => Err(malformed(path, key, "not an unsigned integer")),
    }
}

pub fn malformed(path: &str, key: &str, what: &str) -> ZaakError {
    ZaakError::Malformed {
        path: format!("{path}.{key}"),
        detail: what.to_owned(),
    }
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
