//! Per-node configuration: folders, `.env`, log file and ports, allocated without collision.
//!
//! Layout under the data folder (`paths::data_dir`):
//! ```text
//! bin/cortensord             the verified binary in use
//! bin/cortensord.previous    the one before, kept for rollback
//! nodes/node-<id>/.env       mode 0600 (holds the RPC URL, and the private key for OS services)
//! nodes/node-<id>/logs/cortensord.log
//! ```

use std::collections::{BTreeMap, HashSet};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::keys::Secret;
use crate::network::NetworkProfile;
use crate::platform::Os;

/// Where everything lives, for one OS (plans for another OS are built and tested here too, so
/// paths are joined with that OS's separator).
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub root: PathBuf,
    pub os: Os,
}

impl Layout {
    /// The layout on this machine.
    pub fn new(root: impl Into<PathBuf>) -> Layout {
        Layout {
            root: root.into(),
            os: Os::current(),
        }
    }
    pub fn for_os(root: impl Into<PathBuf>, os: Os) -> Layout {
        Layout {
            root: root.into(),
            os,
        }
    }
    fn join(&self, parts: &[&str]) -> PathBuf {
        if self.os == Os::Windows {
            let mut s = self.root.display().to_string();
            for p in parts {
                s.push('\\');
                s.push_str(p);
            }
            PathBuf::from(s)
        } else {
            let mut p = self.root.clone();
            p.extend(parts);
            p
        }
    }
    pub fn exe(&self, name: &str) -> String {
        if self.os == Os::Windows {
            format!("{name}.exe")
        } else {
            name.to_string()
        }
    }
    pub fn bin_dir(&self) -> PathBuf {
        self.join(&["bin"])
    }
    pub fn binary(&self) -> PathBuf {
        self.join(&["bin", &self.exe("cortensord")])
    }
    pub fn previous_binary(&self) -> PathBuf {
        self.join(&["bin", &self.exe("cortensord.previous")])
    }
    pub fn node_dir(&self, id: u32) -> PathBuf {
        self.join(&["nodes", &format!("node-{id}")])
    }
    pub fn env_file(&self, id: u32) -> PathBuf {
        self.join(&["nodes", &format!("node-{id}"), ".env"])
    }
    pub fn log_dir(&self, id: u32) -> PathBuf {
        self.join(&["nodes", &format!("node-{id}"), "logs"])
    }
    pub fn log_file(&self, id: u32) -> PathBuf {
        self.join(&["nodes", &format!("node-{id}"), "logs", "cortensord.log"])
    }
}

/// One node as the app knows it (stored in SQLite, shown in the UI).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct NodeSpec {
    pub id: u32,
    pub address: String,
    pub llm_port: u16,
    pub worker_base_port: u16,
    pub gateway_base_port: u16,
    /// Only the first node of a machine runs the IPFS server (the others would loop on its lock).
    pub ipfs_server: bool,
    pub cpu_threads: u32,
    /// The network profile the node runs on (`testnet0`, `testnet1`, …).
    #[serde(default = "default_network")]
    pub network: String,
    /// Where the node's private key is kept.
    #[serde(default)]
    pub key_store: KeyStore,
    /// The LLM engine uses the machine's NVIDIA GPU(s).
    #[serde(default)]
    pub gpu: bool,
}

fn default_network() -> String {
    "testnet0".into()
}

/// Where a node's private key lives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum KeyStore {
    /// The OS keychain (Secret Service, Keychain, Credential Manager); with OS services the
    /// `.env` (0600) holds it too, as the official install does.
    #[default]
    Keychain,
    /// Only the node's 0600 `.env`, as the official install does (machines without a keychain,
    /// such as headless servers).
    File,
}

impl KeyStore {
    pub fn name(self) -> &'static str {
        match self {
            KeyStore::Keychain => "keychain",
            KeyStore::File => "file",
        }
    }

    pub fn parse(s: &str) -> Option<KeyStore> {
        match s {
            "keychain" => Some(KeyStore::Keychain),
            "file" => Some(KeyStore::File),
            _ => None,
        }
    }
}

