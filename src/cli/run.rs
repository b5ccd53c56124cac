//! `herald run`: the agent against a real cluster (kubeconfig or in-cluster configuration).

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;

use super::lua::UserChecks;
use crate::agent;
use crate::clock::SystemClock;

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// herald's configuration file (see `herald config validate`); flags given on the command
    /// line win over its `watch` and `health` settings.
    #[arg(long, env = "HERALD_CONFIG", value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
    /// Address of the HTTP API (/healthz, /readyz, /api/v1/objects).
    #[arg(
        long,
        env = "HERALD_LISTEN",
        default_value = "0.0.0.0:8080",
        value_name = "ADDR"
    )]
    pub listen: SocketAddr,
    /// Namespaces to watch (repeatable, or separated by commas) [default: the configuration's
    /// `watch.namespaces`, else all].
    #[arg(
        long = "namespace",
        short = 'n',
        env = "HERALD_NAMESPACES",
        value_delimiter = ',',
        value_name = "NAMESPACE"
    )]
    pub namespaces: Vec<String>,
    /// Only objects matching this label selector [default: the configuration's
    /// `watch.labelSelector`].
    #[arg(long, short = 'l', env = "HERALD_SELECTOR", value_name = "SELECTOR")]
    pub selector: Option<String>,
    /// How long deleted objects stay visible, in minutes.
    #[arg(
        long,
        env = "HERALD_RETENTION_MINUTES",
        default_value_t = 60,
        value_name = "MINUTES"
    )]
    pub retention_minutes: i64,
    /// Do not follow children (inventories, Argo CD resources, owners): every object shows
    /// its own health and only Flux and Argo CD kinds are watched.
    #[arg(long, env = "HERALD_NO_CHILDREN")]
    pub no_children: bool,
    /// At most this many kinds are watched on demand because inventories list them
    /// [default: the configuration's `watch.maxChildKinds`, else 64].
    #[arg(long, env = "HERALD_MAX_CHILD_KINDS", value_name = "N")]
    pub max_child_kinds: Option<usize>,
    /// Every watch lists again this often, to repair any divergence between what herald holds
    /// and the API server (as after an etcd restore), and logs what it found; `0` never
    /// [default: the configuration's `watch.relistInterval`, else 30m].
    #[arg(long, env = "HERALD_RELIST_INTERVAL", value_name = "DURATION", value_parser = duration)]
    pub relist_interval: Option<Duration>,
    /// /readyz and herald_ready say not ready while a watch has been down this long: herald is
    /// blind and what it shows may be stale [default: `watch.notReadyAfter`, else 60s].
    #[arg(long, env = "HERALD_NOT_READY_AFTER", value_name = "DURATION", value_parser = duration)]
    pub not_ready_after: Option<Duration>,
    /// The notification outbox [default: the configuration's `delivery.outbox`, else
    /// herald-outbox.redb].
    #[arg(long, env = "HERALD_OUTBOX", value_name = "FILE")]
    pub outbox: Option<std::path::PathBuf>,
    /// The history file: every object's transitions, notifications and warnings, kept for
    /// `history.retention` [default: the configuration's `history.path`, else
    /// herald-history.redb].
    #[arg(long, env = "HERALD_HISTORY", value_name = "FILE")]
    pub history: Option<std::path::PathBuf>,
    /// Keep the history in memory only (at most 4 MiB of records, lost at exit).
    #[arg(long, env = "HERALD_NO_HISTORY", conflicts_with = "history")]
    pub no_history: bool,
    /// Allows writes to the HTTP API (silences) with the bearer token in FILE, named by the
    /// file's name in the audit log (repeatable; beside the configuration's
    /// `api.writes.tokenFiles`). Without any, writes are refused.
    #[arg(
        long = "api-token-file",
        env = "HERALD_API_TOKEN_FILES",
        value_delimiter = ',',
        value_name = "FILE"
    )]
    pub api_token_files: Vec<std::path::PathBuf>,
    /// Several replicas, one voice: the replica holding a Lease in herald's namespace sends
    /// notifications and keeps what it told there; the others watch, assess and serve, and
    /// take over [default: the configuration's `leaderElection.enabled`].
    #[arg(long, env = "HERALD_LEADER_ELECT")]
    pub leader_elect: bool,
    /// herald's own namespace, for the Lease and the hand-over state [default:
    /// `leaderElection.namespace`, else $POD_NAMESPACE, else the kubeconfig's namespace].
    #[arg(long, env = "HERALD_LEASE_NAMESPACE", value_name = "NAMESPACE")]
    pub lease_namespace: Option<String>,
    /// The Lease's name [default: `leaderElection.leaseName`, else herald, or herald-<shard>].
    #[arg(long, env = "HERALD_LEASE_NAME", value_name = "NAME")]
    pub lease_name: Option<String>,
    /// A leader not renewed for this long may be replaced [default: 15s].
    #[arg(long, env = "HERALD_LEASE_DURATION", value_name = "DURATION", value_parser = duration)]
    pub lease_duration: Option<Duration>,
    /// A leader that could not renew for this long stops sending [default: 10s].
    #[arg(long, env = "HERALD_RENEW_DEADLINE", value_name = "DURATION", value_parser = duration)]
    pub renew_deadline: Option<Duration>,
    /// How often the Lease is tried or renewed [default: 2s].
    #[arg(long, env = "HERALD_RETRY_PERIOD", value_name = "DURATION", value_parser = duration)]
    pub retry_period: Option<Duration>,
    /// This replica's name in the Lease [default: $POD_NAME, else the host name, and a random
    /// suffix].
    #[arg(long, env = "HERALD_IDENTITY", value_name = "NAME")]
    pub identity: Option<String>,
    /// Serve one shard: only objects labelled `sharding.fluxcd.io/key=<SHARD>` (or the
    /// configuration's `shard.label`), with a Lease and state of its own and `shard` on
    /// the metrics [default: the configuration's `shard.name`].
    #[arg(long, env = "HERALD_SHARD", value_name = "SHARD")]
    pub shard: Option<String>,
    #[command(flatten)]
    pub checks: UserChecks,
}

