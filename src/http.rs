//! herald's HTTP API: probes and read-only views of the store.
//!
//! - `GET /` (or `/status`): the read-only status page (`src/status/`), built on the API below.
//! - `GET /api/v1/status`: the cluster's name, readiness (and why not), live objects by health,
//!   and each watch: up or down, when it last heard from the API server, its last error and
//!   last relist.
//! - `GET /healthz`: the process is up.
//! - `GET /metrics`: Prometheus metrics (see [`crate::metrics`]).
//! - `GET /readyz`: 200 once discovery ran and every watch delivered its first list, 503 before,
//!   and 503 again while a watch has been down longer than `--not-ready-after` (herald is
//!   blind: what it shows may be stale). The body says why.
//! - `GET /api/v1/objects?kind=&namespace=&health=`: every live object with its assessment.
//! - `GET /api/v1/objects/{group}/{kind}/{namespace}/{name}`: one object (deleted ones within the
//!   retention window too) with its own assessment, its children and parents, and its recent
//!   transitions. `core` stands for the core group and `_` for no namespace.
//! - `GET /api/v1/events?kind=&namespace=&name=&event=&limit=`: the latest events herald detected
//!   (the last 1,000 are kept), newest first.
//! - `GET /api/v1/silences`, `POST /api/v1/silences` (`{"match": {...}, "events": [...],
//!   "until": "<RFC 3339>" or "for": "2h", "comment": "..."}`), `DELETE /api/v1/silences/{id}`
//!   (expires it): silences beside those of the configuration file, kept across restarts.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::agent::Agent;
use crate::store::{Entry, Key, ObjectKey, Store};

