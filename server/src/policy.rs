//! The organisation's policy on the server: code directives, signed bundle versions, and
//! switching the active code (issue 4 point 5).
//!
//! A switch is one transaction: a new directive, a new bundle version signed with the
//! organisation key, and an audit row. Devices receive the newest bundle at their next contact.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;
use veldwerk_contract::policy::{self as core_policy, CodeDirective, PolicyBundle, SignedPolicy};
use veldwerk_rules::protocol::toestemmingsteksten::{self, Toestemmingsteksten};
use veldwerk_rules::routekaart::Code;
use veldwerk_rules::vragenlijst::Vragenlijst;

use crate::audit;
use crate::db::{Serial, Tx};
use crate::error::{Error, Result};
use crate::org::Organisation;
use crate::params;

/// A code from a form, a request or a stored row (`Code`'s own parser), refused as a bad
/// request with `code_unknown`.
pub fn parse_code(s: &str) -> Result<Code> {
    s.parse()
        .map_err(|_: veldwerk_rules::routekaart::ParseIdError| {
            Error::bad_request(
                "code_unknown",
                format!("Onbekende code '{s}': kies geel, oranje of rood."),
            )
        })
}

fn utc(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).single().unwrap_or_default()
}

/// All directives, oldest first.
pub fn directives(conn: &Tx<'_>) -> Result<Vec<CodeDirective>> {
    let rows = conn.query_map(
        "SELECT code, effective_from, by_name, reason FROM directives ORDER BY effective_from, id",
        params![],
        |r| {
            Ok((
                r.get::<String>(0)?,
                r.get::<i64>(1)?,
                r.get::<String>(2)?,
                r.get::<String>(3)?,
            ))
        },
    )?;
    rows.into_iter()
        .map(|(code, at, by, reason)| {
            Ok(CodeDirective {
                code: parse_code(&code)?,
                effective_from: utc(at),
                by,
                reason,
            })
        })
        .collect()
}

/// The newest signed bundle and its version.
pub fn current(conn: &Tx<'_>) -> Result<(u64, SignedPolicy)> {
    conn.query_opt(
        "SELECT version, payload, signature FROM policy_versions ORDER BY version DESC LIMIT 1",
        params![],
        |r| {
            Ok((
                r.get::<i64>(0)? as u64,
                SignedPolicy {
                    payload: r.get(1)?,
                    signature: r.get(2)?,
                },
            ))
        },
    )?
    .ok_or_else(|| Error::Data("no policy version stored".into()))
}

/// Issues a new bundle version from the stored directives and overrides.
fn issue(conn: &Tx<'_>, org: &Organisation, at: i64) -> Result<(PolicyBundle, SignedPolicy)> {
    conn.serialize(Serial::PolicyVersions)?;
    let version: i64 = conn.query_row(
        "SELECT coalesce(max(version), 0) + 1 FROM policy_versions",
        params![],
        |r| r.get(0),
    )?;
    let (overrides_toml, vragenlijst_toml, toestemmingsteksten_toml): (String, String, String) =
        conn.query_row(
            "SELECT overrides_toml, vragenlijst_toml, toestemmingsteksten_toml
             FROM organisation WHERE id = 1",
            params![],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
    let bundle = PolicyBundle {
        organisation: org.name.clone(),
        version: version as u64,
        issued_at: utc(at),
        routekaart: core_policy::effective_routekaart(&overrides_toml),
        overrides_toml,
        directives: directives(conn)?,
        vragenlijst_toml,
        toestemmingsteksten_toml,
    };
    let signed = core_policy::sign(&bundle, &org.key)
        .map_err(|e| Error::Crypto(format!("cannot sign policy: {e}")))?;
    conn.execute(
        "INSERT INTO policy_versions (version, issued_at, payload, signature) VALUES (?1, ?2, ?3, ?4)",
        params![version, at, signed.payload, signed.signature],
    )?;
    Ok((bundle, signed))
}

/// Makes `code` the active code from `at` on: new directive, new signed bundle, audit row.
/// Call inside a transaction.
pub fn switch_code(
    conn: &Tx<'_>,
    org: &Organisation,
    code: Code,
    reason: &str,
    by: &str,
    at: i64,
) -> Result<PolicyBundle> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::bad_request(
            "reason_required",
            "Geef een reden op voor het wisselen van de code.",
        ));
    }
    if reason.chars().count() > 2000 {
        return Err(Error::bad_request(
            "reason_too_long",
            "De reden is te lang (maximaal 2000 tekens).",
        ));
    }
    conn.serialize(Serial::PolicyVersions)?;
    let next_version: i64 = conn.query_row(
        "SELECT coalesce(max(version), 0) + 1 FROM policy_versions",
        params![],
        |r| r.get(0),
    )?;
    conn.execute(
        "INSERT INTO directives (code, effective_from, by_name, reason, policy_version)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![code.id(), at, by, reason, next_version],
    )?;
    let (bundle, _) = issue(conn, org, at)?;
    audit::append(
        conn,
        at,
        by,
        "code_switched",
        &json!({ "code": code.id(), "reason": reason, "policy_version": bundle.version }),
    )?;
    tracing::info!(
        code = code.id(),
        by,
        version = bundle.version,
        "active code switched"
    );
    Ok(bundle)
}

