//! A zaak's photo in the console (issue 14 item 1: "photos (their own consent) can be opened"):
//! the bytes a device uploaded, with the type read from their magic bytes. Inline only for the
//! image types; anything else is a download, never sniffed, never cached.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{refusal, refusal_from, Console};
use crate::photos::{self, IMAGE_TYPES};
use crate::state::AppState;

/// `GET /zaken/{zaak_id}/fotos/{sha256}` for any signed-in console user.
pub async fn photo(
    State(state): State<AppState>,
    Console(s): Console,
    Path((zaak_id, sha256)): Path<(String, String)>,
) -> Response {
    let not_found = |s| {
        refusal(
            StatusCode::NOT_FOUND,
            "foto_unknown",
            "Deze foto is niet (of nog niet) op de server: het apparaat stuurt haar bij een \
             volgende synchronisatie.",
            Some(s),
        )
    };
    if !photos::is_sha256_hex(&sha256) {
        return not_found(&s);
    }
    let found = state
        .db
        .call(move |db| db.read(|tx| photos::get(tx, &zaak_id, &sha256)))
        .await;
    let photo = match found {
        Ok(Some(p)) => p,
        Ok(None) => return not_found(&s),
        Err(e) => return refusal_from(e, Some(&s)),
    };
    let inline = IMAGE_TYPES.contains(&photo.content_type.as_str());
    let disposition = if inline {
        format!("inline; filename=\"foto-{}\"", &photo.sha256[..12])
    } else {
        format!("attachment; filename=\"foto-{}.bin\"", &photo.sha256[..12])
    };
    let mut response = (StatusCode::OK, photo.bytes).into_response();
    let h = response.headers_mut();
    let content_type = match IMAGE_TYPES.iter().find(|t| **t == photo.content_type) {
        Some(t) => HeaderValue::from_static(t),
        None => HeaderValue::from_static("application/octet-stream"),
    };
    h.insert(header::CONTENT_TYPE, content_type);
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}
