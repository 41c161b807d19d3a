//! Dev-only test support shared by every integration and end-to-end test: a real HTTP server on
//! 127.0.0.1 serving fixture data with scripted behaviours (ETag/304, errors, slowness, garbage).
#![allow(dead_code)]

pub mod report_server;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// What the server does for one path.
#[derive(Clone, Debug)]
pub enum Behaviour {
    /// 200 with this body and an ETag; 304 when the request's If-None-Match matches.
    Json { body: String, etag: String },
    /// This status with a short body.
    Status(u16),
    /// This status with this body (a server's own error message).
    StatusBody(u16, String),
    /// Sleep, then answer like `Json`.
    Slow { delay: Duration, body: String },
    /// Fail with 500 this many times, then behave like `Json`.
    FailThen {
        failures: u32,
        body: String,
        etag: String,
    },
    /// A binary file, as a release server or CDN serves it.
    File(FileSpec),
    /// Like `File`, but every `n`-th request (the n-th, 2n-th…) gets the file with one byte
    /// changed: a mirror that sometimes serves a damaged copy.
    CorruptEvery(FileSpec, u32),
    /// 302 to this `Location` (absolute or relative), as GitHub's LFS media links do.
    Redirect(String),
}

#[derive(Clone, Debug, Default)]
pub struct FileSpec {
    pub bytes: Arc<Vec<u8>>,
    /// Honour `Range: bytes=N-` with 206 (a server that ignores it answers 200 with everything).
    pub ranges: bool,
    /// The first `n` responses stop after this many body bytes and close the connection.
    pub cut_after: Option<u64>,
    pub cuts: u32,
    /// Wait this long before sending the body.
    pub stall: Option<Duration>,
}

/// A reader that stops early (a dropped connection) or starts late (a stalled server).
struct ShapedReader {
    data: std::io::Cursor<Vec<u8>>,
    limit: Option<u64>,
    stall: Option<Duration>,
}

impl std::io::Read for ShapedReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Some(d) = self.stall.take() {
            std::thread::sleep(d);
        }
        let max = match self.limit {
            Some(0) => return Ok(0),
            Some(l) => buf.len().min(l as usize),
            None => buf.len(),
        };
        let n = self.data.read(&mut buf[..max])?;
        if let Some(l) = self.limit.as_mut() {
            *l -= n as u64;
        }
        Ok(n)
    }
}

#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub if_none_match: Option<String>,
    pub status: u16,
}

pub struct FixtureServer {
    pub base: String,
    server: Arc<tiny_http::Server>,
    routes: Arc<Mutex<HashMap<String, Behaviour>>>,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    thread: Option<JoinHandle<()>>,
}

