//! The HTTP side of the fake API server: discovery, get, list (resourceVersion, limit/continue,
//! label selectors), chunked watch streams with bookmarks and `410 Gone`, and writes of the
//! writable types (see [`super::write`]), which a switch can make fail for one client.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use futures::SinkExt;
use futures::channel::mpsc;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{broadcast, watch};

use super::selector::Selector;
use super::state::{Change, ChangeKind, ResourceType, State, WriteError};
use super::write::{self, ApiError, MAX_REQUEST_BODY_BYTES, Written};

type Body = BoxBody<Bytes, Infallible>;

/// What [`FakeApiServer::backup`] saved.
#[derive(Debug, Clone)]
pub struct Backup(State);

/// Options of a fake server.
#[derive(Debug, Clone)]
pub struct Options {
    /// Interval between bookmarks on watches that asked for them.
    pub bookmark_interval: Duration,
    /// Changes kept for watches to resume from.
    pub history_limit: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            bookmark_interval: Duration::from_secs(5),
            history_limit: 10_000,
        }
    }
}

/// How a client's writes fail while [`FakeApiServer::set_write_fault`] says so. Reads still work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteFault {
    /// `503 ServiceUnavailable`, as when the API server cannot reach etcd. kube's client
    /// retries these by default (with backoff, for minutes) before it reports them.
    Unavailable,
    /// `500` with etcd's `leader changed`, which kube's client reports at once.
    Internal,
    /// `403 Forbidden`, as when the client's RBAC no longer allows the write.
    Forbidden,
    /// The write is made (watchers see it), but the client gets `504 Timeout`, as when etcd
    /// commits after the API server gave up waiting. kube's client retries these by default: the
    /// retry then meets its own write (a `409`).
    TimeoutAfterCommit,
    /// No answer until connections are dropped or the server stops: the client's own timeout
    /// must fire.
    Hang,
}

struct Shared {
    state: Mutex<State>,
    changes: broadcast::Sender<Change>,
    /// Bumped to cut every open connection.
    cut: watch::Sender<u64>,
    /// While set, every request gets 503 (the server is "restarting").
    down: AtomicBool,
    /// While set, watch requests get no answer until connections are cut (a hung server).
    watches_unanswered: AtomicBool,
    /// Faults of writes, by client (the bearer token it sends).
    faults: Mutex<HashMap<String, WriteFault>>,
    options: Options,
}

/// A fake Kubernetes API server on a loopback port. Dropping it stops it.
pub struct FakeApiServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeApiServer {
    fn drop(&mut self) {
        self.task.abort();
        self.shared.cut.send_modify(|n| *n += 1);
    }
}

impl FakeApiServer {
    /// Starts serving `resources` on `127.0.0.1:0`.
    pub async fn start(resources: Vec<ResourceType>, options: Options) -> std::io::Result<Self> {
        Self::start_on(
            "127.0.0.1:0".parse().expect("loopback address"),
            resources,
            options,
        )
        .await
    }

