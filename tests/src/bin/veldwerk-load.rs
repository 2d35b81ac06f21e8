//! `veldwerk-load`: sync load generator over real HTTP on loopback (issue 4, Performance).
//!
//! The server runs as a child process (this binary with `serve DIR`), so its peak memory can be
//! read from `/proc`. Scenarios:
//!
//! - `day [RUNS]`: one device's day, 10 zaken, 20 visits, 400 entries, then one timed sync.
//! - `many [DEVICES] [ZAKEN]`: DEVICES devices (200) each with ZAKEN (10) changed zaken sync at
//!   once; p50/p99 sync time, device-syncs per second, server peak RSS.
//! - `pull [ZAKEN]`: a new device pulls ZAKEN (500) assigned zaken.
//! - `all` (default): the three in turn.
//!
//! Build with `--release` for figures that mean something. `VELDWERK_LOAD_TRACE=1` prints the
//! sync messages of any device that needs more than four round trips; `VELDWERK_LOAD_PAUSE=SECS`
//! pauses before the `many` burst and prints the server's pid (to attach a profiler);
//! `VELDWERK_LOAD_COLD=1` restarts every instance right before the `many` burst;
//! `VELDWERK_LOAD_PHASES=1` has the server log its per-round-trip phase timings and prints their
//! totals (and for the `many` burst their percentiles).

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use chrono::Utc;
use ring::signature::{Ed25519KeyPair, KeyPair};
use veldwerk_contract::auth::sign_request_now;
use veldwerk_contract::evidence::{DeviceKey, Signer};
use veldwerk_contract::policy::SignedPolicy;
use veldwerk_contract::zaak::PolicyContext;
use veldwerk_device::sync::memory::MemoryDocs;
use veldwerk_device::sync::{Progress, SyncDocs, SyncSession, SyncSummary, SYNC_PATH};
use veldwerk_rules::protocol::melding::{Melding, Werkproces};
use veldwerk_rules::protocol::Event;
use veldwerk_rules::routekaart::Actie;
use veldwerk_server::db::{now, DatabaseUrl, Db, Location, ScratchDatabase};
use veldwerk_server::users::{add_user, Role};
use veldwerk_server::zaken::{self, NewZaak};
use veldwerk_server::{devices, setup, Settings};

const ORGANISATION: &str = "Gemeente Last";

const USAGE: &str = "\
usage: veldwerk-load [SCENARIO [ARGS]]   (build with --release for figures that mean something)
  day [RUNS]              one device's day (10 zaken, 20 visits, 400 entries), RUNS (5) timed syncs
  many [DEVICES] [ZAKEN] [RUNS]
                          DEVICES (200) devices, each with ZAKEN (10) changed zaken, sync at
                          once; RUNS (1) bursts, each on a fresh server, then their medians
  pull [ZAKEN]            a new device pulls ZAKEN (500) assigned zaken
  all                     day 5, pull 500, many 200 10 (the default)
environment:
  VELDWERK_LOAD_POSTGRES=URL the server on a scratch PostgreSQL database made on the server of URL
                             (postgres://postgres@127.0.0.1:5432/postgres) instead of SQLite
  VELDWERK_LOAD_INSTANCES=N  N server instances on the one store (1); each device talks to one,
                             in turn, as a load balancer spreads them; CPU and RSS are summed
  VELDWERK_LOAD_PHASES=1     the server logs per-round-trip phase timings; day and many print them
  VELDWERK_LOAD_COLD=1       restart every instance right before the `many` burst (cold caches)
  VELDWERK_LOAD_PAUSE=SECS   pause before the `many` burst, printing the server's pid (profiler)
  VELDWERK_LOAD_TRACE=1      print the sync messages of a device past its fourth round trip
";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: usize| -> Result<usize> {
        args.get(i)
            .map(|s| s.parse().context("expected a number"))
            .unwrap_or(Ok(default))
    };
    match args.first().map(String::as_str) {
        Some("serve") => serve(
            Path::new(
                args.get(1)
                    .ok_or_else(|| anyhow!("serve DIR [DATABASE_URL]"))?,
            ),
            args.get(2).cloned(),
        ),
        Some("day") => day(arg(1, 5)?),
        Some("many") => many(arg(1, 200)?, arg(2, 10)?, arg(3, 1)?),
        Some("pull") => pull(arg(1, 500)?),
        Some("all") | None => {
            day(5)?;
            pull(500)?;
            many(200, 10, 1)
        }
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown scenario '{other}'\n{USAGE}"),
    }
}

