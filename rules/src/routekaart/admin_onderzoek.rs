//! The administratief-onderzoek table of seed 004: 24 topics of desk research, which data holder
//! (BD, UWV, SVB, Gemeente) has the data to make selections or generate cases, and what each
//! topic means.
//!
//! Source: VNG Naleving, "Alternatief handhaven", December 2020, slide "Administratief onderzoek
//! ter voorbereiding van het genereren van casussen, November 2020".

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A data holder ("Dienst die over het gegeven beschikt").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dienst {
    /// Belastingdienst (including Toeslagen).
    Bd,
    Uwv,
    Svb,
    Gemeente,
}

impl Dienst {
    /// In the column order of the table.
    pub const ALL: [Dienst; 4] = [Dienst::Bd, Dienst::Uwv, Dienst::Svb, Dienst::Gemeente];

    /// The stable id (`bd`, `uwv`, `svb`, `gemeente`).
    pub fn id(self) -> &'static str {
        match self {
            Dienst::Bd => "bd",
            Dienst::Uwv => "uwv",
            Dienst::Svb => "svb",
            Dienst::Gemeente => "gemeente",
        }
    }

    /// The column heading of the table.
    pub fn label(self) -> &'static str {
        match self {
            Dienst::Bd => "BD",
            Dienst::Uwv => "UWV",
            Dienst::Svb => "SVB",
            Dienst::Gemeente => "Gemeente",
        }
    }

    /// The full name.
    pub fn name(self) -> &'static str {
        match self {
            Dienst::Bd => "Belastingdienst",
            Dienst::Uwv => "Uitvoeringsinstituut Werknemersverzekeringen",
            Dienst::Svb => "Sociale Verzekeringsbank",
            Dienst::Gemeente => "Gemeente",
        }
    }
}

impl fmt::Display for Dienst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A dienst id that is not `bd`, `uwv`, `svb` or `gemeente`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("onbekende dienst '{0}' (geldig: bd, uwv, svb, gemeente) / unknown data holder '{0}'")]
pub struct UnknownDienst(pub String);

impl UnknownDienst {
    pub fn code(&self) -> &'static str {
        "dienst_unknown"
    }
}

impl FromStr for Dienst {
    type Err = UnknownDienst;

    /// Parses the id or the column heading, ignoring case; `belastingdienst` is `bd`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_lowercase();
        if wanted == "belastingdienst" {
            return Ok(Dienst::Bd);
        }
        Dienst::ALL
            .into_iter()
            .find(|d| d.id() == wanted)
            .ok_or_else(|| UnknownDienst(s.to_string()))
    }
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Onderwerp {
    /// Stable snake_case id.
    pub id: &'static str,
    /// "Onderwerp onderzoek", as the table words it.
    pub naam: &'static str,
    /// The data holders marked with an x, in column order.
    pub diensten: &'static [Dienst],
    /// "Omschrijving", as the table words it.
    pub omschrijving: &'static str,
}

impl Onderwerp {
    /// Whether `dienst` holds the data for this topic.
    pub fn heeft(&self, dienst: Dienst) -> bool {
        self.diensten.contains(&dienst)
    }
}

use Dienst::{Bd, Gemeente, Svb, Uwv};

const fn row(
    id: &'static str,
    naam: &'static str,
    diensten: &'static [Dienst],
    omschrijving: &'static str,
) -> Onderwerp {
    Onderwerp {
        id,
        naam,
        diensten,
        omschrijving,
    }
}