impl FixtureServer {
    pub fn start() -> FixtureServer {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1"));
        let port = server.server_addr().to_ip().expect("ip listener").port();
        let routes: Arc<Mutex<HashMap<String, Behaviour>>> = Arc::default();
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let failures: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
        let (s, r, log) = (server.clone(), routes.clone(), seen.clone());
        let thread = std::thread::spawn(move || {
            for req in s.incoming_requests() {
                let path = req.url().to_string();
                let inm = req
                    .headers()
                    .iter()
                    .find(|h| h.field.equiv("If-None-Match"))
                    .map(|h| h.value.as_str().to_string());
                let range_from = req
                    .headers()
                    .iter()
                    .find(|h| h.field.equiv("Range"))
                    .and_then(|h| {
                        h.value
                            .as_str()
                            .strip_prefix("bytes=")?
                            .strip_suffix('-')?
                            .parse::<u64>()
                            .ok()
                    });
                let behaviour = r.lock().unwrap().get(&path).cloned();
                let file = match &behaviour {
                    Some(Behaviour::File(spec)) => Some((spec, 0u32)),
                    Some(Behaviour::CorruptEvery(spec, n)) => Some((spec, *n)),
                    _ => None,
                };
                if let Some((spec, corrupt_every)) = file {
                    let (cut, corrupt) = {
                        let mut f = failures.lock().unwrap();
                        let count = f.entry(path.clone()).or_insert(0);
                        *count += 1;
                        (
                            spec.cut_after.filter(|_| *count <= spec.cuts),
                            corrupt_every > 0 && (*count).is_multiple_of(corrupt_every),
                        )
                    };
                    let len = spec.bytes.len() as u64;
                    let from = range_from.filter(|_| spec.ranges).unwrap_or(0);
                    let (status, body) = if from > len {
                        (416, Vec::new())
                    } else {
                        let mut body = spec.bytes[from as usize..].to_vec();
                        if corrupt {
                            if let Some(b) = body.last_mut() {
                                *b ^= 0xff;
                            }
                        }
                        (if from > 0 { 206 } else { 200 }, body)
                    };
                    log.lock().unwrap().push(Seen {
                        path: path.clone(),
                        if_none_match: range_from.map(|f| format!("range {f}")),
                        status,
                    });
                    let body_len = body.len();
                    let mut headers =
                        vec![tiny_http::Header::from_bytes("Connection", "close").unwrap()];
                    if status == 206 {
                        headers.push(
                            tiny_http::Header::from_bytes(
                                "Content-Range",
                                format!("bytes {from}-{}/{len}", len - 1),
                            )
                            .unwrap(),
                        );
                    }
                    let reader = ShapedReader {
                        data: std::io::Cursor::new(body),
                        limit: cut,
                        stall: spec.stall,
                    };
                    let resp = tiny_http::Response::new(
                        status.into(),
                        headers,
                        reader,
                        Some(body_len),
                        None,
                    );
                    std::thread::spawn(move || {
                        let _ = req.respond(resp);
                    });
                    continue;
                }
                let mut location: Option<String> = None;
                let (status, body, etag, delay) = match behaviour {
                    None => (404, "not found".to_string(), None, None),
                    Some(Behaviour::Redirect(to)) => {
                        location = Some(to);
                        (302, String::new(), None, None)
                    }
                    Some(Behaviour::File(_) | Behaviour::CorruptEvery(..)) => {
                        unreachable!("served above")
                    }
                    Some(Behaviour::Status(code)) => (code, format!("status {code}"), None, None),
                    Some(Behaviour::StatusBody(code, body)) => (code, body, None, None),
                    Some(Behaviour::Slow { delay, body }) => (200, body, None, Some(delay)),
                    Some(Behaviour::Json { body, etag }) => {
                        if inm.as_deref() == Some(etag.as_str()) {
                            (304, String::new(), Some(etag), None)
                        } else {
                            (200, body, Some(etag), None)
                        }
                    }
                    Some(Behaviour::FailThen {
                        failures: n,
                        body,
                        etag,
                    }) => {
                        let mut f = failures.lock().unwrap();
                        let count = f.entry(path.clone()).or_insert(0);
                        if *count < n {
                            *count += 1;
                            (500, "boom".to_string(), None, None)
                        } else {
                            (200, body, Some(etag), None)
                        }
                    }
                };
                log.lock().unwrap().push(Seen {
                    path: path.clone(),
                    if_none_match: inm,
                    status,
                });
                let stream = std::thread::spawn(move || {
                    if let Some(d) = delay {
                        std::thread::sleep(d);
                    }
                    let mut resp = tiny_http::Response::from_string(body).with_status_code(status);
                    if let Some(e) = etag {
                        resp.add_header(tiny_http::Header::from_bytes("ETag", e).unwrap());
                    }
                    if let Some(l) = location {
                        resp.add_header(tiny_http::Header::from_bytes("Location", l).unwrap());
                    }
                    resp.add_header(
                        tiny_http::Header::from_bytes("Content-Type", "application/json").unwrap(),
                    );
                    let _ = req.respond(resp);
                });
                drop(stream);
            }
        });
        FixtureServer {
            base: format!("http://127.0.0.1:{port}"),
            server,
            routes,
            seen,
            thread: Some(thread),
        }
    }

    pub fn route(&self, path: &str, b: Behaviour) -> String {
        self.routes.lock().unwrap().insert(path.to_string(), b);
        format!("{}{}", self.base, path)
    }

    pub fn requests(&self, path: &str) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.path == path)
            .cloned()
            .collect()
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// `tests/fixtures/NAME` of the workspace (this module is shared by the root package's tests
/// and the app's, whose manifest folder is `src-tauri/`).
pub fn fixture_path(name: &str) -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = manifest
        .ancestors()
        .find(|d| d.join("tests/fixtures").is_dir())
        .expect("tests/fixtures above the manifest");
    root.join("tests/fixtures").join(name)
}

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixture_path(name)).expect("fixture exists")
}

pub const ME: &str = "0x00000000000000000000000000000000000000e1";

