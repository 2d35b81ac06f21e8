//! The HTTP API: state, router, and the JSON body extractor.
//!
//! Device routes are signed by the device key ([`extract::SignedRequest`]); console routes need
//! a supervisor or admin session ([`extract::Supervisor`]). `POST /v1/sync` ([`sync`]) carries
//! CBOR and has its own body limit.

pub mod console;
pub mod device;
pub mod extract;
pub mod sync;

use std::sync::Arc;

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use veldwerk_contract::api::paths;

use crate::db::Db;
use crate::error::AppError;
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
}

/// The largest request body accepted (enrollment, console); sync will set its own limit.
pub const MAX_BODY: usize = 1 << 20;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route(paths::HEALTHZ, get(console::healthz))
        .route(
            paths::OPENAPI,
            get(|| async { Json(crate::openapi::document()) }),
        )
        .route(paths::ENROLL, post(device::enroll))
        .route(paths::POLICY, get(device::policy))
        .route(
            paths::SYNC,
            post(sync::sync).layer(axum::extract::DefaultBodyLimit::max(sync::MAX_SYNC_BODY)),
        )
        .route(
            paths::SESSION,
            post(console::sign_in).delete(console::sign_out),
        )
        .route(paths::CODE, get(console::get_code).post(console::set_code))
        .route(paths::AUDIT, get(console::audit))
        .route(paths::DEVICES, get(console::devices))
        .route(paths::DEVICE_REVOKE, post(console::revoke_device))
        .route(paths::FLAGS, get(console::flags))
        .route(paths::FLAG_RESOLVE, post(console::resolve_flag))
        .merge(crate::web::routes())
        .fallback(|| async {
            AppError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "Deze pagina of functie bestaat niet.",
            )
        })
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(log_request))
        .with_state(state)
}

/// One structured log line per request: method, path (without query), status, duration.
async fn log_request(req: Request, next: axum::middleware::Next) -> axum::response::Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let started = std::time::Instant::now();
    let response = next.run(req).await;
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

/// A JSON body whose rejection is a coded Dutch error instead of axum's plain text.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(AppError::new(
                StatusCode::BAD_REQUEST,
                "body_invalid",
                format!("De aanvraag is ongeldig: {}", e.body_text()),
            )),
        }
    }
}
