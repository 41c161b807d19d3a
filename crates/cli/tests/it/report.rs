//! `report`: the CLI contract (`--json` fields, `--save-only`, `--out`, `--endpoint`), a
//! report filed while offline delivered later exactly once, a process killed mid-send
//! delivered exactly once after, a 4xx refusal shown — against the report server on 127.0.0.1
//! and a data folder with file-store nodes whose keys must not leave.

use std::io::Read;
use std::time::Duration;

use cortensor_test_support::report_server::{Mode, ReportServer};
use cortensor_test_support::wait_until;
use serde_json::Value;

use crate::network::Headless;

const RPC: &str = "https://arb.example/v2/PLANTEDRPCKEY42";

fn machine() -> (Headless, String) {
    let h = Headless::new();
    h.ok(&[
        "node",
        "add",
        "--count",
        "2",
        "--key-store",
        "file",
        "--rpc-url",
        RPC,
        "--json",
    ]);
    let pk = h.env_of(1)["NODE_PRIVATE_KEY"].clone();
    // A node log that carries the key and the RPC URL between ordinary lines.
    let log = h.sb.data.join("nodes/node-1/logs");
    std::fs::create_dir_all(&log).unwrap();
    let file = log.join("cortensord.log");
    std::fs::write(
        &file,
        format!("line-before\nkey {}\nrpc {RPC}\nline-after\n", &pk[2..]),
    )
    .unwrap();
    (h, pk)
}

fn zip_text(path: &str) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut all = String::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        all.push_str(&format!("=== {}\n", f.name()));
        let mut b = Vec::new();
        f.read_to_end(&mut b).unwrap();
        all.push_str(&String::from_utf8_lossy(&b));
    }
    all
}

