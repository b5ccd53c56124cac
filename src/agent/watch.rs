//! One watcher per served kind (and namespace, when scoped): list, watch, resume, relist.
//!
//! A watch relists when the API server's history no longer holds its resourceVersion (`410
//! Gone`, expected after a restart: told at info), when that resourceVersion goes back (the
//! server's history was restored, as after an etcd restore), and every relist interval, so any
//! divergence between the store and the server is repaired and reported. Failures are retried
//! with backoff and told once they go on (a failure or two are most often dropped connections),
//! then every few minutes while they last, and once when the watch is back. A malformed object
//! is logged, counted and skipped.
//!
//! Each watch keeps a [`WatchStatus`]: whether it is up, when it last heard from the server and
//! its last error, for readiness, `/api/v1/status` and the metrics.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use kube::api::{ApiResource, ListParams, WatchEvent, WatchParams};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::Update;
use super::lines::{Line, Lines};
use super::raw::{Origin, RawObject, Unparsed};
use crate::clock::Clock;
use crate::metrics::WatchCounters;
use crate::store::Store;

/// What one watcher covers.
#[derive(Debug, Clone)]
pub struct Target {
    pub resource: ApiResource,
    /// None: all namespaces (or a cluster-scoped kind).
    pub namespace: Option<String>,
    pub label_selector: Option<String>,
    /// Whether readiness waits for this watch's first list.
    pub gates_ready: bool,
    /// Asked of the API server beside the label selector (`type=Warning` for events).
    pub field_selector: Option<String>,
    /// Kubernetes Events: each becomes an [`Update::Warning`] (and only Warnings are kept);
    /// none is an object of the store, so a list is not compared with it.
    pub events: bool,
}

/// What one watch says about itself.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchStatus {
    pub group: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Whether readiness depends on this watch (children's watches do not).
    pub gates_ready: bool,
    /// Connected: its last list or watch request was accepted and nothing failed since.
    pub up: bool,
    /// Its first list is complete.
    pub listed: bool,
    /// Since when it has been down (from its first failure; None while up).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub down_since: Option<Timestamp>,
    /// The last time it heard from the API server: an object, a bookmark, a list, or a watch
    /// request accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_event_at: Option<Timestamp>,
    /// Failures since it was last up.
    pub errors: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_relist: Option<Relist>,
}

/// What the last relist after the first list found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Relist {
    pub at: Timestamp,
    pub reason: RelistReason,
    /// Objects the server had and herald did not, had at another resourceVersion, and that
    /// herald had and the server no longer has.
    pub added: usize,
    pub changed: usize,
    pub deleted: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RelistReason {
    /// The relist interval passed.
    Periodic,
    /// The server's history no longer holds the watch's resourceVersion (410 Gone).
    Expired,
    /// The server's resourceVersion went back: its history was restored.
    Restored,
}

impl RelistReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RelistReason::Periodic => "periodic",
            RelistReason::Expired => "expired",
            RelistReason::Restored => "restored",
        }
    }
}

impl WatchStatus {
    pub fn new(target: &Target) -> Self {
        WatchStatus {
            group: target.resource.group.clone(),
            kind: target.resource.kind.clone(),
            namespace: target.namespace.clone(),
            gates_ready: target.gates_ready,
            up: false,
            listed: false,
            down_since: None,
            last_event_at: None,
            errors: 0,
            last_error: None,
            last_error_at: None,
            last_relist: None,
        }
    }

    /// The kind, with its namespace when the watch is scoped to one.
    pub fn name(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} in {ns}", self.kind),
            None => self.kind.clone(),
        }
    }

    /// Down for at least `grace` at `now` (a watch still making its first list is not: it has
    /// been nothing yet, and readiness waits for it anyway).
    pub fn down_for(&self, grace: Duration, now: Timestamp) -> bool {
        self.down_since
            .is_some_and(|since| now.duration_since(since).unsigned_abs() >= grace)
    }
}

