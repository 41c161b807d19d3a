//! The one redactor: every text that leaves the app (bug-report bundles and text, error details
//! the user copies, node output the app stores or shows) passes [`Redactor::redact`].
//!
//! It removes the secrets the app holds (any case, with or without `0x`), and anything shaped
//! like one: private keys (64 hex digits), BIP-39 mnemonics (12–24 words of the English list),
//! API keys in URLs (`/v2/<key>`, `/v3/<key>`, token-like path segments, `key=`/`apikey=`/
//! `api_key=`/`token=`/`access_token=` query values, `user:password@`), bearer tokens and JWTs,
//! Discord and Slack webhook URLs, cloud access keys, `NAME=value` where the name says secret,
//! e-mail addresses other than the ones allowed (the report's contact), the user's name in home
//! paths, and patterns the user configured. Each replacement keeps the shape of the text
//! (`0x…[redacted key]`) so it still reads.

use std::sync::OnceLock;

use regex::{Captures, Regex};

/// What [`Redactor::redact`] returns: the text and how many things were removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    pub text: String,
    pub count: usize,
}

/// Replacement markers (each starts with `…[redacted`, so a later pass never re-reads them).
pub const KEY: &str = "0x…[redacted key]";
pub const SECRET: &str = "…[redacted secret]";

struct Shapes {
    url: Regex,
    jwt: Regex,
    bearer: Regex,
    cloud: Regex,
    assignment: Regex,
    private_key: Regex,
    email: Regex,
    home: Regex,
    word: Regex,
}

