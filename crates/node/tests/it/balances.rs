//! The daemon's balance reads: each node's ETH balance through the RPC URL of its own `.env`
//! (a JSON-RPC server on 127.0.0.1 per node), kept in the store, shown in the node's health,
//! with one alert when it falls below its network's threshold.

use std::collections::HashMap;

use cortensor_node::health::monitor::{Monitor, MonitorConfig};
use cortensor_node::network::NetworkProfile;
use cortensor_node::nodes::{KeyStore, Layout, NodeSpec};
use cortensor_node::runtime::balances::check_once;
use cortensor_node::store::Store;
use cortensor_test_support::JsonRpcServer;

fn spec(id: u32) -> NodeSpec {
    NodeSpec {
        id,
        address: format!("0x{:040x}", 0xb0 + id),
        llm_port: 28_000 + 10 * id as u16,
        worker_base_port: 28_001 + 10 * id as u16,
        gateway_base_port: 38_000 + 10 * id as u16,
        ipfs_server: id == 1,
        cpu_threads: 1,
        network: "testnet0".into(),
        key_store: KeyStore::File,
        gpu: false,
    }
}

/// An RPC endpoint that answers `eth_getBalance` with `wei`.
fn rpc(wei: u128) -> JsonRpcServer {
    JsonRpcServer::start(HashMap::from([(
        "eth_getBalance".to_string(),
        format!("\"0x{wei:x}\""),
    )]))
}

#[test]
fn balances_are_read_through_each_nodes_rpc_and_low_ones_alert_once() {
    let dir = tempfile::tempdir().unwrap();
    let layout = Layout::new(dir.path());
    let store = Store::open(dir.path()).unwrap();
    let low = rpc(10_000_000_000_000_000); // 0.01 ETH: below Testnet-0's 0.05
    let rich = rpc(1_250_000_000_000_000_000); // 1.25 ETH
    for (id, host) in [(1, Some(&low.url)), (2, Some(&rich.url)), (3, None)] {
        store.add_node(&spec(id), 0).unwrap();
        std::fs::create_dir_all(layout.node_dir(id)).unwrap();
        let env = match host {
            Some(h) => format!("HOST={h}\nCHAINID=421614\n"),
            None => "CHAINID=421614\n".to_string(),
        };
        std::fs::write(layout.env_file(id), env).unwrap();
    }
    let profile = NetworkProfile::testnet();
    assert_eq!(check_once(&store, &layout, &profile, 1_000), 2);
    assert_eq!(low.calls.lock().unwrap().as_slice(), ["eth_getBalance"]);

    let b = store.balances().unwrap();
    assert_eq!(b[&1].wei, Some(10_000_000_000_000_000));
    assert_eq!(b[&2].wei, Some(1_250_000_000_000_000_000));
    assert_eq!(b[&3].wei, None);
    assert!(b[&3].error.as_deref().unwrap().contains("no RPC URL"));
    let alerts = store.alerts(0).unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(
        (alerts[0].node_id, alerts[0].kind.as_str()),
        (Some(1), "low_balance")
    );
    assert!(alerts[0].message.contains(&format!(
        "node 1 has 0.010000 ETH on testnet0, below 0.050000 ETH"
    )));
    assert!(alerts[0].message.contains(&spec(1).address));

    // Still low an hour later: no second alert.
    check_once(&store, &layout, &profile, 4_600);
    assert_eq!(store.alerts(0).unwrap().len(), 1);

    // The node cards show it (the monitor reads the stored balance each tick).
    let health = Monitor::new(MonitorConfig::default()).tick(&layout, &store, 4_601);
    let card = |id: u32| {
        health
            .iter()
            .find(|h| h.id == id)
            .unwrap()
            .balance
            .clone()
            .unwrap()
    };
    let one = card(1);
    assert!(one.low);
    assert_eq!(one.eth.as_deref(), Some("0.010000 ETH"));
    assert_eq!(one.min_eth, "0.050000 ETH");
    assert_eq!(one.checked_at, 4_600);
    let two = card(2);
    assert!(!two.low);
    assert_eq!(two.wei.as_deref(), Some("1250000000000000000"));
    assert!(card(3).error.is_some());

    // Node 1 is refilled (its RPC now says 1.25 ETH): its alert is resolved, kept in history.
    std::fs::write(layout.env_file(1), format!("HOST={}\n", rich.url)).unwrap();
    assert_eq!(store.active_alerts().unwrap().len(), 1);
    check_once(&store, &layout, &profile, 4_700);
    assert!(store.active_alerts().unwrap().is_empty());
    let history = store.alerts(0).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].resolved_at, Some(4_700));

    // The RPC stops answering: the last known balance stays, with why it is old.
    drop(rich);
    check_once(&store, &layout, &profile, 5_000);
    let b = store.balances().unwrap();
    assert_eq!(b[&2].wei, Some(1_250_000_000_000_000_000));
    let why = b[&2].error.clone().unwrap();
    assert!(why.contains("did not answer"), "{why}");
    assert!(
        !why.contains("127.0.0.1"),
        "the RPC URL (it may carry a key) is not in the error: {why}"
    );
}
