//! Test support shared by the integration tests: a real HTTP server on 127.0.0.1 serving
//! fixture data with scripted behaviours (ETag/304, errors, slowness, garbage).
#![allow(dead_code)]

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
    /// Sleep, then answer like `Json`.
    Slow { delay: Duration, body: String },
    /// Fail with 500 this many times, then behave like `Json`.
    FailThen { failures: u32, body: String, etag: String },
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
                let behaviour = r.lock().unwrap().get(&path).cloned();
                let (status, body, etag, delay) = match behaviour {
                    None => (404, "not found".to_string(), None, None),
                    Some(Behaviour::Status(code)) => (code, format!("status {code}"), None, None),
                    Some(Behaviour::Slow { delay, body }) => (200, body, None, Some(delay)),
                    Some(Behaviour::Json { body, etag }) => {
                        if inm.as_deref() == Some(etag.as_str()) {
                            (304, String::new(), Some(etag), None)
                        } else {
                            (200, body, Some(etag), None)
                        }
                    }
                    Some(Behaviour::FailThen { failures: n, body, etag }) => {
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
                log.lock().unwrap().push(Seen { path: path.clone(), if_none_match: inm, status });
                let stream = std::thread::spawn(move || {
                    if let Some(d) = delay {
                        std::thread::sleep(d);
                    }
                    let mut resp = tiny_http::Response::from_string(body).with_status_code(status);
                    if let Some(e) = etag {
                        resp.add_header(tiny_http::Header::from_bytes("ETag", e).unwrap());
                    }
                    resp.add_header(tiny_http::Header::from_bytes("Content-Type", "application/json").unwrap());
                    let _ = req.respond(resp);
                });
                drop(stream);
            }
        });
        FixtureServer { base: format!("http://127.0.0.1:{port}"), server, routes, seen, thread: Some(thread) }
    }

    pub fn route(&self, path: &str, b: Behaviour) -> String {
        self.routes.lock().unwrap().insert(path.to_string(), b);
        format!("{}{}", self.base, path)
    }

    pub fn requests(&self, path: &str) -> Vec<Seen> {
        self.seen.lock().unwrap().iter().filter(|s| s.path == path).cloned().collect()
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
    let root = manifest.ancestors().find(|d| d.join("tests/fixtures").is_dir()).expect("tests/fixtures above the manifest");
    root.join("tests/fixtures").join(name)
}

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixture_path(name)).expect("fixture exists")
}

pub const ME: &str = "0x00000000000000000000000000000000000000e1";

pub fn node(prefix: char, i: u32) -> String {
    format!("0x{prefix}{i:039x}")
}
