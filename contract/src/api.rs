//! The HTTP API as both sides see it: every route's method and path, the JSON bodies of the
//! device routes, and the error body of every refusal.
//!
//! The server builds its router from [`ROUTES`]' paths and a test checks the router and
//! `/v1/openapi.json` against [`ROUTES`]; the client and the devices parse answers with the types
//! below, so a field renamed on one side fails to compile on the other. `server/docs/api.md`
//! describes each route.

use serde::{Deserialize, Serialize};

use crate::evidence::SignedKeyList;
use crate::policy::SignedPolicy;
use crate::sync::Instruction;

/// The paths of the API. Path parameters are written as axum 0.8 writes them (`{id}`).
pub mod paths {
    pub const HEALTHZ: &str = "/healthz";
    pub const OPENAPI: &str = "/v1/openapi.json";
    pub const ENROLL: &str = "/v1/enroll";
    pub const POLICY: &str = "/v1/policy";
    pub const SYNC: &str = "/v1/sync";
    pub const KEYS: &str = "/v1/keys";
    pub const SESSION: &str = "/v1/session";
    pub const CODE: &str = "/v1/code";
    pub const AUDIT: &str = "/v1/audit";
    pub const DEVICES: &str = "/v1/devices";
    pub const DEVICE_REVOKE: &str = "/v1/devices/{id}/revoke";
    pub const FLAGS: &str = "/v1/flags";
    pub const FLAG_RESOLVE: &str = "/v1/flags/{id}/resolve";
    pub const ZAKEN: &str = "/v1/zaken";
    pub const ZAAK: &str = "/v1/zaken/{zaak_id}";
    pub const ZAAK_RAPPORT: &str = "/v1/zaken/{zaak_id}/bezoeken/{bezoek_id}/rapport.pdf";
    pub const ZAAK_EXPORT: &str = "/v1/zaken/{zaak_id}/export";
    /// Device-signed: which of a zaak's photos the server still lacks.
    pub const FOTOS_ONTBREKEND: &str = "/v1/fotos/ontbrekend";
    /// Device-signed `PUT`: one photo of a zaak, the body its bytes.
    pub const FOTO: &str = "/v1/zaken/{zaak_id}/fotos/{sha256}";
    /// Console: the signal kinds with their termijnen.
    pub const SIGNAALSOORTEN: &str = "/v1/signaalsoorten";
    /// Console: register a signal.
    pub const SIGNALEN: &str = "/v1/signalen";
    /// Console: assess a signal.
    pub const SIGNAAL_BEOORDELING: &str = "/v1/signalen/{id}/beoordeling";
    /// Console: the worklist.
    pub const WERKVOORRAAD: &str = "/v1/werkvoorraad";
    /// Device-signed: start a session of the digital huisbezoek on the client's own phone
    /// (`server/docs/app-sessie.md`).
    pub const APP_SESSIES: &str = "/v1/app-sessies";
    /// Device-signed: where a session stands, with every statement and hint so far.
    pub const APP_SESSIE: &str = "/v1/app-sessies/{id}";
    /// Device-signed: a photo the client uploaded in a session.
    pub const APP_SESSIE_FOTO: &str = "/v1/app-sessies/{id}/fotos/{sha256}";
    /// Device-signed: send the client a hint.
    pub const APP_SESSIE_HINTS: &str = "/v1/app-sessies/{id}/hints";
    /// Device-signed: end a session.
    pub const APP_SESSIE_EINDE: &str = "/v1/app-sessies/{id}/einde";
}

/// A path of [`paths`] with its `{id}` (and `{sha256}`) filled in.
pub fn app_sessie_path(template: &str, id: &str, sha256: &str) -> String {
    template.replace("{id}", id).replace("{sha256}", sha256)
}

/// The path of one photo upload (`PUT`), for a client building the URL.
pub fn foto_path(zaak_id: &str, sha256: &str) -> String {
    paths::FOTO
        .replace("{zaak_id}", zaak_id)
        .replace("{sha256}", sha256)
}

/// At most this many hashes in one `POST /v1/fotos/ontbrekend`; a client with more asks again.
pub const MAX_FOTO_HASHES: usize = 256;