/// The organisation's vragenlijst for the digital huisbezoek (the built-in one when none is set).
pub fn vragenlijst(conn: &Tx<'_>) -> Result<Vragenlijst> {
    let toml: String = conn.query_row(
        "SELECT vragenlijst_toml FROM organisation WHERE id = 1",
        params![],
        |r| r.get(0),
    )?;
    Vragenlijst::van_organisatie(&toml).map_err(|e| Error::Data(e.to_string()))
}

/// Sets the organisation's vragenlijst (checked first; refused with every problem's line) and
/// issues a new signed bundle, so devices ask it from their next sync. An empty text goes back
/// to the built-in list. Call inside a transaction.
pub fn set_vragenlijst(
    conn: &Tx<'_>,
    org: &Organisation,
    toml: &str,
    actor: &str,
    at: i64,
) -> Result<(Vragenlijst, PolicyBundle)> {
    if toml.len() > MAX_VRAGENLIJST_BYTES {
        return Err(Error::bad_request(
            "vragenlijst_invalid",
            format!("De vragenlijst is te groot (hoogstens {MAX_VRAGENLIJST_BYTES} bytes)."),
        ));
    }
    let lijst = Vragenlijst::van_organisatie(toml)
        .map_err(|e| Error::bad_request("vragenlijst_invalid", e.to_string()))?;
    conn.execute(
        "UPDATE organisation SET vragenlijst_toml = ?1 WHERE id = 1",
        params![toml],
    )?;
    let (bundle, _) = issue(conn, org, at)?;
    audit::append(
        conn,
        at,
        actor,
        "vragenlijst_set",
        &json!({ "vragenlijst": lijst.id, "versie": lijst.versie, "policy_version": bundle.version }),
    )?;
    Ok((lijst, bundle))
}

/// The organisation's approved consent texts (the built-in ones when none are set).
pub fn toestemmingsteksten(conn: &Tx<'_>) -> Result<Toestemmingsteksten> {
    let toml: String = conn.query_row(
        "SELECT toestemmingsteksten_toml FROM organisation WHERE id = 1",
        params![],
        |r| r.get(0),
    )?;
    Toestemmingsteksten::van_organisatie(&toml).map_err(|e| Error::Data(e.to_string()))
}

