//! One watcher per served kind (and namespace, when scoped): list, watch, resume, relist on
//! `410 Gone`, with kube-rs's backoff. A malformed object is logged, counted and skipped.

use std::collections::BTreeSet;
use std::sync::Arc;

use futures::StreamExt;
use kube::api::{Api, ApiResource};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use serde_json::Value;
use tokio::sync::mpsc;

use super::Update;
use super::raw::RawObject;
use crate::metrics::WatchCounters;
use crate::store::ObjectKey;

/// What one watcher covers.
#[derive(Debug, Clone)]
pub struct Target {
    pub resource: ApiResource,
    /// None: all namespaces (or a cluster-scoped kind).
    pub namespace: Option<String>,
    pub label_selector: Option<String>,
    /// Whether readiness waits for this watch's first list.
    pub gates_ready: bool,
}

/// Runs until the receiver of `updates` is gone.
pub async fn run(
    client: kube::Client,
    target: Target,
    updates: mpsc::Sender<Update>,
    counters: WatchCounters,
) {
    let ar = &target.resource;
    let api: Api<RawObject> = match &target.namespace {
        Some(ns) => Api::namespaced_with(client, ns, ar),
        None => Api::all_with(client, ar),
    };
    let mut config = watcher::Config::default().any_semantic();
    if let Some(sel) = &target.label_selector {
        config = config.labels(sel);
    }
    let mut stream = watcher::watcher(api, config).default_backoff().boxed();
    let mut listing: Option<BTreeSet<ObjectKey>> = None;
    // Until the first list is complete, objects are what herald learns, not news.
    let mut first_list_done = false;
    while let Some(event) = stream.next().await {
        let event = match event {
            Ok(e) => e,
            Err(e) => {
                counters.error.inc();
                tracing::warn!(kind = %ar.kind, error = %e, "watch failed; retrying with backoff");
                continue;
            }
        };
        let update = match event {
            Event::Init => {
                listing = Some(BTreeSet::new());
                continue;
            }
            Event::InitApply(o) | Event::Apply(o) => {
                let Some(value) = accept(o, ar, &counters) else {
                    continue;
                };
                counters.apply.inc();
                if let (Some(keys), Some(key)) = (listing.as_mut(), ObjectKey::of(&value)) {
                    keys.insert(key);
                }
                Update::Apply(Arc::new(value), !first_list_done)
            }
            Event::InitDone => {
                first_list_done = true;
                Update::Listed(super::Listing {
                    group: ar.group.clone(),
                    kind: ar.kind.clone(),
                    namespace: target.namespace.clone(),
                    keys: listing.take().unwrap_or_default(),
                    gates_ready: target.gates_ready,
                })
            }
            Event::Delete(o) => {
                let Some(value) = accept(o, ar, &counters) else {
                    continue;
                };
                counters.delete.inc();
                match ObjectKey::of(&value) {
                    Some(key) => Update::Delete(key),
                    None => continue,
                }
            }
        };
        if updates.send(update).await.is_err() {
            return;
        }
    }
}

/// The object as herald handles it. None when malformed.
fn accept(o: RawObject, ar: &ApiResource, counters: &WatchCounters) -> Option<Value> {
    if let Some(error) = &o.malformed {
        counters.malformed.inc();
        tracing::warn!(
            kind = %ar.kind,
            namespace = o.metadata.namespace.as_deref().unwrap_or(""),
            name = o.metadata.name.as_deref().unwrap_or(""),
            %error,
            "skipping a malformed object"
        );
        return None;
    }
    let mut value = o.value;
    // Lists of built-in kinds leave apiVersion and kind out of their items.
    if let Some(map) = value.as_object_mut() {
        map.entry("apiVersion")
            .or_insert_with(|| Value::String(ar.api_version.clone()));
        map.entry("kind")
            .or_insert_with(|| Value::String(ar.kind.clone()));
    }
    Some(value)
}
