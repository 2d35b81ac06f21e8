//! The rapport van bevindingen as an A4 PDF/A-3b in Dutch, rendered from its
//! [`RapportEvidence`] alone and carrying it as the attached file `rapport-bewijs.json`.
//!
//! Rendering is a pure function of the evidence (format 1): the PDF's dates come from
//! `generated_at`, its document id is the evidence hash, and nothing else varies, so
//! [`super::verify::verify_pdf`] can check the printed text by rendering again and comparing
//! bytes.

use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Europe::Amsterdam;
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::embed::{AssociationKind, EmbeddedFile, MimeType};
use krilla::image::Image;
use krilla::metadata::{DateTime as PdfDate, Metadata};
use krilla::{Document, SerializeSettings};
use ring::digest::{digest, SHA256};
use std::collections::BTreeMap;
use veldwerk_contract::evidence::{
    key_id_for, klantverklaring, read_visit, verify_visit, EntryStatus, ReadEntry,
};
use veldwerk_rules::protocol::toestemming::tekst_hash;
use veldwerk_rules::protocol::{
    activiteit, ondertekend_ondanks, Activiteit, Bezoek, Event, Grondslag,
};

use super::evidence::{evidence_hash, RapportEvidence};
use super::layout::{self, faces, Layout, Style, BODY, GREEN, GREY, LABEL, MONO_SMALL, RED, SMALL};
use crate::labels;

/// The name of the attached evidence file.
pub const EVIDENCE_FILE: &str = "rapport-bewijs.json";

/// Why a rapport could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RapportError {
    #[error("Het rapport kan niet worden opgemaakt: {0}")]
    Render(String),
}

impl RapportError {
    pub fn code(&self) -> &'static str {
        match self {
            RapportError::Render(_) => "rapport_render_failed",
        }
    }
}

const MAANDEN: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];

/// "2 december 2026, 10:15" in Europe/Amsterdam.
pub fn datum_tijd(t: DateTime<Utc>) -> String {
    let l = t.with_timezone(&Amsterdam);
    format!(
        "{} {} {}, {:02}:{:02}",
        l.day(),
        MAANDEN[l.month0() as usize % 12],
        l.year(),
        l.hour(),
        l.minute()
    )
}

/// "10:15:30" in Europe/Amsterdam.
pub fn tijd(t: DateTime<Utc>) -> String {
    t.with_timezone(&Amsterdam).format("%H:%M:%S").to_string()
}

fn ja_nee(b: bool) -> &'static str {
    if b {
        "ja"
    } else {
        "nee"
    }
}

/// The visit as the rapport reads it: every entry (the copy that counts, its verdict, its other
/// copies) with its event when readable.
struct Reading {
    entries: Vec<ReadEntry>,
    events: Vec<Option<Event>>,
    key_list_valid: bool,
    keys: Option<veldwerk_contract::evidence::KeyList>,
}

impl Reading {
    fn of(evidence: &RapportEvidence) -> Reading {
        let keys = hex::decode(&evidence.organisation_public_key)
            .ok()
            .and_then(|pk| evidence.key_list.verify(&pk).ok());
        let directory = keys.as_ref().map(|k| k.directory()).unwrap_or_default();
        let verification = verify_visit(&evidence.visit.visit_id, &evidence.entries, &directory);
        let entries = read_visit(evidence.entries.clone(), &verification);
        let events = entries.iter().map(|r| r.entry.event().ok()).collect();
        Reading {
            entries,
            events,
            key_list_valid: keys.is_some(),
            keys,
        }
    }

    /// `(number, entry, event)` of every readable entry, numbers from 1 in reading order.
    fn each(&self) -> impl Iterator<Item = (usize, &ReadEntry, &Event)> {
        self.entries
            .iter()
            .zip(&self.events)
            .enumerate()
            .filter_map(|(i, (r, e))| e.as_ref().map(|e| (i + 1, r, e)))
    }

    fn number_of(&self, entry_id: &str) -> Option<usize> {
        self.entries
            .iter()
            .position(|r| r.entry.entry_id == entry_id)
            .map(|i| i + 1)
    }
}

/// "#3, 10:15:30": how an entry is cited in the text.
fn cite(n: usize, r: &ReadEntry) -> String {
    format!("#{n}, {}", tijd(r.entry.recorded_at))
}

/// The free text of an event, as a correction quotes it.
fn text_of(event: &Event) -> Option<String> {
    match event {
        Event::Waarneming { tekst, .. }
        | Event::WaarnemingTerPlaatse { tekst, .. }
        | Event::Correctie { tekst, .. }
        | Event::Rapport { tekst, .. }
        | Event::ToestemmingGevraagd { tekst, .. } => Some(tekst.clone()),
        Event::LegitimatieEnDoel { doel, .. } => Some(doel.clone()),
        Event::NietInStaat { toelichting, .. } => Some(toelichting.clone()),
        Event::BezoekAfgebroken { reden } => Some(reden.clone()),
        Event::Internetonderzoek { bevindingen, .. } => Some(bevindingen.clone()),
        Event::Aankondiging { toelichting, .. }
        | Event::NiemandAanwezig { toelichting }
        | Event::Afsluiting { toelichting } => toelichting.clone(),
        _ => None,
    }
}

