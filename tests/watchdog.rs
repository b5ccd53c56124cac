//! The evaluator's watchdog: a Lua check stuck beyond the VM's own limits is abandoned and
//! quarantined while the evaluator goes on, and herald says it is stuck when nothing moves.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use herald::agent::{self, Agent, Config};
use herald::clock::SystemClock;
use herald::fake::{FakeApiServer, Options, gitops_resources};
use herald::health::{Assessor, Health};
use herald::lua::{KindPattern, Limits, LuaChecks, ScriptSource};
use herald::store::Transition;
use serde_json::json;
use tokio::sync::broadcast;

use crate::util::{eventually, request};

const ORIGIN: &str = "checks/kustomize.toolkit.fluxcd.io/Kustomization/health.lua";

fn ks(name: &str) -> serde_json::Value {
    json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
           "metadata": {"name": name, "namespace": "flux-system"},
           "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "Test"}]}})
}

const STALLING: &str = "if obj.metadata.name == 'stuck' then stall() end \
                        return {status = 'Healthy', message = 'judged by the script'}";

/// Checks where Kustomizations are judged by the user script `source`; `stall()` blocks in
/// native code until `release` is set.
fn checks(source: &str, release: &Arc<AtomicBool>) -> Assessor {
    let limits = Limits {
        time: Duration::from_millis(200),
        memory: 16 << 20,
    };
    let mut checks = LuaChecks::shipped(limits).unwrap();
    checks
        .add_user(vec![ScriptSource {
            pattern: KindPattern {
                group: "kustomize.toolkit.fluxcd.io".into(),
                kind: "Kustomization".into(),
            },
            origin: ORIGIN.into(),
            source: source.into(),
        }])
        .unwrap();
    let release = Arc::clone(release);
    checks.add_native_for_tests("stall", move || {
        while !release.load(Ordering::SeqCst) {
            std::thread::park_timeout(Duration::from_millis(10));
        }
    });
    Assessor::new(checks)
}

/// The stalling checks, followed by new versions of the script sent on the returned channel
/// (as a changed argocd-cm would be).
fn stalling_checks(
    release: Arc<AtomicBool>,
) -> (
    impl Fn() -> Assessor + Send + Sync + 'static,
    std::sync::mpsc::Sender<Vec<ScriptSource>>,
) {
    let (tx, rx) = std::sync::mpsc::channel();
    let updates = Arc::new(std::sync::Mutex::new(rx));
    let make = move || {
        let first = checks(STALLING, &release);
        let release = Arc::clone(&release);
        let rebuild = move |sources: Vec<ScriptSource>| Ok(checks(&sources[0].source, &release));
        first.reloading(Arc::clone(&updates), Box::new(rebuild))
    };
    (make, tx)
}

async fn transition_of(rx: &mut broadcast::Receiver<Transition>, name: &str) -> Transition {
    loop {
        let t = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .expect("a transition within 30 s")
            .expect("transitions channel open");
        if t.key.name == name {
            return t;
        }
    }
}

/// A fake cluster with the Kustomization "apps", and herald watching it with the stalling
/// checks under `config`.
struct Stalling {
    server: FakeApiServer,
    agent: Arc<Agent>,
    /// New versions of the script, as a changed argocd-cm would send them.
    updates: std::sync::mpsc::Sender<Vec<ScriptSource>>,
    /// Lets a stalled check return.
    release: Arc<AtomicBool>,
}

