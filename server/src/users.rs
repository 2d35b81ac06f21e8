//! Users, roles, passwords (argon2id) and supervisor sessions with lockout after repeated
//! failed sign-ins.

use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::Argon2;
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::json;

use crate::audit;
use crate::db::{now, Db, Tx};
use crate::error::{AppError, Error, Result};
use crate::guard::Guards;
use crate::params;
use crate::secret::{random_bytes, random_hex, sha256_hex};
use crate::settings::Settings;

/// What a user may do. Handhavers work in the field through enrolled devices; supervisors
/// switch the code, revoke devices and resolve flags; admins may do all a supervisor may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Handhaver,
    Supervisor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Handhaver => "handhaver",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Result<Role> {
        match s {
            "handhaver" => Ok(Role::Handhaver),
            "supervisor" => Ok(Role::Supervisor),
            "admin" => Ok(Role::Admin),
            _ => Err(Error::bad_request(
                "role_unknown",
                format!("Onbekende rol '{s}': kies handhaver, supervisor of admin."),
            )),
        }
    }

    /// Whether this role may use the supervisor console routes.
    pub fn is_supervisor(self) -> bool {
        matches!(self, Role::Supervisor | Role::Admin)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: Role,
}

/// Hashes a password with argon2id (default parameters: 19 MiB, 2 passes) and a random salt.
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::encode_b64(&random_bytes(16)?)
        .map_err(|e| Error::Crypto(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Crypto(format!("argon2: {e}")))
}

thread_local! {
    /// This thread's argon2 working memory (19 MiB with the default parameters), kept between
    /// checks; see [`verify_password`].
    static ARGON2_MEMORY: std::cell::RefCell<Vec<argon2::Block>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Checks `password` against a PHC argon2 hash in working memory this thread keeps between
/// checks. Allocating and freeing 19 MiB per check let glibc's allocator keep every one of
/// them (its dynamic mmap threshold): the server grew by 19 MiB per sign-in. The password
/// checks run on a fixed set of threads (`guard`), so this is bounded by their number.
fn verify_password(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else {
        return false;
    };
    let Ok(params) = argon2::Params::try_from(&parsed) else {
        return false;
    };
    let Ok(algorithm) = argon2::Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let version = match parsed.version {
        Some(v) => argon2::Version::try_from(v),
        None => Ok(argon2::Version::V0x13),
    };
    let Ok(version) = version else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let blocks = params.block_count();
    let argon2 = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; expected.len()];
    let hashed = ARGON2_MEMORY.with(|memory| {
        let Ok(mut memory) = memory.try_borrow_mut() else {
            return false;
        };
        if memory.len() != blocks {
            *memory = vec![argon2::Block::default(); blocks];
        }
        let ok = argon2
            .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut memory[..])
            .is_ok();
        // Nothing derived from a password stays in memory between checks.
        memory.fill(argon2::Block::default());
        ok
    });
    // `Output` compares in constant time.
    hashed && argon2::password_hash::Output::new(&out).is_ok_and(|o| o == expected)
}

fn validate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(Error::bad_request(
            "user_name_invalid",
            "Een gebruikersnaam bestaat uit 1 tot 64 letters, cijfers, '.', '-' of '_'.",
        ))
    }
}

/// Adds a user. Supervisors and admins need a password (at least 12 characters); a
/// handhaver may have one but only uses devices.
pub fn add_user(
    conn: &Tx<'_>,
    name: &str,
    role: Role,
    password: Option<&str>,
    actor: &str,
    at: i64,
) -> Result<User> {
    validate_name(name)?;
    if role.is_supervisor() && password.is_none() {
        return Err(Error::bad_request(
            "password_required",
            "Een supervisor of admin heeft een wachtwoord nodig.",
        ));
    }
    if let Some(p) = password {
        check_password(p)?;
    }
    let hash = password.map(hash_password).transpose()?;
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM users WHERE name = ?1)",
        params![name],
        |r| r.get(0),
    )?;
    if exists {
        return Err(Error::refused(
            StatusCode::CONFLICT,
            "user_exists",
            format!("Gebruiker '{name}' bestaat al."),
        ));
    }
    let id = conn.insert_returning_id(
        "INSERT INTO users (name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![name, role.as_str(), hash, at],
    )?;
    audit::append(
        conn,
        at,
        actor,
        "user_added",
        &json!({ "name": name, "role": role.as_str() }),
    )?;
    Ok(User {
        id,
        name: name.to_owned(),
        role,
    })
}

