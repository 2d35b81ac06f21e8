//! Signals as the office receives them (seed 001 bijlage 1; fraud reports of seed 002 §6):
//! registered with their kind, channel, receipt and client, given the deadline of their kind's
//! termijn, and assessed: no further action (with a reason), a written or oral investigation,
//! or a melding handhaving (seed 000) that becomes a zaak keeping the signals behind it.

use axum::http::StatusCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;
use veldwerk_rules::protocol::grondslag::{BronSoort, Feit};
use veldwerk_rules::signalen::{Signaaltabel, TIP};
use veldwerk_rules::Notice;

use crate::audit;
use crate::db::{Row, Tx};
use crate::error::{Error, Result};
use crate::params;
use crate::zaken::{self, NewZaak};

/// Longest client reference (the case system's number, not a name) in characters.
pub const MAX_CLIENT_CHARS: usize = 64;
/// Longest description of the facts in characters.
pub const MAX_FEITEN_CHARS: usize = 4000;
/// Longest contact detail of a reporter, team or handhaver name, in characters.
pub const MAX_SHORT_CHARS: usize = 200;

/// How a signal reached the office: the sources of seed 001 bijlage 1 ("ROF", "bestandsvergelijking",
/// "informatie van derden") and the fraud-report channels of seed 002 §6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kanaal {
    Rof,
    Bestandsvergelijking,
    Klantcontact,
    Webformulier,
    Mail,
    Telefoon,
    Brief,
}

impl Kanaal {
    pub const ALL: [Kanaal; 7] = [
        Kanaal::Rof,
        Kanaal::Bestandsvergelijking,
        Kanaal::Klantcontact,
        Kanaal::Webformulier,
        Kanaal::Mail,
        Kanaal::Telefoon,
        Kanaal::Brief,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Kanaal::Rof => "rof",
            Kanaal::Bestandsvergelijking => "bestandsvergelijking",
            Kanaal::Klantcontact => "klantcontact",
            Kanaal::Webformulier => "webformulier",
            Kanaal::Mail => "mail",
            Kanaal::Telefoon => "telefoon",
            Kanaal::Brief => "brief",
        }
    }

    pub fn parse(s: &str) -> Option<Kanaal> {
        Kanaal::ALL.into_iter().find(|k| k.id() == s)
    }

    /// The channel in Dutch, as the console shows it.
    pub fn woord(self) -> &'static str {
        match self {
            Kanaal::Rof => "Regionaal overleg fraude (ROF)",
            Kanaal::Bestandsvergelijking => "Bestandsvergelijking",
            Kanaal::Klantcontact => "Klantcontact",
            Kanaal::Webformulier => "Webformulier (melden)",
            Kanaal::Mail => "E-mail",
            Kanaal::Telefoon => "Telefoon",
            Kanaal::Brief => "Brief",
        }
    }
}

/// A signal to register.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewSignaal {
    pub soort: String,
    #[serde(default)]
    pub kanaal: Option<Kanaal>,
    pub ontvangen: Option<NaiveDate>,
    #[serde(default)]
    pub client: String,
    #[serde(default)]
    pub feiten: String,
    /// A report whose reporter is not known (seed 002 §6: "anoniem of op naam").
    #[serde(default)]
    pub anoniem: bool,
    #[serde(default)]
    pub melder_contact: Option<String>,
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub handhaver: Option<String>,
}

/// How a signal was assessed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "soort", rename_all = "snake_case")]
pub enum Beoordeling {
    /// No further action, and why.
    GeenActie { reden: String },
    /// A written investigation.
    Schriftelijk,
    /// An oral investigation (a conversation with the client).
    Mondeling,
    /// A melding handhaving: the zaak it became.
    Melding { zaak: String },
}

impl Beoordeling {
    /// The assessment in Dutch, as the console shows it.
    pub fn woord(&self) -> &'static str {
        match self {
            Beoordeling::GeenActie { .. } => "Geen verdere actie",
            Beoordeling::Schriftelijk => "Schriftelijk onderzoek",
            Beoordeling::Mondeling => "Mondeling onderzoek",
            Beoordeling::Melding { .. } => "Melding handhaving",
        }
    }

    pub fn id(&self) -> &'static str {
        match self {
            Beoordeling::GeenActie { .. } => "geen_actie",
            Beoordeling::Schriftelijk => "schriftelijk",
            Beoordeling::Mondeling => "mondeling",
            Beoordeling::Melding { .. } => "melding",
        }
    }
}

