//! The election on tokio's paused clock, against a Lease kept in memory that behaves as the
//! API server does (resourceVersion preconditions, 409s), with switches that break one
//! replica's calls or lose the answer to its next write.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::*;

#[derive(Default)]
struct Server {
    lease: Option<Record>,
    version: u64,
}

/// One replica's connection to the shared Lease.
#[derive(Clone)]
struct Conn {
    server: Arc<Mutex<Server>>,
    /// Every call fails (the replica is cut off from the API server).
    broken: Arc<AtomicBool>,
    /// The next write takes effect but its answer is lost.
    lose_answer: Arc<AtomicBool>,
}

impl Conn {
    fn new(server: &Arc<Mutex<Server>>) -> Self {
        Conn {
            server: server.clone(),
            broken: Arc::default(),
            lose_answer: Arc::default(),
        }
    }

    fn cut(&self) -> Result<(), ApiError> {
        if self.broken.load(Ordering::SeqCst) {
            Err(ApiError::Other("connection refused".into()))
        } else {
            Ok(())
        }
    }

    fn store(&self, s: &mut Server, r: &Record) -> Result<Record, ApiError> {
        s.version += 1;
        let mut saved = r.clone();
        saved.resource_version = Some(s.version.to_string());
        s.lease = Some(saved.clone());
        if self.lose_answer.swap(false, Ordering::SeqCst) {
            return Err(ApiError::Other("connection reset".into()));
        }
        Ok(saved)
    }
}

impl LeaseApi for Conn {
    async fn get(&self) -> Result<Option<Record>, ApiError> {
        self.cut()?;
        Ok(self.server.lock().unwrap().lease.clone())
    }

    async fn create(&self, r: &Record) -> Result<Record, ApiError> {
        self.cut()?;
        let mut s = self.server.lock().unwrap();
        if s.lease.is_some() {
            return Err(ApiError::AlreadyExists);
        }
        self.store(&mut s, r)
    }

    async fn replace(&self, r: &Record) -> Result<Record, ApiError> {
        self.cut()?;
        let mut s = self.server.lock().unwrap();
        let current = s.lease.as_ref().and_then(|l| l.resource_version.clone());
        if r.resource_version.is_none() || r.resource_version != current {
            return Err(ApiError::Conflict);
        }
        self.store(&mut s, r)
    }
}

fn wall() -> Timestamp {
    Timestamp::from_second(1_800_000_000).unwrap()
}

fn pair() -> (Elector<Conn>, Conn, Elector<Conn>, Conn, Arc<Mutex<Server>>) {
    let server = Arc::new(Mutex::new(Server::default()));
    let (ca, cb) = (Conn::new(&server), Conn::new(&server));
    let t = Timings::default();
    (
        Elector::new(ca.clone(), "a", t),
        ca,
        Elector::new(cb.clone(), "b", t),
        cb,
        server,
    )
}

async fn tick() {
    tokio::time::sleep(Timings::default().retry_period).await;
}

