//! Zaken as the server knows them before any field work: the melding handhaving (seed 000),
//! a label and address, a deadline, and which handhavers they are assigned to.
//!
//! The field record of a zaak (visits and entries) lives in its Automerge document, which the
//! sync endpoint stores; this table holds what the office decided.

use axum::http::StatusCode;
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use veldwerk_rules::protocol::melding::{Melding, Uitkomst};
use veldwerk_rules::Notice;

use crate::audit;
use crate::db::{Row, Serial, Tx};
use crate::error::{Error, Result};
use crate::params;
use crate::users::{find_user, Role};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Zaak {
    pub id: String,
    pub label: String,
    pub adres: String,
    pub melding: Melding,
    pub status: String,
    pub deadline: Option<NaiveDate>,
    pub created_at: i64,
    /// When anything the office decided about the zaak last changed (created, assigned,
    /// withdrawn, closed): with the document's own time, the case system's "changed since".
    pub updated_at: i64,
    /// How the zaak was closed; `None` while it is open.
    pub afsluiting: Option<Afsluiting>,
}

/// How a zaak ended (seed 000): handhaving gives the Poort an advies (H6) and Werk en Inkomen a
/// besluit (H2); which of the two follows from the melding's werkproces, never from a choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Afsluiting {
    pub soort: Uitkomst,
    /// The advies or besluit in one line, e.g. "Recht op bijstand ongewijzigd".
    pub uitkomst: String,
    /// Why, based on the facts of the visits.
    pub reden: String,
    pub door: String,
    pub at: i64,
}

/// One handhaver's assignment to a zaak, withdrawn or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Toewijzing {
    pub handhaver: String,
    pub assigned_at: i64,
    pub withdrawn_at: Option<i64>,
}

/// What `zaak create` takes.
#[derive(Debug, Clone)]
pub struct NewZaak {
    /// Left empty, an id `Z-<year>-<nnnn>` is given.
    pub id: Option<String>,
    pub label: String,
    pub adres: String,
    pub melding: Melding,
    pub deadline: Option<NaiveDate>,
}

/// The zaak's id, label and address as the zaak document's layout bounds them (they become its
/// summary, which every device shows in a terminal or an app): refused here, before any document
/// exists, rather than at every sync afterwards.
fn check_texts(new: &NewZaak) -> Result<()> {
    use veldwerk_contract::zaak::layout::{
        check_text, IdFormat, Text, MAX_LINE_BYTES, MAX_MOTIVATIE_BYTES,
    };
    if let Some(id) = new.id.as_deref().map(str::trim).filter(|id| !id.is_empty()) {
        if !IdFormat::Zaak.matches(id) {
            return Err(Error::bad_request(
                "zaak_id_invalid",
                "Een zaaknummer bestaat uit 1 tot 64 letters, cijfers, punten, streepjes of \
                 liggende streepjes (zonder spaties of tabs).",
            ));
        }
    }
    let texts = [
        (
            "De omschrijving (label)",
            new.label.as_str(),
            Text::Line(MAX_LINE_BYTES),
        ),
        ("Het adres", new.adres.as_str(), Text::Line(MAX_LINE_BYTES)),
        (
            "De motivatie",
            new.melding.motivatie.as_str(),
            Text::Paragraph(MAX_MOTIVATIE_BYTES),
        ),
    ];
    for (what, text, rule) in texts {
        if check_text(rule, text).is_err() {
            let max = match rule {
                Text::Line(max) | Text::Paragraph(max) => max,
                _ => 0,
            };
            return Err(Error::bad_request(
                "zaak_text_invalid",
                format!("{what} mag hoogstens {max} bytes lang zijn en geen stuurtekens (zoals tabs) bevatten."),
            ));
        }
    }
    Ok(())
}

fn refused_melding(reasons: Vec<Notice>) -> Error {
    let text = reasons
        .iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(" ");
    Error::refused(StatusCode::UNPROCESSABLE_ENTITY, "melding_invalid", text)
}

