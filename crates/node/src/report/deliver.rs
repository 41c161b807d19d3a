//! Where reports go, and one attempt to take a report there.
//!
//! - **endpoint**: a generic HTTPS endpoint. `POST <url>`, `multipart/form-data` with a
//!   `report` part (JSON: the form's fields and the report's text) and a `bundle` part (the
//!   zip); `Idempotency-Key` on every attempt. 2xx with `{"id": …}` (or `reference`) is the
//!   report's reference. Schema in the README.
//! - **discord**: a Discord webhook (`…/api/webhooks/<id>/<token>`): `POST ?wait=true`,
//!   `payload_json` (the text, at most 2,000 characters, no mentions) and `files[0]` (the zip);
//!   the message id is the reference. Discord does not read `Idempotency-Key` (sent anyway):
//!   a retry after a lost answer may post twice there.
//! - **github**: nothing is sent: the new-issue page of the repository, prefilled, is the
//!   reference, and the bundle is saved for the user to attach.
//!
//! `http://` only on 127.0.0.1; no redirects are followed.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::keys::{Keychain, Secret};
use crate::nodes::Layout;

/// The secret (keychain) or 0600 file the destinations are kept in (webhook URLs carry a token).
pub const SECRET_NAME: &str = "report-destinations";
pub const FILE_NAME: &str = "report-destinations.json";
/// Discord's message length limit.
pub const DISCORD_MAX: usize = 2_000;
/// The default GitHub repository for new-issue pages (a guess: Cortensor takes installer issues
/// there; the participant can change it).
pub const DEFAULT_GITHUB: &str = "cortensor/installer";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Destinations {
    pub endpoint: Option<String>,
    pub discord: Option<String>,
    pub github: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Endpoint(String),
    Discord(String),
    GitHub(String),
}

impl Destination {
    pub fn kind(&self) -> &'static str {
        match self {
            Destination::Endpoint(_) => "endpoint",
            Destination::Discord(_) => "discord",
            Destination::GitHub(_) => "github",
        }
    }
    pub fn target(&self) -> &str {
        match self {
            Destination::Endpoint(t) | Destination::Discord(t) | Destination::GitHub(t) => t,
        }
    }
    pub fn from_parts(kind: &str, target: &str) -> Option<Destination> {
        match kind {
            "endpoint" => Some(Destination::Endpoint(target.into())),
            "discord" => Some(Destination::Discord(target.into())),
            "github" => Some(Destination::GitHub(target.into())),
            _ => None,
        }
    }
}

impl Destinations {
    pub fn list(&self) -> Vec<Destination> {
        let mut v = Vec::new();
        if let Some(u) = &self.endpoint {
            v.push(Destination::Endpoint(u.clone()));
        }
        if let Some(u) = &self.discord {
            v.push(Destination::Discord(u.clone()));
        }
        if let Some(r) = &self.github {
            v.push(Destination::GitHub(r.clone()));
        }
        v
    }

    /// Check every field; the error names the field and what is wrong.
    pub fn checked(self) -> Result<Destinations, String> {
        let blank = |o: Option<String>| o.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        Ok(Destinations {
            endpoint: blank(self.endpoint)
                .map(|u| check_url(&u, "the report endpoint"))
                .transpose()?,
            discord: blank(self.discord).map(|u| check_discord(&u)).transpose()?,
            github: blank(self.github).map(|r| check_github(&r)).transpose()?,
        })
    }

    /// For display: webhook and endpoint URLs with their tokens hidden.
    pub fn shown(&self) -> Destinations {
        Destinations {
            endpoint: self.endpoint.as_deref().map(crate::redact::redact_url),
            discord: self.discord.as_deref().map(crate::redact::redact_url),
            github: self.github.clone(),
        }
    }
}

