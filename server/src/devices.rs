//! Enrollment codes, enrolled devices, revocation, and the window of seen request nonces.
//!
//! A supervisor or admin issues a one-time code for a handhaver; the device sends its Ed25519
//! public key with the code and becomes a device of that handhaver (DESIGN.md, Security).

use axum::http::StatusCode;
use serde::Serialize;
use serde_json::json;

use veldwerk_contract::evidence::{sign_key_list, DeviceKeyInfo, KeyList, SignedKeyList};

use crate::audit;
use crate::db::{Row, Tx};
use crate::error::{Error, Result};
use crate::params;
use crate::secret::{enrollment_code, normalise_code, random_hex, sha256_hex};
use crate::users::{find_user, Role};

/// Issues a one-time enrollment code for handhaver `user`, valid for `ttl_secs`. Returns the
/// code in clear; only its digest is stored.
pub fn issue_enroll_code(
    conn: &Tx<'_>,
    user: &str,
    ttl_secs: i64,
    actor: &str,
    now: i64,
) -> Result<String> {
    let u = find_user(conn, user)?;
    if u.role != Role::Handhaver {
        return Err(Error::bad_request(
            "enroll_not_handhaver",
            format!(
                "Alleen een handhaver kan een apparaat koppelen; '{user}' is {}.",
                u.role.as_str()
            ),
        ));
    }
    let code = enrollment_code()?;
    conn.execute(
        "INSERT INTO enrollment_codes (code_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![sha256_hex(normalise_code(&code).as_bytes()), u.id, now, now + ttl_secs],
    )?;
    audit::append(
        conn,
        now,
        actor,
        "enroll_code_issued",
        &json!({ "user": user, "expires_at": now + ttl_secs }),
    )?;
    Ok(code)
}

/// A device's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Device {
    pub id: String,
    pub user: String,
    /// Lowercase hex of the 32-byte Ed25519 public key.
    pub public_key: String,
    pub enrolled_at: i64,
    pub revoked_at: Option<i64>,
    pub last_seen: Option<i64>,
    pub policy_version_seen: u64,
}

fn invalid_code() -> Error {
    Error::refused(
        StatusCode::UNAUTHORIZED,
        "enroll_code_invalid",
        "Deze koppelcode is onbekend, verlopen of al gebruikt. Vraag uw leidinggevende om een nieuwe code.",
    )
}

/// Enrolls a device: checks and spends the code, stores the public key (32 bytes, a point of
/// the curve not of small order: `evidence::check_public_key`).
pub fn enroll(conn: &Tx<'_>, code: &str, public_key: &[u8], now: i64) -> Result<Device> {
    if veldwerk_contract::evidence::check_public_key(public_key).is_err() {
        return Err(Error::bad_request(
            "public_key_invalid",
            "De publieke sleutel van het apparaat moet een geldige Ed25519-sleutel van 32 bytes zijn.",
        ));
    }
    let code_hash = sha256_hex(normalise_code(code).as_bytes());
    let row: Option<(i64, i64, Option<i64>)> = conn.query_opt(
        "SELECT user_id, expires_at, used_at FROM enrollment_codes WHERE code_hash = ?1",
        params![&code_hash],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let Some((user_id, expires_at, None)) = row else {
        return Err(invalid_code());
    };
    if expires_at <= now {
        return Err(invalid_code());
    }
    let taken: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM devices WHERE public_key = ?1)",
        params![public_key],
        |r| r.get(0),
    )?;
    if taken {
        return Err(Error::refused(
            StatusCode::CONFLICT,
            "public_key_in_use",
            "Deze sleutel is al gekoppeld. Maak op het apparaat een nieuwe sleutel aan.",
        ));
    }
    let id = format!("dev-{}", random_hex(8)?);
    conn.execute(
        "UPDATE enrollment_codes SET used_at = ?2, device_id = ?3 WHERE code_hash = ?1",
        params![code_hash, now, id],
    )?;
    conn.execute(
        "INSERT INTO devices (id, user_id, public_key, enrolled_at) VALUES (?1, ?2, ?3, ?4)",
        params![id, user_id, public_key, now],
    )?;
    let user: String = conn.query_row(
        "SELECT name FROM users WHERE id = ?1",
        params![user_id],
        |r| r.get(0),
    )?;
    audit::append(
        conn,
        now,
        &user,
        "device_enrolled",
        &json!({ "device": id, "public_key": hex::encode(public_key) }),
    )?;
    get(conn, &id)?.ok_or_else(|| Error::Data("enrolled device vanished".into()))
}

const SELECT: &str = "SELECT d.id, u.name, d.public_key, d.enrolled_at, d.revoked_at, d.last_seen,
    d.policy_version_seen FROM devices d JOIN users u ON u.id = d.user_id";

