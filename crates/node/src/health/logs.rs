//! Reading node logs: rules as data (`rules/logs.toml`), a follower that survives copy-truncate
//! rotation, and a tracker of what the lines say (session state machine, tasks, errors, pings).

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use regex::Regex;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub const LOG_RULES_TOML: &str = include_str!("../../rules/logs.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    format_version: u32,
    rule: Vec<RuleSpec>,
    states: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    kind: String,
    prefix: String,
    /// Test `prefix` anywhere in the line, not only at its start.
    #[serde(default)]
    anywhere: bool,
    pattern: String,
}

struct Rule {
    kind: String,
    /// At the start, as written; `anywhere`: lower-cased, tested against the lower-cased line.
    prefix: String,
    anywhere: bool,
    re: Regex,
}

/// Compiled log rules.
pub struct LogRules {
    rules: Vec<Rule>,
    pub states: BTreeMap<u8, String>,
}

#[derive(Debug, thiserror::Error)]
#[error("the log rules {origin} are not valid: {message}")]
pub struct LogRulesError {
    pub origin: String,
    pub message: String,
}

/// What one line is.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    Event {
        kind: String,
        fields: BTreeMap<String, String>,
    },
    /// Passed a rule's prefix but not its pattern.
    Malformed {
        kind: String,
    },
    Other,
}

/// Remove ANSI colour codes (`\x1b[32m` …).
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            chars.next();
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

impl LogRules {
    pub fn builtin() -> LogRules {
        LogRules::parse(LOG_RULES_TOML, "rules/logs.toml (embedded)")
            .expect("the embedded log rules are tested")
    }

    pub fn parse(text: &str, origin: &str) -> Result<LogRules, LogRulesError> {
        let err = |message: String| LogRulesError {
            origin: origin.into(),
            message,
        };
        let f: RulesFile =
            toml::from_str(text).map_err(|e| err(e.to_string().trim().replace('\n', " ")))?;
        if f.format_version != 1 {
            return Err(err(format!(
                "format_version {} is not supported",
                f.format_version
            )));
        }
        let mut rules = Vec::new();
        for (i, r) in f.rule.into_iter().enumerate() {
            let re = Regex::new(&r.pattern)
                .map_err(|e| err(format!("rule[{i}] ({}) pattern: {e}", r.kind)))?;
            rules.push(Rule {
                kind: r.kind,
                prefix: if r.anywhere {
                    r.prefix.to_ascii_lowercase()
                } else {
                    r.prefix
                },
                anywhere: r.anywhere,
                re,
            });
        }
        let mut states = BTreeMap::new();
        for (k, v) in f.states {
            let n: u8 = k
                .parse()
                .map_err(|_| err(format!("states: '{k}' is not a state number")))?;
            states.insert(n, v);
        }
        Ok(LogRules { rules, states })
    }

    /// Classify one line. The most specific prefix wins: rules are tried in file order.
    pub fn parse_line(&self, raw: &str) -> Line {
        let line = strip_ansi(raw);
        let line = line.trim();
        let lower = line.to_ascii_lowercase();
        let mut malformed = None;
        for r in &self.rules {
            let passes = if r.anywhere {
                lower.contains(&r.prefix)
            } else {
                line.starts_with(&r.prefix)
            };
            if !passes {
                continue;
            }
            if let Some(c) = r.re.captures(line) {
                let fields =
                    r.re.capture_names()
                        .flatten()
                        .filter_map(|n| c.name(n).map(|m| (n.to_string(), m.as_str().to_string())))
                        .collect();
                return Line::Event {
                    kind: r.kind.clone(),
                    fields,
                };
            }
            malformed.get_or_insert_with(|| r.kind.clone());
        }
        match malformed {
            Some(kind) => Line::Malformed { kind },
            None => Line::Other,
        }
    }
}

/// New lines of one node's log, as pushed to the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LogLines {
    pub id: u32,
    pub lines: Vec<String>,
}