/// Validates the melding with core's rules and stores the zaak. Returns the zaak and the
/// (non-blocking) warnings about the motivation's wording.
pub fn create(conn: &Tx<'_>, new: NewZaak, actor: &str, now: i64) -> Result<(Zaak, Vec<Notice>)> {
    let warnings = new.melding.validate().map_err(refused_melding)?;
    check_texts(&new)?;
    if new.label.trim().is_empty() {
        return Err(Error::bad_request(
            "zaak_label_missing",
            "Geef de zaak een omschrijving (label).",
        ));
    }
    if let Some(d) = new.deadline {
        if d < new.melding.begindatum {
            return Err(Error::bad_request(
                "deadline_before_begindatum",
                "De deadline ligt vóór de begindatum van de melding.",
            ));
        }
    }
    let id = match new.id {
        Some(id) if !id.trim().is_empty() => id.trim().to_owned(),
        _ => {
            let year = new.melding.begindatum.format("%Y").to_string();
            conn.serialize(Serial::ZaakNumbers)?;
            let n: i64 = conn.query_row(
                "SELECT count(*) + 1 FROM zaken WHERE id LIKE ?1",
                params![format!("Z-{year}-%")],
                |r| r.get(0),
            )?;
            format!("Z-{year}-{n:04}")
        }
    };
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM zaken WHERE id = ?1)",
        params![&id],
        |r| r.get(0),
    )?;
    if exists {
        return Err(Error::refused(
            StatusCode::CONFLICT,
            "zaak_exists",
            format!("Zaak '{id}' bestaat al."),
        ));
    }
    let melding = serde_json::to_string(&new.melding).map_err(|e| Error::Data(e.to_string()))?;
    conn.execute(
        "INSERT INTO zaken (id, label, adres, melding, deadline, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        params![id, new.label, new.adres, melding, new.deadline.map(|d| d.to_string()), now],
    )?;
    audit::append(conn, now, actor, "zaak_created", &json!({ "zaak": id }))?;
    let zaak = get(conn, &id)?.ok_or_else(|| Error::Data("created zaak vanished".into()))?;
    Ok((zaak, warnings))
}

/// Rows per page: the list stays quick with thousands of zaken.
pub const PAGE_SIZE: i64 = 100;

/// One line of the list.
#[derive(Debug, Clone)]
pub struct ZaakRow {
    pub id: String,
    pub label: String,
    pub adres: String,
    pub werkproces: String,
    pub status: String,
    pub deadline: Option<String>,
    /// Assigned handhavers (not withdrawn), comma separated.
    pub handhavers: String,
}

/// A page of zaken, open first and then by deadline, with the total count. `status` filters
/// (`open`, `gesloten`) when given.
pub fn list_page(conn: &Tx<'_>, status: Option<&str>, page: i64) -> Result<(Vec<ZaakRow>, i64)> {
    let total: i64 = conn.query_row(
        "SELECT count(*) FROM zaken WHERE CAST(?1 AS TEXT) IS NULL OR status = ?1",
        params![status],
        |r| r.get(0),
    )?;
    // The page's ids first, so the assignee lookup and JSON extraction run for its rows only
    // (SQLite would compute them for every skipped row of the OFFSET too).
    let rows = conn.query_map(
        &format!(
            "WITH page AS (
                 SELECT id, row_number() OVER (
                     ORDER BY status = 'gesloten', deadline IS NULL, deadline, id) AS n
                 FROM zaken WHERE CAST(?1 AS TEXT) IS NULL OR status = ?1
                 ORDER BY n LIMIT ?2 OFFSET ?3)
             SELECT z.id, z.label, z.adres, coalesce({werkproces}, ''),
                    z.status, z.deadline,
                    coalesce((SELECT {names} FROM assignments a
                              JOIN users u ON u.id = a.user_id
                              WHERE a.zaak_id = z.id AND a.withdrawn_at IS NULL), '')
             FROM page JOIN zaken z ON z.id = page.id ORDER BY page.n",
            werkproces = conn.dialect().json_text("z.melding", "werkproces"),
            names = conn.dialect().joined("u.name"),
        ),
        params![status, PAGE_SIZE, page.max(0) * PAGE_SIZE],
        |r| {
            Ok(ZaakRow {
                id: r.get(0)?,
                label: r.get(1)?,
                adres: r.get(2)?,
                werkproces: r.get(3)?,
                status: r.get(4)?,
                deadline: r.get(5)?,
                handhavers: r.get(6)?,
            })
        },
    )?;
    Ok((rows, total))
}

