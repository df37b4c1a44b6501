//! The full validation grid: `cargo run -p capsim-validation --release`
//! (needs `redis-server` and a built `capsim`; about five minutes).

use capsim_validation::compare::{grid, incident, row, table};
use capsim_validation::drive::PoolKind;
use capsim_validation::server::RedisServer;

fn main() {
    if let Err(e) = run() {
        eprintln!("capsim-validation: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let server = RedisServer::start(&[])?;
    let calibrated = capsim_validation::calibrate(&server)?;
    println!("Calibrated scenario:\n{calibrated}");
    let mut rows = Vec::new();
    for point in grid() {
        rows.push(row(&server, &calibrated, point, 3, 5.0)?);
        eprintln!("{:?} done", point);
    }
    println!("{}", table(&rows));
    drop(server);
    let server = RedisServer::start(&["--timeout", "2"])?;
    let calibrated = capsim_validation::calibrate(&server)?;
    println!("| pool | failed: measured | capsim |\n|---|---|---|");
    for pool in [
        PoolKind::Bb8 {
            test_on_check_out: false,
        },
        PoolKind::Bb8 {
            test_on_check_out: true,
        },
        PoolKind::Deadpool,
    ] {
        let (m, p) = incident(&server, &calibrated, pool)?;
        println!(
            "| {} | {:.0}% of {} | {:.0}% |",
            pool.name(),
            m.failed_ratio * 100.0,
            m.requests,
            p.failed_ratio * 100.0
        );
    }
    Ok(())
}