impl NodeSpec {
    pub fn ports(&self) -> [u16; 3] {
        [self.llm_port, self.worker_base_port, self.gateway_base_port]
    }
    pub fn container_prefix(&self) -> String {
        format!("cortensor-node{}-", self.id)
    }
}

#[derive(Debug, PartialEq, thiserror::Error)]
pub enum NodesError {
    #[error("a machine runs at most {max} nodes (the contest's per-participant limit); you have {have} and asked for {asked} more")]
    TooMany { max: u32, have: u32, asked: u32 },
    #[error("asked for 0 nodes; choose between 1 and {0}")]
    Zero(u32),
    #[error("no free ports for node {id} near {base}: close the programs using ports {base}–{last} or change `ports` in the network profile")]
    NoPorts { id: u32, base: u16, last: u16 },
}

pub const MAX_NODES: u32 = 25;

/// Whether a TCP port can be bound on this machine right now (all interfaces and loopback).
/// The `cortensord` command line of node `id`, as every backend launches it (the official
/// service unit's `ExecStart`): the node's `.env`, its role, and `1 docker` when the network
/// profile runs the LLM engine in Docker.
pub fn cortensord_args(layout: &Layout, profile: &NetworkProfile, id: u32) -> Vec<String> {
    let mut args = vec![
        layout.env_file(id).display().to_string(),
        profile.role.clone(),
    ];
    if profile.docker {
        args.extend(["1".to_string(), "docker".to_string()]);
    }
    args
}

/// The environment every backend gives a node, as upstream's unit does: `CORTENSOR_PATH` (the
/// node's folder), an explicit `PATH` (the app's `bin/` first, then where Docker and `ipfs`
/// live on the OS) and `PYTHONUNBUFFERED=1` (log lines as they happen).
pub fn launch_env(layout: &Layout, id: u32, os: Os) -> Vec<(String, String)> {
    let bin = layout.bin_dir().display().to_string();
    let path = match os {
        Os::Linux => format!("{bin}:/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"),
        Os::Macos => {
            format!("{bin}:/usr/local/bin:/opt/homebrew/bin:/usr/bin:/bin:/usr/sbin:/sbin")
        }
        Os::Windows => format!("{bin};%PATH%"),
    };
    vec![
        (
            "CORTENSOR_PATH".into(),
            layout.node_dir(id).display().to_string(),
        ),
        ("PATH".into(), path),
        ("PYTHONUNBUFFERED".into(), "1".into()),
    ]
}

pub fn port_is_free(port: u16) -> bool {
    TcpListener::bind(("0.0.0.0", port)).is_ok() && TcpListener::bind(("127.0.0.1", port)).is_ok()
}

/// CPU threads per node: about (cores − 2) / nodes, at least 1.
pub fn cpu_threads_per_node(cores: u32, nodes: u32) -> u32 {
    (cores.saturating_sub(2) / nodes.max(1)).max(1)
}

/// Specs for `count` new nodes after `existing`, with ports that collide with nothing: not with
/// each other, not with existing nodes, and free on this machine (`is_free`).
pub fn allocate(
    existing: &[NodeSpec],
    addresses: &[String],
    profile: &NetworkProfile,
    cores: u32,
    is_free: &dyn Fn(u16) -> bool,
) -> Result<Vec<NodeSpec>, NodesError> {
    let count = addresses.len() as u32;
    let have = existing.len() as u32;
    if count == 0 {
        return Err(NodesError::Zero(MAX_NODES));
    }
    if have + count > MAX_NODES {
        return Err(NodesError::TooMany {
            max: MAX_NODES,
            have,
            asked: count,
        });
    }
    let mut taken: HashSet<u16> = existing.iter().flat_map(NodeSpec::ports).collect();
    let mut next_id = existing.iter().map(|n| n.id).max().unwrap_or(0) + 1;
    let mut slot: u32 = existing.len() as u32;
    let threads = cpu_threads_per_node(cores, have + count);
    let p = &profile.ports;
    let mut out = Vec::new();
    for address in addresses {
        let id = next_id;
        next_id += 1;
        let mut tries = 0;
        let spec = loop {
            let offset = u32::from(p.stride) * slot;
            slot += 1;
            let at = |base: u16| u16::try_from(u32::from(base) + offset).ok();
            let (Some(llm), Some(worker), Some(gateway)) = (
                at(p.llm),
                at(p.llm_worker_base),
                at(p.llm_gateway_worker_base),
            ) else {
                return Err(NodesError::NoPorts {
                    id,
                    base: p.llm,
                    last: u16::MAX,
                });
            };
            let ports = [llm, worker, gateway];
            if ports
                .iter()
                .all(|port| !taken.contains(port) && is_free(*port))
            {
                taken.extend(ports);
                break NodeSpec {
                    id,
                    address: address.clone(),
                    llm_port: llm,
                    worker_base_port: worker,
                    gateway_base_port: gateway,
                    ipfs_server: !existing.iter().any(|n| n.ipfs_server) && out.is_empty(),
                    cpu_threads: threads,
                    network: profile.name.clone(),
                    key_store: KeyStore::Keychain,
                    gpu: false,
                };
            }
            tries += 1;
            if tries > 100 {
                let last = u16::try_from(u32::from(p.llm) + offset).unwrap_or(u16::MAX);
                return Err(NodesError::NoPorts {
                    id,
                    base: p.llm,
                    last,
                });
            }
        };
        out.push(spec);
    }
    Ok(out)
}

