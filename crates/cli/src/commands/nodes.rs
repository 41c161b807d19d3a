//! `node start|stop|restart|status|logs`.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use cortensor_api::nodes::{self, Action, NodeLog, NodeSelection, StatusWatch};
use cortensor_api::{Session, UserError};

use crate::output::print_json;

pub fn control(s: &Session, which: &str, action: Action) -> Result<(), UserError> {
    let selection: NodeSelection = which.parse()?;
    let exe = crate::output::own_exe()?;
    let r = nodes::control(s, selection, action, &exe)?;
    for note in &r.notes {
        println!("note: {note}");
    }
    let verb = match action {
        Action::Start => "start",
        Action::Stop => "stop",
        Action::Restart => "restart",
    };
    println!(
        "Asked node(s) {} to {verb}. `cortensor-manager node status` shows their state.",
        r.nodes
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

pub fn status(s: &Session, json: bool, watch: bool) -> Result<(), UserError> {
    let mut w = StatusWatch::open(s)?;
    loop {
        let r = w.next()?;
        if json {
            print_json(&r)?;
        } else {
            if watch && std::io::stdout().is_terminal() {
                print!("\x1b[2J\x1b[H");
            }
            if let Some(v) = &r.update_available {
                println!("Update available: cortensord {v} (`cortensor-manager update`); outdated nodes are refused by the network.");
            }
            println!(
                "{:>4}  {:<42}  {:<9}  {:>7}  {:>8}  {:>9}  {:>13}  reason",
                "node", "address", "state", "pid", "restarts", "up 24h", "balance"
            );
            let mut low = Vec::new();
            let mut not_earning = Vec::new();
            for n in &r.nodes {
                let rt = r.runtime.iter().find(|x| x.node_id == n.spec.id);
                let h = r.health.iter().find(|h| h.id == n.spec.id);
                let state = h
                    .map(|h| h.state.name())
                    .unwrap_or_else(|| rt.map_or("stopped", |x| x.state.as_str()));
                let reason = h
                    .map(|h| h.reason.as_str())
                    .unwrap_or_else(|| rt.map_or("", |x| x.reason.as_str()));
                let up = match h.and_then(|h| h.uptime.as_ref()) {
                    Some(u) if u.seen_minutes_24h == 0 => "-".to_string(),
                    Some(u) if u.measuring => "measuring".to_string(),
                    Some(u) => u
                        .last_24h_pct
                        .map_or("-".to_string(), |p| format!("{p:.1}%")),
                    None => "-".to_string(),
                };
                if let Some(e) = h.map(|h| &h.earning).filter(|e| !e.earning) {
                    not_earning.push(format!(
                        "Node {} is not earning: {}{}",
                        n.spec.id,
                        e.blocker.as_deref().unwrap_or("unknown"),
                        e.action
                            .as_deref()
                            .map(|a| format!(" ({a})"))
                            .unwrap_or_default()
                    ));
                }
                let b = h.and_then(|h| h.balance.as_ref());
                if let Some(b) = b.filter(|b| b.low) {
                    low.push(format!(
                        "Node {} has {}, below {}: send ETH on {} to {}",
                        n.spec.id,
                        b.eth.as_deref().unwrap_or("?"),
                        b.min_eth,
                        n.spec.network,
                        n.spec.address
                    ));
                }
                let balance = b
                    .and_then(|b| b.eth.clone())
                    .unwrap_or_else(|| "-".to_string());
                println!(
                    "{:>4}  {:<42}  {:<9}  {:>7}  {:>8}  {:>9}  {:>13}  {}",
                    n.spec.id,
                    n.spec.address,
                    state,
                    rt.and_then(|x| x.pid)
                        .map_or("-".to_string(), |p| p.to_string()),
                    rt.map_or(0, |x| x.restarts),
                    up,
                    balance,
                    reason
                );
            }
            for l in not_earning.iter().chain(&low) {
                println!("⚠ {l}");
            }
            for a in &r.alerts {
                println!("alert #{}: {} (`alerts dismiss {}`)", a.id, a.message, a.id);
            }
        }
        if !watch {
            return Ok(());
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

pub fn alerts(s: &Session, all: bool, json: bool) -> Result<(), UserError> {
    let list = if all {
        cortensor_api::nodes::recent_alerts(s, 24 * 90)?
    } else {
        cortensor_api::nodes::active_alerts(s)?
    };
    if json {
        return print_json(&list);
    }
    if list.is_empty() {
        println!(
            "{}",
            if all {
                "No alerts in the last 90 days."
            } else {
                "No open alerts."
            }
        );
    }
    for a in &list {
        let state = match (a.resolved_at, a.dismissed_at) {
            (Some(_), _) => " (resolved)",
            (None, Some(_)) => " (dismissed)",
            _ => "",
        };
        println!("#{:<5} {}{state}", a.id, a.message);
    }
    Ok(())
}

pub fn dismiss_alert(s: &Session, id: i64) -> Result<(), UserError> {
    cortensor_api::nodes::dismiss_alert(s, id)?;
    println!("Alert {id} dismissed (`alerts --all` still lists it).");
    Ok(())
}

pub fn logs(s: &Session, id: u32, follow: bool, lines: usize) -> Result<(), UserError> {
    // The same follower the monitor and the app use: it reads across copy-truncate rotations.
    let (mut live, backlog) = NodeLog::open(s, id, lines)?;
    let mut out = std::io::stdout().lock();
    for l in &backlog {
        writeln!(out, "{l}").map_err(UserError::new)?;
    }
    while follow {
        out.flush().map_err(UserError::new)?;
        std::thread::sleep(Duration::from_millis(200));
        for l in live.poll().map(|b| b.lines).unwrap_or_default() {
            writeln!(out, "{l}").map_err(UserError::new)?;
        }
    }
    Ok(())
}
