//! `VeldwerkError`: the one error type the apps see, with a stable `code` and the Dutch message
//! in `detail` (Kotlin reserves `message`), converted here from the core's and the client's.

use veldwerk_client::ClientError;
use veldwerk_device::store::StoreError;
use veldwerk_device::sync::SyncError;
use veldwerk_device::DeviceError;

use crate::types::Notice;

/// Every failure of the facade. Kotlin sees `VeldwerkException.<Variant>`, Swift
/// `VeldwerkError.<variant>`; apps match on the variant or on `code`, and show `message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum VeldwerkError {
    /// The storage key does not open this store (`wrong_key`).
    #[error("{detail} [{code}]")]
    WrongKey { code: String, detail: String },
    /// The protocol does not allow this step now (an impossible transition, a missing field).
    #[error("{detail} [{code}]")]
    Protocol { code: String, detail: String },
    /// The routekaart of the active code forbids the action; `reasons` say why.
    #[error("{detail} [{code}]")]
    Forbidden {
        code: String,
        detail: String,
        reasons: Vec<Notice>,
    },
    /// The routekaart's conditions were not all confirmed; `missing` lists them.
    #[error("{detail} [{code}]")]
    ConditionsNotConfirmed {
        code: String,
        detail: String,
        missing: Vec<Notice>,
    },
    /// The device is not enrolled yet.
    #[error("{detail} [{code}]")]
    NotEnrolled { code: String, detail: String },
    /// A zaak, visit or photo that is not on this device.
    #[error("{detail} [{code}]")]
    NotFound { code: String, detail: String },
    /// Input the facade or the core cannot accept (a key of the wrong length, a bad date).
    #[error("{detail} [{code}]")]
    InvalidInput { code: String, detail: String },
    /// The server could not be reached, was too slow, or answered something unreadable.
    /// `transient`: trying again later may succeed (nothing was lost).
    #[error("{detail} [{code}]")]
    Network {
        code: String,
        detail: String,
        transient: bool,
    },
    /// The server refused the request with its own code (`status` is the HTTP status).
    #[error("{detail} [{code}]")]
    Refused {
        code: String,
        detail: String,
        status: u16,
    },
    /// The organisation revoked this device. The sync wiped the store (`wiped`; if that
    /// failed the app must call `wipe()`); the app deletes the storage key from the platform
    /// keystore. Every later call gives `Closed`.
    #[error("{detail} [{code}]")]
    Revoked {
        code: String,
        detail: String,
        wiped: bool,
    },
    /// The device store failed or holds unreadable data.
    #[error("{detail} [{code}]")]
    Storage { code: String, detail: String },
    /// The store was wiped; open a new one.
    #[error("{detail} [{code}]")]
    Closed { code: String, detail: String },
}

impl VeldwerkError {
    /// The stable machine code.
    pub fn code(&self) -> &str {
        match self {
            VeldwerkError::WrongKey { code, .. }
            | VeldwerkError::Protocol { code, .. }
            | VeldwerkError::Forbidden { code, .. }
            | VeldwerkError::ConditionsNotConfirmed { code, .. }
            | VeldwerkError::NotEnrolled { code, .. }
            | VeldwerkError::NotFound { code, .. }
            | VeldwerkError::InvalidInput { code, .. }
            | VeldwerkError::Network { code, .. }
            | VeldwerkError::Refused { code, .. }
            | VeldwerkError::Revoked { code, .. }
            | VeldwerkError::Storage { code, .. }
            | VeldwerkError::Closed { code, .. } => code,
        }
    }

    pub(crate) fn invalid(code: &str, message: impl Into<String>) -> Self {
        VeldwerkError::InvalidInput {
            code: code.to_owned(),
            detail: message.into(),
        }
    }

    pub(crate) fn closed() -> Self {
        VeldwerkError::Closed {
            code: "store_closed".into(),
            detail: "De opslag van dit apparaat is gewist of gesloten: open hem opnieuw.".into(),
        }
    }
}

