//! The server's store: the embedded SQLite file (the default) or PostgreSQL, behind one
//! interface ([`Db`], [`Tx`]); opening, schema migrations, and access.
//!
//! Both stores have the same tables, migrated in step: [`MIGRATIONS`] in SQLite's dialect
//! (`user_version`), [`MIGRATIONS_POSTGRES`] in PostgreSQL's (`schema_version`). On SQLite,
//! one connection in WAL mode behind a mutex; async handlers reach it through [`Db::call`],
//! which runs the closure on tokio's blocking pool. Writes that must stay together use
//! [`Db::write`], which commits only when the closure returns `Ok`. Reads that need no write
//! may use [`Db::read`] instead: a small pool of read-only connections, each read one
//! transaction (one consistent snapshot, everything committed before it began), that does not
//! wait for the writer.

pub mod copy;
mod pg;
mod pg_migrations;
mod sql;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::error::{Error, Result};
use pg::PgStore;
pub use pg_migrations::MIGRATIONS_POSTGRES;
pub use sql::{Dialect, FromValue, Row, Serial, ToValue, Tx, Value, ValueRef};

/// The database file inside the data directory.
pub const DB_FILE: &str = "veldwerk-server.sqlite3";

/// The schema version this build writes: the number of [`MIGRATIONS`].
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The migrations, in order (`veldwerk_sql`; the device store works the same way): migration
/// `n` brings the store to version `n`. Never edit a migration that has shipped; add one.
pub const MIGRATIONS: &[&str] = &[
    // 1: organisation, users and sessions, enrollment and devices, zaken, policy, audit, flags.
    r#"
    CREATE TABLE organisation (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        name TEXT NOT NULL,
        key_pkcs8 BLOB NOT NULL,
        public_key BLOB NOT NULL,
        overrides_toml TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL
    );
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('handhaver', 'supervisor', 'admin')),
        password_hash TEXT,
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked_until INTEGER,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id),
        csrf_token TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
    );
    CREATE TABLE enrollment_codes (
        code_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id),
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER,
        device_id TEXT
    );
    CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id),
        public_key BLOB NOT NULL UNIQUE,
        enrolled_at INTEGER NOT NULL,
        revoked_at INTEGER,
        revoked_by TEXT,
        last_seen INTEGER,
        policy_version_seen INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE zaken (
        id TEXT PRIMARY KEY,
        label TEXT NOT NULL,
        adres TEXT NOT NULL,
        melding TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'gesloten')),
        deadline TEXT,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE assignments (
        zaak_id TEXT NOT NULL REFERENCES zaken(id),
        user_id INTEGER NOT NULL REFERENCES users(id),
        assigned_at INTEGER NOT NULL,
        withdrawn_at INTEGER,
        PRIMARY KEY (zaak_id, user_id)
    );
    CREATE TABLE directives (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL CHECK (code IN ('geel', 'oranje', 'rood')),
        effective_from INTEGER NOT NULL,
        by_name TEXT NOT NULL,
        reason TEXT NOT NULL,
        policy_version INTEGER NOT NULL
    );
    CREATE TABLE policy_versions (
        version INTEGER PRIMARY KEY,
        issued_at INTEGER NOT NULL,
        payload TEXT NOT NULL,
        signature TEXT NOT NULL
    );
    CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        details TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE TABLE nonces (
        device_id TEXT NOT NULL,
        nonce TEXT NOT NULL,
        seen_at INTEGER NOT NULL,
        PRIMARY KEY (device_id, nonce)
    ) WITHOUT ROWID;
    CREATE INDEX nonces_seen_at ON nonces(seen_at);
    CREATE TABLE flags (
        id INTEGER PRIMARY KEY,
        device_id TEXT NOT NULL,
        zaak_id TEXT NOT NULL,
        entry_ref TEXT NOT NULL,
        actie TEXT NOT NULL,
        recorded_at INTEGER NOT NULL,
        code_known TEXT,
        policy_version_known INTEGER NOT NULL,
        code_active TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        resolved_at INTEGER,
        resolved_by TEXT,
        resolution TEXT,
        UNIQUE (zaak_id, entry_ref)
    );
    "#,
    // 2: zaak documents (snapshot + incremental changes), sync states per (zaak, device), and
    //    the index every sync uses to find a handhaver's zaken.
    r#"
    CREATE INDEX assignments_user ON assignments(user_id, zaak_id);
    CREATE TABLE zaak_docs (
        zaak_id TEXT PRIMARY KEY REFERENCES zaken(id),
        snapshot BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE TABLE zaak_doc_changes (
        id INTEGER PRIMARY KEY,
        zaak_id TEXT NOT NULL REFERENCES zaak_docs(zaak_id),
        bytes BLOB NOT NULL,
        device_id TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX zaak_doc_changes_zaak ON zaak_doc_changes(zaak_id, id);
    CREATE TABLE sync_states (
        zaak_id TEXT NOT NULL REFERENCES zaak_docs(zaak_id),
        device_id TEXT NOT NULL REFERENCES devices(id),
        state BLOB NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (zaak_id, device_id)
    ) WITHOUT ROWID;
    "#,
    // 3: every audit row signed with the organisation key (rows written before stay unsigned).
    r#"
    ALTER TABLE audit_log ADD COLUMN signature TEXT;
    "#,
    // 4: users can be disabled (kept, with their devices' evidence) and show their last sign-in.
    r#"
    ALTER TABLE users ADD COLUMN disabled_at INTEGER;
    ALTER TABLE users ADD COLUMN last_signin_at INTEGER;
    "#,
    // 5: a zaak's end (seed 000: the advies or besluit and why) and when its office data last
    // changed (the case system's "changed since").
    r#"
    ALTER TABLE zaken ADD COLUMN closed_at INTEGER;
    ALTER TABLE zaken ADD COLUMN closed_by TEXT;
    ALTER TABLE zaken ADD COLUMN uitkomst TEXT;
    ALTER TABLE zaken ADD COLUMN sluitreden TEXT;
    ALTER TABLE zaken ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
    UPDATE zaken SET updated_at = created_at;
    "#,
    // 6: photos of a zaak as devices uploaded them (`photos`), by content hash.
    r#"
    CREATE TABLE photos (
        zaak_id TEXT NOT NULL REFERENCES zaken(id),
        sha256 TEXT NOT NULL,
        bytes BLOB NOT NULL,
        content_type TEXT NOT NULL,
        device_id TEXT NOT NULL REFERENCES devices(id),
        stored_at INTEGER NOT NULL,
        PRIMARY KEY (zaak_id, sha256)
    ) WITHOUT ROWID;
    "#,
    // 7: signals with their termijnen and assessment (seed 001 bijlage 1, seed 002 §6), the
    //    organisation's termijn overrides, and the heronderzoek plan per client (seed 003).
    r#"
    ALTER TABLE organisation ADD COLUMN termijnen_toml TEXT NOT NULL DEFAULT '';
    CREATE TABLE signalen (
        id INTEGER PRIMARY KEY,
        soort TEXT NOT NULL,
        kanaal TEXT NOT NULL,
        ontvangen TEXT NOT NULL,
        deadline TEXT,
        client TEXT NOT NULL DEFAULT '',
        feiten TEXT NOT NULL DEFAULT '',
        anoniem INTEGER NOT NULL DEFAULT 0,
        melder_contact TEXT,
        team TEXT NOT NULL DEFAULT '',
        handhaver TEXT,
        beoordeling TEXT CHECK (beoordeling IN ('geen_actie', 'schriftelijk', 'mondeling', 'melding')),
        beoordeling_reden TEXT,
        beoordeeld_door TEXT,
        beoordeeld_at INTEGER,
        zaak_id TEXT REFERENCES zaken(id),
        created_at INTEGER NOT NULL
    );
    CREATE INDEX signalen_open ON signalen(deadline) WHERE beoordeling IS NULL;
    CREATE INDEX signalen_zaak ON signalen(zaak_id);
    CREATE TABLE heronderzoeken (
        client TEXT PRIMARY KEY,
        groep TEXT NOT NULL,
        laatst TEXT,
        start TEXT,
        laatste_betaling TEXT,
        gebeurtenis TEXT,
        team TEXT NOT NULL DEFAULT '',
        handhaver TEXT,
        wat TEXT NOT NULL,
        due TEXT,
        imported_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX heronderzoeken_due ON heronderzoeken(due);
    "#,
    // 8: the organisation's vragenlijst for the digital huisbezoek (TOML; empty: the built-in
    //    woonsituatie-onderzoek), shipped in the signed policy bundle.
    r#"
    ALTER TABLE organisation ADD COLUMN vragenlijst_toml TEXT NOT NULL DEFAULT '';
    "#,
    // 9: the organisation's own consent texts (TOML; empty: the built-in texts), shipped in the
    //    signed policy bundle.
    r#"
    ALTER TABLE organisation ADD COLUMN toestemmingsteksten_toml TEXT NOT NULL DEFAULT '';
    "#,
    // 10: sessions of the digital huisbezoek on the client's own phone (app_sessie.rs): the link
    //     and code kept only as hashes, the browser's key with its signed binding, the client's
    //     statements and the handhaver's hints, and the photos the client uploaded.
    r#"
    CREATE TABLE app_sessies (
        id TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        code_hash TEXT NOT NULL,
        device_id TEXT NOT NULL REFERENCES devices(id),
        zaak_id TEXT NOT NULL REFERENCES zaken(id),
        visit_id TEXT NOT NULL,
        variant TEXT NOT NULL,
        tekst TEXT NOT NULL,
        tekst_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        wrong_codes INTEGER NOT NULL DEFAULT 0,
        sleutel TEXT,
        binding TEXT,
        binding_handtekening TEXT,
        geheim_hash TEXT,
        bound_at INTEGER,
        ended_at INTEGER,
        einde TEXT
    );
    CREATE INDEX app_sessies_visit ON app_sessies(zaak_id, visit_id);
    CREATE TABLE app_sessie_berichten (
        sessie_id TEXT NOT NULL REFERENCES app_sessies(id),
        soort TEXT NOT NULL CHECK (soort IN ('verklaring', 'hint')),
        n INTEGER NOT NULL,
        inhoud TEXT NOT NULL,
        handtekening TEXT NOT NULL,
        door TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (sessie_id, soort, n)
    ) WITHOUT ROWID;
    CREATE TABLE app_sessie_fotos (
        sessie_id TEXT NOT NULL REFERENCES app_sessies(id),
        sha256 TEXT NOT NULL,
        bytes BLOB NOT NULL,
        content_type TEXT NOT NULL,
        stored_at INTEGER NOT NULL,
        PRIMARY KEY (sessie_id, sha256)
    ) WITHOUT ROWID;
    "#,
];

/// Seconds since the Unix epoch, the unit of every time column.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// At most this many read-only connections are open at once.
pub const MAX_READERS: usize = 4;

/// Prepared statements kept per connection: a round trip uses about a dozen on a reader and
/// more on the writer; rusqlite keeps 16 by default, and one evicted is prepared again.
const STATEMENT_CACHE: usize = 64;

/// A PostgreSQL connection URL; it may hold a password, so it is never shown.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(pub String);

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatabaseUrl(..)")
    }
}