/// What leader election runs with, from the flags, the file and the environment.
struct Elected {
    namespace: Option<String>,
    lease_name: String,
    timings: crate::lease::Timings,
    identity: String,
    parts: usize,
}

/// A name for this replica: unique even when two pods share a name across restarts.
fn identity(given: Option<&str>) -> String {
    if let Some(i) = given.filter(|i| !i.is_empty()) {
        return i.to_string();
    }
    let base = std::env::var("POD_NAME")
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|s| s.trim().to_string())
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "herald".into());
    let mut suffix = [0u8; 4];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut suffix);
    let hex: String = suffix.iter().map(|b| format!("{b:02x}")).collect();
    format!("{base}_{hex}")
}

fn duration(s: &str) -> Result<Duration, String> {
    crate::config::parse_duration(s)
        .ok_or_else(|| format!("{s:?} is not a duration: write e.g. 30s, 2m, 1h30m"))
}

pub fn run(args: &RunArgs) -> anyhow::Result<i32> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let file = match &args.config {
        Some(path) => match crate::config::load(path) {
            Ok(c) => c,
            Err(errors) => {
                for e in &errors {
                    eprintln!("error: {e}");
                }
                return Ok(2);
            }
        },
        None => crate::config::Config::default(),
    };
    let mut file = file;
    // Token files are secrets, checked where herald runs: here, not by `config validate`.
    for path in &file.api.writes.token_files {
        if let Err(e) = crate::writes::read_token(path) {
            eprintln!("error: api.writes.tokenFiles: {e}");
            return Ok(2);
        }
    }
    for path in &args.api_token_files {
        let name = crate::writes::token_name(path);
        let taken = file
            .api
            .writes
            .token_files
            .iter()
            .any(|p| crate::writes::token_name(p) == name);
        if let Err(e) = crate::writes::read_token(path) {
            eprintln!("error: --api-token-file: {e}");
            return Ok(2);
        }
        if taken {
            eprintln!(
                "error: --api-token-file {}: a second token named {name:?}: the audit log could not tell them apart",
                path.display()
            );
            return Ok(2);
        }
        file.api.writes.token_files.push(path.clone());
    }
    // The flags are held to what the file is held to.
    let flags = args
        .namespaces
        .iter()
        .map(|ns| crate::config::check_namespace(ns).map_err(|why| format!("--namespace: {why}")))
        .chain(
            args.selector.iter().map(|s| {
                crate::config::check_selector(s).map_err(|why| format!("--selector: {why}"))
            }),
        )
        .chain(args.relist_interval.map(|d| {
            crate::config::check_relist_interval(d)
                .map_err(|why| format!("--relist-interval: {why}"))
        }))
        .chain(args.not_ready_after.map(|d| {
            crate::config::check_not_ready_after(d)
                .map_err(|why| format!("--not-ready-after: {why}"))
        }));
    let mut refused = false;
    for why in flags.filter_map(Result::err) {
        eprintln!("error: {why}");
        refused = true;
    }
    let mut election = file.leader_election.clone();
    election.enabled |= args.leader_elect;
    if let Some(d) = args.lease_duration {
        election.timings.duration = d;
    }
    if let Some(d) = args.renew_deadline {
        election.timings.renew_deadline = d;
    }
    if let Some(d) = args.retry_period {
        election.timings.retry_period = d;
    }
    if let Err(why) = election.timings.validate() {
        eprintln!("error: leader election: {why}");
        refused = true;
    }
    if let Some(ns) = &args.lease_namespace {
        if let Err(why) = crate::config::check_namespace(ns) {
            eprintln!("error: --lease-namespace: {why}");
            refused = true;
        }
        election.namespace = Some(ns.clone());
    }
    if args.lease_name.is_some() {
        election.lease_name.clone_from(&args.lease_name);
    }
    let shard = match &args.shard {
        Some(name) => Some(crate::config::Shard {
            name: name.clone(),
            label: file.shard.as_ref().map_or_else(
                || crate::config::SHARD_LABEL.to_string(),
                |s| s.label.clone(),
            ),
        }),
        None => file.shard.clone(),
    };
    if let Some(s) = &shard
        && let Err(why) = crate::config::check_selector(&format!("{}={}", s.label, s.name))
    {
        eprintln!("error: --shard: {why}");
        refused = true;
    }
    if refused {
        return Ok(2);
    }
    let elected = election.enabled.then(|| Elected {
        namespace: election.namespace.clone().or_else(|| {
            std::env::var("POD_NAMESPACE")
                .ok()
                .filter(|s| !s.is_empty())
        }),
        lease_name: election.lease_name.clone().unwrap_or_else(|| match &shard {
            Some(s) => format!("herald-{}", s.name),
            None => "herald".into(),
        }),
        timings: election.timings,
        identity: identity(args.identity.as_deref()),
        parts: election.state_parts,
    });
    if let Err(why) = super::can_listen(args.listen, Some("HERALD_LISTEN")) {
        eprintln!("error: {why}");
        return Ok(2);
    }
    let mut checks = args.checks.clone();
    if checks.scripts.is_empty() {
        checks.scripts.clone_from(&file.health.lua_checks);
    }
    if checks.argocd_cm.is_none() {
        checks.argocd_cm.clone_from(&file.health.argo_config_map);
    }
    // Load user checks now, so a broken one stops start-up with its file and line.
    if let Err(errors) = checks.assessor() {
        for e in &errors {
            eprintln!("error: {e}");
        }
        return Ok(2);
    }
    let watch = &file.watch;
    let config = agent::Config {
        namespaces: if args.namespaces.is_empty() {
            watch.namespaces.clone()
        } else {
            args.namespaces.clone()
        },
        label_selector: {
            let given = args
                .selector
                .clone()
                .or_else(|| Some(watch.label_selector.clone()).filter(|s| !s.is_empty()));
            match (&shard, given) {
                (Some(s), Some(g)) => Some(format!("{g},{}={}", s.label, s.name)),
                (Some(s), None) => Some(format!("{}={}", s.label, s.name)),
                (None, g) => g,
            }
        },
        shard: shard.as_ref().map(|s| s.name.clone()),
        retention: jiff::SignedDuration::from_mins(args.retention_minutes),
        rediscover_every: Duration::from_secs(60),
        children: !args.no_children && watch.children,
        max_child_kinds: args.max_child_kinds.unwrap_or(watch.max_child_kinds),
        flux: watch.flux,
        argo: watch.argo,
        events: watch.events,
        nodes: watch.nodes,
        changes: Some(file.changes.clone()),
        // With a configuration file, notifications can start later by a reload.
        notify: args.config.is_some(),
        cluster: file.cluster.clone(),
        relist_every: Some(
            args.relist_interval
                .or(watch.relist_interval)
                .unwrap_or(agent::DEFAULT_RELIST),
        )
        .filter(|d| !d.is_zero()),
        not_ready_after: args
            .not_ready_after
            .or(watch.not_ready_after)
            .unwrap_or(agent::DEFAULT_NOT_READY_AFTER),
        ..agent::Config::default()
    };
    let history = if args.no_history {
        crate::history::History::in_memory(file.history.limits.clone(), Arc::new(SystemClock))
    } else {
        let path = args
            .history
            .clone()
            .or_else(|| file.history.path.clone())
            .unwrap_or_else(|| std::path::PathBuf::from(crate::config::DEFAULT_HISTORY_PATH));
        match crate::history::History::open(
            &path,
            file.history.limits.clone(),
            Arc::new(SystemClock),
        ) {
            Ok(h) => h,
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(2);
            }
        }
    };
    let config = agent::Config {
        history: Some(Arc::clone(&history)),
        ..config
    };
    let outbox_path = args
        .outbox
        .clone()
        .unwrap_or_else(|| file.delivery.outbox.clone());
    let outbox = if config.notify && elected.is_none() {
        match crate::notify::outbox::Outbox::open(&outbox_path) {
            Ok(o) => Some(Arc::new(o)),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(2);
            }
        }
    } else {
        None
    };
    file.shard.clone_from(&shard);
    let file = Arc::new(file);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // The watches parse on these threads and the evaluator frees what they parsed: a worker
        // gone quiet would never take those frees back on its own, and the pages stay resident.
        .on_thread_park(crate::agent::collect)
        .build()?;
    let argo_cm = file.health.argo_config_map_ref.clone();
    runtime.block_on(async {
        let kube_config = kube::Config::infer().await?;
        // Without kube's hidden retries, as the agent's own: a watch of argocd-cm that fails
        // says so instead of hanging inside one request.
        let client = agent::client(kube_config.clone())?;
        let (updates, updated) = std::sync::mpsc::channel();
        if let Some(r) = &argo_cm {
            match argo_config_map(&client, r).await {
                Ok((found, version)) => {
                    // kube-rs's watcher reads a line however long: its client bounds each.
                    let watching = agent::client_for_kube_watcher(kube_config.clone())?;
                    tokio::spawn(follow_argo_config_map(watching, r.clone(), version, updates));
                    tracing::info!(configmap = %format!("{}/{}", r.namespace, r.name), checks = found.len(), "health checks read from Argo CD's ConfigMap");
                    checks.extra = found;
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(2);
                }
            }
            // Like the files: a broken script stops start-up, named.
            if let Err(errors) = checks.assessor() {
                for e in &errors {
                    eprintln!("error: {e}");
                }
                return Ok(2);
            }
        }
        // The evaluator may build its checks more than once (after the watchdog abandoned a
        // stuck one): each time from the latest argocd-cm scripts that were accepted.
        let updated = Arc::new(std::sync::Mutex::new(updated));
        let accepted = Arc::new(std::sync::Mutex::new(std::mem::take(&mut checks.extra)));
        let assessor = move || {
            let mut current = checks.clone();
            current.extra = accepted.lock().unwrap_or_else(|p| p.into_inner()).clone();
            // Read again from disk: a script broken since start-up is logged and judges its
            // kinds unknown; the others keep running.
            let (running, errors) = current.loaded();
            for e in &errors {
                tracing::error!(error = %e, "a user check no longer loads");
            }
            // A changed argocd-cm: the same checks with its new scripts.
            let accepted = Arc::clone(&accepted);
            let rebuild = move |extra: Vec<crate::lua::ScriptSource>| {
                let mut next = current.clone();
                next.extra.clone_from(&extra);
                let built = next.assessor();
                if built.is_ok() {
                    *accepted.lock().unwrap_or_else(|p| p.into_inner()) = extra;
                }
                built
            };
            running.reloading(Arc::clone(&updated), Box::new(rebuild))
        };
        let default_namespace = kube_config.default_namespace.clone();
        let clients = agent::clients(kube_config, config.pace)?;
        let agent = agent::start(clients, config, assessor, Arc::new(SystemClock));
        let (shutdown, shutting_down) = tokio::sync::watch::channel(false);
        // What must end, in order, before the process exits.
        let mut stopping: Vec<(&str, futures::future::BoxFuture<'static, ()>, Duration)> = Vec::new();
        let mut changes = agent.take_changes();
        if let (Some(e), Some(changes)) = (&elected, changes.take_if(|_| elected.is_some())) {
            let namespace = e.namespace.clone().unwrap_or(default_namespace);
            let (lead_tx, leadership) = tokio::sync::watch::channel(crate::lease::Leadership::default());
            let elector = crate::lease::Elector::new(
                crate::lease::KubeLease::new(client.clone(), &namespace, &e.lease_name),
                e.identity.clone(),
                e.timings,
            );
            let _ = agent.election.set((e.identity.clone(), leadership.clone()));
            tracing::info!(identity = %e.identity, lease = %format!("{namespace}/{}", e.lease_name), "leader election: standing by until this replica holds the Lease");
            let synced = {
                let agent = Arc::clone(&agent);
                Arc::new(move || agent.listed_all()) as Arc<dyn Fn() -> bool + Send + Sync>
            };
            let messages = Arc::clone(&file.messages);
            let timeout = file.delivery.timeout;
            let (notifier, task) = crate::notify::leader::start(
                Arc::clone(&file),
                Arc::clone(&agent.store),
                changes,
                move |outbox| crate::notify::send::http(timeout, Some(outbox), messages),
                Arc::new(SystemClock),
                Arc::clone(&agent.metrics),
                crate::notify::leader::Election {
                    leadership,
                    state: crate::notify::handover::ClusterState::new(client.clone(), &namespace, &e.lease_name, shard.as_ref().map(|s| s.name.as_str())),
                    silences: crate::notify::ClusterSilences::new(client.clone(), &namespace, &format!("{}-silences", e.lease_name)),
                    parts: e.parts,
                    identity: e.identity.clone(),
                    synced,
                    shutdown: shutting_down.clone(),
                },
            );
            let _ = agent.notifier.set(Arc::clone(&notifier));
            if let Some(path) = args.config.clone() {
                tokio::spawn(reload_loop(path, notifier));
            }
            // The Lease is released only once the notifier has stopped.
            let (release_tx, release) = tokio::sync::watch::channel(false);
            // A replica campaigns only once its view of the cluster is complete: one that cannot
            // list a kind must not hold the Lease that a complete one could use.
            let listed = Arc::clone(&agent);
            let lease_task = tokio::spawn(async move {
                static CLOCK: SystemClock = SystemClock;
                while !listed.listed_all() {
                    if *release.borrow() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                crate::lease::run(elector, &CLOCK, lead_tx, release).await;
            });
            let renew = e.timings.renew_deadline;
            stopping.push(("notifications", Box::pin(async move { let _ = task.await; }), crate::notify::leader::SHUTDOWN_GRACE + Duration::from_secs(2)));
            stopping.push(("lease", Box::pin(async move {
                let _ = release_tx.send(true);
                let _ = lease_task.await;
            }), renew));
        } else if let (Some(outbox), Some(changes)) = (outbox, changes.take()) {
            let deliver =
                crate::notify::send::http(
                    file.delivery.timeout,
                    Some(Arc::clone(&outbox)),
                    Arc::clone(&file.messages),
                );
            let notifier = crate::notify::start(
                Arc::clone(&file),
                Arc::clone(&agent.store),
                changes,
                outbox,
                deliver,
                Arc::new(SystemClock),
                Arc::clone(&agent.metrics),
            );
            let _ = agent.notifier.set(Arc::clone(&notifier));
            if let Some(path) = args.config.clone() {
                tokio::spawn(reload_loop(path, notifier));
            }
        }
        let bound = match crate::http::start_with(args.listen, Arc::clone(&agent), file.api.clone()).await {
            Ok(bound) => bound,
            Err(e) => {
                let why = super::listen_error(args.listen, &e, Some("HERALD_LISTEN"));
                eprintln!("error: {why}");
                return Ok(2);
            }
        };
        if file.api.writes.token_files.is_empty() {
            tracing::info!("the HTTP API is read-only: no token allows writes");
        } else {
            let names: Vec<String> = file.api.writes.token_files.iter().map(|p| crate::writes::token_name(p)).collect();
            tracing::info!(tokens = ?names, "silences may be added and expired through the HTTP API with a token");
        }
        eprintln!("herald: serving on http://{bound}");
        let mut transitions = agent.subscribe_from_start();
        // One line per transition, written in batches: a busy cluster makes many at once.
        let mut log = std::io::BufWriter::new(std::io::stderr());
        let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        let mut printed = None::<std::time::Instant>;
        loop {
            tokio::select! {
                _ = async {
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        _ = terminate.recv() => {}
                    }
                } => {
                    // Stop sending, let what is in flight finish and the state be written,
                    // then release the Lease so that a standby takes over at once.
                    let _ = shutdown.send(true);
                    for (what, task, within) in stopping {
                        if tokio::time::timeout(within, task).await.is_err() {
                            tracing::warn!(what, "did not stop in time");
                        }
                    }
                    // What the history holds is written and synced.
                    tokio::task::block_in_place(|| history.close());
                    tracing::info!("stopped");
                    return Ok(0);
                }
                t = transitions.recv() => {
                    // While transitions trickle, they are printed in batches at most every
                    // PRINT_EVERY: one wake-up of this thread for several.
                    if let Some(at) = printed.filter(|at| at.elapsed() < PRINT_EVERY) {
                        tokio::time::sleep_until((at + PRINT_EVERY).into()).await;
                    }
                    printed = Some(std::time::Instant::now());
                    let mut next = Some(t);
                    while let Some(t) = next.take() {
                        match t {
                            Ok(t) => log_transition(&mut log, &t)?,
                            Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                                writeln!(log, "herald: {n} transitions not printed (too many at once)")?;
                            }
                            Err(_) => return Ok(0),
                        }
                        next = match transitions.try_recv() {
                            Ok(t) => Some(Ok(t)),
                            Err(tokio::sync::broadcast::error::TryRecvError::Lagged(n)) => {
                                Some(Err(tokio::sync::broadcast::error::RecvError::Lagged(n)))
                            }
                            Err(_) => None,
                        };
                    }
                    log.flush()?;
                }
            }
        }
    })
}