/// Serves the API on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, agent: Arc<Agent>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let agent = Arc::clone(&agent);
        tokio::spawn(async move {
            let service = service_fn(move |req: Request<Incoming>| {
                let agent = Arc::clone(&agent);
                async move {
                    if req.method() == http::Method::POST {
                        let (parts, body) = req.into_parts();
                        let limited = http_body_util::Limited::new(body, 64 * 1024);
                        let bytes = match http_body_util::BodyExt::collect(limited).await {
                            Ok(b) => b.to_bytes(),
                            Err(_) => {
                                return Ok::<_, Infallible>(reply(
                                    StatusCode::PAYLOAD_TOO_LARGE,
                                    &json!({"error": "the body is larger than 64 KiB"}),
                                ));
                            }
                        };
                        return Ok(post(&agent, parts.uri.path(), &bytes));
                    }
                    Ok::<_, Infallible>(route(&agent, &req))
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Binds `addr` and serves in the background; returns the bound address.
pub async fn start(addr: SocketAddr, agent: Arc<Agent>) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    tokio::spawn(serve(listener, agent));
    Ok(bound)
}

fn reply(status: StatusCode, body: &Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("valid response")
}

const STATUS_HTML: &str = include_str!("status/index.html");
const STATUS_JS: &str = include_str!("status/app.js");
const STATUS_CSS: &str = include_str!("status/style.css");

/// One of the status page's files, built into the binary. The page loads nothing from elsewhere
/// and may not be framed.
fn page(body: &'static str, content_type: &str) -> Response<Full<Bytes>> {
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", content_type)
        .header(
            "content-security-policy",
            "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        )
        .header("x-content-type-options", "nosniff")
        .header("cache-control", "no-cache")
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .expect("valid response")
}

/// What the status page's header shows: the cluster, readiness and counts by health.
fn status(agent: &Agent) -> Response<Full<Bytes>> {
    let store = agent.store.read().unwrap_or_else(|p| p.into_inner());
    let mut health = serde_json::Map::new();
    for h in crate::health::Health::ALL {
        health.insert(h.as_str().to_string(), json!(0));
    }
    let mut objects = 0u64;
    for (_, e) in store.live() {
        objects += 1;
        if let Some(n) = health.get_mut(e.health().as_str()) {
            *n = json!(n.as_u64().unwrap_or(0) + 1);
        }
    }
    drop(store);
    let readiness = agent.readiness();
    let now = jiff::Timestamp::now();
    let watches: Vec<Value> = agent
        .watches()
        .into_iter()
        .map(|w| {
            let age = w
                .last_event_at
                .map(|t| now.duration_since(t).as_secs_f64().max(0.0).round());
            let mut v = json!(w);
            v["lastEventAgeSeconds"] = json!(age);
            v
        })
        .collect();
    let mut body = json!({
        "cluster": agent.cluster,
        "ready": readiness.is_ok(),
        "version": env!("CARGO_PKG_VERSION"),
        "objects": objects,
        "health": health,
        "notifications": agent.notifier.get().is_some(),
        // Some watch is down: what is shown may be stale (readiness fails after a grace).
        "stale": watches.iter().any(|w| w["up"] == false && w["listed"] == true),
        "watches": watches,
    });
    if let Err(why) = readiness {
        body["notReady"] = json!(why);
    }
    reply(StatusCode::OK, &body)
}

/// The Prometheus text exposition format (0.0.4).
fn metrics(agent: &Agent) -> Response<Full<Bytes>> {
    let outbox = agent
        .notifier
        .get()
        .map(|n| n.outbox_depth())
        .unwrap_or_default();
    let text = {
        let store = agent.store.read().unwrap_or_else(|p| p.into_inner());
        crate::metrics::render(
            &agent.metrics,
            &store,
            &agent.cluster,
            agent.is_ready(),
            &outbox,
        )
    };
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "text/plain; version=0.0.4; charset=utf-8")
        .body(Full::new(Bytes::from(text)))
        .expect("valid response")
}

fn query(req: &Request<Incoming>) -> Vec<(String, String)> {
    query_pairs(req.uri().query().unwrap_or_default()).collect()
}

/// The decoded `key=value` pairs of a URL query (percent-escapes and `+` undone).
pub(crate) fn query_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query.split('&').filter(|p| !p.is_empty()).map(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        (decode(k), decode(v))
    })
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%' && i + 2 < bytes.len())
            .then(|| std::str::from_utf8(&bytes[i + 1..i + 3]).ok())
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], escaped) {
            (_, Some(b)) => {
                out.push(b);
                i += 2;
            }
            (b'+', None) => out.push(b' '),
            (b, None) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn route(agent: &Agent, req: &Request<Incoming>) -> Response<Full<Bytes>> {
    let path = req.uri().path();
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    // Everything is read-only but the silences.
    let deletes_silence = req.method() == http::Method::DELETE
        && matches!(segs.as_slice(), ["api", "v1", "silences", _]);
    if !matches!(*req.method(), http::Method::GET | http::Method::HEAD) && !deletes_silence {
        return reply(
            StatusCode::METHOD_NOT_ALLOWED,
            &json!({"error": format!("{} is not allowed here: herald only reads", req.method())}),
        );
    }
    match segs.as_slice() {
        [] | ["status"] => page(STATUS_HTML, "text/html; charset=utf-8"),
        ["status", "app.js"] => page(STATUS_JS, "text/javascript; charset=utf-8"),
        ["status", "style.css"] => page(STATUS_CSS, "text/css; charset=utf-8"),
        ["api", "v1", "status"] => status(agent),
        ["healthz"] => reply(StatusCode::OK, &json!({"status": "ok"})),
        ["metrics"] => metrics(agent),
        ["readyz"] => match agent.readiness() {
            Ok(()) => reply(StatusCode::OK, &json!({"status": "ready"})),
            Err(why) => reply(StatusCode::SERVICE_UNAVAILABLE, &json!({"status": why})),
        },
        ["api", "v1", "objects"] => objects(agent, &query(req)),
        ["api", "v1", "events"] => events(agent, &query(req)),
        ["api", "v1", "objects", group, kind, namespace, name] => {
            let key = ObjectKey::new(
                if *group == "core" { "" } else { group },
                kind,
                if *namespace == "_" { "" } else { namespace },
                name,
            );
            let store = agent.store.read().unwrap_or_else(|p| p.into_inner());
            match store.get(&key) {
                Some(e) => {
                    let mut v = entry_json(&key, e, true);
                    v["own"] = json!(e.own);
                    v["children"] = relatives(&store, &store.children(&key));
                    v["parents"] = relatives(&store, &store.parents(&key));
                    reply(StatusCode::OK, &v)
                }
                None => reply(
                    StatusCode::NOT_FOUND,
                    &json!({"error": format!("{key} not found")}),
                ),
            }
        }
        ["api", "v1", "silences"] => match agent.notifier.get() {
            Some(n) => {
                let items: Vec<Value> = n
                    .silences()
                    .into_iter()
                    .map(|(id, s)| {
                        let mut v = json!(s);
                        v["id"] = json!(id);
                        v["active"] = json!(s.until > jiff::Timestamp::now());
                        v
                    })
                    .collect();
                reply(StatusCode::OK, &json!({"items": items}))
            }
            None => no_notifier(),
        },
        ["api", "v1", "silences", id] if req.method() == http::Method::DELETE => {
            match agent.notifier.get() {
                Some(n) => match n.expire_silence(id, jiff::Timestamp::now()) {
                    Ok(true) => reply(StatusCode::OK, &json!({"expired": id})),
                    Ok(false) => reply(
                        StatusCode::NOT_FOUND,
                        &json!({"error": format!("no silence {id}")}),
                    ),
                    Err(e) => reply(StatusCode::INTERNAL_SERVER_ERROR, &json!({"error": e})),
                },
                None => no_notifier(),
            }
        }
        _ => reply(StatusCode::NOT_FOUND, &json!({"error": "no such endpoint"})),
    }
}

fn no_notifier() -> Response<Full<Bytes>> {
    reply(
        StatusCode::NOT_FOUND,
        &json!({"error": "notifications are off: start herald with --config"}),
    )
}

/// A silence as the API takes it.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NewSilence {
    #[serde(rename = "match", default)]
    matcher: crate::config::RawMatch,
    #[serde(default)]
    events: Vec<crate::config::EventKind>,
    until: Option<String>,
    #[serde(rename = "for")]
    duration: Option<String>,
    #[serde(default)]
    comment: String,
}

fn post(agent: &Agent, path: &str, body: &[u8]) -> Response<Full<Bytes>> {
    if path.trim_end_matches('/') != "/api/v1/silences" {
        return reply(StatusCode::NOT_FOUND, &json!({"error": "no such endpoint"}));
    }
    let Some(notifier) = agent.notifier.get() else {
        return no_notifier();
    };
    let bad = |m: String| reply(StatusCode::BAD_REQUEST, &json!({"error": m}));
    let s: NewSilence = match serde_json::from_slice(body) {
        Ok(s) => s,
        Err(e) => return bad(format!("invalid silence: {e}")),
    };
    let now = jiff::Timestamp::now();
    let until = match (s.until, s.duration) {
        (Some(u), None) => match u.parse::<jiff::Timestamp>() {
            Ok(t) => t,
            Err(_) => return bad(format!("until: {u:?} is not an RFC 3339 time")),
        },
        (None, Some(d)) => match crate::config::parse_duration(&d)
            .and_then(|d| jiff::SignedDuration::try_from(d).ok())
            .and_then(|d| now.checked_add(d).ok())
        {
            Some(t) => t,
            None => return bad(format!("for: {d:?} is not a duration (30m, 2h, 1d)")),
        },
        _ => return bad("give either until or for".into()),
    };
    if until <= now {
        return bad("the silence would already be over".into());
    }
    let silence = crate::config::Silence {
        matcher: s.matcher.into_matcher(),
        events: s.events.into_iter().collect(),
        until,
        comment: s.comment,
    };
    match notifier.add_silence(silence) {
        Ok(id) => reply(StatusCode::CREATED, &json!({"id": id, "until": until})),
        Err(e) => reply(StatusCode::INTERNAL_SERVER_ERROR, &json!({"error": e})),
    }
}

fn objects(agent: &Agent, q: &[(String, String)]) -> Response<Full<Bytes>> {
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let store = agent.store.read().unwrap_or_else(|p| p.into_inner());
    let items: Vec<Value> = store
        .live()
        .filter(|(k, _)| get("kind").is_none_or(|kind| k.kind.eq_ignore_ascii_case(kind)))
        .filter(|(k, _)| get("namespace").is_none_or(|ns| k.namespace == ns))
        .filter(|(_, e)| get("health").is_none_or(|h| e.health().as_str() == h))
        .map(|(k, e)| entry_json(k, e, false))
        .collect();
    reply(StatusCode::OK, &json!({"items": items}))
}

/// The latest events, newest first, filtered by `kind`, `namespace`, `name` and `event`; at most
/// `limit` (100 unless asked).
fn events(agent: &Agent, q: &[(String, String)]) -> Response<Full<Bytes>> {
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let limit = match get("limit").map(str::parse::<usize>) {
        None => 100,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            return reply(
                StatusCode::BAD_REQUEST,
                &json!({"error": "limit: not a whole number"}),
            );
        }
    };
    if let Some(e) = get("event")
        && crate::config::EventKind::parse(e).is_none()
    {
        return reply(
            StatusCode::BAD_REQUEST,
            &json!({"error": format!("event: {e:?} is not an event herald detects")}),
        );
    }
    let log = agent.events.lock().unwrap_or_else(|p| p.into_inner());
    let items: Vec<&crate::agent::Logged> = log
        .iter()
        .rev()
        .filter(|l| get("kind").is_none_or(|k| l.object.kind.eq_ignore_ascii_case(k)))
        .filter(|l| get("namespace").is_none_or(|ns| l.object.namespace == ns))
        .filter(|l| get("name").is_none_or(|n| l.object.name == n))
        .filter(|l| get("event").is_none_or(|e| l.event.as_str() == e))
        .take(limit)
        .collect();
    reply(StatusCode::OK, &json!({"items": items}))
}

