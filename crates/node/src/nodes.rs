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
    fn exe(&self, name: &str) -> String {
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
                    ipfs_server: existing.is_empty() && out.is_empty(),
                    cpu_threads: threads,
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

/// The `.env` of one node. `rpc_url` and `private_key` are secrets: the file is written 0600.
/// `adopted` holds values from an existing official `.env` (contract addresses…); they override
/// the profile's defaults but never the node's own keys and ports.
pub fn render_env(
    spec: &NodeSpec,
    profile: &NetworkProfile,
    adopted: &BTreeMap<String, String>,
    rpc_url: Option<&Secret>,
    private_key: Option<&Secret>,
) -> String {
    let mut env: BTreeMap<String, String> = profile.env.clone();
    for (k, v) in adopted {
        if !k.starts_with("NODE_") {
            env.insert(k.clone(), v.clone());
        }
    }
    let own = [
        ("NODE_PUBLIC_KEY", spec.address.clone()),
        ("LLM_PORT", spec.llm_port.to_string()),
        ("LLM_WORKER_BASE_PORT", spec.worker_base_port.to_string()),
        (
            "LLM_GATEWAY_WORKER_BASE_PORT",
            spec.gateway_base_port.to_string(),
        ),
        ("LLM_WORKER_CONTAINER_NAME_PREFIX", spec.container_prefix()),
        ("LLM_OPTION_CPU_THREADS", spec.cpu_threads.to_string()),
        (
            "ENABLE_IPFS_SERVER",
            if spec.ipfs_server { "1" } else { "0" }.to_string(),
        ),
    ];
    for (k, v) in own {
        env.insert(k.to_string(), v);
    }
    if let Some(url) = rpc_url {
        env.insert("HOST".into(), url.expose().to_string());
    }
    if let Some(pk) = private_key {
        env.insert("NODE_PRIVATE_KEY".into(), pk.expose().to_string());
    }
    let mut text = format!(
        "# Cortensor node {} ({}), written by Cortensor Node Manager.\n# Edit it through the app: it is rewritten when the node's settings change.\n",
        spec.id, spec.address
    );
    for (k, v) in env {
        text.push_str(&format!("{k}={v}\n"));
    }
    text
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

    #[test]
    fn env_has_the_node_values_and_adopted_settings() {
        let profile = NetworkProfile::testnet();
        let spec = allocate(&[], &addrs(1), &profile, 4, &|_| true)
            .unwrap()
            .remove(0);
        let adopted = parse_env("# official\nCONTRACT_ADDRESS_RUNTIME=0xabc\nNODE_PUBLIC_KEY=0xold\nexport LLM_HOST=\"10.0.0.2\"\n");
        let text = render_env(
            &spec,
            &profile,
            &adopted,
            Some(&Secret::new("https://rpc/KEY123")),
            Some(&Secret::new("0xPRIV")),
        );
        let env = parse_env(&text);
        assert_eq!(env["NODE_PUBLIC_KEY"], spec.address);
        assert_eq!(env["CONTRACT_ADDRESS_RUNTIME"], "0xabc");
        assert_eq!(env["LLM_HOST"], "10.0.0.2");
        assert_eq!(env["LLM_PORT"], "8091");
        assert_eq!(env["HOST"], "https://rpc/KEY123");
        assert_eq!(env["NODE_PRIVATE_KEY"], "0xPRIV");
        assert_eq!(env["ENABLE_IPFS_SERVER"], "1");
        assert_eq!(env["CHAINID"], "421614");
        let without = parse_env(&render_env(&spec, &profile, &adopted, None, None));
        assert!(!without.contains_key("NODE_PRIVATE_KEY") && !without.contains_key("HOST"));
    }
}