#[test]
fn the_default_timings_hold_and_bad_ones_are_named() {
    assert_eq!(Timings::default().validate(), Ok(()));
    let s = Duration::from_secs;
    let bad = [
        (s(10), s(10), s(2), "must not exceed"),
        (s(15), s(14), s(2), "must not exceed"),
        (s(15), s(10), s(9), "well under"),
        (s(15), s(10), Duration::from_millis(500), "at least 1s"),
        (Duration::from_millis(15_500), s(10), s(2), "whole number"),
    ];
    for (duration, renew_deadline, retry_period, says) in bad {
        let t = Timings {
            duration,
            renew_deadline,
            retry_period,
            margin: s(2),
        };
        let e = t.validate().unwrap_err();
        assert!(e.contains(says), "{t:?}: {e}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_lone_replica_takes_the_lease_and_keeps_it() {
    let (mut a, _, _, _, server) = pair();
    let l = a.step(wall()).await;
    assert!(l.leading);
    assert_eq!(l.holder.as_deref(), Some("a"));
    let now = Instant::now();
    assert_eq!(l.start_until, Some(now + Duration::from_secs(10)));
    assert_eq!(l.finish_by, Some(now + Duration::from_secs(13)));
    for _ in 0..20 {
        tick().await;
        assert!(a.step(wall()).await.may_start(Instant::now()));
    }
    let lease = server.lock().unwrap().lease.clone().unwrap();
    assert_eq!(lease.holder.as_deref(), Some("a"));
    assert_eq!(lease.duration_secs, 15);
    assert_eq!(lease.transitions, 0);
    assert_eq!(lease.resource_version.as_deref(), Some("21"));
}

#[tokio::test(start_paused = true)]
async fn a_standby_takes_over_only_after_a_whole_lease_duration_without_change() {
    let (mut a, _, mut b, _, server) = pair();
    assert!(a.step(wall()).await.leading);
    let fence = a.leadership().finish_by.unwrap();
    let l = b.step(wall()).await;
    assert!(!l.leading);
    assert_eq!(l.holder.as_deref(), Some("a"));
    // a dies: b keeps trying every retry period.
    let mut took = None;
    for _ in 0..20 {
        tick().await;
        if b.step(wall()).await.leading {
            took = Some(Instant::now());
            break;
        }
    }
    let took = took.expect("b never took over");
    assert!(
        took >= fence + Timings::default().margin,
        "{took:?} {fence:?}"
    );
    assert!(
        took <= fence + Duration::from_secs(2 + 2),
        "{took:?} {fence:?}"
    );
    assert_eq!(
        server.lock().unwrap().lease.as_ref().unwrap().transitions,
        1
    );
}

#[tokio::test(start_paused = true)]
async fn a_leader_cut_off_stops_before_the_standby_starts_and_never_overlaps() {
    let (mut a, ca, mut b, _, _) = pair();
    assert!(a.step(wall()).await.leading);
    b.step(wall()).await;
    for _ in 0..3 {
        tick().await;
        assert!(a.step(wall()).await.leading);
        assert!(!b.step(wall()).await.leading);
    }
    ca.broken.store(true, Ordering::SeqCst);
    let a_fence = a.leadership().finish_by.unwrap();
    let mut b_from = None;
    for _ in 0..40 {
        tick().await;
        let la = a.step(wall()).await;
        let lb = b.step(wall()).await;
        let now = Instant::now();
        assert!(
            !(la.may_start(now) && lb.may_start(now)),
            "two leaders at {now:?}"
        );
        if lb.leading && b_from.is_none() {
            b_from = Some(now);
        }
    }
    let b_from = b_from.expect("b never took over");
    // Every delivery of a was cut at its fence, before b could start anything.
    assert!(a_fence < b_from, "{a_fence:?} {b_from:?}");
    assert!(!a.leadership().leading);
    // a reconnects: it follows b and does not take the Lease back.
    ca.broken.store(false, Ordering::SeqCst);
    for _ in 0..10 {
        tick().await;
        assert!(b.step(wall()).await.leading);
        let la = a.step(wall()).await;
        assert!(!la.leading);
        assert_eq!(la.holder.as_deref(), Some("b"));
    }
}

#[tokio::test(start_paused = true)]
async fn a_renewal_whose_answer_was_lost_does_not_lose_the_lease() {
    let (mut a, ca, mut b, _, _) = pair();
    assert!(a.step(wall()).await.leading);
    tick().await;
    ca.lose_answer.store(true, Ordering::SeqCst);
    // The write took effect; a does not know it, and keeps leading on its earlier renewal.
    assert!(a.step(wall()).await.leading);
    tick().await;
    let l = a.step(wall()).await;
    assert!(l.leading);
    assert_eq!(
        l.start_until,
        Some(Instant::now() + Duration::from_secs(10))
    );
    assert!(!b.step(wall()).await.leading);
}

#[tokio::test(start_paused = true)]
async fn a_released_lease_is_taken_at_once() {
    let (mut a, _, mut b, _, server) = pair();
    assert!(a.step(wall()).await.leading);
    assert!(!b.step(wall()).await.leading);
    a.release(wall()).await;
    assert!(!a.leadership().leading);
    {
        let s = server.lock().unwrap();
        let lease = s.lease.as_ref().unwrap();
        assert_eq!(lease.holder, None);
        assert_eq!(lease.duration_secs, 1);
    }
    let l = b.step(wall()).await;
    assert!(l.leading, "{l:?}");
    assert_eq!(
        server.lock().unwrap().lease.as_ref().unwrap().transitions,
        1
    );
    // Releasing a Lease held by another changes nothing.
    a.release(wall()).await;
    assert_eq!(
        server
            .lock()
            .unwrap()
            .lease
            .as_ref()
            .unwrap()
            .holder
            .as_deref(),
        Some("b")
    );
}

#[tokio::test(start_paused = true)]
async fn run_publishes_the_leadership_and_releases_on_shutdown() {
    let (a, _, mut b, _, server) = pair();
    let (tx, mut rx) = watch::channel(Leadership::default());
    let (stop, stopped) = watch::channel(false);
    let clock = crate::clock::ManualClock::new(wall());
    let task = async move { run(a, &clock, tx, stopped).await };
    let task = tokio::spawn(task);
    rx.wait_for(|l| l.leading).await.unwrap();
    assert!(!b.step(wall()).await.leading);
    stop.send_replace(true);
    task.await.unwrap();
    assert!(!rx.borrow().leading);
    assert_eq!(server.lock().unwrap().lease.as_ref().unwrap().holder, None);
    assert!(b.step(wall()).await.leading);
}