/// The settings every watcher shares.
#[derive(Clone)]
pub struct Shared {
    pub updates: mpsc::Sender<Update>,
    pub store: Arc<RwLock<Store>>,
    pub clock: Arc<dyn Clock>,
    /// How often to relist though nothing went wrong; None: never.
    pub relist_every: Option<Duration>,
    /// A watch event (one line of the response) longer than this is read past, counted as
    /// malformed and logged ([`MAX_EVENT_BYTES`] by default).
    pub max_event_bytes: usize,
    /// A list page whose answer is longer than this is asked again for half as many objects
    /// ([`MAX_PAGE_BYTES`] by default).
    pub max_page_bytes: usize,
    /// A request without the start of an answer for this long fails ([`ANSWER_WAIT`] by
    /// default).
    pub answer_wait: Duration,
}

/// The longest watch event herald reads, by default. Kubernetes keeps objects of up to 1.5 MiB
/// (etcd's default limit) and takes requests of up to 3 MiB; a line past this comes from a
/// broken or hostile server and would otherwise be held however long it grew.
pub const MAX_EVENT_BYTES: usize = 16 << 20;
/// The longest answer to a list request herald reads, by default: a page of [`PAGE`] objects
/// of about 130 KiB each. A longer one is asked again for half as many objects, down to one; an
/// object alone past it makes the list fail (retried, and told as any failure).
pub const MAX_PAGE_BYTES: usize = 64 << 20;
/// How long a list or watch request waits for the start of its answer, by default: the API
/// server answers a watch at once and a list page within seconds. Without a bound, a server that
/// takes the request and never answers (hung, or a connection gone half-open) would keep the
/// watch waiting, not failed, and herald would look up to date while blind.
pub const ANSWER_WAIT: Duration = Duration::from_secs(120);
/// An error response is read up to this size.
const MAX_ERROR_BYTES: usize = 64 << 10;

/// Objects per list page, as kube-rs's watcher asks.
const PAGE: u32 = 500;
/// The server ends a watch after this long; the watch is then resumed.
const WATCH_TIMEOUT: u32 = 290;
/// A watch that delivers nothing, not even a bookmark (the API server sends one about every
/// minute), for this long is taken for a dead connection and resumed: a half-open connection
/// leaves herald blind for this long at most before the watch can fail and be told.
const IDLE: Duration = Duration::from_secs(120);
/// While a watch stays down, its failure is told again this often.
const RETELL: Duration = Duration::from_secs(300);

/// How a watch request ended.
enum Ended {
    /// Normally (the server's timeout, a dropped connection): resume from `rv`.
    Resume,
    Relist(RelistReason),
    Failed(kube::Error),
    /// The evaluator is gone.
    Stop,
}

/// Runs until the receiver of `shared.updates` is gone.
pub async fn run(
    clients: super::Clients,
    target: Target,
    shared: Shared,
    status: Arc<Mutex<WatchStatus>>,
    counters: WatchCounters,
) {
    let mut w = Watcher {
        clients,
        target,
        shared,
        status,
        counters,
        backoff: Backoff::default(),
        told_at: None,
        gone_told: false,
    };
    w.run().await;
}

struct Watcher {
    /// For the list and watch requests, whose answers are read with bounds
    /// ([`Watcher::page`], [`Watcher::open`]): the watches through a client of their own, whose
    /// connections carry only watches ([`super::paced`]).
    clients: super::Clients,
    target: Target,
    shared: Shared,
    status: Arc<Mutex<WatchStatus>>,
    counters: WatchCounters,
    backoff: Backoff,
    /// When the current failure was last told (None while up).
    told_at: Option<Instant>,
    /// A 410 Gone was told and the watch delivered nothing since.
    gone_told: bool,
}

