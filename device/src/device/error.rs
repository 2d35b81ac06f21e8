//! Why the device refused or failed an operation: one enum over store, zaak, protocol, policy and
//! routekaart errors, each with a stable code and a Dutch notice.

use crate::store::StoreError;
use veldwerk_contract::evidence::{EvidenceError, KeyListError};
use veldwerk_contract::policy::PolicyError;
use veldwerk_contract::zaak::ZaakError;
use veldwerk_rules::protocol::ProtocolError;
use veldwerk_rules::routekaart::{Actie, Code};
use veldwerk_rules::Notice;

/// An error of [`super::Device`]. `code()` is stable; `notice()` is what a handhaver reads.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Zaak(#[from] ZaakError),
    #[error("{0}")]
    Protocol(#[from] ProtocolError),
    #[error("{0}")]
    Evidence(#[from] EvidenceError),
    #[error("{}", policy_message(.0))]
    Policy(PolicyError),
    #[error("De routekaart van de organisatie is onbruikbaar: {detail}")]
    Routekaart { code: &'static str, detail: String },
    #[error("De vragenlijst van de organisatie is onbruikbaar: {detail}")]
    Vragenlijst { code: &'static str, detail: String },
    #[error("De toestemmingsteksten van de organisatie zijn onbruikbaar: {detail}")]
    Toestemmingsteksten { code: &'static str, detail: String },
    #[error(
        "Het antwoord hoort bij vragenlijst {gegeven}; op dit apparaat geldt {geldend}. \
         Synchroniseer en begin de vragenlijst opnieuw."
    )]
    VragenlijstWijktAf { gegeven: String, geldend: String },
    #[error("Nog niet alle verplichte vragen zijn beantwoord ({} open).", .0.len())]
    VragenOpen(Vec<Notice>),
    #[error(
        "Dit apparaat staat in klantmodus: alleen de vragenlijst van dit bezoek is te zien tot \
         de handhaver het ontgrendelt."
    )]
    KlantmodusActief,
    #[error("De ontgrendelcode klopt niet.")]
    OntgrendelcodeOnjuist,
    #[error("Klantmodus kan alleen tijdens de digitale rondgang van een huisbezoek via de app.")]
    KlantmodusNietMogelijk,
    /// What the client stated on their phone does not check (issue 16 §2).
    #[error("{0}")]
    Klantverklaring(String),
    #[error("De ontgrendelcode moet minstens {0} tekens hebben.")]
    OntgrendelcodeTeKort(usize),
    #[error(
        "De routekaart staat {} bij code {} niet toe: {}",
        actie_naam(*.actie), .code.id(), join(.reasons)
    )]
    ActieForbidden {
        actie: Actie,
        code: Code,
        reasons: Vec<Notice>,
    },
    /// The message does not repeat the conditions: they are its details, shown once.
    #[error(
        "Bevestig eerst {} van de routekaart (hieronder).",
        if .missing.len() == 1 { "deze voorwaarde".to_owned() } else { format!("deze {} voorwaarden", .missing.len()) }
    )]
    ConditionsNotConfirmed { missing: Vec<Notice> },
    #[error("Zaak {0} staat niet op dit apparaat.")]
    UnknownZaak(String),
    #[error("Zaak {0} staat al op dit apparaat.")]
    ZaakExists(String),
    #[error("Zaak {0} heeft nog geen bezoek.")]
    NoVisit(String),
    #[error("De correctie verwijst naar vastlegging {0}, die niet in dit bezoek staat.")]
    CorrectionOfUnknownEntry(String),
    #[error("De foto {0} staat niet op dit apparaat: sla de foto eerst op.")]
    UnknownFoto(String),
    #[error(
        "De aanleiding noemt {}, maar het bezoek is gestart als {}.",
        actie_naam(*.event), actie_naam(*.visit)
    )]
    ActieMismatch { visit: Actie, event: Actie },
    #[error("Dit apparaat is nog niet aangemeld bij de organisatie: meld het eerst aan.")]
    NotEnrolled,
    #[error("{0}")]
    KeyList(KeyListError),
    #[error("De gegevens van dit apparaat zijn onleesbaar ({what}): {detail}")]
    DeviceStateCorrupt { what: &'static str, detail: String },
}

