//! Every audit event in Dutch words, for the history page: a reader sees "Zaak Z-2026-0001
//! toegewezen aan piet", not `zaak_assigned {"zaak":…}`. The action's code stays beside it as a
//! small machine-readable detail. [`ACTIONS`] lists every action the server writes; a test
//! reads the sources and fails when one is written that has no description here.

use serde_json::Value;
use veldwerk_rules::routekaart::Code;

use super::layout::{code_name, role_name, time};
use crate::audit::AuditRow;
use crate::users::Role;

/// Every audit action the server writes (`audit::append(…)` across `server/src`), and the ones
/// the zaak lifecycle writes (closing a zaak, withdrawing it from a handhaver).
pub const ACTIONS: &[&str] = &[
    "organisation_created",
    "user_added",
    "user_disabled",
    "user_enabled",
    "user_password_reset",
    "user_role_changed",
    "account_locked",
    "enroll_code_issued",
    "device_enrolled",
    "device_revoked",
    "flag_resolved",
    "code_switched",
    "zaak_created",
    "zaak_assigned",
    "zaak_withdrawn",
    "zaak_closed",
    "visit_received",
    "signaal_registered",
    "signaal_assessed",
    "termijnen_set",
    "heronderzoeken_imported",
    "vragenlijst_set",
    "toestemmingsteksten_set",
    "app_sessie_started",
    "app_sessie_bound",
    "app_sessie_ended",
];

/// One audit row in words: a sentence and its details, each a Dutch label with a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description {
    pub title: String,
    pub details: Vec<(&'static str, String)>,
    /// Whether the action is one of [`ACTIONS`]; an unknown one (from a newer server, or a
    /// damaged row) is still shown, by its code.
    pub known: bool,
}

/// The details of a row, parsed; a row whose details are not a JSON object has none.
struct Details(Value);

impl Details {
    fn of(row: &AuditRow) -> Self {
        Details(serde_json::from_str(&row.details).unwrap_or(Value::Null))
    }

    /// A detail as text; numbers as written; absent or empty as `None`.
    fn text(&self, key: &str) -> Option<String> {
        match self.0.get(key)? {
            Value::String(s) if s.trim().is_empty() => None,
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(true) => Some("ja".to_owned()),
            Value::Bool(false) => Some("nee".to_owned()),
            _ => None,
        }
    }

    /// A detail as text, or "onbekend" in the sentence when a row lacks it.
    fn or_unknown(&self, key: &str) -> String {
        self.text(key).unwrap_or_else(|| "(onbekend)".to_owned())
    }

    /// A time detail (seconds since the epoch) in Amsterdam time.
    fn time(&self, key: &str) -> Option<String> {
        self.0.get(key)?.as_i64().map(time)
    }

    /// A role detail in Dutch.
    fn role(&self, key: &str) -> String {
        self.text(key)
            .and_then(|r| Role::parse(&r).ok())
            .map(role_name)
            .unwrap_or("(onbekende rol)")
            .to_owned()
    }

    /// A key in hex, shortened: enough to recognise, the whole key is in the row.
    fn key(&self, key: &str) -> Option<String> {
        self.text(key).map(|k| match k.get(..16) {
            Some(head) if k.len() > 16 => format!("{head}…"),
            _ => k,
        })
    }
}

/// How a zaak ended, in words (seed 000: Poort advises, W&I decides).
fn uitkomst(u: &str) -> String {
    match u {
        "advies" => "advies (Poort)".to_owned(),
        "besluit" => "besluit (W&I)".to_owned(),
        other => other.to_owned(),
    }
}

