//! Starting and stopping the server: opening the store, serving, and graceful shutdown with a
//! time limit so draining cannot hang.

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::app::router;
use crate::db::Db;
use crate::guard::Guards;
use crate::settings::Settings;
use crate::setup;
use crate::state::AppState;
use crate::sync::SyncService;

/// Opens the store (creating the organisation on first start) and builds the state, with the
/// server's own [`SyncService`].
pub fn open_state(settings: Settings) -> anyhow::Result<AppState> {
    let db = Db::open_at(&settings.location()?)?;
    let org = setup::ensure_organisation(&db, &settings.organisation)?;
    Ok(AppState {
        sync: Arc::new(SyncService::with_limits(db.clone(), settings.sync_limits)),
        guards: Arc::new(Guards::new(&settings.limits)),
        dossiers: Arc::default(),
        db,
        org,
        settings: Arc::new(settings),
    })
}

/// Serves on `listener` until `shutdown` completes, then lets in-flight requests finish for at
/// most `settings.shutdown_timeout`.
pub async fn launch_with_listener(
    settings: Settings,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let timeout = settings.shutdown_timeout;
    let limits = settings.limits.clone();
    let state = open_state(settings)?;
    tracing::info!(addr = %listener.local_addr()?, organisation = %state.org.name, "serving");
    let (signalled_tx, signalled_rx) = tokio::sync::oneshot::channel::<()>();
    let serve = crate::listen::serve(listener, router(state), &limits, async move {
        shutdown.await;
        tracing::info!("shutting down: finishing requests in flight");
        let _ = signalled_tx.send(());
    });
    tokio::select! {
        _ = serve => {},
        _ = async {
            if signalled_rx.await.is_ok() {
                tokio::time::sleep(timeout).await;
            } else {
                std::future::pending::<()>().await;
            }
        } => tracing::warn!(?timeout, "shutdown timed out; dropping requests still in flight"),
    }
    tracing::info!("stopped");
    Ok(())
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
