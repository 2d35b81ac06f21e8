//! The plain records and enums that cross the FFI boundary, and their translations to and from
//! the core's types. Nothing here decides anything: every value is the core's, reshaped.

use chrono::{DateTime, NaiveDate, Utc};
use veldwerk_device::store::{Worklist as CoreWorklist, WorklistItem};
use veldwerk_device::{DevicePolicyStatus, VisitDetail, ZaakDetail};
use veldwerk_rules::factual::FactualWarning;
use veldwerk_rules::protocol::{self, FieldWarning, ToestemmingsTekst};
use veldwerk_rules::routekaart::{self, PlannedAction};

/// Declares a field-less FFI enum beside a core enum with the same variants, and the two
/// conversions. A variant added in the core breaks the build here, not at run time.
macro_rules! mirror_enum {
    ($(#[$meta:meta])* $name:ident = $module:ident :: $core:ident { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
        pub enum $name {
            $($variant),+
        }

        impl From<$name> for $module::$core {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => $module::$core::$variant),+
                }
            }
        }

        impl From<$module::$core> for $name {
            fn from(value: $module::$core) -> Self {
                match value {
                    $($module::$core::$variant => $name::$variant),+
                }
            }
        }
    };
}

mirror_enum!(
    /// The active code of the routekaart.
    Code = routekaart::Code { Geel, Oranje, Rood }
);
mirror_enum!(
    /// The routekaart's action ids.
    Actie = routekaart::Actie {
        Huisbezoek,
        HuisbezoekApp,
        Waarneming,
        GesprekOpAfstand,
        Spreekkamer,
        MobieleUnit,
        AdministratiefOnderzoek,
    }
);
mirror_enum!(
    /// How officers travel to a waarneming ter plaatse.
    Transport = routekaart::Transport { Auto, Lopen, Fiets }
);
mirror_enum!(
    /// Which consent text applies (A: concrete aanwijzing, B: doubt, or a service visit).
    Variant = protocol::Variant { A, B, Dienstverlening }
);
mirror_enum!(
    /// The role of the person who answers at the door.
    Rol = protocol::Rol { Bewoner, Partner, Medebewoner }
);
mirror_enum!(
    /// Why someone at the door cannot take part (seed 002 §3.1).
    NietInStaatReden = protocol::NietInStaatReden { Taal, Ziekte, Verwardheid }
);
mirror_enum!(
    /// Which answer stands after a consent conflict (consent on one device, refusal on another).
    ConflictUitkomst = protocol::ConflictUitkomst { Gegeven, Geweigerd }
);
mirror_enum!(
    /// The age group of whoever answers at the door (a minor cannot answer for the dwelling).
    Leeftijdsgroep = protocol::Leeftijdsgroep { Volwassen, Minderjarig }
);
mirror_enum!(
    Aankondigingswijze = protocol::Aankondigingswijze {
        Aangekondigd,
        Onaangekondigd
    }
);
mirror_enum!(
    /// What a separate consent inside the dwelling is about.
    ExtraOnderwerp = protocol::ExtraOnderwerp { KamerAndereBewoner, KastenOpenen, Fotos }
);
mirror_enum!(
    Ambtsverklaring = protocol::Ambtsverklaring {
        Ambtseed,
        Ambtsbelofte
    }
);
mirror_enum!(
    /// The kind of source a fact of a concrete aanwijzing comes from.
    BronSoort = protocol::BronSoort {
        AnoniemeMelding,
        MeldingOpNaam,
        Dossier,
        Register,
        IbSignaal,
        Waarneming,
        Instantie,
        Internet,
    }
);
mirror_enum!(
    /// How a gesprek is held: by phone or video (op afstand), in person (spreekkamer, unit).
    Gesprekswijze = protocol::Gesprekswijze { Telefoon, Video, Persoonlijk }
);
mirror_enum!(
    /// Where a visit stands in the protocol.
    Fase = protocol::Fase {
        Nieuw,
        Aanleiding,
        Aangekondigd,
        AanDeDeur,
        Gelegitimeerd,
        ToestemmingGevraagd,
        ToestemmingGegeven,
        Binnen,
        Bezig,
        Beeindigd,
        Gerapporteerd,
        Uitgenodigd,
    }
);
mirror_enum!(
    /// The kind of a visit step, as `next_steps` offers them.
    Stapsoort = protocol::EventSoort {
        Aanleiding,
        Aankondiging,
        AanDeDeur,
        NiemandAanwezig,
        NietInStaat,
        LegitimatieEnDoel,
        ToestemmingGevraagd,
        ToestemmingGegeven,
        ToestemmingGeweigerd,
        Binnentreden,
        ToestemmingIngetrokken,
        ExtraToestemming,
        Waarneming,
        Correctie,
        Afsluiting,
        Rapport,
        UitnodigingBespreking,
        BezoekAfgebroken,
        ToestemmingsconflictBeslecht,
        WaarnemingTerPlaatseGestart,
        WaarnemingTerPlaatse,
        GesprekGestart,
        Internetonderzoek,
        VraagBeantwoord,
        VragenlijstOndertekend,
        AanwijzingGestuurd,
    }
);