/// The child: serves the data dir (or the PostgreSQL database `database_url`) on a random
/// loopback port until stdin closes.
fn serve(dir: &Path, database_url: Option<String>) -> Result<()> {
    let mut settings = Settings {
        data_dir: dir.to_path_buf(),
        database_url: database_url.map(DatabaseUrl),
        organisation: ORGANISATION.into(),
        ..Settings::default()
    };
    // Every simulated device enrolls from this one address, faster than any office would.
    settings.limits.enrollments_per_minute = 1_000_000;
    if phases_wanted() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "veldwerk_server::sync=info",
            ))
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .init();
    }
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        // A restarted instance binds the address it had (`VELDWERK_LOAD_COLD`).
        let bind = std::env::var("VELDWERK_LOAD_BIND").unwrap_or_else(|_| "127.0.0.1:0".into());
        let listener = tokio::net::TcpListener::bind(bind.as_str()).await?;
        println!("listening {}", listener.local_addr()?);
        std::io::stdout().flush()?;
        let stop = async {
            let _ = tokio::task::spawn_blocking(|| {
                let mut sink = String::new();
                while std::io::stdin()
                    .read_line(&mut sink)
                    .map(|n| n > 0)
                    .unwrap_or(false)
                {}
            })
            .await;
        };
        veldwerk_server::launch_with_listener(settings, listener, stop).await
    })
}

struct Server {
    /// The instances, each a child process on the same store (`VELDWERK_LOAD_INSTANCES`).
    children: Vec<Child>,
    bases: Vec<String>,
    /// The instance the next enrolled device talks to.
    next: std::sync::atomic::AtomicUsize,
    db: Db,
    /// The server's log (`VELDWERK_LOAD_PHASES`).
    log: std::path::PathBuf,
    _dir: tempfile::TempDir,
    /// The server's PostgreSQL database (`VELDWERK_LOAD_POSTGRES`), dropped after the child.
    _scratch: Option<ScratchDatabase>,
}

