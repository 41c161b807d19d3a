//! Bug reports end to end below the api: a bundle from a real data folder (store, .env files,
//! logs with secrets planted), its manifest and zip, the size bound, and delivery through the
//! outbox to a report endpoint and a Discord webhook on 127.0.0.1 that accept, refuse, fail,
//! hang and drop — each report filed exactly once.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use cortensor_node::nodes::{KeyStore, Layout, NodeSpec};
use cortensor_node::redact::Redactor;
use cortensor_node::report::bundle::{self, BundleLimits, Facts};
use cortensor_node::report::deliver::Destination;
use cortensor_node::report::outbox;
use cortensor_node::report::{Category, ReportForm, Severity};
use cortensor_node::store::{DeliveryStatus, Store};
use cortensor_test_support::report_server::{Mode, ReportServer};
use sha2::{Digest, Sha256};

const PK: &str = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
const RPC: &str = "https://arb-sepolia.g.alchemy.com/v2/PLANTEDrpcKEY123456";
const MNEMONIC: &str =
    "legal winner thank year wave sausage worth useful legal winner thank yellow";

fn spec(id: u32) -> NodeSpec {
    NodeSpec {
        id,
        address: format!("0x{:040x}", 0xc0 + id),
        llm_port: 29_000 + 10 * id as u16,
        worker_base_port: 29_001 + 10 * id as u16,
        gateway_base_port: 39_000 + 10 * id as u16,
        ipfs_server: id == 1,
        cpu_threads: 1,
        network: "testnet0".into(),
        key_store: KeyStore::File,
        gpu: false,
    }
}

/// A data folder with `n` nodes whose .env and logs hold secrets of every kind.
fn machine(dir: &Path, n: u32) -> (Layout, Store) {
    let layout = Layout::new(dir);
    let store = Store::open(dir).unwrap();
    for id in 1..=n {
        store.add_node(&spec(id), 0).unwrap();
        std::fs::create_dir_all(layout.log_dir(id)).unwrap();
        std::fs::write(
            layout.env_file(id),
            format!(
                "# upstream comment\nNODE_PUBLIC_KEY={}\nNODE_PRIVATE_KEY={PK}\nHOST={RPC}\nRPC_HOST_0={RPC}\nCHAINID=421614\n",
                spec(id).address
            ),
        )
        .unwrap();
        let mut log = String::new();
        for i in 0..50 {
            log.push_str(&format!("* Latest ID:  {i}  / Latest State:  3\n"));
        }
        log.push_str(&format!("before-key\nloaded key {}\nafter-key\n", &PK[2..]));
        log.push_str(&format!("connecting to {RPC}\nseed {MNEMONIC}\n"));
        log.push_str(
            "Authorization: Bearer eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2QT4\n",
        );
        log.push_str("webhook https://discord.com/api/webhooks/987/SECRETtoken_abc\n");
        log.push_str(
            "user dev@corp.example at /home/alice/.cortensor\nTraceback (most recent call last):\n",
        );
        std::fs::write(layout.log_file(id), log).unwrap();
    }
    std::fs::write(
        dir.join("daemon.log"),
        format!("daemon: started with {RPC}\ndaemon: node 1 up\n"),
    )
    .unwrap();
    (layout, store)
}

fn form(dir: &Path) -> ReportForm {
    let att = dir.join("notes.txt");
    std::fs::write(
        &att,
        format!("my notes: key {PK}\nthe node stopped at 10:00\n"),
    )
    .unwrap();
    let png = dir.join("shot.png");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n\xff\xfe binary").unwrap();
    ReportForm {
        title: "Node 2 stops after an hour".into(),
        what: format!("It stopped; my RPC is {RPC}"),
        expected: "It keeps running".into(),
        steps: "Start two nodes, wait".into(),
        category: Category::NodeCrash,
        severity: Severity::Major,
        nodes: vec![],
        contact: "me@example.org".into(),
        attachments: vec![att.display().to_string(), png.display().to_string()],
        context: None,
    }
}

fn redactor() -> Redactor {
    Redactor::new(&[PK, RPC]).allow_email("me@example.org")
}

fn zip_files(path: &Path) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut b = Vec::new();
            f.read_to_end(&mut b).unwrap();
            (f.name().to_string(), b)
        })
        .collect()
}