/// The photos a rapport shows as thumbnails, by SHA-256 (lowercase hex) of their bytes.
pub type Fotos = BTreeMap<String, Vec<u8>>;

/// The name a photo is attached under in the PDF: `foto-<sha256>.jpg` or `.png`.
pub fn foto_file(sha256: &str, bytes: &[u8]) -> Option<String> {
    match crate::photos::content_type(bytes) {
        "image/jpeg" => Some(format!("foto-{sha256}.jpg")),
        "image/png" => Some(format!("foto-{sha256}.png")),
        _ => None,
    }
}

/// The photos of `fotos` the rapport of `evidence` shows: named by an entry of the visit, the
/// bytes matching their hash, JPEG or PNG that decodes; each with its attachment name.
fn shown(reading: &Reading, fotos: &Fotos) -> BTreeMap<String, (String, Image)> {
    let mut out = BTreeMap::new();
    for (_, _, ev) in reading.each() {
        for sha in ev.fotos() {
            let Some(bytes) = fotos.get(sha) else {
                continue;
            };
            if out.contains_key(sha) || hex::encode(digest(&SHA256, bytes)) != sha {
                continue;
            }
            let Some(name) = foto_file(sha, bytes) else {
                continue;
            };
            let image = if name.ends_with(".jpg") {
                Image::from_jpeg(bytes.clone().into(), false)
            } else {
                Image::from_png(bytes.clone().into(), false)
            };
            if let Ok(image) = image {
                out.insert(sha.to_owned(), (name, image));
            }
        }
    }
    out
}

/// Renders the rapport of `evidence` as PDF/A-3b bytes, without photos.
pub fn render(evidence: &RapportEvidence) -> Result<Vec<u8>, RapportError> {
    render_with_fotos(evidence, &Fotos::new())
}

/// Renders the rapport of `evidence` as PDF/A-3b bytes; the photos of `fotos` its entries name
/// are shown as thumbnails and attached (`foto-<sha256>.jpg`), so the check can render it again
/// from the file alone.
pub fn render_with_fotos(
    evidence: &RapportEvidence,
    fotos: &Fotos,
) -> Result<Vec<u8>, RapportError> {
    let faces = faces().ok_or_else(|| RapportError::Render("lettertype onleesbaar".into()))?;
    let json = evidence
        .to_json()
        .map_err(|e| RapportError::Render(e.to_string()))?;
    let hash = evidence_hash(&json);
    let reading = Reading::of(evidence);
    let shown = shown(&reading, fotos);

    let activiteit = Activiteit::van(evidence.visit.kind);
    let mut l = Layout::new(faces);
    header(&mut l, evidence, &reading);
    grondslag(&mut l, &reading);
    aankondiging(&mut l, &reading, activiteit);
    aanwezig(&mut l, &reading);
    toestemming(&mut l, &reading, activiteit);
    waarnemingen(&mut l, &reading, &shown);
    correcties(&mut l, &reading);
    afsluiting(&mut l, &reading, activiteit);
    rapport(&mut l, &reading);
    waarschuwingen(&mut l, &reading);
    verificatie(&mut l, evidence, &reading, &hash)?;

    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A3_B)
        .finish()
        .map_err(|e| RapportError::Render(format!("{e:?}")))?;
    let settings = SerializeSettings {
        configuration,
        ..SerializeSettings::default()
    };
    let mut document = Document::new_with(settings);
    let date = pdf_date(evidence.generated_at);
    document.set_metadata(
        Metadata::new()
            .title(format!(
                "Rapport van bevindingen, zaak {}, huisbezoek {}",
                evidence.zaak.zaak_id, evidence.visit.visit_id
            ))
            .language("nl".into())
            .authors(vec![evidence.organisation.clone()])
            .creator("Veldwerk".into())
            .producer("Veldwerk".into())
            .creation_date(date)
            .document_id(hash.clone()),
    );
    document
        .embed_file(EmbeddedFile {
            path: EVIDENCE_FILE.into(),
            mime_type: MimeType::new("application/json"),
            description: Some(
                "Het bewijs van dit rapport: de ondertekende vastleggingen van het huisbezoek en \
                 de sleutellijst van de organisatie"
                    .into(),
            ),
            association_kind: AssociationKind::Source,
            data: json.into(),
            modification_date: Some(date),
            // Uncompressed: the evidence can be read from the file with any tool.
            compress: Some(false),
            location: None,
        })
        .ok_or_else(|| RapportError::Render("bijlage dubbel".into()))?;
    for (sha, (name, _)) in &shown {
        let Some(bytes) = fotos.get(sha) else {
            continue;
        };
        document
            .embed_file(EmbeddedFile {
                path: name.clone(),
                mime_type: MimeType::new(if name.ends_with(".png") {
                    "image/png"
                } else {
                    "image/jpeg"
                }),
                description: Some(format!("Foto uit een vastlegging, SHA-256 {sha}")),
                association_kind: AssociationKind::Supplement,
                data: bytes.clone().into(),
                modification_date: Some(date),
                compress: Some(false),
                location: None,
            })
            .ok_or_else(|| RapportError::Render("bijlage dubbel".into()))?;
    }
    let zaak_id = evidence.zaak.zaak_id.clone();
    l.draw(&mut document, |n, total| {
        (
            format!("Rapport van bevindingen · zaak {zaak_id}"),
            format!("Pagina {n} van {total}"),
        )
    })
    .ok_or_else(|| RapportError::Render("paginaformaat".into()))?;
    document
        .finish()
        .map_err(|e| RapportError::Render(format!("{e:?}")))
}