/// What a node's `.env` needs besides the example's defaults.
#[derive(Debug, Clone, Default)]
pub struct EnvInputs<'a> {
    /// Values of an adopted official `.env` (contract addresses…): they override the example
    /// and the profile's extras, never the node's own keys, ports and chain settings.
    pub adopted: Option<&'a BTreeMap<String, String>>,
    /// The user's RPC URLs (secrets); none: the profile's public default.
    pub rpc_urls: &'a [Secret],
    /// The chain id when the profile publishes none (read from the RPC).
    pub chain_id: Option<u64>,
    /// Written only when the key belongs in the file (file key store, or OS services).
    pub private_key: Option<&'a Secret>,
    /// NVIDIA device ids for a GPU node (`LLM_GPU_CONTAINER_DEVICE_IDS`).
    pub gpu_devices: &'a str,
}

/// The keys and values of one node's `.env` over upstream's example, in a fixed order.
pub fn env_overrides(
    spec: &NodeSpec,
    profile: &NetworkProfile,
    inputs: &EnvInputs,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut set = |k: &str, v: String| match out.iter_mut().find(|(key, _)| key == k) {
        Some(e) => e.1 = v,
        None => out.push((k.to_string(), v)),
    };
    for (k, v) in &profile.env {
        set(k, v.clone());
    }
    for (k, v) in inputs.adopted.into_iter().flatten() {
        if !k.starts_with("NODE_") && !OWN_KEYS.contains(&k.as_str()) {
            set(k, v.clone());
        }
    }
    let rpc: Vec<String> = if inputs.rpc_urls.is_empty() {
        profile.rpc_default.iter().cloned().collect()
    } else {
        inputs
            .rpc_urls
            .iter()
            .map(|s| s.expose().to_string())
            .collect()
    };
    set("HOST", rpc.first().cloned().unwrap_or_default());
    set("HOST_MAINNET", profile.host_mainnet.clone());
    let multi = rpc.len() > 1;
    set(
        "ENABLE_MULTIPLE_RPC_HOST",
        if multi { "1" } else { "0" }.into(),
    );
    set("NUM_RPC_HOST", rpc.len().max(1).to_string());
    for i in 0..20 {
        set(
            &format!("RPC_HOST_{i}"),
            rpc.get(i).cloned().unwrap_or_default(),
        );
    }
    set(
        "CHAINID",
        profile
            .chain_id
            .or(inputs.chain_id)
            .map(|c| c.to_string())
            .unwrap_or_default(),
    );
    set(
        "CONTRACT_ADDRESS_RUNTIME",
        profile.contract_address_runtime.clone(),
    );
    set("IS_L3", if profile.is_l3 { "1" } else { "0" }.into());
    set("DEV_MODE_ENABLE_DEBUG_PRINT", "1".into());
    set("DOCKER_LLM_MANAGER", "1".into());
    set(
        "NODE_PUBLIC_KEY",
        crate::keys::checksum_address(&spec.address).unwrap_or_else(|| spec.address.clone()),
    );
    set(
        "NODE_PRIVATE_KEY",
        inputs
            .private_key
            .map(|k| k.expose().to_string())
            .unwrap_or_default(),
    );
    set("LOG_FILE_NAME", format!("agent_miner_node{}.log", spec.id));
    set("LLM_PORT", spec.llm_port.to_string());
    set("LLM_WORKER_BASE_PORT", spec.worker_base_port.to_string());
    set(
        "LLM_GATEWAY_WORKER_BASE_PORT",
        spec.gateway_base_port.to_string(),
    );
    set("LLM_WORKER_CONTAINER_NAME_PREFIX", spec.container_prefix());
    set("LLM_OPTION_CPU_THREADS", spec.cpu_threads.to_string());
    set(
        "ENABLE_IPFS_SERVER",
        if spec.ipfs_server { "1" } else { "0" }.into(),
    );
    set("LLM_OPTION_GPU", if spec.gpu { "1" } else { "0" }.into());
    set("LLM_GPU_CONTAINER", if spec.gpu { "1" } else { "0" }.into());
    set(
        "LLM_GPU_CONTAINER_DEVICE_IDS",
        if spec.gpu {
            inputs.gpu_devices.to_string()
        } else {
            String::new()
        },
    );
    out
}