impl Watcher {
    async fn run(&mut self) {
        // Where the watch resumes; None: list first, for this reason (None: the first list).
        let mut resume: Option<String> = None;
        let mut reason: Option<RelistReason> = None;
        let mut relist_at = self.next_relist();
        loop {
            let rv = match resume.take() {
                Some(rv) => rv,
                None => match self.list(reason).await {
                    Ok(Some(rv)) => {
                        relist_at = self.next_relist();
                        rv
                    }
                    Ok(None) => return,
                    Err(e) => {
                        self.failed(&e);
                        self.backoff.wait().await;
                        continue;
                    }
                },
            };
            let started = Instant::now();
            let (ended, last) = self.watch(&rv, relist_at).await;
            match ended {
                Ended::Resume => {
                    // A server that ends every watch at once, having sent nothing, must not be
                    // asked again at once.
                    if last == rv && started.elapsed() < Duration::from_secs(1) {
                        self.backoff.wait().await;
                    }
                    resume = Some(last);
                }
                Ended::Relist(why) => {
                    // A version just listed that is already gone: do not relist at once, again
                    // and again.
                    if why == RelistReason::Expired && started.elapsed() < Duration::from_secs(1) {
                        self.backoff.wait().await;
                    }
                    reason = Some(why);
                }
                Ended::Failed(e) => {
                    self.failed(&e);
                    self.backoff.wait().await;
                    resume = Some(last);
                }
                Ended::Stop => return,
            }
        }
    }

    fn next_relist(&self) -> Option<Instant> {
        self.shared.relist_every.map(|every| Instant::now() + every)
    }

    fn kind(&self) -> &str {
        &self.target.resource.kind
    }

    /// What the objects of this watch carry to the evaluator.
    fn origin(&self) -> Arc<Origin> {
        Arc::new(Origin {
            api_version: self.target.resource.api_version.clone(),
            kind: self.target.resource.kind.clone(),
            malformed: self.counters.malformed.clone(),
        })
    }

    /// Lists every object in scope and hands them to the evaluator, then the listing; the
    /// resourceVersion to watch from. Ok(None) when the evaluator is gone.
    async fn list(&mut self, reason: Option<RelistReason>) -> kube::Result<Option<String>> {
        let first = !self.status().listed;
        let ar = &self.target.resource.clone();
        let origin = self.origin();
        let mut lp = ListParams {
            label_selector: self.target.label_selector.clone(),
            field_selector: self.target.field_selector.clone(),
            limit: Some(PAGE),
            ..ListParams::default()
        };
        // The API server's cache is enough for a first list and after 410 Gone; a relist that
        // checks for divergence reads what the server holds now.
        if matches!(reason, None | Some(RelistReason::Expired)) {
            lp = lp.match_any();
        }
        let mut keys = BTreeSet::new();
        let (mut added, mut changed) = (0, 0);
        let rv = loop {
            let page = self.page(&mut lp).await?;
            if self.target.events {
                let now = self.shared.clock.now();
                for o in page.items {
                    let Some(value) =
                        accept(o, ar, &self.counters).and_then(|o| parsed(o, &origin))
                    else {
                        continue;
                    };
                    let Some(seen) = crate::warnings::Seen::of(&value, now) else {
                        continue;
                    };
                    self.counters.apply.inc();
                    if self
                        .shared
                        .updates
                        .send(Update::Warning(Box::new(seen)))
                        .await
                        .is_err()
                    {
                        return Ok(None);
                    }
                }
                match page.metadata.continue_.filter(|c| !c.is_empty()) {
                    Some(token) => {
                        lp.continue_token = Some(token);
                        continue;
                    }
                    None => {
                        let rv = page.metadata.resource_version.unwrap_or_default();
                        self.heard(self.shared.clock.now());
                        self.status().listed = true;
                        return Ok(Some(rv));
                    }
                }
            }
            let mut batch = Vec::with_capacity(page.items.len());
            {
                let store = self.shared.store.read().unwrap_or_else(|p| p.into_inner());
                for o in page.items {
                    let Some(o) = accept(o, ar, &self.counters) else {
                        continue;
                    };
                    let Some(key) = o.key(ar) else {
                        continue;
                    };
                    if !first {
                        let rv = o.metadata.resource_version.as_deref();
                        match store.get(&key).filter(|e| e.is_live()) {
                            None => added += 1,
                            // Unchanged: not assessed again.
                            Some(e) if rv == Some(e.resource_version.as_str()) => {
                                keys.insert(key);
                                continue;
                            }
                            Some(_) => changed += 1,
                        }
                    }
                    keys.insert(key);
                    batch.push(Unparsed {
                        text: o.text,
                        origin: Arc::clone(&origin),
                    });
                }
            }
            for object in batch {
                self.counters.apply.inc();
                if self
                    .shared
                    .updates
                    .send(Update::Apply(object, first))
                    .await
                    .is_err()
                {
                    return Ok(None);
                }
            }
            match page.metadata.continue_.filter(|c| !c.is_empty()) {
                Some(token) => lp.continue_token = Some(token),
                None => break page.metadata.resource_version.unwrap_or_default(),
            }
        };
        let deleted = if first {
            0
        } else {
            let store = self.shared.store.read().unwrap_or_else(|p| p.into_inner());
            store
                .live()
                .filter(|(k, _)| {
                    k.group == ar.group
                        && k.kind == ar.kind
                        && self
                            .target
                            .namespace
                            .as_deref()
                            .is_none_or(|ns| k.namespace == ns)
                        && !keys.contains(k.as_ref())
                })
                .count()
        };
        let listing = super::Listing {
            group: ar.group.clone(),
            kind: ar.kind.clone(),
            namespace: self.target.namespace.clone(),
            keys,
            gates_ready: self.target.gates_ready,
        };
        if self
            .shared
            .updates
            .send(Update::Listed(listing))
            .await
            .is_err()
        {
            return Ok(None);
        }
        let now = self.shared.clock.now();
        self.heard(now);
        let mut status = self.status();
        status.listed = true;
        if let Some(reason) = reason.filter(|_| !first) {
            self.counters
                .relisted(reason.as_str(), added, changed, deleted);
            let (kind, ns) = (ar.kind.as_str(), self.target.namespace.as_deref());
            let namespace = ns.unwrap_or("");
            if added + changed + deleted == 0 {
                tracing::debug!(
                    kind,
                    namespace,
                    reason = reason.as_str(),
                    "relisted: herald was in step with the API server"
                );
            } else if reason == RelistReason::Expired {
                // Changes made while the watch was away: expected.
                tracing::info!(
                    kind,
                    namespace,
                    reason = reason.as_str(),
                    added,
                    changed,
                    deleted,
                    "relisted: {added} added, {changed} changed, {deleted} deleted since the last list"
                );
            } else {
                tracing::warn!(
                    kind,
                    namespace,
                    reason = reason.as_str(),
                    added,
                    changed,
                    deleted,
                    "relist found what the watch missed (repaired): {added} added, {changed} changed, {deleted} deleted since the last list"
                );
            }
            status.last_relist = Some(Relist {
                at: now,
                reason,
                added,
                changed,
                deleted,
            });
        }
        Ok(Some(rv))
    }

