//! `veldwerk-tests`: shared helpers for the end-to-end tests in `tests/tests/`: a real
//! `veldwerk-server` on a random loopback port with a temp data dir (which can be stopped,
//! killed and restarted on the same data), set up through the server's own library, and real
//! devices (encrypted stores in temp dirs) that enroll and sync through `veldwerk-client`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod console;
pub mod hostile;
pub mod sources;

use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread::JoinHandle;

use chrono::{DateTime, Utc};
use veldwerk_client::{ClientError, SyncProgress, SyncReport};
use veldwerk_contract::zaak::ZaakDocument;
use veldwerk_device::Device;
use veldwerk_rules::protocol::melding::{Melding, Werkproces};
use veldwerk_rules::protocol::Event;
use veldwerk_rules::routekaart::{Actie, Code, Decision, PlannedAction};
use veldwerk_server::db::{now, Db, TestStore};
use veldwerk_server::users::{add_user, Role};
use veldwerk_server::zaken::{self, NewZaak};
use veldwerk_server::{devices, flags, org, policy, setup, Settings};

/// The organisation every test server creates.
pub const ORGANISATION: &str = "Gemeente Proef";
/// The supervisor every test server has.
pub const SUPERVISOR: &str = "sanne";

enum Command {
    /// Finish in-flight requests, then stop.
    Stop,
    /// Drop every task at once, as a crash would (requests in flight get no answer).
    Kill,
}

struct Running {
    commands: mpsc::Sender<Command>,
    thread: JoinHandle<()>,
}

/// A real server on 127.0.0.1 with its own store (a data dir, or a scratch PostgreSQL database
/// when `VELDWERK_TEST_POSTGRES` is set).
pub struct TestServer {
    pub db: Db,
    addr: SocketAddr,
    settings: Settings,
    running: Option<Running>,
    store: TestStore,
}

impl TestServer {
    /// A new organisation with supervisor `sanne` and handhavers `piet` and `kees`, served on a
    /// random loopback port.
    pub fn start() -> TestServer {
        Self::start_with_handhavers(&["piet", "kees"])
    }

    pub fn start_with_handhavers(handhavers: &[&str]) -> TestServer {
        Self::start_configured(handhavers, |_| {})
    }

    /// As [`TestServer::start_with_handhavers`], with `configure` changing the settings first
    /// (e.g. small limits).
    pub fn start_configured(
        handhavers: &[&str],
        configure: impl FnOnce(&mut Settings),
    ) -> TestServer {
        let store = TestStore::new();
        let mut settings = Settings {
            data_dir: store.dir.path().to_path_buf(),
            database_url: store.database_url(),
            organisation: ORGANISATION.into(),
            shutdown_timeout: std::time::Duration::from_secs(5),
            ..Settings::default()
        };
        configure(&mut settings);
        let db = Db::open_at(&settings.location().unwrap()).unwrap();
        setup::ensure_organisation(&db, ORGANISATION).unwrap();
        db.write(|tx| {
            add_user(
                tx,
                SUPERVISOR,
                Role::Supervisor,
                Some("correct horse battery"),
                "test",
                0,
            )?;
            for h in handhavers {
                add_user(tx, h, Role::Handhaver, None, "test", 0)?;
            }
            Ok(())
        })
        .unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let mut server = TestServer {
            db,
            addr,
            settings,
            running: None,
            store,
        };
        server.serve(listener);
        server
    }

    fn serve(&mut self, listener: std::net::TcpListener) {
        self.running = Some(serve(self.settings.clone(), listener));
    }

    /// Another instance of this server: the same settings, so the same store, served on a
    /// port of its own, as a second machine behind a load balancer runs it.
    pub fn another_instance(&self) -> Instance {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        Instance {
            addr,
            running: Some(serve(self.settings.clone(), listener)),
        }
    }