/// A stored signal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signaal {
    pub id: i64,
    pub soort: String,
    pub kanaal: String,
    pub ontvangen: NaiveDate,
    /// The last day of the termijn; `None` for kinds without one.
    pub deadline: Option<NaiveDate>,
    pub client: String,
    pub feiten: String,
    pub anoniem: bool,
    pub melder_contact: Option<String>,
    pub team: String,
    pub handhaver: Option<String>,
    pub beoordeling: Option<Beoordeling>,
    pub created_at: i64,
}

/// The organisation's signal table: seed 001 with its stored termijn overrides.
pub fn tabel(conn: &Tx<'_>) -> Result<Signaaltabel> {
    let toml: Option<String> = conn.query_opt(
        "SELECT termijnen_toml FROM organisation WHERE id = 1",
        params![],
        |r| r.get(0),
    )?;
    match toml.filter(|t| !t.trim().is_empty()) {
        None => Ok(Signaaltabel::seed()),
        Some(t) => Signaaltabel::with_termijnen(&t).map_err(|e| Error::Data(e.to_string())),
    }
}

/// Store the organisation's termijnen (checked first; refused with every problem's line).
pub fn set_termijnen(conn: &Tx<'_>, toml: &str, actor: &str, now: i64) -> Result<Signaaltabel> {
    let t = Signaaltabel::with_termijnen(toml).map_err(|e| {
        let code = e.0.first().map_or("termijn_invalid", |f| f.code());
        Error::bad_request(code, e.to_string())
    })?;
    conn.execute(
        "UPDATE organisation SET termijnen_toml = ?1 WHERE id = 1",
        params![toml],
    )?;
    audit::append(conn, now, actor, "termijnen_set", &json!({}))?;
    Ok(t)
}

fn bounded(what: &str, text: &str, max: usize, multiline: bool) -> Result<()> {
    let bad_char = text
        .chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\r')));
    if text.chars().count() > max || bad_char {
        return Err(Error::bad_request(
            "signaal_text_invalid",
            format!("{what} mag hoogstens {max} tekens lang zijn en geen stuurtekens bevatten."),
        ));
    }
    Ok(())
}

/// Registers a signal and gives it its deadline.
pub fn register(conn: &Tx<'_>, new: &NewSignaal, actor: &str, now: i64) -> Result<Signaal> {
    let tabel = tabel(conn)?;
    let Some(soort) = tabel.get(new.soort.trim()) else {
        return Err(Error::bad_request(
            "signaal_soort_unknown",
            format!(
                "Onbekende signaalsoort '{}'; zie 'veldwerk-server signaal soorten'.",
                new.soort
            ),
        ));
    };
    let Some(ontvangen) = new.ontvangen else {
        return Err(Error::bad_request(
            "signaal_ontvangen_missing",
            "Geef de datum van ontvangst (JJJJ-MM-DD).",
        ));
    };
    bounded("Het cliëntnummer", &new.client, MAX_CLIENT_CHARS, false)?;
    bounded("De feiten", &new.feiten, MAX_FEITEN_CHARS, true)?;
    bounded("Het team", &new.team, MAX_SHORT_CHARS, false)?;
    if let Some(c) = &new.melder_contact {
        bounded("Het contactgegeven", c, MAX_SHORT_CHARS, false)?;
    }
    if let Some(h) = &new.handhaver {
        bounded("De handhaver", h, MAX_SHORT_CHARS, false)?;
    }
    let deadline = soort.deadline(ontvangen);
    let kanaal = new.kanaal.unwrap_or(Kanaal::Klantcontact);
    let contact = new
        .melder_contact
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let id = conn.insert_returning_id(
        "INSERT INTO signalen (soort, kanaal, ontvangen, deadline, client, feiten, anoniem, \
         melder_contact, team, handhaver, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            soort.id,
            kanaal.id(),
            ontvangen.to_string(),
            deadline.map(|d| d.to_string()),
            new.client.trim(),
            new.feiten.trim(),
            new.anoniem,
            contact,
            new.team.trim(),
            new.handhaver
                .as_deref()
                .map(str::trim)
                .filter(|h| !h.is_empty()),
            now
        ],
    )?;
    audit::append(
        conn,
        now,
        actor,
        "signaal_registered",
        &json!({ "signaal": id, "soort": soort.id }),
    )?;
    get(conn, id)?.ok_or_else(|| Error::Data("registered signal vanished".into()))
}

