//! A bug-report destination on 127.0.0.1: the generic endpoint (`POST /reports`) and a Discord
//! webhook (`POST /api/webhooks/<id>/<token>`), strict about what they accept (multipart with
//! the parts the schema names, a zip that is a zip, an `Idempotency-Key`, Discord's 2,000
//! character limit), and scriptable: accept, refuse (4xx), fail (5xx), hang after reading the
//! request (its answer is lost), or drop the connection. A report is filed once per
//! idempotency key (a retry gets the first answer again), as a careful real endpoint does.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Debug, PartialEq)]
pub enum Mode {
    Accept,
    /// 4xx with this message.
    Reject(u16, String),
    /// 5xx.
    Fail(u16),
    /// File the report, then hold the answer this long (the client times out or is killed).
    Hang(Duration),
    /// Read the request, then close the connection without answering (nothing filed).
    Drop,
}

#[derive(Clone, Debug)]
pub struct Filed {
    pub kind: &'static str,
    pub idempotency_key: String,
    pub reference: String,
    /// `report` part (endpoint) or `payload_json` (Discord), as JSON.
    pub json: serde_json::Value,
    pub zip: Vec<u8>,
}

#[derive(Default)]
struct State {
    mode: Option<Mode>,
    filed: Vec<Filed>,
    requests: usize,
    by_key: HashMap<String, String>,
}

pub struct ReportServer {
    pub base: String,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    port: u16,
}

impl ReportServer {
    pub fn start() -> ReportServer {
        ReportServer::start_on(0)
    }

    /// On this port (a report queued while "offline" finds its destination there later).
    pub fn start_on(port: u16) -> ReportServer {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind 127.0.0.1");
        let port = listener.local_addr().unwrap().port();
        let state: Arc<Mutex<State>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (st, stp) = (state.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stp.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let st = st.clone();
                std::thread::spawn(move || handle(conn, st));
            }
        });
        ReportServer {
            base: format!("http://127.0.0.1:{port}"),
            state,
            stop,
            port,
        }
    }
    pub fn endpoint(&self) -> String {
        format!("{}/reports", self.base)
    }
    pub fn webhook(&self) -> String {
        format!("{}/api/webhooks/1234567890/tok-EN_secret", self.base)
    }
    pub fn set(&self, mode: Mode) {
        self.state.lock().unwrap().mode = Some(mode);
    }
    pub fn filed(&self) -> Vec<Filed> {
        self.state.lock().unwrap().filed.clone()
    }
    pub fn requests(&self) -> usize {
        self.state.lock().unwrap().requests
    }
}

impl Drop for ReportServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn respond(mut conn: TcpStream, status: u16, body: &str) {
    let reason = match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        413 => "Payload Too Large",
        _ => "Status",
    };
    let _ = write!(
        conn,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = conn.flush();
}

fn read_request(conn: &mut TcpStream) -> Option<(String, HashMap<String, String>, Vec<u8>)> {
    conn.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.lines();
    let target = lines.next()?.split(' ').nth(1)?.to_string();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers.get("content-length")?.parse().ok()?;
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some((target, headers, body))
}

/// The parts of a multipart/form-data body: name → (filename, bytes).
/// A part: its filename (if any) and its bytes.
type Part = (Option<String>, Vec<u8>);

fn parts(content_type: &str, body: &[u8]) -> Option<HashMap<String, Part>> {
    let boundary = content_type.split("boundary=").nth(1)?.trim_matches('"');
    let delim = format!("--{boundary}");
    let mut out = HashMap::new();
    let text = body;
    let mut at = 0;
    let find = |from: usize, pat: &[u8]| {
        text[from..]
            .windows(pat.len())
            .position(|w| w == pat)
            .map(|i| i + from)
    };
    at = find(at, delim.as_bytes())? + delim.len();
    loop {
        if text[at..].starts_with(b"--") {
            return Some(out);
        }
        let head_start = at + 2;
        let head_end = find(head_start, b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&text[head_start..head_end]).into_owned();
        let next = find(head_end, format!("\r\n{delim}").as_bytes())?;
        let value = text[head_end + 4..next].to_vec();
        let attr = |name: &str| {
            head.split(';').find_map(|p| {
                p.trim().strip_prefix(&format!("{name}=\"")).map(|v| {
                    v.trim_end_matches(['"', '\r', '\n'])
                        .split('"')
                        .next()
                        .unwrap_or("")
                        .to_string()
                })
            })
        };
        out.insert(attr("name")?, (attr("filename"), value));
        at = next + 2 + delim.len();
    }
}

