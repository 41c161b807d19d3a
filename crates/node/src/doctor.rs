//! `doctor`: is this machine ready to run nodes? Facts are gathered at the edge ([`gather`],
//! through a [`Runner`] for the external tools); [`evaluate`] turns them into checks, each with a
//! status, a plain-language explanation and a fix.

use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use crate::platform::clock::now_unix;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::network::NetworkProfile;
use crate::platform::exec::Runner;
use crate::platform::{Arch, Os};

const GIB: u64 = 1 << 30;
/// Community sizing per node (no official table): about 6 cores, 12–16 GB RAM, 100 GB disk.
pub const NODE_DISK_GIB: u64 = 100;
pub const NODE_RAM_GIB: u64 = 12;
pub const NODE_CORES: u32 = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Status {
    Ok,
    Warn,
    Fail,
    Info,
}

/// Something the user (or the app, with consent) can do about a check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Fix {
    pub label: String,
    /// A command to run in a terminal.
    pub command: Option<String>,
    /// Instructions to read.
    pub url: Option<String>,
    /// The app can do it for the user (`doctor --fix ID`), after asking.
    pub automatic: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Check {
    pub id: String,
    pub title: String,
    pub status: Status,
    pub explanation: String,
    pub fix: Option<Fix>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Gpu {
    pub name: String,
    #[ts(type = "number")]
    pub memory_total_mib: u64,
    #[ts(type = "number")]
    pub memory_used_mib: u64,
    pub utilization_pct: u32,
    pub temperature_c: Option<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DockerState {
    Missing,
    /// Installed, but its daemon does not answer.
    NotRunning(String),
    /// The daemon runs but this user may not use it.
    NoPermission(String),
    Ready(String),
}

/// Everything `evaluate` needs, gathered from the machine.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub os: Os,
    pub arch: Option<Arch>,
    pub arch_name: String,
    pub cores: u32,
    pub ram_total: u64,
    pub disk_free: Option<u64>,
    pub gpus: Option<Vec<Gpu>>,
    pub docker: DockerState,
    /// kubo's version (`ipfs version --number`): the app's own `bin/ipfs` first, then `PATH`.
    pub ipfs: Option<String>,
    /// An IPFS daemon already answers on this machine (kubo's API port 5001).
    pub ipfs_listening: bool,
    /// The node of this machine that runs the IPFS server (`ENABLE_IPFS_SERVER=1`), if any.
    pub ipfs_server_node: Option<u32>,
    /// The kubo release the network pins, for the fix's label.
    pub ipfs_pinned: String,
    /// NVIDIA Container Toolkit, which GPU nodes' containers need: `nvidia-ctk --version`, or
    /// Docker's `nvidia` runtime. `None`: not found.
    pub nvidia_toolkit: Option<String>,
    pub busy_ports: Vec<u16>,
    /// Seconds this clock is ahead of the reference (None: could not check).
    pub clock_skew_secs: Option<i64>,
    pub user: String,
}

/// Parse `nvidia-smi --query-gpu=name,memory.total,memory.used,utilization.gpu,temperature.gpu
/// --format=csv,noheader,nounits`. Lines that do not parse are skipped.
pub fn parse_nvidia_smi(text: &str) -> Vec<Gpu> {
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split(',').map(str::trim).collect();
            if f.len() < 4 || f[0].is_empty() {
                return None;
            }
            Some(Gpu {
                name: f[0].to_string(),
                memory_total_mib: f[1].parse().ok()?,
                memory_used_mib: f[2].parse().ok()?,
                utilization_pct: f[3].parse().ok()?,
                temperature_c: f.get(4).and_then(|t| t.parse().ok()),
            })
        })
        .collect()
}

pub const NVIDIA_SMI_ARGS: [&str; 2] = [
    "--query-gpu=name,memory.total,memory.used,utilization.gpu,temperature.gpu",
    "--format=csv,noheader,nounits",
];

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

