//! Signed mirrors, trusted on first use, through a real install from folder releases: the first
//! signed release pins the mirror's key; the next must be signed by it; an unsigned one, one by
//! another key, or a bad signature is refused — unless the user says the key changed.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use base64::Engine;
use cortensor_node::install::binary::{self, BinaryError, InstallFlags};
use cortensor_node::install::download::DownloadOptions;
use cortensor_node::install::source::ReleaseSource;
use cortensor_node::nodes::Layout;
use cortensor_node::store::Store;
use ed25519_dalek::Signer;
use sha2::{Digest, Sha256};

/// A release folder: `bytes` as the binary, signed by `key` (and naming it) unless `None`.
fn release(
    dir: &Path,
    version: &str,
    bytes: &[u8],
    key: Option<&ed25519_dalek::SigningKey>,
    signer: Option<&ed25519_dalek::SigningKey>,
) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("cortensord"), bytes).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    let digest = Sha256::digest(bytes);
    let public = key
        .map(|k| {
            format!(
                r#", "public_key": "{}""#,
                b64.encode(k.verifying_key().to_bytes())
            )
        })
        .unwrap_or_default();
    let sig = signer
        .map(|k| {
            format!(
                r#", "ed25519": "{}""#,
                b64.encode(k.sign(&digest).to_bytes())
            )
        })
        .unwrap_or_default();
    std::fs::write(
        dir.join("manifest.json"),
        format!(
            r#"{{"format": 1, "version": "{version}"{public}, "artifacts": [{{"os": "linux", "arch": "{}", "url": "cortensord", "size": {}, "sha256": "{}"{sig}}}]}}"#,
            std::env::consts::ARCH,
            bytes.len(),
            hex::encode(digest)
        ),
    )
    .unwrap();
}

fn install(
    layout: &Layout,
    store: &Store,
    dir: &Path,
    flags: InstallFlags,
) -> Result<binary::BinaryOutcome, BinaryError> {
    binary::install(
        layout,
        store,
        &ReleaseSource::Dir(dir.to_path_buf()),
        &DownloadOptions::default(),
        &flags,
        &AtomicBool::new(false),
        &mut |_| {},
    )
}

#[test]
fn a_signed_mirror_is_pinned_on_first_use_and_held_to_its_key() {
    let d = tempfile::tempdir().unwrap();
    let (layout, store) = (
        Layout::new(d.path().join("data")),
        Store::open(&d.path().join("data")).unwrap(),
    );
    let mirror = d.path().join("mirror");
    let k1 = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let k2 = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);

    // First use: installed, and the key pinned (its fingerprint said).
    release(
        &mirror,
        "1.0.0",
        b"#!/bin/sh\necho one\n",
        Some(&k1),
        Some(&k1),
    );
    let out = install(&layout, &store, &mirror, InstallFlags::default()).unwrap();
    assert!(
        out.warnings
            .iter()
            .any(|w| w.contains("pinned this mirror's signing key")),
        "{:?}",
        out.warnings
    );
    // The same key: fine.
    release(
        &mirror,
        "1.1.0",
        b"#!/bin/sh\necho two\n",
        Some(&k1),
        Some(&k1),
    );
    assert_eq!(
        install(&layout, &store, &mirror, InstallFlags::default())
            .unwrap()
            .version,
        "1.1.0"
    );
    // Unsigned now: refused, nothing changed.
    release(&mirror, "1.2.0", b"#!/bin/sh\necho three\n", None, None);
    let err = install(&layout, &store, &mirror, InstallFlags::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("unsigned"), "{err}");
    assert_eq!(store.installed().unwrap().unwrap().version, "1.1.0");
    // Naming our key but signed by another (a forged signature): the download check refuses it.
    release(
        &mirror,
        "1.3.0",
        b"#!/bin/sh\necho four\n",
        Some(&k1),
        Some(&k2),
    );
    let err = install(&layout, &store, &mirror, InstallFlags::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("signature is not valid"), "{err}");
    // Another key: refused unless the user says the key changed; then it is pinned anew.
    release(
        &mirror,
        "2.0.0",
        b"#!/bin/sh\necho five\n",
        Some(&k2),
        Some(&k2),
    );
    let err = install(&layout, &store, &mirror, InstallFlags::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("signing key changed") && err.contains("--trust-new-key"),
        "{err}"
    );
    let out = install(
        &layout,
        &store,
        &mirror,
        InstallFlags {
            trust_new_key: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(out.version, "2.0.0");
    release(
        &mirror,
        "2.1.0",
        b"#!/bin/sh\necho six\n",
        Some(&k1),
        Some(&k1),
    );
    assert!(
        install(&layout, &store, &mirror, InstallFlags::default()).is_err(),
        "the old key is no longer the pinned one"
    );
}