/// The 24 rows, in the order of the table.
#[rustfmt::skip]
pub const ONDERWERPEN: &[Onderwerp] = &[
    row("huishoudsamenstellingen", "Huishoudsamenstellingen", &[Bd, Gemeente],
        "Het formuleren van opvallende huishoudsamenstellingen"),
    row("aantal_personen_op_adres", "Aantal personen op een adres", &[Bd, Uwv, Gemeente],
        "Adressen waar bijvoorbeeld meer dan 4 volwassen zijn ingeschreven"),
    row("aantal_inschrijvingen_per_adres", "Aantal inschrijvingen per adres", &[Bd, Uwv, Gemeente],
        "Het aantal inschrijvingen lijkt onlogisch door omvang woning"),
    row("briefadres_correspondentieadres", "Briefadres / correspondentieadres", &[Bd, Uwv, Gemeente],
        "Personen die een briefadres of ander adres gebruiken om te corresponderen"),
    row("leegstand", "Leegstand", &[Gemeente],
        "Panden die officieel leeg staan"),
    row("verhuisbewegingen", "Verhuisbewegingen", &[Bd, Gemeente],
        "Personen die regelmatig hun (brief)adres wijzigen"),
    row("verhuizing_voor_uitkering", "Verhuizing voor uitkering", &[Svb, Gemeente],
        "Personen wijzigen adres vlak voor of bij aanvang uitkeringsituatie"),
    row("windhappers", "Windhappers", &[Bd, Gemeente],
        "Personen die wel ingeschreven staan maar geen inkomsten hebben"),
    row("non_respons", "Non-respons", &[Bd, Svb, Gemeente],
        "Personen die niet reageren op een verzoek om informatie"),
    row("langdurige_inschrijving_rni", "Langdurige inschrijving RNI", &[Bd, Uwv, Gemeente],
        "Personen die langdurig in het RNI staan ingeschreven icm uitkeringen/toeslagen"),
    row("schulden", "Schulden", &[Bd, Gemeente],
        "Burgers met (hoge) schulden bij meerdere instanties."),
    row("huurtoeslag", "Huurtoeslag", &[Bd],
        "Huurprijs t.o.v inkomens, meerdere huurtoeslagen op 1 adres, onderhuur, huurlasten t.o.v. toetsingsinkomen"),
    row("kinderopvangtoeslag", "Kinderopvangtoeslag", &[Bd],
        "(buitenschoolse) opvang, opvanglasten, doelgroep"),
    row("kindgebonden_budget", "Kindgebonden Budget", &[Bd],
        "Één-ouder KOP (icm bewoningsvraagstukken bijvoorbeeld langdurig RNI), dubbele alleenstaande één-ouder kop"),
    row("zorgtoeslag", "Zorgtoeslag", &[Bd],
        "Zorgtoeslag (icm bewoningsvraagstukken bijvoorbeeld langdurig RNI)"),
    row("uitkeringen_uwv", "Uitkeringen UWV", &[Uwv],
        "Uitkering in het kader van de WIA, WW, Wajong, WAZ, ZW"),
    row("bedrag_uitkering_uwv", "Bedrag uitkering UWV", &[Uwv],
        "Hoogte van het uitkeringsbedrag"),
    row("inkomsten_werknemerschap", "Inkomsten vanuit werknemerschap", &[Bd, Gemeente],
        "Inkomsten kunnen invloed hebben op de uitkering"),
    row("inkomsten_partner_werknemerschap", "Inkomsten partner vanuit werknemerschap", &[Bd, Gemeente],
        "Inkomsten partner kunnen invloed hebben op de uitkering"),
    row("meldingen_politie_boa", "Meldingen vanuit Politie of BOA's", &[Gemeente],
        "Meldingen die iets zeggen over adres- / woon of inkomenssituatie"),
    row("alleenstaande_met_partner", "Alleenstaande met partner", &[Bd, Uwv, Svb, Gemeente],
        "Een alleenstaande waarvan bekend is dat er wel een partner is"),
    row("kvk_inschrijving_op_adres", "KVK inschrijving op een adres", &[Bd, Uwv],
        "Op een adres staat ook een onderneming in de KVK ingeschreven"),
    row("boete_overtredingsgedrag", "Boete- / overtredingsgedrag", &[Bd, Uwv, Svb, Gemeente],
        "Clienten met meerdere boetes/overtredingen"),
    row("uitkomsten_eigen_risicomodel", "Uitkomsten uit het eigen risicomodel", &[Bd, Uwv, Svb, Gemeente],
        "Adressen die naar voren komen vanuit het eigen interne risicomodel"),
];

/// The topic with this id or name (case-insensitive; blanks, `-` and `_` are interchangeable).
pub fn onderwerp(id_or_naam: &str) -> Option<&'static Onderwerp> {
    let wanted = normalise(id_or_naam);
    ONDERWERPEN
        .iter()
        .find(|o| o.id == wanted || normalise(o.naam) == wanted)
}

/// Topics whose id or name contains `fragment` (same normalisation as [`onderwerp`]).
pub fn zoek(fragment: &str) -> impl Iterator<Item = &'static Onderwerp> {
    let wanted = normalise(fragment);
    ONDERWERPEN
        .iter()
        .filter(move |o| o.id.contains(&wanted) || normalise(o.naam).contains(&wanted))
}

/// Topics for which `dienst` holds the data, in table order.
pub fn van_dienst(dienst: Dienst) -> impl Iterator<Item = &'static Onderwerp> {
    ONDERWERPEN.iter().filter(move |o| o.heeft(dienst))
}

fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim().to_lowercase().chars() {
        let c = if c == ' ' || c == '-' || c == '/' {
            '_'
        } else {
            c
        };
        if c == '_' && (out.is_empty() || out.ends_with('_')) {
            continue;
        }
        if c.is_alphanumeric() || c == '_' {
            out.push(c);
        }
    }
    out.trim_end_matches('_').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row of seed 004's table: (name, BD, UWV, SVB, Gemeente, omschrijving).
    #[rustfmt::skip]
    const SEED: &[(&str, [bool; 4], &str)] = &[
        ("Huishoudsamenstellingen", [true, false, false, true], "Het formuleren van opvallende huishoudsamenstellingen"),
        ("Aantal personen op een adres", [true, true, false, true], "Adressen waar bijvoorbeeld meer dan 4 volwassen zijn ingeschreven"),
        ("Aantal inschrijvingen per adres", [true, true, false, true], "Het aantal inschrijvingen lijkt onlogisch door omvang woning"),
        ("Briefadres / correspondentieadres", [true, true, false, true], "Personen die een briefadres of ander adres gebruiken om te corresponderen"),
        ("Leegstand", [false, false, false, true], "Panden die officieel leeg staan"),
        ("Verhuisbewegingen", [true, false, false, true], "Personen die regelmatig hun (brief)adres wijzigen"),
        ("Verhuizing voor uitkering", [false, false, true, true], "Personen wijzigen adres vlak voor of bij aanvang uitkeringsituatie"),
        ("Windhappers", [true, false, false, true], "Personen die wel ingeschreven staan maar geen inkomsten hebben"),
        ("Non-respons", [true, false, true, true], "Personen die niet reageren op een verzoek om informatie"),
        ("Langdurige inschrijving RNI", [true, true, false, true], "Personen die langdurig in het RNI staan ingeschreven icm uitkeringen/toeslagen"),
        ("Schulden", [true, false, false, true], "Burgers met (hoge) schulden bij meerdere instanties."),
        ("Huurtoeslag", [true, false, false, false], "Huurprijs t.o.v inkomens, meerdere huurtoeslagen op 1 adres, onderhuur, huurlasten t.o.v. toetsingsinkomen"),
        ("Kinderopvangtoeslag", [true, false, false, false], "(buitenschoolse) opvang, opvanglasten, doelgroep"),
        ("Kindgebonden Budget", [true, false, false, false], "Één-ouder KOP (icm bewoningsvraagstukken bijvoorbeeld langdurig RNI), dubbele alleenstaande één-ouder kop"),
        ("Zorgtoeslag", [true, false, false, false], "Zorgtoeslag (icm bewoningsvraagstukken bijvoorbeeld langdurig RNI)"),
        ("Uitkeringen UWV", [false, true, false, false], "Uitkering in het kader van de WIA, WW, Wajong, WAZ, ZW"),
        ("Bedrag uitkering UWV", [false, true, false, false], "Hoogte van het uitkeringsbedrag"),
        ("Inkomsten vanuit werknemerschap", [true, false, false, true], "Inkomsten kunnen invloed hebben op de uitkering"),
        ("Inkomsten partner vanuit werknemerschap", [true, false, false, true], "Inkomsten partner kunnen invloed hebben op de uitkering"),
        ("Meldingen vanuit Politie of BOA's", [false, false, false, true], "Meldingen die iets zeggen over adres- / woon of inkomenssituatie"),
        ("Alleenstaande met partner", [true, true, true, true], "Een alleenstaande waarvan bekend is dat er wel een partner is"),
        ("KVK inschrijving op een adres", [true, true, false, false], "Op een adres staat ook een onderneming in de KVK ingeschreven"),
        ("Boete- / overtredingsgedrag", [true, true, true, true], "Clienten met meerdere boetes/overtredingen"),
        ("Uitkomsten uit het eigen risicomodel", [true, true, true, true], "Adressen die naar voren komen vanuit het eigen interne risicomodel"),
    ];

    #[test]
    fn every_row_matches_the_seed_table() {
        assert_eq!(ONDERWERPEN.len(), 24);
        assert_eq!(SEED.len(), 24);
        for (row, (naam, marks, omschrijving)) in ONDERWERPEN.iter().zip(SEED) {
            assert_eq!(row.naam, *naam);
            assert_eq!(row.omschrijving, *omschrijving, "{naam}");
            for (dienst, marked) in Dienst::ALL.into_iter().zip(marks) {
                assert_eq!(row.heeft(dienst), *marked, "{naam} × {}", dienst.label());
            }
            // Found by its name as a person types it, and by its id.
            assert_eq!(onderwerp(naam).map(|o| o.id), Some(row.id), "{naam}");
            assert_eq!(onderwerp(row.id).map(|o| o.naam), Some(*naam));
        }
    }

    #[test]
    fn ids_are_unique_snake_case() {
        let mut ids: Vec<&str> = ONDERWERPEN.iter().map(|o| o.id).collect();
        for id in &ids {
            assert!(
                id.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{id}"
            );
        }
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 24);
    }

    #[test]
    fn query_by_dienst_counts_the_marks_per_column() {
        let count = |d| van_dienst(d).count();
        assert_eq!(count(Dienst::Bd), 19);
        assert_eq!(count(Dienst::Uwv), 10);
        assert_eq!(count(Dienst::Svb), 5);
        assert_eq!(count(Dienst::Gemeente), 17);
        assert!(van_dienst(Dienst::Svb).any(|o| o.id == "verhuizing_voor_uitkering"));
    }

    #[test]
    fn lookup_and_search() {
        assert_eq!(
            onderwerp("KVK-inschrijving op een adres").map(|o| o.id),
            Some("kvk_inschrijving_op_adres")
        );
        assert!(onderwerp("bestaat niet").is_none());
        let toeslagen: Vec<_> = zoek("toeslag").map(|o| o.id).collect();
        assert_eq!(
            toeslagen,
            ["huurtoeslag", "kinderopvangtoeslag", "zorgtoeslag"]
        );
        assert_eq!("UWV".parse::<Dienst>().unwrap(), Dienst::Uwv);
        assert_eq!("Belastingdienst".parse::<Dienst>().unwrap(), Dienst::Bd);
        assert_eq!(
            "abc".parse::<Dienst>().unwrap_err().code(),
            "dienst_unknown"
        );
    }
}
