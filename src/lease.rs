//! Leader election through a `coordination.k8s.io/v1` Lease, as Kubernetes' own controllers
//! elect theirs: every replica tries to take the Lease; the holder renews it every retry
//! period; the others wait until it has not changed for a whole lease duration.
//!
//! What makes two voices impossible is the fence, not the Lease: a leader may start a delivery
//! only until its last successful renewal plus the renew deadline, and must have finished every
//! delivery by its last renewal plus the lease duration minus a margin. Another replica can take
//! the Lease only when it has seen no change for a lease duration, measured on its own monotonic
//! clock from when it saw the last renewal, which was after that renewal was sent. So as long as
//! the clocks of two nodes run at about the same rate (within a third of each other with the
//! default timings) and no process stalls for longer than the margin, the old leader has stopped
//! before the new one starts. No wall clock is compared between replicas: `renewTime` is written
//! for people and tools, and expiry is judged from when a change was observed.
//!
//! The election only needs three calls on the Lease (get, create, replace with its
//! resourceVersion); [`LeaseApi`] is that interface, [`KubeLease`] the implementation on the API
//! server.

use std::future::Future;
use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::api::{Api, PostParams};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::clock::Clock;

/// The timings of an election.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timings {
    /// How long a Lease that nobody renews stays taken (`leaseDurationSeconds`).
    pub duration: Duration,
    /// How long a leader keeps leading without a successful renewal; it starts no delivery after.
    pub renew_deadline: Duration,
    /// How often the leader renews, and a candidate tries.
    pub retry_period: Duration,
    /// Time kept between the end of a leader's last delivery and the earliest takeover.
    pub margin: Duration,
}

impl Default for Timings {
    fn default() -> Self {
        Timings {
            duration: Duration::from_secs(15),
            renew_deadline: Duration::from_secs(10),
            retry_period: Duration::from_secs(2),
            margin: Duration::from_secs(2),
        }
    }
}

impl Timings {
    /// Whether the timings can keep their promise; the error says which rule they break.
    pub fn validate(&self) -> Result<(), String> {
        let second = Duration::from_secs(1);
        if self.duration < second || self.renew_deadline < second || self.retry_period < second {
            return Err(
                "the lease duration, renew deadline and retry period must each be at \
                        least 1s"
                    .into(),
            );
        }
        if self.duration.subsec_nanos() != 0 {
            return Err("the lease duration must be a whole number of seconds".into());
        }
        if self.duration.as_secs() > i32::MAX as u64 {
            return Err("the lease duration is too long".into());
        }
        if self.renew_deadline + self.margin > self.duration {
            return Err(format!(
                "the renew deadline ({:?}) plus the margin ({:?}) must not exceed the lease \
                 duration ({:?}): a leader must stop before another may take over",
                self.renew_deadline, self.margin, self.duration
            ));
        }
        // A renewal is tried every retry period: the deadline must leave room for a retry.
        if self.retry_period.mul_f64(1.2) >= self.renew_deadline {
            return Err(format!(
                "the retry period ({:?}) must be well under the renew deadline ({:?})",
                self.retry_period, self.renew_deadline
            ));
        }
        Ok(())
    }
}

/// The part of a Lease the election reads and writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// `holderIdentity`; `None` (or empty) when the Lease is free.
    pub holder: Option<String>,
    pub duration_secs: i32,
    pub acquire_time: Option<Timestamp>,
    pub renew_time: Option<Timestamp>,
    pub transitions: i32,
    /// The object's `metadata.resourceVersion`, the precondition of a replace.
    pub resource_version: Option<String>,
}

impl Record {
    fn holder(&self) -> Option<&str> {
        self.holder.as_deref().filter(|h| !h.is_empty())
    }
}

/// How a call on the Lease failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// 409 Conflict: the Lease changed since it was read.
    Conflict,
    /// 409 AlreadyExists: another replica created it first.
    AlreadyExists,
    /// Anything else, with what was said: the call may or may not have taken effect.
    Other(String),
}

