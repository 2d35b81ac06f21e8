//! Why the device refused or failed an operation: one enum over store, zaak, protocol, policy and
//! routekaart errors, each with a stable code and a Dutch notice.

use crate::store::StoreError;
use veldwerk_contract::evidence::EvidenceError;
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
    #[error(
        "De routekaart staat {} bij code {} niet toe: {}",
        actie_naam(*.actie), code_naam(*.code), join(.reasons)
    )]
    ActieVerboden {
        actie: Actie,
        code: Code,
        reasons: Vec<Notice>,
    },
    #[error("Bevestig eerst deze voorwaarden van de routekaart: {}", join(.missing))]
    VoorwaardenNietBevestigd { missing: Vec<Notice> },
    #[error("Zaak {0} staat niet op dit apparaat.")]
    ZaakOnbekend(String),
    #[error("Zaak {0} staat al op dit apparaat.")]
    ZaakBestaatAl(String),
    #[error("Zaak {0} heeft nog geen bezoek.")]
    GeenBezoek(String),
    #[error("De correctie verwijst naar vastlegging {0}, die niet in dit bezoek staat.")]
    CorrectieOnbekendeVastlegging(String),
    #[error("De foto {0} staat niet op dit apparaat: sla de foto eerst op.")]
    FotoOnbekend(String),
    #[error(
        "De aanleiding noemt {}, maar het bezoek is gestart als {}.",
        actie_naam(*.event), actie_naam(*.visit)
    )]
    ActieWijktAf { visit: Actie, event: Actie },
    #[error("Dit apparaat is nog niet aangemeld bij de organisatie: meld het eerst aan.")]
    NietAangemeld,
    #[error("De gegevens van dit apparaat zijn onleesbaar ({what}): {detail}")]
    ApparaatGegevensOnleesbaar { what: &'static str, detail: String },
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
            DeviceError::Routekaart { code, .. } => code,
            DeviceError::ActieVerboden { .. } => "actie_verboden",
            DeviceError::VoorwaardenNietBevestigd { .. } => "voorwaarden_niet_bevestigd",
            DeviceError::ZaakOnbekend(_) => "zaak_unknown",
            DeviceError::ZaakBestaatAl(_) => "zaak_exists",
            DeviceError::GeenBezoek(_) => "geen_bezoek",
            DeviceError::CorrectieOnbekendeVastlegging(_) => "correctie_onbekende_vastlegging",
            DeviceError::FotoOnbekend(_) => "foto_onbekend",
            DeviceError::ActieWijktAf { .. } => "actie_wijkt_af",
            DeviceError::NietAangemeld => "niet_aangemeld",
            DeviceError::ApparaatGegevensOnleesbaar { .. } => "device_state_corrupt",
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
            DeviceError::ActieVerboden { reasons, .. } => reasons.clone(),
            DeviceError::VoorwaardenNietBevestigd { missing } => missing.clone(),
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

pub(crate) fn code_naam(code: Code) -> &'static str {
    match code {
        Code::Geel => "geel",
        Code::Oranje => "oranje",
        Code::Rood => "rood",
    }
}

fn join(notices: &[Notice]) -> String {
    notices
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