#[test]
fn the_bundle_is_plain_redacted_files_with_a_true_manifest() {
    let d = tempfile::tempdir().unwrap();
    let (layout, store) = machine(d.path(), 2);
    let f = form(d.path());
    let facts = Facts {
        system: serde_json::json!({"os": "linux", "note": format!("home /home/alice, rpc {RPC}")}),
        doctor: serde_json::json!([{"id": "docker", "status": "fail"}]),
    };
    let draft = bundle::prepare(
        &layout,
        &store,
        &f,
        &facts,
        &redactor(),
        &BundleLimits::default(),
        1_000,
    )
    .unwrap();
    let paths: Vec<&str> = draft.files.iter().map(|f| f.path.as_str()).collect();
    for want in [
        "report.md",
        "report.json",
        "system.json",
        "doctor.json",
        "install.json",
        "alerts.json",
        "nodes/node-1/env.txt",
        "nodes/node-1/cortensord.log",
        "nodes/node-1/status.json",
        "nodes/node-2/cortensord.log",
        "logs/daemon.log",
        "attachments/1-notes.txt",
        "attachments/2-shot.png",
    ] {
        assert!(paths.contains(&want), "{want} missing from {paths:?}");
    }
    let dir = Path::new(&draft.dir);
    let bare = &PK[2..];
    for file in &draft.files {
        let bytes = std::fs::read(dir.join(&file.path)).unwrap();
        assert_eq!(file.size, bytes.len() as u64, "{}", file.path);
        assert_eq!(
            file.sha256,
            hex::encode(Sha256::digest(&bytes)),
            "{}",
            file.path
        );
        let text = String::from_utf8_lossy(&bytes).to_lowercase();
        for secret in [
            bare,
            "plantedrpckey",
            "legal winner thank",
            "secrettoken",
            "eyjhbgcioijiuzi1",
            "dev@corp.example",
            "alice",
        ] {
            assert!(
                !text.contains(secret),
                "{secret} survived in {}:\n{text}",
                file.path
            );
        }
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(dir.join(&file.path))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o600
        );
    }
    // The lines around the secrets are still there, and the counts say what went.
    let log = std::fs::read_to_string(dir.join("nodes/node-1/cortensord.log")).unwrap();
    for kept in [
        "before-key",
        "after-key",
        "Traceback (most recent call last):",
        "* Latest ID:  49  / Latest State:  3",
    ] {
        assert!(log.contains(kept), "{kept} lost:\n{log}");
    }
    let count = |p: &str| draft.files.iter().find(|f| f.path == p).unwrap().redactions;
    assert!(
        count("nodes/node-1/cortensord.log") >= 7,
        "{}",
        count("nodes/node-1/cortensord.log")
    );
    assert_eq!(count("install.json"), 0);
    let env = std::fs::read_to_string(dir.join("nodes/node-1/env.txt")).unwrap();
    assert!(
        env.contains("CHAINID=421614")
            && env.contains("# upstream comment")
            && env.contains(&spec(1).address)
    );
    assert!(env.contains("RPC_HOST_0=…[redacted secret]"), "{env}");
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        md.contains("me@example.org")
            && md.contains("node-crash")
            && md.contains("It keeps running")
    );
    let shot = draft
        .files
        .iter()
        .find(|f| f.path == "attachments/2-shot.png")
        .unwrap();
    assert!(shot.truncated.as_deref().unwrap().contains("not redacted"));

    // Leave one file out: it is gone from the folder and the zip, and the manifest says so.
    let zip = bundle::finish(
        &store,
        &draft.id,
        &["attachments/2-shot.png".to_string()],
        None,
    )
    .unwrap();
    let files = zip_files(&zip);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.contains(&format!("{}/manifest.json", draft.id).as_str()));
    assert!(!names.iter().any(|n| n.ends_with("shot.png")));
    assert!(!dir.join("attachments/2-shot.png").exists());
    let m = bundle::read_manifest(dir).unwrap();
    assert_eq!(m.left_out, ["attachments/2-shot.png"]);
    for (name, bytes) in &files {
        let rel = name.strip_prefix(&format!("{}/", draft.id)).unwrap();
        if rel != "manifest.json" {
            let entry = m.files.iter().find(|f| f.path == rel).unwrap();
            assert_eq!(entry.sha256, hex::encode(Sha256::digest(bytes)), "{rel}");
        }
    }
    assert_eq!(
        store.report(&draft.id).unwrap().unwrap().bundle.as_deref(),
        Some(zip.to_str().unwrap())
    );
    // The preview shows listed files only.
    assert!(bundle::view(dir, "report.md")
        .unwrap()
        .contains("Node 2 stops"));
    assert!(bundle::view(dir, "../cortensor-manager.sqlite3").is_err());
}

