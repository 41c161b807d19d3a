//! Node keys: generated natively (secp256k1, Ethereum address = last 20 bytes of the Keccak-256
//! of the public key), kept in the OS keychain (keyring-core with the platform store), never
//! printed: [`Secret`] redacts itself in `Debug` and `Display` and zeroes its memory on drop.

use std::fmt;
use std::sync::Arc;

use k256::elliptic_curve::sec1::ToEncodedPoint;
use keyring_core::{CredentialStore, Entry};
use sha3::{Digest, Keccak256};
use zeroize::Zeroizing;

/// Keychain service name under which every node key is stored (user = node address).
pub const KEYCHAIN_SERVICE: &str = "network.cortensor.manager.node-key";

/// A secret string (a private key, an RPC URL with an API key…): never shown, zeroed on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(Zeroizing::new(s.into()))
    }

    /// The secret itself. Call sites are the only places a secret leaves this type: keep them few.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(«redacted»)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("«redacted»")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("this is not a private key: it must be 0x followed by 64 hex digits")]
    BadPrivateKey,
    #[error("the private key is not a valid secp256k1 key (zero or too large)")]
    InvalidScalar,
    #[error("the system's random number generator failed: {0}")]
    Random(String),
    #[error("the OS keychain is not available ({0}). On Linux, install and unlock a Secret Service such as GNOME Keyring or KeePassXC, then retry.")]
    Unavailable(String),
    #[error("the OS keychain refused to store or read the key of {address}: {message}")]
    Keychain { address: String, message: String },
    #[error(
        "no key for node {0} in the OS keychain; import it from a backup or create a new node"
    )]
    Missing(String),
    #[error("cannot write the keystore: {0}")]
    Keystore(String),
}

/// An address in EIP-55 mixed-case checksum form (`NODE_PUBLIC_KEY` as upstream writes it).
/// `None` when `address` is not 0x and 40 hex digits.
pub fn checksum_address(address: &str) -> Option<String> {
    let hex = address
        .strip_prefix("0x")
        .or_else(|| address.strip_prefix("0X"))?;
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let lower = hex.to_ascii_lowercase();
    let hash = Keccak256::digest(lower.as_bytes());
    let mixed = lower
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let nibble = (hash[i / 2] >> if i % 2 == 0 { 4 } else { 0 }) & 0x0f;
            if c.is_ascii_alphabetic() && nibble >= 8 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect::<String>();
    Some(format!("0x{mixed}"))
}

/// A node's key pair. The address is public; the private key is a [`Secret`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeKey {
    /// `0x` + 40 lower-case hex digits.
    pub address: String,
    /// `0x` + 64 lower-case hex digits.
    pub private_key: Secret,
}

impl NodeKey {
    /// A new random key from the OS random source.
    pub fn generate() -> Result<NodeKey, KeyError> {
        loop {
            let mut bytes = Zeroizing::new([0u8; 32]);
            getrandom::getrandom(bytes.as_mut()).map_err(|e| KeyError::Random(e.to_string()))?;
            match NodeKey::from_bytes(bytes.as_ref()) {
                Ok(k) => return Ok(k),
                Err(KeyError::InvalidScalar) => continue, // probability ~2^-128
                Err(e) => return Err(e),
            }
        }
    }

    /// Import `0x…64 hex` (as in `NODE_PRIVATE_KEY` of an official `.env`).
    pub fn from_private_hex(text: &str) -> Result<NodeKey, KeyError> {
        let t = text.trim();
        let hex_part = t
            .strip_prefix("0x")
            .or_else(|| t.strip_prefix("0X"))
            .unwrap_or(t);
        if hex_part.len() != 64 {
            return Err(KeyError::BadPrivateKey);
        }
        let bytes = Zeroizing::new(hex::decode(hex_part).map_err(|_| KeyError::BadPrivateKey)?);
        NodeKey::from_bytes(&bytes)
    }

    fn from_bytes(bytes: &[u8]) -> Result<NodeKey, KeyError> {
        let sk = k256::SecretKey::from_slice(bytes).map_err(|_| KeyError::InvalidScalar)?;
        let point = sk.public_key().to_encoded_point(false);
        let hash = Keccak256::digest(&point.as_bytes()[1..]);
        Ok(NodeKey {
            address: format!("0x{}", hex::encode(&hash[12..])),
            private_key: Secret::new(format!("0x{}", hex::encode(bytes))),
        })
    }
}

/// The OS keychain, or any keyring-core store (the mock store in unit tests).
#[derive(Clone)]
pub struct Keychain {
    store: Arc<CredentialStore>,
}

impl Keychain {
    pub fn new(store: Arc<CredentialStore>) -> Keychain {
        Keychain { store }
    }