impl Server {
    /// A data dir with the organisation, handhavers `h0..h{handhavers}` and, per handhaver,
    /// `zaken_each` assigned zaken; then the server child on it.
    fn start(handhavers: usize, zaken_each: usize) -> Result<Server> {
        let dir = tempfile::tempdir()?;
        let scratch = match std::env::var("VELDWERK_LOAD_POSTGRES") {
            Ok(url) if !url.is_empty() => Some(ScratchDatabase::create(&url)?),
            _ => None,
        };
        let db = match &scratch {
            Some(s) => Db::open_at(&Location::Postgres(s.url.0.clone()))?,
            None => Db::open(dir.path())?,
        };
        setup::ensure_organisation(&db, ORGANISATION)?;
        db.write(|tx| {
            add_user(
                tx,
                "sanne",
                Role::Supervisor,
                Some("correct horse battery"),
                "load",
                0,
            )?;
            for h in 0..handhavers {
                add_user(tx, &format!("h{h}"), Role::Handhaver, None, "load", 0)?;
                for z in 0..zaken_each {
                    let id = format!("Z-{h}-{z}");
                    zaken::create(tx, new_zaak(&id), "sanne", now())?;
                    zaken::assign(tx, &id, &format!("h{h}"), "sanne", now())?;
                }
            }
            Ok(())
        })?;
        let log = dir.path().join("server.log");
        let instances = match std::env::var("VELDWERK_LOAD_INSTANCES") {
            Ok(n) if !n.is_empty() => n
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=16).contains(n))
                .ok_or_else(|| anyhow!("VELDWERK_LOAD_INSTANCES: a number from 1 to 16"))?,
            _ => 1,
        };
        let (mut children, mut bases) = (Vec::new(), Vec::new());
        let url = scratch.as_ref().map(|s| s.url.0.clone());
        for i in 0..instances {
            let (child, base) =
                spawn_instance(dir.path(), url.as_deref(), (i == 0).then_some(&log), None)?;
            bases.push(base);
            children.push(child);
        }
        Ok(Server {
            children,
            bases,
            next: std::sync::atomic::AtomicUsize::new(0),
            db,
            log,
            _dir: dir,
            _scratch: scratch,
        })
    }

    /// The base URL of the instance the next device talks to (in turn).
    fn next_base(&self) -> String {
        let i = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.bases[i % self.bases.len()].clone()
    }

    /// Peak resident set of the server processes (VmHWM), summed, in MiB.
    fn peak_rss_mib(&self) -> Result<f64> {
        let mut total = 0.0;
        for child in &self.children {
            let status = std::fs::read_to_string(format!("/proc/{}/status", child.id()))?;
            let kb: f64 = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| anyhow!("no VmHWM"))?;
            total += kb / 1024.0;
        }
        Ok(total)
    }

    /// The length of the server's log so far (where a burst's lines start).
    fn log_len(&self) -> u64 {
        std::fs::metadata(&self.log).map(|m| m.len()).unwrap_or(0)
    }

    /// Per phase of the round trips logged after `from` (a [`Server::log_len`]): the total, p50
    /// and p99 in ms.
    fn phases_since(&self, from: u64) -> Result<Vec<(String, f64, f64, f64)>> {
        let text = std::fs::read(&self.log)?;
        let text = String::from_utf8_lossy(text.get(from as usize..).unwrap_or_default());
        let mut phases: Vec<(String, Vec<f64>)> = Vec::new();
        for line in text.lines().filter(|l| l.contains("sync round trip")) {
            for (key, value) in line
                .split_whitespace()
                .filter_map(|w| w.split_once('='))
                .filter(|(k, _)| k.ends_with("_ms"))
            {
                let Ok(v) = value.parse::<f64>() else {
                    continue;
                };
                match phases.iter_mut().find(|(k, _)| k == key) {
                    Some((_, vs)) => vs.push(v),
                    None => phases.push((key.to_owned(), vec![v])),
                }
            }
        }
        Ok(phases
            .into_iter()
            .map(|(k, mut vs)| {
                vs.sort_by(f64::total_cmp);
                let total = vs.iter().sum();
                (k, total, percentile(&vs, 0.5), percentile(&vs, 0.99))
            })
            .collect())
    }

    /// CPU time (user + system) the server processes have used so far, summed, in ms.
    fn cpu_ms(&self) -> Result<f64> {
        let mut total = 0.0;
        for child in &self.children {
            total += cpu_ms(&format!("/proc/{}/stat", child.id()))?;
        }
        Ok(total)
    }

    /// Stops every instance and starts it again on its address: a burst after this finds every
    /// cache cold, as right after a deploy or on an instance a load balancer just added.
    fn restart(&mut self) -> Result<()> {
        let url = self._scratch.as_ref().map(|s| s.url.0.clone());
        for (i, child) in self.children.iter_mut().enumerate() {
            drop(child.stdin.take());
            child.wait()?;
            let addr = self.bases[i].trim_start_matches("http://").to_owned();
            let (again, _) = spawn_instance(
                self._dir.path(),
                url.as_deref(),
                (i == 0).then_some(&self.log),
                Some(&addr),
            )?;
            *child = again;
        }
        Ok(())
    }

    fn stop(mut self) -> Result<()> {
        for child in &mut self.children {
            drop(child.stdin.take());
        }
        for child in &mut self.children {
            child.wait()?;
        }
        Ok(())
    }
}

