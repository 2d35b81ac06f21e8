//! The Dutch words the back office reads for the protocol's and the evidence's machine names:
//! one place for the zaak page, the rapport and the export, so a kind of entry is called the
//! same everywhere and no snake_case name reaches a reader.

use veldwerk_contract::evidence::EntryStatus;
use veldwerk_rules::protocol::grondslag::{BronSoort, Grondslag};
use veldwerk_rules::protocol::melding::Uitkomst;
use veldwerk_rules::protocol::{
    Aankondigingswijze, Ambtsverklaring, Einde, EventSoort, ExtraOnderwerp, Fase, Rol, Variant,
};

/// The kind of an entry, as a heading.
pub fn soort(s: EventSoort) -> &'static str {
    match s {
        EventSoort::Aanleiding => "Aanleiding",
        EventSoort::Aankondiging => "Aankondiging",
        EventSoort::AanDeDeur => "Aan de deur",
        EventSoort::NiemandAanwezig => "Niemand aanwezig",
        EventSoort::NietInStaat => "Niet in staat mee te werken",
        EventSoort::LegitimatieEnDoel => "Legitimatie en doel",
        EventSoort::ToestemmingGevraagd => "Toestemming gevraagd",
        EventSoort::ToestemmingGegeven => "Toestemming gegeven",
        EventSoort::ToestemmingGeweigerd => "Toestemming geweigerd",
        EventSoort::Binnentreden => "Binnengetreden",
        EventSoort::ToestemmingIngetrokken => "Toestemming ingetrokken",
        EventSoort::ExtraToestemming => "Aparte toestemming",
        EventSoort::Waarneming => "Waarneming",
        EventSoort::Correctie => "Correctie",
        EventSoort::Afsluiting => "Afsluiting",
        EventSoort::Rapport => "Rapport van bevindingen",
        EventSoort::UitnodigingBespreking => "Uitnodiging bespreking",
    }
}

pub fn rol(r: Rol) -> &'static str {
    match r {
        Rol::Bewoner => "bewoner (belanghebbende)",
        Rol::Partner => "partner (belanghebbende)",
        Rol::Medebewoner => "medebewoner",
    }
}

/// An entry's verdict in one or two words (the full sentence is `EntryStatus::notice`).
pub fn status(s: EntryStatus) -> &'static str {
    match s {
        EntryStatus::Ok => "geverifieerd",
        EntryStatus::Altered => "gewijzigd",
        EntryStatus::Unsigned => "niet ondertekend",
        EntryStatus::UnknownKey => "onbekende sleutel",
        EntryStatus::MissingPredecessor => "voorganger ontbreekt",
        EntryStatus::Reordered => "volgorde gewijzigd",
        EntryStatus::Duplicate => "dubbel",
        EntryStatus::ForgedCopy => "vervalste kopie",
        EntryStatus::KeyRevoked => "geverifieerd (apparaat ingetrokken)",
    }
}

pub fn fase(f: Fase) -> &'static str {
    match f {
        Fase::Nieuw => "nog niets vastgelegd",
        Fase::Aanleiding => "aanleiding vastgelegd",
        Fase::Aangekondigd => "aangekondigd",
        Fase::AanDeDeur => "aan de deur",
        Fase::Gelegitimeerd => "gelegitimeerd",
        Fase::ToestemmingGevraagd => "toestemming gevraagd",
        Fase::ToestemmingGegeven => "toestemming gegeven",
        Fase::Binnen => "binnen",
        Fase::Beeindigd => "beëindigd",
        Fase::Gerapporteerd => "gerapporteerd",
        Fase::Uitgenodigd => "uitgenodigd voor bespreking",
    }
}

pub fn einde(e: Einde) -> &'static str {
    match e {
        Einde::NiemandAanwezig => "niemand aanwezig",
        Einde::NietInStaat => "niet in staat mee te werken",
        Einde::Geweigerd => "toestemming geweigerd",
        Einde::Ingetrokken => "toestemming ingetrokken",
        Einde::Afgesloten => "afgesloten",
    }
}

pub fn variant(v: Variant) -> &'static str {
    match v {
        Variant::A => "variant A (concrete aanwijzing)",
        Variant::B => "variant B (twijfel zonder concrete aanwijzing)",
        Variant::Dienstverlening => "dienstverlening",
    }
}

pub fn ambtsverklaring(a: Ambtsverklaring) -> &'static str {
    match a {
        Ambtsverklaring::Ambtseed => "ambtseed",
        Ambtsverklaring::Ambtsbelofte => "ambtsbelofte",
    }
}

pub fn extra(o: ExtraOnderwerp) -> &'static str {
    match o {
        ExtraOnderwerp::KamerAndereBewoner => "kamer van een andere bewoner",
        ExtraOnderwerp::KastenOpenen => "kasten en lades openen",
        ExtraOnderwerp::Fotos => "foto's maken",
    }
}

pub fn aankondiging(a: Aankondigingswijze) -> &'static str {
    match a {
        Aankondigingswijze::Aangekondigd => "aangekondigd",
        Aankondigingswijze::Onaangekondigd => "onaangekondigd",
    }
}

pub fn grondslag(g: &Grondslag) -> &'static str {
    match g {
        Grondslag::ConcreteAanwijzing { .. } => "concrete aanwijzing",
        Grondslag::TwijfelZonderAanwijzing { .. } => "twijfel zonder concrete aanwijzing",
        Grondslag::Dienstverlening { .. } => "dienstverlening",
    }
}

pub fn bron(b: BronSoort) -> &'static str {
    match b {
        BronSoort::AnoniemeMelding => "anonieme melding",
        BronSoort::MeldingOpNaam => "melding op naam",
        BronSoort::Dossier => "dossier",
        BronSoort::Register => "register",
        BronSoort::IbSignaal => "IB-signaal",
        BronSoort::Waarneming => "eerdere waarneming",
        BronSoort::Instantie => "andere instantie",
    }
}

pub fn uitkomst(u: Uitkomst) -> &'static str {
    match u {
        Uitkomst::Advies => "advies",
        Uitkomst::Besluit => "besluit",
    }
}
