use std::path::PathBuf;

use jiff::Timestamp;

/// The evaluation time of every conformance case: fixtures speak of it through time tokens.
pub fn now() -> Timestamp {
    "2026-11-23T12:00:00Z".parse().unwrap()
}

pub fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

pub fn herald_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_herald"))
}