impl From<PolicyError> for DeviceError {
    fn from(e: PolicyError) -> Self {
        DeviceError::Policy(e)
    }
}

impl DeviceError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            DeviceError::Store(e) => e.code(),
            DeviceError::Zaak(e) => e.code(),
            DeviceError::Protocol(e) => e.code(),
            DeviceError::Evidence(e) => e.code(),
            DeviceError::Policy(e) => e.code(),
            DeviceError::Routekaart { code, .. }
            | DeviceError::Vragenlijst { code, .. }
            | DeviceError::Toestemmingsteksten { code, .. } => code,
            DeviceError::ActieForbidden { .. } => "actie_verboden",
            DeviceError::VragenlijstWijktAf { .. } => "vragenlijst_versie_wijkt_af",
            DeviceError::VragenOpen(_) => "vragen_open",
            DeviceError::KlantmodusActief => "klantmodus_actief",
            DeviceError::OntgrendelcodeOnjuist => "ontgrendelcode_onjuist",
            DeviceError::KlantmodusNietMogelijk => "klantmodus_niet_mogelijk",
            DeviceError::Klantverklaring(_) => "klantverklaring_ongeldig",
            DeviceError::OntgrendelcodeTeKort(_) => "ontgrendelcode_te_kort",
            DeviceError::ConditionsNotConfirmed { .. } => "voorwaarden_niet_bevestigd",
            DeviceError::UnknownZaak(_) => "zaak_unknown",
            DeviceError::ZaakExists(_) => "zaak_exists",
            DeviceError::NoVisit(_) => "no_visit",
            DeviceError::CorrectionOfUnknownEntry(_) => "correctie_onbekende_vastlegging",
            DeviceError::UnknownFoto(_) => "foto_unknown",
            DeviceError::ActieMismatch { .. } => "actie_wijkt_af",
            DeviceError::NotEnrolled => "not_enrolled",
            DeviceError::KeyList(e) => e.code(),
            DeviceError::DeviceStateCorrupt { .. } => "device_state_corrupt",
        }
    }

    /// The code with its Dutch message.
    pub fn notice(&self) -> Notice {
        Notice::new(self.code(), self.to_string())
    }

    /// The notices that say what to do: the routekaart's reasons, the missing conditions, or
    /// this error's own notice.
    pub fn details(&self) -> Vec<Notice> {
        match self {
            DeviceError::ActieForbidden { reasons, .. } => reasons.clone(),
            DeviceError::ConditionsNotConfirmed { missing } => missing.clone(),
            DeviceError::VragenOpen(open) => open.clone(),
            _ => vec![self.notice()],
        }
    }
}

fn policy_message(e: &PolicyError) -> String {
    match e {
        PolicyError::Malformed => "Het beleid van de organisatie is onleesbaar.".into(),
        PolicyError::BadSignature => {
            "De handtekening onder het beleid klopt niet met de sleutel van de organisatie; \
             het beleid is niet geïnstalleerd."
                .into()
        }
        PolicyError::NotNewer { have, got } => {
            format!("Beleid versie {got} is niet nieuwer dan de geïnstalleerde versie {have}.")
        }
    }
}

pub(crate) fn actie_naam(actie: Actie) -> &'static str {
    match actie {
        Actie::Huisbezoek => "een huisbezoek",
        Actie::HuisbezoekApp => "een huisbezoek via de app",
        Actie::Waarneming => "een waarneming ter plaatse",
        Actie::GesprekOpAfstand => "een gesprek op afstand",
        Actie::Spreekkamer => "een spreekkamergesprek",
        Actie::MobieleUnit => "een mobiele unit",
        Actie::AdministratiefOnderzoek => "een administratief onderzoek",
    }
}

fn join(notices: &[Notice]) -> String {
    notices
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
