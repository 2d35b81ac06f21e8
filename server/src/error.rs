//! Errors: the internal [`Error`] of the store and the [`AppError`] the API answers with.
//!
//! Every error a client sees is an `ErrorBody` (`veldwerk_contract::api`) with a fitting status;
//! internal details (SQL, I/O) are logged, never sent.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use veldwerk_contract::api::ErrorBody;
use veldwerk_contract::sync::Instruction;

/// What can go wrong below the API: storage, crypto, and refusals with a reason.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("database: {}", postgres_detail(.0))]
    Postgres(#[from] postgres::Error),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("crypto: {0}")]
    Crypto(String),
    #[error("data: {0}")]
    Data(String),
    /// A refusal that may be shown: a stable code and a Dutch message.
    #[error("{message} [{code}]")]
    Refused {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
}

/// A PostgreSQL error with what the server said (its `Display` is only "db error"): the
/// SQLSTATE, message and constraint, for the log.
fn postgres_detail(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!(
            "{} ({}){}",
            db.message(),
            db.code().code(),
            db.constraint()
                .map_or_else(String::new, |c| format!(", constraint {c}"))
        ),
        None => e.to_string(),
    }
}

impl Error {
    pub fn refused(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Error::Refused {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::refused(StatusCode::NOT_FOUND, code, message)
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::refused(StatusCode::BAD_REQUEST, code, message)
    }

    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Refused { code, .. } => code,
            _ => "internal_error",
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The API's error answer.
#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// An instruction for the device, e.g. `wipe` for a revoked device.
    pub instruction: Option<Instruction>,
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        AppError {
            status,
            code,
            message: message.into(),
            instruction: None,
        }
    }

    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    pub fn forbidden_role() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden_role",
            "Uw rol geeft geen toegang tot deze functie.",
        )
    }

    pub fn device_revoked() -> Self {
        AppError {
            instruction: Some(Instruction::Wipe),
            ..Self::new(
                StatusCode::FORBIDDEN,
                "device_revoked",
                "Dit apparaat is ingetrokken. Wis alle gegevens van Veldwerk op dit apparaat en \
                 neem contact op met uw leidinggevende.",
            )
        }
    }
}

impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        match e {
            Error::Refused {
                status,
                code,
                message,
            } => AppError::new(status, code, message),
            other => {
                tracing::error!(error = %other, "internal error");
                AppError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "Er ging iets mis op de server. Probeer het later opnieuw.",
                )
            }
        }
    }
}

impl From<rusqlite::Error> for AppError {
    fn from(e: rusqlite::Error) -> Self {
        Error::from(e).into()
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            code: self.code.to_owned(),
            message: self.message,
            instruction: self.instruction,
        };
        (self.status, Json(body)).into_response()
    }
}
