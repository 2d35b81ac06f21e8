//! `GET /zaken/{zaak_id}/bezoeken/{bezoek_id}/rapport.pdf`: the rapport van bevindingen of a
//! visit as a download, for any console user (as the zaken pages).

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{no_store, refusal_from, Console};
use crate::state::AppState;

/// The id as it may stand in a file name: letters, digits, `-` and `_` only.
pub fn file_part(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(80)
        .collect()
}

pub async fn download(
    State(state): State<AppState>,
    Console(s): Console,
    Path((zaak_id, bezoek_id)): Path<(String, String)>,
) -> Response {
    let name = format!(
        "attachment; filename=\"rapport-{}-{}.pdf\"",
        file_part(&zaak_id),
        file_part(&bezoek_id)
    );
    match crate::rapport::rapport_pdf(&state, zaak_id, bezoek_id).await {
        Ok((pdf, _)) => {
            let mut r = (StatusCode::OK, pdf).into_response();
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            );
            if let Ok(v) = HeaderValue::from_str(&name) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            no_store(r)
        }
        Err(e) => refusal_from(e, Some(&s)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_in_the_file_name_cannot_break_the_header() {
        assert_eq!(file_part("Z-2026-0142"), "Z-2026-0142");
        assert_eq!(file_part("a\"b\r\nc;d"), "abcd");
    }
}
