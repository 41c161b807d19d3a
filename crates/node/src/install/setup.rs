//! Creating nodes (keys in the keychain, folders, `.env`, ports, services), registering them,
//! adopting an official install, exporting keys, and uninstalling.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::keys::{Keychain, NodeKey, Secret};
use crate::network::NetworkProfile;
use crate::nodes::{self, Layout, NodeSpec};
use crate::platform::exec::Runner;
use crate::services::apply as exec;
use crate::services::plan::{self, Target};
use crate::store::{NodeRecord, Store};

/// Settings key of values adopted from an official `.env` (JSON object, no secrets).
const ADOPTED: &str = "install.adopted_env";
/// Keychain "address" of the RPC URLs (they usually embed an API key), one per line.
pub const RPC_SECRET: &str = "rpc-url";
/// Where the RPC URLs are kept (0600) on machines without a keychain.
pub const RPC_FILE: &str = "rpc-urls";

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Nodes(#[from] nodes::NodesError),
    #[error(transparent)]
    Keys(#[from] crate::keys::KeyError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Exec(#[from] exec::ExecError),
    #[error("cannot {what}: {reason}")]
    Io { what: String, reason: String },
    #[error("cortensord is not installed yet; run `cortensor-manager install` first")]
    NotInstalled,
    #[error("there is no node {0}; `cortensor-manager node list` shows your nodes")]
    NoSuchNode(u32),
    #[error("{0}")]
    Refused(String),
}

fn io(what: impl Into<String>, e: std::io::Error) -> SetupError {
    SetupError::Io {
        what: what.into(),
        reason: crate::platform::fs::explain_io(&e),
    }
}

pub use crate::services::{detect_backend, Backend};

pub struct Context<'a> {
    pub layout: &'a Layout,
    pub store: &'a Store,
    /// `Err`: why the OS keychain cannot be used here (a headless server has none).
    pub keychain: Result<&'a Keychain, String>,
    pub profile: &'a NetworkProfile,
    pub target: Target<'a>,
    pub backend: Backend,
}

fn adopted(store: &Store) -> Result<BTreeMap<String, String>, SetupError> {
    Ok(store
        .setting(ADOPTED)?
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default())
}

/// What `node add` is asked for.
#[derive(Debug, Clone, Default)]
pub struct AddOptions {
    pub count: u32,
    /// A network by name (`testnet0`, `testnet1`); `None`: the machine's profile.
    pub network: Option<String>,
    /// The user's RPC URLs; empty: those already saved, else the network's public default.
    pub rpc_urls: Vec<String>,
    /// `None`: the keychain where one answers, else a refusal that names the choice.
    pub key_store: Option<nodes::KeyStore>,
    pub gpu: bool,
    /// NVIDIA device ids for GPU nodes (`0,1`); empty: all.
    pub gpu_devices: String,
}

/// An RPC URL the node may use: https, or http on 127.0.0.1 (a local node or a test).
pub fn check_rpc_url(raw: &str) -> Result<String, SetupError> {
    let bad = |why: &str| {
        SetupError::Refused(format!(
            "'{}' is not a usable RPC URL: {why}",
            crate::redact::redact(raw, &[])
        ))
    };
    let u = url::Url::parse(raw.trim()).map_err(|e| bad(&e.to_string()))?;
    match (u.scheme(), u.host_str()) {
        ("https", Some(_)) => Ok(raw.trim().to_string()),
        ("http", Some("127.0.0.1" | "localhost")) => Ok(raw.trim().to_string()),
        ("http", Some(_)) => Err(bad("use https:// (http:// only on 127.0.0.1)")),
        _ => Err(bad("it must start with https://")),
    }
}

/// The saved RPC URLs: in the keychain, or in the data folder's 0600 file where there is none.
pub fn rpc_urls(cx: &Context) -> Vec<Secret> {
    let text = match &cx.keychain {
        Ok(kc) => kc
            .load_secret(RPC_SECRET)
            .ok()
            .map(|s| s.expose().to_string()),
        Err(_) => None,
    }
    .or_else(|| std::fs::read_to_string(cx.layout.root.join(RPC_FILE)).ok())
    .unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(Secret::new)
        .collect()
}

