//! `GET /healthz`: the process answers and its storage can be read. Load balancers and the
//! scripts poll it; it must stay cheap and never wait for the writer or the reader pool.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::AppState;
use crate::error::AppError;

/// 200 `{"status":"ok"}` when the store reads from disk; 503 `storage_unavailable` otherwise
/// (every sync would fail then, so the server should not be sent traffic).
pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.call(|db| db.check_storage()).await {
        Ok(()) => Json(serde_json::json!({ "status": "ok" })).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "storage check failed");
            AppError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_unavailable",
                "De opslag van de server werkt niet; synchroniseren is nu niet mogelijk.",
            )
            .into_response()
        }
    }
}