/// The health checks of Argo CD's ConfigMap at start-up, and the version read. A ConfigMap that
/// does not exist has none (Argo CD runs without one too); one herald may not read is an error.
async fn argo_config_map(
    client: &kube::Client,
    r: &crate::config::ConfigMapRef,
) -> Result<(Vec<crate::lua::ScriptSource>, Option<String>), String> {
    let origin = format!("{}/{}", r.namespace, r.name);
    let api: kube::Api<ConfigMap> = kube::Api::namespaced(client.clone(), &r.namespace);
    match api.get_opt(&r.name).await {
        Ok(Some(cm)) => {
            let version = cm.metadata.resource_version.clone();
            Ok((health_checks(&cm, &origin)?, version))
        }
        Ok(None) => {
            tracing::warn!(configmap = %origin, "Argo CD's ConfigMap does not exist: no custom health checks from it");
            Ok((Vec::new(), None))
        }
        Err(e) => Err(format!("{origin}: cannot read the ConfigMap: {e}")),
    }
}

fn health_checks(cm: &ConfigMap, origin: &str) -> Result<Vec<crate::lua::ScriptSource>, String> {
    let value = serde_json::to_value(cm).map_err(|e| format!("{origin}: {e}"))?;
    crate::lua::argocd_cm::health_checks(&value, origin)
}

