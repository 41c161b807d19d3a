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

/// The tray's program beside the window's (`app_exe`), and the window's beside the tray's.
pub fn tray_program(app_exe: &Path) -> PathBuf {
    app_exe.with_file_name(format!(
        "cortensor-manager-tray{}",
        std::env::consts::EXE_SUFFIX
    ))
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
fn start(s: &Session, program: &Path, args: &[String], name: &str) -> Result<u32, UserError> {
    use cortensor_node::platform::{logs, process};
    let data = paths::data_dir(s.data_dir()).map_err(user)?;
    let log = logs::dir(&data).join(format!("{name}-console.log"));
    let cwd = program.parent().unwrap_or(Path::new("."));
    process::spawn(program, args, cwd, &log, process::EnvBase::Inherit, &[])
        .map(|(_, id)| id.pid)
        .map_err(|e| UserError::new(format!("could not start {}: {e}", program.display())))
}

/// Start the tray's own process beside the window's program `app_exe` (`--at-login`: say so in
/// its log); `Ok(None)` when that program is not there (a build without it).
pub fn start_tray(s: &Session, app_exe: &Path, at_login: bool) -> Result<Option<u32>, UserError> {
    let program = tray_program(app_exe);
    if !program.is_file() {
        return Ok(None);
    }
    let args = if at_login {
        vec!["--at-login".to_string()]
    } else {
        Vec::new()
    };
    start(s, &program, &args, "tray").map(Some)
}

/// Start the window's program beside the tray's `tray_exe` (it takes over; the tray leaves).
pub fn start_window(s: &Session, tray_exe: &Path) -> Result<u32, UserError> {
    start(s, &window_program(tray_exe), &[], "window")
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
        let tray = tray_program(&app);
        assert_eq!(tray.parent(), Some(Path::new("/usr/bin")));
        assert!(tray
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("cortensor-manager-tray"));
        assert_eq!(window_program(&tray), app);
    }
}
