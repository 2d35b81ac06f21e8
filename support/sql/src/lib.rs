//! `veldwerk-sql`: the one migration style of Veldwerk's SQLite stores (the server's and the
//! device's).
//!
//! A store's schema is an append-only list of migrations; migration `n` (1-based) takes the
//! database from `PRAGMA user_version = n - 1` to `n`. A new database runs them all, an older
//! one the ones it lacks, a newer one is refused. A migration that has shipped is never edited
//! (each store keeps a frozen copy of its first schema in a test); a change adds one.
#![warn(clippy::unwrap_used)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

use rusqlite::{Connection, Transaction};

/// Why a store could not be brought to its schema.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The database was written by a newer build.
    #[error("schema version {found} is newer than this build's {supported}")]
    TooNew { found: u32, supported: u32 },
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// What [`migrate`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migrated {
    /// The version the database had (0: empty).
    pub from: u32,
    /// The version it has now: the number of migrations.
    pub to: u32,
}

/// The database's schema version (`PRAGMA user_version`; 0 for a new database).
pub fn user_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// The version a list of migrations brings a database to.
pub fn version_of(migrations: &[&str]) -> u32 {
    u32::try_from(migrations.len()).unwrap_or(u32::MAX)
}

/// Runs the migrations the database lacks, inside the caller's transaction (so a store can
/// check something, e.g. its key, before it commits the migration).
pub fn migrate(tx: &Transaction<'_>, migrations: &[&str]) -> Result<Migrated, MigrateError> {
    let from = user_version(tx)?;
    let to = version_of(migrations);
    if from > to {
        return Err(MigrateError::TooNew {
            found: from,
            supported: to,
        });
    }
    for (n, sql) in migrations.iter().enumerate().skip(from as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", n as u32 + 1)?;
    }
    Ok(Migrated { from, to })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEPS: &[&str] = &[
        "CREATE TABLE a (x INTEGER);",
        "ALTER TABLE a ADD COLUMN y TEXT;",
        "CREATE INDEX a_y ON a(y);",
    ];

    fn run(conn: &mut Connection, steps: &[&str]) -> Result<Migrated, MigrateError> {
        let tx = conn.transaction()?;
        let out = migrate(&tx, steps)?;
        tx.commit()?;
        Ok(out)
    }

    #[test]
    fn a_new_database_runs_every_step_and_a_second_run_none() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(run(&mut conn, STEPS).unwrap(), Migrated { from: 0, to: 3 });
        assert_eq!(run(&mut conn, STEPS).unwrap(), Migrated { from: 3, to: 3 });
        conn.execute("INSERT INTO a (x, y) VALUES (1, 'b')", [])
            .unwrap();
    }

    #[test]
    fn an_older_database_runs_the_steps_it_lacks_and_keeps_its_rows() {
        let mut conn = Connection::open_in_memory().unwrap();
        run(&mut conn, &STEPS[..1]).unwrap();
        conn.execute("INSERT INTO a (x) VALUES (7)", []).unwrap();
        assert_eq!(run(&mut conn, STEPS).unwrap(), Migrated { from: 1, to: 3 });
        let x: i64 = conn.query_row("SELECT x FROM a", [], |r| r.get(0)).unwrap();
        assert_eq!(x, 7);
    }

    #[test]
    fn a_newer_database_is_refused_and_left_alone() {
        let mut conn = Connection::open_in_memory().unwrap();
        run(&mut conn, STEPS).unwrap();
        let err = run(&mut conn, &STEPS[..2]).unwrap_err();
        assert!(matches!(
            err,
            MigrateError::TooNew {
                found: 3,
                supported: 2
            }
        ));
        assert_eq!(user_version(&conn).unwrap(), 3);
    }

    #[test]
    fn a_failing_step_leaves_the_transaction_to_roll_back() {
        let mut conn = Connection::open_in_memory().unwrap();
        let broken: &[&str] = &[STEPS[0], "NOT SQL"];
        assert!(run(&mut conn, broken).is_err());
        assert_eq!(user_version(&conn).unwrap(), 0);
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 0);
    }
}
