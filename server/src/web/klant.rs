//! `/k/…`: the client's page of the digital huisbezoek on their own phone (issue 16 §2;
//! `server/docs/app-sessie.md`). No sign-in: the link's token finds the session, the code binds
//! the browser's key, and the secret the page gets then carries every later request. The page
//! and its script and style are served from this binary (nothing loaded from elsewhere); the
//! rules are in `app_sessie`.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use maud::html;
use serde::Deserialize;
use serde_json::json;

use crate::app_sessie::{self, Koppeling, MAX_FOTO_BYTES};
use crate::db::now;
use crate::error::{AppError, Error};
use crate::state::AppState;

const PAGINA: &str = include_str!("klant/pagina.html");
const SCRIPT: &str = include_str!("klant/app.js");
const STIJL: &str = include_str!("klant/app.css");

/// The page as served: its style and script inline, allowed by their hashes in the page's
/// Content-Security-Policy (nothing else runs), so a phone on 3G at the door needs one round
/// trip, not two.
struct Pagina {
    html: String,
    csp: String,
}

fn csp_hash(text: &str) -> String {
    use base64::Engine;
    let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
    )
}

fn pagina_inline() -> &'static Pagina {
    static PAGINA_INLINE: std::sync::LazyLock<Pagina> = std::sync::LazyLock::new(|| {
        Pagina {
        html: PAGINA
            .replace(
                r#"<link rel="stylesheet" href="/k/app.css">"#,
                &format!("<style>{STIJL}</style>"),
            )
            .replace(r#"<script src="/k/app.js" defer></script>"#, "")
            .replace("</body>", &format!("<script>{SCRIPT}</script>\n</body>")),
        csp: format!(
            "default-src 'none'; script-src {}; style-src {} 'self'; img-src 'self' blob: data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
            csp_hash(SCRIPT),
            csp_hash(STIJL)
        ),
    }
    });
    &PAGINA_INLINE
}

/// The header that carries the session's secret.
pub const GEHEIM: &str = "x-sessie-geheim";

/// The routes of the client's page, with their own headers (a script of this server only; the
/// token never leaves in a Referer). The page and its script and style travel gzipped: on a
/// phone's 3G at the door they are most of what is loaded.
pub fn routes() -> Router<AppState> {
    let assets = Router::new()
        .route("/k/app.js", get(script))
        .route("/k/app.css", get(stijl))
        .route("/k/{token}", get(pagina))
        .layer(tower_http::compression::CompressionLayer::new().gzip(true));
    Router::new()
        .merge(assets)
        .route("/k/{token}/koppel", post(koppel))
        .route(
            "/k/{token}/foto",
            post(foto).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/k/{token}/verklaring", post(verklaring))
        .route("/k/{token}/status", get(status))
        .layer(axum::middleware::map_response(headers))
}

async fn headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
            ),
        );
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}

async fn script() -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        SCRIPT,
    )
}

async fn stijl() -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        STIJL,
    )
}

/// A page saying why the link does not work (any more), in plain Dutch.
fn weigerpagina(status: StatusCode, message: &str) -> Response {
    let page = html! {
        (maud::DOCTYPE)
        html lang="nl" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Huisbezoek via de app" }
                link rel="stylesheet" href="/k/app.css";
            }
            body {
                main id="app" data-scherm="beeindigd" {
                    h1 { "Deze link werkt niet meer" }
                    p role="alert" { (message) }
                }
            }
        }
    };
    (status, page).into_response()
}

fn refusal(e: Error) -> AppError {
    AppError::from(e)
}

/// `GET /k/{token}`: the page, while the link is unused and the session runs.
async fn pagina(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let result = state
        .db
        .call(move |db| db.write(|tx| app_sessie::link(tx, &token, now())))
        .await;
    match result {
        Ok(Ok(())) => {
            let page = pagina_inline();
            let mut response = (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                )],
                page.html.clone(),
            )
                .into_response();
            if let Ok(csp) = HeaderValue::from_str(&page.csp) {
                response
                    .headers_mut()
                    .insert(header::CONTENT_SECURITY_POLICY, csp);
            }
            response
        }
        Ok(Err(Error::Refused {
            status, message, ..
        }))
        | Err(Error::Refused {
            status, message, ..
        }) => weigerpagina(status, &message),
        Ok(Err(e)) | Err(e) => refusal(e).into_response(),
    }
}

#[derive(Deserialize)]
struct KoppelBody {
    code: String,
    sleutel: String,
}

fn json_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    serde_json::from_slice(bytes).map_err(|_| {
        AppError::new(
            StatusCode::BAD_REQUEST,
            "body_invalid",
            "De pagina stuurde iets wat de server niet begrijpt. Laad de pagina opnieuw.",
        )
    })
}

