//! Server settings: defaults, overridden by an optional TOML file, overridden by flags and
//! `VELDWERK_*` environment variables (clap reads both).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// Everything the server needs to run. Holds no secrets (the organisation key lives in the
/// store), so `Debug` is safe to log.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    /// A PostgreSQL database shared by several server instances instead of the embedded store
    /// in `data_dir` (`postgres://…`); shown redacted.
    pub database_url: Option<crate::db::DatabaseUrl>,
    pub listen: SocketAddr,
    /// Create the demo organisation on first start.
    pub demo: bool,
    /// How long in-flight requests may take to finish after a shutdown signal.
    pub shutdown_timeout: Duration,
    pub session_ttl: Duration,
    pub enroll_code_ttl: Duration,
    /// Allowed clock difference for signed device requests (±5 minutes).
    pub max_clock_skew_secs: i64,
    /// Failed sign-ins in a row before an account is locked.
    pub login_max_failures: u32,
    pub login_lockout: Duration,
    /// The organisation's name, used when the store is created.
    pub organisation: String,
    /// Mark the session cookie `Secure`; set it whenever TLS is in front of the server.
    pub secure_cookie: bool,
    /// The address devices reach this server at (`https://veldwerk.gemeente.nl`), printed in
    /// the enroll command on the Koppelcodes page; unset, the page derives it from the request's
    /// `Host` header (`https` when `secure_cookie` is set).
    pub public_url: Option<String>,
    /// The bounds on what one request or peer may cost (`docs/limits.md`).
    pub limits: Limits,
    /// Bounds on one document's sync message and on a document's actors (see
    /// [`SyncLimits`] for the defaults and why).
    pub sync_limits: SyncLimits,
}

impl Settings {
    /// Where the store is: the PostgreSQL database when one is set, else the embedded store in
    /// the data directory.
    pub fn location(&self) -> crate::error::Result<crate::db::Location> {
        match &self.database_url {
            Some(url) => crate::db::Location::postgres_url(&url.0),
            None => Ok(crate::db::Location::Sqlite(self.data_dir.clone())),
        }
    }
}

/// What one request, connection or peer may cost the server: every bound that is not part of
/// the wire contract (those are `veldwerk_contract::sync`'s). Defaults and reasons:
/// `server/docs/limits.md`.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Open connections at most; further ones wait in the listen backlog.
    pub max_connections: usize,
    /// Open connections per client IP at most (0: no limit); further ones are closed at once.
    pub max_connections_per_ip: usize,
    /// Time to send a request's headers, and how long a kept-alive connection may sit idle.
    pub header_read_timeout: Duration,
    /// Time to send a request's body once its headers are in.
    pub body_read_timeout: Duration,
    /// Time for a whole request, answer included.
    pub request_timeout: Duration,
    /// Request body bytes all requests together may hold in memory at once.
    pub body_bytes_in_flight: usize,
    /// Password checks (argon2, 19 MiB each) running at once; 0: one per core.
    pub password_checks: usize,
    /// How long a request waits for room in the body budget or for a free password check
    /// before it is refused as busy (503 `server_busy`).
    pub busy_wait: Duration,
    /// Sign-ins (API and console) per client IP per minute, with as large a burst.
    pub sign_ins_per_minute: u32,
    /// Enrollments per client IP per minute, with as large a burst.
    pub enrollments_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 4096,
            max_connections_per_ip: 256,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(60),
            body_bytes_in_flight: 64 << 20,
            password_checks: 0,
            busy_wait: Duration::from_secs(5),
            sign_ins_per_minute: 10,
            enrollments_per_minute: 30,
        }
    }
}

impl Limits {
    /// [`Limits::password_checks`], with 0 meaning one per core.
    pub fn password_check_slots(&self) -> usize {
        match self.password_checks {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
            n => n,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data_dir: PathBuf::from("./veldwerk-data"),
            database_url: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            demo: false,
            shutdown_timeout: Duration::from_secs(30),
            session_ttl: Duration::from_secs(8 * 3600),
            enroll_code_ttl: Duration::from_secs(24 * 3600),
            max_clock_skew_secs: veldwerk_contract::auth::DEFAULT_MAX_SKEW_SECS,
            login_max_failures: 5,
            login_lockout: Duration::from_secs(15 * 60),
            organisation: "Gemeente".to_owned(),
            secure_cookie: false,
            public_url: None,
            limits: Limits::default(),
            sync_limits: SyncLimits::default(),
        }
    }
}

/// The limits on one document's message and on a document (`Settings::sync_limits`), checked
/// by `sync::limits` on a message's bytes before Automerge applies it. The defaults are far
/// above what an honest device sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncLimits {
    /// Changes in one document's message (a device's week offline in one zaak is a few thousand).
    pub max_changes_per_message: usize,
    /// Operations in one document's message, over all its changes (an entry is 17).
    pub max_ops_per_message: usize,
    /// Distinct actors among one message's changes (a device makes one per document instance
    /// that writes: a handful between two syncs).
    pub max_actors_per_message: usize,
    /// Actors a document may hold in all (every device's instances over the zaak's life).
    pub max_actors_per_document: u64,
}

impl Default for SyncLimits {
    fn default() -> Self {
        SyncLimits {
            max_changes_per_message: 10_000,
            max_ops_per_message: 250_000,
            max_actors_per_message: 64,
            max_actors_per_document: 2048,
        }
    }
}

