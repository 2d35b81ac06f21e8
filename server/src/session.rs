//! Who a console user is: the session cookie or bearer token, the CSRF token, and the API's
//! extractors for a signed-in user ([`Session`]) and a supervisor ([`Supervisor`]). The
//! console's page extractors (`web::Console`, `web::CsrfForm`) build on the same pieces.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};

use crate::db::now;
use crate::error::{AppError, Error};
use crate::state::AppState;
use crate::users::{self, SessionInfo};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "veldwerk_session";
/// The header a cookie-authenticated, state-changing request must carry (the CSRF token).
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Any signed-in console user. The token comes from `Authorization: Bearer` or the session
/// cookie; with the cookie, requests other than GET/HEAD must carry the CSRF token.
pub struct Session(pub SessionInfo);

/// A signed-in supervisor or admin.
pub struct Supervisor(pub SessionInfo);

/// The session token from `Authorization: Bearer`, else from the session cookie (then `true`).
fn token_from(parts: &Parts) -> Option<(String, bool)> {
    if let Some(v) = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        if let Some(t) = v.strip_prefix("Bearer ") {
            return Some((t.trim().to_owned(), false));
        }
    }
    cookie_value(parts, SESSION_COOKIE).map(|v| (v, true))
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie_value(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The session behind the session cookie, if it is one and has not expired.
pub async fn from_cookie(parts: &Parts, state: &AppState) -> Result<Option<SessionInfo>, Error> {
    let Some(token) = cookie_value(parts, SESSION_COOKIE) else {
        return Ok(None);
    };
    state
        .db
        .call(move |db| db.with(|c| users::session(c, &token, now())))
        .await
}

/// `Set-Cookie` value for a console cookie (HttpOnly, SameSite=Strict, `Secure` when set).
pub fn cookie(state: &AppState, name: &str, value: &str, max_age: i64) -> Option<HeaderValue> {
    let secure = if state.settings.secure_cookie {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"
    ))
    .ok()
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl FromRequestParts<AppState> for Session {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let not_signed_in =
            || AppError::unauthorized("not_signed_in", "U bent niet (meer) aangemeld.");
        let (token, via_cookie) = token_from(parts).ok_or_else(not_signed_in)?;
        let info = state
            .db
            .call(move |db| db.with(|c| users::session(c, &token, now())))
            .await?
            .ok_or_else(not_signed_in)?;
        if via_cookie && !matches!(parts.method, Method::GET | Method::HEAD) {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if sent != Some(info.csrf_token.as_str()) {
                return Err(AppError::new(
                    StatusCode::FORBIDDEN,
                    "csrf_token_invalid",
                    "De aanvraag mist een geldig CSRF-token.",
                ));
            }
        }
        Ok(Session(info))
    }
}

impl FromRequestParts<AppState> for Supervisor {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Session(info) = Session::from_request_parts(parts, state).await?;
        if !info.user.role.is_supervisor() {
            return Err(AppError::forbidden_role());
        }
        Ok(Supervisor(info))
    }
}
