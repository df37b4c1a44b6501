//! Raw scenario structs (being written).
