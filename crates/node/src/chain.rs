//! The chain, through the node's RPC URL (Ethereum JSON-RPC over HTTP): the chain id of a
//! network that does not publish one, and a node's balance (gas money) before it registers.

use std::time::Duration;

use serde_json::{json, Value};

use crate::platform::http;

/// One JSON-RPC call; `Err` says what went wrong in words (the URL is never included: it
/// usually carries an API key).
pub fn call(url: &str, method: &str, params: Value) -> Result<Value, String> {
    let agent = http::agent(http::Timeouts::Global(Duration::from_secs(10)));
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let mut resp = agent
        .post(url)
        .header("Content-Type", "application/json")
        .send(body.to_string())
        .map_err(|e| format!("the RPC endpoint did not answer ({})", kind_of(&e)))?;
    let status = resp.status().as_u16();
    let text = resp
        .body_mut()
        .with_config()
        .limit(1 << 20)
        .read_to_string()
        .map_err(|e| {
            format!(
                "the RPC endpoint's answer could not be read ({})",
                kind_of(&e)
            )
        })?;
    if !(200..300).contains(&status) {
        return Err(format!(
            "the RPC endpoint answered HTTP {status}{}",
            if status == 429 {
                " (too many requests: a public endpoint's limit; use your own RPC URL)"
            } else {
                ""
            }
        ));
    }
    let v: Value = serde_json::from_str(&text)
        .map_err(|_| "the RPC endpoint's answer is not JSON-RPC".to_string())?;
    if let Some(err) = v.get("error") {
        let msg = err
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("error");
        return Err(format!("the RPC endpoint refused {method}: {msg}"));
    }
    v.get("result")
        .cloned()
        .ok_or_else(|| "the RPC endpoint's answer has no result".to_string())
}

fn kind_of(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => "timed out".into(),
        ureq::Error::Io(io) => io.kind().to_string(),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::ConnectionFailed => "connection failed".into(),
        other => other.to_string(),
    }
}

/// A JSON-RPC quantity (`"0x1a"`) as a number.
pub fn quantity(v: &Value) -> Result<u128, String> {
    let s = v
        .as_str()
        .and_then(|s| s.strip_prefix("0x"))
        .ok_or_else(|| format!("{v} is not a hex quantity"))?;
    if s.is_empty() || s.len() > 32 {
        return Err(format!("{v} is not a hex quantity"));
    }
    u128::from_str_radix(s, 16).map_err(|_| format!("{v} is not a hex quantity"))
}

/// `eth_chainId`.
pub fn chain_id(url: &str) -> Result<u64, String> {
    let id = quantity(&call(url, "eth_chainId", json!([]))?)?;
    u64::try_from(id).map_err(|_| format!("chain id {id} is out of range"))
}

/// `eth_getBalance(address, "latest")`, in wei.
pub fn balance_wei(url: &str, address: &str) -> Result<u128, String> {
    quantity(&call(url, "eth_getBalance", json!([address, "latest"]))?)
}

/// Wei as ETH for people, to 6 decimals (exact integer arithmetic, no floats).
pub fn format_eth(wei: u128) -> String {
    let whole = wei / 1_000_000_000_000_000_000;
    let micro = (wei % 1_000_000_000_000_000_000) / 1_000_000_000_000;
    format!("{whole}.{micro:06} ETH")
}

/// A node's balance as the app shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Balance {
    /// Wei, decimal (no float ever holds money); `None` until a read worked.
    pub wei: Option<String>,
    /// The same in ETH, for people (6 decimals).
    pub eth: Option<String>,
    /// Below the network's threshold: the node cannot pay for its transactions for long.
    pub low: bool,
    /// The threshold, in ETH.
    pub min_eth: String,
    /// Why the last read failed (the last known balance stays beside it).
    pub error: Option<String>,
    #[ts(type = "number")]
    pub checked_at: i64,
}

/// The view of a stored read against its network's threshold.
pub fn view(rec: &crate::store::BalanceRecord) -> Balance {
    let min_wei = rec.min_wei;
    Balance {
        wei: rec.wei.map(|w| w.to_string()),
        eth: rec.wei.map(format_eth),
        low: rec.wei.is_some_and(|w| w < min_wei),
        min_eth: format_eth(min_wei),
        error: rec.error.clone(),
        checked_at: rec.checked_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_and_eth() {
        assert_eq!(quantity(&json!("0x66eee")).unwrap(), 421_614);
        assert_eq!(quantity(&json!("0x0")).unwrap(), 0);
        assert!(quantity(&json!("66eee")).is_err());
        assert!(quantity(&json!("0x")).is_err());
        assert!(quantity(&json!(12)).is_err());
        assert!(quantity(&json!(format!("0x{}", "f".repeat(33)))).is_err());
        assert_eq!(format_eth(50_000_000_000_000_000), "0.050000 ETH");
        assert_eq!(format_eth(1_234_567_000_000_000_000), "1.234567 ETH");
        assert_eq!(format_eth(0), "0.000000 ETH");
    }
}