/// A node's log as a reader sees it: its last lines at first, then each new line as it comes
/// (across rotations), ANSI colour codes removed.
#[derive(Debug, Clone)]
pub struct LiveLog {
    pub id: u32,
    follower: Follower,
}

impl LiveLog {
    /// Open node `id`'s log at `path`: the live log and its last `n` lines.
    /// The end is read backwards with a bound: a 100 MiB log costs its last lines, not 100 MiB.
    pub fn open(id: u32, path: &Path, n: usize) -> (LiveLog, Vec<String>) {
        let follower = Follower::new(path, false);
        let last = crate::platform::tail::tail(path, n, OPEN_MAX_BYTES)
            .map(|t| {
                t.text
                    .lines()
                    .map(|l| strip_ansi(&cap_line(l.trim_end_matches('\r'))))
                    .collect()
            })
            .unwrap_or_default();
        (LiveLog { id, follower }, last)
    }

    /// The lines added since the last call, if any.
    pub fn poll(&mut self) -> Option<LogLines> {
        let lines: Vec<String> = self.follower.poll().iter().map(|l| strip_ansi(l)).collect();
        (!lines.is_empty()).then_some(LogLines { id: self.id, lines })
    }
}

/// The most of a log's end a reader opens with.
pub const OPEN_MAX_BYTES: u64 = 4 << 20;
/// The longest line kept: a node printing without newlines must not grow memory without end.
pub const MAX_LINE: usize = 64 * 1024;
/// The most read in one poll (the rest is read by the next ones).
pub const MAX_READ: u64 = 8 << 20;

/// A line cut at [`MAX_LINE`] (at a character boundary), saying so.
fn cap_line(l: &str) -> String {
    if l.len() <= MAX_LINE {
        return l.to_string();
    }
    let mut end = MAX_LINE;
    while !l.is_char_boundary(end) {
        end -= 1;
    }
    format!("{} …[line cut at {} KiB]", &l[..end], MAX_LINE / 1024)
}

/// Reads what a log file gained since the last call, across copy-truncate rotations.
#[derive(Debug, Clone)]
pub struct Follower {
    pub path: PathBuf,
    offset: u64,
    partial: String,
    /// A line grew past [`MAX_LINE`]: what follows until its newline is dropped.
    skipping: bool,
}

impl Follower {
    /// Start at the end of the file (only new lines) or at its start.
    pub fn new(path: &Path, from_start: bool) -> Follower {
        let offset = if from_start {
            0
        } else {
            std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
        };
        Follower {
            path: path.to_path_buf(),
            offset,
            partial: String::new(),
            skipping: false,
        }
    }

    /// Complete new lines since the last call.
    pub fn poll(&mut self) -> Vec<String> {
        let mut bytes = Vec::new();
        let len = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        if len < self.offset {
            // Rotated: the rest of what we had not read is at the end of `.1`.
            if let Ok(old) = std::fs::File::open(format!("{}.1", self.path.display())) {
                let mut old = old;
                if old.seek(SeekFrom::Start(self.offset)).is_ok() {
                    let _ = old.take(MAX_READ).read_to_end(&mut bytes);
                }
            }
            self.offset = 0;
        }
        if let Ok(mut f) = std::fs::File::open(&self.path) {
            if f.seek(SeekFrom::Start(self.offset)).is_ok() {
                let before = bytes.len();
                let _ = f.take(MAX_READ).read_to_end(&mut bytes);
                self.offset += (bytes.len() - before) as u64;
            }
        }
        let mut text = String::from_utf8_lossy(&bytes).into_owned();
        if self.skipping {
            match text.find('\n') {
                Some(i) => {
                    text.drain(..=i);
                    self.skipping = false;
                }
                None => return Vec::new(),
            }
        }
        self.partial.push_str(&text);
        let mut lines: Vec<String> = self.partial.split('\n').map(str::to_string).collect();
        self.partial = lines.pop().unwrap_or_default();
        let mut out: Vec<String> = lines
            .into_iter()
            .map(|l| cap_line(l.trim_end_matches('\r')))
            .collect();
        if self.partial.len() > MAX_LINE {
            out.push(cap_line(&self.partial));
            self.partial.clear();
            self.skipping = true;
        }
        out
    }
}