/// Children or parents with what herald knows of them; `watched: false` for those it does
/// not watch (their kind is not watched, or they are out of scope or gone).
fn relatives(store: &Store, keys: &[Key]) -> Value {
    keys.iter()
        .map(|k| {
            let mut v =
                json!({"group": k.group, "kind": k.kind, "namespace": k.namespace, "name": k.name});
            match store.get(k).filter(|e| e.is_live()) {
                Some(e) => {
                    v["health"] = json!(e.health());
                    v["ready"] = json!(e.own.ready);
                    v["status"] = json!(e.own.status);
                }
                None => v["watched"] = json!(false),
            }
            v
        })
        .collect()
}

fn entry_json(key: &ObjectKey, e: &Entry, with_transitions: bool) -> Value {
    let mut v = json!({
        "group": key.group, "kind": key.kind, "namespace": key.namespace, "name": key.name,
        "resourceVersion": e.resource_version,
        "assessment": e.assessment(),
        "since": e.since,
    });
    if let Some(r) = &e.rollup {
        v["rolledUpFrom"] = json!(r.children);
    }
    if let Some(d) = e.deleted_at {
        v["deletedAt"] = json!(d);
    }
    if with_transitions {
        v["transitions"] = json!(e.history.iter().collect::<Vec<_>>());
    }
    v
}