    /// The options that point a `veldwerk-server` process at this server's store, for another
    /// instance in a process of its own.
    pub fn store_args(&self) -> Vec<std::ffi::OsString> {
        self.store.args()
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn halt(&mut self, command: Command) {
        if let Some(r) = self.running.take() {
            let _ = r.commands.send(command);
            r.thread.join().unwrap();
        }
    }

    /// Graceful shutdown: requests in flight finish.
    pub fn stop(&mut self) {
        self.halt(Command::Stop);
    }

    /// Crash: every task dropped at once; what a request in flight had not committed is gone.
    pub fn kill(&mut self) {
        self.halt(Command::Kill);
    }

    /// Serves the same data dir again on the same port (the devices know that address).
    pub fn restart(&mut self) {
        assert!(self.running.is_none(), "stop or kill the server first");
        let mut tries = 0;
        let listener = loop {
            match std::net::TcpListener::bind(self.addr) {
                Ok(l) => break l,
                Err(e) if tries < 50 => {
                    tries += 1;
                    let _ = e;
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(e) => panic!("cannot bind {} again: {e}", self.addr),
            }
        };
        self.serve(listener);
    }

    /// Creates zaak `id` from a melding (seed 000) and assigns it to `users`.
    pub fn zaak(&self, id: &str, users: &[&str]) {
        self.db
            .write(|tx| {
                zaken::create(tx, new_zaak(id), SUPERVISOR, now())?;
                for u in users {
                    zaken::assign(tx, id, u, SUPERVISOR, now())?;
                }
                Ok(())
            })
            .unwrap();
    }

    /// A one-time enrollment code for handhaver `user`.
    pub fn enroll_code(&self, user: &str) -> String {
        self.db
            .write(|tx| devices::issue_enroll_code(tx, user, 3600, SUPERVISOR, now()))
            .unwrap()
    }

    /// The supervisor switches the active code, effective `seconds_ago` seconds ago.
    pub fn switch_code(&self, code: Code, reason: &str, seconds_ago: i64) -> u64 {
        let organisation = org::load(&self.db).unwrap().unwrap();
        self.db
            .write(|tx| {
                policy::switch_code(
                    tx,
                    &organisation,
                    code,
                    reason,
                    SUPERVISOR,
                    now() - seconds_ago,
                )
            })
            .unwrap()
            .version
    }

    pub fn revoke(&self, device_id: &str) {
        self.db
            .write(|tx| devices::revoke(tx, device_id, SUPERVISOR, now()))
            .unwrap();
    }

    /// Every flag, resolved or not.
    pub fn flags(&self) -> Vec<flags::Flag> {
        self.db.with(|c| flags::list(c, true)).unwrap()
    }

    /// The server's stored document of a zaak.
    pub fn document(&self, zaak_id: &str) -> Option<ZaakDocument> {
        self.db
            .with(|c| veldwerk_server::sync::store::load(c, zaak_id))
            .unwrap()
            .map(|s| ZaakDocument::load(&s.bytes).unwrap())
    }

    /// How many entries the server holds for a zaak, over all visits.
    pub fn entry_count(&self, zaak_id: &str) -> usize {
        self.document(zaak_id).map_or(0, |d| count_entries(&d))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.halt(Command::Kill);
    }
}

/// Serves `settings` on `listener` in a thread of its own until told to stop or die.
fn serve(settings: Settings, listener: std::net::TcpListener) -> Running {
    listener.set_nonblocking(true).unwrap();
    let (commands, received) = mpsc::channel::<Command>();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let served = rt.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            veldwerk_server::launch_with_listener(settings, listener, async {
                let _ = stop_rx.await;
            })
            .await
        });
        match received.recv() {
            Ok(Command::Stop) | Err(_) => {
                let _ = stop_tx.send(());
                rt.block_on(served).unwrap().unwrap();
            }
            Ok(Command::Kill) => rt.shutdown_background(),
        }
    });
    Running { commands, thread }
}

/// A second server instance over a [`TestServer`]'s store ([`TestServer::another_instance`]).
pub struct Instance {
    addr: SocketAddr,
    running: Option<Running>,
}

