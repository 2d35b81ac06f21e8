//! The storage key of the field client: derived from a passphrase with argon2id (memory-hard,
//! so a stolen laptop's store costs an attacker memory as well as time per guess) and a random
//! salt kept in the data directory (a laptop has no platform keystore to hand the key over, so
//! the passphrase takes its place).
//!
//! The salt file `sleutelafleiding` holds one line: `argon2id MEMORY_KIB PASSES LANES SALT_HEX`
//! for data directories made now, `pbkdf2-sha256 ITERATIONS SALT_HEX` for older ones (still
//! opened). The parameters are stored so they can be raised for new data directories without
//! breaking old ones. A new data directory takes a passphrase of at least
//! [`MIN_PASSPHRASE_CHARS`] characters.

use std::io::{IsTerminal, Write};
use std::num::NonZeroU32;
use std::path::Path;

use ring::pbkdf2;
use ring::rand::{SecureRandom, SystemRandom};

use super::FieldError;

/// The file beside the store that holds the salt and the derivation's parameters.
pub const SALT_FILE: &str = "sleutelafleiding";
/// The environment variable a passphrase may come from (scripts, tests).
pub const PASSPHRASE_ENV: &str = "VELDWERK_PASSPHRASE";
/// argon2id memory for new data directories, in KiB (OWASP's advice for argon2id: 19 MiB with
/// two passes, or more memory with fewer).
pub const MEMORY_KIB: u32 = 19 * 1024;
/// argon2id passes for new data directories.
pub const PASSES: u32 = 2;
/// The shortest passphrase a new data directory takes (a phrase of a few words passes).
pub const MIN_PASSPHRASE_CHARS: usize = 12;
const SALT_BYTES: usize = 16;
const ARGON2ID: &str = "argon2id";
const PBKDF2: &str = "pbkdf2-sha256";
/// Bounds on stored parameters, so a tampered salt file cannot make opening take hours or GiBs.
const MAX_MEMORY_KIB: u32 = 1024 * 1024;
const MAX_PASSES: u32 = 16;
const MAX_LANES: u32 = 8;
const MAX_ITERATIONS: u32 = 10_000_000;

/// How the key is derived, as stored in the salt file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyParams {
    Argon2id {
        memory_kib: u32,
        passes: u32,
        lanes: u32,
        salt: Vec<u8>,
    },
    /// Data directories made before argon2id.
    Pbkdf2 {
        iterations: NonZeroU32,
        salt: Vec<u8>,
    },
}

impl KeyParams {
    fn encode(&self) -> String {
        match self {
            KeyParams::Argon2id {
                memory_kib,
                passes,
                lanes,
                salt,
            } => format!(
                "{ARGON2ID} {memory_kib} {passes} {lanes} {}\n",
                hex::encode(salt)
            ),
            KeyParams::Pbkdf2 { iterations, salt } => {
                format!("{PBKDF2} {iterations} {}\n", hex::encode(salt))
            }
        }
    }

    fn decode(text: &str) -> Result<Self, FieldError> {
        let bad = || FieldError::KeyDerivationUnreadable;
        let parts: Vec<&str> = text.split_whitespace().collect();
        let number = |s: &str, max: u32| {
            s.parse::<u32>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(bad)
        };
        let salt = |s: &str| {
            hex::decode(s)
                .ok()
                .filter(|s| s.len() >= SALT_BYTES)
                .ok_or_else(bad)
        };
        match parts.as_slice() {
            [ARGON2ID, m, t, p, s] => Ok(KeyParams::Argon2id {
                memory_kib: number(m, MAX_MEMORY_KIB)?,
                passes: number(t, MAX_PASSES)?,
                lanes: number(p, MAX_LANES)?,
                salt: salt(s)?,
            }),
            [PBKDF2, n, s] => Ok(KeyParams::Pbkdf2 {
                iterations: NonZeroU32::new(number(n, MAX_ITERATIONS)?).ok_or_else(bad)?,
                salt: salt(s)?,
            }),
            _ => Err(bad()),
        }
    }
}

/// The 32-byte storage key from `passphrase` under `params`.
pub fn derive(passphrase: &str, params: &KeyParams) -> Result<[u8; 32], FieldError> {
    let mut key = [0u8; 32];
    match params {
        KeyParams::Argon2id {
            memory_kib,
            passes,
            lanes,
            salt,
        } => {
            let params = argon2::Params::new(*memory_kib, *passes, *lanes, Some(key.len()))
                .map_err(|_| FieldError::KeyDerivationUnreadable)?;
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
                .hash_password_into(passphrase.as_bytes(), salt, &mut key)
                .map_err(|_| FieldError::KeyDerivationUnreadable)?;
        }
        KeyParams::Pbkdf2 { iterations, salt } => pbkdf2::derive(
            pbkdf2::PBKDF2_HMAC_SHA256,
            *iterations,
            salt,
            passphrase.as_bytes(),
            &mut key,
        ),
    }
    Ok(key)
}

/// Reads the salt file of `data_dir`, creating it (and the directory) for a new data directory.
/// A store without its salt file cannot be opened: the key is lost with it.
pub fn params(data_dir: &Path) -> Result<(KeyParams, bool), FieldError> {
    let path = data_dir.join(SALT_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok((KeyParams::decode(&text)?, false)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if data_dir.join(veldwerk_device::store::DB_FILE).exists() {
                return Err(FieldError::KeyDerivationMissing);
            }
            let mut salt = vec![0u8; SALT_BYTES];
            SystemRandom::new()
                .fill(&mut salt)
                .map_err(|_| FieldError::RandomUnavailable)?;
            let params = KeyParams::Argon2id {
                memory_kib: MEMORY_KIB,
                passes: PASSES,
                lanes: 1,
                salt,
            };
            std::fs::create_dir_all(data_dir)?;
            let mut file = std::fs::File::create(&path)?;
            file.write_all(params.encode().as_bytes())?;
            file.sync_all()?;
            Ok((params, true))
        }
        Err(e) => Err(e.into()),
    }
}

