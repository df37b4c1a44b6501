//! One module per subcommand; each has `Args` (clap) and `run(args)`.

pub mod report;
pub mod run;
pub mod validate;
