//! The supervisor console in the browser: server-rendered Dutch HTML pages (maud), no
//! JavaScript, for supervisors and admins.
//!
//! - [`signin`]: sign in and out, reusing the API's password check, lockout and sessions.
//! - [`code`]: the active code, the routekaart per code ([`routekaart_view`]) and switching
//!   with a confirmation step; [`history`]: code switches from the audit log and its check.
//! - [`devices`], [`flags`], [`zaken`], [`enroll`]: one page (and its forms) each;
//!   [`rapport`]: a visit's rapport PDF as a download; [`werkvoorraad`]: the worklist;
//!   [`signalen`]: registering and assessing signals; [`melden`]: the public report form
//!   (no sign-in).
//!
//! Every form carries the session's CSRF token and every POST checks it ([`CsrfForm`]); the
//! sign-in form, which has no session yet, uses a double-submit cookie instead. The session
//! cookie is the API's (`veldwerk_session`, HttpOnly, SameSite=Strict).

pub mod code;
pub mod devices;
pub mod enroll;
pub mod flags;
pub mod history;
pub mod history_words;
pub mod klant;
pub mod layout;
pub mod melden;
pub mod photos;
pub mod rapport;
pub mod routekaart_view;
pub mod signalen;
pub mod signin;
pub mod users;
pub mod werkvoorraad;
pub mod zaak;
pub mod zaken;

use axum::extract::{Form, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::error::{AppError, Error};
use crate::session;
use crate::state::AppState;
use crate::users::SessionInfo;

/// The console's routes, merged into the server's router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(code::overview))
        .route("/console.css", get(layout::stylesheet))
        .route("/aanmelden", get(signin::form).post(signin::submit))
        .route("/afmelden", post(signin::sign_out))
        .route("/code", get(code::overview).post(code::switch))
        .route("/code/bevestigen", post(code::confirm))
        .route("/geschiedenis", get(history::page))
        .route("/apparaten", get(devices::page))
        .route(
            "/apparaten/{id}/intrekken",
            get(devices::confirm).post(devices::revoke),
        )
        .route("/signaleringen", get(flags::page))
        .route("/signaleringen/{id}/afhandelen", post(flags::resolve))
        .route("/zaken", get(zaken::page).post(zaken::create))
        .route("/zaken/nieuw", get(zaken::new_form))
        .route("/zaken/toewijzen", post(zaken::assign))
        .route("/zaken/{zaak_id}", get(zaak::page))
        .route("/zaken/{zaak_id}/toewijzen", post(zaak::assign))
        .route("/zaken/{zaak_id}/intrekken", post(zaak::withdraw))
        .route("/zaken/{zaak_id}/sluiten", post(zaak::close))
        .route(
            "/zaken/{zaak_id}/bezoeken/{bezoek_id}/rapport.pdf",
            get(rapport::download),
        )
        .route("/zaken/{zaak_id}/fotos/{sha256}", get(photos::photo))
        .route("/werkvoorraad", get(werkvoorraad::page))
        .route("/signalen", get(signalen::page).post(signalen::register))
        .route("/signalen/{id}", get(signalen::show))
        .route("/signalen/{id}/beoordeling", post(signalen::assess))
        .route("/signalen/{id}/melding", post(signalen::melding))
        .route("/melden", get(melden::show).post(melden::submit))
        .route("/koppelcodes", get(enroll::page).post(enroll::issue))
        .route("/gebruikers", get(users::page).post(users::add))
        .route("/gebruikers/{name}/uitschakelen", post(users::disable))
        .route("/gebruikers/{name}/inschakelen", post(users::enable))
        .route("/gebruikers/{name}/wachtwoord", post(users::reset_password))
        .route("/gebruikers/{name}/rol", post(users::change_role))
        .layer(axum::middleware::map_response(security_headers))
        .merge(klant::routes())
}

/// Console pages load nothing from elsewhere, run no script, post only to themselves and are
/// never framed (clickjacking on the switch and revoke buttons).
async fn security_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    r
}

