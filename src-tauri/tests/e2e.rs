//! End to end: the real debug binary of the app, driven through tauri-driver and
//! WebKitWebDriver (W3C WebDriver over HTTP) under Xvfb, against a loopback dashboard server.
//!
//! Needs `tauri-driver` and `WebKitWebDriver` on PATH and a display (`xvfb-run`). The README's
//! test command provides all three and sets `CM_E2E_REQUIRED=1`, which turns a missing piece
//! into a failure instead of a skip. Screenshots go to `artifacts/`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use cortensor_test_support::{
    fixture, publish_release, secret_service, test_node_bin, Backend, Behaviour, FixtureServer,
    Sandbox, ME,
};
use serde_json::{json, Value};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver {
    child: Child,
    base: String,
    agent: ureq::Agent,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Session<'a> {
    d: &'a Driver,
    id: String,
}

impl Driver {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.try_call(method, path, body)
            .unwrap_or_else(|e| panic!("{method} {path} → {e}"))
    }

    /// The call's value, or the driver's error (status and body).
    fn try_call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let url = format!("{}{}", self.base, path);
        let resp = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, b) => self.agent.post(&url).send_json(b.unwrap_or(json!({}))),
        };
        let mut resp = resp.map_err(|e| e.to_string())?;
        let v: Value = resp.body_mut().read_json().unwrap_or(Value::Null);
        if resp.status().as_u16() >= 400 {
            return Err(format!("{}: {v}", resp.status()));
        }
        Ok(v["value"].clone())
    }
}

impl Session<'_> {
    fn path(&self, rest: &str) -> String {
        format!("/session/{}{}", self.id, rest)
    }

    /// The element `css`, waited for up to 20 s (a screen opened for the first time loads its
    /// code first; a loaded machine may be slow to lay it out).
    fn find(&self, css: &str) -> String {
        let start = Instant::now();
        let v = loop {
            match self.d.try_call(
                "POST",
                &self.path("/element"),
                Some(json!({"using": "css selector", "value": css})),
            ) {
                Ok(v) => break v,
                Err(e)
                    if e.contains("no such element")
                        && start.elapsed() < Duration::from_secs(20) =>
                {
                    std::thread::sleep(Duration::from_millis(100))
                }
                Err(e) => panic!("no element {css}: {e}"),
            }
        };
        v[ELEMENT_KEY]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_string()
    }

    fn count(&self, css: &str) -> usize {
        let v = self.d.call(
            "POST",
            &self.path("/elements"),
            Some(json!({"using": "css selector", "value": css})),
        );
        v.as_array().map_or(0, Vec::len)
    }

    /// Click `css` as soon as it can be clicked (a loaded machine may still be laying it out).
    fn click(&self, css: &str) {
        let start = Instant::now();
        loop {
            let e = self.find(css);
            match self
                .d
                .try_call("POST", &self.path(&format!("/element/{e}/click")), None)
            {
                Ok(_) => return,
                Err(err)
                    if err.contains("not interactable")
                        && start.elapsed() < Duration::from_secs(20) =>
                {
                    std::thread::sleep(Duration::from_millis(100))
                }
                Err(err) => panic!("click {css} → {err}"),
            }
        }
    }

    /// Replace the text of an input the way a person would: focus, erase, type.
    fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.d
            .call("POST", &self.path(&format!("/element/{e}/click")), None);
        let erase: String = std::iter::once('\u{E010}')
            .chain(std::iter::repeat_n('\u{E003}', 80))
            .collect();
        self.d.call(
            "POST",
            &self.path(&format!("/element/{e}/value")),
            Some(json!({"text": erase})),
        );
        self.d.call(
            "POST",
            &self.path(&format!("/element/{e}/value")),
            Some(json!({"text": text})),
        );
    }

    fn text(&self, css: &str) -> Option<String> {
        let v = self.d.call(
            "POST",
            &self.path("/elements"),
            Some(json!({"using": "css selector", "value": css})),
        );
        let e = v.as_array()?.first()?[ELEMENT_KEY].as_str()?.to_string();
        self.d
            .call("GET", &self.path(&format!("/element/{e}/text")), None)
            .as_str()
            .map(str::to_string)
    }

    /// An input's current value.
    fn value(&self, css: &str) -> Option<String> {
        let e = self.find(css);
        self.d
            .call(
                "GET",
                &self.path(&format!("/element/{e}/property/value")),
                None,
            )
            .as_str()
            .map(str::to_string)
    }

    fn wait_text(&self, css: &str, want: &str) {
        let start = Instant::now();
        loop {
            let got = self.text(css);
            if got.as_deref() == Some(want) {
                return;
            }
            if start.elapsed() > Duration::from_secs(20) {
                self.screenshot("e2e-failure.png");
                panic!("{css}: wanted {want:?}, got {got:?}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_present(&self, css: &str) {
        self.wait_until(css, |s| s.count(css) > 0);
    }

    fn wait_until(&self, what: &str, f: impl Fn(&Self) -> bool) {
        self.wait_until_for(what, Duration::from_secs(30), f)
    }

    fn wait_until_for(&self, what: &str, limit: Duration, f: impl Fn(&Self) -> bool) {
        let start = Instant::now();
        while !f(self) {
            if start.elapsed() > limit {
                self.screenshot("e2e-failure.png");
                panic!("timed out waiting for {what}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn screenshot(&self, name: &str) -> PathBuf {
        let b64 = self.d.call("GET", &self.path("/screenshot"), None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap())
            .unwrap();
        let dir = cortensor_test_support::workspace_path("artifacts");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, &png).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "the screenshot is a PNG");
        path
    }
}

/// Answer the native file dialog titled `title` as a user would: wait for its window, focus it,
/// type `path` into its name field (GTK's chooser takes a whole path there) and press Enter.
/// The dialog is the real one the app's shell opens (tauri-plugin-dialog, GTK).
fn answer_file_dialog(title: &str, path: &std::path::Path) {
    // Generous: under the whole suite (four apps and a stress run on two cores) GTK can take a
    // while to map the dialog.
    let xdotool = |args: &[&str]| {
        Command::new("timeout")
            .arg("90")
            .arg("xdotool")
            .args(args)
            .output()
            .expect("xdotool")
    };
    // Searched again and again rather than with --sync: a search dies on an X error when
    // another test's window vanishes under it.
    let until = Instant::now() + Duration::from_secs(90);
    let window = loop {
        let found = xdotool(&["search", "--onlyvisible", "--name", title]);
        let w = String::from_utf8_lossy(&found.stdout)
            .lines()
            .last()
            .unwrap_or_default()
            .to_string();
        if !w.is_empty() || Instant::now() > until {
            break w;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    if window.is_empty() {
        let all = xdotool(&["search", "--name", "."]);
        let names: Vec<String> = String::from_utf8_lossy(&all.stdout)
            .lines()
            .map(|w| {
                String::from_utf8_lossy(&xdotool(&["getwindowname", w]).stdout)
                    .trim()
                    .to_string()
            })
            .collect();
        panic!("no dialog titled {title:?} appeared; windows: {names:?}");
    }
    assert!(xdotool(&["windowfocus", "--sync", &window])
        .status
        .success());
    std::thread::sleep(Duration::from_millis(300));
    assert!(xdotool(&["key", "--clearmodifiers", "ctrl+a"])
        .status
        .success());
    assert!(
        xdotool(&["type", "--delay", "15", &path.display().to_string()])
            .status
            .success()
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(xdotool(&["key", "Return"]).status.success());
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
}

/// Start tauri-driver with `env` (inherited by WebKitWebDriver and the app) and open a session.
/// In a test's environment: the app draws as it does by default (see [`start_app`]).
const APP_DRAWING: &str = "CM_E2E_APP_DRAWING";

fn start_app(env: &[(&str, &str)]) -> (Driver, String) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let native_port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = Command::new("tauri-driver");
    cmd.args([
        "--port",
        &port.to_string(),
        "--native-port",
        &native_port.to_string(),
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::inherit());
    // The app's update checks stay on this machine (a closed port) unless a test serves a feed.
    cmd.env(
        "CORTENSOR_MANAGER_APP_FEED",
        "http://127.0.0.1:9/latest.json",
    );
    // WebDriver's screenshot of a window WebKitGTK draws in software (the app's default on
    // Linux) waited for a frame that never came in three of these tests (60 s, then a timeout;
    // users take no WebDriver screenshots). The tests draw with WebKit's compositing — "0" is
    // WebKit's "not disabled", and the app leaves a variable the user set alone — except the one
    // that asks for the app's own default (`APP_DRAWING`) and checks it.
    if !env.iter().any(|(k, _)| *k == APP_DRAWING) {
        cmd.env("WEBKIT_DISABLE_COMPOSITING_MODE", "0");
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("start tauri-driver");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let driver = Driver {
        child,
        base: format!("http://127.0.0.1:{port}"),
        agent,
    };
    let app = PathBuf::from(env!("CARGO_BIN_EXE_cortensor-manager-app"));
    let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "wry", "tauri:options": {"application": app}}}});
    let start = Instant::now();
    let id = loop {
        let attempt = driver
            .agent
            .post(&format!("{}/session", driver.base))
            .send_json(&caps);
        match attempt {
            Ok(mut r) if r.status().as_u16() == 200 => {
                let v: Value = r.body_mut().read_json().unwrap();
                break v["value"]["sessionId"].as_str().unwrap().to_string();
            }
            other if start.elapsed() > Duration::from_secs(30) => {
                panic!("no WebDriver session: {:?}", other.map(|r| r.status()))
            }
            _ => std::thread::sleep(Duration::from_millis(200)),
        }
    };
    (driver, id)
}

/// The app's process on data folder `data` (tests run side by side, each on its own).
fn app_pid(data: &Path) -> u32 {
    let app_exe = PathBuf::from(env!("CARGO_BIN_EXE_cortensor-manager-app"));
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|d| d.file_name().to_str()?.parse::<u32>().ok())
        .find(|pid| {
            std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|e| e == app_exe)
                && std::fs::read(format!("/proc/{pid}/environ")).is_ok_and(|env| {
                    String::from_utf8_lossy(&env).contains(&*data.to_string_lossy())
                })
        })
        .expect("the app's process")
}

/// Give the app's window the keyboard focus (the tests' windows share one X display).
fn focus_window(pid: u32) {
    let out = Command::new("xdotool")
        .args(["search", "--onlyvisible", "--pid", &pid.to_string()])
        .output()
        .expect("xdotool");
    for w in String::from_utf8_lossy(&out.stdout).split_whitespace() {
        let _ = Command::new("xdotool")
            .args(["windowfocus", "--sync", w])
            .output();
    }
}

/// The WebKit processes (web, network) under the app's process `pid`.
fn webkit_processes(pid: u32) -> Vec<String> {
    let procs: Vec<(u32, u32, String)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|d| {
            let p = d.file_name().to_str()?.parse::<u32>().ok()?;
            let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).ok()?;
            let (name, rest) = stat.split_once(" (")?.1.rsplit_once(") ")?;
            if rest.starts_with('Z') {
                return None;
            }
            let ppid = rest.split_whitespace().nth(1)?.parse().ok()?;
            Some((p, ppid, name.to_string()))
        })
        .collect();
    let mut family = vec![pid];
    let mut i = 0;
    while i < family.len() {
        let parent = family[i];
        family.extend(procs.iter().filter(|p| p.1 == parent).map(|p| p.0));
        i += 1;
    }
    procs
        .into_iter()
        .filter(|p| family.contains(&p.0) && p.2.contains("WebKit"))
        .map(|p| format!("{} {}", p.0, p.2))
        .collect()
}