/// A row of `zaken` as stored: the JSON of the melding and the dates still text.
struct StoredZaak {
    id: String,
    label: String,
    adres: String,
    melding: String,
    status: String,
    deadline: Option<String>,
    created_at: i64,
    updated_at: i64,
    closed_at: Option<i64>,
    closed_by: Option<String>,
    uitkomst: Option<String>,
    sluitreden: Option<String>,
}

fn read(r: &Row<'_>) -> Result<StoredZaak> {
    Ok(StoredZaak {
        id: r.get(0)?,
        label: r.get(1)?,
        adres: r.get(2)?,
        melding: r.get(3)?,
        status: r.get(4)?,
        deadline: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
        closed_at: r.get(8)?,
        closed_by: r.get(9)?,
        uitkomst: r.get(10)?,
        sluitreden: r.get(11)?,
    })
}

fn build(row: StoredZaak) -> Result<Zaak> {
    let id = row.id;
    let melding: Melding =
        serde_json::from_str(&row.melding).map_err(|e| Error::Data(format!("zaak {id}: {e}")))?;
    let afsluiting = match (row.closed_at, row.uitkomst) {
        (Some(at), Some(uitkomst)) => Some(Afsluiting {
            soort: melding.uitkomst(),
            uitkomst,
            reden: row.sluitreden.unwrap_or_default(),
            door: row.closed_by.unwrap_or_default(),
            at,
        }),
        _ => None,
    };
    Ok(Zaak {
        melding,
        deadline: row
            .deadline
            .map(|d| {
                d.parse()
                    .map_err(|e| Error::Data(format!("zaak {id} deadline: {e}")))
            })
            .transpose()?,
        id,
        label: row.label,
        adres: row.adres,
        status: row.status,
        created_at: row.created_at,
        updated_at: row.updated_at,
        afsluiting,
    })
}

const SELECT: &str = "SELECT z.id, z.label, z.adres, z.melding, z.status, z.deadline, z.created_at,
     z.updated_at, z.closed_at, z.closed_by, z.uitkomst, z.sluitreden FROM zaken z";

pub fn get(conn: &Tx<'_>, id: &str) -> Result<Option<Zaak>> {
    conn.query_opt(&format!("{SELECT} WHERE z.id = ?1"), params![id], read)?
        .map(build)
        .transpose()
}

/// Assigns a zaak to a handhaver (again, if it was withdrawn).
pub fn assign(conn: &Tx<'_>, zaak_id: &str, user: &str, actor: &str, now: i64) -> Result<()> {
    open_zaak(conn, zaak_id)?;
    let u = find_user(conn, user)?;
    if u.role != Role::Handhaver {
        return Err(Error::bad_request(
            "assign_not_handhaver",
            format!(
                "Een zaak wordt toegewezen aan een handhaver; '{user}' is {}.",
                u.role.as_str()
            ),
        ));
    }
    let disabled: Option<i64> = conn.query_row(
        "SELECT disabled_at FROM users WHERE id = ?1",
        params![u.id],
        |r| r.get(0),
    )?;
    if disabled.is_some() {
        return Err(Error::bad_request(
            "assign_user_disabled",
            format!(
                "'{user}' is uitgeschakeld; een zaak wordt toegewezen aan een actieve handhaver."
            ),
        ));
    }
    conn.execute(
        "INSERT INTO assignments (zaak_id, user_id, assigned_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (zaak_id, user_id) DO UPDATE SET assigned_at = ?3, withdrawn_at = NULL",
        params![zaak_id, u.id, now],
    )?;
    touch(conn, zaak_id, now)?;
    audit::append(
        conn,
        now,
        actor,
        "zaak_assigned",
        &json!({ "zaak": zaak_id, "user": user }),
    )?;
    Ok(())
}

