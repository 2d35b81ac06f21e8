//! The `veldwerk-server` binary.

fn main() {
    eprintln!("veldwerk-server: nog niet gebouwd (not built yet)");
    std::process::exit(2);
}
