//! `self-update [--check]`: the manager updates itself from its signed release feed.

use cortensor_api::{self_update, Session, UserError};

use crate::output::{download_bar, own_exe, print_json};

#[derive(clap::Args)]
pub struct SelfUpdateArgs {
    /// Only say whether a newer release exists; change nothing.
    #[arg(long)]
    check: bool,
    /// Read this release feed (a mirror's manifest.json) instead of the channel's.
    #[arg(long)]
    feed: Option<String>,
    #[arg(long)]
    json: bool,
}

pub fn run(s: &Session, a: &SelfUpdateArgs) -> Result<(), UserError> {
    let current = env!("CARGO_PKG_VERSION");
    if a.check {
        let offer = self_update::check(s, a.feed.as_deref(), current)?;
        if a.json {
            return print_json(&offer);
        }
        match &offer.newer {
            Some(v) => println!(
                "cortensor-manager {v} is available (this is {current}). `cortensor-manager self-update` installs it."
            ),
            None => println!("cortensor-manager {current} is the newest on {}.", offer.feed),
        }
        return Ok(());
    }
    let exe = own_exe()?;
    let bar = download_bar(a.json, "downloading cortensor-manager");
    let b = bar.clone();
    let applied = self_update::apply(
        s,
        a.feed.as_deref(),
        current,
        &exe,
        Box::new(move |done, total| {
            if let Some(t) = total {
                b.set_length(t);
            }
            b.set_position(done);
        }),
    );
    bar.finish_and_clear();
    let applied = applied?;
    if a.json {
        return print_json(&applied);
    }
    if applied.updated {
        println!(
            "cortensor-manager {} → {} (signature checked), installed at {}. Your nodes were not touched; a running daemon picks the new version up at its next start.",
            applied.from,
            applied.to,
            applied.exe.display()
        );
    } else {
        println!("cortensor-manager {} is the newest.", applied.from);
    }
    Ok(())
}
