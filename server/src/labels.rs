//! The Dutch words for the protocol's kinds, roles and verdicts, in one place: the rapport PDF
//! and the console's pages print these, never the snake_case codes behind them (the code stays
//! the machine-readable detail beside the words).

use veldwerk_contract::evidence::EntryStatus;
use veldwerk_rules::protocol::grondslag::{BronSoort, Grondslag};
use veldwerk_rules::protocol::melding::Uitkomst;
use veldwerk_rules::protocol::{
    Aankondigingswijze, Ambtsverklaring, ConflictUitkomst, Einde, EventSoort, ExtraOnderwerp, Fase,
    Leeftijdsgroep, NietInStaatReden, Rol, Variant,
};
use veldwerk_rules::vragenlijst::Vragenlijst;

/// The kind of a recorded event, as a heading.
pub fn soort(s: EventSoort) -> &'static str {
    s.woord()
}

/// The role of the person who answered.
pub fn rol(r: Rol) -> &'static str {
    match r {
        Rol::Bewoner => "bewoner (belanghebbende)",
        Rol::Partner => "partner (belanghebbende)",
        Rol::Medebewoner => "medebewoner (geen belanghebbende)",
    }
}

/// Why someone could not take part (seed 002 §3.1).
pub fn niet_in_staat_reden(r: Option<NietInStaatReden>) -> &'static str {
    match r {
        Some(NietInStaatReden::Taal) => "taal",
        Some(NietInStaatReden::Ziekte) => "ziekte",
        Some(NietInStaatReden::Verwardheid) => "verwardheid",
        None => "niet vastgelegd",
    }
}

/// Whether minors were present at the door.
pub fn minderjarigen(m: Option<bool>) -> &'static str {
    match m {
        Some(true) => "ja",
        Some(false) => "nee",
        None => "niet vastgelegd",
    }
}

/// Which answer stands after a consent conflict (issue 15 point 5).
pub fn conflict_uitkomst(u: ConflictUitkomst) -> &'static str {
    match u {
        ConflictUitkomst::Gegeven => "de toestemming geldt",
        ConflictUitkomst::Geweigerd => "de weigering geldt",
    }
}

/// Who answered at the door beyond the role (seed 001 §2): age group, and whether the doubt is
/// about that person. Entries from before the age group was asked say so.
pub fn antwoorder(leeftijd: Option<Leeftijdsgroep>, onderwerp_van_twijfel: bool) -> String {
    let groep = match leeftijd {
        Some(Leeftijdsgroep::Volwassen) => "volwassen",
        Some(Leeftijdsgroep::Minderjarig) => "minderjarig",
        None => "leeftijdsgroep niet vastgelegd",
    };
    if onderwerp_van_twijfel {
        format!("{groep}; de twijfel gaat over deze persoon")
    } else {
        groep.to_owned()
    }
}

/// An entry's verification verdict, short enough for a table cell.
pub fn status(s: EntryStatus) -> &'static str {
    s.woord()
}

/// Where a visit stands.
pub fn fase(f: Fase) -> &'static str {
    f.woord()
}

/// How a visit ended.
pub fn einde(e: Einde) -> &'static str {
    match e {
        Einde::NiemandAanwezig => "niemand aanwezig (geen weigering)",
        Einde::NietInStaat => "aanwezige niet in staat mee te werken (geen weigering)",
        Einde::Geweigerd => "toestemming geweigerd",
        Einde::Ingetrokken => "toestemming ingetrokken tijdens het bezoek",
        Einde::Afgesloten => "normaal afgesloten",
        Einde::Afgebroken => "afgebroken",
    }
}

/// Which consent text applied.
pub fn variant(v: Variant) -> &'static str {
    match v {
        Variant::A => "variant A (concrete aanwijzing)",
        Variant::B => "variant B (twijfel zonder concrete aanwijzing)",
        Variant::Dienstverlening => "dienstverlening",
    }
}

/// Ambtseed or ambtsbelofte.
pub fn ambtsverklaring(a: Ambtsverklaring) -> &'static str {
    match a {
        Ambtsverklaring::Ambtseed => "ambtseed",
        Ambtsverklaring::Ambtsbelofte => "ambtsbelofte",
    }
}

/// What a separate consent inside the dwelling is about.
pub fn extra(o: ExtraOnderwerp) -> &'static str {
    match o {
        ExtraOnderwerp::KamerAndereBewoner => "kamer van een andere bewoner",
        ExtraOnderwerp::KastenOpenen => "kasten of lades openen",
        ExtraOnderwerp::Fotos => "foto's maken",
    }
}

/// Announced or not.
pub fn aankondiging(a: Aankondigingswijze) -> &'static str {
    match a {
        Aankondigingswijze::Aangekondigd => "aangekondigd",
        Aankondigingswijze::Onaangekondigd => "onaangekondigd",
    }
}

/// The kind of source a fact of the grondslag comes from.
pub fn bron(b: BronSoort) -> &'static str {
    match b {
        BronSoort::AnoniemeMelding => "anonieme melding",
        BronSoort::MeldingOpNaam => "melding op naam",
        BronSoort::Dossier => "dossier",
        BronSoort::Register => "register",
        BronSoort::IbSignaal => "IB-signaal",
        BronSoort::Waarneming => "eerdere waarneming",
        BronSoort::Instantie => "andere instantie",
        BronSoort::Internet => "internetonderzoek",
    }
}

/// The kind of grondslag (seed 001 §1–§2).
pub fn grondslag(g: &Grondslag) -> &'static str {
    g.woord()
}

/// What handhaving gives back (seed 000): an advies to the Poort, a besluit to W&I.
pub fn uitkomst(u: Uitkomst) -> &'static str {
    match u {
        Uitkomst::Advies => "advies",
        Uitkomst::Besluit => "besluit",
    }
}

/// The question a key of the vragenlijst asks (`id` or `id#n` for repetition n), in words when
/// the answer is to the built-in list, else its key.
pub fn vraag(vragenlijst: &str, versie: u32, sleutel: &str) -> String {
    let (id, herhaling) = sleutel.split_once('#').unwrap_or((sleutel, ""));
    let standaard = Vragenlijst::ingebouwd();
    let tekst = if standaard.id == vragenlijst && standaard.versie == versie {
        standaard
            .vraag(id)
            .map_or_else(|| id.to_owned(), |v| v.tekst.clone())
    } else {
        id.to_owned()
    };
    if herhaling.is_empty() {
        tekst
    } else {
        format!("{tekst} ({herhaling})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 14, item 6: no raw snake_case code reaches the printed text.
    #[test]
    fn no_label_is_a_snake_case_code() {
        let soorten = [
            EventSoort::Aanleiding,
            EventSoort::AanDeDeur,
            EventSoort::NietInStaat,
            EventSoort::LegitimatieEnDoel,
            EventSoort::ToestemmingGevraagd,
            EventSoort::UitnodigingBespreking,
        ];
        let statuses = [
            EntryStatus::Ok,
            EntryStatus::UnknownKey,
            EntryStatus::MissingPredecessor,
            EntryStatus::ForgedCopy,
            EntryStatus::KeyRevoked,
        ];
        let labels = soorten
            .iter()
            .map(|s| (soort(*s), s.as_str()))
            .chain(statuses.iter().map(|s| (status(*s), s.code())))
            .chain([(fase(Fase::AanDeDeur), Fase::AanDeDeur.as_str())]);
        for (label, code) in labels {
            assert!(!label.contains('_'), "{label}");
            assert_ne!(label, code);
        }
    }
}
