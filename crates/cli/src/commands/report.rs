//! `report`: file a bug report (the bundle, the outbox, the destinations).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use cortensor_api::reports::{self, Category, ReportForm, Severity, SubmitRequest};
use cortensor_api::{Session, UserError};

use crate::output::print_json;

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ReportCli {
    #[command(subcommand)]
    command: Option<ReportCommand>,
    #[command(flatten)]
    args: ReportArgs,
}

#[derive(Args, Default)]
pub struct ReportArgs {
    /// One line that says what is wrong.
    #[arg(long)]
    title: Option<String>,
    /// What happened.
    #[arg(long)]
    what: Option<String>,
    /// What you expected instead.
    #[arg(long)]
    expected: Option<String>,
    /// How to make it happen again.
    #[arg(long)]
    steps: Option<String>,
    /// install, node-crash, performance, ui, rewards-rank or other.
    #[arg(long, default_value = "other")]
    category: String,
    /// blocker, major, minor or trivial.
    #[arg(long, default_value = "minor")]
    severity: String,
    /// The nodes concerned: `all` or a list like `1,2`.
    #[arg(long, default_value = "all")]
    nodes: String,
    /// Your Discord handle or e-mail address, for questions (kept as typed).
    #[arg(long)]
    contact: Option<String>,
    /// A file to attach (text files are redacted like the rest); repeatable.
    #[arg(long)]
    attach: Vec<PathBuf>,
    /// A file of the bundle not to send (as listed by --save-only --json); repeatable.
    #[arg(long)]
    leave_out: Vec<String>,
    /// Send to this endpoint instead of the configured destinations.
    #[arg(long)]
    endpoint: Option<String>,
    /// Write the bundle and send nothing.
    #[arg(long)]
    save_only: bool,
    /// Where to write the zip (default: the reports folder of the data folder).
    #[arg(long)]
    out: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum ReportCommand {
    /// The reports and where each one is (queued, sent with its reference, failed and why).
    Outbox {
        /// Try every waiting report now, ignoring the wait between tries.
        #[arg(long)]
        flush: bool,
        #[arg(long)]
        json: bool,
    },
    /// Where reports go: `show`, `set endpoint|discord|github VALUE`, `remove KIND`.
    Destination {
        #[command(subcommand)]
        command: DestinationCommand,
    },
    /// Extra redaction patterns (regular expressions): `show`, or `set FILE` (one per line).
    Patterns {
        #[command(subcommand)]
        command: PatternsCommand,
    },
}

#[derive(Subcommand)]
enum DestinationCommand {
    Show,
    Set {
        #[arg(value_parser = ["endpoint", "discord", "github"])]
        kind: String,
        value: String,
    },
    Remove {
        #[arg(value_parser = ["endpoint", "discord", "github"])]
        kind: String,
    },
}

#[derive(Subcommand)]
enum PatternsCommand {
    Show,
    Set { file: PathBuf },
}

fn nodes(spec: &str) -> Result<Vec<u32>, UserError> {
    if spec.trim().eq_ignore_ascii_case("all") {
        return Ok(vec![]);
    }
    spec.split(',')
        .map(|n| {
            n.trim().parse::<u32>().map_err(|_| {
                UserError::new(format!(
                    "--nodes takes `all` or a list like 1,2; '{}' is not a node number",
                    n.trim()
                ))
            })
        })
        .collect()
}

pub fn run(s: &Session, r: ReportCli) -> Result<(), UserError> {
    match r.command {
        Some(ReportCommand::Outbox { flush, json }) => outbox(s, flush, json),
        Some(ReportCommand::Destination { command }) => {
            let d = match command {
                DestinationCommand::Show => reports::destinations(s)?,
                DestinationCommand::Set { kind, value } => {
                    reports::set_destination(s, &kind, &value)?
                }
                DestinationCommand::Remove { kind } => reports::set_destination(s, &kind, "")?,
            };
            let show = |v: Option<String>| v.unwrap_or_else(|| "(none)".into());
            println!(
                "endpoint: {}\ndiscord:  {}\ngithub:   {}",
                show(d.endpoint),
                show(d.discord),
                show(d.github)
            );
            Ok(())
        }
        Some(ReportCommand::Patterns {
            command: PatternsCommand::Show,
        }) => {
            println!("{}", reports::patterns(s)?);
            Ok(())
        }
        Some(ReportCommand::Patterns {
            command: PatternsCommand::Set { file },
        }) => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| UserError::new(format!("cannot read {}: {e}", file.display())))?;
            reports::set_patterns(s, &text)?;
            println!(
                "Saved {} pattern(s).",
                text.lines().filter(|l| !l.trim().is_empty()).count()
            );
            Ok(())
        }
        None => file(s, r.args),
    }
}

