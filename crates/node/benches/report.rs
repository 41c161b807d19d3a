//! A bug-report bundle for 25 nodes with 100 MiB of log each (goal: ≤ 2 s, peak RSS bounded:
//! the logs are read from their ends, never whole). One run: build the data folder once, then
//! prepare + zip the bundle 5 times; the best and median times, the zip's size, and the peak
//! RSS of the bundling alone (VmHWM after resetting it through /proc/self/clear_refs). See
//! BENCHMARKS.md.

use std::io::Write;
use std::time::Instant;

use cortensor_node::nodes::{KeyStore, Layout, NodeSpec};
use cortensor_node::redact::Redactor;
use cortensor_node::report::bundle::{self, BundleLimits, Facts};
use cortensor_node::report::ReportForm;
use cortensor_node::store::Store;

const NODES: u32 = 25;
const LOG_BYTES: u64 = 100 << 20;

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("report bench: run it with `cargo bench --bench report`");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let layout = Layout::new(dir.path());
    let store = Store::open(dir.path()).unwrap();
    let pk = format!("0x{}", "4c".repeat(32));
    let t = Instant::now();
    for id in 1..=NODES {
        store
            .add_node(
                &NodeSpec {
                    id,
                    address: format!("0x{:040x}", id),
                    llm_port: 20_000 + id as u16,
                    worker_base_port: 21_000 + id as u16,
                    gateway_base_port: 22_000 + id as u16,
                    ipfs_server: id == 1,
                    cpu_threads: 1,
                    network: "testnet0".into(),
                    key_store: KeyStore::File,
                    gpu: false,
                },
                0,
            )
            .unwrap();
        std::fs::create_dir_all(layout.log_dir(id)).unwrap();
        std::fs::write(
            layout.env_file(id),
            format!("NODE_PRIVATE_KEY={pk}\nCHAINID=421614\n"),
        )
        .unwrap();
        // The test node's log shapes, with a secret every 1,000 lines.
        let mut f = std::io::BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(layout.log_file(id)).unwrap(),
        );
        let mut written = 0u64;
        let mut i = 0u64;
        while written < LOG_BYTES {
            let line = if i % 1000 == 0 {
                format!("[2026-11-26 10:{:02}:{:02}] rpc https://arb-sepolia.g.alchemy.com/v2/KEY{i:012} key {}\n", i / 60 % 60, i % 60, &pk[2..])
            } else {
                format!(
                    "[2026-11-26 10:{:02}:{:02}] * Latest ID:  {i}  / Latest State:  {}\n",
                    i / 60 % 60,
                    i % 60,
                    i % 7
                )
            };
            f.write_all(line.as_bytes()).unwrap();
            written += line.len() as u64;
            i += 1;
        }
    }
    eprintln!(
        "setup: {} nodes × {} MiB in {:.1} s",
        NODES,
        LOG_BYTES >> 20,
        t.elapsed().as_secs_f64()
    );
    let r = Redactor::new(&[pk.as_str()]);
    let form = ReportForm {
        title: "bench".into(),
        what: "bench".into(),
        ..Default::default()
    };
    let facts = Facts::default();
    let limits = BundleLimits::default();
    // Reset the peak RSS to what is resident now: what follows is the bundling alone.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = vm_hwm_kib();
    let mut times = Vec::new();
    let mut size = 0;
    for n in 0..5 {
        let t = Instant::now();
        let draft =
            bundle::prepare(&layout, &store, &form, &facts, &r, &limits, 1_000 + n).unwrap();
        let zip = bundle::finish(&store, &draft.id, &[], None).unwrap();
        times.push(t.elapsed().as_secs_f64());
        size = std::fs::metadata(&zip).unwrap().len();
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "report bundle, {NODES} nodes × {} MiB logs: best {:.3} s, median {:.3} s, zip {:.2} MiB; peak RSS {} MiB (before: {} MiB)",
        LOG_BYTES >> 20,
        times[0],
        times[2],
        size as f64 / (1 << 20) as f64,
        vm_hwm_kib() >> 10,
        before >> 10
    );
}
