//! Moving an installation from the embedded store to PostgreSQL: every row of every table,
//! copied in one read of the SQLite store and one PostgreSQL transaction, so the target holds
//! all of it or nothing. Both stores have the same tables at the same schema version (the
//! migrations are kept in step), so a row is copied column by column as it is.

use super::sql::{FromValue, ToValue, Value, ValueRef};
use super::{Db, Dialect};
use crate::error::{Error, Result};

/// Every table, parents before the tables that refer to them.
pub const TABLES: &[&str] = &[
    "organisation",
    "users",
    "sessions",
    "enrollment_codes",
    "devices",
    "zaken",
    "assignments",
    "directives",
    "policy_versions",
    "audit_log",
    "nonces",
    "flags",
    "zaak_docs",
    "zaak_doc_changes",
    "sync_states",
    "photos",
    "signalen",
    "heronderzoeken",
];

/// The tables whose `id` PostgreSQL generates: after the copy their sequences continue after
/// the highest copied id.
const GENERATED_IDS: &[&str] = &[
    "users",
    "directives",
    "flags",
    "zaak_doc_changes",
    "signalen",
];

/// A column's value, owned, as it crosses from one store to the other.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Integer(i64),
    Text(String),
    Blob(Vec<u8>),
}

impl FromValue for Cell {
    fn from_value(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        Ok(match v {
            ValueRef::Null => Cell::Null,
            ValueRef::Integer(i) => Cell::Integer(i),
            ValueRef::Text(t) => Cell::Text(t.to_owned()),
            ValueRef::Blob(b) => Cell::Blob(b.to_vec()),
            ValueRef::Real(f) => return Err(format!("no table has a real column ({f})")),
        })
    }
}

impl ToValue for Cell {
    fn to_value(&self) -> Value<'_> {
        match self {
            Cell::Null => Value::Null,
            Cell::Integer(i) => Value::Integer(*i),
            Cell::Text(t) => Value::Text(t),
            Cell::Blob(b) => Value::Blob(b),
        }
    }
}

/// Copies everything in `from` (an embedded store) into `to` (an empty PostgreSQL store),
/// telling `progress` each table and its number of rows as it is done. Refuses a target that
/// already has an organisation: nothing is ever merged or overwritten.
pub fn sqlite_to_postgres(
    from: &Db,
    to: &Db,
    mut progress: impl FnMut(&str, usize),
) -> Result<Vec<(&'static str, usize)>> {
    if from.dialect() != Dialect::Sqlite || to.dialect() != Dialect::Postgres {
        return Err(Error::bad_request(
            "copy_direction",
            "Kopiëren gaat van de ingebouwde opslag (--data-dir) naar PostgreSQL.",
        ));
    }
    from.read(|src| {
        to.write(|dst| {
            let orgs: i64 =
                dst.query_row("SELECT count(*) FROM organisation", &[], |r| r.get(0))?;
            if orgs > 0 {
                return Err(Error::refused(
                    axum::http::StatusCode::CONFLICT,
                    "copy_target_not_empty",
                    "De PostgreSQL-database heeft al een organisatie; kopieer alleen naar een lege database.",
                ));
            }
            let mut copied = Vec::with_capacity(TABLES.len());
            for &table in TABLES {
                let columns = src.query_map(
                    "SELECT name FROM pragma_table_info(?1) ORDER BY cid",
                    crate::params![table],
                    |r| r.get::<String>(0),
                )?;
                let list = columns.join(", ");
                let placeholders = (1..=columns.len())
                    .map(|i| format!("?{i}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let insert = format!("INSERT INTO {table} ({list}) VALUES ({placeholders})");
                let mut rows = 0usize;
                let mut failed = None;
                src.query_each(&format!("SELECT {list} FROM {table}"), &[], |r| {
                    let cells = (0..columns.len())
                        .map(|i| r.get::<Cell>(i))
                        .collect::<Result<Vec<_>>>()?;
                    let params: Vec<&dyn ToValue> =
                        cells.iter().map(|c| c as &dyn ToValue).collect();
                    if let Err(e) = dst.execute(&insert, &params) {
                        failed = Some(e);
                        return Err(Error::Data(format!("copying {table} stopped")));
                    }
                    rows += 1;
                    Ok(())
                })
                .map_err(|e| failed.take().unwrap_or(e))?;
                progress(table, rows);
                copied.push((table, rows));
            }
            for table in GENERATED_IDS {
                dst.query_row(
                    &format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                         coalesce(max(id), 0) + 1, false) FROM {table}"
                    ),
                    &[],
                    |_| Ok(()),
                )?;
            }
            Ok(copied)
        })
    })
}