/// The environment the app's WebKit web process started with (one entry per line).
fn web_process_env(app: u32) -> String {
    let web = webkit_processes(app)
        .into_iter()
        .find(|p| p.contains("WebKitWebProc"))
        .expect("the app's web process");
    let pid = web.split_whitespace().next().unwrap();
    String::from_utf8_lossy(&std::fs::read(format!("/proc/{pid}/environ")).unwrap())
        .replace('\0', "\n")
}

/// Skip (or fail, when required) without the tools the end-to-end tests need.
fn tools_present() -> bool {
    let required = std::env::var("CM_E2E_REQUIRED").is_ok_and(|v| v == "1");
    let missing: Vec<&str> = [
        ("tauri-driver", on_path("tauri-driver")),
        ("WebKitWebDriver", on_path("WebKitWebDriver")),
        ("DISPLAY", std::env::var_os("DISPLAY").is_some()),
        ("xdotool", on_path("xdotool")),
    ]
    .into_iter()
    .filter(|(_, ok)| !ok)
    .map(|(n, _)| n)
    .collect();
    if !missing.is_empty() {
        assert!(
            !required,
            "end-to-end test required but missing: {missing:?}"
        );
        eprintln!("SKIPPED end-to-end test: missing {missing:?} (run the README's test command)");
        return false;
    }
    true
}

#[test]
fn rewards_and_rank_in_the_real_app() {
    if !tools_present() {
        return;
    }

    let server = FixtureServer::start();
    let url = server.route(
        "/leaderboard",
        Behaviour::Json {
            body: fixture("leaderboard.json"),
            etag: "\"e2e\"".into(),
        },
    );
    let sb = Sandbox::new(Backend::Supervisor);
    let owned = sb.env();
    let mut env: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // Money is written the locale's way: the assertions below are in US English.
    env.push(("LANG", "en_US.UTF-8"));
    let (driver, id) = start_app(&env);
    let s = Session { d: &driver, id };

    // Nothing is installed yet, so the app opens on Setup; Rewards & Rank is one click away.
    s.wait_present("#step-welcome");
    s.click("#tab-rewards");
    // 3 nodes, 10 % role bonus → $72.60.
    s.wait_text("#total", "$20.00");
    s.type_into("#nodes", "3");
    s.click("#role option[value='10']");
    s.wait_text("#total", "$72.60");
    s.wait_text("#multi", "$6.00");
    s.wait_text("#role-bonus", "$6.60");
    let shot = s.screenshot("e2e-rewards.png");
    eprintln!("screenshot: {}", shot.display());

    // Bad input is explained under its field, with no stale total; no backend text reaches it.
    s.type_into("#nodes", "0");
    s.wait_text(
        "#nodes-error",
        "Enter the number of nodes as a whole number from 1 (the contest pays up to 25).",
    );
    assert_eq!(s.count("#total"), 0);
    s.type_into("#nodes", "3");
    s.type_into("#months", "abc");
    s.wait_text(
        "#months-error",
        "Enter the months as a number above 0, such as 1 or 1.5.",
    );
    assert_eq!(s.count("#total"), 0);
    s.screenshot("e2e-rewards-bad-input.png");
    s.type_into("#months", "1");
    s.type_into("#nodes", "3");
    s.wait_text("#total", "$72.60");

    // Rank projection from the loopback dashboard: spots 1, 6, 11 → $110.00, fed into the total.
    s.type_into("#operator", ME);
    s.type_into("#leaderboard", &url);
    s.click("#project");
    s.wait_text("#rank-rewards-total", "$110.00");
    assert_eq!(
        s.count("#rank-table tr.mine"),
        3,
        "the operator's three nodes are highlighted"
    );
    s.wait_text("#total", "$182.60");
    s.wait_text("#rank", "$110.00");
    let shot = s.screenshot("e2e-rank.png");
    assert_eq!(s.text("#total").as_deref(), Some("$182.60"));
    eprintln!("screenshot: {}", shot.display());
    assert_eq!(server.requests("/leaderboard").len(), 1);

    // An unknown operator is explained inline.
    s.type_into("#operator", "0x00000000000000000000000000000000000000d0");
    s.click("#project");
    let start = Instant::now();
    while s.text("#rank-error").is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no inline error for an unknown operator"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(s
        .text("#rank-error")
        .unwrap()
        .contains("has no nodes on this leaderboard"));

    // The window may call only what it is granted: a plugin command no screen uses (the
    // opener's open_url) and a setting key outside the typed ones are refused.
    let refused = |script: &str| -> String {
        let v = driver.call(
            "POST",
            &s.path("/execute/async"),
            Some(json!({"script": script, "args": []})),
        );
        v.as_str().unwrap_or_default().to_string()
    };
    let said = refused(
        "const done = arguments[arguments.length - 1];\
         window.__TAURI_INTERNALS__.invoke('plugin:opener|open_url', {url: 'https://example.org'})\
           .then(() => done('allowed'), (e) => done('refused: ' + e));",
    );
    assert!(
        said.starts_with("refused") && said.contains("not allowed"),
        "{said}"
    );
    let said = refused(
        "const done = arguments[arguments.length - 1];\
         window.__TAURI_INTERNALS__.invoke('set_setting', {key: 'backend', value: 'supervisor'})\
           .then(() => done('allowed'), (e) => done('refused: ' + JSON.stringify(e)));",
    );
    assert!(said.starts_with("refused"), "{said}");
    // The page opens no file dialog of its own any more (the shell does, for a purpose).
    let said = refused(
        "const done = arguments[arguments.length - 1];\
         window.__TAURI_INTERNALS__.invoke('plugin:dialog|open', {options: {}})\
           .then(() => done('allowed'), (e) => done('refused: ' + e));",
    );
    assert!(said.starts_with("refused"), "{said}");

    // Absurd arguments to every app command that takes any: each is answered (an error in
    // words, or a harmless value), none hangs, none takes the app down, none reaches a file the
    // user did not choose.
    let (answered, refused_paths) = absurd_app_commands(&driver, &s);
    eprintln!("FAULT-ROW bad input to app commands | {answered} | {answered} | – | every call answered, 0 panics, {refused_paths} typed paths refused");

    driver.call("DELETE", &s.path(""), None);
}

