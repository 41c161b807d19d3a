//! Diagnostics for a bug report: what happened, app and system facts, the install, each node's
//! state and the end of its log, with every secret the app knows (keys, RPC URL) and anything
//! shaped like one redacted. Written 0600 under `<data>/reports/`; delivering it to Cortensor is
//! a separate step (the bug-report feature).

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::keys::Keychain;
use crate::nodes::Layout;
use crate::store::Store;

/// Log lines kept per node.
pub const LOG_TAIL_BYTES: u64 = 16 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BugReportDraft {
    pub path: String,
    pub text: String,
}

fn tail(path: &Path, bytes: u64) -> String {
    let Ok(mut f) = std::fs::File::open(path) else {
        return "(no log yet)".into();
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = f.seek(SeekFrom::Start(len.saturating_sub(bytes)));
    let mut buf = Vec::new();
    let _ = f.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf).into_owned();
    // Start at a line boundary.
    match (len > bytes, text.find('\n')) {
        (true, Some(i)) => text[i + 1..].to_string(),
        _ => text,
    }
}

/// Build the report text (already redacted).
pub fn build(
    what_happened: &str,
    layout: &Layout,
    store: &Store,
    keychain: Option<&Keychain>,
) -> String {
    let mut secrets: Vec<String> = Vec::new();
    let nodes = store.nodes().unwrap_or_default();
    if let Some(kc) = keychain {
        for n in &nodes {
            if let Ok(k) = kc.load(&n.spec.address) {
                secrets.push(k.private_key.expose().to_string());
            }
        }
        if let Ok(url) = kc.load_secret(crate::install::setup::RPC_SECRET) {
            secrets.push(url.expose().to_string());
        }
    }
    let mut r = String::new();
    r.push_str("# Cortensor Node Manager diagnostics\n\n");
    r.push_str(&format!("What happened: {}\n\n", what_happened.trim()));
    r.push_str(&format!(
        "App: cortensor-manager {}\nOS: {} {}\n",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    ));
    match store.installed() {
        Ok(Some(i)) => r.push_str(&format!(
            "cortensord: {} (sha256 {}, from {})\n",
            i.version, i.sha256, i.source
        )),
        _ => r.push_str("cortensord: not installed\n"),
    }
    r.push_str(&format!("Nodes: {}\n", nodes.len()));
    for n in &nodes {
        r.push_str(&format!(
            "\n## Node {} {} (LLM port {}, registered: {}, verified: {})\n",
            n.spec.id,
            n.spec.address,
            n.spec.llm_port,
            n.registered.as_deref().unwrap_or("-"),
            n.verified.as_deref().unwrap_or("-")
        ));
        // The .env minus its secret values.
        if let Ok(text) = std::fs::read_to_string(layout.env_file(n.spec.id)) {
            r.push_str("### .env\n");
            for (k, v) in crate::nodes::parse_env(&text) {
                let shown = if crate::install::setup::is_secret_key(&k) {
                    "«redacted»".to_string()
                } else {
                    v
                };
                r.push_str(&format!("{k}={shown}\n"));
            }
        }
        r.push_str("### log (end)\n");
        r.push_str(&tail(&layout.log_file(n.spec.id), LOG_TAIL_BYTES));
        r.push('\n');
    }
    let known: Vec<&str> = secrets.iter().map(String::as_str).collect();
    crate::redact::redact(&r, &known)
}

/// Build the report and save it (mode 0600) under `<data>/reports/`.
pub fn save(
    what_happened: &str,
    layout: &Layout,
    store: &Store,
    keychain: Option<&Keychain>,
) -> std::io::Result<BugReportDraft> {
    let text = build(what_happened, layout, store, keychain);
    let stamp = crate::platform::clock::now_unix();
    let path: PathBuf = layout
        .root
        .join("reports")
        .join(format!("report-{stamp}.txt"));
    crate::platform::fs::write_atomic(&path, text.as_bytes(), crate::platform::fs::SECRET_MODE)?;
    Ok(BugReportDraft {
        path: path.display().to_string(),
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{NodeKey, Secret};
    use crate::nodes::NodeSpec;

    #[test]
    fn planted_secrets_never_reach_the_report() {
        let d = tempfile::tempdir().unwrap();
        let layout = Layout::new(d.path());
        let store = Store::open(d.path()).unwrap();
        let kc = Keychain::new(keyring_core::mock::Store::new().unwrap());
        let key = NodeKey::generate().unwrap();
        kc.save(&key).unwrap();
        kc.save_secret(
            crate::install::setup::RPC_SECRET,
            &Secret::new("https://arb.example/v2/PLANTED-API-KEY-123"),
        )
        .unwrap();
        let spec = NodeSpec {
            id: 1,
            address: key.address.clone(),
            llm_port: 8091,
            worker_base_port: 8090,
            gateway_base_port: 18888,
            ipfs_server: true,
            cpu_threads: 2,
            network: "testnet0".into(),
            key_store: Default::default(),
            gpu: false,
        };
        store.add_node(&spec, 0).unwrap();
        std::fs::create_dir_all(layout.log_dir(1)).unwrap();
        std::fs::write(
            layout.env_file(1),
            format!("NODE_PUBLIC_KEY={}\nNODE_PRIVATE_KEY={}\nHOST=https://arb.example/v2/PLANTED-API-KEY-123\nCHAINID=421614\n", key.address, key.private_key.expose()),
        )
        .unwrap();
        let bare = &key.private_key.expose()[2..];
        std::fs::write(
            layout.log_file(1),
            format!("* Latest ID:  1101  / Latest State:  3\nconnecting to https://arb.example/v2/PLANTED-API-KEY-123\ndebug key {bare}\nTraceback (most recent call last):\n"),
        )
        .unwrap();
        let draft = save("install failed", &layout, &store, Some(&kc)).unwrap();
        for text in [
            draft.text.clone(),
            std::fs::read_to_string(&draft.path).unwrap(),
        ] {
            assert!(!text.contains(bare), "private key leaked:\n{text}");
            assert!(!text.contains("PLANTED-API-KEY"), "API key leaked:\n{text}");
            assert!(
                text.contains("CHAINID=421614")
                    && text.contains("Traceback")
                    && text.contains(&key.address)
            );
        }
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&draft.path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}
