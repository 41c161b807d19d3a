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
/// Keychain "address" of the RPC URL (it usually embeds an API key).
pub const RPC_SECRET: &str = "rpc-url";

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
    pub keychain: &'a Keychain,
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

fn rpc_url(kc: &Keychain) -> Option<Secret> {
    kc.load_secret(RPC_SECRET).ok()
}

/// Write (or rewrite) one node's `.env`.
pub fn write_node_env(cx: &Context, spec: &NodeSpec, key: &NodeKey) -> Result<(), SetupError> {
    let include_key = cx.backend == Backend::OsService;
    let text = nodes::render_env(
        spec,
        cx.profile,
        &adopted(cx.store)?,
        rpc_url(cx.keychain).as_ref(),
        include_key.then_some(&key.private_key),
    );
    let path = cx.layout.env_file(spec.id);
    nodes::write_env(&path, &text).map_err(|e| io(format!("write {}", path.display()), e))
}

/// Create `count` nodes: keys (into the keychain first, so nothing is lost), ports, folders,
/// `.env`, and service registration.
pub fn add_nodes(
    cx: &Context,
    count: u32,
    cores: u32,
    runner: &mut dyn Runner,
) -> Result<(Vec<NodeSpec>, exec::Report), SetupError> {
    if !cx.layout.binary().exists() {
        return Err(SetupError::NotInstalled);
    }
    let existing: Vec<NodeSpec> = cx.store.nodes()?.into_iter().map(|r| r.spec).collect();
    if count == 0 || existing.len() as u32 + count > nodes::MAX_NODES {
        // Same checks as allocate(), before any key is made.
        nodes::allocate(
            &existing,
            &vec![String::new(); count as usize],
            cx.profile,
            cores,
            &|_| true,
        )?;
    }
    let keys: Vec<NodeKey> = (0..count)
        .map(|_| NodeKey::generate())
        .collect::<Result<_, _>>()?;
    let addresses: Vec<String> = keys.iter().map(|k| k.address.clone()).collect();
    let specs = nodes::allocate(
        &existing,
        &addresses,
        cx.profile,
        cores,
        &nodes::port_is_free,
    )?;
    for (spec, key) in specs.iter().zip(&keys) {
        cx.keychain.save(key)?;
        std::fs::create_dir_all(cx.layout.log_dir(spec.id))
            .map_err(|e| io("create the node's folders", e))?;
        write_node_env(cx, spec, key)?;
        cx.store
            .add_node(spec, crate::platform::clock::now_unix())?;
    }
    let report = match cx.backend {
        Backend::OsService => exec::apply(&plan::install_plan(&cx.target, &specs), runner)?,
        Backend::Supervisor => exec::Report::default(),
    };
    Ok((specs, report))
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
}

/// Run `cortensord <env> tool register` then `tool verify`, handing the key in the process
/// environment. The result is stored and returned.
pub fn register(cx: &Context, id: u32) -> Result<Registration, SetupError> {
    let record = find(cx.store, id)?;
    let key = cx.keychain.load(&record.spec.address)?;
    let binary = cx.layout.binary();
    if !binary.exists() {
        return Err(SetupError::NotInstalled);
    }
    let mut output = String::new();
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
        || k.contains("PRIVATE")
        || k.contains("SECRET")
        || k.contains("PASSWORD")
        || k.contains("API_KEY")
        || k.contains("SEED")
        || k.ends_with("_TOKEN")
}

/// Import an official install: its key into the keychain (as a node of this app), its RPC URL
/// into the keychain, its other settings into the store. Returns the imported key's address.
pub fn adopt(
    cx: &Context,
    env_file: &Path,
    cores: u32,
    runner: &mut dyn Runner,
) -> Result<Option<NodeSpec>, SetupError> {
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
        cx.keychain
            .save_secret(RPC_SECRET, &Secret::new(url.clone()))?;
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
    let spec = nodes::allocate(
        &existing,
        std::slice::from_ref(&key.address),
        cx.profile,
        cores,
        &nodes::port_is_free,
    )?
    .remove(0);
    cx.keychain.save(&key)?;
    std::fs::create_dir_all(cx.layout.log_dir(spec.id))
        .map_err(|e| io("create the node's folders", e))?;
    write_node_env(cx, &spec, &key)?;
    cx.store
        .add_node(&spec, crate::platform::clock::now_unix())?;
    if cx.backend == Backend::OsService && cx.layout.binary().exists() {
        exec::apply(
            &plan::install_plan(&cx.target, std::slice::from_ref(&spec)),
            runner,
        )?;
    }
    Ok(Some(spec))
}

/// Write every node's key to `out` (mode 0600) as `address,private_key` lines.
pub fn export_keys(store: &Store, keychain: &Keychain, out: &Path) -> Result<usize, SetupError> {
    let mut text = String::from("# Cortensor node keys exported by Cortensor Node Manager. Keep this file secret.\naddress,private_key\n");
    let records = store.nodes()?;
    for r in &records {
        let k = keychain.load(&r.spec.address)?;
        text.push_str(&format!("{},{}\n", k.address, k.private_key.expose()));
    }
    crate::platform::fs::write_atomic(out, text.as_bytes(), crate::platform::fs::SECRET_MODE)
        .map_err(|e| io(format!("write {}", out.display()), e))?;
    Ok(records.len())
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
    let specs: Vec<NodeSpec> = records.iter().map(|r| r.spec.clone()).collect();
    let mut report = match cx.backend {
        Backend::OsService => exec::apply(&plan::uninstall_plan(&cx.target, &specs), runner)?,
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
            exec::apply(
                &plan::Plan {
                    os: cx.target.os,
                    steps,
                },
                runner,
            )?
        }
    };
    for r in &records {
        if delete_keys {
            cx.keychain.delete(&r.spec.address)?;
        }
        cx.store.remove_node(r.spec.id)?;
    }
    if delete_keys {
        cx.keychain.delete(RPC_SECRET)?;
    }
    cx.store.clear_installed()?;
    if !delete_keys && !records.is_empty() {
        report.warnings.push(format!("{} node key(s) stay in the OS keychain; `cortensor-manager keys export` writes them to a file", records.len()));
    }
    Ok(report)
}