/// A stable machine code beside the Dutch message a person reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct Notice {
    pub code: String,
    pub message: String,
}

impl From<veldwerk_rules::Notice> for Notice {
    fn from(n: veldwerk_rules::Notice) -> Self {
        Notice {
            code: n.code,
            message: n.message,
        }
    }
}

pub(crate) fn notices(list: Vec<veldwerk_rules::Notice>) -> Vec<Notice> {
    list.into_iter().map(Notice::from).collect()
}

/// The checkable parameters of a planned action; `None` means "not stated" (the rule then
/// comes back as a condition to confirm).
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct ActionParams {
    #[uniffi(default = None)]
    pub handhavers: Option<u32>,
    #[uniffi(default = None)]
    pub transport: Option<Transport>,
    #[uniffi(default = None)]
    pub medewerkers_per_auto: Option<u32>,
    #[uniffi(default = None)]
    pub coronaproof: Option<bool>,
    #[uniffi(default = None)]
    pub hardware_ok: Option<bool>,
    #[uniffi(default = None)]
    pub software_beveiligd: Option<bool>,
}

impl ActionParams {
    pub(crate) fn planned(self, actie: Actie) -> PlannedAction {
        PlannedAction {
            actie: actie.into(),
            handhavers: self.handhavers,
            transport: self.transport.map(Into::into),
            medewerkers_per_auto: self.medewerkers_per_auto,
            coronaproof: self.coronaproof,
            hardware_ok: self.hardware_ok,
            software_beveiligd: self.software_beveiligd,
        }
    }
}

/// The routekaart's decision: forbidden with `reasons`, or allowed with `conditions` (the
/// checklist the handhaver confirms, by code, when recording).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Decision {
    pub allowed: bool,
    pub reasons: Vec<Notice>,
    pub conditions: Vec<Notice>,
    pub warnings: Vec<Notice>,
}

impl From<routekaart::Decision> for Decision {
    fn from(d: routekaart::Decision) -> Self {
        match d {
            routekaart::Decision::Forbidden { reasons, warnings } => Decision {
                allowed: false,
                reasons: notices(reasons),
                conditions: Vec::new(),
                warnings: notices(warnings),
            },
            routekaart::Decision::Allowed {
                conditions,
                warnings,
            } => Decision {
                allowed: true,
                reasons: Vec::new(),
                conditions: notices(conditions),
                warnings: notices(warnings),
            },
        }
    }
}

/// Milliseconds since the Unix epoch (UTC).
pub(crate) fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// An ISO date `YYYY-MM-DD`.
pub(crate) fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// One zaak on the worklist.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WorklistEntry {
    pub zaak_id: String,
    pub label: String,
    /// Where the zaak stands, as a stable code.
    pub status: String,
    /// The next step to take, as a stable code.
    pub next_step: String,
    /// `YYYY-MM-DD`.
    pub deadline: Option<String>,
    pub unsynced_entries: u32,
    pub closed: bool,
    pub updated_at_ms: i64,
}