pub fn node(prefix: char, i: u32) -> String {
    format!("0x{prefix}{i:039x}")
}

/// The test node binary (`tests/node`), built by `cargo test --workspace`.
pub fn test_node_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target/debug");
    let bin = dir.join(if cfg!(windows) {
        "cortensord-test.exe"
    } else {
        "cortensord-test"
    });
    assert!(bin.exists(), "{} is missing: run `cargo build -p cortensord-test-node` (the README's test command builds it)", bin.display());
    bin
}

/// Start a GNOME Keyring Secret Service on the session bus (once per test process), unlocked,
/// replacing one that D-Bus may have activated (locked) for an earlier CLI run.
/// `Err` says why it is unavailable; tests skip then, unless `CM_E2E_REQUIRED=1`.
pub fn secret_service() -> Result<(), String> {
    static STARTED: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    STARTED
        .get_or_init(|| {
            if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
                return Err("no session bus (run under dbus-run-session)".into());
            }
            let home = std::env::temp_dir().join(format!("cm-keyring-{}", std::process::id()));
            std::fs::create_dir_all(&home).map_err(|e| e.to_string())?;
            let mut child = std::process::Command::new("gnome-keyring-daemon")
                .args(["--replace", "--unlock", "--components=secrets"])
                .env("HOME", &home)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::null())
                .spawn()
                .map_err(|e| format!("gnome-keyring-daemon: {e}"))?;
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(b"test-password")
                .map_err(|e| e.to_string())?;
            let status = child.wait().map_err(|e| e.to_string())?;
            if status.success() {
                Ok(())
            } else {
                Err(format!("gnome-keyring-daemon exited with {status}"))
            }
        })
        .clone()
}

/// Skip (or, when required, fail) a test that needs a system service.
pub fn require(what: &str, available: Result<(), String>) -> bool {
    match available {
        Ok(()) => true,
        Err(why) => {
            let required = std::env::var("CM_E2E_REQUIRED").is_ok_and(|v| v == "1");
            assert!(!required, "{what} required but unavailable: {why}");
            eprintln!("SKIPPED: {what} unavailable: {why}");
            false
        }
    }
}

/// The workspace's root folder (where `Cargo.lock` is), whichever crate's test asks.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|d| d.join("Cargo.lock").is_file())
        .expect("Cargo.lock above crates/test-support")
        .to_path_buf()
}

/// A path of the workspace, e.g. `workspace_path("tests/fake-services")`.
pub fn workspace_path(rel: &str) -> PathBuf {
    workspace_root().join(rel)
}

/// How the sandboxed app keeps nodes running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// OS services, played by the stand-in `systemctl`/`loginctl` of `tests/fake-services`
    /// (which really run the units' commands).
    OsServices,
    /// The embedded supervisor (`cortensor-manager daemon`).
    Supervisor,
}

/// A machine of its own for one test: a home folder, a data folder, the stand-in service
/// managers and `docker` first on the tools' PATH, a backend, and the loopback network profile
/// (so nothing reaches outside). Dropping it kills what it started: the processes the stand-in
/// systemd launched, the daemon (by its lock file), and whatever the test registered.
pub struct Sandbox {
    _root: tempfile::TempDir,
    pub home: PathBuf,
    pub data: PathBuf,
    /// Where the stand-in `docker` reads its answers (`FAKE_DOCKER_DIR`); absent until a test
    /// creates it, so Docker looks missing.
    pub docker: PathBuf,
    pub backend: Backend,
    /// This sandbox's network profile: the loopback one with ports of its own (see
    /// [`Sandbox::llm_port`]), so the nodes of tests running side by side never fight over one.
    pub network: PathBuf,
    /// The first node's LLM port in this sandbox (the profile's `ports.llm`).
    pub llm_port: u16,
    cleanups: std::sync::Mutex<Vec<Box<dyn FnOnce() + Send>>>,
    /// Sandboxes of one test process share the session's Secret Service: a test that compares
    /// its entries before and after holds it alone ([`Sandbox::with_keychain_alone`]).
    _keychain: KeychainTurn,
}

