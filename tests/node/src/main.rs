//! `cortensord-test`: a stand-in for `cortensord` (which cannot run here: it needs the Cortensor
//! network, a funded wallet and Docker). It follows the real CLI and formats from
//! `shared/notes/cortensor.md`:
//!
//! ```text
//! cortensord-test <env file> tool gen_key|register|verify|id
//! cortensord-test <env file> minerv4 [1 docker]
//! cortensord-test --version
//! ```
//! It reads the `.env` (the process environment wins, as python-dotenv does), refuses to start
//! like the real node when `HOST`, `CONTRACT_ADDRESS_RUNTIME`, `NODE_PUBLIC_KEY` or the private
//! key is missing (upstream: "HOST must always be set"; the wording of the error lines is the
//! stand-in's own), checks NODE_PRIVATE_KEY matches NODE_PUBLIC_KEY, works in `CORTENSOR_PATH`
//! (its application log `LOG_FILE_NAME` goes there), binds LLM_PORT like the LLM worker would,
//! prints log lines shaped like the real ones to stdout, and stops cleanly on SIGINT/SIGTERM.
//!
//! Misbehaviour on request (`.env` or environment), `TEST_NODE_BEHAVIOUR`:
//! `normal` | `crash_after_ms:N` (exit 1 after N ms, with a Python traceback) | `traceback_ms:N`
//! (a Traceback after N ms, then progress goes on) | `hang` (stops logging, keeps running) |
//! `garbage` (interleaves malformed lines) | `ignore_sigint` | `pull_ms:N` (a first start: for
//! N ms it prints only that it waits for its LLM images, no session progress, then goes on). `TEST_NODE_LEVEL` sets the cognitive
//! level printed (`Cognitive Level: N` / `CL: N`, as community parsers read it).
//! `TEST_NODE_LEAK_KEY=1` makes `tool register`/`verify` print the private key (to test redaction).
//! `TEST_NODE_REGISTER=fail` makes `tool register`/`verify` fail like a non-whitelisted node.
//! `TEST_NODE_VERSION` sets the version printed; `TEST_NODE_TICK_MS` the log period (default 1000).
//! `TEST_NODE_WORKERS=N` runs N worker child processes holding 16 MiB each (as a packaged
//! Python node runs its interpreter in a child); they end with the node.
//! `TEST_NODE_LINE_TALLY=FILE` appends one byte to FILE after each line printed (a side channel
//! for the fault suite's "lines lost"; the log lines themselves keep upstream's shapes).

use std::collections::HashMap;
use std::io::Write;
use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cortensor_node::keys::NodeKey;

fn read_env(path: &str) -> Result<HashMap<String, String>, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("cannot read env file {path}: {e}"))?;
    let mut env: HashMap<String, String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().trim_matches('"').to_string()))
        .collect();
    // Like python-dotenv's load_dotenv: a variable already in the environment is not replaced.
    for (k, v) in std::env::vars() {
        if env.contains_key(&k) || k.starts_with("TEST_NODE_") || k == "CORTENSOR_PATH" {
            env.insert(k, v);
        }
    }
    Ok(env)
}

/// What the real node needs before it talks to the chain: refused with an error line otherwise.
fn check_chain_settings(env: &HashMap<String, String>) -> Result<(), String> {
    let set = |k: &str| env.get(k).is_some_and(|v| !v.trim().is_empty());
    if !set("HOST") {
        return Err("HOST is not set: the node needs an RPC URL (HOST must always be set)".into());
    }
    let contract = env
        .get("CONTRACT_ADDRESS_RUNTIME")
        .map(String::as_str)
        .unwrap_or("");
    let is_address = contract.len() == 42
        && contract.starts_with("0x")
        && contract[2..].bytes().all(|b| b.is_ascii_hexdigit());
    if !is_address {
        return Err(format!(
            "CONTRACT_ADDRESS_RUNTIME is not set to a contract address (got '{contract}')"
        ));
    }
    if let Some(dir) = env.get("CORTENSOR_PATH") {
        if !std::path::Path::new(dir).is_dir() {
            return Err(format!("CORTENSOR_PATH {dir} is not a folder"));
        }
    }
    Ok(())
}

fn key_of(env: &HashMap<String, String>) -> Result<NodeKey, String> {
    let public = env
        .get("NODE_PUBLIC_KEY")
        .filter(|v| !v.is_empty())
        .ok_or("NODE_PUBLIC_KEY is not set")?;
    let private = env
        .get("NODE_PRIVATE_KEY")
        .filter(|v| !v.is_empty())
        .ok_or("NODE_PRIVATE_KEY is not set")?;
    let key = NodeKey::from_private_hex(private).map_err(|e| e.to_string())?;
    if !key.address.eq_ignore_ascii_case(public) {
        return Err(format!(
            "NODE_PRIVATE_KEY does not belong to NODE_PUBLIC_KEY {public}"
        ));
    }
    Ok(key)
}