impl From<WorklistItem> for WorklistEntry {
    fn from(i: WorklistItem) -> Self {
        WorklistEntry {
            zaak_id: i.zaak_id,
            label: i.label,
            status: i.status,
            next_step: i.next_step,
            deadline: i.deadline.map(date_text),
            unsynced_entries: i.unsynced_entries,
            closed: i.closed,
            updated_at_ms: millis(i.updated_at),
        }
    }
}

/// The worklist in the core's order (open zaken first, then by deadline), and a notice per
/// damaged row: one damaged row never hides the others.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Worklist {
    pub items: Vec<WorklistEntry>,
    pub damaged: Vec<Notice>,
}

impl From<CoreWorklist> for Worklist {
    fn from(w: CoreWorklist) -> Self {
        Worklist {
            items: w.items.into_iter().map(Into::into).collect(),
            damaged: w.damaged.iter().map(|e| e.notice().into()).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Adres {
    pub street: String,
    pub house_number: String,
    pub postcode: String,
    pub city: String,
}

/// One recorded entry of a visit.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EntryInfo {
    pub entry_id: String,
    pub device_id: String,
    pub seq: u64,
    pub recorded_at_ms: i64,
    /// `None` for a step this build does not know.
    pub soort: Option<Stapsoort>,
    /// The step as canonical JSON (what was signed).
    pub body: String,
    /// The code the entry was recorded under, and the conditions confirmed for it.
    pub code: Code,
    pub confirmed_conditions: Vec<String>,
    /// `ok`, or why the entry does not verify (`altered`, `unknown_key`, ...).
    pub verification: String,
}

/// One visit with its protocol state.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VisitInfo {
    pub visit_id: String,
    pub actie: Actie,
    pub created_by: String,
    pub created_at_ms: i64,
    pub fase: Fase,
    /// How the visit ended (`niemand_aanwezig`, `geweigerd`, `afgesloten`, ...), once it did.
    pub einde: Option<String>,
    /// The steps the protocol allows now: the app offers only these.
    pub next_steps: Vec<Stapsoort>,
    /// The consent text variant the visit's grondslag demands, once the aanleiding is recorded.
    pub consent_variant: Option<Variant>,
    pub entries: Vec<EntryInfo>,
    /// Entries that could not be applied after a merge (they stay recorded).
    pub anomalies: Vec<Notice>,
    pub warnings: Vec<Notice>,
    /// Every entry verifies against the keys this device knows.
    pub intact: bool,
}

pub(crate) fn enum_code<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl From<VisitDetail> for VisitInfo {
    fn from(v: VisitDetail) -> Self {
        let intact = v.verification.is_intact();
        let entries = v
            .entries
            .into_iter()
            .map(|d| {
                let status = d.status;
                EntryInfo {
                    soort: d.event.as_ref().map(|e| e.soort().into()),
                    verification: status.code().to_owned(),
                    entry_id: d.entry.entry_id,
                    device_id: d.entry.device_id,
                    seq: d.entry.seq,
                    recorded_at_ms: millis(d.entry.recorded_at),
                    body: d.entry.body,
                    code: d.entry.policy.code.into(),
                    confirmed_conditions: d.entry.policy.confirmed_conditions,
                }
            })
            .collect();
        VisitInfo {
            visit_id: v.meta.visit_id,
            actie: v.meta.kind.into(),
            created_by: v.meta.created_by,
            created_at_ms: millis(v.meta.created_at),
            fase: v.fase.into(),
            einde: v.einde.as_ref().map(enum_code),
            next_steps: v.next_steps.into_iter().map(Into::into).collect(),
            consent_variant: v.consent_variant.map(Into::into),
            entries,
            anomalies: v.anomalies.into_iter().map(|a| a.notice.into()).collect(),
            warnings: notices(v.warnings),
            intact,
        }
    }
}

/// Everything about one zaak on the device.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ZaakInfo {
    pub zaak_id: String,
    pub label: String,
    pub adres: Adres,
    /// `h2` or `h6`.
    pub werkproces: String,
    pub motivatie: String,
    pub deadline: Option<String>,
    pub handhavers: Vec<String>,
    pub status: Option<String>,
    pub next_step: Option<String>,
    /// Oldest first.
    pub visits: Vec<VisitInfo>,
}

