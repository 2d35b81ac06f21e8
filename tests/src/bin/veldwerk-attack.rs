//! `veldwerk-attack`: the request-level attacks of issue 13 (items 8–14) against the real
//! server binary, with the server's memory and `/healthz` latency sampled throughout.
//!
//! For each attack, starts `veldwerk-server --demo` (the binary next to this one: build both
//! with `--release`) on a free loopback port with a fresh data directory, enrolls one device of
//! the demo's `handhaver1`, then runs the attack while a sampler reads the server's
//! `/proc/<pid>/status` (VmRSS, VmHWM) and times `GET /healthz` on a fresh connection every
//! 50 ms. Per attack it prints the peak RSS, p50 and max healthz latency (and failed probes),
//! and what the attack's requests got back. The goal of the issue: peak RSS < 300 MiB and
//! healthz < 100 ms throughout.
//!
//! ```text
//! cargo build --release -p veldwerk-server -p veldwerk-tests --bin veldwerk-server --bin veldwerk-attack
//! target/release/veldwerk-attack [ATTACK ...]
//! ```
//!
//! Attacks (default: all, in this order): `compressed` (8: a deflate-compressed change chunk of
//! `VELDWERK_ATTACK_INFLATE_MIB`, default 256, of repeated text), `bodies` (9: 150 × 16 MiB bodies,
//! unauthenticated and then signed), `wrong-passwords` (10: 40 parallel wrong passwords for
//! the demo supervisor, each from its own loopback address), `sign-ins` (10: 150 parallel
//! sign-ins for an unknown user), `idle` (11: 20,000 idle connections), `trickle` (11: 200
//! bodies at 1 byte per second), `actors` (12: 4,000 one-op changes by 4,000 new actors),
//! `bloom` (13: a sync message whose Bloom filter has `bits_per_entry = 0`), `held` (14: four
//! parallel 16 MiB envelopes of 8.4 M tiny `held` strings).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ROOT};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{Ed25519KeyPair, KeyPair};
use veldwerk_contract::auth::sign_request_now;
use veldwerk_contract::sync::{
    DocMessage, SyncRequest, SyncResponse, MAX_REQUEST_BYTES, PROTOCOL_VERSION,
};

const ATTACKS: &[&str] = &[
    "compressed",
    "bodies",
    "wrong-passwords",
    "sign-ins",
    "idle",
    "trickle",
    "actors",
    "bloom",
    "held",
];

fn main() -> Result<()> {
    let wanted: Vec<String> = std::env::args().skip(1).collect();
    if wanted.iter().any(|a| a == "-h" || a == "--help") {
        println!("usage: veldwerk-attack [{}]", ATTACKS.join("|"));
        return Ok(());
    }
    for w in &wanted {
        if !ATTACKS.contains(&w.as_str()) {
            bail!("unknown attack '{w}'; known: {}", ATTACKS.join(", "));
        }
    }
    // The idle attack holds 20,000 sockets of its own.
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    println!(
        "{:<16} {:>9} {:>9} {:>8} {:>8} {:>6}  answers",
        "attack", "peak RSS", "VmHWM", "hz p50", "hz max", "hz err"
    );
    for &attack in ATTACKS {
        if !wanted.is_empty() && !wanted.iter().any(|w| w == attack) {
            continue;
        }
        // A fresh server per attack, so one attack's memory does not show in the next.
        let server = Server::start()?;
        let (rss, _) = read_rss(server.child.id());
        let sampler = Sampler::start(server.child.id(), server.addr);
        let started = Instant::now();
        let answers = match attack {
            "compressed" => compressed(&server),
            "bodies" => bodies(&server),
            "wrong-passwords" => wrong_passwords(&server),
            "sign-ins" => sign_ins(&server),
            "idle" => idle(&server),
            "trickle" => trickle(&server),
            "actors" => actors(&server),
            "bloom" => bloom(&server),
            "held" => held(&server),
            _ => unreachable!(),
        };
        // Let the server settle so what the attack left behind shows in the samples.
        std::thread::sleep(Duration::from_millis(500));
        let window = sampler.stop();
        let answers = match answers {
            Ok(a) => a,
            Err(e) => {
                let mut m = Tally::new();
                m.insert(format!("attack failed: {e:#}"), 1);
                m
            }
        };
        let (_, hwm) = read_rss(server.child.id());
        println!(
            "{:<16} {:>6.0} MiB {:>6.0} MiB {:>6.1}ms {:>6.1}ms {:>6}  {} ({:.1} s; {:.0} MiB at start)",
            attack,
            window.peak_rss_kib as f64 / 1024.0,
            hwm as f64 / 1024.0,
            window.p50_ms,
            window.max_ms,
            window.failures,
            tally_text(&answers),
            started.elapsed().as_secs_f64(),
            rss as f64 / 1024.0
        );
        if server.exited() {
            println!("the server process ended during '{attack}'");
        }
    }
    Ok(())
}

