//! The desktop package's `cortensor-manager`: the CLI (`crates/cli`) and, as `cortensor-manager
//! tray`, the desktop app's tray while its window is closed ([`tray`]) — one program, so the
//! package carries the node code twice (the window's and this), not three times. It links GTK
//! for the tray; servers get the CLI's own build (`scripts/package.sh`), which does not.

mod actions;
mod tray;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("tray") {
        // The tray draws no window: without GDK's OpenGL (which would load Mesa and its LLVM,
        // some 28 MiB) a month in the tray stays small. Set before the tray starts any thread.
        #[cfg(target_os = "linux")]
        std::env::set_var("GDK_GL", "disable");
        let code = tray::run(&args[2..]);
        return std::process::ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    cortensor_manager::main()
}