fn shapes() -> &'static Shapes {
    static S: OnceLock<Shapes> = OnceLock::new();
    S.get_or_init(|| {
        let r = |p: &str| Regex::new(p).expect("built-in pattern");
        Shapes {
            url: r(r#"(?i)(?-u:\b)(?:https?|wss?|ftp)://[^\s"'<>`]+"#),
            jwt: r(r"(?-u:\b)eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}"),
            bearer: r(r"(?i)(?-u:\b)(bearer|basic)(\s+)([A-Za-z0-9._~+/=-]{8,})"),
            cloud: r(concat!(
                r"(?-u:\b)(?:(?:AKIA|ASIA)[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35}|gh[pousr]_[A-Za-z0-9]{36,}",
                r"|github_pat_[A-Za-z0-9_]{22,}|xox[abposr]-[A-Za-z0-9-]{10,}|sk-[A-Za-z0-9_-]{20,}",
                r"|sk_live_[0-9A-Za-z]{24,})(?-u:\b)"
            )),
            assignment: r(concat!(
                r#"(?i)(?-u:\b)([A-Za-z0-9_.-]*(?:authorization|api[_-]?key|apikey|access[_-]?token|auth[_-]?token"#,
                r#"|api[_-]?token|secret|password|passwd|passphrase|private[_-]?key|mnemonic|seed[_-]?phrase)[A-Za-z0-9_.-]*)"#,
                r#"(\s*["']?\s*[:=]\s*["']?)([^\s"',;]{6,})"#
            )),
            private_key: r(r"(?-u:\b)(?:0[xX])?[0-9a-fA-F]{64}(?-u:\b)"),
            email: r(r"(?-u:\b)[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?-u:\b)"),
            home: r(r#"(/home/|/Users/|(?i:[A-Z]:\\{1,2}Users\\{1,2})|(?i:[A-Z]:/Users/))([^/\\\s"':;,]+)"#),
            word: r(r"[A-Za-z]+"),
        }
    })
}

/// Home folder names that are not a person's.
const NOT_A_NAME: [&str; 4] = ["Shared", "Public", "Default", "All Users"];

/// Query parameters whose value is a credential.
const SECRET_QUERY: [&str; 12] = [
    "key",
    "apikey",
    "api_key",
    "api-key",
    "token",
    "access_token",
    "auth",
    "secret",
    "password",
    "sig",
    "signature",
    "x-api-key",
];

/// The longest extra redaction pattern, in characters.
pub const MAX_PATTERN_CHARS: usize = 256;
/// The most extra redaction patterns.
pub const MAX_PATTERNS: usize = 64;

/// The shortest mnemonic BIP-39 defines.
pub const MNEMONIC_WORDS: usize = 12;

/// The redactor: built once with the secrets the app holds and the user's settings.
#[derive(Debug, Default, Clone)]
pub struct Redactor {
    known: Option<Regex>,
    extra: Vec<Regex>,
    allowed_emails: Vec<String>,
}

impl Redactor {
    /// A redactor for these known secrets (shorter than 8 characters are ignored: too likely
    /// to occur by chance and too short to be a credential).
    pub fn new<S: AsRef<str>>(known: &[S]) -> Redactor {
        let mut alts: Vec<String> = Vec::new();
        for s in known.iter().map(|s| s.as_ref().trim()) {
            for v in [
                s,
                s.strip_prefix("0x")
                    .or_else(|| s.strip_prefix("0X"))
                    .unwrap_or(s),
            ] {
                if v.len() >= 8 && !alts.iter().any(|a| a == &regex::escape(v)) {
                    alts.push(regex::escape(v));
                }
            }
        }
        // Longest first, so a URL is replaced whole before the key inside it.
        alts.sort_by_key(|a| std::cmp::Reverse(a.len()));
        let known = (!alts.is_empty()).then(|| {
            Regex::new(&format!("(?i)(?:0[xX])?(?:{})", alts.join("|"))).expect("escaped literals")
        });
        Redactor {
            known,
            ..Default::default()
        }
    }

    /// Also remove what these regular expressions match (the user's extra patterns). Each is
    /// bounded ([`MAX_PATTERN_CHARS`], [`MAX_PATTERNS`], a compiled size limit): a huge pattern
    /// makes matching slow enough to stall every report (a 200,000-character one took minutes
    /// over a 200 KB text).
    pub fn with_patterns(mut self, patterns: &[String]) -> Result<Redactor, String> {
        let patterns: Vec<&str> = patterns
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
            .collect();
        if patterns.len() > MAX_PATTERNS {
            return Err(format!(
                "{} redaction patterns is too many: at most {MAX_PATTERNS}",
                patterns.len()
            ));
        }
        for p in patterns {
            let n = p.chars().count();
            if n > MAX_PATTERN_CHARS {
                let start: String = p.chars().take(40).collect();
                return Err(format!(
                    "the redaction pattern '{start}…' has {n} characters: at most {MAX_PATTERN_CHARS}"
                ));
            }
            let re = regex::RegexBuilder::new(p)
                .size_limit(1 << 20)
                .build()
                .map_err(|e| format!("the redaction pattern '{p}' is not valid: {e}"))?;
            self.extra.push(re);
        }
        Ok(self)
    }

    /// Keep this e-mail address (the contact the user typed).
    pub fn allow_email(mut self, email: &str) -> Redactor {
        let e = email.trim();
        if e.contains('@') {
            self.allowed_emails.push(e.to_ascii_lowercase());
        }
        self
    }

    pub fn redact(&self, text: &str) -> Redacted {
        let s = shapes();
        let mut count = 0usize;
        let mut out = text.to_string();
        if let Some(known) = &self.known {
            out = replace(&out, known, &mut count, |c| {
                let m = &c[0];
                if m.len() >= 64
                    && m.bytes()
                        .all(|b| b.is_ascii_hexdigit() || b == b'x' || b == b'X')
                {
                    KEY.to_string()
                } else {
                    SECRET.to_string()
                }
            });
        }
        // A URL counts once per credential part it carried.
        let mut in_urls = 0usize;
        out = s
            .url
            .replace_all(&out, |c: &Captures| {
                let (r, n) = redact_url_in_text(&c[0]);
                in_urls += n;
                r
            })
            .into_owned();
        count += in_urls;
        out = replace(&out, &s.jwt, &mut count, |_| "…[redacted JWT]".into());
        out = replace(&out, &s.bearer, &mut count, |c| {
            format!("{}{}…[redacted token]", &c[1], &c[2])
        });
        out = replace(&out, &s.cloud, &mut count, |_| {
            "…[redacted cloud key]".into()
        });
        out = replace_some(&out, &s.assignment, &mut count, |c| {
            let v = &c[3];
            let skip = v.starts_with('…')
                || v.eq_ignore_ascii_case("bearer")
                || v.eq_ignore_ascii_case("basic")
                || v.starts_with("0x…");
            (!skip).then(|| format!("{}{}…[redacted]", &c[1], &c[2]))
        });
        out = replace(&out, &s.private_key, &mut count, |_| KEY.to_string());
        out = replace_some(&out, &s.email, &mut count, |c| {
            let e = c[0].to_ascii_lowercase();
            (!self.allowed_emails.contains(&e)).then(|| "…[redacted email]".to_string())
        });
        out = replace_some(&out, &s.home, &mut count, |c| {
            (!NOT_A_NAME.contains(&&c[2]) && !c[2].starts_with('…'))
                .then(|| format!("{}…[user]", &c[1]))
        });
        out = redact_mnemonics(&out, &s.word, &mut count);
        for re in &self.extra {
            out = replace(&out, re, &mut count, |_| "…[redacted]".into());
        }
        Redacted { text: out, count }
    }
}

fn replace(
    text: &str,
    re: &Regex,
    count: &mut usize,
    mut with: impl FnMut(&Captures) -> String,
) -> String {
    replace_some(text, re, count, |c| Some(with(c)))
}

/// Replace the matches `with` returns `Some` for; count those that changed the text.
fn replace_some(
    text: &str,
    re: &Regex,
    count: &mut usize,
    mut with: impl FnMut(&Captures) -> Option<String>,
) -> String {
    let mut changed = 0usize;
    let out = re.replace_all(text, |c: &Captures| match with(c) {
        Some(r) => {
            if r != c[0] {
                changed += 1;
            }
            r
        }
        None => c[0].to_string(),
    });
    *count += changed;
    out.into_owned()
}

/// A URL found in text with its credentials replaced, and how many were.
fn redact_url_in_text(found: &str) -> (String, usize) {
    // Punctuation that ends a sentence or an enclosure is not part of the URL.
    let url = found.trim_end_matches(['.', ',', ';', ':', ')', ']', '}', '!', '?']);
    let trailing = &found[url.len()..];
    let (out, n) = redact_url_parts(url);
    (format!("{out}{trailing}"), n)
}

fn redact_url_parts(url: &str) -> (String, usize) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_string(), 0);
    };
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (mut authority, tail) = (rest[..auth_end].to_string(), &rest[auth_end..]);
    let mut n = 0;
    if let Some(at) = authority.rfind('@') {
        authority = format!("…[redacted]@{}", &authority[at + 1..]);
        n += 1;
    }
    let host = authority
        .rsplit('@')
        .next()
        .unwrap_or("")
        .split(':')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let (path, query) = match tail.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (tail, None),
    };
    let webhook = (matches!(
        host.as_str(),
        "discord.com" | "discordapp.com" | "ptb.discord.com" | "canary.discord.com"
    ) && path.starts_with("/api/webhooks/"))
        || (host == "hooks.slack.com"
            && (path.starts_with("/services/") || path.starts_with("/workflows/")));
    if webhook {
        let first = path.split('/').take(3).collect::<Vec<_>>().join("/");
        return (
            format!("{scheme}://{authority}{first}/…[redacted webhook]"),
            n + 1,
        );
    }
    let mut segments: Vec<String> = Vec::new();
    let mut prev_is_version = false;
    for seg in path.split('/') {
        let is_version =
            seg.len() == 2 && seg.starts_with(['v', 'V']) && seg.as_bytes()[1].is_ascii_digit();
        if (prev_is_version && !seg.is_empty() && !seg.starts_with('…')) || token_like(seg) {
            segments.push("…[redacted key]".into());
            n += 1;
        } else {
            segments.push(seg.to_string());
        }
        prev_is_version = is_version;
    }
    let mut out = format!("{scheme}://{authority}{}", segments.join("/"));
    if let Some(q) = query {
        let pairs: Vec<String> = q
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, v))
                    if !v.is_empty()
                        && !v.starts_with('…')
                        && SECRET_QUERY.contains(&k.to_ascii_lowercase().as_str()) =>
                {
                    n += 1;
                    format!("{k}=…[redacted]")
                }
                _ => pair.to_string(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    (out, n)
}