fn pdf_date(t: DateTime<Utc>) -> PdfDate {
    let year = u16::try_from(t.year().clamp(0, 9999)).unwrap_or(1970);
    PdfDate::new(year)
        .month(t.month() as u8)
        .day(t.day() as u8)
        .hour(t.hour() as u8)
        .minute(t.minute() as u8)
        .second(t.second() as u8)
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}

fn header(l: &mut Layout, e: &RapportEvidence, reading: &Reading) {
    l.text(&e.organisation, LABEL.color(GREY));
    l.gap(2.0);
    l.text(
        "Rapport van bevindingen",
        Style {
            size: 20.0,
            bold: true,
            color: layout::ACCENT,
        },
    );
    l.text(e.visit.kind.label(), BODY.color(GREY));
    l.gap(6.0);
    l.rule(layout::ACCENT);
    l.gap(4.0);
    let a = &e.zaak.address;
    l.field("Zaak", &format!("{} — {}", e.zaak.zaak_id, e.zaak.label));
    l.field(
        "Adres",
        &format!("{} {}, {} {}", a.street, a.house_number, a.postcode, a.city),
    );
    l.field("Werkproces", e.zaak.werkproces.omschrijving());
    let first = reading.entries.first().map(|r| r.entry.recorded_at);
    l.field(
        "Datum bezoek",
        &datum_tijd(first.unwrap_or(e.visit.created_at)),
    );
    l.field("Kenmerk bezoek", &e.visit.visit_id);
    let (bezoek, _) = Bezoek::replay(reading.events.iter().flatten());
    let verloop = match bezoek.einde() {
        Some(einde) => labels::einde(einde).to_owned(),
        None => format!("nog niet afgesloten ({})", labels::fase(bezoek.state())),
    };
    l.field("Verloop", &verloop);
    l.field("Rapport opgemaakt", &datum_tijd(e.generated_at));
    l.field(
        "Tijden",
        "Alle tijden in Nederlandse tijd (Europe/Amsterdam). #n verwijst naar de vastlegging \
         met dat nummer in het verificatieblok.",
    );
}

fn none_recorded(l: &mut Layout) {
    l.text("Niet vastgelegd.", BODY.color(GREY));
}

/// For a section only a huisbezoek has (the aankondiging, consent at the door).
fn not_applicable(l: &mut Layout, activiteit: Activiteit) {
    l.text(
        &format!("Niet van toepassing bij {}.", activiteit.woord()),
        BODY.color(GREY),
    );
}

fn grondslag(l: &mut Layout, reading: &Reading) {
    l.heading("1. Aanleiding en grondslag");
    let mut any = false;
    for (n, r, ev) in reading.each() {
        let Event::Aanleiding { actie, grondslag } = ev else {
            continue;
        };
        any = true;
        l.field("Vastgelegd", &cite(n, r));
        l.field("Actie", actie.label());
        match grondslag {
            Grondslag::ConcreteAanwijzing {
                feiten,
                geraadpleegde_bronnen,
                waarom_niet_minder_ingrijpend,
            } => {
                l.field("Grondslag", "concrete aanwijzing");
                for (i, f) in feiten.iter().enumerate() {
                    l.field(
                        &format!("Feit {}", i + 1),
                        &format!("{} (bron: {})", f.omschrijving, labels::bron(f.bron)),
                    );
                }
                l.field("Geraadpleegde bronnen", &geraadpleegde_bronnen.join("; "));
                l.field(
                    "Waarom niet minder ingrijpend",
                    waarom_niet_minder_ingrijpend,
                );
            }
            Grondslag::TwijfelZonderAanwijzing {
                twijfel,
                andere_wijze_onderzocht,
            } => {
                l.field("Grondslag", "twijfel zonder concrete aanwijzing");
                l.field("Twijfel", twijfel);
                l.field("Andere wijze onderzocht", andere_wijze_onderzocht);
            }
            Grondslag::Dienstverlening { reden } => {
                l.field("Grondslag", "dienstverlening");
                l.field("Reden", reden);
            }
        }
    }
    if !any {
        none_recorded(l);
    }
}

