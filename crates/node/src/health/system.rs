//! Machine-wide facts for the dashboard: CPU, RAM, disk, GPUs, the LLM engine's Docker
//! containers, whether each node's LLM port listens, and latency ("ping") to the RPC endpoint,
//! the dashboard and a set of global endpoints (TCP connect time: no ICMP privileges needed).

use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::doctor::{parse_nvidia_smi, Gpu, NVIDIA_SMI_ARGS};
use crate::platform::exec::Runner;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Latency {
    pub target: String,
    /// Milliseconds to open a TCP connection; `None`: unreachable.
    pub ms: Option<f64>,
}

/// One Docker container of a node's LLM engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Container {
    pub name: String,
    /// Docker's state: `running`, `restarting`, `exited`, `created`, `paused`, `dead`.
    pub state: String,
    /// The state in words, with the exit code or the error when it stopped.
    pub status: String,
    /// Docker's restart count (restarts by its restart policy).
    pub restarts: u32,
    /// When it last started (RFC 3339, as Docker reports it).
    pub started_at: Option<String>,
}

impl Container {
    pub fn is_running(&self) -> bool {
        self.state == "running"
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SystemHealth {
    pub cpu_pct: Option<f32>,
    #[ts(type = "number | null")]
    pub ram_used: Option<u64>,
    #[ts(type = "number | null")]
    pub ram_total: Option<u64>,
    #[ts(type = "number | null")]
    pub disk_free: Option<u64>,
    /// `None`: no NVIDIA GPU (nvidia-smi absent or failing).
    pub gpus: Option<Vec<Gpu>>,
    /// `None`: Docker is not usable.
    pub containers: Option<Vec<Container>>,
    pub ping: Option<Latency>,
    pub dashboard_ping: Option<Latency>,
    pub global_ping: Vec<Latency>,
}

/// TCP connect time to the host of `url` (default ports 443/80).
pub fn connect_latency(url: &str, timeout: Duration) -> Latency {
    let ms = url::Url::parse(url).ok().and_then(|u| {
        let host = u.host_str()?.to_string();
        let port = u.port_or_known_default()?;
        let addr = (host.as_str(), port).to_socket_addrs().ok()?.next()?;
        let t = Instant::now();
        TcpStream::connect_timeout(&addr, timeout).ok()?;
        Some(t.elapsed().as_secs_f64() * 1000.0)
    });
    // The target is shown without any path or query (an RPC URL embeds its API key there).
    let shown = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(|h| format!("{}://{h}", u.scheme())))
        .unwrap_or_else(|| "«invalid URL»".into());
    Latency { target: shown, ms }
}

/// The fields of `docker inspect` the app reads (the rest of Docker's JSON is ignored).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Inspected {
    name: String,
    #[serde(default)]
    restart_count: u32,
    state: InspectedState,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InspectedState {
    status: String,
    #[serde(default)]
    exit_code: i64,
    #[serde(default)]
    error: String,
    #[serde(rename = "OOMKilled", default)]
    oom_killed: bool,
    #[serde(default)]
    started_at: String,
}

/// Parse `docker inspect` output (a JSON array of containers).
pub fn parse_docker_inspect(text: &str) -> Result<Vec<Container>, String> {
    let list: Vec<Inspected> = serde_json::from_str(text)
        .map_err(|e| format!("docker inspect printed something unexpected: {e}"))?;
    Ok(list
        .into_iter()
        .map(|c| {
            let st = c.state;
            // Docker's zero time means "never".
            let started_at = (!st.started_at.is_empty() && !st.started_at.starts_with("0001-"))
                .then_some(st.started_at);
            let status = match st.status.as_str() {
                "running" => format!(
                    "running since {}",
                    started_at.as_deref().unwrap_or("an unknown time")
                ),
                _ if st.oom_killed => "killed: out of memory".to_string(),
                _ if !st.error.is_empty() => format!("{}: {}", st.status, st.error),
                "exited" | "dead" => format!("{} with code {}", st.status, st.exit_code),
                other => other.to_string(),
            };
            Container {
                name: c.name.trim_start_matches('/').to_string(),
                state: st.status,
                status,
                restarts: c.restart_count,
                started_at,
            }
        })
        .collect())
}

/// The LLM engine's containers (names starting with `prefix`): `docker ps` lists them, one
/// `docker inspect` describes them. `None` when Docker cannot be used.
pub fn containers(runner: &mut dyn Runner, prefix: &str) -> Option<Vec<Container>> {
    let ps: Vec<String> = [
        "ps",
        "-a",
        "--filter",
        &format!("name={prefix}"),
        "--format",
        "{{.Names}}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let names: Vec<String> = runner
        .run("docker", &ps)
        .ok()?
        .lines()
        .map(str::trim)
        .filter(|n| n.starts_with(prefix))
        .map(String::from)
        .collect();
    if names.is_empty() {
        return Some(Vec::new());
    }
    let mut args = vec!["inspect".to_string()];
    args.extend(names);
    // A container removed between the two calls fails the whole call: unknown until the next probe.
    parse_docker_inspect(&runner.run("docker", &args).ok()?).ok()
}

/// The images pulled in a `docker events --filter type=image --filter event=pull --format
/// '{{json .}}'` listing, in order, each once (`Actor.ID` is the reference pulled; older
/// Dockers also print it as `id`).
pub fn parse_pull_events(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let action = v.get("Action").or_else(|| v.get("status"));
        if action.and_then(|a| a.as_str()) != Some("pull") {
            continue;
        }
        let image = v
            .pointer("/Actor/ID")
            .or_else(|| v.get("id"))
            .and_then(|i| i.as_str())
            .filter(|i| !i.is_empty());
        if let Some(i) = image {
            if !out.iter().any(|o| o == i) {
                out.push(i.to_string());
            }
        }
    }
    out
}

/// The images Docker pulled between `since` and `until` (unix seconds), with their sizes
/// (`docker image inspect --format '{{.Size}}'`, one line per image). `None`: Docker cannot be
/// used.
pub fn pulled_images(
    runner: &mut dyn Runner,
    since: i64,
    until: i64,
) -> Option<Vec<crate::first_start::PulledImage>> {
    let args: Vec<String> = [
        "events",
        "--since",
        &since.to_string(),
        "--until",
        &until.to_string(),
        "--filter",
        "type=image",
        "--filter",
        "event=pull",
        "--format",
        "{{json .}}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let images = parse_pull_events(&runner.run("docker", &args).ok()?);
    let mut sizes: Vec<Option<u64>> = vec![None; images.len()];
    if !images.is_empty() {
        let mut args = vec![
            "image".to_string(),
            "inspect".to_string(),
            "--format".to_string(),
            "{{.Size}}".to_string(),
        ];
        args.extend(images.iter().cloned());
        if let Ok(out) = runner.run("docker", &args) {
            let lines: Vec<&str> = out.lines().collect();
            if lines.len() == images.len() {
                sizes = lines.iter().map(|l| l.trim().parse().ok()).collect();
            }
        }
    }
    Some(
        images
            .into_iter()
            .zip(sizes)
            .map(|(image, bytes)| crate::first_start::PulledImage { image, bytes })
            .collect(),
    )
}

pub fn gpus(runner: &mut dyn Runner) -> Option<Vec<Gpu>> {
    let args: Vec<String> = NVIDIA_SMI_ARGS.iter().map(|s| s.to_string()).collect();
    runner
        .run("nvidia-smi", &args)
        .ok()
        .map(|o| parse_nvidia_smi(&o))
}

/// The TCP ports in the LISTEN state in a `/proc/net/tcp` or `/proc/net/tcp6` table (every
/// process's, whoever owns it: Docker's proxy for a container's published port included).
pub fn parse_proc_net_tcp(text: &str) -> Vec<u16> {
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let local = f.nth(1)?;
            let state = f.nth(1)?;
            (state == "0A").then_some(())?;
            u16::from_str_radix(local.rsplit(':').next()?, 16).ok()
        })
        .collect()
}

