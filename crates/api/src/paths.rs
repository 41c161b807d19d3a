//! Paths the window may name: only those the user chose in a native file dialog. The page never
//! sends a path; it asks the shell to open the dialog for a purpose ([`PathPurpose`]), gets back
//! a token ([`ChosenPath`]), and passes the token to the command that reads or writes the file.
//! A token is good for its purpose only, for the life of the process. The CLI takes paths
//! directly (its user typed them); this is the window's door.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::UserError;

/// What a path is chosen for; each has its own dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum PathPurpose {
    /// Where the plain-text key backup is written (a save dialog).
    KeyBackup,
    /// An official install's `.env` to import (an open dialog).
    OfficialEnv,
    /// A folder holding a release (`manifest.json` or a `cortensord` binary).
    ReleaseFolder,
    /// A leaderboard saved as JSON.
    LeaderboardFile,
    /// Files attached to a bug report (several may be chosen).
    Attachments,
}

/// How the shell shows the dialog for a purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DialogKind {
    Save { default_name: &'static str },
    OpenFile,
    OpenFiles,
    Folder,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialogSpec {
    pub title: &'static str,
    pub kind: DialogKind,
    /// (name, extensions): none means any file.
    pub filters: Vec<(&'static str, Vec<&'static str>)>,
}

/// The dialog for `purpose`.
pub fn dialog_for(purpose: PathPurpose) -> DialogSpec {
    let (title, kind, filters) = match purpose {
        PathPurpose::KeyBackup => (
            "Save your node keys",
            DialogKind::Save {
                default_name: "cortensor-keys-backup.csv",
            },
            vec![("CSV", vec!["csv"])],
        ),
        PathPurpose::OfficialEnv => (
            "Choose the .env of the official install",
            DialogKind::OpenFile,
            vec![],
        ),
        PathPurpose::ReleaseFolder => (
            "Choose the folder that holds the release",
            DialogKind::Folder,
            vec![],
        ),
        PathPurpose::LeaderboardFile => (
            "Open a saved leaderboard",
            DialogKind::OpenFile,
            vec![("JSON", vec!["json"])],
        ),
        PathPurpose::Attachments => ("Attach files to the report", DialogKind::OpenFiles, vec![]),
    };
    DialogSpec {
        title,
        kind,
        filters,
    }
}

/// A path the user chose: the token the page passes on, and how to show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ChosenPath {
    /// `grant:<id>`: what commands taking a path accept.
    pub token: String,
    /// The file or folder name.
    pub name: String,
    /// The whole path, for the user to see.
    pub shown: String,
}

/// The prefix of every token.
pub const TOKEN_PREFIX: &str = "grant:";

/// The paths chosen in this process's dialogs.
#[derive(Debug, Default)]
pub struct Grants {
    granted: Mutex<HashMap<String, (PathPurpose, PathBuf)>>,
}

