//! The cost of where Pods run ([`herald::placement`]): heap bytes per Pod kept by the store's
//! placement maps, and the time of an unchanged update and of a Node's walk to the GitOps
//! objects its Pods belong to. `cargo run --release --example placement_memory` (PODS=, NODES=).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Instant;

use herald::placement::Placed;
use herald::relations::Links;
use herald::store::{Meta, ObjectKey, Observed, Store};
use serde_json::json;

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let pods = env("PODS", 10_000);
    let nodes = env("NODES", 100);
    let per_workload = 10;
    let now = jiff::Timestamp::now();
    let mut store = Store::new(herald::store::DEFAULT_RETENTION);
    let mut assessor = herald::health::Assessor::builtin_only();
    let pod = |i: usize, node: usize| {
        let w = i / per_workload;
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("w{w}-7d9f8-{i}"), "namespace": format!("ns{}", w % 50),
                "labels": {"app": format!("w{w}"), "pod-template-hash": "7d9f8",
                           "app.kubernetes.io/part-of": "shop", "tier": "web"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("w{w}-7d9f8")}]},
            "spec": {"nodeName": format!("node-{node}"), "containers": [{"name": "app", "image": "app:1"}],
                     "volumes": [{"name": "tmp", "emptyDir": {}}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                       "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0, "state": {"running": {}}}]}})
    };
    let objects: Vec<serde_json::Value> = (0..pods).map(|i| pod(i, i % nodes)).collect();
    let keys: Vec<ObjectKey> = objects.iter().map(|o| ObjectKey::of(o).unwrap()).collect();
    // The ReplicaSets' Kustomizations: every workload's ReplicaSet names one of 100.
    for w in 0..pods.div_ceil(per_workload) {
        let rs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": format!("w{w}-7d9f8"), "namespace": format!("ns{}", w % 50), "labels": {
                "kustomize.toolkit.fluxcd.io/name": format!("ks{}", w % 100),
                "kustomize.toolkit.fluxcd.io/namespace": "flux-system"}}});
        let key = ObjectKey::of(&rs).unwrap();
        store.apply(observed(&rs, key, &mut assessor, now), now);
    }
    for (o, k) in objects.iter().zip(&keys) {
        store.apply(observed(o, k.clone(), &mut assessor, now), now);
    }
    let placed: Vec<Placed> = objects
        .iter()
        .zip(&keys)
        .map(|(o, k)| Placed::of(o, k).unwrap())
        .collect();
    let before = LIVE.load(Ordering::Relaxed);
    for (k, p) in keys.iter().zip(placed.iter().cloned()) {
        store.place(k, Some(p));
    }
    let after = LIVE.load(Ordering::Relaxed);
    let bytes = (after - before) as f64;
    println!(
        "{pods} Pods on {nodes} Nodes: placement holds {:.1} KiB, {:.1} B per Pod ({} label pairs interned)",
        bytes / 1024.0,
        bytes / pods as f64,
        store.placement.labels_interned()
    );
    // An update that changes none of the fields: compared, nothing touched.
    let started = Instant::now();
    for (k, p) in keys.iter().zip(placed.iter().cloned()) {
        assert!(!store.place(k, Some(p)));
    }
    println!(
        "unchanged update: {:.0} ns per Pod",
        started.elapsed().as_nanos() as f64 / pods as f64
    );
    let started = Instant::now();
    let affected = store.affected_by_node("node-0");
    println!(
        "a Node's walk ({} Pods): {:.1} µs, {} objects named, {} more",
        store.placement.count_on("node-0"),
        started.elapsed().as_nanos() as f64 / 1000.0,
        affected.objects.len(),
        affected.more
    );
}

fn observed(
    o: &serde_json::Value,
    key: ObjectKey,
    assessor: &mut herald::health::Assessor,
    now: jiff::Timestamp,
) -> Observed {
    Observed {
        links: Links::of(o, &key),
        key,
        resource_version: "1".into(),
        meta: Meta::default(),
        assessment: assessor.assess(o, now),
        initial: true,
        compat: None,
        spec: None,
        images: Vec::new(),
    }
}
