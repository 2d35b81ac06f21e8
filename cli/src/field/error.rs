//! Errors of the field commands: the device's own, plus what the command line adds (passphrase,
//! salt file, arguments, files). Each has a stable code and a Dutch message.

use veldwerk_device::DeviceError;
use veldwerk_rules::Notice;

#[derive(Debug, thiserror::Error)]
pub enum FieldError {
    #[error("{}", device_message(.0))]
    Device(#[from] DeviceError),
    #[error(
        "Geen wachtwoord: zet VELDWERK_PASSPHRASE of start de opdracht in een terminal om het \
         te typen."
    )]
    PassphraseMissing,
    #[error(
        "Het wachtwoord is te kort: kies er een van minstens {min} tekens (een zin van een paar \
         woorden is goed); er is niets aangemaakt."
    )]
    PassphraseTooShort { min: usize },
    #[error("De twee wachtwoorden verschillen; er is niets aangemaakt.")]
    PassphrasesDiffer,
    #[error(
        "Het bestand met de sleutelafleiding ontbreekt naast de opslag; zonder dat bestand is \
         de opslag niet te openen."
    )]
    KeyDerivationMissing,
    #[error("Het bestand met de sleutelafleiding is onleesbaar.")]
    KeyDerivationUnreadable,
    #[error("Er kon geen willekeurig zout worden gemaakt.")]
    RandomUnavailable,
    #[error("Zaak {0} heeft nog geen bezoek: start er een met 'veldwerk bezoek start'.")]
    NoVisit(String),
    #[error("Ongeldige invoer voor {veld}: {detail}")]
    InvalidInput { veld: &'static str, detail: String },
    #[error("Bestandsfout: {0}")]
    Io(#[from] std::io::Error),
    /// Seed 000: a rapport or waarneming is "gebaseerd op feiten"; the text is signed only once
    /// its warnings are edited away or explicitly accepted.
    #[error(
        "De tekst heeft {} taalwaarschuwing(en) en is niet ondertekend: pas de tekst aan, of \
         leg hem bewust zo vast met --ondanks-waarschuwingen.",
        .0.len()
    )]
    WarningsOpen(Vec<Notice>),
}

impl FieldError {
    pub fn code(&self) -> &'static str {
        match self {
            FieldError::Device(e) => e.code(),
            FieldError::PassphraseMissing => "passphrase_missing",
            FieldError::PassphraseTooShort { .. } => "password_too_short",
            FieldError::PassphrasesDiffer => "passphrases_differ",
            FieldError::KeyDerivationMissing => "key_derivation_missing",
            FieldError::KeyDerivationUnreadable => "key_derivation_unreadable",
            FieldError::RandomUnavailable => "random_unavailable",
            FieldError::NoVisit(_) => "no_visit",
            FieldError::InvalidInput { .. } => "input_invalid",
            FieldError::Io(_) => "file_error",
            FieldError::WarningsOpen(_) => "taalwaarschuwingen_open",
        }
    }

    pub fn notice(&self) -> Notice {
        Notice::new(self.code(), self.to_string())
    }

    /// What to do about it: the routekaart's reasons or missing conditions, if any.
    pub fn details(&self) -> Vec<Notice> {
        match self {
            FieldError::Device(
                e @ (DeviceError::ActieForbidden { .. }
                | DeviceError::ConditionsNotConfirmed { .. }),
            ) => e.details(),
            FieldError::WarningsOpen(warnings) => warnings.clone(),
            _ => Vec::new(),
        }
    }
}

/// A wrong key on a laptop means a wrong passphrase: say so.
fn device_message(e: &DeviceError) -> String {
    if e.code() == "wrong_key" {
        "Het wachtwoord past niet bij deze opslag.".to_owned()
    } else {
        e.to_string()
    }
}
