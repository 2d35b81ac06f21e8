//! The signal and worklist API for the case system and the console (`docs/api.md`,
//! "Signalen en werkvoorraad"): the signal kinds, registering a signal, assessing it, and the
//! worklist.

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use veldwerk_rules::signalen::SignaalSoort;

use super::{ApiJson, AppState};
use crate::db::now;
use crate::error::AppError;
use crate::session::Supervisor;
use crate::signalen::{self, Beoordeling, NewSignaal, Signaal};
use crate::werkvoorraad::{self, Filter, Item};

/// `GET /v1/signaalsoorten`: the organisation's table (seed 001 with its termijnen).
pub async fn soorten(
    State(state): State<AppState>,
    _s: Supervisor,
) -> Result<Json<Vec<SignaalSoort>>, AppError> {
    let t = state.db.call(|db| db.read(signalen::tabel)).await?;
    Ok(Json(t.soorten().to_vec()))
}

/// `POST /v1/signalen`: register a signal; the answer carries its deadline.
pub async fn register(
    State(state): State<AppState>,
    Supervisor(info): Supervisor,
    ApiJson(new): ApiJson<NewSignaal>,
) -> Result<Json<Signaal>, AppError> {
    let s = state
        .db
        .call(move |db| db.write(|tx| signalen::register(tx, &new, &info.user.name, now())))
        .await?;
    Ok(Json(s))
}

/// `POST /v1/signalen/{id}/beoordeling`: no further action (with a reason), schriftelijk or
/// mondeling. A melding handhaving is made with the admin command `signaal melding`.
pub async fn assess(
    State(state): State<AppState>,
    Supervisor(info): Supervisor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<Beoordeling>,
) -> Result<Json<Signaal>, AppError> {
    let s = state
        .db
        .call(move |db| db.write(|tx| signalen::assess(tx, id, &b, &info.user.name, now())))
        .await?;
    Ok(Json(s))
}

#[derive(Debug, Default, Deserialize)]
pub struct WerkQuery {
    pub team: Option<String>,
    pub handhaver: Option<String>,
}

/// `GET /v1/werkvoorraad`: open signals, zaken and heronderzoeken by due date.
pub async fn werkvoorraad(
    State(state): State<AppState>,
    _s: Supervisor,
    Query(q): Query<WerkQuery>,
) -> Result<Json<Vec<Item>>, AppError> {
    let filter = Filter {
        team: q.team.filter(|t| !t.is_empty()),
        handhaver: q.handhaver.filter(|h| !h.is_empty()),
    };
    let today = werkvoorraad::today();
    let items = state
        .db
        .call(move |db| db.read(|tx| werkvoorraad::items(tx, &filter, today)))
        .await?;
    Ok(Json(items))
}
