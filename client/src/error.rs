//! Why enrolling or syncing failed: one enum with a stable code and a Dutch message.

use veldwerk_device::sync::SyncError;
use veldwerk_device::DeviceError;
use veldwerk_rules::Notice;

/// An error of [`crate::enroll`] or [`crate::sync`]. `code()` is stable; the message is Dutch.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(
        "Het serveradres '{0}' is ongeldig: gebruik http:// of https:// gevolgd door de host."
    )]
    InvalidUrl(String),
    #[error("Dit apparaat is nog niet aangemeld bij de organisatie: meld het eerst aan.")]
    NotEnrolled,
    #[error("Dit apparaat is al aangemeld (apparaat {device_id}).")]
    AlreadyEnrolled { device_id: String },
    #[error("Er is geen apparaat geopend (na het wissen is een nieuwe aanmelding nodig).")]
    NoDevice,
    #[error(
        "De server is niet bereikbaar: {0}. Probeer het later opnieuw; er gaat niets verloren."
    )]
    Unreachable(String),
    #[error(
        "De server antwoordde niet op tijd. Probeer het later opnieuw; er gaat niets verloren."
    )]
    Timeout,
    #[error(
        "De verbinding met de server viel weg: {0}. Probeer het opnieuw; er gaat niets verloren."
    )]
    Transport(String),
    /// The server refused the request (non-2xx) with its own code and message.
    #[error("{message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    /// The server said this device is revoked; `wiped` tells whether the device was wiped.
    #[error("{}", revoked_message(*.wiped, .detail))]
    Revoked { wiped: bool, detail: Option<String> },
    #[error("Het antwoord van de server is onbruikbaar: {0}")]
    BadResponse(String),
    #[error("{0}")]
    Device(#[from] DeviceError),
    #[error("{}", sync_message(.0))]
    Sync(SyncError),
}

fn revoked_message(wiped: bool, detail: &Option<String>) -> String {
    let mut s = if wiped {
        "Dit apparaat is ingetrokken door de organisatie. Alle gegevens van Veldwerk op dit \
         apparaat zijn gewist; neem contact op met uw leidinggevende."
            .to_owned()
    } else {
        "Dit apparaat is ingetrokken door de organisatie, maar het wissen van de gegevens is \
         mislukt; neem direct contact op met uw leidinggevende."
            .to_owned()
    };
    if let Some(d) = detail {
        s.push_str(&format!(" ({d})"));
    }
    s
}

fn sync_message(e: &SyncError) -> String {
    match e {
        SyncError::Refused { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

impl From<SyncError> for ClientError {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Refused {
                status,
                code,
                message,
                ..
            } => ClientError::Refused {
                status,
                code,
                message,
            },
            other => ClientError::Sync(other),
        }
    }
}

impl ClientError {
    /// The stable snake_case code (for a refusal: the server's own code).
    pub fn code(&self) -> &str {
        match self {
            ClientError::InvalidUrl(_) => "server_url_invalid",
            ClientError::NotEnrolled => "not_enrolled",
            ClientError::AlreadyEnrolled { .. } => "already_enrolled",
            ClientError::NoDevice => "no_device",
            ClientError::Unreachable(_) => "server_unreachable",
            ClientError::Timeout => "server_timeout",
            ClientError::Transport(_) => "transport_failed",
            ClientError::Refused { code, .. } => code,
            ClientError::Revoked { wiped: true, .. } => "device_revoked",
            ClientError::Revoked { wiped: false, .. } => "device_revoked_wipe_failed",
            ClientError::BadResponse(_) => "response_invalid",
            ClientError::Device(e) => e.code(),
            ClientError::Sync(e) => e.code(),
        }
    }

    /// The code with its Dutch message.
    pub fn notice(&self) -> Notice {
        Notice::new(self.code(), self.to_string())
    }

    /// Whether trying again later may succeed (the server was unreachable, slow or cut off).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ClientError::Unreachable(_) | ClientError::Timeout | ClientError::Transport(_)
        ) || matches!(self, ClientError::Refused { status, .. } if *status >= 500)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_refusals_keep_the_servers_code() {
        let e = ClientError::Refused {
            status: 401,
            code: "request_replayed".into(),
            message: "Deze aanvraag is al eens ontvangen en wordt geweigerd.".into(),
        };
        assert_eq!(e.code(), "request_replayed");
        assert!(!e.is_transient());
        assert_eq!(ClientError::Timeout.code(), "server_timeout");
        assert!(ClientError::Timeout.is_transient());
        let n = ClientError::Revoked {
            wiped: true,
            detail: None,
        }
        .notice();
        assert_eq!(n.code, "device_revoked");
        assert!(n.message.contains("gewist"));
        let from_sync: ClientError = SyncError::NotConverging(32).into();
        assert_eq!(from_sync.code(), "sync_not_converging");
    }
}
