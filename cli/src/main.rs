//! `veldwerk`: the reference field client on a laptop.

mod field;
mod remote;
mod text;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "veldwerk", version, about = "Veldwerk field client")]
struct Cli {
    /// The device's data directory (encrypted store and key derivation salt).
    #[arg(long, global = true, default_value = "./veldwerk-device")]
    data_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Factual-language check of a text.
    #[command(subcommand)]
    Text(text::TextCommand),
    #[command(flatten)]
    Field(Box<field::FieldCommand>),
    #[command(flatten)]
    Remote(remote::RemoteCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Command::Text(cmd) => {
            match text::run(cmd, std::io::stdin().lock(), std::io::stdout().lock()) {
                Ok(_) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("{e:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Field(cmd) => field::run(&cli.data_dir, cmd),
        Command::Remote(cmd) => remote::run(&cli.data_dir, cmd),
    }
}