/// The names of all handhavers who are not disabled, by name (the console's choice of whom to
/// assign or enroll).
pub fn handhavers(conn: &Tx<'_>) -> Result<Vec<String>> {
    let rows = conn.query_map(
        "SELECT name FROM users WHERE role = 'handhaver' AND disabled_at IS NULL ORDER BY name",
        params![],
        |r| r.get(0),
    )?;
    Ok(rows)
}

pub fn find_user(conn: &Tx<'_>, name: &str) -> Result<User> {
    conn.query_opt(
        "SELECT id, name, role FROM users WHERE name = ?1",
        params![name],
        |r| Ok((r.get(0)?, r.get(1)?, r.get::<String>(2)?)),
    )?
    .ok_or_else(|| {
        Error::not_found(
            "user_not_found",
            format!("Gebruiker '{name}' bestaat niet."),
        )
    })
    .and_then(|(id, name, role)| {
        Ok(User {
            id,
            name,
            role: Role::parse(&role)?,
        })
    })
}

/// A new session: the token and CSRF token are shown once; only the token's digest is kept.
#[derive(Debug, Clone, Serialize)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub user: User,
    pub expires_at: i64,
}

fn invalid_credentials() -> Error {
    Error::refused(
        StatusCode::UNAUTHORIZED,
        "credentials_invalid",
        "Gebruikersnaam of wachtwoord klopt niet.",
    )
}

fn account_disabled() -> Error {
    Error::refused(
        StatusCode::FORBIDDEN,
        "account_disabled",
        "Dit account is uitgeschakeld. Neem contact op met de beheerder.",
    )
}

fn locked(until: i64, now: i64) -> Error {
    let minutes = ((until - now) + 59) / 60;
    Error::refused(
        StatusCode::TOO_MANY_REQUESTS,
        "account_locked",
        format!(
            "Te veel mislukte aanmeldpogingen. Dit account is nog {minutes} minuten geblokkeerd."
        ),
    )
}

/// A sign-in attempt that may go on to the password check: counted against the lockout before
/// the check runs ([`reserve_attempt`]).
#[derive(Debug, Clone)]
pub enum Attempt {
    /// A user with a password; `id` and `role` for the session.
    Known {
        id: i64,
        name: String,
        role: String,
        hash: String,
        /// A disabled user's right password still opens no session ([`finish_login`]).
        disabled: bool,
    },
    /// No such user, or one without a password: checked against a dummy hash (same cost).
    Unknown,
}

impl Attempt {
    /// The slow part (argon2id, 19 MiB): run it in the bounded pool (`guard`), never holding
    /// the store.
    pub fn check(&self, password: &str) -> bool {
        match self {
            Attempt::Known { hash, .. } => verify_password(password, hash),
            Attempt::Unknown => {
                // Same work as a real check, so timing does not tell which names exist.
                let _ = verify_password(password, DUMMY_HASH);
                false
            }
        }
    }
}

fn lock(tx: &Tx<'_>, settings: &Settings, id: i64, name: &str, now: i64) -> Result<i64> {
    let until = now + settings.login_lockout.as_secs() as i64;
    tx.execute(
        "UPDATE users SET failed_logins = 0, locked_until = ?2 WHERE id = ?1",
        params![id, until],
    )?;
    audit::append(tx, now, name, "account_locked", &json!({ "until": until }))?;
    tracing::warn!(user = name, "account locked after failed sign-ins");
    Ok(until)
}

/// id, role, password hash, failed sign-ins in a row, locked until, disabled at.
type LoginRow = (i64, String, Option<String>, u32, Option<i64>, Option<i64>);

/// Checks the lockout and counts the attempt as failed in the same transaction, before the
/// password is checked: of any number of parallel attempts at most `login_max_failures` reach
/// the check; the next one locks the account. A successful check ([`finish_login`]) clears the
/// count again. The outer `Result` is the store's; the inner refusal must still be committed
/// (it may just have locked the account).
pub fn reserve_attempt(
    tx: &Tx<'_>,
    settings: &Settings,
    name: &str,
    now: i64,
) -> Result<Result<Attempt>> {
    let row: Option<LoginRow> = tx.query_opt(
        "SELECT id, role, password_hash, failed_logins, locked_until, disabled_at
             FROM users WHERE name = ?1",
        params![name],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        },
    )?;
    let Some((id, role, Some(hash), failed, locked_until, disabled_at)) = row else {
        return Ok(Ok(Attempt::Unknown));
    };
    if let Some(until) = locked_until.filter(|u| *u > now) {
        return Ok(Err(locked(until, now)));
    }
    if failed >= settings.login_max_failures {
        let until = lock(tx, settings, id, name, now)?;
        return Ok(Err(locked(until, now)));
    }
    tx.execute(
        "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ?1",
        params![id],
    )?;
    Ok(Ok(Attempt::Known {
        id,
        name: name.to_owned(),
        role,
        hash,
        disabled: disabled_at.is_some(),
    }))
}

