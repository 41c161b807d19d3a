//! The fault suite: real processes (the CLI, its daemon, the test node) and loopback servers,
//! faults injected at random moments, and a table of what was survived. Run it with
//! `./scripts/fault-suite.sh` (it is ignored in the normal test run: it takes minutes); its
//! latest figures are in BENCHMARKS.md. Each fault also has a focused test elsewhere.

use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cortensor_test_support::*;

use crate::runtime::{alive, Env};

/// A reproducible pseudo-random sequence (xorshift), so a failing run can be replayed.
struct Rng(u64);
impl Rng {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

#[derive(Default)]
struct Row {
    fault: String,
    injected: u32,
    survived: u32,
    latencies_ms: Vec<u64>,
    note: String,
}

impl Row {
    fn new(fault: &str) -> Row {
        Row {
            fault: fault.into(),
            ..Default::default()
        }
    }
    fn figures(&self) -> String {
        let mut l = self.latencies_ms.clone();
        l.sort();
        if l.is_empty() {
            return "–".into();
        }
        let p = |q: f64| l[((l.len() - 1) as f64 * q).round() as usize];
        format!("{} / {} / {} ms", p(0.5), p(0.95), l[l.len() - 1])
    }
}

/// Wait until node `id` has a pid other than `old`; the time it took.
fn restarted(e: &Env, id: u32, old: i32, within: Duration) -> Option<u64> {
    let t = Instant::now();
    while t.elapsed() < within {
        if e.pid(id).is_some_and(|p| p != old && alive(p)) {
            return Some(t.elapsed().as_millis() as u64);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

fn kill9(pid: i32) {
    let _ = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status();
}

/// The lines the three nodes printed (their tallies) and the lines their logs hold (with the
/// rotated parts). A node tallies a line after writing it, so a kill between the two can hide
/// at most one loss per kill; a kept line is never counted as lost.
fn lines(e: &Env) -> (u64, u64) {
    let (mut printed, mut kept) = (0u64, 0u64);
    for id in 1..=3u32 {
        printed += std::fs::metadata(e.sb.home.join(format!("tally-{id}"))).map_or(0, |m| m.len());
        let logs = e.data.join(format!("nodes/node-{id}/logs"));
        for f in std::fs::read_dir(&logs).unwrap().flatten() {
            if f.file_name()
                .to_string_lossy()
                .starts_with("cortensord.log")
            {
                kept += std::fs::read(f.path())
                    .unwrap_or_default()
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count() as u64;
            }
        }
    }
    (printed, kept)
}

/// Every command of the CLI given absurd values: how many runs, how many panicked.
fn bad_input_corpus(e: &Env) -> (u32, u32) {
    let values = [
        "0",
        "-1",
        "4294967296",
        "79228162514264337593543950336",
        "1e300",
        "NaN",
        "",
        "\u{7f}x",
        "../../etc/passwd",
    ];
    let shapes: &[&[&str]] = &[
        &["rewards", "--nodes", "{}", "--months", "{}"],
        &["rewards", "--nodes", "3", "--rank-rewards", "{}"],
        &["rank", "--leaderboard", "{}"],
        &["rank", "--leaderboard", "{}", "--timeout", "{}"],
        &["install", "--source", "{}"],
        &["update", "--check", "--source", "{}"],
        &["node", "add", "--count", "{}", "--key-store", "file"],
        &["node", "start", "{}"],
        &["node", "logs", "{}", "-n", "{}"],
        &["node", "register", "{}"],
        &["node", "rpc", "set", "{}"],
        &["metrics", "on", "--port", "{}"],
        &["alerts", "dismiss", "{}"],
        &["adopt", "{}"],
        &["keys", "export", "--out", "{}", "--passphrase-file", "{}"],
        &["leaderboard", "set", "{}"],
        &[
            "report",
            "--title",
            "{}",
            "--what",
            "{}",
            "--nodes",
            "{}",
            "--save-only",
        ],
        &["report", "--title", "t", "--what", "w", "--endpoint", "{}"],
        &["daemon", "--sample-ms", "{}", "--probe-secs", "0"],
    ];
    let (mut runs, mut panics) = (0, 0);
    for shape in shapes {
        for v in values {
            let args: Vec<String> = shape.iter().map(|a| a.replace("{}", v)).collect();
            let out = e.cmd().args(&args).stdin(Stdio::null()).output().unwrap();
            runs += 1;
            if out.status.code() == Some(101)
                || String::from_utf8_lossy(&out.stderr).contains("panicked")
            {
                panics += 1;
                eprintln!("PANIC: {args:?}\n{}", String::from_utf8_lossy(&out.stderr));
            }
        }
    }
    (runs, panics)
}

#[test]
#[ignore = "the fault suite: ./scripts/fault-suite.sh"]
fn fault_suite() {
    let kills: u32 = std::env::var("FAULT_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut rows: Vec<Row> = Vec::new();
    let mut e = Env::new(3);
    // Each node tallies the lines it printed (one byte per line, beside the sandbox's data),
    // so the lines lost are counted line by line.
    for id in 1..=3 {
        let tally = e.sb.home.join(format!("tally-{id}"));
        e.set_env(id, "TEST_NODE_LINE_TALLY", &tally.display().to_string());
    }
    e.start_daemon(&["--stable-after", "1"]);
    e.ok(&["node", "start", "all"]);
    for id in 1..=3 {
        assert!(
            restarted(&e, id, -1, Duration::from_secs(30)).is_some(),
            "node {id} did not start"
        );
    }

    // 1. kill -9 of nodes at random moments.
    let mut r = Row::new("kill -9 a node");
    for i in 0..kills {
        std::thread::sleep(Duration::from_millis(1_100 + rng.next(900)));
        let id = 1 + (i % 3);
        let Some(pid) = e.pid(id) else { continue };
        kill9(pid);
        r.injected += 1;
        if let Some(ms) = restarted(&e, id, pid, Duration::from_secs(30)) {
            r.survived += 1;
            r.latencies_ms.push(ms);
        }
    }
    r.note = "restart latency p50 / p95 / max".into();
    rows.push(r);

    // 2. kill -9 of the daemon: the nodes run on, a new daemon adopts them.
    let mut r = Row::new("kill -9 the daemon");
    for _ in 0..3 {
        std::thread::sleep(Duration::from_millis(500 + rng.next(1_000)));
        let pids: Vec<i32> = (1..=3).filter_map(|id| e.pid(id)).collect();
        let mut d = e.daemon.take().unwrap();
        kill9(d.id() as i32);
        let _ = d.wait();
        r.injected += 1;
        e.start_daemon(&["--stable-after", "1"]);
        std::thread::sleep(Duration::from_secs(2));
        let same: Vec<i32> = (1..=3).filter_map(|id| e.pid(id)).collect();
        if pids.iter().all(|p| alive(*p)) && same == pids {
            r.survived += 1;
        }
    }
    r.note =
        "nodes kept running and were adopted, same pids (time until the new daemon holds its lock)"
            .into();
    rows.push(r);

    // 3. A hung docker: supervision goes on (probes time out).
    let mut r = Row::new("docker hangs");
    std::fs::create_dir_all(&e.sb.docker).unwrap();
    std::fs::write(e.sb.docker.join("HANG"), "").unwrap();
    std::thread::sleep(Duration::from_secs(2));
    for id in 1..=2 {
        let Some(pid) = e.pid(id) else { continue };
        kill9(pid);
        r.injected += 1;
        if let Some(ms) = restarted(&e, id, pid, Duration::from_secs(60)) {
            r.survived += 1;
            r.latencies_ms.push(ms);
        }
    }
    std::fs::remove_file(e.sb.docker.join("HANG")).unwrap();
    r.note = "node restarts while every docker call hangs".into();
    rows.push(r);

    // 4. The database locked for 10 s by another process.
    let mut r = Row::new("database locked 10 s");
    {
        let db = rusqlite::Connection::open(e.data.join("cortensor-manager.sqlite3")).unwrap();
        db.execute_batch("BEGIN EXCLUSIVE").unwrap();
        let pid = e.pid(3);
        if let Some(p) = pid {
            kill9(p);
        }
        r.injected += 1;
        let t = Instant::now();
        std::thread::sleep(Duration::from_secs(10));
        db.execute_batch("COMMIT").unwrap();
        let daemon_alive = e.daemon.as_mut().unwrap().try_wait().unwrap().is_none();
        let back = pid.and_then(|p| restarted(&e, 3, p, Duration::from_secs(60)));
        if daemon_alive && back.is_some() {
            r.survived += 1;
            r.latencies_ms.push(t.elapsed().as_millis() as u64);
        }
    }
    r.note = "daemon alive; the killed node back after the lock (time from the kill)".into();
    rows.push(r);

    // 5. The release server dies mid-download; the next try resumes.
    let mut r = Row::new("release server dies mid-download");
    {
        let server = FixtureServer::start();
        let mut bytes = std::fs::read(test_node_bin()).unwrap();
        bytes.extend_from_slice(b"\n#fault\n");
        let sha = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(&bytes))
        };
        let spec = FileSpec {
            bytes: Arc::new(bytes.clone()),
            ranges: true,
            cut_after: Some(bytes.len() as u64 / 3),
            cuts: 1,
            stall: None,
        };
        server.route("/c", Behaviour::File(spec));
        let manifest = manifest_json("9.9.9", "c", bytes.len(), &sha);
        let url = server.route(
            "/m.json",
            Behaviour::Json {
                body: manifest,
                etag: "\"m\"".into(),
            },
        );
        r.injected += 1;
        let t = Instant::now();
        let out = e
            .cmd()
            .args(["install", "--source", &url])
            .output()
            .unwrap();
        if out.status.code() != Some(101)
            && e.cmd()
                .args(["node", "list", "--json"])
                .output()
                .unwrap()
                .status
                .success()
        {
            // Installed (resumed within its retries) or refused with a clear error, then retried.
            let ok = out.status.success()
                || e.cmd()
                    .args(["install", "--source", &url])
                    .output()
                    .unwrap()
                    .status
                    .success();
            if ok {
                r.survived += 1;
                r.latencies_ms.push(t.elapsed().as_millis() as u64);
            }
        }
    }
    r.note = "installed after the cut (resumed with a Range)".into();
    rows.push(r);

    // 6. The dashboard answers garbage.
    let mut r = Row::new("dashboard returns garbage");
    {
        let server = FixtureServer::start();
        for (i, body) in [
            "<html>502 Bad Gateway</html>",
            "{\"rows\": [",
            "\u{0}\u{1}\u{2}",
            "[]",
            "{\"leaderboard\": 42}",
        ]
        .iter()
        .enumerate()
        {
            let url = server.route(
                &format!("/lb{i}"),
                Behaviour::Json {
                    body: body.to_string(),
                    etag: format!("\"{i}\""),
                },
            );
            r.injected += 1;
            let out = e
                .cmd()
                .args([
                    "rank",
                    "--leaderboard",
                    &url,
                    "--node",
                    &format!("0x{:040x}", 1),
                ])
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            if out.status.code() == Some(1)
                && err.starts_with("error:")
                && !err.contains("panicked")
            {
                r.survived += 1;
            }
        }
    }
    r.note = "a clear error each time".into();
    rows.push(r);

    // 7. A full disk under the data folder (a small tmpfs; needs root).
    let mut r = Row::new("disk full");
    let mut lost_to_full_disk = 0u64;
    {
        let filler = e.data.join("filler");
        let df = std::process::Command::new("df")
            .args(["--output=avail", "-B1"])
            .arg(&e.data)
            .output()
            .unwrap();
        let avail: u64 = String::from_utf8_lossy(&df.stdout)
            .lines()
            .nth(1)
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or(u64::MAX);
        if avail < 4 << 30 {
            // Only on a small filesystem: fill it, kill a node, free it.
            let _ = std::process::Command::new("fallocate")
                .args(["-l", &avail.to_string()])
                .arg(&filler)
                .status();
            let (p0, k0) = lines(&e);
            let pid = e.pid(1);
            if let Some(p) = pid {
                kill9(p);
            }
            r.injected += 1;
            std::thread::sleep(Duration::from_secs(5));
            let daemon_alive = e.daemon.as_mut().unwrap().try_wait().unwrap().is_none();
            let (p1, k1) = lines(&e);
            lost_to_full_disk = (p1 - p0).saturating_sub(k1 - k0);
            let _ = std::fs::remove_file(&filler);
            if daemon_alive
                && pid
                    .and_then(|p| restarted(&e, 1, p, Duration::from_secs(60)))
                    .is_some()
            {
                r.survived += 1;
            }
            r.note = format!("daemon alive on a full disk; the node back once space is free; {lost_to_full_disk} lines the nodes printed while it was full could not be written");
        } else {
            r.note = "not injected: the data folder is not on a small filesystem (run the script as root: it mounts one)".into();
        }
    }
    rows.push(r);

    // 8. Bad input to every CLI command.
    let (runs, panics) = bad_input_corpus(&e);
    rows.push(Row {
        fault: "bad input to every CLI command".into(),
        injected: runs,
        survived: runs - panics,
        note: format!("{panics} panics"),
        ..Default::default()
    });

    // Data lost: the store is sound, the nodes and their .env files are all there.
    let db = rusqlite::Connection::open(e.data.join("cortensor-manager.sqlite3")).unwrap();
    let check: String = db
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .unwrap();
    let nodes: i64 = db
        .query_row("SELECT COUNT(*) FROM nodes", [], |r| r.get(0))
        .unwrap();
    let envs = (1..=3)
        .filter(|id| e.data.join(format!("nodes/node-{id}/.env")).is_file())
        .count();
    let data_lost = u32::from(check != "ok") + (3 - nodes as u32) + (3 - envs as u32);
    // Lines lost: the lines each node printed (its tally) that are not in its log or its
    // rotated parts. The node tallies a line after writing it, so a kill between the two can
    // hide at most one loss per kill; it never counts a kept line as lost. Lines a node could
    // not write to a full disk count as lost.
    e.ok(&["node", "stop", "all"]);
    wait_until("the nodes stopped", Duration::from_secs(30), || {
        (1..=3).all(|id| e.pid(id).is_none())
    });
    let (printed, kept) = lines(&e);
    let lines_lost = printed.saturating_sub(kept);
    let injected: u32 = rows.iter().map(|r| r.injected).sum();
    let survived: u32 = rows.iter().map(|r| r.survived).sum();
    let panics = rows
        .iter()
        .filter(|r| r.fault.starts_with("bad input"))
        .map(|r| r.injected - r.survived)
        .sum::<u32>();
    println!("\n| fault | injected | survived | latency p50 / p95 / max | note |\n|---|---:|---:|---|---|");
    for r in &rows {
        println!(
            "| {} | {} | {} | {} | {} |",
            r.fault,
            r.injected,
            r.survived,
            r.figures(),
            r.note
        );
    }
    println!("| **total** | **{injected}** | **{survived}** | | panics {panics}, data lost {data_lost}, lines lost {lines_lost} of {printed} ({lost_to_full_disk} to the full disk) |");
    assert_eq!(panics, 0, "panics");
    assert_eq!(data_lost, 0, "data lost");
    assert!(
        lines_lost <= lost_to_full_disk,
        "lines lost other than to the full disk: {lines_lost} (full disk: {lost_to_full_disk})"
    );
    assert_eq!(survived, injected, "faults not survived");
}
