//! The storage key of the field client: derived from a passphrase with PBKDF2-HMAC-SHA256 and a
//! random salt kept in the data directory (a laptop has no platform keystore to hand the key
//! over, so the passphrase takes its place).
//!
//! The salt file `sleutelafleiding` holds one line: `pbkdf2-sha256 ITERATIONS SALT_HEX`. The
//! iteration count is stored so it can be raised for new data directories without breaking old
//! ones.

use std::io::{IsTerminal, Write};
use std::num::NonZeroU32;
use std::path::Path;

use ring::pbkdf2;
use ring::rand::{SecureRandom, SystemRandom};

use super::FieldError;

/// The file beside the store that holds the salt and iteration count.
pub const SALT_FILE: &str = "sleutelafleiding";
/// The environment variable a passphrase may come from (scripts, tests).
pub const PASSPHRASE_ENV: &str = "VELDWERK_PASSPHRASE";
/// Iterations for new data directories (OWASP's 2021 advice for PBKDF2-HMAC-SHA256).
pub const ITERATIONS: u32 = 310_000;
const SALT_BYTES: usize = 16;
const SCHEME: &str = "pbkdf2-sha256";

/// The parameters stored in the salt file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyParams {
    pub iterations: NonZeroU32,
    pub salt: Vec<u8>,
}

impl KeyParams {
    fn encode(&self) -> String {
        format!("{SCHEME} {} {}\n", self.iterations, hex::encode(&self.salt))
    }

    fn decode(text: &str) -> Result<Self, FieldError> {
        let bad = || FieldError::KeyDerivationUnreadable;
        let mut parts = text.split_whitespace();
        if parts.next() != Some(SCHEME) {
            return Err(bad());
        }
        let iterations = parts
            .next()
            .and_then(|n| n.parse::<u32>().ok())
            .and_then(NonZeroU32::new)
            .ok_or_else(bad)?;
        let salt = parts
            .next()
            .and_then(|s| hex::decode(s).ok())
            .filter(|s| s.len() >= SALT_BYTES)
            .ok_or_else(bad)?;
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(KeyParams { iterations, salt })
    }
}

/// The 32-byte storage key from `passphrase` under `params`.
pub fn derive(passphrase: &str, params: &KeyParams) -> [u8; 32] {
    let mut key = [0u8; 32];
    pbkdf2::derive(
        pbkdf2::PBKDF2_HMAC_SHA256,
        params.iterations,
        &params.salt,
        passphrase.as_bytes(),
        &mut key,
    );
    key
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
            let params = KeyParams {
                iterations: NonZeroU32::new(ITERATIONS).ok_or(FieldError::RandomUnavailable)?,
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
/// new data directory).
pub fn passphrase(new: bool) -> Result<String, FieldError> {
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
pub fn storage_key(data_dir: &Path) -> Result<[u8; 32], FieldError> {
    let (params, new) = params(data_dir)?;
    let passphrase = passphrase(new)?;
    Ok(derive(&passphrase, &params))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_round_trip_and_malformed_files_are_refused() {
        let p = KeyParams {
            iterations: NonZeroU32::new(1000).unwrap(),
            salt: vec![1; 16],
        };
        assert_eq!(KeyParams::decode(&p.encode()).unwrap(), p);
        for bad in [
            "",
            "pbkdf2-sha256",
            "pbkdf2-sha256 0 01010101010101010101010101010101",
            "pbkdf2-sha256 10 0101",
            "scrypt 10 01010101010101010101010101010101",
            "pbkdf2-sha256 10 01010101010101010101010101010101 extra",
        ] {
            assert!(KeyParams::decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_key_depends_on_passphrase_and_salt() {
        let p = |salt: u8| KeyParams {
            iterations: NonZeroU32::new(1000).unwrap(),
            salt: vec![salt; 16],
        };
        assert_eq!(derive("geheim", &p(1)), derive("geheim", &p(1)));
        assert_ne!(derive("geheim", &p(1)), derive("geheim!", &p(1)));
        assert_ne!(derive("geheim", &p(1)), derive("geheim", &p(2)));
    }

    proptest::proptest! {
        /// The salt file is read from disk: any content gives params or a coded error.
        #[test]
        fn any_salt_file_decodes_or_is_refused(text in "\\PC{0,120}", n in 1u32..1_000_000,
                                               salt in proptest::collection::vec(0u8.., 0..40)) {
            let _ = KeyParams::decode(&text);
            let line = format!("{SCHEME} {n} {}", hex::encode(&salt));
            match KeyParams::decode(&line) {
                Ok(p) => proptest::prop_assert!(p.salt == salt && p.iterations.get() == n),
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
