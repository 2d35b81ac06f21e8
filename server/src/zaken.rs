//! Zaken as the server knows them before any field work: the melding handhaving (seed 000),
//! a label and address, a deadline, and which handhavers they are assigned to.
//!
//! The field record of a zaak (visits and entries) lives in its Automerge document, which the
//! sync endpoint stores; this table holds what the office decided.

use axum::http::StatusCode;
use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::json;
use veldwerk_rules::protocol::melding::Melding;
use veldwerk_rules::Notice;

use crate::audit;
use crate::error::{Error, Result};
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
pub fn create(
    conn: &Connection,
    new: NewZaak,
    actor: &str,
    now: i64,
) -> Result<(Zaak, Vec<Notice>)> {
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
            let n: i64 = conn.query_row(
                "SELECT count(*) + 1 FROM zaken WHERE id LIKE ?1",
                [format!("Z-{year}-%")],
                |r| r.get(0),
            )?;
            format!("Z-{year}-{n:04}")
        }
    };
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM zaken WHERE id = ?1)",
        [&id],
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
        "INSERT INTO zaken (id, label, adres, melding, deadline, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
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
pub fn list_page(
    conn: &Connection,
    status: Option<&str>,
    page: i64,
) -> Result<(Vec<ZaakRow>, i64)> {
    let total: i64 = conn.query_row(
        "SELECT count(*) FROM zaken WHERE ?1 IS NULL OR status = ?1",
        [status],
        |r| r.get(0),
    )?;
    // The page's ids first, so the assignee lookup and JSON extraction run for its rows only
    // (SQLite would compute them for every skipped row of the OFFSET too).
    let mut stmt = conn.prepare_cached(
        "WITH page AS (
             SELECT id, row_number() OVER (
                 ORDER BY status = 'gesloten', deadline IS NULL, deadline, id) AS n
             FROM zaken WHERE ?1 IS NULL OR status = ?1
             ORDER BY n LIMIT ?2 OFFSET ?3)
         SELECT z.id, z.label, z.adres, coalesce(json_extract(z.melding, '$.werkproces'), ''),
                z.status, z.deadline,
                coalesce((SELECT group_concat(u.name, ', ') FROM assignments a
                          JOIN users u ON u.id = a.user_id
                          WHERE a.zaak_id = z.id AND a.withdrawn_at IS NULL), '')
         FROM page JOIN zaken z ON z.id = page.id ORDER BY page.n",
    )?;
    let rows = stmt
        .query_map(
            rusqlite::params![status, PAGE_SIZE, page.max(0) * PAGE_SIZE],
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
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((rows, total))
}

/// id, label, adres, melding JSON, status, deadline, created_at.
type StoredZaak = (String, String, String, String, String, Option<String>, i64);

fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredZaak> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn build(row: StoredZaak) -> Result<Zaak> {
    let (id, label, adres, melding, status, deadline, created_at) = row;
    Ok(Zaak {
        melding: serde_json::from_str(&melding)
            .map_err(|e| Error::Data(format!("zaak {id}: {e}")))?,
        deadline: deadline
            .map(|d| {
                d.parse()
                    .map_err(|e| Error::Data(format!("zaak {id} deadline: {e}")))
            })
            .transpose()?,
        id,
        label,
        adres,
        status,
        created_at,
    })
}

const SELECT: &str =
    "SELECT z.id, z.label, z.adres, z.melding, z.status, z.deadline, z.created_at FROM zaken z";

pub fn get(conn: &Connection, id: &str) -> Result<Option<Zaak>> {
    conn.query_row(&format!("{SELECT} WHERE z.id = ?1"), [id], read)
        .optional()?
        .map(build)
        .transpose()
}

/// Assigns a zaak to a handhaver (again, if it was withdrawn).
pub fn assign(conn: &Connection, zaak_id: &str, user: &str, actor: &str, now: i64) -> Result<()> {
    if get(conn, zaak_id)?.is_none() {
        return Err(Error::not_found(
            "zaak_not_found",
            format!("Zaak '{zaak_id}' bestaat niet."),
        ));
    }
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
    conn.execute(
        "INSERT INTO assignments (zaak_id, user_id, assigned_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (zaak_id, user_id) DO UPDATE SET assigned_at = ?3, withdrawn_at = NULL",
        params![zaak_id, u.id, now],
    )?;
    audit::append(
        conn,
        now,
        actor,
        "zaak_assigned",
        &json!({ "zaak": zaak_id, "user": user }),
    )?;
    Ok(())
}

/// Whether the zaak was ever assigned to the user (withdrawn or closed since, perhaps).
pub fn was_assigned(conn: &Connection, zaak_id: &str, user_id: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM assignments WHERE zaak_id = ?1 AND user_id = ?2")?
        .query_row(params![zaak_id, user_id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// The open zaken currently assigned to a user.
pub fn assigned_to(conn: &Connection, user_id: i64) -> Result<Vec<Zaak>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} JOIN assignments a ON a.zaak_id = z.id
         WHERE a.user_id = ?1 AND a.withdrawn_at IS NULL AND z.status = 'open' ORDER BY z.id"
    ))?;
    let rows = stmt
        .query_map([user_id], read)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
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