/// A signed-in supervisor or admin, from the session cookie only (the console never uses
/// bearer tokens). Without a session the browser is sent to the sign-in page.
pub struct Console(pub SessionInfo);

async fn session_of(parts: &Parts, state: &AppState) -> Result<Option<SessionInfo>, Response> {
    session::from_cookie(parts, state)
        .await
        .map_err(|e| refusal_from(e, None))
}

impl FromRequestParts<AppState> for Console {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(info) = session_of(parts, state).await? else {
            return Err(Redirect::to("/aanmelden").into_response());
        };
        if !info.user.role.is_supervisor() {
            return Err(refusal(
                StatusCode::FORBIDDEN,
                "forbidden_role",
                "Uw rol geeft geen toegang tot de console. Alleen supervisors en beheerders kunnen hier aanmelden.",
                None,
            ));
        }
        Ok(Console(info))
    }
}

/// A posted form from a signed-in supervisor whose `csrf_token` field matches the session's.
/// A form without it (or with a wrong one) is refused with `csrf_token_invalid` before
/// anything is read from it.
pub struct CsrfForm<T> {
    pub session: SessionInfo,
    pub form: T,
}

#[derive(Deserialize)]
struct WithCsrf<T> {
    #[serde(default)]
    csrf_token: Option<String>,
    #[serde(flatten)]
    inner: T,
}

pub fn csrf_refused() -> Response {
    refusal(
        StatusCode::FORBIDDEN,
        "csrf_token_invalid",
        "Dit formulier is geweigerd: het mist een geldig beveiligingstoken (CSRF). Open de pagina opnieuw en probeer het nog eens.",
        None,
    )
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let Console(session) = Console::from_request_parts(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        let Form(posted) = Form::<WithCsrf<T>>::from_request(req, state)
            .await
            .map_err(|e| {
                refusal(
                    StatusCode::BAD_REQUEST,
                    "form_invalid",
                    format!("Het formulier is ongeldig: {}", e.body_text()),
                    Some(&session),
                )
            })?;
        match posted.csrf_token {
            Some(t) if session::same_secret(&t, &session.csrf_token) => Ok(CsrfForm {
                session,
                form: posted.inner,
            }),
            _ => {
                tracing::warn!(user = %session.user.name, "console form without valid CSRF token refused");
                Err(csrf_refused())
            }
        }
    }
}

/// A full page telling why something was refused, with its stable code.
pub fn refusal(
    status: StatusCode,
    code: &str,
    message: impl Into<String>,
    session: Option<&SessionInfo>,
) -> Response {
    let message = message.into();
    let body = layout::page(
        "Niet gelukt",
        session,
        None,
        maud::html! {
            div.notice.error role="alert" {
                p { (message) }
                p.code { "Code: " code { (code) } }
            }
            p { a href="/" { "Terug naar het overzicht" } }
        },
    );
    (status, body).into_response()
}

/// The page for an error from below: refusals keep their status, code and Dutch message;
/// internal errors are logged and shown without details.
pub fn refusal_from(e: Error, session: Option<&SessionInfo>) -> Response {
    let e = AppError::from(e);
    refusal(e.status, e.code, e.message, session)
}

/// Pages that show secrets or act on the store must not be cached.
pub fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// After a successful POST: back to a page with a confirmation message (Post/Redirect/Get).
pub fn done(path: &str, flash: &str) -> Response {
    Redirect::to(&format!("{path}?gelukt={flash}")).into_response()
}

/// The query of a page that may show a confirmation after a redirect.
#[derive(Debug, Default, Deserialize)]
pub struct Flash {
    pub gelukt: Option<String>,
}

