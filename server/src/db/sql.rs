//! One SQL interface over both stores: a transaction ([`Tx`]) that runs a statement with
//! parameters and reads its rows ([`Row`]), the same call on the embedded SQLite store and on
//! PostgreSQL.
//!
//! Statements are written once, in the SQL both understand, with numbered placeholders
//! (`?1`, `?2`; PostgreSQL gets `$1`, `$2`). What differs between the two is not hidden in
//! strings here but chosen where it matters, with [`Tx::dialect`]. Values cross the boundary as
//! a small set of kinds ([`Value`]): integer, text, bytes, null; PostgreSQL columns of other
//! integer widths and booleans are read and written as integers.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::error::{Error, Result};

/// Which SQL a store speaks, for the few statements that differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The values of `expr` over a group joined with `", "` (`group_concat` / `string_agg`).
    pub fn joined(self, expr: &str) -> String {
        match self {
            Dialect::Sqlite => format!("group_concat({expr}, ', ')"),
            Dialect::Postgres => format!("string_agg({expr}, ', ')"),
        }
    }

    /// The text at top-level `key` of the JSON text in `column` (`json_extract` / `->>`).
    pub fn json_text(self, column: &str, key: &str) -> String {
        match self {
            Dialect::Sqlite => format!("json_extract({column}, '$.{key}')"),
            Dialect::Postgres => format!("({column}::jsonb ->> '{key}')"),
        }
    }
}

/// What several server instances on one PostgreSQL database must extend one at a time, because
/// the next row builds on the newest one (issue 18 §2: two instances once gave two audit rows
/// the same `seq`). Locks are always taken in this order within a transaction (a policy
/// change logs its audit row last), so they cannot deadlock each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Serial {
    /// `zaken`: the next number of the year (`Z-2026-0042`) a new zaak gets.
    ZaakNumbers,
    /// `policy_versions`: the next version number and the bundle signed for it.
    PolicyVersions,
    /// `audit_log`: the next `seq` and its link to the previous row's hash.
    AuditChain,
}

impl Serial {
    /// The advisory lock's key (7601 is the migrations').
    fn lock_key(self) -> i64 {
        match self {
            Serial::ZaakNumbers => 7604,
            Serial::PolicyVersions => 7603,
            Serial::AuditChain => 7602,
        }
    }
}

/// A parameter's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Null,
    Integer(i64),
    Text(&'a str),
    Blob(&'a [u8]),
}

/// Something that can be a statement parameter.
pub trait ToValue {
    fn to_value(&self) -> Value<'_>;
}

macro_rules! integer_values {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value<'_> {
                Value::Integer(i64::from(*self))
            }
        }
    )*};
}
integer_values!(i64, i32, u32, u16, u8, bool);

impl ToValue for u64 {
    fn to_value(&self) -> Value<'_> {
        // Counts and sequence numbers; beyond i64 a value cannot be stored and is clamped.
        Value::Integer(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}

impl ToValue for usize {
    fn to_value(&self) -> Value<'_> {
        Value::Integer(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}

impl ToValue for str {
    fn to_value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl ToValue for [u8] {
    fn to_value(&self) -> Value<'_> {
        Value::Blob(self)
    }
}

impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value<'_> {
        Value::Blob(self)
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value<'_> {
        (**self).to_value()
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value<'_> {
        match self {
            Some(v) => v.to_value(),
            None => Value::Null,
        }
    }
}

/// The parameters of a statement: `params![a, b, c]`.
#[macro_export]
macro_rules! params {
    () => {
        &[] as &[&dyn $crate::db::ToValue]
    };
    ($($p:expr),+ $(,)?) => {
        &[$(&$p as &dyn $crate::db::ToValue),+] as &[&dyn $crate::db::ToValue]
    };
}

