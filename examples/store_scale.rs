//! The store alone at scale: how long one update takes to roll up, at 10,000, 50,000 and
//! 100,000 objects, with parents of tens of children and a few of a thousand. No API server,
//! no parsing, no checks: objects are built as the store takes them (`Observed`), so what is
//! measured is the store's own work (links, roll-up, transitions).
//!
//! Times are the thread's CPU time (`/proc/thread-self/schedstat`). Run with
//! `cargo run --release --example store_scale [OBJECTS...]` (default 10000 50000 100000).

use herald::health::{Assessment, Health};
use herald::relations::{Links, ParentRef};
use herald::store::{DEFAULT_RETENTION, Meta, ObjectKey, Observed, Store};
use jiff::Timestamp;

/// As herald's binary allocates.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// One application: a Kustomization applying two Deployments, two Services and two
/// ConfigMaps; each Deployment has a ReplicaSet of three Pods. Fifteen objects.
const PER_APP: usize = 15;
/// Every this many objects, one platform Kustomization applies a thousand ConfigMaps.
const BIG_EVERY: usize = 10_000;
const BIG_CHILDREN: usize = 1_000;

/// This thread's CPU time so far (the machine may be shared: wall time would count others).
fn cpu() -> f64 {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns: f64 = s
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    ns / 1e9
}

fn rss_mib() -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

fn observed(key: ObjectKey, health: Health, links: Links) -> Observed {
    let mut a = Assessment::new(health, health == Health::Healthy, "Status");
    a.message = format!("{} is {health:?}", key.name);
    Observed {
        key,
        resource_version: "1".into(),
        links,
        meta: Meta::default(),
        assessment: a,
        initial: false,
        compat: None,
        spec: None,
        images: Vec::new(),
    }
}

fn ks(ns: &str, name: &str) -> ObjectKey {
    ObjectKey::new("kustomize.toolkit.fluxcd.io", "Kustomization", ns, name)
}

/// The objects of a cluster of about `n`, in the order a first list may bring them (children
/// before parents for half the apps).
fn cluster(n: usize) -> (Vec<Observed>, Vec<ObjectKey>) {
    let mut out = Vec::with_capacity(n);
    let mut pods = Vec::new();
    let apps = (n - n / BIG_EVERY * (BIG_CHILDREN + 1)) / PER_APP;
    for a in 0..apps {
        let ns = format!("team-{}", a % 200);
        let app = format!("app-{a}");
        let parent = ParentRef::Key(ks("flux-system", &app));
        let mut applied = Vec::new();
        let mut objs = Vec::new();
        for d in 0..2 {
            let deploy = ObjectKey::new("apps", "Deployment", &ns, &format!("{app}-{d}"));
            let rs = ObjectKey::new("apps", "ReplicaSet", &ns, &format!("{app}-{d}-7d9f8"));
            applied.push(deploy.clone());
            for kind in ["Service", "ConfigMap"] {
                let k = ObjectKey::new("", kind, &ns, &format!("{app}-{d}"));
                applied.push(k.clone());
                objs.push(observed(
                    k,
                    Health::Healthy,
                    Links {
                        children: vec![],
                        parents: vec![parent.clone()],
                    },
                ));
            }
            objs.push(observed(
                deploy.clone(),
                Health::Healthy,
                Links {
                    children: vec![],
                    parents: vec![parent.clone()],
                },
            ));
            objs.push(observed(
                rs.clone(),
                Health::Healthy,
                Links {
                    children: vec![],
                    parents: vec![ParentRef::Key(deploy)],
                },
            ));
            for p in 0..3 {
                let pod = ObjectKey::new("", "Pod", &ns, &format!("{app}-{d}-7d9f8-{p}"));
                pods.push(pod.clone());
                objs.push(observed(
                    pod,
                    Health::Healthy,
                    Links {
                        children: vec![],
                        parents: vec![ParentRef::Key(rs.clone())],
                    },
                ));
            }
        }
        applied.sort();
        let k = observed(
            ks("flux-system", &app),
            Health::Healthy,
            Links {
                children: applied,
                parents: vec![],
            },
        );
        if a % 2 == 0 {
            out.push(k);
            out.extend(objs);
        } else {
            out.extend(objs);
            out.push(k);
        }
    }
    for b in 0..n / BIG_EVERY {
        let name = format!("platform-{b}");
        let mut applied = Vec::new();
        for c in 0..BIG_CHILDREN {
            let k = ObjectKey::new("", "ConfigMap", "platform", &format!("{name}-{c}"));
            applied.push(k.clone());
            out.push(observed(
                k,
                Health::Healthy,
                Links {
                    children: vec![],
                    parents: vec![ParentRef::Key(ks("flux-system", &name))],
                },
            ));
        }
        applied.sort();
        out.push(observed(
            ks("flux-system", &name),
            Health::Healthy,
            Links {
                children: applied,
                parents: vec![],
            },
        ));
    }
    (out, pods)
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![10_000, 50_000, 100_000]
    } else {
        sizes
    };
    let at = Timestamp::from_second(1_800_000_000).unwrap();
    println!(
        "objects | load (µs/object) | RSS growth loaded (MiB) | Pod flip (µs/update) | big parent's child flip (µs/update)"
    );
    for n in sizes {
        let rss0 = rss_mib();
        let (objs, pods) = cluster(n);
        let total = objs.len();
        let mut store = Store::new(DEFAULT_RETENTION);
        let t = cpu();
        for o in objs {
            store.apply(o, at);
        }
        let load = (cpu() - t) * 1e6 / total as f64;
        let rss = rss_mib() - rss0;
        // Each update turns one Pod unhealthy or back: its ReplicaSet, Deployment and
        // Kustomization roll it up and change with it.
        let updates = 100_000;
        let t = cpu();
        for u in 0..updates {
            let pod = &pods[(u * 7919) % pods.len()];
            let rs = pod.name.rsplit_once('-').unwrap().0;
            let health = if (u / pods.len()).is_multiple_of(2) {
                Health::Unhealthy
            } else {
                Health::Healthy
            };
            store.apply(
                observed(
                    pod.clone(),
                    health,
                    Links {
                        children: vec![],
                        parents: vec![ParentRef::Key(ObjectKey::new(
                            "apps",
                            "ReplicaSet",
                            &pod.namespace,
                            rs,
                        ))],
                    },
                ),
                at,
            );
        }
        let pod_flip = (cpu() - t) * 1e6 / updates as f64;
        // The children of a big parent going bad one by one, then back.
        let big = if n >= BIG_EVERY {
            let updates = 2 * BIG_CHILDREN;
            let t = cpu();
            for u in 0..updates {
                let c = u % BIG_CHILDREN;
                let health = if u < BIG_CHILDREN {
                    Health::Unhealthy
                } else {
                    Health::Healthy
                };
                store.apply(
                    observed(
                        ObjectKey::new("", "ConfigMap", "platform", &format!("platform-0-{c}")),
                        health,
                        Links {
                            children: vec![],
                            parents: vec![ParentRef::Key(ks("flux-system", "platform-0"))],
                        },
                    ),
                    at,
                );
            }
            format!("{:.1}", (cpu() - t) * 1e6 / updates as f64)
        } else {
            "-".into()
        };
        println!("{total} | {load:.1} | {rss:.1} | {pod_flip:.1} | {big}");
        drop(store);
    }
}
