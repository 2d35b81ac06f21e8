//! Zaken: the list with status, assigned handhavers and deadlines (paged), assigning a zaak to
//! a handhaver, and creating a zaak from a melding handhaving with the fields of seed 000
//! (werkinstructie aanmelding handhaving). The motivation's wording warnings come from
//! `Melding::validate` (through `zaken::create`) and are shown, never blocking.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{html, Markup};
use serde::Deserialize;
use veldwerk_rules::protocol::melding::{Melding, Werkproces};
use veldwerk_rules::Notice;

use super::layout::{self, csrf_field, notices};
use super::{done, refusal_from, Console, CsrfForm};
use crate::db::now;
use crate::error::AppError;
use crate::state::AppState;
use crate::users::{self, SessionInfo};
use crate::zaken::{self, NewZaak};

#[derive(Debug, Default, Deserialize)]
pub struct ZakenQuery {
    pub gelukt: Option<String>,
    pub status: Option<String>,
    /// Kept as text: a malformed page number shows the first page.
    pub pagina: Option<String>,
}

fn assign_form(s: &SessionInfo, names: &[String], zaak: &str) -> Markup {
    html! {
        form.card.inline method="post" action="/zaken/toewijzen" {
            (csrf_field(s))
            div.field {
                label for="assign-zaak" { "Zaak" }
                input id="assign-zaak" name="zaak" type="text" required value=(zaak) placeholder="Z-2026-0001";
            }
            div.field {
                label for="assign-user" { "Handhaver" }
                select id="assign-user" name="user" required {
                    option value="" { "Kies een handhaver" }
                    @for n in names { option value=(n) { (n) } }
                }
            }
            button type="submit" { "Toewijzen" }
        }
    }
}

