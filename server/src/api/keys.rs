//! `GET /v1/keys` (device-signed): the organisation's device keys, signed with the organisation
//! key, so a device verifies its colleagues' entries (issue 13, item 7).

use axum::extract::State;
use axum::Json;
use veldwerk_contract::api::KeysResponse;

use super::extract::SignedRequest;
use super::AppState;
use crate::db::now;
use crate::devices;
use crate::error::AppError;

/// Every device of the organisation (revoked ones marked), signed now.
pub async fn keys(
    State(state): State<AppState>,
    _req: SignedRequest,
) -> Result<Json<KeysResponse>, AppError> {
    let org = state.org.clone();
    let keys = state
        .db
        .call(move |db| db.read(|tx| devices::signed_key_list(tx, &org, now())))
        .await?;
    Ok(Json(KeysResponse { keys }))
}