/// Where the server keeps its data: the embedded SQLite file in a data directory (the default)
/// or a PostgreSQL database that several server instances share.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// A data directory holding [`DB_FILE`].
    Sqlite(PathBuf),
    /// A `postgres://` connection URL.
    Postgres(String),
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(dir) => f.debug_tuple("Sqlite").field(dir).finish(),
            Location::Postgres(_) => f.write_str("Postgres(..)"),
        }
    }
}

impl Location {
    /// `postgres://…` or `postgresql://…` names a PostgreSQL database; anything else is not a
    /// database URL.
    pub fn postgres_url(url: &str) -> Result<Location> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Location::Postgres(url.to_owned()))
        } else {
            Err(Error::bad_request(
                "database_url_invalid",
                "Een database-URL begint met postgres:// of postgresql://.",
            ))
        }
    }
}

/// The environment variable that runs the server's test suites on PostgreSQL: the URL of a
/// server and a database to connect to for creating scratch databases (e.g.
/// `postgres://postgres@127.0.0.1:5432/postgres`).
pub const TEST_POSTGRES_ENV: &str = "VELDWERK_TEST_POSTGRES";

/// A fresh, empty PostgreSQL database for one test, dropped with it. The test suites take one
/// where they would make a data directory, so the same tests run on either store.
pub struct ScratchDatabase {
    admin_url: String,
    name: String,
    pub url: DatabaseUrl,
}

