//! The serialized results a report is rendered from: the types of
//! [`models::results`], defined there once so that the simulation writes
//! exactly what this crate reads. The crate still never calls the engine.

pub use models::results::*;