/// Probe Docker: client installed? daemon up? usable by this user?
pub fn probe_docker(runner: &mut dyn Runner) -> DockerState {
    match runner.run(
        "docker",
        &args(&["version", "--format", "{{.Server.Version}}"]),
    ) {
        Ok(v) => DockerState::Ready(v.trim().to_string()),
        Err(e) if e.contains("not installed or not on PATH") => DockerState::Missing,
        Err(e) if e.to_ascii_lowercase().contains("permission denied") => {
            DockerState::NoPermission(e)
        }
        Err(e) => DockerState::NotRunning(e),
    }
}

/// Whether an IPFS daemon already answers on this machine (kubo's API port): then no node of
/// ours runs the IPFS server.
pub fn ipfs_daemon_running() -> bool {
    std::net::TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], 5001)),
        std::time::Duration::from_millis(300),
    )
    .is_ok()
}

/// kubo's version: the app's own `ipfs` (`app_ipfs`) first, then the one on `PATH`.
pub fn ipfs_version(runner: &mut dyn Runner, app_ipfs: Option<&Path>) -> Option<String> {
    let version = args(&["version", "--number"]);
    app_ipfs
        .and_then(|p| runner.run(&p.display().to_string(), &version).ok())
        .or_else(|| runner.run("ipfs", &version).ok())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// NVIDIA Container Toolkit: `nvidia-ctk --version`'s first line, else Docker's `nvidia` runtime.
pub fn probe_nvidia_toolkit(runner: &mut dyn Runner) -> Option<String> {
    if let Ok(out) = runner.run("nvidia-ctk", &args(&["--version"])) {
        if let Some(line) = out.lines().map(str::trim).find(|l| !l.is_empty()) {
            return Some(line.to_string());
        }
    }
    runner
        .run("docker", &args(&["info", "--format", "{{json .Runtimes}}"]))
        .ok()
        .filter(|runtimes| has_nvidia_runtime(runtimes))
        .map(|_| "Docker's nvidia runtime".to_string())
}

/// Whether `docker info --format '{{json .Runtimes}}'` lists an `nvidia` runtime.
pub fn has_nvidia_runtime(json: &str) -> bool {
    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(json.trim())
        .is_ok_and(|m| m.keys().any(|k| k == "nvidia" || k.starts_with("nvidia-")))
}

/// The CPU's brand as the OS names it (empty when it does not say).
pub fn cpu_brand() -> String {
    sysinfo::System::new()
        .ok()
        .and_then(|mut sys| {
            sys.refresh_cpu_list(sysinfo::CpuRefreshKind::nothing());
            sys.cpus().first().map(|c| c.brand().to_string())
        })
        .unwrap_or_default()
}

/// Gather the facts of this machine. `app_ipfs` is the app's own `ipfs` (in its `bin/`), and
/// `ipfs_server_node` the node that runs the machine's IPFS server.
pub fn gather(
    runner: &mut dyn Runner,
    data_dir: &Path,
    profile: &NetworkProfile,
    time_url: Option<&str>,
    app_ipfs: Option<&Path>,
    ipfs_server_node: Option<u32>,
) -> Facts {
    let mut sys = sysinfo::System::new().ok();
    if let Some(s) = sys.as_mut() {
        s.refresh_memory();
    }
    let cores = std::thread::available_parallelism()
        .map(|n| n.get() as u32)
        .unwrap_or(1);
    let disk_free = free_space(data_dir);
    let gpus = runner
        .run("nvidia-smi", &args(&NVIDIA_SMI_ARGS))
        .ok()
        .map(|o| parse_nvidia_smi(&o));
    let ipfs = ipfs_version(runner, app_ipfs);
    let nvidia_toolkit = match &gpus {
        Some(g) if !g.is_empty() => probe_nvidia_toolkit(runner),
        _ => None,
    };
    let p = &profile.ports;
    let busy_ports = [p.llm, p.llm_worker_base, p.llm_gateway_worker_base]
        .into_iter()
        .filter(|port| !crate::nodes::port_is_free(*port))
        .collect();
    Facts {
        os: Os::current(),
        arch: Arch::current(),
        arch_name: std::env::consts::ARCH.to_string(),
        cores,
        ram_total: sys.as_ref().map_or(0, |s| s.total_memory()),
        disk_free,
        gpus,
        docker: probe_docker(runner),
        ipfs,
        ipfs_listening: ipfs_daemon_running(),
        ipfs_server_node,
        ipfs_pinned: profile.ipfs.version.clone(),
        nvidia_toolkit,
        busy_ports,
        clock_skew_secs: time_url.and_then(clock_skew),
        user: std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_default(),
    }
}

/// Free bytes on the disk holding `dir` (or its nearest existing parent).
pub fn free_space(dir: &Path) -> Option<u64> {
    let existing = dir.ancestors().find(|p| p.exists())?;
    let canon = existing.canonicalize().ok()?;
    let disks = sysinfo::Disks::new_with_refreshed_list().ok()?;
    disks
        .iter()
        .filter(|d| canon.starts_with(d.mount_point()))
        .max_by_key(|d| d.mount_point().as_os_str().len())
        .map(|d| d.available_space())
}

/// Seconds this clock is ahead of the `Date` header of `url`.
pub fn clock_skew(url: &str) -> Option<i64> {
    let agent = crate::platform::http::agent(crate::platform::http::Timeouts::Global(
        Duration::from_secs(5),
    ));
    let before = now_unix();
    let resp = agent.head(url).call().ok()?;
    let date = resp.headers().get("date")?.to_str().ok()?;
    let theirs = httpdate::parse_http_date(date)
        .ok()?
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_secs() as i64;
    // Our clock at the middle of the exchange (the server stamped its answer in between).
    let ours = (before + now_unix()) / 2;
    Some(ours - theirs)
}

fn gib(b: u64) -> String {
    format!("{:.0} GB", b as f64 / GIB as f64)
}

fn fix(label: &str, command: Option<String>, url: Option<&str>, automatic: bool) -> Option<Fix> {
    Some(Fix {
        label: label.into(),
        command,
        url: url.map(str::to_string),
        automatic,
    })
}

/// What "fix it for me" runs for Docker in the state it is in: install it (Linux, through the
/// package manager), start it (Linux: `systemctl`; macOS: open Docker Desktop), or let the user
/// use it — with the administrator's consent asked by polkit's `pkexec` where it needs one.
pub fn docker_fix_plan(
    state: &DockerState,
    os: Os,
    user: &str,
) -> Option<crate::services::plan::Plan> {
    use crate::services::plan::{Plan, Step};
    let step = |program: &str, args: &[&str], why: &str| Step::Run {
        program: program.into(),
        args: args.iter().map(|s| s.to_string()).collect(),
        why: why.into(),
        optional: false,
    };
    match (state, os) {
        (DockerState::Missing, _) => fix_plan("docker", os, user),
        (DockerState::NotRunning(_), Os::Linux) => Some(Plan {
            os,
            steps: vec![step(
                "pkexec",
                &["systemctl", "enable", "--now", "docker"],
                "start Docker now and at boot",
            )],
        }),
        (DockerState::NotRunning(_), Os::Macos) => Some(Plan {
            os,
            steps: vec![step("open", &["-a", "Docker"], "open Docker Desktop")],
        }),
        (DockerState::NoPermission(_), Os::Linux) if !user.is_empty() => Some(Plan {
            os,
            steps: vec![step(
                "pkexec",
                &["usermod", "-aG", "docker", user],
                "let you use Docker (takes effect at your next login)",
            )],
        }),
        _ => None,
    }
}

/// What "fix it for me" runs for a check, as a plan (only Docker on Linux, through the OS package
/// manager, with the administrator's consent asked by polkit's `pkexec`).
pub fn fix_plan(check_id: &str, os: Os, user: &str) -> Option<crate::services::plan::Plan> {
    use crate::services::plan::{Plan, Step};
    let run = |args: &[&str], why: &str| Step::Run {
        program: "pkexec".into(),
        args: args.iter().map(|s| s.to_string()).collect(),
        why: why.into(),
        optional: false,
    };
    match (check_id, os) {
        ("docker", Os::Linux) if !user.is_empty() => Some(Plan {
            os,
            steps: vec![
                run(
                    &["apt-get", "install", "-y", "docker.io"],
                    "install Docker from your distribution",
                ),
                run(
                    &["systemctl", "enable", "--now", "docker"],
                    "start Docker now and at boot",
                ),
                run(
                    &["usermod", "-aG", "docker", user],
                    "let you use Docker (takes effect at your next login)",
                ),
            ],
        }),
        _ => None,
    }
}

/// What one node needs (community sizing; no official table), for the app's words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PerNode {
    pub cores: u32,
    pub ram_gib: u32,
    pub disk_gib: u32,
}

