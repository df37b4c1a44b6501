//! `capsim report DIR`: render the charts and page of a sweep or a run again
//! from the results saved in DIR, without simulating.

use crate::Failure;
use std::path::PathBuf;

/// Arguments of `capsim report`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Folder written by `capsim sweep` (results.json) or `capsim run --report` (run.json).
    pub dir: PathBuf,
}

/// Runs the command: prints the page's path.
pub fn run(args: Args) -> Result<(), Failure> {
    let written = reports::render(&args.dir)?;
    if let Some(page) = written.last() {
        println!("{}", page.display());
    }
    Ok(())
}