/// Answers by status and code, counted.
type Tally = BTreeMap<String, usize>;

fn tally_text(t: &Tally) -> String {
    t.iter()
        .map(|(k, n)| format!("{n}× {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn tally<I: IntoIterator<Item = String>>(items: I) -> Tally {
    let mut t = Tally::new();
    for i in items {
        *t.entry(i).or_default() += 1;
    }
    t
}

// ---------------------------------------------------------------------------------------------
// The server under attack.

struct Device {
    id: String,
    key: Ed25519KeyPair,
}

struct Server {
    child: Child,
    addr: SocketAddr,
    device: Device,
    supervisor: String,
    /// The zaken assigned to the device's handhaver, with the server's documents.
    zaken: Vec<String>,
    docs: Vec<(String, Vec<u8>)>,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Result<Server> {
        let exe = std::env::current_exe()?;
        let bin = exe
            .parent()
            .ok_or_else(|| anyhow!("no directory"))?
            .join("veldwerk-server");
        if !bin.exists() {
            bail!(
                "{} not found: cargo build --release -p veldwerk-server",
                bin.display()
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
        let dir = tempfile::tempdir()?;
        let mut child = Command::new(&bin)
            .arg("--data-dir")
            .arg(dir.path())
            .arg("--listen")
            .arg(addr.to_string())
            .arg("--demo")
            .env("RUST_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
        let mut lines = BufReader::new(stdout).lines();
        let (mut code, mut supervisor) = (None, None);
        for line in lines.by_ref() {
            let line = line?;
            let t = line.trim();
            if let Some(rest) = t.strip_prefix("handhaver1:") {
                code = rest.split_whitespace().next().map(str::to_owned);
            }
            if let Some(rest) = t.strip_prefix("gebruiker:") {
                supervisor = Some(rest.trim().to_owned());
            }
            if t.starts_with("Zaken:") {
                break;
            }
        }
        // Keep reading (and dropping) the rest, so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let code = code.ok_or_else(|| anyhow!("the demo printed no enrollment code"))?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while healthz_once(addr, Duration::from_secs(1)).is_err() {
            if Instant::now() > deadline {
                bail!("the server did not answer /healthz");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let device = enroll(addr, &code)?;
        let mut server = Server {
            child,
            addr,
            device,
            supervisor: supervisor.unwrap_or_else(|| "supervisor".into()),
            zaken: Vec::new(),
            docs: Vec::new(),
            _dir: dir,
        };
        let first = SyncRequest {
            protocol: PROTOCOL_VERSION,
            policy_version: 0,
            held: vec![],
            docs: vec![],
        };
        let (status, body) = server.sync_raw(&first.to_cbor())?;
        if status != 200 {
            bail!("first sync: {status} {}", String::from_utf8_lossy(&body));
        }
        let answer = SyncResponse::from_cbor(&body)?;
        server.zaken = answer.assigned.clone();
        server.docs = answer
            .new_docs
            .into_iter()
            .map(|d| (d.zaak_id, d.document))
            .collect();
        if server.docs.is_empty() {
            bail!("the demo assigned no zaak to handhaver1");
        }
        Ok(server)
    }

    fn exited(&self) -> bool {
        !std::path::Path::new(&format!("/proc/{}", self.child.id())).exists()
    }

    /// A signed `POST /v1/sync` of `body`: status and answer.
    fn sync_raw(&self, body: &[u8]) -> Result<(u16, Vec<u8>)> {
        let auth = sign_request_now(&self.device.key, &self.device.id, "POST", "/v1/sync", body)?;
        let mut head = format!(
            "POST /v1/sync HTTP/1.1\r\nhost: x\r\ncontent-type: application/cbor\r\ncontent-length: {}\r\nconnection: close",
            body.len()
        );
        for (k, v) in auth.headers() {
            head.push_str(&format!("\r\n{k}: {v}"));
        }
        let mut s = connect(self.addr, None, Duration::from_secs(300))?;
        s.write_all(format!("{head}\r\n\r\n").as_bytes())?;
        s.write_all(body)?;
        let (status, _, body) = read_answer(&mut s)?;
        Ok((status, body))
    }

    /// A sync carrying one message for the device's first zaak.
    fn sync_message(&self, message: Vec<u8>) -> Result<String> {
        let (zaak, _) = &self.docs[0];
        let req = SyncRequest {
            protocol: PROTOCOL_VERSION,
            policy_version: 0,
            held: self.docs.iter().map(|(z, _)| z.clone()).collect(),
            docs: vec![DocMessage {
                zaak_id: zaak.clone(),
                message,
            }],
        };
        let (status, body) = self.sync_raw(&req.to_cbor())?;
        Ok(if status == 200 {
            match SyncResponse::from_cbor(&body) {
                Ok(r) if !r.rejections.is_empty() => {
                    format!("200 rejected {}", r.rejections[0].code)
                }
                Ok(_) => "200 accepted".into(),
                Err(e) => format!("200 unreadable {}", e.code()),
            }
        } else {
            format!("{status} {}", error_code(&body))
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn enroll(addr: SocketAddr, code: &str) -> Result<Device> {
    let pkcs8 =
        Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map_err(|_| anyhow!("no key"))?;
    let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(|_| anyhow!("bad key"))?;
    let body = serde_json::json!({
        "code": code,
        "public_key": hex::encode(key.public_key().as_ref()),
    })
    .to_string();
    let (status, body) = json_request(addr, None, "/v1/enroll", &body)?;
    if status != 200 {
        bail!("enroll: {status} {}", String::from_utf8_lossy(&body));
    }
    let v: serde_json::Value = serde_json::from_slice(&body)?;
    Ok(Device {
        id: v["device_id"]
            .as_str()
            .ok_or_else(|| anyhow!("no device id"))?
            .to_owned(),
        key,
    })
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP/1.1.

/// A connection to `addr`, from `from` when given (another loopback address, so per-address
/// limits see another client).
fn connect(addr: SocketAddr, from: Option<IpAddr>, timeout: Duration) -> Result<TcpStream> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    if let Some(ip) = from {
        socket.bind(&SocketAddr::new(ip, 0).into())?;
    }
    socket.connect_timeout(&addr.into(), Duration::from_secs(2))?;
    let s: TcpStream = socket.into();
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))?;
    Ok(s)
}

/// Status, head and body of one answer.
fn read_answer(s: &mut TcpStream) -> Result<(u16, String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = s.read(&mut chunk)?;
        if n == 0 {
            bail!("closed without an answer");
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let len = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = buf[end + 4..].to_vec();
    while body.len() < len {
        let n = s.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Ok((status, head, body))
}

fn error_code(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["code"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "-".into())
}

fn json_request(
    addr: SocketAddr,
    from: Option<IpAddr>,
    path: &str,
    body: &str,
) -> Result<(u16, Vec<u8>)> {
    let mut s = connect(addr, from, Duration::from_secs(120))?;
    s.write_all(
        format!(
            "POST {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )?;
    let (status, _, body) = read_answer(&mut s)?;
    Ok((status, body))
}

fn healthz_once(addr: SocketAddr, timeout: Duration) -> Result<Duration> {
    let started = Instant::now();
    let mut s = connect(addr, None, timeout)?;
    s.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")?;
    let (status, _, _) = read_answer(&mut s)?;
    if status != 200 {
        bail!("healthz {status}");
    }
    Ok(started.elapsed())
}

fn answer_text(r: Result<(u16, Vec<u8>)>) -> String {
    match r {
        Ok((status, body)) => format!("{status} {}", error_code(&body)),
        Err(e) => format!("no answer ({})", short(&e)),
    }
}

fn short(e: &anyhow::Error) -> String {
    let s = e.to_string();
    if s.contains("reset") {
        "reset".into()
    } else if s.contains("Broken pipe") || s.contains("broken pipe") {
        "broken pipe".into()
    } else if s.contains("timed out") || s.contains("would block") {
        "timeout".into()
    } else if s.contains("closed") {
        "closed".into()
    } else {
        s.chars().take(40).collect()
    }
}

fn loopback(n: u8) -> Option<IpAddr> {
    Some(IpAddr::from([127, 0, 0, n]))
}

fn random_nonce() -> String {
    let mut n = [0u8; 16];
    let _ = SystemRandom::new().fill(&mut n);
    hex::encode(n)
}

// ---------------------------------------------------------------------------------------------
// The sampler.

#[derive(Default)]
struct Window {
    peak_rss_kib: u64,
    latencies: Vec<f64>,
    failures: usize,
}

struct Summary {
    peak_rss_kib: u64,
    p50_ms: f64,
    max_ms: f64,
    failures: usize,
}

struct Sampler {
    window: Arc<Mutex<Window>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn read_rss(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

impl Sampler {
    fn start(pid: u32, addr: SocketAddr) -> Sampler {
        let window = Arc::new(Mutex::new(Window::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (w, s) = (window.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                let tick = Instant::now();
                let (rss, _) = read_rss(pid);
                let probe = healthz_once(addr, Duration::from_secs(5));
                if let Ok(mut w) = w.lock() {
                    w.peak_rss_kib = w.peak_rss_kib.max(rss);
                    match probe {
                        Ok(d) => w.latencies.push(d.as_secs_f64() * 1000.0),
                        Err(_) => w.failures += 1,
                    }
                }
                let spent = tick.elapsed();
                if spent < Duration::from_millis(50) {
                    std::thread::sleep(Duration::from_millis(50) - spent);
                }
            }
        });
        Sampler {
            window,
            stop,
            thread: Some(thread),
        }
    }

    /// Stops sampling and summarises the samples taken.
    fn stop(mut self) -> Summary {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let mut w = self
            .window
            .lock()
            .map(|mut w| std::mem::take(&mut *w))
            .unwrap_or_default();
        w.latencies.sort_by(f64::total_cmp);
        let p50 = w
            .latencies
            .get(w.latencies.len() / 2)
            .copied()
            .unwrap_or(0.0);
        Summary {
            peak_rss_kib: w.peak_rss_kib,
            p50_ms: p50,
            max_ms: w.latencies.last().copied().unwrap_or(0.0),
            failures: w.failures,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The attacks.

/// Item 8: one change whose chunk is deflate-compressed: a text value of repeated characters
/// that inflates to `VELDWERK_ATTACK_INFLATE_MIB` (256) MiB from a few hundred KiB.
fn compressed(server: &Server) -> Result<Tally> {
    let mib: usize = std::env::var("VELDWERK_ATTACK_INFLATE_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let (_, doc) = &server.docs[0];
    let mut doc = AutoCommit::load(doc)?;
    let mut fork = doc.fork();
    fork.set_actor(random_actor());
    fork.put(ROOT, "opvulling", "a".repeat(mib << 20))?;
    fork.commit();
    let mut change = fork
        .get_last_local_change()
        .ok_or_else(|| anyhow!("no change"))?;
    let chunk = change.bytes().into_owned();
    drop(fork);
    let message = encode_message(&doc.get_heads(), &[chunk.as_slice()]);
    let sent = message.len();
    let answer = server.sync_message(message)?;
    Ok(tally([format!(
        "{answer} (chunk of {} KiB inflating to {mib} MiB)",
        sent >> 10
    )]))
}

/// Item 9: 150 connections each declaring and sending 16 MiB; first unauthenticated (an
/// unknown device), then signed by the enrolled device.
fn bodies(server: &Server) -> Result<Tally> {
    let body = Arc::new(vec![0x5au8; MAX_REQUEST_BYTES]);
    let mut all = Vec::new();
    for signed in [false, true] {
        let threads: Vec<_> = (0..150)
            .map(|_| {
                let body = body.clone();
                let addr = server.addr;
                let auth = if signed {
                    sign_request_now(
                        &server.device.key,
                        &server.device.id,
                        "POST",
                        "/v1/sync",
                        &body,
                    )
                    .ok()
                } else {
                    None
                };
                std::thread::spawn(move || {
                    let mut head = format!(
                        "POST /v1/sync HTTP/1.1\r\nhost: x\r\ncontent-type: application/cbor\r\ncontent-length: {}\r\nconnection: close",
                        body.len()
                    );
                    match auth {
                        Some(a) => {
                            for (k, v) in a.headers() {
                                head.push_str(&format!("\r\n{k}: {v}"));
                            }
                        }
                        None => head.push_str(&format!(
                            "\r\nx-veldwerk-device: dev-0000000000000000\r\nx-veldwerk-timestamp: {}\r\nx-veldwerk-nonce: {}\r\nx-veldwerk-signature: {}",
                            chrono::Utc::now().timestamp(),
                            random_nonce(),
                            "00".repeat(64)
                        )),
                    }
                    let run = || -> Result<(u16, Vec<u8>)> {
                        let mut s = connect(addr, None, Duration::from_secs(120))?;
                        s.write_all(format!("{head}\r\n\r\n").as_bytes())?;
                        for part in body.chunks(64 << 10) {
                            if s.write_all(part).is_err() {
                                break;
                            }
                        }
                        let (status, _, body) = read_answer(&mut s)?;
                        Ok((status, body))
                    };
                    let who = if signed { "signed" } else { "stranger" };
                    format!("{who}: {}", answer_text(run()))
                })
            })
            .collect();
        all.extend(threads.into_iter().map(|t| t.join().unwrap_or_default()));
    }
    Ok(tally(all))
}

/// Item 10: 40 parallel wrong passwords for the demo supervisor, each from its own loopback
/// address (so the per-address rate limit does not hide the lockout).
fn wrong_passwords(server: &Server) -> Result<Tally> {
    let body = serde_json::json!({ "name": server.supervisor, "password": "fout fout fout fout" })
        .to_string();
    let threads: Vec<_> = (0..40u8)
        .map(|i| {
            let (addr, body) = (server.addr, body.clone());
            std::thread::spawn(move || {
                answer_text(json_request(addr, loopback(20 + i), "/v1/session", &body))
            })
        })
        .collect();
    Ok(tally(
        threads.into_iter().map(|t| t.join().unwrap_or_default()),
    ))
}

/// Item 10: 150 parallel sign-ins for an unknown user from one address.
fn sign_ins(server: &Server) -> Result<Tally> {
    let body = serde_json::json!({ "name": "niemand", "password": "wat dan ook" }).to_string();
    let threads: Vec<_> = (0..150)
        .map(|_| {
            let (addr, body) = (server.addr, body.clone());
            std::thread::spawn(move || {
                answer_text(json_request(addr, loopback(3), "/v1/session", &body))
            })
        })
        .collect();
    Ok(tally(
        threads.into_iter().map(|t| t.join().unwrap_or_default()),
    ))
}

/// Item 11: 20,000 idle connections from 127.0.0.2 (fewer if this process may not open that
/// many descriptors: some are kept for the sampler), held for 15 s; how many the server closed.
fn idle(server: &Server) -> Result<Tally> {
    let (soft, _) = rlimit::getrlimit(rlimit::Resource::NOFILE)?;
    let n = 20_000usize.min(soft.saturating_sub(500) as usize);
    let mut conns = Vec::new();
    let mut failed = 0usize;
    for _ in 0..n {
        match connect(server.addr, loopback(2), Duration::from_millis(1)) {
            Ok(s) => conns.push(s),
            Err(_) => failed += 1,
        }
    }
    std::thread::sleep(Duration::from_secs(15));
    let mut closed = 0usize;
    for c in &mut conns {
        let mut b = [0u8; 1];
        match c.read(&mut b) {
            Ok(0) => closed += 1,
            Err(e)
                if e.kind() != std::io::ErrorKind::WouldBlock
                    && e.kind() != std::io::ErrorKind::TimedOut =>
            {
                closed += 1
            }
            _ => {}
        }
    }
    let open = conns.len() - closed;
    drop(conns);
    Ok(tally([
        format!("{closed} closed by the server within 15 s"),
        format!("{open} still open after 15 s"),
        format!("{failed} could not connect"),
    ]))
}

/// Item 11: 200 signed sync bodies sent at 1 byte per second; when and how each ended.
fn trickle(server: &Server) -> Result<Tally> {
    let threads: Vec<_> = (0..200)
        .map(|_| {
            let addr = server.addr;
            let auth = sign_request_now(
                &server.device.key,
                &server.device.id,
                "POST",
                "/v1/sync",
                &[b' '; 1000],
            );
            std::thread::spawn(move || {
                let started = Instant::now();
                let run = || -> Result<(u16, Vec<u8>)> {
                    let mut head = String::from(
                        "POST /v1/sync HTTP/1.1\r\nhost: x\r\ncontent-type: application/cbor\r\ncontent-length: 1000",
                    );
                    for (k, v) in auth?.headers() {
                        head.push_str(&format!("\r\n{k}: {v}"));
                    }
                    let mut s = connect(addr, loopback(4), Duration::from_secs(1))?;
                    s.write_all(format!("{head}\r\n\r\n").as_bytes())?;
                    for _ in 0..1000 {
                        s.write_all(b" ")?;
                        // Waits up to the read timeout (1 s) for the server to answer.
                        let mut probe = [0u8; 1];
                        match s.peek(&mut probe) {
                            Ok(0) => bail!("closed"),
                            Ok(_) => {
                                s.set_read_timeout(Some(Duration::from_secs(5)))?;
                                let (status, _, body) = read_answer(&mut s)?;
                                return Ok((status, body));
                            }
                            Err(_) => {}
                        }
                        if started.elapsed() > Duration::from_secs(120) {
                            bail!("still open after 120 s");
                        }
                    }
                    let (status, _, body) = read_answer(&mut s)?;
                    Ok((status, body))
                };
                let r = run();
                format!("{} after {} s", answer_text(r), started.elapsed().as_secs())
            })
        })
        .collect();
    Ok(tally(
        threads.into_iter().map(|t| t.join().unwrap_or_default()),
    ))
}

/// Item 12: 4,000 one-op changes, each by a new actor, in one message.
fn actors(server: &Server) -> Result<Tally> {
    let (_, doc) = &server.docs[0];
    let mut doc = AutoCommit::load(doc)?;
    let heads = doc.get_heads();
    let mut chunks = Vec::with_capacity(4000);
    for i in 0..4000 {
        let mut fork = doc.fork();
        fork.set_actor(random_actor());
        fork.put(ROOT, format!("k{i}"), i as i64)?;
        fork.commit();
        let mut change = fork
            .get_last_local_change()
            .ok_or_else(|| anyhow!("no change"))?;
        chunks.push(change.bytes().into_owned());
    }
    let refs: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
    let message = encode_message(&heads, &refs);
    let size = message.len();
    Ok(tally([format!(
        "{} ({} KiB message)",
        server.sync_message(message)?,
        size >> 10
    )]))
}

/// Item 13: a 10-byte sync message whose Bloom filter says `bits_per_entry = 0`.
fn bloom(server: &Server) -> Result<Tally> {
    let message = vec![0x42, 0x00, 0x00, 0x01, 0x00, 0x03, 0x01, 0x00, 0x01, 0x00];
    Ok(tally([server.sync_message(message)?]))
}

/// Item 14: four parallel 16 MiB envelopes of 8.4 M one-letter `held` strings.
fn held(server: &Server) -> Result<Tally> {
    let items = (MAX_REQUEST_BYTES - 64) / 2;
    let body = veldwerk_tests::hostile::held_bomb(items);
    let body = Arc::new(body);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let body = body.clone();
                scope.spawn(move || {
                    let started = Instant::now();
                    let r = server.sync_raw(&body);
                    format!("{} in {} ms", answer_text(r), started.elapsed().as_millis())
                })
            })
            .collect();
        Ok(tally(
            handles.into_iter().map(|h| h.join().unwrap_or_default()),
        ))
    })
}

fn random_actor() -> ActorId {
    let mut b = [0u8; 16];
    let _ = SystemRandom::new().fill(&mut b);
    ActorId::from(&b[..])
}

/// An Automerge sync message (version 1) by hand: the server's heads as ours and as the
/// `have`, an empty Bloom filter, and the change chunks.
fn encode_message(heads: &[automerge::ChangeHash], changes: &[&[u8]]) -> Vec<u8> {
    fn uleb(out: &mut Vec<u8>, mut n: u64) {
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(b);
                break;
            }
            out.push(b | 0x80);
        }
    }
    let mut out = vec![0x42];
    uleb(&mut out, heads.len() as u64);
    for h in heads {
        out.extend_from_slice(&h.0);
    }
    uleb(&mut out, 0); // need
    uleb(&mut out, 1); // one have
    uleb(&mut out, heads.len() as u64);
    for h in heads {
        out.extend_from_slice(&h.0);
    }
    uleb(&mut out, 0); // an empty Bloom filter
    uleb(&mut out, changes.len() as u64);
    for c in changes {
        uleb(&mut out, c.len() as u64);
        out.extend_from_slice(c);
    }
    out
}