/// A report through the public form `/melden` (seed 002 §6): a signal of kind tip, received
/// today, anonymous unless the reporter left contact details.
pub fn register_melding(
    conn: &Tx<'_>,
    feiten: &str,
    client: &str,
    contact: Option<&str>,
    today: NaiveDate,
    now: i64,
) -> Result<Signaal> {
    if feiten.trim().is_empty() {
        return Err(Error::bad_request(
            "signaal_feiten_missing",
            "Beschrijf wat u heeft gezien of gehoord.",
        ));
    }
    let contact = contact.map(str::trim).filter(|c| !c.is_empty());
    let new = NewSignaal {
        soort: TIP.to_owned(),
        kanaal: Some(Kanaal::Webformulier),
        ontvangen: Some(today),
        client: client.to_owned(),
        feiten: feiten.to_owned(),
        anoniem: contact.is_none(),
        melder_contact: contact.map(str::to_owned),
        ..NewSignaal::default()
    };
    register(conn, &new, "melden", now)
}

const COLUMNS: &str = "id, soort, kanaal, ontvangen, deadline, client, feiten, anoniem, \
    melder_contact, team, handhaver, beoordeling, beoordeling_reden, zaak_id, created_at";

fn date(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|s| s.parse().ok())
}

fn from_row(r: &Row<'_>) -> Result<Signaal> {
    let beoordeling: Option<String> = r.get(11)?;
    let reden: Option<String> = r.get(12)?;
    let zaak: Option<String> = r.get(13)?;
    let beoordeling = match beoordeling.as_deref() {
        Some("geen_actie") => Some(Beoordeling::GeenActie {
            reden: reden.unwrap_or_default(),
        }),
        Some("schriftelijk") => Some(Beoordeling::Schriftelijk),
        Some("mondeling") => Some(Beoordeling::Mondeling),
        Some("melding") => Some(Beoordeling::Melding {
            zaak: zaak.unwrap_or_default(),
        }),
        _ => None,
    };
    Ok(Signaal {
        id: r.get(0)?,
        soort: r.get(1)?,
        kanaal: r.get(2)?,
        ontvangen: date(r.get(3)?).unwrap_or_default(),
        deadline: date(r.get(4)?),
        client: r.get(5)?,
        feiten: r.get(6)?,
        anoniem: r.get(7)?,
        melder_contact: r.get(8)?,
        team: r.get(9)?,
        handhaver: r.get(10)?,
        beoordeling,
        created_at: r.get(14)?,
    })
}

pub fn get(conn: &Tx<'_>, id: i64) -> Result<Option<Signaal>> {
    conn.query_opt(
        &format!("SELECT {COLUMNS} FROM signalen WHERE id = ?1"),
        params![id],
        from_row,
    )
}

/// Signals not yet assessed, by deadline (those without a termijn first: act at once).
pub fn open(conn: &Tx<'_>) -> Result<Vec<Signaal>> {
    conn.query_map(
        &format!(
            "SELECT {COLUMNS} FROM signalen WHERE beoordeling IS NULL \
             ORDER BY deadline IS NOT NULL, deadline, id"
        ),
        params![],
        from_row,
    )
}

/// The signals that led to a zaak.
pub fn of_zaak(conn: &Tx<'_>, zaak_id: &str) -> Result<Vec<Signaal>> {
    conn.query_map(
        &format!("SELECT {COLUMNS} FROM signalen WHERE zaak_id = ?1 ORDER BY id"),
        params![zaak_id],
        from_row,
    )
}

/// A zaak's signals as facts a grondslag can cite, each with the kind of source it is: a tip
/// without a known reporter is an anonymous melding, which alone is no concrete aanwijzing
/// (seed 001 Protocol §1; seed 002 §6).
pub fn feiten(conn: &Tx<'_>, zaak_id: &str) -> Result<Vec<Feit>> {
    Ok(als_feiten(&of_zaak(conn, zaak_id)?))
}

