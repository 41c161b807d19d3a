//! Network profiles as data (`networks/*.toml`): chain, role, ports and the `.env` values a node
//! needs on one Cortensor network. The testnet profile is embedded; `--network FILE` loads another.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub const TESTNET_TOML: &str = include_str!("../networks/testnet.toml");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct NetworkProfile {
    pub format_version: u32,
    pub name: String,
    pub description: String,
    #[ts(type = "number")]
    pub chain_id: u64,
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
    pub env: BTreeMap<String, String>,
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
    pub fn testnet() -> NetworkProfile {
        NetworkProfile::parse(TESTNET_TOML, "networks/testnet.toml (embedded)")
            .expect("the embedded profile is tested")
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
    fn embedded_testnet_profile_is_valid() {
        let p = NetworkProfile::testnet();
        assert_eq!((p.chain_id, p.role.as_str()), (421614, "minerv4"));
        assert_eq!(p.env.get("CHAINID").map(String::as_str), Some("421614"));
    }

    #[test]
    fn bad_profiles_are_explained() {
        let err = NetworkProfile::parse(&TESTNET_TOML.replace("stride = 10", "stride = 0"), "t")
            .unwrap_err()
            .to_string();
        assert!(err.contains("stride"), "{err}");
        let err = NetworkProfile::parse(&TESTNET_TOML.replace("CHAINID =", "chain-id ="), "t")
            .unwrap_err()
            .to_string();
        assert!(err.contains("UPPER_SNAKE_CASE"), "{err}");
        let err = NetworkProfile::parse("name = 1", "t")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not valid"), "{err}");
    }
}
