//! `cortensor-manager tray`: the desktop app while its window is closed. The window's process
//! (WebKit) starts this small one and exits, so a month in the tray costs no browser engine:
//! the icon says how the fleet is (a red dot when a node needs attention), its tooltip counts
//! the nodes, alerts become desktop notifications, and the menu opens the window, starts or
//! stops every node, checks for updates, or quits (the nodes keep running). When a window is
//! back (opened here, or launched again) this process leaves. How the two find each other:
//! `cortensor_api::handover`.
//!
//! `cortensor-manager tray [--at-login] [ACTION]`: with an ACTION (`open`, `start_all`,
//! `stop_all`, `check_updates`, `quit`) the running tray of this data folder does it (what
//! scripts and the tests use; the menu's items do the same).

use crate::actions;

use std::time::{Duration, Instant};

use cortensor_api::desktop::{fleet_of, TrayAction, Words};
use cortensor_api::handover::Handover;
use cortensor_api::nodes::Feed;
use cortensor_api::Session;
use tao::event::Event;
use tao::event_loop::{ControlFlow, EventLoopBuilder};
use tray_icon::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tray_icon::{Icon, TrayIconBuilder};

/// What the watcher thread tells the event loop (the tray is changed on the loop's thread).
#[derive(Debug)]
enum Msg {
    Fleet { tip: String, attention: bool },
    UpdateFound(String),
    Menu(TrayAction),
    Leave,
}

/// How long a starting tray waits for the window's process to hand over and exit.
const HANDOVER_WAIT: Duration = Duration::from_secs(15);
/// How often the tray looks at the fleet, its asks, and whether a window is back.
const EVERY: Duration = Duration::from_secs(1);
/// The first look for an app update after the start, then once a day.
const FIRST_UPDATE_CHECK: Duration = Duration::from_secs(60);
const UPDATE_CHECK_EVERY: Duration = Duration::from_secs(24 * 3600);

fn usage() -> &'static str {
    "usage: cortensor-manager tray [--at-login] [open|start_all|stop_all|check_updates|quit]"
}

/// What the command line asks: `None` for help; else whether started at login, and the action
/// for the running tray.
fn parse(args: &[String]) -> Result<Option<(bool, Option<TrayAction>)>, String> {
    let mut at_login = false;
    let mut action = None;
    for a in args {
        match a.as_str() {
            "--at-login" => at_login = true,
            "-h" | "--help" => return Ok(None),
            other => match TrayAction::from_id(other) {
                Some(act) if action.is_none() => action = Some(act),
                Some(_) => return Err(format!("one action at a time ('{other}' is a second)")),
                None => return Err(format!("'{other}' is not understood")),
            },
        }
    }
    Ok(Some((at_login, action)))
}

