//! The VNG "Routekaart alternatief handhaven" of November 2020 (seed 004) as data, and the Dutch
//! wording of every reason, condition and warning the rules give.
//!
//! Source: VNG Naleving, "Alternatief handhaven", December 2020, slide "Routekaart alternatief
//! handhaven November 2020" (table "Routekaart handhaving LSI projecten*") and its two footnotes.

use super::cell::{Allowed, Cell, CellRule, Condition, Routekaart};
use super::{Actie, Code, Transport};
use crate::Notice;

/// Version string of the built-in table.
pub const VNG_2020_VERSION: &str = "VNG 2020-11";

/// Footnote * of the table: the table describes in general what is possible; each LSI partner
/// may differ in nuance or interpretation. Carried by the routekaart as a general warning.
pub fn partners_may_differ() -> Notice {
    Notice::new(
        "partners_may_differ",
        "In het schema is in zijn algemeenheid beschreven wat er mogelijk is. Per LSI-partner kan \
         sprake zijn van nuance-verschillen of andere interpretaties.",
    )
}

/// Footnote ** of the table: the use of the huisbezoek-app and the usability of its findings
/// still have to be aligned legally with the partners. A warning on every `huisbezoek_app`
/// decision.
pub fn huisbezoek_app_juridisch_niet_afgestemd() -> Notice {
    Notice::new(
        "huisbezoek_app_juridisch_niet_afgestemd",
        "De huisbezoek-app moet op juridisch vlak (gebruik en bruikbaarheid vaststellingen) nog \
         afgestemd worden met de partners.",
    )
}

/// Dutch number words for small counts, as the table writes "twee handhavers".
fn number_word(n: u32) -> String {
    const WORDS: [&str; 11] = [
        "nul", "één", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien",
    ];
    WORDS
        .get(n as usize)
        .map_or_else(|| n.to_string(), |w| (*w).to_string())
}

fn plural(n: u32, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Condition for an unstated number of handhavers.
pub fn max_handhavers_condition(actie: Actie, max: u32) -> Notice {
    let message = match actie {
        Actie::HuisbezoekApp => format!(
            "App aangeboden door {}.",
            plural(max, "handhaver", "handhavers")
        ),
        _ => format!(
            "Maximaal {} aan de deur.",
            if max == 1 {
                "één handhaver".to_string()
            } else {
                format!("{} handhavers", number_word(max))
            }
        ),
    };
    Notice::new("max_handhavers", message)
}

/// Reason when more handhavers are planned than the cell allows.
pub fn max_handhavers_exceeded(code: Code, actie: Actie, max: u32, planned: u32) -> Notice {
    let message = match actie {
        Actie::HuisbezoekApp => format!(
            "Bij code {code} wordt de huisbezoek-app aangeboden door {}; gepland zijn {}.",
            plural(max, "handhaver", "handhavers"),
            plural(planned, "handhaver", "handhavers"),
        ),
        _ => format!(
            "Bij code {code} zijn maximaal {} aan de deur toegestaan; gepland zijn {}.",
            plural(max, "handhaver", "handhavers"),
            plural(planned, "handhaver", "handhavers"),
        ),
    };
    Notice::new("max_handhavers_exceeded", message)
}

/// Reason when zero handhavers are planned: nobody would be at the door.
pub fn handhavers_invalid() -> Notice {
    Notice::new(
        "handhavers_invalid",
        "Gepland aantal handhavers is 0; er is minstens 1 handhaver nodig.",
    )
}

/// Condition for an unstated number of medewerkers per car.
pub fn max_medewerkers_per_auto_condition(max: u32) -> Notice {
    Notice::new(
        "max_medewerkers_per_auto",
        format!(
            "Indien per auto: {} per auto.",
            plural(max, "medewerker", "medewerkers")
        ),
    )
}

/// Reason when more medewerkers share a car than the cell allows.
pub fn max_medewerkers_per_auto_exceeded(code: Code, max: u32, planned: u32) -> Notice {
    Notice::new(
        "max_medewerkers_per_auto_exceeded",
        format!(
            "Bij code {code} mag per auto maximaal {} mee; gepland zijn {} per auto.",
            plural(max, "medewerker", "medewerkers"),
            plural(planned, "medewerker", "medewerkers"),
        ),
    )
}

/// Reason when zero medewerkers per car are planned for travel by car.
pub fn medewerkers_per_auto_invalid() -> Notice {
    Notice::new(
        "medewerkers_per_auto_invalid",
        "Gepland aantal medewerkers per auto is 0; wie per auto gaat, zit met minstens 1 \
         medewerker in de auto.",
    )
}

fn transport_list(transports: &[Transport]) -> String {
    let labels: Vec<&str> = transports.iter().map(|t| t.label()).collect();
    match labels.as_slice() {
        [] => "geen".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} of {last}", init.join(", ")),
    }
}