/// One server instance as a child process on the store of `dir` (or the PostgreSQL database
/// `database_url`), bound to `bind` (else a free port); with `log`, its phase log goes there
/// (appended). Returns the child and its base URL.
fn spawn_instance(
    dir: &Path,
    database_url: Option<&str>,
    log: Option<&std::path::PathBuf>,
    bind: Option<&str>,
) -> Result<(Child, String)> {
    let stderr = match log {
        Some(log) if phases_wanted() => Stdio::from(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)?,
        ),
        _ => Stdio::null(),
    };
    let mut command = Command::new(std::env::current_exe()?);
    command
        .arg("serve")
        .arg(dir)
        .args(database_url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(stderr);
    if let Some(bind) = bind {
        command.env("VELDWERK_LOAD_BIND", bind);
    }
    let mut child = command.spawn()?;
    let stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let addr = line
        .trim()
        .strip_prefix("listening ")
        .ok_or_else(|| anyhow!("server did not start: {line:?}"))?;
    Ok((child, format!("http://{addr}")))
}

fn new_zaak(id: &str) -> NewZaak {
    NewZaak {
        id: Some(id.into()),
        label: format!("{id} woonsituatie"),
        adres: "Kerkstraat 12a, 1234 AB Demodorp".into(),
        melding: Melding {
            werkproces: Werkproces::H2,
            regeling: "16 Key2handhaven".into(),
            aard_bijstand: "Incidenteel".into(),
            fase: 10,
            begindatum: chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or_default(),
            klantmanager: "J. de Vries".into(),
            motivatie:
                "Post op dit adres is gericht aan een tweede volwassene, brief van 3 november."
                    .into(),
            werkvoorraad: "hand".into(),
        },
        deadline: None,
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

struct Device {
    id: String,
    /// The server instance this device talks to.
    base: String,
    request_key: Ed25519KeyPair,
    signer: Signer,
    org_key: Vec<u8>,
    docs: MemoryDocs,
    agent: ureq::Agent,
}

impl Device {
    fn enroll(server: &Server, user: &str) -> Result<Device> {
        let code = server
            .db
            .write(|tx| devices::issue_enroll_code(tx, user, 3600, "load", now()))?;
        let pkcs8 = DeviceKey::generate_pkcs8()?;
        let request_key =
            Ed25519KeyPair::from_pkcs8(&pkcs8).map_err(|_| anyhow!("bad generated key"))?;
        let body = serde_json::json!({
            "code": code,
            "public_key": hex::encode(request_key.public_key().as_ref()),
        });
        let agent = agent();
        let base = server.next_base();
        let mut r = agent
            .post(&format!("{base}/v1/enroll"))
            .header("content-type", "application/json")
            .send(body.to_string().as_bytes())?;
        let v: serde_json::Value = serde_json::from_reader(r.body_mut().as_reader())?;
        let org_key = hex::decode(v["org_public_key"].as_str().unwrap_or_default())?;
        let signed: SignedPolicy = serde_json::from_value(v["policy"].clone())?;
        let bundle = signed.verify(&org_key)?;
        let mut docs = MemoryDocs::new();
        docs.set_policy(signed, bundle);
        let id = v["device_id"]
            .as_str()
            .ok_or_else(|| anyhow!("enroll failed: {v}"))?
            .to_owned();
        Ok(Device {
            signer: Signer {
                device_id: id.clone(),
                key: DeviceKey::from_pkcs8(&pkcs8)?,
            },
            id,
            base,
            request_key,
            org_key,
            docs,
            agent,
        })
    }

    fn sync(&mut self) -> Result<SyncSummary> {
        let url = format!("{}{SYNC_PATH}", self.base);
        let mut session = SyncSession::new(&mut self.docs, &self.org_key)?;
        while let Some(body) = session.next_request()? {
            let auth = sign_request_now(&self.request_key, &self.id, "POST", SYNC_PATH, &body)?;
            let mut req = self
                .agent
                .post(&url)
                .header("content-type", "application/cbor");
            for (k, v) in auth.headers() {
                req = req.header(k, &v);
            }
            let mut r = req.send(&body[..])?;
            let status = r.status().as_u16();
            let answer = r.body_mut().with_config().limit(64 << 20).read_to_vec()?;
            if status != 200 {
                return Err(session.handle_refusal(status, &answer).into());
            }
            if std::env::var_os("VELDWERK_LOAD_TRACE").is_some()
                && session.summary().round_trips > 4
            {
                let req = veldwerk_device::sync::SyncRequest::from_cbor(&body)?;
                let resp = veldwerk_device::sync::SyncResponse::from_cbor(&answer)?;
                for d in &req.docs {
                    let m = automerge::sync::Message::decode(&d.message)?;
                    eprintln!(
                        "{} round {} up {} heads {:?} need {:?} changes {} have {}",
                        self.id,
                        session.summary().round_trips,
                        d.zaak_id,
                        m.heads,
                        m.need,
                        m.changes.len(),
                        m.have.len()
                    );
                }
                for d in &resp.docs {
                    let m = automerge::sync::Message::decode(&d.message)?;
                    eprintln!(
                        "{} round {} down {} heads {:?} need {:?} changes {} have {}",
                        self.id,
                        session.summary().round_trips,
                        d.zaak_id,
                        m.heads,
                        m.need,
                        m.changes.len(),
                        m.have.len()
                    );
                }
            }
            if session.handle_response(&answer)? == Progress::Done {
                break;
            }
        }
        let summary = session.finish();
        if !summary.rejections.is_empty() {
            bail!("rejections: {:?}", summary.rejections);
        }
        Ok(summary)
    }

    /// Records `visits_per_zaak` visits of `entries_per_visit` entries in every held zaak.
    fn work(&mut self, visits_per_zaak: usize, entries_per_visit: usize) -> Result<usize> {
        let bundle = self
            .docs
            .policy()
            .ok_or_else(|| anyhow!("no policy"))?
            .clone();
        let context = PolicyContext {
            actie: Actie::Huisbezoek,
            allowed: true,
            confirmed_conditions: vec!["afstand_1_5_meter".into()],
            policy_version: bundle.version,
            code: bundle
                .active()
                .map(|d| d.code)
                .ok_or_else(|| anyhow!("no code"))?,
            policy_synced_at: Some(Utc::now()),
        };
        let mut n = 0;
        for zaak_id in self.docs.zaak_ids() {
            let doc = self
                .docs
                .doc_mut(&zaak_id)
                .ok_or_else(|| anyhow!("doc vanished"))?;
            for _ in 0..visits_per_zaak {
                let visit = doc.start_visit(Actie::Huisbezoek, &self.signer, Utc::now())?;
                for e in 0..entries_per_visit {
                    let event = Event::Waarneming {
                        ruimte: format!("kamer {e}"),
                        tekst: format!(
                            "Waarneming {e}: in de badkamer staan twee tandenborstels en twee handdoeken."
                        ),
                        foto: None,
                        kast_geopend: false,
                        kamer_van: None,
                    };
                    doc.append_entry(&visit, &event, &context, &self.signer, Utc::now())?;
                    n += 1;
                }
            }
            self.docs.save(&zaak_id);
        }
        Ok(n)
    }
}

/// `VELDWERK_LOAD_COLD=1`: the `many` burst right after every instance restarted.
fn cold_wanted() -> bool {
    std::env::var_os("VELDWERK_LOAD_COLD").is_some()
}

fn phases_wanted() -> bool {
    std::env::var_os("VELDWERK_LOAD_PHASES").is_some()
}

/// With `VELDWERK_LOAD_PAUSE=SECS`, prints the server's pid and waits, so a profiler can be
/// attached to the server for the burst alone (`perf record -p PID`).
fn pause_for_profiler(server: &Server) {
    if let Some(secs) = std::env::var("VELDWERK_LOAD_PAUSE")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
    {
        let pids: Vec<String> = server.children.iter().map(|c| c.id().to_string()).collect();
        eprintln!(
            "server pid {}; the burst starts in {secs} s",
            pids.join(" ")
        );
        std::thread::sleep(Duration::from_secs(secs));
    }
}

/// CPU time (user + system) of a process from its `/proc/PID/stat`, in ms (clock ticks of
/// 10 ms, the Linux default).
fn cpu_ms(stat_path: &str) -> Result<f64> {
    let stat = std::fs::read_to_string(stat_path)?;
    // Fields after the command name (which may hold spaces) start at state, field 3.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .ok_or_else(|| anyhow!("unreadable {stat_path}"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> Result<f64> {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .ok_or_else(|| anyhow!("unreadable {stat_path}"))
    };
    // utime and stime are fields 14 and 15, i.e. 11 and 12 after state.
    Ok((ticks(11)? + ticks(12)?) * 10.0)
}

/// CPU time of this (client) process so far, in ms.
fn client_cpu_ms() -> Result<f64> {
    cpu_ms("/proc/self/stat")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// One device's day: 10 zaken, 2 visits each, 20 entries per visit (400 entries), one sync.
fn day(runs: usize) -> Result<()> {
    let server = Server::start(1, 10)?;
    let mut device = Device::enroll(&server, "h0")?;
    let t = Instant::now();
    let first = device.sync()?;
    println!(
        "day: first contact pulled {} zaken in {} round trips, {:.1} ms",
        first.new_docs.len(),
        first.round_trips,
        ms(t.elapsed())
    );
    for run in 1..=runs {
        let entries = device.work(2, 20)?;
        let log_from = server.log_len();
        let (server_cpu, client_cpu) = (server.cpu_ms()?, client_cpu_ms()?);
        let t = Instant::now();
        let s = device.sync()?;
        let elapsed = t.elapsed();
        let (server_cpu, client_cpu) =
            (server.cpu_ms()? - server_cpu, client_cpu_ms()? - client_cpu);
        let bytes = s.bytes_sent + s.bytes_received;
        println!(
            "day run {run}: {entries} entries in {} round trips, {:.1} ms (cpu: server {server_cpu:.0} ms, client {client_cpu:.0} ms), {} bytes on the wire ({} up, {} down), {:.0} bytes/entry",
            s.round_trips,
            ms(elapsed),
            bytes,
            s.bytes_sent,
            s.bytes_received,
            bytes as f64 / entries as f64
        );
        if phases_wanted() {
            let phases: Vec<String> = server
                .phases_since(log_from)?
                .into_iter()
                .map(|(phase, total, _, _)| format!("{phase} {total:.1}"))
                .collect();
            println!(
                "day run {run}: server phases (ms, both round trips): {}",
                phases.join(", ")
            );
        }
    }
    // What the server's checks cost grows with the document: they read every stored entry.
    let t = Instant::now();
    let mut read = 0;
    for zaak_id in device.docs.zaak_ids() {
        if let Some(doc) = device.docs.doc(&zaak_id) {
            for v in doc.visits()? {
                read += doc.stored_entries(&v.visit_id)?.len();
            }
        }
    }
    println!(
        "day: reading all {read} stored entries of the device's documents takes {:.1} ms",
        ms(t.elapsed())
    );
    println!("day: server peak RSS {:.1} MiB", server.peak_rss_mib()?);
    server.stop()
}

/// A new device pulling `zaken` assigned zaken.
fn pull(zaken: usize) -> Result<()> {
    let server = Server::start(1, zaken)?;
    let mut device = Device::enroll(&server, "h0")?;
    let t = Instant::now();
    let s = device.sync()?;
    println!(
        "pull: {} zaken in {} round trips, {:.1} ms, {} bytes received; server peak RSS {:.1} MiB",
        s.new_docs.len(),
        s.round_trips,
        ms(t.elapsed()),
        s.bytes_received,
        server.peak_rss_mib()?
    );
    if s.new_docs.len() != zaken {
        bail!("pulled {} of {zaken} zaken", s.new_docs.len());
    }
    server.stop()
}

/// What one burst of [`many_once`] measured.
struct Burst {
    p50: f64,
    p99: f64,
    syncs_per_sec: f64,
    bytes_per_entry: f64,
    peak_rss: f64,
    server_cpu: f64,
}

/// `runs` bursts of [`many_once`], then the median of each figure over the runs.
fn many(devices: usize, zaken: usize, runs: usize) -> Result<()> {
    let mut bursts = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        bursts.push(many_once(devices, zaken)?);
    }
    if bursts.len() > 1 {
        let median = |f: fn(&Burst) -> f64| {
            let mut v: Vec<f64> = bursts.iter().map(f).collect();
            v.sort_by(f64::total_cmp);
            percentile(&v, 0.5)
        };
        let p99s: Vec<String> = bursts.iter().map(|b| format!("{:.0}", b.p99)).collect();
        println!(
            "many: median of {} bursts: p50 {:.0} ms, p99 {:.0} ms (each: {} ms); {:.1} device-syncs/s; {:.0} bytes/entry; server peak RSS {:.1} MiB; server cpu {:.0} ms",
            bursts.len(),
            median(|b| b.p50),
            median(|b| b.p99),
            p99s.join(", "),
            median(|b| b.syncs_per_sec),
            median(|b| b.bytes_per_entry),
            median(|b| b.peak_rss),
            median(|b| b.server_cpu),
        );
    }
    Ok(())
}

/// `devices` devices, each with `zaken` changed zaken, syncing at once.
fn many_once(devices: usize, zaken: usize) -> Result<Burst> {
    let mut server = Server::start(devices, zaken)?;
    let mut fleet = Vec::with_capacity(devices);
    for h in 0..devices {
        let mut d = Device::enroll(&server, &format!("h{h}"))?;
        d.sync()?;
        d.work(1, 2)?;
        fleet.push(d);
    }
    if cold_wanted() {
        server.restart()?;
        println!("many: every instance restarted before the burst (cold caches)");
    }
    let server = Arc::new(server);
    let rss_before = server.peak_rss_mib()?;
    pause_for_profiler(&server);
    let log_from = server.log_len();
    let barrier = Arc::new(Barrier::new(devices + 1));
    let mut threads = Vec::with_capacity(devices);
    for mut d in fleet {
        let barrier = barrier.clone();
        let id = d.id.clone();
        threads.push(std::thread::Builder::new().stack_size(512 << 10).spawn(
            move || -> Result<(f64, usize, usize)> {
                barrier.wait();
                let t = Instant::now();
                let s = d.sync().with_context(|| format!("device {id}"))?;
                Ok((
                    ms(t.elapsed()),
                    s.bytes_sent + s.bytes_received,
                    s.round_trips as usize,
                ))
            },
        )?);
    }
    let (server_cpu, client_cpu) = (server.cpu_ms()?, client_cpu_ms()?);
    barrier.wait();
    let wall = Instant::now();
    let mut times = Vec::with_capacity(devices);
    let mut bytes = 0;
    let mut round_trips = 0;
    for t in threads {
        let (ms, b, r) = t.join().map_err(|_| anyhow!("device thread panicked"))??;
        times.push(ms);
        bytes += b;
        round_trips += r;
    }
    let wall = wall.elapsed();
    let (server_cpu, client_cpu) = (server.cpu_ms()? - server_cpu, client_cpu_ms()? - client_cpu);
    times.sort_by(f64::total_cmp);
    let entries = devices * zaken * 2;
    let burst = Burst {
        p50: percentile(&times, 0.5),
        p99: percentile(&times, 0.99),
        syncs_per_sec: devices as f64 / wall.as_secs_f64(),
        bytes_per_entry: bytes as f64 / entries as f64,
        peak_rss: server.peak_rss_mib()?,
        server_cpu,
    };
    println!(
        "many: {devices} devices × {zaken} changed zaken: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms; {:.1} device-syncs/s; {:.1} round trips/device; {:.0} bytes/entry; server peak RSS {:.1} MiB (before the burst {:.1} MiB); cpu during the burst: server {server_cpu:.0} ms, clients {client_cpu:.0} ms",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        percentile(&times, 1.0),
        devices as f64 / wall.as_secs_f64(),
        round_trips as f64 / devices as f64,
        bytes as f64 / entries as f64,
        server.peak_rss_mib()?,
        rss_before
    );
    if phases_wanted() {
        for (phase, total, p50, p99) in server.phases_since(log_from)? {
            println!(
                "many: server {phase}: total {total:.0} ms, p50 {p50:.1} ms, p99 {p99:.1} ms per round trip"
            );
        }
    }
    if let Ok(s) = Arc::try_unwrap(server) {
        s.stop()?;
    }
    Ok(burst)
}
