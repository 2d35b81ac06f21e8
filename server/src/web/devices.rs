//! Enrolled devices: whose they are, when they last made contact, which policy version they
//! have, a warning when that is stale or behind, and revocation with a confirmation step.

use axum::extract::Query;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;
use veldwerk_contract::policy::DEFAULT_MAX_AGE;

use super::layout::{self, ago, csrf_field, plural, time};
use super::signin::Nothing;
use super::{done, refusal, refusal_from, Console, CsrfForm, Flash};
use crate::db::now;
use crate::devices::{self, Device};
use crate::error::Result;
use crate::policy;
use crate::state::AppState;

/// Whether a device's last contact is older than the policy age a device warns about
/// (`DEFAULT_MAX_AGE`, 12 h): its handhaver may be working under an outdated code.
pub fn is_stale(d: &Device, now: i64) -> bool {
    match d.last_seen {
        Some(t) => now - t > DEFAULT_MAX_AGE.num_seconds(),
        None => true,
    }
}

/// `GET /apparaten`.
pub async fn page(
    State(state): State<AppState>,
    Console(s): Console,
    Query(flash): Query<Flash>,
) -> Response {
    let data: Result<(Vec<Device>, u64)> = state
        .db
        .call(|db| db.with(|c| Ok((devices::list(c)?, policy::current(c)?.0))))
        .await;
    let (list, current) = match data {
        Ok(d) => d,
        Err(e) => return refusal_from(e, Some(&s)),
    };
    let t = now();
    let active = list.iter().filter(|d| d.revoked_at.is_none()).count();
    layout::page(
        "Apparaten",
        Some(&s),
        flash.message(),
        html! {
            p { (plural(active, "actief apparaat", "actieve apparaten")) ", " (list.len() - active) " ingetrokken. Huidige beleidsversie: " strong { (current) } "." }
            p { "Nieuw apparaat koppelen? Maak een " a href="/koppelcodes" { "koppelcode" } " voor de handhaver." }
            div.table-wrap {
                table.devices {
                    caption { "Gekoppelde apparaten" }
                    thead {
                        tr {
                            th scope="col" { "Apparaat" }
                            th scope="col" { "Handhaver" }
                            th scope="col" { "Laatste contact" }
                            th scope="col" { "Beleidsversie" }
                            th scope="col" { "Status" }
                            th scope="col" { "Actie" }
                        }
                    }
                    tbody {
                        @for d in &list {
                            @let revoked = d.revoked_at.is_some();
                            @let behind = d.policy_version_seen < current;
                            tr class={ @if revoked { "revoked" } } id={ "apparaat-" (d.id) } {
                                td { code { (d.id) } br; span.muted { "gekoppeld " (time(d.enrolled_at)) } }
                                td { (d.user) }
                                td {
                                    @match d.last_seen {
                                        Some(ts) => { (ago(ts, t)) br; span.muted { (time(ts)) } }
                                        None => { "nog nooit" }
                                    }
                                }
                                td {
                                    (d.policy_version_seen)
                                    @if behind && !revoked {
                                        br; span.tag.warn { "achter: heeft versie " (current) " nog niet" }
                                    }
                                }
                                td {
                                    @if let Some(r) = d.revoked_at {
                                        span.tag.revoked { "Ingetrokken" } br; span.muted { (time(r)) }
                                    } @else if is_stale(d, t) {
                                        span.tag.warn { "Verouderd" } " "
                                        span.muted { "geen contact in 12 uur: werkt mogelijk met een verouderde code; niet-gesynchroniseerde vastleggingen mogelijk" }
                                    } @else {
                                        span.tag.ok { "Actief" }
                                    }
                                }
                                td {
                                    @if !revoked {
                                        a.button.danger href={ "/apparaten/" (d.id) "/intrekken" } { "Intrekken" span.sr { " " (d.id) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if list.is_empty() { p { "Er zijn nog geen apparaten gekoppeld." } }
        },
    )
    .into_response()
}

async fn find(state: &AppState, id: String) -> Result<Option<Device>> {
    state
        .db
        .call(move |db| db.with(|c| devices::get(c, &id)))
        .await
}

/// `GET /apparaten/{id}/intrekken`: the confirmation page.
pub async fn confirm(
    State(state): State<AppState>,
    Console(s): Console,
    Path(id): Path<String>,
) -> Response {
    let d = match find(&state, id.clone()).await {
        Ok(Some(d)) => d,
        Ok(None) => {
            return refusal(
                StatusCode::NOT_FOUND,
                "device_not_found",
                format!("Apparaat '{id}' bestaat niet."),
                Some(&s),
            )
        }
        Err(e) => return refusal_from(e, Some(&s)),
    };
    layout::page(
        "Apparaat intrekken",
        Some(&s),
        None,
        html! {
            @if d.revoked_at.is_some() {
                p { "Apparaat " code { (d.id) } " is al ingetrokken." }
            } @else {
                p { "Weet u zeker dat u apparaat " code { (d.id) } " van " strong { (d.user) } " wilt intrekken?" }
                div.notice.warn role="note" {
                    p { "Het apparaat wordt bij zijn volgende contact geweigerd en krijgt de opdracht alle Veldwerk-gegevens te wissen. Vastleggingen die nog niet gesynchroniseerd zijn, gaan dan verloren. Dit kan niet ongedaan worden gemaakt; de handhaver moet opnieuw koppelen." }
                }
                form.card method="post" action={ "/apparaten/" (d.id) "/intrekken" } {
                    (csrf_field(&s))
                    div.actions {
                        button type="submit" class="danger" { "Ja, trek dit apparaat in" }
                        a.button.secondary href="/apparaten" { "Annuleren" }
                    }
                }
            }
        },
    )
    .into_response()
}

/// `POST /apparaten/{id}/intrekken`.
pub async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    f: CsrfForm<Nothing>,
) -> Response {
    let by = f.session.user.name.clone();
    match state
        .db
        .call(move |db| db.write(|tx| devices::revoke(tx, &id, &by, now())))
        .await
    {
        Ok(_) => done("/apparaten", "device_revoked"),
        Err(e) => refusal_from(e, Some(&f.session)),
    }
}
