//! A node's `.env`, rendered from upstream's `.env-example`: every key of the example is kept
//! (with its comments when the example came from upstream itself), and only what belongs to the
//! node and its user is overridden. Pure text in, text out.
//!
//! The example is, in order of preference: the one downloaded beside the binary from the same
//! installer commit, an `env_example` artifact of a mirror, or the embedded table of keys and
//! values of `cortensor/installer` `dist/.env-example` (`crates/node/upstream/env-example.keys`,
//! its commit noted there).

/// The embedded keys and default values of upstream's `.env-example`.
pub const EMBEDDED_EXAMPLE: &str = include_str!("../upstream/env-example.keys");

/// The value of a `.env` line's right-hand side, as python-dotenv reads it: quoted values are
/// taken whole (quotes removed), unquoted ones end at ` #` (an inline comment).
pub fn parse_value(raw: &str) -> String {
    let raw = raw.trim();
    for q in ['"', '\''] {
        if let Some(rest) = raw.strip_prefix(q) {
            let mut out = String::new();
            let mut chars = rest.chars();
            while let Some(c) = chars.next() {
                match c {
                    '\\' if q == '"' => {
                        if let Some(n) = chars.next() {
                            out.push(n);
                        }
                    }
                    c if c == q => return out,
                    c => out.push(c),
                }
            }
            return out;
        }
    }
    let end = raw
        .char_indices()
        .find(|&(i, c)| c == '#' && i > 0 && raw[..i].ends_with(char::is_whitespace))
        .map_or(raw.len(), |(i, _)| i);
    raw[..end].trim().to_string()
}

/// `KEY=value` of one line, or `None` for comments, blanks and anything else.
pub fn parse_line(line: &str) -> Option<(&str, String)> {
    let line = line.strip_prefix("export ").unwrap_or(line);
    let (k, v) = line.split_once('=')?;
    let key = k.trim();
    let valid = !key.is_empty()
        && !key.starts_with(|c: char| c.is_ascii_digit())
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (valid && !line.trim_start().starts_with('#')).then(|| (key, parse_value(v)))
}

/// Every `KEY=value` of an example, in order (a repeated key: the last value, at its first place).
pub fn entries(example: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (k, v) in example.lines().filter_map(parse_line) {
        match out.iter_mut().find(|(key, _)| key == k) {
            Some(e) => e.1 = v,
            None => out.push((k.to_string(), v)),
        }
    }
    out
}

