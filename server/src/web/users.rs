//! User management, for admins only: who may use Veldwerk, in which role, whether they may
//! still sign in, and a new password when one is lost. Every change is one audited call in
//! `users` (`set_disabled`, `reset_password`, `change_role`, `add_user`); a new or reset
//! password is shown once, on the answer to the POST (not cached), and only its hash is kept.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{self, csrf_field, plural, role_name, time};
use super::signin::Nothing;
use super::{done, no_store, refusal, Console, CsrfForm, Flash};
use crate::db::now;
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::users::{self, Role, SessionInfo, UserRow};

/// Every role, in the order the forms offer them.
const ROLES: [Role; 3] = [Role::Handhaver, Role::Supervisor, Role::Admin];

/// Supervisors may not manage users: a page or form of this module for anyone but an admin
/// is refused with `forbidden_role`.
fn admin_only(s: &SessionInfo) -> Option<Response> {
    (s.user.role != Role::Admin).then(|| {
        refusal(
            StatusCode::FORBIDDEN,
            "forbidden_role",
            "Alleen een beheerder kan gebruikers beheren.",
            Some(s),
        )
    })
}

fn role_options(selected: Option<Role>) -> Markup {
    html! {
        @for r in ROLES {
            option value=(r.as_str()) selected[selected == Some(r)] { (role_name(r)) }
        }
    }
}

fn status(u: &UserRow, t: i64) -> Markup {
    html! {
        @if let Some(at) = u.disabled_at {
            span.tag.revoked { "Uitgeschakeld" } br; span.muted { "sinds " (time(at)) }
        } @else if u.is_locked(t) {
            span.tag.warn { "Geblokkeerd" } br;
            span.muted { "na mislukte aanmeldpogingen, tot " (time(u.locked_until.unwrap_or(t))) }
        } @else {
            span.tag.ok { "Actief" }
        }
    }
}

fn row(s: &SessionInfo, u: &UserRow, t: i64) -> Markup {
    let own = u.name == s.user.name;
    let base = format!("/gebruikers/{}", u.name);
    html! {
        tr id={ "gebruiker-" (u.name) } class={ @if u.disabled_at.is_some() { "revoked" } } {
            th scope="row" { (u.name) @if own { " " span.muted { "(uzelf)" } } }
            td { (role_name(u.role)) }
            td { (status(u, t)) }
            td { (plural(u.devices, "apparaat", "apparaten")) }
            td {
                @match u.last_signin_at {
                    Some(at) => { (time(at)) }
                    None => { span.muted { "nog niet bekend" } }
                }
            }
            td.actions-cell {
                @if !own {
                    form method="post" action={ (base) "/rol" } {
                        (csrf_field(s))
                        label.sr for={ "rol-" (u.name) } { "Nieuwe rol voor " (u.name) }
                        select id={ "rol-" (u.name) } name="role" { (role_options(Some(u.role))) }
                        " "
                        button type="submit" class="secondary" { "Rol wijzigen" span.sr { " van " (u.name) } }
                    }
                    @if u.disabled_at.is_some() {
                        form method="post" action={ (base) "/inschakelen" } {
                            (csrf_field(s))
                            button type="submit" { "Inschakelen" span.sr { " " (u.name) } }
                        }
                    } @else {
                        form method="post" action={ (base) "/uitschakelen" } {
                            (csrf_field(s))
                            button type="submit" class="danger" { "Uitschakelen" span.sr { " " (u.name) } }
                        }
                    }
                }
                form method="post" action={ (base) "/wachtwoord" } {
                    (csrf_field(s))
                    button type="submit" class="secondary" { "Nieuw wachtwoord" span.sr { " voor " (u.name) } }
                }
            }
        }
    }
}

