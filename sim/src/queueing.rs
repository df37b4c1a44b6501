//! Queueing-theory formulas (placeholder, being written).