/// The zaak, refused when it does not exist or is closed (a closed zaak's office data no longer
/// change: its dossier is what the advies or besluit rests on).
fn open_zaak(conn: &Tx<'_>, zaak_id: &str) -> Result<Zaak> {
    let zaak = get(conn, zaak_id)?.ok_or_else(|| {
        Error::not_found("zaak_not_found", format!("Zaak '{zaak_id}' bestaat niet."))
    })?;
    if zaak.status == "gesloten" {
        return Err(Error::refused(
            StatusCode::CONFLICT,
            "zaak_closed",
            format!("Zaak '{zaak_id}' is gesloten en kan niet meer worden gewijzigd."),
        ));
    }
    Ok(zaak)
}

fn touch(conn: &Tx<'_>, zaak_id: &str, now: i64) -> Result<()> {
    conn.execute(
        "UPDATE zaken SET updated_at = CASE WHEN updated_at > ?2 THEN updated_at ELSE ?2 END WHERE id = ?1",
        params![zaak_id, now],
    )?;
    Ok(())
}

/// Withdraws a zaak from a handhaver: at the next sync each of their devices hears it is
/// withdrawn and deletes its copy once the server holds every change of it (the evidence stays
/// on the server).
pub fn withdraw(conn: &Tx<'_>, zaak_id: &str, user: &str, actor: &str, now: i64) -> Result<()> {
    open_zaak(conn, zaak_id)?;
    let u = find_user(conn, user)?;
    let changed = conn.execute(
        "UPDATE assignments SET withdrawn_at = ?3
         WHERE zaak_id = ?1 AND user_id = ?2 AND withdrawn_at IS NULL",
        params![zaak_id, u.id, now],
    )?;
    if changed == 0 {
        return Err(Error::bad_request(
            "zaak_not_assigned",
            format!("Zaak '{zaak_id}' is niet aan '{user}' toegewezen."),
        ));
    }
    touch(conn, zaak_id, now)?;
    audit::append(
        conn,
        now,
        actor,
        "zaak_withdrawn",
        &json!({ "zaak": zaak_id, "user": user }),
    )?;
    Ok(())
}

/// What closing a zaak takes: the advies or besluit and its reason.
#[derive(Debug, Clone)]
pub struct Sluiten {
    pub uitkomst: String,
    pub reden: String,
}

/// Closes a zaak with its advies or besluit (seed 000) and a reason. Every handhaver's device
/// hears at its next sync that the zaak is withdrawn (closed zaken are assigned to no one) and
/// purges it under the retention rules once the server holds all of it; the server keeps the
/// document, so the dossier, rapport and export stay readable.
pub fn close(conn: &Tx<'_>, zaak_id: &str, s: &Sluiten, actor: &str, now: i64) -> Result<Zaak> {
    use veldwerk_contract::zaak::layout::{check_text, Text, MAX_LINE_BYTES, MAX_MOTIVATIE_BYTES};
    let zaak = open_zaak(conn, zaak_id)?;
    let soort = match zaak.melding.uitkomst() {
        Uitkomst::Advies => "het advies",
        Uitkomst::Besluit => "het besluit",
    };
    if s.uitkomst.trim().is_empty() || check_text(Text::Line(MAX_LINE_BYTES), &s.uitkomst).is_err()
    {
        return Err(Error::bad_request(
            "zaak_uitkomst_missing",
            format!("Vul {soort} in (één regel, hoogstens {MAX_LINE_BYTES} bytes)."),
        ));
    }
    if s.reden.trim().is_empty()
        || check_text(Text::Paragraph(MAX_MOTIVATIE_BYTES), &s.reden).is_err()
    {
        return Err(Error::bad_request(
            "zaak_reden_missing",
            format!(
                "Geef de reden voor {soort}, gebaseerd op de feiten (hoogstens {MAX_MOTIVATIE_BYTES} bytes)."
            ),
        ));
    }
    conn.execute(
        "UPDATE zaken SET status = 'gesloten', closed_at = ?2, closed_by = ?3, uitkomst = ?4,
                sluitreden = ?5, updated_at = CASE WHEN updated_at > ?2 THEN updated_at ELSE ?2 END
         WHERE id = ?1",
        params![zaak_id, now, actor, s.uitkomst.trim(), s.reden.trim()],
    )?;
    audit::append(
        conn,
        now,
        actor,
        "zaak_closed",
        &json!({ "zaak": zaak_id, "uitkomst": s.uitkomst.trim(), "reden": s.reden.trim() }),
    )?;
    get(conn, zaak_id)?.ok_or_else(|| Error::Data("closed zaak vanished".into()))
}