/// Sets the organisation's own consent texts (checked first: a text that misses what seed 001
/// §3 requires of its variant is refused with its line) and issues a new signed bundle, so
/// devices show them from their next sync and refuse any other. An empty text goes back to the
/// built-in texts. Call inside a transaction.
pub fn set_toestemmingsteksten(
    conn: &Tx<'_>,
    org: &Organisation,
    toml: &str,
    actor: &str,
    at: i64,
) -> Result<(Toestemmingsteksten, PolicyBundle)> {
    if toml.len() > toestemmingsteksten::MAX_BESTAND_BYTES {
        return Err(Error::bad_request(
            "toestemmingsteksten_invalid",
            format!(
                "Het bestand met toestemmingsteksten is te groot (hoogstens {} bytes).",
                toestemmingsteksten::MAX_BESTAND_BYTES
            ),
        ));
    }
    let teksten = Toestemmingsteksten::van_organisatie(toml)
        .map_err(|e| Error::bad_request(e.code(), e.to_string()))?;
    conn.execute(
        "UPDATE organisation SET toestemmingsteksten_toml = ?1 WHERE id = 1",
        params![toml],
    )?;
    let (bundle, _) = issue(conn, org, at)?;
    let eigen = teksten
        .alle()
        .iter()
        .filter(|t| !Toestemmingsteksten::standaard().alle().contains(t))
        .count();
    audit::append(
        conn,
        at,
        actor,
        "toestemmingsteksten_set",
        &json!({ "eigen_teksten": eigen, "policy_version": bundle.version }),
    )?;
    Ok((teksten, bundle))
}

/// The largest vragenlijst file accepted (it travels in every policy bundle).
pub const MAX_VRAGENLIJST_BYTES: usize = 64 * 1024;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    /// Supervisors on two instances switching the code at the same moment (issue 18 §2): every
    /// switch gets its own version, and the audit chain still verifies.
    #[test]
    fn switches_through_several_instances_at_once_each_get_a_version() {
        let store = crate::db::TestStore::new();
        let first = store.open();
        let org = crate::setup::ensure_organisation(&first, "Gemeente Test").unwrap();
        let instances: Vec<crate::db::Db> = (0..2).map(|_| store.open()).collect();
        std::thread::scope(|s| {
            for db in &instances {
                for t in 0..2 {
                    let org = &org;
                    s.spawn(move || {
                        for n in 0..5 {
                            let code = if (t + n) % 2 == 0 {
                                Code::Oranje
                            } else {
                                Code::Rood
                            };
                            db.write(|tx| {
                                switch_code(
                                    tx,
                                    org,
                                    code,
                                    "Persconferentie",
                                    "sanne",
                                    1_800_000_000,
                                )
                            })
                            .unwrap();
                        }
                    });
                }
            }
        });
        let (version, _) = first.with(current).unwrap();
        assert_eq!(version, 1 + 2 * 2 * 5);
        let chain = first.with(crate::audit::verify_audit_chain).unwrap();
        assert!(chain.intact, "{:?}", chain.problem);
    }

    #[test]
    fn switching_issues_a_new_verifiable_version_with_an_audit_row() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let org = crate::setup::ensure_organisation(&db, "Gemeente Test").unwrap();
        let (v1, _) = db.with(current).unwrap();
        assert_eq!(v1, 1);
        let bundle = db
            .write(|tx| switch_code(tx, &org, Code::Rood, "Lockdown", "sanne", 1_800_000_000))
            .unwrap();
        assert_eq!(bundle.version, 2);
        let (v2, signed) = db.with(current).unwrap();
        assert_eq!(v2, 2);
        let verified = signed.verify(&org.public_key).unwrap();
        assert_eq!(verified.active().unwrap().code, Code::Rood);
        // Issue 13, "Docs a second implementation can follow": the bundle carries the full
        // effective routekaart, exactly the table the routekaart rules compute.
        assert_eq!(
            verified.routekaart,
            Some(veldwerk_rules::routekaart::Routekaart::vng_2020())
        );
        assert_eq!(verified.directives.len(), 2);
        let log = db.with(|c| audit::recent(c, 1)).unwrap();
        assert_eq!(log[0].action, "code_switched");
        assert!(db.with(audit::verify_audit_chain).unwrap().intact);
    }

    #[test]
    fn a_switch_without_reason_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let org = crate::setup::ensure_organisation(&db, "Gemeente Test").unwrap();
        let err = db
            .write(|tx| switch_code(tx, &org, Code::Oranje, "  ", "sanne", 1_800_000_000))
            .unwrap_err();
        assert_eq!(err.code(), "reason_required");
        assert_eq!(db.with(current).unwrap().0, 1);
        assert_eq!(parse_code("ROOD").unwrap(), Code::Rood);
        assert_eq!(parse_code("paars").unwrap_err().code(), "code_unknown");
    }
}
