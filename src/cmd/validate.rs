//! `capsim validate` (being written).

use crate::Failure;

/// Arguments of `capsim validate`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs the theory table.
pub fn run(_args: Args) -> Result<(), Failure> {
    Err(Failure::Check("validate: not written yet".into()))
}