/// The optional TOML file; every key may be left out.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub listen: Option<SocketAddr>,
    pub demo: Option<bool>,
    pub shutdown_timeout_secs: Option<u64>,
    pub session_ttl_secs: Option<u64>,
    pub enroll_code_ttl_secs: Option<u64>,
    pub max_clock_skew_secs: Option<i64>,
    pub login_max_failures: Option<u32>,
    pub login_lockout_secs: Option<u64>,
    pub organisation: Option<String>,
    pub secure_cookie: Option<bool>,
    pub public_url: Option<String>,
    pub max_connections: Option<usize>,
    pub max_connections_per_ip: Option<usize>,
    pub header_read_timeout_secs: Option<u64>,
    pub body_read_timeout_secs: Option<u64>,
    pub request_timeout_secs: Option<u64>,
    pub body_bytes_in_flight: Option<usize>,
    pub password_checks: Option<usize>,
    pub busy_wait_ms: Option<u64>,
    pub sign_ins_per_minute: Option<u32>,
    pub enrollments_per_minute: Option<u32>,
    pub sync_max_changes_per_message: Option<usize>,
    pub sync_max_ops_per_message: Option<usize>,
    pub sync_max_actors_per_message: Option<usize>,
    pub sync_max_actors_per_document: Option<u64>,
}

impl FileSettings {
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read config {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("config {}: {e}", path.display()))
    }

    /// Applies the file over the defaults.
    pub fn apply(self, mut s: Settings) -> Settings {
        let secs = Duration::from_secs;
        if let Some(v) = self.data_dir {
            s.data_dir = v;
        }
        if let Some(v) = self.database_url {
            s.database_url = Some(crate::db::DatabaseUrl(v));
        }
        if let Some(v) = self.listen {
            s.listen = v;
        }
        if let Some(v) = self.demo {
            s.demo = v;
        }
        if let Some(v) = self.shutdown_timeout_secs {
            s.shutdown_timeout = secs(v);
        }
        if let Some(v) = self.session_ttl_secs {
            s.session_ttl = secs(v);
        }
        if let Some(v) = self.enroll_code_ttl_secs {
            s.enroll_code_ttl = secs(v);
        }
        if let Some(v) = self.max_clock_skew_secs {
            s.max_clock_skew_secs = v;
        }
        if let Some(v) = self.login_max_failures {
            s.login_max_failures = v;
        }
        if let Some(v) = self.login_lockout_secs {
            s.login_lockout = secs(v);
        }
        if let Some(v) = self.organisation {
            s.organisation = v;
        }
        if let Some(v) = self.secure_cookie {
            s.secure_cookie = v;
        }
        if let Some(v) = self.public_url {
            s.public_url = Some(v);
        }
        let l = &mut s.limits;
        if let Some(v) = self.max_connections {
            l.max_connections = v.max(1);
        }
        if let Some(v) = self.max_connections_per_ip {
            l.max_connections_per_ip = v;
        }
        if let Some(v) = self.header_read_timeout_secs {
            l.header_read_timeout = secs(v.max(1));
        }
        if let Some(v) = self.body_read_timeout_secs {
            l.body_read_timeout = secs(v.max(1));
        }
        if let Some(v) = self.request_timeout_secs {
            l.request_timeout = secs(v.max(1));
        }
        if let Some(v) = self.body_bytes_in_flight {
            l.body_bytes_in_flight = v;
        }
        if let Some(v) = self.password_checks {
            l.password_checks = v;
        }
        if let Some(v) = self.busy_wait_ms {
            l.busy_wait = Duration::from_millis(v);
        }
        if let Some(v) = self.sign_ins_per_minute {
            l.sign_ins_per_minute = v.max(1);
        }
        if let Some(v) = self.enrollments_per_minute {
            l.enrollments_per_minute = v.max(1);
        }
        let limits = &mut s.sync_limits;
        if let Some(v) = self.sync_max_changes_per_message {
            limits.max_changes_per_message = v;
        }
        if let Some(v) = self.sync_max_ops_per_message {
            limits.max_ops_per_message = v;
        }
        if let Some(v) = self.sync_max_actors_per_message {
            limits.max_actors_per_message = v;
        }
        if let Some(v) = self.sync_max_actors_per_document {
            limits.max_actors_per_document = v;
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_overrides_defaults_and_rejects_unknown_keys() {
        let f: FileSettings =
            toml::from_str("listen = \"0.0.0.0:9000\"\nlogin_max_failures = 3\n").unwrap();
        let s = f.apply(Settings::default());
        assert_eq!(s.listen.port(), 9000);
        assert_eq!(s.login_max_failures, 3);
        assert_eq!(s.data_dir, PathBuf::from("./veldwerk-data"));
        assert!(toml::from_str::<FileSettings>("lisen = \"x\"").is_err());
        let f: FileSettings =
            toml::from_str("max_connections = 10\nheader_read_timeout_secs = 2\n").unwrap();
        let s = f.apply(Settings::default());
        assert_eq!(s.limits.max_connections, 10);
        assert_eq!(s.limits.header_read_timeout, Duration::from_secs(2));
        let f: FileSettings = toml::from_str("sync_max_actors_per_message = 8\n").unwrap();
        let s = f.apply(Settings::default());
        assert_eq!(s.sync_limits.max_actors_per_message, 8);
        assert_eq!(s.sync_limits.max_changes_per_message, 10_000);
    }
}