/// Every handhaver the zaak was ever assigned to, current ones first.
pub fn toewijzingen(conn: &Tx<'_>, zaak_id: &str) -> Result<Vec<Toewijzing>> {
    let rows = conn.query_map(
        "SELECT u.name, a.assigned_at, a.withdrawn_at FROM assignments a
         JOIN users u ON u.id = a.user_id WHERE a.zaak_id = ?1
         ORDER BY a.withdrawn_at IS NOT NULL, u.name",
        params![zaak_id],
        |r| {
            Ok(Toewijzing {
                handhaver: r.get(0)?,
                assigned_at: r.get(1)?,
                withdrawn_at: r.get(2)?,
            })
        },
    )?;
    Ok(rows)
}

/// Zaken for the case system, oldest change first: by status when given, and only those whose
/// office data or document changed at or after `since` (seconds) when given. At most `limit`.
pub fn changed_since(
    conn: &Tx<'_>,
    status: Option<&str>,
    since: Option<i64>,
    limit: i64,
) -> Result<Vec<(Zaak, i64)>> {
    let rows = conn.query_map(
        &format!(
            "SELECT * FROM (
           {SELECT_CHANGED}
         ) AS changed
         WHERE (CAST(?1 AS TEXT) IS NULL OR status = ?1)
           AND (CAST(?2 AS BIGINT) IS NULL OR changed_at >= ?2)
         ORDER BY changed_at, id LIMIT ?3"
        ),
        params![status, since, limit],
        |r| Ok((read(r)?, r.get::<i64>(12)?)),
    )?;
    rows.into_iter()
        .map(|(z, changed)| Ok((build(z)?, changed)))
        .collect()
}

/// When the zaak's office data or its document last changed (seconds).
pub fn changed_at(conn: &Tx<'_>, zaak_id: &str) -> Result<i64> {
    Ok(conn
        .query_opt(
            &format!("SELECT changed_at FROM ({SELECT_CHANGED}) AS changed WHERE id = ?1"),
            params![zaak_id],
            |r| r.get(0),
        )?
        .unwrap_or(0))
}

/// [`SELECT`]'s columns plus `changed_at`: the later of the office data's and the document's
/// last change.
const SELECT_CHANGED: &str = "SELECT z.id, z.label, z.adres, z.melding, z.status, z.deadline,
     z.created_at, z.updated_at, z.closed_at, z.closed_by, z.uitkomst, z.sluitreden,
     CASE WHEN z.updated_at > coalesce(d.updated_at, 0) THEN z.updated_at
          ELSE coalesce(d.updated_at, 0) END AS changed_at
     FROM zaken z LEFT JOIN zaak_docs d ON d.zaak_id = z.id";

/// Whether the zaak was ever assigned to the user (withdrawn or closed since, perhaps).
pub fn was_assigned(conn: &Tx<'_>, zaak_id: &str, user_id: i64) -> Result<bool> {
    Ok(conn
        .query_opt(
            "SELECT 1 FROM assignments WHERE zaak_id = ?1 AND user_id = ?2",
            params![zaak_id, user_id],
            |_| Ok(()),
        )?
        .is_some())
}