/// Condition when the cell restricts transport and none was stated.
pub fn transport_restricted_condition(allowed: &[Transport]) -> Notice {
    Notice::new(
        "transport_restricted",
        format!("Alleen {}.", transport_list(allowed)),
    )
}

/// Reason when the planned transport is not one the cell allows.
pub fn transport_not_allowed(code: Code, planned: Transport, allowed: &[Transport]) -> Notice {
    Notice::new(
        "transport_not_allowed",
        format!(
            "Bij code {code} is een waarneming {} niet toegestaan; toegestaan: {}.",
            planned.label(),
            transport_list(allowed)
        ),
    )
}

/// Condition when it is not stated whether the room is coronaproof.
pub fn coronaproof_room_condition() -> Notice {
    Notice::new(
        "coronaproof_room",
        "Coronaproof spreekkamer. Zo niet dan mondkapje verplicht klant en medewerker.",
    )
}

/// Condition when the room is stated not to be coronaproof: the table then makes the mask
/// mandatory (it does not forbid the conversation).
pub fn mask_mandatory_condition() -> Notice {
    Notice::new(
        "mask_mandatory_client_and_medewerker",
        "De spreekkamer is niet coronaproof: mondkapje verplicht voor klant en medewerker.",
    )
}

/// Condition when the hardware is not stated.
pub fn suitable_hardware_condition() -> Notice {
    Notice::new(
        "suitable_hardware",
        "Medewerker en klant beschikken over geschikte hardware.",
    )
}

/// Reason when the hardware is stated unfit.
pub fn hardware_not_suitable(code: Code) -> Notice {
    Notice::new(
        "hardware_not_suitable",
        format!(
            "Bij code {code} is een gesprek op afstand alleen mogelijk als medewerker en klant \
             beschikken over geschikte hardware; dat is niet zo."
        ),
    )
}

/// Condition when the software is not stated.
pub fn secure_software_condition() -> Notice {
    Notice::new("secure_software", "Software is beveiligd.")
}

/// Reason when the software is stated not secure.
pub fn software_not_secure(code: Code) -> Notice {
    Notice::new(
        "software_not_secure",
        format!(
            "Bij code {code} is een gesprek op afstand alleen mogelijk met beveiligde software; \
             de software is niet beveiligd."
        ),
    )
}

/// Warning when a stated parameter means nothing for the action.
pub fn parameter_not_applicable(parameter: super::Parameter, actie: Actie) -> Notice {
    Notice::new(
        "parameter_not_applicable",
        format!(
            "'{}' ({}) is niet van toepassing op {} en is niet beoordeeld.",
            parameter.id(),
            parameter.label(),
            actie.label().to_lowercase()
        ),
    )
}

/// Warning when medewerkers per car are stated but the waarneming is not by car.
pub fn medewerkers_per_auto_not_by_car(transport: Transport) -> Notice {
    Notice::new(
        "parameter_not_applicable",
        format!(
            "'medewerkers_per_auto' is niet beoordeeld: de waarneming gaat {}, niet per auto.",
            transport.label()
        ),
    )
}

/// Warning on a decision taken on a cell an organisation changed.
pub fn cell_overridden(organisation: Option<&str>, version: &str) -> Notice {
    Notice::new(
        "cell_overridden_by_organisation",
        format!(
            "Deze regel wijkt af van de VNG-routekaart: aangepast door {} (versie {version}).",
            organisation.unwrap_or("de organisatie")
        ),
    )
}

// The cells as the table words them.

const DISTANCE: (&str, &str) = ("distance_1_5_m", "1,5 m afstand.");
const APP_DISTANCE: (&str, &str) = ("distance_1_5_m", "Met inachtneming van 1,5 m afstand.");
/// The code of the cell condition about grote controles (recreatieterreinen): it applies only
/// to a visit that is part of one (`protocol::stap::voorwaarden`).
pub const LARGE_CHECKS_CODE: &str = "large_checks_central_location";
const LARGE_CHECKS: (&str, &str) = (
    LARGE_CHECKS_CODE,
    "Grote controles (bijvoorbeeld recreatieterreinen): gesprekken op een corona-proof gemaakte \
     centrale locatie; restaurant / recreatiezaal / kantoor beheerder.",
);
const CAR_DISTANCE_MASK: (&str, &str) = (
    "car_distance_and_mask",
    "Indien per auto: medewerkers voldoende afstand en mondkapje op.",
);
const WALK_CYCLE_DISTANCE: (&str, &str) = (
    "walking_cycling_distance_1_5_m",
    "Lopen/fietsen: medewerkers te allen tijde 1,5 m onderlinge afstand.",
);
const ONE_CLIENT: (&str, &str) = (
    "one_client_per_medewerker",
    "1 klant (meer mag) per keer bij 1 medewerker.",
);
const MASK_MOVING: (&str, &str) = (
    "mask_when_moving_in_building",
    "Bij verplaatsen in gebouw mondkapje verplicht.",
);
const CASES_PURPOSE: (&str, &str) = (
    "purpose_generating_cases",
    "Administratief onderzoek ten behoeve van (het genereren van) casussen; zie tabel \
     administratief onderzoek.",
);

