//! The history of code switches, read from the audit log, with the result of recomputing the
//! log's hash chain from its first row (`audit::verify_audit_chain`), and the recent events in
//! words ([`super::history_words::describe`]).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;

use veldwerk_rules::routekaart::Code;

use super::history_words::describe;
use super::layout::{self, code_badge, plural, time};
use super::{refusal_from, Console};
use crate::audit::{self, AuditCheck, AuditRow};
use crate::error::Result;
use crate::state::AppState;

fn detail(row: &AuditRow, key: &str) -> String {
    serde_json::from_str::<serde_json::Value>(&row.details)
        .ok()
        .and_then(|v| match &v[key] {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        })
        .unwrap_or_default()
}

/// `GET /geschiedenis`.
pub async fn page(State(state): State<AppState>, Console(s): Console) -> Response {
    type Data = (AuditCheck, Vec<AuditRow>, Vec<AuditRow>);
    let data: Result<Data> = state
        .db
        .call(|db| {
            db.with(|c| {
                Ok((
                    audit::verify_audit_chain(c)?,
                    audit::of_action(c, "code_switched")?,
                    audit::recent(c, 50)?,
                ))
            })
        })
        .await;
    let (check, switches, recent) = match data {
        Ok(d) => d,
        Err(e) => return refusal_from(e, Some(&s)),
    };
    if !check.intact {
        tracing::error!(broken_at = ?check.broken_at, "audit chain broken");
    }
    layout::page(
        "Geschiedenis",
        Some(&s),
        None,
        html! {
            @if check.intact {
                div.notice.ok role="status" id="keten" {
                    p { strong { "Auditlog intact." } " " (if check.rows == 1 { "De enige regel is gecontroleerd" } else { "Alle regels zijn gecontroleerd" }) " (" (plural(check.rows, "regel", "regels")) "): elke regel past bij de vorige (hashketen) en is ondertekend met de sleutel van de organisatie." }
                    @if let Some(head) = &check.head {
                        p { "Controlepunt (bewaar het buiten de server; " code { "veldwerk-server audit verify --checkpoint" } " vindt er later verwijderde regels mee): " code.checkpoint { (head.to_string()) } }
                    }
                    p.code { "Code: " code { "audit_chain_intact" } }
                }
            } @else {
                div.notice.error role="alert" id="keten" {
                    p { strong { "Auditlog beschadigd!" } " " (check.problem.clone().unwrap_or_default()) " Regels zijn gewijzigd, verwijderd of verplaatst. Meld dit direct bij de beheerder." }
                    p.code { "Code: " code { "audit_chain_broken" } }
                }
            }
            section aria-labelledby="wissels" {
                h2 id="wissels" { "Codewissels" }
                div.table-wrap {
                    table {
                        caption { "Alle codewissels, nieuwste eerst" }
                        thead { tr { th scope="col" { "Wanneer" } th scope="col" { "Code" } th scope="col" { "Door" } th scope="col" { "Reden" } th scope="col" { "Beleidsversie" } th scope="col" { "Regel" } } }
                        tbody {
                            @for r in &switches {
                                @let code = detail(r, "code");
                                tr {
                                    td { (time(r.at)) }
                                    td {
                                        @match code.parse::<Code>() {
                                            Ok(c) => { (code_badge(c)) }
                                            Err(_) => { "onbekende code" }
                                        }
                                    }
                                    td { (r.actor) }
                                    td { (detail(r, "reason")) }
                                    td { (detail(r, "policy_version")) }
                                    td { (r.seq) }
                                }
                            }
                        }
                    }
                }
            }
            section aria-labelledby="recent" {
                h2 id="recent" { "Recente gebeurtenissen" }
                div.table-wrap {
                    table {
                        caption { "De laatste 50 regels van het auditlog" }
                        thead { tr { th scope="col" { "Regel" } th scope="col" { "Wanneer" } th scope="col" { "Door" } th scope="col" { "Gebeurtenis" } th scope="col" { "Details" } } }
                        tbody {
                            @for r in &recent {
                                @let d = describe(r);
                                tr id={ "regel-" (r.seq) } {
                                    td { (r.seq) }
                                    td { (time(r.at)) }
                                    td { (r.actor) }
                                    td {
                                        (d.title)
                                        br; span.code { "Code: " code { (r.action) } }
                                    }
                                    td.details {
                                        @if !d.details.is_empty() {
                                            dl {
                                                @for (label, value) in &d.details {
                                                    dt { (label) } dd { (value) }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}