fn add_form(s: &SessionInfo, f: &AddForm) -> Markup {
    let role = Role::parse(&f.role).ok();
    html! {
        form.card method="post" action="/gebruikers" {
            (csrf_field(s))
            div.field {
                label for="name" { "Gebruikersnaam" }
                input id="name" name="name" type="text" required maxlength="64"
                    pattern="[A-Za-z0-9._\\-]+" value=(f.name) aria-describedby="name-hint";
                p.muted id="name-hint" { "Letters, cijfers, '.', '-' of '_'." }
            }
            div.field {
                label for="role" { "Rol" }
                select id="role" name="role" required { (role_options(role.or(Some(Role::Handhaver)))) }
            }
            div.field {
                label for="password" { "Wachtwoord (optioneel)" }
                input id="password" name="password" type="password" autocomplete="new-password"
                    minlength="12" maxlength="1024" aria-describedby="password-hint";
                p.muted id="password-hint" { "Leeg laten: een supervisor of beheerder krijgt een gemaakt wachtwoord, dat één keer wordt getoond. Een handhaver werkt met een gekoppeld apparaat en heeft geen wachtwoord nodig." }
            }
            button type="submit" { "Gebruiker toevoegen" }
        }
    }
}

async fn list(state: &AppState) -> Result<Vec<UserRow>> {
    state.db.call(|db| db.with(users::list)).await
}

/// The whole page: a notice at the top (a refusal or a password shown once), the list and
/// the form to add a user.
async fn render(
    state: &AppState,
    s: &SessionInfo,
    flash: Option<&str>,
    notice: Option<Markup>,
    form: &AddForm,
) -> Response {
    let rows = match list(state).await {
        Ok(r) => r,
        Err(e) => return super::refusal_from(e, Some(s)),
    };
    let t = now();
    let active = rows.iter().filter(|u| u.disabled_at.is_none()).count();
    layout::page(
        "Gebruikers",
        Some(s),
        flash,
        html! {
            @if let Some(n) = notice { (n) }
            p { (plural(rows.len(), "gebruiker", "gebruikers")) ", waarvan " (active) " actief. "
                "Een uitgeschakelde gebruiker kan niet aanmelden en zijn apparaten worden bij synchronisatie geweigerd; wat zij al vastlegden blijft bewaard. Een nieuw wachtwoord beëindigt de sessies van de gebruiker en heft een blokkering op." }
            div.table-wrap {
                table.users {
                    caption { "Alle gebruikers" }
                    thead {
                        tr {
                            th scope="col" { "Naam" }
                            th scope="col" { "Rol" }
                            th scope="col" { "Status" }
                            th scope="col" { "Apparaten" }
                            th scope="col" { "Laatst aangemeld" }
                            th scope="col" { "Acties" }
                        }
                    }
                    tbody { @for u in &rows { (row(s, u, t)) } }
                }
            }
            h2 id="toevoegen" { "Gebruiker toevoegen" }
            (add_form(s, form))
        },
    )
    .into_response()
}

fn error_notice(e: &AppError) -> Markup {
    html! {
        div.notice.error role="alert" id="fout" {
            p { (e.message) }
            p.code { "Code: " code { (e.code) } }
        }
    }
}

fn password_notice(title: &str, name: &str, password: &str) -> Markup {
    html! {
        section.card.secret aria-labelledby="wachtwoord" {
            h2 id="wachtwoord" { (title) }
            p.enroll-code { output id="nieuw-wachtwoord" { (password) } }
            p { "Geef dit wachtwoord alleen aan " strong { (name) } "; deze pagina toont het maar één keer." }
        }
    }
}

