//! `veldwerk`: the reference field client on a laptop, built on veldwerk-device.
//!
//! Exit codes (all commands): 0 success (for `rules check`: the action is allowed), 3 the
//! action is forbidden (`rules check`), 1 an override file is invalid (`rules validate`),
//! 2 bad input: unknown code, action or value, unreadable or invalid file. The field commands
//! (`zaken`, `zaak`, `bezoek`, the visit steps, `status`) exit 1 when a step is refused or fails,
//! with the Dutch message and its code on stderr.

mod app_sessie;
mod field;
mod remote;
mod rules;
mod terminal;
mod text;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "veldwerk",
    version,
    about = "Veldwerk: de veldcliënt voor huisbezoeken, met de routekaart en het huisbezoekprotocol",
    after_help = "Exitcodes: 0 gelukt / toegestaan, 3 verboden (rules check), 1 ongeldig \
                  bestand (rules validate) of een geweigerde stap, 2 onjuiste invoer.\n\
                  De sleutel van de opslag komt uit de wachtzin in VELDWERK_PASSPHRASE of wordt \
                  gevraagd."
)]
struct Cli {
    /// De gegevensmap van dit apparaat (versleutelde opslag en sleutelafleiding).
    #[arg(long, global = true, default_value = "./veldwerk-device")]
    data_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// De routekaart: regels controleren, tonen en aanpassingen valideren.
    #[command(subcommand)]
    Rules(rules::RulesCommand),
    /// Feitelijk taalgebruik: tekst controleren op speculatieve of subjectieve formuleringen.
    #[command(subcommand)]
    Text(text::TextCommand),
    #[command(flatten)]
    Field(Box<field::FieldCommand>),
    #[command(flatten)]
    Remote(remote::RemoteCommand),
}

fn main() -> ExitCode {
    let cli: Cli = veldwerk_contract::opdrachtregel::parse();
    match cli.command {
        Command::Rules(command) => rules::run(&cli.data_dir, command),
        Command::Text(command) => {
            match text::run(&command, std::io::stdin().lock(), std::io::stdout().lock()) {
                Ok(_) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("veldwerk: {err:#}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Field(command) => match &*command {
            field::FieldCommand::Bezoek(field::BezoekCommand::AppSessie(c)) => {
                app_sessie::run(&cli.data_dir, c)
            }
            other => field::run(&cli.data_dir, other),
        },
        Command::Remote(command) => remote::run(&cli.data_dir, &command),
    }
}

#[cfg(test)]
mod help_tests {
    use clap::CommandFactory;
    use veldwerk_contract::opdrachtregel::{english_help, nederlands, without_help};

    /// Issue 15: all CLI output in Dutch, also the help of every command and option.
    #[test]
    fn every_field_command_and_option_has_dutch_help() {
        let cmd = nederlands(super::Cli::command());
        assert_eq!(without_help(&cmd), Vec::<String>::new(), "without help");
        assert_eq!(english_help(&cmd), Vec::new(), "English help");
    }
}