    /// Watches from `rv` until the request ends; how it ended and the last resourceVersion.
    async fn watch(&mut self, rv: &str, relist_at: Option<Instant>) -> (Ended, String) {
        let mut last = rv.to_string();
        let origin = self.origin();
        let wp = WatchParams {
            label_selector: self.target.label_selector.clone(),
            field_selector: self.target.field_selector.clone(),
            timeout: Some(WATCH_TIMEOUT),
            bookmarks: true,
            ..WatchParams::default()
        };
        let mut lines = match self.open(&wp, rv).await {
            Ok(lines) => lines,
            Err(e) => return (self.refused(e), last),
        };
        self.heard(self.shared.clock.now());
        let relist = async {
            match relist_at {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        let mut relist = std::pin::pin!(relist);
        loop {
            let item = tokio::select! {
                () = &mut relist => return (Ended::Relist(RelistReason::Periodic), last),
                item = tokio::time::timeout(IDLE, lines.next()) => item,
            };
            let line = match item {
                Err(_) | Ok(None) => return (Ended::Resume, last),
                Ok(Some(Err(e))) => return (Ended::Failed(e), last),
                Ok(Some(Ok(line))) => line,
            };
            let event = match self.event(line) {
                Some(Ok(event)) => event,
                Some(Err(e)) => return (Ended::Failed(e), last),
                None => continue,
            };
            // The watch works: a later failure starts its backoff over.
            self.gone_told = false;
            self.backoff.reset();
            let (object, deleted) = match event {
                WatchEvent::Added(o) | WatchEvent::Modified(o) => (o, false),
                WatchEvent::Deleted(o) => (o, true),
                WatchEvent::Bookmark(b) => {
                    if self.went_back(&last, &b.metadata.resource_version) {
                        return (Ended::Relist(RelistReason::Restored), last);
                    }
                    last = b.metadata.resource_version;
                    self.heard(self.shared.clock.now());
                    continue;
                }
                WatchEvent::Error(status) => {
                    return (self.refused(kube::Error::Api(status)), last);
                }
            };
            if let Some(rv) = object.metadata.resource_version.clone() {
                if self.went_back(&last, &rv) {
                    return (Ended::Relist(RelistReason::Restored), last);
                }
                last = rv;
            }
            self.heard(self.shared.clock.now());
            let Some(object) = accept(object, &self.target.resource, &self.counters) else {
                continue;
            };
            let update = if self.target.events {
                // An event deleted (expired) is kept until it ages out or is evicted.
                if deleted {
                    continue;
                }
                let Some(seen) = parsed(object, &origin)
                    .and_then(|value| crate::warnings::Seen::of(&value, self.shared.clock.now()))
                else {
                    continue;
                };
                self.counters.apply.inc();
                Update::Warning(Box::new(seen))
            } else if deleted {
                self.counters.delete.inc();
                match object.key(&self.target.resource) {
                    Some(key) => Update::Delete(key),
                    None => continue,
                }
            } else {
                self.counters.apply.inc();
                Update::Apply(
                    Unparsed {
                        text: object.text,
                        origin: Arc::clone(&origin),
                    },
                    false,
                )
            };
            if self.shared.updates.send(update).await.is_err() {
                return (Ended::Stop, last);
            }
        }
    }

    /// Starts a watch from `rv`: the response, to be read line by line. A refusal is the
    /// server's `Status` (or one made of the status code and the start of the answer).
    async fn open(&self, wp: &WatchParams, rv: &str) -> kube::Result<Lines> {
        let mut request = kube::core::Request::new(self.url())
            .watch(wp, rv)
            .map_err(kube::Error::BuildRequest)?;
        // One JSON event per line, as sent: not compressed.
        request.headers_mut().insert(
            http::header::ACCEPT_ENCODING,
            http::HeaderValue::from_static("identity"),
        );
        let body = self.send(&self.clients.watches, request).await?;
        Ok(Lines::new(body, self.shared.max_event_bytes))
    }

    /// The path of this watch's kind (in its namespace, if it has one).
    fn url(&self) -> String {
        use kube::core::Resource;
        RawObject::url_path(&self.target.resource, self.target.namespace.as_deref())
    }

    /// Sends a request; the answer's body, or the refusal as an error ([`refusal`]).
    async fn send(
        &self,
        client: &kube::Client,
        request: http::Request<Vec<u8>>,
    ) -> kube::Result<kube::client::Body> {
        let wait = self.shared.answer_wait;
        let response =
            tokio::time::timeout(wait, client.send(request.map(kube::client::Body::from)))
                .await
                .map_err(|_| {
                    kube::Error::Service(
                        format!("no answer from the API server in {} s", wait.as_secs_f64()).into(),
                    )
                })??;
        let code = response.status();
        if code.is_client_error() || code.is_server_error() {
            return Err(refusal(code, response.into_body()).await);
        }
        Ok(response.into_body())
    }

    /// The next page of the list: its answer read up to [`Shared::max_page_bytes`]. A page
    /// past it is asked again for half as many objects (from the same place: the continue
    /// token does not depend on the page's size), and the smaller size kept for the rest of the
    /// list; an object alone past it is an error.
    async fn page(&self, lp: &mut ListParams) -> kube::Result<kube::core::ObjectList<RawObject>> {
        let url = self.url();
        loop {
            let request = kube::core::Request::new(&url)
                .list(lp)
                .map_err(kube::Error::BuildRequest)?;
            let max = self.shared.max_page_bytes;
            let (body, whole) =
                read_up_to(self.send(&self.clients.api, request).await?, max).await?;
            if whole {
                return serde_json::from_slice(&body).map_err(kube::Error::SerdeError);
            }
            drop(body);
            match lp.limit {
                Some(limit) if limit > 1 => {
                    tracing::warn!(
                        kind = self.kind(),
                        limit,
                        "a list page was past {max} bytes; asking for half as many objects"
                    );
                    lp.limit = Some(limit / 2);
                }
                _ => {
                    return Err(kube::Error::Service(
                        format!(
                            "one {} alone is past the limit of {max} bytes for a list answer",
                            self.target.resource.kind
                        )
                        .into(),
                    ));
                }
            }
        }
    }

    /// The event a line carries. None for a line skipped (past the bound, not UTF-8: counted
    /// as malformed and logged); an error for a line that is no event (the server's `Status`
    /// when it is one).
    fn event(&self, line: Line) -> Option<kube::Result<WatchEvent<RawObject>>> {
        let skipped = |why: String| {
            self.counters.malformed.inc();
            tracing::warn!(
                kind = self.kind(),
                namespace = self.target.namespace.as_deref().unwrap_or(""),
                "skipping a watch event: {why}; the object it carried keeps its last known state \
                 until its next change or the next relist"
            );
            None
        };
        let bytes = match line {
            Line::Text(bytes) => bytes,
            Line::TooLong(n) => {
                return skipped(format!(
                    "{n} bytes, past the limit of {} bytes for one event",
                    self.shared.max_event_bytes
                ));
            }
        };
        let Ok(text) = std::str::from_utf8(&bytes) else {
            return skipped("not UTF-8".to_string());
        };
        if let Some(event) = super::raw::split_event(text) {
            return Some(Ok(event));
        }
        Some(
            serde_json::from_str::<WatchEvent<RawObject>>(text).map_err(|e| {
                match serde_json::from_str::<kube::core::Status>(text) {
                    Ok(status) => kube::Error::Api(Box::new(status)),
                    Err(_) => kube::Error::SerdeError(e),
                }
            }),
        )
    }

    /// What a refused watch means: a relist when the server's history no longer holds the
    /// resourceVersion or is behind it, else a failure.
    fn refused(&mut self, e: kube::Error) -> Ended {
        let kube::Error::Api(status) = &e else {
            return Ended::Failed(e);
        };
        if status.code == 410 {
            let namespace = self.target.namespace.as_deref().unwrap_or("");
            // Told once, not again until the watch has delivered something since.
            if self.gone_told {
                tracing::debug!(kind = self.kind(), namespace, "410 Gone again; relisting");
            } else {
                tracing::info!(
                    kind = self.kind(),
                    namespace,
                    "the API server no longer holds this watch's history (410 Gone, as after a restart); relisting"
                );
                self.gone_told = true;
            }
            return Ended::Relist(RelistReason::Expired);
        }
        // A resourceVersion newer than anything the server has: its history went back.
        let too_large = status.details.as_ref().is_some_and(|d| {
            d.causes
                .iter()
                .any(|c| c.reason == "ResourceVersionTooLarge")
        }) || status.message.contains("Too large resource version");
        if too_large {
            tracing::warn!(kind = self.kind(), error = %status.message,
                "the API server is behind herald's resourceVersion (its history was restored?); relisting");
            return Ended::Relist(RelistReason::Restored);
        }
        Ended::Failed(e)
    }

    /// True (and told) when `to` is older than `from`: the server's history was restored.
    fn went_back(&self, from: &str, to: &str) -> bool {
        if !went_back(from, to) {
            return false;
        }
        tracing::warn!(
            kind = self.kind(),
            namespace = self.target.namespace.as_deref().unwrap_or(""),
            from,
            to,
            "the API server's resourceVersion went back (its history was restored?); relisting"
        );
        true
    }

    fn status(&self) -> std::sync::MutexGuard<'_, WatchStatus> {
        self.status.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The API server answered: the watch is up.
    fn heard(&mut self, now: Timestamp) {
        self.counters.up.set(1);
        self.counters
            .last_event
            .set(now.as_millisecond() as f64 / 1000.0);
        let mut status = self.status();
        status.last_event_at = Some(now);
        if status.up {
            return;
        }
        if let Some(since) = status.down_since.take() {
            let down = now.duration_since(since).as_secs_f64();
            let namespace = status.namespace.as_deref().unwrap_or("");
            if self.told_at.is_some() {
                tracing::info!(kind = %status.kind, namespace, errors = status.errors, "watch back after {down:.1} s down");
            } else {
                tracing::debug!(kind = %status.kind, namespace, "watch back after {down:.1} s down");
            }
        }
        status.up = true;
        status.errors = 0;
        drop(status);
        self.told_at = None;
        self.backoff.reset();
    }

    /// A list or watch failed: the watch is down until it is back. Told once it has failed
    /// twice over more than a second, then every [`RETELL`] while it lasts; each failure is
    /// counted.
    fn failed(&mut self, e: &kube::Error) {
        self.counters.error.inc();
        self.counters.up.set(0);
        let now = self.shared.clock.now();
        let mut status = self.status();
        status.up = false;
        status.errors += 1;
        status.last_error = Some(bounded(e.to_string()));
        status.last_error_at = Some(now);
        let since = *status.down_since.get_or_insert(now);
        let errors = status.errors;
        let (kind, namespace) = (status.kind.clone(), status.namespace.clone());
        drop(status);
        let namespace = namespace.as_deref().unwrap_or("");
        match self.told_at {
            // A failure or two within a second are dropped connections more often than a problem
            // (pooled connections the server closed): told once failures go on past that.
            None if errors < 2 || now.duration_since(since) < SignedDuration::from_secs(1) => {
                tracing::debug!(kind, namespace, error = %e, "watch failed; retrying");
            }
            None => {
                tracing::warn!(kind, namespace, error = %e, "watch failed; retrying with backoff (told again every 5 minutes while it lasts)");
                self.told_at = Some(Instant::now());
            }
            Some(at) if at.elapsed() >= RETELL => {
                let down = now.duration_since(since).as_secs();
                tracing::warn!(kind, namespace, errors, error = %e, "watch still failing after {down} s");
                self.told_at = Some(Instant::now());
            }
            Some(_) => tracing::debug!(kind, namespace, error = %e, "watch failed again"),
        }
    }
}

/// An error as the status API shows it: its first 1,000 bytes (a client error may quote a
/// whole response).
fn bounded(mut s: String) -> String {
    const MAX: usize = 1000;
    if crate::object::truncate_bytes(&mut s, MAX) {
        s.push('…');
    }
    s
}

/// Whether resourceVersion `to` is older than `from`. resourceVersions are opaque to clients,
/// but every API server backed by etcd hands out its revision; versions that are not numbers
/// are never compared.
fn went_back(from: &str, to: &str) -> bool {
    match (from.parse::<u64>(), to.parse::<u64>()) {
        (Ok(from), Ok(to)) => to < from,
        _ => false,
    }
}

/// Exponential backoff with jitter: 0.5 s doubling to 30 s.
#[derive(Debug, Default)]
struct Backoff {
    failures: u32,
}

impl Backoff {
    fn next(&mut self) -> Duration {
        let base = Duration::from_millis(500).saturating_mul(1 << self.failures.min(6));
        self.failures = self.failures.saturating_add(1);
        let base = base.min(Duration::from_secs(30));
        // Up to a quarter more, so watches that failed together do not retry together.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        base + base.mul_f64(f64::from(nanos % 1000) / 4000.0)
    }

    async fn wait(&mut self) {
        tokio::time::sleep(self.next()).await;
    }

    fn reset(&mut self) {
        self.failures = 0;
    }
}

/// What a refused request means: the server's `Status` in its answer (read up to
/// [`MAX_ERROR_BYTES`]), or one made of the status code and the answer's text.
async fn refusal(code: http::StatusCode, body: kube::client::Body) -> kube::Error {
    let text = read_up_to(body, MAX_ERROR_BYTES)
        .await
        .map(|(text, _)| text)
        .unwrap_or_default();
    let status = serde_json::from_slice::<kube::core::Status>(&text).unwrap_or_else(|_| {
        let text = String::from_utf8_lossy(&text);
        kube::core::Status::failure(text.trim(), "Failed to parse error data")
            .with_code(code.as_u16())
    });
    kube::Error::Api(Box::new(status))
}

/// The body up to `max` bytes, and whether that is all of it (past `max`, the rest is not
/// read).
async fn read_up_to(mut body: kube::client::Body, max: usize) -> kube::Result<(Vec<u8>, bool)> {
    use http_body_util::BodyExt;
    let mut out = Vec::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            if out.len() + data.len() > max {
                out.extend_from_slice(&data[..max - out.len()]);
                return Ok((out, false));
            }
            out.extend_from_slice(&data);
        }
    }
    Ok((out, true))
}