/// `GET /gebruikers`.
pub async fn page(
    State(state): State<AppState>,
    Console(s): Console,
    Query(flash): Query<Flash>,
) -> Response {
    if let Some(r) = admin_only(&s) {
        return r;
    }
    render(&state, &s, flash.message(), None, &AddForm::default()).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AddForm {
    pub name: String,
    pub role: String,
    pub password: String,
}

/// After a refused change: the page again with the reason, in the refusal's status.
async fn refused(
    state: &AppState,
    s: &SessionInfo,
    e: crate::error::Error,
    form: &AddForm,
) -> Response {
    let e = AppError::from(e);
    let status = e.status;
    let mut r = render(state, s, None, Some(error_notice(&e)), form).await;
    *r.status_mut() = status;
    r
}

/// `POST /gebruikers`: adds a user; a generated password is shown this once.
pub async fn add(State(state): State<AppState>, f: CsrfForm<AddForm>) -> Response {
    let s = f.session;
    if let Some(r) = admin_only(&s) {
        return r;
    }
    let form = f.form;
    let role = match Role::parse(&form.role) {
        Ok(r) => r,
        Err(e) => return refused(&state, &s, e, &form).await,
    };
    let generated = form.password.is_empty() && role.is_supervisor();
    let password = if generated {
        match users::generate_password() {
            Ok(p) => Some(p),
            Err(e) => return refused(&state, &s, e, &form).await,
        }
    } else {
        Some(form.password.clone()).filter(|p| !p.is_empty())
    };
    let (name, actor, p) = (form.name.clone(), s.user.name.clone(), password.clone());
    let result = state
        .db
        .call(move |db| {
            db.write(|tx| users::add_user(tx, &name, role, p.as_deref(), &actor, now()))
        })
        .await;
    let user = match result {
        Ok(u) => u,
        Err(e) => return refused(&state, &s, e, &form).await,
    };
    let message = format!(
        "Gebruiker {} is toegevoegd als {}.",
        user.name,
        role_name(user.role)
    );
    let notice = html! {
        div.notice.ok role="status" { p { (message) } }
        @if let (true, Some(p)) = (generated, &password) {
            (password_notice(&format!("Wachtwoord voor {}", user.name), &user.name, p))
        }
    };
    no_store(render(&state, &s, None, Some(notice), &AddForm::default()).await)
}

/// `POST /gebruikers/{name}/uitschakelen`.
pub async fn disable(
    State(state): State<AppState>,
    Path(name): Path<String>,
    f: CsrfForm<Nothing>,
) -> Response {
    set_disabled(state, name, true, f.session).await
}

/// `POST /gebruikers/{name}/inschakelen`.
pub async fn enable(
    State(state): State<AppState>,
    Path(name): Path<String>,
    f: CsrfForm<Nothing>,
) -> Response {
    set_disabled(state, name, false, f.session).await
}

async fn set_disabled(state: AppState, name: String, disabled: bool, s: SessionInfo) -> Response {
    if let Some(r) = admin_only(&s) {
        return r;
    }
    let actor = s.user.name.clone();
    match state
        .db
        .call(move |db| db.write(|tx| users::set_disabled(tx, &name, disabled, &actor, now())))
        .await
    {
        Ok(_) if disabled => done("/gebruikers", "user_disabled"),
        Ok(_) => done("/gebruikers", "user_enabled"),
        Err(e) => refused(&state, &s, e, &AddForm::default()).await,
    }
}

/// `POST /gebruikers/{name}/wachtwoord`: a new generated password, shown this once.
pub async fn reset_password(
    State(state): State<AppState>,
    Path(name): Path<String>,
    f: CsrfForm<Nothing>,
) -> Response {
    let s = f.session;
    if let Some(r) = admin_only(&s) {
        return r;
    }
    let (n, actor) = (name.clone(), s.user.name.clone());
    let result = state
        .db
        .call(move |db| db.write(|tx| users::reset_password(tx, &n, None, &actor, now())))
        .await;
    match result {
        Ok(password) => {
            let notice = html! {
                div.notice.ok role="status" {
                    p { "Het wachtwoord van " (name) " is opnieuw ingesteld. Alle sessies van " (name) " zijn beëindigd en een blokkering is opgeheven." }
                }
                (password_notice(&format!("Nieuw wachtwoord voor {name}"), &name, &password))
            };
            no_store(render(&state, &s, None, Some(notice), &AddForm::default()).await)
        }
        Err(e) => refused(&state, &s, e, &AddForm::default()).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RoleForm {
    pub role: String,
}

/// `POST /gebruikers/{name}/rol`.
pub async fn change_role(
    State(state): State<AppState>,
    Path(name): Path<String>,
    f: CsrfForm<RoleForm>,
) -> Response {
    let s = f.session;
    if let Some(r) = admin_only(&s) {
        return r;
    }
    let role = match Role::parse(&f.form.role) {
        Ok(r) => r,
        Err(e) => return refused(&state, &s, e, &AddForm::default()).await,
    };
    let actor = s.user.name.clone();
    match state
        .db
        .call(move |db| db.write(|tx| users::change_role(tx, &name, role, &actor, now())))
        .await
    {
        Ok(_) => done("/gebruikers", "user_role_changed"),
        Err(e) => refused(&state, &s, e, &AddForm::default()).await,
    }
}