/// The calls the election makes on its Lease.
pub trait LeaseApi {
    fn get(&self) -> impl Future<Output = Result<Option<Record>, ApiError>> + Send;
    fn create(&self, r: &Record) -> impl Future<Output = Result<Record, ApiError>> + Send;
    /// Replaces the Lease if its resourceVersion is still `r.resource_version`.
    fn replace(&self, r: &Record) -> impl Future<Output = Result<Record, ApiError>> + Send;
}

/// What a replica may do now, published after every attempt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Leadership {
    /// Who holds the Lease, as far as this replica knows.
    pub holder: Option<String>,
    /// Whether this replica holds it and has renewed it in time.
    pub leading: bool,
    /// While leading: start no delivery at or after this instant.
    pub start_until: Option<Instant>,
    /// While leading: cut every delivery still running at this instant.
    pub finish_by: Option<Instant>,
    /// The Lease's `leaseTransitions` while this replica holds it: grows with every new
    /// leader, so what a leader writes says which term wrote it.
    pub epoch: i32,
}

impl Leadership {
    /// Whether a delivery may start at `now`. Readers check the instant themselves, so a
    /// leader whose renewals stall stops on time even if nothing is published.
    pub fn may_start(&self, now: Instant) -> bool {
        self.leading && self.start_until.is_some_and(|t| now < t)
    }
}

/// One replica's side of the election.
pub struct Elector<A> {
    api: A,
    identity: String,
    timings: Timings,
    /// The last reading of the Lease and when it was first seen in that state.
    observed: Option<(Record, Instant)>,
    /// When the last successful renewal (or acquisition) of this replica was sent.
    last_ok: Option<Instant>,
    /// A call failed and that was said: said again only after one succeeds.
    failing: bool,
}

impl<A: LeaseApi> Elector<A> {
    pub fn new(api: A, identity: impl Into<String>, timings: Timings) -> Self {
        Elector {
            api,
            identity: identity.into(),
            timings,
            observed: None,
            last_ok: None,
            failing: false,
        }
    }

    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// What this replica may do now.
    pub fn leadership(&self) -> Leadership {
        let holder = self
            .observed
            .as_ref()
            .and_then(|(r, _)| r.holder().map(str::to_string));
        let leading = holder.as_deref() == Some(self.identity.as_str())
            && self
                .last_ok
                .is_some_and(|t| Instant::now() < t + self.timings.renew_deadline);
        let last_ok = self.last_ok.filter(|_| leading);
        let epoch = self
            .observed
            .as_ref()
            .filter(|_| leading)
            .map_or(0, |(r, _)| r.transitions);
        Leadership {
            holder,
            leading,
            epoch,
            start_until: last_ok.map(|t| t + self.timings.renew_deadline),
            finish_by: last_ok.map(|t| t + self.timings.duration - self.timings.margin),
        }
    }

    fn observe(&mut self, r: Record, at: Instant) {
        // A renewal changes the time and the resourceVersion, so it counts as a change.
        let changed = self.observed.as_ref().is_none_or(|(o, _)| *o != r);
        if changed {
            self.observed = Some((r, at));
        }
    }

    /// Whether the observed Lease is held by another replica whose holding has not expired.
    fn held_by_another(&self, now: Instant) -> bool {
        let Some((r, seen)) = &self.observed else {
            return false;
        };
        let Some(holder) = r.holder() else {
            return false;
        };
        let duration = Duration::from_secs(u64::try_from(r.duration_secs.max(1)).unwrap_or(1));
        holder != self.identity && now < *seen + duration
    }