/// Keys that belong to the node and its machine: an adopted install never overrides them.
const OWN_KEYS: [&str; 13] = [
    "HOST",
    "CHAINID",
    "CONTRACT_ADDRESS_RUNTIME",
    "IS_L3",
    "LOG_FILE_NAME",
    "LLM_PORT",
    "LLM_WORKER_BASE_PORT",
    "LLM_GATEWAY_WORKER_BASE_PORT",
    "LLM_WORKER_CONTAINER_NAME_PREFIX",
    "LLM_OPTION_CPU_THREADS",
    "ENABLE_IPFS_SERVER",
    "ENABLE_MULTIPLE_RPC_HOST",
    "NUM_RPC_HOST",
];

/// The `.env` of one node: `example` (upstream's `.env-example`, or the embedded table of its
/// keys) with [`env_overrides`] applied. It holds secrets: write it with [`write_env`] (0600).
pub fn render_env(
    example: &str,
    spec: &NodeSpec,
    profile: &NetworkProfile,
    inputs: &EnvInputs,
) -> String {
    let header = format!(
        "# Cortensor node {} ({}) on {}, written by Cortensor Node Manager from upstream's\n# .env-example. Edit it through the app: it is rewritten when the node's settings change.\n",
        spec.id, spec.address, profile.name
    );
    crate::node_env::render(example, &env_overrides(spec, profile, inputs), &header)
}

/// Parse a `.env` file (`KEY=value`, `#` comments, optional quotes).
pub fn parse_env(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.strip_prefix("export ").unwrap_or(l).split_once('='))
        .map(|(k, v)| {
            (
                k.trim().to_string(),
                v.trim().trim_matches(|c| c == '"' || c == '\'').to_string(),
            )
        })
        .collect()
}

