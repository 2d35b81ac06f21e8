//! The visit state machine: which recorded fact may follow which (seed 001, Protocol
//! huisbezoeken; Awbi art. 1; CRvB 11-04-2007 BA2410; CRvB 2-10-2007).
//!
//! Strict use: [`Bezoek::apply`] refuses a step the protocol does not allow, with a typed error.
//! After a CRDT merge of entries from two devices, [`Bezoek::replay`] applies what it can and
//! reports the rest as [`Anomaly`]s; it never fails and never drops an entry (the entries stay
//! in the store; the anomaly points at them by index).

use serde::{Deserialize, Serialize};

use super::toestemming::tekst_hash;
use super::{
    Aankondigingswijze, Activiteit, ConflictUitkomst, Event, EventSoort, ExtraOnderwerp, Grondslag,
    Leeftijdsgroep, ProtocolError, Rol, Variant,
};
use crate::routekaart::{Actie, Transport};
use crate::vragenlijst::Antwoorden;
use crate::Notice;

/// Where a visit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fase {
    /// Nothing recorded yet.
    Nieuw,
    /// The aanleiding (grondslag) is recorded.
    Aanleiding,
    /// Announced or deliberately unannounced.
    Aangekondigd,
    /// The handhavers are at the door.
    AanDeDeur,
    /// Identification shown and purpose stated (Awbi art. 1).
    Gelegitimeerd,
    /// The consent text was shown; waiting for the answer.
    ToestemmingGevraagd,
    /// Consent to enter given; not yet inside.
    ToestemmingGegeven,
    /// Inside the dwelling (or, for the app, the digital tour is running).
    Binnen,
    /// Another activity is under way: a waarneming ter plaatse, a gesprek, an administratief
    /// onderzoek ([`Activiteit`]).
    Bezig,
    /// The visit is over (see [`Einde`]); the rapport is next.
    Beeindigd,
    /// The rapport is recorded.
    Gerapporteerd,
    /// The client was invited to discuss the rapport.
    Uitgenodigd,
}

impl Fase {
    pub fn as_str(self) -> &'static str {
        match self {
            Fase::Nieuw => "nieuw",
            Fase::Aanleiding => "aanleiding",
            Fase::Aangekondigd => "aangekondigd",
            Fase::AanDeDeur => "aan_de_deur",
            Fase::Gelegitimeerd => "gelegitimeerd",
            Fase::ToestemmingGevraagd => "toestemming_gevraagd",
            Fase::ToestemmingGegeven => "toestemming_gegeven",
            Fase::Binnen => "binnen",
            Fase::Bezig => "bezig",
            Fase::Beeindigd => "beeindigd",
            Fase::Gerapporteerd => "gerapporteerd",
            Fase::Uitgenodigd => "uitgenodigd",
        }
    }

    /// Whether the visit itself is over (only rapport, correcties and the invitation remain).
    pub fn is_beeindigd(self) -> bool {
        matches!(
            self,
            Fase::Beeindigd | Fase::Gerapporteerd | Fase::Uitgenodigd
        )
    }
}

impl std::fmt::Display for Fase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a visit ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Einde {
    /// Nobody opened: not a refusal.
    NiemandAanwezig,
    /// The person present could not take part: not a refusal.
    NietInStaat,
    /// Consent to enter refused.
    Geweigerd,
    /// Consent withdrawn during the visit.
    Ingetrokken,
    /// Closed normally after the visit.
    Afgesloten,
    /// Broken off with a reason before its normal end (issue 14 item 2).
    Afgebroken,
}

/// A separate consent as recorded (latest decision covering a room wins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtraBesluit {
    pub onderwerp: ExtraOnderwerp,
    pub ruimte: Option<String>,
    pub door: String,
    pub rol: Rol,
    pub gegeven: bool,
}

/// An entry that could not be applied during [`Bezoek::replay`]: its index in the input, its
/// kind, and why (the code and message `apply` gave).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anomaly {
    pub index: usize,
    pub soort: EventSoort,
    pub notice: Notice,
}

/// Consent given on one device and refused on another for the same visit, found when the merged
/// entries are replayed (issue 15 point 5). While `beslecht` is `None` the visit takes no entry
/// but the lead handhaver's decision, a correctie or breaking the visit off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Toestemmingsconflict {
    /// The replay index of the entry that contradicted the earlier answer.
    pub index: usize,
    /// Who gave consent, and in which role.
    pub toestemming_door: (String, Rol),
    /// Who refused.
    pub weigering_door: String,
    /// The lead handhaver's decision, once recorded.
    pub beslecht: Option<ConflictUitkomst>,
    /// Where the visit stands when the consent stands.
    na_toestemming: (Fase, Option<Einde>),
}

