//! The Dutch face of clap, shared by `veldwerk` and `veldwerk-server`: headings, the help and
//! version flags, and clap's own error lines (`fout:`, `Gebruik:`), so a handhaver or beheerder
//! never meets English from the command line. Only behind the `opdrachtregel` feature: the
//! contract itself has no command line.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command, CommandFactory, FromArgMatches};

const TEMPLATE: &str = "{about-with-newline}\nGebruik: {usage}\n\n{all-args}{after-help}";

/// `cmd` and every subcommand with Dutch headings and help/version flags.
pub fn nederlands(cmd: Command) -> Command {
    let cmd = cmd.disable_version_flag(true).arg(
        Arg::new("versie")
            .short('V')
            .long("version")
            .action(ArgAction::Version)
            .help("Toon de versie"),
    );
    dutch_command(cmd)
}

fn dutch_command(cmd: Command) -> Command {
    cmd.help_template(TEMPLATE)
        .subcommand_help_heading("Opdrachten")
        .subcommand_value_name("OPDRACHT")
        .disable_help_subcommand(true)
        .disable_help_flag(true)
        .arg(
            Arg::new("hulp")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("Toon deze hulp"),
        )
        .mut_args(|a| {
            if a.get_help_heading().is_some() {
                a
            } else if a.is_positional() {
                a.help_heading("Argumenten")
            } else {
                a.help_heading("Opties")
            }
        })
        .mut_subcommands(dutch_command)
}

/// Parses the process's arguments into `T` with the Dutch command line; help and version are
/// printed as asked, an error as `fout: …` with the usage in Dutch, then the process exits
/// (code 2 for wrong input, as clap does).
pub fn parse<T: CommandFactory + FromArgMatches>() -> T {
    let result = nederlands(T::command())
        .try_get_matches()
        .and_then(|m| T::from_arg_matches(&m));
    match result {
        Ok(t) => t,
        Err(e) => exit_with(&e),
    }
}

fn exit_with(e: &clap::Error) -> ! {
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            std::process::exit(e.exit_code());
        }
        _ => {
            eprintln!("{}", message(e));
            std::process::exit(2);
        }
    }
}

/// The Dutch text of a clap error: `fout: …`, the usage and where to read more.
pub fn message(e: &clap::Error) -> String {
    let ctx = |kind| context(e, kind).unwrap_or_default();
    let what = match e.kind() {
        ErrorKind::UnknownArgument => {
            format!("onbekend argument '{}'", ctx(ContextKind::InvalidArg))
        }
        ErrorKind::InvalidSubcommand => {
            format!(
                "onbekende opdracht '{}'",
                ctx(ContextKind::InvalidSubcommand)
            )
        }
        ErrorKind::InvalidValue if ctx(ContextKind::InvalidValue).is_empty() => {
            format!("'{}' vraagt een waarde", ctx(ContextKind::InvalidArg))
        }
        ErrorKind::InvalidValue => {
            let valid = ctx(ContextKind::ValidValue);
            format!(
                "ongeldige waarde '{}' voor '{}'{}",
                ctx(ContextKind::InvalidValue),
                ctx(ContextKind::InvalidArg),
                if valid.is_empty() {
                    String::new()
                } else {
                    format!(" (mogelijk: {valid})")
                }
            )
        }
        // The value parser's own message (Dutch, from the binary) says what is wrong.
        ErrorKind::ValueValidation => format!(
            "ongeldige waarde '{}' voor '{}'{}",
            ctx(ContextKind::InvalidValue),
            ctx(ContextKind::InvalidArg),
            std::error::Error::source(e).map_or_else(String::new, |s| format!(": {s}"))
        ),
        ErrorKind::MissingRequiredArgument => {
            format!(
                "verplicht, maar niet gegeven: {}",
                ctx(ContextKind::InvalidArg)
            )
        }
        ErrorKind::MissingSubcommand => "geef een opdracht".to_owned(),
        ErrorKind::ArgumentConflict => format!(
            "'{}' gaat niet samen met '{}'",
            ctx(ContextKind::InvalidArg),
            ctx(ContextKind::PriorArg)
        ),
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues => {
            format!(
                "te veel of te weinig waarden bij '{}'",
                ctx(ContextKind::InvalidArg)
            )
        }
        ErrorKind::NoEquals => format!("'{}' vraagt een '='", ctx(ContextKind::InvalidArg)),
        _ => "ongeldige invoer".to_owned(),
    };
    let usage = ctx(ContextKind::Usage);
    let usage = usage
        .trim()
        .strip_prefix("Usage:")
        .unwrap_or(usage.trim())
        .trim()
        .to_owned();
    if usage.is_empty() {
        format!("fout: {what}\n\nMeer informatie: '--help'.")
    } else {
        format!("fout: {what}\n\nGebruik: {usage}\n\nMeer informatie: '--help'.")
    }
}

fn context(e: &clap::Error, kind: ContextKind) -> Option<String> {
    Some(match e.get(kind)? {
        ContextValue::String(s) => s.clone(),
        ContextValue::Strings(v) => v.join(", "),
        ContextValue::StyledStr(s) => s.to_string(),
        ContextValue::StyledStrs(v) => v
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        ContextValue::Number(n) => n.to_string(),
        ContextValue::Bool(b) => b.to_string(),
        ContextValue::None => String::new(),
        _ => String::new(),
    })
}
