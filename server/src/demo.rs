//! The demo organisation for `--demo`: a supervisor, two handhavers, a few zaken from
//! meldingen (seed 000), assigned, and enrollment codes, created on first start only.

use chrono::{Duration, Utc};
use veldwerk_rules::protocol::melding::{Melding, Werkproces};
use veldwerk_rules::Notice;

use crate::db::{now, Db};
use crate::devices;
use crate::error::Result;
use crate::params;
use crate::secret::random_hex;
use crate::settings::Settings;
use crate::users::{add_user, Role};
use crate::zaken::{self, NewZaak};

/// What to print after creating the demo.
#[derive(Debug, Clone)]
pub struct DemoInfo {
    pub supervisor: String,
    pub password: String,
    /// (handhaver, enrollment code)
    pub enroll_codes: Vec<(String, String)>,
    pub zaken: Vec<String>,
    pub warnings: Vec<Notice>,
}

pub const DEMO_ORGANISATION: &str = "Gemeente Demodorp";

fn melding(werkproces: Werkproces, klantmanager: &str, motivatie: &str, days_ago: i64) -> Melding {
    Melding {
        werkproces,
        regeling: "16 Key2handhaven".into(),
        aard_bijstand: "Incidenteel".into(),
        fase: 10,
        begindatum: (Utc::now() - Duration::days(days_ago)).date_naive(),
        klantmanager: klantmanager.into(),
        motivatie: motivatie.into(),
        werkvoorraad: "hand".into(),
    }
}

/// Creates the demo on an empty store; `None` when the store already has users.
pub fn ensure(db: &Db, settings: &Settings) -> Result<Option<DemoInfo>> {
    let has_users: bool = db.with(|c| {
        c.query_row("SELECT EXISTS (SELECT 1 FROM users)", params![], |r| {
            r.get(0)
        })
    })?;
    if has_users {
        return Ok(None);
    }
    let password = random_hex(8)?;
    let ttl = settings.enroll_code_ttl.as_secs() as i64;
    db.write(|tx| {
        let t = now();
        add_user(tx, "supervisor", Role::Supervisor, Some(&password), "demo", t)?;
        add_user(tx, "handhaver1", Role::Handhaver, None, "demo", t)?;
        add_user(tx, "handhaver2", Role::Handhaver, None, "demo", t)?;
        let cases = [
            ("Woonsituatie Kerkstraat", "Kerkstraat 12, Demodorp", Werkproces::H2, "A. Jansen",
             "Volgens de BRP woont cliënt alleen; post op dit adres is gericht aan een tweede volwassene (brief van 3 november) en het waterverbruik is sinds augustus verdubbeld.", 3, "handhaver1"),
            ("Verblijf buitenland", "Molenweg 4, Demodorp", Werkproces::H2, "B. de Boer",
             "Cliënt verscheen op twee afspraken niet; het bankafschrift toont pinbetalingen in het buitenland van 2 tot en met 30 oktober.", 5, "handhaver1"),
            ("Aanvraag Poort", "Havenkade 7, Demodorp", Werkproces::H6, "C. Visser",
             "Aanvrager geeft aan zelfstandig te wonen; het kadaster noemt een tweede eigenaar van de woning.", 1, "handhaver2"),
        ];
        let mut ids = Vec::new();
        let mut warnings = Vec::new();
        for (label, adres, wp, km, motivatie, days, handhaver) in cases {
            let m = melding(wp, km, motivatie, days);
            let deadline = Some(m.begindatum + Duration::days(14));
            let (z, w) = zaken::create(
                tx,
                NewZaak { id: None, label: label.into(), adres: adres.into(), melding: m, deadline },
                "demo",
                t,
            )?;
            zaken::assign(tx, &z.id, handhaver, "demo", t)?;
            warnings.extend(w);
            ids.push(z.id);
        }
        let enroll_codes = ["handhaver1", "handhaver2"]
            .into_iter()
            .map(|h| Ok((h.to_owned(), devices::issue_enroll_code(tx, h, ttl, "demo", t)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(DemoInfo {
            supervisor: "supervisor".into(),
            password: password.clone(),
            enroll_codes,
            zaken: ids,
            warnings,
        }))
    })
}

impl DemoInfo {
    /// The Dutch instructions printed on first start.
    pub fn instructions(&self, base_url: &str) -> String {
        let mut s = format!(
            "Demo-organisatie '{DEMO_ORGANISATION}' aangemaakt.\n\n\
             Aanmelden als supervisor:\n  gebruiker:  {}\n  wachtwoord: {}\n  \
             curl -X POST {base_url}/v1/session -H 'content-type: application/json' \
             -d '{{\"name\":\"{}\",\"password\":\"{}\"}}'\n\n\
             Apparaat koppelen (eenmalige codes):\n",
            self.supervisor, self.password, self.supervisor, self.password
        );
        for (h, code) in &self.enroll_codes {
            s.push_str(&format!(
                "  {h}: {code}   →  veldwerk enroll --server {base_url} --code {code}\n"
            ));
        }
        s.push_str(&format!("\nZaken: {}\n", self.zaken.join(", ")));
        for w in &self.warnings {
            s.push_str(&format!("Let op: {w}\n"));
        }
        s
    }
}