/// The passphrase from [`PASSPHRASE_ENV`], or asked for when stdin is a terminal (twice for a
/// new data directory, which also needs [`MIN_PASSPHRASE_CHARS`]).
pub fn passphrase(new: bool) -> Result<String, FieldError> {
    let p = ask_passphrase(new)?;
    if new && p.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(FieldError::PassphraseTooShort {
            min: MIN_PASSPHRASE_CHARS,
        });
    }
    Ok(p)
}

fn ask_passphrase(new: bool) -> Result<String, FieldError> {
    if let Ok(p) = std::env::var(PASSPHRASE_ENV) {
        if !p.is_empty() {
            return Ok(p);
        }
    }
    if !std::io::stdin().is_terminal() {
        return Err(FieldError::PassphraseMissing);
    }
    let first = rpassword::prompt_password("Wachtwoord van de veldwerkopslag: ")?;
    if first.is_empty() {
        return Err(FieldError::PassphraseMissing);
    }
    if new {
        let again = rpassword::prompt_password("Herhaal het wachtwoord: ")?;
        if again != first {
            return Err(FieldError::PassphrasesDiffer);
        }
    }
    Ok(first)
}

/// The storage key of `data_dir`: salt file read or created, passphrase from env or prompt.
/// A new data directory whose passphrase is refused keeps no salt file (nothing was made).
pub fn storage_key(data_dir: &Path) -> Result<[u8; 32], FieldError> {
    let (params, new) = params(data_dir)?;
    let passphrase = match passphrase(new) {
        Ok(p) => p,
        Err(e) => {
            if new {
                let _ = std::fs::remove_file(data_dir.join(SALT_FILE));
            }
            return Err(e);
        }
    };
    derive(&passphrase, &params)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argon2(salt: u8) -> KeyParams {
        KeyParams::Argon2id {
            memory_kib: 64,
            passes: 1,
            lanes: 1,
            salt: vec![salt; 16],
        }
    }

    #[test]
    fn params_round_trip_and_malformed_files_are_refused() {
        let old = KeyParams::Pbkdf2 {
            iterations: NonZeroU32::new(1000).unwrap(),
            salt: vec![1; 16],
        };
        assert_eq!(KeyParams::decode(&old.encode()).unwrap(), old);
        assert_eq!(KeyParams::decode(&argon2(3).encode()).unwrap(), argon2(3));
        for bad in [
            "",
            "pbkdf2-sha256",
            "pbkdf2-sha256 0 01010101010101010101010101010101",
            "pbkdf2-sha256 10 0101",
            "scrypt 10 01010101010101010101010101010101",
            "pbkdf2-sha256 10 01010101010101010101010101010101 extra",
            "argon2id 19456 2 01010101010101010101010101010101",
            "argon2id 0 2 1 01010101010101010101010101010101",
            "argon2id 99999999 2 1 01010101010101010101010101010101",
            "argon2id 19456 2 1 0101",
        ] {
            assert!(KeyParams::decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_key_depends_on_passphrase_and_salt() {
        let key = |p: &str, params: &KeyParams| derive(p, params).unwrap();
        assert_eq!(key("geheim", &argon2(1)), key("geheim", &argon2(1)));
        assert_ne!(key("geheim", &argon2(1)), key("geheim!", &argon2(1)));
        assert_ne!(key("geheim", &argon2(1)), key("geheim", &argon2(2)));
        let old = KeyParams::Pbkdf2 {
            iterations: NonZeroU32::new(1000).unwrap(),
            salt: vec![1; 16],
        };
        assert_ne!(key("geheim", &old), key("geheim", &argon2(1)));
    }

    /// Issue 13, "Smaller": new data directories use argon2id (was PBKDF2 with 310,000
    /// iterations).
    #[test]
    fn a_new_data_directory_gets_argon2id() {
        let dir = tempfile::tempdir().unwrap();
        let (params, new) = params(dir.path()).unwrap();
        assert!(new);
        assert!(matches!(
            params,
            KeyParams::Argon2id {
                memory_kib: MEMORY_KIB,
                passes: PASSES,
                ..
            }
        ));
        let (again, new) = super::params(dir.path()).unwrap();
        assert_eq!((again, new), (params, false));
    }

    proptest::proptest! {
        /// The salt file is read from disk: any content gives params or a coded error.
        #[test]
        fn any_salt_file_decodes_or_is_refused(text in "\\PC{0,120}", n in 1u32..1_000_000,
                                               salt in proptest::collection::vec(0u8.., 0..40)) {
            let _ = KeyParams::decode(&text);
            let line = format!("{PBKDF2} {n} {}", hex::encode(&salt));
            match KeyParams::decode(&line) {
                Ok(KeyParams::Pbkdf2 { iterations, salt: s }) => proptest::prop_assert!(s == salt && iterations.get() == n),
                Ok(other) => proptest::prop_assert!(false, "{other:?}"),
                Err(e) => proptest::prop_assert!(salt.len() < SALT_BYTES && e.code() == "key_derivation_unreadable"),
            }
        }
    }

    #[test]
    fn a_store_without_its_salt_file_is_not_given_a_new_one() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(veldwerk_device::store::DB_FILE), b"x").unwrap();
        assert!(matches!(
            params(dir.path()),
            Err(FieldError::KeyDerivationMissing)
        ));
    }
}