/// A path segment that looks like an API key: 20+ characters of letters, digits, `-`/`_`,
/// with both letters and digits — not a git commit (40 hex) or a version. A guess: providers
/// such as QuickNode and Ankr put the key in the path without a `/v2/` before it.
fn token_like(seg: &str) -> bool {
    seg.len() >= 20
        && seg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && seg.bytes().any(|b| b.is_ascii_digit())
        && seg.bytes().any(|b| b.is_ascii_alphabetic())
        && !(seg.len() == 40 && seg.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Runs of 12 or more BIP-39 English words on one line, separated by spaces or tabs.
fn redact_mnemonics(text: &str, word: &Regex, count: &mut usize) -> String {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut run: Option<(usize, usize, usize)> = None; // (start, end, words)
    let close = |run: &mut Option<(usize, usize, usize)>, spans: &mut Vec<(usize, usize)>| {
        if let Some((s, e, n)) = run.take() {
            if n >= MNEMONIC_WORDS {
                spans.push((s, e));
            }
        }
    };
    for m in word.find_iter(text) {
        let w = m.as_str().to_ascii_lowercase();
        let in_list = w.len() >= 3 && bip39::Language::English.find_word(&w).is_some();
        if !in_list {
            close(&mut run, &mut spans);
            continue;
        }
        match run {
            Some((s, e, n)) if text[e..m.start()].chars().all(|c| c == ' ' || c == '\t') => {
                run = Some((s, m.end(), n + 1));
            }
            _ => {
                close(&mut run, &mut spans);
                run = Some((m.start(), m.end(), 1));
            }
        }
    }
    close(&mut run, &mut spans);
    if spans.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (s, e) in spans {
        out.push_str(&text[at..s]);
        out.push_str("…[redacted mnemonic]");
        at = e;
        *count += 1;
    }
    out.push_str(&text[at..]);
    out
}

/// Redact `text` with these known secrets and the built-in shapes (no extra patterns).
pub fn redact(text: &str, known: &[&str]) -> String {
    Redactor::new(known).redact(text).text
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
                || !u.path().trim_matches('/').is_empty()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_patterns_are_bounded() {
        let r = Redactor::new::<&str>(&[]);
        let long = "A".repeat(MAX_PATTERN_CHARS + 1);
        let e = r.clone().with_patterns(&[long]).unwrap_err();
        assert!(
            e.contains("257 characters") && e.contains("at most 256"),
            "{e}"
        );
        let many: Vec<String> = (0..=MAX_PATTERNS).map(|i| format!("x{i}")).collect();
        assert!(r
            .clone()
            .with_patterns(&many)
            .unwrap_err()
            .contains("too many"));
        // At the bounds: accepted, and used.
        let ok = r
            .with_patterns(&["B".repeat(MAX_PATTERN_CHARS), "secret-[0-9]+".into()])
            .unwrap();
        assert_eq!(ok.redact("a secret-42 b").text, "a …[redacted] b");
        // A pattern whose compiled program is huge is refused, not built.
        assert!(Redactor::default()
            .with_patterns(&["\\w{200}\\w{200}\\w{200}".into()])
            .is_err());
    }

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
            "key={pk} bare={} upper=0X{} url=https://rpc.example/v2/SUPERSECRETKEY addr=0x{}",
            &pk[2..],
            "AB".repeat(32),
            "1".repeat(40)
        );
        let out = redact(&text, &["https://rpc.example/v2/SUPERSECRETKEY"]);
        assert!(
            !out.to_lowercase().contains("abab") && !out.contains("SUPERSECRET"),
            "{out}"
        );
        assert!(
            out.contains(&format!("addr=0x{}", "1".repeat(40))),
            "addresses are public: {out}"
        );
        assert!(out.contains("bare=0x…[redacted key]"), "{out}");
    }

    #[test]
    fn each_shape_reads_after_redaction() {
        let r = Redactor::new(&["S3cr3t-Known-Value"]).allow_email("me@example.org");
        let cases = [
            (
                "known s3cr3t-KNOWN-value here",
                "known …[redacted secret] here",
            ),
            (
                "rpc https://arb-sepolia.g.alchemy.com/v2/abcDEF123 ok",
                "rpc https://arb-sepolia.g.alchemy.com/v2/…[redacted key] ok",
            ),
            (
                "https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef",
                "https://mainnet.infura.io/v3/…[redacted key]",
            ),
            (
                "https://u:pa55@rpc.example/x?apikey=K1&chain=1",
                "https://…[redacted]@rpc.example/x?apikey=…[redacted]&chain=1",
            ),
            (
                "post https://discord.com/api/webhooks/123/tok-EN_x",
                "post https://discord.com/api/webhooks/…[redacted webhook]",
            ),
            (
                "Authorization: Bearer abcdefgh12345678",
                "Authorization: Bearer …[redacted token]",
            ),
            (
                "jwt eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0dXJl end",
                "jwt …[redacted JWT] end",
            ),
            ("aws AKIAABCDEFGHIJKLMNOP", "aws …[redacted cloud key]"),
            (
                "NODE_PRIVATE_KEY=notahexkey99",
                "NODE_PRIVATE_KEY=…[redacted]",
            ),
            (
                "mail bob@corp.io and me@example.org",
                "mail …[redacted email] and me@example.org",
            ),
            (
                "at /home/alice/.cortensor and C:\\Users\\Bob\\x and /Users/Shared/y",
                "at /home/…[user]/.cortensor and C:\\Users\\…[user]\\x and /Users/Shared/y",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(r.redact(input).text, want, "input: {input}");
            assert!(r.redact(input).count >= 1, "{input}");
        }
        let plain =
            "* Latest ID:  1101  / Latest State:  3 at https://dashboard.cortensor.network/stats";
        assert_eq!(
            r.redact(plain),
            Redacted {
                text: plain.into(),
                count: 0
            }
        );
    }

    #[test]
    fn mnemonics_of_twelve_words_or_more_go_prose_stays() {
        let twelve =
            "abandon ability able about above absent absorb abstract absurd abuse access accident";
        let out = Redactor::default().redact(&format!("seed: {twelve}\nnext line"));
        assert_eq!(out.text, "seed: …[redacted mnemonic]\nnext line");
        let eleven = twelve.rsplit_once(' ').unwrap().0;
        assert_eq!(Redactor::default().redact(eleven).text, eleven);
        let prose = "The node could not reach the RPC host after three attempts, so it stopped.";
        assert_eq!(Redactor::default().redact(prose).text, prose);
    }

    #[test]
    fn extra_patterns_apply_and_bad_ones_are_refused() {
        let r = Redactor::default()
            .with_patterns(&["ACME-[0-9]+".to_string()])
            .unwrap();
        assert_eq!(
            r.redact("ticket ACME-42 open").text,
            "ticket …[redacted] open"
        );
        let err = Redactor::default()
            .with_patterns(&["(unclosed".to_string()])
            .unwrap_err();
        assert!(err.contains("(unclosed"), "{err}");
    }

    mod planted {
        use super::*;
        use proptest::prelude::*;

        const ALNUM: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

        fn chars(
            set: &'static str,
            n: std::ops::RangeInclusive<usize>,
        ) -> impl Strategy<Value = String> + Clone {
            proptest::collection::vec(proptest::sample::select(set.chars().collect::<Vec<_>>()), n)
                .prop_map(|v| v.into_iter().collect())
        }

        /// A secret of one of the kinds the redactor knows, as (how it appears, its secret core).
        fn secret() -> impl Strategy<Value = (String, String)> {
            let hex = chars("0123456789abcdefABCDEF", 64..=64);
            // A key always has a letter and a digit, as real keys do.
            let key = chars(ALNUM, 20..=40).prop_map(|k| format!("{k}Z9")).boxed();
            prop_oneof![
                (hex.clone(), proptest::sample::select(vec!["0x", "0X", ""]))
                    .prop_map(|(h, p)| (format!("{p}{h}"), h)),
                proptest::collection::vec(
                    proptest::sample::select(bip39::Language::English.word_list().to_vec()),
                    12..=24
                )
                .prop_map(|w| {
                    let m = w.join(" ");
                    (m.clone(), m)
                }),
                (key.clone(), proptest::sample::select(vec!["v2", "v3"]))
                    .prop_map(|(k, v)| (format!("https://arb-sepolia.g.alchemy.com/{v}/{k}"), k)),
                (
                    key.clone(),
                    proptest::sample::select(vec![
                        "key",
                        "apikey",
                        "api_key",
                        "token",
                        "access_token"
                    ])
                )
                    .prop_map(|(k, q)| (format!("https://rpc.example.net/rpc?{q}={k}&x=1"), k)),
                key.clone()
                    .prop_map(|k| (format!("https://user:{k}@rpc.example.net/"), k)),
                key.clone()
                    .prop_map(|k| (format!("Authorization: Bearer {k}"), k)),
                (key.clone(), key.clone()).prop_map(|(a, b)| (
                    format!("eyJhbGci{a}.eyJzdWIi{b}.sig{a}"),
                    format!("{a}.eyJzdWIi{b}")
                )),
                key.clone()
                    .prop_map(|k| (format!("https://discord.com/api/webhooks/1234567/{k}"), k)),
                key.clone()
                    .prop_map(|k| (format!("https://hooks.slack.com/services/T000/B000/{k}"), k)),
                chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16..=16)
                    .prop_map(|k| (format!("AKIA{k}"), format!("AKIA{k}"))),
                chars("abcdefghijklmnopqrstuvwxyz", 4..=12).prop_map(|u| (
                    format!("{u}.name@mail-host.org"),
                    format!("{u}.name@mail-host.org")
                )),
                chars("abcdefghijklmnopqrstuvwxyz", 5..=12)
                    .prop_map(|u| (format!("/home/{u}/.cortensor/logs"), format!("/home/{u}/"))),
                chars("abcdefghijklmnopqrstuvwxyz", 5..=12)
                    .prop_map(|u| (format!("C:\\Users\\{u}\\AppData"), format!("\\{u}\\"))),
                key.prop_map(|k| (format!("NODE_PRIVATE_KEY={k}"), k)),
            ]
        }

        /// Where a secret may sit: a node log, an .env, JSON, a report's prose.
        fn file(secret: &str) -> (String, Vec<&'static str>) {
            let kind = secret.len() % 4;
            let around = match kind {
                0 => vec![
                    "* Latest ID:  1101  / Latest State:  3",
                    "[2026-11-26 10:00:01] task done",
                ],
                1 => vec!["CHAINID=421614", "LOG_FILE_NAME=cortensor-node-1.log"],
                2 => vec!["{\"state\": \"running\",", "\"restarts\": 2}"],
                _ => vec![
                    "What happened: the node stopped.",
                    "Expected: it keeps running.",
                ],
            };
            (format!("{}\n{secret}\n{}\n", around[0], around[1]), around)
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(400))]
            #[test]
            fn no_planted_secret_survives_and_the_lines_around_stay((shown, core) in secret()) {
                let (text, around) = file(&shown);
                let out = Redactor::new::<&str>(&[]).redact(&text);
                prop_assert!(!out.text.to_lowercase().contains(&core.to_lowercase()), "{core} survived in {}", out.text);
                prop_assert!(out.count >= 1);
                for line in around {
                    prop_assert!(out.text.contains(line), "lost {line}: {}", out.text);
                }
            }

            #[test]
            fn known_secrets_go_in_any_case(k in chars(ALNUM, 8..=40), upper in any::<bool>()) {
                let planted = if upper { k.to_uppercase() } else { k.to_lowercase() };
                let out = Redactor::new(&[k.as_str()]).redact(&format!("a {planted} b"));
                prop_assert_eq!(out.text, format!("a {SECRET} b"));
            }
        }
    }
}