/// Save the RPC URLs (keychain, or a 0600 file where there is none).
pub fn save_rpc_urls(cx: &Context, urls: &[String]) -> Result<(), SetupError> {
    let text = urls.join("\n");
    match &cx.keychain {
        Ok(kc) => kc.save_secret(RPC_SECRET, &Secret::new(text))?,
        Err(_) => crate::platform::fs::write_atomic(
            &cx.layout.root.join(RPC_FILE),
            text.as_bytes(),
            crate::platform::fs::SECRET_MODE,
        )
        .map_err(|e| io("save the RPC URLs", e))?,
    }
    Ok(())
}

/// The key store to use: the one asked for, checked, or the keychain where one answers.
pub fn resolve_key_store(
    cx: &Context,
    asked: Option<nodes::KeyStore>,
) -> Result<nodes::KeyStore, SetupError> {
    match (asked, &cx.keychain) {
        (Some(nodes::KeyStore::File), _) => Ok(nodes::KeyStore::File),
        (Some(nodes::KeyStore::Keychain) | None, Ok(_)) => Ok(nodes::KeyStore::Keychain),
        (_, Err(why)) => Err(SetupError::Refused(format!(
            "the OS keychain is not available here ({why}). Choose where the node keys go: \
             `--key-store file` keeps each key only in its node's .env (readable by you only, \
             as the official install does), or start a keychain (Secret Service) and try again"
        ))),
    }
}

/// The profile of a network by name: the machine's own when the names match (a profile file
/// given to the app wins over the embedded one), else an embedded one.
pub fn profile_named(cx: &Context, name: &str) -> Result<NetworkProfile, SetupError> {
    if cx.profile.name == name {
        return Ok(cx.profile.clone());
    }
    crate::network::NetworkProfile::builtin(name).ok_or_else(|| {
        SetupError::Refused(format!(
            "there is no network '{name}'; choose one of: {}",
            crate::network::BUILTIN.join(", ")
        ))
    })
}

/// Upstream's `.env-example` for rendering: the one installed beside the binary (same commit as
/// the binary), else the embedded table of its keys and values.
pub fn env_example(layout: &Layout) -> String {
    std::fs::read_to_string(layout.bin_dir().join("env-example"))
        .unwrap_or_else(|_| crate::node_env::EMBEDDED_EXAMPLE.to_string())
}

/// The private key of a node, from where it is kept.
pub fn node_key(cx: &Context, spec: &NodeSpec) -> Result<NodeKey, SetupError> {
    match spec.key_store {
        nodes::KeyStore::Keychain => {
            let kc = cx.keychain.as_ref().map_err(|why| {
                SetupError::Refused(format!(
                    "node {}'s key is in the OS keychain, which is not available here ({why})",
                    spec.id
                ))
            })?;
            Ok(kc.load(&spec.address)?)
        }
        nodes::KeyStore::File => {
            let path = cx.layout.env_file(spec.id);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| io(format!("read {}", path.display()), e))?;
            let pk = nodes::parse_env(&text)
                .remove("NODE_PRIVATE_KEY")
                .filter(|v| !v.is_empty())
                .ok_or_else(|| {
                    SetupError::Refused(format!(
                        "{} has no NODE_PRIVATE_KEY (node {} keeps its key in that file)",
                        path.display(),
                        spec.id
                    ))
                })?;
            let key = NodeKey::from_private_hex(&pk)?;
            if !key.address.eq_ignore_ascii_case(&spec.address) {
                return Err(SetupError::Refused(format!(
                    "{}: NODE_PRIVATE_KEY belongs to {}, not to node {} ({})",
                    path.display(),
                    key.address,
                    spec.id,
                    spec.address
                )));
            }
            Ok(key)
        }
    }
}

/// What every node's `.env` is rendered from besides the node itself, read once per operation:
/// upstream's example, an adopted install's settings, the RPC URLs.
pub struct EnvSources {
    example: String,
    adopted: BTreeMap<String, String>,
    rpc: Vec<Secret>,
}

impl EnvSources {
    pub fn load(cx: &Context) -> Result<EnvSources, SetupError> {
        Ok(EnvSources {
            example: env_example(cx.layout),
            adopted: adopted(cx.store)?,
            rpc: rpc_urls(cx),
        })
    }
}