/// This sandbox's turn at the shared Secret Service: shared with the other sandboxes, or alone.
#[allow(dead_code)]
enum KeychainTurn {
    Shared(std::sync::RwLockReadGuard<'static, ()>),
    Alone(std::sync::RwLockWriteGuard<'static, ()>),
}

static KEYCHAIN: std::sync::RwLock<()> = std::sync::RwLock::new(());

/// Port blocks for sandboxes: 300 ports each (25 nodes at a stride of 10, and room), below
/// Linux's ephemeral range (32768+) where loopback servers get theirs.
fn sandbox_ports() -> (u16, u16, u16) {
    static NEXT: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(0);
    let slot = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst) % 36;
    let llm = 21_000 + slot * 300;
    (llm, llm - 1, 11_000 + slot * 300)
}

impl Sandbox {
    pub fn new(backend: Backend) -> Sandbox {
        let turn = KeychainTurn::Shared(KEYCHAIN.read().unwrap_or_else(|e| e.into_inner()));
        Sandbox::with_turn(backend, turn)
    }

    /// A sandbox that has the Secret Service to itself while it lives: no other sandbox of this
    /// process adds or removes entries meanwhile (for a test that compares them).
    pub fn with_keychain_alone(backend: Backend) -> Sandbox {
        let turn = KeychainTurn::Alone(KEYCHAIN.write().unwrap_or_else(|e| e.into_inner()));
        Sandbox::with_turn(backend, turn)
    }

    fn with_turn(backend: Backend, keychain: KeychainTurn) -> Sandbox {
        // Our unlocked Secret Service first: an app process that reached the session bus before
        // it could have D-Bus start a locked one, failing every keychain test after it.
        let _ = secret_service();
        let root = tempfile::tempdir().expect("a temporary folder");
        let home = root.path().join("home");
        let data = root.path().join("data");
        std::fs::create_dir_all(&home).expect("the sandbox's home");
        let (llm, worker, gateway) = sandbox_ports();
        let profile = std::fs::read_to_string(fixture_path("network-loopback.toml"))
            .expect("the loopback profile")
            .replace("llm = 8091", &format!("llm = {llm}"))
            .replace(
                "llm_worker_base = 8090",
                &format!("llm_worker_base = {worker}"),
            )
            .replace(
                "llm_gateway_worker_base = 18888",
                &format!("llm_gateway_worker_base = {gateway}"),
            );
        assert!(
            profile.contains(&format!("llm = {llm}")),
            "the loopback profile's ports moved"
        );
        let network = root.path().join("network.toml");
        std::fs::write(&network, profile).expect("the sandbox's network profile");
        Sandbox {
            home,
            data,
            network,
            llm_port: llm,
            docker: root.path().join("docker"),
            backend,
            _root: root,
            cleanups: std::sync::Mutex::new(Vec::new()),
            _keychain: keychain,
        }
    }

    /// The tools' PATH: the stand-ins first, then this machine's.
    pub fn service_path(&self) -> String {
        format!(
            "{}:{}:{}",
            workspace_path("tests/fake-services").display(),
            workspace_path("tests/fake-docker").display(),
            std::env::var("PATH").unwrap_or_default()
        )
    }

    /// The environment every process of the app (CLI, desktop app, daemon) gets here.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("HOME", self.home.display().to_string()),
            ("USER", "tester".to_string()),
            (
                "CORTENSOR_MANAGER_DATA_DIR",
                self.data.display().to_string(),
            ),
            (
                "CORTENSOR_MANAGER_BACKEND",
                match self.backend {
                    Backend::OsServices => "os",
                    Backend::Supervisor => "supervisor",
                }
                .to_string(),
            ),
            ("CORTENSOR_MANAGER_SERVICE_PATH", self.service_path()),
            (
                "CORTENSOR_MANAGER_NETWORK",
                self.network.display().to_string(),
            ),
            ("FAKE_DOCKER_DIR", self.docker.display().to_string()),
        ]
    }

    /// `program` with the sandbox's environment and no standard input.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> std::process::Command {
        let mut c = std::process::Command::new(program);
        c.envs(self.env()).stdin(std::process::Stdio::null());
        c
    }

    /// Run `f` when the sandbox is dropped (before the kills), e.g. `node stop all`.
    pub fn on_drop(&self, f: impl FnOnce() + Send + 'static) {
        self.cleanups
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Box::new(f));
    }

    /// The pids the sandbox knows of: the stand-in systemd's services and the daemon.
    fn pids(&self) -> Vec<i32> {
        let services = std::fs::read_dir(self.home.join(".fake-systemd"))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "pid"))
            .filter_map(|e| std::fs::read_to_string(e.path()).ok());
        let daemon = std::fs::read_to_string(self.data.join("daemon.lock")).ok();
        services
            .chain(daemon)
            .filter_map(|p| p.trim().parse::<i32>().ok())
            .filter(|p| *p > 1)
            .collect()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let cleanups =
            std::mem::take(&mut *self.cleanups.lock().unwrap_or_else(|p| p.into_inner()));
        for f in cleanups.into_iter().rev() {
            f();
        }
        let mut pids = self.pids();
        pids.extend(self.processes_inside());
        for pid in pids {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .stderr(std::process::Stdio::null())
                .status();
        }
    }
}