fn aankondiging(l: &mut Layout, reading: &Reading, activiteit: Activiteit) {
    l.heading("2. Aankondiging");
    if activiteit != Activiteit::Huisbezoek {
        not_applicable(l, activiteit);
        return;
    }
    let mut any = false;
    for (n, r, ev) in reading.each() {
        if let Event::Aankondiging { wijze, toelichting } = ev {
            any = true;
            l.field("Het bezoek was", labels::aankondiging(*wijze));
            if let Some(t) = toelichting {
                l.field("Toelichting", t);
            }
            l.field("Vastgelegd", &cite(n, r));
        }
    }
    if !any {
        none_recorded(l);
    }
}

fn aanwezig(l: &mut Layout, reading: &Reading) {
    l.heading("3. Aanwezig, legitimatie en doel");
    let mut any = false;
    for (n, r, ev) in reading.each() {
        match ev {
            Event::AanDeDeur {
                handhavers,
                leider,
                minderjarigen_aanwezig,
            } => {
                any = true;
                l.field("Aan de deur", &cite(n, r));
                l.field("Handhavers aanwezig", &handhavers.join(", "));
                l.field("Leiding", leider);
                l.field(
                    "Minderjarigen aanwezig",
                    labels::minderjarigen(*minderjarigen_aanwezig),
                );
            }
            Event::LegitimatieEnDoel {
                legitimatie_getoond,
                doel,
            } => {
                any = true;
                l.field("Legitimatie getoond", ja_nee(*legitimatie_getoond));
                l.field("Doel zoals genoemd", doel);
                l.field("Vastgelegd", &cite(n, r));
            }
            Event::WaarnemingTerPlaatseGestart {
                handhavers,
                leider,
                vervoer,
                medewerkers_per_auto,
            } => {
                any = true;
                l.field("Waarneming ter plaatse begonnen", &cite(n, r));
                l.field("Handhavers", &handhavers.join(", "));
                l.field("Leiding", leider);
                let mut reis = activiteit::vervoer_woord(*vervoer).to_owned();
                if let Some(p) = medewerkers_per_auto {
                    reis.push_str(&format!(", {p} medewerker(s) per auto"));
                }
                l.field("Vervoer", &reis);
            }
            Event::GesprekGestart {
                met,
                rol,
                wijze,
                handhavers,
                leider,
            } => {
                any = true;
                l.field("Gesprek begonnen", &cite(n, r));
                l.field("Gesprek met", &format!("{met} ({})", labels::rol(*rol)));
                l.field("Wijze", wijze.woord());
                l.field("Gevoerd door", &handhavers.join(", "));
                l.field("Leiding", leider);
            }
            _ => {}
        }
    }
    if !any {
        none_recorded(l);
    }
}

