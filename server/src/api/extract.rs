//! Which device is asking: a request signed by an enrolled, unrevoked device. (Console users
//! are `session`'s.)
//!
//! Everything the headers can tell is checked before a byte of the body is read: well-formed
//! signature headers, a timestamp within the skew, a known device, a nonce not seen before.
//! Only then is room reserved in the shared body budget (`guard`) and the body read as a stream
//! under the route's limit and the body read timeout; then the signature is verified, a revoked
//! device told so (only once it proved it is that device), and the nonce recorded in one
//! transaction. So a stranger's 16 MiB body costs
//! nothing, and a device's large bodies cannot together hold more than the budget.

use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use http_body_util::BodyExt;
use tokio::sync::OwnedSemaphorePermit;
use veldwerk_contract::auth::{check_timestamp, verify_signature, AuthError, RequestAuth};

use super::MAX_BODY;
use crate::db::now;
use crate::devices;
use crate::error::AppError;
use crate::state::AppState;
use crate::users;

/// A request signed by an enrolled, unrevoked device, with its body of at most `MAX` bytes.
/// Refuses: missing or bad signature headers, unknown devices, timestamps beyond the allowed
/// skew, replayed nonces, revoked devices (`device_revoked`, with the instruction to wipe),
/// bodies over `MAX` (413) or too slow (408).
pub struct SignedRequest<const MAX: usize = MAX_BODY> {
    pub device_id: String,
    pub body: axum::body::Bytes,
    /// The body's room in the shared budget, given back when the request is dropped.
    _budget: OwnedSemaphorePermit,
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

/// 413 `body_too_large`: the body is over the route's limit.
pub fn too_large() -> AppError {
    AppError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        "De aanvraag is te groot.",
    )
}

fn replayed() -> AppError {
    AppError::unauthorized(
        "request_replayed",
        "Deze aanvraag is al eens ontvangen en wordt geweigerd.",
    )
}

/// Reads `body` as a stream into one buffer of at most `max` bytes (sized by `expected`, the
/// declared length, when there is one).
async fn read_body(
    body: axum::body::Body,
    max: usize,
    expected: Option<usize>,
) -> Result<Vec<u8>, AppError> {
    let mut body = body;
    let mut out = Vec::with_capacity(expected.unwrap_or(0).min(max));
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| {
            AppError::new(
                StatusCode::BAD_REQUEST,
                "body_unreadable",
                "De aanvraag kon niet worden gelezen.",
            )
        })?;
        if let Ok(data) = frame.into_data() {
            if out.len() + data.len() > max {
                return Err(too_large());
            }
            out.extend_from_slice(&data);
        }
    }
    Ok(out)
}

impl<const MAX: usize> FromRequest<AppState> for SignedRequest<MAX> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let auth =
            RequestAuth::from_headers(|name| req.headers().get(name).and_then(|v| v.to_str().ok()))
                .map_err(auth_error)?;
        let skew = state.settings.max_clock_skew_secs;
        check_timestamp(&auth, now(), skew).map_err(auth_error)?;
        let declared = match req.headers().get(header::CONTENT_LENGTH) {
            None => None,
            Some(v) => Some(
                v.to_str()
                    .ok()
                    .and_then(|v| v.parse::<usize>().ok())
                    .ok_or_else(|| {
                        AppError::new(
                            StatusCode::BAD_REQUEST,
                            "body_unreadable",
                            "De lengte van de aanvraag is ongeldig.",
                        )
                    })?,
            ),
        };
        if declared.is_some_and(|n| n > MAX) {
            return Err(too_large());
        }
        let (device_id, nonce) = (auth.device_id.clone(), auth.nonce.clone());
        let (public_key, revoked, owner_disabled) = state
            .db
            .call(move |db| {
                db.read(|tx| {
                    let Some((public_key, revoked_at)) = devices::key_of(tx, &device_id)? else {
                        return Ok(Err(AppError::unauthorized(
                            "device_unknown",
                            "Dit apparaat is niet gekoppeld aan deze organisatie.",
                        )));
                    };
                    if devices::nonce_seen(tx, &device_id, &nonce)? {
                        tracing::warn!(device = %device_id, "replayed request refused");
                        return Ok(Err(replayed()));
                    }
                    let owner_disabled = users::device_owner_disabled(tx, &device_id)?;
                    Ok(Ok((public_key, revoked_at.is_some(), owner_disabled)))
                })
            })
            .await??;
        let limits = &state.settings.limits;
        let budget = state.guards.reserve_body(declared.unwrap_or(MAX)).await?;
        let path = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| req.uri().path().to_owned());
        let method = req.method().as_str().to_owned();
        let body = tokio::time::timeout(
            limits.body_read_timeout,
            read_body(req.into_body(), MAX, declared),
        )
        .await
        .map_err(|_| {
            AppError::new(
                StatusCode::REQUEST_TIMEOUT,
                "body_timeout",
                "De aanvraag kwam te traag binnen en is afgebroken.",
            )
        })??;
        let body = axum::body::Bytes::from(body);
        let device_id = auth.device_id.clone();
        let body_for_check = body.clone();
        // The digest of a large body and the signature are computed off the async workers;
        // the nonce and the device's last contact are written in one transaction, not synced
        // on its own (the round trip's commit that follows is; this is not evidence).
        state
            .db
            .call(move |db| {
                if let Err(e) =
                    verify_signature(&public_key, &method, &path, &body_for_check, &auth)
                {
                    return Ok(Err(auth_error(e)));
                }
                // Only a request the device really signed learns that it is revoked (and is
                // told to wipe); anyone else naming its id gets no answer about it.
                if revoked {
                    tracing::warn!(device = %auth.device_id, "revoked device refused");
                    return Ok(Err(AppError::device_revoked()));
                }
                // A disabled handhaver's device keeps what it holds (no wipe) and is let in
                // again once the user is enabled.
                if owner_disabled {
                    tracing::warn!(device = %auth.device_id, "device of a disabled user refused");
                    return Ok(Err(users::user_disabled()));
                }
                let t = now();
                db.write_unsynced(|tx| {
                    // Timestamps outside ±skew are refused above, so 2×skew covers every nonce
                    // that could still be replayed.
                    if !devices::record_nonce(tx, &auth.device_id, &auth.nonce, t, 2 * skew)? {
                        tracing::warn!(device = %auth.device_id, "replayed request refused");
                        return Ok(Err(replayed()));
                    }
                    devices::touch(tx, &auth.device_id, t, None)?;
                    Ok(Ok(()))
                })
            })
            .await??;
        Ok(SignedRequest {
            device_id,
            body,
            _budget: budget,
        })
    }
}