    /// Runs one call on the Lease within the time this replica may still spend on it: a
    /// leader's calls must not outlive its renew deadline. Running out is an error like any other.
    async fn timed<T>(
        &self,
        call: impl Future<Output = Result<T, ApiError>>,
    ) -> Result<T, ApiError> {
        let budget = match self.leadership().start_until {
            Some(until) => until.saturating_duration_since(Instant::now()),
            None => self.timings.renew_deadline,
        };
        if budget.is_zero() {
            return Err(ApiError::Other(
                "no time left before the renew deadline".into(),
            ));
        }
        tokio::time::timeout(budget, call)
            .await
            .unwrap_or_else(|_| Err(ApiError::Other("timed out".into())))
    }

    /// A write of this replica's holding went through; `sent` is when it was sent.
    fn held(&mut self, saved: Record, sent: Instant) {
        self.observe(saved, sent);
        self.last_ok = Some(sent);
        self.failing = false;
    }

    /// One attempt to take or renew the Lease, made every retry period; `wall` is written as
    /// the acquire and renew times.
    pub async fn step(&mut self, wall: Timestamp) -> Leadership {
        let sent = Instant::now();
        let current = match self.timed(self.api.get()).await {
            Ok(r) => r,
            Err(e) => {
                self.failed("reading", &e);
                return self.leadership();
            }
        };
        let Some(current) = current else {
            let fresh = Record {
                holder: Some(self.identity.clone()),
                duration_secs: self.duration_secs(),
                acquire_time: Some(wall),
                renew_time: Some(wall),
                transitions: 0,
                resource_version: None,
            };
            match self.timed(self.api.create(&fresh)).await {
                Ok(saved) => self.held(saved, sent),
                Err(e) => self.failed("creating", &e),
            }
            return self.leadership();
        };
        // Seen now, after the answer came: no earlier than the holder sent the renewal it shows,
        // so expiry counted from here never comes before the holder's own fence.
        let seen = Instant::now();
        self.observe(current.clone(), seen);
        if self.held_by_another(seen) {
            // All a standby does is read, and that worked.
            self.failing = false;
            self.last_ok = None;
            return self.leadership();
        }
        let mut next = current.clone();
        next.holder = Some(self.identity.clone());
        next.duration_secs = self.duration_secs();
        next.renew_time = Some(wall);
        if current.holder() != Some(self.identity.as_str()) {
            next.acquire_time = Some(wall);
            next.transitions = current.transitions.saturating_add(1);
        }
        match self.timed(self.api.replace(&next)).await {
            Ok(saved) => self.held(saved, sent),
            // A Conflict: someone changed the Lease since it was read (perhaps this replica's
            // own renewal whose answer was lost); the next attempt reads it again.
            Err(e) => self.failed("renewing", &e),
        }
        self.leadership()
    }

    /// Gives the Lease up, so a standby takes over at once rather than after a lease duration.
    /// Call it only when nothing is being delivered any more. Tries for up to the renew deadline.
    pub async fn release(&mut self, wall: Timestamp) {
        let until = Instant::now() + self.timings.renew_deadline;
        self.last_ok = None;
        while Instant::now() < until {
            let left = until.saturating_duration_since(Instant::now());
            let Ok(Ok(Some(current))) = tokio::time::timeout(left, self.api.get()).await else {
                return;
            };
            if current.holder() != Some(self.identity.as_str()) {
                return;
            }
            let mut free = current.clone();
            free.holder = None;
            free.duration_secs = 1;
            free.renew_time = Some(wall);
            let left = until.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.api.replace(&free)).await {
                Ok(Ok(saved)) => {
                    self.observe(saved, Instant::now());
                    return;
                }
                Ok(Err(ApiError::Conflict)) => continue,
                _ => return,
            }
        }
    }

    /// A call on the Lease failed. Losing a race (a conflict) is the election at work; anything
    /// else (no permission, the API server unreachable) is said once at warning level, until a
    /// call succeeds again.
    fn failed(&mut self, call: &str, e: &ApiError) {
        match e {
            ApiError::Conflict | ApiError::AlreadyExists => {
                tracing::debug!(error = ?e, "lease: {call} lost a race");
            }
            ApiError::Other(why) if !self.failing => {
                self.failing = true;
                tracing::warn!(error = %why, "lease: {call} the Lease failed; retrying every retry period");
            }
            ApiError::Other(why) => tracing::debug!(error = %why, "lease: {call} failed again"),
        }
    }

    fn duration_secs(&self) -> i32 {
        i32::try_from(self.timings.duration.as_secs()).unwrap_or(i32::MAX)
    }
}