fn read(r: &Row<'_>) -> Result<Device> {
    Ok(Device {
        id: r.get(0)?,
        user: r.get(1)?,
        public_key: hex::encode(r.get::<Vec<u8>>(2)?),
        enrolled_at: r.get(3)?,
        revoked_at: r.get(4)?,
        last_seen: r.get(5)?,
        policy_version_seen: r.get::<i64>(6)? as u64,
    })
}

pub fn get(conn: &Tx<'_>, id: &str) -> Result<Option<Device>> {
    conn.query_opt(&format!("{SELECT} WHERE d.id = ?1"), params![id], read)
}

/// How many devices are enrolled and not revoked (the devices a code switch will reach).
pub fn active_count(conn: &Tx<'_>) -> Result<i64> {
    conn.query_row(
        "SELECT count(*) FROM devices WHERE revoked_at IS NULL",
        params![],
        |r| r.get(0),
    )
}

pub fn list(conn: &Tx<'_>) -> Result<Vec<Device>> {
    let rows = conn.query_map(
        &format!("{SELECT} ORDER BY d.enrolled_at, d.id"),
        params![],
        read,
    )?;
    Ok(rows)
}

/// Revokes a device; its next request is refused with `device_revoked` and told to wipe.
pub fn revoke(conn: &Tx<'_>, id: &str, by: &str, now: i64) -> Result<Device> {
    let Some(device) = get(conn, id)? else {
        return Err(Error::not_found(
            "device_not_found",
            format!("Apparaat '{id}' bestaat niet."),
        ));
    };
    if device.revoked_at.is_some() {
        return Ok(device);
    }
    conn.execute(
        "UPDATE devices SET revoked_at = ?2, revoked_by = ?3 WHERE id = ?1",
        params![id, now, by],
    )?;
    audit::append(
        conn,
        now,
        by,
        "device_revoked",
        &json!({ "device": id, "user": device.user }),
    )?;
    get(conn, id)?.ok_or_else(|| Error::Data("revoked device vanished".into()))
}

/// Records a request nonce; `false` if this device already used it inside the window.
/// Nonces older than `window_secs` are forgotten: their timestamps are refused as stale.
pub fn record_nonce(
    conn: &Tx<'_>,
    device_id: &str,
    nonce: &str,
    now: i64,
    window_secs: i64,
) -> Result<bool> {
    conn.execute(
        "DELETE FROM nonces WHERE seen_at < ?1",
        params![now - window_secs],
    )?;
    let inserted = conn.execute(
        "INSERT INTO nonces (device_id, nonce, seen_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
        params![device_id, nonce, now],
    )?;
    Ok(inserted == 1)
}

/// Whether this device already used `nonce` (inside the window [`record_nonce`] keeps): checked
/// from the headers, before the body is read. [`record_nonce`] stays the atomic check.
pub fn nonce_seen(conn: &Tx<'_>, device_id: &str, nonce: &str) -> Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM nonces WHERE device_id = ?1 AND nonce = ?2)",
        params![device_id, nonce],
        |r| r.get(0),
    )
}

/// Notes that the device made contact and which policy version it now has.
pub fn touch(conn: &Tx<'_>, device_id: &str, now: i64, policy_version: Option<u64>) -> Result<()> {
    match policy_version {
        Some(v) => conn.execute(
            "UPDATE devices SET last_seen = ?2, policy_version_seen = \
             CASE WHEN policy_version_seen > ?3 THEN policy_version_seen ELSE ?3 END WHERE id = ?1",
            params![device_id, now, v as i64],
        )?,
        None => conn.execute(
            "UPDATE devices SET last_seen = ?2 WHERE id = ?1",
            params![device_id, now],
        )?,
    };
    Ok(())
}