#[test]
fn a_bundle_over_its_size_bound_is_cut_and_says_what_was_cut() {
    let d = tempfile::tempdir().unwrap();
    let (layout, store) = machine(d.path(), 1);
    // Incompressible log lines: 20,000 lines of pseudo-random hex (but not 64 long).
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut log = String::new();
    for i in 0..20_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        log.push_str(&format!(
            "{i} {:016x}{:016x}{:016x}\n",
            x,
            x.rotate_left(17),
            x.rotate_left(41)
        ));
    }
    std::fs::write(layout.log_file(1), &log).unwrap();
    let limits = BundleLimits {
        log_lines: 2_000,
        log_bytes: 4 << 20,
        max_zip_bytes: 48 * 1024,
    };
    let f = ReportForm {
        title: "big".into(),
        what: "big logs".into(),
        ..Default::default()
    };
    let draft = bundle::prepare(
        &layout,
        &store,
        &f,
        &Facts::default(),
        &redactor(),
        &limits,
        5,
    )
    .unwrap();
    let zip = bundle::finish(&store, &draft.id, &[], None).unwrap();
    assert!(std::fs::metadata(&zip).unwrap().len() <= limits.max_zip_bytes);
    let m = bundle::read_manifest(Path::new(&draft.dir)).unwrap();
    assert!(
        m.truncated.iter().any(|t| t.contains("shortened")),
        "{:?}",
        m.truncated
    );
    let entry = m
        .files
        .iter()
        .find(|f| f.path == "nodes/node-1/cortensord.log")
        .unwrap();
    assert!(
        entry.truncated.as_deref().unwrap().contains("last"),
        "{entry:?}"
    );
    // What is kept is the end of the log.
    let kept = std::fs::read_to_string(Path::new(&draft.dir).join(&entry.path)).unwrap();
    assert!(kept.starts_with(|c: char| c.is_ascii_digit()) && log.ends_with(&kept));
}

fn submitted(d: &Path, store: &Store, layout: &Layout, dests: &[Destination]) -> String {
    let draft = bundle::prepare(
        layout,
        store,
        &form(d),
        &Facts::default(),
        &redactor(),
        &BundleLimits::default(),
        100,
    )
    .unwrap();
    bundle::finish(store, &draft.id, &[], None).unwrap();
    outbox::queue(store, &draft.id, dests, 100).unwrap();
    draft.id
}

const T: Duration = Duration::from_secs(3);

#[test]
fn delivered_exactly_once_through_offline_drops_hangs_and_5xx() {
    let d = tempfile::tempdir().unwrap();
    let (layout, store) = machine(d.path(), 1);
    // Offline at submit: nothing listens on the endpoint's port yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/reports");
    let id = submitted(d.path(), &store, &layout, &[Destination::Endpoint(url)]);
    let a = outbox::flush(&store, 100, false, None, T).unwrap();
    assert_eq!((a.len(), a[0].status), (1, DeliveryStatus::Queued));
    assert!(
        a[0].error.as_deref().unwrap().contains("cannot reach"),
        "{a:?}"
    );
    let dl = &store.report(&id).unwrap().unwrap().deliveries[0];
    assert_eq!((dl.attempts, dl.next_try_at), (1, 130));
    // Not due before its backoff ends.
    assert!(outbox::flush(&store, 129, false, None, T)
        .unwrap()
        .is_empty());

    // The network is back, but the server drops the connection, then fails with a 503.
    let server = ReportServer::start_on(port);
    server.set(Mode::Drop);
    let a = outbox::flush(&store, 130, false, None, T).unwrap();
    assert_eq!(a[0].status, DeliveryStatus::Queued, "{a:?}");
    server.set(Mode::Fail(503));
    let a = outbox::flush(&store, 190, false, None, T).unwrap();
    assert!(a[0].error.as_deref().unwrap().contains("HTTP 503"), "{a:?}");
    assert_eq!(
        store.report(&id).unwrap().unwrap().deliveries[0].next_try_at,
        190 + 120
    );
    // It files the report but its answer is lost (the client times out): the retry carries
    // the same key and gets the same reference; one report is filed.
    server.set(Mode::Hang(Duration::from_secs(5)));
    let a = outbox::flush(&store, 1_000, true, None, Duration::from_secs(1)).unwrap();
    assert!(
        a[0].error.as_deref().unwrap().contains("did not answer"),
        "{a:?}"
    );
    server.set(Mode::Accept);
    let a = outbox::flush(&store, 1_001, true, None, T).unwrap();
    assert_eq!(
        (a[0].status, a[0].reference.as_deref()),
        (DeliveryStatus::Sent, Some("BR-1"))
    );
    let filed = server.filed();
    assert_eq!(filed.len(), 1, "filed twice");
    assert!(server.requests() >= 4);
    assert_eq!(filed[0].json["title"], "Node 2 stops after an hour");
    assert!(filed[0].json["text"]
        .as_str()
        .unwrap()
        .contains("It keeps running"));
    assert!(!filed[0].json.to_string().contains("PLANTED"));
    // Nothing more to send.
    assert!(outbox::flush(&store, 100_000, true, None, T)
        .unwrap()
        .is_empty());
    let dl = &store.report(&id).unwrap().unwrap().deliveries[0];
    assert_eq!(
        (dl.status, dl.attempts, dl.sent_at),
        (DeliveryStatus::Sent, 5, Some(1_001))
    );
}