    pub async fn start_on(
        addr: SocketAddr,
        resources: Vec<ResourceType>,
        options: Options,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let mut state = State::new(resources);
        state.history_limit = options.history_limit;
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            // Room for a burst of writes (a bench's updates sent as fast as they can be) before a
            // watch falls behind and is ended.
            changes: broadcast::channel(options.history_limit.clamp(4096, 1 << 16)).0,
            cut: watch::channel(0).0,
            down: AtomicBool::new(false),
            watches_unanswered: AtomicBool::new(false),
            faults: Mutex::new(HashMap::new()),
            options,
        });
        let accept = Arc::clone(&shared);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let conn_shared = Arc::clone(&accept);
                let mut cut = accept.cut.subscribe();
                tokio::spawn(async move {
                    let service = service_fn(move |req| {
                        let s = Arc::clone(&conn_shared);
                        async move { Ok::<_, Infallible>(handle(&s, req).await) }
                    });
                    let conn = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service);
                    tokio::select! {
                        _ = conn => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Ok(FakeApiServer { shared, addr, task })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A kubeconfig that points at this server (any token is accepted), as client `fake`.
    pub fn kubeconfig(&self) -> String {
        self.kubeconfig_as("fake")
    }

    /// A kubeconfig for client `client`: its bearer token is the name
    /// [`FakeApiServer::fail_writes_from`] knows it by.
    pub fn kubeconfig_as(&self, client: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: {}\n\
             contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake\n\
             current-context: fake\nusers:\n- name: fake\n  user:\n    token: {client}\n",
            self.url()
        )
    }

    /// Makes the writes of `client` (the bearer token it sends; `system:anonymous` for none)
    /// fail with `503`, or work again.
    pub fn fail_writes_from(&self, client: &str, fail: bool) {
        self.set_write_fault(client, fail.then_some(WriteFault::Unavailable));
    }

    /// Makes the writes of `client` fail as `fault` says, or work again with `None`.
    pub fn set_write_fault(&self, client: &str, fault: Option<WriteFault>) {
        let mut faults = self.shared.faults.lock().unwrap_or_else(|p| p.into_inner());
        match fault {
            Some(f) => faults.insert(client.to_string(), f),
            None => faults.remove(client),
        };
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Creates or replaces an object, as a controller's update would.
    pub fn apply(&self, obj: Value) -> Result<Change, WriteError> {
        let mut state = self.lock();
        let change = state.apply(obj)?;
        let _ = self.shared.changes.send(change.clone());
        Ok(change)
    }

    pub fn delete(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<Change, WriteError> {
        let mut state = self.lock();
        let change = state.delete(api_version, kind, namespace, name)?;
        let _ = self.shared.changes.send(change.clone());
        Ok(change)
    }

    /// Starts serving another resource type, as when a CRD is installed.
    pub fn serve(&self, resource: ResourceType) {
        let mut state = self.lock();
        if !state.resources.contains(&resource) {
            state.resources.push(resource);
        }
    }

    /// Closes every open connection (watches end mid-stream, as when a load balancer drops them).
    pub fn drop_connections(&self) {
        self.shared.cut.send_modify(|n| *n += 1);
    }

    /// Makes every resourceVersion handed out so far too old: watches resuming get `410 Gone`.
    pub fn compact(&self) {
        self.lock().compact();
    }

    /// A backup of everything the server holds now (objects, resourceVersion, history), for
    /// [`FakeApiServer::restore`].
    pub fn backup(&self) -> Backup {
        Backup(self.lock().clone())
    }

    /// An etcd restore: every connection dropped and the server back to `backup`, with its
    /// older objects and lower resourceVersions. Served types added since stay served. Clients
    /// resuming from a newer resourceVersion are not told (as with a real restore that did not
    /// bump the revision): only a relist shows what changed.
    pub fn restore(&self, backup: &Backup) {
        let mut state = self.lock();
        let resources = std::mem::take(&mut state.resources);
        *state = backup.0.clone();
        for r in resources {
            if !state.resources.contains(&r) {
                state.resources.push(r);
            }
        }
        self.drop_connections();
    }

    /// A restart: connections dropped and history lost. While `down`, requests get 503.
    pub fn restart(&self) {
        self.compact();
        self.drop_connections();
    }

    pub fn set_down(&self, down: bool) {
        self.shared.down.store(down, Ordering::SeqCst);
        if down {
            self.drop_connections();
        }
    }

    /// While `hung`, a watch request is taken and never answered (until connections are cut or
    /// the server stops), as by a server that hangs or a connection gone half-open; lists and the
    /// rest are answered. Watches already open go on.
    pub fn set_watches_unanswered(&self, hung: bool) {
        self.shared.watches_unanswered.store(hung, Ordering::SeqCst);
    }

    /// Every object the server holds, as (apiVersion, kind, namespace, name, resourceVersion).
    pub fn snapshot(&self) -> Vec<(String, String, String, String, String)> {
        let state = self.lock();
        let sel = Selector::default();
        let mut out = Vec::new();
        for (i, r) in state.resources.iter().enumerate() {
            for (_, o) in state.list(i, None, &sel) {
                let m = &o["metadata"];
                out.push((
                    r.api_version(),
                    r.kind.clone(),
                    m["namespace"].as_str().unwrap_or_default().to_string(),
                    m["name"].as_str().unwrap_or_default().to_string(),
                    m["resourceVersion"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                ));
            }
        }
        out
    }
}

fn full(status: StatusCode, body: &Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())).boxed())
        .expect("valid response")
}

