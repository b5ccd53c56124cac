//! herald: health and notification companion for Flux and Argo CD.

pub mod agent;
pub mod changes;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod events;
pub mod fake;
pub mod fixture;
pub mod health;
pub mod history;
pub mod http;
pub mod intervals;
pub mod lease;
pub mod listener;
pub mod load;
pub mod lua;
pub mod metrics;
pub mod notify;
pub mod object;
pub mod placement;
pub mod relations;
pub mod route;
pub mod store;
pub mod subscriptions;
pub mod tree;
pub mod warnings;
pub mod writes;

/// FNV-1a of `bytes`: a hash that stays the same across processes, versions and machines (the
/// standard library's does not), for what outlives one process: a history page's `continue`
/// token, the part of the hand-over state an object is in (which must not move when herald is
/// upgraded).
pub fn stable_hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}