fn toestemming(l: &mut Layout, reading: &Reading, activiteit: Activiteit) {
    l.heading("4. Toestemming");
    if activiteit != Activiteit::Huisbezoek {
        not_applicable(l, activiteit);
        return;
    }
    let mut any = false;
    for (n, r, ev) in reading.each() {
        use veldwerk_rules::protocol::EventSoort as S;
        if !matches!(
            ev.soort(),
            S::ToestemmingGevraagd
                | S::ToestemmingGegeven
                | S::ToestemmingGeweigerd
                | S::NiemandAanwezig
                | S::NietInStaat
                | S::Binnentreden
                | S::ToestemmingIngetrokken
                | S::ExtraToestemming
                | S::ToestemmingsconflictBeslecht
        ) {
            continue;
        }
        any = true;
        match ev {
            Event::ToestemmingGevraagd {
                variant,
                tekst,
                tekst_hash: hash,
                aanleiding,
                tolk,
            } => {
                l.field("Toestemming gevraagd", &cite(n, r));
                l.field(
                    "Aanleiding aan de deur",
                    if aanleiding.trim().is_empty() {
                        "niet vastgelegd (vastgelegd vóór dit veld bestond)"
                    } else {
                        aanleiding
                    },
                );
                l.field("Tekst", labels::variant(*variant));
                if let Some(t) = tolk {
                    l.field(
                        "Via tolk",
                        &format!("{} (tekst overgebracht in het {})", t.naam, t.taal),
                    );
                }
                l.text("Getoonde tekst (letterlijk):", LABEL.color(GREY));
                l.quote(tekst, BODY);
                let klopt = tekst_hash(tekst) == *hash;
                l.field("SHA-256 van de tekst", hash);
                l.field(
                    "Controle",
                    if klopt {
                        "de hash komt overeen met de getoonde tekst"
                    } else {
                        "LET OP: de hash komt niet overeen met de getoonde tekst"
                    },
                );
            }
            Event::ToestemmingsconflictBeslecht {
                door,
                uitkomst,
                toelichting,
            } => {
                l.field(
                    "Toestemmingsconflict beslecht",
                    &format!(
                        "door {door} ({}): {}",
                        cite(n, r),
                        labels::conflict_uitkomst(*uitkomst)
                    ),
                );
                l.field("Toelichting", toelichting);
            }
            Event::ToestemmingGegeven {
                door,
                rol,
                leeftijd,
                onderwerp_van_twijfel,
            } => {
                l.field(
                    "Toestemming gegeven",
                    &format!(
                        "door {door}, als {}, {} ({})",
                        labels::rol(*rol),
                        labels::antwoorder(*leeftijd, *onderwerp_van_twijfel),
                        cite(n, r)
                    ),
                );
            }
            Event::ToestemmingGeweigerd {
                door,
                rol,
                gewezen_op_gevolgen,
                leeftijd,
                onderwerp_van_twijfel,
                uitgesloten_ruimtes,
            } => {
                l.field(
                    "Toestemming geweigerd",
                    &format!(
                        "door {door}, als {}, {} ({})",
                        labels::rol(*rol),
                        labels::antwoorder(*leeftijd, *onderwerp_van_twijfel),
                        cite(n, r)
                    ),
                );
                if uitgesloten_ruimtes.is_empty() {
                    l.field("Gewezen op de gevolgen", ja_nee(*gewezen_op_gevolgen));
                } else {
                    l.field(
                        "Alleen uitgesloten",
                        &format!(
                            "{} (weigering geldt alleen voor de eigen kamer)",
                            uitgesloten_ruimtes.join(", ")
                        ),
                    );
                }
            }
            Event::NiemandAanwezig { toelichting } => {
                l.field("Niemand aanwezig", &cite(n, r));
                if let Some(t) = toelichting {
                    l.field("Toelichting", t);
                }
            }
            Event::NietInStaat {
                toelichting,
                reden,
                tolk_taal,
                tolk,
                vervolg,
                nieuwe_afspraak,
            } => {
                l.field("Niet in staat mee te werken", &cite(n, r));
                l.field("Reden", labels::niet_in_staat_reden(*reden));
                l.field("Toelichting", toelichting);
                if let Some(t) = tolk_taal {
                    l.field("Tolk kan helpen in", t);
                }
                if let Some(t) = tolk {
                    l.field("Tolk", t);
                }
                if let Some(v) = vervolg {
                    l.field("Vervolg", v);
                }
                if let Some(d) = nieuwe_afspraak {
                    l.field("Nieuwe afspraak", &d.format("%d-%m-%Y").to_string());
                }
            }
            Event::Binnentreden => l.field("Binnengetreden", &cite(n, r)),
            Event::ToestemmingIngetrokken { door, rol } => l.field(
                "Toestemming ingetrokken",
                &format!("door {door}, als {} ({})", labels::rol(*rol), cite(n, r)),
            ),
            Event::ExtraToestemming {
                onderwerp,
                ruimte,
                door,
                rol,
                gegeven,
            } => {
                let waar = ruimte
                    .as_deref()
                    .map_or("hele woning".to_owned(), |r| format!("ruimte {r}"));
                l.field(
                    &format!("Aparte toestemming: {}", labels::extra(*onderwerp)),
                    &format!(
                        "{} door {door}, als {}; {waar} ({})",
                        if *gegeven {
                            "gegeven"
                        } else {
                            "geweigerd of ingetrokken"
                        },
                        labels::rol(*rol),
                        cite(n, r)
                    ),
                );
            }
            _ => {}
        }
    }
    if !any {
        none_recorded(l);
    }
}

/// The thumbnails of the photos `hashes` that the rapport shows.
fn thumbnails<'a>(
    l: &mut Layout,
    shown: &BTreeMap<String, (String, Image)>,
    hashes: impl IntoIterator<Item = &'a str>,
) {
    let images: Vec<Image> = hashes
        .into_iter()
        .filter_map(|h| shown.get(h).map(|(_, i)| i.clone()))
        .collect();
    l.thumbnails(&images, 110.0);
}

