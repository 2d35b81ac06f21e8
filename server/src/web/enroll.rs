//! Enrollment codes: a supervisor issues a one-time code for a handhaver's new device. The
//! code is shown once, on the answer to the POST (not cached), and only its digest is stored,
//! with the whole command the handhaver types, the server's address included.

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{self, csrf_field, time};
use super::{no_store, refusal_from, Console, CsrfForm};
use crate::db::now;
use crate::devices;
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::users::{self, SessionInfo};

fn form(s: &SessionInfo, names: &[String]) -> Markup {
    html! {
        form.card method="post" action="/koppelcodes" {
            (csrf_field(s))
            div.field {
                label for="user" { "Handhaver" }
                select id="user" name="user" required {
                    option value="" { "Kies een handhaver" }
                    @for n in names { option value=(n) { (n) } }
                }
            }
            button type="submit" { "Koppelcode maken" }
        }
    }
}

async fn names(state: &AppState) -> Result<Vec<String>> {
    state.db.call(|db| db.with(users::handhavers)).await
}

/// The address devices reach this server at: the `public_url` setting, else the scheme (by
/// `secure_cookie`: TLS in front) and the request's `Host`, if that is a plain host name.
pub fn server_url(settings: &crate::settings::Settings, headers: &HeaderMap) -> String {
    if let Some(u) = &settings.public_url {
        return u.trim_end_matches('/').to_owned();
    }
    let scheme = if settings.secure_cookie {
        "https"
    } else {
        "http"
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| settings.listen.to_string());
    format!("{scheme}://{host}")
}

/// The command a handhaver types on the device to enroll with `code`.
pub fn enroll_command(server: &str, code: &str) -> String {
    format!("veldwerk --data-dir ./apparaat enroll --server {server} --code {code}")
}

/// `GET /koppelcodes`.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Console(s): Console,
) -> Response {
    let names = match names(&state).await {
        Ok(n) => n,
        Err(e) => return refusal_from(e, Some(&s)),
    };
    let ttl_hours = state.settings.enroll_code_ttl.as_secs() / 3600;
    layout::page(
        "Koppelcodes",
        Some(&s),
        None,
        html! {
            p { "Een koppelcode koppelt één nieuw apparaat aan een handhaver. De code is eenmalig, "
                (ttl_hours) " uur geldig en wordt maar één keer getoond. Op het apparaat typt de handhaver daarna:" }
            pre { code { (enroll_command(&server_url(&state.settings, &headers), "KOPPELCODE")) } }
            (form(&s, &names))
        },
    )
    .into_response()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct IssueForm {
    pub user: String,
}

/// `POST /koppelcodes`: issues the code and shows it this once.
pub async fn issue(
    State(state): State<AppState>,
    headers: HeaderMap,
    f: CsrfForm<IssueForm>,
) -> Response {
    let s = f.session;
    let ttl = state.settings.enroll_code_ttl.as_secs() as i64;
    let actor = s.user.name.clone();
    let user = f.form.user;
    let u = user.clone();
    let at = now();
    let result = state
        .db
        .call(move |db| db.write(|tx| devices::issue_enroll_code(tx, &u, ttl, &actor, at)))
        .await;
    let names = names(&state).await.unwrap_or_default();
    let body = match result {
        Ok(code) => layout::page(
            "Koppelcodes",
            Some(&s),
            None,
            html! {
                section.card.secret aria-labelledby="nieuw" {
                    h2 id="nieuw" { "Koppelcode voor " (user) }
                    p.enroll-code { output id="koppelcode" { (code) } }
                    p { "Geldig tot " (time(at + ttl)) ". Geef de code alleen aan " (user) "; deze pagina toont haar maar één keer." }
                    p { "Op het apparaat (de gegevensmap " code { "./apparaat" } " mag ook een andere zijn):" }
                    pre { code id="koppelcommando" { (enroll_command(&server_url(&state.settings, &headers), &code)) } }
                }
                h2 { "Nog een koppelcode maken" }
                (form(&s, &names))
            },
        ),
        Err(e) => {
            let e = AppError::from(e);
            return (
                e.status,
                layout::page(
                    "Koppelcodes",
                    Some(&s),
                    None,
                    html! {
                        div.notice.error role="alert" { p { (e.message) } p.code { "Code: " code { (e.code) } } }
                        (form(&s, &names))
                    },
                ),
            )
                .into_response();
        }
    };
    no_store(body.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;

    fn host(h: &str) -> HeaderMap {
        let mut m = HeaderMap::new();
        m.insert(header::HOST, h.parse().unwrap());
        m
    }

    /// Issue 14, item 6: the enroll command names the server: the `public_url` setting first,
    /// else the request's host (https behind TLS); a host that is not a plain name is not
    /// printed, the listen address is.
    #[test]
    fn the_server_url_comes_from_the_setting_or_a_plain_host() {
        let mut s = Settings::default();
        assert_eq!(
            server_url(&s, &host("veldwerk.local:8080")),
            "http://veldwerk.local:8080"
        );
        assert_eq!(server_url(&s, &host("[::1]:8080")), "http://[::1]:8080");
        assert_eq!(server_url(&s, &host("a b\"><x")), "http://127.0.0.1:8080");
        assert_eq!(server_url(&s, &HeaderMap::new()), "http://127.0.0.1:8080");
        s.secure_cookie = true;
        assert_eq!(
            server_url(&s, &host("veldwerk.local")),
            "https://veldwerk.local"
        );
        s.public_url = Some("https://veldwerk.gemeente.example/".into());
        assert_eq!(
            server_url(&s, &host("intern:8080")),
            "https://veldwerk.gemeente.example"
        );
        assert_eq!(
            enroll_command("https://v.example", "ABCD-EFGH-JKLM"),
            "veldwerk --data-dir ./apparaat enroll --server https://v.example --code ABCD-EFGH-JKLM"
        );
    }
}