/// After the check: a wrong password stays counted (and locks the account once it reaches
/// `login_max_failures`); a right one clears the count and opens a session. Outer and inner
/// `Result` as in [`reserve_attempt`].
pub fn finish_login(
    tx: &Tx<'_>,
    settings: &Settings,
    attempt: Attempt,
    ok: bool,
    now: i64,
) -> Result<Result<NewSession>> {
    let Attempt::Known {
        id,
        name,
        role,
        disabled,
        ..
    } = attempt
    else {
        return Ok(Err(invalid_credentials()));
    };
    if !ok {
        let (failed, locked_until): (u32, Option<i64>) = tx.query_row(
            "SELECT failed_logins, locked_until FROM users WHERE id = ?1",
            params![id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if let Some(until) = locked_until.filter(|u| *u > now) {
            return Ok(Err(locked(until, now)));
        }
        if failed >= settings.login_max_failures {
            let until = lock(tx, settings, id, &name, now)?;
            return Ok(Err(locked(until, now)));
        }
        return Ok(Err(invalid_credentials()));
    }
    if disabled {
        // Only the right password learns that the account is disabled; the attempt is not
        // held against it (an admin may enable it again).
        tx.execute(
            "UPDATE users SET failed_logins = 0 WHERE id = ?1",
            params![id],
        )?;
        return Ok(Err(account_disabled()));
    }
    let token = random_hex(32)?;
    let csrf_token = random_hex(16)?;
    let expires_at = now + settings.session_ttl.as_secs() as i64;
    tx.execute(
        "UPDATE users SET failed_logins = 0, locked_until = NULL, last_signin_at = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    tx.execute(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            sha256_hex(token.as_bytes()),
            id,
            csrf_token,
            now,
            expires_at
        ],
    )?;
    tx.execute("DELETE FROM sessions WHERE expires_at < ?1", params![now])?;
    Ok(Ok(NewSession {
        token,
        csrf_token,
        user: User {
            id,
            name,
            role: Role::parse(&role)?,
        },
        expires_at,
    }))
}

/// Checks a password and opens a session, in the calling thread (admin commands, tests). The
/// server's routes use [`login_bounded`].
pub fn login(
    db: &Db,
    settings: &Settings,
    name: &str,
    password: &str,
    now: i64,
) -> Result<NewSession> {
    let attempt = db.write(|tx| reserve_attempt(tx, settings, name, now))??;
    let ok = attempt.check(password);
    db.write(|tx| finish_login(tx, settings, attempt, ok, now))?
}

/// [`login`] for the server's routes: the attempt reserved and finished on the blocking pool,
/// the password check in the bounded pool of `guards` (refused as busy when it stays full).
/// After `login_max_failures` failures in a row the account is locked for `login_lockout`,
/// whatever password is tried meanwhile; a failed attempt counts even though the call returns
/// `Err`.
pub async fn login_bounded(
    db: &Db,
    guards: &Guards,
    settings: std::sync::Arc<Settings>,
    name: String,
    password: String,
) -> Result<NewSession, AppError> {
    let t = now();
    let s = settings.clone();
    let attempt = db
        .call(move |db| db.write(|tx| reserve_attempt(tx, &s, &name, t)))
        .await??;
    let checked = attempt.clone();
    let ok = guards
        .password_check(move || checked.check(&password))
        .await?;
    Ok(db
        .call(move |db| db.write(|tx| finish_login(tx, &settings, attempt, ok, t)))
        .await??)
}

/// A session found by its token.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub token_hash: String,
    pub user: User,
    pub csrf_token: String,
}