/// Watches Argo CD's ConfigMap and hands each new version's checks to the evaluator, which
/// uses them from the next assessment on (an object is judged by them at its next change). A
/// version whose checks cannot be read is logged and skipped; the running checks stay.
async fn follow_argo_config_map(
    client: kube::Client,
    r: crate::config::ConfigMapRef,
    mut version: Option<String>,
    updates: std::sync::mpsc::Sender<Vec<crate::lua::ScriptSource>>,
) {
    use futures::StreamExt;
    use kube::runtime::{WatchStreamExt, watcher};
    let origin = format!("{}/{}", r.namespace, r.name);
    let api: kube::Api<ConfigMap> = kube::Api::namespaced(client, &r.namespace);
    let config = watcher::Config::default().fields(&format!("metadata.name={}", r.name));
    let mut stream = watcher::watcher(api, config)
        .default_backoff()
        .applied_objects()
        .boxed();
    while let Some(event) = stream.next().await {
        let cm = match event {
            Ok(cm) if cm.metadata.name.as_deref() == Some(r.name.as_str()) => cm,
            Ok(_) => continue,
            Err(e) => {
                tracing::warn!(configmap = %origin, error = %e, "watching Argo CD's ConfigMap failed; retrying");
                continue;
            }
        };
        if cm.metadata.resource_version == version {
            continue;
        }
        version.clone_from(&cm.metadata.resource_version);
        match health_checks(&cm, &origin) {
            Ok(found) => {
                tracing::info!(configmap = %origin, checks = found.len(), "Argo CD's ConfigMap changed");
                if updates.send(found).is_err() {
                    return;
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "Argo CD's ConfigMap changed but cannot be read; the running checks stay")
            }
        }
    }
}