/// Write (or rewrite) one node's `.env`. The private key goes into the file with the file key
/// store, and with OS services (the service manager reads it from there, as upstream's unit does).
pub fn write_node_env(
    cx: &Context,
    sources: &EnvSources,
    spec: &NodeSpec,
    key: &NodeKey,
    chain_id: Option<u64>,
    gpu_devices: &str,
) -> Result<(), SetupError> {
    let include_key = spec.key_store == nodes::KeyStore::File || cx.backend == Backend::OsService;
    let profile = profile_named(cx, &spec.network)?;
    let text = nodes::render_env(
        &sources.example,
        spec,
        &profile,
        &nodes::EnvInputs {
            adopted: Some(&sources.adopted),
            rpc_urls: &sources.rpc,
            chain_id,
            private_key: include_key.then_some(&key.private_key),
            gpu_devices,
        },
    );
    let path = cx.layout.env_file(spec.id);
    nodes::write_env(&path, &text).map_err(|e| io(format!("write {}", path.display()), e))
}

pub use crate::doctor::ipfs_daemon_running;

/// Create nodes: keys (into their store first, so nothing is lost), ports, folders, `.env`,
/// and service registration. Returns the new nodes, optional steps that failed, and notes.
/// Held while nodes are created (ids, ports, keys, `.env` files, rows): a double click, or the
/// app and the CLI at once, wait for each other instead of giving two nodes one id or one
/// node two keys.
pub const SETUP_LOCK: &str = ".setup.lock";

fn setup_lock(cx: &Context) -> Result<std::fs::File, SetupError> {
    std::fs::create_dir_all(&cx.layout.root).map_err(|e| io("create the data folder", e))?;
    crate::platform::fs::lock_exclusive(&cx.layout.root.join(SETUP_LOCK))
        .map_err(|e| io("take the setup lock", e))
}

pub fn add_nodes(
    cx: &Context,
    opts: &AddOptions,
    cores: u32,
    runner: &mut dyn Runner,
) -> Result<(Vec<NodeSpec>, exec::Report), SetupError> {
    if !cx.layout.binary().exists() {
        return Err(SetupError::NotInstalled);
    }
    let _lock = setup_lock(cx)?;
    let count = opts.count;
    let existing: Vec<NodeSpec> = cx.store.nodes()?.into_iter().map(|r| r.spec).collect();
    if count == 0 || existing.len() as u32 + count > nodes::MAX_NODES {
        // The same refusal as allocate() gives, before any key is made.
        let asked = count.min(nodes::MAX_NODES + 1) as usize;
        nodes::allocate(
            &existing,
            &vec![String::new(); asked],
            cx.profile,
            cores,
            &|_| true,
        )?;
    }
    let profile = profile_named(cx, opts.network.as_deref().unwrap_or(&cx.profile.name))?;
    let key_store = resolve_key_store(cx, opts.key_store)?;
    let urls: Vec<String> = opts
        .rpc_urls
        .iter()
        .map(|u| check_rpc_url(u))
        .collect::<Result<_, _>>()?;
    if urls.len() > 20 {
        return Err(SetupError::Refused(format!(
            "at most 20 RPC URLs (upstream's RPC_HOST_0..19); got {}",
            urls.len()
        )));
    }
    if !urls.is_empty() {
        save_rpc_urls(cx, &urls)?;
    }
    let rpc = rpc_urls(cx);
    let first_rpc = rpc
        .first()
        .map(|s| s.expose().to_string())
        .or(profile.rpc_default.clone());
    // A chain id the network does not publish is read from the RPC.
    let chain_id = match profile.chain_id {
        Some(c) => Some(c),
        None => {
            let url = first_rpc.clone().ok_or_else(|| {
                SetupError::Refused(format!(
                    "network {} has no public RPC URL: give yours with --rpc-url",
                    profile.name
                ))
            })?;
            Some(crate::chain::chain_id(&url).map_err(|why| {
                SetupError::Refused(format!(
                    "cannot read the chain id of {} from the RPC URL: {why}",
                    profile.name
                ))
            })?)
        }
    };
    let keys: Vec<NodeKey> = (0..count)
        .map(|_| NodeKey::generate())
        .collect::<Result<_, _>>()?;
    let addresses: Vec<String> = keys.iter().map(|k| k.address.clone()).collect();
    let mut specs = nodes::allocate(&existing, &addresses, &profile, cores, &nodes::port_is_free)?;
    let ipfs_elsewhere = ipfs_daemon_running();
    for s in &mut specs {
        s.key_store = key_store;
        s.gpu = opts.gpu;
        s.ipfs_server &= !ipfs_elsewhere;
    }
    let sources = EnvSources::load(cx)?;
    for (spec, key) in specs.iter().zip(&keys) {
        if key_store == nodes::KeyStore::Keychain {
            cx.keychain
                .as_ref()
                .map_err(|why| SetupError::Refused(why.clone()))?
                .save(key)?;
        }
        make_node_dir(cx, spec.id)?;
        write_node_env(cx, &sources, spec, key, chain_id, &opts.gpu_devices)?;
        cx.store
            .add_node(spec, crate::platform::clock::now_unix())?;
    }
    let mut report = match cx.backend {
        Backend::OsService => exec::apply(&plan::install_plan(&cx.target, &specs), runner)?,
        Backend::Supervisor => exec::Report::default(),
    };
    cx.store.record_written(&report.made)?;
    if rpc.is_empty() {
        if let Some(url) = &profile.rpc_default {
            report.warnings.push(format!(
                "no RPC URL given: the nodes use the public endpoint {url}, which limits how often \
                 it answers; a provider's URL (`node rpc set URL`) keeps your nodes from missing tasks"
            ));
        }
    }
    if opts.gpu {
        match crate::health::system::gpus(runner) {
            Some(g) if !g.is_empty() => {
                if crate::doctor::probe_nvidia_toolkit(runner).is_none() {
                    report.warnings.push(
                        "GPU nodes: the NVIDIA Container Toolkit is not installed, so their LLM containers cannot see the GPU (`cortensor-manager doctor` says how to install it)".into(),
                    );
                }
            }
            _ => report.warnings.push(
                "GPU nodes: no NVIDIA GPU was found (nvidia-smi does not answer); their LLM engine will not start until one is there. `node add` without --gpu makes CPU nodes".into(),
            ),
        }
    }
    if ipfs_elsewhere {
        report.warnings.push(
            "an IPFS daemon already runs on this machine (port 5001): no node starts another IPFS server".into(),
        );
    }
    Ok((specs, report))
}

