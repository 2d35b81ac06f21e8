//! Signing in and out of the console. The password check, the lockout after repeated
//! failures and the session are the API's (`users::login`); the sign-in form is protected
//! against login CSRF with a double-submit cookie, since there is no session yet.

use axum::extract::{Form, FromRequest, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use super::{layout, no_store, CsrfForm, Flash};
use crate::db::now;
use crate::error::AppError;
use crate::guard::{client_ip, Rate};
use crate::secret::random_hex;
use crate::session::{cookie, cookie_value, same_secret, SESSION_COOKIE};
use crate::state::AppState;
use crate::users;

/// The cookie holding the sign-in form's CSRF token (double submit).
pub const LOGIN_CSRF_COOKIE: &str = "veldwerk_login_csrf";

fn form_page(
    state: &AppState,
    token: &str,
    name: &str,
    error: Option<(&str, &str)>,
    flash: Option<&str>,
) -> maud::Markup {
    layout::page(
        "Aanmelden",
        None,
        flash,
        html! {
            p { "Console van " strong { (state.org.name) } ". Alleen voor supervisors en beheerders." }
            @if let Some((code, message)) = error {
                div.notice.error role="alert" id="fout" {
                    p { (message) }
                    p.code { "Code: " code { (code) } }
                }
            }
            form.card method="post" action="/aanmelden" {
                input type="hidden" name="csrf_token" value=(token);
                div.field {
                    label for="name" { "Gebruikersnaam" }
                    input id="name" name="name" type="text" autocomplete="username" required
                        value=(name) autofocus[error.is_none()];
                }
                div.field {
                    label for="password" { "Wachtwoord" }
                    input id="password" name="password" type="password"
                        autocomplete="current-password" required
                        aria-describedby=[error.map(|_| "fout")];
                }
                button type="submit" { "Aanmelden" }
            }
        },
    )
}

fn with_login_cookie(
    state: &AppState,
    token: &str,
    status: StatusCode,
    body: maud::Markup,
) -> Response {
    let mut r = no_store((status, body).into_response());
    if let Some(v) = cookie(state, LOGIN_CSRF_COOKIE, token, 3600) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// `GET /aanmelden`: the form, with a fresh token in the form and in the cookie.
pub async fn form(State(state): State<AppState>, Query(flash): Query<Flash>) -> Response {
    let token = match random_hex(16) {
        Ok(t) => t,
        Err(e) => return super::refusal_from(e, None),
    };
    with_login_cookie(
        &state,
        &token,
        StatusCode::OK,
        form_page(&state, &token, "", None, flash.message()),
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignInForm {
    pub name: String,
    pub password: String,
    pub csrf_token: String,
}

/// `POST /aanmelden`: a wrong password or a locked account re-shows the form with the reason;
/// a form whose token does not match the cookie is refused. Rate limited per client IP like
/// the API's sign-in (429 with `Retry-After`).
pub async fn submit(State(state): State<AppState>, req: Request) -> Response {
    if let Err(limited) = state
        .guards
        .check_rate(Rate::SignIn, client_ip(req.extensions()))
    {
        let e = limited.error();
        return limited.apply(super::refusal(e.status, e.code, &e.message, None));
    }
    let (parts, body) = req.into_parts();
    let expected = cookie_value(&parts, LOGIN_CSRF_COOKIE);
    let Ok(Form(f)) =
        Form::<SignInForm>::from_request(Request::from_parts(parts, body), &state).await
    else {
        return super::refusal(
            StatusCode::BAD_REQUEST,
            "form_invalid",
            "Het aanmeldformulier is ongeldig.",
            None,
        );
    };
    let csrf_ok = expected
        .as_deref()
        .is_some_and(|e| !e.is_empty() && same_secret(e, &f.csrf_token));
    if !csrf_ok {
        tracing::warn!("sign-in form without valid CSRF token refused");
        return super::csrf_refused();
    }
    let result = users::login_bounded(
        &state.db,
        &state.guards,
        state.settings.clone(),
        f.name.clone(),
        f.password,
    )
    .await;
    match result {
        Ok(session) if session.user.role.is_supervisor() => {
            let mut r = Redirect::to("/").into_response();
            let max_age = session.expires_at - now();
            if let Some(v) = cookie(&state, SESSION_COOKIE, &session.token, max_age) {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            if let Some(v) = cookie(&state, LOGIN_CSRF_COOKIE, "", 0) {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            tracing::info!(user = %session.user.name, "console sign-in");
            no_store(r)
        }
        Ok(session) => {
            // A handhaver with a password: no console. End the session just opened.
            let hash = crate::secret::sha256_hex(session.token.as_bytes());
            let _ = state
                .db
                .call(move |db| db.with(|c| users::end_session(c, &hash)))
                .await;
            let e = AppError::forbidden_role();
            with_login_cookie(
                &state,
                &f.csrf_token,
                e.status,
                form_page(
                    &state,
                    &f.csrf_token,
                    &f.name,
                    Some((e.code, &e.message)),
                    None,
                ),
            )
        }
        Err(e) => with_login_cookie(
            &state,
            &f.csrf_token,
            e.status,
            form_page(
                &state,
                &f.csrf_token,
                &f.name,
                Some((e.code, &e.message)),
                None,
            ),
        ),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Nothing {}

/// `POST /afmelden`: ends the session and clears the cookie.
pub async fn sign_out(State(state): State<AppState>, f: CsrfForm<Nothing>) -> Response {
    let hash = f.session.token_hash.clone();
    if let Err(e) = state
        .db
        .call(move |db| db.with(|c| users::end_session(c, &hash)))
        .await
    {
        return super::refusal_from(e, None);
    }
    let mut r = super::done("/aanmelden", "signed_out");
    if let Some(v) = cookie(&state, SESSION_COOKIE, "", 0) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    no_store(r)
}