impl Flash {
    /// The Dutch confirmation for a known code; unknown codes show nothing, so the query
    /// string cannot put text on the page.
    pub fn message(&self) -> Option<&'static str> {
        Some(match self.gelukt.as_deref()? {
            "code_switched" => "De code is gewisseld. Apparaten krijgen de nieuwe code bij hun volgende synchronisatie.",
            "device_revoked" => "Het apparaat is ingetrokken. Bij zijn volgende contact wordt het geweigerd en gewist.",
            "flag_resolved" => "De signalering is afgehandeld.",
            "zaak_assigned" => "De zaak is toegewezen.",
            "zaak_withdrawn" => "De zaak is ingetrokken. Het apparaat van de handhaver verwijdert de zaak bij de volgende synchronisatie, zodra de server alles ervan heeft.",
            "zaak_closed" => "De zaak is gesloten. De apparaten verwijderen hun kopie bij de volgende synchronisatie; het dossier blijft hier leesbaar.",
            "signed_out" => "U bent afgemeld.",
            "signaal_registered" => "Het signaal is geregistreerd met zijn termijn.",
            "signaal_assessed" => "De beoordeling van het signaal is vastgelegd.",
            "user_disabled" => "De gebruiker is uitgeschakeld: aanmelden kan niet meer, de sessies zijn beëindigd en de apparaten worden bij synchronisatie geweigerd. Wat al is vastgelegd blijft bewaard.",
            "user_enabled" => "De gebruiker is weer ingeschakeld en kan weer aanmelden en synchroniseren.",
            "user_role_changed" => "De rol is gewijzigd. Die geldt vanaf de volgende aanmelding; de sessies van de gebruiker zijn beëindigd.",
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole_and_flash_shows_only_known_codes() {
        assert!(session::same_secret("abcd", "abcd"));
        assert!(!session::same_secret("abcd", "abce"));
        assert!(!session::same_secret("abcd", "abc"));
        assert!(!session::same_secret("", "a"));
        let flash = |s: &str| Flash {
            gelukt: Some(s.to_owned()),
        };
        assert!(flash("code_switched").message().is_some());
        assert_eq!(flash("<script>").message(), None);
        assert_eq!(Flash::default().message(), None);
    }

    #[test]
    fn times_read_as_dutch() {
        assert_eq!(layout::ago(100, 130), "zojuist");
        assert_eq!(layout::ago(0, 7200), "2 uur geleden");
        assert_eq!(layout::ago(0, 3 * 86_400), "3 dagen geleden");
        assert_eq!(layout::ago(0, 86_400), "1 dag geleden");
        // Winter time (CET, UTC+1): 23 November 2026 10:40 UTC is 11:40 in Amsterdam.
        assert_eq!(layout::time(1_795_430_400), "23-11-2026 11:40");
        // Summer time (CEST, UTC+2): 1 July 2026 08:15 UTC is 10:15 in Amsterdam.
        assert_eq!(layout::time(1_782_893_700), "1-7-2026 10:15");
        // Just past midnight in Amsterdam is the next day there, still the day before in UTC.
        let t = chrono::DateTime::from_timestamp(1_796_169_600 - 1800, 0).unwrap();
        assert_eq!(layout::local_time(t), "2-12-2026 00:30");
        assert_eq!(layout::local_date(t), "2-12-2026");
        // The switch to winter time: 25 October 2026 00:59 UTC is 02:59 CEST, 01:00 UTC
        // is 02:00 CET.
        assert_eq!(layout::time(1_792_889_940), "25-10-2026 02:59");
        assert_eq!(layout::time(1_792_890_000), "25-10-2026 02:00");
        assert_eq!(layout::time(i64::MAX), "onbekend tijdstip");
    }

    /// Dutch plurals: one noun form for exactly one, the plural for zero and many.
    #[test]
    fn counts_take_the_right_dutch_number() {
        assert_eq!(
            layout::plural(1usize, "apparaat", "apparaten"),
            "1 apparaat"
        );
        assert_eq!(
            layout::plural(2usize, "apparaat", "apparaten"),
            "2 apparaten"
        );
        assert_eq!(layout::plural(0i64, "zaak", "zaken"), "0 zaken");
        assert_eq!(layout::plural(1u32, "regel", "regels"), "1 regel");
        assert_eq!(
            layout::plural(-1i64, "handhaver", "handhavers"),
            "-1 handhavers"
        );
    }
}
