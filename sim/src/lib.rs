//! `sim`: a generic, deterministic discrete-event simulation kernel.
//!
//! It knows nothing about Redis or pools; the domain lives in the `models`
//! crate. It provides:
//! - [`time::SimTime`]: integer-nanosecond time and its one rounding rule;
//! - [`scheduler::Scheduler`]: the event queue, ordered by (time, sequence),
//!   with FIFO lanes and timer slots;
//! - [`ring::Ring`]: a double-ended queue whose operations inline;
//! - [`rng::Streams`]: named, portable random streams per purpose;
//! - [`dist::Latency`]: latency distributions built from user-facing figures;
//! - [`empirical::Empirical`]: latency laws read from samples or histograms;
//! - [`histogram::Histogram`]: a log-linear histogram with HdrHistogram's
//!   buckets, fast to record into;
//! - [`stats`]: time-weighted gauges, latency histograms, time series;
//! - [`summary::Estimate`]: means and Student-t confidence intervals;
//! - [`experiment`]: ordered parallel runs and parameter grids;
//! - [`queueing`]: the formulas the simulator is validated against;
//! - [`threshold`]: where a response along an axis crosses an objective;
//! - [`zipf`]: Zipf and uniform popularity of ranked items (keys);
//! - [`message_error!`]: an error type that is its message.
//!
//! ```
//! use sim::scheduler::Scheduler;
//! use sim::time::SimTime;
//!
//! let mut s = Scheduler::new();
//! s.schedule_at(SimTime::from_millis(2), "second");
//! s.schedule_at(SimTime::from_millis(1), "first");
//! assert_eq!(s.pop(), Some((SimTime::from_millis(1), "first")));
//! assert_eq!(s.now(), SimTime::from_millis(1));
//! ```
#![warn(missing_docs)]

/// Declares `pub struct $name(pub String)`, an error that is its message:
/// `Display` writes the message, and it is a `std::error::Error`. Doc
/// comments before the name document the type.
///
/// ```
/// sim::message_error! {
///     /// Why a widget was refused.
///     WidgetError
/// }
/// assert_eq!(WidgetError("too wide".into()).to_string(), "too wide");
/// ```
#[macro_export]
macro_rules! message_error {
    ($(#[$attr:meta])* $name:ident) => {
        $(#[$attr])*
        #[derive(Clone, Debug, PartialEq)]
        pub struct $name(pub String);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::error::Error for $name {}
    };
}

pub mod dist;
pub mod empirical;
pub mod experiment;
pub mod histogram;
pub mod queueing;
pub mod ring;
pub mod rng;
pub mod scheduler;
pub mod stats;
pub mod summary;
pub mod threshold;
pub mod time;
pub mod zipf;
