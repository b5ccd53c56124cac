//! herald's HTTP API: probes and read-only views of the store.
//!
//! - `GET /healthz`: the process is up.
//! - `GET /readyz`: 200 once discovery ran and every watch delivered its first list, else 503.
//! - `GET /api/v1/objects?kind=&namespace=&health=`: every live object with its assessment.
//! - `GET /api/v1/objects/{group}/{kind}/{namespace}/{name}`: one object (deleted ones within the
//!   retention window too) with its own assessment, its children and parents, and its recent
//!   transitions. `core` stands for the core group and `_` for no namespace.

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
            let service = service_fn(move |req| {
                let agent = Arc::clone(&agent);
                async move { Ok::<_, Infallible>(route(&agent, &req)) }
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
    match segs.as_slice() {
        ["healthz"] => reply(StatusCode::OK, &json!({"status": "ok"})),
        ["readyz"] => {
            if agent.is_ready() {
                reply(StatusCode::OK, &json!({"status": "ready"}))
            } else {
                reply(
                    StatusCode::SERVICE_UNAVAILABLE,
                    &json!({"status": "waiting for the first list of every watch"}),
                )
            }
        }
        ["api", "v1", "objects"] => objects(agent, &query(req)),
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
        _ => reply(StatusCode::NOT_FOUND, &json!({"error": "no such endpoint"})),
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
        v["transitions"] = json!(e.transitions);
    }
    v
}