/// The public key (raw bytes) and revocation time of a device, for request verification.
pub fn key_of(conn: &Tx<'_>, device_id: &str) -> Result<Option<(Vec<u8>, Option<i64>)>> {
    conn.query_opt(
        "SELECT public_key, revoked_at FROM devices WHERE id = ?1",
        params![device_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

/// Every device of the organisation with its public key and revocation state (revoked devices
/// included, so their earlier entries still verify and show as revoked), as of `now`.
pub fn key_list(conn: &Tx<'_>, org: &crate::org::Organisation, now: i64) -> Result<KeyList> {
    Ok(KeyList {
        organisation: org.name.clone(),
        issued_at: chrono::DateTime::from_timestamp(now, 0).unwrap_or_default(),
        devices: key_infos(conn)?,
    })
}

/// Every device's key and revocation state, with the handhaver it belongs to.
pub fn key_infos(conn: &Tx<'_>) -> Result<Vec<DeviceKeyInfo>> {
    let utc = |secs: i64| chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default();
    Ok(list(conn)?
        .into_iter()
        .map(|d| DeviceKeyInfo {
            device_id: d.id,
            user: d.user,
            public_key: d.public_key,
            revoked_at: d.revoked_at.map(utc),
        })
        .collect())
}

/// [`key_list`] signed with the organisation key: what `GET /v1/keys` gives devices so they
/// verify their colleagues' entries.
pub fn signed_key_list(
    conn: &Tx<'_>,
    org: &crate::org::Organisation,
    now: i64,
) -> Result<SignedKeyList> {
    sign_key_list(&key_list(conn, org, now)?, &org.key)
        .map_err(|e| Error::Crypto(format!("cannot sign keys: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use crate::users::add_user;

    #[test]
    fn codes_are_single_use_expire_and_are_for_handhavers_only() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let key = || {
            use veldwerk_contract::evidence::DeviceKey;
            DeviceKey::from_pkcs8(&DeviceKey::generate_pkcs8().unwrap())
                .unwrap()
                .public_key()
        };
        let (k1, k2) = (key(), key());
        db.with(|c| {
            add_user(c, "piet", Role::Handhaver, None, "admin", 0)?;
            add_user(
                c,
                "sanne",
                Role::Supervisor,
                Some("correct horse battery"),
                "admin",
                0,
            )?;
            assert_eq!(
                issue_enroll_code(c, "sanne", 60, "admin", 0)
                    .unwrap_err()
                    .code(),
                "enroll_not_handhaver"
            );
            let code = issue_enroll_code(c, "piet", 60, "admin", 0)?;
            assert_eq!(
                enroll(c, &code, &k1, 61).unwrap_err().code(),
                "enroll_code_invalid"
            );
            let code = issue_enroll_code(c, "piet", 60, "admin", 100)?;
            let d = enroll(c, &code.to_lowercase(), &k1, 110)?;
            assert_eq!(d.user, "piet");
            assert_eq!(
                enroll(c, &code, &k2, 111).unwrap_err().code(),
                "enroll_code_invalid"
            );
            let code = issue_enroll_code(c, "piet", 60, "admin", 100)?;
            assert_eq!(
                enroll(c, &code, &k1, 111).unwrap_err().code(),
                "public_key_in_use"
            );
            assert_eq!(
                enroll(c, &code, &[1; 31], 111).unwrap_err().code(),
                "public_key_invalid"
            );
            // The identity point: a key of small order, under which anyone could sign.
            let mut identity = [0u8; 32];
            identity[0] = 1;
            assert_eq!(
                enroll(c, &code, &identity, 111).unwrap_err().code(),
                "public_key_invalid"
            );
            let r = revoke(c, &d.id, "sanne", 200)?;
            assert_eq!(r.revoked_at, Some(200));
            assert!(record_nonce(c, &d.id, "aa", 300, 600)?);
            assert!(!record_nonce(c, &d.id, "aa", 301, 600)?);
            assert!(record_nonce(c, &d.id, "aa", 1000, 600)?);
            Ok(())
        })
        .unwrap();
    }

    /// Issue 13, item 7: the key list holds every device, revoked ones marked, and verifies
    /// with the organisation key.
    #[test]
    fn the_key_list_is_signed_and_marks_revoked_devices() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let org = crate::setup::ensure_organisation(&db, "Gemeente Test").unwrap();
        let key = || {
            use veldwerk_contract::evidence::DeviceKey;
            DeviceKey::from_pkcs8(&DeviceKey::generate_pkcs8().unwrap())
                .unwrap()
                .public_key()
        };
        let (k1, k2) = (key(), key());
        let signed = db
            .with(|c| {
                add_user(c, "piet", Role::Handhaver, None, "admin", 0)?;
                let code = issue_enroll_code(c, "piet", 60, "admin", 100)?;
                let a = enroll(c, &code, &k1, 110)?;
                let code = issue_enroll_code(c, "piet", 60, "admin", 100)?;
                let b = enroll(c, &code, &k2, 110)?;
                revoke(c, &b.id, "admin", 150)?;
                let _ = a;
                signed_key_list(c, &org, 200)
            })
            .unwrap();
        let list = signed.verify(&org.public_key).unwrap();
        assert_eq!(list.organisation, "Gemeente Test");
        assert_eq!(list.issued_at.timestamp(), 200);
        assert_eq!(list.devices.len(), 2);
        let by_key = |k: &[u8; 32]| {
            list.devices
                .iter()
                .find(|d| d.public_key == hex::encode(k))
                .unwrap()
                .clone()
        };
        assert_eq!(by_key(&k1).revoked_at, None);
        assert_eq!(by_key(&k2).revoked_at.unwrap().timestamp(), 150);
        assert_eq!(by_key(&k1).user, "piet");
    }
}
