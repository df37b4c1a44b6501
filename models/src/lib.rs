//! `models`: capsim's domain on top of the `sim` kernel.
//!
//! - [`scenario`]: the scenario schema, parsing and validation;
//! - [`cache`]: per-pod cache data structures (LRU, W-TinyLFU) and their theory;
//! - [`engine`]: the request path as a discrete-event model, and runs of it;
//! - [`metrics`]: metric names and result types;
//! - [`sweep`]: parameter grids, SLOs, thresholds, shards and their outputs;
//! - [`results`]: the results files (`results.json`, `run.json`, `capsim run
//!   --format json`) as serde types, written here and read by the reports;
//! - [`slots`]: Redis Cluster's hash slots: key names, CRC16, slot ranges per node;
//! - [`recommend`]: the cheapest settings that meet an SLO (`capsim recommend`);
//! - [`validate`]: the simulator against queueing theory (`capsim validate`).
#![warn(missing_docs)]

pub mod cache;
pub mod engine;
pub mod metrics;
pub mod recommend;
pub mod results;
pub mod scenario;
pub mod slots;
pub mod sweep;
pub mod validate;
