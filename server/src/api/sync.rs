//! `POST /v1/sync`: the device's CBOR sync round trip (wire format in docs/sync-protocol.md).

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use veldwerk_contract::sync::{SyncRequest, CONTENT_TYPE};

use super::extract::SignedRequest;
use super::AppState;
use crate::error::AppError;
use crate::sync;

/// The body limit of this route (the envelope's own limit).
pub const MAX_SYNC_BODY: usize = veldwerk_contract::sync::MAX_REQUEST_BYTES;

/// `POST /v1/sync` (device-signed, `application/cbor`).
pub async fn sync(
    State(state): State<AppState>,
    headers: HeaderMap,
    req: SignedRequest<MAX_SYNC_BODY>,
) -> Result<Response, AppError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with(CONTENT_TYPE) {
        return Err(AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "content_type_unsupported",
            format!("Een synchronisatie wordt verstuurd als {CONTENT_TYPE}."),
        ));
    }
    // Decoded on the blocking pool: even a bounded decode of 16 MiB should not hold an async
    // worker, which `/healthz` and every other request share.
    let body = req.body.clone();
    let decoded = tokio::task::spawn_blocking(move || SyncRequest::from_cbor(&body))
        .await
        .map_err(|e| AppError::from(crate::error::Error::Data(format!("decode task: {e}"))))?;
    let request = decoded.map_err(|e| {
        let status = match e {
            veldwerk_contract::sync::EnvelopeError::TooLarge { .. } => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            _ => StatusCode::BAD_REQUEST,
        };
        AppError::new(status, e.code(), e.to_string())
    })?;
    let SignedRequest { device_id, .. } = req;
    let sync::Answer { response, compact } = state.sync.round_trip(device_id, request).await?;
    for zaak_id in compact {
        let sync = state.sync.clone();
        tokio::spawn(async move {
            if let Err(e) = sync.compact(zaak_id.clone()).await {
                tracing::error!(zaak = %zaak_id, error = %e, "compaction failed");
            }
        });
    }
    Ok(([(header::CONTENT_TYPE, CONTENT_TYPE)], response.to_cbor()).into_response())
}
