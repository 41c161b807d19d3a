//! Fetching leaderboards from a real HTTP server on 127.0.0.1: errors, retries, slowness.

use std::time::{Duration, Instant};

use cortensor_node::fetch::{load, FetchOptions};
use cortensor_node::store::Store;
use cortensor_test_support::*;

fn quick() -> FetchOptions {
    FetchOptions {
        max_body: 1 << 20,
        timeout: Duration::from_millis(800),
        retries: 2,
        backoff: Duration::from_millis(20),
    }
}

#[test]
fn server_errors_are_retried_then_succeed() {
    let server = FixtureServer::start();
    let url = server.route(
        "/lb",
        Behaviour::FailThen {
            failures: 2,
            body: fixture("leaderboard.json"),
            etag: "\"a\"".into(),
        },
    );
    let loaded = load(&url, None, &quick()).unwrap();
    assert_eq!(loaded.leaderboard.nodes.len(), 12);
    let statuses: Vec<u16> = server.requests("/lb").iter().map(|s| s.status).collect();
    assert_eq!(statuses, vec![500, 500, 200]);
}

#[test]
fn persistent_500_is_an_error_after_the_retries() {
    let server = FixtureServer::start();
    let url = server.route("/lb", Behaviour::Status(500));
    let err = load(&url, None, &quick()).unwrap_err().to_string();
    assert!(
        err.contains("HTTP 500") && err.contains("tried 3 times"),
        "{err}"
    );
    assert_eq!(server.requests("/lb").len(), 3);
}

#[test]
fn not_found_is_not_retried_and_says_what_to_do() {
    let server = FixtureServer::start();
    let url = format!("{}/nothing-here", server.base);
    let err = load(&url, None, &quick()).unwrap_err().to_string();
    assert!(
        err.contains("404") && err.contains("check the URL"),
        "{err}"
    );
    assert_eq!(server.requests("/nothing-here").len(), 1);
}

#[test]
fn a_slow_server_times_out() {
    let server = FixtureServer::start();
    let url = server.route(
        "/slow",
        Behaviour::Slow {
            delay: Duration::from_secs(5),
            body: fixture("leaderboard.json"),
        },
    );
    let opts = FetchOptions {
        max_body: 1 << 20,
        timeout: Duration::from_millis(300),
        retries: 0,
        backoff: Duration::ZERO,
    };
    let start = Instant::now();
    let err = load(&url, None, &opts).unwrap_err().to_string();
    assert!(err.contains("no answer within 0.3 s"), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "the timeout was not honoured"
    );
}

#[test]
fn malformed_json_from_the_server_is_reported_and_not_cached() {
    let server = FixtureServer::start();
    let url = server.route(
        "/bad",
        Behaviour::Json {
            body: fixture("malformed.json"),
            etag: "\"m\"".into(),
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let err = load(&url, Some(&store), &quick()).unwrap_err().to_string();
    assert!(
        err.contains(&url) && err.contains("not valid JSON"),
        "{err}"
    );
    assert!(store.cached(&url).unwrap().is_none());
}

#[test]
fn a_good_copy_survives_a_bad_refresh() {
    let server = FixtureServer::start();
    let url = server.route(
        "/lb",
        Behaviour::Json {
            body: fixture("leaderboard.json"),
            etag: "\"1\"".into(),
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    load(&url, Some(&store), &quick()).unwrap();
    server.route(
        "/lb",
        Behaviour::Json {
            body: "{\"nodes\": 7}".into(),
            etag: "\"2\"".into(),
        },
    );
    let loaded = load(&url, Some(&store), &quick()).unwrap();
    assert!(loaded.source.from_cache);
    let warning = loaded.source.warning.unwrap();
    assert!(
        warning.contains("bad leaderboard") && warning.contains("nodes"),
        "{warning}"
    );
    assert_eq!(loaded.leaderboard.nodes.len(), 12);
    // The cache still holds the good copy, not the bad one.
    assert_eq!(
        store.cached(&url).unwrap().unwrap().etag.as_deref(),
        Some("\"1\"")
    );
}

#[test]
fn nothing_listening_is_a_clear_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = load(&format!("http://127.0.0.1:{port}/lb"), None, &quick())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cannot fetch") && err.contains("Check the address"),
        "{err}"
    );
}
