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
