//! The error every operation on this machine ends in: what happened and what to do, in one
//! plain-language message. Modules keep their own typed errors; this is where they meet.
//! The api crate re-exports it as the door's error type.
//!
//! Besides the message (what the CLI prints), an error carries what the app shows: a short
//! title, what to do, and the one button that helps. They are read from the message, whose
//! wording is this crate's own (the typed errors' `Display`), so the reading is exact and
//! tested against those wordings.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What kind of trouble it is, for the app's wording and button.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorKind {
    /// A server could not be reached (no internet, DNS, refused, timed out).
    Offline,
    /// A server answered but refused or has nothing there.
    Server,
    /// A download did not match its checksum or signature.
    Tampered,
    /// Something the user typed or chose is not usable.
    Input,
    /// The disk is full or a file cannot be written.
    Disk,
    /// The system refused (permissions, keychain locked).
    Permission,
    /// Anything else: worth a bug report.
    Other,
}

/// The button that helps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorAction {
    TryAgain,
    /// Correct the input (the field says what).
    FixInput,
    Report,
}

/// An error for the user: what happened and what to do, in one plain-language message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{message}")]
#[ts(export)]
pub struct UserError {
    /// The whole message (the CLI prints it; the app shows it behind "Details").
    pub message: String,
    pub kind: ErrorKind,
    /// What happened, in a few words.
    pub title: String,
    /// What to do.
    pub hint: String,
    pub action: ErrorAction,
}

impl UserError {
    pub fn new(e: impl std::fmt::Display) -> UserError {
        let message = e.to_string();
        let (kind, title, hint, action) = classify(&message);
        UserError {
            message,
            kind,
            title,
            hint,
            action,
        }
    }
}

/// The host of the first web address in `text`, if any.
fn host_in(text: &str) -> Option<String> {
    let start = text.find("https://").or_else(|| text.find("http://"))?;
    let rest = &text[start..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == ')' || c == '\'' || c == '"' || c == ',')
        .unwrap_or(rest.len());
    url::Url::parse(rest[..end].trim_end_matches(['.', ':']))
        .ok()?
        .host_str()
        .map(str::to_string)
}

/// The server in words: Cortensor's download server for GitHub (the official source), else
/// its host name.
fn server_in(text: &str) -> String {
    match host_in(text) {
        Some(h) if h.ends_with("github.com") || h.ends_with("githubusercontent.com") => {
            "Cortensor's download server".into()
        }
        Some(h) if h.ends_with("ipfs.tech") => "kubo's download server".into(),
        Some(h) => h,
        None => "the server".into(),
    }
}

/// The message up to its first sentence end, with a capital first letter.
fn first_sentence(message: &str) -> String {
    let end = message.find(". ").map(|i| i + 1).unwrap_or(message.len());
    let s = message[..end].trim();
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => "Something went wrong".into(),
    }
}