fn waarnemingen(l: &mut Layout, reading: &Reading, shown: &BTreeMap<String, (String, Image)>) {
    l.heading("5. Waarnemingen");
    let mut rooms: Vec<&str> = Vec::new();
    for (_, _, ev) in reading.each() {
        if let Event::Waarneming { ruimte, .. } = ev {
            if !rooms.contains(&ruimte.as_str()) {
                rooms.push(ruimte);
            }
        }
    }
    let ter_plaatse = reading.each().any(|(_, _, ev)| {
        matches!(
            ev,
            Event::WaarnemingTerPlaatse { .. }
                | Event::Internetonderzoek { .. }
                | Event::VraagBeantwoord { .. }
                | Event::VragenlijstOndertekend { .. }
                | Event::AanwijzingGestuurd { .. }
        )
    });
    if reading
        .each()
        .any(|(_, _, ev)| matches!(ev, Event::VraagBeantwoord { .. }))
    {
        l.subheading("Vragenlijst, beantwoord door de klant");
    }
    if rooms.is_empty() && !ter_plaatse {
        l.text("Er zijn geen waarnemingen vastgelegd.", BODY.color(GREY));
    }
    for (n, r, ev) in reading.each() {
        match ev {
            Event::WaarnemingTerPlaatse {
                plek,
                tekst,
                vanaf_openbare_weg,
                waargenomen_om,
            } => {
                l.subheading(&format!("Ter plaatse: {plek}"));
                l.field(&cite(n, r), tekst);
                let mut details = vec![if *vanaf_openbare_weg {
                    "vanaf de openbare weg".to_owned()
                } else {
                    "niet vanaf de openbare weg".to_owned()
                }];
                if let Some(t) = waargenomen_om {
                    details.push(format!("waargenomen {}", datum_tijd(*t)));
                }
                l.field("", &details.join("; "));
            }
            Event::VraagBeantwoord {
                vragenlijst,
                versie,
                sleutel,
                antwoord,
                door,
            } => {
                let waar = if matches!(r.entry.klantverklaring(), Ok(Some(_))) {
                    ", op de eigen telefoon ondertekend"
                } else {
                    ""
                };
                l.field(
                    &cite(n, r),
                    &format!(
                        "{}: {} (beantwoord door {door}{waar})",
                        labels::vraag(vragenlijst, *versie, sleutel),
                        antwoord.woorden()
                    ),
                );
                for h in antwoord.fotos() {
                    l.field("", &format!("foto van de klant, SHA-256 {h}"));
                }
                thumbnails(l, shown, antwoord.fotos());
            }
            Event::AanwijzingGestuurd { door, tekst } => {
                l.field(
                    &cite(n, r),
                    &format!("aanwijzing van {door} aan de klant: “{tekst}”"),
                );
            }
            Event::VragenlijstOndertekend { door, handtekening } => {
                l.field(
                    &cite(n, r),
                    &format!(
                        "De antwoorden zijn ondertekend door {door} (handtekening met de vinger, \
                         {}, als vectoren vastgelegd in de vastlegging):",
                        match handtekening.strepen.len() {
                            1 => "1 streek".to_owned(),
                            n => format!("{n} streken"),
                        }
                    ),
                );
                l.handtekening(handtekening, 200.0, 80.0);
            }
            Event::Internetonderzoek {
                door,
                bronnen,
                waarom_evenredig,
                waarom_niet_minder_ingrijpend,
                bevindingen,
            } => {
                l.subheading("Internetonderzoek");
                l.field("Vastgelegd", &format!("{} door {door}", cite(n, r)));
                l.field("Geraadpleegd", &bronnen.join(", "));
                l.field("Waarom evenredig", waarom_evenredig);
                l.field(
                    "Waarom niet minder ingrijpend",
                    waarom_niet_minder_ingrijpend,
                );
                l.field("Gevonden", bevindingen);
            }
            _ => {}
        }
    }
    for room in rooms {
        l.subheading(&format!("Ruimte: {room}"));
        for (n, r, ev) in reading.each() {
            let Event::Waarneming {
                ruimte,
                tekst,
                foto,
                kast_geopend,
                kamer_van,
            } = ev
            else {
                continue;
            };
            if ruimte != room {
                continue;
            }
            l.field(&cite(n, r), tekst);
            let mut details = Vec::new();
            details.push(match foto {
                Some(h) => format!("foto gemaakt, SHA-256 {h}"),
                None => "geen foto".to_owned(),
            });
            if *kast_geopend {
                details.push("kasten of lades geopend".to_owned());
            }
            if let Some(k) = kamer_van {
                details.push(format!("kamer van {k}"));
            }
            l.field("", &details.join("; "));
            thumbnails(l, shown, foto.as_deref());
        }
    }
}

fn correcties(l: &mut Layout, reading: &Reading) {
    l.heading("6. Correcties");
    let mut any = false;
    for (n, r, ev) in reading.each() {
        let Event::Correctie { corrigeert, tekst } = ev else {
            continue;
        };
        any = true;
        let target = reading.number_of(corrigeert);
        match target {
            Some(m) => {
                let original = &reading.entries[m - 1];
                let soort = reading.events[m - 1]
                    .as_ref()
                    .map_or("onleesbare vastlegging", |e| labels::soort(e.soort()));
                l.field(
                    &format!("Correctie {}", cite(n, r)),
                    &format!("corrigeert {} ({soort})", cite(m, original)),
                );
                if let Some(orig) = reading.events[m - 1].as_ref().and_then(text_of) {
                    l.field("Oorspronkelijke tekst", &format!("“{orig}”"));
                }
            }
            None => l.field(
                &format!("Correctie {}", cite(n, r)),
                &format!("corrigeert een vastlegging die niet in dit bezoek staat ({corrigeert})"),
            ),
        }
        l.field("Correctie", &format!("“{tekst}”"));
        l.gap(3.0);
    }
    if !any {
        l.text("Er zijn geen correcties vastgelegd.", BODY.color(GREY));
    }
}