/// `cortensor-manager tray ARGS…`: the exit code.
pub fn run(args: &[String]) -> i32 {
    let (at_login, action) = match parse(args) {
        Ok(Some(p)) => p,
        Ok(None) => {
            println!("{}", usage());
            return 0;
        }
        Err(e) => {
            eprintln!("{e}\n{}", usage());
            return 2;
        }
    };
    let session = Session::new(None);
    let handover = match Handover::of(&session) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    if let Some(action) = action {
        return actions::asked_from_outside(&session, &handover, action);
    }
    let lock = match handover.hold_tray() {
        Ok(Some(lock)) => lock,
        Ok(None) => {
            println!("the tray of this data folder already runs");
            return 0;
        }
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    session.start_log("tray");
    tracing::info!(
        "tray {} started (pid {})",
        env!("CARGO_PKG_VERSION"),
        std::process::id()
    );
    // The window's process started this one and is on its way out.
    let t = Instant::now();
    while handover.window_running() {
        if t.elapsed() > HANDOVER_WAIT {
            tracing::info!("a window runs on this data folder: no tray needed");
            return 0;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    if at_login {
        tracing::info!("started at login: waiting in the tray");
    }
    serve(session, handover);
    drop(lock);
    0
}

/// The tray's icon and menu, and the watcher behind them, until Quit or a window comes back.
fn serve(session: Session, handover: Handover) {
    let words = Words::of(&session);
    let event_loop = EventLoopBuilder::<Msg>::with_user_event().build();
    let proxy = event_loop.create_proxy();
    let menu_proxy = proxy.clone();
    MenuEvent::set_event_handler(Some(move |e: MenuEvent| {
        if let Some(a) = TrayAction::from_id(e.id().as_ref()) {
            let _ = menu_proxy.send_event(Msg::Menu(a));
        }
    }));
    let items: Vec<MenuItem> = TrayAction::ALL
        .into_iter()
        .map(|a| MenuItem::with_id(a.id(), a.label(&words), true, None))
        .collect();
    let menu = Menu::new();
    let sep = PredefinedMenuItem::separator;
    let built = menu.append_items(&[
        &items[0],
        &sep(),
        &items[1],
        &items[2],
        &items[3],
        &sep(),
        &items[4],
    ]);
    let (plain, dotted) = actions::icons();
    let mut tray = None;
    if let Err(e) = built {
        tracing::warn!("no tray menu here ({e})");
    }

    let session = std::sync::Arc::new(session);
    let watcher = std::sync::Arc::clone(&session);
    std::thread::spawn(move || watch(&watcher, &words, &handover, &proxy));
    // Starting, stopping and checking take a while: off the loop's thread, one after the other
    // in the order asked (a Start asked during a Stop runs after it).
    let (work, queue) = std::sync::mpsc::channel::<TrayAction>();
    let worker = std::sync::Arc::clone(&session);
    std::thread::spawn(move || {
        for action in queue {
            let _ = actions::act(&worker, &words, action);
        }
    });

    event_loop.run(move |event, _, flow| {
        *flow = ControlFlow::Wait;
        match event {
            // GTK's tray (Linux) must be made once the loop runs.
            Event::NewEvents(tao::event::StartCause::Init) => {
                let mut b = TrayIconBuilder::new()
                    .with_menu(Box::new(menu.clone()))
                    .with_tooltip("Cortensor Node Manager");
                if let Some(icon) = plain.clone() {
                    b = b.with_icon(icon);
                }
                match b.build() {
                    Ok(t) => tray = Some(t),
                    Err(e) => tracing::warn!("no tray icon here ({e}); notifications only"),
                }
            }
            Event::UserEvent(Msg::Fleet { tip, attention }) => {
                if let Some(t) = &tray {
                    let _ = t.set_tooltip(Some(&tip));
                    let icon: Option<Icon> = if attention {
                        dotted.clone()
                    } else {
                        plain.clone()
                    };
                    let _ = t.set_icon(icon);
                }
            }
            Event::UserEvent(Msg::UpdateFound(version)) => {
                let _ = items[3]
                    .set_text(words.t("shell.tray.updateAvailable", &[("version", version)]));
            }
            Event::UserEvent(Msg::Menu(action)) => {
                if action == TrayAction::Quit {
                    actions::quit(&session, &words);
                    *flow = ControlFlow::Exit;
                } else {
                    let _ = work.send(action);
                }
            }
            Event::UserEvent(Msg::Leave) => {
                tracing::info!("a window is back: the tray leaves");
                *flow = ControlFlow::Exit;
            }
            _ => {}
        }
    });
}

/// Once a second: leave when a window is back, do what was asked from outside, show the
/// fleet when it changed and notify new alerts; once a day, look for an app update.
fn watch(
    session: &Session,
    words: &Words,
    handover: &Handover,
    proxy: &tao::event_loop::EventLoopProxy<Msg>,
) {
    let mut feed = Feed::open(session).ok();
    // The feed brings news whenever a node's figures move (every second while nodes run); the
    // icon and tooltip change only when what they say does.
    let mut shown: Option<(String, bool)> = None;
    let mut next_update_check = Instant::now() + FIRST_UPDATE_CHECK;
    loop {
        if handover.window_running() {
            let _ = proxy.send_event(Msg::Leave);
            return;
        }
        for a in handover.take_asks() {
            let _ = proxy.send_event(Msg::Menu(a));
        }
        if let Some((health, alerts)) = feed.as_mut().and_then(|f| f.poll()) {
            let look = fleet_of(words, &health);
            if shown.as_ref() != Some(&look) {
                let (tip, attention) = look.clone();
                shown = Some(look);
                let _ = proxy.send_event(Msg::Fleet { tip, attention });
            }
            if !alerts.is_empty() && cortensor_api::settings::notifications_on(session) {
                for a in alerts {
                    actions::notify(&words.t("shell.notify.alertTitle", &[]), &a.message);
                }
            }
        }
        if Instant::now() >= next_update_check {
            next_update_check = Instant::now() + UPDATE_CHECK_EVERY;
            match cortensor_api::handover::app_update_offer(session, env!("CARGO_PKG_VERSION")) {
                Ok(Some(v)) => {
                    let _ = proxy.send_event(Msg::UpdateFound(v));
                }
                Ok(None) => {}
                Err(e) => tracing::info!("app update check: {}", e.message),
            }
        }
        std::thread::sleep(EVERY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_command_line_names_one_action_or_none() {
        assert_eq!(parse(&args(&[])), Ok(Some((false, None))));
        assert_eq!(parse(&args(&["--at-login"])), Ok(Some((true, None))));
        assert_eq!(
            parse(&args(&["stop_all"])),
            Ok(Some((false, Some(TrayAction::StopAll))))
        );
        assert_eq!(parse(&args(&["--help"])), Ok(None));
        assert!(parse(&args(&["explode"]))
            .unwrap_err()
            .contains("'explode'"));
        assert!(parse(&args(&["open", "quit"]))
            .unwrap_err()
            .contains("one action at a time"));
    }
}