pub const PER_NODE: PerNode = PerNode {
    cores: NODE_CORES,
    ram_gib: NODE_RAM_GIB as u32,
    disk_gib: NODE_DISK_GIB as u32,
};

/// Which resource limits the node count, in words ("RAM: 64 GB fits 5 nodes of 12 GB").
pub fn limited_by(f: &Facts) -> String {
    let by_cores = f.cores / NODE_CORES;
    let by_ram = (f.ram_total / (NODE_RAM_GIB * GIB)) as u32;
    let by_disk = f
        .disk_free
        .map_or(u32::MAX, |d| (d / (NODE_DISK_GIB * GIB)) as u32);
    let n = by_cores.min(by_ram).min(by_disk);
    let plural = |n: u32| if n == 1 { "node" } else { "nodes" };
    if n == by_cores {
        format!(
            "CPU: {} cores fit {n} {} of {NODE_CORES} cores",
            f.cores,
            plural(n)
        )
    } else if n == by_ram {
        format!(
            "RAM: {} fits {n} {} of {NODE_RAM_GIB} GB",
            gib(f.ram_total),
            plural(n)
        )
    } else {
        format!(
            "disk: {} free fits {n} {} of {NODE_DISK_GIB} GB",
            gib(f.disk_free.unwrap_or(0)),
            plural(n)
        )
    }
}