impl ScratchDatabase {
    /// A new database on the server [`TEST_POSTGRES_ENV`] names, or `None` when it is unset
    /// (the tests then use the embedded store).
    pub fn from_env() -> Result<Option<ScratchDatabase>> {
        match std::env::var(TEST_POSTGRES_ENV) {
            Ok(url) if !url.trim().is_empty() => ScratchDatabase::create(url.trim()).map(Some),
            _ => Ok(None),
        }
    }

    /// A new database on the server of `admin_url`, named uniquely for this process and call.
    pub fn create(admin_url: &str) -> Result<ScratchDatabase> {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let Location::Postgres(admin_url) = Location::postgres_url(admin_url)? else {
            unreachable!("postgres_url gives a PostgreSQL location");
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "veldwerk_test_{}_{}_{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = ::postgres::Client::connect(&admin_url, ::postgres::NoTls)?;
        admin.batch_execute(&format!("CREATE DATABASE {name}"))?;
        let url = DatabaseUrl(with_database(&admin_url, &name));
        Ok(ScratchDatabase {
            admin_url,
            name,
            url,
        })
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = ::postgres::Client::connect(&self.admin_url, ::postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// The store of one test: a temporary data directory, and a scratch PostgreSQL database when
/// [`TEST_POSTGRES_ENV`] is set, in which case the store is that database. One place decides,
/// so every suite runs on either store without a second copy of its tests.
pub struct TestStore {
    pub dir: tempfile::TempDir,
    scratch: Option<ScratchDatabase>,
}

impl TestStore {
    /// A new, empty store (panics when it cannot be made: tests only).
    #[allow(clippy::new_without_default)]
    pub fn new() -> TestStore {
        TestStore {
            dir: tempfile::tempdir().expect("a temporary directory"),
            scratch: ScratchDatabase::from_env().expect("a scratch PostgreSQL database"),
        }
    }

    /// The PostgreSQL URL to put in the settings, if the store is one.
    pub fn database_url(&self) -> Option<DatabaseUrl> {
        self.scratch.as_ref().map(|s| s.url.clone())
    }

    pub fn location(&self) -> Location {
        match &self.scratch {
            Some(s) => Location::Postgres(s.url.0.clone()),
            None => Location::Sqlite(self.dir.path().to_owned()),
        }
    }

    /// The options that point `veldwerk-server` at this store.
    pub fn args(&self) -> Vec<std::ffi::OsString> {
        let mut args = vec!["--data-dir".into(), self.dir.path().into()];
        if let Some(s) = &self.scratch {
            args.push("--database".into());
            args.push(s.url.0.clone().into());
        }
        args
    }

    /// Opens the store (panics on failure: tests only).
    pub fn open(&self) -> Db {
        Db::open_at(&self.location()).expect("the test store opens")
    }
}

/// `url` with its database name replaced by `name` (query parameters kept).
fn with_database(url: &str, name: &str) -> String {
    let (main, query) = match url.split_once('?') {
        Some((m, q)) => (m, Some(q)),
        None => (url, None),
    };
    let authority_start = main.find("://").map_or(0, |i| i + 3);
    let base = match main[authority_start..].find('/') {
        Some(i) => &main[..authority_start + i],
        None => main,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// The server's store.
#[derive(Clone)]
pub struct Db {
    backend: Arc<Backend>,
}

enum Backend {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

/// The embedded store: one writer connection in WAL mode and a pool of read-only ones.
struct SqliteStore {
    conn: Mutex<Connection>,
    readers: Readers,
    path: PathBuf,
}

/// Idle read-only connections and how many are open.
#[derive(Default)]
struct Readers {
    pool: Mutex<(Vec<Connection>, usize)>,
    freed: Condvar,
}

impl Db {
    /// Opens (creating if needed) the embedded store in `data_dir` and brings its schema up to
    /// date. The directory is created with mode 0700: it holds the organisation's private key.
    pub fn open(data_dir: &Path) -> Result<Db> {
        Db::open_at(&Location::Sqlite(data_dir.to_owned()))
    }

    /// Opens the store at `location` and brings its schema up to date.
    pub fn open_at(location: &Location) -> Result<Db> {
        let backend = match location {
            Location::Sqlite(dir) => Backend::Sqlite(SqliteStore::open(dir)?),
            Location::Postgres(url) => Backend::Postgres(PgStore::open(url)?),
        };
        Ok(Db {
            backend: Arc::new(backend),
        })
    }

    /// Which SQL the store speaks.
    pub fn dialect(&self) -> Dialect {
        match &*self.backend {
            Backend::Sqlite(_) => Dialect::Sqlite,
            Backend::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Runs `f` in one read transaction (blocking). Sees everything committed before it began;
    /// on SQLite it runs on a read-only connection and never waits for the writer's lock.
    pub fn read<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        match &*self.backend {
            Backend::Sqlite(s) => s.read(f),
            Backend::Postgres(p) => p.transaction(f),
        }
    }

    /// Whether the store can be read (the health check). On SQLite a fresh read-only
    /// connection, not one of the pool's, so no cached page hides a damaged file, and a read of
    /// the schema and the organisation row, which touches the file's first pages and its
    /// tables without scanning anything that grows.
    pub fn check_storage(&self) -> Result<()> {
        match &*self.backend {
            Backend::Sqlite(s) => s.check_storage(),
            Backend::Postgres(p) => p.transaction(|tx| {
                let orgs: i64 =
                    tx.query_row("SELECT count(*) FROM organisation", &[], |r| r.get(0))?;
                if orgs < 1 {
                    return Err(Error::Data("the store has no organisation".into()));
                }
                Ok(())
            }),
        }
    }

    /// The synchronous mode of the SQLite writer connection (2 = FULL); PostgreSQL commits are
    /// durable by its own settings (`synchronous_commit`), reported as 2 when on.
    pub fn synchronous(&self) -> Result<i64> {
        match &*self.backend {
            Backend::Sqlite(s) => {
                s.with(|c| Ok(c.query_row("PRAGMA synchronous", [], |r| r.get(0))?))
            }
            Backend::Postgres(p) => p.transaction(|tx| {
                let on: String =
                    tx.query_row("SELECT current_setting('synchronous_commit')", &[], |r| {
                        r.get(0)
                    })?;
                Ok(if on == "off" { 0 } else { 2 })
            }),
        }
    }

    /// The SQLite file, when the store is one.
    pub fn path(&self) -> Option<&Path> {
        match &*self.backend {
            Backend::Sqlite(s) => Some(&s.path),
            Backend::Postgres(_) => None,
        }
    }

    /// Runs `f` in one write transaction that commits only if `f` returns `Ok` (blocking; the
    /// admin commands, setup and the console's small writes).
    pub fn with<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        self.write(f)
    }

    /// Runs `f` in one transaction that commits only if `f` returns `Ok`.
    pub fn write<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        match &*self.backend {
            Backend::Sqlite(s) => s.write(f),
            Backend::Postgres(p) => p.transaction(f),
        }
    }

    /// As [`Db::write`], then `after` with what `f` returned, once the commit is done and while
    /// this instance's writers still wait: what `after` does (keeping documents in a cache)
    /// is in place before the next write of this instance begins.
    pub fn write_then<T, U>(
        &self,
        f: impl FnOnce(&Tx<'_>) -> Result<T>,
        after: impl FnOnce(T) -> Result<U>,
    ) -> Result<U> {
        match &*self.backend {
            Backend::Sqlite(s) => s.with(|conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let out = f(&Tx::sqlite(&tx))?;
                tx.commit()?;
                after(out)
            }),
            Backend::Postgres(p) => p.exclusive(|| after(p.transaction(f)?)),
        }
    }

    /// As [`Db::write`], but on SQLite this one commit is not synced to disk before it returns
    /// (`synchronous = NORMAL` for it alone): for bookkeeping a power cut may lose (a request's
    /// nonce and the device's last contact), never for evidence. The next synced commit, such
    /// as the round trip's own, puts it on disk too. On PostgreSQL the commit is asked not to
    /// wait for its WAL flush (`synchronous_commit = off` for this transaction).
    pub fn write_unsynced<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        match &*self.backend {
            Backend::Sqlite(s) => s.write_unsynced(f),
            Backend::Postgres(p) => p.transaction(|tx| {
                tx.execute_batch("SET LOCAL synchronous_commit = off")?;
                f(tx)
            }),
        }
    }

    /// Runs `f` with the SQLite writer connection itself (tests and tools that need SQLite's
    /// own calls); `None` on PostgreSQL.
    pub fn with_sqlite<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T>,
    ) -> Result<Option<T>> {
        match &*self.backend {
            Backend::Sqlite(s) => s.with(f).map(Some),
            Backend::Postgres(_) => Ok(None),
        }
    }

    /// Runs `f` on the blocking pool, from async code.
    pub async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Db) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let db = self.clone();
        tokio::task::spawn_blocking(move || f(&db))
            .await
            .map_err(|e| Error::Data(format!("blocking task failed: {e}")))?
    }
}

impl SqliteStore {
    fn open(data_dir: &Path) -> Result<SqliteStore> {
        create_private_dir(data_dir)?;
        let path = data_dir.join(DB_FILE);
        let mut conn = Connection::open(&path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a commit is on disk (the WAL synced) before it returns, so an acknowledged sync
        // survives a power loss; the device may purge what the server acknowledged. NORMAL
        // syncs only at checkpoints and can lose the newest commits.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        migrate(&mut conn)?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            readers: Readers::default(),
            path,
        })
    }

    fn open_reader(&self) -> Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(conn)
    }