fn afsluiting(l: &mut Layout, reading: &Reading, activiteit: Activiteit) {
    l.heading("7. Afsluiting");
    let mut any = false;
    let einde = match activiteit {
        Activiteit::Huisbezoek => "Woning verlaten",
        Activiteit::WaarnemingTerPlaatse => "Waarneming beëindigd",
        Activiteit::Gesprek => "Gesprek beëindigd",
        Activiteit::Onderzoek => "Onderzoek afgerond",
    };
    for (n, r, ev) in reading.each() {
        match ev {
            Event::Afsluiting { toelichting } => {
                any = true;
                l.field(einde, &cite(n, r));
                if let Some(t) = toelichting {
                    l.field("Toelichting", t);
                }
            }
            Event::BezoekAfgebroken { reden } => {
                any = true;
                l.field("Bezoek afgebroken", &cite(n, r));
                l.field("Reden", reden);
            }
            Event::UitnodigingBespreking { datum, toelichting } => {
                any = true;
                l.field(
                    "Uitgenodigd voor bespreking",
                    &match datum {
                        Some(d) => format!("op {} ({})", d.format("%d-%m-%Y"), cite(n, r)),
                        None => cite(n, r),
                    },
                );
                if let Some(t) = toelichting {
                    l.field("Toelichting", t);
                }
            }
            _ => {}
        }
    }
    if !any {
        none_recorded(l);
    }
}

fn rapport(l: &mut Layout, reading: &Reading) {
    l.heading("8. Rapport");
    let mut any = false;
    for (n, r, ev) in reading.each() {
        let Event::Rapport {
            tekst,
            opgemaakt_door,
        } = ev
        else {
            continue;
        };
        any = true;
        l.text(tekst, BODY);
        l.gap(6.0);
        l.text(
            "Dit rapport is naar waarheid opgemaakt onder ambtseed of ambtsbelofte door:",
            LABEL,
        );
        for o in opgemaakt_door {
            l.field(
                &o.handhaver,
                &format!("onder {}", labels::ambtsverklaring(o.verklaring)),
            );
        }
        l.field("Vastgelegd", &cite(n, r));
    }
    if !any {
        l.text("Er is (nog) geen rapport vastgelegd.", BODY.color(GREY));
    }
}

fn waarschuwingen(l: &mut Layout, reading: &Reading) {
    l.heading("9. Waarschuwingen feitelijk taalgebruik");
    l.text(
        "Bij het vastleggen getoond; ze blokkeren niets (seed 000: gebaseerd op feiten, geen \
         insinuaties of onderbuikgevoelens).",
        SMALL,
    );
    let mut any = false;
    for (n, r, ev) in reading.each() {
        for w in ev.factual_warnings() {
            any = true;
            l.field(
                &cite(n, r),
                &format!(
                    "“{}” in {}: {} Suggestie: {}",
                    w.warning.matched,
                    labels::soort(ev.soort()).to_lowercase(),
                    w.warning.notice.message,
                    w.warning.suggestion
                ),
            );
        }
    }
    // What the handhaver signed despite the warnings is part of the signed entry itself.
    for (n, r, _) in reading.each() {
        if let Some(ondanks) = ondertekend_ondanks(&r.entry.taalwaarschuwingen()) {
            any = true;
            l.field(&cite(n, r), &ondanks);
        }
    }
    if !any {
        l.text("Er zijn geen waarschuwingen getoond.", BODY.color(GREY));
    }
    let (_, anomalies) = Bezoek::replay(reading.each().map(|(_, _, e)| e));
    if !anomalies.is_empty() {
        l.subheading("Afwijkingen van het protocol");
        let numbers: Vec<(usize, &ReadEntry)> = reading.each().map(|(n, r, _)| (n, r)).collect();
        for a in anomalies {
            let label = numbers
                .get(a.index)
                .map_or_else(String::new, |(n, r)| cite(*n, r));
            l.field(
                &label,
                &format!("{}: {}", labels::soort(a.soort), a.notice.message),
            );
        }
    }
}

