//! The server of the integration tests: [`TestServer`], a real store in a temp dir (or, with
//! `VELDWERK_TEST_POSTGRES` set, a scratch PostgreSQL database) with the
//! organisation and the users a test file asks for, served by
//! `veldwerk_server::launch_with_listener` on a random loopback port in a thread of its own
//! ([`Running`]), stopped gracefully by [`Running::stop`] or on drop. Each test file adds the
//! helpers it needs in its own `impl TestServer`.

use std::net::SocketAddr;
use std::thread::JoinHandle;

use veldwerk_server::db::{Db, TestStore};
use veldwerk_server::org::Organisation;
use veldwerk_server::users::{add_user, Role};
use veldwerk_server::Settings;

/// The password of every user a test starts with one.
#[allow(dead_code)] // not every test file signs in
pub const PASSWORD: &str = "correct horse battery staple";

/// A running test server over its own store.
pub struct TestServer {
    pub db: Db,
    #[allow(dead_code)] // read by the API tests only
    pub settings: Settings,
    #[allow(dead_code)] // read by the console tests only
    pub org: Organisation,
    pub running: Running,
    _store: TestStore,
}

impl TestServer {
    /// A server of "Gemeente Test" with `users` (name, role, whether they get [`PASSWORD`]);
    /// `tune` may change the settings before it starts.
    pub fn start_with(users: &[(&str, Role, bool)], tune: impl FnOnce(&mut Settings)) -> Self {
        let store = TestStore::new();
        let mut settings = Settings {
            data_dir: store.dir.path().to_path_buf(),
            database_url: store.database_url(),
            organisation: "Gemeente Test".into(),
            ..Settings::default()
        };
        tune(&mut settings);
        let db = Db::open_at(&settings.location().unwrap()).unwrap();
        let org = veldwerk_server::setup::ensure_organisation(&db, &settings.organisation).unwrap();
        db.write(|tx| {
            for (name, role, password) in users {
                let password = password.then_some(PASSWORD);
                add_user(tx, name, *role, password, "test", 0)?;
            }
            Ok(())
        })
        .unwrap();
        let running = Running::launch(settings.clone());
        TestServer {
            db,
            settings,
            org,
            running,
            _store: store,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.running.addr, path)
    }

    #[allow(dead_code)] // the console tests stop on drop
    pub fn stop(self) {
        self.running.stop();
    }
}

pub struct Running {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<anyhow::Result<()>>>,
}

impl Running {
    /// Binds a free loopback port and serves `settings` there until stopped.
    pub fn launch(settings: Settings) -> Running {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener)?;
                veldwerk_server::launch_with_listener(settings, listener, async {
                    let _ = rx.await;
                })
                .await
            })
        });
        Running {
            addr,
            stop: Some(tx),
            thread: Some(thread),
        }
    }

    /// Asks the server to shut down gracefully; it finishes what is in flight.
    #[allow(dead_code)] // not every test file signals without joining
    pub fn signal_stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            tx.send(()).unwrap();
        }
    }

    /// Stops the server and waits for it; its shutdown must succeed.
    #[allow(dead_code)] // the console tests only stop on drop
    pub fn stop(mut self) {
        self.signal_stop();
        self.thread.take().unwrap().join().unwrap().unwrap();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