/// The default largest photo the server accepts (`PUT` of [`paths::FOTO`]); the server's
/// `Limits` may set another.
pub const MAX_FOTO_BYTES: usize = 10 << 20;

/// `POST /v1/fotos/ontbrekend`: the photos (SHA-256, lowercase hex) a device holds for a zaak.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FotosOntbrekendRequest {
    pub zaak_id: String,
    pub hashes: Vec<String>,
}

/// `POST /v1/fotos/ontbrekend`: of the asked hashes, those an entry of the zaak references and
/// the server has not got yet (`ontbrekend`: upload them), and those no entry of the zaak's
/// stored document references (`niet_verwezen`: not accepted, e.g. the entry has not reached
/// the server yet). Every other asked hash is stored on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FotosOntbrekendResponse {
    pub ontbrekend: Vec<String>,
    pub niet_verwezen: Vec<String>,
}

/// An HTTP method of a route, lowercase as OpenAPI writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
            Method::Put => "put",
            Method::Delete => "delete",
        }
    }
}

/// One route of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Route {
    pub method: Method,
    pub path: &'static str,
}

const fn route(method: Method, path: &'static str) -> Route {
    Route { method, path }
}

/// Every route of the JSON/CBOR API, in the order the OpenAPI description lists them. (The
/// console's HTML pages are not part of the API.)
pub const ROUTES: &[Route] = &[
    route(Method::Get, paths::HEALTHZ),
    route(Method::Get, paths::OPENAPI),
    route(Method::Post, paths::ENROLL),
    route(Method::Get, paths::POLICY),
    route(Method::Post, paths::SYNC),
    route(Method::Get, paths::KEYS),
    route(Method::Post, paths::SESSION),
    route(Method::Delete, paths::SESSION),
    route(Method::Get, paths::CODE),
    route(Method::Post, paths::CODE),
    route(Method::Get, paths::AUDIT),
    route(Method::Get, paths::DEVICES),
    route(Method::Post, paths::DEVICE_REVOKE),
    route(Method::Get, paths::FLAGS),
    route(Method::Post, paths::FLAG_RESOLVE),
    route(Method::Get, paths::ZAKEN),
    route(Method::Get, paths::ZAAK),
    route(Method::Post, paths::FOTOS_ONTBREKEND),
    route(Method::Put, paths::FOTO),
    route(Method::Get, paths::ZAAK_RAPPORT),
    route(Method::Get, paths::ZAAK_EXPORT),
    route(Method::Get, paths::SIGNAALSOORTEN),
    route(Method::Post, paths::SIGNALEN),
    route(Method::Post, paths::SIGNAAL_BEOORDELING),
    route(Method::Get, paths::WERKVOORRAAD),
    route(Method::Post, paths::APP_SESSIES),
    route(Method::Get, paths::APP_SESSIE),
    route(Method::Get, paths::APP_SESSIE_FOTO),
    route(Method::Post, paths::APP_SESSIE_HINTS),
    route(Method::Post, paths::APP_SESSIE_EINDE),
];

/// The body of every refusal: `{"code": "...", "message": "<Dutch>", "instruction"?: "wipe"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A stable snake_case code.
    pub code: String,
    /// What the user reads, in Dutch.
    pub message: String,
    /// An instruction for the device, e.g. `wipe` for a revoked device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instruction: Option<Instruction>,
}

impl ErrorBody {
    /// Reads a refusal's body; a body that is not an [`ErrorBody`] (a proxy's HTML page, a
    /// truncated answer) becomes a generic `server_error` that names the status.
    pub fn from_answer(status: u16, body: &[u8]) -> ErrorBody {
        serde_json::from_slice(body).unwrap_or_else(|_| ErrorBody {
            code: "server_error".into(),
            message: format!("De server weigerde de aanvraag (HTTP {status}) zonder uitleg."),
            instruction: None,
        })
    }
}

/// `POST /v1/enroll`: what the device sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollRequest {
    /// The one-time code the supervisor gave (dashes and case do not matter).
    pub code: String,
    /// The device's Ed25519 public key, 32 bytes as lowercase hex.
    pub public_key: String,
}