/// One huisbezoek, as far as its recorded events take it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bezoek {
    fase: Fase,
    einde: Option<Einde>,
    actie: Option<Actie>,
    grondslag: Option<Grondslag>,
    aankondiging: Option<Aankondigingswijze>,
    handhavers: Vec<String>,
    leider: Option<String>,
    variant: Option<Variant>,
    toestemming_door: Option<(String, Rol)>,
    binnengetreden: bool,
    extra: Vec<ExtraBesluit>,
    waarnemingen: usize,
    correcties: usize,
    weigering_door: Option<String>,
    conflict: Option<Toestemmingsconflict>,
    /// How the officers of a waarneming ter plaatse travel, and how many per car.
    #[serde(default)]
    vervoer: Option<(Transport, Option<u32>)>,
    #[serde(default)]
    internetonderzoeken: usize,
    /// The client's answers in a digital tour, by question key (the latest answer counts).
    #[serde(default)]
    antwoorden: Antwoorden,
    /// Who signed the answers, once signed.
    #[serde(default)]
    ondertekend_door: Option<String>,
}

impl Default for Bezoek {
    fn default() -> Self {
        Self::new()
    }
}

/// At the door of a physical huisbezoek: two handhavers, one the lead (issue text; seed 004:
/// "App aangeboden door 1 handhaver" for the app). A waarneming ter plaatse or a gesprek needs
/// one (seed 004: "1 klant (meer mag) per keer bij 1 medewerker").
fn minimum_handhavers(actie: Actie) -> usize {
    match actie {
        Actie::Huisbezoek => 2,
        _ => 1,
    }
}

/// The officers present (each once, none blank) and the lead among them, for `actie`.
fn aanwezigen(
    actie: Actie,
    handhavers: &[String],
    leider: &str,
) -> Result<(Vec<String>, String), ProtocolError> {
    let mut present: Vec<String> = Vec::new();
    for h in handhavers {
        required("handhavers", h)?;
        let h = h.trim().to_owned();
        if !present.contains(&h) {
            present.push(h);
        }
    }
    let minimum = minimum_handhavers(actie);
    if present.len() < minimum {
        return Err(ProtocolError::TeWeinigHandhavers {
            actie: match actie {
                Actie::HuisbezoekApp => "huisbezoek via de app",
                Actie::Huisbezoek => "huisbezoek",
                Actie::Waarneming => "waarneming ter plaatse",
                _ => "gesprek",
            },
            minimum,
            aantal: present.len(),
        });
    }
    let leider = leider.trim();
    if !present.iter().any(|h| h == leider) {
        return Err(ProtocolError::LeiderNietAanwezig(leider.to_owned()));
    }
    Ok((present, leider.to_owned()))
}