impl Instance {
    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            let _ = r.commands.send(Command::Stop);
            let _ = r.thread.join();
        }
    }
}

/// A zaak as a melding gives it (seed 000): werkproces H2, Key2 regeling, a factual motivatie.
pub fn new_zaak(id: &str) -> NewZaak {
    NewZaak {
        id: Some(id.into()),
        label: format!("{id} woonsituatie"),
        adres: "Kerkstraat 12a, 1234 AB Demodorp".into(),
        melding: Melding {
            werkproces: Werkproces::H2,
            regeling: "16 Key2handhaven".into(),
            aard_bijstand: "Incidenteel".into(),
            fase: 10,
            begindatum: chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            klantmanager: "J. de Vries".into(),
            motivatie:
                "Post op dit adres is gericht aan een tweede volwassene, brief van 3 november."
                    .into(),
            werkvoorraad: "hand".into(),
        },
        deadline: None,
    }
}

/// Every entry of every visit of a document.
pub fn count_entries(doc: &ZaakDocument) -> usize {
    doc.visits()
        .unwrap()
        .iter()
        .map(|v| doc.stored_entries(&v.visit_id).unwrap().len())
        .sum()
}

/// A real device: an encrypted store in a temp dir, kept in a slot because a revoked device is
/// wiped (taken out of the slot).
pub struct TestDevice {
    pub slot: Option<Device>,
    key: [u8; 32],
    dir: tempfile::TempDir,
}

impl TestDevice {
    pub fn new() -> TestDevice {
        let dir = tempfile::tempdir().unwrap();
        let key = rand_key();
        TestDevice {
            slot: Some(Device::open(dir.path(), key).unwrap()),
            key,
            dir,
        }
    }

    /// A new device enrolled with `server` for handhaver `user`.
    pub fn enrolled(server: &TestServer, user: &str) -> TestDevice {
        let mut d = TestDevice::new();
        veldwerk_client::enroll(d.device(), &server.url(), &server.enroll_code(user)).unwrap();
        d
    }

    /// A new device of handhaver `user`, enrolled through the server instance at `url`
    /// (which it then syncs with).
    pub fn enrolled_at(server: &TestServer, url: &str, user: &str) -> TestDevice {
        let mut d = TestDevice::new();
        veldwerk_client::enroll(d.device(), url, &server.enroll_code(user)).unwrap();
        d
    }

    pub fn device(&mut self) -> &mut Device {
        self.slot.as_mut().expect("the device was wiped")
    }

    /// Closes the store and opens it again from disk, as after a restart of the app.
    pub fn reopen(&mut self) {
        self.slot = None;
        self.slot = Some(Device::open(self.dir.path(), self.key).unwrap());
    }

    /// The directory of the store (empty after a wipe).
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    pub fn sync(&mut self) -> Result<SyncReport, ClientError> {
        veldwerk_client::sync(&mut self.slot, &mut |_| {})
    }

    /// Syncs through the server instance at `url` (of the same store), which the device then
    /// keeps syncing with, as when a load balancer sends it to another instance.
    pub fn sync_via(&mut self, url: &str) -> Result<SyncReport, ClientError> {
        self.sync_via_with(url, &mut |_| {})
    }

