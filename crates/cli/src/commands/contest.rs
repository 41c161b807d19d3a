//! `rewards`, `rank`, `leaderboard`, `rules`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};
use cortensor_api::contest::{self, describe_age, money, RankRequest, RewardsInput, WhatIf};
use cortensor_api::{Session, UserError};
use rust_decimal::Decimal;

use crate::output::print_json;

#[derive(Args)]
pub struct RewardsArgs {
    /// Qualifying nodes.
    #[arg(long)]
    pub nodes: u32,
    /// Role bonus in percent (0, 5 or 10 in Phase #3).
    #[arg(long, default_value = "0", value_parser = money::parse)]
    pub role_bonus: Decimal,
    /// Months of the contest counted for the base reward.
    #[arg(long, default_value = "1", value_parser = money::parse)]
    pub months: Decimal,
    /// Cap of the combined bonus, percent of base (default: the ruleset's, 40).
    #[arg(long, value_parser = money::parse)]
    pub bonus_cap: Option<Decimal>,
    /// Rank rewards in USD, added after the bonuses.
    #[arg(long, default_value = "0", value_parser = money::parse)]
    pub rank_rewards: Decimal,
    /// A ruleset file instead of the embedded Phase #3 rules.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

pub fn rewards(a: RewardsArgs) -> Result<(), UserError> {
    let rules = contest::load_rules(a.rules.as_deref())?;
    let input = RewardsInput {
        nodes: a.nodes,
        role_bonus_pct: a.role_bonus,
        months: a.months,
        bonus_cap_pct: a.bonus_cap,
        rank_rewards: a.rank_rewards,
    };
    let b = contest::compute_rewards(&input, &rules)?;
    for w in &b.warnings {
        eprintln!("warning: {w}");
    }
    if a.json {
        return print_json(&b);
    }
    println!("Rewards under {}", rules.name);
    println!("  base                ${:>10.2}", b.base);
    println!("  multi-node bonus    ${:>10.2}", b.multi_node_bonus);
    println!("  role bonus          ${:>10.2}", b.role_bonus);
    println!("  rank rewards        ${:>10.2}", b.rank_rewards);
    println!("  total               ${:>10.2}", b.total);
    if b.excess_nodes > 0 {
        println!(
            "  past the limit      ${:>10.2}  ({} node(s), not in the total)",
            b.excess_base, b.excess_nodes
        );
    }
    for n in &b.notes {
        println!("  note: {n}");
    }
    Ok(())
}

#[derive(Args)]
pub struct RankArgs {
    /// A leaderboard file or http(s) URL (default: the network's, see `leaderboard show`).
    #[arg(long)]
    pub leaderboard: Option<String>,
    /// Your operator address, for a leaderboard that publishes operators (the dashboards'
    /// do not: there your nodes, the --node's, form one operator).
    #[arg(long)]
    pub operator: Option<String>,
    /// Other operators' nodes you know: a JSON file {"0xOPERATOR": ["0xNODE", …]}.
    #[arg(long)]
    pub operators: Option<PathBuf>,
    /// What-if: NODE:FIELD=VALUE (e.g. 0xab…:uptime=0.999); repeatable.
    #[arg(long = "what-if", value_parser = WhatIf::parse)]
    pub what_if: Vec<WhatIf>,
    /// One of your nodes (repeatable); with none, this machine's nodes.
    #[arg(long = "node")]
    pub nodes: Vec<String>,
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// HTTP timeout in seconds.
    #[arg(long, default_value_t = 15.0)]
    pub timeout: f64,
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand)]
pub enum LeaderboardCommand {
    /// Where the leaderboard is read from, and why.
    Show {
        /// testnet0 or testnet1 (default: this machine's network).
        #[arg(long)]
        network: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Read the leaderboard from this http(s) address.
    Set {
        url: String,
        #[arg(long)]
        network: Option<String>,
    },
    /// Forget your address (the network's own, if it has one, is used again).
    Clear {
        #[arg(long)]
        network: Option<String>,
    },
}

pub fn leaderboard(s: &Session, c: LeaderboardCommand) -> Result<(), UserError> {
    let (r, json) = match c {
        LeaderboardCommand::Show { network, json } => {
            (contest::leaderboard_address(s, network.as_deref())?, json)
        }
        LeaderboardCommand::Set { url, network } => (
            contest::set_leaderboard_address(s, network.as_deref(), Some(&url))?,
            false,
        ),
        LeaderboardCommand::Clear { network } => (
            contest::set_leaderboard_address(s, network.as_deref(), None)?,
            false,
        ),
    };
    if json {
        return print_json(&r);
    }
    println!("{}", r.explanation);
    Ok(())
}

pub fn rank(s: &Session, a: RankArgs) -> Result<(), UserError> {
    let rules = contest::load_rules(a.rules.as_deref())?;
    if !(a.timeout.is_finite() && a.timeout > 0.0 && a.timeout <= 3600.0) {
        return Err(UserError::new(format!(
            "--timeout must be a number of seconds above 0 and at most 3600 (got {})",
            a.timeout
        )));
    }
    let store = s.store()?;
    let mut nodes = a.nodes;
    if nodes.is_empty() && a.operator.is_none() {
        nodes = cortensor_api::setup::list_nodes(s)?
            .nodes
            .into_iter()
            .map(|n| n.spec.address)
            .collect();
    }
    let others = match &a.operators {
        Some(p) => contest::read_operators_file(p)?,
        None => Default::default(),
    };
    let leaderboard = match a.leaderboard {
        Some(l) => l,
        None => {
            let known = contest::leaderboard_address(s, None)?;
            known.url.ok_or_else(|| UserError::new(known.explanation))?
        }
    };
    let req = RankRequest {
        leaderboard,
        operator: a.operator.unwrap_or_default(),
        what_ifs: a.what_if,
        local_nodes: nodes,
        others,
    };
    let r = contest::project_rank(
        &req,
        &rules,
        Some(&store),
        Some(Duration::from_secs_f64(a.timeout)),
    )?;
    if let Some(w) = &r.source.warning {
        eprintln!("warning: {w}");
    }
    if a.json {
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
    let whose = if p.operator == cortensor_api::contest::YOUR_NODES {
        "Your nodes".to_string()
    } else {
        format!("Operator {}", p.operator)
    };
    println!("{whose}: rank rewards ${:.2}", p.rank_rewards);
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

pub fn rules(rules: Option<PathBuf>, json: bool) -> Result<(), UserError> {
    let rules = contest::load_rules(rules.as_deref())?;
    if json {
        return print_json(&rules);
    }
    for line in contest::describe_rules(&rules) {
        println!("{line}");
    }
    Ok(())
}