/// `GET /zaken`.
pub async fn page(
    State(state): State<AppState>,
    Console(s): Console,
    Query(q): Query<ZakenQuery>,
) -> Response {
    let status = match q.status.as_deref() {
        Some("open") => Some("open"),
        Some("gesloten") => Some("gesloten"),
        _ => None,
    };
    let page = q
        .pagina
        .as_deref()
        .and_then(|p| p.parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, 1_000_000);
    let data = state
        .db
        .call(move |db| {
            db.with(|c| {
                Ok((
                    zaken::list_page(c, status, page - 1)?,
                    users::handhavers(c)?,
                ))
            })
        })
        .await;
    let ((rows, total), names) = match data {
        Ok(d) => d,
        Err(e) => return refusal_from(e, Some(&s)),
    };
    let today = chrono::Utc::now().date_naive().to_string();
    let pages = ((total + zaken::PAGE_SIZE - 1) / zaken::PAGE_SIZE).max(1);
    let link = |p: i64| match status {
        Some(st) => format!("/zaken?status={st}&pagina={p}"),
        None => format!("/zaken?pagina={p}"),
    };
    let flash = super::Flash { gelukt: q.gelukt };
    layout::page(
        "Zaken",
        Some(&s),
        flash.message(),
        html! {
            p { a.button href="/zaken/nieuw" { "Nieuwe melding handhaving" } }
            section aria-labelledby="toewijzen" {
                h2 id="toewijzen" { "Zaak toewijzen" }
                (assign_form(&s, &names, ""))
            }
            nav aria-label="Filter" {
                "Toon: "
                a href="/zaken" aria-current=[status.is_none().then_some("page")] { "alle" } " · "
                a href="/zaken?status=open" aria-current=[(status == Some("open")).then_some("page")] { "open" } " · "
                a href="/zaken?status=gesloten" aria-current=[(status == Some("gesloten")).then_some("page")] { "gesloten" }
            }
            div.table-wrap {
                table.zaken {
                    caption { (total) " zaken; pagina " (page) " van " (pages) }
                    thead {
                        tr {
                            th scope="col" { "Zaak" }
                            th scope="col" { "Omschrijving" }
                            th scope="col" { "Werkproces" }
                            th scope="col" { "Status" }
                            th scope="col" { "Deadline" }
                            th scope="col" { "Handhaver(s)" }
                        }
                    }
                    tbody {
                        @for z in &rows {
                            @let overdue = z.status == "open" && z.deadline.as_deref().is_some_and(|d| d < today.as_str());
                            tr {
                                td { a href=(super::zaak::href(&z.id)) { code { (z.id) } } }
                                td { (z.label) br; span.muted { (z.adres) } }
                                td { (z.werkproces.to_uppercase()) }
                                td { (z.status) }
                                td {
                                    (z.deadline.as_deref().unwrap_or("geen"))
                                    @if overdue { " " span.tag.warn { "verlopen" } }
                                }
                                td {
                                    @if z.handhavers.is_empty() { span.tag.warn { "niet toegewezen" } }
                                    @else { (z.handhavers) }
                                }
                            }
                        }
                    }
                }
            }
            @if pages > 1 {
                nav.pager aria-label="Pagina's" {
                    @if page > 1 { a href=(link(page - 1)) rel="prev" { "← Vorige" } " " }
                    "Pagina " (page) " van " (pages)
                    @if page < pages { " " a href=(link(page + 1)) rel="next" { "Volgende →" } }
                }
            }
        },
    )
    .into_response()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AssignForm {
    pub zaak: String,
    pub user: String,
}

/// `POST /zaken/toewijzen`.
pub async fn assign(State(state): State<AppState>, f: CsrfForm<AssignForm>) -> Response {
    let by = f.session.user.name.clone();
    let AssignForm { zaak, user } = f.form;
    let zaak = zaak.trim().to_owned();
    match state
        .db
        .call(move |db| db.write(|tx| zaken::assign(tx, &zaak, &user, &by, now())))
        .await
    {
        Ok(()) => done("/zaken", "zaak_assigned"),
        Err(e) => refusal_from(e, Some(&f.session)),
    }
}

/// The melding form's fields, kept as typed so a refused form comes back filled in.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default)]
pub struct MeldingForm {
    pub werkproces: String,
    pub begindatum: String,
    pub klantmanager: String,
    pub motivatie: String,
    pub label: String,
    pub adres: String,
    pub deadline: String,
    pub handhaver: String,
}

/// The melding handhaving form, posting to `action` (`/zaken`, or a signal's melding).
pub(super) fn melding_form(
    s: &SessionInfo,
    names: &[String],
    f: &MeldingForm,
    action: &str,
) -> Markup {
    let today = chrono::Utc::now().date_naive().to_string();
    let begindatum = if f.begindatum.is_empty() {
        today.as_str()
    } else {
        f.begindatum.as_str()
    };
    html! {
        form.card method="post" action=(action) {
            (csrf_field(s))
            fieldset {
                legend { "Soort werkproces" }
                div.radio {
                    input type="radio" id="wp-h2" name="werkproces" value="h2" required checked[f.werkproces == "h2"];
                    label for="wp-h2" { "H2 Melding handhaven (Werk en Inkomen: handhaving besluit)" }
                }
                div.radio {
                    input type="radio" id="wp-h6" name="werkproces" value="h6" checked[f.werkproces == "h6"];
                    label for="wp-h6" { "H6 Melding handhaven POORT (Poort: handhaving adviseert)" }
                }
            }
            dl.fixed {
                dt { "Regeling" } dd { "16 Key2handhaven" }
                dt { "Aard bijstand" } dd { "Incidenteel" }
                dt { "Huidige fase" } dd { "10 Melding" }
                dt { "Werkvoorraad" } dd { "hand (algemene werkvoorraad Toezicht & Handhaving)" }
            }
            div.field {
                label for="begindatum" { "Begindatum" }
                input id="begindatum" name="begindatum" type="date" required value=(begindatum);
            }
            div.field {
                label for="klantmanager" { "Klantmanager (melding op eigen naam)" }
                input id="klantmanager" name="klantmanager" type="text" required value=(f.klantmanager);
            }
            div.field {
                label for="motivatie" { "Motivatie" }
                p.hint id="motivatie-hint" { "Leg gemotiveerd de noodzaak uit, gebaseerd op feiten; geen insinuaties of onderbuikgevoelens. Het rapport komt in het klantdossier." }
                textarea id="motivatie" name="motivatie" rows="5" required aria-describedby="motivatie-hint" { (f.motivatie) }
            }
            div.field {
                label for="label" { "Omschrijving van de zaak" }
                input id="label" name="label" type="text" required value=(f.label);
            }
            div.field {
                label for="adres" { "Adres" }
                input id="adres" name="adres" type="text" value=(f.adres);
            }
            div.field {
                label for="deadline" { "Deadline (optioneel)" }
                p.hint id="deadline-hint" { "Bij een melding uit signalen geldt zonder deadline de vroegste termijn van die signalen." }
                input id="deadline" name="deadline" type="date" aria-describedby="deadline-hint" value=(f.deadline);
            }
            div.field {
                label for="handhaver" { "Direct toewijzen aan (optioneel)" }
                select id="handhaver" name="handhaver" {
                    option value="" { "Niet toewijzen" }
                    @for n in names { option value=(n) selected[*n == f.handhaver] { (n) } }
                }
            }
            button type="submit" { "Melding aanmaken" }
        }
    }
}

/// `GET /zaken/nieuw`.
pub async fn new_form(State(state): State<AppState>, Console(s): Console) -> Response {
    let names = match state.db.call(|db| db.with(users::handhavers)).await {
        Ok(n) => n,
        Err(e) => return refusal_from(e, Some(&s)),
    };
    layout::page(
        "Nieuwe melding handhaving",
        Some(&s),
        None,
        melding_form(&s, &names, &MeldingForm::default(), "/zaken"),
    )
    .into_response()
}

fn date(
    field: &'static str,
    label: &str,
    v: &str,
) -> std::result::Result<Option<NaiveDate>, (&'static str, String)> {
    if v.trim().is_empty() {
        return Ok(None);
    }
    v.trim().parse().map(Some).map_err(|_| {
        (
            field,
            format!("{label} is geen geldige datum (JJJJ-MM-DD)."),
        )
    })
}

pub(super) fn to_new(f: &MeldingForm) -> std::result::Result<NewZaak, (&'static str, String)> {
    let werkproces = match f.werkproces.as_str() {
        "h2" => Werkproces::H2,
        "h6" => Werkproces::H6,
        _ => {
            return Err((
                "werkproces_required",
                "Kies het werkproces: H2 of H6.".to_owned(),
            ))
        }
    };
    let begindatum = date("begindatum_invalid", "De begindatum", &f.begindatum)?
        .ok_or(("begindatum_required", "Vul de begindatum in.".to_owned()))?;
    if f.klantmanager.trim().is_empty() {
        return Err((
            "klantmanager_required",
            "Vul de klantmanager in.".to_owned(),
        ));
    }
    Ok(NewZaak {
        id: None,
        label: f.label.trim().to_owned(),
        adres: f.adres.trim().to_owned(),
        melding: Melding {
            werkproces,
            regeling: "16 Key2handhaven".into(),
            aard_bijstand: "Incidenteel".into(),
            fase: 10,
            begindatum,
            klantmanager: f.klantmanager.trim().to_owned(),
            motivatie: f.motivatie.clone(),
            werkvoorraad: "hand".into(),
        },
        deadline: date("deadline_invalid", "De deadline", &f.deadline)?,
    })
}

/// `POST /zaken`: creates the zaak (and assigns it when asked) in one transaction, then shows
/// it with the motivation's warnings; a refused melding comes back filled in with the reason.
pub async fn create(State(state): State<AppState>, f: CsrfForm<MeldingForm>) -> Response {
    let s = f.session;
    let form = f.form;
    let names = state
        .db
        .call(|db| db.with(users::handhavers))
        .await
        .unwrap_or_default();
    let refused = |code: &str, message: &str, form: &MeldingForm| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            layout::page(
                "Nieuwe melding handhaving",
                Some(&s),
                None,
                html! {
                    div.notice.error role="alert" { p { (message) } p.code { "Code: " code { (code) } } }
                    (melding_form(&s, &names, form, "/zaken"))
                },
            ),
        )
            .into_response()
    };
    let new = match to_new(&form) {
        Ok(n) => n,
        Err((code, message)) => return refused(code, &message, &form),
    };
    let actor = s.user.name.clone();
    let handhaver = form.handhaver.trim().to_owned();
    let result = state
        .db
        .call(move |db| {
            db.write(|tx| {
                let t = now();
                let (zaak, warnings) = zaken::create(tx, new, &actor, t)?;
                if !handhaver.is_empty() {
                    zaken::assign(tx, &zaak.id, &handhaver, &actor, t)?;
                }
                Ok((zaak, warnings))
            })
        })
        .await;
    match result {
        Ok((zaak, warnings)) => created_page(&s, &zaak, &warnings).into_response(),
        Err(e) => {
            let e = AppError::from(e);
            if e.status.is_server_error() {
                return super::refusal(e.status, e.code, e.message, Some(&s));
            }
            refused(e.code, &e.message, &form)
        }
    }
}

