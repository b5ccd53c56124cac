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
    #[command(flatten)]
    pub checks: UserChecks,
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
    if refused {
        return Ok(2);
    }
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
        label_selector: args
            .selector
            .clone()
            .or_else(|| Some(watch.label_selector.clone()).filter(|s| !s.is_empty())),
        retention: jiff::SignedDuration::from_mins(args.retention_minutes),
        rediscover_every: Duration::from_secs(60),
        children: !args.no_children && watch.children,
        max_child_kinds: args.max_child_kinds.unwrap_or(watch.max_child_kinds),
        flux: watch.flux,
        argo: watch.argo,
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
    let outbox_path = args
        .outbox
        .clone()
        .unwrap_or_else(|| file.delivery.outbox.clone());
    let outbox = if config.notify {
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
    let file = Arc::new(file);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
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
                    tokio::spawn(follow_argo_config_map(client.clone(), r.clone(), version, updates));
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
        let agent = agent::start(agent::client(kube_config)?, config, assessor, Arc::new(SystemClock));
        if let (Some(outbox), Some(changes)) = (outbox, agent.take_changes()) {
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
        loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => return Ok(0),
                t = transitions.recv() => {
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
