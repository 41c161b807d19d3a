//! The report form: what the user says, checked field by field, and its text (`report.md`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Category {
    Install,
    NodeCrash,
    Performance,
    Ui,
    RewardsRank,
    #[default]
    Other,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::Install,
        Category::NodeCrash,
        Category::Performance,
        Category::Ui,
        Category::RewardsRank,
        Category::Other,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Category::Install => "install",
            Category::NodeCrash => "node-crash",
            Category::Performance => "performance",
            Category::Ui => "ui",
            Category::RewardsRank => "rewards-rank",
            Category::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Category> {
        let s = s.trim().to_ascii_lowercase().replace('_', "-");
        Category::ALL.into_iter().find(|c| c.name() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Severity {
    /// Nodes cannot run or earn.
    Blocker,
    Major,
    #[default]
    Minor,
    /// A suggestion or a wording.
    Trivial,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Blocker,
        Severity::Major,
        Severity::Minor,
        Severity::Trivial,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Severity::Blocker => "blocker",
            Severity::Major => "major",
            Severity::Minor => "minor",
            Severity::Trivial => "trivial",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        let s = s.trim().to_ascii_lowercase();
        Severity::ALL.into_iter().find(|c| c.name() == s)
    }
}

/// Where an error the user reports was shown ("Report this" fills it in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[ts(export)]
pub struct ErrorContext {
    pub screen: String,
    pub action: String,
    pub node: Option<u32>,
    pub error: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[ts(export)]
pub struct ReportForm {
    pub title: String,
    pub what: String,
    #[serde(default)]
    pub expected: String,
    #[serde(default)]
    pub steps: String,
    #[serde(default)]
    pub category: Category,
    #[serde(default)]
    pub severity: Severity,
    /// The nodes concerned; empty: all.
    #[serde(default)]
    pub nodes: Vec<u32>,
    /// A Discord handle or an e-mail address, kept as typed (not redacted).
    #[serde(default)]
    pub contact: String,
    /// Files the user adds (text files are redacted like the rest).
    #[serde(default)]
    pub attachments: Vec<String>,
    #[serde(default)]
    pub context: Option<ErrorContext>,
}

/// A field the user must fix, by name, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

pub const TITLE_MAX: usize = 200;
pub const TEXT_MAX: usize = 20_000;
/// An attachment's largest size (the whole bundle is bounded too).
pub const ATTACHMENT_MAX: u64 = 20 * 1024 * 1024;

/// A Discord handle (2–32 of a–z, 0–9, `_`, `.`; an old `name#1234` too) or an e-mail address.
pub fn contact_ok(c: &str) -> bool {
    let c = c.trim().trim_start_matches('@');
    if let Some((user, host)) = c.split_once('@') {
        return !user.is_empty()
            && host.contains('.')
            && !host.starts_with('.')
            && !host.ends_with('.')
            && !c.contains(char::is_whitespace);
    }
    let (name, tag) = match c.split_once('#') {
        Some((n, t)) => (n, Some(t)),
        None => (c, None),
    };
    (2..=32).contains(&name.len())
        && name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '.')
        && tag.is_none_or(|t| t.len() == 4 && t.chars().all(|d| d.is_ascii_digit()))
}

impl ReportForm {
    /// Every problem, field by field (empty: the form can go).
    pub fn problems(&self, known_nodes: &[u32]) -> Vec<FieldProblem> {
        let mut p = Vec::new();
        let mut add = |field: &str, message: String| {
            p.push(FieldProblem {
                field: field.into(),
                message,
            })
        };
        if self.title.trim().is_empty() {
            add("title", "Give the report a title (one line).".into());
        } else if self.title.chars().count() > TITLE_MAX {
            add(
                "title",
                format!("Keep the title under {TITLE_MAX} characters."),
            );
        }
        if self.what.trim().is_empty() {
            add("what", "Say what happened.".into());
        }
        for (field, text) in [
            ("what", &self.what),
            ("expected", &self.expected),
            ("steps", &self.steps),
        ] {
            if text.chars().count() > TEXT_MAX {
                add(
                    field,
                    format!("Keep this under {TEXT_MAX} characters; attach a file for more."),
                );
            }
        }
        let unknown: Vec<String> = self
            .nodes
            .iter()
            .filter(|n| !known_nodes.contains(n))
            .map(|n| n.to_string())
            .collect();
        if !unknown.is_empty() {
            add(
                "nodes",
                format!("No node {} on this machine.", unknown.join(", ")),
            );
        }
        if !self.contact.trim().is_empty() && !contact_ok(&self.contact) {
            add(
                "contact",
                "Give a Discord handle (like cortensor_fan) or an e-mail address, or leave it empty.".into(),
            );
        }
        for a in &self.attachments {
            match std::fs::metadata(a) {
                Ok(m) if m.is_file() && m.len() <= ATTACHMENT_MAX => {}
                Ok(m) if m.is_file() => add(
                    "attachments",
                    format!(
                        "{a} is {} MiB; attachments can be up to {} MiB.",
                        m.len() >> 20,
                        ATTACHMENT_MAX >> 20
                    ),
                ),
                Ok(_) => add("attachments", format!("{a} is not a file.")),
                Err(e) => add(
                    "attachments",
                    format!("cannot read {a}: {}", crate::platform::fs::explain_io(&e)),
                ),
            }
        }
        p
    }

    /// The report's text (`report.md`): the user's words and the error's context.
    pub fn text(&self, id: &str, app_version: &str) -> String {
        let mut t = format!("# {}\n\n", self.title.trim());
        t.push_str(&format!(
            "- Report: {id}\n- Category: {}\n- Severity: {}\n- Nodes: {}\n- App: cortensor-manager {app_version}\n",
            self.category.name(),
            self.severity.name(),
            if self.nodes.is_empty() {
                "all".to_string()
            } else {
                self.nodes.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
            }
        ));
        if !self.contact.trim().is_empty() {
            t.push_str(&format!("- Contact: {}\n", self.contact.trim()));
        }
        for (head, body) in [
            ("What happened", &self.what),
            ("What was expected", &self.expected),
            ("Steps to reproduce", &self.steps),
        ] {
            if !body.trim().is_empty() {
                t.push_str(&format!("\n## {head}\n\n{}\n", body.trim()));
            }
        }
        if let Some(c) = &self.context {
            t.push_str(&format!(
                "\n## The error\n\n- Screen: {}\n- Action: {}\n- Node: {}\n\n```\n{}\n```\n",
                c.screen,
                c.action,
                c.node.map_or("-".to_string(), |n| n.to_string()),
                c.error.trim()
            ));
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_are_handles_or_addresses() {
        for ok in [
            "cortensor_fan",
            "@node.runner",
            "old#1234",
            "me@example.org",
        ] {
            assert!(contact_ok(ok), "{ok}");
        }
        for bad in [
            "x",
            "has space",
            "a@b",
            "old#12",
            "me@.org",
            "waaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaay_too_long",
        ] {
            assert!(!contact_ok(bad), "{bad}");
        }
    }

    #[test]
    fn each_bad_field_is_named() {
        let f = ReportForm {
            title: "x".repeat(TITLE_MAX + 1),
            what: " ".into(),
            nodes: vec![1, 7],
            contact: "not a contact".into(),
            attachments: vec!["/no/such/file".into()],
            ..Default::default()
        };
        let fields: Vec<String> = f.problems(&[1, 2]).into_iter().map(|p| p.field).collect();
        assert_eq!(fields, ["title", "what", "nodes", "contact", "attachments"]);
        let good = ReportForm {
            title: "Node 2 restarts".into(),
            what: "It restarts every minute".into(),
            ..Default::default()
        };
        assert!(good.problems(&[]).is_empty());
        assert!(good.text("r1", "0.1.0").contains("- Nodes: all"));
        assert_eq!(Category::parse("node_crash"), Some(Category::NodeCrash));
        assert_eq!(Severity::parse("Blocker"), Some(Severity::Blocker));
        assert_eq!(Category::parse("bogus"), None);
    }
}