impl From<DeviceError> for VeldwerkError {
    fn from(e: DeviceError) -> Self {
        let code = e.code().to_owned();
        let message = e.to_string();
        match e {
            DeviceError::Store(StoreError::WrongKey) => VeldwerkError::WrongKey {
                code,
                detail: message,
            },
            DeviceError::Protocol(_)
            | DeviceError::VragenlijstWijktAf { .. }
            | DeviceError::VragenOpen(_)
            | DeviceError::KlantmodusActief
            | DeviceError::KlantmodusNietMogelijk => VeldwerkError::Protocol {
                code,
                detail: message,
            },
            DeviceError::ActieForbidden { reasons, .. } => VeldwerkError::Forbidden {
                code,
                detail: message,
                reasons: reasons.into_iter().map(Notice::from).collect(),
            },
            DeviceError::ConditionsNotConfirmed { missing } => {
                VeldwerkError::ConditionsNotConfirmed {
                    code,
                    detail: message,
                    missing: missing.into_iter().map(Notice::from).collect(),
                }
            }
            DeviceError::NotEnrolled => VeldwerkError::NotEnrolled {
                code,
                detail: message,
            },
            DeviceError::UnknownZaak(_)
            | DeviceError::NoVisit(_)
            | DeviceError::UnknownFoto(_)
            | DeviceError::Store(StoreError::UnknownZaak { .. }) => VeldwerkError::NotFound {
                code,
                detail: message,
            },
            DeviceError::Zaak(ref z) if z.code() == "visit_unknown" => VeldwerkError::NotFound {
                code,
                detail: message,
            },
            DeviceError::ZaakExists(_)
            | DeviceError::OntgrendelcodeOnjuist
            | DeviceError::OntgrendelcodeTeKort(_)
            | DeviceError::CorrectionOfUnknownEntry(_)
            | DeviceError::ActieMismatch { .. }
            | DeviceError::Policy(_)
            | DeviceError::Store(StoreError::InvalidBlobRef { .. }) => {
                VeldwerkError::InvalidInput {
                    code,
                    detail: message,
                }
            }
            _ => VeldwerkError::Storage {
                code,
                detail: message,
            },
        }
    }
}

impl From<SyncError> for VeldwerkError {
    fn from(e: SyncError) -> Self {
        let code = e.code().to_owned();
        match e {
            SyncError::Refused {
                status, message, ..
            } => VeldwerkError::Refused {
                code,
                detail: message,
                status,
            },
            SyncError::Docs(_) => VeldwerkError::Storage {
                code,
                detail: e.to_string(),
            },
            SyncError::Envelope(_) | SyncError::NotConverging(_) | SyncError::OutOfTurn => {
                VeldwerkError::Network {
                    code,
                    detail: e.to_string(),
                    transient: false,
                }
            }
        }
    }
}

impl From<ClientError> for VeldwerkError {
    fn from(e: ClientError) -> Self {
        let code = e.code().to_owned();
        let detail = e.to_string();
        let transient = e.is_transient();
        match e {
            ClientError::Device(d) => d.into(),
            ClientError::Sync(s) => s.into(),
            ClientError::NoDevice => VeldwerkError::closed(),
            ClientError::NotEnrolled => VeldwerkError::NotEnrolled { code, detail },
            ClientError::InvalidUrl(_) | ClientError::AlreadyEnrolled { .. } => {
                VeldwerkError::InvalidInput { code, detail }
            }
            ClientError::Unreachable(_)
            | ClientError::Timeout
            | ClientError::Transport(_)
            | ClientError::BadResponse(_) => VeldwerkError::Network {
                code,
                detail,
                transient,
            },
            ClientError::Refused { status, .. } => VeldwerkError::Refused {
                code,
                detail,
                status,
            },
            ClientError::Revoked { wiped, .. } => VeldwerkError::Revoked {
                code,
                detail,
                wiped,
            },
        }
    }
}
