//! The server's router: the API (`api`) and the console (`web`) over one [`AppState`], with
//! what every route shares: the body limit, the time limit of a whole request, the fallback and
//! one log line per request.

use axum::extract::Request;
use axum::http::StatusCode;
use axum::Router;

use crate::error::AppError;
use crate::state::AppState;
use crate::{api, web};

/// The largest request body accepted (enrollment, console); sync sets its own limit.
pub const MAX_BODY: usize = api::MAX_BODY;

/// Every route of the server over `state`.
pub fn router(state: AppState) -> Router {
    api::routes()
        .merge(web::routes())
        .fallback(|| async {
            AppError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "Deze pagina of functie bestaat niet.",
            )
        })
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limit_request_time,
        ))
        .layer(axum::middleware::from_fn(log_request))
        .with_state(state)
}

/// Ends a request that takes longer than `limits.request_timeout` in all (a body trickled in,
/// an answer that cannot be written): its work is dropped and it gets 503 `request_timeout`.
async fn limit_request_time(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let limit = state.settings.limits.request_timeout;
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(?limit, "request timed out");
            AppError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "request_timeout",
                "De aanvraag duurde te lang en is afgebroken.",
            )
            .into_response()
        }
    }
}

/// One structured log line per request: method, path (without query), status, duration.
async fn log_request(req: Request, next: axum::middleware::Next) -> axum::response::Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let started = std::time::Instant::now();
    let response = next.run(req).await;
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}