/// The Dutch sentence and details of one audit row.
pub fn describe(row: &AuditRow) -> Description {
    let d = Details::of(row);
    let mut details: Vec<(&'static str, Option<String>)> = Vec::new();
    let title = match row.action.as_str() {
        "organisation_created" => {
            details.push(("Sleutel van de organisatie", d.key("public_key")));
            format!("Organisatie {} ingericht", d.or_unknown("name"))
        }
        "user_added" => format!(
            "Gebruiker {} toegevoegd als {}",
            d.or_unknown("name"),
            d.role("role")
        ),
        "user_disabled" => {
            details.push((
                "Gevolg",
                Some("kan niet meer aanmelden; sessies beëindigd; apparaten worden bij synchronisatie geweigerd".to_owned()),
            ));
            format!("Gebruiker {} uitgeschakeld", d.or_unknown("name"))
        }
        "user_enabled" => format!("Gebruiker {} weer ingeschakeld", d.or_unknown("name")),
        "user_password_reset" => {
            details.push((
                "Gevolg",
                Some("sessies beëindigd, blokkering opgeheven".to_owned()),
            ));
            format!("Nieuw wachtwoord voor {}", d.or_unknown("name"))
        }
        "user_role_changed" => format!(
            "Rol van {} gewijzigd van {} naar {}",
            d.or_unknown("name"),
            d.role("from"),
            d.role("to")
        ),
        "account_locked" => {
            details.push(("Geblokkeerd tot", d.time("until")));
            "Account geblokkeerd na te veel mislukte aanmeldpogingen".to_owned()
        }
        "enroll_code_issued" => {
            details.push(("Geldig tot", d.time("expires_at")));
            format!("Koppelcode gemaakt voor {}", d.or_unknown("user"))
        }
        "device_enrolled" => {
            details.push(("Sleutel van het apparaat", d.key("public_key")));
            format!("Apparaat {} gekoppeld", d.or_unknown("device"))
        }
        "device_revoked" => {
            details.push(("Van handhaver", d.text("user")));
            format!("Apparaat {} ingetrokken", d.or_unknown("device"))
        }
        "flag_resolved" => {
            details.push(("Afhandeling", d.text("resolution")));
            format!("Signalering {} afgehandeld", d.or_unknown("flag"))
        }
        "code_switched" => {
            details.push(("Reden", d.text("reason")));
            details.push(("Beleidsversie", d.text("policy_version")));
            match d.text("code").and_then(|c| c.parse::<Code>().ok()) {
                Some(c) => format!("Gewisseld naar {}", code_name(c)),
                None => "Code gewisseld".to_owned(),
            }
        }
        "zaak_created" => format!("Zaak {} aangemaakt", d.or_unknown("zaak")),
        "zaak_assigned" => format!(
            "Zaak {} toegewezen aan {}",
            d.or_unknown("zaak"),
            d.or_unknown("user")
        ),
        "zaak_withdrawn" => {
            details.push(("Reden", d.text("reden")));
            format!(
                "Zaak {} ingetrokken bij {}",
                d.or_unknown("zaak"),
                d.or_unknown("user")
            )
        }
        "visit_received" => {
            details.push(("Apparaat", d.text("device")));
            format!(
                "Bezoek {} van zaak {} ontvangen",
                d.or_unknown("bezoek"),
                d.or_unknown("zaak")
            )
        }
        "zaak_closed" => {
            details.push(("Uitkomst", d.text("uitkomst").map(|u| uitkomst(&u))));
            details.push(("Reden", d.text("reden")));
            format!("Zaak {} afgesloten", d.or_unknown("zaak"))
        }
        "signaal_registered" => {
            details.push(("Soort", d.text("soort")));
            format!("Signaal {} geregistreerd", d.or_unknown("signaal"))
        }
        "signaal_assessed" => {
            details.push(("Beoordeling", d.text("beoordeling")));
            details.push(("Zaak", d.text("zaak")));
            format!("Signaal {} beoordeeld", d.or_unknown("signaal"))
        }
        "termijnen_set" => "Signaaltermijnen van de organisatie ingesteld".to_owned(),
        "app_sessie_started" => format!(
            "Sessie op de telefoon van de cliënt gestart voor zaak {} (bezoek {})",
            d.or_unknown("zaak_id"),
            d.or_unknown("bezoek")
        ),
        "app_sessie_bound" => format!(
            "De cliënt vulde de juiste code in; de sleutel van de telefoon is gekoppeld aan sessie {}",
            d.or_unknown("sessie")
        ),
        "app_sessie_ended" => format!(
            "Sessie {} beëindigd: {}",
            d.or_unknown("sessie"),
            crate::app_sessie::einde_woorden(&d.or_unknown("einde"))
        ),
        "vragenlijst_set" => format!(
            "Vragenlijst voor het digitale huisbezoek ingesteld ({} versie {}, beleidsversie {})",
            d.or_unknown("vragenlijst"),
            d.or_unknown("versie"),
            d.or_unknown("policy_version")
        ),
        "toestemmingsteksten_set" => format!(
            "Toestemmingsteksten van de organisatie ingesteld ({} eigen teksten, beleidsversie {})",
            d.or_unknown("eigen_teksten"),
            d.or_unknown("policy_version")
        ),
        "heronderzoeken_imported" => format!(
            "Cliëntenlijst voor heronderzoeken ingelezen ({} cliënten)",
            d.or_unknown("clients")
        ),
        _ => {
            return Description {
                title: "Gebeurtenis van een onbekende soort".to_owned(),
                details: Vec::new(),
                known: false,
            }
        }
    };
    Description {
        title,
        details: details
            .into_iter()
            .filter_map(|(label, value)| value.map(|v| (label, v)))
            .collect(),
        known: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(action: &str, details: Value) -> AuditRow {
        AuditRow {
            seq: 1,
            at: 0,
            actor: "sanne".into(),
            action: action.into(),
            details: details.to_string(),
            prev_hash: String::new(),
            hash: String::new(),
            signature: None,
        }
    }

    /// The action strings every `audit::append(…)` in the server's production sources writes:
    /// the last string literal before the details (`&json!`) of each call.
    fn written_actions() -> Vec<(String, String)> {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push(p);
                }
            }
        }
        let mut files = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let mut found = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            // Test code writes made-up actions; production code is what the log holds.
            let production = text.split("#[cfg(test)]").next().unwrap_or("");
            for (i, _) in production.match_indices("audit::append(") {
                let call = &production[i..];
                let end = call.find("&json!").or_else(|| call.find(")?")).unwrap();
                let action = call[..end]
                    .split('"')
                    .skip(1)
                    .step_by(2)
                    .last()
                    .unwrap_or_else(|| {
                        panic!("{}: an audit action that is not a literal", f.display())
                    });
                found.push((action.to_owned(), f.display().to_string()));
            }
        }
        found
    }

    /// Issue 14, item 6: the history shows every audit event kind in words. Fails when an
    /// action is written anywhere in the server without a description, or is listed but
    /// described by the fallback.
    #[test]
    fn every_action_the_server_writes_is_described() {
        let written = written_actions();
        assert!(
            written.len() >= 10,
            "the scan found too few calls: {written:?}"
        );
        for (action, file) in &written {
            assert!(
                ACTIONS.contains(&action.as_str()),
                "{file} writes the audit action '{action}', which history_words::ACTIONS lacks"
            );
        }
        for action in ACTIONS {
            let d = describe(&row(action, json!({})));
            assert!(d.known, "{action} has no description");
            assert!(!d.title.contains('_'), "{action}: {}", d.title);
        }
        assert!(!describe(&row("iets_nieuws", json!({}))).known);
    }

    /// The details are words: roles and codes in Dutch, times in Amsterdam time, no JSON and
    /// no Unix times; the zaak lifecycle's keys (`zaak`, `user`, `uitkomst`, `reden`) read.
    #[test]
    fn details_read_as_dutch() {
        let d = describe(&row(
            "user_role_changed",
            json!({"name": "piet", "from": "handhaver", "to": "admin"}),
        ));
        assert_eq!(
            d.title,
            "Rol van piet gewijzigd van handhaver naar beheerder"
        );
        let d = describe(&row(
            "code_switched",
            json!({"code": "rood", "reason": "persconferentie", "policy_version": 3}),
        ));
        assert_eq!(
            d.title,
            "Gewisseld naar Code rood (zeer ernstig / lockdown)"
        );
        assert_eq!(
            d.details,
            vec![
                ("Reden", "persconferentie".to_owned()),
                ("Beleidsversie", "3".to_owned())
            ]
        );
        // 1 December 2026 23:30 UTC is 2 December 00:30 in Amsterdam.
        let d = describe(&row("account_locked", json!({"until": 1_796_167_800})));
        assert_eq!(
            d.details,
            vec![("Geblokkeerd tot", "2-12-2026 00:30".to_owned())]
        );
        let d = describe(&row(
            "zaak_closed",
            json!({"zaak": "Z-2026-0001", "uitkomst": "advies", "reden": "onderzoek afgerond"}),
        ));
        assert_eq!(d.title, "Zaak Z-2026-0001 afgesloten");
        assert_eq!(
            d.details,
            vec![
                ("Uitkomst", "advies (Poort)".to_owned()),
                ("Reden", "onderzoek afgerond".to_owned())
            ]
        );
        let d = describe(&row(
            "zaak_withdrawn",
            json!({"zaak": "Z-1", "user": "piet", "reden": "ziek"}),
        ));
        assert_eq!(d.title, "Zaak Z-1 ingetrokken bij piet");
        let d = describe(&row(
            "device_enrolled",
            json!({"device": "d-1", "public_key": "ab".repeat(32)}),
        ));
        assert_eq!(
            d.details,
            vec![("Sleutel van het apparaat", format!("{}…", "ab".repeat(8)))]
        );
        // A row whose details are damaged still reads, with its gaps said.
        let mut broken = row("zaak_assigned", json!({}));
        broken.details = "{niet json".into();
        assert_eq!(
            describe(&broken).title,
            "Zaak (onbekend) toegewezen aan (onbekend)"
        );
    }
}