/// A worker child: holds `WORKER_MIB` of memory until its parent is gone.
const WORKER_MIB: usize = 16;

fn worker() -> ExitCode {
    let parent = std::os::unix::process::parent_id();
    let mut held = vec![0u8; WORKER_MIB << 20];
    for i in (0..held.len()).step_by(4096) {
        held[i] = 1; // touched, so it is resident
    }
    while std::os::unix::process::parent_id() == parent {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::hint::black_box(&held);
    ExitCode::SUCCESS
}

/// Children that end when dropped (and by themselves if the node is killed).
struct Workers(Vec<std::process::Child>);

impl Drop for Workers {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--worker") {
        return worker();
    }
    if args.first().map(String::as_str) == Some("--version") {
        println!(
            "cortensord {}",
            std::env::var("TEST_NODE_VERSION").unwrap_or_else(|_| "0.0.1-test".into())
        );
        return ExitCode::SUCCESS;
    }
    if args.len() < 2 {
        eprintln!("usage: cortensord <env file> <role> [1 docker] | <env file> tool <gen_key|register|verify|id>");
        return ExitCode::from(2);
    }
    let env = match read_env(&args[0]) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("Error: {e}");
            return ExitCode::from(1);
        }
    };
    match args[1].as_str() {
        "tool" => tool(args.get(2).map(String::as_str).unwrap_or(""), &env),
        role if role.starts_with("miner")
            || role.starts_with("router")
            || role.starts_with("oracle")
            || role.starts_with("validator") =>
        {
            run(role, &env)
        }
        other => {
            eprintln!("Error: unknown role or command '{other}'");
            ExitCode::from(2)
        }
    }
}

fn tool(cmd: &str, env: &HashMap<String, String>) -> ExitCode {
    let fail = env.get("TEST_NODE_REGISTER").is_some_and(|v| v == "fail");
    match cmd {
        "gen_key" => {
            let k = NodeKey::generate().expect("random");
            println!("Generated new node key");
            println!("Public Key: {}", k.address);
            println!("Private Key: {}", k.private_key.expose());
            ExitCode::SUCCESS
        }
        "id" => match key_of(env) {
            Ok(k) => {
                println!("Node ID: {}", k.address);
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("Error: {e}");
                ExitCode::from(1)
            }
        },
        "register" | "verify" => {
            if let Err(e) = check_chain_settings(env) {
                eprintln!("Error: {e}");
                return ExitCode::from(1);
            }
            let k = match key_of(env) {
                Ok(k) => k,
                Err(e) => {
                    eprintln!("Error: {e}");
                    return ExitCode::from(1);
                }
            };
            if fail {
                println!("Error: node {} is not whitelisted; send your node and staking addresses to the Cortensor admins", k.address);
                return ExitCode::from(1);
            }
            if env.get("TEST_NODE_LEAK_KEY").is_some_and(|v| v == "1") {
                // Misbehaviour on request: a careless binary printing its key, to prove redaction.
                println!("debug: signing with {}", k.private_key.expose());
            }
            if cmd == "register" {
                println!("Registering node {} ...", k.address);
                println!("TX: 0x{}", "ab".repeat(32));
                println!("Node registered successfully");
            } else {
                println!("Verifying node {} ...", k.address);
                println!("Node verified: OK");
            }
            ExitCode::SUCCESS
        }
        other => {
            eprintln!("Error: unknown tool command '{other}'");
            ExitCode::from(2)
        }
    }
}

