//! Random tokens and their stored digests: session tokens, CSRF tokens, enrollment codes.
//!
//! Only SHA-256 digests of session tokens and enrollment codes are stored, so a copy of the
//! database does not let anyone sign in or enroll.

use ring::rand::{SecureRandom, SystemRandom};

use crate::error::{Error, Result};

/// `n` random bytes from the system's CSPRNG.
pub fn random_bytes(n: usize) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; n];
    SystemRandom::new()
        .fill(&mut buf)
        .map_err(|_| Error::Crypto("no randomness available".into()))?;
    Ok(buf)
}

/// `n` random bytes as lowercase hex.
pub fn random_hex(n: usize) -> Result<String> {
    Ok(hex::encode(random_bytes(n)?))
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, data))
}

/// Letters and digits that cannot be mistaken for each other when read aloud or typed
/// (no 0/O, 1/I/L, 5/S, 8/B, 2/Z).
const CODE_ALPHABET: &[u8] = b"ACDEFGHJKMNPQRTUVWXY34679";

/// A one-time enrollment code: 12 symbols of a 25-symbol alphabet (about 55 bits), grouped
/// as `XXXX-XXXX-XXXX`.
pub fn enrollment_code() -> Result<String> {
    let bytes = random_bytes(12)?;
    let mut out = String::with_capacity(14);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        // 250 = 10 × 25: rejection would be exact, the bias of 6/256 on a few symbols is
        // negligible against the code's expiry and single use.
        out.push(CODE_ALPHABET[(*b as usize) % CODE_ALPHABET.len()] as char);
    }
    Ok(out)
}

/// The form an enrollment code is hashed in: upper case, without dashes and spaces.
pub fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enrollment_codes_are_grouped_and_normalise() {
        let c = enrollment_code().unwrap();
        assert_eq!(c.len(), 14);
        assert_eq!(c.matches('-').count(), 2);
        assert_eq!(
            normalise_code(&c.to_lowercase().replace('-', " ")),
            c.replace('-', "")
        );
        assert_ne!(enrollment_code().unwrap(), c);
    }
}