/// `POST /k/{token}/koppel`.
async fn koppel(
    State(state): State<AppState>,
    Path(token): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<serde_json::Value>, AppError> {
    let asked: KoppelBody = json_body(&body)?;
    if asked.code.len() > 32 || asked.sleutel.len() > 128 {
        return Err(AppError::new(
            StatusCode::BAD_REQUEST,
            "body_invalid",
            "De code of de sleutel is te lang.",
        ));
    }
    let org = state.org.clone();
    let koppeling = state
        .db
        .call(move |db| {
            db.write(|tx| app_sessie::koppel(tx, &org, &token, &asked.code, &asked.sleutel, now()))
        })
        .await?;
    match koppeling {
        Koppeling::Geweigerd(e) => Err(refusal(e)),
        Koppeling::Gekoppeld(k) => Ok(Json(json!({
            "sessie": k.sessie,
            "bezoek": k.bezoek,
            "geheim": k.geheim,
            "verloopt_om": k.verloopt_om,
            "vragenlijst": k.vragenlijst,
            "toestemming": { "variant": k.variant, "tekst": k.tekst, "tekst_hash": k.tekst_hash },
        }))),
    }
}

fn geheim(headers: &HeaderMap) -> String {
    headers
        .get(GEHEIM)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(128)
        .collect()
}

/// `POST /k/{token}/foto`: the photo's bytes; answers its SHA-256. The session and its secret
/// are checked before a byte of the body is read, so a stranger's large body costs nothing.
async fn foto(
    State(state): State<AppState>,
    Path(token): Path<String>,
    req: axum::extract::Request,
) -> Result<Json<serde_json::Value>, AppError> {
    let geheim = geheim(req.headers());
    let (t, g) = (token.clone(), geheim.clone());
    state
        .db
        .call(move |db| db.read(|tx| app_sessie::check_client(tx, &t, &g, now())))
        .await?;
    let body = axum::body::to_bytes(req.into_body(), MAX_FOTO_BYTES)
        .await
        .map_err(|_| {
            AppError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!(
                    "De foto is te groot (hoogstens {} MiB).",
                    MAX_FOTO_BYTES >> 20
                ),
            )
        })?;
    let sha = state
        .db
        .call(move |db| db.write(|tx| app_sessie::foto(tx, &token, &geheim, &body, now())))
        .await?
        .map_err(refusal)?;
    Ok(Json(json!({ "sha256": sha })))
}

#[derive(Deserialize)]
struct VerklaringBody {
    n: u64,
    gebeurtenis: serde_json::Value,
    handtekening: String,
}

/// `POST /k/{token}/verklaring`: one signed statement of the client.
async fn verklaring(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<serde_json::Value>, AppError> {
    let asked: VerklaringBody = json_body(&body)?;
    let geheim = geheim(&headers);
    let ontvangen = state
        .db
        .call(move |db| {
            db.write(|tx| {
                app_sessie::verklaring(
                    tx,
                    &token,
                    &geheim,
                    asked.n,
                    &asked.gebeurtenis,
                    &asked.handtekening,
                    now(),
                )
            })
        })
        .await?
        .map_err(refusal)?;
    Ok(Json(
        json!({ "n": ontvangen.n, "beeindigd": ontvangen.beeindigd }),
    ))
}

#[derive(Deserialize)]
struct StatusQuery {
    #[serde(default)]
    na: u64,
}

/// `GET /k/{token}/status?na=N`: whether the session runs, and the hints after `N`.
async fn status(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<StatusQuery>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, AppError> {
    let geheim = geheim(&headers);
    let stand = state
        .db
        .call(move |db| db.write(|tx| app_sessie::pagina_stand(tx, &token, &geheim, q.na, now())))
        .await?
        .map_err(refusal)?;
    Ok(Json(json!({
        "status": if stand.beeindigd.is_some() { "beeindigd" } else { "gekoppeld" },
        "einde": stand.beeindigd.as_deref().map(|e| json!({
            "code": e,
            "message": app_sessie::einde_woorden(e),
        })),
        "hints": stand.hints,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page carries its style and script inline (one round trip on 3G) and the policy
    /// allows exactly those two by hash.
    #[test]
    fn the_page_inlines_its_script_and_style_and_allows_only_those() {
        let page = pagina_inline();
        assert!(page.html.contains(&format!("<script>{SCRIPT}</script>")));
        assert!(page.html.contains(&format!("<style>{STIJL}</style>")));
        assert!(!page.html.contains("src=\"/k/app.js\""));
        assert!(page.csp.contains(&csp_hash(SCRIPT)));
        assert!(!page.csp.contains("unsafe-inline"));
    }
}
