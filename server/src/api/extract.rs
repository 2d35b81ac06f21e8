//! Which device is asking: a request signed by an enrolled, unrevoked device. (Console users
//! are `session`'s.)

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use veldwerk_contract::auth::{verify_request, AuthError, RequestAuth};

use crate::db::now;
use crate::devices;
use crate::error::AppError;
use crate::state::AppState;

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
