//! Console routes for supervisors and admins: sessions, the active code, the audit log,
//! devices and flags.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::{Deserialize, Serialize};

use super::{ApiJson, AppState, SignInRate};
use crate::audit::{self, AuditCheck, AuditRow};
use crate::db::now;
use crate::devices::{self, Device};
use crate::error::{AppError, Error};
use crate::flags::{self, Flag};
use crate::policy;
use crate::session::{self, Session, Supervisor, SESSION_COOKIE};
use crate::users::{self, User};

#[derive(Debug, Deserialize, Serialize)]
pub struct SignIn {
    pub name: String,
    pub password: String,
}

#[derive(Debug, Deserialize, Serialize)]
pub struct SessionResponse {
    pub token: String,
    pub csrf_token: String,
    pub user: String,
    pub role: String,
    pub expires_at: i64,
}

/// `POST /v1/session`: password sign-in; answers the token and sets it as an HttpOnly,
/// SameSite=Strict cookie. Rate limited per client address before the body is read.
pub async fn sign_in(
    State(state): State<AppState>,
    _rate: SignInRate,
    ApiJson(req): ApiJson<SignIn>,
) -> Result<impl IntoResponse, AppError> {
    let session = users::login_bounded(
        &state.db,
        &state.guards,
        state.settings.clone(),
        req.name,
        req.password,
    )
    .await?;
    let max_age = session.expires_at - now();
    let mut headers = HeaderMap::new();
    if let Some(v) = session::cookie(&state, SESSION_COOKIE, &session.token, max_age) {
        headers.insert(header::SET_COOKIE, v);
    }
    Ok((
        headers,
        Json(SessionResponse {
            token: session.token,
            csrf_token: session.csrf_token,
            user: session.user.name,
            role: session.user.role.as_str().to_owned(),
            expires_at: session.expires_at,
        }),
    ))
}

/// `DELETE /v1/session`.
pub async fn sign_out(
    State(state): State<AppState>,
    Session(info): Session,
) -> Result<impl IntoResponse, AppError> {
    state
        .db
        .call(move |db| db.with(|c| users::end_session(c, &info.token_hash)))
        .await?;
    let mut headers = HeaderMap::new();
    headers.insert(
        header::SET_COOKIE,
        HeaderValue::from_static("veldwerk_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    Ok((StatusCode::NO_CONTENT, headers))
}

#[derive(Debug, Deserialize, Serialize)]
pub struct CodeState {
    pub code: Option<String>,
    pub effective_from: Option<String>,
    pub by: Option<String>,
    pub reason: Option<String>,
    pub policy_version: u64,
}

fn code_state(bundle: &veldwerk_contract::policy::PolicyBundle) -> CodeState {
    let active = bundle.active();
    CodeState {
        code: active.map(|d| d.code.id().to_owned()),
        effective_from: active.map(|d| d.effective_from.to_rfc3339()),
        by: active.map(|d| d.by.clone()),
        reason: active.map(|d| d.reason.clone()),
        policy_version: bundle.version,
    }
}

/// `GET /v1/code`.
pub async fn get_code(
    State(state): State<AppState>,
    _s: Supervisor,
) -> Result<Json<CodeState>, AppError> {
    let (_, signed) = state.db.call(|db| db.with(policy::current)).await?;
    let bundle = signed
        .verify(&state.org.public_key)
        .map_err(|e| Error::Crypto(format!("stored policy does not verify: {e}")))?;
    Ok(Json(code_state(&bundle)))
}

#[derive(Debug, Deserialize, Serialize)]
pub struct SetCode {
    pub code: String,
    pub reason: String,
}

/// `POST /v1/code`: switch the active code (new directive, new bundle version, audit row).
pub async fn set_code(
    State(state): State<AppState>,
    Supervisor(info): Supervisor,
    ApiJson(req): ApiJson<SetCode>,
) -> Result<Json<CodeState>, AppError> {
    let code = policy::parse_code(&req.code)?;
    let org = state.org.clone();
    let bundle = state
        .db
        .call(move |db| {
            db.write(|tx| policy::switch_code(tx, &org, code, &req.reason, &info.user.name, now()))
        })
        .await?;
    Ok(Json(code_state(&bundle)))
}

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize)]
pub struct AuditResponse {
    pub check: AuditCheck,
    pub rows: Vec<AuditRow>,
}

/// `GET /v1/audit`: the newest rows and the result of checking the whole chain.
pub async fn audit(
    State(state): State<AppState>,
    _s: Supervisor,
    Query(q): Query<AuditQuery>,
) -> Result<Json<AuditResponse>, AppError> {
    let limit = q.limit.unwrap_or(100).min(1000);
    let (check, rows) = state
        .db
        .call(move |db| db.with(|c| Ok((audit::verify_audit_chain(c)?, audit::recent(c, limit)?))))
        .await?;
    if !check.intact {
        tracing::error!(broken_at = ?check.broken_at, "audit chain broken");
    }
    Ok(Json(AuditResponse { check, rows }))
}

/// `GET /v1/devices`.
pub async fn devices(
    State(state): State<AppState>,
    _s: Supervisor,
) -> Result<Json<Vec<Device>>, AppError> {
    Ok(Json(state.db.call(|db| db.with(devices::list)).await?))
}

/// `POST /v1/devices/{id}/revoke`.
pub async fn revoke_device(
    State(state): State<AppState>,
    Supervisor(info): Supervisor,
    Path(id): Path<String>,
) -> Result<Json<Device>, AppError> {
    let by: User = info.user;
    Ok(Json(
        state
            .db
            .call(move |db| db.write(|tx| devices::revoke(tx, &id, &by.name, now())))
            .await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct FlagsQuery {
    #[serde(default)]
    pub all: bool,
}

/// `GET /v1/flags` (`?all=true` includes resolved ones).
pub async fn flags(
    State(state): State<AppState>,
    _s: Supervisor,
    Query(q): Query<FlagsQuery>,
) -> Result<Json<Vec<Flag>>, AppError> {
    Ok(Json(
        state
            .db
            .call(move |db| db.with(|c| flags::list(c, q.all)))
            .await?,
    ))
}

#[derive(Debug, Deserialize, Serialize)]
pub struct Resolve {
    pub resolution: String,
}

/// `POST /v1/flags/{id}/resolve`.
pub async fn resolve_flag(
    State(state): State<AppState>,
    Supervisor(info): Supervisor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<Resolve>,
) -> Result<Json<Flag>, AppError> {
    let id: i64 = id.parse().map_err(|_| {
        Error::not_found(
            "flag_not_found",
            format!("Signalering '{id}' bestaat niet."),
        )
    })?;
    Ok(Json(
        state
            .db
            .call(move |db| {
                db.write(|tx| flags::resolve(tx, id, &info.user.name, &req.resolution, now()))
            })
            .await?,
    ))
}
