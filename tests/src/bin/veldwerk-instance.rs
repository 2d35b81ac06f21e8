//! `veldwerk-server` as a binary of this crate, so the end-to-end tests can run a server
//! instance in a process of its own (and kill it) without naming another package's binary.

fn main() -> std::process::ExitCode {
    veldwerk_server::cli::main()
}