/// Counters of one session state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StateStats {
    pub entered: u32,
    #[ts(type = "number")]
    pub seconds: u64,
}

/// What a node's log says, accumulated.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LogSummary {
    #[ts(type = "number | null")]
    pub session_id: Option<u64>,
    pub state: Option<u8>,
    pub state_name: Option<String>,
    /// Per state name: times entered and seconds spent.
    pub states: BTreeMap<String, StateStats>,
    pub sessions_seen: u32,
    pub tasks_assigned: u32,
    pub tasks_committed: u32,
    pub transactions: u32,
    pub pings: u32,
    pub errors: u32,
    pub warnings: u32,
    pub crashes: u32,
    pub malformed: u32,
    pub other: u32,
    pub last_error: Option<String>,
    /// Unix seconds of the last line, of the last state progress, of the last ping.
    #[ts(type = "number | null")]
    pub last_line_at: Option<i64>,
    #[ts(type = "number | null")]
    pub last_progress_at: Option<i64>,
    #[ts(type = "number | null")]
    pub last_ping_at: Option<i64>,
    /// Pings since the last state progress (many without progress means trouble).
    pub pings_since_progress: u32,
    pub version: Option<String>,
    /// The node's cognitive level (0–10) as it last printed it; later phases tie rewards to it.
    #[serde(default)]
    pub cognitive_level: Option<u8>,
}

/// Turns lines into a [`LogSummary`].
pub struct Tracker {
    pub summary: LogSummary,
    address: String,
    state_since: Option<i64>,
    assigned_in_session: Option<u64>,
}

impl Tracker {
    pub fn new(address: &str) -> Tracker {
        Tracker {
            summary: LogSummary::default(),
            address: address.to_ascii_lowercase(),
            state_since: None,
            assigned_in_session: None,
        }
    }

    fn enter_state(&mut self, id: Option<u64>, state: u8, now: i64, rules: &LogRules) {
        let s = &mut self.summary;
        let changed = s.state != Some(state) || (id.is_some() && s.session_id != id);
        if let (Some(prev), Some(since)) = (s.state, self.state_since) {
            let name = rules
                .states
                .get(&prev)
                .cloned()
                .unwrap_or_else(|| format!("State {prev}"));
            s.states.entry(name).or_default().seconds += (now - since).max(0) as u64;
        }
        self.state_since = Some(now);
        if let Some(id) = id {
            if s.session_id != Some(id) {
                s.sessions_seen += 1;
            }
            s.session_id = Some(id);
        }
        if changed {
            let name = rules
                .states
                .get(&state)
                .cloned()
                .unwrap_or_else(|| format!("State {state}"));
            s.states.entry(name.clone()).or_default().entered += 1;
            s.state_name = Some(name);
            s.last_progress_at = Some(now);
            s.pings_since_progress = 0;
        }
        s.state = Some(state);
    }