    /// [`TestDevice::sync_via`], reporting progress.
    pub fn sync_via_with(
        &mut self,
        url: &str,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<SyncReport, ClientError> {
        let device = self.device();
        let enrollment = device
            .enrollment()
            .cloned()
            .expect("the device is enrolled");
        device
            .set_enrollment(&enrollment.device_id, &enrollment.org_public_key, url)
            .unwrap();
        self.sync_with(progress)
    }

    pub fn sync_with(
        &mut self,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<SyncReport, ClientError> {
        veldwerk_client::sync(&mut self.slot, progress)
    }

    /// Entries of every visit of a zaak as this device sees them.
    pub fn entry_count(&mut self, zaak_id: &str) -> usize {
        self.device()
            .zaak_detail(zaak_id)
            .unwrap()
            .visits
            .iter()
            .map(|v| v.entries.len())
            .sum()
    }

    /// Entry ids of every visit of a zaak, sorted.
    pub fn entry_ids(&mut self, zaak_id: &str) -> Vec<String> {
        let mut ids: Vec<String> = self
            .device()
            .zaak_detail(zaak_id)
            .unwrap()
            .visits
            .iter()
            .flat_map(|v| v.entries.iter().map(|e| e.entry.entry_id.clone()))
            .collect();
        ids.sort();
        ids
    }

    /// Starts a huisbezoek with two handhavers at the door.
    pub fn start_huisbezoek(&mut self, zaak_id: &str, at: DateTime<Utc>) -> String {
        self.device()
            .start_visit(zaak_id, Actie::Huisbezoek, plan(Actie::Huisbezoek, 2), at)
            .unwrap()
    }

    /// Records `events`, confirming each step's routekaart conditions.
    pub fn record(
        &mut self,
        zaak_id: &str,
        visit_id: &str,
        events: Vec<Event>,
        at: DateTime<Utc>,
    ) -> Result<(), veldwerk_device::DeviceError> {
        for (i, event) in events.into_iter().enumerate() {
            let confirmed = match self.device().decision_for(zaak_id, visit_id, &event)? {
                Some(Decision::Allowed { conditions, .. }) => {
                    conditions.into_iter().map(|c| c.code).collect()
                }
                _ => Vec::new(),
            };
            self.device().record(
                zaak_id,
                visit_id,
                event,
                confirmed,
                at + chrono::Duration::seconds(i as i64),
            )?;
        }
        Ok(())
    }
}

impl Default for TestDevice {
    fn default() -> Self {
        Self::new()
    }
}

fn rand_key() -> [u8; 32] {
    use ring::rand::{SecureRandom, SystemRandom};
    let mut key = [0u8; 32];
    SystemRandom::new().fill(&mut key).unwrap();
    key
}

/// A planned action with `handhavers` at the door and nothing else said.
pub fn plan(actie: Actie, handhavers: u32) -> PlannedAction {
    PlannedAction {
        actie,
        handhavers: Some(handhavers),
        transport: None,
        medewerkers_per_auto: None,
        coronaproof: None,
        hardware_ok: None,
        software_beveiligd: None,
    }
}

/// The steps of a huisbezoek up to being inside (concrete aanwijzing, announced, consent).
pub fn steps_to_binnen(handhavers: &[&str]) -> Vec<Event> {
    veldwerk_contract::zaak::test_support::steps_to_binnen(Actie::Huisbezoek, handhavers)
}

/// A factual waarneming in room `n`.
pub fn waarneming(n: usize) -> Event {
    Event::Waarneming {
        ruimte: format!("kamer {n}"),
        tekst: format!("Waarneming {n}: in de badkamer staan twee tandenborstels."),
        foto: None,
        kast_geopend: false,
        kamer_van: None,
    }
}

/// A whole huisbezoek by `handhavers` (the first leads): up to inside, `waarnemingen`
/// waarnemingen, leaving, and the rapport under ambtseed and ambtsbelofte.
pub fn full_visit(handhavers: &[&str], waarnemingen: usize) -> Vec<Event> {
    use veldwerk_rules::protocol::{Ambtsverklaring, Ondertekenaar};
    let mut events = steps_to_binnen(handhavers);
    events.extend((1..=waarnemingen).map(waarneming));
    events.push(Event::Afsluiting { toelichting: None });
    events.push(Event::Rapport {
        tekst: "Wij troffen in de woning spullen van twee volwassenen aan; zie de waarnemingen."
            .into(),
        opgemaakt_door: handhavers
            .iter()
            .enumerate()
            .map(|(i, h)| Ondertekenaar {
                handhaver: (*h).to_owned(),
                verklaring: if i == 0 {
                    Ambtsverklaring::Ambtseed
                } else {
                    Ambtsverklaring::Ambtsbelofte
                },
            })
            .collect(),
    });
    events
}
