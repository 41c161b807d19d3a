//! What the tray's menu items do, each one call into `cortensor_api`, and the tray's icons.

use cortensor_api::desktop::{TrayAction, Words};
use cortensor_api::handover::{self, Handover};
use cortensor_api::nodes::{self, Action, NodeSelection};
use cortensor_api::{Session, UserError};
use tray_icon::Icon;

/// The app's icon, and the same with the attention dot (`None` where it cannot be decoded).
pub fn icons() -> (Option<Icon>, Option<Icon>) {
    let Some((rgba, w, h)) = decode(include_bytes!("../../../icons/32x32.png")) else {
        return (None, None);
    };
    let mut dotted = rgba.clone();
    cortensor_api::desktop::attention_dot(&mut dotted, w, h);
    (
        Icon::from_rgba(rgba, w, h).ok(),
        Icon::from_rgba(dotted, w, h).ok(),
    )
}

/// A PNG as 8-bit RGBA pixels.
fn decode(png_bytes: &[u8]) -> Option<(Vec<u8>, u32, u32)> {
    let mut d = png::Decoder::new(std::io::Cursor::new(png_bytes));
    d.set_transformations(png::Transformations::EXPAND | png::Transformations::ALPHA);
    let mut r = d.read_info().ok()?;
    let mut buf = vec![0; r.output_buffer_size()?];
    let info = r.next_frame(&mut buf).ok()?;
    if info.color_type != png::ColorType::Rgba || info.bit_depth != png::BitDepth::Eight {
        return None;
    }
    buf.truncate(info.buffer_size());
    Some((buf, info.width, info.height))
}

/// A desktop notification (nothing where the desktop has no notification service).
pub fn notify(title: &str, body: &str) {
    if let Err(e) = notify_rust::Notification::new()
        .appname("Cortensor Node Manager")
        .summary(title)
        .body(body)
        .show()
    {
        tracing::info!("no notification shown ({e}): {title}: {body}");
    }
}

/// Open the window: start its program (it takes over; this tray then leaves).
fn open(session: &Session) -> Result<String, UserError> {
    let me = std::env::current_exe().map_err(UserError::new)?;
    let pid = handover::start_window(session, &me)?;
    Ok(format!("opening the window (pid {pid})"))
}

/// Run a menu action (Quit aside: [`quit`]); what happened, in words (logged, and notified
/// for a check for updates or a failure).
pub fn act(session: &Session, words: &Words, action: TrayAction) -> Result<String, String> {
    let done = match action {
        TrayAction::Open => open(session),
        TrayAction::StartAll | TrayAction::StopAll => start_or_stop(session, action),
        TrayAction::CheckUpdates => Ok(check_updates(session, words)),
        TrayAction::Quit => Ok(String::new()),
    };
    match done {
        Ok(said) => {
            tracing::info!("tray: {}: {said}", action.id());
            Ok(said)
        }
        Err(e) => {
            tracing::warn!("tray: {}: {}", action.id(), e.message);
            notify("Cortensor Node Manager", &e.message);
            Err(e.message)
        }
    }
}

fn start_or_stop(session: &Session, action: TrayAction) -> Result<String, UserError> {
    // The daemon is this program's `daemon` command (the CLI's).
    let exe = std::env::current_exe().map_err(UserError::new)?;
    let what = if action == TrayAction::StartAll {
        Action::Start
    } else {
        Action::Stop
    };
    let r = nodes::control(session, NodeSelection::All, what, &exe)?;
    Ok(format!("{r:?}"))
}

/// The node software's and the app's updates, said in a notification (the window installs
/// the app's: Settings → App updates).
fn check_updates(session: &Session, words: &Words) -> String {
    let node = cortensor_api::desktop::cortensord_update_said(session, words)
        .unwrap_or_else(|e| e.message);
    let app = match handover::app_update_offer(session, env!("CARGO_PKG_VERSION")) {
        Ok(Some(v)) => words.t("shell.check.appAvailable", &[("version", v)]),
        Ok(None) => words.t("shell.check.appUpToDate", &[]),
        Err(e) => e.message,
    };
    let said = format!("{node}; {app}");
    notify("Cortensor Node Manager", &said);
    said
}

/// Quit: the nodes keep running, which the first Quit says in a notification.
pub fn quit(session: &Session, words: &Words) {
    let running = handover::running_nodes(session);
    tracing::info!("quit; {running} node(s) keep running");
    if running > 0 && handover::first_time(session, "ui.quit_hint_shown") {
        notify(
            &words.t("shell.notify.quitTitle", &[]),
            &words.t("shell.notify.quit", &[("n", running.to_string())]),
        );
    }
}

/// `cortensor-manager-tray ACTION`: the running tray does it; without one, Open starts the
/// window and the others run here.
pub fn asked_from_outside(session: &Session, handover: &Handover, action: TrayAction) -> i32 {
    if let Some(pid) = handover.tray_pid() {
        return match handover.ask_tray(action) {
            Ok(()) => {
                println!("asked the tray (pid {pid}) to {}", action.id());
                0
            }
            Err(e) => {
                eprintln!("error: {e}");
                1
            }
        };
    }
    if action == TrayAction::Quit {
        println!("no tray runs on this data folder");
        return 0;
    }
    match act(session, &Words::of(session), action) {
        Ok(said) => {
            println!("{said}");
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_icon_decodes_to_rgba_and_a_broken_one_to_nothing() {
        let (rgba, w, h) = decode(include_bytes!("../../../icons/32x32.png")).unwrap();
        assert_eq!((w, h), (32, 32));
        assert_eq!(rgba.len(), 32 * 32 * 4);
        assert!(rgba.chunks(4).any(|p| p[3] > 0), "not all transparent");
        assert!(decode(b"\x89PNG but not").is_none());
        assert!(decode(&[]).is_none());
    }
}
