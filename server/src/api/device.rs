//! Device routes: enrollment and the signed policy bundle.

use axum::extract::State;
use axum::Json;
use veldwerk_contract::api::{EnrollRequest, EnrollResponse, PolicyResponse};

use super::extract::SignedRequest;
use super::{ApiJson, AppState, EnrollRate};
use crate::db::now;
use crate::error::{AppError, Error};
use crate::{devices, policy};

/// `POST /v1/enroll`: rate limited per client address before the body is read, so codes
/// cannot be guessed at speed.
pub async fn enroll(
    State(state): State<AppState>,
    _rate: EnrollRate,
    ApiJson(req): ApiJson<EnrollRequest>,
) -> Result<Json<EnrollResponse>, AppError> {
    let public_key = hex::decode(req.public_key.trim()).map_err(|_| {
        Error::bad_request(
            "public_key_invalid",
            "De publieke sleutel is geen geldige hex-tekst.",
        )
    })?;
    let (device, (version, signed)) = state
        .db
        .call(move |db| {
            db.write(|tx| {
                let t = now();
                let device = devices::enroll(tx, &req.code, &public_key, t)?;
                let current = policy::current(tx)?;
                devices::touch(tx, &device.id, t, Some(current.0))?;
                Ok((device, current))
            })
        })
        .await?;
    tracing::info!(device = %device.id, user = %device.user, "device enrolled");
    Ok(Json(EnrollResponse {
        device_id: device.id,
        user: device.user,
        organisation: state.org.name.clone(),
        org_public_key: hex::encode(&state.org.public_key),
        policy_version: version,
        policy: signed,
    }))
}

/// `GET /v1/policy` (device-signed): the newest signed bundle.
pub async fn policy(
    State(state): State<AppState>,
    req: SignedRequest,
) -> Result<Json<PolicyResponse>, AppError> {
    let device_id = req.device_id;
    let (version, policy) = state
        .db
        .call(move |db| {
            db.with(|c| {
                let current = policy::current(c)?;
                devices::touch(c, &device_id, now(), Some(current.0))?;
                Ok(current)
            })
        })
        .await?;
    Ok(Json(PolicyResponse { version, policy }))
}
