//! Setting a machine up: the doctor and its fixes, installing and updating `cortensor`, nodes
//! (add, list, register, adopt), key export, start, and uninstall.

pub use cortensor_node::install::binary::InstallFlags;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use cortensor_node::install::{binary, setup, source::ReleaseSource, update};

use crate::{user, Session, UserError};

pub use cortensor_node::doctor::{Check, Status};
pub use cortensor_node::install::binary::BinaryOutcome;
pub use cortensor_node::install::download::{DownloadOptions, Progress};
pub use cortensor_node::install::kubo::KuboInstall;
pub use cortensor_node::install::setup::{OfficialInstall, Registration};
pub use cortensor_node::install::update::{UpdateCheck, UpdateOutcome};
pub use cortensor_node::machine::{DoctorReport, IpfsOutcome, MachineStatus};
pub use cortensor_node::nodes::{KeyStore, NodeSpec};
pub use cortensor_node::runtime::control::StartReport;
pub use cortensor_node::services::Backend;
pub use cortensor_node::store::{InstallRecord, NodeRecord};

/// `install`: what was installed, official installs found on this machine, and the node
/// imported from one (when the user agreed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct InstallResponse {
    pub install: BinaryOutcome,
    /// IPFS (kubo) found or installed; `None` when installing it failed (see `warnings`).
    pub ipfs: Option<IpfsOutcome>,
    pub official_installs: Vec<OfficialInstall>,
    pub adopted: Option<NodeSpec>,
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// `node add`: how many nodes, on which network, with which RPC URLs and key store.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AddNodesRequest {
    pub count: u32,
    /// `testnet0` (default) or `testnet1`.
    #[serde(default)]
    pub network: Option<String>,
    /// The user's RPC URLs (secrets); empty: those saved before, else the public default.
    #[serde(default)]
    pub rpc_urls: Vec<String>,
    /// `None`: the OS keychain where one answers.
    #[serde(default)]
    pub key_store: Option<KeyStore>,
    #[serde(default)]
    pub gpu: bool,
}

/// `node add`: the nodes created, how they are kept running, optional steps that failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AddNodesResponse {
    pub nodes: Vec<NodeSpec>,
    pub backend: Backend,
    pub warnings: Vec<String>,
    /// Each new node's folder, in the order of `nodes`.
    pub folders: Vec<String>,
    /// Where to stake before registering.
    pub staking_url: String,
}

/// `node list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct NodeListResponse {
    pub nodes: Vec<NodeRecord>,
    pub installed: Option<InstallRecord>,
}

/// `adopt`: the node imported (none when the official `.env` had no private key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AdoptResponse {
    pub adopted: Option<NodeSpec>,
    /// What was found running and done about it.
    #[serde(default)]
    pub notes: Vec<String>,
    #[serde(skip)]
    #[ts(skip)]
    pub env_file: String,
}

/// `uninstall`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct UninstallResponse {
    pub removed_nodes: u32,
    pub keys_deleted: bool,
    /// The folder the encrypted copy of the keys was written to, first.
    pub key_backup: Option<String>,
    pub warnings: Vec<String>,
}

pub fn machine_status(s: &Session) -> Result<MachineStatus, UserError> {
    s.machine()?.status()
}

/// The doctor's checks; `time_url` is the server whose clock is compared (default: the
/// network's dashboard).
pub fn doctor(s: &Session, time_url: Option<&str>) -> Result<DoctorReport, UserError> {
    Ok(s.machine()?.doctor(time_url))
}

/// The steps an automatic fix would run, printable, for the user's consent.
pub fn fix_plan(s: &Session, check_id: &str) -> Result<String, UserError> {
    let mut m = s.machine()?;
    if check_id == "ipfs" {
        return Ok(m.ipfs_plan());
    }
    m.plan_for(check_id).map(|p| p.to_string()).ok_or_else(|| {
        UserError::new(format!(
            "the app cannot fix '{check_id}' by itself; follow the fix shown by the check"
        ))
    })
}

