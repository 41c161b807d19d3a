//! `doctor`, `install`, `update`, `uninstall`, `node add|list|register`, `keys export`,
//! `adopt`, `diagnostics`.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use cortensor_api::setup::{
    self, AddNodesRequest, Backend, InstallResponse, IpfsOutcome, KeyStore, Status,
};
use cortensor_api::{Session, UserError};

use crate::output::{ask, print_json, progress_bar};

pub fn doctor(
    s: &Session,
    time_url: Option<String>,
    fix: Option<String>,
    yes: bool,
    json: bool,
) -> Result<(), UserError> {
    if let Some(id) = fix {
        print!("{}", setup::fix_plan(s, &id)?);
        let question = if id == "ipfs" {
            "Download and install it into the app's folder?"
        } else {
            "Run these steps (your administrator password is asked)?"
        };
        if !ask(question, yes) {
            return Err(UserError::new(
                "not done: answer yes (or pass --yes) to let the app run them",
            ));
        }
        for w in setup::fix(s, &id)? {
            println!("note: {w}");
        }
        println!("Done. Run `cortensor-manager doctor` again to check.");
        return Ok(());
    }
    let report = setup::doctor(s, time_url.as_deref())?;
    if json {
        return print_json(&report);
    }
    for c in &report.checks {
        let mark = match c.status {
            Status::Ok => "ok  ",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
            Status::Info => "info",
        };
        println!("[{mark}] {:<18} {}", c.title, c.explanation);
        if let Some(f) = c.fix.as_ref().filter(|_| c.status != Status::Ok) {
            let how = f
                .command
                .as_ref()
                .map(|c| format!(": {c}"))
                .or_else(|| f.url.as_ref().map(|u| format!(": {u}")))
                .unwrap_or_default();
            let auto = if f.automatic {
                format!(" (or: cortensor-manager doctor --fix {})", c.id)
            } else {
                String::new()
            };
            println!("       fix: {}{how}{auto}", f.label);
        }
    }
    println!(
        "This machine can run about {} node(s).",
        report.affordable_nodes
    );
    Ok(())
}

pub fn install(
    s: &Session,
    source: &str,
    flags: setup::InstallFlags,
    yes: bool,
    json: bool,
) -> Result<(), UserError> {
    let (bar, mut on_progress) = progress_bar(json);
    let outcome = setup::install(s, source, flags, &AtomicBool::new(false), &mut on_progress)?;
    bar.finish_and_clear();
    let mut warnings = outcome.warnings.clone();
    let (bar, mut on_progress) = progress_bar(json);
    let ipfs = match setup::ensure_ipfs(s, &AtomicBool::new(false), &mut on_progress) {
        Ok(o) => Some(o),
        Err(e) => {
            warnings.push(format!(
                "cortensord is installed, but IPFS is not: {e}. Node 1 runs the machine's IPFS \
                 server and cannot start without it; `cortensor-manager doctor --fix ipfs` retries"
            ));
            None
        }
    };
    bar.finish_and_clear();
    let found = setup::official_installs(s)?;
    let mut adopted = None;
    if let Some(official) = found.iter().find(|o| o.has_private_key) {
        let question = format!(
            "An official install was found ({}, node {}). Import its key and settings?",
            official.env_file,
            official.address.as_deref().unwrap_or("?")
        );
        if ask(&question, yes) {
            let r = setup::adopt(s, Some(PathBuf::from(&official.env_file)), true)?;
            for n in &r.notes {
                eprintln!("note: {n}");
            }
            adopted = r.adopted;
        } else if !json {
            println!(
                "An official install was found at {}; `cortensor-manager adopt` imports it.",
                official.env_file
            );
        }
    }
    let r = InstallResponse {
        install: outcome,
        ipfs,
        official_installs: found,
        adopted,
        warnings,
    };
    if json {
        return print_json(&r);
    }
    if r.install.already_current {
        println!(
            "cortensord {} is already installed and intact.",
            r.install.version
        );
    } else {
        println!(
            "Installed cortensord {} (sha256 {}).",
            r.install.version,
            &r.install.sha256[..16.min(r.install.sha256.len())]
        );
    }
    match &r.ipfs {
        Some(IpfsOutcome {
            installed: Some(k), ..
        }) => println!("Installed IPFS (kubo {}) at {}.", k.version, k.path),
        Some(IpfsOutcome { found: Some(v), .. }) => {
            println!("IPFS (kubo {v}) is already installed.")
        }
        Some(_) => println!("An IPFS daemon already runs on this machine; no node starts another."),
        None => {}
    }
    for w in &r.warnings {
        eprintln!("warning: {w}");
    }
    if let Some(n) = r.adopted {
        println!("Imported the official node {} as node {}.", n.address, n.id);
    }
    println!("Next: `cortensor-manager node add --count N` creates your nodes.");
    Ok(())
}