/// The listening TCP ports of this machine, read from the kernel's socket tables (Linux);
/// `None` elsewhere (then [`listening`] connects instead).
pub fn listening_ports() -> Option<std::collections::HashSet<u16>> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let v4 = std::fs::read_to_string("/proc/net/tcp").ok()?;
    let v6 = std::fs::read_to_string("/proc/net/tcp6").unwrap_or_default();
    Some(
        parse_proc_net_tcp(&v4)
            .into_iter()
            .chain(parse_proc_net_tcp(&v6))
            .collect(),
    )
}

/// Whether something listens on 127.0.0.1:`port` (by connecting: for OSes without
/// [`listening_ports`]).
pub fn listening(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200)).is_ok()
}

/// Sample the machine. Slow probes (GPU, Docker, pings) are the caller's to throttle.
#[allow(clippy::too_many_arguments)]
pub fn sample(
    sys: Option<&mut sysinfo::System>,
    data_dir: &Path,
    runner: &mut dyn Runner,
    rpc_url: Option<&str>,
    dashboard_url: &str,
    global: &[String],
    prefix: &str,
) -> SystemHealth {
    let timeout = Duration::from_secs(2);
    let (cpu_pct, ram_used, ram_total) = match sys {
        Some(s) => {
            s.refresh_cpu_usage();
            s.refresh_memory();
            (
                Some(s.global_cpu_usage()),
                Some(s.used_memory()),
                Some(s.total_memory()),
            )
        }
        None => (None, None, None),
    };
    SystemHealth {
        cpu_pct,
        ram_used,
        ram_total,
        disk_free: crate::doctor::free_space(data_dir),
        gpus: gpus(runner),
        containers: containers(runner, prefix),
        ping: rpc_url.map(|u| connect_latency(u, timeout)),
        dashboard_ping: Some(connect_latency(dashboard_url, timeout)),
        global_ping: global.iter().map(|u| connect_latency(u, timeout)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_events_in_both_docker_shapes() {
        // `docker events --format '{{json .}}'` lines: Docker 24 (with the deprecated
        // status/id/from) and Docker 25+ (Type/Action/Actor only), as the Engine API documents
        // the events message; a tag event and a repeat pull in between.
        let text = concat!(
            r#"{"status":"pull","id":"cortensor/llm-engine:latest","Type":"image","Action":"pull","Actor":{"ID":"cortensor/llm-engine:latest","Attributes":{"name":"cortensor/llm-engine"}},"scope":"local","time":1764150000,"timeNano":1764150000123456789}"#,
            "\n",
            r#"{"Type":"image","Action":"tag","Actor":{"ID":"sha256:0f","Attributes":{"name":"x:y"}},"scope":"local","time":1764150001,"timeNano":1764150001000000000}"#,
            "\n",
            r#"{"Type":"image","Action":"pull","Actor":{"ID":"ollama/ollama:0.5.7","Attributes":{"name":"ollama/ollama"}},"scope":"local","time":1764150100,"timeNano":1764150100000000000}"#,
            "\n",
            r#"{"Type":"image","Action":"pull","Actor":{"ID":"cortensor/llm-engine:latest","Attributes":{}},"scope":"local","time":1764150200,"timeNano":1764150200000000000}"#,
            "\nnot json\n"
        );
        assert_eq!(
            parse_pull_events(text),
            ["cortensor/llm-engine:latest", "ollama/ollama:0.5.7"]
        );
        assert!(parse_pull_events("").is_empty());
    }

    #[test]
    fn latency_to_a_loopback_listener_and_to_nothing() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let up = connect_latency(
            &format!("http://127.0.0.1:{port}/v2/SECRETKEY?x=1"),
            Duration::from_secs(1),
        );
        assert!(up.ms.is_some_and(|ms| ms < 1000.0));
        assert_eq!(
            up.target, "http://127.0.0.1",
            "no path or key in what is shown"
        );
        drop(l);
        let down = connect_latency(
            &format!("http://127.0.0.1:{port}/"),
            Duration::from_millis(300),
        );
        assert_eq!(down.ms, None);
        assert_eq!(
            connect_latency("not a url", Duration::from_millis(10)).target,
            "«invalid URL»"
        );
        assert!(listening(port) == false);
    }

    #[test]
    fn listening_sockets_from_the_kernel_tables() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/proc");
        let v4 = std::fs::read_to_string(format!("{dir}/net-tcp")).unwrap();
        let v6 = std::fs::read_to_string(format!("{dir}/net-tcp6")).unwrap();
        // 0x1F9B = 8091 and 0x1F9C = 8092 listen; the established and TIME_WAIT rows do not count.
        assert_eq!(parse_proc_net_tcp(&v4), vec![8091, 8092]);
        assert_eq!(parse_proc_net_tcp(&v6), vec![18896]);
        assert_eq!(
            parse_proc_net_tcp("garbage\n  0: nonsense\n"),
            Vec::<u16>::new()
        );
        // And this machine's own table sees a listener opened here.
        if listening_ports().is_some() {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let port = l.local_addr().unwrap().port();
            assert!(listening_ports().unwrap().contains(&port));
            drop(l);
            assert!(!listening_ports().unwrap().contains(&port));
        }
    }

    #[test]
    fn docker_inspect_of_running_restarting_and_oom_killed_containers() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/docker/inspect.json"
        ))
        .unwrap();
        let c = parse_docker_inspect(&text).unwrap();
        assert_eq!(c.len(), 4);
        assert_eq!(c[0].name, "cortensor-node1-llm-0");
        assert!(c[0].is_running());
        assert_eq!(c[0].status, "running since 2026-11-25T08:12:40.512841123Z");
        assert_eq!((c[0].restarts, c[1].restarts), (0, 4));
        assert_eq!(c[1].status, "exited with code 137");
        assert_eq!(c[2].status, "killed: out of memory");
        assert_eq!(
            (c[3].state.as_str(), c[3].status.as_str()),
            ("created", "created")
        );
        assert_eq!(c[3].started_at, None, "Docker's zero time is no start");
        let err = parse_docker_inspect("Error: No such object: x").unwrap_err();
        assert!(
            err.contains("docker inspect printed something unexpected"),
            "{err}"
        );
    }
}
