//! Each node's gas money: the daemon reads every node's ETH balance through the RPC URL the
//! node itself uses (`HOST` of its `.env`), keeps it in the store for the node card and
//! `node status`, and raises one alert when a balance falls below its network's threshold (a
//! node that cannot pay for its transactions stops earning). It runs on a thread of its own:
//! a slow RPC never holds up supervision or monitoring.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::chain;
use crate::network::NetworkProfile;
use crate::nodes::Layout;
use crate::store::{BalanceRecord, Store};

pub use crate::chain::Balance;

/// The threshold of a node's network: the machine's own profile when it is that network (a
/// profile file may replace the embedded one), else the embedded profile.
pub fn min_balance(own: &NetworkProfile, network: &str) -> u128 {
    let parse = |p: &NetworkProfile| p.min_balance_wei.parse::<u128>().unwrap_or(0);
    if own.name == network {
        parse(own)
    } else {
        NetworkProfile::builtin(network).map_or(0, |p| parse(&p))
    }
}

/// Whether a new read starts a low-balance episode (alert once, again only after a refill).
pub fn newly_low(before: Option<&BalanceRecord>, now_wei: u128, min_wei: u128) -> bool {
    now_wei < min_wei && !before.and_then(|b| b.wei).is_some_and(|w| w < min_wei)
}

/// One look at every node. Returns how many balances were read.
pub fn check_once(store: &Store, layout: &Layout, own: &NetworkProfile, now: i64) -> usize {
    let Ok(nodes) = store.nodes() else { return 0 };
    let before = store.balances().unwrap_or_default();
    let mut read = 0;
    for n in nodes {
        let id = n.spec.id;
        let env = std::fs::read_to_string(layout.env_file(id))
            .map(|t| crate::nodes::parse_env(&t))
            .unwrap_or_default();
        let url = env.get("HOST").filter(|u| !u.trim().is_empty()).cloned();
        let result = match url {
            Some(u) => chain::balance_wei(&u, &n.spec.address),
            None => Err("the node's settings file has no RPC URL (HOST)".to_string()),
        };
        let min = min_balance(own, &n.spec.network);
        if let Ok(wei) = result {
            read += 1;
            if wei >= min {
                let _ = store.resolve_alerts(Some(id), "low_balance", now);
            }
            if newly_low(before.get(&id), wei, min) {
                let _ = store.add_alert(
                    Some(id),
                    "low_balance",
                    &format!(
                        "node {id} has {} on {}, below {}: it cannot pay for its transactions for long. Send ETH on {} to {}",
                        chain::format_eth(wei),
                        n.spec.network,
                        chain::format_eth(min),
                        n.spec.network,
                        n.spec.address
                    ),
                    now,
                );
            }
        }
        let _ = store.set_balance(id, result, min, now);
    }
    read
}

/// Look every `every` (first after `first`) until `stop`.
pub fn spawn(
    data_dir: PathBuf,
    own: NetworkProfile,
    first: Duration,
    every: Duration,
    stop: Arc<AtomicBool>,
) {
    std::thread::spawn(move || {
        let mut next = Instant::now() + first;
        let layout = Layout::new(&data_dir);
        while !stop.load(Ordering::SeqCst) {
            if Instant::now() >= next {
                next = Instant::now() + every;
                if let Ok(store) = Store::open(&data_dir) {
                    check_once(&store, &layout, &own, crate::platform::clock::now_unix());
                }
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::view;

    const MIN: u128 = 50_000_000_000_000_000;

    fn rec(wei: Option<u128>) -> BalanceRecord {
        BalanceRecord {
            wei,
            min_wei: MIN,
            error: None,
            checked_at: 1,
        }
    }

    #[test]
    fn low_is_strictly_below_the_threshold_and_alerts_once_per_episode() {
        assert!(view(&rec(Some(MIN - 1))).low);
        assert!(!view(&rec(Some(MIN))).low);
        assert!(!view(&rec(None)).low, "unknown is not low");
        let v = view(&rec(Some(42_000_000_000_000_000)));
        assert_eq!(
            (v.eth.as_deref(), v.min_eth.as_str(), v.wei.as_deref()),
            (
                Some("0.042000 ETH"),
                "0.050000 ETH",
                Some("42000000000000000")
            )
        );
        // First low read: alert. Still low: no second alert. Refilled then low again: alert.
        assert!(newly_low(None, MIN - 1, MIN));
        assert!(newly_low(Some(&rec(None)), MIN - 1, MIN));
        assert!(!newly_low(Some(&rec(Some(MIN - 5))), MIN - 1, MIN));
        assert!(newly_low(Some(&rec(Some(MIN))), MIN - 1, MIN));
        assert!(!newly_low(None, MIN, MIN));
    }

    #[test]
    fn thresholds_come_from_the_nodes_network() {
        let own = NetworkProfile::testnet();
        assert_eq!(min_balance(&own, "testnet0"), MIN);
        let mut custom = own.clone();
        custom.min_balance_wei = "7".into();
        assert_eq!(min_balance(&custom, "testnet0"), 7);
        assert_eq!(min_balance(&custom, "testnet1"), MIN);
        assert_eq!(min_balance(&custom, "nonesuch"), 0);
    }
}