/// `POST /v1/enroll`: what the server answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub device_id: String,
    /// The handhaver the device belongs to.
    pub user: String,
    pub organisation: String,
    /// The organisation's Ed25519 public key (hex): pin it; it verifies every policy bundle.
    pub org_public_key: String,
    pub policy_version: u64,
    pub policy: SignedPolicy,
}

/// `GET /v1/policy`: the newest signed bundle.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PolicyResponse {
    pub version: u64,
    pub policy: SignedPolicy,
}

/// `GET /v1/keys` (device-signed): every device of the organisation with its public key and
/// revocation state, signed with the organisation key (`evidence::directory`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeysResponse {
    pub keys: SignedKeyList,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_body_round_trips_and_a_foreign_body_becomes_server_error() {
        let body = br#"{"code":"device_revoked","message":"Ingetrokken.","instruction":"wipe"}"#;
        let parsed = ErrorBody::from_answer(403, body);
        assert_eq!(parsed.code, "device_revoked");
        assert_eq!(parsed.instruction, Some(Instruction::Wipe));
        let again = serde_json::to_vec(&parsed).unwrap();
        assert_eq!(ErrorBody::from_answer(403, &again), parsed);

        let without = serde_json::to_string(&ErrorBody {
            instruction: None,
            ..parsed
        })
        .unwrap();
        assert!(!without.contains("instruction"));

        let html = ErrorBody::from_answer(502, b"<html>Bad gateway</html>");
        assert_eq!(html.code, "server_error");
        assert!(html.message.contains("HTTP 502"));
    }

    #[test]
    fn every_route_is_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for r in ROUTES {
            assert!(seen.insert((r.method, r.path)), "{r:?} twice");
            assert!(r.path.starts_with('/'));
        }
    }
}

/// `POST /v1/app-sessies`: a session of the digital huisbezoek of `visit_id` on the client's own
/// phone, with the consent text the device recorded as asked (`toestemming_gevraagd`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppSessieRequest {
    pub zaak_id: String,
    pub visit_id: String,
    pub variant: veldwerk_rules::protocol::Variant,
    pub tekst: String,
    pub tekst_hash: String,
    /// How long the link works; default 15 minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geldig_seconden: Option<u32>,
}

/// The answer to [`AppSessieRequest`]: what the device shows the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppSessieGestart {
    pub sessie: String,
    /// The link's path on this server (`/k/<token>`); the device puts its server address before it.
    pub pad: String,
    /// The verification code the client enters (6 digits).
    pub code: String,
    pub verloopt_om: chrono::DateTime<chrono::Utc>,
}

/// Where a session stands (`GET /v1/app-sessies/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppSessieStand {
    pub sessie: String,
    pub zaak_id: String,
    pub visit_id: String,
    /// `wacht_op_code`, `gekoppeld` or `beeindigd`.
    pub status: String,
    /// Why it ended: `toestemming_geweigerd`, `toestemming_ingetrokken`,
    /// `vragenlijst_ondertekend`, `handhaver`, `verlopen`, `te_veel_pogingen`.
    pub einde: Option<String>,
    pub verloopt_om: chrono::DateTime<chrono::Utc>,
    pub tekst_hash: String,
    pub binding: Option<crate::evidence::klantverklaring::Binding>,
    pub binding_handtekening: Option<String>,
    pub verklaringen: Vec<AppVerklaring>,
    pub hints: Vec<AppHint>,
}

/// One statement of the client, as the browser signed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppVerklaring {
    pub n: u64,
    pub gebeurtenis: serde_json::Value,
    pub handtekening: String,
    pub ontvangen_om: chrono::DateTime<chrono::Utc>,
}

/// One hint of the handhaver to the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppHint {
    pub n: u64,
    pub tekst: String,
    pub door: String,
    pub om: chrono::DateTime<chrono::Utc>,
}

/// `POST /v1/app-sessies/{id}/hints`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppHintRequest {
    pub tekst: String,
}