async fn start(config: Config) -> Stalling {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = FakeApiServer::start(gitops_resources(), Options::default())
        .await
        .unwrap();
    server.apply(ks("apps")).unwrap();
    let release = Arc::new(AtomicBool::new(false));
    let client = agent::client(kube::Config::new(server.url().parse().unwrap())).unwrap();
    let (make, updates) = stalling_checks(Arc::clone(&release));
    let agent = agent::start(client, config, make, Arc::new(SystemClock));
    Stalling {
        server,
        agent,
        updates,
        release,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regression_a_check_stuck_outside_the_vm_is_abandoned_and_quarantined() {
    let Stalling {
        server,
        agent,
        updates,
        release,
    } = start(Config {
        watchdog_margin: Duration::from_millis(300),
        ..Config::default()
    })
    .await;
    let mut rx = agent.subscribe_from_start();
    let apps = transition_of(&mut rx, "apps").await;
    assert_eq!(apps.to.unwrap().health, Health::Healthy);

    // One object sends its check into native code that never returns; the update after it
    // is in the same queue.
    server.apply(ks("stuck")).unwrap();
    server.apply(ks("after")).unwrap();
    let stuck = transition_of(&mut rx, "stuck").await;
    let message = stuck.message.clone();
    assert_eq!(stuck.to.unwrap().health, Health::Unknown, "{message}");
    assert!(
        message.contains(ORIGIN) && message.contains("abandoned"),
        "{message}"
    );
    // The evaluator went on; the quarantined check judges its kind unknown, naming why.
    let after = transition_of(&mut rx, "after").await;
    assert_eq!(after.to.unwrap().health, Health::Unknown);
    assert!(after.message.contains("quarantined"), "{}", after.message);
    assert_eq!(agent.metrics.evaluations_abandoned.get(), 1);
    assert_eq!(agent.metrics.lua_quarantined.get(), 1);
    assert!(agent.progress.stalled().is_none());

    // A changed script runs again: the quarantine was of the script that got stuck.
    updates
        .send(vec![ScriptSource {
            pattern: KindPattern {
                group: "kustomize.toolkit.fluxcd.io".into(),
                kind: "Kustomization".into(),
            },
            origin: ORIGIN.into(),
            source: "return {status = 'Healthy', message = 'fixed'}".into(),
        }])
        .unwrap();
    server.apply(ks("later")).unwrap();
    let later = transition_of(&mut rx, "later").await;
    assert_eq!(
        later.to.unwrap().health,
        Health::Healthy,
        "{}",
        later.message
    );
    assert_eq!(agent.metrics.lua_quarantined.get(), 0);
    release.store(true, Ordering::SeqCst);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regression_healthz_fails_while_the_evaluator_is_stuck() {
    // A watchdog that never steps in, so the evaluator stays stuck.
    let Stalling {
        server,
        agent,
        release,
        ..
    } = start(Config {
        watchdog_margin: Duration::from_secs(3600),
        stall_after: Duration::from_millis(500),
        ..Config::default()
    })
    .await;
    let addr = herald::http::start("127.0.0.1:0".parse().unwrap(), Arc::clone(&agent))
        .await
        .unwrap()
        .to_string();
    let mut rx = agent.subscribe_from_start();
    transition_of(&mut rx, "apps").await;
    eventually("ready", || std::future::ready(agent.is_ready())).await;
    assert_eq!(request(&addr, "GET", "/healthz").await.0, 200);

    server.apply(ks("stuck")).unwrap();
    eventually("a stall", || {
        std::future::ready(agent.progress.stalled().is_some())
    })
    .await;
    let (status, _, body) = request(&addr, "GET", "/healthz").await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("stalled"), "{body}");
    assert_eq!(request(&addr, "GET", "/readyz").await.0, 503);
    let (_, _, metrics) = request(&addr, "GET", "/metrics").await;
    assert!(metrics.contains("herald_ready 0"));

    // Once the check returns, the evaluator catches up and herald is healthy again.
    release.store(true, Ordering::SeqCst);
    let stuck = transition_of(&mut rx, "stuck").await;
    assert_eq!(stuck.to.unwrap().health, Health::Healthy);
    eventually("recovery", || {
        std::future::ready(agent.progress.stalled().is_none())
    })
    .await;
    assert_eq!(request(&addr, "GET", "/healthz").await.0, 200);
}
