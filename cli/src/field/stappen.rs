//! The command that records each kind of step: what "Volgende stappen" prints, so a handhaver
//! can type what the screen offers. One table, matched exhaustively, so a new kind must name
//! its command; a test checks every named command exists.

use veldwerk_rules::protocol::EventSoort;

/// The `veldwerk` command (with its subcommand, if any) that records a step of kind `soort`.
pub fn command(soort: EventSoort) -> &'static str {
    match soort {
        EventSoort::Aanleiding => "aanleiding",
        EventSoort::Aankondiging => "aankondiging",
        EventSoort::AanDeDeur => "deur",
        EventSoort::NiemandAanwezig => "niemand-aanwezig",
        EventSoort::NietInStaat => "niet-in-staat",
        EventSoort::LegitimatieEnDoel => "legitimatie",
        EventSoort::ToestemmingGevraagd => "toestemming vraag",
        EventSoort::ToestemmingGegeven => "toestemming gegeven",
        EventSoort::ToestemmingGeweigerd => "toestemming geweigerd",
        EventSoort::Binnentreden => "binnentreden",
        EventSoort::ToestemmingIngetrokken => "toestemming ingetrokken",
        EventSoort::ExtraToestemming => "toestemming extra",
        EventSoort::Waarneming => "waarneming",
        EventSoort::Correctie => "correctie",
        EventSoort::Afsluiting => "afsluiting",
        EventSoort::Rapport => "rapport",
        EventSoort::UitnodigingBespreking => "uitnodiging",
        EventSoort::BezoekAfgebroken => "bezoek afbreken",
        EventSoort::ToestemmingsconflictBeslecht => "toestemming beslecht",
        EventSoort::WaarnemingTerPlaatseGestart => "ter-plaatse start",
        EventSoort::WaarnemingTerPlaatse => "ter-plaatse waarneming",
        EventSoort::GesprekGestart => "gesprek",
        EventSoort::Internetonderzoek => "internetonderzoek",
        // The client's own steps in the digital tour: on the tablet in klantmodus or on the
        // client's phone, never typed by the handhaver.
        EventSoort::VraagBeantwoord | EventSoort::VragenlijstOndertekend => "vragenlijst",
        // Sent while watching the client's tour on their phone, and recorded as it is sent.
        EventSoort::AanwijzingGestuurd => "bezoek app-sessie hint",
    }
}

/// The command for a worklist's next step as the device names it (a step kind, or
/// `bezoek_starten` before the first visit); an unknown name is shown as it is.
pub fn command_for_name(name: &str) -> String {
    if name == "bezoek_starten" {
        return "bezoek start".to_owned();
    }
    match serde_json::from_value::<EventSoort>(serde_json::Value::String(name.to_owned())) {
        Ok(soort) => command(soort).to_owned(),
        Err(_) => name.to_owned(),
    }
}

/// The commands for a list of next steps, comma-separated.
pub fn commands(next: &[EventSoort]) -> String {
    next.iter()
        .map(|s| command(*s))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    const ALL: [EventSoort; 26] = [
        EventSoort::Aanleiding,
        EventSoort::Aankondiging,
        EventSoort::AanDeDeur,
        EventSoort::NiemandAanwezig,
        EventSoort::NietInStaat,
        EventSoort::LegitimatieEnDoel,
        EventSoort::ToestemmingGevraagd,
        EventSoort::ToestemmingGegeven,
        EventSoort::ToestemmingGeweigerd,
        EventSoort::Binnentreden,
        EventSoort::ToestemmingIngetrokken,
        EventSoort::ExtraToestemming,
        EventSoort::Waarneming,
        EventSoort::Correctie,
        EventSoort::Afsluiting,
        EventSoort::Rapport,
        EventSoort::UitnodigingBespreking,
        EventSoort::BezoekAfgebroken,
        EventSoort::ToestemmingsconflictBeslecht,
        EventSoort::WaarnemingTerPlaatseGestart,
        EventSoort::WaarnemingTerPlaatse,
        EventSoort::GesprekGestart,
        EventSoort::Internetonderzoek,
        EventSoort::VraagBeantwoord,
        EventSoort::VragenlijstOndertekend,
        EventSoort::AanwijzingGestuurd,
    ];

    /// Every step kind names a command `veldwerk` really has (clap's own command tree).
    #[test]
    fn every_step_kind_names_a_real_command() {
        let root = crate::Cli::command();
        for soort in ALL {
            let mut cmd = &root;
            for word in command(soort).split(' ') {
                cmd = cmd
                    .find_subcommand(word)
                    .unwrap_or_else(|| panic!("{soort}: no command '{}'", command(soort)));
            }
            assert_eq!(command_for_name(soort.as_str()), command(soort));
        }
        let mut cmd = &root;
        for word in command_for_name("bezoek_starten").split(' ') {
            cmd = cmd.find_subcommand(word).expect("bezoek start");
        }
    }
}
