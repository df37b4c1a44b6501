use models::scenario::*;
use sim::dist::Latency;
use sim::time::SimTime;

fn main() {
    let fail = std::env::args().nth(1).map(|s| s == "fail").unwrap_or(true);
    let rate: f64 = std::env::args().nth(2).map(|s| s.parse().unwrap()).unwrap_or(5000.0);
    let sc = Scenario {
        name: "smoke".into(),
        simulation: Simulation { duration: SimTime::from_secs(60), warmup: SimTime::from_secs(5), seed: 1, replications: 10, bucket: SimTime::from_secs(1) },
        workload: Workload { rate, reads_per_request: 1, profile: vec![] },
        pods: Pods { count: 1 },
        pool: Pool { max_total: 10, when_exhausted: if fail { WhenExhausted::Fail } else { WhenExhausted::Block }, acquire_timeout: if fail { None } else { Some(SimTime::from_millis(1)) }, order: Order::Lifo },
        network: Network { rtt: Latency::exponential(SimTime::from_millis(1)).unwrap() },
        redis: Redis { shards: 1, service_time: Latency::Constant(SimTime::ZERO), hit_ratio: 1.0 },
        l1: L1 { hit_ratio: 0.0, lookup_time: Latency::Constant(SimTime::from_nanos(1500)) },
        database: Database { latency: Latency::Constant(SimTime::from_millis(2)) },
        client: Client { hold_during_fallback: true },
    };
    let t = std::time::Instant::now();
    let r = models::engine::run(&sc).unwrap();
    let el = t.elapsed().as_secs_f64();
    for k in ["requests.arrived", "pool.timeout_ratio", "pool.wait_ratio", "pool.in_use.mean", "latency.mean_ms", "latency.p99_ms"] {
        println!("{k} = {} ± {}", r.metrics[k], r.ci95[k]);
    }
    println!("{:.2} M req/s wall ({el:.2}s)", r.metrics["requests.arrived"] * 10.0 / el / 1e6);
}
