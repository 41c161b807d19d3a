//! The machine the app manages: data folder, store, keychain, network profile, service backend.
//! One place builds the [`crate::install::setup::Context`] every install operation needs, so the
//! CLI and the desktop app do exactly the same thing.

use std::path::{Path, PathBuf};

use crate::install::setup::{self, Backend, Context};
use crate::keys::Keychain;
use crate::network::NetworkProfile;
use crate::nodes::Layout;
use crate::platform::exec::SystemRunner;
use crate::platform::Os;
use crate::services::plan::Target;
use crate::store::Store;
use crate::UserError;

/// Overrides for tests and unusual setups (all from the environment, documented in README).
pub const BACKEND_ENV: &str = "CORTENSOR_MANAGER_BACKEND";
pub const PATH_ENV: &str = "CORTENSOR_MANAGER_SERVICE_PATH";
/// The setting that remembers the login item is on.
pub const AUTOSTART_SETTING: &str = "autostart";
/// The backend the machine's nodes were set up with (remembered at the first `node add`).
pub const BACKEND_SETTING: &str = "backend";

/// Which backend runs the nodes: the environment's override, the one this process already
/// found, the one the nodes were set up with, else what the machine offers now. Remembering
/// matters: over SSH without a user bus, `systemctl --user` does not answer, and detecting
/// afresh would pick the supervisor and start duplicates of nodes systemd already runs.
pub fn choose_backend(
    env: Option<&str>,
    known: Option<Backend>,
    remembered: Option<&str>,
    detect: impl FnOnce() -> Backend,
) -> Backend {
    match (env, known, remembered) {
        (Some("os"), _, _) => Backend::OsService,
        (Some("supervisor" | "unmanaged"), _, _) => Backend::Supervisor,
        (_, Some(b), _) => b,
        (_, None, Some("os_service")) => Backend::OsService,
        (_, None, Some("supervisor")) => Backend::Supervisor,
        _ => detect(),
    }
}

/// A network profile file to use instead of the embedded testnet profile.
pub const NETWORK_ENV: &str = "CORTENSOR_MANAGER_NETWORK";

pub struct Machine {
    pub layout: Layout,
    pub store: Store,
    pub keychain: Result<Keychain, UserError>,
    pub profile: NetworkProfile,
    pub home: PathBuf,
    pub user: String,
    pub uid: u32,
    pub backend: Backend,
    pub runner: SystemRunner,
}

fn uid() -> u32 {
    #[cfg(unix)]
    {
        // SAFETY: getuid has no preconditions and cannot fail.
        unsafe { libc::getuid() }
    }
    #[cfg(not(unix))]
    {
        0
    }
}

impl Machine {
    pub fn open(data_dir: Option<PathBuf>, network: Option<&Path>) -> Result<Machine, UserError> {
        Machine::open_with(data_dir, network, None)
    }