fn verificatie(
    l: &mut Layout,
    e: &RapportEvidence,
    reading: &Reading,
    hash: &str,
) -> Result<(), RapportError> {
    l.heading("10. Verificatie");
    l.field(
        "Bewijsbestand",
        &format!("{EVIDENCE_FILE}, als bijlage in dit PDF-bestand"),
    );
    l.field("SHA-256 bewijsbestand", hash);
    l.field("Sleutel organisatie", &e.organisation_public_key);
    l.field(
        "Sleutellijst",
        if reading.key_list_valid {
            "ondertekend met de sleutel van de organisatie: klopt"
        } else {
            "LET OP: de handtekening onder de sleutellijst klopt niet"
        },
    );
    let signed = hex::decode(&e.organisation_public_key)
        .map(|k| e.signature_valid(&k))
        .unwrap_or(false);
    l.field(
        "Bewijs ondertekend",
        if signed {
            "door de organisatie (zaak, adres, bezoek en vastleggingen): klopt"
        } else {
            "LET OP: de handtekening van de organisatie onder het bewijs klopt niet"
        },
    );
    let org_key = hex::decode(&e.organisation_public_key).unwrap_or_default();
    let (mut klant_ok, mut klant_fout) = (0, 0);
    for r in &reading.entries {
        match klantverklaring::check(&r.entry, &e.zaak.zaak_id, &org_key) {
            Ok(Some(_)) => klant_ok += 1,
            Ok(None) => {}
            Err(_) => klant_fout += 1,
        }
    }
    if klant_ok + klant_fout > 0 {
        l.field(
            "Verklaringen van de klant",
            &if klant_fout == 0 {
                format!(
                    "{klant_ok} op de eigen telefoon van de klant ondertekend met een sleutel \
                     die de organisatie aan de sessie koppelde: klopt"
                )
            } else {
                format!(
                    "LET OP: {klant_fout} van {} verklaringen van de klant kloppen niet met de \
                     handtekening van de klant",
                    klant_ok + klant_fout
                )
            },
        );
    }
    l.subheading("Apparaatsleutels");
    if let Some(keys) = &reading.keys {
        for d in &keys.devices {
            let fingerprint = hex::decode(&d.public_key)
                .map(|k| key_id_for(&k))
                .unwrap_or_else(|_| "onleesbare sleutel".into());
            let mut value = format!("handhaver {}, vingerafdruk {fingerprint}", d.user);
            if let Some(at) = d.revoked_at {
                value.push_str(&format!(", ingetrokken op {}", datum_tijd(at)));
            }
            l.field(&d.device_id, &value);
        }
    }
    l.subheading("Vastleggingen");
    let total = reading.entries.len();
    let mut verified = 0;
    for (i, r) in reading.entries.iter().enumerate() {
        let ok = matches!(r.status, EntryStatus::Ok | EntryStatus::KeyRevoked);
        if ok {
            verified += 1;
        }
        let soort = reading.events[i]
            .as_ref()
            .map_or("onleesbaar", |e| labels::soort(e.soort()));
        let style = if ok {
            BODY.color(GREEN)
        } else {
            BODY.color(RED)
        };
        let value = format!(
            "{soort}; apparaat {} nr. {}: {}",
            r.entry.device_id,
            r.entry.seq,
            labels::status(r.status)
        );
        l.field_with(&cite(i + 1, r), &value, style);
        for c in &r.other_copies {
            l.text_at(
                layout::COL,
                layout::TEXT_W - layout::COL,
                &format!("andere kopie: {}", labels::status(c.status)),
                SMALL.color(if c.status == EntryStatus::Duplicate {
                    GREY
                } else {
                    RED
                }),
            );
        }
    }
    l.gap(4.0);
    let summary = if verified == total {
        format!("Alle {total} vastleggingen zijn geverifieerd.")
    } else {
        format!(
            "LET OP: {} van de {total} vastleggingen zijn niet geverifieerd.",
            total - verified
        )
    };
    l.text(
        &summary,
        LABEL.color(if verified == total { GREEN } else { RED }),
    );
    l.gap(8.0);
    let payload = format!(
        "veldwerk-rapport:v1:{}:{}:sha256:{hash}",
        e.zaak.zaak_id, e.visit.visit_id
    );
    let code = qrcode::QrCode::new(payload.as_bytes())
        .map_err(|err| RapportError::Render(format!("QR-code: {err}")))?;
    let dark: Vec<bool> = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    let controle = "Controleer dit rapport met: veldwerk-server rapport verify <bestand>.pdf. \
                    De controle leest het bewijsbestand, controleert elke handtekening, de \
                    ketens en de apparaatsleutels, en maakt het rapport opnieuw op: elk \
                    gewijzigd teken in de tekst of het bewijs valt op.";
    l.qr(
        &dark,
        code.width(),
        2.2,
        &[
            ("QR-code", LABEL),
            (&payload, MONO_SMALL),
            ("", SMALL),
            (controle, SMALL),
        ],
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// Issue 14: times in Europe/Amsterdam, winter (UTC+1) and summer (UTC+2) time alike.
    #[test]
    fn times_are_amsterdam_local_in_winter_and_summer() {
        let winter = Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 5).unwrap();
        let summer = Utc.with_ymd_and_hms(2026, 7, 1, 10, 0, 0).unwrap();
        assert_eq!(datum_tijd(winter), "23 november 2026, 11:00");
        assert_eq!(tijd(winter), "11:00:05");
        assert_eq!(datum_tijd(summer), "1 juli 2026, 12:00");
    }
}
