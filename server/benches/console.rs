//! Console page timings: seeds a store with 1,000 zaken, 100 devices, flags and code switches,
//! serves it on a loopback port and requests every console page as a signed-in supervisor,
//! printing p50 / p99 / max per page (target: p99 under 50 ms).
//!
//! `cargo bench -p veldwerk-server --bench console` (optionally `-- <requests per page>`).
//! Wall-clock figures on a shared machine are noisy; compare pages within one run.

use std::io::Read;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use veldwerk_rules::protocol::melding::{Melding, Werkproces};
use veldwerk_rules::routekaart::Code;
use veldwerk_server::db::{now, Db};
use veldwerk_server::users::{add_user, Role};
use veldwerk_server::zaken::{self, NewZaak};
use veldwerk_server::{devices, flags, policy, users, Settings};

const ZAKEN: usize = 1000;
const DEVICES: usize = 100;
const HANDHAVERS: usize = 25;
const PASSWORD: &str = "een lang genoeg wachtwoord";

fn seed(db: &Db, org: &veldwerk_server::org::Organisation) -> anyhow::Result<()> {
    let t = now();
    db.write(|tx| {
        add_user(tx, "sanne", Role::Supervisor, Some(PASSWORD), "bench", t)?;
        for h in 0..HANDHAVERS {
            add_user(tx, &format!("handhaver{h}"), Role::Handhaver, None, "bench", t)?;
        }
        for i in 0..ZAKEN {
            let begindatum = NaiveDate::from_ymd_opt(2026, 1, 1)
                .and_then(|d| d.checked_add_days(chrono::Days::new((i % 300) as u64)))
                .unwrap_or_default();
            let (z, _) = zaken::create(
                tx,
                NewZaak {
                    id: None,
                    label: format!("Woonsituatie {i}"),
                    adres: format!("Kerkstraat {i}, Demodorp"),
                    melding: Melding {
                        werkproces: if i % 3 == 0 { Werkproces::H6 } else { Werkproces::H2 },
                        regeling: "16 Key2handhaven".into(),
                        aard_bijstand: "Incidenteel".into(),
                        fase: 10,
                        begindatum,
                        klantmanager: "A. Jansen".into(),
                        motivatie: "Post op dit adres is gericht aan een tweede volwassene (brief van 3 november).".into(),
                        werkvoorraad: "hand".into(),
                    },
                    deadline: begindatum.checked_add_days(chrono::Days::new(14)),
                },
                "bench",
                t,
            )?;
            zaken::assign(tx, &z.id, &format!("handhaver{}", i % HANDHAVERS), "bench", t)?;
            if i % 4 == 0 {
                zaken::assign(tx, &z.id, &format!("handhaver{}", (i + 1) % HANDHAVERS), "bench", t)?;
            }
        }
        for d in 0..DEVICES {
            let code = devices::issue_enroll_code(tx, &format!("handhaver{}", d % HANDHAVERS), 3600, "bench", t)?;
            let mut key = [0u8; 32];
            key[..8].copy_from_slice(&(d as u64).to_le_bytes());
            let dev = devices::enroll(tx, &code, &key, t)?;
            devices::touch(tx, &dev.id, t - (d as i64) * 900, Some(1 + (d % 3) as u64))?;
            if d % 10 == 0 {
                devices::revoke(tx, &dev.id, "sanne", t)?;
            }
            if d % 2 == 0 {
                flags::raise(
                    tx,
                    &flags::NewFlag {
                        device_id: dev.id.clone(),
                        zaak_id: format!("Z-2026-{:04}", d + 1),
                        entry_ref: format!("e{d}"),
                        actie: "spreekkamer".into(),
                        recorded_at: t - 3600,
                        code_known: Some("geel".into()),
                        policy_version_known: 1,
                        code_active: "rood".into(),
                    },
                    t,
                )?;
            }
        }
        for (i, code) in [Code::Oranje, Code::Rood, Code::Oranje, Code::Rood].into_iter().enumerate() {
            policy::switch_code(tx, org, code, &format!("Besluit {i}"), "sanne", t + i as i64)?;
        }
        Ok(())
    })?;
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(300);
    let dir = tempfile::tempdir()?;
    let settings = Settings {
        data_dir: dir.path().to_path_buf(),
        organisation: "Gemeente Bench".into(),
        ..Settings::default()
    };
    let db = Db::open(dir.path())?;
    let org = veldwerk_server::setup::ensure_organisation(&db, &settings.organisation)?;
    let started = Instant::now();
    seed(&db, &org)?;
    eprintln!(
        "seeded {ZAKEN} zaken, {DEVICES} devices in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let session = users::login(&db, &settings, "sanne", PASSWORD, now())?;
    let cookie = format!("veldwerk_session={}", session.token);

    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let s = settings.clone();
    let server = std::thread::spawn(move || -> anyhow::Result<()> {
        let rt = tokio::runtime::Runtime::new()?;
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            veldwerk_server::launch_with_listener(s, listener, async {
                let _ = stop_rx.await;
            })
            .await
        })
    });

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let preview = format!(
        "csrf_token={}&code=geel&reason=Versoepeling",
        session.csrf_token
    );
    let pages: &[(&str, Option<&str>)] = &[
        ("/", None),
        ("/geschiedenis", None),
        ("/apparaten", None),
        ("/signaleringen", None),
        ("/zaken", None),
        ("/zaken?pagina=10", None),
        ("/zaken/nieuw", None),
        ("/koppelcodes", None),
        ("/code/bevestigen", Some(preview.as_str())),
    ];
    println!("{n} requests per page, {ZAKEN} zaken, {DEVICES} devices");
    println!(
        "{:<22} {:>9} {:>9} {:>9} {:>8}",
        "page", "p50 ms", "p99 ms", "max ms", "KiB"
    );
    let mut worst = Duration::ZERO;
    for (path, form) in pages {
        let url = format!("http://{addr}{path}");
        let mut times = Vec::with_capacity(n);
        let mut size = 0;
        for i in 0..n + 20 {
            let t = Instant::now();
            let mut r = match form {
                None => agent.get(&url).header("cookie", &cookie).call()?,
                Some(body) => agent
                    .post(&url)
                    .header("cookie", &cookie)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .send(body.as_bytes())?,
            };
            let mut body = String::new();
            r.body_mut().as_reader().read_to_string(&mut body)?;
            let elapsed = t.elapsed();
            anyhow::ensure!(r.status() == 200, "{path}: status {}", r.status());
            size = body.len();
            if i >= 20 {
                times.push(elapsed);
            }
        }
        times.sort();
        let p99 = percentile(&times, 0.99);
        worst = worst.max(p99);
        println!(
            "{:<22} {:>9.2} {:>9.2} {:>9.2} {:>8.1}",
            path,
            ms(percentile(&times, 0.5)),
            ms(p99),
            ms(*times.last().unwrap_or(&Duration::ZERO)),
            size as f64 / 1024.0
        );
    }
    println!(
        "worst p99: {:.2} ms ({} the 50 ms target)",
        ms(worst),
        if worst < Duration::from_millis(50) {
            "within"
        } else {
            "OVER"
        }
    );
    let _ = stop_tx.send(());
    server
        .join()
        .map_err(|_| anyhow::anyhow!("server thread panicked"))??;
    Ok(())
}
