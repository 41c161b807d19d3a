//! Network profiles as data (`crates/node/networks/*.toml`): chain, contract, RPC defaults, role,
//! ports and the `.env` values a node needs on one Cortensor network. `testnet0` (Arbitrum
//! Sepolia) and `testnet1` (the L3) are embedded; `CORTENSOR_MANAGER_NETWORK=FILE` loads another.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub const TESTNET0_TOML: &str = include_str!("../networks/testnet0.toml");
pub const TESTNET1_TOML: &str = include_str!("../networks/testnet1.toml");

/// The networks the app knows by name (`node add --network NAME`).
pub const BUILTIN: [&str; 2] = ["testnet0", "testnet1"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct NetworkProfile {
    pub format_version: u32,
    pub name: String,
    pub description: String,
    /// `None`: not published; read from the node's RPC (`eth_chainId`) when nodes are added.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub chain_id: Option<u64>,
    /// The network's runtime contract (`CONTRACT_ADDRESS_RUNTIME`).
    pub contract_address_runtime: String,
    /// An L3 network (`IS_L3=1`).
    #[serde(default)]
    pub is_l3: bool,
    /// A public, keyless RPC URL used when the user gives none (rate-limited: the app warns).
    #[serde(default)]
    pub rpc_default: Option<String>,
    /// Ethereum mainnet RPC (`HOST_MAINNET`).
    pub host_mainnet: String,
    /// The dashboard's JSON backend (leaderboard), when one is known.
    #[serde(default)]
    pub leaderboard_url: Option<String>,
    /// Below this balance (wei, decimal) a node cannot pay for its transactions.
    pub min_balance_wei: String,
    /// `cortensord` role to run, e.g. `minerv4`.
    pub role: String,
    /// Run the LLM workers in Docker (`1 docker` on the command line).
    pub docker: bool,
    /// What staking a node takes, in words; the app never stakes for the user.
    pub staking: String,
    pub staking_url: String,
    pub dashboard_url: String,
    /// Endpoints whose latency is shown as "global ping" (TCP connect time).
    #[serde(default)]
    pub global_ping: Vec<String>,
    pub ports: Ports,
    /// The IPFS daemon (kubo) the machine's IPFS-server node needs.
    #[serde(default)]
    pub ipfs: Ipfs,
    pub env: BTreeMap<String, String>,
}

/// Which kubo release to install and where kubo publishes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct Ipfs {
    /// The release upstream pins (`cortensor/salt` pillar `ipfs_version`).
    pub version: String,
    /// kubo's distribution site (or a mirror of its layout:
    /// `<dist>/<version>/kubo_<version>_<os>-<arch>.tar.gz` and `.sha512` beside it).
    pub dist: String,
}

impl Default for Ipfs {
    fn default() -> Self {
        Ipfs {
            version: "v0.33.0".into(),
            dist: "https://dist.ipfs.tech/kubo".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct Ports {
    pub llm: u16,
    pub llm_worker_base: u16,
    pub llm_gateway_worker_base: u16,
    /// Distance between two nodes' port blocks.
    pub stride: u16,
}

#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    #[error("cannot read the network profile {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the network profile {origin} is not valid: {message}")]
    Invalid { origin: String, message: String },
}

impl NetworkProfile {
    /// The default network, Testnet-0.
    pub fn testnet() -> NetworkProfile {
        NetworkProfile::builtin("testnet0").expect("the embedded profiles are tested")
    }

    /// An embedded profile by name.
    pub fn builtin(name: &str) -> Option<NetworkProfile> {
        let text = match name {
            "testnet0" => TESTNET0_TOML,
            "testnet1" => TESTNET1_TOML,
            _ => return None,
        };
        Some(
            NetworkProfile::parse(text, &format!("networks/{name}.toml (embedded)"))
                .expect("the embedded profiles are tested"),
        )
    }

    pub fn load(path: Option<&Path>) -> Result<NetworkProfile, NetworkError> {
        match path {
            None => Ok(NetworkProfile::testnet()),
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|source| NetworkError::Read {
                    path: p.display().to_string(),
                    source,
                })?;
                NetworkProfile::parse(&text, &p.display().to_string())
            }
        }
    }