pub fn update(
    s: &Session,
    source: &str,
    window: f64,
    traceback_grace: f64,
    flags: setup::InstallFlags,
    json: bool,
) -> Result<(), UserError> {
    for (flag, v) in [("--window", window), ("--traceback-grace", traceback_grace)] {
        if !(v.is_finite() && v > 0.0 && v <= 86_400.0) {
            return Err(UserError::new(format!(
                "{flag} must be a number of seconds above 0 and at most a day (86400)"
            )));
        }
    }
    let (bar, mut on_progress) = progress_bar(json);
    let out = setup::update(
        s,
        source,
        Duration::from_secs_f64(window),
        Duration::from_secs_f64(traceback_grace),
        flags,
        &AtomicBool::new(false),
        &mut on_progress,
    )?;
    bar.finish_and_clear();
    if json {
        return print_json(&out);
    }
    match (&out.rolled_back, out.up_to_date) {
        (_, true) => println!("cortensord {} is up to date.", out.to),
        (Some(why), _) => println!("Update rolled back: {why}."),
        (None, _) => println!(
            "Updated cortensord {} → {}.",
            out.from.as_deref().unwrap_or("?"),
            out.to
        ),
    }
    Ok(())
}

pub fn uninstall(
    s: &Session,
    export_keys: Option<PathBuf>,
    delete_keys: bool,
    passphrase_file: Option<PathBuf>,
    yes: bool,
    json: bool,
) -> Result<(), UserError> {
    let n = setup::node_count(s)?;
    if !ask(
        &format!("Stop and remove {n} node(s), their services and cortensord?"),
        yes,
    ) {
        return Err(UserError::new(
            "nothing removed: answer yes (or pass --yes) to uninstall",
        ));
    }
    // The keys are first copied, encrypted (only a plain export followed by deleting the keys
    // goes without: the user asked for exactly that copy).
    let passphrase = if n > 0 && !(delete_keys && export_keys.is_some()) {
        Some(read_passphrase(
            passphrase_file.as_deref(),
            "Passphrase for the copy of the keys kept before uninstalling: ",
        )?)
    } else {
        None
    };
    let r = setup::uninstall(
        s,
        export_keys.as_deref(),
        delete_keys,
        passphrase.as_deref(),
    )?;
    if json {
        return print_json(&r);
    }
    if let Some(dir) = &r.key_backup {
        println!("Kept an encrypted copy of the node keys in {dir} (Ethereum keystore V3: MetaMask and geth import them with your passphrase).");
    }
    println!("Removed {} node(s) and cortensord.", r.removed_nodes);
    for w in r.warnings {
        println!("note: {w}");
    }
    Ok(())
}

/// `node add`.
#[derive(clap::Args)]
pub struct AddArgs {
    #[arg(long, default_value_t = 1)]
    pub count: u32,
    /// The network: testnet0 (Arbitrum Sepolia, default) or testnet1 (the L3).
    #[arg(long)]
    pub network: Option<String>,
    /// An RPC URL for the nodes (repeatable: several turn on upstream's multi-RPC keys). Kept
    /// as a secret. Without one the network's public endpoint is used, which limits requests.
    #[arg(long = "rpc-url")]
    pub rpc_urls: Vec<String>,
    /// Where the private keys go: `keychain` (the OS keychain) or `file` (only in each node's
    /// 0600 .env, as the official install does; for servers without a keychain).
    #[arg(long, value_parser = ["keychain", "file"])]
    pub key_store: Option<String>,
    /// Run the nodes' LLM engine on the NVIDIA GPU(s).
    #[arg(long)]
    pub gpu: bool,
    #[arg(long)]
    pub json: bool,
}

pub fn node_add(s: &Session, a: AddArgs) -> Result<(), UserError> {
    let json = a.json;
    let req = AddNodesRequest {
        count: a.count,
        network: a.network,
        rpc_urls: a.rpc_urls,
        key_store: a.key_store.as_deref().and_then(KeyStore::parse),
        gpu: a.gpu,
    };
    let r = setup::add_nodes(s, &req)?;
    if json {
        return print_json(&r);
    }
    for (n, folder) in r.nodes.iter().zip(&r.folders) {
        println!(
            "node {}  {}  LLM port {}  folder {folder}",
            n.id, n.address, n.llm_port
        );
    }
    for w in &r.warnings {
        println!("note: {w}");
    }
    if r.backend == Backend::Supervisor {
        println!("note: no per-user service manager was found; the nodes are configured but not registered as services.");
    }
    let store = match r.nodes.first().map(|n| n.key_store) {
        Some(KeyStore::File) => "in each node's .env (readable by you only)",
        _ => "in the OS keychain",
    };
    println!(
        "Keys are {store}. Next: stake ({}), then `cortensor-manager node register ID`.",
        r.staking_url
    );
    Ok(())
}