/// A value written so that dotenv reads it back unchanged.
pub fn quote(value: &str) -> String {
    let plain = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_./:@,+-".contains(c));
    if plain {
        value.to_string()
    } else {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// The example with `overrides` applied: each overridden key keeps its place (and the example's
/// comments around it); keys the example lacks are appended under a heading. `header` (comment
/// lines) goes first.
pub fn render(example: &str, overrides: &[(String, String)], header: &str) -> String {
    let mut used = vec![false; overrides.len()];
    let mut out = String::from(header);
    for line in example.lines() {
        match parse_line(line).and_then(|(k, _)| overrides.iter().position(|(o, _)| o == k)) {
            Some(i) if !used[i] => {
                used[i] = true;
                let (k, v) = &overrides[i];
                out.push_str(&format!("{k}={}\n", quote(v)));
            }
            // A repeated key: its first place already holds the override.
            Some(_) => out.push_str(&format!("# {line}\n")),
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    let extra: Vec<_> = overrides
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(o, _)| o)
        .collect();
    if !extra.is_empty() {
        out.push_str("\n# Set by Cortensor Node Manager (not in the example)\n");
        for (k, v) in extra {
            out.push_str(&format!("{k}={}\n", quote(v)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_as_dotenv_reads_them() {
        assert_eq!(
            parse_value("\"0xa438cE917a5740267e0f7217f81cbbAA23E7e106\""),
            "0xa438cE917a5740267e0f7217f81cbbAA23E7e106"
        );
        assert_eq!(parse_value("0 # Not used"), "0");
        assert_eq!(parse_value("1    # Not used"), "1");
        assert_eq!(parse_value("http://x/#frag"), "http://x/#frag");
        assert_eq!(parse_value("\"a \\\"b\\\" # c\" # d"), "a \"b\" # c");
        assert_eq!(parse_value("'single # kept'"), "single # kept");
        assert_eq!(parse_value(""), "");
        assert_eq!(parse_line("# HOST=x"), None);
        assert_eq!(parse_line("export A_1=v"), Some(("A_1", "v".to_string())));
        assert_eq!(parse_line("1BAD=v"), None);
    }

    #[test]
    fn quoted_values_read_back_unchanged() {
        for v in [
            "plain",
            "",
            "with space",
            "a#b",
            "x\"y",
            "back\\slash",
            "101:0x11,0x22;202:0x33",
        ] {
            let line = format!("K={}", quote(v));
            assert_eq!(parse_line(&line), Some(("K", v.to_string())), "{line}");
        }
    }

    #[test]
    fn overrides_keep_their_place_and_comments_and_extras_are_appended() {
        let example =
            "# chain\nHOST=\nCHAINID=421614 # Arbitrum Sepolia\n\n# keys\nNODE_PUBLIC_KEY=0x00\n";
        let overrides = vec![
            ("NODE_PUBLIC_KEY".to_string(), "0xAbC".to_string()),
            ("HOST".to_string(), "https://rpc.example/v2/k".to_string()),
            ("LOG_FILE_NAME".to_string(), "agent miner.log".to_string()),
        ];
        let text = render(example, &overrides, "# ours\n");
        assert_eq!(
            text,
            "# ours\n# chain\nHOST=https://rpc.example/v2/k\nCHAINID=421614 # Arbitrum Sepolia\n\n# keys\nNODE_PUBLIC_KEY=0xAbC\n\n# Set by Cortensor Node Manager (not in the example)\nLOG_FILE_NAME=\"agent miner.log\"\n"
        );
        let back: Vec<(String, String)> = entries(&text);
        assert_eq!(
            back.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            vec!["HOST", "CHAINID", "NODE_PUBLIC_KEY", "LOG_FILE_NAME"]
        );
        assert_eq!(back[1].1, "421614");
    }

    #[test]
    fn the_embedded_example_has_upstreams_200_keys() {
        let e = entries(EMBEDDED_EXAMPLE);
        assert_eq!(e.len(), 200);
        let get = |k: &str| e.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        assert_eq!(
            get("CONTRACT_ADDRESS_RUNTIME"),
            Some("0xa438cE917a5740267e0f7217f81cbbAA23E7e106")
        );
        assert_eq!(get("DEV_MODE_ENABLE_DEBUG_PRINT"), Some("1"));
        assert_eq!(get("DOCKER_LLM_MANAGER"), Some("1"));
        assert_eq!(get("IS_L3"), Some("0"));
        // Provider URLs with someone's API key are not defaults of this project.
        assert_eq!(get("HOST"), Some(""));
        assert!(!EMBEDDED_EXAMPLE.contains("API-KEY"));
    }

    /// The embedded table against upstream's file, where the steering repo's copy is present
    /// (`../shared/upstream/installer-env-example` beside the checkout); a fresh clone without
    /// it passes on the embedded table alone.
    #[test]
    fn the_embedded_example_matches_upstreams_file_when_present() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/upstream/installer-env-example"
        );
        let Ok(upstream) = std::fs::read_to_string(path) else {
            eprintln!("no {path}: checked against the embedded table only");
            return;
        };
        let ours = entries(EMBEDDED_EXAMPLE);
        let theirs = entries(&upstream);
        assert_eq!(
            ours.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            theirs.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            "keys and their order"
        );
        for ((k, a), (_, b)) in ours.iter().zip(&theirs) {
            if b.contains("<API-KEY-REMOVED>") {
                assert_eq!(a, "", "{k}: a URL with a removed key stays empty here");
            } else {
                assert_eq!(a, b, "{k}");
            }
        }
    }
}