/// How many nodes this machine can afford (by cores, RAM and disk), 1–25.
pub fn affordable_nodes(f: &Facts) -> u32 {
    let by_cores = f.cores / NODE_CORES;
    let by_ram = (f.ram_total / (NODE_RAM_GIB * GIB)) as u32;
    let by_disk = f
        .disk_free
        .map_or(u32::MAX, |d| (d / (NODE_DISK_GIB * GIB)) as u32);
    by_cores
        .min(by_ram)
        .min(by_disk)
        .clamp(1, crate::nodes::MAX_NODES)
}

/// The checks, in the order the wizard shows them.
pub fn evaluate(f: &Facts) -> Vec<Check> {
    let mut out = Vec::new();
    let mut push =
        |id: &str, title: &str, status: Status, explanation: String, fix: Option<Fix>| {
            out.push(Check {
                id: id.into(),
                title: title.into(),
                status,
                explanation,
                fix,
            })
        };

    match (f.os, f.arch) {
        (_, None) => push("platform", "Operating system", Status::Fail, format!("Cortensor publishes no cortensord for {} processors.", f.arch_name), None),
        (Os::Linux, Some(Arch::X86_64)) | (Os::Macos, Some(Arch::Aarch64)) => {
            push("platform", "Operating system", Status::Ok, format!("{} on {} is supported.", f.os.name(), f.arch_name), None)
        }
        (Os::Linux, Some(Arch::Aarch64)) => push("platform", "Operating system", Status::Fail, "Cortensor publishes no cortensord for ARM Linux yet.".into(), None),
        (os, Some(_)) => push(
            "platform",
            "Operating system",
            Status::Fail,
            format!("There is no current cortensord for {} on {}: the file upstream predates the current network, which would refuse it.", os.name(), f.arch_name),
            fix("Run your nodes on a Linux x86-64 machine (a server, or WSL2 on Windows)", None, Some("https://docs.cortensor.network"), false),
        ),
    }

    let need_disk = NODE_DISK_GIB * GIB;
    match f.disk_free {
        None => push(
            "disk",
            "Free disk space",
            Status::Warn,
            "Could not read the free space of the data folder.".into(),
            None,
        ),
        Some(d) if d < 5 * GIB => push(
            "disk",
            "Free disk space",
            Status::Fail,
            format!(
                "Only {} free: not enough to install cortensord and the LLM images.",
                gib(d)
            ),
            fix(
                "Free disk space or choose another data folder (--data-dir)",
                None,
                None,
                false,
            ),
        ),
        Some(d) if d < need_disk => push(
            "disk",
            "Free disk space",
            Status::Warn,
            format!(
                "{} free; a node needs about {} for its LLM images and data.",
                gib(d),
                gib(need_disk)
            ),
            fix("Free disk space", None, None, false),
        ),
        Some(d) => push(
            "disk",
            "Free disk space",
            Status::Ok,
            format!("{} free: room for about {} node(s).", gib(d), d / need_disk),
            None,
        ),
    }

    let need_ram = NODE_RAM_GIB * GIB;
    if f.ram_total < 8 * GIB {
        push(
            "ram",
            "Memory",
            Status::Fail,
            format!(
                "{} of RAM; a node needs about {}.",
                gib(f.ram_total),
                gib(need_ram)
            ),
            None,
        );
    } else if f.ram_total < need_ram {
        push(
            "ram",
            "Memory",
            Status::Warn,
            format!(
                "{} of RAM; about {} per node is recommended.",
                gib(f.ram_total),
                gib(need_ram)
            ),
            None,
        );
    } else {
        push(
            "ram",
            "Memory",
            Status::Ok,
            format!(
                "{} of RAM: enough for about {} node(s).",
                gib(f.ram_total),
                f.ram_total / need_ram
            ),
            None,
        );
    }

    if f.cores < 4 {
        push(
            "cpu",
            "Processor",
            Status::Warn,
            format!(
                "{} cores; about {NODE_CORES} per node are recommended.",
                f.cores
            ),
            None,
        );
    } else {
        push(
            "cpu",
            "Processor",
            Status::Ok,
            format!("{} cores.", f.cores),
            None,
        );
    }

    match &f.gpus {
        None => push("gpu", "GPU", Status::Info, "No NVIDIA GPU found (nvidia-smi is not available): nodes run their LLM on the CPU, which the contest accepts.".into(), None),
        Some(g) if g.is_empty() => push("gpu", "GPU", Status::Info, "nvidia-smi found no GPU: nodes run on the CPU.".into(), None),
        Some(g) => {
            let list: Vec<String> = g.iter().map(|x| format!("{} ({} MiB)", x.name, x.memory_total_mib)).collect();
            push("gpu", "GPU", Status::Ok, format!("{}: nodes can run their LLM on the GPU (choose GPU when adding nodes).", list.join(", ")), None);
            match &f.nvidia_toolkit {
                Some(v) => push("gpu_toolkit", "NVIDIA Container Toolkit", Status::Ok, format!("{v}: GPU nodes' containers can use the GPU."), None),
                None => push(
                    "gpu_toolkit",
                    "NVIDIA Container Toolkit",
                    Status::Warn,
                    "The NVIDIA Container Toolkit is not installed (no nvidia-ctk, no nvidia runtime in Docker): GPU nodes' LLM containers cannot see the GPU. CPU nodes are not affected.".into(),
                    fix(
                        "Install the NVIDIA Container Toolkit",
                        (f.os == Os::Linux).then(|| "sudo apt-get install -y nvidia-container-toolkit && sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker".to_string()),
                        Some("https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/install-guide.html"),
                        false,
                    ),
                ),
            }
        }
    }

    let docker_install = match f.os {
        Os::Linux => fix(
            "Install Docker",
            Some("sudo apt-get install -y docker.io && sudo systemctl enable --now docker && sudo usermod -aG docker $USER".into()),
            Some("https://docs.docker.com/engine/install/"),
            fix_plan("docker", Os::Linux, &f.user).is_some(),
        ),
        Os::Macos => fix("Install Docker Desktop", None, Some("https://docs.docker.com/desktop/setup/install/mac-install/"), false),
        Os::Windows => fix("Install Docker Desktop", None, Some("https://docs.docker.com/desktop/setup/install/windows-install/"), false),
    };
    match &f.docker {
        DockerState::Missing => push(
            "docker",
            "Docker",
            Status::Fail,
            "Docker is not installed. Nodes run their LLM workers in Docker containers.".into(),
            docker_install,
        ),
        DockerState::NotRunning(why) => push(
            "docker",
            "Docker",
            Status::Fail,
            format!(
                "Docker is installed but not running ({}).",
                why.lines().next().unwrap_or("")
            ),
            match f.os {
                Os::Linux => fix(
                    "Start Docker",
                    Some("sudo systemctl enable --now docker".into()),
                    None,
                    true,
                ),
                Os::Macos => fix(
                    "Open Docker Desktop",
                    Some("open -a Docker".into()),
                    None,
                    true,
                ),
                Os::Windows => fix(
                    "Open Docker Desktop",
                    None,
                    Some("https://docs.docker.com/desktop/setup/install/windows-install/"),
                    false,
                ),
            },
        ),
        DockerState::NoPermission(_) => push(
            "docker",
            "Docker",
            Status::Fail,
            format!(
                "Docker runs, but {} may not use it.",
                if f.user.is_empty() {
                    "this user"
                } else {
                    &f.user
                }
            ),
            fix(
                "Allow your user to use Docker, then log out and in",
                Some(format!(
                    "sudo usermod -aG docker {}",
                    if f.user.is_empty() { "$USER" } else { &f.user }
                )),
                None,
                f.os == Os::Linux && !f.user.is_empty(),
            ),
        ),
        DockerState::Ready(v) => push(
            "docker",
            "Docker",
            Status::Ok,
            format!("Docker {v} is running and usable."),
            None,
        ),
    }

    let install_kubo = || {
        fix(
            &format!("Install kubo {}", f.ipfs_pinned),
            None,
            Some("https://docs.ipfs.tech/install/command-line/"),
            true,
        )
    };
    match (&f.ipfs, f.ipfs_listening, f.ipfs_server_node) {
        (Some(v), _, _) => push("ipfs", "IPFS", Status::Ok, format!("IPFS (kubo) {v} is installed."), None),
        (None, true, _) => push("ipfs", "IPFS", Status::Ok, "An IPFS daemon already answers on this machine (port 5001); no node runs its own IPFS server.".into(), None),
        (None, false, Some(id)) => push(
            "ipfs",
            "IPFS",
            Status::Fail,
            format!("Node {id} runs this machine's IPFS server, but IPFS (kubo) is not installed: it cannot start. The app installs kubo {} into its own folder.", f.ipfs_pinned),
            install_kubo(),
        ),
        (None, false, None) => push(
            "ipfs",
            "IPFS",
            Status::Warn,
            format!("IPFS (kubo) is not installed; the first node of a machine runs the IPFS server. The app installs kubo {} (the version Cortensor pins) with cortensord.", f.ipfs_pinned),
            install_kubo(),
        ),
    }

    if f.busy_ports.is_empty() {
        push(
            "ports",
            "Network ports",
            Status::Ok,
            "The first node's ports are free.".into(),
            None,
        );
    } else {
        let list: Vec<String> = f.busy_ports.iter().map(u16::to_string).collect();
        push(
            "ports",
            "Network ports",
            Status::Info,
            format!(
                "Ports {} are in use; nodes will use the next free ones.",
                list.join(", ")
            ),
            None,
        );
    }

    match f.clock_skew_secs {
        None => push("clock", "Clock", Status::Info, "Could not compare the clock with the network (offline?).".into(), None),
        Some(s) if s.abs() > 60 => push(
            "clock",
            "Clock",
            Status::Fail,
            format!("This computer's clock is {} s {}; transactions and sessions need an accurate clock.", s.abs(), if s > 0 { "ahead" } else { "behind" }),
            fix("Turn on automatic time (NTP)", match f.os { Os::Linux => Some("sudo timedatectl set-ntp true".into()), _ => None }, None, false),
        ),
        Some(s) => push("clock", "Clock", Status::Ok, format!("The clock is accurate (within {} s).", s.abs().max(1)), None),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured from a machine with two GPUs (nvidia-smi 535), plus a garbage line.
    const SMI: &str = "NVIDIA GeForce RTX 3090, 24576, 1043, 7, 46\nNVIDIA A100-SXM4-40GB, 40960, 0, 0, [N/A]\nNo devices were found\n";

    #[test]
    fn parses_nvidia_smi() {
        let g = parse_nvidia_smi(SMI);
        assert_eq!(g.len(), 2);
        assert_eq!(
            g[0],
            Gpu {
                name: "NVIDIA GeForce RTX 3090".into(),
                memory_total_mib: 24576,
                memory_used_mib: 1043,
                utilization_pct: 7,
                temperature_c: Some(46)
            }
        );
        assert_eq!(g[1].temperature_c, None);
        assert!(parse_nvidia_smi("").is_empty());
    }

    fn facts() -> Facts {
        Facts {
            os: Os::Linux,
            arch: Some(Arch::X86_64),
            arch_name: "x86_64".into(),
            cores: 16,
            ram_total: 64 * GIB,
            disk_free: Some(500 * GIB),
            gpus: None,
            docker: DockerState::Ready("28.2.2".into()),
            ipfs: Some("0.34.1".into()),
            ipfs_listening: false,
            ipfs_server_node: None,
            ipfs_pinned: "v0.33.0".into(),
            nvidia_toolkit: None,
            busy_ports: vec![],
            clock_skew_secs: Some(2),
            user: "ann".into(),
        }
    }

    fn status(f: &Facts, id: &str) -> Status {
        evaluate(f).into_iter().find(|c| c.id == id).unwrap().status
    }

    #[test]
    fn docker_fix_plan() {
        let plan = fix_plan("docker", Os::Linux, "ann").unwrap().to_string();
        assert!(
            plan.contains("run pkexec apt-get install -y docker.io"),
            "{plan}"
        );
        assert!(plan.contains("run pkexec usermod -aG docker ann"), "{plan}");
        assert!(
            fix_plan("docker", Os::Macos, "ann").is_none(),
            "Docker Desktop is installed by the user"
        );
        assert!(fix_plan("clock", Os::Linux, "ann").is_none());
    }

    #[test]
    fn the_docker_fix_fits_what_is_wrong() {
        let stopped = DockerState::NotRunning("Cannot connect to the Docker daemon".into());
        let plan = super::docker_fix_plan(&stopped, Os::Linux, "ann")
            .unwrap()
            .to_string();
        assert!(
            plan.contains("run pkexec systemctl enable --now docker"),
            "{plan}"
        );
        assert!(
            !plan.contains("apt-get"),
            "a stopped Docker is started, not reinstalled: {plan}"
        );
        let plan = super::docker_fix_plan(&stopped, Os::Macos, "ann")
            .unwrap()
            .to_string();
        assert!(plan.contains("run open -a Docker"), "{plan}");
        assert!(super::docker_fix_plan(&stopped, Os::Windows, "ann").is_none());
        let denied = DockerState::NoPermission("permission denied".into());
        let plan = super::docker_fix_plan(&denied, Os::Linux, "ann")
            .unwrap()
            .to_string();
        assert!(
            plan.contains("run pkexec usermod -aG docker ann") && !plan.contains("systemctl"),
            "{plan}"
        );
        let plan = super::docker_fix_plan(&DockerState::Missing, Os::Linux, "ann")
            .unwrap()
            .to_string();
        assert!(plan.contains("apt-get install"), "{plan}");
        assert!(
            super::docker_fix_plan(&DockerState::Ready("28".into()), Os::Linux, "ann").is_none()
        );
    }

    #[test]
    fn nvidia_runtime_is_read_from_docker_info() {
        // `docker info --format '{{json .Runtimes}}'` after `nvidia-ctk runtime configure`.
        let configured = r#"{"io.containerd.runc.v2":{"path":"runc"},"nvidia":{"path":"nvidia-container-runtime"},"runc":{"path":"runc"}}"#;
        assert!(has_nvidia_runtime(configured));
        assert!(!has_nvidia_runtime(
            r#"{"io.containerd.runc.v2":{"path":"runc"},"runc":{"path":"runc"}}"#
        ));
        assert!(!has_nvidia_runtime("Cannot connect to the Docker daemon"));
        assert!(!has_nvidia_runtime(r#"{"runc":{"path":"nvidia"}}"#));
    }

    #[test]
    fn a_good_machine_is_all_green_and_affords_nodes() {
        let f = facts();
        assert!(
            evaluate(&f)
                .iter()
                .all(|c| matches!(c.status, Status::Ok | Status::Info)),
            "{:#?}",
            evaluate(&f)
        );
        // 16 cores / 6 = 2; 64 GB / 12 = 5; 500 GB / 100 = 5 → 2.
        assert_eq!(affordable_nodes(&f), 2);
        assert_eq!(limited_by(&f), "CPU: 16 cores fit 2 nodes of 6 cores");
        let mut g = f.clone();
        g.cores = 64;
        assert_eq!(limited_by(&g), "RAM: 64 GB fits 5 nodes of 12 GB");
        g.disk_free = Some(250 * GIB);
        assert_eq!(limited_by(&g), "disk: 250 GB free fits 2 nodes of 100 GB");
    }

    #[test]
    fn problems_come_with_fixes() {
        let mut f = facts();
        f.docker = DockerState::Missing;
        let c = evaluate(&f).into_iter().find(|c| c.id == "docker").unwrap();
        assert_eq!(c.status, Status::Fail);
        assert!(c.fix.as_ref().unwrap().automatic);
        f.docker = DockerState::NoPermission(
            "permission denied while trying to connect to the Docker daemon socket".into(),
        );
        let c = evaluate(&f).into_iter().find(|c| c.id == "docker").unwrap();
        assert_eq!(
            c.fix.unwrap().command.unwrap(),
            "sudo usermod -aG docker ann"
        );
        f.clock_skew_secs = Some(-300);
        assert_eq!(status(&f, "clock"), Status::Fail);
        f.disk_free = Some(50 * GIB);
        assert_eq!(status(&f, "disk"), Status::Warn);
        f.disk_free = Some(GIB);
        assert_eq!(status(&f, "disk"), Status::Fail);
        f.arch = None;
        f.arch_name = "riscv64".into();
        assert_eq!(status(&f, "platform"), Status::Fail);
        // Windows and Intel Macs: the upstream files predate the network: a failure, with what to do.
        for (os, arch) in [(Os::Windows, Arch::X86_64), (Os::Macos, Arch::X86_64)] {
            let mut g = f.clone();
            g.os = os;
            g.arch = Some(arch);
            let c = evaluate(&g)
                .into_iter()
                .find(|c| c.id == "platform")
                .unwrap();
            assert_eq!(c.status, Status::Fail, "{os:?}");
            assert!(
                c.explanation.contains("no current cortensord"),
                "{}",
                c.explanation
            );
            assert!(c.fix.unwrap().label.contains("Linux x86-64"));
        }
        f.gpus = Some(parse_nvidia_smi(SMI));
        assert!(evaluate(&f)
            .into_iter()
            .find(|c| c.id == "gpu")
            .unwrap()
            .explanation
            .contains("RTX 3090"));
        // A GPU without the container toolkit: GPU nodes would not see it.
        assert_eq!(status(&f, "gpu_toolkit"), Status::Warn);
        f.nvidia_toolkit = Some("NVIDIA Container Toolkit CLI version 1.17.8".into());
        assert_eq!(status(&f, "gpu_toolkit"), Status::Ok);
        f.gpus = None;
        assert!(evaluate(&f).iter().all(|c| c.id != "gpu_toolkit"));
        // No kubo: a warning before any node exists, a failure once a node runs the IPFS server,
        // fine when another IPFS daemon answers (then no node runs one).
        f.ipfs = None;
        assert_eq!(status(&f, "ipfs"), Status::Warn);
        let c = evaluate(&f).into_iter().find(|c| c.id == "ipfs").unwrap();
        let fx = c.fix.unwrap();
        assert!(fx.automatic && fx.label == "Install kubo v0.33.0", "{fx:?}");
        f.ipfs_server_node = Some(3);
        let c = evaluate(&f).into_iter().find(|c| c.id == "ipfs").unwrap();
        assert_eq!(c.status, Status::Fail);
        assert!(
            c.explanation.starts_with("Node 3 runs"),
            "{}",
            c.explanation
        );
        f.ipfs_listening = true;
        assert_eq!(status(&f, "ipfs"), Status::Ok);
        f.ram_total = 4 * GIB;
        assert_eq!(status(&f, "ram"), Status::Fail);
        assert_eq!(affordable_nodes(&f), 1, "never below 1");
    }
}