fn status_body(code: u16, reason: &str, message: &str) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
           "message": message, "reason": reason, "code": code})
}

fn failure(code: StatusCode, reason: &str, message: &str) -> Response<Body> {
    full(code, &status_body(code.as_u16(), reason, message))
}

fn query(req: &Request<Incoming>) -> HashMap<String, String> {
    crate::http::query_pairs(req.uri().query().unwrap_or_default()).collect()
}

fn not_allowed() -> Response<Body> {
    failure(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
    )
}

async fn handle(shared: &Arc<Shared>, req: Request<Incoming>) -> Response<Body> {
    if shared.down.load(Ordering::SeqCst) {
        return failure(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "the server is restarting",
        );
    }
    let q = query(&req);
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let request = Req {
        method: parts.method,
        headers: parts.headers,
        body,
        q,
    };
    let (group, version, rest) = match segs.as_slice() {
        ["api", "v1", rest @ ..] if !rest.is_empty() => ("", "v1", rest),
        ["apis", g, v, rest @ ..] if !rest.is_empty() => (*g, *v, rest),
        _ if request.method != Method::GET => return not_allowed(),
        _ => return discovery(shared, &segs),
    };
    resource(shared, group, version, rest, request).await
}

/// A request to a resource path.
struct Req {
    method: Method,
    headers: HeaderMap,
    body: Incoming,
    q: HashMap<String, String>,
}

