//! The HTTP API: its routes and the JSON body extractor.
//!
//! Device routes are signed by the device key ([`extract::SignedRequest`]); console routes need
//! a supervisor or admin session (`session::Supervisor`). `POST /v1/sync` ([`sync`]) carries
//! CBOR and has its own body limit.

pub mod app_sessie;
pub mod console;
pub mod device;
pub mod extract;
pub mod health;
pub mod keys;
pub mod photos;
pub mod signalen;
pub mod sync;
pub mod zaken;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use veldwerk_contract::api::paths;

use crate::error::AppError;
use crate::guard::{client_ip, Rate, RateLimited};
use crate::state::AppState;

/// The largest request body accepted (enrollment, console, signed requests other than sync).
pub const MAX_BODY: usize = 1 << 20;

/// The API's routes, at the paths of `veldwerk_contract::api` (`app::router` adds the console
/// and the layers every route shares).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(paths::HEALTHZ, get(health::healthz))
        .route(
            paths::OPENAPI,
            get(|| async { Json(crate::openapi::document()) }),
        )
        .route(paths::ENROLL, post(device::enroll))
        .route(paths::POLICY, get(device::policy))
        .route(paths::SYNC, post(sync::sync))
        .route(paths::KEYS, get(keys::keys))
        .route(paths::SIGNAALSOORTEN, get(signalen::soorten))
        .route(paths::SIGNALEN, post(signalen::register))
        .route(paths::SIGNAAL_BEOORDELING, post(signalen::assess))
        .route(paths::WERKVOORRAAD, get(signalen::werkvoorraad))
        .route(paths::APP_SESSIES, post(app_sessie::start))
        .route(paths::APP_SESSIE, get(app_sessie::stand))
        .route(paths::APP_SESSIE_FOTO, get(app_sessie::foto))
        .route(paths::APP_SESSIE_HINTS, post(app_sessie::hint))
        .route(paths::APP_SESSIE_EINDE, post(app_sessie::einde))
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
        .route(paths::ZAKEN, get(zaken::list))
        .route(paths::ZAAK, get(zaken::get))
        .route(paths::FOTOS_ONTBREKEND, post(photos::ontbrekend))
        .route(paths::FOTO, put(photos::put))
        .route(paths::ZAAK_RAPPORT, get(zaken::rapport))
        .route(paths::ZAAK_EXPORT, get(zaken::export))
}

/// Counts the request against its client address's sign-in rate (`guard`), before the body
/// is read: 429 `rate_limited` with `Retry-After` when used up.
pub struct SignInRate;

/// As [`SignInRate`], for enrollments.
pub struct EnrollRate;

/// Takes one of the client IP's `rate` allowance.
fn check_rate(parts: &Parts, state: &AppState, rate: Rate) -> Result<(), RateLimited> {
    state
        .guards
        .check_rate(rate, client_ip(&parts.extensions))
        .map(|_| ())
}

impl FromRequestParts<AppState> for SignInRate {
    type Rejection = RateLimited;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, RateLimited> {
        check_rate(parts, state, Rate::SignIn).map(|()| SignInRate)
    }
}

impl FromRequestParts<AppState> for EnrollRate {
    type Rejection = RateLimited;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, RateLimited> {
        check_rate(parts, state, Rate::Enroll).map(|()| EnrollRate)
    }
}

/// A JSON body whose rejection is a coded Dutch error instead of axum's plain text: 413
/// `body_too_large` over the body limit, else 400 `body_invalid`.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(extract::too_large()),
            Err(e) => Err(AppError::new(
                StatusCode::BAD_REQUEST,
                "body_invalid",
                format!("De aanvraag is ongeldig: {}", e.body_text()),
            )),
        }
    }
}
