//! The read API for the case system (`server/docs/api.md`, "Zaken lezen"): the zaken changed
//! since a moment, one zaak with its visits and every entry with its verification verdict.
//! Supervisor or admin, by bearer token. The bodies are built from [`crate::dossier`], the read
//! model the zaak page uses, so the case system and the console never disagree.
//!
//! Shaped for a ZGW adapter (Zaken API / Documenten API): a zaak maps to a ZGW zaak with its
//! identification, status and result, each visit's rapport to an informatieobject (a PDF with
//! its SHA-256), the export to the documents of a zaak in one go.

use axum::extract::{Path, Query, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use veldwerk_contract::evidence::{Entry, EntryStatus};
use veldwerk_rules::protocol::Event;
use veldwerk_rules::Notice;

use super::AppState;
use crate::dossier::{self, Dossier, DossierEntry, VisitDossier};
use crate::error::{AppError, Error};
use crate::labels;
use crate::session::Supervisor;
use crate::zaken::{self, Zaak};

/// At most this many zaken per answer; the next page starts at the last `changed_at`.
pub const MAX_LIMIT: i64 = 500;

fn rfc3339(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

/// A zaak as listed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ZaakItem {
    pub zaak_id: String,
    pub label: String,
    pub adres: String,
    /// `open` or `gesloten`.
    pub status: String,
    /// `h2` (Werk en Inkomen, besluit) or `h6` (Poort, advies).
    pub werkproces: String,
    pub deadline: Option<chrono::NaiveDate>,
    pub created_at: DateTime<Utc>,
    /// The later of the office data's and the document's last change.
    pub changed_at: DateTime<Utc>,
    pub afsluiting: Option<AfsluitingBody>,
    /// Where to read the whole zaak.
    pub url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AfsluitingBody {
    /// `advies` or `besluit`, from the werkproces (seed 000).
    pub soort: String,
    pub uitkomst: String,
    pub reden: String,
    pub door: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ZakenList {
    pub zaken: Vec<ZaakItem>,
    /// Pass as `changed_since` for the next page; `None` when this page was the last.
    pub next_changed_since: Option<DateTime<Utc>>,
}

fn item(z: &Zaak, changed_at: i64) -> ZaakItem {
    ZaakItem {
        zaak_id: z.id.clone(),
        label: z.label.clone(),
        adres: z.adres.clone(),
        status: z.status.clone(),
        werkproces: serde_json::to_value(z.melding.werkproces)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        deadline: z.deadline,
        created_at: rfc3339(z.created_at),
        changed_at: rfc3339(changed_at),
        afsluiting: z.afsluiting.as_ref().map(|a| AfsluitingBody {
            soort: labels::uitkomst(a.soort).to_owned(),
            uitkomst: a.uitkomst.clone(),
            reden: a.reden.clone(),
            door: a.door.clone(),
            at: rfc3339(a.at),
        }),
        url: format!("/v1/zaken/{}", z.id),
    }
}

/// The query of `GET /v1/zaken`, kept as text so a bad value gets a Dutch refusal.
#[derive(Debug, Default, Deserialize)]
pub struct ZakenQuery {
    pub status: Option<String>,
    pub changed_since: Option<String>,
    pub limit: Option<String>,
}

/// `GET /v1/zaken?status=open|gesloten&changed_since=RFC3339&limit=N`.
pub async fn list(
    State(state): State<AppState>,
    _s: Supervisor,
    Query(q): Query<ZakenQuery>,
) -> Result<Json<ZakenList>, AppError> {
    let status = match q.status.as_deref() {
        None | Some("") => None,
        Some(s @ ("open" | "gesloten")) => Some(s.to_owned()),
        Some(_) => {
            return Err(AppError::from(Error::bad_request(
                "status_invalid",
                "Status is 'open' of 'gesloten' (of laat hem weg).",
            )))
        }
    };
    let since = match q.changed_since.as_deref() {
        None | Some("") => None,
        Some(s) => Some(
            DateTime::parse_from_rfc3339(s)
                .map_err(|_| {
                    AppError::from(Error::bad_request(
                        "changed_since_invalid",
                        "changed_since is een tijdstip in RFC 3339, bijvoorbeeld 2026-12-01T08:00:00Z.",
                    ))
                })?
                .timestamp(),
        ),
    };
    let limit = match q.limit.as_deref() {
        None | Some("") => 100,
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                AppError::from(Error::bad_request(
                    "limit_invalid",
                    format!("limit is een getal van 1 tot en met {MAX_LIMIT}."),
                ))
            })?,
    };
    let rows = state
        .db
        .call(move |db| db.read(|tx| zaken::changed_since(tx, status.as_deref(), since, limit)))
        .await?;
    let next = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|(_, c)| rfc3339(*c)))
        .flatten();
    Ok(Json(ZakenList {
        zaken: rows.iter().map(|(z, c)| item(z, *c)).collect(),
        next_changed_since: next,
    }))
}

