//! `cortensor-manager`: the headless CLI. It parses arguments, calls the core, and prints.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use cortensor_manager::api::{self, RankRequest, UserError};
use cortensor_manager::fetch::{describe_age, FetchOptions};
use cortensor_manager::money;
use cortensor_manager::rank::WhatIf;
use cortensor_manager::rewards::RewardsInput;
use rust_decimal::Decimal;

mod cli;

#[derive(Parser)]
#[command(
    name = "cortensor-manager",
    version,
    about = "Run and watch Cortensor nodes; project contest rewards and rank"
)]
struct Cli {
    /// Where the app keeps its data (default: the OS data folder).
    #[arg(long, global = true, env = cortensor_manager::paths::DATA_DIR_ENV)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compute a participant's contest rewards.
    #[command(allow_negative_numbers = true)]
    Rewards {
        /// Qualifying nodes.
        #[arg(long)]
        nodes: u32,
        /// Role bonus in percent (0, 5 or 10 in Phase #3).
        #[arg(long, default_value = "0", value_parser = money::parse)]
        role_bonus: Decimal,
        /// Months of the contest counted for the base reward.
        #[arg(long, default_value = "1", value_parser = money::parse)]
        months: Decimal,
        /// Cap of the combined bonus, percent of base (default: the ruleset's, 40).
        #[arg(long, value_parser = money::parse)]
        bonus_cap: Option<Decimal>,
        /// Rank rewards in USD, added after the bonuses.
        #[arg(long, default_value = "0", value_parser = money::parse)]
        rank_rewards: Decimal,
        /// A ruleset file instead of the embedded Phase #3 rules.
        #[arg(long)]
        rules: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Project an operator's ranks and rank rewards from a leaderboard.
    Rank {
        /// A leaderboard file or http(s) URL.
        #[arg(long)]
        leaderboard: String,
        /// The operator's address (0x…).
        #[arg(long)]
        operator: String,
        /// What-if: NODE:FIELD=VALUE (e.g. 0xab…:uptime=0.999); repeatable.
        #[arg(long = "what-if", value_parser = WhatIf::parse)]
        what_if: Vec<WhatIf>,
        /// One of the operator's nodes that may not be on the leaderboard yet; repeatable.
        #[arg(long = "node")]
        nodes: Vec<String>,
        #[arg(long)]
        rules: Option<PathBuf>,
        /// HTTP timeout in seconds.
        #[arg(long, default_value_t = 15.0)]
        timeout: f64,
        #[arg(long)]
        json: bool,
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
        #[arg(long)]
        json: bool,
    },
    /// Update cortensord to the source's newest release; rolls back if a node does not come up.
    Update {
        #[arg(long, default_value = "official")]
        source: String,
        /// How long a restarted node has to show progress, in seconds.
        #[arg(long, default_value_t = 120.0)]
        window: f64,
        #[arg(long)]
        json: bool,
    },
    /// Stop and remove the nodes, their services and the binary. Keys stay in the keychain
    /// unless --delete-keys (which needs --export-keys first).
    Uninstall {
        #[arg(long)]
        export_keys: Option<PathBuf>,
        #[arg(long)]
        delete_keys: bool,
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        json: bool,
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
    Daemon {
        /// Rotate a node's log when it grows past this many bytes.
        #[arg(long, default_value_t = 10 << 20)]
        log_max_bytes: u64,
        /// Seconds a node has to stop after SIGINT before it is killed.
        #[arg(long, default_value_t = 20.0)]
        stop_timeout: f64,
        /// Milliseconds between two node starts.
        #[arg(long, default_value_t = 500)]
        stagger_ms: u64,
        /// Serve Prometheus metrics on 127.0.0.1:PORT/metrics (off by default).
        #[arg(long)]
        metrics_port: Option<u16>,
        /// A node that ran this long without crashing gets its restart backoff reset.
        #[arg(long, default_value_t = 300.0)]
        stable_after: f64,
        /// Milliseconds between two health samples (1 Hz by default).
        #[arg(long, default_value_t = 1000)]
        sample_ms: u64,
        /// Seconds between two probes of the nodes' ports.
        #[arg(long, default_value_t = 30)]
        probe_secs: u32,
        /// Seconds between two looks at the nodes' Docker containers (each runs the docker CLI).
        #[arg(long, default_value_t = 30)]
        docker_secs: u32,
        /// Alert when a node has been down this many minutes.
        #[arg(long, default_value_t = 5)]
        down_alert_mins: u32,
        /// Alert when the nodes' disk has less free space than this many GiB.
        #[arg(long, default_value_t = 10)]
        low_disk_gb: u64,
    },
    /// Save redacted diagnostics (install, nodes, log tails) for a bug report.
    Diagnostics {
        /// What happened, in your words.
        #[arg(long, default_value = "")]
        what: String,
    },
    /// Import an official install's key and settings (default: ~/.cortensor/.env).
    Adopt {
        env_file: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum NodeCommand {
    /// Create nodes: keys in the OS keychain, folders, .env, ports, services.
    Add {
        #[arg(long, default_value_t = 1)]
        count: u32,
        #[arg(long)]
        json: bool,
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
    /// Write every node's key to a file (mode 0600) for backup.
    Export {
        #[arg(long)]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

pub(crate) fn print_json<T: serde::Serialize>(v: &T) -> Result<(), UserError> {
    println!(
        "{}",
        serde_json::to_string_pretty(v).map_err(UserError::new)?
    );
    Ok(())
}

fn run(cli: Cli) -> Result<(), UserError> {
    let data_dir = cli.data_dir.clone();
    match cli.command {
        Command::Doctor {
            time_url,
            fix,
            yes,
            json,
        } => cli::doctor(data_dir, time_url, fix, yes, json),
        Command::Install { source, yes, json } => cli::install(data_dir, &source, yes, json),
        Command::Update {
            source,
            window,
            json,
        } => cli::update(data_dir, &source, window, json),
        Command::Uninstall {
            export_keys,
            delete_keys,
            yes,
            json,
        } => cli::uninstall(data_dir, export_keys, delete_keys, yes, json),
        Command::Node {
            command: NodeCommand::Add { count, json },
        } => cli::node_add(data_dir, count, json),
        Command::Node {
            command: NodeCommand::List { json },
        } => cli::node_list(data_dir, json),
        Command::Node {
            command: NodeCommand::Register { id, json },
        } => cli::node_register(data_dir, id, json),
        Command::Keys {
            command: KeysCommand::Export { out },
        } => cli::keys_export(data_dir, &out),
        Command::Metrics { command } => cli::metrics(
            data_dir,
            match command {
                MetricsCommand::On { port } => Some(Some(port)),
                MetricsCommand::Off => Some(None),
                MetricsCommand::Status => None,
            },
        ),
        Command::Adopt { env_file, json } => cli::adopt(data_dir, env_file, json),
        Command::Diagnostics { what } => cli::diagnostics(data_dir, &what),
        Command::Daemon {
            log_max_bytes,
            stop_timeout,
            stagger_ms,
            metrics_port,
            stable_after,
            sample_ms,
            probe_secs,
            docker_secs,
            down_alert_mins,
            low_disk_gb,
        } => {
            let timing = cli::DaemonTiming {
                stop_timeout,
                stagger_ms,
                stable_after,
                sample_ms,
                probe_secs,
                docker_secs,
                down_alert_mins,
                low_disk_gb,
            };
            cli::daemon(data_dir, log_max_bytes, metrics_port, timing)
        }
        Command::Node {
            command: NodeCommand::Start { which },
        } => cli::control(
            data_dir,
            &which,
            cortensor_manager::runtime::control::Action::Start,
        ),
        Command::Node {
            command: NodeCommand::Stop { which },
        } => cli::control(
            data_dir,
            &which,
            cortensor_manager::runtime::control::Action::Stop,
        ),
        Command::Node {
            command: NodeCommand::Restart { which },
        } => cli::control(
            data_dir,
            &which,
            cortensor_manager::runtime::control::Action::Restart,
        ),
        Command::Node {
            command: NodeCommand::Status { json, watch },
        } => cli::status(data_dir, json, watch),
        Command::Node {
            command: NodeCommand::Logs { id, follow, lines },
        } => cli::logs(data_dir, id, follow, lines),
        Command::Rewards {
            nodes,
            role_bonus,
            months,
            bonus_cap,
            rank_rewards,
            rules,
            json,
        } => {
            let rules = api::load_rules(rules.as_deref())?;
            let input = RewardsInput {
                nodes,
                role_bonus_pct: role_bonus,
                months,
                bonus_cap_pct: bonus_cap,
                rank_rewards,
            };
            let b = api::compute_rewards(&input, &rules)?;
            for w in &b.warnings {
                eprintln!("warning: {w}");
            }
            if json {
                return print_json(&b);
            }
            println!("Rewards under {}", rules.name);
            println!("  base                ${:>10.2}", b.base);
            println!("  multi-node bonus    ${:>10.2}", b.multi_node_bonus);
            println!("  role bonus          ${:>10.2}", b.role_bonus);
            println!("  rank rewards        ${:>10.2}", b.rank_rewards);
            println!("  total               ${:>10.2}", b.total);
            for n in &b.notes {
                println!("  note: {n}");
            }
            Ok(())
        }
        Command::Rank {
            leaderboard,
            operator,
            what_if,
            nodes,
            rules,
            timeout,
            json,
        } => {
            let rules = api::load_rules(rules.as_deref())?;
            if !(timeout.is_finite() && timeout > 0.0) {
                return Err(UserError::new(format!(
                    "--timeout must be a number of seconds above 0 (got {timeout})"
                )));
            }
            let store = api::open_store(cli.data_dir)?;
            let opts = FetchOptions {
                timeout: Duration::from_secs_f64(timeout),
                ..FetchOptions::default()
            };
            let req = RankRequest {
                leaderboard,
                operator,
                what_ifs: what_if,
                local_nodes: nodes,
            };
            let r = api::project_rank(&req, &rules, Some(&store), &opts)?;
            if let Some(w) = &r.source.warning {
                eprintln!("warning: {w}");
            }
            if json {
                return print_json(&r);
            }
            let p = &r.projection;
            let age = if r.source.from_cache || r.source.age_seconds > 0 {
                format!(", data {} old", describe_age(r.source.age_seconds))
            } else {
                String::new()
            };
            println!(
                "Leaderboard: {} ({} nodes{age})",
                r.source.location,
                p.table.len()
            );
            println!(
                "Operator {}: rank rewards ${:.2}",
                p.operator, p.rank_rewards
            );
            for n in &p.nodes {
                let rank = n.rank.map_or("unranked".to_string(), |r| format!("#{r}"));
                let score = n.score.map_or("-".to_string(), |s| format!("{s:.2}"));
                println!(
                    "  {}  {:>9}  score {:>7}  ${:.2}",
                    n.node, rank, score, n.reward
                );
            }
            if !p.vacant_spots.is_empty() {
                println!(
                    "{} rewarded spots stay vacant under the per-operator limits.",
                    p.vacant_spots.len()
                );
            }
            Ok(())
        }
        Command::Rules { rules, json } => {
            let rules = api::load_rules(rules.as_deref())?;
            if json {
                return print_json(&rules);
            }
            println!("{} (format {})", rules.name, rules.format_version);
            println!(
                "  base: ${}/node/month; up to {} nodes per participant",
                rules.rewards.base_per_node_month, rules.rewards.max_nodes_per_operator
            );
            for s in &rules.rewards.multi_node {
                println!(
                    "  multi-node bonus: {}% at {}+ nodes (once per contest)",
                    s.bonus_pct, s.min_nodes
                );
            }
            println!(
                "  bonus cap: {}% of base by default",
                rules.rewards.bonus_cap_default_pct
            );
            for t in &rules.rank.tiers {
                let max = t
                    .max_per_operator
                    .map_or("unlimited".to_string(), |m| m.to_string());
                println!(
                    "  ranks {:>3}–{:<3} ${:>6} each, {} spot(s) per operator",
                    t.from, t.to, t.reward, max
                );
            }
            Ok(())
        }
    }
}
