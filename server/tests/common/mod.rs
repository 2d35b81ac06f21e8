//! The server of the integration tests: `veldwerk_server::launch_with_listener` on a random
//! loopback port in a thread of its own, stopped gracefully by [`Running::stop`] or on drop.

use std::net::SocketAddr;
use std::thread::JoinHandle;

use veldwerk_server::Settings;

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
