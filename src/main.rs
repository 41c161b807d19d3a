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

#[derive(Parser)]
#[command(name = "cortensor-manager", version, about = "Run and watch Cortensor nodes; project contest rewards and rank")]
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

fn print_json<T: serde::Serialize>(v: &T) -> Result<(), UserError> {
    println!("{}", serde_json::to_string_pretty(v).map_err(UserError::new)?);
    Ok(())
}

fn run(cli: Cli) -> Result<(), UserError> {
    match cli.command {
        Command::Rewards { nodes, role_bonus, months, bonus_cap, rank_rewards, rules, json } => {
            let rules = api::load_rules(rules.as_deref())?;
            let input = RewardsInput { nodes, role_bonus_pct: role_bonus, months, bonus_cap_pct: bonus_cap, rank_rewards };
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
        Command::Rank { leaderboard, operator, what_if, nodes, rules, timeout, json } => {
            let rules = api::load_rules(rules.as_deref())?;
            if !(timeout.is_finite() && timeout > 0.0) {
                return Err(UserError::new(format!("--timeout must be a number of seconds above 0 (got {timeout})")));
            }
            let store = api::open_store(cli.data_dir)?;
            let opts = FetchOptions { timeout: Duration::from_secs_f64(timeout), ..FetchOptions::default() };
            let req = RankRequest { leaderboard, operator, what_ifs: what_if, local_nodes: nodes };
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
            println!("Leaderboard: {} ({} nodes{age})", r.source.location, p.table.len());
            println!("Operator {}: rank rewards ${:.2}", p.operator, p.rank_rewards);
            for n in &p.nodes {
                let rank = n.rank.map_or("unranked".to_string(), |r| format!("#{r}"));
                let score = n.score.map_or("-".to_string(), |s| format!("{s:.2}"));
                println!("  {}  {:>9}  score {:>7}  ${:.2}", n.node, rank, score, n.reward);
            }
            if !p.vacant_spots.is_empty() {
                println!("{} rewarded spots stay vacant under the per-operator limits.", p.vacant_spots.len());
            }
            Ok(())
        }
        Command::Rules { rules, json } => {
            let rules = api::load_rules(rules.as_deref())?;
            if json {
                return print_json(&rules);
            }
            println!("{} (format {})", rules.name, rules.format_version);
            println!("  base: ${}/node/month; up to {} nodes per participant", rules.rewards.base_per_node_month, rules.rewards.max_nodes_per_operator);
            for s in &rules.rewards.multi_node {
                println!("  multi-node bonus: {}% at {}+ nodes (once per contest)", s.bonus_pct, s.min_nodes);
            }
            println!("  bonus cap: {}% of base by default", rules.rewards.bonus_cap_default_pct);
            for t in &rules.rank.tiers {
                let max = t.max_per_operator.map_or("unlimited".to_string(), |m| m.to_string());
                println!("  ranks {:>3}–{:<3} ${:>6} each, {} spot(s) per operator", t.from, t.to, t.reward, max);
            }
            Ok(())
        }
    }
}