/// Write a node's `.env` atomically with mode 0600.
pub fn write_env(path: &Path, contents: &str) -> std::io::Result<()> {
    crate::platform::fs::write_atomic(path, contents.as_bytes(), crate::platform::fs::SECRET_MODE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addrs(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("0x{:040x}", i + 1)).collect()
    }

    #[test]
    fn ports_skip_busy_and_taken_ones() {
        let profile = NetworkProfile::testnet();
        // 8101 (node 2's LLM port) is busy on this machine: node 2 moves one stride up.
        let busy = |p: u16| p != 8101;
        let specs = allocate(&[], &addrs(3), &profile, 8, &busy).unwrap();
        let llm: Vec<u16> = specs.iter().map(|s| s.llm_port).collect();
        assert_eq!(llm, vec![8091, 8111, 8121]);
        assert_eq!(specs[0].worker_base_port, 8090);
        assert_eq!(specs[1].gateway_base_port, 18908);
        assert!(specs[0].ipfs_server && !specs[1].ipfs_server && !specs[2].ipfs_server);
        assert_eq!(
            specs.iter().map(|s| s.id).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        // (8 − 2) / 3 = 2 threads each.
        assert!(specs.iter().all(|s| s.cpu_threads == 2));

        // Adding more later never reuses a port or an id, and only the first node runs IPFS.
        let more = allocate(&specs, &addrs(2), &profile, 8, &|_| true).unwrap();
        assert_eq!(more.iter().map(|s| s.id).collect::<Vec<_>>(), vec![4, 5]);
        let all: Vec<u16> = specs
            .iter()
            .chain(&more)
            .flat_map(NodeSpec::ports)
            .collect();
        let unique: HashSet<u16> = all.iter().copied().collect();
        assert_eq!(unique.len(), all.len());
        assert!(more.iter().all(|s| !s.ipfs_server));
    }

    #[test]
    fn limits() {
        let profile = NetworkProfile::testnet();
        assert_eq!(
            allocate(&[], &[], &profile, 4, &|_| true),
            Err(NodesError::Zero(25))
        );
        let err = allocate(&[], &addrs(26), &profile, 4, &|_| true).unwrap_err();
        assert!(err.to_string().contains("at most 25"), "{err}");
        let err = allocate(&[], &addrs(1), &profile, 4, &|_| false).unwrap_err();
        assert!(matches!(err, NodesError::NoPorts { .. }), "{err}");
    }

    #[test]
    fn a_port_in_use_on_this_machine_is_skipped() {
        let profile = NetworkProfile::testnet();
        let listener = TcpListener::bind(("0.0.0.0", 0)).unwrap();
        let busy = listener.local_addr().unwrap().port();
        assert!(!port_is_free(busy));
        let mut p = profile.clone();
        p.ports.llm = busy;
        p.ports.llm_worker_base = busy.wrapping_add(1);
        p.ports.llm_gateway_worker_base = busy.wrapping_add(2);
        let spec = &allocate(&[], &addrs(1), &p, 4, &port_is_free).unwrap()[0];
        assert_ne!(spec.llm_port, busy);
    }

    /// Conformance: a rendered `.env` holds every key of upstream's example, in its order,
    /// with the node's overrides, and reads back as written.
    #[test]
    fn a_rendered_env_has_every_key_of_upstreams_example_with_the_node_overrides() {
        let profile = NetworkProfile::testnet();
        let mut spec = allocate(&[], &addrs(2), &profile, 4, &|_| true)
            .unwrap()
            .remove(1);
        spec.address = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed".into();
        let adopted = parse_env("# official\nCONTRACT_ADDRESS_RUNTIME=0xabc\nNODE_PUBLIC_KEY=0xold\nexport LLM_HOST=\"10.0.0.2\"\nWS_PORT_ROUTER=9009\n");
        let rpc = [
            Secret::new("https://arb.example/v2/KEY123"),
            Secret::new("https://backup.example/rpc?apikey=K2"),
        ];
        let pk = Secret::new(format!("0x{}", "ab".repeat(32)));
        let inputs = EnvInputs {
            adopted: Some(&adopted),
            rpc_urls: &rpc,
            chain_id: None,
            private_key: Some(&pk),
            gpu_devices: "",
        };
        let text = render_env(crate::node_env::EMBEDDED_EXAMPLE, &spec, &profile, &inputs);
        let example = crate::node_env::entries(crate::node_env::EMBEDDED_EXAMPLE);
        let rendered = crate::node_env::entries(&text);
        assert_eq!(example.len(), 200);
        assert_eq!(
            rendered
                .iter()
                .map(|(k, _)| k)
                .take(200)
                .collect::<Vec<_>>(),
            example.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            "every key of the example, in its order"
        );
        let env: BTreeMap<_, _> = rendered.into_iter().collect();
        let want = [
            ("HOST", "https://arb.example/v2/KEY123"),
            ("HOST_MAINNET", "https://ethereum-rpc.publicnode.com"),
            ("ENABLE_MULTIPLE_RPC_HOST", "1"),
            ("NUM_RPC_HOST", "2"),
            ("RPC_HOST_0", "https://arb.example/v2/KEY123"),
            ("RPC_HOST_1", "https://backup.example/rpc?apikey=K2"),
            ("RPC_HOST_2", ""),
            ("CHAINID", "421614"),
            // The network's contract, not an adopted install's.
            (
                "CONTRACT_ADDRESS_RUNTIME",
                "0xa438cE917a5740267e0f7217f81cbbAA23E7e106",
            ),
            ("IS_L3", "0"),
            ("DEV_MODE_ENABLE_DEBUG_PRINT", "1"),
            ("DOCKER_LLM_MANAGER", "1"),
            // EIP-55 checksum case.
            (
                "NODE_PUBLIC_KEY",
                "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            ),
            ("NODE_PRIVATE_KEY", pk.expose()),
            ("LOG_FILE_NAME", "agent_miner_node2.log"),
            ("LLM_PORT", "8101"),
            ("LLM_WORKER_BASE_PORT", "8100"),
            ("LLM_GATEWAY_WORKER_BASE_PORT", "18898"),
            ("LLM_WORKER_CONTAINER_NAME_PREFIX", "cortensor-node2-"),
            ("LLM_OPTION_CPU_THREADS", "1"),
            ("ENABLE_IPFS_SERVER", "0"),
            ("LLM_OPTION_GPU", "0"),
            // Adopted settings that are not the node's own come through.
            ("LLM_HOST", "10.0.0.2"),
            ("WS_PORT_ROUTER", "9009"),
            ("ENABLE_DEDICATED_NODE", "0"),
        ];
        for (k, v) in want {
            assert_eq!(env.get(k).map(String::as_str), Some(v), "{k}");
        }

        // No URL given: the profile's public default; no key in the file: empty, never upstream's zeros.
        let bare = EnvInputs::default();
        let env = parse_env(&render_env(
            crate::node_env::EMBEDDED_EXAMPLE,
            &spec,
            &profile,
            &bare,
        ));
        assert_eq!(env["HOST"], "https://sepolia-rollup.arbitrum.io/rpc");
        assert_eq!(env["RPC_HOST_0"], env["HOST"]);
        assert_eq!(
            (
                env["ENABLE_MULTIPLE_RPC_HOST"].as_str(),
                env["NUM_RPC_HOST"].as_str()
            ),
            ("0", "1")
        );
        assert_eq!(env["NODE_PRIVATE_KEY"], "");

        // The L3: its contract, IS_L3=1, and the chain id read from the RPC.
        let l3 = NetworkProfile::builtin("testnet1").unwrap();
        let with_chain = EnvInputs {
            chain_id: Some(88_888),
            ..EnvInputs::default()
        };
        let env = parse_env(&render_env(
            crate::node_env::EMBEDDED_EXAMPLE,
            &spec,
            &l3,
            &with_chain,
        ));
        assert_eq!(
            env["CONTRACT_ADDRESS_RUNTIME"],
            "0x0188C7F0c23c8be756F7b56486193E086f48E64b"
        );
        assert_eq!(
            (env["IS_L3"].as_str(), env["CHAINID"].as_str()),
            ("1", "88888")
        );

        // A GPU node.
        let mut gpu = spec.clone();
        gpu.gpu = true;
        let devices = EnvInputs {
            gpu_devices: "0,1",
            ..EnvInputs::default()
        };
        let env = parse_env(&render_env(
            crate::node_env::EMBEDDED_EXAMPLE,
            &gpu,
            &profile,
            &devices,
        ));
        assert_eq!(
            (
                env["LLM_OPTION_GPU"].as_str(),
                env["LLM_GPU_CONTAINER"].as_str(),
                env["LLM_GPU_CONTAINER_DEVICE_IDS"].as_str()
            ),
            ("1", "1", "0,1")
        );
    }

    #[test]
    fn exactly_one_node_runs_the_ipfs_server() {
        let profile = NetworkProfile::testnet();
        let first = allocate(&[], &addrs(3), &profile, 8, &|_| true).unwrap();
        assert_eq!(first.iter().filter(|s| s.ipfs_server).count(), 1);
        // Node 1 removed: the next node added takes the IPFS server over.
        let rest: Vec<NodeSpec> = first.iter().skip(1).cloned().collect();
        let more = allocate(&rest, &addrs(1), &profile, 8, &|_| true).unwrap();
        assert!(more[0].ipfs_server);
        let more = allocate(&first, &addrs(1), &profile, 8, &|_| true).unwrap();
        assert!(!more[0].ipfs_server);
    }
}
