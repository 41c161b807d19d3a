//! Download + verify of a 1 GiB file over loopback, against `sha256sum` of the same file, in
//! one run (goal: ratio ≥ 0.9 of sha256sum's throughput). Not criterion: each measurement moves
//! a gigabyte, so it runs 3 times and reports the best of each. See BENCHMARKS.md.

use std::io::Write;
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

use cortensor_node::install::download::{download, DownloadOptions, Expected};

const SIZE: usize = 1 << 30;

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs bench targets without it.
    if !std::env::args().any(|a| a == "--bench") {
        println!("download bench: run it with `cargo bench --bench download`");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("payload");
    {
        let mut f = std::fs::File::create(&src).unwrap();
        let mut block = vec![0u8; 1 << 20];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..(SIZE >> 20) {
            for b in block.iter_mut() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = x as u8;
            }
            f.write_all(&block).unwrap();
        }
    }
    let sha = {
        let out = Command::new("sha256sum")
            .arg(&src)
            .output()
            .expect("sha256sum (coreutils)");
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    };

    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
    let port = server.server_addr().to_ip().unwrap().port();
    let s = server.clone();
    let path = src.clone();
    std::thread::spawn(move || {
        for req in s.incoming_requests() {
            let f = std::fs::File::open(&path).unwrap();
            let _ = req.respond(tiny_http::Response::from_file(f));
        }
    });
    let url = format!("http://127.0.0.1:{port}/payload");
    let expected = Expected::sha256(SIZE as u64, &sha);

    let mut best_dl = f64::MAX;
    let mut best_sum = f64::MAX;
    for round in 0..3 {
        let t = Instant::now();
        let out = Command::new("sha256sum").arg(&src).output().unwrap();
        assert!(out.status.success());
        best_sum = best_sum.min(t.elapsed().as_secs_f64());

        let dest = dir.path().join(format!("dl-{round}"));
        let t = Instant::now();
        download(
            &url,
            &expected,
            &dest,
            &DownloadOptions::default(),
            &AtomicBool::new(false),
            &mut |_| {},
        )
        .unwrap();
        best_dl = best_dl.min(t.elapsed().as_secs_f64());
        std::fs::remove_file(&dest).unwrap();
    }
    let mib = SIZE as f64 / (1 << 20) as f64;
    println!(
        "sha256sum of 1 GiB:              {:.2} s  ({:.0} MiB/s)",
        best_sum,
        mib / best_sum
    );
    println!(
        "download + verify 1 GiB (loop):  {:.2} s  ({:.0} MiB/s)",
        best_dl,
        mib / best_dl
    );
    println!(
        "ratio download/sha256sum:        {:.2} (goal ≥ 0.90)",
        best_sum / best_dl
    );
}
