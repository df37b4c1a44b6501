//! capsim's side of the grid alone, with no Redis: the predictions for the
//! grid's points from a scenario `capsim calibrate` wrote, with `--set`
//! overrides after each point's own:
//!
//! ```text
//! cargo run -p capsim-validation --release --bin predict -- calibrated.toml [--set KEY=VALUE]...
//! ```
//!
//! It prints a table of the predicted figures, to set beside a measured run
//! (the full harness, `cargo run -p capsim-validation --release`, prints both).

use capsim_validation::compare::{grid, prediction};

fn main() {
    if let Err(e) = run() {
        eprintln!("predict: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let file = args
        .next()
        .ok_or("usage: predict CALIBRATED.toml [--set KEY=VALUE]...")?;
    let mut sets = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--set" => sets.push(args.next().ok_or("--set needs KEY=VALUE")?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let calibrated = std::fs::read_to_string(&file).map_err(|e| format!("{file}: {e}"))?;
    println!(
        "| pool | size | load | rate/s | latency ms | hold ms | acquire wait ms | timeouts |\n\
         |---|---|---|---|---|---|---|---|"
    );
    for point in grid() {
        let (rate, p) = prediction(&calibrated, point, &sets)?;
        println!(
            "| {} | {} | {:.0}% | {:.0} | {:.3} | {:.3} | {:.3} | {:.3} |",
            point.pool.name(),
            point.size,
            point.load * 100.0,
            rate,
            p.latency_ms,
            p.hold_ms,
            p.wait_ms,
            p.timeout_ratio
        );
    }
    Ok(())
}
