//! The PostgreSQL store: a small pool of connections (each with its prepared statements), the
//! schema migrations in PostgreSQL's dialect, and how values cross to and from its types.
//!
//! The `postgres` client is blocking, like the SQLite store: the server reaches both from
//! tokio's blocking pool ([`super::Db::call`]), never from an async task.

use std::sync::{Condvar, Mutex};

use bytes::BytesMut;
use postgres::types::{IsNull, ToSql, Type};
use postgres::{Client, NoTls};

use super::sql::{StatementCache, Tx, Value, ValueRef};
use super::MIGRATIONS_POSTGRES;
use crate::error::{Error, Result};

/// At most this many connections per server instance.
pub const MAX_CONNECTIONS: usize = 8;

/// One connection and the statements prepared on it.
pub(crate) struct PgConn {
    client: Client,
    statements: StatementCache,
}

/// The pool: idle connections and how many are open.
pub(crate) struct PgStore {
    url: String,
    pool: Mutex<(Vec<PgConn>, usize)>,
    freed: Condvar,
    /// Taken by [`PgStore::exclusive`]: one such write at a time in this instance.
    writer: Mutex<()>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password.
        f.debug_struct("PgStore").finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to `url` and brings the schema up to date.
    pub(crate) fn open(url: &str) -> Result<PgStore> {
        let store = PgStore {
            url: url.to_owned(),
            pool: Mutex::new((Vec::new(), 0)),
            freed: Condvar::new(),
            writer: Mutex::new(()),
        };
        store.transaction(migrate)?;
        Ok(store)
    }

    fn connect(&self) -> Result<PgConn> {
        let client = Client::connect(&self.url, NoTls)?;
        Ok(PgConn {
            client,
            statements: StatementCache::new(),
        })
    }

    /// Runs `f` in one transaction (serializable isolation is not asked for: the statements
    /// that must not race take their row locks or use conflict clauses themselves).
    pub(crate) fn transaction<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        // The blocking client runs its own small runtime, which cannot start inside a task of
        // the server's: a call made from async code (rather than through `Db::call`) first
        // leaves the runtime's worker, as `spawn_blocking` would.
        let in_worker = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if in_worker {
            tokio::task::block_in_place(|| self.transaction_here(f))
        } else {
            self.transaction_here(f)
        }
    }

    fn transaction_here<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        let poisoned = || Error::Data("connection pool lock poisoned".into());
        let mut conn = {
            let mut pool = self.pool.lock().map_err(|_| poisoned())?;
            loop {
                if let Some(c) = pool.0.pop() {
                    if !c.client.is_closed() {
                        break c;
                    }
                    pool.1 -= 1;
                    continue;
                }
                if pool.1 < MAX_CONNECTIONS {
                    pool.1 += 1;
                    drop(pool);
                    match self.connect() {
                        Ok(c) => break c,
                        Err(e) => {
                            if let Ok(mut pool) = self.pool.lock() {
                                pool.1 -= 1;
                            }
                            return Err(e);
                        }
                    }
                }
                pool = self.freed.wait(pool).map_err(|_| poisoned())?;
            }
        };
        let out = (|| {
            let PgConn { client, statements } = &mut conn;
            let tx = Tx::postgres(client.transaction()?, statements);
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })();
        if let Ok(mut pool) = self.pool.lock() {
            if conn.client.is_closed() {
                pool.1 -= 1;
            } else {
                pool.0.push(conn);
            }
        }
        self.freed.notify_one();
        out
    }
}

impl Drop for PgStore {
    /// A blocking client closes by blocking on its own runtime, which cannot happen inside a
    /// task of the server's (the store is often dropped there, at shutdown): the idle
    /// connections are closed on a thread of their own.
    fn drop(&mut self) {
        let idle = match self.pool.get_mut() {
            Ok(pool) => std::mem::take(&mut pool.0),
            Err(poisoned) => std::mem::take(&mut poisoned.into_inner().0),
        };
        if !idle.is_empty() {
            let _ = std::thread::Builder::new()
                .name("veldwerk-pg-close".into())
                .spawn(move || drop(idle));
        }
    }
}