    fn read<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        let poisoned = || Error::Data("database lock poisoned".into());
        let mut conn = {
            let mut pool = self.readers.pool.lock().map_err(|_| poisoned())?;
            loop {
                if let Some(c) = pool.0.pop() {
                    break c;
                }
                if pool.1 < MAX_READERS {
                    pool.1 += 1;
                    drop(pool);
                    match self.open_reader() {
                        Ok(c) => break c,
                        Err(e) => {
                            if let Ok(mut pool) = self.readers.pool.lock() {
                                pool.1 -= 1;
                            }
                            return Err(e);
                        }
                    }
                }
                pool = self.readers.freed.wait(pool).map_err(|_| poisoned())?;
            }
        };
        let out = (|| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
            let out = f(&Tx::sqlite(&tx))?;
            tx.commit()?;
            Ok(out)
        })();
        if let Ok(mut pool) = self.readers.pool.lock() {
            pool.0.push(conn);
        }
        self.readers.freed.notify_one();
        out
    }

    fn check_storage(&self) -> Result<()> {
        let conn = self.open_reader()?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version != SCHEMA_VERSION {
            return Err(Error::Data(format!(
                "schema version {version}, expected {SCHEMA_VERSION}"
            )));
        }
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
        let orgs: i64 = conn.query_row("SELECT count(*) FROM organisation", [], |r| r.get(0))?;
        if tables == 0 || orgs != 1 {
            return Err(Error::Data("the store has no organisation".into()));
        }
        Ok(())
    }

    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T>) -> Result<T> {
        let mut conn = self
            .conn
            .lock()
            .map_err(|_| Error::Data("database lock poisoned".into()))?;
        f(&mut conn)
    }

    fn write<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        self.with(|conn| {
            // IMMEDIATE: take the write lock up front, so a read-then-write (the audit chain's
            // last hash) cannot race another writer, e.g. an admin command on the same store.
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&Tx::sqlite(&tx))?;
            tx.commit()?;
            Ok(out)
        })
    }

    fn write_unsynced<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        self.with(|conn| {
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            let out = (|| -> Result<T> {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let out = f(&Tx::sqlite(&tx))?;
                tx.commit()?;
                Ok(out)
            })();
            let restored = conn.pragma_update(None, "synchronous", "FULL");
            let out = out?;
            restored?;
            Ok(out)
        })
    }
}

fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Brings the store to [`SCHEMA_VERSION`] in one transaction: all of the missing migrations or
/// none.
fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction()?;
    let migrated = veldwerk_sql::migrate(&tx, MIGRATIONS).map_err(|e| match e {
        veldwerk_sql::MigrateError::TooNew { found, supported } => Error::Data(format!(
            "database schema version {found} is newer than this server ({supported})"
        )),
        veldwerk_sql::MigrateError::Sqlite(e) => Error::Db(e),
    })?;
    tx.commit()?;
    if migrated.from != migrated.to {
        tracing::info!(from = migrated.from, to = migrated.to, "database migrated");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params;

    #[test]
    fn a_scratch_database_url_keeps_server_and_options() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h/postgres?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }

    /// The PostgreSQL migrations from the first schema on: a version-1 database with data is
    /// brought to the current version and keeps its rows. Runs where the suites run on
    /// PostgreSQL (`VELDWERK_TEST_POSTGRES`).
    #[test]
    fn a_version_1_postgres_store_migrates_and_keeps_its_data() {
        let Some(scratch) = ScratchDatabase::from_env().unwrap() else {
            eprintln!("needs {TEST_POSTGRES_ENV}");
            return;
        };
        {
            let mut c = ::postgres::Client::connect(&scratch.url.0, ::postgres::NoTls).unwrap();
            c.batch_execute(MIGRATIONS_POSTGRES[0]).unwrap();
            c.batch_execute(
                "CREATE TABLE schema_version (version BIGINT NOT NULL);
                 INSERT INTO schema_version VALUES (1);
                 INSERT INTO users (id, name, role, created_at) VALUES (1, 'piet', 'handhaver', 10);
                 INSERT INTO zaken (id, label, adres, melding, created_at)
                     VALUES ('Z-1', 'zaak 1', 'Wijk 1 12A, 8321 AA Urk', '{}', 11);
                 INSERT INTO assignments (zaak_id, user_id, assigned_at) VALUES ('Z-1', 1, 12);",
            )
            .unwrap();
        }
        let db = Db::open_at(&Location::Postgres(scratch.url.0.clone())).unwrap();
        let (version, label, updated, assigned): (i64, String, i64, i64) = db
            .read(|tx| {
                Ok((
                    tx.query_row("SELECT version FROM schema_version", params![], |r| {
                        r.get(0)
                    })?,
                    tx.query_row("SELECT label FROM zaken WHERE id = 'Z-1'", params![], |r| {
                        r.get(0)
                    })?,
                    tx.query_row(
                        "SELECT updated_at FROM zaken WHERE id = 'Z-1'",
                        params![],
                        |r| r.get(0),
                    )?,
                    tx.query_row(
                        "SELECT count(*) FROM assignments WHERE user_id = 1",
                        params![],
                        |r| r.get(0),
                    )?,
                ))
            })
            .unwrap();
        assert_eq!(
            (version, label.as_str(), updated, assigned),
            (SCHEMA_VERSION, "zaak 1", 11, 1)
        );
        drop(db);
        // Opening again migrates nothing; a newer schema is refused.
        Db::open_at(&Location::Postgres(scratch.url.0.clone())).unwrap();
        let mut c = ::postgres::Client::connect(&scratch.url.0, ::postgres::NoTls).unwrap();
        c.batch_execute("UPDATE schema_version SET version = 99")
            .unwrap();
        assert!(Db::open_at(&Location::Postgres(scratch.url.0.clone())).is_err());
    }

    #[test]
    fn both_stores_have_every_migration() {
        assert_eq!(MIGRATIONS_POSTGRES.len(), MIGRATIONS.len());
    }

    /// The first shipped schema, frozen: never edit it (nor `MIGRATIONS[0]`).
    const FROZEN_V1: &str = r#"