    /// Open with a backend already known (the api's session detects it once and reuses it).
    pub fn open_with(
        data_dir: Option<PathBuf>,
        network: Option<&Path>,
        known_backend: Option<Backend>,
    ) -> Result<Machine, UserError> {
        let dir = crate::platform::paths::data_dir(data_dir).map_err(UserError::new)?;
        let store = Store::open(&dir).map_err(UserError::new)?;
        // Temporary files a crash left (they may hold a key): once per process.
        static SWEPT: std::sync::Once = std::sync::Once::new();
        SWEPT.call_once(|| {
            crate::platform::fs::sweep_temps(&dir, std::time::Duration::from_secs(60));
        });
        let from_env = std::env::var_os(NETWORK_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        let profile =
            NetworkProfile::load(network.or(from_env.as_deref())).map_err(UserError::new)?;
        let home = directories::BaseDirs::new()
            .map(|b| b.home_dir().to_path_buf())
            .unwrap_or_else(|| PathBuf::from("."));
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_default();
        let mut runner = SystemRunner {
            path: std::env::var_os(PATH_ENV),
            timeout: None,
        };
        // The data folder is the user's alone: on Windows by an ACL (on Unix its mode, set by
        // the store). Once per process; a failure leaves it as it was.
        static PRIVATE: std::sync::Once = std::sync::Once::new();
        PRIVATE.call_once(|| {
            let plan = crate::services::plan::private_folder_plan(Os::current(), &dir, &user);
            if !plan.steps.is_empty() {
                let _ = crate::services::apply::apply(&plan, &mut runner.clone());
            }
        });
        let remembered = store.setting(BACKEND_SETTING).ok().flatten();
        let backend = choose_backend(
            std::env::var(BACKEND_ENV).ok().as_deref(),
            known_backend,
            remembered.as_deref(),
            || setup::detect_backend(&mut runner),
        );
        Ok(Machine {
            layout: Layout::new(dir),
            store,
            keychain: Keychain::platform().map_err(UserError::new),
            profile,
            home,
            user,
            uid: uid(),
            backend,
            runner,
        })
    }

    /// A machine of its own in `dir` for a stress sandbox: the embedded supervisor (never the
    /// OS's services, so no service of the user's is touched), no keychain (keys stay in the
    /// sandbox's files), and `profile` as given (the stress run's own ports).
    pub fn sandbox(dir: PathBuf, profile: NetworkProfile) -> Result<Machine, UserError> {
        let store = Store::open(&dir).map_err(UserError::new)?;
        let home = directories::BaseDirs::new()
            .map(|b| b.home_dir().to_path_buf())
            .unwrap_or_else(|| PathBuf::from("."));
        Ok(Machine {
            layout: Layout::new(dir),
            store,
            keychain: Err(UserError::new(
                "a stress sandbox keeps its throwaway keys in its own files",
            )),
            profile,
            home,
            user: std::env::var("USER")
                .or_else(|_| std::env::var("USERNAME"))
                .unwrap_or_default(),
            uid: uid(),
            backend: Backend::Supervisor,
            runner: SystemRunner {
                path: std::env::var_os(PATH_ENV),
                timeout: None,
            },
        })
    }

    pub fn target(&self) -> Target<'_> {
        Target {
            os: Os::current(),
            layout: &self.layout,
            profile: &self.profile,
            home: &self.home,
            user: &self.user,
            uid: self.uid,
        }
    }

    /// The install context (the keychain where one answers; nodes with the file key store
    /// work without).
    pub fn context(&self) -> Result<Context<'_>, UserError> {
        let keychain = self.keychain.as_ref().map_err(|e| e.message.clone());
        Ok(Context {
            layout: &self.layout,
            store: &self.store,
            keychain,
            profile: &self.profile,
            target: self.target(),
            backend: self.backend,
        })
    }

    pub fn cores(&self) -> u32 {
        std::thread::available_parallelism()
            .map(|n| n.get() as u32)
            .unwrap_or(1)
    }
}

/// What the desktop app shows about this machine's install.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct MachineStatus {
    pub installed: Option<crate::store::InstallRecord>,
    pub nodes: Vec<crate::store::NodeRecord>,
    pub backend: Backend,
    pub official_installs: Vec<setup::OfficialInstall>,
    pub data_dir: String,
    pub keychain_error: Option<String>,
    pub staking: String,
    pub staking_url: String,
    /// The most nodes the app creates on one machine.
    pub max_nodes: u32,
    /// The networks nodes can be added on; the first is the default.
    pub networks: Vec<String>,
    /// What one node needs (cores, RAM, disk).
    pub per_node: crate::doctor::PerNode,
    /// When the keys were last backed up (unix seconds) and how many: `None`: never.
    #[ts(type = "[number, number] | null")]
    pub keys_backed_up: Option<(i64, u32)>,
    /// The operating system the app runs on (`linux`, `macos`, `windows`): some settings exist
    /// on one only (how the window is drawn is WebKitGTK's, Linux's).
    pub os: String,
}

/// What making sure of IPFS found or did.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct IpfsOutcome {
    /// The kubo version already installed (the app's or on `PATH`).
    pub found: Option<String>,
    /// An IPFS daemon already answers on this machine (port 5001).
    pub daemon_running: bool,
    /// What the app installed now.
    pub installed: Option<crate::install::kubo::KuboInstall>,
}

