//! The handhaver's device's side of the app-sessie (`server/docs/app-sessie.md`), device-signed:
//! start a session of a visit, watch what the client states, fetch their photos, send a hint,
//! end it. The rules live in `app_sessie`.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use veldwerk_contract::api::{
    AppHint, AppHintRequest, AppSessieGestart, AppSessieRequest, AppSessieStand,
};

use super::extract::SignedRequest;
use super::AppState;
use crate::app_sessie;
use crate::db::now;
use crate::error::AppError;
use crate::photos;

fn body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    serde_json::from_slice(bytes).map_err(|e| {
        AppError::new(
            StatusCode::BAD_REQUEST,
            "body_invalid",
            format!("De aanvraag is ongeldig: {e}"),
        )
    })
}

/// `POST /v1/app-sessies`: 201 with the link's path and the code to show the client.
pub async fn start(
    State(state): State<AppState>,
    req: SignedRequest,
) -> Result<(StatusCode, Json<AppSessieGestart>), AppError> {
    let asked: AppSessieRequest = body(&req.body)?;
    let device_id = req.device_id;
    let started = state
        .db
        .call(move |db| db.write(|tx| app_sessie::start(tx, &device_id, &asked, now())))
        .await?;
    Ok((StatusCode::CREATED, Json(started)))
}

/// `GET /v1/app-sessies/{id}`.
pub async fn stand(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: SignedRequest,
) -> Result<Json<AppSessieStand>, AppError> {
    let device_id = req.device_id;
    let stand = state
        .db
        .call(move |db| db.write(|tx| app_sessie::stand(tx, &device_id, &id, now())))
        .await?;
    Ok(Json(stand))
}

/// `GET /v1/app-sessies/{id}/fotos/{sha256}`.
pub async fn foto(
    State(state): State<AppState>,
    Path((id, sha256)): Path<(String, String)>,
    req: SignedRequest,
) -> Result<Response, AppError> {
    if !photos::is_sha256_hex(&sha256) {
        return Err(AppError::new(
            StatusCode::BAD_REQUEST,
            "foto_referentie_ongeldig",
            "Een foto wordt aangeduid met haar SHA-256: 64 kleine hexadecimale tekens.",
        ));
    }
    let device_id = req.device_id;
    let bytes = state
        .db
        .call(move |db| db.read(|tx| app_sessie::foto_voor_apparaat(tx, &device_id, &id, &sha256)))
        .await?;
    let content_type = photos::content_type(&bytes);
    Ok(([(header::CONTENT_TYPE, content_type)], bytes).into_response())
}

/// `POST /v1/app-sessies/{id}/hints`: 201 with the hint as stored.
pub async fn hint(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: SignedRequest,
) -> Result<(StatusCode, Json<AppHint>), AppError> {
    let asked: AppHintRequest = body(&req.body)?;
    let device_id = req.device_id;
    let hint = state
        .db
        .call(move |db| db.write(|tx| app_sessie::hint(tx, &device_id, &id, &asked.tekst, now())))
        .await??;
    Ok((StatusCode::CREATED, Json(hint)))
}

/// `POST /v1/app-sessies/{id}/einde`.
pub async fn einde(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: SignedRequest,
) -> Result<Json<AppSessieStand>, AppError> {
    let device_id = req.device_id;
    let stand = state
        .db
        .call(move |db| db.write(|tx| app_sessie::beeindig(tx, &device_id, &id, now())))
        .await?;
    Ok(Json(stand))
}
