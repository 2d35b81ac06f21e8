//! The active code: who set it, when and why; the routekaart per code; and switching, which
//! shows what changes and asks for a confirmation before `policy::switch_code` writes the new
//! directive, the signed bundle version and the audit row.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;
use veldwerk_contract::policy::PolicyBundle;
use veldwerk_rules::routekaart::Code;

use super::layout::{self, code_badge, code_name, csrf_field, notices, plural, time};
use super::routekaart_view::{self as rk, Change, Routekaart};
use super::{done, refusal, refusal_from, Console, CsrfForm, Flash};
use crate::db::now;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::users::SessionInfo;
use crate::{devices, policy};

/// The newest bundle, verified against the organisation key as a device would.
pub async fn current_bundle(state: &AppState) -> Result<PolicyBundle> {
    let (_, signed) = state.db.call(|db| db.with(policy::current)).await?;
    signed
        .verify(&state.org.public_key)
        .map_err(|e| Error::Crypto(format!("stored policy does not verify: {e}")))
}

/// The routekaart as a table: actions down, codes across, the active code marked.
pub fn routekaart_table(rk_: &Routekaart, active: Option<Code>) -> Markup {
    html! {
        div.table-wrap {
            table.routekaart {
                caption {
                    "Routekaart alternatief handhaven (VNG, november 2020)"
                    @if let Some(c) = active { ". Actief: " (code_name(c)) "." }
                }
                thead {
                    tr {
                        th scope="col" { "Actie" }
                        @for c in rk::CODES {
                            th scope="col" class={ "code-col " (c.id()) @if Some(c) == active { " active" } } {
                                (code_name(c))
                                @if Some(c) == active { br; span.tag { "actief" } }
                            }
                        }
                    }
                }
                tbody {
                    @for a in rk::ACTIES {
                        tr {
                            th scope="row" { (rk::actie_label(a)) br; span.code { "Code: " code.id { (rk::actie_id(a)) } } }
                            @for c in rk::CODES {
                                @let cell = rk::cell(rk_, c, a);
                                td class={ @if cell.allowed { "allowed" } @else { "forbidden" } @if Some(c) == active { " active" } } {
                                    strong {
                                        @if cell.allowed { "Toegestaan" } @else { "Verboden" }
                                    }
                                    @if cell.overridden { " " span.tag.override title="Afwijking van de organisatie" { "afwijking organisatie" } }
                                    ul {
                                        @for n in &cell.notices { li { (n.message) } }
                                    }
                                    @for w in &cell.warnings {
                                        p.cell-warning { "Let op: " (w.message) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        (notices("warn", rk_.general_warnings()))
        @if !rk_.override_errors.is_empty() {
            div.notice.error role="alert" {
                p { "De afwijkingen van de organisatie konden niet worden geladen; hierboven staat de VNG-routekaart zonder afwijkingen." }
                (notices("", &rk_.override_errors))
            }
        }
        @if rk_.has_overrides() {
            p { "Cellen met " span.tag.override { "afwijking organisatie" } " wijken af van de VNG-routekaart (versie " (rk_.version()) ")." }
            details.overrides {
                summary { "Het afwijkingenbestand van de organisatie" }
                pre { (rk_.overrides_toml) }
            }
        } @else {
            p.muted { "De organisatie volgt de VNG-routekaart zonder afwijkingen." }
        }
    }
}

fn switch_form(
    s: &SessionInfo,
    active: Option<Code>,
    chosen: Option<Code>,
    reason: &str,
) -> Markup {
    html! {
        form.card method="post" action="/code/bevestigen" {
            (csrf_field(s))
            fieldset {
                legend { "Nieuwe code" }
                @for c in rk::CODES {
                    div.radio {
                        input type="radio" name="code" id={ "code-" (c.id()) }
                            value=(c.id()) required checked[Some(c) == chosen];
                        label for={ "code-" (c.id()) } {
                            (code_name(c))
                            @if Some(c) == active { " (huidige code)" }
                        }
                    }
                }
            }
            div.field {
                label for="reason" { "Reden (verplicht, komt in het auditlog)" }
                textarea id="reason" name="reason" rows="3" required maxlength="2000" { (reason) }
            }
            button type="submit" { "Gevolgen bekijken" }
        }
    }
}

async fn overview_page(
    state: &AppState,
    s: &SessionInfo,
    flash: Option<&str>,
    error: Option<(&str, String)>,
    chosen: Option<Code>,
    reason: &str,
) -> Response {
    let bundle = match current_bundle(state).await {
        Ok(b) => b,
        Err(e) => return refusal_from(e, Some(s)),
    };
    let active = bundle.active();
    let routekaart = Routekaart::new(&bundle.overrides_toml);
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let body = layout::page(
        "Code",
        Some(s),
        flash,
        html! {
            section.card.current aria-labelledby="actief" {
                h2 id="actief" { "Actieve code" }
                @if let Some(d) = active {
                    p.big { (code_badge(d.code)) }
                    dl {
                        dt { "Ingesteld door" } dd { (d.by) }
                        dt { "Sinds" } dd { (time(d.effective_from.timestamp())) }
                        dt { "Reden" } dd { (layout::multiline(&d.reason)) }
                        dt { "Beleidsversie" } dd { (bundle.version) }
                    }
                } @else {
                    p { "Er is nog geen code ingesteld." }
                }
            }
            section aria-labelledby="wisselen" {
                h2 id="wisselen" { "Code wisselen" }
                p { "U ziet eerst wat er verandert; pas na uw bevestiging wordt de code gewisseld." }
                @if let Some((code, message)) = &error {
                    div.notice.error role="alert" {
                        p { (message) }
                        p.code { "Code: " code { (code) } }
                    }
                }
                (switch_form(s, active.map(|d| d.code), chosen, reason))
            }
            section aria-labelledby="routekaart" {
                h2 id="routekaart" { "Routekaart per code" }
                (routekaart_table(&routekaart, active.map(|d| d.code)))
            }
        },
    );
    (status, body).into_response()
}

/// `GET /` and `GET /code`.
pub async fn overview(
    State(state): State<AppState>,
    Console(s): Console,
    Query(flash): Query<Flash>,
) -> Response {
    overview_page(&state, &s, flash.message(), None, None, "").await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SwitchForm {
    pub code: String,
    pub reason: String,
    /// `ja` on the confirmation page's form.
    pub confirm: String,
}

fn change_list(
    title: &str,
    class: &str,
    items: &[(String, Vec<veldwerk_rules::Notice>)],
) -> Markup {
    html! {
        @if !items.is_empty() {
            section class={ "changes " (class) } {
                h3 { (title) " (" (items.len()) ")" }
                ul {
                    @for (label, ns) in items {
                        li { strong { (label) } (notices("", ns)) }
                    }
                }
            }
        }
    }
}

/// `POST /code/bevestigen`: what the switch would change, and the confirmation form.
pub async fn confirm(State(state): State<AppState>, f: CsrfForm<SwitchForm>) -> Response {
    let s = &f.session;
    let code = match policy::parse_code(&f.form.code) {
        Ok(c) => c,
        Err(e) => {
            let e = crate::error::AppError::from(e);
            return overview_page(
                &state,
                s,
                None,
                Some((e.code, e.message)),
                None,
                &f.form.reason,
            )
            .await;
        }
    };
    let reason = f.form.reason.trim();
    if reason.is_empty() {
        return overview_page(
            &state,
            s,
            None,
            Some((
                "reason_required",
                "Geef een reden op voor het wisselen van de code.".to_owned(),
            )),
            Some(code),
            "",
        )
        .await;
    }
    let bundle = match current_bundle(&state).await {
        Ok(b) => b,
        Err(e) => return refusal_from(e, Some(s)),
    };
    let from = bundle.active().map(|d| d.code).unwrap_or(Code::Geel);
    let routekaart = Routekaart::new(&bundle.overrides_toml);
    let mut forbidden = Vec::new();
    let mut allowed = Vec::new();
    let mut conditions = Vec::new();
    for c in rk::changes(&routekaart, from, code) {
        match c {
            Change::BecomesForbidden { actie, reasons } => {
                forbidden.push((rk::actie_label(actie).to_owned(), reasons))
            }
            Change::BecomesAllowed {
                actie,
                conditions: cs,
            } => allowed.push((rk::actie_label(actie).to_owned(), cs)),
            Change::ConditionsChange {
                actie,
                conditions: cs,
            } => conditions.push((rk::actie_label(actie).to_owned(), cs)),
        }
    }
    let devices: i64 = state
        .db
        .call(|db| db.with(devices::active_count))
        .await
        .unwrap_or(0);
    let body = layout::page(
        "Code wisselen bevestigen",
        Some(s),
        None,
        html! {
            p.big { (code_badge(from)) " → " (code_badge(code)) }
            @if from == code {
                div.notice.warn role="status" { p { "Dit is al de actieve code. Wisselen legt de reden opnieuw vast en geeft een nieuwe beleidsversie uit; de routekaart verandert niet." } }
            } @else if forbidden.is_empty() && allowed.is_empty() && conditions.is_empty() {
                p { "De routekaart verandert niet voor de acties." }
            }
            (change_list("Wordt verboden", "forbidden", &forbidden))
            (change_list("Wordt toegestaan", "allowed", &allowed))
            (change_list("Andere voorwaarden", "conditions", &conditions))
            p { "Reden: " strong { (reason) } }
            p { (plural(devices, "actief apparaat krijgt", "actieve apparaten krijgen")) " de nieuwe code bij de volgende synchronisatie. Acties die daarvoor onder de oude code worden vastgelegd, worden gesignaleerd." }
            form.card method="post" action="/code" {
                (csrf_field(s))
                input type="hidden" name="code" value=(code.id());
                input type="hidden" name="reason" value=(reason);
                input type="hidden" name="confirm" value="ja";
                div.actions {
                    button type="submit" class="danger" { "Ja, wissel naar " (code_name(code)) }
                    a.button.secondary href="/" { "Annuleren" }
                }
            }
        },
    );
    super::no_store(body.into_response())
}

/// `POST /code`: the confirmed switch.
pub async fn switch(State(state): State<AppState>, f: CsrfForm<SwitchForm>) -> Response {
    let s = f.session;
    if f.form.confirm != "ja" {
        return refusal(
            StatusCode::BAD_REQUEST,
            "confirmation_required",
            "Bevestig het wisselen van de code op de bevestigingspagina.",
            Some(&s),
        );
    }
    let code = match policy::parse_code(&f.form.code) {
        Ok(c) => c,
        Err(e) => return refusal_from(e, Some(&s)),
    };
    let org = state.org.clone();
    let by = s.user.name.clone();
    let reason = f.form.reason;
    match state
        .db
        .call(move |db| db.write(|tx| policy::switch_code(tx, &org, code, &reason, &by, now())))
        .await
    {
        Ok(_) => done("/", "code_switched"),
        Err(e) => refusal_from(e, Some(&s)),
    }
}