/// A column's value as read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueRef<'r> {
    Null,
    Integer(i64),
    Real(f64),
    Text(&'r str),
    Blob(&'r [u8]),
}

/// Something a column can be read as.
pub trait FromValue: Sized {
    fn from_value(v: ValueRef<'_>) -> std::result::Result<Self, String>;
}

impl FromValue for i64 {
    fn from_value(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Integer(i) => Ok(i),
            other => Err(format!("expected an integer, found {other:?}")),
        }
    }
}

macro_rules! narrow_integers {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(v: ValueRef<'_>) -> std::result::Result<Self, String> {
                let i = i64::from_value(v)?;
                <$t>::try_from(i).map_err(|_| format!("{i} out of range for {}", stringify!($t)))
            }
        }
    )*};
}
narrow_integers!(i32, u32, u64, usize, u16, u8);

impl FromValue for bool {
    fn from_value(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        Ok(i64::from_value(v)? != 0)
    }
}

impl FromValue for f64 {
    fn from_value(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Real(f) => Ok(f),
            ValueRef::Integer(i) => Ok(i as f64),
            other => Err(format!("expected a number, found {other:?}")),
        }
    }
}

impl FromValue for String {
    fn from_value(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Text(s) => Ok(s.to_owned()),
            other => Err(format!("expected text, found {other:?}")),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Blob(b) => Ok(b.to_vec()),
            other => Err(format!("expected bytes, found {other:?}")),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

/// One row of a result.
pub struct Row<'r>(RowInner<'r>);

enum RowInner<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Postgres(&'r postgres::Row),
}

impl Row<'_> {
    /// Column `idx` (from 0) as `T`.
    pub fn get<T: FromValue>(&self, idx: usize) -> Result<T> {
        let read = |v: ValueRef<'_>| {
            T::from_value(v).map_err(|e| Error::Data(format!("column {idx}: {e}")))
        };
        match &self.0 {
            RowInner::Sqlite(r) => {
                let v = r.get_ref(idx)?;
                read(match v {
                    rusqlite::types::ValueRef::Null => ValueRef::Null,
                    rusqlite::types::ValueRef::Integer(i) => ValueRef::Integer(i),
                    rusqlite::types::ValueRef::Real(f) => ValueRef::Real(f),
                    rusqlite::types::ValueRef::Text(t) => ValueRef::Text(
                        std::str::from_utf8(t)
                            .map_err(|_| Error::Data(format!("column {idx}: text not UTF-8")))?,
                    ),
                    rusqlite::types::ValueRef::Blob(b) => ValueRef::Blob(b),
                })
            }
            RowInner::Postgres(r) => read(super::pg::column(r, idx)?),
        }
    }
}

/// Prepared statements of one PostgreSQL connection, by the SQL they were written in.
pub(crate) type StatementCache = HashMap<String, postgres::Statement>;

/// One transaction on the store: everything done through it commits together or not at all.
pub struct Tx<'c>(TxInner<'c>);

enum TxInner<'c> {
    Sqlite(&'c rusqlite::Connection),
    Postgres {
        tx: RefCell<postgres::Transaction<'c>>,
        statements: RefCell<&'c mut StatementCache>,
    },
}

impl<'c> Tx<'c> {
    pub(crate) fn sqlite(conn: &'c rusqlite::Connection) -> Tx<'c> {
        Tx(TxInner::Sqlite(conn))
    }

    pub(crate) fn postgres(
        tx: postgres::Transaction<'c>,
        statements: &'c mut StatementCache,
    ) -> Tx<'c> {
        Tx(TxInner::Postgres {
            tx: RefCell::new(tx),
            statements: RefCell::new(statements),
        })
    }

    /// Commits a PostgreSQL transaction (SQLite transactions are committed by their owner).
    pub(crate) fn commit(self) -> Result<()> {
        match self.0 {
            TxInner::Sqlite(_) => Ok(()),
            TxInner::Postgres { tx, .. } => Ok(tx.into_inner().commit()?),
        }
    }