pub fn session(conn: &Tx<'_>, token: &str, now: i64) -> Result<Option<SessionInfo>> {
    let token_hash = sha256_hex(token.as_bytes());
    let row: Option<(i64, String, String, String)> = conn.query_opt(
        "SELECT u.id, u.name, u.role, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND u.disabled_at IS NULL",
        params![token_hash, now],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    row.map(|(id, name, role, csrf_token)| {
        Ok(SessionInfo {
            token_hash: token_hash.clone(),
            user: User {
                id,
                name,
                role: Role::parse(&role)?,
            },
            csrf_token,
        })
    })
    .transpose()
}

pub fn end_session(conn: &Tx<'_>, token_hash: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM sessions WHERE token_hash = ?1",
        params![token_hash],
    )?;
    Ok(())
}

/// A user as the user management page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRow {
    pub name: String,
    pub role: Role,
    pub disabled_at: Option<i64>,
    /// Locked after failed sign-ins until then (may lie in the past: no longer locked).
    pub locked_until: Option<i64>,
    pub last_signin_at: Option<i64>,
    pub has_password: bool,
    /// Enrolled, unrevoked devices.
    pub devices: u32,
}

impl UserRow {
    /// Whether sign-in is refused because of failed attempts at `now`.
    pub fn is_locked(&self, now: i64) -> bool {
        self.locked_until.is_some_and(|u| u > now)
    }
}