fn discovery(shared: &Arc<Shared>, segs: &[&str]) -> Response<Body> {
    let state = || shared.state.lock().unwrap_or_else(|p| p.into_inner());
    match segs {
        ["version"] => full(
            StatusCode::OK,
            &json!({"major": "1", "minor": "34", "gitVersion": "v1.34.0-herald-fake", "platform": "linux/amd64"}),
        ),
        ["api"] => full(
            StatusCode::OK,
            &json!({"kind": "APIVersions", "versions": ["v1"],
                    "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}),
        ),
        ["apis"] => full(StatusCode::OK, &group_list(&state().resources)),
        ["api", "v1"] => full(StatusCode::OK, &resource_list(&state().resources, "", "v1")),
        ["apis", g, v] => {
            let st = state();
            if st
                .resources
                .iter()
                .any(|r| r.group == *g && r.version == *v)
            {
                full(StatusCode::OK, &resource_list(&st.resources, g, v))
            } else {
                failure(
                    StatusCode::NOT_FOUND,
                    "NotFound",
                    "the server could not find the requested resource",
                )
            }
        }
        _ => failure(
            StatusCode::NOT_FOUND,
            "NotFound",
            "the server could not find the requested resource",
        ),
    }
}

fn group_list(resources: &[ResourceType]) -> Value {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for r in resources.iter().filter(|r| !r.group.is_empty()) {
        match groups.iter_mut().find(|(g, _)| *g == r.group) {
            Some((_, vs)) if !vs.contains(&r.version) => vs.push(r.version.clone()),
            Some(_) => {}
            None => groups.push((r.group.clone(), vec![r.version.clone()])),
        }
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(g, vs)| {
            let versions: Vec<Value> = vs
                .iter()
                .map(|v| json!({"groupVersion": format!("{g}/{v}"), "version": v}))
                .collect();
            json!({"name": g, "versions": versions, "preferredVersion": versions[0]})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

fn resource_list(resources: &[ResourceType], group: &str, version: &str) -> Value {
    let items: Vec<Value> = resources
        .iter()
        .filter(|r| r.group == group && r.version == version)
        .map(|r| {
            let verbs = if write::writable(r) {
                json!(["create", "delete", "get", "list", "patch", "update", "watch"])
            } else {
                json!(["get", "list", "watch"])
            };
            json!({"name": r.plural, "singularName": r.kind.to_lowercase(), "namespaced": r.namespaced,
                   "kind": r.kind, "verbs": verbs})
        })
        .collect();
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": items})
}

async fn resource(
    shared: &Arc<Shared>,
    group: &str,
    version: &str,
    rest: &[&str],
    req: Req,
) -> Response<Body> {
    let find = |plural: &str| {
        let st = shared.state.lock().unwrap_or_else(|p| p.into_inner());
        st.resources
            .iter()
            .position(|r| r.group == group && r.version == version && r.plural == plural)
            .map(|i| (i, st.resources[i].clone()))
    };
    let (namespace, plural, name) = match rest {
        [plural] => (None, *plural, None),
        ["namespaces", ns, plural] => (Some(*ns), *plural, None),
        ["namespaces", ns, plural, name] => (Some(*ns), *plural, Some(*name)),
        [plural, name] => (None, *plural, Some(*name)),
        _ => {
            return failure(
                StatusCode::NOT_FOUND,
                "NotFound",
                "the server could not find the requested resource",
            );
        }
    };
    let Some((index, rt)) = find(plural) else {
        return failure(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("the server could not find the requested resource ({plural})"),
        );
    };
    if req.method != Method::GET {
        return write(shared, index, &rt, namespace, name, req).await;
    }
    let q = &req.q;
    let selector = match Selector::parse(q.get("labelSelector").map_or("", String::as_str))
        .and_then(|s| s.with_fields(q.get("fieldSelector").map_or("", String::as_str)))
    {
        Ok(s) => s,
        Err(e) => return failure(StatusCode::BAD_REQUEST, "BadRequest", &e),
    };
    if let Some(name) = name {
        let st = shared.state.lock().unwrap_or_else(|p| p.into_inner());
        // A look-up by key where the path names the object's whole key; else, as before, the
        // first of that name among the type's objects in the path's namespace, if any.
        let found = match (rt.namespaced, namespace) {
            (true, Some(ns)) => st.get(index, ns, name).cloned(),
            (false, None) => st.get(index, "", name).cloned(),
            (_, ns) => st
                .list(index, ns, &Selector::default())
                .find(|(_, o)| o["metadata"]["name"] == name)
                .map(|(_, o)| Arc::clone(o)),
        };
        return match found {
            Some(o) => full(StatusCode::OK, &o),
            None => failure(
                StatusCode::NOT_FOUND,
                "NotFound",
                &format!("{} \"{name}\" not found", rt.plural),
            ),
        };
    }
    if q.get("watch").is_some_and(|w| w == "true" || w == "1") {
        if shared.watches_unanswered.load(Ordering::SeqCst) {
            return unanswered(shared).await;
        }
        return watch_stream(
            shared,
            index,
            rt,
            namespace.map(str::to_string),
            selector,
            q,
        );
    }
    list(shared, index, &rt, namespace, &selector, q)
}

/// A request held without an answer until connections are cut (the connection task then ends
/// it) or the server stops, as by a server that hangs.
async fn unanswered(shared: &Shared) -> Response<Body> {
    let mut cut = shared.cut.subscribe();
    let _ = cut.changed().await;
    failure(
        StatusCode::SERVICE_UNAVAILABLE,
        "ServiceUnavailable",
        "the server is currently unable to handle the request",
    )
}

/// Who sent a request: its bearer token, as a token authenticator would name the user.
fn client_of(headers: &HeaderMap) -> String {
    headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map_or_else(|| "system:anonymous".to_string(), |t| t.trim().to_string())
}

fn api_failure(e: &ApiError) -> Response<Body> {
    full(
        StatusCode::from_u16(e.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        &e.status(),
    )
}

/// The body, at most [`MAX_REQUEST_BODY_BYTES`] of it. Beyond that the rest is read and
/// dropped (up to a bound) before the refusal, so the client hears it instead of a reset.
async fn read_body(mut body: Incoming) -> Result<Bytes, ApiError> {
    let mut kept = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| ApiError::bad_request(format!("reading the body: {e}")))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        seen += data.len();
        if seen <= MAX_REQUEST_BODY_BYTES {
            kept.extend_from_slice(&data);
        } else if seen > 4 * MAX_REQUEST_BODY_BYTES {
            break;
        }
    }
    if seen > MAX_REQUEST_BODY_BYTES {
        return Err(ApiError::new(
            413,
            "RequestEntityTooLarge",
            format!("Request entity too large: limit is {MAX_REQUEST_BODY_BYTES}"),
        ));
    }
    Ok(Bytes::from(kept))
}

fn unsupported_media_type(accepted: &str) -> ApiError {
    ApiError::new(
        415,
        "UnsupportedMediaType",
        format!(
            "the body of the request was in an unknown format - accepted media types include: {accepted}"
        ),
    )
}

/// Whether a strategic merge patch uses directives (`$patch`, `$retainKeys`, ...), which the
/// fake server does not implement.
fn has_directive(v: &Value) -> bool {
    match v {
        Value::Object(m) => m
            .iter()
            .any(|(k, v)| k.starts_with('$') || has_directive(v)),
        Value::Array(a) => a.iter().any(has_directive),
        _ => false,
    }
}

/// A write to a resource path: create, update, patch or delete.
async fn write(
    shared: &Arc<Shared>,
    index: usize,
    rt: &ResourceType,
    namespace: Option<&str>,
    name: Option<&str>,
    req: Req,
) -> Response<Body> {
    let verb = match (&req.method, name) {
        (&Method::POST, None) => "create",
        (&Method::PUT, Some(_)) => "update",
        (&Method::PATCH, Some(_)) => "patch",
        (&Method::DELETE, Some(_)) => "delete",
        _ => return not_allowed(),
    };
    let Some(namespace) = namespace.filter(|_| write::writable(rt) && rt.namespaced) else {
        return not_allowed();
    };
    let client = client_of(&req.headers);
    let fault = shared
        .faults
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&client)
        .copied();
    match fault {
        Some(WriteFault::Unavailable) => {
            return failure(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                "the server is currently unable to handle the request",
            );
        }
        Some(WriteFault::Internal) => {
            return api_failure(&ApiError::new(500, "", "etcdserver: leader changed"));
        }
        Some(WriteFault::Forbidden) => {
            return api_failure(&write::forbidden(rt, verb, &client, namespace, name));
        }
        Some(WriteFault::Hang) => return unanswered(shared).await,
        Some(WriteFault::TimeoutAfterCommit) | None => {}
    }
    if req.q.contains_key("dryRun") {
        return failure(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "herald's fake API server does not implement dryRun",
        );
    }
    let content_type = req
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let strategic = content_type == "application/strategic-merge-patch+json";
    let accepted = match verb {
        "patch" if content_type == "application/merge-patch+json" || strategic => None,
        "patch" => Some("application/merge-patch+json, application/strategic-merge-patch+json"),
        "delete" => None,
        _ if content_type.is_empty() || content_type == "application/json" => None,
        _ => Some("application/json"),
    };
    if let Some(accepted) = accepted {
        return api_failure(&unsupported_media_type(accepted));
    }
    let body = match read_body(req.body).await {
        Ok(b) => b,
        Err(e) => return api_failure(&e),
    };
    let body: Option<Value> = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => Some(v),
            Err(e) => {
                return api_failure(&ApiError::bad_request(format!(
                    "the body of the request is not valid JSON: {e}"
                )));
            }
        }
    };
    if strategic && body.as_ref().is_some_and(has_directive) {
        return api_failure(&ApiError::bad_request(
            "herald's fake API server takes strategic merge patches without directives only",
        ));
    }
    let name = name.unwrap_or_default();
    let mut st = shared.state.lock().unwrap_or_else(|p| p.into_inner());
    let written = match (verb, body) {
        ("delete", options) => write::delete(&mut st, index, namespace, name, options),
        (_, None) => Err(ApiError::bad_request("the request has no body")),
        ("create", Some(b)) => write::create(&mut st, index, namespace, b),
        ("update", Some(b)) => write::update(&mut st, index, namespace, name, b),
        (_, Some(b)) => write::merge_patch(&mut st, index, namespace, name, b),
    };
    match written {
        Ok(Written { code, body, change }) => {
            // Sent under the lock, so watchers see changes in resourceVersion order.
            if let Some(c) = change {
                let _ = shared.changes.send(c);
            }
            if fault == Some(WriteFault::TimeoutAfterCommit) {
                let timeout = ApiError::new(
                    504,
                    "Timeout",
                    "Timeout: request did not complete within requested timeout - context deadline exceeded",
                );
                let mut body = timeout.status();
                body["details"] = json!({});
                return full(StatusCode::GATEWAY_TIMEOUT, &body);
            }
            full(StatusCode::from_u16(code).unwrap_or(StatusCode::OK), &body)
        }
        Err(e) => api_failure(&e),
    }
}

fn list(
    shared: &Arc<Shared>,
    index: usize,
    rt: &ResourceType,
    namespace: Option<&str>,
    selector: &Selector,
    q: &HashMap<String, String>,
) -> Response<Body> {
    let st = shared.state.lock().unwrap_or_else(|p| p.into_inner());
    let limit: usize = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .filter(|&l| l > 0)
        .unwrap_or(usize::MAX);
    let (rv, after) = match q.get("continue").filter(|c| !c.is_empty()) {
        Some(token) => {
            let Some((rv, key)) = token
                .split_once('|')
                .and_then(|(rv, key)| Some((rv.parse::<u64>().ok()?, key.to_string())))
            else {
                return failure(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    "invalid continue token",
                );
            };
            if rv < st.compacted {
                return failure(
                    StatusCode::GONE,
                    "Expired",
                    "The provided continue parameter is too old to display a consistent list result.",
                );
            }
            (rv, Some(key))
        }
        None => (st.rv, None),
    };
    // The page is written straight from the stored objects: no copy of them, no tree of the
    // whole answer.
    let mut items = Vec::with_capacity(64 * 1024);
    let mut shown = 0usize;
    let mut next = None;
    let mut rest = st.list_after(index, namespace, after.as_deref(), selector);
    for (key, o) in rest.by_ref() {
        // A list continued is the snapshot its first page was (the real API server reads every
        // page at that resourceVersion): an object written since is left out, and a watch from
        // the list's resourceVersion brings it (an object changed since, in its change; the
        // store keeps no older version of it to show).
        if written_after(o, rv) {
            continue;
        }
        if shown > 0 {
            items.push(b',');
        }
        serde_json::to_writer(&mut items, &**o).expect("JSON");
        shown += 1;
        if shown == limit {
            next = Some(key);
            break;
        }
    }
    let remaining = rest.count();
    let mut metadata = json!({"resourceVersion": rv.to_string()});
    if remaining > 0 {
        metadata["continue"] = json!(format!("{rv}|{}", next.unwrap_or_default()));
        metadata["remainingItemCount"] = json!(remaining);
    }
    let head = json!({"kind": format!("{}List", rt.kind), "apiVersion": rt.api_version(),
                      "metadata": metadata});
    let mut body = serde_json::to_vec(&head).expect("JSON");
    body.pop(); // the closing brace: the items follow
    body.extend_from_slice(b",\"items\":[");
    body.extend_from_slice(&items);
    body.extend_from_slice(b"]}");
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)).boxed())
        .expect("valid response")
}