    /// Makes the rest of this transaction the only one extending `what` (see [`Serial`]). A
    /// no-op on SQLite, which has one writer anyway; on PostgreSQL a transaction-level advisory
    /// lock, held until commit or rollback. Take it before reading what the extension builds
    /// on (the chain's tip, the newest version number).
    pub fn serialize(&self, what: Serial) -> Result<()> {
        if self.dialect() == Dialect::Postgres {
            self.query_opt(
                "SELECT pg_advisory_xact_lock(?1)",
                params![what.lock_key()],
                |_| Ok(()),
            )?;
        }
        Ok(())
    }

    pub fn dialect(&self) -> Dialect {
        match self.0 {
            TxInner::Sqlite(_) => Dialect::Sqlite,
            TxInner::Postgres { .. } => Dialect::Postgres,
        }
    }

    /// Runs a statement; the number of rows it changed.
    pub fn execute(&self, sql: &str, params: &[&dyn ToValue]) -> Result<usize> {
        match &self.0 {
            TxInner::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                Ok(stmt.execute(sqlite_params(params))?)
            }
            TxInner::Postgres { tx, statements } => {
                let stmt = self.pg_statement(tx, statements, sql)?;
                let values: Vec<Value<'_>> = params.iter().map(|p| p.to_value()).collect();
                let refs = pg_params(&values);
                let n = tx.borrow_mut().execute(&stmt, &refs)?;
                Ok(usize::try_from(n).unwrap_or(usize::MAX))
            }
        }
    }

    /// Runs several statements without parameters (schema changes).
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match &self.0 {
            TxInner::Sqlite(c) => Ok(c.execute_batch(sql)?),
            TxInner::Postgres { tx, .. } => Ok(tx.borrow_mut().batch_execute(sql)?),
        }
    }

    /// Runs an `INSERT` into a table whose key is `id` and returns the new row's id.
    pub fn insert_returning_id(&self, sql: &str, params: &[&dyn ToValue]) -> Result<i64> {
        self.query_row(&format!("{sql} RETURNING id"), params, |r| r.get(0))
    }

    /// The rows of a query, each read by `f`.
    pub fn query_map<T>(
        &self,
        sql: &str,
        params: &[&dyn ToValue],
        mut f: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        self.query_each(sql, params, |r| {
            out.push(f(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// Every row of a query given to `f` in turn, without collecting them first (on SQLite
    /// the rows are read as `f` goes).
    pub fn query_each(
        &self,
        sql: &str,
        params: &[&dyn ToValue],
        mut f: impl FnMut(&Row<'_>) -> Result<()>,
    ) -> Result<()> {
        match &self.0 {
            TxInner::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let mut rows = stmt.query(sqlite_params(params))?;
                while let Some(r) = rows.next()? {
                    f(&Row(RowInner::Sqlite(r)))?;
                }
                Ok(())
            }
            TxInner::Postgres { tx, statements } => {
                let stmt = self.pg_statement(tx, statements, sql)?;
                let values: Vec<Value<'_>> = params.iter().map(|p| p.to_value()).collect();
                let rows = tx.borrow_mut().query(&stmt, &pg_params(&values))?;
                rows.iter().try_for_each(|r| f(&Row(RowInner::Postgres(r))))
            }
        }
    }

    /// The first row of a query read by `f`, or `None` when it has none.
    pub fn query_opt<T>(
        &self,
        sql: &str,
        params: &[&dyn ToValue],
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<Option<T>> {
        match &self.0 {
            TxInner::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let mut rows = stmt.query(sqlite_params(params))?;
                match rows.next()? {
                    Some(r) => f(&Row(RowInner::Sqlite(r))).map(Some),
                    None => Ok(None),
                }
            }
            TxInner::Postgres { tx, statements } => {
                let stmt = self.pg_statement(tx, statements, sql)?;
                let values: Vec<Value<'_>> = params.iter().map(|p| p.to_value()).collect();
                let refs = pg_params(&values);
                let row = tx.borrow_mut().query_opt(&stmt, &refs)?;
                row.as_ref()
                    .map(|r| f(&Row(RowInner::Postgres(r))))
                    .transpose()
            }
        }
    }

    /// The first row of a query read by `f`; a query without rows is an error.
    pub fn query_row<T>(
        &self,
        sql: &str,
        params: &[&dyn ToValue],
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        self.query_opt(sql, params, f)?
            .ok_or_else(|| Error::Data(format!("no row for: {}", first_line(sql))))
    }

    fn pg_statement(
        &self,
        tx: &RefCell<postgres::Transaction<'c>>,
        statements: &RefCell<&'c mut StatementCache>,
        sql: &str,
    ) -> Result<postgres::Statement> {
        if let Some(s) = statements.borrow().get(sql) {
            return Ok(s.clone());
        }
        let stmt = tx.borrow_mut().prepare(&numbered_placeholders(sql))?;
        statements.borrow_mut().insert(sql.to_owned(), stmt.clone());
        Ok(stmt)
    }
}

fn first_line(sql: &str) -> &str {
    sql.trim().lines().next().unwrap_or("")
}

/// The parameters as SQLite binds them.
fn sqlite_params<'p>(
    params: &'p [&'p dyn ToValue],
) -> rusqlite::ParamsFromIter<impl Iterator<Item = SqliteValue<'p>>> {
    rusqlite::params_from_iter(params.iter().map(|p| SqliteValue(p.to_value())))
}

/// A parameter bound on SQLite.
struct SqliteValue<'a>(Value<'a>);