    pub fn parse(text: &str, origin: &str) -> Result<NetworkProfile, NetworkError> {
        let invalid = |message: String| NetworkError::Invalid {
            origin: origin.into(),
            message,
        };
        let p: NetworkProfile =
            toml::from_str(text).map_err(|e| invalid(e.to_string().trim().replace('\n', " ")))?;
        if p.format_version != 1 {
            return Err(invalid(format!(
                "format_version {} is not supported",
                p.format_version
            )));
        }
        if !cortensor_contest::leaderboard::is_address(&p.contract_address_runtime) {
            return Err(invalid(format!(
                "contract_address_runtime '{}' is not an address (0x and 40 hex digits)",
                p.contract_address_runtime
            )));
        }
        if p.min_balance_wei.parse::<u128>().is_err() {
            return Err(invalid(
                "min_balance_wei must be a whole number of wei".into(),
            ));
        }
        let v = p.ipfs.version.strip_prefix('v').unwrap_or("");
        if v.split('.').count() != 3
            || !v
                .split('.')
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(invalid(format!(
                "ipfs.version '{}' must be a kubo release such as v0.33.0",
                p.ipfs.version
            )));
        }
        for url in p.rpc_default.iter().chain([&p.host_mainnet, &p.ipfs.dist]) {
            if !(url.starts_with("https://") || url.starts_with("http://127.0.0.1")) {
                return Err(invalid(format!(
                    "'{url}' must be an https:// URL (http:// only on 127.0.0.1)"
                )));
            }
        }
        if p.ports.stride == 0 {
            return Err(invalid("ports.stride must be at least 1".into()));
        }
        if p.role.trim().is_empty() || p.role.contains(char::is_whitespace) {
            return Err(invalid("role must be one word such as minerv4".into()));
        }
        for k in p.env.keys() {
            if k.is_empty()
                || !k
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(invalid(format!("env key '{k}' must be UPPER_SNAKE_CASE")));
            }
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_profiles_carry_upstreams_values() {
        let t0 = NetworkProfile::testnet();
        assert_eq!(
            (t0.name.as_str(), t0.chain_id, t0.role.as_str()),
            ("testnet0", Some(421614), "minerv4")
        );
        assert_eq!(
            t0.contract_address_runtime,
            "0xa438cE917a5740267e0f7217f81cbbAA23E7e106"
        );
        assert!(!t0.is_l3);
        assert_eq!(
            t0.dashboard_url,
            "https://dashboard-testnet0.cortensor.network"
        );
        let t1 = NetworkProfile::builtin("testnet1").unwrap();
        assert_eq!(
            t1.contract_address_runtime,
            "0x0188C7F0c23c8be756F7b56486193E086f48E64b"
        );
        assert!(t1.is_l3 && t1.chain_id.is_none() && t1.rpc_default.is_none());
        assert!(NetworkProfile::builtin("testnet").is_none());
        for name in BUILTIN {
            assert_eq!(NetworkProfile::builtin(name).unwrap().name, name);
        }
    }

    #[test]
    fn bad_profiles_are_explained() {
        let err = NetworkProfile::parse(&TESTNET0_TOML.replace("stride = 10", "stride = 0"), "t")
            .unwrap_err()
            .to_string();
        assert!(err.contains("stride"), "{err}");
        let err = NetworkProfile::parse(&TESTNET0_TOML.replace("LLM_HOST =", "llm-host ="), "t")
            .unwrap_err()
            .to_string();
        assert!(err.contains("UPPER_SNAKE_CASE"), "{err}");
        let err = NetworkProfile::parse(
            &TESTNET0_TOML.replace("0xa438cE917a5740267e0f7217f81cbbAA23E7e106", "0xnope"),
            "t",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("contract_address_runtime"), "{err}");
        let err = NetworkProfile::parse(
            &TESTNET0_TOML.replace(
                "https://sepolia-rollup.arbitrum.io/rpc",
                "http://rpc.example",
            ),
            "t",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("https://"), "{err}");
        let err = NetworkProfile::parse("name = 1", "t")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not valid"), "{err}");
    }
}