/// Call every app command that takes arguments with absurd ones; returns how many calls were
/// answered and how many typed paths were refused. Fails on a hang, a dead app, or a typed path
/// that was used.
fn absurd_app_commands(driver: &Driver, s: &Session) -> (usize, usize) {
    let big = "A".repeat(200_000);
    let strings = json!([
        "",
        "\u{0}",
        "../../etc/passwd",
        "/etc/shadow",
        "grant:0",
        "C:\\Windows\\win.ini",
        big
    ]);
    let ints = json!([
        -1,
        0,
        4294967295u64,
        4294967296u64,
        9223372036854775807i64,
        -9223372036854775807i64,
        1e300,
        "7",
        null
    ]);
    let mut calls: Vec<Value> = Vec::new();
    let each = |calls: &mut Vec<Value>, cmd: &str, key: &str, values: &Value| {
        for v in values.as_array().unwrap() {
            calls.push(json!([cmd, {key: v}]));
        }
    };
    for (cmd, key) in [
        ("register_node", "id"),
        ("dismiss_alert", "id"),
        ("recent_alerts", "hours"),
        ("set_metrics_port", "port"),
    ] {
        each(&mut calls, cmd, key, &ints);
    }
    for (cmd, key) in [
        ("set_leaderboard_address", "url"),
        ("set_redaction_patterns", "text"),
        ("open_report_page", "id"),
        ("redact_text", "text"),
        ("install_binary", "source"),
        ("adopt_official", "envFile"),
        ("fix_check", "id"),
        ("export_keys", "token"),
    ] {
        each(&mut calls, cmd, key, &strings);
    }
    for v in ints.as_array().unwrap() {
        calls.push(json!(["watch_node_log", {"id": v, "lines": v}]));
        calls.push(json!(["uptime_timeline", {"id": v, "hours": v}]));
    }
    for v in strings.as_array().unwrap() {
        calls.push(json!(["report_view", {"id": v, "path": v}]));
        calls.push(json!(["report_submit", {"id": v, "leaveOut": [v], "saveOnly": true}]));
        calls.push(json!(["set_report_destination", {"kind": v, "value": v}]));
        calls.push(json!(["set_setting", {"key": v, "value": v}]));
        calls.push(json!(["get_setting", {"key": v}]));
        calls.push(json!(["choose_path", {"purpose": v}]));
        calls.push(json!(["project_rank", {"request": {"leaderboard": v, "operator": v, "what_ifs": [], "local_nodes": [v], "others": {}}}]));
    }
    for v in [json!(null), json!({}), json!([]), json!("x")] {
        for (cmd, key) in [
            ("compute_rewards", "input"),
            ("project_rank", "request"),
            ("report_check", "form"),
            ("report_prepare", "form"),
            ("add_nodes", "request"),
            ("node_control", "selection"),
        ] {
            calls.push(json!([cmd, {key: v}]));
        }
    }
    calls.push(json!(["compute_rewards", {"input": {"nodes": 4294967295u64, "months": 4294967295u64, "rank_rewards": "1e400"}}]));
    calls.push(json!(["add_nodes", {"request": {"count": 4294967295u64, "network": null, "rpc_urls": [], "key_store": "file", "gpu": false}}]));
    calls.push(json!(["add_nodes", {"request": {"count": 0, "network": "../../x", "rpc_urls": ["file:///etc/passwd"], "key_store": "file", "gpu": false}}]));
    calls.push(
        json!(["node_control", {"selection": {"ids": [4294967295u64, 0]}, "action": "start"}]),
    );
    calls.push(json!(["report_prepare", {"form": {"title": "t", "what": "w", "expected": "", "steps": "", "category": "other", "severity": "minor", "nodes": [4294967295u64], "contact": "", "attachments": ["/etc/shadow", "grant:0"], "context": null}}]));
    driver.call(
        "POST",
        &s.path("/timeouts"),
        Some(json!({"script": 900_000})),
    );
    let out = driver.call(
        "POST",
        &s.path("/execute/async"),
        Some(json!({
            "script": "const done = arguments[arguments.length - 1];\
                (async () => {\
                  const results = [];\
                  for (const [cmd, args] of arguments[0]) {\
                    const timeout = new Promise((r) => setTimeout(() => r(['timeout', '']), 20000));\
                    const call = window.__TAURI_INTERNALS__.invoke(cmd, args).then(\
                      (v) => ['ok', JSON.stringify(v ?? null).slice(0, 200)],\
                      (e) => ['err', String(e && e.message ? e.message : JSON.stringify(e)).slice(0, 300)]);\
                    const [outcome, said] = await Promise.race([call, timeout]);\
                    results.push([cmd, JSON.stringify(args).slice(0, 120), outcome, said]);\
                  }\
                  done(JSON.stringify(results));\
                })();",
            "args": [calls],
        })),
    );
    let results: Vec<(String, String, String, String)> =
        serde_json::from_str(out.as_str().expect("the corpus finished")).unwrap();
    assert_eq!(results.len(), calls.len());
    let hung: Vec<_> = results.iter().filter(|r| r.2 == "timeout").collect();
    assert!(hung.is_empty(), "calls that hung: {hung:?}");
    // A typed path reaches nothing: every command that takes one refuses it.
    let typed = |r: &&(String, String, String, String)| {
        [
            "export_keys",
            "adopt_official",
            "install_binary",
            "report_view",
        ]
        .contains(&r.0.as_str())
            && ["../../etc/passwd", "/etc/shadow", "win.ini"]
                .iter()
                .any(|p| r.1.contains(p))
    };
    let used: Vec<_> = results
        .iter()
        .filter(typed)
        .filter(|r| r.2 != "err")
        .collect();
    assert!(used.is_empty(), "typed paths were used: {used:?}");
    let refused_paths = results.iter().filter(typed).count();
    assert!(refused_paths >= 8, "{refused_paths}");
    // Absurd numbers that type-check are refused in words, not served.
    for r in results.iter().filter(|r| {
        (r.0 == "compute_rewards" && r.1.contains("4294967295"))
            || (r.0 == "add_nodes" && r.1.contains("4294967295"))
    }) {
        assert_eq!(r.2, "err", "{r:?}");
        assert!(!r.3.is_empty() && !r.3.contains("panicked"), "{r:?}");
    }
    assert!(
        results.iter().all(|r| !r.3.contains("panicked")),
        "a command panicked"
    );
    // The app is alive and answers.
    let alive = driver.call(
        "POST",
        &s.path("/execute/async"),
        Some(json!({
            "script": "const done = arguments[arguments.length - 1];\
                window.__TAURI_INTERNALS__.invoke('ruleset').then((r) => done(r.name), (e) => done('err ' + e));",
            "args": [],
        })),
    );
    assert!(
        alive.as_str().is_some_and(|n| !n.starts_with("err")),
        "{alive}"
    );
    (results.len(), refused_paths)
}

