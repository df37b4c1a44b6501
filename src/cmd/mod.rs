//! One module per subcommand; each has `Args` (clap) and `run(args)`.

pub mod calibrate;
pub mod check;
pub mod merge;
pub mod recommend;
pub mod report;
pub mod run;
pub mod sweep;
pub mod validate;