/// https, or http on 127.0.0.1 / localhost (a local collector, a test).
pub fn check_url(raw: &str, what: &str) -> Result<String, String> {
    let shown = crate::redact::redact_url(raw);
    let u =
        url::Url::parse(raw.trim()).map_err(|e| format!("{what} '{shown}' is not a URL: {e}"))?;
    match (u.scheme(), u.host_str()) {
        ("https", Some(_)) => Ok(raw.trim().to_string()),
        ("http", Some("127.0.0.1" | "localhost")) => Ok(raw.trim().to_string()),
        ("http", Some(_)) => Err(format!(
            "{what} must use https:// (http:// only on 127.0.0.1): {shown}"
        )),
        _ => Err(format!("{what} must start with https://: {shown}")),
    }
}

/// A Discord webhook URL: `https://discord.com/api/webhooks/<id>/<token>`.
pub fn check_discord(raw: &str) -> Result<String, String> {
    let url = check_url(raw, "the Discord webhook")?;
    let u = url::Url::parse(&url).map_err(|e| e.to_string())?;
    let host_ok = matches!(
        u.host_str(),
        Some(
            "discord.com"
                | "discordapp.com"
                | "ptb.discord.com"
                | "canary.discord.com"
                | "127.0.0.1"
                | "localhost"
        )
    );
    let segs: Vec<&str> = u
        .path_segments()
        .map(|s| s.filter(|x| !x.is_empty()).collect())
        .unwrap_or_default();
    let shape_ok = segs.len() == 4
        && segs[0] == "api"
        && segs[1] == "webhooks"
        && segs[2].chars().all(|c| c.is_ascii_digit());
    if host_ok && shape_ok {
        Ok(url)
    } else {
        Err("a Discord webhook looks like https://discord.com/api/webhooks/<number>/<token> (channel settings → Integrations → Webhooks → Copy URL)".into())
    }
}

/// `owner/repository` on GitHub.
pub fn check_github(raw: &str) -> Result<String, String> {
    let r = raw
        .trim()
        .trim_start_matches("https://github.com/")
        .trim_end_matches('/');
    let ok = r.split_once('/').is_some_and(|(o, n)| {
        !o.is_empty()
            && !n.is_empty()
            && o.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    });
    if ok {
        Ok(r.to_string())
    } else {
        Err(format!(
            "'{raw}' is not a GitHub repository: write it as owner/name (like {DEFAULT_GITHUB})"
        ))
    }
}

/// The destinations the user configured (keychain, or the data folder's 0600 file).
pub fn load(keychain: Option<&Keychain>, layout: &Layout) -> Destinations {
    let text = keychain
        .and_then(|k| k.load_secret(SECRET_NAME).ok())
        .map(|s| s.expose().to_string())
        .or_else(|| std::fs::read_to_string(layout.root.join(FILE_NAME)).ok());
    text.and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

pub fn save(keychain: Option<&Keychain>, layout: &Layout, d: &Destinations) -> Result<(), String> {
    let text = serde_json::to_string(d).map_err(|e| e.to_string())?;
    match keychain {
        Some(k) => k
            .save_secret(SECRET_NAME, &Secret::new(text))
            .map_err(|e| format!("cannot save the report destinations in the keychain: {e}")),
        None => crate::platform::fs::write_atomic(
            &layout.root.join(FILE_NAME),
            text.as_bytes(),
            crate::platform::fs::SECRET_MODE,
        )
        .map_err(|e| {
            format!(
                "cannot save the report destinations: {}",
                crate::platform::fs::explain_io(&e)
            )
        }),
    }
}

/// What one attempt carries.
pub struct Outgoing<'a> {
    pub report_id: &'a str,
    pub idempotency_key: &'a str,
    pub title: &'a str,
    /// `report.md` (already redacted).
    pub text: &'a str,
    /// The form's fields and facts, for the endpoint's `report` part.
    pub meta: serde_json::Value,
    pub zip_name: &'a str,
    pub zip: &'a [u8],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent(String),
    /// For the user to finish (a page to open).
    Manual(String),
    /// The destination refused it (4xx): not retried.
    Rejected(String),
    /// Try again later (5xx, 429, timeout, no connection); `after`: the server's Retry-After.
    Retry {
        message: String,
        after: Option<u64>,
    },
}

/// A multipart/form-data body.
pub struct Multipart {
    boundary: String,
    body: Vec<u8>,
}