/// The doctor's checks and what the machine can afford.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct DoctorReport {
    pub checks: Vec<crate::doctor::Check>,
    pub affordable_nodes: u32,
    /// Which resource limits the count, in words.
    pub limited_by: String,
    /// What one node needs.
    pub per_node: crate::doctor::PerNode,
}

impl Machine {
    pub fn status(&self) -> Result<MachineStatus, UserError> {
        Ok(MachineStatus {
            installed: self.store.installed().map_err(UserError::new)?,
            nodes: self.store.nodes().map_err(UserError::new)?,
            backend: self.backend,
            official_installs: setup::detect_official(&setup::official_env_candidates(&self.home)),
            data_dir: self.layout.root.display().to_string(),
            keychain_error: self.keychain.as_ref().err().map(|e| e.message.clone()),
            staking: self.profile.staking.clone(),
            staking_url: self.profile.staking_url.clone(),
            max_nodes: crate::nodes::MAX_NODES,
            networks: std::iter::once(self.profile.name.clone())
                .chain(
                    crate::network::BUILTIN
                        .iter()
                        .map(|n| n.to_string())
                        .filter(|n| *n != self.profile.name),
                )
                .collect(),
            per_node: crate::doctor::PER_NODE,
            keys_backed_up: self
                .store
                .setting(setup::BACKED_UP_SETTING)
                .ok()
                .flatten()
                .and_then(|v| {
                    let (at, n) = v.split_once(' ')?;
                    Some((at.parse().ok()?, n.parse().ok()?))
                }),
            os: std::env::consts::OS.to_string(),
        })
    }

    pub fn doctor(&mut self, time_url: Option<&str>) -> DoctorReport {
        let url = time_url
            .map(str::to_string)
            .unwrap_or_else(|| self.profile.dashboard_url.clone());
        let server = self
            .store
            .nodes()
            .ok()
            .and_then(|nodes| nodes.iter().find(|n| n.spec.ipfs_server).map(|n| n.spec.id));
        let app_ipfs = crate::install::kubo::installed(&self.layout);
        let facts = crate::doctor::gather(
            &mut self.runner,
            &self.layout.root,
            &self.profile,
            Some(&url),
            app_ipfs.as_deref(),
            server,
        );
        DoctorReport {
            checks: crate::doctor::evaluate(&facts),
            affordable_nodes: crate::doctor::affordable_nodes(&facts),
            limited_by: crate::doctor::limited_by(&facts),
            per_node: crate::doctor::PER_NODE,
        }
    }

    /// Install kubo into the app's `bin/` unless an IPFS is already there: the app's own, one on
    /// `PATH`, or a daemon answering on this machine (then no node runs an IPFS server).
    pub fn ensure_ipfs(
        &mut self,
        cancel: &std::sync::atomic::AtomicBool,
        progress: &mut dyn FnMut(&crate::install::download::Progress),
    ) -> Result<IpfsOutcome, UserError> {
        let app_ipfs = crate::install::kubo::installed(&self.layout);
        let found = crate::doctor::ipfs_version(&mut self.runner, app_ipfs.as_deref());
        let daemon_running = setup::ipfs_daemon_running();
        if found.is_some() || daemon_running {
            return Ok(IpfsOutcome {
                found,
                daemon_running,
                installed: None,
            });
        }
        let bin_made = !self.layout.bin_dir().exists();
        let installed = crate::install::kubo::install(
            &self.layout,
            &self.profile.ipfs,
            crate::platform::Arch::current(),
            &crate::install::download::DownloadOptions::default(),
            cancel,
            progress,
        )
        .map_err(UserError::new)?;
        crate::install::binary::record_bin(
            &self.store,
            &self.layout,
            bin_made,
            &[std::path::PathBuf::from(&installed.path)],
        )
        .map_err(UserError::new)?;
        Ok(IpfsOutcome {
            found: None,
            daemon_running,
            installed: Some(installed),
        })
    }