impl Grants {
    /// Remember `path`, chosen in `purpose`'s dialog.
    pub fn grant(&self, purpose: PathPurpose, path: &Path) -> ChosenPath {
        let token = format!("{TOKEN_PREFIX}{}", cortensor_node::report::random_id());
        self.granted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(token.clone(), (purpose, path.to_path_buf()));
        ChosenPath {
            token,
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string()),
            shown: path.display().to_string(),
        }
    }

    /// The path behind `token`, if it was chosen for `purpose`; anything else (a path typed
    /// into the page, a token of another purpose) is refused.
    pub fn resolve(&self, token: &str, purpose: PathPurpose) -> Result<PathBuf, UserError> {
        let map = self.granted.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(token.trim()) {
            Some((p, path)) if *p == purpose => Ok(path.clone()),
            Some(_) => Err(UserError::new(
                "that file was chosen for something else; choose it again here",
            )),
            None => Err(UserError::new(
                "the app only uses files you choose in its file dialog: press Choose… and pick it there",
            )),
        }
    }

    /// A leaderboard or release source from the page: an `https://` (or `http://`) address
    /// as it is, `official` as it is, or a token of `purpose`'s dialog turned into its path.
    pub fn source(&self, text: &str, purpose: PathPurpose) -> Result<String, UserError> {
        let t = text.trim();
        let is_web = url::Url::parse(t)
            .ok()
            .is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
        if is_web || (purpose == PathPurpose::ReleaseFolder && t == "official") {
            return Ok(t.to_string());
        }
        if t.starts_with(TOKEN_PREFIX) {
            return Ok(self.resolve(t, purpose)?.display().to_string());
        }
        Err(UserError::new(format!(
            "'{t}' is not a web address (https://…); a file or folder on this computer is chosen with Choose…"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_chosen_paths_of_the_same_purpose_resolve() {
        let g = Grants::default();
        let c = g.grant(PathPurpose::KeyBackup, Path::new("/home/u/keys.csv"));
        assert!(c.token.starts_with(TOKEN_PREFIX));
        assert_eq!(
            (c.name.as_str(), c.shown.as_str()),
            ("keys.csv", "/home/u/keys.csv")
        );
        assert_eq!(
            g.resolve(&c.token, PathPurpose::KeyBackup).unwrap(),
            PathBuf::from("/home/u/keys.csv")
        );
        // Another purpose, a typed path, a made-up token: refused.
        assert!(g
            .resolve(&c.token, PathPurpose::Attachments)
            .unwrap_err()
            .to_string()
            .contains("something else"));
        for bad in ["/home/u/.ssh/id_ed25519", "grant:00", ""] {
            assert!(g
                .resolve(bad, PathPurpose::KeyBackup)
                .unwrap_err()
                .to_string()
                .contains("Choose…"));
        }
        // Two grants of one path are two tokens.
        let again = g.grant(PathPurpose::KeyBackup, Path::new("/home/u/keys.csv"));
        assert_ne!(again.token, c.token);
    }

    #[test]
    fn sources_are_web_addresses_official_or_chosen() {
        let g = Grants::default();
        let dir = g.grant(PathPurpose::ReleaseFolder, Path::new("/srv/release"));
        let board = g.grant(PathPurpose::LeaderboardFile, Path::new("/tmp/board.json"));
        let r = PathPurpose::ReleaseFolder;
        assert_eq!(g.source(" official ", r).unwrap(), "official");
        assert_eq!(
            g.source("https://mirror.example/manifest.json", r).unwrap(),
            "https://mirror.example/manifest.json"
        );
        assert_eq!(g.source(&dir.token, r).unwrap(), "/srv/release");
        assert!(
            g.source(&board.token, r).is_err(),
            "a token of another purpose"
        );
        for typed in [
            "/srv/release",
            "../../etc",
            "file:///etc/passwd",
            "official2",
        ] {
            assert!(g.source(typed, r).is_err(), "{typed}");
        }
        let l = PathPurpose::LeaderboardFile;
        assert_eq!(g.source(&board.token, l).unwrap(), "/tmp/board.json");
        assert!(
            g.source("official", l).is_err(),
            "official is a release source only"
        );
    }

    #[test]
    fn every_purpose_has_a_titled_dialog() {
        for p in [
            PathPurpose::KeyBackup,
            PathPurpose::OfficialEnv,
            PathPurpose::ReleaseFolder,
            PathPurpose::LeaderboardFile,
            PathPurpose::Attachments,
        ] {
            let d = dialog_for(p);
            assert!(!d.title.is_empty());
            assert_eq!(
                matches!(d.kind, DialogKind::Save { .. }),
                p == PathPurpose::KeyBackup,
                "only the key backup is saved"
            );
        }
        assert_eq!(
            dialog_for(PathPurpose::Attachments).kind,
            DialogKind::OpenFiles
        );
        assert_eq!(
            dialog_for(PathPurpose::ReleaseFolder).kind,
            DialogKind::Folder
        );
    }
}
