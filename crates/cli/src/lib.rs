//! `cortensor-manager`: the headless CLI. It parses arguments, calls `cortensor_api`, and prints:
//! one file per command group in `commands/`. A library so that the desktop package's flavour
//! (`crates/tray`: these commands and the tray) runs the same [`main`].

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use cortensor_api::daemon::DaemonArgs;
use cortensor_api::nodes::Action;
use cortensor_api::{Session, UserError};

mod commands;
mod output;

use commands::{contest, daemon, nodes, report, self_update, setup, stress};

#[derive(Parser)]
#[command(
    name = "cortensor-manager",
    version,
    about = "Run and watch Cortensor nodes; project contest rewards and rank"
)]
struct Cli {
    /// Where the app keeps its data (default: the OS data folder).
    #[arg(long, global = true, env = cortensor_api::session::DATA_DIR_ENV)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compute a participant's contest rewards.
    #[command(allow_negative_numbers = true)]
    Rewards(contest::RewardsArgs),
    /// Project an operator's ranks and rank rewards from a leaderboard.
    Rank(contest::RankArgs),
    /// The address the leaderboard JSON is read from, per network (`rank` uses it when no
    /// --leaderboard is given).
    Leaderboard {
        #[command(subcommand)]
        command: contest::LeaderboardCommand,
    },
    /// Print the ruleset in force (embedded Phase #3, or --rules FILE) after validating it.
    Rules {
        #[arg(long)]
        rules: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Check this machine's prerequisites (OS, disk, RAM, CPU, GPU, Docker, IPFS, ports, clock).
    Doctor {
        /// Compare the clock with this server's Date header (default: the network's dashboard).
        #[arg(long)]
        time_url: Option<String>,
        /// Let the app fix a failed check for you (e.g. `docker`), after asking.
        #[arg(long)]
        fix: Option<String>,
        /// Answer yes to questions (consent to a fix).
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        json: bool,
    },
    /// Download, verify and install cortensord (offers to import an existing official install).
    Install {
        /// `official` (default), a release manifest URL, or a folder with manifest.json.
        #[arg(long, default_value = "official")]
        source: String,
        /// Answer yes to questions (import an official install found on this machine).
        #[arg(long)]
        yes: bool,
        /// Install even an older release than the installed one.
        #[arg(long)]
        allow_downgrade: bool,
        /// Accept a mirror's new signing key (confirm its fingerprint with the mirror first).
        #[arg(long)]
        trust_new_key: bool,
        #[arg(long)]
        json: bool,
    },
    /// Update cortensord to the source's newest release; rolls back if a node does not come up.
    Update {
        #[arg(long, default_value = "official")]
        source: String,
        /// Only say whether the source has a newer release; change nothing.
        #[arg(long)]
        check: bool,
        /// How long a restarted node has to show progress, in seconds (10 minutes: a node may
        /// pull its LLM images first).
        #[arg(long, default_value_t = 600.0)]
        window: f64,
        /// Seconds a node has after a Python exception (Traceback) to show progress again
        /// before it counts as a crash.
        #[arg(long, default_value_t = 240.0)]
        traceback_grace: f64,
        /// Go to the source's release even if it is older than the installed one.
        #[arg(long)]
        allow_downgrade: bool,
        /// Accept a mirror's new signing key (confirm its fingerprint with the mirror first).
        #[arg(long)]
        trust_new_key: bool,
        #[arg(long)]
        json: bool,
    },
    /// Stop and remove the nodes, their services and the binary: only what the app made. The
    /// keys are first copied, encrypted, to a new folder in your home (it says where); they stay
    /// in the keychain, labeled, unless --delete-keys.
    Uninstall {
        /// Also write the keys, unencrypted, to this file (mode 0600).
        #[arg(long)]
        export_keys: Option<PathBuf>,
        /// Remove the keys from the OS keychain too (needs a copy: the encrypted one, or
        /// --export-keys).
        #[arg(long)]
        delete_keys: bool,
        /// The passphrase of the encrypted copy of the keys kept first, from this file's first
        /// line (else it is asked for).
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        json: bool,
    },
    /// The alerts still open (with --all: the last 90 days, resolved and dismissed too).
    Alerts {
        #[command(subcommand)]
        command: Option<AlertsCommand>,
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Start the nodes when you log in (for machines whose nodes the supervisor runs; with
    /// OS services they already come back after a restart).
    Autostart {
        #[arg(value_parser = ["on", "off", "status"])]
        what: String,
    },
    /// Nodes on this machine.
    Node {
        #[command(subcommand)]
        command: NodeCommand,
    },
    /// The Prometheus `/metrics` endpoint on 127.0.0.1 (off until turned on).
    Metrics {
        #[command(subcommand)]
        command: MetricsCommand,
    },
    /// Node keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Run the embedded supervisor in the foreground: keeps the nodes running (for machines
    /// without a per-user service manager). `node start` launches it in the background.
    Daemon(DaemonArgs),
    /// File a bug report: a redacted diagnostics bundle, saved and sent to the destinations
    /// (queued and retried until delivered when offline). `report outbox` lists them.
    Report(report::ReportCli),
    /// Stress-test install and launch: cycles of install → launch → healthy → stop → uninstall,
    /// each in a sandbox of its own (your nodes, keys and services are never touched), timed,
    /// with a report (report.json, report.md, chart.svg). `--clean` removes what a killed run left.
    Stress(stress::StressArgs),
    /// Update this program from its signed release feed (the channel in Settings, stable by
    /// default); `--check` only says whether a newer release exists.
    SelfUpdate(self_update::SelfUpdateArgs),
    /// Import an official install's key and settings (default: ~/.cortensor/.env).
    Adopt {
        env_file: Option<PathBuf>,
        /// Agree to stop (and disable) the official node of that .env if it runs.
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum NodeCommand {
    /// Create nodes: keys in the OS keychain, folders, .env, ports, services.
    Add(setup::AddArgs),
    /// The RPC URLs every node uses (`set` rewrites each node's .env; restart them after).
    Rpc {
        #[command(subcommand)]
        command: RpcCommand,
    },
    /// List the nodes.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Start a node (or `all`); with the embedded supervisor, launches it if needed.
    Start { which: String },
    /// Stop a node (or `all`): SIGINT, then SIGKILL after a timeout.
    Stop { which: String },
    /// Restart a node (or `all`).
    Restart { which: String },
    /// What each node is doing.
    Status {
        #[arg(long)]
        json: bool,
        /// Refresh every second until interrupted.
        #[arg(long)]
        watch: bool,
    },
    /// Print a node's log; `-f` follows it (across rotations).
    Logs {
        id: u32,
        #[arg(short = 'f', long)]
        follow: bool,
        /// Lines from the end to show first.
        #[arg(short = 'n', long, default_value_t = 50)]
        lines: usize,
    },
    /// Register and verify a node with the network (`cortensord tool register` / `verify`).
    Register {
        id: u32,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum AlertsCommand {
    /// Dismiss an alert (it stays in the history).
    Dismiss { id: i64 },
}

#[derive(Subcommand)]
enum RpcCommand {
    /// Use these RPC URLs (first is HOST; several turn on upstream's multi-RPC keys).
    Set {
        #[arg(required = true)]
        urls: Vec<String>,
    },
    /// The RPC URLs in use (API keys hidden).
    Show,
}

#[derive(Subcommand)]
enum MetricsCommand {
    /// Serve metrics on 127.0.0.1:PORT (the running daemon follows within seconds).
    On {
        #[arg(long, default_value_t = 9184)]
        port: u16,
    },
    /// Stop serving metrics.
    Off,
    /// Whether metrics are served, and where.
    Status,
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Back up every node's key: an encrypted Ethereum keystore (V3, scrypt) per node in the
    /// folder --out, which MetaMask and geth import; `--plaintext` writes one CSV file instead.
    Export {
        #[arg(long)]
        out: PathBuf,
        /// Read the passphrase from the first line of this file (else it is asked for).
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
        /// Write the keys unencrypted to the file --out (mode 0600). Keep it offline.
        #[arg(long)]
        plaintext: bool,
    },
}

/// The CLI: parse this process's arguments, run the command, print.
pub fn main() -> ExitCode {
    cortensor_api::cli_start();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), UserError> {
    let s = Session::new(cli.data_dir);
    match cli.command {
        Command::Rewards(args) => contest::rewards(args),
        Command::Rank(args) => contest::rank(&s, args),
        Command::Leaderboard { command } => contest::leaderboard(&s, command),
        Command::Autostart { what } => setup::autostart(&s, &what),
        Command::Alerts {
            command: Some(AlertsCommand::Dismiss { id }),
            ..
        } => nodes::dismiss_alert(&s, id),
        Command::Alerts {
            command: None,
            all,
            json,
        } => nodes::alerts(&s, all, json),
        Command::Rules { rules, json } => contest::rules(rules, json),
        Command::Doctor {
            time_url,
            fix,
            yes,
            json,
        } => setup::doctor(&s, time_url, fix, yes, json),
        Command::Install {
            source,
            yes,
            allow_downgrade,
            trust_new_key,
            json,
        } => setup::install(
            &s,
            &source,
            cortensor_api::setup::InstallFlags {
                allow_downgrade,
                trust_new_key,
            },
            yes,
            json,
        ),
        Command::Update {
            source,
            check: true,
            json,
            ..
        } => setup::update_check(&s, &source, json),
        Command::Update {
            source,
            window,
            traceback_grace,
            allow_downgrade,
            trust_new_key,
            json,
            ..
        } => setup::update(
            &s,
            &source,
            window,
            traceback_grace,
            cortensor_api::setup::InstallFlags {
                allow_downgrade,
                trust_new_key,
            },
            json,
        ),
        Command::Uninstall {
            export_keys,
            delete_keys,
            passphrase_file,
            yes,
            json,
        } => setup::uninstall(&s, export_keys, delete_keys, passphrase_file, yes, json),
        Command::Node { command } => match command {
            NodeCommand::Add(args) => setup::node_add(&s, args),
            NodeCommand::Rpc {
                command: RpcCommand::Set { urls },
            } => setup::rpc_set(&s, &urls),
            NodeCommand::Rpc {
                command: RpcCommand::Show,
            } => setup::rpc_show(&s),
            NodeCommand::List { json } => setup::node_list(&s, json),
            NodeCommand::Register { id, json } => setup::node_register(&s, id, json),
            NodeCommand::Start { which } => nodes::control(&s, &which, Action::Start),
            NodeCommand::Stop { which } => nodes::control(&s, &which, Action::Stop),
            NodeCommand::Restart { which } => nodes::control(&s, &which, Action::Restart),
            NodeCommand::Status { json, watch } => nodes::status(&s, json, watch),
            NodeCommand::Logs { id, follow, lines } => nodes::logs(&s, id, follow, lines),
        },
        Command::Keys {
            command:
                KeysCommand::Export {
                    out,
                    passphrase_file,
                    plaintext,
                },
        } => setup::keys_export(&s, &out, passphrase_file.as_deref(), plaintext),
        Command::Metrics { command } => daemon::metrics(
            &s,
            match command {
                MetricsCommand::On { port } => Some(Some(port)),
                MetricsCommand::Off => Some(None),
                MetricsCommand::Status => None,
            },
        ),
        Command::Adopt {
            env_file,
            yes,
            json,
        } => setup::adopt(&s, env_file, yes, json),
        Command::Report(r) => report::run(&s, r),
        Command::Stress(a) => stress::run(&s, &a),
        Command::SelfUpdate(a) => self_update::run(&s, &a),
        Command::Daemon(args) => daemon::run(&s, &args),
    }
}
