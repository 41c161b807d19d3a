//! Printing and asking: JSON on stdout, a progress bar on a terminal, yes/no questions.

use std::io::IsTerminal;

use cortensor_api::setup::Progress;
use cortensor_api::UserError;

pub fn print_json<T: serde::Serialize>(v: &T) -> Result<(), UserError> {
    println!(
        "{}",
        serde_json::to_string_pretty(v).map_err(UserError::new)?
    );
    Ok(())
}

/// A download's progress bar saying `what`, on a terminal; nothing otherwise (JSON output stays
/// clean).
pub fn download_bar(json: bool, what: &'static str) -> indicatif::ProgressBar {
    let bar = if json || !std::io::stderr().is_terminal() {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(0)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_message(what);
    bar
}

/// The bar of a `cortensord` download and the callback that moves it.
pub fn progress_bar(json: bool) -> (indicatif::ProgressBar, impl FnMut(&Progress)) {
    let bar = download_bar(json, "downloading cortensord");
    let b = bar.clone();
    (bar, move |p: &Progress| {
        b.set_length(p.total);
        b.set_position(p.downloaded);
    })
}

/// Ask a yes/no question on the terminal; `yes` answers it. No terminal: no.
pub fn ask(question: &str, yes: bool) -> bool {
    if yes {
        return true;
    }
    if !std::io::stdin().is_terminal() {
        return false;
    }
    eprint!("{question} [y/N] ");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).is_ok() && matches!(line.trim(), "y" | "Y" | "yes")
}

/// This program's own path (what the daemon's service and login item run).
pub fn own_exe() -> Result<std::path::PathBuf, UserError> {
    std::env::current_exe().map_err(UserError::new)
}
