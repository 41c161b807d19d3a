//! Doctor checks that talk to the outside: the clock against a server's Date header (a real
//! HTTP server on 127.0.0.1), and tool probes through real processes (stand-in scripts on PATH).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;

use cortensor_node::doctor::{clock_skew, parse_nvidia_smi, probe_docker, DockerState};
use cortensor_node::platform::exec::SystemRunner;

/// A server that answers every request with this Date header.
fn dated_server(date: &'static str) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nDate: {date}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    format!("http://127.0.0.1:{port}/")
}

#[test]
fn clock_skew_is_measured_against_the_date_header() {
    let now = httpdate::fmt_http_date(std::time::SystemTime::now());
    let now: &'static str = Box::leak(now.into_boxed_str());
    let skew = clock_skew(&dated_server(now)).unwrap();
    assert!(skew.abs() <= 2, "{skew}");
    // A server whose clock says 2001: ours is decades ahead.
    let skew = clock_skew(&dated_server("Mon, 01 Jan 2001 00:00:00 GMT")).unwrap();
    assert!(skew > 20 * 365 * 86400, "{skew}");
    // Nothing listening: unknown, not an error.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    assert_eq!(clock_skew(&format!("http://127.0.0.1:{port}/")), None);
}

/// Writing an executable while another test thread forks can make exec fail with "text file
/// busy"; the tests that write scripts take turns.
static SCRIPTS: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn script(dir: &std::path::Path, name: &str, body: &str) {
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn docker_states_from_real_processes() {
    let _turn = SCRIPTS.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let mut runner = SystemRunner {
        path: Some(dir.path().as_os_str().to_owned()),
        timeout: None,
    };
    assert_eq!(probe_docker(&mut runner), DockerState::Missing);
    script(dir.path(), "docker", "echo 'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock' >&2; exit 1");
    assert!(matches!(
        probe_docker(&mut runner),
        DockerState::NoPermission(_)
    ));
    script(dir.path(), "docker", "echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2; exit 1");
    assert!(matches!(
        probe_docker(&mut runner),
        DockerState::NotRunning(_)
    ));
    script(dir.path(), "docker", "echo 28.2.2");
    assert_eq!(
        probe_docker(&mut runner),
        DockerState::Ready("28.2.2".into())
    );
}

#[test]
fn gpus_from_a_captured_nvidia_smi() {
    let _turn = SCRIPTS.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    // Output captured from `nvidia-smi --query-gpu=… --format=csv,noheader,nounits` on a 1-GPU machine.
    script(
        dir.path(),
        "nvidia-smi",
        "echo 'NVIDIA GeForce RTX 4090, 24564, 2, 0, 38'",
    );
    let mut runner = SystemRunner {
        path: Some(dir.path().as_os_str().to_owned()),
        timeout: None,
    };
    use cortensor_node::platform::exec::Runner;
    let args: Vec<String> = cortensor_node::doctor::NVIDIA_SMI_ARGS
        .iter()
        .map(|s| s.to_string())
        .collect();
    let out = runner.run("nvidia-smi", &args).unwrap();
    let gpus = parse_nvidia_smi(&out);
    assert_eq!(gpus.len(), 1);
    assert_eq!(
        (
            gpus[0].name.as_str(),
            gpus[0].memory_total_mib,
            gpus[0].temperature_c
        ),
        ("NVIDIA GeForce RTX 4090", 24564, Some(38))
    );
    // No nvidia-smi at all: the probe fails and the GPU check degrades to "CPU only".
    let mut none = SystemRunner {
        path: Some(tempfile::tempdir().unwrap().path().as_os_str().to_owned()),
        timeout: None,
    };
    assert!(none.run("nvidia-smi", &args).is_err());
}

#[test]
fn a_hung_tool_is_stopped_at_its_timeout_with_what_it_started() {
    let _turn = SCRIPTS.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    // A docker whose daemon hangs: it never answers (and keeps a child holding its output).
    let marker = dir.path().join("child.pid");
    script(
        dir.path(),
        "docker",
        &format!("/bin/sleep 300 & echo $! > {}; wait", marker.display()),
    );
    let mut runner = SystemRunner {
        path: Some(dir.path().as_os_str().to_owned()),
        timeout: Some(std::time::Duration::from_secs(1)),
    };
    let t = std::time::Instant::now();
    let state = probe_docker(&mut runner);
    assert!(
        t.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        t.elapsed()
    );
    assert!(
        matches!(state, DockerState::NotRunning(ref why) if why.contains("did not answer within 1 s")),
        "{state:?}"
    );
    let pid: i32 = std::fs::read_to_string(&marker)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(100));
    let alive =
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "));
    assert!(!alive, "the hung tool's child was left running");
}
