//! `herald demo`: herald on a built-in set of Flux and Argo CD objects, no cluster needed.
//!
//! For now it assesses a snapshot of a small cluster; the simulated API server that makes the
//! objects change over time comes with the watch layer.

use std::io::{self, Write};

use jiff::Timestamp;

use super::check::{Output, write_report};
use crate::health::Assessor;
use crate::load::parse_objects;
use crate::lua::{Limits, LuaChecks};

/// The demo cluster: objects in the states that matter for alerting.
const SNAPSHOT: &[(&str, &str)] = &[
    (
        "ks-ready.yaml",
        include_str!("../../tests/corpus/gitops-states/ks-ready.yaml"),
    ),
    (
        "ks-healthcheck-failed.yaml",
        include_str!("../../tests/corpus/gitops-states/ks-healthcheck-failed.yaml"),
    ),
    (
        "ks-dependency.yaml",
        include_str!("../../tests/corpus/gitops-states/ks-dependency.yaml"),
    ),
    (
        "ks-suspended-ready.yaml",
        include_str!("../../tests/corpus/gitops-states/ks-suspended-ready.yaml"),
    ),
    (
        "hr-install-succeeded.yaml",
        include_str!("../../tests/corpus/gitops-states/hr-install-succeeded.yaml"),
    ),
    (
        "hr-upgrade-failed-retrying.yaml",
        include_str!("../../tests/corpus/gitops-states/hr-upgrade-failed-retrying.yaml"),
    ),
    (
        "git-ready.yaml",
        include_str!("../../tests/corpus/gitops-states/git-ready.yaml"),
    ),
    (
        "git-auth-failed.yaml",
        include_str!("../../tests/corpus/gitops-states/git-auth-failed.yaml"),
    ),
    (
        "oci-ready.yaml",
        include_str!("../../tests/corpus/gitops-states/oci-ready.yaml"),
    ),
    (
        "app-healthy-synced.yaml",
        include_str!("../../tests/corpus/gitops-states/app-healthy-synced.yaml"),
    ),
    (
        "app-sync-failed.yaml",
        include_str!("../../tests/corpus/gitops-states/app-sync-failed.yaml"),
    ),
    (
        "app-progressing.yaml",
        include_str!("../../tests/corpus/gitops-states/app-progressing.yaml"),
    ),
    (
        "appset-error.yaml",
        include_str!("../../tests/corpus/gitops-states/appset-error.yaml"),
    ),
];

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    #[arg(short, long, value_enum, default_value = "table")]
    pub output: Output,
}

pub fn run(args: &DemoArgs, out: &mut dyn Write) -> io::Result<i32> {
    let mut docs = Vec::new();
    for (name, text) in SNAPSHOT {
        let (d, errors) = parse_objects(&format!("demo/{name}"), text);
        assert!(errors.is_empty(), "built-in demo object {name}: {errors:?}");
        for mut doc in d {
            // Each snapshot shows one state; name the object after it so the rows are distinct.
            let state = name.trim_end_matches(".yaml");
            if let Some(meta) = doc
                .value
                .get_mut("metadata")
                .and_then(|m| m.as_object_mut())
            {
                meta.insert("name".into(), state.into());
            }
            docs.push(doc);
        }
    }
    let mut assessor = Assessor::new(
        LuaChecks::shipped(Limits::default()).map_err(|e| io::Error::other(e.to_string()))?,
    );
    write_report(out, &docs, args.output, &mut assessor, Timestamp::now())?;
    Ok(0)
}
