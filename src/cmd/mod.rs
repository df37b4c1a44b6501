//! One module per subcommand; each has `Args` (clap) and `run(args)`.

pub mod report;
pub mod merge;
pub mod run;
pub mod sweep;
pub mod validate;