/// Change the RPC URLs of every node: saved as a secret, every `.env` rewritten. The nodes pick
/// them up when they restart.
pub fn set_rpc_urls(cx: &Context, urls: &[String]) -> Result<usize, SetupError> {
    let urls: Vec<String> = urls
        .iter()
        .map(|u| check_rpc_url(u))
        .collect::<Result<_, _>>()?;
    if urls.is_empty() || urls.len() > 20 {
        return Err(SetupError::Refused(
            "give between 1 and 20 RPC URLs (upstream's RPC_HOST_0..19)".into(),
        ));
    }
    save_rpc_urls(cx, &urls)?;
    let sources = EnvSources::load(cx)?;
    let records = cx.store.nodes()?;
    for r in &records {
        let key = node_key(cx, &r.spec)?;
        // What the node's .env says of itself that is not in the store: its chain id, GPUs.
        let mut now = current_env(cx, r.spec.id);
        let chain = now.get("CHAINID").and_then(|c| c.parse().ok());
        let gpus = now
            .remove("LLM_GPU_CONTAINER_DEVICE_IDS")
            .unwrap_or_default();
        write_node_env(cx, &sources, &r.spec, &key, chain, &gpus)?;
    }
    Ok(records.len())
}

fn current_env(cx: &Context, id: u32) -> BTreeMap<String, String> {
    std::fs::read_to_string(cx.layout.env_file(id))
        .map(|t| nodes::parse_env(&t))
        .unwrap_or_default()
}

/// The outcome of `tool register` + `tool verify` for one node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Registration {
    pub id: u32,
    pub address: String,
    pub registered: bool,
    pub verified: bool,
    /// What cortensord said (secrets redacted).
    pub output: String,
    /// The node's balance when it was checked before registering (`None`: the RPC did not
    /// answer; the check was skipped with a note in `output`).
    pub balance: Option<String>,
}