impl Sandbox {
    /// Every process whose command line names a path inside the sandbox (nodes it ran, however
    /// they were started), from /proc; none elsewhere.
    fn processes_inside(&self) -> Vec<i32> {
        let root = self._root.path().display().to_string();
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
            .filter(|pid| *pid != std::process::id() as i32)
            .filter(|pid| {
                std::fs::read(format!("/proc/{pid}/cmdline"))
                    .map(|c| String::from_utf8_lossy(&c).contains(&root))
                    .unwrap_or(false)
            })
            .collect()
    }
}

/// A JSON-RPC endpoint on 127.0.0.1 playing the chain: `answers` maps a method to its
/// `result`; other methods get JSON-RPC's "method not found". Every call's method is recorded.
pub struct JsonRpcServer {
    pub url: String,
    pub calls: Arc<Mutex<Vec<String>>>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl JsonRpcServer {
    pub fn start(answers: HashMap<String, String>) -> JsonRpcServer {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1"));
        let port = server.server_addr().to_ip().expect("ip listener").port();
        let calls: Arc<Mutex<Vec<String>>> = Arc::default();
        let (s, log) = (server.clone(), calls.clone());
        let thread = std::thread::spawn(move || {
            for mut req in s.incoming_requests() {
                let mut body = String::new();
                let _ = std::io::Read::read_to_string(req.as_reader(), &mut body);
                // The method name, read without a JSON library: `"method":"NAME"`.
                let method = body
                    .split("\"method\"")
                    .nth(1)
                    .and_then(|rest| rest.split('"').nth(1))
                    .unwrap_or("")
                    .to_string();
                log.lock().unwrap().push(method.clone());
                let answer = match answers.get(&method) {
                    Some(result) => format!(r#"{{"jsonrpc":"2.0","id":1,"result":{result}}}"#),
                    None => r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"method not found"}}"#.to_string(),
                };
                let header =
                    tiny_http::Header::from_bytes("Content-Type", "application/json").unwrap();
                let _ = req.respond(tiny_http::Response::from_string(answer).with_header(header));
            }
        });
        JsonRpcServer {
            url: format!("http://127.0.0.1:{port}/rpc"),
            calls,
            server,
            thread: Some(thread),
        }
    }
}

impl Drop for JsonRpcServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A release folder (`manifest.json` naming one binary) for the folder release source: `bytes`
/// written as `cortensord` in `dir`, or, with `bytes = None`, the test node binary in place.
/// Returns the folder, to pass as `--source`.
pub fn folder_release(dir: &std::path::Path, version: &str, bytes: Option<&[u8]>) -> PathBuf {
    use sha2::Digest;
    std::fs::create_dir_all(dir).expect("the release folder");
    let (url, data) = match bytes {
        Some(b) => {
            std::fs::write(dir.join("cortensord"), b).expect("the release binary");
            ("cortensord".to_string(), b.to_vec())
        }
        None => {
            let bin = test_node_bin();
            let data = std::fs::read(&bin).expect("the test node binary");
            (bin.display().to_string(), data)
        }
    };
    std::fs::write(
        dir.join("manifest.json"),
        manifest_json(
            version,
            &url,
            data.len(),
            &hex::encode(sha2::Sha256::digest(&data)),
        ),
    )
    .expect("the manifest");
    dir.to_path_buf()
}

/// A release manifest (format 1) naming one artifact, for Linux on this machine's architecture,
/// at `url` with this size and sha256 (hex).
pub fn manifest_json(version: &str, url: &str, size: usize, sha256: &str) -> String {
    format!(
        r#"{{"format": 1, "version": "{version}", "artifacts": [{{"os": "linux", "arch": "{}", "url": "{url}", "size": {size}, "sha256": "{sha256}"}}]}}"#,
        std::env::consts::ARCH
    )
}