impl Multipart {
    pub fn new() -> Multipart {
        Multipart {
            boundary: format!("cortensor-{}", super::random_id()),
            body: Vec::new(),
        }
    }
    pub fn part(
        mut self,
        name: &str,
        filename: Option<&str>,
        content_type: &str,
        bytes: &[u8],
    ) -> Multipart {
        let file = filename
            .map(|f| format!("; filename=\"{f}\""))
            .unwrap_or_default();
        self.body.extend_from_slice(
            format!(
                "--{}\r\nContent-Disposition: form-data; name=\"{name}\"{file}\r\nContent-Type: {content_type}\r\n\r\n",
                self.boundary
            )
            .as_bytes(),
        );
        self.body.extend_from_slice(bytes);
        self.body.extend_from_slice(b"\r\n");
        self
    }
    pub fn finish(mut self) -> (String, Vec<u8>) {
        self.body
            .extend_from_slice(format!("--{}--\r\n", self.boundary).as_bytes());
        (
            format!("multipart/form-data; boundary={}", self.boundary),
            self.body,
        )
    }
}

impl Default for Multipart {
    fn default() -> Self {
        Multipart::new()
    }
}

/// Cut `text` to at most `max` characters, saying so.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let note = "\n… (cut; the whole report is in the attached bundle)";
    let keep = max.saturating_sub(note.chars().count());
    text.chars().take(keep).collect::<String>() + note
}

/// The prefilled new-issue page on GitHub (title, body; the user attaches the bundle).
pub fn github_issue_url(repo: &str, title: &str, text: &str, bundle: &str) -> String {
    let body = format!(
        "{}\n\n---\nDiagnostics bundle (secrets removed): `{bundle}` — drag it into this issue to attach it.",
        cut(text, 5_000)
    );
    let mut u = url::Url::parse(&format!("https://github.com/{repo}/issues/new"))
        .expect("checked repository");
    u.query_pairs_mut()
        .append_pair("title", title)
        .append_pair("body", &body);
    u.to_string()
}

fn answer_message(body: &str) -> String {
    let v: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let from_json = v.as_ref().and_then(|v| {
        ["message", "error", "detail"]
            .iter()
            .find_map(|k| v.get(k).and_then(|m| m.as_str()).map(str::to_string))
    });
    let text = from_json.unwrap_or_else(|| body.trim().chars().take(300).collect());
    crate::redact::redact(&text, &[])
}

fn reference_of(body: &str, location: Option<String>) -> Option<String> {
    let v: Option<serde_json::Value> = serde_json::from_str(body).ok();
    v.as_ref()
        .and_then(|v| {
            ["reference", "id", "url"]
                .iter()
                .find_map(|k| match v.get(k) {
                    Some(serde_json::Value::String(s)) => Some(s.clone()),
                    Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                    _ => None,
                })
        })
        .or(location)
}

