//! Who is asking: a device (signed request) or a console user (session).

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use veldwerk_contract::auth::{verify_request, AuthError, RequestAuth};

use super::AppState;
use crate::db::now;
use crate::devices;
use crate::error::AppError;
use crate::users::{self, SessionInfo};

/// A request signed by an enrolled, unrevoked device, with its body. Refuses: missing or bad
/// signature headers, unknown devices, timestamps beyond the allowed skew, replayed nonces, and
/// revoked devices (`device_revoked`, with the instruction to wipe).
pub struct SignedRequest {
    pub device_id: String,
    pub body: axum::body::Bytes,
}

fn auth_error(e: AuthError) -> AppError {
    let message = match &e {
        AuthError::MissingHeader(h) => format!("De aanvraag is niet ondertekend (kop {h} ontbreekt)."),
        AuthError::MalformedHeader(h) => format!("De ondertekening is ongeldig (kop {h})."),
        AuthError::Stale { .. } => {
            "De tijd van de aanvraag wijkt te veel af van de server. Controleer de klok van het apparaat."
                .to_owned()
        }
        AuthError::BadSignature => "De handtekening van de aanvraag klopt niet.".to_owned(),
        AuthError::Random => "Er ging iets mis bij het ondertekenen.".to_owned(),
    };
    AppError::unauthorized(e.code(), message)
}

impl FromRequest<AppState> for SignedRequest {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let auth =
            RequestAuth::from_headers(|name| req.headers().get(name).and_then(|v| v.to_str().ok()))
                .map_err(auth_error)?;
        let path = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| req.uri().path().to_owned());
        let method = req.method().as_str().to_owned();
        // Through the `Bytes` extractor so a route's `DefaultBodyLimit` applies (sync bodies
        // are larger than console ones).
        let body = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| {
                AppError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    "De aanvraag is te groot.",
                )
            })?;
        let skew = state.settings.max_clock_skew_secs;
        let device_id = auth.device_id.clone();
        let body_for_check = body.clone();
        // The key is read on a reader connection and the signature checked outside any lock;
        // only the nonce and the device's last contact are written, in one transaction.
        state
            .db
            .call(move |db| {
                let Some((public_key, revoked_at)) =
                    db.read(|tx| devices::key_of(tx, &auth.device_id))?
                else {
                    return Ok(Err(AppError::unauthorized(
                        "device_unknown",
                        "Dit apparaat is niet gekoppeld aan deze organisatie.",
                    )));
                };
                let t = now();
                if let Err(e) =
                    verify_request(&public_key, &method, &path, &body_for_check, &auth, t, skew)
                {
                    return Ok(Err(auth_error(e)));
                }
                if revoked_at.is_some() {
                    tracing::warn!(device = %auth.device_id, "revoked device refused");
                    return Ok(Err(AppError::device_revoked()));
                }
                db.write(|tx| {
                    // Timestamps outside ±skew are refused above, so 2×skew covers every nonce
                    // that could still be replayed.
                    if !devices::record_nonce(tx, &auth.device_id, &auth.nonce, t, 2 * skew)? {
                        tracing::warn!(device = %auth.device_id, "replayed request refused");
                        return Ok(Err(AppError::unauthorized(
                            "request_replayed",
                            "Deze aanvraag is al eens ontvangen en wordt geweigerd.",
                        )));
                    }
                    devices::touch(tx, &auth.device_id, t, None)?;
                    Ok(Ok(()))
                })
            })
            .await??;
        Ok(SignedRequest { device_id, body })
    }
}

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "veldwerk_session";
/// The header a cookie-authenticated, state-changing request must carry (the CSRF token).
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Any signed-in console user. The token comes from `Authorization: Bearer` or the session
/// cookie; with the cookie, requests other than GET/HEAD must carry the CSRF token.
pub struct Session(pub SessionInfo);

/// A signed-in supervisor or admin.
pub struct Supervisor(pub SessionInfo);

fn token_from(parts: &Parts) -> Option<(String, bool)> {
    if let Some(v) = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        if let Some(t) = v.strip_prefix("Bearer ") {
            return Some((t.trim().to_owned(), false));
        }
    }
    parts
        .headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| (v.to_owned(), true))
}

impl FromRequestParts<AppState> for Session {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let not_signed_in =
            || AppError::unauthorized("not_signed_in", "U bent niet (meer) aangemeld.");
        let (token, via_cookie) = token_from(parts).ok_or_else(not_signed_in)?;
        let info = state
            .db
            .call(move |db| db.with(|c| users::session(c, &token, now())))
            .await?
            .ok_or_else(not_signed_in)?;
        if via_cookie && !matches!(parts.method, Method::GET | Method::HEAD) {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if sent != Some(info.csrf_token.as_str()) {
                return Err(AppError::new(
                    StatusCode::FORBIDDEN,
                    "csrf_token_invalid",
                    "De aanvraag mist een geldig CSRF-token.",
                ));
            }
        }
        Ok(Session(info))
    }
}

impl FromRequestParts<AppState> for Supervisor {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Session(info) = Session::from_request_parts(parts, state).await?;
        if !info.user.role.is_supervisor() {
            return Err(AppError::forbidden_role());
        }
        Ok(Supervisor(info))
    }
}