fn cond((code, message): (&str, &str)) -> Condition {
    Condition::new(code, message)
}

fn cond_for((code, message): (&str, &str), transports: &[Transport]) -> Condition {
    Condition::for_transports(code, message, transports)
}

fn allowed(code: Code, actie: Actie, text: &str, rule: Allowed) -> Cell {
    let warnings = if actie == Actie::HuisbezoekApp {
        vec![huisbezoek_app_juridisch_niet_afgestemd()]
    } else {
        Vec::new()
    };
    Cell {
        code,
        actie,
        text: text.to_string(),
        rule: CellRule::Allowed(rule),
        warnings,
        overridden: false,
    }
}

fn forbidden(
    code: Code,
    actie: Actie,
    text: &str,
    reason: Notice,
    alternative: Option<Actie>,
) -> Cell {
    let warnings = if actie == Actie::HuisbezoekApp {
        vec![huisbezoek_app_juridisch_niet_afgestemd()]
    } else {
        Vec::new()
    };
    Cell {
        code,
        actie,
        text: text.to_string(),
        rule: CellRule::Forbidden {
            reason,
            alternative,
        },
        warnings,
        overridden: false,
    }
}

const APP_ONLY_TEXT: &str = "Alleen mogelijk door het gebruik van een huisbezoek-app**. App \
                             aangeboden door 1 handhaver met inachtneming 1,5m afstand";
const FACE_TO_FACE_TEXT: &str = "Face-to-face gesprekken niet mogelijk";

fn cells_for(code: Code) -> Vec<Cell> {
    let geel = code == Code::Geel;
    let rood = code == Code::Rood;
    let mut cells = Vec::with_capacity(Actie::ALL.len());

    // Huisbezoek.
    cells.push(if geel {
        allowed(
            code,
            Actie::Huisbezoek,
            "Alle soorten projecten: Maximaal twee handhavers aan de deur. 1,5 m afstand. \
             Uiteraard is ook de Huisbezoek-app** mogelijk. Grote controles: (Bijvoorbeeld \
             Recreatieterreinen) Gesprekken op een Corona-proof gemaakte centrale locatie; \
             restaurant / recreatiezaal / kantoor beheerder",
            Allowed {
                max_handhavers: Some(2),
                conditions: vec![cond(DISTANCE), cond(LARGE_CHECKS)],
                ..Allowed::default()
            },
        )
    } else {
        forbidden(
            code,
            Actie::Huisbezoek,
            APP_ONLY_TEXT,
            Notice::new(
                "only_via_huisbezoek_app",
                format!(
                    "Bij code {code} is een huisbezoek alleen mogelijk door het gebruik van een \
                     huisbezoek-app (actie huisbezoek_app), aangeboden door 1 handhaver met \
                     inachtneming van 1,5 m afstand."
                ),
            ),
            Some(Actie::HuisbezoekApp),
        )
    });

    // Huisbezoek via de app.
    cells.push(allowed(
        code,
        Actie::HuisbezoekApp,
        if geel {
            "Uiteraard is ook de Huisbezoek-app** mogelijk. App aangeboden door 2 handhavers met \
             inachtneming 1,5m afstand"
        } else {
            APP_ONLY_TEXT
        },
        Allowed {
            max_handhavers: Some(if geel { 2 } else { 1 }),
            conditions: vec![cond(APP_DISTANCE)],
            ..Allowed::default()
        },
    ));

    // Waarneming ter plaatse.
    let (text, car_conditions, max_per_car) = if geel {
        (
            "Mogelijk - Indien per auto: medewerkers voldoende afstand en mondkapje op - \
             Lopen/fietsen: medewerkers te allen tijde 1,5m onderlinge afstand",
            vec![cond_for(CAR_DISTANCE_MASK, &[Transport::Auto])],
            None,
        )
    } else {
        (
            "Mogelijk - Indien per auto: 1 medewerker per auto - Lopen/fietsen: medewerkers te \
             allen tijde 1,5m onderlinge afstand",
            Vec::new(),
            Some(1),
        )
    };
    let mut conditions = car_conditions;
    conditions.push(cond_for(
        WALK_CYCLE_DISTANCE,
        &[Transport::Lopen, Transport::Fiets],
    ));
    cells.push(allowed(
        code,
        Actie::Waarneming,
        text,
        Allowed {
            max_medewerkers_per_auto: max_per_car,
            conditions,
            ..Allowed::default()
        },
    ));

    // Telefonisch gesprek of horen / videogesprek of -verhoor.
    cells.push(allowed(
        code,
        Actie::GesprekOpAfstand,
        "Mogelijk indien aan voorwaarde wordt voldaan: - Medewerker en klant beschikken over \
         geschikte hardware - software is beveiligd",
        Allowed {
            requires_suitable_hardware: true,
            requires_secure_software: true,
            ..Allowed::default()
        },
    ));

    // Spreekkamer gesprek and mobiele unit.
    let face_to_face_forbidden = || {
        Notice::new(
            "face_to_face_not_possible",
            format!("Bij code {code} zijn face-to-face gesprekken niet mogelijk."),
        )
    };
    cells.push(if rood {
        forbidden(
            code,
            Actie::Spreekkamer,
            FACE_TO_FACE_TEXT,
            face_to_face_forbidden(),
            None,
        )
    } else {
        allowed(
            code,
            Actie::Spreekkamer,
            "- 1 klant (meer mag) per keer bij 1 medewerker - Coronaproof spreekkamer. Zo niet \
             dan mondkapje verplicht klant en medewerker. Bij verplaatsen in gebouw mondkapje \
             verplicht",
            Allowed {
                coronaproof_or_mask: true,
                conditions: vec![cond(ONE_CLIENT), cond(MASK_MOVING)],
                ..Allowed::default()
            },
        )
    });
    cells.push(if rood {
        forbidden(
            code,
            Actie::MobieleUnit,
            FACE_TO_FACE_TEXT,
            face_to_face_forbidden(),
            None,
        )
    } else {
        allowed(
            code,
            Actie::MobieleUnit,
            "- 1 klant (meer mag) per keer bij 1 medewerker - Coronaproof spreekkamer. Zo niet \
             dan mondkapje verplicht klant en medewerker",
            Allowed {
                coronaproof_or_mask: true,
                conditions: vec![cond(ONE_CLIENT)],
                ..Allowed::default()
            },
        )
    });

    // Administratief onderzoek.
    cells.push(allowed(
        code,
        Actie::AdministratiefOnderzoek,
        "Al het administratief onderzoek ten behoeve van (het genereren van) casussen is \
         mogelijk. Zie tabel administratief onderzoek.",
        Allowed {
            conditions: vec![cond(CASES_PURPOSE)],
            ..Allowed::default()
        },
    ));
    cells
}