/// Whether the object was written after resourceVersion `rv`.
fn written_after(o: &Value, rv: u64) -> bool {
    o.pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|v| v > rv)
}

type Frames = mpsc::Sender<Result<Frame<Bytes>, Infallible>>;

/// Sends one chunk; false once the client has gone.
async fn send(tx: &mut Frames, b: Bytes) -> bool {
    tx.send(Ok(Frame::data(b))).await.is_ok()
}

/// One line of a watch stream. `type` comes first, as the real API server writes it (clients may
/// rely on the order to decode the object without buffering it).
fn event(kind: &str, object: &Value) -> Bytes {
    Lines::default().event(kind, object)
}

/// Writes a watch's event lines: each is written into a buffer kept from one line to the next
/// and copied out at its size, rather than into a new vector grown by doubling from a few
/// hundred bytes (four reallocations for an object of a few KiB, most of the server's time
/// at 100,000 objects in `benches/scale.rs`).
#[derive(Default)]
struct Lines(Vec<u8>);

impl Lines {
    fn event(&mut self, kind: &str, object: &Value) -> Bytes {
        let line = &mut self.0;
        line.clear();
        line.extend_from_slice(b"{\"type\":");
        serde_json::to_writer(&mut *line, kind).expect("JSON");
        line.extend_from_slice(b",\"object\":");
        serde_json::to_writer(&mut *line, object).expect("JSON");
        line.extend_from_slice(b"}\n");
        let out = Bytes::copy_from_slice(line);
        // A stream that once wrote a huge object does not keep its buffer.
        if line.capacity() > 1 << 20 {
            *line = Vec::new();
        }
        out
    }
}