impl PgStore {
    /// Runs `f` while no other `exclusive` call of this instance runs.
    pub(crate) fn exclusive<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        let _held = self
            .writer
            .lock()
            .map_err(|_| Error::Data("writer lock poisoned".into()))?;
        f()
    }
}

/// Brings the schema to the newest version in one transaction, under an advisory lock so that
/// instances starting together migrate once.
fn migrate(tx: &Tx<'_>) -> Result<()> {
    tx.execute_batch(
        "SELECT pg_advisory_xact_lock(7601);
         CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL);",
    )?;
    let found: Option<i64> =
        tx.query_opt("SELECT version FROM schema_version", &[], |r| r.get(0))?;
    let supported = MIGRATIONS_POSTGRES.len() as i64;
    let from = found.unwrap_or(0);
    if from > supported {
        return Err(Error::Data(format!(
            "database schema version {from} is newer than this server ({supported})"
        )));
    }
    for sql in &MIGRATIONS_POSTGRES[from as usize..] {
        tx.execute_batch(sql)?;
    }
    if found.is_none() {
        tx.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            crate::params![supported],
        )?;
    } else if from != supported {
        tx.execute(
            "UPDATE schema_version SET version = ?1",
            crate::params![supported],
        )?;
        tracing::info!(from, to = supported, "database migrated");
    }
    Ok(())
}

/// Column `idx` of a PostgreSQL row as one of the value kinds both stores share.
pub(crate) fn column(row: &postgres::Row, idx: usize) -> Result<ValueRef<'_>> {
    let ty = row
        .columns()
        .get(idx)
        .ok_or_else(|| Error::Data(format!("no column {idx}")))?
        .type_()
        .clone();
    let v = if ty == Type::INT8 {
        row.try_get::<_, Option<i64>>(idx)?
            .map_or(ValueRef::Null, ValueRef::Integer)
    } else if ty == Type::INT4 {
        row.try_get::<_, Option<i32>>(idx)?
            .map_or(ValueRef::Null, |i| ValueRef::Integer(i.into()))
    } else if ty == Type::INT2 {
        row.try_get::<_, Option<i16>>(idx)?
            .map_or(ValueRef::Null, |i| ValueRef::Integer(i.into()))
    } else if ty == Type::BOOL {
        row.try_get::<_, Option<bool>>(idx)?
            .map_or(ValueRef::Null, |b| ValueRef::Integer(b.into()))
    } else if ty == Type::FLOAT8 {
        row.try_get::<_, Option<f64>>(idx)?
            .map_or(ValueRef::Null, ValueRef::Real)
    } else if ty == Type::BYTEA {
        row.try_get::<_, Option<&[u8]>>(idx)?
            .map_or(ValueRef::Null, ValueRef::Blob)
    } else if ty == Type::TEXT || ty == Type::VARCHAR || ty == Type::BPCHAR || ty == Type::NAME {
        row.try_get::<_, Option<&str>>(idx)?
            .map_or(ValueRef::Null, ValueRef::Text)
    } else {
        return Err(Error::Data(format!(
            "column {idx} has type {ty}, which the store does not read (cast it)"
        )));
    };
    Ok(v)
}

type BoxError = Box<dyn std::error::Error + Sync + Send>;

impl ToSql for Value<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> std::result::Result<IsNull, BoxError> {
        match *self {
            Value::Null => Ok(IsNull::Yes),
            Value::Integer(i) => {
                if *ty == Type::INT8 {
                    i.to_sql(ty, out)
                } else if *ty == Type::INT4 {
                    i32::try_from(i)?.to_sql(ty, out)
                } else if *ty == Type::INT2 {
                    i16::try_from(i)?.to_sql(ty, out)
                } else if *ty == Type::BOOL {
                    (i != 0).to_sql(ty, out)
                } else if *ty == Type::FLOAT8 {
                    (i as f64).to_sql(ty, out)
                } else {
                    i.to_string().as_str().to_sql(ty, out)
                }
            }
            Value::Text(s) => s.to_sql(ty, out),
            Value::Blob(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(_ty: &Type) -> bool {
        // Checked per value in `to_sql`.
        true
    }

    postgres::types::to_sql_checked!();
}
