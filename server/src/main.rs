//! The `veldwerk-server` binary: serve, or run an admin command against the data directory.

fn main() -> std::process::ExitCode {
    veldwerk_server::cli::main()
}