/// The node's gas money, read through its own `HOST`: `Ok(Some(wei))`, `Ok(None)` when the RPC
/// did not answer (with why), or a refusal when the balance is below the network's threshold.
fn check_funds(
    cx: &Context,
    spec: &NodeSpec,
) -> Result<(Option<u128>, Option<String>), SetupError> {
    let env = current_env(cx, spec.id);
    let Some(host) = env.get("HOST").filter(|h| !h.is_empty()) else {
        return Ok((
            None,
            Some("no HOST in the node's .env: the balance was not checked".into()),
        ));
    };
    let profile = profile_named(cx, &spec.network)?;
    let min: u128 = profile.min_balance_wei.parse().unwrap_or(0);
    match crate::chain::balance_wei(host, &spec.address) {
        Ok(wei) if wei < min => Err(SetupError::Refused(format!(
            "node {} has {} on {}, less than the {} it needs for its transactions: send some to {} (its address), then register again",
            spec.id,
            crate::chain::format_eth(wei),
            profile.name,
            crate::chain::format_eth(min),
            crate::keys::checksum_address(&spec.address).unwrap_or_else(|| spec.address.clone())
        ))),
        Ok(wei) => Ok((Some(wei), None)),
        Err(why) => Ok((None, Some(format!("the balance could not be checked: {why}")))),
    }
}

/// Run `cortensord <env> tool register` then `tool verify`, handing the key in the process
/// environment. The result is stored and returned.
pub fn register(cx: &Context, id: u32) -> Result<Registration, SetupError> {
    let record = find(cx.store, id)?;
    let key = node_key(cx, &record.spec)?;
    let binary = cx.layout.binary();
    if !binary.exists() {
        return Err(SetupError::NotInstalled);
    }
    let (balance, note) = check_funds(cx, &record.spec)?;
    let mut output = note.map(|n| format!("note: {n}\n")).unwrap_or_default();
    let mut run = |what: &str| -> Result<bool, SetupError> {
        let args = [
            cx.layout.env_file(id).display().to_string(),
            "tool".to_string(),
            what.to_string(),
        ];
        let out = crate::platform::exec::output(
            &binary,
            &args,
            &cx.layout.node_dir(id),
            &[("NODE_PRIVATE_KEY", key.private_key.expose())],
        )
        .map_err(|e| io(format!("run {} tool {what}", binary.display()), e))?;
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        output.push_str(&crate::redact::redact(&said, &[key.private_key.expose()]));
        Ok(out.status.success())
    };
    let registered = run("register")?;
    let verified = registered && run("verify")?;
    let first_line = |ok: bool, word: &str| {
        if ok {
            word.to_string()
        } else {
            format!(
                "failed: {}",
                output
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("")
                    .trim()
            )
        }
    };
    cx.store.set_registration(
        id,
        Some(&first_line(registered, "ok")),
        Some(&first_line(verified, "ok")),
    )?;
    Ok(Registration {
        id,
        address: record.spec.address,
        registered,
        verified,
        output,
        balance: balance.map(crate::chain::format_eth),
    })
}

fn find(store: &Store, id: u32) -> Result<NodeRecord, SetupError> {
    store
        .nodes()?
        .into_iter()
        .find(|r| r.spec.id == id)
        .ok_or(SetupError::NoSuchNode(id))
}

/// An official install found on this machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct OfficialInstall {
    pub env_file: String,
    pub address: Option<String>,
    pub has_private_key: bool,
    pub has_rpc_url: bool,
    /// Non-secret settings it would bring (contract addresses, chain id…), by name.
    pub settings: Vec<String>,
}

/// `~/.cortensor/.env` of this user, and of the official installer's `deploy` user.
pub fn official_env_candidates(home: &Path) -> Vec<PathBuf> {
    vec![
        home.join(".cortensor/.env"),
        PathBuf::from("/home/deploy/.cortensor/.env"),
    ]
}

pub fn detect_official(candidates: &[PathBuf]) -> Vec<OfficialInstall> {
    candidates
        .iter()
        .filter_map(|p| {
            std::fs::read_to_string(p)
                .ok()
                .map(|t| (p, nodes::parse_env(&t)))
        })
        .map(|(p, env)| OfficialInstall {
            env_file: p.display().to_string(),
            address: env
                .get("NODE_PUBLIC_KEY")
                .cloned()
                .filter(|a| cortensor_contest::leaderboard::is_address(a)),
            has_private_key: env.get("NODE_PRIVATE_KEY").is_some_and(|v| !v.is_empty()),
            has_rpc_url: env.get("HOST").is_some_and(|v| !v.is_empty()),
            settings: env.keys().filter(|k| !is_secret_key(k)).cloned().collect(),
        })
        .collect()
}