fn file(s: &Session, a: ReportArgs) -> Result<(), UserError> {
    let (Some(title), Some(what)) = (a.title.clone(), a.what.clone()) else {
        return Err(UserError::new(
            "a report needs --title and --what (or use `report outbox`)",
        ));
    };
    let category = Category::parse(&a.category).ok_or_else(|| {
        UserError::new(format!(
            "--category '{}': use install, node-crash, performance, ui, rewards-rank or other",
            a.category
        ))
    })?;
    let severity = Severity::parse(&a.severity).ok_or_else(|| {
        UserError::new(format!(
            "--severity '{}': use blocker, major, minor or trivial",
            a.severity
        ))
    })?;
    let form = ReportForm {
        title,
        what,
        expected: a.expected.unwrap_or_default(),
        steps: a.steps.unwrap_or_default(),
        category,
        severity,
        nodes: nodes(&a.nodes)?,
        contact: a.contact.unwrap_or_default(),
        attachments: a.attach.iter().map(|p| p.display().to_string()).collect(),
        context: None,
    };
    // Refuse a bad endpoint before anything is written.
    if let Some(url) = &a.endpoint {
        reports::check_endpoint(url)?;
    }
    let draft = reports::prepare(s, &form)?;
    let res = reports::submit(
        s,
        &SubmitRequest {
            id: draft.id,
            leave_out: a.leave_out,
            save_only: a.save_only,
            endpoint: a.endpoint,
            out: a.out.map(|p| p.display().to_string()),
        },
    )?;
    if a.json {
        print_json(&serde_json::json!({
            "id": res.id,
            "bundle": res.bundle,
            "status": res.status,
            "reference": res.reference,
            "error": res.error,
            "files": res.files,
        }))?;
    } else {
        let removed: u32 = res.files.iter().map(|f| f.redactions).sum();
        println!(
            "Report {} saved: {} ({} files, {removed} secrets removed).",
            res.id,
            res.bundle,
            res.files.len()
        );
        if res.deliveries.is_empty() {
            println!("Nothing sent (no destination; set one with `cortensor-manager report destination set`).");
        }
        for d in &res.deliveries {
            println!("{}", delivery_line(d));
        }
    }
    if res
        .deliveries
        .iter()
        .any(|d| d.status == reports::DeliveryStatus::Failed)
    {
        return Err(UserError::new(
            "a destination refused the report (see above); it is saved locally",
        ));
    }
    Ok(())
}

fn delivery_line(d: &reports::Delivery) -> String {
    use reports::DeliveryStatus as S;
    let now = reports::now_unix();
    match d.status {
        S::Sent => format!("  {}: sent, reference {}", d.kind, d.reference.as_deref().unwrap_or("-")),
        S::Manual => format!(
            "  {}: open this page and attach the bundle: {}",
            d.kind,
            d.reference.as_deref().unwrap_or("-")
        ),
        S::Failed => format!("  {}: failed: {}", d.kind, d.last_error.as_deref().unwrap_or("-")),
        S::Queued | S::Sending => format!(
            "  {}: queued ({}); next try in {} s, by the daemon or `cortensor-manager report outbox --flush`",
            d.kind,
            d.last_error.as_deref().unwrap_or("not tried yet"),
            (d.next_try_at - now).max(0)
        ),
    }
}

fn outbox(s: &Session, flush: bool, json: bool) -> Result<(), UserError> {
    if flush {
        reports::flush(s, true)?;
    }
    let h = reports::history(s)?;
    if json {
        return print_json(&h);
    }
    if h.reports.is_empty() {
        println!("No reports yet. File one with `cortensor-manager report --title T --what TEXT`.");
        return Ok(());
    }
    println!(
        "{} report(s): {} delivered, {} waiting.",
        h.reports.len(),
        h.delivered,
        h.waiting
    );
    for r in &h.reports {
        println!("{}  {}  [{} · {}]", r.id, r.title, r.category, r.severity);
        println!(
            "  bundle: {}",
            r.bundle.as_deref().unwrap_or("(not confirmed yet)")
        );
        if r.deliveries.is_empty() {
            println!("  saved only");
        }
        for d in &r.deliveries {
            println!("{}", delivery_line(d));
        }
    }
    Ok(())
}