/// The object, unless it is malformed (counted and logged).
fn accept(o: RawObject, ar: &ApiResource, counters: &WatchCounters) -> Option<RawObject> {
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
    Some(o)
}

/// The object parsed here (a Warning Event, which the watch reads itself). None when it does
/// not parse (counted and logged).
fn parsed(o: RawObject, origin: &Arc<Origin>) -> Option<Value> {
    Unparsed {
        text: o.text,
        origin: Arc::clone(origin),
    }
    .parse_or_log(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn answers_are_read_up_to_their_bound_and_refusals_from_their_start() {
        let body = |b: &[u8]| kube::client::Body::from(b.to_vec());
        assert_eq!(
            read_up_to(body(b"abc"), 3).await.unwrap(),
            (b"abc".to_vec(), true)
        );
        assert_eq!(
            read_up_to(body(b"abcd"), 3).await.unwrap(),
            (b"abc".to_vec(), false)
        );
        let gone = br#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old","reason":"Expired","code":410}"#;
        let kube::Error::Api(status) = refusal(http::StatusCode::GONE, body(gone)).await else {
            panic!("not the server's status")
        };
        assert_eq!((status.code, status.message.as_str()), (410, "too old"));
        let huge = vec![b'x'; MAX_ERROR_BYTES * 4];
        let kube::Error::Api(status) = refusal(http::StatusCode::BAD_GATEWAY, body(&huge)).await
        else {
            panic!("no status")
        };
        assert_eq!(status.code, 502);
        assert_eq!(status.message.len(), MAX_ERROR_BYTES);
    }

    #[test]
    fn only_numeric_resource_versions_going_back_count() {
        assert!(went_back("1200", "1100"));
        assert!(!went_back("1100", "1200"));
        assert!(!went_back("1100", "1100"));
        assert!(!went_back("abc", "1"), "opaque versions are not compared");
        assert!(!went_back("", "1"));
    }

    #[test]
    fn backoff_doubles_to_thirty_seconds_and_starts_over_when_reset() {
        let mut b = Backoff::default();
        let first = b.next();
        assert!(first >= Duration::from_millis(500) && first <= Duration::from_millis(625));
        let second = b.next();
        assert!(second >= Duration::from_secs(1) && second <= Duration::from_millis(1250));
        for _ in 0..20 {
            assert!(b.next() <= Duration::from_millis(37_500));
        }
        assert!(b.next() >= Duration::from_secs(30));
        b.reset();
        assert!(b.next() <= Duration::from_millis(625));
    }

    #[test]
    fn a_watch_is_down_for_the_grace_only_from_its_first_failure() {
        let target = Target {
            resource: ApiResource {
                group: "kustomize.toolkit.fluxcd.io".into(),
                version: "v1".into(),
                api_version: "kustomize.toolkit.fluxcd.io/v1".into(),
                kind: "Kustomization".into(),
                plural: "kustomizations".into(),
            },
            namespace: Some("flux-system".into()),
            label_selector: None,
            gates_ready: true,
            field_selector: None,
            events: false,
        };
        let mut s = WatchStatus::new(&target);
        let t0: Timestamp = "2026-11-23T12:00:00Z".parse().unwrap();
        let grace = Duration::from_secs(60);
        assert!(!s.down_for(grace, t0), "never failed");
        s.down_since = Some(t0);
        assert!(!s.down_for(grace, t0 + jiff::SignedDuration::from_secs(59)));
        assert!(s.down_for(grace, t0 + jiff::SignedDuration::from_secs(60)));
        assert_eq!(s.name(), "Kustomization in flux-system");
    }
}
