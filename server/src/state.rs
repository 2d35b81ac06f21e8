//! What every handler can reach: the store, the organisation, the settings and this server's
//! sync service. Built once per server (`server::open_state`); nothing of it is global, so two
//! servers in one process stay apart.

use std::sync::Arc;

use crate::db::Db;
use crate::guard::Guards;
use crate::org::Organisation;
use crate::settings::Settings;
use crate::sync::SyncService;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub org: Organisation,
    pub settings: Arc<Settings>,
    /// The sync of this server's store, with what it keeps between round trips.
    pub sync: Arc<SyncService>,
    /// The shared bounds of running requests (body budget, password checks, rate limits).
    pub guards: Arc<Guards>,
    /// The zaken read last, verified (the zaak page, the API).
    pub dossiers: Arc<crate::dossier::Cache>,
}