/// Runs the election until `shutdown` turns true, publishing the leadership after every
/// attempt; then releases the Lease if this replica holds it.
pub async fn run<A: LeaseApi>(
    mut elector: Elector<A>,
    clock: &dyn Clock,
    tx: watch::Sender<Leadership>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if *shutdown.borrow() {
            break;
        }
        let l = elector.step(clock.now()).await;
        let was = tx.borrow().leading;
        if l.leading != was {
            tracing::info!(
                identity = elector.identity(),
                leading = l.leading,
                holder = ?l.holder,
                "lease: leadership changed"
            );
        }
        tx.send_replace(l);
        tokio::select! {
            () = tokio::time::sleep(elector.timings.retry_period) => {}
            r = shutdown.changed() => if r.is_err() { break },
        }
    }
    let holder = tx.borrow().holder.clone();
    tx.send_replace(Leadership {
        holder,
        ..Leadership::default()
    });
    elector.release(clock.now()).await;
}

/// The Lease on the API server.
pub struct KubeLease {
    api: Api<Lease>,
    name: String,
}

impl KubeLease {
    pub fn new(client: kube::Client, namespace: &str, name: impl Into<String>) -> Self {
        KubeLease {
            api: Api::namespaced(client, namespace),
            name: name.into(),
        }
    }

    fn to_lease(&self, r: &Record) -> Lease {
        Lease {
            metadata: ObjectMeta {
                name: Some(self.name.clone()),
                resource_version: r.resource_version.clone(),
                ..ObjectMeta::default()
            },
            spec: Some(LeaseSpec {
                holder_identity: r.holder.clone(),
                lease_duration_seconds: Some(r.duration_secs),
                acquire_time: r.acquire_time.map(MicroTime),
                renew_time: r.renew_time.map(MicroTime),
                lease_transitions: Some(r.transitions),
                ..LeaseSpec::default()
            }),
        }
    }
}

fn from_lease(l: Lease) -> Record {
    let spec = l.spec.unwrap_or_default();
    Record {
        holder: spec.holder_identity,
        duration_secs: spec.lease_duration_seconds.unwrap_or(0),
        acquire_time: spec.acquire_time.map(|t| t.0),
        renew_time: spec.renew_time.map(|t| t.0),
        transitions: spec.lease_transitions.unwrap_or(0),
        resource_version: l.metadata.resource_version,
    }
}

fn api_error(e: kube::Error) -> ApiError {
    match e {
        kube::Error::Api(s) if s.code == 409 && s.reason == "AlreadyExists" => {
            ApiError::AlreadyExists
        }
        kube::Error::Api(s) if s.code == 409 => ApiError::Conflict,
        other => ApiError::Other(other.to_string()),
    }
}

impl LeaseApi for KubeLease {
    async fn get(&self) -> Result<Option<Record>, ApiError> {
        self.api
            .get_opt(&self.name)
            .await
            .map(|l| l.map(from_lease))
            .map_err(api_error)
    }

    async fn create(&self, r: &Record) -> Result<Record, ApiError> {
        let mut l = self.to_lease(r);
        l.metadata.resource_version = None;
        self.api
            .create(&PostParams::default(), &l)
            .await
            .map(from_lease)
            .map_err(api_error)
    }

    async fn replace(&self, r: &Record) -> Result<Record, ApiError> {
        self.api
            .replace(&self.name, &PostParams::default(), &self.to_lease(r))
            .await
            .map(from_lease)
            .map_err(api_error)
    }
}

#[cfg(test)]
mod tests;