#[test]
fn the_report_contract_and_no_key_in_the_bundle() {
    let (h, pk) = machine();
    let server = ReportServer::start();
    let notes = h.sb.home.join("notes.txt");
    std::fs::write(&notes, format!("my key is {pk}\n")).unwrap();
    let v: Value = h.json(&[
        "report",
        "--title",
        "Node 1 stops",
        "--what",
        "It stops after an hour",
        "--expected",
        "keeps running",
        "--category",
        "node-crash",
        "--severity",
        "major",
        "--nodes",
        "1",
        "--contact",
        "me@example.org",
        "--attach",
        notes.to_str().unwrap(),
        "--endpoint",
        &server.endpoint(),
        "--json",
    ]);
    for k in ["id", "bundle", "status", "reference", "files"] {
        assert!(v.get(k).is_some(), "{k} missing: {v}");
    }
    assert_eq!(
        (v["status"].as_str(), v["reference"].as_str()),
        (Some("sent"), Some("BR-1"))
    );
    let files = v["files"].as_array().unwrap();
    assert!(files
        .iter()
        .all(|f| f["path"].is_string() && f["size"].is_u64() && f["redactions"].is_u64()));
    let paths: Vec<&str> = files.iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert!(
        paths.contains(&"nodes/node-1/env.txt")
            && !paths.iter().any(|p| p.starts_with("nodes/node-2")),
        "{paths:?}"
    );
    // The install (done by the sandbox) left its line in the app's install log, which goes too.
    assert!(paths.contains(&"logs/install.log"), "{paths:?}");
    let log = files
        .iter()
        .find(|f| f["path"] == "nodes/node-1/cortensord.log")
        .unwrap();
    assert!(log["redactions"].as_u64().unwrap() >= 2, "{log}");
    let all = zip_text(v["bundle"].as_str().unwrap());
    assert!(
        !all.contains(&pk[2..]) && !all.contains("PLANTEDRPCKEY"),
        "a secret left:\n{all}"
    );
    assert!(
        all.contains("line-before") && all.contains("line-after") && all.contains("me@example.org")
    );
    let filed = server.filed();
    assert_eq!(filed.len(), 1);
    assert_eq!(
        (
            filed[0].json["category"].as_str(),
            filed[0].json["severity"].as_str()
        ),
        (Some("node-crash"), Some("major"))
    );
    assert!(!filed[0].json.to_string().contains(&pk[2..]));

    // What the app shows of node output passes the same redactor: the log reader hides the key
    // and the RPC key and keeps the lines around them.
    let shown = h.ok(&["node", "logs", "1", "-n", "10"]);
    assert!(
        shown.contains("line-before") && shown.contains("line-after"),
        "{shown}"
    );
    assert!(
        !shown.contains(&pk[2..]) && !shown.contains("PLANTEDRPCKEY"),
        "{shown}"
    );

    // --save-only --out: written where asked, nothing sent.
    let out = h.sb.home.join("saved.zip");
    let v: Value = h.json(&[
        "report",
        "--title",
        "t",
        "--what",
        "w",
        "--save-only",
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(
        (v["status"].as_str(), v["bundle"].as_str()),
        (Some("saved"), out.to_str())
    );
    assert!(out.exists() && server.filed().len() == 1);
    // Bad input: clear errors, nothing made.
    let bad = h.run(&[
        "report",
        "--title",
        "t",
        "--what",
        "w",
        "--category",
        "bogus",
    ]);
    assert!(
        !bad.status.success()
            && String::from_utf8_lossy(&bad.stderr).contains("--category 'bogus'")
    );
    let bad = h.run(&["report", "--title", "t", "--what", "w", "--nodes", "9"]);
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("No node 9"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    let bad = h.run(&[
        "report",
        "--title",
        "t",
        "--what",
        "w",
        "--endpoint",
        "http://reports.example/x",
    ]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("https://"));
    // The outbox lists both.
    let o = h.json(&["report", "outbox", "--json"]);
    assert_eq!(
        (
            o["reports"].as_array().unwrap().len(),
            o["delivered"].as_u64()
        ),
        (2, Some(1))
    );
}

#[test]
fn offline_then_delivered_once_and_a_4xx_is_shown() {
    let (h, _) = machine();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/reports");
    let v: Value = h.json(&[
        "report",
        "--title",
        "offline",
        "--what",
        "no network",
        "--endpoint",
        &url,
        "--json",
    ]);
    assert_eq!(v["status"], "queued", "{v}");
    assert!(v["error"].as_str().unwrap().contains("cannot reach"), "{v}");
    let text = h.ok(&["report", "outbox"]);
    assert!(
        text.contains("queued") && text.contains("next try in"),
        "{text}"
    );
    let server = ReportServer::start_on(port);
    let o = h.json(&["report", "outbox", "--flush", "--json"]);
    assert_eq!(o["reports"][0]["deliveries"][0]["status"], "sent", "{o}");
    assert_eq!(o["reports"][0]["deliveries"][0]["reference"], "BR-1");
    h.ok(&["report", "outbox", "--flush"]);
    assert_eq!(server.filed().len(), 1);

    server.set(Mode::Reject(422, "missing steps".into()));
    let out = h.run(&[
        "report",
        "--title",
        "refused",
        "--what",
        "w",
        "--endpoint",
        &server.endpoint(),
    ]);
    assert!(!out.status.success());
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("failed: HTTP 422: missing steps") && said.contains("saved locally"),
        "{said}"
    );
}

#[test]
fn killed_mid_send_then_delivered_exactly_once() {
    let (h, _) = machine();
    let server = ReportServer::start();
    // The server files the report, then holds its answer: the sender is killed meanwhile.
    server.set(Mode::Hang(Duration::from_secs(30)));
    let mut child =
        h.sb.command(env!("CARGO_BIN_EXE_cortensor-manager"))
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .args([
                "report",
                "--title",
                "killed",
                "--what",
                "w",
                "--endpoint",
                &server.endpoint(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
    wait_until("the server has the report", Duration::from_secs(30), || {
        server.filed().len() == 1
    });
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let o = h.json(&["report", "outbox", "--json"]);
    assert_eq!(o["reports"][0]["deliveries"][0]["status"], "sending", "{o}");
    server.set(Mode::Accept);
    let o = h.json(&["report", "outbox", "--flush", "--json"]);
    let d = &o["reports"][0]["deliveries"][0];
    assert_eq!(
        (
            d["status"].as_str(),
            d["reference"].as_str(),
            d["attempts"].as_u64()
        ),
        (Some("sent"), Some("BR-1"), Some(2))
    );
    assert_eq!(server.filed().len(), 1, "filed twice");
    assert_eq!(server.requests(), 2);
}