    /// The platform's keychain: Secret Service on Linux, the login Keychain on macOS, the
    /// Credential Manager on Windows.
    pub fn platform() -> Result<Keychain, KeyError> {
        let unavailable = |e: keyring_core::Error| KeyError::Unavailable(e.to_string());
        #[cfg(target_os = "linux")]
        let store: Arc<CredentialStore> =
            zbus_secret_service_keyring_store::Store::new().map_err(unavailable)?;
        #[cfg(target_os = "macos")]
        let store: Arc<CredentialStore> =
            apple_native_keyring_store::keychain::Store::new().map_err(unavailable)?;
        #[cfg(windows)]
        let store: Arc<CredentialStore> =
            windows_native_keyring_store::Store::new().map_err(unavailable)?;
        #[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
        let store: Arc<CredentialStore> = {
            let _ = unavailable;
            return Err(KeyError::Unavailable(
                "no keychain store is known for this OS".into(),
            ));
        };
        Ok(Keychain { store })
    }

    fn entry(&self, address: &str) -> Result<Entry, KeyError> {
        Entry::new_in_store(&self.store, KEYCHAIN_SERVICE, &address.to_ascii_lowercase()).map_err(
            |e| KeyError::Keychain {
                address: address.into(),
                message: e.to_string(),
            },
        )
    }

    /// An entry to create, labeled for people (what the keychain's own app lists), so a key
    /// left behind after an uninstall is never an unnamed secret: on Linux the Secret Service
    /// label; the macOS and Windows stores show the service name and account.
    fn labeled(&self, user: &str, label: &str) -> Result<Entry, KeyError> {
        #[cfg(target_os = "linux")]
        {
            let mods = std::collections::HashMap::from([("label", label)]);
            // A store that takes no label (the test's mock) gets the entry without one.
            Entry::new_in_store_with_modifiers(
                &self.store,
                KEYCHAIN_SERVICE,
                &user.to_ascii_lowercase(),
                &mods,
            )
            .or_else(|_| self.entry(user))
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = label;
            self.entry(user)
        }
    }

    pub fn save(&self, key: &NodeKey) -> Result<(), KeyError> {
        self.labeled(
            &key.address,
            &format!(
                "Cortensor node key {} (Cortensor Node Manager)",
                key.address
            ),
        )?
        .set_password(key.private_key.expose())
        .map_err(|e| KeyError::Keychain {
            address: key.address.clone(),
            message: e.to_string(),
        })
    }

    pub fn load(&self, address: &str) -> Result<NodeKey, KeyError> {
        match self.entry(address)?.get_password() {
            Ok(pk) => {
                let key = NodeKey::from_private_hex(&Zeroizing::new(pk))?;
                if !key.address.eq_ignore_ascii_case(address) {
                    return Err(KeyError::Keychain {
                        address: address.into(),
                        message: format!(
                            "the stored key belongs to {}, not to this node",
                            key.address
                        ),
                    });
                }
                Ok(key)
            }
            Err(keyring_core::Error::NoEntry) => Err(KeyError::Missing(address.into())),
            Err(e) => Err(KeyError::Keychain {
                address: address.into(),
                message: e.to_string(),
            }),
        }
    }

    /// Store another secret (the RPC URL with its API key) under `name`.
    pub fn save_secret(&self, name: &str, secret: &Secret) -> Result<(), KeyError> {
        self.labeled(
            name,
            &format!("Cortensor node secret {name} (Cortensor Node Manager)"),
        )?
        .set_password(secret.expose())
        .map_err(|e| KeyError::Keychain {
            address: name.into(),
            message: e.to_string(),
        })
    }

    pub fn load_secret(&self, name: &str) -> Result<Secret, KeyError> {
        match self.entry(name)?.get_password() {
            Ok(s) => Ok(Secret::new(s)),
            Err(keyring_core::Error::NoEntry) => Err(KeyError::Missing(name.into())),
            Err(e) => Err(KeyError::Keychain {
                address: name.into(),
                message: e.to_string(),
            }),
        }
    }

