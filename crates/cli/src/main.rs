//! `cortensor-manager`: the headless CLI (`lib.rs`).

fn main() -> std::process::ExitCode {
    cortensor_manager::main()
}