/// Keys of a `.env` that hold secrets.
pub fn is_secret_key(k: &str) -> bool {
    let k = k.to_ascii_uppercase();
    k == "HOST"
        || k == "HOST_MAINNET"
        || k.starts_with("RPC_HOST")
        || k.contains("PRIVATE")
        || k.contains("SECRET")
        || k.contains("PASSWORD")
        || k.contains("API_KEY")
        || k.contains("SEED")
        || k.ends_with("_TOKEN")
}

/// Import an official install: its key into the keychain (as a node of this app), its RPC URL
/// into the keychain, its other settings into the store. Returns the imported key's address.
/// What an adoption found running and did about it, in words.
pub type AdoptNotes = Vec<String>;

/// Stop the official node of `env_file` when one runs (with `consent`): two processes must
/// never run with one key. Returns what was found and done.
pub fn stop_official_node(
    cx: &Context,
    env_file: &Path,
    home: &Path,
    consent: bool,
    runner: &mut dyn Runner,
) -> Result<AdoptNotes, SetupError> {
    use super::official;
    let found = official::find(&official::gather(runner, env_file, home), env_file);
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let what: Vec<String> = found.iter().map(official::Found::describe).collect();
    if !consent {
        return Err(SetupError::Refused(format!(
            "the official node of {} is running ({}); it must be stopped before its key is imported, so two processes never run with one key: agree to stop it (--yes) and try again",
            env_file.display(),
            what.join("; ")
        )));
    }
    exec::apply(&official::stop_plan(&found, cx.target.os), runner)?;
    let start = std::time::Instant::now();
    loop {
        let still = official::find(&official::gather(runner, env_file, home), env_file);
        if still.is_empty() {
            break;
        }
        if start.elapsed() > std::time::Duration::from_secs(30) {
            return Err(SetupError::Refused(format!(
                "the official node is still running ({}); stop it by hand, then import again",
                still
                    .iter()
                    .map(official::Found::describe)
                    .collect::<Vec<_>>()
                    .join("; ")
            )));
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    Ok(what
        .into_iter()
        .map(|w| {
            format!(
                "found {w}: stopped it (and disabled its service) so only this app runs that key"
            )
        })
        .collect())
}

pub fn adopt(
    cx: &Context,
    env_file: &Path,
    cores: u32,
    runner: &mut dyn Runner,
) -> Result<Option<NodeSpec>, SetupError> {
    let _lock = setup_lock(cx)?;
    let text = std::fs::read_to_string(env_file)
        .map_err(|e| io(format!("read {}", env_file.display()), e))?;
    let env = nodes::parse_env(&text);
    let settings: BTreeMap<String, String> = env
        .iter()
        .filter(|(k, _)| {
            !is_secret_key(k)
                && !k.starts_with("NODE_")
                && !k.starts_with("LLM_")
                && k.as_str() != "ENABLE_IPFS_SERVER"
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    cx.store.set_setting(
        ADOPTED,
        &serde_json::to_string(&settings).expect("a map serialises"),
    )?;
    if let Some(url) = env.get("HOST").filter(|v| !v.is_empty()) {
        save_rpc_urls(cx, std::slice::from_ref(url))?;
    }
    let Some(pk) = env.get("NODE_PRIVATE_KEY").filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let key = NodeKey::from_private_hex(pk)?;
    if let Some(public) = env.get("NODE_PUBLIC_KEY") {
        if !public.eq_ignore_ascii_case(&key.address) {
            return Err(SetupError::Refused(format!(
                "{}: NODE_PRIVATE_KEY belongs to {}, not to NODE_PUBLIC_KEY {public}; fix the file or import the key by hand",
                env_file.display(),
                key.address
            )));
        }
    }
    let existing: Vec<NodeSpec> = cx.store.nodes()?.into_iter().map(|r| r.spec).collect();
    if let Some(n) = existing
        .iter()
        .find(|n| n.address.eq_ignore_ascii_case(&key.address))
    {
        return Ok(Some(n.clone()));
    }
    let mut spec = nodes::allocate(
        &existing,
        std::slice::from_ref(&key.address),
        cx.profile,
        cores,
        &nodes::port_is_free,
    )?
    .remove(0);
    spec.key_store = resolve_key_store(cx, None).unwrap_or(nodes::KeyStore::File);
    // The official node's IPFS daemon may outlive it: never start a second IPFS server.
    spec.ipfs_server &= !ipfs_daemon_running();
    if let (nodes::KeyStore::Keychain, Ok(kc)) = (spec.key_store, &cx.keychain) {
        kc.save(&key)?;
    }
    make_node_dir(cx, spec.id)?;
    let chain = env.get("CHAINID").and_then(|c| c.parse().ok());
    write_node_env(cx, &EnvSources::load(cx)?, &spec, &key, chain, "")?;
    cx.store
        .add_node(&spec, crate::platform::clock::now_unix())?;
    // The official install registers its node when it sets it up (its scripts run
    // `tool register`); a guess, since the app did not see it happen. `node register` redoes it.
    cx.store
        .set_registration(spec.id, Some("ok (by the official install)"), None)?;
    if cx.backend == Backend::OsService && cx.layout.binary().exists() {
        let done = exec::apply(
            &plan::install_plan(&cx.target, std::slice::from_ref(&spec)),
            runner,
        )?;
        cx.store.record_written(&done.made)?;
    }
    Ok(Some(spec))
}

/// Write every node's key as an Ethereum V3 keystore (scrypt; MetaMask and geth import it),
/// encrypted with `passphrase`, into `dir`: `node-<id>-<address>.json`, mode 0600.
pub fn export_keystores(
    cx: &Context,
    dir: &Path,
    passphrase: &str,
) -> Result<Vec<PathBuf>, SetupError> {
    let records = cx.store.nodes()?;
    let mut out = Vec::new();
    for r in &records {
        let k = node_key(cx, &r.spec)?;
        let name = format!("node-{}-{}", r.spec.id, r.spec.address);
        out.push(crate::keys::write_keystore(&k, dir, &name, passphrase)?);
    }
    mark_backed_up(cx, out.len());
    Ok(out)
}

/// What the app made, as recorded; an install from before the record was kept gets it from the
/// layout: each node's folder (`nodes/node-<id>`, a name only the app uses) and the files the
/// app puts in its binary folder — never the binary folder itself, which may predate the app.
fn written_or_known(
    cx: &Context,
    specs: &[NodeSpec],
) -> Result<Vec<crate::store::Written>, SetupError> {
    let written = cx.store.written()?;
    if !written.is_empty() {
        return Ok(written);
    }
    let bin = cx.layout.bin_dir();
    let known: Vec<crate::store::Written> = specs
        .iter()
        .map(|s| crate::store::Written::dir(cx.layout.node_dir(s.id)))
        .chain(
            [
                cx.layout.binary(),
                cx.layout.previous_binary(),
                bin.join("env-example"),
                bin.join(cx.layout.exe("ipfs")),
            ]
            .into_iter()
            .map(crate::store::Written::file),
        )
        .collect();
    cx.store.record_written(&known)?;
    Ok(known)
}

/// Make a node's folders (and remember which the app made, and its `.env`, for uninstall).
fn make_node_dir(cx: &Context, id: u32) -> Result<(), SetupError> {
    let made = crate::platform::fs::create_dirs(&cx.layout.log_dir(id))
        .map_err(|e| io("create the node's folders", e))?;
    let mut written: Vec<crate::store::Written> =
        made.into_iter().map(crate::store::Written::dir).collect();
    written.push(crate::store::Written::file(cx.layout.env_file(id)));
    cx.store.record_written(&written)?;
    Ok(())
}

/// Write every node's key to `out` (mode 0600) as `address,private_key` lines.
pub fn export_keys(cx: &Context, out: &Path) -> Result<usize, SetupError> {
    let mut text = String::from("# Cortensor node keys exported by Cortensor Node Manager. Keep this file secret.\naddress,private_key\n");
    let records = cx.store.nodes()?;
    for r in &records {
        let k = node_key(cx, &r.spec)?;
        text.push_str(&format!("{},{}\n", k.address, k.private_key.expose()));
    }
    crate::platform::fs::write_atomic(out, text.as_bytes(), crate::platform::fs::SECRET_MODE)
        .map_err(|e| io(format!("write {}", out.display()), e))?;
    mark_backed_up(cx, records.len());
    Ok(records.len())
}

/// The setting that says when the keys were last backed up, and how many.
pub const BACKED_UP_SETTING: &str = "keys.backed_up";

fn mark_backed_up(cx: &Context, count: usize) {
    let _ = cx.store.set_setting(
        BACKED_UP_SETTING,
        &format!("{} {count}", crate::platform::clock::now_unix()),
    );
}

/// Stop and remove every node's service and files, and the binary. Keys stay in the keychain
/// unless `delete_keys`, which needs a prior export (`exported`).
pub fn uninstall(
    cx: &Context,
    delete_keys: bool,
    exported: bool,
    runner: &mut dyn Runner,
) -> Result<exec::Report, SetupError> {
    if delete_keys && !exported {
        return Err(SetupError::Refused(
            "deleting the keys needs an export first, so they cannot be lost: add --export-keys FILE".into(),
        ));
    }
    let records = cx.store.nodes()?;
    if let Some(r) = records
        .iter()
        .find(|r| r.spec.key_store == nodes::KeyStore::File)
        .filter(|_| !exported)
    {
        return Err(SetupError::Refused(format!(
            "node {} keeps its key only in its .env, which uninstall removes: add --export-keys FILE so the key is kept",
            r.spec.id
        )));
    }
    let specs: Vec<NodeSpec> = records.iter().map(|r| r.spec.clone()).collect();
    let mut whole = match cx.backend {
        Backend::OsService => plan::uninstall_plan(&cx.target, &specs),
        Backend::Supervisor => {
            let mut steps: Vec<plan::Step> = specs
                .iter()
                .map(|s| plan::Step::Remove {
                    path: cx.layout.node_dir(s.id),
                })
                .collect();
            steps.push(plan::Step::Remove {
                path: cx.layout.bin_dir(),
            });
            plan::Plan {
                os: cx.target.os,
                steps,
            }
        }
    };
    whole.steps.push(plan::Step::RemoveIfEmpty {
        path: cx.layout.root.join("nodes"),
    });
    // Only what the app made goes: the folders it created, the files it wrote, and its own
    // service units; a folder it did not make keeps whatever else is in it.
    let written = written_or_known(cx, &specs)?;
    let ours: Vec<std::path::PathBuf> = specs
        .iter()
        .map(|s| plan::service_file(&cx.target, s.id))
        .chain(std::iter::once(plan::monitor_file(&cx.target)))
        .collect();
    let scoped = plan::scope_removals(whole, &written, &ours);
    let mut report = exec::apply(&scoped, runner)?;
    let mut gone = Vec::new();
    for step in &scoped.steps {
        match step {
            plan::Step::Remove { path } => gone.push(path.clone()),
            plan::Step::RemoveIfEmpty { path } if path.exists() => report.warnings.push(format!(
                "kept the folder {}: it holds files the app did not put there",
                path.display()
            )),
            _ => {}
        }
    }
    cx.store.forget_written(&gone)?;
    for r in &records {
        if let (true, nodes::KeyStore::Keychain, Ok(kc)) =
            (delete_keys, r.spec.key_store, &cx.keychain)
        {
            kc.delete(&r.spec.address)?;
        }
        cx.store.remove_node(r.spec.id)?;
    }
    if let (true, Ok(kc)) = (delete_keys, &cx.keychain) {
        kc.delete(RPC_SECRET)?;
    }
    if delete_keys {
        let _ = std::fs::remove_file(cx.layout.root.join(RPC_FILE));
    }
    cx.store.clear_installed()?;
    let in_keychain = records
        .iter()
        .filter(|r| r.spec.key_store == nodes::KeyStore::Keychain)
        .count();
    if !delete_keys && in_keychain > 0 {
        report.warnings.push(format!("{in_keychain} node key(s) stay in the OS keychain; `cortensor-manager keys export` writes them to a file"));
    }
    Ok(report)
}