fn handle(mut conn: TcpStream, st: Arc<Mutex<State>>) {
    let Some((target, headers, body)) = read_request(&mut conn) else {
        return;
    };
    let mode = {
        let mut s = st.lock().unwrap();
        s.requests += 1;
        s.mode.clone().unwrap_or(Mode::Accept)
    };
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let discord = path.starts_with("/api/webhooks/");
    if !discord && path != "/reports" {
        return respond(conn, 404, r#"{"message":"not found"}"#);
    }
    match &mode {
        Mode::Drop => return drop(conn),
        Mode::Reject(status, msg) => {
            return respond(
                conn,
                *status,
                &serde_json::json!({"message": msg}).to_string(),
            )
        }
        Mode::Fail(status) => return respond(conn, *status, r#"{"message":"internal error"}"#),
        _ => {}
    }
    let Some(key) = headers
        .get("idempotency-key")
        .filter(|k| !k.is_empty())
        .cloned()
    else {
        return respond(
            conn,
            400,
            r#"{"message":"Idempotency-Key header required"}"#,
        );
    };
    let Some(p) = headers.get("content-type").and_then(|ct| parts(ct, &body)) else {
        return respond(conn, 400, r#"{"message":"multipart/form-data expected"}"#);
    };
    let (json_part, file_part) = if discord {
        ("payload_json", "files[0]")
    } else {
        ("report", "bundle")
    };
    let Some(json) = p
        .get(json_part)
        .and_then(|(_, b)| serde_json::from_slice::<serde_json::Value>(b).ok())
    else {
        return respond(
            conn,
            400,
            &format!(r#"{{"message":"part {json_part} (JSON) missing"}}"#),
        );
    };
    let zip = match p.get(file_part) {
        Some((Some(name), b)) if name.ends_with(".zip") && b.starts_with(b"PK\x03\x04") => {
            b.clone()
        }
        _ => {
            return respond(
                conn,
                400,
                &format!(r#"{{"message":"part {file_part} (a .zip) missing"}}"#),
            )
        }
    };
    if discord {
        if !query.split('&').any(|q| q == "wait=true") {
            return respond(
                conn,
                400,
                r#"{"message":"this stand-in expects wait=true to return the message"}"#,
            );
        }
        let content = json.get("content").and_then(|c| c.as_str()).unwrap_or("");
        if content.chars().count() > 2000 {
            return respond(conn, 400, r#"{"message":"Invalid Form Body","code":50035}"#);
        }
        if zip.len() > 10 * 1024 * 1024 {
            return respond(
                conn,
                413,
                r#"{"message":"Request entity too large","code":40005}"#,
            );
        }
    }
    let reference = {
        let mut s = st.lock().unwrap();
        match s.by_key.get(&key) {
            Some(r) => r.clone(),
            None => {
                let n = s.filed.len() + 1;
                let r = if discord {
                    format!("11{n:016}")
                } else {
                    format!("BR-{n}")
                };
                s.by_key.insert(key.clone(), r.clone());
                s.filed.push(Filed {
                    kind: if discord { "discord" } else { "endpoint" },
                    idempotency_key: key,
                    reference: r.clone(),
                    json,
                    zip,
                });
                r
            }
        }
    };
    if let Mode::Hang(d) = mode {
        std::thread::sleep(d);
    }
    let body = if discord {
        serde_json::json!({"id": reference, "type": 0, "content": "…"}).to_string()
    } else {
        serde_json::json!({"id": reference}).to_string()
    };
    respond(conn, if discord { 200 } else { 201 }, &body)
}