impl Routekaart {
    /// The built-in default: the VNG routekaart of November 2020 (seed 004), every cell as the
    /// table has it.
    pub fn vng_2020() -> Routekaart {
        let cells = Code::ALL.into_iter().flat_map(cells_for).collect();
        match Routekaart::from_cells(None, VNG_2020_VERSION, vec![partners_may_differ()], cells) {
            Ok(r) => r,
            // cells_for builds one cell per code × actie; the unit test below proves it.
            Err(e) => unreachable!("the built-in table is complete: {e}"),
        }
    }
}

impl Default for Routekaart {
    fn default() -> Self {
        Routekaart::vng_2020()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_has_every_cell_in_its_slot() {
        let r = Routekaart::vng_2020();
        assert_eq!(r.cells().count(), 21);
        for code in Code::ALL {
            for actie in Actie::ALL {
                let cell = r.cell(code, actie);
                assert_eq!((cell.code, cell.actie), (code, actie));
                assert!(!cell.overridden);
                assert!(!cell.text.is_empty());
            }
        }
        assert_eq!(r.organisation(), None);
        assert_eq!(r.version(), VNG_2020_VERSION);
        assert_eq!(r.general_warnings()[0].code, "partners_may_differ");
    }

    #[test]
    fn wording_uses_number_words_like_the_table() {
        assert_eq!(
            max_handhavers_condition(Actie::Huisbezoek, 2).message,
            "Maximaal twee handhavers aan de deur."
        );
        assert_eq!(
            max_handhavers_condition(Actie::HuisbezoekApp, 1).message,
            "App aangeboden door 1 handhaver."
        );
        assert_eq!(
            max_medewerkers_per_auto_condition(1).message,
            "Indien per auto: 1 medewerker per auto."
        );
        assert_eq!(
            transport_restricted_condition(&[Transport::Lopen, Transport::Fiets]).message,
            "Alleen lopend of op de fiets."
        );
    }

    #[test]
    fn serde_round_trip_and_incomplete_data_is_refused() {
        let r = Routekaart::vng_2020();
        let json = serde_json::to_string(&r).unwrap();
        let back: Routekaart = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);

        let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
        v["cells"].as_array_mut().unwrap().pop();
        let err = serde_json::from_value::<Routekaart>(v).unwrap_err();
        assert!(err.to_string().contains("mist de cel"), "{err}");
    }
}