fn run(role: &str, env: &HashMap<String, String>) -> ExitCode {
    if let Err(e) = check_chain_settings(env) {
        println!("Error: {e}");
        return ExitCode::from(1);
    }
    let key = match key_of(env) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("Error: {e}");
            return ExitCode::from(1);
        }
    };
    let behaviour = env
        .get("TEST_NODE_BEHAVIOUR")
        .cloned()
        .unwrap_or_else(|| "normal".into());
    let tick = Duration::from_millis(
        env.get("TEST_NODE_TICK_MS")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1000),
    );
    let _listener = match env.get("LLM_PORT").and_then(|p| p.parse::<u16>().ok()) {
        Some(port) => match TcpListener::bind(("127.0.0.1", port)) {
            Ok(l) => Some(l),
            Err(e) => {
                println!("Error: LLM port {port} is not available: {e}");
                return ExitCode::from(1);
            }
        },
        None => None,
    };
    let workers = env
        .get("TEST_NODE_WORKERS")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    let _workers = Workers(
        (0..workers)
            .filter_map(|_| {
                std::process::Command::new(std::env::current_exe().ok()?)
                    .arg("--worker")
                    .stdin(std::process::Stdio::null())
                    .spawn()
                    .ok()
            })
            .collect(),
    );
    let stop = Arc::new(AtomicBool::new(false));
    if behaviour != "ignore_sigint" {
        let s = stop.clone();
        let _ = ctrlc::set_handler(move || s.store(true, Ordering::SeqCst));
    } else {
        let _ = ctrlc::set_handler(|| println!("Received interrupt, ignoring it"));
    }
    // `traceback_ms:N`: print a Traceback after N ms and go on (an exception the node survives).
    let mut traceback_at = behaviour
        .strip_prefix("traceback_ms:")
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_millis);
    let crash_after = behaviour
        .strip_prefix("crash_after_ms:")
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_millis);
    let version = env
        .get("TEST_NODE_VERSION")
        .cloned()
        .unwrap_or_else(|| "0.0.1-test".into());
    let out = std::io::stdout();
    let tally = env.get("TEST_NODE_LINE_TALLY").and_then(|p| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(p)
            .ok()
    });
    let say = |line: &str| {
        let mut o = out.lock();
        let _ = writeln!(o, "{line}");
        let _ = o.flush();
        if let Some(mut t) = tally.as_ref() {
            let _ = t.write_all(b".");
        }
    };
    say(&format!(
        "cortensord {version} starting role {role} for node {}",
        key.address
    ));
    // The application log (LOG_FILE_NAME) in the node's home (CORTENSOR_PATH, else here).
    if let Some(name) = env.get("LOG_FILE_NAME").filter(|n| !n.is_empty()) {
        let dir = env
            .get("CORTENSOR_PATH")
            .cloned()
            .unwrap_or_else(|| ".".into());
        let _ = std::fs::write(
            std::path::Path::new(&dir).join(name),
            format!("started {role} for {}\n", key.address),
        );
    }
    say(&format!(
        "* Task Mode: \x1b[32mNETWORK\x1b[0m / IPFS server: {}",
        env.get("ENABLE_IPFS_SERVER").map_or("0", String::as_str)
    ));
    // `pull_ms:N`: the LLM images are being pulled (the real node prints no session update
    // while Docker pulls several GB; its exact lines are not published).
    if let Some(ms) = behaviour
        .strip_prefix("pull_ms:")
        .and_then(|v| v.parse::<u64>().ok())
    {
        let until = Instant::now() + Duration::from_millis(ms);
        while Instant::now() < until && !stop.load(Ordering::SeqCst) {
            say("Waiting for the LLM engine images...");
            std::thread::sleep(tick.min(Duration::from_millis(ms)));
        }
    }
    let start = Instant::now();
    let mut id = 1100u64;
    let mut state = 0u8;
    while !stop.load(Ordering::SeqCst) {
        if let Some(after) = crash_after {
            if start.elapsed() >= after {
                say("Traceback (most recent call last):");
                say("  File \"miner.py\", line 42, in <module>");
                say("RuntimeError: test node crash requested");
                return ExitCode::from(1);
            }
        }
        if behaviour != "hang" {
            state = (state + 1) % 7;
            if state == 0 {
                id += 1;
            }
            say("Pinging network...");
            // The variants community parsers accept: with and without the bullet, "|" for "/".
            if id % 2 == 0 {
                say(&format!("* Latest ID:  {id}  / Latest State:  {state}"));
            } else {
                say(&format!("Latest ID: {id} | Latest State: {state}"));
            }
            if state == 1 {
                // Every other session a Python-style list in upper case, else comma-separated.
                if id % 2 == 0 {
                    say(&format!(
                        "Assigned Miners: {}, 0x{}",
                        key.address,
                        "1".repeat(40)
                    ));
                } else {
                    say(&format!(
                        "Assigned Miners: ['0x{}', '0x{}']",
                        "1".repeat(40),
                        key.address[2..].to_ascii_uppercase()
                    ));
                }
            }
            if state == 2 {
                let level = env
                    .get("TEST_NODE_LEVEL")
                    .cloned()
                    .unwrap_or_else(|| "3".into());
                say(&if id % 2 == 0 {
                    format!("   * Cognitive Level: {level}")
                } else {
                    format!("CL: {level}")
                });
            }
            if state == 6 {
                say(&format!(
                    "Event Stats: {{'session': {id}, 'precommit': 1, 'commit': 1}}"
                ));
            }
            if traceback_at.is_some_and(|at| start.elapsed() >= at) {
                // A Python exception the node recovers from (progress follows).
                say("Traceback (most recent call last):");
                say("  File \"miner.py\", line 99, in step");
                say("ConnectionError: RPC request failed; retrying");
                traceback_at = None;
            }
            if state == 4 || state == 5 {
                say(&format!("TX: 0x{:064x}", id * 10 + state as u64));
                say(&format!(
                    "* Event: {}",
                    if state == 4 { "Precommit" } else { "Commit" }
                ));
            }
            if behaviour == "garbage" {
                say("\u{fffd}\u{fffd} ### not a log line ### \x07");
                say("* Latest ID: banana / Latest State: ");
            }
        }
        let slept = Instant::now();
        while slept.elapsed() < tick && !stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    say("Received SIGINT, shutting down gracefully");
    ExitCode::SUCCESS
}