/// The open zaken currently assigned to a user.
pub fn assigned_to(conn: &Tx<'_>, user_id: i64) -> Result<Vec<Zaak>> {
    let rows = conn.query_map(
        &format!(
            "{SELECT} JOIN assignments a ON a.zaak_id = z.id
         WHERE a.user_id = ?1 AND a.withdrawn_at IS NULL AND z.status = 'open' ORDER BY z.id"
        ),
        params![user_id],
        read,
    )?;
    rows.into_iter().map(build).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use crate::users::add_user;
    use veldwerk_rules::protocol::melding::Werkproces;

    pub fn melding(motivatie: &str) -> Melding {
        Melding {
            werkproces: Werkproces::H2,
            regeling: "16 Key2handhaven".into(),
            aard_bijstand: "Incidenteel".into(),
            fase: 10,
            begindatum: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            klantmanager: "J. de Vries".into(),
            motivatie: motivatie.into(),
            werkvoorraad: "hand".into(),
        }
    }

    /// Zaken created through two instances at the same moment (issue 18 §2) each get their own
    /// number of the year.
    #[test]
    fn zaken_created_through_several_instances_at_once_get_distinct_numbers() {
        let store = crate::db::TestStore::new();
        let first = store.open();
        crate::setup::ensure_organisation(&first, "Gemeente Test").unwrap();
        let instances: Vec<Db> = (0..2).map(|_| store.open()).collect();
        let made = std::sync::Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for db in &instances {
                for _ in 0..2 {
                    let made = &made;
                    s.spawn(move || {
                        for _ in 0..5 {
                            let new = NewZaak {
                                id: None,
                                label: "Woonsituatie".into(),
                                adres: "Dorpsstraat 1".into(),
                                melding: melding("Post op adres gericht aan een tweede persoon."),
                                deadline: None,
                            };
                            let (z, _) = db.write(|tx| create(tx, new, "admin", 0)).unwrap();
                            made.lock().unwrap().push(z.id);
                        }
                    });
                }
            }
        });
        let mut ids = made.into_inner().unwrap();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 2 * 2 * 5);
        assert_eq!(ids.last().map(String::as_str), Some("Z-2026-0020"));
    }

    #[test]
    fn create_validates_numbers_ids_and_assigns() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        db.with(|c| {
            let bad = NewZaak {
                id: None,
                label: "x".into(),
                adres: "Dorpsstraat 1".into(),
                melding: melding(" "),
                deadline: None,
            };
            assert_eq!(
                create(c, bad, "admin", 0).unwrap_err().code(),
                "melding_invalid"
            );
            let good = NewZaak {
                id: None,
                label: "Woonsituatie".into(),
                adres: "Dorpsstraat 1".into(),
                melding: melding(
                    "Post op adres gericht aan een tweede persoon, bevestigd door BRP.",
                ),
                deadline: NaiveDate::from_ymd_opt(2026, 12, 4),
            };
            let (z, _warnings) = create(c, good.clone(), "admin", 0)?;
            assert_eq!(z.id, "Z-2026-0001");
            assert_eq!(create(c, good, "admin", 0)?.0.id, "Z-2026-0002");
            let h = add_user(c, "piet", Role::Handhaver, None, "admin", 0)?;
            assign(c, &z.id, "piet", "admin", 1)?;
            assert_eq!(assigned_to(c, h.id)?.len(), 1);
            assert_eq!(
                assign(c, "Z-nope", "piet", "admin", 1).unwrap_err().code(),
                "zaak_not_found"
            );
            Ok(())
        })
        .unwrap();
    }

    /// Issue 13, "Smaller": zaak ids with tabs or 129 characters, and labels or addresses with
    /// control characters, are refused before a document exists.
    #[test]
    fn ids_and_texts_that_would_break_the_document_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        db.with(|c| {
            let zaak = |id: &str, label: &str, adres: &str| NewZaak {
                id: Some(id.into()),
                label: label.into(),
                adres: adres.into(),
                melding: melding(
                    "Post op adres gericht aan een tweede persoon, bevestigd door BRP.",
                ),
                deadline: None,
            };
            for id in ["Z\t1", &"Z".repeat(129), "Z 1", "Z/1", "Zaak\u{1b}[2J"] {
                let err =
                    create(c, zaak(id, "Woonsituatie", "Dorpsstraat 1"), "admin", 0).unwrap_err();
                assert_eq!(err.code(), "zaak_id_invalid", "{id:?}");
            }
            let err = create(
                c,
                zaak("Z-1", "Zaak \u{1b}[31mrood", "Dorpsstraat 1"),
                "admin",
                0,
            )
            .unwrap_err();
            assert_eq!(err.code(), "zaak_text_invalid");
            let err =
                create(c, zaak("Z-1", "Woonsituatie", "Dorpsstraat\t1"), "admin", 0).unwrap_err();
            assert_eq!(err.code(), "zaak_text_invalid");
            assert_eq!(
                create(
                    c,
                    zaak("Z-2026.01_a", "Woonsituatie", "Dorpsstraat 1"),
                    "admin",
                    0
                )?
                .0
                .id,
                "Z-2026.01_a"
            );
            Ok(())
        })
        .unwrap();
    }
}