pub fn node_list(s: &Session, json: bool) -> Result<(), UserError> {
    let r = setup::list_nodes(s)?;
    if json {
        return print_json(&r);
    }
    if r.nodes.is_empty() {
        println!("No nodes yet: `cortensor-manager node add --count N` creates them.");
    }
    for n in r.nodes {
        println!(
            "node {:>2}  {}  LLM port {:<5}  registered: {:<4}  verified: {}",
            n.spec.id,
            n.spec.address,
            n.spec.llm_port,
            n.registered.as_deref().unwrap_or("-"),
            n.verified.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}

pub fn node_register(s: &Session, id: u32, json: bool) -> Result<(), UserError> {
    let r = setup::register(s, id)?;
    if json {
        return print_json(&r);
    }
    print!("{}", r.output);
    if r.registered && r.verified {
        println!("Node {} ({}) is registered and verified.", r.id, r.address);
        return Ok(());
    }
    Err(UserError::new(format!(
        "node {} could not be {}. Staking: {}",
        r.id,
        if r.registered {
            "verified"
        } else {
            "registered"
        },
        setup::staking_hint(s)?
    )))
}

/// A passphrase from the first line of `file`, else asked for twice on the terminal.
fn read_passphrase(file: Option<&Path>, prompt: &str) -> Result<String, UserError> {
    match file {
        Some(p) => Ok(std::fs::read_to_string(p)
            .map_err(|e| UserError::new(format!("cannot read {}: {e}", p.display())))?
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()),
        None => {
            if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                return Err(UserError::new(
                    "a passphrase is needed to encrypt the keys: run this in a terminal, or pass --passphrase-file FILE",
                ));
            }
            let first = rpassword::prompt_password(prompt).map_err(UserError::new)?;
            let again = rpassword::prompt_password("The same passphrase again: ")
                .map_err(UserError::new)?;
            if first != again {
                return Err(UserError::new(
                    "the two passphrases differ; nothing was written",
                ));
            }
            Ok(first)
        }
    }
}

pub fn keys_export(
    s: &Session,
    out: &Path,
    passphrase_file: Option<&Path>,
    plaintext: bool,
) -> Result<(), UserError> {
    if plaintext {
        let n = setup::export_keys(s, out)?;
        println!(
            "Wrote {n} key(s) unencrypted to {} (readable by you only). Keep it offline.",
            out.display()
        );
        return Ok(());
    }
    let passphrase = read_passphrase(passphrase_file, "Passphrase for the key files: ")?;
    let files = setup::export_keystores(s, out, &passphrase)?;
    println!(
        "Wrote {} encrypted key file(s) to {} (Ethereum keystore V3: MetaMask and geth import them with your passphrase).",
        files.len(),
        out.display()
    );
    Ok(())
}

pub fn adopt(
    s: &Session,
    env_file: Option<PathBuf>,
    yes: bool,
    json: bool,
) -> Result<(), UserError> {
    let r = setup::adopt(s, env_file, yes)?;
    for n in &r.notes {
        eprintln!("note: {n}");
    }
    if json {
        return print_json(&r);
    }
    match r.adopted {
        Some(n) => println!(
            "Imported node {} ({}) and its settings from {}.",
            n.id, n.address, r.env_file
        ),
        None => println!(
            "Imported the settings of {} (it had no private key).",
            r.env_file
        ),
    }
    Ok(())
}

pub fn rpc_set(s: &Session, urls: &[String]) -> Result<(), UserError> {
    let n = setup::set_rpc_urls(s, urls)?;
    println!(
        "Saved {} RPC URL(s); rewrote the .env of {n} node(s). `cortensor-manager node restart all` makes them use it.",
        urls.len()
    );
    Ok(())
}

pub fn rpc_show(s: &Session) -> Result<(), UserError> {
    let urls = setup::rpc_urls(s)?;
    if urls.is_empty() {
        println!("No RPC URL saved: nodes use their network's public endpoint.");
    }
    for (i, u) in urls.iter().enumerate() {
        println!("{} {u}", if i == 0 { "HOST      " } else { "RPC_HOST_n" });
    }
    Ok(())
}

pub fn update_check(s: &Session, source: &str, json: bool) -> Result<(), UserError> {
    let c = setup::check_update(s, source)?;
    if json {
        return print_json(&c);
    }
    match (c.update_available, &c.installed) {
        (true, Some(i)) => println!(
            "cortensord {} is available at {} (installed: {i}). `cortensor-manager update` installs it.",
            c.available, c.source
        ),
        (true, None) => println!(
            "cortensord {} is available at {}; nothing is installed yet.",
            c.available, c.source
        ),
        (false, _) => println!("cortensord {} is the newest at {}.", c.available, c.source),
    }
    Ok(())
}

pub fn autostart(s: &Session, what: &str) -> Result<(), UserError> {
    let on = match what {
        "on" => setup::set_autostart(s, true, &crate::output::own_exe()?)?,
        "off" => setup::set_autostart(s, false, &crate::output::own_exe()?)?,
        _ => setup::autostart(s)?,
    };
    println!(
        "{}",
        if on {
            "Your nodes start when you log in."
        } else {
            "Your nodes do not start by themselves after a restart: `cortensor-manager autostart on` changes that."
        }
    );
    Ok(())
}