/// Signals already read, as the facts [`feiten`] gives.
pub fn als_feiten(signals: &[Signaal]) -> Vec<Feit> {
    signals
        .iter()
        .map(|s| Feit {
            omschrijving: if s.feiten.is_empty() {
                format!("Signaal {} ({}), ontvangen {}", s.id, s.soort, s.ontvangen)
            } else {
                format!("Signaal {} ({}): {}", s.id, s.soort, s.feiten)
            },
            bron: bron(s),
        })
        .collect()
}

fn bron(s: &Signaal) -> BronSoort {
    match (s.soort.as_str(), s.kanaal.as_str()) {
        (TIP, _) if s.anoniem => BronSoort::AnoniemeMelding,
        (TIP, _) => BronSoort::MeldingOpNaam,
        ("inlichtingenbureau_klantmanager" | "inlichtingenbureau_administratie", _) => {
            BronSoort::IbSignaal
        }
        (_, "bestandsvergelijking") => BronSoort::Register,
        _ => BronSoort::Dossier,
    }
}

fn unassessed(conn: &Tx<'_>, id: i64) -> Result<Signaal> {
    let s = get(conn, id)?.ok_or_else(|| {
        Error::not_found("signaal_not_found", format!("Signaal {id} bestaat niet."))
    })?;
    if s.beoordeling.is_some() {
        return Err(Error::refused(
            StatusCode::CONFLICT,
            "signaal_assessed",
            format!("Signaal {id} is al beoordeeld."),
        ));
    }
    Ok(s)
}

/// Assess a signal without a melding: no further action (a reason is required), or a written
/// or oral investigation.
pub fn assess(conn: &Tx<'_>, id: i64, b: &Beoordeling, actor: &str, now: i64) -> Result<Signaal> {
    unassessed(conn, id)?;
    let reden = match b {
        Beoordeling::GeenActie { reden } => {
            if reden.trim().is_empty() {
                return Err(Error::bad_request(
                    "signaal_reden_missing",
                    "Geef aan waarom het signaal geen verdere actie vraagt.",
                ));
            }
            bounded("De reden", reden, MAX_FEITEN_CHARS, true)?;
            Some(reden.trim())
        }
        Beoordeling::Melding { .. } => {
            return Err(Error::bad_request(
                "signaal_melding_needs_zaak",
                "Een melding handhaving wordt een zaak: gebruik de melding met haar gegevens.",
            ))
        }
        _ => None,
    };
    conn.execute(
        "UPDATE signalen SET beoordeling = ?2, beoordeling_reden = ?3, beoordeeld_door = ?4, \
         beoordeeld_at = ?5 WHERE id = ?1",
        params![id, b.id(), reden, actor, now],
    )?;
    audit::append(
        conn,
        now,
        actor,
        "signaal_assessed",
        &json!({ "signaal": id, "beoordeling": b.id() }),
    )?;
    get(conn, id)?.ok_or_else(|| Error::Data("assessed signal vanished".into()))
}

/// Assess signals into a melding handhaving (seed 000): the zaak is created with the earliest
/// deadline of the signals unless one is given, and keeps the signals that led to it.
pub fn into_melding(
    conn: &Tx<'_>,
    ids: &[i64],
    mut new: NewZaak,
    actor: &str,
    now: i64,
) -> Result<(zaken::Zaak, Vec<Notice>)> {
    if ids.is_empty() || ids.len() > 100 {
        return Err(Error::bad_request(
            "signaal_ids_invalid",
            "Noem 1 tot 100 signalen voor de melding.",
        ));
    }
    let mut signals = Vec::new();
    for id in ids {
        signals.push(unassessed(conn, *id)?);
    }
    if new.deadline.is_none() {
        new.deadline = signals
            .iter()
            .filter_map(|s| s.deadline)
            .min()
            .filter(|d| *d >= new.melding.begindatum);
    }
    let (zaak, warnings) = zaken::create(conn, new, actor, now)?;
    for s in &signals {
        conn.execute(
            "UPDATE signalen SET beoordeling = 'melding', zaak_id = ?2, beoordeeld_door = ?3, \
             beoordeeld_at = ?4 WHERE id = ?1",
            params![s.id, zaak.id, actor, now],
        )?;
        audit::append(
            conn,
            now,
            actor,
            "signaal_assessed",
            &json!({ "signaal": s.id, "beoordeling": "melding", "zaak": zaak.id }),
        )?;
    }
    Ok((zaak, warnings))
}