impl From<ZaakDetail> for ZaakInfo {
    fn from(z: ZaakDetail) -> Self {
        let s = z.summary;
        ZaakInfo {
            zaak_id: s.zaak_id,
            label: s.label,
            adres: Adres {
                street: s.address.street,
                house_number: s.address.house_number,
                postcode: s.address.postcode,
                city: s.address.city,
            },
            werkproces: enum_code(&s.werkproces),
            motivatie: s.motivatie,
            deadline: s.deadline.map(date_text),
            handhavers: s.handhavers.into_iter().collect(),
            status: z.worklist.as_ref().map(|w| w.status.clone()),
            next_step: z.worklist.map(|w| w.next_step),
            visits: z.visits.into_iter().map(Into::into).collect(),
        }
    }
}

/// The exact consent text to show at the door and its SHA-256 hash, recorded with
/// `Stap::ToestemmingGevraagd`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConsentText {
    pub variant: Variant,
    pub tekst: String,
    pub hash: String,
}

impl From<ToestemmingsTekst> for ConsentText {
    fn from(t: ToestemmingsTekst) -> Self {
        ConsentText {
            variant: t.variant.into(),
            tekst: t.tekst,
            hash: t.hash,
        }
    }
}

/// A factual-language warning on a text field (never blocking). `start`/`end` are byte
/// offsets in the UTF-8 text; `matched` is the text found there.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TextWarning {
    /// The field (`tekst`, `grondslag.feiten[0].omschrijving`, ...).
    pub veld: String,
    pub code: String,
    pub message: String,
    pub start: u32,
    pub end: u32,
    pub matched: String,
    pub suggestion: String,
}

pub(crate) fn text_warning(veld: &str, w: FactualWarning) -> TextWarning {
    TextWarning {
        veld: veld.to_owned(),
        code: w.notice.code,
        message: w.notice.message,
        start: u32::try_from(w.start).unwrap_or(u32::MAX),
        end: u32::try_from(w.end).unwrap_or(u32::MAX),
        matched: w.matched,
        suggestion: w.suggestion,
    }
}

impl From<FieldWarning> for TextWarning {
    fn from(f: FieldWarning) -> Self {
        text_warning(&f.veld, f.warning)
    }
}

/// What the device shows about its policy: the active code, its age and whether it is stale.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PolicyInfo {
    pub installed: bool,
    pub code: Code,
    pub version: u64,
    pub synced_at_ms: Option<i64>,
    pub age_seconds: Option<i64>,
    pub stale: bool,
    pub warnings: Vec<Notice>,
}

impl From<DevicePolicyStatus> for PolicyInfo {
    fn from(p: DevicePolicyStatus) -> Self {
        PolicyInfo {
            installed: p.installed,
            code: p.code.into(),
            version: p.version,
            synced_at_ms: p.synced_at.map(millis),
            age_seconds: p.age_seconds,
            stale: p.stale,
            warnings: notices(p.warnings),
        }
    }
}

/// Work of one zaak the server refused ("geweigerd door de server"), kept on the device.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RefusedWorkInfo {
    pub zaak_id: String,
    /// The server's stable code (`summary_changed`, `entry_unverified`, ...).
    pub code: String,
    /// The server's reason, in Dutch.
    pub message: String,
    pub refused_at_ms: i64,
    /// Whether the zaak was rebased on the server's copy yet.
    pub rebased: bool,
    /// This device's entries offered again on the server's copy.
    pub reapplied: u32,
    /// This device's entries kept only in the refused copy.
    pub kept_only_here: u32,
}

impl From<veldwerk_device::RefusedWork> for RefusedWorkInfo {
    fn from(w: veldwerk_device::RefusedWork) -> Self {
        RefusedWorkInfo {
            refused_at_ms: millis(w.refused_at),
            rebased: w.rebased,
            reapplied: u32::try_from(w.reapplied.len()).unwrap_or(u32::MAX),
            kept_only_here: u32::try_from(w.kept_only_here.len()).unwrap_or(u32::MAX),
            zaak_id: w.zaak_id,
            code: w.code,
            message: w.message,
        }
    }
}