    /// What [`Machine::ensure_ipfs`] would do, in words (for the user's consent).
    pub fn ipfs_plan(&self) -> String {
        let ipfs = &self.profile.ipfs;
        match crate::install::kubo::archive_name(
            &ipfs.version,
            self.layout.os,
            crate::platform::Arch::current(),
        ) {
            Ok(archive) => {
                let (url, sum) = crate::install::kubo::urls(ipfs, &archive);
                format!(
                    "download {url}\ncheck it against the sha512 in {sum}\nput its ipfs into {}\n",
                    self.layout.bin_dir().display()
                )
            }
            Err(e) => format!("{e}\n"),
        }
    }

    /// Turn "start my nodes when I log in" on or off (`exe daemon` as a login item).
    pub fn set_autostart(&self, on: bool, exe: &Path) -> Result<(), UserError> {
        let plan = crate::services::autostart::plan(&self.target(), exe, on);
        let mut runner = self.runner.clone();
        let done = crate::services::apply::apply(&plan, &mut runner).map_err(UserError::new)?;
        self.store
            .record_written(&done.made)
            .map_err(UserError::new)?;
        self.store
            .set_setting(AUTOSTART_SETTING, if on { "1" } else { "" })
            .map_err(UserError::new)
    }

    /// Whether the nodes start at login: always with OS services (their own units), else when
    /// the login item was turned on (and, where it is a file, is still there).
    pub fn autostart(&self) -> bool {
        if self.backend == Backend::OsService {
            return true;
        }
        let set = self
            .store
            .setting(AUTOSTART_SETTING)
            .ok()
            .flatten()
            .is_some_and(|v| v == "1");
        set && crate::services::autostart::file(&self.target()).is_none_or(|f| f.exists())
    }

    /// The plan "fix it for me" runs for a check, on this machine as it is now (Docker's fix
    /// depends on what is wrong with it).
    pub fn plan_for(&mut self, check_id: &str) -> Option<crate::services::plan::Plan> {
        if check_id == "docker" {
            let state = crate::doctor::probe_docker(&mut self.runner);
            return crate::doctor::docker_fix_plan(&state, Os::current(), &self.user);
        }
        crate::doctor::fix_plan(check_id, Os::current(), &self.user)
    }

    /// Run the automatic fix of a doctor check (the caller has the user's consent).
    pub fn fix(&mut self, check_id: &str) -> Result<crate::services::apply::Report, UserError> {
        if check_id == "ipfs" {
            let outcome =
                self.ensure_ipfs(&std::sync::atomic::AtomicBool::new(false), &mut |_| {})?;
            let mut report = crate::services::apply::Report::default();
            if outcome.installed.is_none() {
                report.warnings.push(match outcome.found {
                    Some(v) => format!("IPFS (kubo) {v} is already installed: nothing to do"),
                    None => "an IPFS daemon already answers on this machine: nothing to do".into(),
                });
            }
            return Ok(report);
        }
        let plan = self
            .plan_for(check_id)
            .ok_or_else(|| UserError::new(format!("the app cannot fix '{check_id}' by itself; follow the instructions shown with the check")))?;
        // A fix may install packages: it has an hour, not the probes' seconds.
        let mut runner = self
            .runner
            .clone()
            .with_timeout(crate::platform::exec::LONG_TIMEOUT);
        crate::services::apply::apply(&plan, &mut runner).map_err(UserError::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backend_of_the_first_setup_wins_over_a_new_detection() {
        let never = || -> Backend { panic!("not detected when it is known") };
        assert_eq!(
            choose_backend(None, None, Some("os_service"), never),
            Backend::OsService
        );
        assert_eq!(
            choose_backend(None, None, Some("supervisor"), never),
            Backend::Supervisor
        );
        assert_eq!(
            choose_backend(Some("supervisor"), None, Some("os_service"), never),
            Backend::Supervisor
        );
        assert_eq!(
            choose_backend(None, Some(Backend::Supervisor), Some("os_service"), never),
            Backend::Supervisor
        );
        assert_eq!(
            choose_backend(None, None, None, || Backend::OsService),
            Backend::OsService
        );
        assert_eq!(
            choose_backend(None, None, Some("bogus"), || Backend::Supervisor),
            Backend::Supervisor
        );
    }
}
