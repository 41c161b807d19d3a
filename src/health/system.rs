//! Machine-wide facts for the dashboard: CPU, RAM, disk, GPUs, the LLM engine's Docker
//! containers, whether each node's LLM port listens, and latency ("ping") to the RPC endpoint,
//! the dashboard and a set of global endpoints (TCP connect time: no ICMP privileges needed).

use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::doctor::{parse_nvidia_smi, Gpu, NVIDIA_SMI_ARGS};
use crate::install::exec::Runner;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Latency {
    pub target: String,
    /// Milliseconds to open a TCP connection; `None`: unreachable.
    pub ms: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Container {
    pub name: String,
    pub state: String,
    pub status: String,
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

/// `docker ps -a` lines `name|state|status` of containers whose names start with `prefix`.
pub fn parse_docker_ps(text: &str, prefix: &str) -> Vec<Container> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.splitn(3, '|');
            let (name, state, status) = (
                f.next()?.trim(),
                f.next()?.trim(),
                f.next().unwrap_or("").trim(),
            );
            name.starts_with(prefix).then(|| Container {
                name: name.into(),
                state: state.into(),
                status: status.into(),
            })
        })
        .collect()
}

pub fn containers(runner: &mut dyn Runner, prefix: &str) -> Option<Vec<Container>> {
    let args: Vec<String> = ["ps", "-a", "--format", "{{.Names}}|{{.State}}|{{.Status}}"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    runner
        .run("docker", &args)
        .ok()
        .map(|out| parse_docker_ps(&out, prefix))
}

pub fn gpus(runner: &mut dyn Runner) -> Option<Vec<Gpu>> {
    let args: Vec<String> = NVIDIA_SMI_ARGS.iter().map(|s| s.to_string()).collect();
    runner
        .run("nvidia-smi", &args)
        .ok()
        .map(|o| parse_nvidia_smi(&o))
}

/// Whether something listens on 127.0.0.1:`port`.
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
    fn docker_ps_lines() {
        let out = "cortensor-node1-llm-0|running|Up 3 hours\ncortensor-node2-llm-0|exited|Exited (137) 5 minutes ago\nother|running|Up\nbroken line\n";
        let c = parse_docker_ps(out, "cortensor-node1-");
        assert_eq!(
            c,
            vec![Container {
                name: "cortensor-node1-llm-0".into(),
                state: "running".into(),
                status: "Up 3 hours".into()
            }]
        );
        assert_eq!(parse_docker_ps(out, "cortensor-").len(), 2);
    }
}
