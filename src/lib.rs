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
pub mod http;
pub mod intervals;
pub mod lease;
pub mod listener;
pub mod load;
pub mod lua;
pub mod metrics;
pub mod notify;
pub mod object;
pub mod relations;
pub mod route;
pub mod store;
pub mod subscriptions;
pub mod warnings;
pub mod writes;
