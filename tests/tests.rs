//! One integration-test binary, so the crate links once.

mod util;

mod agent;
mod changes_e2e;
mod check_cli;
mod config_cli;
mod conformance;
mod docs;
mod fake_api;
mod ha_e2e;
mod help_cli;
mod http_api;
mod lease_e2e;
mod lua_cli;
mod lua_hostile;
mod lua_robust;
mod metrics_e2e;
mod notify_e2e;
mod placement_e2e;
mod receivers;
mod run_cli;
mod status_page;
mod warnings_e2e;
mod watchdog;
