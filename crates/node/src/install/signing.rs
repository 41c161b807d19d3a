//! Signed mirrors, trusted on first use: a mirror's manifest may name its ed25519 public key
//! (`public_key`, base64); the first install from that mirror pins it (the user sees its
//! fingerprint), and from then on every release from that mirror must name the same key and
//! carry a valid signature over the artifact's sha256 (`ed25519`). A mirror that signed before
//! and now does not, or signs with another key, is refused (unless the user says the key
//! changed, `--trust-new-key`). The official source publishes no signatures; nothing changes
//! for it.

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::store::Store;

/// The setting that holds a mirror's pinned key.
fn setting(source: &str) -> String {
    format!("pinned_key:{source}")
}

pub fn pinned(store: &Store, source: &str) -> Option<String> {
    store.setting(&setting(source)).ok().flatten()
}

pub fn pin(store: &Store, source: &str, key: &str) -> Result<(), crate::store::StoreError> {
    store.set_setting(&setting(source), key)
}

/// A key as people compare it: the first 16 bytes of its sha256, in groups of four hex digits.
pub fn fingerprint(key_b64: &str) -> String {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(key_b64.trim())
        .unwrap_or_default();
    let h = hex::encode(&Sha256::digest(&bytes)[..16]);
    h.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A base64 ed25519 public key (32 bytes).
fn valid_key(k: &str) -> bool {
    base64::engine::general_purpose::STANDARD
        .decode(k.trim())
        .is_ok_and(|b| b.len() == 32)
}

/// What the download must check: `Some((signature, key))`, or `None` for an unsigned source
/// never pinned. Pure.
pub fn decide(
    pinned: Option<&str>,
    manifest_key: Option<&str>,
    signature: Option<&str>,
    trust_new_key: bool,
) -> Result<Option<(String, String)>, String> {
    let key = match (pinned, manifest_key) {
        (None, None) => return Ok(None),
        (_, Some(k)) if !valid_key(k) => {
            return Err("the manifest's public_key is not a base64 ed25519 key (32 bytes)".into())
        }
        (Some(p), None) => {
            return Err(format!(
                "this mirror signed its releases with the key {} and this manifest is unsigned: refused (a mirror that stops signing may have been replaced)",
                fingerprint(p)
            ))
        }
        (Some(p), Some(k)) if p.trim() != k.trim() && !trust_new_key => {
            return Err(format!(
                "this mirror's signing key changed from {} to {}: refused. If its owner really changed it, confirm the new fingerprint with them and install with --trust-new-key",
                fingerprint(p),
                fingerprint(k)
            ))
        }
        (_, Some(k)) => k.trim().to_string(),
    };
    match signature {
        Some(s) if !s.trim().is_empty() => Ok(Some((s.trim().to_string(), key))),
        _ => Err(format!(
            "the manifest names the signing key {} but its artifact carries no ed25519 signature: refused",
            fingerprint(&key)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K1: &str = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    const K2: &str = "ImpWFxS4Hy2kl2Ma8gUZ6ZJvKxjj/JTHudMKfhpGcLQ=";

    #[test]
    fn trust_on_first_use_then_the_same_key_and_a_signature_always() {
        // Unsigned and never pinned: nothing to check (as before).
        assert_eq!(decide(None, None, None, false), Ok(None));
        // First use of a signed mirror: checked with its key (the caller pins it).
        assert_eq!(
            decide(None, Some(K1), Some("sig"), false),
            Ok(Some(("sig".into(), K1.into())))
        );
        // Pinned: the same key and a signature, always.
        assert_eq!(
            decide(Some(K1), Some(K1), Some("sig"), false),
            Ok(Some(("sig".into(), K1.into())))
        );
        let e = decide(Some(K1), None, None, false).unwrap_err();
        assert!(
            e.contains("unsigned") && e.contains(&fingerprint(K1)),
            "{e}"
        );
        let e = decide(Some(K1), Some(K2), Some("sig"), false).unwrap_err();
        assert!(
            e.contains("changed") && e.contains("--trust-new-key"),
            "{e}"
        );
        assert!(decide(Some(K1), Some(K1), None, false)
            .unwrap_err()
            .contains("no ed25519 signature"));
        assert!(decide(None, Some(K1), Some(" "), false).is_err());
        // The user says the key changed: the new one is checked (and pinned by the caller).
        assert_eq!(
            decide(Some(K1), Some(K2), Some("s"), true),
            Ok(Some(("s".into(), K2.into())))
        );
        assert!(decide(None, Some("not a key"), Some("s"), false)
            .unwrap_err()
            .contains("not a base64 ed25519 key"));
        assert_eq!(fingerprint(K1).split(' ').count(), 8);
        assert_ne!(fingerprint(K1), fingerprint(K2));
    }
}
