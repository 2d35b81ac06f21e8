//! The arguments of `veldwerk bezoek app-sessie …` (the commands themselves: `crate::app_sessie`,
//! which `main` runs; the field commands only declare them).

use clap::{Args, Subcommand};

/// The session commands.
#[derive(Debug, Clone, Subcommand)]
pub enum AppSessieCommand {
    /// Een sessie starten: toont de link (als QR-code) en de verificatiecode voor de cliënt.
    Start(StartArgs),
    /// De link, de code en de stand van de sessie opnieuw tonen.
    Toon(WaarArgs),
    /// Meekijken: wat de cliënt invult vastleggen in het bezoek, met de handtekening van de cliënt.
    Volg(VolgArgs),
    /// De cliënt een aanwijzing sturen (bijv. dat een foto onscherp is).
    Hint(HintArgs),
    /// De sessie beëindigen; wat de cliënt al stuurde, wordt nog vastgelegd.
    Einde(VolgArgs),
}

/// Which visit.
#[derive(Debug, Clone, Args)]
pub struct WaarArgs {
    /// Het zaak-id.
    #[arg(long)]
    pub zaak: String,
    /// Het bezoek; standaard het laatste van de zaak.
    #[arg(long)]
    pub bezoek: Option<String>,
    /// JSON in plaats van tekst.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct StartArgs {
    #[command(flatten)]
    pub waar: WaarArgs,
    /// De naam van de cliënt (wordt bij elke verklaring vastgelegd als wie antwoordde).
    #[arg(long)]
    pub klant: String,
    /// Hoe lang de link werkt, in seconden (standaard 900: een kwartier).
    #[arg(long)]
    pub geldig_seconden: Option<u32>,
}

#[derive(Debug, Clone, Args)]
pub struct VolgArgs {
    #[command(flatten)]
    pub waar: WaarArgs,
    /// Blijven meekijken tot de sessie is beëindigd (of `--seconden` voorbij zijn).
    #[arg(long)]
    pub tot_einde: bool,
    /// Hoogstens zo lang meekijken (standaard 1800).
    #[arg(long, default_value_t = 1800)]
    pub seconden: u64,
    /// Een voorwaarde van de routekaart voor het begin van de rondgang bevestigen (herhaalbaar).
    #[arg(long = "bevestig", value_name = "CODE")]
    pub bevestig: Vec<String>,
    /// Alle voorwaarden voor het begin van de rondgang bevestigen.
    #[arg(long)]
    pub bevestig_alles: bool,
}

#[derive(Debug, Clone, Args)]
pub struct HintArgs {
    #[command(flatten)]
    pub waar: WaarArgs,
    /// De aanwijzing, in gewone woorden.
    pub tekst: String,
}