CREATE TABLE organisation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    key_pkcs8 BLOB NOT NULL,
    public_key BLOB NOT NULL,
    overrides_toml TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('handhaver', 'supervisor', 'admin')),
    password_hash TEXT,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER,
    created_at INTEGER NOT NULL
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE enrollment_codes (
    code_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    device_id TEXT
);
CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    public_key BLOB NOT NULL UNIQUE,
    enrolled_at INTEGER NOT NULL,
    revoked_at INTEGER,
    revoked_by TEXT,
    last_seen INTEGER,
    policy_version_seen INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE zaken (
    id TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    adres TEXT NOT NULL,
    melding TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'gesloten')),
    deadline TEXT,
    created_at INTEGER NOT NULL
);
CREATE TABLE assignments (
    zaak_id TEXT NOT NULL REFERENCES zaken(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    assigned_at INTEGER NOT NULL,
    withdrawn_at INTEGER,
    PRIMARY KEY (zaak_id, user_id)
);
CREATE TABLE directives (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL CHECK (code IN ('geel', 'oranje', 'rood')),
    effective_from INTEGER NOT NULL,
    by_name TEXT NOT NULL,
    reason TEXT NOT NULL,
    policy_version INTEGER NOT NULL
);
CREATE TABLE policy_versions (
    version INTEGER PRIMARY KEY,
    issued_at INTEGER NOT NULL,
    payload TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE nonces (
    device_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, nonce)
) WITHOUT ROWID;
CREATE INDEX nonces_seen_at ON nonces(seen_at);
CREATE TABLE flags (
    id INTEGER PRIMARY KEY,
    device_id TEXT NOT NULL,
    zaak_id TEXT NOT NULL,
    entry_ref TEXT NOT NULL,
    actie TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    code_known TEXT,
    policy_version_known INTEGER NOT NULL,
    code_active TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    resolved_at INTEGER,
    resolved_by TEXT,
    resolution TEXT,
    UNIQUE (zaak_id, entry_ref)
);
"#;

    fn normalised(sql: &str) -> String {
        sql.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// Every table and index with its SQL, whitespace normalised (the frozen copy is indented
    /// differently from `MIGRATIONS`).
    fn schema_of(conn: &Connection) -> Vec<(String, String, Option<String>)> {
        let mut stmt = conn
            .prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
            .unwrap();
        let rows = stmt
            .query_map([], |r| {
                let sql: Option<String> = r.get(2)?;
                Ok((r.get(0)?, r.get(1)?, sql.map(|s| normalised(&s))))
            })
            .unwrap();
        rows.map(|r| r.unwrap()).collect()
    }

    #[test]
    fn the_first_migration_is_the_frozen_first_schema() {
        assert_eq!(normalised(MIGRATIONS[0]), normalised(FROZEN_V1));
    }

    #[test]
    fn a_version_1_store_migrates_and_keeps_its_data() {
        let dir = tempfile::tempdir().unwrap();
        {
            let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
            conn.execute_batch(FROZEN_V1).unwrap();
            conn.execute_batch(
                "PRAGMA user_version = 1;
                 INSERT INTO users (id, name, role, created_at) VALUES (1, 'piet', 'handhaver', 10);
                 INSERT INTO zaken (id, label, adres, melding, created_at)
                     VALUES ('Z-1', 'zaak 1', 'Wijk 1 12A, 8321 AA Urk', '{}', 11);
                 INSERT INTO assignments (zaak_id, user_id, assigned_at) VALUES ('Z-1', 1, 12);",
            )
            .unwrap();
        }
        let db = Db::open(dir.path()).unwrap();
        let (version, label, assigned): (i64, String, i64) = db
            .with_sqlite(|c| {
                Ok((
                    c.pragma_query_value(None, "user_version", |r| r.get(0))?,
                    c.query_row("SELECT label FROM zaken WHERE id = 'Z-1'", [], |r| r.get(0))?,
                    c.query_row(
                        "SELECT count(*) FROM assignments WHERE user_id = 1",
                        [],
                        |r| r.get(0),
                    )?,
                ))
            })
            .unwrap()
            .unwrap();
        assert_eq!(
            (version, label.as_str(), assigned),
            (SCHEMA_VERSION, "zaak 1", 1)
        );
        let migrated = db.with_sqlite(|c| Ok(schema_of(c))).unwrap().unwrap();
        drop(db);

        let fresh = tempfile::tempdir().unwrap();
        let fresh = Db::open(fresh.path()).unwrap();
        assert_eq!(
            migrated,
            fresh.with_sqlite(|c| Ok(schema_of(c))).unwrap().unwrap()
        );
    }

    #[test]
    fn opens_migrates_once_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let v: i64 = db
            .with_sqlite(|c| Ok(c.pragma_query_value(None, "user_version", |r| r.get(0))?))
            .unwrap()
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        drop(db);
        let db = Db::open(dir.path()).unwrap();
        let mode: String = db
            .with_sqlite(|c| Ok(c.pragma_query_value(None, "journal_mode", |r| r.get(0))?))
            .unwrap()
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        assert!(Db::open(dir.path()).is_err());
    }

    #[test]
    fn a_read_sees_what_was_committed_before_it_and_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        db.write(|tx| {
            tx.execute(
                "INSERT INTO users (name, role, created_at) VALUES ('a', 'admin', 0)",
                params![],
            )?;
            Ok(())
        })
        .unwrap();
        let count = |db: &Db| {
            db.read(|tx| tx.query_row("SELECT count(*) FROM users", params![], |r| r.get::<i64>(0)))
        };
        assert_eq!(count(&db).unwrap(), 1);
        let readers: Vec<_> = (0..MAX_READERS * 2)
            .map(|_| {
                let db = db.clone();
                std::thread::spawn(move || count(&db).unwrap())
            })
            .collect();
        for r in readers {
            assert_eq!(r.join().unwrap(), 1);
        }
        let r: Result<()> = db.read(|tx| {
            tx.execute("DELETE FROM users", params![])?;
            Ok(())
        });
        assert!(r.is_err(), "a read-only connection refuses writes");
        assert_eq!(count(&db).unwrap(), 1);
    }

    /// Issue 13, Durability: the writer commits with `synchronous = FULL` in WAL mode, so an
    /// acknowledgement means the commit is on disk.
    #[test]
    fn writer_is_wal_with_synchronous_full() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        assert_eq!(db.synchronous().unwrap(), 2);
        // An unsynced bookkeeping write leaves the writer synced for the next commit.
        db.write_unsynced(|tx| tx.execute_batch("SELECT 1"))
            .unwrap();
        assert_eq!(db.synchronous().unwrap(), 2);
        let mode: String = db
            .with_sqlite(|c| Ok(c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?))
            .unwrap()
            .unwrap();
        assert_eq!(mode, "wal");
    }

    /// Issue 13, "Smaller": the storage check reads the file itself; a damaged file fails it
    /// even while the pool's connections are open.
    #[test]
    fn storage_check_reads_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        crate::setup::ensure_organisation(&db, "Gemeente Proef").unwrap();
        db.check_storage().unwrap();
        db.with_sqlite(|c| {
            c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
            Ok(())
        })
        .unwrap();
        let path = db.path().expect("an SQLite store").to_owned();
        let len = std::fs::metadata(&path).unwrap().len() as usize;
        std::fs::write(&path, vec![0x5a; len]).unwrap();
        assert!(db.check_storage().is_err());
    }

    #[test]
    fn write_rolls_back_on_error() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let r: Result<()> = db.write(|tx| {
            tx.execute(
                "INSERT INTO users (name, role, created_at) VALUES ('a', 'admin', 0)",
                params![],
            )?;
            Err(Error::Data("stop".into()))
        });
        assert!(r.is_err());
        let n: i64 = db
            .with(|c| c.query_row("SELECT count(*) FROM users", params![], |r| r.get(0)))
            .unwrap();
        assert_eq!(n, 0);
    }
}