fn required(veld: &str, value: &str) -> Result<(), ProtocolError> {
    if value.trim().is_empty() {
        Err(ProtocolError::VeldLeeg(veld.to_owned()))
    } else {
        Ok(())
    }
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Bezoek {
    pub fn new() -> Self {
        Self {
            fase: Fase::Nieuw,
            einde: None,
            actie: None,
            grondslag: None,
            aankondiging: None,
            handhavers: Vec::new(),
            leider: None,
            variant: None,
            toestemming_door: None,
            binnengetreden: false,
            extra: Vec::new(),
            waarnemingen: 0,
            correcties: 0,
            weigering_door: None,
            conflict: None,
            vervoer: None,
            internetonderzoeken: 0,
            antwoorden: Antwoorden::new(),
            ondertekend_door: None,
        }
    }

    /// The client's answers in the digital tour so far, by question key.
    pub fn antwoorden(&self) -> &Antwoorden {
        &self.antwoorden
    }

    /// Who signed the tour's answers, once they are signed.
    pub fn ondertekend_door(&self) -> Option<&str> {
        self.ondertekend_door.as_deref()
    }

    /// How the officers of a waarneming ter plaatse travel, and how many sit in one car.
    pub fn vervoer(&self) -> Option<(Transport, Option<u32>)> {
        self.vervoer
    }

    /// How many internetonderzoeken this activity recorded (seed 002 §9).
    pub fn internetonderzoeken(&self) -> usize {
        self.internetonderzoeken
    }

    /// The protocol family of this activity, once its aanleiding is recorded.
    pub fn activiteit(&self) -> Option<Activiteit> {
        self.actie.map(Activiteit::van)
    }

    /// Consent on one device and a refusal on another (issue 15 point 5), decided or not.
    pub fn toestemmingsconflict(&self) -> Option<&Toestemmingsconflict> {
        self.conflict.as_ref()
    }

    fn conflict_open(&self) -> bool {
        self.conflict.as_ref().is_some_and(|c| c.beslecht.is_none())
    }

    /// Whether `e`, refused by [`Bezoek::apply`] during a replay, contradicts the consent answer
    /// already recorded: the other device's answer to the same question.
    fn starts_conflict(&mut self, e: &Event, index: usize) -> bool {
        if self.conflict.is_some() {
            return false;
        }
        match e {
            Event::ToestemmingGeweigerd {
                door,
                rol,
                leeftijd,
                onderwerp_van_twijfel,
                ..
            } => {
                let voor_woning = match leeftijd {
                    None => true,
                    Some(Leeftijdsgroep::Minderjarig) => false,
                    Some(Leeftijdsgroep::Volwassen) => {
                        rol.mag_voor_woning_antwoorden(*onderwerp_van_twijfel)
                    }
                };
                let Some(toestemming) = self.toestemming_door.clone() else {
                    return false;
                };
                if !voor_woning || door.trim().is_empty() {
                    return false;
                }
                self.conflict = Some(Toestemmingsconflict {
                    index,
                    toestemming_door: toestemming,
                    weigering_door: door.trim().to_owned(),
                    beslecht: None,
                    na_toestemming: (self.fase, self.einde),
                });
                true
            }
            Event::ToestemmingGegeven { door, rol, .. } => {
                if self.einde != Some(Einde::Geweigerd) || door.trim().is_empty() {
                    return false;
                }
                self.conflict = Some(Toestemmingsconflict {
                    index,
                    toestemming_door: (door.trim().to_owned(), *rol),
                    weigering_door: self.weigering_door.clone().unwrap_or_default(),
                    beslecht: None,
                    na_toestemming: (Fase::ToestemmingGegeven, None),
                });
                true
            }
            _ => false,
        }
    }

    pub fn state(&self) -> Fase {
        self.fase
    }

    pub fn einde(&self) -> Option<Einde> {
        self.einde
    }

    pub fn actie(&self) -> Option<Actie> {
        self.actie
    }

    pub fn grondslag(&self) -> Option<&Grondslag> {
        self.grondslag.as_ref()
    }

    pub fn aankondiging(&self) -> Option<Aankondigingswijze> {
        self.aankondiging
    }

    /// Whether the grondslag allows an unannounced visit (seed 001 §1: only with a concrete
    /// aanwijzing), for the UI before the aankondiging is recorded.
    pub fn mag_onaangekondigd(&self) -> bool {
        self.grondslag
            .as_ref()
            .is_some_and(Grondslag::is_concrete_aanwijzing)
    }

    pub fn handhavers(&self) -> &[String] {
        &self.handhavers
    }

    pub fn leider(&self) -> Option<&str> {
        self.leider.as_deref()
    }

    /// Who gave consent to enter, and in which role.
    pub fn toestemming_door(&self) -> Option<(&str, Rol)> {
        self.toestemming_door
            .as_ref()
            .map(|(d, r)| (d.as_str(), *r))
    }

    /// Whether the handhavers entered at some point.
    pub fn binnengetreden(&self) -> bool {
        self.binnengetreden
    }

    pub fn extra_toestemmingen(&self) -> &[ExtraBesluit] {
        &self.extra
    }

    /// The rooms closed now: the latest decision about another occupant's room was a refusal
    /// (seed 001 §2), with who refused.
    pub fn uitgesloten_ruimtes(&self) -> Vec<(&str, &str)> {
        let mut out: Vec<(&str, &str)> = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for b in self.extra.iter().rev() {
            if b.onderwerp != ExtraOnderwerp::KamerAndereBewoner {
                continue;
            }
            let Some(r) = b.ruimte.as_deref() else {
                continue;
            };
            if seen.contains(&r) {
                continue;
            }
            seen.push(r);
            if !b.gegeven {
                out.push((r, b.door.as_str()));
            }
        }
        out.reverse();
        out
    }

    pub fn waarnemingen(&self) -> usize {
        self.waarnemingen
    }

    pub fn correcties(&self) -> usize {
        self.correcties
    }

    /// Non-blocking warnings about the visit as recorded so far.
    ///
    /// Seed 004, footnote **: findings made through the huisbezoek-app still need legal
    /// alignment with the partners (use and usability of the findings).
    pub fn warnings(&self) -> Vec<Notice> {
        let mut out = Vec::new();
        if self.actie == Some(Actie::HuisbezoekApp) && self.waarnemingen > 0 {
            out.push(Notice::new(
                "huisbezoek_app_vaststellingen_juridisch_af_te_stemmen",
                "Vaststellingen via de huisbezoek-app moeten op juridisch vlak (gebruik en \
                 bruikbaarheid) nog met de partners worden afgestemd.",
            ));
        }
        out
    }

    /// Applies events in order, strictly; stops at the first refusal.
    pub fn from_events<'a>(
        events: impl IntoIterator<Item = &'a Event>,
    ) -> Result<Bezoek, ProtocolError> {
        let mut b = Bezoek::new();
        for e in events {
            b.apply(e)?;
        }
        Ok(b)
    }

    /// Lenient replay (after a merge): every event that `apply` refuses becomes an anomaly and
    /// leaves the state as it was. Never fails, never panics.
    pub fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> (Bezoek, Vec<Anomaly>) {
        let mut b = Bezoek::new();
        let mut anomalies = Vec::new();
        for (index, e) in events.into_iter().enumerate() {
            if let Err(err) = b.apply(e) {
                // Every stored entry passed a device's strict check: one refused here answers
                // a question another device answered differently.
                let notice = if b.starts_conflict(e, index) {
                    ProtocolError::ToestemmingConflict.notice()
                } else {
                    err.notice()
                };
                anomalies.push(Anomaly {
                    index,
                    soort: e.soort(),
                    notice,
                });
            }
        }
        (b, anomalies)
    }

    /// The kinds of events the handhaver may record now (for the UI). An offered kind may still
    /// be refused for its content (e.g. unannounced without concrete aanwijzing).
    pub fn next_steps(&self) -> Vec<EventSoort> {
        use EventSoort as S;
        if self.conflict_open() {
            let mut steps = vec![S::ToestemmingsconflictBeslecht];
            if !self.fase.is_beeindigd() {
                steps.push(S::BezoekAfgebroken);
            }
            steps.push(S::Correctie);
            return steps;
        }
        let activiteit = self.activiteit().unwrap_or(Activiteit::Huisbezoek);
        match self.fase {
            Fase::Nieuw => vec![S::Aanleiding],
            Fase::Aanleiding => vec![activiteit.eerste_stap(), S::BezoekAfgebroken, S::Correctie],
            Fase::Aangekondigd => vec![S::AanDeDeur, S::BezoekAfgebroken, S::Correctie],
            Fase::AanDeDeur => vec![
                S::LegitimatieEnDoel,
                S::NiemandAanwezig,
                S::NietInStaat,
                S::BezoekAfgebroken,
                S::Correctie,
            ],
            Fase::Gelegitimeerd => vec![
                S::ToestemmingGevraagd,
                S::NietInStaat,
                S::BezoekAfgebroken,
                S::Correctie,
            ],
            Fase::ToestemmingGevraagd => vec![
                S::ToestemmingGegeven,
                S::ToestemmingGeweigerd,
                S::NietInStaat,
                S::BezoekAfgebroken,
                S::Correctie,
            ],
            Fase::ToestemmingGegeven => vec![
                S::Binnentreden,
                S::ExtraToestemming,
                S::ToestemmingIngetrokken,
                S::BezoekAfgebroken,
                S::Correctie,
            ],
            // The digital tour: the client answers the vragenlijst and signs (issue 16).
            Fase::Binnen if self.actie == Some(Actie::HuisbezoekApp) => {
                let mut steps = Vec::new();
                if self.ondertekend_door.is_none() {
                    steps.push(S::VraagBeantwoord);
                    steps.push(S::AanwijzingGestuurd);
                    if !self.antwoorden.is_empty() {
                        steps.push(S::VragenlijstOndertekend);
                    }
                }
                steps.extend([
                    S::Waarneming,
                    S::ExtraToestemming,
                    S::ToestemmingIngetrokken,
                    S::Afsluiting,
                    S::BezoekAfgebroken,
                    S::Correctie,
                ]);
                steps
            }
            Fase::Binnen => vec![
                S::Waarneming,
                S::ExtraToestemming,
                S::ToestemmingIngetrokken,
                S::Afsluiting,
                S::BezoekAfgebroken,
                S::Correctie,
            ],
            Fase::Bezig => {
                let mut steps = match activiteit {
                    Activiteit::WaarnemingTerPlaatse => vec![S::WaarnemingTerPlaatse],
                    Activiteit::Onderzoek => vec![S::Internetonderzoek],
                    Activiteit::Gesprek | Activiteit::Huisbezoek => Vec::new(),
                };
                steps.extend([S::Afsluiting, S::BezoekAfgebroken, S::Correctie]);
                steps
            }
            // A rapport is signed by the handhavers at the door, led by the leider: a visit
            // broken off before the door has nobody to sign one.
            Fase::Beeindigd if self.leider.is_none() => vec![S::Correctie],
            Fase::Beeindigd => vec![S::Rapport, S::Correctie],
            Fase::Gerapporteerd | Fase::Uitgenodigd => {
                vec![S::UitnodigingBespreking, S::Correctie]
            }
        }
    }

    fn ongeldig(&self, e: &Event) -> ProtocolError {
        ProtocolError::OngeldigeStap {
            soort: e.soort(),
            fase: self.fase,
        }
    }

    fn end(&mut self, einde: Einde) {
        self.fase = Fase::Beeindigd;
        self.einde = Some(einde);
    }

    /// The latest separate consent covering `ruimte` for `onderwerp`, among those given by
    /// someone `eligible`.
    fn extra_given(
        &self,
        onderwerp: ExtraOnderwerp,
        ruimte: &str,
        eligible: impl Fn(&ExtraBesluit) -> bool,
    ) -> bool {
        self.extra
            .iter()
            .rev()
            .find(|b| {
                b.onderwerp == onderwerp
                    && b.ruimte.as_deref().is_none_or(|r| r == ruimte)
                    && eligible(b)
            })
            .is_some_and(|b| b.gegeven)
    }

    /// Records one newly recorded event: [`Event::check_new`] (what older stored documents may
    /// lack), then [`Bezoek::apply`]. On `Err` the visit is unchanged.
    pub fn apply_new(&mut self, event: &Event) -> Result<(), ProtocolError> {
        event.check_new()?;
        self.apply(event)
    }

    /// Records one event, or refuses it with the reason. On `Err` the visit is unchanged.
    pub fn apply(&mut self, event: &Event) -> Result<(), ProtocolError> {
        let soort = event.soort();
        if self.conflict_open()
            && !matches!(
                soort,
                EventSoort::ToestemmingsconflictBeslecht
                    | EventSoort::Correctie
                    | EventSoort::BezoekAfgebroken
            )
        {
            return Err(ProtocolError::ToestemmingConflict);
        }
        if soort == EventSoort::ToestemmingsconflictBeslecht {
            return self.beslecht(event);
        }
        if self.fase == Fase::Nieuw && soort != EventSoort::Aanleiding {
            return Err(ProtocolError::AanleidingOntbreekt);
        }
        if self.fase.is_beeindigd()
            && !matches!(
                soort,
                EventSoort::Rapport | EventSoort::Correctie | EventSoort::UitnodigingBespreking
            )
        {
            return Err(ProtocolError::BezoekBeeindigd);
        }
        if let Some(activiteit) = self.activiteit() {
            if !activiteit.kent(soort) {
                return Err(ProtocolError::StapHoortNietBijActiviteit { soort, activiteit });
            }
        }
        match event {
            Event::Aanleiding { actie, grondslag } => {
                if self.fase != Fase::Nieuw {
                    return Err(self.ongeldig(event));
                }
                grondslag.validate()?;
                self.actie = Some(*actie);
                self.grondslag = Some(grondslag.clone());
                self.fase = Fase::Aanleiding;
            }
            Event::Aankondiging { wijze, .. } => {
                if self.fase != Fase::Aanleiding {
                    return Err(self.ongeldig(event));
                }
                // Seed 001 §1: unannounced only with a concrete aanwijzing.
                if *wijze == Aankondigingswijze::Onaangekondigd && !self.mag_onaangekondigd() {
                    return Err(ProtocolError::OnaangekondigdZonderConcreteAanwijzing);
                }
                self.aankondiging = Some(*wijze);
                self.fase = Fase::Aangekondigd;
            }
            Event::AanDeDeur {
                handhavers, leider, ..
            } => {
                match self.fase {
                    Fase::Aangekondigd => {}
                    Fase::Aanleiding => return Err(ProtocolError::AankondigingOntbreekt),
                    _ => return Err(self.ongeldig(event)),
                }
                let actie = self.actie.unwrap_or(Actie::Huisbezoek);
                let (present, leider) = aanwezigen(actie, handhavers, leider)?;
                self.leider = Some(leider);
                self.handhavers = present;
                self.fase = Fase::AanDeDeur;
            }
            Event::NiemandAanwezig { .. } => {
                if self.fase != Fase::AanDeDeur {
                    return Err(self.ongeldig(event));
                }
                self.end(Einde::NiemandAanwezig);
            }
            Event::NietInStaat {
                toelichting,
                tolk_taal,
                tolk,
                ..
            } => {
                if !matches!(
                    self.fase,
                    Fase::AanDeDeur | Fase::Gelegitimeerd | Fase::ToestemmingGevraagd
                ) {
                    return Err(self.ongeldig(event));
                }
                required("toelichting", toelichting)?;
                for (veld, waarde) in [("tolk_taal", tolk_taal), ("tolk", tolk)] {
                    if let Some(w) = waarde {
                        required(veld, w)?;
                    }
                }
                self.end(Einde::NietInStaat);
            }
            Event::LegitimatieEnDoel {
                legitimatie_getoond,
                doel,
            } => {
                if self.fase != Fase::AanDeDeur {
                    return Err(self.ongeldig(event));
                }
                if !legitimatie_getoond {
                    return Err(ProtocolError::LegitimatieNietGetoond);
                }
                if doel.trim().is_empty() {
                    return Err(ProtocolError::DoelNietMeegedeeld);
                }
                self.fase = Fase::Gelegitimeerd;
            }
            Event::ToestemmingGevraagd {
                variant,
                tekst,
                tekst_hash: hash,
                tolk,
                ..
            } => {
                match self.fase {
                    Fase::Gelegitimeerd => {}
                    Fase::AanDeDeur => return Err(ProtocolError::LegitimatieOntbreekt),
                    _ => return Err(self.ongeldig(event)),
                }
                required("tekst", tekst)?;
                // Seed 002 §3.1: consent through an interpreter names the interpreter and the
                // language the text was told in.
                if let Some(t) = tolk {
                    required("tolk.naam", &t.naam)?;
                    required("tolk.taal", &t.taal)?;
                }
                if *hash != tekst_hash(tekst) {
                    return Err(ProtocolError::TekstHashOnjuist);
                }
                if let Some(verwacht) = self.grondslag.as_ref().map(Grondslag::variant) {
                    if verwacht != *variant {
                        return Err(ProtocolError::VerkeerdeToestemmingstekst {
                            verwacht: verwacht.as_str(),
                            getoond: variant.as_str(),
                        });
                    }
                }
                self.variant = Some(*variant);
                self.fase = Fase::ToestemmingGevraagd;
            }
            Event::ToestemmingGegeven {
                door,
                rol,
                leeftijd,
                onderwerp_van_twijfel,
            } => {
                match self.fase {
                    Fase::ToestemmingGevraagd => {}
                    Fase::Aanleiding
                    | Fase::Aangekondigd
                    | Fase::AanDeDeur
                    | Fase::Gelegitimeerd => return Err(ProtocolError::ToestemmingNietGevraagd),
                    _ => return Err(self.ongeldig(event)),
                }
                required("door", door)?;
                // Seed 001 §2: only the belanghebbende consents for the dwelling; never a
                // minor, and a partner only when the doubt is not about that partner.
                if *leeftijd == Some(Leeftijdsgroep::Minderjarig) {
                    return Err(ProtocolError::AntwoordDoorMinderjarige);
                }
                if !rol.is_belanghebbende() {
                    return Err(ProtocolError::ToestemmingNietDoorBelanghebbende);
                }
                if !rol.mag_voor_woning_antwoorden(*onderwerp_van_twijfel) {
                    return Err(ProtocolError::PartnerOnderwerpVanTwijfel);
                }
                self.toestemming_door = Some((door.trim().to_owned(), *rol));
                self.fase = Fase::ToestemmingGegeven;
            }
            Event::ToestemmingGeweigerd {
                door,
                rol,
                gewezen_op_gevolgen,
                leeftijd,
                onderwerp_van_twijfel,
                uitgesloten_ruimtes,
            } => {
                match self.fase {
                    Fase::ToestemmingGevraagd => {}
                    Fase::Aanleiding
                    | Fase::Aangekondigd
                    | Fase::AanDeDeur
                    | Fase::Gelegitimeerd => return Err(ProtocolError::ToestemmingNietGevraagd),
                    _ => return Err(self.ongeldig(event)),
                }
                required("door", door)?;
                if *leeftijd == Some(Leeftijdsgroep::Minderjarig) {
                    return Err(ProtocolError::AntwoordDoorMinderjarige);
                }
                // Seed 001 §2: a refusal by someone who cannot answer for the dwelling limits
                // only that person's own room(s); the visit waits for the belanghebbende.
                // Entries recorded before the age group was asked keep their meaning.
                if leeftijd.is_some() && !rol.mag_voor_woning_antwoorden(*onderwerp_van_twijfel) {
                    if uitgesloten_ruimtes.is_empty() {
                        return Err(ProtocolError::UitgeslotenRuimteOntbreekt);
                    }
                    for r in uitgesloten_ruimtes {
                        required("uitgesloten_ruimtes", r)?;
                    }
                    for r in uitgesloten_ruimtes {
                        self.extra.push(ExtraBesluit {
                            onderwerp: ExtraOnderwerp::KamerAndereBewoner,
                            ruimte: Some(r.trim().to_owned()),
                            door: door.trim().to_owned(),
                            rol: *rol,
                            gegeven: false,
                        });
                    }
                    return Ok(());
                }
                // Seed 001 §2a: with a concrete aanwijzing the person is told the obligation
                // and the possible consequences of refusing.
                if self.variant == Some(Variant::A) && !gewezen_op_gevolgen {
                    return Err(ProtocolError::WeigeringGevolgenNietMeegedeeld);
                }
                // Seed 001 §2b/§3b: without a concrete aanwijzing "kan aan de weigering niet
                // direct een gevolg verbonden worden" (and a service visit has none at all), so
                // a refusal there cannot have been met by pointing at consequences.
                if let Some(v @ (Variant::B | Variant::Dienstverlening)) = self.variant {
                    if *gewezen_op_gevolgen {
                        return Err(ProtocolError::WeigeringZonderGevolgen(v.as_str()));
                    }
                }
                self.weigering_door = Some(door.trim().to_owned());
                self.end(Einde::Geweigerd);
            }
            Event::Binnentreden => match self.fase {
                Fase::ToestemmingGegeven => {
                    self.binnengetreden = true;
                    self.fase = Fase::Binnen;
                }
                Fase::Binnen => return Err(self.ongeldig(event)),
                _ => return Err(ProtocolError::ToestemmingOntbreekt),
            },
            Event::ToestemmingIngetrokken { door, .. } => {
                if !matches!(self.fase, Fase::ToestemmingGegeven | Fase::Binnen) {
                    return Err(self.ongeldig(event));
                }
                required("door", door)?;
                self.end(Einde::Ingetrokken);
            }
            Event::ExtraToestemming {
                onderwerp,
                ruimte,
                door,
                rol,
                gegeven,
            } => {
                if !matches!(self.fase, Fase::ToestemmingGegeven | Fase::Binnen) {
                    return Err(ProtocolError::ToestemmingOntbreekt);
                }
                required("door", door)?;
                if let Some(r) = ruimte {
                    required("ruimte", r)?;
                }
                if *onderwerp == ExtraOnderwerp::KamerAndereBewoner {
                    if ruimte.is_none() {
                        return Err(ProtocolError::VeldLeeg("ruimte".to_owned()));
                    }
                    match rol {
                        Rol::Medebewoner => {}
                        Rol::Bewoner => {
                            return Err(ProtocolError::KamerToestemmingDoorAnder("belanghebbende"))
                        }
                        Rol::Partner => {
                            return Err(ProtocolError::KamerToestemmingDoorAnder("partner"))
                        }
                    }
                }
                self.extra.push(ExtraBesluit {
                    onderwerp: *onderwerp,
                    ruimte: ruimte.as_ref().map(|r| r.trim().to_owned()),
                    door: door.trim().to_owned(),
                    rol: *rol,
                    gegeven: *gegeven,
                });
            }
            Event::Waarneming {
                ruimte,
                tekst,
                foto,
                kast_geopend,
                kamer_van,
            } => {
                if self.fase != Fase::Binnen {
                    return Err(ProtocolError::NietBinnen);
                }
                required("ruimte", ruimte)?;
                required("tekst", tekst)?;
                let ruimte = ruimte.trim();
                // Seed 001 §2: a room its occupant refused stays closed until that occupant
                // consents to it (the latest decision about that room counts).
                if let Some(b) = self.extra.iter().rev().find(|b| {
                    b.onderwerp == ExtraOnderwerp::KamerAndereBewoner
                        && b.ruimte.as_deref() == Some(ruimte)
                }) {
                    if !b.gegeven {
                        return Err(ProtocolError::RuimteUitgesloten {
                            ruimte: ruimte.to_owned(),
                            door: b.door.clone(),
                        });
                    }
                }
                let eigenaar = match kamer_van {
                    Some(x) => {
                        required("kamer_van", x)?;
                        Some(x.trim())
                    }
                    None => None,
                };
                // Whose consent counts: the occupant of the room, or else a belanghebbende.
                let eligible = |b: &ExtraBesluit| match eigenaar {
                    Some(x) => b.door == x,
                    None => b.rol.is_belanghebbende(),
                };
                if let Some(x) = eigenaar {
                    if !self.extra_given(ExtraOnderwerp::KamerAndereBewoner, ruimte, eligible) {
                        return Err(ProtocolError::ToestemmingKamerOntbreekt {
                            ruimte: ruimte.to_owned(),
                            bewoner: x.to_owned(),
                        });
                    }
                }
                if *kast_geopend
                    && !self.extra_given(ExtraOnderwerp::KastenOpenen, ruimte, eligible)
                {
                    return Err(ProtocolError::ToestemmingKastenOntbreekt);
                }
                if let Some(h) = foto {
                    if !is_sha256_hex(h) {
                        return Err(ProtocolError::FotoReferentieOngeldig);
                    }
                    if !self.extra_given(ExtraOnderwerp::Fotos, ruimte, eligible) {
                        return Err(ProtocolError::ToestemmingFotoOntbreekt);
                    }
                }
                self.waarnemingen += 1;
            }
            Event::Correctie { corrigeert, tekst } => {
                required("corrigeert", corrigeert)?;
                required("tekst", tekst)?;
                self.correcties += 1;
            }
            Event::Afsluiting { .. } => {
                if !matches!(self.fase, Fase::Binnen | Fase::Bezig) {
                    return Err(self.ongeldig(event));
                }
                self.end(Einde::Afgesloten);
            }
            Event::Rapport {
                tekst,
                opgemaakt_door,
            } => {
                match self.fase {
                    Fase::Beeindigd => {}
                    Fase::Gerapporteerd | Fase::Uitgenodigd => {
                        return Err(ProtocolError::RapportAlVastgelegd)
                    }
                    _ => return Err(ProtocolError::BezoekNietBeeindigd),
                }
                required("tekst", tekst)?;
                for o in opgemaakt_door {
                    if !self.handhavers.iter().any(|h| *h == o.handhaver.trim()) {
                        return Err(ProtocolError::RapportDoorNietAanwezige(o.handhaver.clone()));
                    }
                }
                let leider_tekent = self
                    .leider
                    .as_deref()
                    .is_some_and(|l| opgemaakt_door.iter().any(|o| o.handhaver.trim() == l));
                if !leider_tekent {
                    return Err(ProtocolError::RapportZonderLeider);
                }
                self.fase = Fase::Gerapporteerd;
            }
            Event::BezoekAfgebroken { reden } => {
                // Reached only before the end (checked above) and after the aanleiding.
                required("reden", reden)?;
                self.end(Einde::Afgebroken);
            }
            Event::UitnodigingBespreking { .. } => {
                if !matches!(self.fase, Fase::Gerapporteerd | Fase::Uitgenodigd) {
                    return Err(ProtocolError::RapportOntbreekt);
                }
                self.fase = Fase::Uitgenodigd;
            }
            // Handled before the match.
            Event::ToestemmingsconflictBeslecht { .. } => return self.beslecht(event),
            Event::WaarnemingTerPlaatseGestart {
                handhavers,
                leider,
                vervoer,
                medewerkers_per_auto,
            } => {
                if self.fase != Fase::Aanleiding {
                    return Err(self.ongeldig(event));
                }
                let actie = self.actie.unwrap_or(Actie::Waarneming);
                let (present, leider) = aanwezigen(actie, handhavers, leider)?;
                // Seed 004: by car the routekaart counts the officers per car.
                let per_auto = match vervoer {
                    Transport::Auto => match medewerkers_per_auto {
                        Some(n) if *n >= 1 => Some(*n),
                        _ => return Err(ProtocolError::VeldLeeg("medewerkers_per_auto".into())),
                    },
                    Transport::Lopen | Transport::Fiets => None,
                };
                self.handhavers = present;
                self.leider = Some(leider);
                self.vervoer = Some((*vervoer, per_auto));
                self.fase = Fase::Bezig;
            }
            Event::WaarnemingTerPlaatse {
                plek,
                tekst,
                vanaf_openbare_weg,
                ..
            } => {
                if self.fase != Fase::Bezig {
                    return Err(self.ongeldig(event));
                }
                required("plek", plek)?;
                required("tekst", tekst)?;
                if !vanaf_openbare_weg {
                    return Err(ProtocolError::NietVanafOpenbareWeg);
                }
                self.waarnemingen += 1;
            }
            Event::GesprekGestart {
                met,
                wijze,
                handhavers,
                leider,
                ..
            } => {
                if self.fase != Fase::Aanleiding {
                    return Err(self.ongeldig(event));
                }
                required("met", met)?;
                let actie = self.actie.unwrap_or(Actie::GesprekOpAfstand);
                if !wijze.past_bij(actie) {
                    return Err(ProtocolError::GesprekswijzePastNiet {
                        wijze: *wijze,
                        actie,
                    });
                }
                let (present, leider) = aanwezigen(actie, handhavers, leider)?;
                self.handhavers = present;
                self.leider = Some(leider);
                self.fase = Fase::Bezig;
            }
            Event::VraagBeantwoord {
                sleutel,
                antwoord,
                door,
                ..
            } => {
                self.digitale_rondgang(event)?;
                required("sleutel", sleutel)?;
                required("door", door)?;
                self.antwoorden
                    .insert(sleutel.trim().to_owned(), antwoord.clone());
            }
            Event::AanwijzingGestuurd { door, tekst } => {
                self.digitale_rondgang(event)?;
                required("door", door)?;
                required("tekst", tekst)?;
            }
            Event::VragenlijstOndertekend { door, handtekening } => {
                self.digitale_rondgang(event)?;
                required("door", door)?;
                if self.antwoorden.is_empty() {
                    return Err(ProtocolError::VragenlijstNietBeantwoord);
                }
                handtekening
                    .controleer()
                    .map_err(ProtocolError::Vragenlijst)?;
                self.ondertekend_door = Some(door.trim().to_owned());
            }
            Event::Internetonderzoek {
                door,
                bronnen,
                waarom_evenredig,
                waarom_niet_minder_ingrijpend,
                bevindingen,
            } => {
                if !matches!(self.fase, Fase::Aanleiding | Fase::Bezig) {
                    return Err(self.ongeldig(event));
                }
                required("door", door)?;
                if bronnen.iter().all(|b| b.trim().is_empty()) {
                    return Err(ProtocolError::VeldLeeg("bronnen".into()));
                }
                if waarom_evenredig.trim().is_empty() {
                    return Err(ProtocolError::InternetonderzoekNietEvenredig);
                }
                if waarom_niet_minder_ingrijpend.trim().is_empty() {
                    return Err(ProtocolError::MinderIngrijpendNietGemotiveerd);
                }
                required("bevindingen", bevindingen)?;
                let door = door.trim().to_owned();
                if self.leider.is_none() {
                    self.leider = Some(door.clone());
                }
                if !self.handhavers.contains(&door) {
                    self.handhavers.push(door);
                }
                self.internetonderzoeken += 1;
                self.fase = Fase::Bezig;
            }
        }
        Ok(())
    }

    /// Whether the client may answer or sign (or the handhaver send a hint) now: inside the digital tour of a
    /// `huisbezoek_app` (after consent and binnentreden), before the answers are signed.
    fn digitale_rondgang(&self, event: &Event) -> Result<(), ProtocolError> {
        if self.actie != Some(Actie::HuisbezoekApp) {
            return Err(ProtocolError::AlleenDigitaalHuisbezoek);
        }
        match self.fase {
            Fase::Binnen => {}
            Fase::ToestemmingGegeven => return Err(ProtocolError::NietBinnen),
            Fase::Aanleiding
            | Fase::Aangekondigd
            | Fase::AanDeDeur
            | Fase::Gelegitimeerd
            | Fase::ToestemmingGevraagd => return Err(ProtocolError::ToestemmingOntbreekt),
            _ => return Err(self.ongeldig(event)),
        }
        if self.ondertekend_door.is_some() {
            return Err(ProtocolError::VragenlijstAlOndertekend);
        }
        Ok(())
    }

    /// The lead handhaver decides a consent conflict: which answer stands, and why.
    fn beslecht(&mut self, event: &Event) -> Result<(), ProtocolError> {
        let Event::ToestemmingsconflictBeslecht {
            door,
            uitkomst,
            toelichting,
        } = event
        else {
            return Err(self.ongeldig(event));
        };
        if !self.conflict_open() {
            return Err(ProtocolError::GeenToestemmingConflict);
        }
        required("door", door)?;
        required("toelichting", toelichting)?;
        let leider = self.leider.clone().unwrap_or_default();
        if door.trim() != leider {
            return Err(ProtocolError::ConflictNietDoorLeider(leider));
        }
        let Some(conflict) = self.conflict.as_mut() else {
            return Err(ProtocolError::GeenToestemmingConflict);
        };
        conflict.beslecht = Some(*uitkomst);
        let toestemming = conflict.toestemming_door.clone();
        let weigering = conflict.weigering_door.clone();
        let (fase, einde) = conflict.na_toestemming;
        match uitkomst {
            ConflictUitkomst::Gegeven => {
                self.fase = fase;
                self.einde = einde;
                self.toestemming_door = Some(toestemming);
            }
            ConflictUitkomst::Geweigerd => {
                self.weigering_door = Some(weigering);
                if !self.fase.is_beeindigd() {
                    self.fase = Fase::Beeindigd;
                }
                self.einde = Some(Einde::Geweigerd);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "bezoek_tests.rs"]
pub(crate) mod tests;
