//! Redaction of secrets from text that leaves the app (logs, command output, bug reports).

/// Replace every known secret and anything shaped like a private key (0x + 64 hex) or a URL
/// credential with `«redacted»`.
pub fn redact(text: &str, known: &[&str]) -> String {
    let mut out = text.to_string();
    for s in known.iter().filter(|s| s.len() >= 8) {
        out = out.replace(s, "«redacted»");
        let bare = s.strip_prefix("0x").unwrap_or(s);
        if bare.len() >= 8 {
            out = out.replace(bare, "«redacted»");
        }
    }
    redact_private_keys(&out)
}

/// An RPC URL for display: scheme and host kept, anything that may carry a key (user info,
/// path, query) replaced.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(u) => {
            let host = u.host_str().unwrap_or("?");
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            let hidden = !u.username().is_empty()
                || u.password().is_some()
                || u.path().trim_matches('/').len() > 0
                || u.query().is_some();
            format!(
                "{}://{host}{port}{}",
                u.scheme(),
                if hidden { "/…[redacted]" } else { "" }
            )
        }
        Err(_) => "«redacted URL»".into(),
    }
}

fn redact_private_keys(text: &str) -> String {
    // 64 hex digits in a row (with or without 0x) is a private key or a secret seed; tx hashes
    // have the same shape and are redacted too (a bug report loses nothing by it).
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let start = if bytes[i..].starts_with(b"0x") {
            i + 2
        } else {
            i
        };
        let run = bytes[start..]
            .iter()
            .take_while(|b| b.is_ascii_hexdigit())
            .count();
        let boundary_before = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if boundary_before && run == 64 {
            out.push_str("«redacted»");
            i = start + run;
        } else {
            let ch = text[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_only_scheme_and_host() {
        assert_eq!(
            redact_url("https://arb.example/v2/KEY123"),
            "https://arb.example/…[redacted]"
        );
        assert_eq!(
            redact_url("https://u:p@arb.example"),
            "https://arb.example/…[redacted]"
        );
        assert_eq!(
            redact_url("https://arb.example/?apikey=K"),
            "https://arb.example/…[redacted]"
        );
        assert_eq!(
            redact_url("https://sepolia-rollup.arbitrum.io"),
            "https://sepolia-rollup.arbitrum.io"
        );
        assert_eq!(redact_url("http://127.0.0.1:8545"), "http://127.0.0.1:8545");
        assert_eq!(redact_url("not a url KEY"), "«redacted URL»");
    }

    #[test]
    fn known_secrets_and_key_shapes_are_removed() {
        let pk = format!("0x{}", "ab".repeat(32));
        let text = format!(
            "key={pk} bare={} url=https://rpc.example/v2/SUPERSECRETKEY addr=0x{}",
            &pk[2..],
            "1".repeat(40)
        );
        let out = redact(&text, &["https://rpc.example/v2/SUPERSECRETKEY"]);
        assert!(
            !out.contains("abab") && !out.contains("SUPERSECRET"),
            "{out}"
        );
        assert!(
            out.contains(&format!("addr=0x{}", "1".repeat(40))),
            "addresses are public: {out}"
        );
    }
}