/// Run a check's automatic fix (the caller has the user's consent). Returns notes on optional
/// steps that failed.
pub fn fix(s: &Session, check_id: &str) -> Result<Vec<String>, UserError> {
    s.machine()?.fix(check_id).map(|r| r.warnings)
}

/// Download, verify and install `cortensord` from `source` (`official`, a manifest URL, or a
/// folder). `cancel` stops the download (the partial file is kept for a resume).
pub fn install(
    s: &Session,
    source: &str,
    flags: InstallFlags,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<BinaryOutcome, UserError> {
    let m = s.machine()?;
    let what = format!("install cortensord from {source}");
    let r = ReleaseSource::parse(source)
        .map_err(user)
        .and_then(|source| {
            binary::install(
                &m.layout,
                &m.store,
                &source,
                &DownloadOptions::default(),
                &flags,
                cancel,
                progress,
            )
            .map_err(user)
        });
    cortensor_node::oplog::outcome(&m.layout.root, "install", &what, &r);
    r
}

/// Install kubo (the version the network pins, verified against kubo's published sha512) into
/// the app's `bin/`, unless an IPFS is already installed or running.
pub fn ensure_ipfs(
    s: &Session,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<IpfsOutcome, UserError> {
    let mut m = s.machine()?;
    let r = m.ensure_ipfs(cancel, progress);
    cortensor_node::oplog::outcome(&m.layout.root, "install", "install IPFS (kubo)", &r);
    r
}

/// Start the nodes when the user logs in (`exe daemon` as a login item), or stop doing so.
pub fn set_autostart(s: &Session, on: bool, exe: &Path) -> Result<bool, UserError> {
    let m = s.machine()?;
    m.set_autostart(on, exe)?;
    Ok(m.autostart())
}

/// Whether the nodes start again after the user logs in.
pub fn autostart(s: &Session) -> Result<bool, UserError> {
    Ok(s.machine()?.autostart())
}

/// Official installs (`~/.cortensor/.env` and the like) found on this machine.
pub fn official_installs(s: &Session) -> Result<Vec<OfficialInstall>, UserError> {
    let m = s.machine()?;
    Ok(setup::detect_official(&setup::official_env_candidates(
        &m.home,
    )))
}

/// Update to the source's newest release; nodes that do not come up within `window` roll the
/// update back.
pub fn update(
    s: &Session,
    source: &str,
    window: Duration,
    traceback_grace: Duration,
    flags: InstallFlags,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<UpdateOutcome, UserError> {
    if window.is_zero() || window > Duration::from_secs(24 * 3600) {
        return Err(UserError::new(
            "the health window must be above 0 and at most a day",
        ));
    }
    let m = s.machine()?;
    let what = format!("update cortensord from {source}");
    let r = (|| {
        let source = ReleaseSource::parse(source).map_err(user)?;
        let cx = m.context()?;
        let mut runner = m.runner.clone();
        update::update(
            &cx,
            &source,
            &DownloadOptions::default(),
            window,
            traceback_grace,
            &flags,
            &mut runner,
            cancel,
            progress,
        )
        .map_err(user)
    })();
    cortensor_node::oplog::outcome(&m.layout.root, "update", &what, &r);
    r
}

/// How many nodes `uninstall` would remove.
pub fn node_count(s: &Session) -> Result<u32, UserError> {
    Ok(s.machine()?.store.nodes().map_err(user)?.len() as u32)
}

/// Stop and remove the nodes, their services and `cortensord`. First the keys are written,
/// encrypted with `passphrase`, to a new folder in the home folder (said in the response): an
/// uninstall never leaves a key only where it is about to go. With `export_keys` they are also
/// written there in plain text. `delete_keys` removes them from the keychain, once a copy exists.
pub fn uninstall(
    s: &Session,
    export_keys: Option<&Path>,
    delete_keys: bool,
    passphrase: Option<&str>,
) -> Result<UninstallResponse, UserError> {
    let m = s.machine()?;
    let cx = m.context()?;
    let n = m.store.nodes().map_err(user)?.len() as u32;
    let passphrase = passphrase.filter(|p| !p.is_empty());
    if n > 0 && passphrase.is_none() && !(delete_keys && export_keys.is_some()) {
        return Err(UserError::new(
            "uninstall first keeps an encrypted copy of the node keys: give a passphrase for it \
             (--passphrase-file FILE, or type it when asked); nothing was removed",
        ));
    }
    let key_backup = match passphrase.filter(|_| n > 0) {
        Some(p) => {
            let dir = m.home.join(format!(
                "cortensor-key-backup-{}",
                cortensor_node::platform::clock::file_stamp(
                    cortensor_node::platform::clock::now_unix()
                )
            ));
            setup::export_keystores(&cx, &dir, p).map_err(user)?;
            Some(dir.display().to_string())
        }
        None => None,
    };
    if let Some(path) = export_keys {
        setup::export_keys(&cx, path).map_err(user)?;
    }
    let mut runner = m.runner.clone();
    let exported = export_keys.is_some() || key_backup.is_some();
    let report = setup::uninstall(&cx, delete_keys, exported, &mut runner).map_err(user)?;
    Ok(UninstallResponse {
        removed_nodes: n,
        keys_deleted: delete_keys,
        key_backup,
        warnings: report.warnings,
    })
}

/// Create nodes: keys in their store, folders, `.env`, ports, services.
/// The backend the machine's first nodes were set up with is its backend from then on.
fn remember_backend(m: &cortensor_node::machine::Machine) -> Result<(), UserError> {
    if m.store
        .setting(cortensor_node::machine::BACKEND_SETTING)
        .map_err(user)?
        .is_none()
    {
        let name = match m.backend {
            cortensor_node::services::Backend::OsService => "os_service",
            cortensor_node::services::Backend::Supervisor => "supervisor",
        };
        m.store
            .set_setting(cortensor_node::machine::BACKEND_SETTING, name)
            .map_err(user)?;
    }
    Ok(())
}

pub fn add_nodes(s: &Session, req: &AddNodesRequest) -> Result<AddNodesResponse, UserError> {
    let m = s.machine()?;
    if !m.layout.binary().exists() {
        return Err(user(setup::SetupError::NotInstalled));
    }
    let cx = m.context()?;
    let mut runner = m.runner.clone();
    let opts = setup::AddOptions {
        count: req.count,
        network: req.network.clone(),
        rpc_urls: req.rpc_urls.clone(),
        key_store: req.key_store,
        gpu: req.gpu,
        gpu_devices: String::new(),
    };
    let (nodes, report) = setup::add_nodes(&cx, &opts, m.cores(), &mut runner).map_err(user)?;
    remember_backend(&m)?;
    Ok(AddNodesResponse {
        backend: m.backend,
        warnings: report.warnings,
        folders: nodes
            .iter()
            .map(|n| m.layout.node_dir(n.id).display().to_string())
            .collect(),
        nodes,
        staking_url: m.profile.staking_url.clone(),
    })
}

pub fn list_nodes(s: &Session) -> Result<NodeListResponse, UserError> {
    let m = s.machine()?;
    Ok(NodeListResponse {
        nodes: m.store.nodes().map_err(user)?,
        installed: m.store.installed().map_err(user)?,
    })
}

/// Register and verify node `id` with the network (`cortensord tool register` / `verify`).
pub fn register(s: &Session, id: u32) -> Result<Registration, UserError> {
    let m = s.machine()?;
    let cx = m.context()?;
    setup::register(&cx, id).map_err(user)
}

/// What to tell a user whose registration did not go through.
pub fn staking_hint(s: &Session) -> Result<String, UserError> {
    Ok(s.machine()?.profile.staking.clone())
}

/// Every node's key as an encrypted V3 keystore JSON in `dir` (MetaMask and geth import them).
pub fn export_keystores(
    s: &Session,
    dir: &Path,
    passphrase: &str,
) -> Result<Vec<String>, UserError> {
    let m = s.machine()?;
    let cx = m.context()?;
    Ok(setup::export_keystores(&cx, dir, passphrase)
        .map_err(user)?
        .iter()
        .map(|p| p.display().to_string())
        .collect())
}

/// Write every node's key to `out` in plain text (mode 0600). Returns how many.
pub fn export_keys(s: &Session, out: &Path) -> Result<usize, UserError> {
    let m = s.machine()?;
    let cx = m.context()?;
    setup::export_keys(&cx, out).map_err(user)
}

/// Import an official install's key and settings (default: `~/.cortensor/.env`).
/// Import an official install's key and settings (default: `~/.cortensor/.env`). A running
/// official node of that `.env` is stopped and its service disabled first, with `consent`
/// (without it, the refusal says what runs); never two processes with one key.
pub fn adopt(
    s: &Session,
    env_file: Option<PathBuf>,
    consent: bool,
) -> Result<AdoptResponse, UserError> {
    let m = s.machine()?;
    let path = env_file.unwrap_or_else(|| m.home.join(".cortensor/.env"));
    let cx = m.context()?;
    let mut runner = m.runner.clone();
    let notes =
        setup::stop_official_node(&cx, &path, &m.home, consent, &mut runner).map_err(user)?;
    let adopted = setup::adopt(&cx, &path, m.cores(), &mut runner).map_err(user)?;
    remember_backend(&m)?;
    Ok(AdoptResponse {
        adopted,
        env_file: path.display().to_string(),
        notes,
    })
}

/// Start every node and the daemon that runs or watches them (`daemon_exe daemon`).
pub fn start_nodes(s: &Session, daemon_exe: &Path) -> Result<StartReport, UserError> {
    cortensor_node::runtime::control::start_all(&s.machine()?, daemon_exe)
}

/// Change every node's RPC URLs (secrets; each `.env` is rewritten). Returns how many nodes.
pub fn set_rpc_urls(s: &Session, urls: &[String]) -> Result<usize, UserError> {
    let m = s.machine()?;
    let cx = m.context()?;
    setup::set_rpc_urls(&cx, urls).map_err(user)
}

/// The saved RPC URLs, redacted for display (API keys in them are secrets).
pub fn rpc_urls(s: &Session) -> Result<Vec<String>, UserError> {
    let m = s.machine()?;
    let cx = m.context()?;
    Ok(setup::rpc_urls(&cx)
        .iter()
        .map(|u| cortensor_node::redact::redact_url(u.expose()))
        .collect())
}

/// Whether `source` has a newer release than the installed one; changes nothing.
pub fn check_update(s: &Session, source: &str) -> Result<UpdateCheck, UserError> {
    let m = s.machine()?;
    let source = ReleaseSource::parse(source).map_err(user)?;
    update::check(&m.store, &source).map_err(user)
}

/// The newer release the daemon last saw at the install's source, if any.
pub fn update_available(s: &Session) -> Result<Option<String>, UserError> {
    Ok(s.store()?
        .setting(cortensor_node::runtime::updates::AVAILABLE_SETTING)
        .map_err(user)?
        .filter(|v| !v.is_empty()))
}

/// Update from the source the installed release came from (the app's Update button), with the
/// default 10-minute health window.
pub fn update_from_install_source(
    s: &Session,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<UpdateOutcome, UserError> {
    let source = s
        .store()?
        .installed()
        .map_err(user)?
        .map(|i| i.source)
        .ok_or_else(|| UserError::new("cortensord is not installed yet"))?;
    update(
        s,
        &source,
        Duration::from_secs(600),
        update::TRACEBACK_GRACE,
        InstallFlags::default(),
        cancel,
        progress,
    )
}
