//! The desktop app is two programs: the window (`cortensor-manager-app`, WebKit) and, while the
//! window is closed, the tray (`cortensor-manager-tray`, which never loads WebKit: a month in the
//! tray costs a small process, not a browser engine). They find each other through files in
//! `<data>/run/`, one pair per data folder:
//!
//! - `window.lock`: held exclusively by the window's process for its life. The tray probes it
//!   and leaves when a window is back; the window, closing to the tray, starts the tray and
//!   exits.
//! - `tray.lock` (and `tray.pid`): held by the one tray of the folder.
//! - `tray.ask`: actions for the running tray, a line each (a second launch of the tray with an
//!   action, or the window's `--quit`), taken by the tray within a second.
//!
//! What to do is decided here; the two shells only act on it.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::desktop::TrayAction;
use cortensor_node::platform::paths;

use crate::{user, Session, UserError};

/// The files through which the window and the tray of one data folder find each other.
pub struct Handover {
    dir: PathBuf,
}

/// The programs that run the tray (`… tray`) beside the window's `app_exe`, in the order tried:
/// the desktop flavour of the CLI as built (`cortensor-manager-tray`, development builds) and as
/// packaged (`cortensor-manager`, which in the desktop packages is that flavour).
pub fn tray_programs(app_exe: &Path) -> [PathBuf; 2] {
    let sibling =
        |name: &str| app_exe.with_file_name(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    [
        sibling("cortensor-manager-tray"),
        sibling("cortensor-manager"),
    ]
}

/// The window's program beside the tray's (`tray_exe`).
pub fn window_program(tray_exe: &Path) -> PathBuf {
    tray_exe.with_file_name(format!(
        "cortensor-manager-app{}",
        std::env::consts::EXE_SUFFIX
    ))
}

impl Handover {
    /// The folder's handover files (`<data>/run/`, made if missing).
    pub fn of(s: &Session) -> Result<Handover, UserError> {
        let data = paths::data_dir(s.data_dir()).map_err(user)?;
        Handover::at(data.join("run"))
    }

    /// The handover files in `dir`.
    pub fn at(dir: PathBuf) -> Result<Handover, UserError> {
        std::fs::create_dir_all(&dir).map_err(|e| {
            UserError::new(format!("cannot make the folder {}: {e}", dir.display()))
        })?;
        Ok(Handover { dir })
    }

    fn open(&self, name: &str) -> Result<std::fs::File, UserError> {
        let path = self.dir.join(name);
        cortensor_node::platform::fs::open_lock_file(&path)
            .map_err(|e| UserError::new(format!("cannot open {}: {e}", path.display())))
    }

    /// The window's lock, held while the returned file lives (waits out a probe's instant).
    pub fn hold_window(&self) -> Result<std::fs::File, UserError> {
        let f = self.open("window.lock")?;
        f.lock().map_err(|e| {
            UserError::new(format!(
                "cannot lock {}: {e}",
                self.dir.join("window.lock").display()
            ))
        })?;
        Ok(f)
    }

    /// Whether a window's process holds its lock.
    pub fn window_running(&self) -> bool {
        held(self.open("window.lock").ok())
    }

    /// The tray's lock, `None` when another tray of this folder holds it.
    pub fn hold_tray(&self) -> Result<Option<std::fs::File>, UserError> {
        let f = self.open("tray.lock")?;
        match f.try_lock() {
            Ok(()) => {
                let _ = std::fs::write(self.dir.join("tray.pid"), std::process::id().to_string());
                Ok(Some(f))
            }
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(UserError::new(format!(
                "cannot lock {}: {e}",
                self.dir.join("tray.lock").display()
            ))),
        }
    }

    /// The running tray's process id (`None`: no tray runs on this folder).
    pub fn tray_pid(&self) -> Option<u32> {
        if !held(self.open("tray.lock").ok()) {
            return None;
        }
        std::fs::read_to_string(self.dir.join("tray.pid"))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// Ask the running tray for `action` (it acts within a second).
    pub fn ask_tray(&self, action: TrayAction) -> Result<(), UserError> {
        let path = self.dir.join("tray.ask");
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| UserError::new(format!("cannot write {}: {e}", path.display())))?;
        // One short line in one write: appends from several launches do not interleave.
        f.write_all(format!("{}\n", action.id()).as_bytes())
            .map_err(|e| UserError::new(format!("cannot write {}: {e}", path.display())))
    }

    /// The actions asked since the last call, oldest first (unknown lines are dropped).
    pub fn take_asks(&self) -> Vec<TrayAction> {
        let path = self.dir.join("tray.ask");
        let taking = self.dir.join("tray.ask.taking");
        // Moved aside first: a line appended meanwhile goes to a new file, read next time.
        if std::fs::rename(&path, &taking).is_err() {
            return Vec::new();
        }
        let text = std::fs::read_to_string(&taking).unwrap_or_default();
        let _ = std::fs::remove_file(&taking);
        text.lines()
            .filter_map(|l| TrayAction::from_id(l.trim()))
            .collect()
    }
}

/// Whether another process holds `f`'s lock (a shared lock is refused exactly then).
fn held(f: Option<std::fs::File>) -> bool {
    let Some(f) = f else { return false };
    match f.try_lock_shared() {
        Ok(()) => {
            let _ = f.unlock();
            false
        }
        Err(_) => true,
    }
}

/// Start `program` detached (its own process group: it outlives the one starting it), its
/// console output in `<data>/logs/<name>-console.log`.
fn start(
    s: &Session,
    program: &Path,
    args: &[String],
    name: &str,
) -> Result<(std::process::Child, u32), UserError> {
    use cortensor_node::platform::{logs, process};
    let data = paths::data_dir(s.data_dir()).map_err(user)?;
    let log = logs::dir(&data).join(format!("{name}-console.log"));
    let cwd = program.parent().unwrap_or(Path::new("."));
    process::spawn(program, args, cwd, &log, process::EnvBase::Inherit, &[])
        .map(|(child, id)| (child, id.pid))
        .map_err(|e| UserError::new(format!("could not start {}: {e}", program.display())))
}

/// How long a started tray is watched for a refusal (a CLI built without the tray).
const REFUSAL_WAIT: std::time::Duration = std::time::Duration::from_millis(500);

/// Start the tray's own process beside the window's program `app_exe` (`--at-login`: say so in
/// its log): its pid, or `Ok(None)` when no program there runs a tray (a build without it).
pub fn start_tray(s: &Session, app_exe: &Path, at_login: bool) -> Result<Option<u32>, UserError> {
    let mut args = vec!["tray".to_string()];
    if at_login {
        args.push("--at-login".into());
    }
    for program in tray_programs(app_exe).iter().filter(|p| p.is_file()) {
        let (mut child, pid) = start(s, program, &args, "tray")?;
        // A program without the tray refuses the word at once; a tray waits for this window's
        // process to end (or leaves at once, content, when another tray runs).
        let t = std::time::Instant::now();
        let refused = loop {
            match child.try_wait() {
                Ok(Some(status)) => break !status.success(),
                Ok(None) if t.elapsed() < REFUSAL_WAIT => {
                    std::thread::sleep(std::time::Duration::from_millis(25))
                }
                _ => break false,
            }
        };
        if !refused {
            return Ok(Some(pid));
        }
        tracing::info!("{} runs no tray", program.display());
    }
    Ok(None)
}

/// Start the window's program beside the tray's `tray_exe` (it takes over; the tray leaves).
pub fn start_window(s: &Session, tray_exe: &Path) -> Result<u32, UserError> {
    start(s, &window_program(tray_exe), &[], "window").map(|(_, pid)| pid)
}

/// Whether a newer app than `current` is on the channel's feed (what the tray shows; the
/// window's updater installs it, signature checked). Debug builds take the feed from
/// `CORTENSOR_MANAGER_APP_FEED`, as the window's updater does.
pub fn app_update_offer(s: &Session, current: &str) -> Result<Option<String>, UserError> {
    let feed = crate::desktop::app_feed_url(s);
    let opts = cortensor_node::fetch::FetchOptions {
        retries: 0,
        max_body: 1 << 20,
        ..Default::default()
    };
    let text = cortensor_node::fetch::get_text(&feed, &opts)
        .map_err(|e| UserError::new(format!("could not read the app's update feed: {e}")))?;
    cortensor_node::install::manager_update::newer_in_app_feed(&text, current)
        .map_err(UserError::new)
}

/// Nodes with a process now (what Quit says keep running).
pub fn running_nodes(s: &Session) -> usize {
    s.store()
        .ok()
        .and_then(|st| st.runtime().ok())
        .map(|r| r.iter().filter(|r| r.pid.is_some()).count())
        .unwrap_or(0)
}

/// Whether the hint `setting` is still to be given, marking it given: say once what the user
/// may not expect (where the window went, that Quit leaves the nodes running).
pub fn first_time(s: &Session, setting: &str) -> bool {
    let Ok(store) = s.store() else { return false };
    if store.setting(setting).ok().flatten().is_some() {
        return false;
    }
    store.set_setting(setting, "1").is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_and_the_tray_find_each_other_through_their_locks() {
        let dir = tempfile::tempdir().unwrap();
        let h = Handover::at(dir.path().join("run")).unwrap();
        assert!(!h.window_running());
        let window = h.hold_window().unwrap();
        // Another process sees it: another open file description, as another process has.
        let other = Handover::at(dir.path().join("run")).unwrap();
        assert!(other.window_running(), "the window holds its lock");
        drop(window);
        assert!(!other.window_running(), "the window's process ended");

        assert_eq!(other.tray_pid(), None);
        let tray = h.hold_tray().unwrap().expect("the first tray");
        assert!(other.hold_tray().unwrap().is_none(), "one tray per folder");
        assert_eq!(other.tray_pid(), Some(std::process::id()));
        drop(tray);
        assert_eq!(other.tray_pid(), None, "the tray ended");
        assert!(
            other.hold_tray().unwrap().is_some(),
            "the next tray may start"
        );
    }

    #[test]
    fn asks_reach_the_tray_once_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let h = Handover::at(dir.path().to_path_buf()).unwrap();
        assert!(h.take_asks().is_empty());
        h.ask_tray(TrayAction::StopAll).unwrap();
        h.ask_tray(TrayAction::Open).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join("tray.ask"))
            .unwrap()
            .write_all(b"explode\n")
            .unwrap();
        h.ask_tray(TrayAction::Quit).unwrap();
        assert_eq!(
            h.take_asks(),
            vec![TrayAction::StopAll, TrayAction::Open, TrayAction::Quit],
            "an unknown line is dropped"
        );
        assert!(h.take_asks().is_empty(), "taken once");
    }

    #[test]
    fn the_programs_are_found_beside_each_other() {
        let app = Path::new("/usr/bin").join(format!(
            "cortensor-manager-app{}",
            std::env::consts::EXE_SUFFIX
        ));
        let [built, packaged] = tray_programs(&app);
        assert_eq!(built.parent(), Some(Path::new("/usr/bin")));
        assert!(built
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("cortensor-manager-tray"));
        assert_eq!(
            packaged.file_stem().unwrap().to_string_lossy(),
            "cortensor-manager"
        );
        assert_eq!(window_program(&built), app);
        assert_eq!(window_program(&packaged), app);
    }

    #[cfg(unix)]
    #[test]
    fn a_program_that_refuses_the_tray_is_passed_over() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let s = Session::new(Some(dir.path().join("data")));
        let script = |name: &str, body: &str| {
            let p = bin.join(name);
            std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        };
        let app = bin.join("cortensor-manager-app");
        // Nothing beside the window's program: no tray.
        assert_eq!(start_tray(&s, &app, false).unwrap(), None);
        // The servers' CLI refuses the word: passed over, still no tray.
        script(
            "cortensor-manager",
            "echo \"unrecognized subcommand '$1'\" >&2; exit 2",
        );
        assert_eq!(start_tray(&s, &app, false).unwrap(), None);
        let console =
            std::fs::read_to_string(dir.path().join("data/logs/tray-console.log")).unwrap();
        assert!(
            console.contains("unrecognized subcommand 'tray'"),
            "{console}"
        );
        // A program that runs the tray (here: stays, and says what it was given).
        script(
            "cortensor-manager-tray",
            &format!("echo \"$@\" > {}/given; sleep 5", dir.path().display()),
        );
        let pid = start_tray(&s, &app, true).unwrap().expect("a tray");
        assert!(pid > 0);
        let t = std::time::Instant::now();
        while !dir.path().join("given").exists() && t.elapsed().as_secs() < 5 {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert_eq!(
            std::fs::read_to_string(dir.path().join("given"))
                .unwrap()
                .trim(),
            "tray --at-login"
        );
        use cortensor_node::platform::process;
        let start_time = process::start_time(pid).unwrap_or(0);
        assert!(
            process::signal(process::ProcId { pid, start_time }, 9),
            "the stand-in ran"
        );
    }
}