/// The page after a melding became a zaak: its id and the motivation's factual warnings.
pub(super) fn created_page(s: &SessionInfo, zaak: &zaken::Zaak, warnings: &[Notice]) -> Markup {
    layout::page(
        "Melding aangemaakt",
        Some(s),
        None,
        html! {
            div.notice.ok role="status" {
                p { "Zaak " code { (zaak.id) } " is aangemaakt: " (zaak.label) "." }
            }
            @if warnings.is_empty() {
                p { "De motivatie gaf geen waarschuwingen." }
            } @else {
                section.card aria-labelledby="waarschuwingen" {
                    h2 id="waarschuwingen" { "Let op de formulering van de motivatie" }
                    (notices("warn", warnings))
                }
            }
            p { a href=(super::zaak::href(&zaak.id)) { "Naar de zaak" } " · " a href="/zaken" { "Naar de zaken" } " · " a href="/zaken/nieuw" { "Nog een melding" } }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use crate::users::{add_user, Role};

    #[test]
    fn pages_follow_the_deadline_order_with_their_assignees() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        db.write(|tx| {
            add_user(tx, "piet", Role::Handhaver, None, "test", 0)?;
            for i in 0..150u64 {
                let begindatum = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
                let f = MeldingForm {
                    werkproces: "h2".into(),
                    begindatum: begindatum.to_string(),
                    klantmanager: "A. Jansen".into(),
                    motivatie: "Post op adres gericht aan een tweede persoon.".into(),
                    label: format!("zaak {i}"),
                    // Deadlines in reverse order of creation; every tenth has none.
                    deadline: if i % 10 == 0 {
                        String::new()
                    } else {
                        (begindatum + chrono::Days::new(200 - i)).to_string()
                    },
                    ..MeldingForm::default()
                };
                let (z, _) = zaken::create(tx, to_new(&f).unwrap(), "test", 0)?;
                if i == 149 {
                    zaken::assign(tx, &z.id, "piet", "test", 0)?;
                }
            }
            Ok(())
        })
        .unwrap();
        let (first, total) = db.with(|c| zaken::list_page(c, None, 0)).unwrap();
        let (second, _) = db.with(|c| zaken::list_page(c, Some("open"), 1)).unwrap();
        assert_eq!((total, first.len(), second.len()), (150, 100, 50));
        assert_eq!(first[0].label, "zaak 149");
        assert_eq!(first[0].handhavers, "piet");
        let deadlines: Vec<_> = first
            .iter()
            .chain(&second)
            .map(|z| z.deadline.clone())
            .collect();
        let dated = deadlines.iter().take_while(|d| d.is_some()).count();
        assert_eq!(dated, 135, "undated zaken last");
        assert!(deadlines[..dated].windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(
            db.with(|c| zaken::list_page(c, Some("gesloten"), 0))
                .unwrap()
                .1,
            0
        );
    }
}