/// Every user, by name, with their active devices.
pub fn list(conn: &Tx<'_>) -> Result<Vec<UserRow>> {
    let rows = conn.query_map(
        "SELECT u.name, u.role, u.disabled_at, u.locked_until, u.last_signin_at,
                u.password_hash IS NOT NULL,
                (SELECT count(*) FROM devices d WHERE d.user_id = u.id AND d.revoked_at IS NULL)
         FROM users u ORDER BY u.name",
        params![],
        |r| {
            Ok((
                r.get::<String>(0)?,
                r.get::<String>(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        },
    )?;
    rows.into_iter()
        .map(
            |(name, role, disabled_at, locked_until, last_signin_at, has_password, devices)| {
                Ok(UserRow {
                    name,
                    role: Role::parse(&role)?,
                    disabled_at,
                    locked_until,
                    last_signin_at,
                    has_password,
                    devices,
                })
            },
        )
        .collect()
}

/// A new random password for someone to sign in with once and keep (80 bits).
pub fn generate_password() -> Result<String> {
    random_hex(10)
}

fn check_password(p: &str) -> Result<()> {
    if p.chars().count() < 12 {
        return Err(Error::bad_request(
            "password_too_short",
            "Een wachtwoord heeft minstens 12 tekens.",
        ));
    }
    if p.len() > 1024 {
        return Err(Error::bad_request(
            "password_too_long",
            "Een wachtwoord heeft hoogstens 1024 tekens.",
        ));
    }
    Ok(())
}

/// Nobody disables, demotes or otherwise locks themselves out from the console: the last admin
/// could not undo it there.
fn not_self(name: &str, actor: &str) -> Result<()> {
    if name == actor {
        return Err(Error::refused(
            StatusCode::CONFLICT,
            "user_self_change_refused",
            "U kunt uw eigen account niet uitschakelen of van rol veranderen. Vraag een andere beheerder.",
        ));
    }
    Ok(())
}

fn end_sessions(conn: &Tx<'_>, id: i64) -> Result<usize> {
    conn.execute("DELETE FROM sessions WHERE user_id = ?1", params![id])
}

/// Disables or enables a user. A disabled user cannot sign in and their sessions end at once;
/// their devices are refused at sync with `user_disabled`, without being told to wipe, so
/// evidence not yet sent stays on them and goes in once the user is enabled again (revoking
/// a device is for a lost or compromised device and wipes it). What the server already holds
/// stays, and their devices' keys stay in the key list so their entries verify.
pub fn set_disabled(
    conn: &Tx<'_>,
    name: &str,
    disabled: bool,
    actor: &str,
    at: i64,
) -> Result<User> {
    not_self(name, actor)?;
    let user = find_user(conn, name)?;
    let was: Option<i64> = conn.query_row(
        "SELECT disabled_at FROM users WHERE id = ?1",
        params![user.id],
        |r| r.get(0),
    )?;
    if was.is_some() == disabled {
        return Ok(user);
    }
    if disabled {
        conn.execute(
            "UPDATE users SET disabled_at = ?2 WHERE id = ?1",
            params![user.id, at],
        )?;
        let ended = end_sessions(conn, user.id)?;
        audit::append(
            conn,
            at,
            actor,
            "user_disabled",
            &json!({ "name": name, "sessions_ended": ended }),
        )?;
    } else {
        conn.execute(
            "UPDATE users SET disabled_at = NULL, failed_logins = 0, locked_until = NULL WHERE id = ?1", params![user.id],
        )?;
        audit::append(conn, at, actor, "user_enabled", &json!({ "name": name }))?;
    }
    Ok(user)
}

/// Sets a new password (`None`: a generated one, returned to be shown once), ends the user's
/// sessions and clears a lockout.
pub fn reset_password(
    conn: &Tx<'_>,
    name: &str,
    password: Option<&str>,
    actor: &str,
    at: i64,
) -> Result<String> {
    let user = find_user(conn, name)?;
    let password = match password {
        Some(p) => p.to_owned(),
        None => generate_password()?,
    };
    check_password(&password)?;
    let hash = hash_password(&password)?;
    conn.execute(
        "UPDATE users SET password_hash = ?2, failed_logins = 0, locked_until = NULL WHERE id = ?1",
        params![user.id, hash],
    )?;
    let ended = end_sessions(conn, user.id)?;
    audit::append(
        conn,
        at,
        actor,
        "user_password_reset",
        &json!({ "name": name, "sessions_ended": ended }),
    )?;
    Ok(password)
}

/// Changes a user's role. A supervisor or admin needs a password first; the user's sessions
/// end so the new role holds from their next sign-in.
pub fn change_role(conn: &Tx<'_>, name: &str, role: Role, actor: &str, at: i64) -> Result<User> {
    not_self(name, actor)?;
    let user = find_user(conn, name)?;
    if user.role == role {
        return Ok(user);
    }
    let has_password: bool = conn.query_row(
        "SELECT password_hash IS NOT NULL FROM users WHERE id = ?1",
        params![user.id],
        |r| r.get(0),
    )?;
    if role.is_supervisor() && !has_password {
        return Err(Error::bad_request(
            "password_required",
            "Een supervisor of beheerder heeft een wachtwoord nodig: stel eerst een nieuw wachtwoord in.",
        ));
    }
    conn.execute(
        "UPDATE users SET role = ?2 WHERE id = ?1",
        params![user.id, role.as_str()],
    )?;
    end_sessions(conn, user.id)?;
    audit::append(
        conn,
        at,
        actor,
        "user_role_changed",
        &json!({ "name": name, "from": user.role.as_str(), "to": role.as_str() }),
    )?;
    Ok(User { role, ..user })
}

/// Whether the device belongs to a disabled user (its requests are then refused).
pub fn device_owner_disabled(conn: &Tx<'_>, device_id: &str) -> Result<bool> {
    Ok(conn
        .query_opt(
            "SELECT u.disabled_at IS NOT NULL FROM devices d JOIN users u ON u.id = d.user_id
             WHERE d.id = ?1",
            params![device_id],
            |r| r.get(0),
        )?
        .unwrap_or(false))
}

/// The refusal a disabled user's device gets: no instruction to wipe.
pub fn user_disabled() -> AppError {
    AppError::new(
        StatusCode::FORBIDDEN,
        "user_disabled",
        "De handhaver van dit apparaat is uitgeschakeld. Het apparaat bewaart zijn gegevens; \
         neem contact op met uw leidinggevende.",
    )
}

/// An argon2id hash of a random password, checked against when the user does not exist.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0tHn2Cq9jz3Qq3aGLyCX3JMvXAJFyXCS1tEvhbkZ3dQ";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    #[test]
    fn lockout_after_repeated_failures_refuses_even_the_right_password() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let settings = Settings {
            login_max_failures: 2,
            ..Settings::default()
        };
        db.write(|tx| {
            add_user(
                tx,
                "sanne",
                Role::Supervisor,
                Some("correct horse battery"),
                "admin",
                0,
            )
        })
        .unwrap();
        let t = 1_800_000_000;
        let code = |r: Result<NewSession>| r.unwrap_err().code();
        assert_eq!(
            code(login(&db, &settings, "sanne", "fout", t)),
            "credentials_invalid"
        );
        assert_eq!(
            code(login(&db, &settings, "sanne", "fout", t)),
            "account_locked"
        );
        assert_eq!(
            code(login(
                &db,
                &settings,
                "sanne",
                "correct horse battery",
                t + 10
            )),
            "account_locked"
        );
        let s = login(&db, &settings, "sanne", "correct horse battery", t + 901).unwrap();
        assert_eq!(s.user.role, Role::Supervisor);
        assert_eq!(
            code(login(&db, &settings, "niemand", "x", t)),
            "credentials_invalid"
        );
        db.with(|c| {
            let found = session(c, &s.token, t + 902)?.unwrap();
            assert_eq!(found.user.name, "sanne");
            assert!(session(c, &s.token, s.expires_at + 1)?.is_none());
            end_session(c, &found.token_hash)?;
            assert!(session(c, &s.token, t + 903)?.is_none());
            Ok(())
        })
        .unwrap();
    }

    /// Issue 13, item 10: 40 parallel wrong passwords reach the password check at most
    /// `login_max_failures` times: the lockout is checked and the attempt counted in one
    /// transaction before the hash runs.
    #[test]
    fn parallel_wrong_passwords_get_at_most_the_limit_of_checks() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let settings = Settings::default();
        db.write(|tx| {
            add_user(
                tx,
                "sanne",
                Role::Supervisor,
                Some("correct horse battery"),
                "admin",
                0,
            )
        })
        .unwrap();
        let t = 1_800_000_000;
        let attempts: Vec<Result<Attempt>> = (0..40)
            .map(|_| {
                db.write(|tx| reserve_attempt(tx, &settings, "sanne", t))
                    .unwrap()
            })
            .collect();
        let checked = attempts.iter().filter(|a| a.is_ok()).count();
        assert_eq!(checked, settings.login_max_failures as usize);
        assert!(attempts
            .iter()
            .filter_map(|a| a.as_ref().err())
            .all(|e| e.code() == "account_locked"));
        // Threads racing through the whole login: still at most the limit of checks.
        let dir2 = tempfile::tempdir().unwrap();
        let db2 = Db::open(dir2.path()).unwrap();
        db2.write(|tx| {
            add_user(
                tx,
                "s",
                Role::Supervisor,
                Some("correct horse battery"),
                "a",
                0,
            )
        })
        .unwrap();
        let checks = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let threads: Vec<_> = (0..40)
            .map(|_| {
                let (db, settings, checks) = (db2.clone(), settings.clone(), checks.clone());
                std::thread::spawn(move || {
                    let Ok(attempt) = db
                        .write(|tx| reserve_attempt(tx, &settings, "s", t))
                        .unwrap()
                    else {
                        return;
                    };
                    checks.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let ok = attempt.check("fout wachtwoord");
                    let _ = db.write(|tx| finish_login(tx, &settings, attempt, ok, t));
                })
            })
            .collect();
        for th in threads {
            th.join().unwrap();
        }
        assert!(
            checks.load(std::sync::atomic::Ordering::SeqCst)
                <= settings.login_max_failures as usize
        );
    }

    /// The check in kept memory agrees with argon2's own (right and wrong passwords, other
    /// parameters, malformed hashes).
    #[test]
    fn password_check_in_kept_memory_agrees_with_argon2() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("correct horse battery", "not a hash"));
        let small = argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            argon2::Params::new(64, 1, 1, None).unwrap(),
        );
        let salt = SaltString::encode_b64(b"zout en peper!!").unwrap();
        let other = small
            .hash_password(b"kort maar krachtig", &salt)
            .unwrap()
            .to_string();
        assert!(verify_password("kort maar krachtig", &other));
        assert!(!verify_password("kort", &other));
        // And then the default parameters again on the same thread.
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong", DUMMY_HASH));
    }

    #[test]
    fn supervisors_need_a_long_enough_password() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let e = db
            .write(|tx| add_user(tx, "s", Role::Supervisor, None, "admin", 0))
            .unwrap_err();
        assert_eq!(e.code(), "password_required");
        let e = db
            .write(|tx| add_user(tx, "s", Role::Admin, Some("kort"), "admin", 0))
            .unwrap_err();
        assert_eq!(e.code(), "password_too_short");
        db.write(|tx| add_user(tx, "h", Role::Handhaver, None, "admin", 0))
            .unwrap();
        let e = db
            .write(|tx| add_user(tx, "h", Role::Handhaver, None, "admin", 0))
            .unwrap_err();
        assert_eq!(e.code(), "user_exists");
        let e = db
            .write(|tx| add_user(tx, "a b", Role::Handhaver, None, "admin", 0))
            .unwrap_err();
        assert_eq!(e.code(), "user_name_invalid");
    }
}