    /// Feed one line seen at `now` (unix seconds).
    pub fn feed(&mut self, line: &str, now: i64, rules: &LogRules) {
        self.summary.last_line_at = Some(now);
        match rules.parse_line(line) {
            Line::Other => self.summary.other += 1,
            Line::Malformed { .. } => self.summary.malformed += 1,
            Line::Event { kind, fields } => {
                let num = |k: &str| fields.get(k).and_then(|v| v.parse::<u64>().ok());
                match kind.as_str() {
                    "session_state" => {
                        if let (Some(id), Some(st)) = (num("id"), num("state")) {
                            self.enter_state(Some(id), st.min(255) as u8, now, rules);
                            // A commit in a session this node was assigned to: a task done.
                            if st == 5 && self.assigned_in_session == Some(id) {
                                self.summary.tasks_committed += 1;
                                self.assigned_in_session = None;
                            }
                        }
                    }
                    "session_id" => {
                        if let Some(id) = num("id") {
                            if self.summary.session_id != Some(id) {
                                self.summary.sessions_seen += 1;
                            }
                            self.summary.session_id = Some(id);
                        }
                    }
                    "session_state_only" => {
                        if let Some(st) = num("state") {
                            self.enter_state(None, st.min(255) as u8, now, rules);
                        }
                    }
                    "assigned" => {
                        let miners = fields
                            .get("miners")
                            .map(|m| m.to_ascii_lowercase())
                            .unwrap_or_default();
                        // Any printed form: commas, or a Python list with quotes and brackets.
                        let listed = miners
                            .split(|c: char| !c.is_ascii_alphanumeric())
                            .any(|a| a == self.address);
                        if listed {
                            self.summary.tasks_assigned += 1;
                            self.assigned_in_session = self.summary.session_id;
                        }
                    }
                    "tx" => self.summary.transactions += 1,
                    "ping" => {
                        self.summary.pings += 1;
                        self.summary.pings_since_progress += 1;
                        self.summary.last_ping_at = Some(now);
                    }
                    "traceback" => {
                        self.summary.crashes += 1;
                        self.summary.errors += 1;
                        self.summary.last_error = Some("Python exception (Traceback)".into());
                    }
                    "error" => {
                        self.summary.errors += 1;
                        // Kept in the store and shown: through the redactor.
                        self.summary.last_error = fields
                            .get("message")
                            .map(|m| crate::redact::Redactor::default().redact(m).text);
                    }
                    "warning" => self.summary.warnings += 1,
                    "level" => {
                        if let Some(l) = num("level").filter(|l| *l <= 10) {
                            self.summary.cognitive_level = Some(l as u8);
                        }
                    }
                    "started" => self.summary.version = fields.get("version").cloned(),
                    _ => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: &str = "0x00000000000000000000000000000000000000e1";

    /// The example lines of upstream's parser comments (shared/upstream/log-lines.md, verbatim)
    /// and the variants community parsers accept.
    #[test]
    fn community_line_variants() {
        let rules = LogRules::builtin();
        let ev = |l: &str| match rules.parse_line(l) {
            Line::Event { kind, fields } => (kind, fields),
            other => panic!("{l:?} → {other:?}"),
        };
        let (k, f) = ev("* Latest ID:  1101  / Latest State:  3");
        assert_eq!(
            (k.as_str(), f["id"].as_str(), f["state"].as_str()),
            ("session_state", "1101", "3")
        );
        assert_eq!(ev("* Latest ID: 1101").0, "session_id");
        assert_eq!(ev("* Latest State: 3").0, "session_state_only");
        // Bullet optional, "|" as well as "/", not anchored at the line start, any case.
        for l in [
            "Latest ID: 1102 | Latest State: 4",
            "[node-2] 2026-11-26 10:00:00 * Latest ID:  1102  / Latest State:  4",
            "* latest id: 1102 / latest state: 4",
        ] {
            let (k, f) = ev(l);
            assert_eq!(
                (k.as_str(), f["id"].as_str(), f["state"].as_str()),
                ("session_state", "1102", "4"),
                "{l}"
            );
        }
        for (l, level) in [
            ("    Cognitive Level: 4", "4"),
            ("   * Cognitive Level: 3", "3"),
            ("CL: 2", "2"),
            ("* CL: 7", "7"),
        ] {
            let (k, f) = ev(l);
            assert_eq!((k.as_str(), f["level"].as_str()), ("level", level), "{l}");
        }
        assert_eq!(
            ev("* Node Pool Ephemeral Node Stale:  True").1["stale"],
            "True"
        );
        assert_eq!(
            ev("Event Stats: {'precommit': 3, 'commit': 2}").0,
            "event_stats"
        );
        assert_eq!(
            ev("RuntimeError raised; Traceback (most recent call last):").0,
            "traceback"
        );
        // Lines that only mention a word are not malformed events.
        assert_eq!(rules.parse_line("including CLI options"), Line::Other);
        assert_eq!(
            rules.parse_line("RuntimeError: test node crash requested"),
            Line::Other
        );

        // Assigned miners in any printed form, matched to the node in any letter case.
        let me = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed";
        for l in [
            "Assigned Miners: 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed, 0x1111111111111111111111111111111111111111".to_string(),
            "* Assigned Miners: ['0x1111111111111111111111111111111111111111', '0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED']".to_string(),
            "Assigned Miners:[\"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed\"]".to_string(),
        ] {
            let mut t = Tracker::new(me);
            t.feed("* Latest ID: 1200 / Latest State: 1", 0, &rules);
            t.feed(&l, 1, &rules);
            assert_eq!(t.summary.tasks_assigned, 1, "{l}");
        }
        let mut t = Tracker::new(me);
        t.feed(
            "Assigned Miners: ['0x1111111111111111111111111111111111111111']",
            1,
            &rules,
        );
        assert_eq!(t.summary.tasks_assigned, 0);
        t.feed("   * Cognitive Level: 3", 2, &rules);
        t.feed("CL: 11", 3, &rules);
        assert_eq!(
            t.summary.cognitive_level,
            Some(3),
            "a level above 10 is not one"
        );
    }

    #[test]
    fn real_shaped_lines_and_garbage() {
        let rules = LogRules::builtin();
        let fixture = format!(
            "cortensord 0.0.1-abc starting role minerv4 for node {ME}\n\
             * Task Mode: \x1b[32mNETWORK\x1b[0m\n\
             Pinging network...\n\
             * Latest ID:  1101  / Latest State:  1\n\
             Assigned Miners: {ME}, 0x{}\n\
             * Latest ID:  1101  / Latest State:  4\n\
             TX: 0x{}\n\
             * Event: Precommit\n\
             * Latest ID:  1101  / Latest State:  5\n\
             * Latest ID: banana / Latest State: \n\
             \u{fffd}\u{fffd} ### not a log line ### \x07\n\
             Assigned Miners: not-an-address\n\
             Error: RPC timeout\n\
             Traceback (most recent call last):\n\
             * Latest ID:  1102\n\
             * Latest State:  0\n",
            "1".repeat(40),
            "ab".repeat(32)
        );
        let mut t = Tracker::new(ME);
        for (i, l) in fixture.lines().enumerate() {
            t.feed(l, 1000 + i as i64, &rules);
        }
        let s = &t.summary;
        assert_eq!(s.version.as_deref(), Some("0.0.1-abc"));
        assert_eq!(
            (s.session_id, s.state, s.state_name.as_deref()),
            (Some(1102), Some(0), Some("Request"))
        );
        assert_eq!(s.sessions_seen, 2);
        assert_eq!(
            (s.tasks_assigned, s.tasks_committed, s.transactions),
            (1, 1, 1)
        );
        assert_eq!((s.pings, s.errors, s.crashes), (1, 2, 1));
        assert_eq!(
            s.malformed, 2,
            "the banana state and the non-address miners"
        );
        assert_eq!(s.other, 1, "the garbage line");
        assert_eq!(
            s.last_error.as_deref(),
            Some("Python exception (Traceback)")
        );
        // An error line's message is kept redacted (it is stored and shown).
        let mut e = Tracker::new(ME);
        e.feed(
            &format!(
                "Error: cannot sign with 0x{} via https://rpc.example/v2/K3yK3yK3y",
                "cd".repeat(32)
            ),
            5,
            &rules,
        );
        assert_eq!(
            e.summary.last_error.as_deref(),
            Some("cannot sign with 0x…[redacted key] via https://rpc.example/v2/…[redacted key]")
        );
        // Create (line 3) lasted until Precommit (line 5): 2 s.
        assert_eq!(
            s.states["Create"],
            StateStats {
                entered: 1,
                seconds: 2
            }
        );
        assert_eq!(s.states["Precommit"].entered, 1);
    }

    #[test]
    fn a_live_log_starts_with_the_last_lines_then_gives_new_ones() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("n.log");
        std::fs::write(&path, "one\ntwo\n* Task Mode: \x1b[32mNETWORK\x1b[0m\n").unwrap();
        let (mut live, last) = LiveLog::open(3, &path, 2);
        assert_eq!(last, vec!["two", "* Task Mode: NETWORK"]);
        assert_eq!(live.poll(), None);
        use std::io::Write;
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"Pinging network...\n")
            .unwrap();
        assert_eq!(
            live.poll(),
            Some(LogLines {
                id: 3,
                lines: vec!["Pinging network...".into()]
            })
        );
        assert_eq!(live.poll(), None);
    }

    #[test]
    fn a_line_without_an_end_is_cut_and_what_follows_reads_on() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("cortensord.log");
        std::fs::write(&p, "first\n").unwrap();
        let mut f = Follower::new(&p, true);
        assert_eq!(f.poll(), ["first"]);
        // 1 MiB with no newline, in pieces, then the rest of the line and a normal one.
        let mut file = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
        use std::io::Write;
        file.write_all(&vec![b'x'; 512 * 1024]).unwrap();
        let cut = f.poll();
        assert_eq!(cut.len(), 1);
        assert!(cut[0].len() < MAX_LINE + 64 && cut[0].ends_with("…[line cut at 64 KiB]"));
        file.write_all(&vec![b'x'; 512 * 1024]).unwrap();
        assert!(f.poll().is_empty(), "the rest of the cut line is dropped");
        file.write_all(b"yyy\n* Latest ID:  7  / Latest State:  1\n")
            .unwrap();
        assert_eq!(f.poll(), ["* Latest ID:  7  / Latest State:  1"]);
        // A reader opening the log gets its last lines only.
        let (mut live, last) = LiveLog::open(1, &p, 2);
        assert_eq!(last.len(), 2);
        assert_eq!(last[1], "* Latest ID:  7  / Latest State:  1");
        assert!(
            last[0].ends_with("…[line cut at 64 KiB]"),
            "the long line, cut"
        );
        assert!(live.poll().is_none());
        file.write_all(b"new\n").unwrap();
        assert_eq!(live.poll().unwrap().lines, ["new"]);
    }

    #[test]
    fn the_follower_survives_rotation_and_partial_lines() {
        let d = tempfile::tempdir().unwrap();
        let log = d.path().join("cortensord.log");
        std::fs::write(&log, "one\ntw").unwrap();
        let mut f = Follower::new(&log, true);
        assert_eq!(f.poll(), vec!["one"]);
        std::fs::write(&log, "one\ntwo\nthree\n").unwrap();
        assert_eq!(f.poll(), vec!["two", "three"]);
        // Appended, then rotated (copy-truncate) before we read: nothing is lost.
        std::fs::write(&log, "one\ntwo\nthree\nfour\n").unwrap();
        crate::platform::fs::rotate(&log, 1, 3).unwrap();
        std::fs::write(&log, "five\n").unwrap();
        assert_eq!(f.poll(), vec!["four", "five"]);
    }

    #[test]
    fn bad_rules_are_explained() {
        let err = LogRules::parse(
            &LOG_RULES_TOML.replace(r"(?P<id>\d+)\s*(?:/", r"(?P<id>\d+\s*(?:/"),
            "t",
        )
        .err()
        .unwrap()
        .to_string();
        assert!(
            err.contains("session_state") && err.contains("pattern"),
            "{err}"
        );
    }
}
