//! The test node itself behaves as documented (other tests rely on it).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cortensor_node::keys::NodeKey;

fn env_file(dir: &std::path::Path, extra: &str) -> (std::path::PathBuf, NodeKey) {
    let k = NodeKey::generate().unwrap();
    let p = dir.join(".env");
    std::fs::write(
        &p,
        format!(
            "HOST=http://127.0.0.1:9/rpc\nCONTRACT_ADDRESS_RUNTIME=0xa438cE917a5740267e0f7217f81cbbAA23E7e106\nNODE_PUBLIC_KEY={}\nNODE_PRIVATE_KEY={}\nTEST_NODE_TICK_MS=50\n{extra}",
            k.address,
            k.private_key.expose()
        ),
    )
    .unwrap();
    (p, k)
}

fn bin() -> Command {
    // A clean environment: the node, like python-dotenv, lets the environment win over its .env.
    let mut c = Command::new(env!("CARGO_BIN_EXE_cortensord-test"));
    c.env_clear();
    c
}

#[test]
fn tools_follow_the_cli() {
    let d = tempfile::tempdir().unwrap();
    let (env, k) = env_file(d.path(), "");
    let out = bin().arg(&env).args(["tool", "register"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("registered successfully"));
    let out = bin().arg(&env).args(["tool", "id"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(&k.address));
    let out = bin().arg(&env).args(["tool", "gen_key"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Private Key: 0x"));
    let (env, _) = env_file(d.path(), "TEST_NODE_REGISTER=fail\n");
    let out = bin().arg(&env).args(["tool", "verify"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("not whitelisted"));
}

#[test]
fn a_wrong_key_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let (env, _) = env_file(d.path(), "");
    let other = NodeKey::generate().unwrap();
    let out = bin()
        .arg(&env)
        .arg("minerv4")
        .env("NODE_PRIVATE_KEY", other.private_key.expose())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not belong"));
}

#[test]
fn miner_logs_and_stops_on_sigint() {
    let d = tempfile::tempdir().unwrap();
    let (env, _) = env_file(d.path(), "");
    let child = bin()
        .arg(&env)
        .args(["minerv4", "1", "docker"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(400));
    #[cfg(unix)]
    unsafe {
        libc_kill(child.id() as i32, 2);
    }
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("* Latest ID:  1100  / Latest State:  1"),
        "{text}"
    );
    assert!(text.contains("shutting down gracefully"));
}

#[test]
fn crash_on_request() {
    let d = tempfile::tempdir().unwrap();
    let (env, _) = env_file(d.path(), "TEST_NODE_BEHAVIOUR=crash_after_ms:150\n");
    let start = Instant::now();
    let out = bin().arg(&env).arg("minerv4").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Traceback (most recent call last):"));
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[cfg(unix)]
unsafe fn libc_kill(pid: i32, sig: i32) {
    extern "C" {
        fn kill(pid: i32, sig: i32) -> i32;
    }
    kill(pid, sig);
}