impl rusqlite::ToSql for SqliteValue<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef as V};
        Ok(ToSqlOutput::Borrowed(match self.0 {
            Value::Null => V::Null,
            Value::Integer(i) => V::Integer(i),
            Value::Text(t) => V::Text(t.as_bytes()),
            Value::Blob(b) => V::Blob(b),
        }))
    }
}

fn pg_params<'v>(values: &'v [Value<'v>]) -> Vec<&'v (dyn postgres::types::ToSql + Sync)> {
    values
        .iter()
        .map(|v| v as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

/// `?1`, `?2` (SQLite) as `$1`, `$2` (PostgreSQL), and a bare `?` as the next number; nothing
/// inside a quoted string or identifier is touched.
pub(crate) fn numbered_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut quote: Option<char> = None;
    let mut next = 1u32;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    digits.push(d);
                    chars.next();
                }
                out.push('$');
                if digits.is_empty() {
                    out.push_str(&next.to_string());
                    next += 1;
                } else {
                    out.push_str(&digits);
                }
            }
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres_outside_quotes() {
        assert_eq!(
            numbered_placeholders("SELECT a FROM t WHERE b = ?1 AND c = ?12"),
            "SELECT a FROM t WHERE b = $1 AND c = $12"
        );
        assert_eq!(
            numbered_placeholders("INSERT INTO t VALUES (?, ?, '?x', \"?\")"),
            "INSERT INTO t VALUES ($1, $2, '?x', \"?\")"
        );
        assert_eq!(
            numbered_placeholders("SELECT 'it''s ?' , ?2"),
            "SELECT 'it''s ?' , $2"
        );
    }

    #[test]
    fn values_convert_both_ways() {
        assert_eq!(true.to_value(), Value::Integer(1));
        assert_eq!(Some("a").to_value(), Value::Text("a"));
        assert_eq!(None::<i64>.to_value(), Value::Null);
        assert_eq!(u64::MAX.to_value(), Value::Integer(i64::MAX));
        assert_eq!(Option::<u32>::from_value(ValueRef::Null), Ok(None));
        assert_eq!(u32::from_value(ValueRef::Integer(7)), Ok(7));
        assert!(u32::from_value(ValueRef::Integer(-1)).is_err());
        assert!(String::from_value(ValueRef::Integer(1)).is_err());
        assert_eq!(bool::from_value(ValueRef::Integer(2)), Ok(true));
    }
}
