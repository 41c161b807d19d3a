//! Runtime benchmarks (see BENCHMARKS.md), on real processes (the release test node):
//! 1. overhead of the daemon supervising and monitoring 25 running nodes at 1 Hz for 60 s
//!    (CPU % of one core, peak RSS; goal ≤ 0.5 % and ≤ 30 MiB);
//! 2. crash → restart latency over 100 crashes (p50, p99; goal ≤ 1 s);
//! 3. state change → event handed to the UI layer (the app's feed), p50 and p99.
//! Run through `./scripts/bench.sh` (it builds the release test node first).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cortensor_node::keys::NodeKey;
use cortensor_node::machine::Machine;
use cortensor_node::network::NetworkProfile;
use cortensor_node::nodes::{self, Layout};
use cortensor_node::runtime::feed::Feed;
use cortensor_node::store::{InstallRecord, Store};

const NODES: u32 = 25;

fn clk_tck() -> f64 {
    // SAFETY: sysconf has no preconditions.
    unsafe { libc::sysconf(libc::_SC_CLK_TCK) as f64 }
}

fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let f: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..]
        .split_whitespace()
        .collect();
    f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap() // utime + stime (fields 14, 15)
}

fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap()
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// A data folder with `NODES` nodes whose .env holds their keys (no keychain needed).
fn setup(dir: &Path, node_bin: &Path) -> Layout {
    let layout = Layout::new(dir);
    let store = Store::open(dir).unwrap();
    std::fs::create_dir_all(layout.bin_dir()).unwrap();
    std::fs::copy(node_bin, layout.binary()).unwrap();
    store
        .set_installed(&InstallRecord {
            released_at: None,
            version: "bench".into(),
            sha256: "0".repeat(64),
            source: "bench".into(),
            installed_at: 0,
            previous_version: None,
            previous_sha256: None,
        })
        .unwrap();
    let mut profile = NetworkProfile::testnet();
    profile.ports.llm = 21091;
    profile.ports.llm_worker_base = 21090;
    profile.ports.llm_gateway_worker_base = 31888;
    let keys: Vec<NodeKey> = (0..NODES).map(|_| NodeKey::generate().unwrap()).collect();
    let addresses: Vec<String> = keys.iter().map(|k| k.address.clone()).collect();
    let specs = nodes::allocate(&[], &addresses, &profile, 8, &nodes::port_is_free).unwrap();
    for (spec, key) in specs.iter().zip(&keys) {
        let inputs = nodes::EnvInputs {
            private_key: Some(&key.private_key),
            ..Default::default()
        };
        let env = nodes::render_env(
            cortensor_node::node_env::EMBEDDED_EXAMPLE,
            spec,
            &profile,
            &inputs,
        );
        nodes::write_env(&layout.env_file(spec.id), &env).unwrap();
        store.add_node(spec, 0).unwrap();
        store.set_desired(spec.id, "running", false).unwrap();
    }
    layout
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs bench targets without it.
    if !std::env::args().any(|a| a == "--bench") {
        println!("runtime bench: run it with ./scripts/bench.sh");
        return;
    }
    let release = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/release");
    let node_bin = release.join("cortensord-test");
    let cli = release.join("cortensor-manager");
    assert!(
        node_bin.exists() && cli.exists(),
        "build them first: cargo build --release -p cortensord-test-node -p cortensor-manager"
    );
    let dir = tempfile::tempdir().unwrap();
    let layout = setup(dir.path(), &node_bin);
    let mut daemon = Command::new(cli)
        .args([
            "--data-dir",
            dir.path().to_str().unwrap(),
            "daemon",
            "--stagger-ms",
            "50",
            "--stable-after",
            "1",
        ])
        // Extra daemon options, to compare settings (e.g. BENCH_DAEMON_ARGS="--probe-secs 60").
        .args(
            std::env::var("BENCH_DAEMON_ARGS")
                .unwrap_or_default()
                .split_whitespace(),
        )
        .env("CORTENSOR_MANAGER_BACKEND", "supervisor")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let store = Store::open(dir.path()).unwrap();
    let running = || {
        store
            .runtime()
            .unwrap()
            .iter()
            .filter(|r| r.pid.is_some())
            .count()
    };
    let t = Instant::now();
    while running() < NODES as usize {
        assert!(t.elapsed() < Duration::from_secs(60), "nodes did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(5));

    // 1. Overhead over 60 s.
    let pid = daemon.id();
    let (c0, t0) = (cpu_ticks(pid), Instant::now());
    std::thread::sleep(Duration::from_secs(60));
    let (c1, secs) = (cpu_ticks(pid), t0.elapsed().as_secs_f64());
    let cpu_pct = (c1 - c0) as f64 / clk_tck() / secs * 100.0;
    let rss = peak_rss_kib(pid) as f64 / 1024.0;
    println!("daemon overhead, {NODES} nodes, {secs:.0} s: CPU {cpu_pct:.2} % of one core, peak RSS {rss:.1} MiB (goal ≤ 0.5 %, ≤ 30 MiB)");

    if std::env::var_os("BENCH_OVERHEAD_ONLY").is_some() {
        stop_all(&store, &running, &mut daemon);
        return;
    }

    // 2. Crash → restart latency (each crash after a stable second, so no backoff growth).
    let mut lat = Vec::new();
    for _ in 0..100 {
        std::thread::sleep(Duration::from_millis(1100));
        let before = store
            .runtime()
            .unwrap()
            .into_iter()
            .find(|r| r.node_id == 1)
            .and_then(|r| r.pid)
            .unwrap();
        let t = Instant::now();
        unsafe { libc::kill(before as i32, libc::SIGKILL) };
        loop {
            let now = store
                .runtime()
                .unwrap()
                .into_iter()
                .find(|r| r.node_id == 1)
                .and_then(|r| r.pid);
            if now.is_some_and(|p| p != before) {
                break;
            }
            assert!(t.elapsed() < Duration::from_secs(10), "no restart");
            std::thread::sleep(Duration::from_millis(2));
        }
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "crash → restart over 100 crashes: p50 {:.0} ms, p99 {:.0} ms (goal ≤ 1000 ms)",
        percentile(&mut lat.clone(), 0.5),
        percentile(&mut lat, 0.99)
    );

    // 3. State change → event: the app's feed polls in a thread as in the app (every 250 ms, a
    // batch on a change or once a second); crashes happen at random phases of it; latency =
    // kill → first batch showing it.
    std::env::set_var("CORTENSOR_MANAGER_BACKEND", "supervisor");
    let (tx, rx) = std::sync::mpsc::channel::<(Instant, Option<u32>)>();
    let data = dir.path().to_path_buf();
    std::thread::spawn(move || {
        let m = Machine::open(Some(data), None).unwrap();
        let mut feed = Feed::new(&m);
        loop {
            if let Some((health, _)) = feed.poll(&m) {
                let pid = health.iter().find(|h| h.id == 2).and_then(|h| h.pid);
                if tx.send((Instant::now(), pid)).is_err() {
                    return;
                }
            }
            std::thread::sleep(cortensor_node::runtime::feed::POLL_EVERY);
        }
    });
    let mut lat = Vec::new();
    let mut x: u64 = 12345;
    for _ in 0..40 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        std::thread::sleep(Duration::from_millis(1500 + (x >> 33) % 1000));
        let before = store
            .runtime()
            .unwrap()
            .into_iter()
            .find(|r| r.node_id == 2)
            .and_then(|r| r.pid)
            .unwrap();
        while rx.try_recv().is_ok() {}
        let t = Instant::now();
        unsafe { libc::kill(before as i32, libc::SIGKILL) };
        loop {
            let (at, pid) = rx.recv_timeout(Duration::from_secs(15)).expect("no event");
            if at > t && pid != Some(before) {
                lat.push(at.duration_since(t).as_secs_f64() * 1000.0);
                break;
            }
        }
    }
    println!(
        "state change → UI event over 40 changes: p50 {:.0} ms, p99 {:.0} ms",
        percentile(&mut lat.clone(), 0.5),
        percentile(&mut lat, 0.99)
    );

    stop_all(&store, &running, &mut daemon);

    let _ = daemon.wait();
    drop(layout);
}

/// Stop every node and the daemon.
fn stop_all(store: &Store, running: &dyn Fn() -> usize, daemon: &mut std::process::Child) {
    for id in 1..=NODES {
        store.set_desired(id, "stopped", false).unwrap();
    }
    let t = Instant::now();
    while running() > 0 && t.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = daemon.kill();
}