#[test]
fn first_run_wizard_installs_creates_registers_and_starts_nodes() {
    if !tools_present() || !cortensor_test_support::require("Secret Service", secret_service()) {
        return;
    }
    let server = FixtureServer::start();
    let manifest_url = publish_release(&server, "1.2.3", std::fs::read(test_node_bin()).unwrap());

    // The app's own machine: home, data, the stand-in systemd, the loopback network.
    let sb = Sandbox::new(Backend::OsServices);
    let data = sb.data.clone();
    let owned = sb.env();
    let mut env: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // Money is written the locale's way: the assertions below are in US English.
    env.push(("LANG", "en_US.UTF-8"));
    let (driver, id) = start_app(&env);
    let s = Session { d: &driver, id };

    s.wait_present("#step-welcome");
    s.screenshot("e2e-wizard-1-welcome.png");
    s.click("#wizard-start");
    s.wait_present("[data-check='docker']");
    s.screenshot("e2e-wizard-2-check.png");
    s.click("#wizard-next-check");

    s.click("#step-install summary");
    s.type_into("#install-source", &manifest_url);
    s.click("#wizard-install");
    s.wait_text(
        "#install-done",
        "✓ cortensord 1.2.3 is installed and verified.",
    );
    // IPFS: the sandbox has kubo's CLI on the tools' PATH (the stand-in answers 0.33.0).
    s.wait_text("#ipfs-done", "✓ IPFS (kubo 0.33.0) is already installed.");
    s.screenshot("e2e-wizard-3-installed.png");
    s.click("#wizard-next-install");

    // Two nodes: move the slider one step right.
    let slider = s.find("#step-nodes input[type='range']");
    s.d.call(
        "POST",
        &s.path(&format!("/element/{slider}/value")),
        Some(json!({"text": "\u{E014}"})),
    );
    s.wait_text("#node-count", "2");
    // The user's RPC address (a loopback JSON-RPC endpoint playing the chain: 1 ETH per node).
    let chain = cortensor_test_support::JsonRpcServer::start(std::collections::HashMap::from([(
        "eth_getBalance".to_string(),
        "\"0xde0b6b3a7640000\"".to_string(),
    )]));
    s.type_into("#rpc-url", "http://rpc.example/v2/E2EKEY");
    s.wait_text(
        "#rpc-url-help",
        "Use an https:// address (http:// only for a node on this computer)",
    );
    s.screenshot("e2e-wizard-4a-rpc-error.png");
    s.type_into("#rpc-url", &chain.url);
    s.wait_until("the RPC address accepted", |s| {
        !s.text("#rpc-url-help")
            .unwrap_or_default()
            .contains("Use an https")
    });
    s.screenshot("e2e-wizard-4b-nodes.png");
    s.click("#wizard-create");
    s.wait_until("two node keys", |s| s.count("#node-keys li") == 2);
    s.screenshot("e2e-wizard-4-keys.png");
    // Each node's .env is upstream's example with this RPC address as HOST.
    for n in 1..=2 {
        let env = std::fs::read_to_string(data.join(format!("nodes/node-{n}/.env"))).unwrap();
        assert!(env.contains(&format!("HOST={}", chain.url)), "{env}");
        assert!(env.contains("DEV_MODE_ENABLE_DEBUG_PRINT=1"));
    }
    // Continue needs the "I saved my keys" confirmation.
    assert_eq!(
        s.d.call(
            "GET",
            &s.path(&format!("/element/{}/enabled", s.find("#wizard-next-keys"))),
            None
        ),
        Value::Bool(false)
    );
    // The backup goes where the user chooses in the real save dialog (the page never names a
    // path: the shell opens the dialog and hands the page a token).
    let backup = sb.home.join("backups/my-node-keys.csv");
    std::fs::create_dir_all(backup.parent().unwrap()).unwrap();
    s.click("#wizard-backup");
    answer_file_dialog("Save your node keys", &backup);
    s.wait_until("the keys backed up", |s| {
        s.text("#backup-done")
            .is_some_and(|t| t.contains("2 key(s) saved to") && t.contains("my-node-keys.csv"))
    });
    s.screenshot("e2e-wizard-4c-backup.png");
    let text = std::fs::read_to_string(&backup).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&backup).unwrap().permissions())
            & 0o777,
        0o600
    );
    assert_eq!(
        text.lines().filter(|l| l.starts_with("0x")).count(),
        2,
        "both keys"
    );
    s.click("#keys-saved input");
    s.click("#wizard-next-keys");

    s.click("#wizard-register");
    s.wait_until("both nodes registered", |s| {
        s.count("#registrations li.ok") == 2
    });
    // Registration checked each node's balance through that RPC address first.
    assert_eq!(
        chain
            .calls
            .lock()
            .unwrap()
            .iter()
            .filter(|m| *m == "eth_getBalance")
            .count(),
        2
    );
    s.click("#wizard-next-register");

    s.click("#wizard-start-nodes");
    s.wait_text("#start-done", "✓ Started 2 nodes. They keep running when you close the app and start again after a restart.");
    // Started is not earning: Docker does not answer here, and the step says so.
    s.wait_text(
        "#start-not-earning",
        "⚠ Docker is not running: the nodes run but cannot earn until it does (Setup → Fix)",
    );
    s.screenshot("e2e-wizard-5-started.png");

    // The nodes really run: their logs show progress, with their own keys from the keychain.
    for n in 1..=2 {
        let log = data.join(format!("nodes/node-{n}/logs/cortensord.log"));
        s.wait_until(&format!("node {n} logging"), |_| {
            std::fs::read_to_string(&log)
                .unwrap_or_default()
                .contains("* Latest ID:")
        });
    }

    // Home: the Overview answers "are my nodes earning?" (not here: Docker does not answer)
    // with the one next action.
    s.click("#wizard-finish");
    s.wait_until("the fleet sentence", |s| {
        s.text("#fleet-sentence")
            .is_some_and(|t| t.starts_with("0 of 2 nodes earning · 0 of 2 qualify yet"))
    });
    s.wait_until("Start Docker as the next action", |s| {
        s.text("#next-action").is_some_and(|t| {
            t.contains("2 nodes: Docker is stopped") && t.ends_with("Start Docker")
        })
    });
    s.screenshot("e2e-overview.png");
    // The dashboard: health pushed from Rust turns both cards healthy.
    s.click("#tab-nodes");
    s.wait_until("two healthy node cards", |s| {
        s.count(".node-card.state-healthy") == 2
    });
    s.wait_until("totals", |s| {
        s.text("#totals").is_some_and(|t| t.contains("2 healthy"))
    });
    // Each card says how its LLM engine is (here: the test node's LLM port, probed by the
    // monitor service that starting the nodes installed).
    s.wait_until("node 1's LLM port seen listening", |s| {
        s.text(".node-card[data-node='1'] .llm")
            .is_some_and(|t| t.contains("listening"))
    });
    // Docker does not answer here (the stand-in has no daemon folder): both nodes are up for
    // the contest's ledger (healthy) but not earning, and each card says Docker is why; the
    // first hour's uptime reads "measuring", the same on the card and in the header.
    s.wait_until("Docker named as what stops the nodes", |s| {
        s.text(".node-card[data-node='2'] .earning")
            .is_some_and(|t| {
                t.starts_with("Not earning: Docker is stopped") && t.ends_with("Start Docker")
            })
    });
    s.wait_text("#earning-total", "0 of 2 earning");
    // A node's uptime is counted in whole minutes: its first figure comes when the minute it
    // started in has turned, up to a minute after another node's. Wait, do not race.
    s.wait_until_for("node 1's uptime measuring", Duration::from_secs(90), |s| {
        s.text(".node-card[data-node='1'] .uptime")
            .is_some_and(|t| t.starts_with("measuring (running"))
    });
    assert_eq!(
        s.text("#fleet-uptime").as_deref(),
        Some("uptime 24 h measuring")
    );
    // Each card shows the node's balance, read by the monitor through the node's RPC (1 ETH).
    for n in 1..=2 {
        s.wait_until(&format!("node {n}'s balance"), |s| {
            s.text(&format!(".node-card[data-node='{n}'] .balance"))
                .is_some_and(|t| t == "1.000000 ETH")
        });
    }

    // Prometheus metrics, turned on from the app: the monitor serves them within seconds.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    s.click("#tab-settings");
    s.click("#metrics-settings summary");
    s.type_into("#metrics-settings input", &port.to_string());
    s.click("#metrics-settings button.primary");
    s.wait_text("#metrics-url", &format!("http://127.0.0.1:{port}/metrics"));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(2)))
        .build()
        .into();
    s.wait_until("the metrics endpoint", |_| {
        agent
            .get(&format!("http://127.0.0.1:{port}/metrics"))
            .call()
            .ok()
            .and_then(|mut r| r.body_mut().read_to_string().ok())
            .is_some_and(|b| b.contains("cortensor_node_up{node=\"2\""))
    });
    s.click("#tab-nodes");
    s.wait_present(".node-card[data-node='1']");
    s.screenshot("e2e-dashboard.png");
    s.click(".node-card[data-node='1']");
    // Process, session, containers and ports sit behind "Details".
    s.click("#node-details summary");
    s.wait_until("node 1's live log", |s| {
        s.text("#node-log")
            .is_some_and(|t| t.contains("* Latest ID:"))
    });
    s.wait_until("the node's reason", |s| {
        s.text("#node-reason")
            .is_some_and(|t| t.starts_with("session "))
    });
    // New lines are pushed from Rust (`node-log` events): the view grows without a reload.
    let count = |s: &Session| {
        s.text("#node-log-count")
            .and_then(|t| t.split_whitespace().next()?.parse::<usize>().ok())
            .unwrap_or(0)
    };
    let first = count(&s);
    s.wait_until("new log lines pushed", |s| count(s) > first);
    s.wait_until("node 1's ports", |s| {
        s.text("#node-engine")
            .is_some_and(|t| t.contains("llm port") && t.contains("listening"))
    });
    s.wait_text("#node-balance", "1.000000 ETH");
    std::thread::sleep(Duration::from_secs(2));
    s.screenshot("e2e-node-page.png");

    // The smallest window the app allows (800×560): nothing wider than the window, on every
    // screen.
    s.d.call(
        "POST",
        &s.path("/window/rect"),
        Some(json!({"width": 800, "height": 560})),
    );
    std::thread::sleep(Duration::from_millis(500));
    let overflow = |s: &Session| {
        s.d.call(
            "POST",
            &s.path("/execute/sync"),
            Some(json!({"script": "return document.documentElement.scrollWidth - document.documentElement.clientWidth;", "args": []})),
        )
        .as_i64()
        .unwrap_or(-1)
    };
    assert_eq!(overflow(&s), 0, "the node page fits 800 px");
    s.screenshot("e2e-small-node-page.png");
    for (tab, shot) in [
        ("#tab-overview", "e2e-small-overview.png"),
        ("#tab-nodes", "e2e-small-nodes.png"),
        ("#tab-rewards", "e2e-small-rewards.png"),
        ("#tab-setup", "e2e-small-setup.png"),
    ] {
        s.click(tab);
        std::thread::sleep(Duration::from_millis(700));
        assert_eq!(overflow(&s), 0, "{tab} fits 800 px");
        if tab == "#tab-rewards" {
            // The calculator opens with this machine's two nodes, none qualifying yet.
            s.wait_until("the calculator on the real node count", |s| {
                s.value("#nodes").as_deref() == Some("2")
            });
            assert!(s
                .text("#fleet-summary")
                .is_some_and(|t| t.starts_with("2 nodes · 0 qualify yet")));
            // A mistyped leaderboard address is explained under its field.
            s.type_into("#leaderboard", "htps:/backend.example/leaderboard");
            s.wait_text(
                "#leaderboard-error",
                "That looks like a web address with a typo: start it with https://.",
            );
        }
        if tab == "#tab-setup" {
            // Setup revisited is a status page, not onboarding again.
            s.wait_until("the setup status page", |s| {
                s.text("#status-registered")
                    .is_some_and(|t| t.starts_with("✓ registered 2/2"))
            });
            assert_eq!(s.count("#step-welcome"), 0);
        }
        s.screenshot(shot);
    }

    // The tray, through its menu's actions (WebDriver cannot reach a tray).
    let cli = test_node_bin().with_file_name("cortensor-manager");
    let pids = || -> Vec<Option<i64>> {
        let out = Command::new(&cli)
            .args(["node", "status", "--json"])
            .envs(owned.iter().map(|(k, v)| (*k, v.as_str())))
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        v["runtime"]
            .as_array()
            .map(|a| a.iter().map(|r| r["pid"].as_i64()).collect())
            .unwrap_or_default()
    };
    let tray = |action: &str| -> String {
        s.d.call(
            "POST",
            &s.path("/execute/async"),
            Some(json!({"script": format!("const done = arguments[arguments.length - 1]; window.__TAURI_INTERNALS__.invoke('tray_action', {{action: '{action}'}}).then(done, (e) => done('error: ' + JSON.stringify(e)));"), "args": []})),
        )
        .as_str()
        .unwrap_or_default()
        .to_string()
    };
    let said = tray("stop_all");
    assert!(!said.starts_with("error"), "{said}");
    s.wait_until("the nodes stopped from the tray", |_| {
        pids().iter().all(|p| p.is_none())
    });
    let said = tray("start_all");
    assert!(!said.starts_with("error"), "{said}");
    s.wait_until("the nodes started from the tray", |_| {
        let p = pids();
        p.len() == 2 && p.iter().all(|p| p.is_some())
    });
    let said = tray("check_updates");
    assert!(
        said.contains("up to date") || said.contains("is available"),
        "{said}"
    );

    // Closing the window: its process ends, WebKit with it, and the tray's own small process
    // takes over (a month in the tray costs no browser engine).
    let app_exe = PathBuf::from(env!("CARGO_BIN_EXE_cortensor-manager-app"));
    let tray_exe = app_exe.with_file_name("cortensor-manager-tray");
    assert!(
        tray_exe.is_file(),
        "the tray's program is not built: cargo build -p cortensor-manager-tray (cargo test --workspace builds it)"
    );
    let app_pid = app_pid(&data);
    let shown = |pid: u32| {
        let out = Command::new("xdotool")
            .args(["search", "--onlyvisible", "--pid", &pid.to_string()])
            .output()
            .unwrap();
        !String::from_utf8_lossy(&out.stdout).trim().is_empty()
    };
    let alive = |pid: u32| {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|st| !st.contains(") Z "))
    };
    assert!(shown(app_pid), "the window is shown");
    assert!(
        !webkit_processes(app_pid).is_empty(),
        "a shown window has its WebKit processes"
    );
    // (The page goes with the window, so the driver may get no answer.)
    let _ = s.d.try_call(
        "POST",
        &s.path("/execute/sync"),
        Some(json!({"script": "setTimeout(() => window.__TAURI_INTERNALS__.invoke('plugin:window|close', {label: 'main'}), 200); return 1;", "args": []})),
    );
    let t = Instant::now();
    while alive(app_pid) {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "the window's process did not end: {:?}",
            webkit_processes(app_pid)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let tray_pid = || -> Option<u32> {
        let pid: u32 = std::fs::read_to_string(data.join("run/tray.pid"))
            .ok()?
            .trim()
            .parse()
            .ok()?;
        (alive(pid) && std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|e| e == tray_exe))
            .then_some(pid)
    };
    let t = Instant::now();
    while tray_pid().is_none() {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "the tray's process did not take over"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let tray = tray_pid().unwrap();
    let maps = std::fs::read_to_string(format!("/proc/{tray}/maps")).unwrap();
    assert!(
        !maps.contains("libwebkit") && !maps.contains("libjavascriptcore"),
        "the tray's process loads no WebKit"
    );
    assert!(webkit_processes(tray).is_empty(), "and starts none");
    assert!(!shown(tray), "and shows no window");
    let tray_log = || std::fs::read_to_string(data.join("logs/tray.log")).unwrap_or_default();
    // Its menu, through its program (`cortensor-manager tray ACTION`; WebDriver cannot reach a
    // tray): the running tray does it.
    let ask_tray = |action: &str| {
        let out = Command::new(&tray_exe)
            .args(["tray", action])
            .envs(owned.iter().map(|(k, v)| (*k, v.as_str())))
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success()
                && said.contains(&format!("asked the tray (pid {tray}) to {action}")),
            "{said}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // (No window, no driver: waits that fail say what the tray's log says.)
    let wait = |what: &str, f: &dyn Fn() -> bool| {
        let t = Instant::now();
        while !f() {
            assert!(
                t.elapsed() < Duration::from_secs(30),
                "timed out waiting for {what}; the tray's log:\n{}",
                tray_log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    ask_tray("stop_all");
    wait("the nodes stopped from the tray's process", &|| {
        pids().iter().all(|p| p.is_none())
    });
    ask_tray("start_all");
    wait("the nodes started from the tray's process", &|| {
        let p = pids();
        p.len() == 2 && p.iter().all(|p| p.is_some())
    });
    ask_tray("check_updates");
    wait("the tray checked for updates", &|| {
        tray_log().lines().any(|l| {
            l.contains("tray: check_updates: ")
                && (l.contains("cortensord is up to date") || l.contains("is available"))
        })
    });
    // Opening the app again (here a launch; the tray's Open starts the same program): a new
    // window, and the tray's process leaves.
    let launch = |args: &[&str]| {
        Command::new(&app_exe)
            .args(args)
            .envs(owned.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut reopened = launch(&[]);
    let t = Instant::now();
    while !shown(reopened.id()) {
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "the window did not come back"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        !webkit_processes(reopened.id()).is_empty(),
        "the window has a web view again"
    );
    wait("the tray's process left", &|| !alive(tray));
    assert!(tray_log().contains("a window is back: the tray leaves"));
    // Quit (the tray's Quit, here asked by a launch with --quit): the app ends, the nodes
    // run on, and the app's log says so.
    let running = pids();
    let st = launch(&["--quit"]).wait().unwrap();
    assert!(
        st.success(),
        "a second launch with --quit hands over and exits"
    );
    let t = Instant::now();
    while reopened.try_wait().unwrap().is_none() {
        assert!(
            t.elapsed() < Duration::from_secs(15),
            "the app did not quit"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let log = std::fs::read_to_string(data.join("logs/app.log")).unwrap_or_default();
    assert!(
        log.contains("quit; 2 node(s) keep running"),
        "the app's log: {log}"
    );
    assert_eq!(pids(), running, "the nodes keep running after Quit");
    drop(driver);

    // Clean up through the CLI: stops the nodes (SIGINT) and removes everything.
    let out = Command::new(&cli)
        .args(["uninstall", "--yes", "--delete-keys", "--export-keys"])
        .arg(sb.home.join("keys.csv"))
        .envs(owned)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_bug_report_from_an_error_reaches_its_endpoint_once_even_when_offline_at_first() {
    // The report reads the keychain (its redactor knows the keys and RPC URLs): the one
    // unlocked Secret Service of this test binary, started before any app asks for one (an app
    // that asked first would have D-Bus start a locked one, which the others then replace).
    if !tools_present() || !cortensor_test_support::require("Secret Service", secret_service()) {
        return;
    }
    use cortensor_test_support::report_server::ReportServer;

    let sb = Sandbox::new(Backend::Supervisor);
    // A secret in the daemon's log that must not leave with the bundle.
    let planted = format!("0x{}", "5e".repeat(32));
    std::fs::create_dir_all(&sb.data).unwrap();
    std::fs::write(
        sb.data.join("daemon.log"),
        format!("daemon: started\nloaded key {planted}\ndaemon: node 1 up\n"),
    )
    .unwrap();
    let owned = sb.env();
    let mut env: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.push(("LANG", "en_US.UTF-8"));
    let (driver, id) = start_app(&env);
    let s = Session { d: &driver, id };
    s.wait_present("#step-welcome");

    // The destination: an endpoint on 127.0.0.1 where nothing listens yet (offline).
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}/reports");
    s.click("#tab-settings");
    s.click("#report-destinations summary");
    s.type_into("#dest-endpoint", &endpoint);
    s.click(".destination[data-kind='endpoint'] button.primary");
    s.wait_until("the endpoint saved", |s| {
        s.text(".destination[data-kind='endpoint'] p")
            .is_some_and(|t| t.contains(&format!("http://127.0.0.1:{port}")))
    });

    // An error: metrics on a port another program holds. Its box has "Report this".
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let busy_port = busy.local_addr().unwrap().port();
    s.click("#metrics-settings summary");
    s.type_into("#metrics-settings input", &busy_port.to_string());
    s.click("#metrics-settings button.primary");
    s.wait_until("the metrics error", |s| {
        s.text("#metrics-settings [role='alert']")
            .is_some_and(|t| t.contains("already in use"))
    });
    s.click("#metrics-settings .report-this");

    // The form opens with the error and where it happened.
    s.wait_until("the report form with the error", |s| {
        s.text("#report-context").is_some_and(|t| {
            t.contains("on Settings")
                && t.contains("Prometheus metrics setting")
                && t.contains("already in use")
        })
    });
    assert!(s
        .value("#report-title")
        .is_some_and(|t| t.starts_with("Error: port")));
    s.type_into("#report-what", "Turning on metrics fails on my server");
    s.type_into("#report-contact", "not a contact");
    s.click("#report-prepare");
    s.wait_text(
        "#report-contact-error",
        "Give a Discord handle (like cortensor_fan) or an e-mail address, or leave it empty.",
    );
    s.type_into("#report-contact", "node_runner");
    s.screenshot("e2e-report-form.png");
    s.click("#report-prepare");
    s.wait_present("#report-preview");
    // Every file is listed and viewable; the daemon log shows its key removed.
    s.click("tr[data-path='logs/daemon.log'] button");
    s.wait_until("the daemon log in the viewer", |s| {
        s.text("#report-file-view").is_some_and(|t| {
            t.contains("loaded key 0x…[redacted key]") && t.contains("daemon: node 1 up")
        })
    });
    assert_eq!(
        s.text("tr[data-path='logs/daemon.log'] .redactions")
            .as_deref(),
        Some("1")
    );
    s.screenshot("e2e-report-preview.png");
    // Leave the doctor's results out.
    s.click("tr[data-path='doctor.json'] input");
    s.click("#report-send");
    s.wait_until("queued while offline", |s| {
        s.text("#report-result")
            .is_some_and(|t| t.contains("Report queued") && t.contains("waiting to be delivered"))
    });
    s.screenshot("e2e-report-queued.png");

    // The network is back: "Try now" delivers it, once.
    let server = ReportServer::start_on(port);
    s.click("#report-flush");
    s.wait_until("delivered", |s| {
        s.text("#report-history")
            .is_some_and(|t| t.contains("Report endpoint: sent (reference BR-1)"))
    });
    s.wait_text("#report-count", "1 report · 1 delivered");
    // The result card above follows the outbox too: it never contradicts the history.
    s.wait_until("the result card says sent", |s| {
        s.text("#report-result").is_some_and(|t| {
            t.contains("Report sent")
                && t.contains("sent (reference BR-1)")
                && !t.contains("waiting")
        })
    });
    s.screenshot("e2e-report-history.png");
    let filed = server.filed();
    assert_eq!(filed.len(), 1);
    assert_eq!(filed[0].json["contact"], "node_runner");
    let zip = String::from_utf8_lossy(&filed[0].zip).into_owned();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(filed[0].zip.clone())).unwrap();
    let names: Vec<String> = z.file_names().map(str::to_string).collect();
    assert!(names.iter().any(|n| n.ends_with("logs/daemon.log")));
    assert!(
        !names.iter().any(|n| n.ends_with("doctor.json")),
        "left out: {names:?}"
    );
    let mut all = String::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        std::io::Read::read_to_string(&mut f, &mut all).unwrap();
    }
    assert!(!all.contains(&planted[2..]) && !zip.contains(&planted[2..]));
    drop(busy);
    driver.call("DELETE", &s.path(""), None);
}

#[test]
fn the_stress_page_runs_cycles_and_reports_them() {
    if !tools_present() {
        return;
    }
    let server = FixtureServer::start();
    let manifest_url = publish_release(&server, "4.5.6", std::fs::read(test_node_bin()).unwrap());
    let sb = Sandbox::new(Backend::Supervisor);
    let data = sb.data.clone();
    let owned = sb.env();
    let mut env: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.push(("LANG", "en_US.UTF-8"));
    let (driver, id) = start_app(&env);
    let s = Session { d: &driver, id };
    s.wait_present("#step-welcome");

    s.click("#tab-stress");
    s.wait_present("#stress-form");
    s.type_into("#stress-cycles", "2");
    s.type_into("#stress-parallel", "2");
    s.type_into("#stress-timeout", "60");
    s.type_into("#stress-source", &manifest_url);
    s.click("#stress-start");
    // Live progress, then a row per cycle as it ends.
    s.wait_present("#stress-progress");
    s.screenshot("e2e-stress-1-running.png");
    s.wait_until("the run's report", |s| {
        s.text("#stress-summary")
            .is_some_and(|t| t.contains("2 of 2 cycles passed · 2 node(s) per cycle"))
    });
    assert_eq!(s.count("#stress-cycles tbody tr.passed"), 2);
    assert_eq!(s.count("#stress-stats tbody tr"), 5, "every phase timed");
    assert!(s
        .text("#stress-notes")
        .unwrap()
        .contains("earning needs Docker"));
    s.screenshot("e2e-stress-2-report.png");
    s.d.call(
        "POST",
        &s.path("/execute/sync"),
        Some(json!({"script": "document.getElementById('stress-chart').scrollIntoView();", "args": []})),
    );
    s.screenshot("e2e-stress-3-chart.png");

    // The report the page shows is the one on disk, and the run left nothing behind.
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(data.join("stress/latest/report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(report["cycles"].as_array().unwrap().len(), 2);
    assert_eq!(report["environment"]["cortensord_version"], "4.5.6");
    assert!(s
        .text("#stress-result h3")
        .unwrap()
        .contains(report["id"].as_str().unwrap()));
    assert_eq!(
        std::fs::read_dir(data.join("stress/sandboxes")).map_or(0, |d| d.count()),
        0
    );

    // "Report this run" opens the bug report with the run's summary; the bundle attaches it.
    s.click("#stress-report");
    s.wait_present(".report-context");
    assert!(s
        .text(".report-context")
        .unwrap()
        .contains("2 of 2 cycles passed"));

    // One window per data folder: a second launch on this folder hands over to this window and
    // ends at once; a launch on another folder is another app and runs.
    let app = PathBuf::from(env!("CARGO_BIN_EXE_cortensor-manager-app"));
    let launch = |data: &std::path::Path| {
        let mut c = Command::new(&app);
        c.envs(owned.iter().map(|(k, v)| (*k, v.as_str())))
            .env("CORTENSOR_MANAGER_DATA_DIR", data)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c.spawn().unwrap()
    };
    let mut second = launch(&data);
    let t = Instant::now();
    let status = loop {
        if let Some(st) = second.try_wait().unwrap() {
            break Some(st);
        }
        if t.elapsed() > Duration::from_secs(20) {
            let _ = second.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        status.is_some_and(|s| s.success()),
        "a second launch on the same data folder must hand over and exit: {status:?}"
    );
    // The first window still answers.
    assert_eq!(s.count("#stress-title"), 0, "on the report screen now");
    s.click("#tab-stress");
    s.wait_present("#stress-title");
    let other = sb.home.join("other-data");
    let mut third = launch(&other);
    std::thread::sleep(Duration::from_secs(4));
    assert!(
        third.try_wait().unwrap().is_none(),
        "another data folder is another app: it keeps running"
    );
    let _ = third.kill();
    let _ = third.wait();
    driver.call("DELETE", &s.path(""), None);
}

#[test]
fn the_window_comes_back_the_size_it_was_left() {
    if !tools_present() {
        return;
    }
    let sb = Sandbox::new(Backend::Supervisor);
    let owned = sb.env();
    let mut env: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // Drawn as the app draws by default (in software), which this test checks.
    env.push((APP_DRAWING, "1"));
    let state_file = sb
        .home
        .join(".config/network.cortensor.manager/.window-state.json");
    let rect = |s: &Session| -> (i64, i64) {
        let r = s.d.call("GET", &s.path("/window/rect"), None);
        (r["width"].as_i64().unwrap(), r["height"].as_i64().unwrap())
    };
    {
        let (driver, id) = start_app(&env);
        let s = Session { d: &driver, id };
        s.wait_present("#step-welcome");
        assert_eq!(
            rect(&s),
            (1200, 800),
            "the first start: the configured size"
        );
        // Drawn in software by default: WebKit's web process started without GPU compositing.
        assert!(
            web_process_env(app_pid(&sb.data))
                .lines()
                .any(|l| l == "WEBKIT_DISABLE_COMPOSITING_MODE=1"),
            "the web process draws in software"
        );
        s.d.call(
            "POST",
            &s.path("/window/rect"),
            Some(json!({"width": 1000, "height": 700})),
        );
        assert_eq!(rect(&s), (1000, 700));
        // Settings: the data folder shown, and dark colours chosen.
        s.click("#tab-settings");
        s.wait_present("#general-settings");
        s.wait_text("#data-dir", &sb.data.display().to_string());
        // The app's own log: started, listed in Settings.
        let log = std::fs::read_to_string(sb.data.join("logs/app.log")).unwrap_or_default();
        assert!(
            log.contains("Cortensor Node Manager 0.1.0 started"),
            "{log}"
        );
        s.wait_until("the log listed", |s| {
            s.text("#app-logs").is_some_and(|t| t.contains("app.log"))
        });
        s.click("#theme option[value='dark']");
        // The graphics card's compositing chosen (from the next start, checked below).
        s.click("#drawing option[value='gpu']");
        // Opening at login: off by default; on writes a login item that starts it in the tray.
        let item = sb
            .home
            .join(".config/autostart/cortensor-node-manager.desktop");
        assert!(!item.exists(), "off by default");
        s.click("#app-autostart");
        s.wait_until("the login item", |_| item.exists());
        let entry = std::fs::read_to_string(&item).unwrap();
        assert!(
            entry.contains("--hidden") && entry.contains("cortensor-manager-app"),
            "{entry}"
        );
        // The switch says what the system now has (the screenshot shows it on).
        s.wait_until("the switch on", |s| {
            s.d.call(
                "GET",
                &s.path(&format!("/element/{}/selected", s.find("#app-autostart"))),
                None,
            ) == Value::Bool(true)
        });
        s.screenshot("e2e-settings-dark.png");
        // Spanish, chosen in Settings: the whole window at once, numbers the Spanish way.
        s.click("#language option[value='es']");
        s.wait_text("#tab-settings", "Ajustes");
        s.wait_text("#general-settings h3", "General");
        assert_eq!(s.text("#tab-nodes").as_deref(), Some("Nodos"));
        assert_eq!(
            s.text("#app-updates h3").as_deref(),
            Some("Actualizaciones de la aplicación")
        );
        s.screenshot("e2e-settings-es.png");
        s.click("#language option[value='system']");
        s.wait_text("#tab-settings", "Settings");
        s.click("#app-autostart");
        s.wait_until("the login item removed", |_| !item.exists());
        // Saved soon after the resize (not only at a clean exit: the app is killed below).
        let t = Instant::now();
        while !std::fs::read_to_string(&state_file).is_ok_and(|t| t.contains("1000")) {
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "the window state was not saved"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        driver.call("DELETE", &s.path(""), None);
    }
    let (driver, id) = start_app(&env);
    let s = Session { d: &driver, id };
    s.wait_present("#step-welcome");
    assert_eq!(rect(&s), (1000, 700), "the size it was left at");
    assert!(
        !web_process_env(app_pid(&sb.data)).contains("WEBKIT_DISABLE_COMPOSITING_MODE"),
        "the graphics card's compositing, as chosen"
    );
    // The colours chosen last time, before anything else is drawn.
    let theme = s.d.call(
        "POST",
        &s.path("/execute/sync"),
        Some(json!({"script": "return [document.documentElement.dataset.theme || '', getComputedStyle(document.documentElement).getPropertyValue('--bg').trim()];", "args": []})),
    );
    assert_eq!(
        theme,
        json!(["dark", "#12141b"]),
        "dark colours after a restart"
    );
    s.screenshot("e2e-window-restored.png");
    // Started as the login item starts it (on another data folder: another app): the tray's
    // own process waits in the tray, no window, no WebKit; the launch itself ends.
    let login_data = sb.home.join("login-data");
    let at_login = Command::new(env!("CARGO_BIN_EXE_cortensor-manager-app"))
        .arg("--hidden")
        .envs(owned.iter().map(|(k, v)| (*k, v.as_str())))
        .env("CORTENSOR_MANAGER_DATA_DIR", &login_data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(at_login.success(), "the login launch hands over and ends");
    let t = Instant::now();
    while !std::fs::read_to_string(login_data.join("logs/tray.log"))
        .is_ok_and(|l| l.contains("started at login: waiting in the tray"))
    {
        assert!(t.elapsed() < Duration::from_secs(20), "the hidden start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let tray: u32 = std::fs::read_to_string(login_data.join("run/tray.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let tray_alive = || {
        std::fs::read_to_string(format!("/proc/{tray}/stat")).is_ok_and(|st| !st.contains(") Z "))
    };
    assert!(tray_alive(), "the tray runs");
    assert!(
        !std::fs::read_to_string(format!("/proc/{tray}/maps"))
            .unwrap()
            .contains("libwebkit"),
        "without WebKit"
    );
    let shown = Command::new("xdotool")
        .args(["search", "--onlyvisible", "--pid", &tray.to_string()])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&shown.stdout).trim().is_empty(),
        "no window shown"
    );
    // A launch with --quit ends it (what an installer replacing the app does).
    let quit = Command::new(env!("CARGO_BIN_EXE_cortensor-manager-app"))
        .arg("--quit")
        .envs(owned.iter().map(|(k, v)| (*k, v.as_str())))
        .env("CORTENSOR_MANAGER_DATA_DIR", &login_data)
        .status()
        .unwrap();
    assert!(quit.success());
    let t = Instant::now();
    while tray_alive() {
        assert!(
            t.elapsed() < Duration::from_secs(15),
            "the tray did not quit"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    driver.call("DELETE", &s.path(""), None);
}

/// Settings' "Check for updates", waited out: the feed offers 0.2.0 and the install button
/// can be pressed.
fn check_again(s: &Session, feed_requests: impl Fn() -> usize) {
    // A click lost on a loaded machine would leave the previous check's result on screen: the
    // feed server counts the requests, and the click is repeated until one arrives.
    let before = feed_requests();
    for _ in 0..3 {
        s.click("#app-update-check");
        let t = Instant::now();
        while feed_requests() == before && t.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(50));
        }
        if feed_requests() > before {
            break;
        }
    }
    assert!(feed_requests() > before, "the check never asked the feed");
    s.wait_until("the check done", |s| {
        s.text("#app-update-check").as_deref() == Some("Check for updates")
            && s.text("#app-update-state p").as_deref() == Some("Version 0.2.0 is available.")
            && s.count("#app-update-install:enabled") == 1
    });
}

/// The Tauri CLI's signer (`npx tauri signer …`, from ui/node_modules), as the release
/// workflow signs the app's update artifacts.
fn tauri_signer(args: &[&str], dir: &Path) -> String {
    let out = Command::new("npx")
        .arg("--prefix")
        .arg(cortensor_test_support::workspace_path("ui"))
        .args(["tauri", "signer"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("npx tauri signer");
    assert!(
        out.status.success(),
        "tauri signer {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_app_installs_a_signed_update_and_refuses_tampered_or_foreign_ones() {
    if !tools_present() {
        return;
    }
    let sb = Sandbox::new(Backend::Supervisor);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // The release key (its public half given to the app as its updater key) and another key.
    tauri_signer(&["generate", "--ci", "-p", "", "-w", "release.key"], dir);
    tauri_signer(&["generate", "--ci", "-p", "", "-w", "other.key"], dir);
    let pubkey = std::fs::read_to_string(dir.join("release.key.pub")).unwrap();
    // The installed app (a stand-in AppImage) and the 0.2.0 build, signed by each key.
    let installed = sb.home.join("Applications/Cortensor_Node_Manager.AppImage");
    std::fs::create_dir_all(installed.parent().unwrap()).unwrap();
    let old: &[u8] = b"\x7fELF installed Cortensor Node Manager 0.1.0\n";
    std::fs::write(&installed, old).unwrap();
    // (An ELF header's worth of bytes: the updater takes only an executable for an AppImage.)
    let new: &[u8] = &[
        b"\x7fELF Cortensor Node Manager 0.2.0".as_slice(),
        &[0u8; 96],
    ]
    .concat();
    let artifact = "cortensor-node-manager_0.2.0_amd64.AppImage";
    std::fs::write(dir.join(artifact), new).unwrap();
    let sign = |key: &str| -> String {
        tauri_signer(&["sign", "-f", key, "-p", "", artifact], dir);
        std::fs::read_to_string(dir.join(format!("{artifact}.sig"))).unwrap()
    };
    let by_release = sign("release.key");
    let by_other = sign("other.key");

    let server = FixtureServer::start();
    let publish = |bytes: &[u8], signature: &str| {
        let url = server.route(
            &format!("/{artifact}"),
            Behaviour::File(cortensor_test_support::FileSpec {
                bytes: std::sync::Arc::new(bytes.to_vec()),
                ..Default::default()
            }),
        );
        let feed = json!({
            "version": "0.2.0",
            "notes": "Faster start.",
            "pub_date": "2026-11-27T00:00:00Z",
            "platforms": {
                format!("linux-{}", std::env::consts::ARCH): {"signature": signature, "url": url}
            }
        });
        server.route(
            "/latest.json",
            Behaviour::Json {
                body: feed.to_string(),
                etag: format!("\"{}\"", signature.len() + bytes.len()),
            },
        )
    };
    let mut tampered = new.to_vec();
    tampered.extend_from_slice(b"#");
    let feed = publish(&tampered, &by_release);

    let owned = sb.env();
    let mut env: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let installed_s = installed.display().to_string();
    env.extend([
        ("CORTENSOR_MANAGER_APP_FEED", feed.as_str()),
        ("CORTENSOR_MANAGER_APP_UPDATE_KEY", pubkey.trim()),
        ("CORTENSOR_MANAGER_APP_INSTALL_PATH", installed_s.as_str()),
    ]);
    let (driver, id) = start_app(&env);
    let s = Session { d: &driver, id };
    s.wait_present("#step-welcome");
    s.click("#tab-settings");
    s.wait_present("#app-updates");

    // Tampered (the release key's signature over other bytes), then signed by another key:
    // each refused, the installed app untouched, the window working on.
    for (case, bytes, signature) in [
        ("tampered", tampered.as_slice(), by_release.as_str()),
        ("another key", new, by_other.as_str()),
    ] {
        publish(bytes, signature);
        check_again(&s, || server.requests("/latest.json").len());
        s.click("#app-update-install");
        s.wait_until(&format!("{case}: refused"), |s| {
            s.text("[role=alert]").is_some_and(|t| {
                t.contains("The update was refused: it is not signed by the app's release key")
                    && t.contains("Nothing was changed")
            })
        });
        assert_eq!(std::fs::read(&installed).unwrap(), old, "{case}: untouched");
    }
    s.screenshot("e2e-app-update-1-refused.png");

    // Signed by the release key: downloaded, checked and installed; it runs from the next start.
    publish(new, &by_release);
    check_again(&s, || server.requests("/latest.json").len());
    assert!(s
        .text("#app-update-state")
        .unwrap()
        .contains("Faster start."));
    s.click("#app-update-install");
    s.wait_until("installed", |s| {
        s.text("#app-update-state")
            .is_some_and(|t| t.contains("Version 0.2.0 is installed (its signature checked)"))
    });
    assert_eq!(
        std::fs::read(&installed).unwrap(),
        new,
        "the new build is in place"
    );
    assert!(s.count("#app-restart") == 1 && s.count("[role=alert]") == 0);
    s.screenshot("e2e-app-update-2-installed.png");
    let log = std::fs::read_to_string(sb.data.join("logs/app.log")).unwrap_or_default();
    assert!(log.contains("app update 0.2.0 installed"), "{log}");
}

/// axe-core's colour-contrast check where jsdom cannot (real layout and colours in WebKit), on
/// every screen in the light and the dark scheme; and the keyboard: Tab reaches the sections'
/// tabs in order, each with a visible focus ring.
#[test]
fn every_screen_has_enough_contrast_and_a_visible_keyboard_focus() {
    if !tools_present() {
        return;
    }
    let sb = Sandbox::new(Backend::Supervisor);
    let owned = sb.env();
    let env: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (driver, id) = start_app(&env);
    let s = Session { d: &driver, id };
    s.wait_present("#step-welcome");
    let axe = std::fs::read_to_string(cortensor_test_support::workspace_path(
        "ui/node_modules/axe-core/axe.min.js",
    ))
    .expect("axe-core (npm ci in ui/)");
    s.d.call(
        "POST",
        &s.path("/execute/sync"),
        Some(json!({"script": format!("{axe}\n;return typeof axe;"), "args": []})),
    );
    let tabs = [
        "overview", "setup", "nodes", "rewards", "stress", "settings", "report",
    ];
    let mut found = Vec::new();
    for scheme in ["light", "dark"] {
        s.click("#tab-settings");
        s.click(&format!("#theme option[value='{scheme}']"));
        s.wait_until("the scheme applied", |s| {
            s.d.call(
                "POST",
                &s.path("/execute/sync"),
                Some(json!({"script": "return document.documentElement.dataset.theme || 'light';", "args": []})),
            ) == Value::String(scheme.into())
        });
        for tab in tabs {
            s.click(&format!("#tab-{tab}"));
            std::thread::sleep(Duration::from_millis(400));
            let v = s.d.call(
                "POST",
                &s.path("/execute/async"),
                Some(json!({"script": "const done = arguments[arguments.length - 1]; const line = (n) => n.target.join(' ') + ' — ' + (n.any[0] ? n.any[0].message : ''); axe.run(document, {runOnly: {type: 'rule', values: ['color-contrast']}}).then((r) => done(JSON.stringify(r.violations.flatMap((v) => v.nodes.map(line)))), (e) => done('error: ' + e));", "args": []})),
            );
            let text = v.as_str().unwrap_or_default().to_string();
            assert!(!text.starts_with("error"), "axe on {tab}: {text}");
            let list: Vec<String> = serde_json::from_str(&text).unwrap();
            found.extend(list.into_iter().map(|l| format!("{scheme} {tab}: {l}")));
        }
    }
    assert!(found.is_empty(), "contrast below AA:\n{}", found.join("\n"));

    // Keyboard: from the top of the page, Tab goes through the sections' tabs in order, each
    // with a visible focus ring.
    s.click("#tab-overview");
    s.d.call(
        "POST",
        &s.path("/execute/sync"),
        Some(json!({"script": "document.activeElement && document.activeElement.blur(); return 1;", "args": []})),
    );
    // The ring shows only in the window that has the keyboard (CSS :focus): the tests' windows
    // share one display, so this one takes the focus back if another test took it.
    let pid = app_pid(&sb.data);
    let mut reached = Vec::new();
    for _ in 0..12 {
        s.d.call(
            "POST",
            &s.path("/actions"),
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": [{"type": "keyDown", "value": "\u{E004}"}, {"type": "keyUp", "value": "\u{E004}"}]}]})),
        );
        let look = || -> Vec<String> {
            let focus = s.d.call(
                "POST",
                &s.path("/execute/sync"),
                Some(json!({"script": "const e = document.activeElement; const c = getComputedStyle(e); return [e.id || e.tagName, c.outlineStyle, c.outlineWidth, String(document.hasFocus())];", "args": []})),
            );
            serde_json::from_value(focus).unwrap()
        };
        let mut f = look();
        for _ in 0..20 {
            if f[3] == "true" {
                break;
            }
            focus_window(pid);
            std::thread::sleep(Duration::from_millis(100));
            f = look();
        }
        if f[0].starts_with("tab-") {
            assert!(
                f[1] != "none" && f[2] != "0px",
                "{} has no visible focus: {f:?}",
                f[0]
            );
            reached.push(f[0].clone());
        }
    }
    let want: Vec<String> = tabs.iter().map(|t| format!("tab-{t}")).collect();
    assert_eq!(
        reached.iter().take(want.len()).cloned().collect::<Vec<_>>(),
        want,
        "Tab reaches every section in order"
    );
    s.screenshot("e2e-keyboard-focus.png");
}