/// One zaak with everything recorded about it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ZaakBody {
    #[serde(flatten)]
    pub zaak: ZaakItem,
    /// The melding handhaving as recorded (seed 000).
    pub melding: serde_json::Value,
    pub toewijzingen: Vec<ToewijzingBody>,
    pub bezoeken: Vec<BezoekBody>,
    /// Why the document could not be read, if so.
    pub document_problem: Option<Notice>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToewijzingBody {
    pub handhaver: String,
    pub assigned_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BezoekBody {
    pub bezoek_id: String,
    /// `huisbezoek` or `huisbezoek_app`.
    pub actie: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// Where the visit stands (`Fase`, snake_case) and in words.
    pub fase: String,
    pub fase_label: String,
    pub einde: Option<String>,
    pub handhavers: Vec<String>,
    pub leider: Option<String>,
    /// Every entry verified.
    pub intact: bool,
    pub problem: Option<Notice>,
    pub rapport_url: String,
    pub vastleggingen: Vec<VastleggingBody>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VastleggingBody {
    /// The signed entry exactly as stored (signature, chain link, policy context, body).
    pub entry: Entry,
    /// The event kind (`soort`) and in words.
    pub soort: Option<String>,
    pub soort_label: String,
    /// The decoded body, when this server knows the event.
    pub event: Option<Event>,
    /// `ok`, `altered`, `key_unknown`, `forged_copy`, ... and the reason in Dutch.
    pub status: EntryStatus,
    pub verdict: Notice,
    pub handhaver: Option<String>,
    pub corrected_by: Vec<String>,
    pub anomaly: Option<Notice>,
    pub flags: Vec<i64>,
    /// Other stored copies under this entry's id, each with its own verdict.
    pub other_copies: Vec<CopyBody>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CopyBody {
    pub status: EntryStatus,
    pub entry: Entry,
}

fn vastlegging(e: &DossierEntry) -> VastleggingBody {
    VastleggingBody {
        entry: e.entry.clone(),
        soort: e.event.as_ref().map(|ev| ev.soort().as_str().to_owned()),
        soort_label: e
            .event
            .as_ref()
            .map(|ev| labels::soort(ev.soort()))
            .unwrap_or("onleesbare vastlegging")
            .to_owned(),
        event: e.event.clone(),
        status: e.status,
        verdict: e.verdict.clone(),
        handhaver: e.handhaver.clone(),
        corrected_by: e.corrected_by.clone(),
        anomaly: e.anomaly.clone(),
        flags: e.flags.clone(),
        other_copies: e
            .other_copies
            .iter()
            .map(|c| CopyBody {
                status: c.status,
                entry: c.entry.clone(),
            })
            .collect(),
    }
}

fn bezoek(zaak_id: &str, v: &VisitDossier) -> BezoekBody {
    BezoekBody {
        bezoek_id: v.meta.visit_id.clone(),
        actie: v.meta.kind.id().to_owned(),
        created_by: v.meta.created_by.clone(),
        created_at: v.meta.created_at,
        fase: v.fase.as_str().to_owned(),
        fase_label: labels::fase(v.fase).to_owned(),
        einde: v.einde.map(|e| labels::einde(e).to_owned()),
        handhavers: v.handhavers.clone(),
        leider: v.leider.clone(),
        intact: v.intact,
        problem: v.problem.clone(),
        rapport_url: format!(
            "/v1/zaken/{zaak_id}/bezoeken/{}/rapport.pdf",
            v.meta.visit_id
        ),
        vastleggingen: v.entries.iter().map(vastlegging).collect(),
    }
}

/// The API's view of a dossier (also the export's `zaak.json`).
pub fn body(d: &Dossier, changed_at: i64) -> ZaakBody {
    ZaakBody {
        zaak: item(&d.zaak, changed_at),
        melding: serde_json::to_value(&d.zaak.melding).unwrap_or_default(),
        toewijzingen: d
            .toewijzingen
            .iter()
            .map(|t| ToewijzingBody {
                handhaver: t.handhaver.clone(),
                assigned_at: rfc3339(t.assigned_at),
                withdrawn_at: t.withdrawn_at.map(rfc3339),
            })
            .collect(),
        bezoeken: d.visits.iter().map(|v| bezoek(&d.zaak.id, v)).collect(),
        document_problem: d.document_problem.clone(),
    }
}

/// `GET /v1/zaken/{zaak_id}`.
pub async fn get(
    State(state): State<AppState>,
    _s: Supervisor,
    Path(zaak_id): Path<String>,
) -> Result<Json<ZaakBody>, AppError> {
    let cache = state.dossiers.clone();
    let (d, changed) = state
        .db
        .call(move |db| {
            db.read(|tx| {
                let d = dossier::load_cached(tx, &zaak_id, &cache)?;
                let changed = zaken::changed_at(tx, &zaak_id)?;
                Ok((d, changed))
            })
        })
        .await?;
    Ok(Json(body(&d, changed)))
}

fn attachment(
    content_type: &'static str,
    file_name: String,
    body: axum::body::Body,
    len: Option<u64>,
) -> axum::response::Response {
    use axum::http::{header, HeaderValue};
    use axum::response::IntoResponse;
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(len) = len {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `GET /v1/zaken/{zaak_id}/bezoeken/{bezoek_id}/rapport.pdf`: the visit's rapport (PDF/A, its
/// evidence attached; `server/docs/rapport-evidence.md`), with its SHA-256 in
/// `x-veldwerk-sha256` for the case system's integrity field.
pub async fn rapport(
    State(state): State<AppState>,
    _s: Supervisor,
    Path((zaak_id, bezoek_id)): Path<(String, String)>,
) -> Result<axum::response::Response, AppError> {
    use crate::web::rapport::file_part;
    let name = format!(
        "rapport-{}-{}.pdf",
        file_part(&zaak_id),
        file_part(&bezoek_id)
    );
    let (pdf, _) = crate::rapport::rapport_pdf(&state, zaak_id, bezoek_id).await?;
    let sha = hex::encode(ring::digest::digest(&ring::digest::SHA256, &pdf).as_ref());
    let len = pdf.len() as u64;
    let mut r = attachment("application/pdf", name, pdf.into(), Some(len));
    if let Ok(v) = axum::http::HeaderValue::from_str(&sha) {
        r.headers_mut().insert("x-veldwerk-sha256", v);
    }
    Ok(r)
}

/// `GET /v1/zaken/{zaak_id}/export`: the zaak as a ZIP (`crate::export`), streamed from a
/// temporary file.
pub async fn export(
    State(state): State<AppState>,
    _s: Supervisor,
    Path(zaak_id): Path<String>,
) -> Result<axum::response::Response, AppError> {
    use crate::web::rapport::file_part;
    let name = format!("zaak-{}.zip", file_part(&zaak_id));
    let org = state.org.clone();
    let cache = state.dossiers.clone();
    let (file, len) = state
        .db
        .call(move |db| {
            let (d, changed) = db.read(|tx| {
                Ok((
                    dossier::load_cached(tx, &zaak_id, &cache)?,
                    zaken::changed_at(tx, &zaak_id)?,
                ))
            })?;
            let json = serde_json::to_vec_pretty(&body(&d, changed))
                .map_err(|e| Error::Data(e.to_string()))?;
            crate::export::write(db, &org, &zaak_id, &json, crate::db::now())
        })
        .await?;
    let stream = tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(file));
    Ok(attachment(
        "application/zip",
        name,
        axum::body::Body::from_stream(stream),
        Some(len),
    ))
}