/// Transitions that come within this long of the last printed are printed with the next batch.
const PRINT_EVERY: Duration = Duration::from_millis(20);

fn log_transition(out: &mut impl Write, t: &crate::store::Transition) -> std::io::Result<()> {
    match &t.to {
        Some(v) => writeln!(out, "{} {}: {} {}", t.at, t.key, v.health, v.status),
        None => writeln!(out, "{} {}: deleted", t.at, t.key),
    }
}

/// Reloads the configuration on SIGHUP, or when the file changes (checked every 5 s, which also
/// catches a ConfigMap update). A configuration that does not validate is refused with its
/// mistakes and the running one stays.
async fn reload_loop(path: std::path::PathBuf, notifier: Arc<crate::notify::Notifier>) {
    let modified = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let mut last = modified(&path);
    let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let signalled = tokio::select! {
            Some(()) = async {
                match hangup.as_mut() {
                    Some(h) => h.recv().await,
                    None => std::future::pending().await,
                }
            } => true,
            _ = tick.tick() => false,
        };
        let now = modified(&path);
        if !signalled && now == last {
            continue;
        }
        last = now;
        match crate::config::load(&path) {
            Ok(c) => {
                tracing::info!(file = %path.display(), "configuration reloaded");
                notifier.reload(Arc::new(c));
            }
            Err(errors) => {
                for e in &errors {
                    tracing::error!(error = %e, "configuration not reloaded; the running one stays");
                }
            }
        }
    }
}