#[test]
fn a_4xx_is_final_and_shown_discord_and_github_work() {
    let d = tempfile::tempdir().unwrap();
    let (layout, store) = machine(d.path(), 1);
    let server = ReportServer::start();
    server.set(Mode::Reject(422, "title too vague".into()));
    let id = submitted(
        d.path(),
        &store,
        &layout,
        &[Destination::Endpoint(server.endpoint())],
    );
    let a = outbox::flush(&store, 100, false, None, T).unwrap();
    assert_eq!(
        (a[0].status, a[0].error.as_deref()),
        (DeliveryStatus::Failed, Some("HTTP 422: title too vague"))
    );
    assert!(
        outbox::flush(&store, 1_000_000, true, None, T)
            .unwrap()
            .is_empty(),
        "a 4xx is not retried"
    );
    assert!(server.filed().is_empty());
    assert_eq!(
        store.report(&id).unwrap().unwrap().deliveries[0].status,
        DeliveryStatus::Failed
    );

    server.set(Mode::Accept);
    let id = submitted(
        d.path(),
        &store,
        &layout,
        &[
            Destination::Discord(server.webhook()),
            Destination::GitHub("cortensor/installer".into()),
        ],
    );
    let a = outbox::flush(&store, 100, false, Some(&id), T).unwrap();
    assert_eq!(a.len(), 2);
    assert_eq!(
        (a[0].status, a[0].reference.as_deref()),
        (
            DeliveryStatus::Sent,
            Some("discord message 110000000000000001")
        )
    );
    let content = server.filed()[0].json["content"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        content.starts_with("**Bug report: Node 2 stops after an hour**")
            && content.chars().count() <= 2000
    );
    assert_eq!(
        server.filed()[0].json["allowed_mentions"]["parse"],
        serde_json::json!([])
    );
    // The webhook's token is neither in the database nor in the bundle: only in the report's
    // 0600 targets file.
    let db = String::from_utf8_lossy(
        &std::fs::read(d.path().join("cortensor-manager.sqlite3")).unwrap(),
    )
    .into_owned();
    assert!(!db.contains("tok-EN_secret"));
    let dir = store.report(&id).unwrap().unwrap().dir;
    let targets = outbox::targets_file(Path::new(&dir));
    assert!(std::fs::read_to_string(&targets)
        .unwrap()
        .contains("tok-EN_secret"));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&targets).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(!String::from_utf8_lossy(
        &std::fs::read(store.report(&id).unwrap().unwrap().bundle.unwrap()).unwrap()
    )
    .contains("tok-EN_secret"));
    assert_eq!(a[1].status, DeliveryStatus::Manual);
    let page = a[1].reference.as_deref().unwrap();
    assert!(
        page.starts_with("https://github.com/cortensor/installer/issues/new?title=Node+2+stops"),
        "{page}"
    );
    assert!(
        !page.contains("alice") && !page.contains("PLANTED"),
        "{page}"
    );
}

#[test]
fn the_daemons_outbox_thread_delivers_what_is_due() {
    let d = tempfile::tempdir().unwrap();
    let (layout, store) = machine(d.path(), 1);
    let server = ReportServer::start();
    // Queued, never tried (due at once), as a report filed before the daemon started.
    let draft = bundle::prepare(
        &layout,
        &store,
        &form(d.path()),
        &Facts::default(),
        &redactor(),
        &BundleLimits::default(),
        100,
    )
    .unwrap();
    bundle::finish(&store, &draft.id, &[], None).unwrap();
    outbox::queue(
        &store,
        &draft.id,
        &[Destination::Endpoint(server.endpoint())],
        0,
    )
    .unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    outbox::spawn(d.path().to_path_buf(), Duration::from_secs(1), stop.clone());
    cortensor_test_support::wait_until("the thread delivered it", Duration::from_secs(20), || {
        store.report(&draft.id).unwrap().unwrap().deliveries[0].status == DeliveryStatus::Sent
    });
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(server.filed().len(), 1);
}
