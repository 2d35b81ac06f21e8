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
            let text = dutch_words(&e.render().to_string());
            if e.use_stderr() {
                eprint!("{text}");
            } else {
                print!("{text}");
            }
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
    let usage = dutch_words(&ctx(ContextKind::Usage));
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

/// clap's few fixed English words in help and usage (`[OPTIONS]`, `[default: …]`, …), which it
/// cannot be told to write otherwise, in Dutch.
pub fn dutch_words(text: &str) -> String {
    const WORDS: &[(&str, &str)] = &[
        ("[OPTIONS]", "[OPTIES]"),
        ("[COMMAND]", "[OPDRACHT]"),
        ("<COMMAND>", "<OPDRACHT>"),
        ("[default: ", "[standaard: "),
        ("[env: ", "[omgeving: "),
        ("[possible values: ", "[mogelijk: "),
        ("Possible values:", "Mogelijke waarden:"),
        ("[aliases: ", "[ook: "),
        ("[short aliases: ", "[ook: "),
    ];
    WORDS
        .iter()
        .fold(text.to_owned(), |t, (en, nl)| t.replace(en, nl))
}

/// The help `cmd --help` prints for the subcommand at `path` (empty: the command itself), as
/// the binary prints it: for tests that read every command's help.
pub fn help_of(cmd: Command, path: &[&str]) -> String {
    let mut cmd = nederlands(cmd);
    cmd.build();
    let mut at = &mut cmd;
    for name in path {
        match at.find_subcommand_mut(name) {
            Some(sub) => at = sub,
            None => return String::new(),
        }
    }
    dutch_words(&at.render_long_help().to_string())
}

/// Every command and option in `cmd`'s tree that has no help text, by its path: a beheerder
/// reading `--help` should never meet a bare name.
pub fn without_help(cmd: &Command) -> Vec<String> {
    fn walk(cmd: &Command, path: &str, out: &mut Vec<String>) {
        for a in cmd.get_arguments() {
            if a.get_help().is_none() && a.get_long_help().is_none() && !a.is_hide_set() {
                out.push(format!("{path} {}", a.get_id()));
            }
        }
        for sub in cmd.get_subcommands() {
            let here = format!("{path} {}", sub.get_name());
            if sub.get_about().is_none() && sub.get_long_about().is_none() {
                out.push(here.clone());
            }
            walk(sub, &here, out);
        }
    }
    let mut out = Vec::new();
    walk(cmd, cmd.get_name(), &mut out);
    out
}

/// Every help text in `cmd`'s tree (about and option help) with the path it belongs to.
pub fn help_texts(cmd: &Command) -> Vec<(String, String)> {
    fn walk(cmd: &Command, path: &str, out: &mut Vec<(String, String)>) {
        for text in [cmd.get_about(), cmd.get_long_about()]
            .into_iter()
            .flatten()
        {
            out.push((path.to_owned(), text.to_string()));
        }
        for a in cmd.get_arguments() {
            for text in [a.get_help(), a.get_long_help()].into_iter().flatten() {
                out.push((format!("{path} {}", a.get_id()), text.to_string()));
            }
        }
        for sub in cmd.get_subcommands() {
            walk(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }
    let mut out = Vec::new();
    walk(cmd, cmd.get_name(), &mut out);
    out
}

/// The help texts in `cmd`'s tree that read as English, with their path: what a test of a
/// binary's command line expects to be empty.
pub fn english_help(cmd: &Command) -> Vec<(String, String)> {
    help_texts(cmd)
        .into_iter()
        .filter(|(_, text)| {
            let padded = format!(" {text} ");
            ENGLISH_GIVEAWAYS.iter().any(|w| padded.contains(w))
        })
        .collect()
}

/// Words that give an English help text away (Dutch shares none of them as a word).
pub const ENGLISH_GIVEAWAYS: &[&str] = &[
    " the ", " and ", " to ", " for ", " with ", " from ", " this ", " which ", " when ", "Print ",
    "Manage ", "Show ", "Create ", "Set ", "Check ",
];

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