/// One attempt to deliver.
pub fn send(dest: &Destination, o: &Outgoing, timeout: Duration) -> Outcome {
    let (url, form) = match dest {
        Destination::GitHub(repo) => {
            return Outcome::Manual(github_issue_url(repo, o.title, o.text, o.zip_name));
        }
        Destination::Endpoint(url) => {
            let mut meta = o.meta.clone();
            meta["text"] = serde_json::Value::String(o.text.to_string());
            let json = serde_json::to_vec(&meta).unwrap_or_default();
            (
                url.clone(),
                Multipart::new()
                    .part("report", None, "application/json", &json)
                    .part("bundle", Some(o.zip_name), "application/zip", o.zip),
            )
        }
        Destination::Discord(hook) => {
            let content = cut(
                &format!("**Bug report: {}**\n{}", o.title, o.text),
                DISCORD_MAX,
            );
            let payload =
                serde_json::json!({"content": content, "allowed_mentions": {"parse": []}});
            let sep = if hook.contains('?') { '&' } else { '?' };
            (
                format!("{hook}{sep}wait=true"),
                Multipart::new()
                    .part(
                        "payload_json",
                        None,
                        "application/json",
                        payload.to_string().as_bytes(),
                    )
                    .part("files[0]", Some(o.zip_name), "application/zip", o.zip),
            )
        }
    };
    let (content_type, body) = form.finish();
    let agent = crate::platform::http::upload_agent(timeout);
    let res = agent
        .post(&url)
        .header("Content-Type", &content_type)
        .header("Idempotency-Key", o.idempotency_key)
        .header("Accept", "application/json")
        .send(&body[..]);
    let mut resp = match res {
        Ok(r) => r,
        Err(e) => {
            let message = match e {
                ureq::Error::Timeout(_) => "the destination did not answer in time".to_string(),
                ureq::Error::Io(io)
                    if matches!(
                        io.kind(),
                        std::io::ErrorKind::ConnectionRefused
                            | std::io::ErrorKind::NotFound
                            | std::io::ErrorKind::AddrNotAvailable
                    ) =>
                {
                    "cannot reach the destination (offline?)".to_string()
                }
                ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
                    "the destination did not answer in time".to_string()
                }
                ureq::Error::Io(io) => format!("connection lost: {io}"),
                ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => {
                    "cannot reach the destination (offline?)".to_string()
                }
                other => format!(
                    "cannot send: {}",
                    crate::redact::redact(&other.to_string(), &[])
                ),
            };
            return Outcome::Retry {
                message,
                after: None,
            };
        }
    };
    let status = resp.status().as_u16();
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (location, retry_after) = (
        header("location"),
        header("retry-after").and_then(|v| v.trim().parse().ok()),
    );
    let text = resp
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_string()
        .unwrap_or_default();
    match status {
        200..=299 => {
            let reference = match dest {
                Destination::Discord(_) => reference_of(&text, None).map(|id| format!("discord message {id}")),
                _ => reference_of(&text, location),
            };
            Outcome::Sent(reference.unwrap_or_else(|| format!("HTTP {status}")))
        }
        408 | 425 | 429 | 500..=599 => Outcome::Retry {
            message: format!("HTTP {status}: {}", answer_message(&text)),
            after: retry_after,
        },
        300..=399 => Outcome::Rejected(format!(
            "HTTP {status}: the destination redirects; use the address it redirects to (redirects are not followed)"
        )),
        _ => Outcome::Rejected(format!("HTTP {status}: {}", answer_message(&text))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_are_checked_field_by_field() {
        let ok = Destinations {
            endpoint: Some(" https://reports.example/api ".into()),
            discord: Some("https://discord.com/api/webhooks/123/abc-DEF".into()),
            github: Some("https://github.com/cortensor/installer/".into()),
        }
        .checked()
        .unwrap();
        assert_eq!(ok.endpoint.as_deref(), Some("https://reports.example/api"));
        assert_eq!(ok.github.as_deref(), Some("cortensor/installer"));
        assert!(Destinations {
            endpoint: Some("http://reports.example/".into()),
            ..Default::default()
        }
        .checked()
        .unwrap_err()
        .contains("https://"));
        assert!(check_discord("https://discord.com/api/webhooks/abc/def").is_err());
        assert!(check_discord("https://evil.example/api/webhooks/1/x").is_err());
        assert!(check_github("not a repo").is_err());
        assert_eq!(
            Destinations {
                endpoint: Some("  ".into()),
                ..Default::default()
            }
            .checked()
            .unwrap(),
            Destinations::default()
        );
        let shown = ok.shown();
        assert_eq!(
            shown.discord.as_deref(),
            Some("https://discord.com/…[redacted]")
        );
    }

    #[test]
    fn github_page_is_prefilled_and_long_text_is_cut() {
        let u = github_issue_url(
            "cortensor/installer",
            "Node 2 crashes",
            &"x".repeat(9_000),
            "r1.zip",
        );
        let parsed = url::Url::parse(&u).unwrap();
        let q: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
        assert_eq!(q["title"], "Node 2 crashes");
        assert!(q["body"].contains("(cut;") && q["body"].contains("r1.zip"));
        assert!(q["body"].chars().count() < 5_200);
        assert_eq!(cut("short", 10), "short");
    }
}