    /// Remove a key. Callers offer an export first ([`crate::keys`] never deletes on its own).
    pub fn delete(&self, address: &str) -> Result<(), KeyError> {
        match self.entry(address)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(KeyError::Keychain {
                address: address.into(),
                message: e.to_string(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eip55_checksums_match_the_eips_examples() {
        for a in [
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
            "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
            "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
        ] {
            assert_eq!(
                checksum_address(&a.to_ascii_lowercase()).as_deref(),
                Some(a)
            );
            assert_eq!(checksum_address(a).as_deref(), Some(a));
        }
        assert_eq!(checksum_address("0x123"), None);
        assert_eq!(
            checksum_address("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
            None
        );
    }

    #[test]
    fn known_vectors() {
        // Private key 1 → the generator point; its address is a well-known test vector.
        let k = NodeKey::from_private_hex(&format!("0x{:064x}", 1)).unwrap();
        assert_eq!(k.address, "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf");
        // Private key 2 → 0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF.
        let k = NodeKey::from_private_hex(&format!("{:064x}", 2)).unwrap();
        assert_eq!(k.address, "0x2b5ad5c4795c026514f8317c7a215e218dccd6cf");
    }

    #[test]
    fn bad_private_keys() {
        assert!(matches!(
            NodeKey::from_private_hex("0x1234"),
            Err(KeyError::BadPrivateKey)
        ));
        assert!(matches!(
            NodeKey::from_private_hex(&format!("0x{}", "zz".repeat(32))),
            Err(KeyError::BadPrivateKey)
        ));
        assert!(matches!(
            NodeKey::from_private_hex(&format!("0x{:064x}", 0)),
            Err(KeyError::InvalidScalar)
        ));
        assert!(matches!(
            NodeKey::from_private_hex(&format!("0x{}", "ff".repeat(32))),
            Err(KeyError::InvalidScalar)
        ));
    }

    #[test]
    fn generated_keys_are_distinct_and_round_trip() {
        let a = NodeKey::generate().unwrap();
        let b = NodeKey::generate().unwrap();
        assert_ne!(a.address, b.address);
        assert_eq!(
            NodeKey::from_private_hex(a.private_key.expose()).unwrap(),
            a
        );
        assert!(cortensor_contest::leaderboard::is_address(&a.address));
    }

    #[test]
    fn secrets_never_print() {
        let k = NodeKey::from_private_hex(&format!("0x{:064x}", 0xC0FFEE)).unwrap();
        let shown = format!("{k:?} {}", k.private_key);
        assert!(!shown.contains("c0ffee"), "{shown}");
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn keychain_round_trip_with_the_mock_store() {
        let kc = Keychain::new(keyring_core::mock::Store::new().unwrap());
        let k = NodeKey::generate().unwrap();
        assert!(matches!(kc.load(&k.address), Err(KeyError::Missing(_))));
        kc.save(&k).unwrap();
        assert_eq!(
            kc.load(&k.address.to_uppercase().replace("0X", "0x"))
                .unwrap(),
            k
        );
        kc.delete(&k.address).unwrap();
        assert!(matches!(kc.load(&k.address), Err(KeyError::Missing(_))));
    }
}

/// Write `key` as an Ethereum V3 keystore (scrypt, AES-128-CTR), the JSON MetaMask and geth
/// import, encrypted with `passphrase`, into `dir` (created 0700) as `<name>.json`, mode 0600.
pub fn write_keystore(
    key: &NodeKey,
    dir: &std::path::Path,
    name: &str,
    passphrase: &str,
) -> Result<std::path::PathBuf, KeyError> {
    let failed = |e: String| KeyError::Keystore(e);
    if passphrase.chars().count() < 8 {
        return Err(failed(
            "the passphrase must have at least 8 characters".into(),
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| failed(e.to_string()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    let bytes = Zeroizing::new(
        hex::decode(key.private_key.expose().trim_start_matches("0x"))
            .map_err(|e| failed(e.to_string()))?,
    );
    let file = format!("{name}.json");
    eth_keystore::encrypt_key(
        dir,
        &mut rand::rngs::OsRng,
        bytes.as_slice(),
        passphrase,
        Some(&file),
    )
    .map_err(|e| failed(e.to_string()))?;
    let path = dir.join(file);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| failed(e.to_string()))?;
    }
    Ok(path)
}

#[cfg(test)]
mod keystore_tests {
    use super::*;

    #[test]
    fn a_keystore_decrypts_to_the_key_with_its_passphrase_only() {
        let dir = tempfile::tempdir().unwrap();
        let key = NodeKey::from_private_hex(&format!("0x{:064x}", 2)).unwrap();
        let path = write_keystore(&key, &dir.path().join("ks"), "node-1", "correct horse").unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(json["version"], 3);
        assert_eq!(json["crypto"]["kdf"], "scrypt");
        assert_eq!(json["crypto"]["cipher"], "aes-128-ctr");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            !text.contains(&key.private_key.expose()[2..]),
            "encrypted, not plain"
        );
        let back = eth_keystore::decrypt_key(&path, "correct horse").unwrap();
        assert_eq!(hex::encode(back), &key.private_key.expose()[2..]);
        assert!(eth_keystore::decrypt_key(&path, "wrong horse").is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        assert!(matches!(
            write_keystore(&key, dir.path(), "x", "short"),
            Err(KeyError::Keystore(m)) if m.contains("8 characters")
        ));
    }
}