fn watch_stream(
    shared: &Arc<Shared>,
    index: usize,
    rt: ResourceType,
    namespace: Option<String>,
    selector: Selector,
    q: &HashMap<String, String>,
) -> Response<Body> {
    let (mut tx, rx) = mpsc::channel::<Result<Frame<Bytes>, Infallible>>(64);
    let bookmarks = q.get("allowWatchBookmarks").is_some_and(|b| b == "true");
    let timeout = q
        .get("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .map_or(Duration::from_secs(1800), Duration::from_secs);
    let from = q
        .get("resourceVersion")
        .filter(|rv| !rv.is_empty() && *rv != "0")
        .and_then(|rv| rv.parse::<u64>().ok());
    let wanted = {
        let namespace = namespace.clone();
        move |c: &Change| {
            c.resource == index
                && namespace
                    .as_deref()
                    .is_none_or(|ns| c.object["metadata"]["namespace"].as_str() == Some(ns))
                && selector.matches(&c.object)
        }
    };
    // Under the lock: the initial events and the subscription see the same moment.
    let (initial, mut changes, mut last_rv) = {
        let st = shared.state.lock().unwrap_or_else(|p| p.into_inner());
        let changes = shared.changes.subscribe();
        let initial: Result<Vec<(ChangeKind, Arc<Value>)>, u64> = match from {
            Some(rv) => match st.changes_since(index, rv) {
                Some(cs) => Ok(cs
                    .into_iter()
                    .filter(|c| wanted(c))
                    .map(|c| (c.kind, c.object))
                    .collect()),
                None => Err(rv),
            },
            None => Ok(st
                .list(index, namespace.as_deref(), &Selector::default())
                .filter(|(_, o)| {
                    wanted(&Change {
                        rv: 0,
                        resource: index,
                        kind: ChangeKind::Added,
                        object: Arc::clone(o),
                    })
                })
                .map(|(_, o)| (ChangeKind::Added, Arc::clone(o)))
                .collect()),
        };
        let initial = initial.map_err(|rv| (rv, st.compacted));
        (initial, changes, st.rv)
    };
    let mut cut = shared.cut.subscribe();
    let interval = shared.options.bookmark_interval;
    tokio::spawn(async move {
        let mut lines = Lines::default();
        match initial {
            Err((rv, compacted)) => {
                let status = status_body(
                    410,
                    "Expired",
                    &format!("too old resource version: {rv} ({compacted})"),
                );
                let _ = send(&mut tx, event("ERROR", &status)).await;
                return;
            }
            Ok(events) => {
                for (kind, object) in events {
                    if !send(&mut tx, lines.event(kind.as_str(), &object)).await {
                        return;
                    }
                }
            }
        }
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        loop {
            tokio::select! {
                // A cut wins over pending changes: a dropped connection delivers nothing more.
                biased;
                _ = cut.changed() => return,
                _ = &mut deadline => return,
                _ = ticker.tick(), if bookmarks => {
                    let b = json!({"kind": rt.kind, "apiVersion": rt.api_version(),
                                   "metadata": {"resourceVersion": last_rv.to_string()}});
                    if !send(&mut tx, lines.event("BOOKMARK", &b)).await {
                        return;
                    }
                }
                change = changes.recv() => match change {
                    Ok(c) => {
                        last_rv = last_rv.max(c.rv);
                        if wanted(&c) && !send(&mut tx, lines.event(c.kind.as_str(), &c.object)).await {
                            return;
                        }
                    }
                    // Fell behind: end the stream; the client resumes from its last version.
                    Err(broadcast::error::RecvError::Lagged(_)) => return,
                    Err(broadcast::error::RecvError::Closed) => return,
                },
            }
        }
    });
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .body(BodyExt::boxed(StreamBody::new(rx)))
        .expect("valid response")
}
