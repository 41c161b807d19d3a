//! Rank projection at 1k, 10k and 100k nodes (goal ≤ 10 ms at 10k). See BENCHMARKS.md.

use std::hint::black_box;

use cortensor_contest::leaderboard::{Leaderboard, LeaderboardNode, Metrics, StateQuality};
use cortensor_contest::rank::project;
use cortensor_contest::rules::Ruleset;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

/// A deterministic leaderboard: `n` nodes over n/5 operators, half scored, half from metrics.
fn board(n: usize) -> (Leaderboard, String) {
    let mut x: u64 = 0x9e3779b97f4a7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % 10_000) as f64 / 10_000.0
    };
    let nodes = (0..n)
        .map(|i| {
            let operator = format!("0x{:040x}", 1_000_000 + i / 5);
            let node = format!("0x{:040x}", i);
            if i % 2 == 0 {
                LeaderboardNode {
                    node,
                    operator,
                    score: Some(next() * 100.0),
                    metrics: None,
                }
            } else {
                let m = Metrics {
                    uptime: Some(next()),
                    responsiveness: Some(next()),
                    throughput: Some(next() * 200.0),
                    ping_ms: Some(next() * 500.0),
                    global_ping_ms: Some(next() * 1500.0),
                    state_quality: Some(StateQuality {
                        create: Some(next()),
                        prepare: Some(next()),
                        precommit: Some(next()),
                        commit: Some(next()),
                    }),
                    tasks_completed: Some(next() * 2000.0),
                    task_accuracy: Some(next()),
                    bug_reports: Some((next() * 5.0).floor()),
                };
                LeaderboardNode {
                    node,
                    operator,
                    score: None,
                    metrics: Some(m),
                }
            }
        })
        .collect();
    (Leaderboard { nodes }, format!("0x{:040x}", 1_000_000 + 7))
}

fn bench(c: &mut Criterion) {
    let rules = Ruleset::phase3();
    let mut g = c.benchmark_group("rank_projection");
    g.sample_size(20);
    for n in [1_000usize, 10_000, 100_000] {
        let (lb, op) = board(n);
        g.bench_with_input(BenchmarkId::from_parameter(n), &lb, |b, lb| {
            b.iter(|| project(black_box(lb), &op, &[], &[], &rules).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