/// Read what kind of error a message is, by this crate's own wordings.
pub fn classify(message: &str) -> (ErrorKind, String, String, ErrorAction) {
    let m = message.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| m.contains(w));
    if has(&[
        "does not match the published checksum",
        "signature is not valid",
        "tampered",
    ]) {
        return (
            ErrorKind::Tampered,
            "The download did not match its published checksum".into(),
            "It was deleted and nothing was installed. Try again; if it happens again, report it."
                .into(),
            ErrorAction::TryAgain,
        );
    }
    if has(&[
        "failed to lookup address",
        "name or service not known",
        "host not found",
        "connection refused",
        "connection failed",
        "did not answer",
        "no answer within",
        "timed out",
        "network is unreachable",
        "could not download",
        "cannot read the release information",
    ]) && !has(&["http 4", "http 5"])
    {
        return (
            ErrorKind::Offline,
            format!("Can't reach {}", server_in(message)),
            "Check your internet connection, then try again.".into(),
            ErrorAction::TryAgain,
        );
    }
    if has(&["no space left", "disk is full", "disk full"]) {
        return (
            ErrorKind::Disk,
            "The disk is full".into(),
            "Free some space (each node needs about 100 GB), then try again.".into(),
            ErrorAction::TryAgain,
        );
    }
    if has(&[
        "permission denied",
        "access denied",
        "not permitted",
        "locked",
    ]) {
        return (
            ErrorKind::Permission,
            "The system refused".into(),
            "Check that you may use this folder or service (the message says which), then try again.".into(),
            ErrorAction::TryAgain,
        );
    }
    if has(&[
        "http 4",
        "http 5",
        "refused (http",
        "has no file at",
        "nothing at this address",
        "too many requests",
    ]) {
        return (
            ErrorKind::Server,
            format!("{} refused", server_in(message)),
            "Try again later, or use another address or mirror.".into(),
            ErrorAction::TryAgain,
        );
    }
    if has(&[
        "is not a",
        "must be",
        "looks like a web address",
        "there is no folder",
        "there is no node",
        "there is no network",
        "there is no alert",
        "use https://",
        "not offered",
        "at most",
        "at least",
        "answer yes",
    ]) {
        return (
            ErrorKind::Input,
            "That cannot be used".into(),
            "Correct it as the message says.".into(),
            ErrorAction::FixInput,
        );
    }
    // Our own messages are plain words already: the message is the title.
    (
        ErrorKind::Other,
        first_sentence(message),
        "Try again; if it happens again, report it (the report has the details, secrets removed)."
            .into(),
        ErrorAction::Report,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::install::download::DownloadError;
    use crate::install::source::ReleaseSource;

    #[test]
    fn errors_read_as_what_happened_and_what_to_do() {
        // The official source offline (the words the fetch error prints).
        let e = UserError::new("cannot read the release information at https://api.github.com/repos/cortensor/installer/commits/main: io: failed to lookup address information: Name or service not known (tried 3 times)");
        assert_eq!(e.kind, ErrorKind::Offline);
        assert_eq!(e.title, "Can't reach Cortensor's download server");
        assert_eq!(e.hint, "Check your internet connection, then try again.");
        assert_eq!(e.action, ErrorAction::TryAgain);
        // A download that stopped coming.
        let e = UserError::new(DownloadError::Network {
            url: "https://mirror.example/cortensord".into(),
            attempts: 6,
            reason: "connection refused".into(),
        });
        assert_eq!(
            (e.kind, e.title.as_str()),
            (ErrorKind::Offline, "Can't reach mirror.example")
        );
        let e = UserError::new(DownloadError::Checksum {
            algorithm: "sha256",
            expected: "ab".into(),
            got: "cd".into(),
        });
        assert_eq!(e.kind, ErrorKind::Tampered);
        let e = UserError::new(DownloadError::NotFound {
            url: "https://mirror.example/cortensord".into(),
            status: 404,
        });
        assert_eq!(
            (e.kind, e.title.as_str()),
            (ErrorKind::Server, "mirror.example refused")
        );
        let e = UserError::new(ReleaseSource::parse("http:/mirror.example/m.json").unwrap_err());
        assert_eq!(
            (e.kind, e.action),
            (ErrorKind::Input, ErrorAction::FixInput)
        );
        let e = UserError::new("No space left on device (os error 28)");
        assert_eq!(e.kind, ErrorKind::Disk);
        let e = UserError::new("the supervisor's lock is held by pid 4242");
        assert_eq!((e.kind, e.action), (ErrorKind::Other, ErrorAction::Report));
        assert_eq!(e.title, "The supervisor's lock is held by pid 4242");
        assert_eq!(
            UserError::new("operator 0xdead has no nodes. Check the address").title,
            "Operator 0xdead has no nodes."
        );
        // The message itself is kept whole (the CLI prints it).
        assert_eq!(e.to_string(), "the supervisor's lock is held by pid 4242");
    }
}
