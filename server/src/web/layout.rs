//! The page shell every console page shares: `lang="nl"`, a skip link, the navigation, the
//! sign-out form, and small display helpers (times, code badges, notices).

use axum::http::{header, HeaderValue};
use axum::response::IntoResponse;
use maud::{html, Markup, PreEscaped, DOCTYPE};
use veldwerk_rules::routekaart::Code;
use veldwerk_rules::Notice;

use crate::users::SessionInfo;

/// The stylesheet, compiled into the binary: no files to deploy, no front-end build.
pub const CSS: &str = include_str!("../../static/console.css");

/// `GET /console.css`.
pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/css")),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        CSS,
    )
}

/// The main navigation: (path, label). A page whose title is a label is marked current.
pub const NAV: &[(&str, &str)] = &[
    ("/", "Code"),
    ("/geschiedenis", "Geschiedenis"),
    ("/apparaten", "Apparaten"),
    ("/signaleringen", "Signaleringen"),
    ("/werkvoorraad", "Werkvoorraad"),
    ("/signalen", "Signalen"),
    ("/zaken", "Zaken"),
    ("/koppelcodes", "Koppelcodes"),
];

/// Navigation only admins see: user management is theirs alone.
pub const ADMIN_NAV: &[(&str, &str)] = &[("/gebruikers", "Gebruikers")];

/// A whole page. `flash` is a confirmation shown at the top (after a redirect).
pub fn page(
    title: &str,
    session: Option<&SessionInfo>,
    flash: Option<&str>,
    content: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="nl" {
            (head(title, "Veldwerk console"))
            body {
                a.skip href="#inhoud" { "Naar de inhoud" }
                header.top {
                    div.brand { "Veldwerk" span.sub { " console" } }
                    @if let Some(s) = session {
                        nav aria-label="Hoofdmenu" {
                            ul {
                                @for (href, label) in NAV.iter().chain(ADMIN_NAV.iter().filter(|_| s.user.role == crate::users::Role::Admin)) {
                                    li {
                                        @if *label == title {
                                            a href=(href) aria-current="page" { (label) }
                                        } @else {
                                            a href=(href) { (label) }
                                        }
                                    }
                                }
                            }
                        }
                        form.signout method="post" action="/afmelden" {
                            (csrf_field(s))
                            span.user { (s.user.name) " (" (role_name(s.user.role)) ")" }
                            button type="submit" { "Afmelden" }
                        }
                    }
                }
                main id="inhoud" tabindex="-1" {
                    h1 { (title) }
                    @if let Some(f) = flash {
                        div.notice.ok role="status" { p { (f) } }
                    }
                    (content)
                }
            }
        }
    }
}

/// The `<head>` of every page: Dutch, the phone viewport, the one stylesheet.
fn head(title: &str, site: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · " (site) }
            link rel="stylesheet" href="/console.css";
        }
    }
}

/// A page for the public (no session, no navigation): the report form `/melden`.
pub fn public_page(title: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="nl" {
            (head(title, "Gemeente"))
            body {
                a.skip href="#inhoud" { "Naar de inhoud" }
                main id="inhoud" tabindex="-1" {
                    h1 { (title) }
                    (content)
                }
            }
        }
    }
}

/// The hidden CSRF field every console form carries.
pub fn csrf_field(s: &SessionInfo) -> Markup {
    html! { input type="hidden" name="csrf_token" value=(s.csrf_token); }
}

/// The console's time zone: its users and the evidence they read are in the Netherlands.
pub const ZONE: chrono_tz::Tz = chrono_tz::Europe::Amsterdam;

/// A moment in Amsterdam time, Dutch date order: `2-12-2026 10:15` (CET or CEST as it was then).
pub fn local_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&ZONE)
        .format("%-d-%-m-%Y %H:%M")
        .to_string()
}

/// The Amsterdam date of a moment: `2-12-2026`.
pub fn local_date(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&ZONE).format("%-d-%-m-%Y").to_string()
}

/// A time in seconds since the epoch, in Amsterdam time (see [`local_time`]). A time out of
/// chrono's range (only from a damaged row) reads as unknown, never as a bare number.
pub fn time(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(local_time)
        .unwrap_or_else(|| "onbekend tijdstip".to_owned())
}

/// A count with its noun in the right Dutch number: `1 apparaat`, `2 apparaten`, `0 zaken`.
pub fn plural<N>(n: N, one: &str, many: &str) -> String
where
    N: TryInto<i64> + Copy + std::fmt::Display,
{
    let single = n.try_into().ok() == Some(1);
    format!("{n} {}", if single { one } else { many })
}

/// A role in Dutch, as the console shows it.
pub fn role_name(role: crate::users::Role) -> &'static str {
    match role {
        crate::users::Role::Handhaver => "handhaver",
        crate::users::Role::Supervisor => "supervisor",
        crate::users::Role::Admin => "beheerder",
    }
}

/// How long ago, in Dutch words, for "last sync".
pub fn ago(secs: i64, now: i64) -> String {
    let d = (now - secs).max(0);
    match d {
        0..=59 => "zojuist".to_owned(),
        60..=3599 => format!("{} min geleden", d / 60),
        3600..=86_399 => format!("{} uur geleden", d / 3600),
        _ => format!("{} geleden", plural(d / 86_400, "dag", "dagen")),
    }
}

/// The Dutch name of a code with its routekaart meaning.
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Geel => "Code geel (waakzaam)",
        Code::Oranje => "Code oranje (zorgelijk / ernstig)",
        Code::Rood => "Code rood (zeer ernstig / lockdown)",
    }
}

/// A code as a badge: colour and text, so colour is never the only signal.
pub fn code_badge(code: Code) -> Markup {
    let class = code.id();
    html! { span class={ "badge " (class) } { (code_name(code)) } }
}

/// Coded notices (warnings, reasons) as a list: the Dutch message and its stable code.
pub fn notices(class: &str, items: &[Notice]) -> Markup {
    html! {
        @if !items.is_empty() {
            ul class={ "notices " (class) } {
                @for n in items {
                    li { (n.message) " " span.code { "Code: " code { (n.code) } } }
                }
            }
        }
    }
}

/// Text that may hold line breaks, shown with them.
pub fn multiline(text: &str) -> Markup {
    html! {
        @for (i, line) in text.lines().enumerate() {
            @if i > 0 { br; }
            (line)
        }
    }
}

/// A non-breaking space, for empty table cells.
pub fn nbsp() -> Markup {
    PreEscaped("&nbsp;".to_owned())
}
