//! The device's photo upload (issue 14 item 1), device-signed like the sync: after a sync the
//! device asks which of a zaak's photos the server lacks (`POST /v1/fotos/ontbrekend`) and
//! uploads each (`PUT /v1/zaken/{zaak_id}/fotos/{sha256}`). The checks live in `photos`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use veldwerk_contract::api::{
    FotosOntbrekendRequest, FotosOntbrekendResponse, MAX_FOTO_BYTES, MAX_FOTO_HASHES,
};

use super::extract::SignedRequest;
use super::AppState;
use crate::db::now;
use crate::error::AppError;
use crate::photos::{self, Stored};

fn bad_hash() -> AppError {
    AppError::new(
        StatusCode::BAD_REQUEST,
        "foto_referentie_ongeldig",
        "Een foto wordt aangeduid met haar SHA-256: 64 kleine hexadecimale tekens.",
    )
}

/// `POST /v1/fotos/ontbrekend`: of the asked hashes, those the server still needs.
pub async fn ontbrekend(
    State(state): State<AppState>,
    req: SignedRequest,
) -> Result<Json<FotosOntbrekendResponse>, AppError> {
    let asked: FotosOntbrekendRequest = serde_json::from_slice(&req.body).map_err(|e| {
        AppError::new(
            StatusCode::BAD_REQUEST,
            "body_invalid",
            format!("De aanvraag is ongeldig: {e}"),
        )
    })?;
    if asked.hashes.len() > MAX_FOTO_HASHES {
        return Err(AppError::new(
            StatusCode::BAD_REQUEST,
            "foto_hashes_too_many",
            format!("Vraag naar hoogstens {MAX_FOTO_HASHES} foto's tegelijk."),
        ));
    }
    if !asked.hashes.iter().all(|h| photos::is_sha256_hex(h)) {
        return Err(bad_hash());
    }
    let device_id = req.device_id;
    let (ontbrekend, niet_verwezen) = state
        .db
        .call(move |db| {
            db.read(|tx| {
                photos::check_access(tx, &device_id, &asked.zaak_id)?;
                photos::missing(tx, &asked.zaak_id, &asked.hashes)
            })
        })
        .await?;
    Ok(Json(FotosOntbrekendResponse {
        ontbrekend,
        niet_verwezen,
    }))
}

/// `PUT /v1/zaken/{zaak_id}/fotos/{sha256}`: 201 when stored now, 200 when the server had it.
pub async fn put(
    State(state): State<AppState>,
    Path((zaak_id, sha256)): Path<(String, String)>,
    req: SignedRequest<MAX_FOTO_BYTES>,
) -> Result<StatusCode, AppError> {
    if !photos::is_sha256_hex(&sha256) {
        return Err(bad_hash());
    }
    let device_id = req.device_id;
    let body = req.body;
    let stored = state
        .db
        .call(move |db| {
            db.write(|tx| {
                photos::check_access(tx, &device_id, &zaak_id)?;
                photos::put(tx, &zaak_id, &sha256, &body, &device_id, now())
            })
        })
        .await?;
    Ok(match stored {
        Stored::New => StatusCode::CREATED,
        Stored::AlreadyThere => StatusCode::OK,
    })
}
