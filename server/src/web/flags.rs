//! Flagged actions: field actions recorded under a code that was no longer active. The
//! supervisor reviews each and acknowledges it with a note (`flags::resolve`, audited); a
//! flag is never deleted.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;

use veldwerk_rules::routekaart::{Actie, Code};

use super::layout::{self, code_badge, code_name, csrf_field, plural, time};
use super::{done, refusal, refusal_from, Console, CsrfForm, Flash};
use crate::db::now;
use crate::flags::{self, Flag};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct FlagsQuery {
    pub gelukt: Option<String>,
    /// `ja`: include flags already acknowledged.
    pub alle: Option<String>,
}

/// An action as the routekaart names it in Dutch; an id this build does not know stays as is.
fn actie_label(id: &str) -> String {
    id.parse::<Actie>()
        .map(|a| a.label().to_owned())
        .unwrap_or_else(|_| format!("onbekende actie ({id})"))
}

/// A code id in Dutch words (`Code oranje (…)`).
fn code_words(id: &str) -> String {
    id.parse::<Code>()
        .map(|c| code_name(c).to_owned())
        .unwrap_or_else(|_| format!("onbekende code ({id})"))
}

/// `GET /signaleringen`.
pub async fn page(
    State(state): State<AppState>,
    Console(s): Console,
    Query(q): Query<FlagsQuery>,
) -> Response {
    let all = q.alle.as_deref() == Some("ja");
    let list: Vec<Flag> = match state
        .db
        .call(move |db| db.with(|c| flags::list(c, all)))
        .await
    {
        Ok(l) => l,
        Err(e) => return refusal_from(e, Some(&s)),
    };
    let flash = Flash { gelukt: q.gelukt };
    layout::page(
        "Signaleringen",
        Some(&s),
        flash.message(),
        html! {
            p { "Acties die een apparaat vastlegde onder een code die op dat moment niet meer gold. De vastlegging blijft bewaard; beoordeel haar en leg uw afhandeling vast." }
            p {
                @if all { a href="/signaleringen" { "Alleen open signaleringen tonen" } }
                @else { a href="/signaleringen?alle=ja" { "Ook afgehandelde signaleringen tonen" } }
            }
            @if list.is_empty() {
                p.notice.ok { "Er zijn geen open signaleringen." }
            } @else {
                p { (plural(list.len(), "signalering", "signaleringen")) "." }
            }
            @for f in &list {
                article.card.flag id={ "signalering-" (f.id) } aria-labelledby={ "sig-" (f.id) } {
                    h2 id={ "sig-" (f.id) } { "Signalering " (f.id) ": " (actie_label(&f.actie)) " in zaak " (f.zaak_id) }
                    p.code { "Code: " code { (f.actie) } }
                    dl {
                        dt { "Vastlegging" } dd { a href={ "/zaken/" (f.zaak_id) "#e-" (f.entry_ref) } { "Bekijk de vastlegging in zaak " (f.zaak_id) } }
                        dt { "Vastgelegd" } dd { (time(f.recorded_at)) }
                        dt { "Apparaat" } dd { code { (f.device_id) } }
                        dt { "Code volgens apparaat" } dd {
                            @match f.code_known.as_deref() {
                                Some(c) => { (code_words(c)) }
                                None => { "onbekend" }
                            }
                            " (beleidsversie " (f.policy_version_known) ")"
                        }
                        dt { "Code die gold" } dd {
                            @match f.code_active.parse::<Code>() {
                                Ok(c) => { (code_badge(c)) }
                                Err(_) => { (code_words(&f.code_active)) }
                            }
                        }
                    }
                    @if let Some(at) = f.resolved_at {
                        p { "Afgehandeld " (time(at)) " door " (f.resolved_by.as_deref().unwrap_or("")) ": " (f.resolution.as_deref().unwrap_or("")) }
                    } @else {
                        form method="post" action={ "/signaleringen/" (f.id) "/afhandelen" } {
                            (csrf_field(&s))
                            div.field {
                                label for={ "note-" (f.id) } { "Afhandeling (notitie, verplicht)" }
                                textarea id={ "note-" (f.id) } name="resolution" rows="2" required maxlength="2000" {}
                            }
                            button type="submit" { "Afhandelen" }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResolveForm {
    pub resolution: String,
}

/// `POST /signaleringen/{id}/afhandelen`.
pub async fn resolve(
    State(state): State<AppState>,
    Path(id): Path<String>,
    f: CsrfForm<ResolveForm>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return refusal(
            StatusCode::NOT_FOUND,
            "flag_not_found",
            format!("Signalering '{id}' bestaat niet."),
            Some(&f.session),
        );
    };
    let by = f.session.user.name.clone();
    let note = f.form.resolution;
    match state
        .db
        .call(move |db| db.write(|tx| flags::resolve(tx, id, &by, &note, now())))
        .await
    {
        Ok(_) => done("/signaleringen", "flag_resolved"),
        Err(e) => refusal_from(e, Some(&f.session)),
    }
}
