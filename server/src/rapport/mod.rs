//! The rapport van bevindingen of one visit as a document a clerk can file and anyone can
//! check (issue 14, items 3 and 4):
//!
//! - [`evidence`]: what the rapport prints, as one JSON document ([`RapportEvidence`]);
//! - [`pdf`]: the PDF/A-3b rendered from it alone, with the evidence attached;
//! - [`layout`]: line breaking and page breaks over the shipped fonts;
//! - [`verify`]: the check of a rapport file (`veldwerk-server rapport verify`).
//!
//! The evidence format is described in `server/docs/rapport-evidence.md`.

pub mod evidence;
pub mod layout;
pub mod pdf;
pub mod verify;

pub use evidence::{collect, collect_all, evidence_hash, RapportEvidence};
pub use pdf::{render, render_with_fotos, Fotos, RapportError};
pub use verify::{verify_pdf, Verified, VerifyError};

use axum::http::StatusCode;

use crate::error::{Error, Result};
use crate::state::AppState;

/// A rapport that cannot be rendered is the server's fault, told with its code.
impl From<RapportError> for Error {
    fn from(e: RapportError) -> Self {
        Error::refused(StatusCode::INTERNAL_SERVER_ERROR, e.code(), e.to_string())
    }
}

/// Collects the evidence of a visit and renders its rapport, on the blocking pool.
pub async fn rapport_pdf(
    state: &AppState,
    zaak_id: String,
    visit_id: String,
) -> Result<(Vec<u8>, RapportEvidence)> {
    let org = state.org.clone();
    state
        .db
        .call(move |db| {
            let now = crate::db::now();
            let (evidence, fotos) = db.read(|tx| {
                let evidence = evidence::collect(tx, &org, &zaak_id, &visit_id, now)?;
                let fotos = evidence::fotos(tx, &zaak_id, &evidence)?;
                Ok((evidence, fotos))
            })?;
            let pdf = render_with_fotos(&evidence, &fotos)?;
            Ok((pdf, evidence))
        })
        .await
}