/// A release on `server`: `bytes` at /cortensord-VERSION (ranges honoured) and its manifest at
/// /manifest-VERSION.json, whose URL is returned.
pub fn publish_release(server: &FixtureServer, version: &str, bytes: Vec<u8>) -> String {
    use sha2::Digest;
    let name = format!("cortensord-{version}");
    let manifest = manifest_json(
        version,
        &name,
        bytes.len(),
        &hex::encode(sha2::Sha256::digest(&bytes)),
    );
    server.route(
        &format!("/{name}"),
        Behaviour::File(FileSpec {
            bytes: std::sync::Arc::new(bytes),
            ranges: true,
            ..Default::default()
        }),
    );
    server.route(
        &format!("/manifest-{version}.json"),
        Behaviour::Json {
            body: manifest,
            etag: format!("\"{version}\""),
        },
    )
}

/// The stand-in `ipfs` program (`tests/fake-services/ipfs`): answers `ipfs version --number` as
/// kubo does.
pub const FAKE_IPFS: &str = include_str!("../../../tests/fake-services/ipfs");

/// A gzipped tarball laid out like kubo's release (`kubo/ipfs`, `kubo/install.sh`,
/// `kubo/LICENSE`), with `program` as the `ipfs` inside (`None`: an archive without it).
pub fn kubo_archive(program: Option<&str>) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    let mut add = |path: &str, body: &[u8], mode: u32| {
        let mut h = tar::Header::new_gnu();
        h.set_size(body.len() as u64);
        h.set_mode(mode);
        h.set_cksum();
        tar.append_data(&mut h, path, body).expect("a tar entry");
    };
    add("kubo/LICENSE", b"MIT or Apache-2.0\n", 0o644);
    add("kubo/install.sh", b"#!/bin/sh\nexit 0\n", 0o755);
    if let Some(p) = program {
        add("kubo/ipfs", p.as_bytes(), 0o755);
    }
    tar.into_inner()
        .and_then(|gz| gz.finish())
        .expect("the archive")
}

/// Serve `archive` the way kubo's dist site lays a release out (`/kubo/<version>/<archive>` and
/// its `.sha512`, `sha512sum`'s line, with `sha512` instead of the real one when given).
/// Returns the dist URL to put in a network profile's `[ipfs] dist`.
pub fn kubo_mirror(
    server: &FixtureServer,
    version: &str,
    archive: Vec<u8>,
    sha512: Option<&str>,
) -> String {
    use sha2::Digest;
    let name = format!("kubo_{version}_linux-amd64.tar.gz");
    let sum = sha512
        .map(str::to_string)
        .unwrap_or_else(|| hex::encode(sha2::Sha512::digest(&archive)));
    server.route(
        &format!("/kubo/{version}/{name}.sha512"),
        Behaviour::Json {
            body: format!("{sum}  {name}\n"),
            etag: "\"sum\"".into(),
        },
    );
    let url = server.route(
        &format!("/kubo/{version}/{name}"),
        Behaviour::File(FileSpec {
            bytes: Arc::new(archive),
            ranges: true,
            ..Default::default()
        }),
    );
    url.split(&format!("/{version}/"))
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Poll `f` every 50 ms until it holds; fail the test naming `what` after `timeout`.
pub fn wait_until(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !f() {
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sign the `.tar.gz` at `path` in place as the release workflow's `zipsign sign tar` does
/// (ed25519ph over the archive, the file name as context), with the key made from `seed`.
/// Returns the public key, base64 (what `CORTENSOR_MANAGER_UPDATE_KEY` takes in debug builds).
pub fn zipsign_tar(path: &std::path::Path, seed: [u8; 32]) -> String {
    use base64::Engine;
    let key = zipsign_api::SigningKey::from_bytes(&seed);
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let mut input = std::fs::File::open(path).unwrap();
    let signed = path.with_extension("signed");
    let mut output = std::fs::File::create(&signed).unwrap();
    zipsign_api::sign::copy_and_sign_tar(
        &mut input,
        &mut output,
        std::slice::from_ref(&key),
        Some(name.as_bytes()),
    )
    .expect("sign the archive");
    drop(output);
    std::fs::rename(&signed, path).unwrap();
    base64::engine::general_purpose::STANDARD.encode(key.verifying_key().as_bytes())
}
