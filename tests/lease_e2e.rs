//! Leader election over HTTP: two electors with their own clients against the fake API server,
//! one of which loses the ability to write. At no instant may both start a delivery.

use std::time::Duration;

use herald::clock::SystemClock;
use herald::fake::{FakeApiServer, Options, gitops_resources};
use herald::lease::{Elector, KubeLease, Leadership, Timings, run};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::util::client_as;

/// Short timings, so the test follows a takeover in seconds.
fn timings() -> Timings {
    Timings {
        duration: Duration::from_secs(3),
        renew_deadline: Duration::from_secs(2),
        retry_period: Duration::from_secs(1),
        margin: Duration::from_secs(1),
    }
}

struct Replica {
    leadership: watch::Receiver<Leadership>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

async fn replica(s: &FakeApiServer, name: &str) -> Replica {
    let api = KubeLease::new(client_as(s, name).await, "herald", "herald");
    let elector = Elector::new(api, name, timings());
    let (tx, leadership) = watch::channel(Leadership::default());
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(async move { run(elector, &SystemClock, tx, stopped).await });
    Replica {
        leadership,
        stop,
        task,
    }
}

/// Watches the replicas until `done` holds of which may start a delivery, failing if two may
/// at the same instant.
async fn watch_until(reps: &[&Replica], what: &str, done: impl Fn(&[bool]) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = Instant::now();
        let ls: Vec<Leadership> = reps.iter().map(|r| r.leadership.borrow().clone()).collect();
        let may: Vec<bool> = ls.iter().map(|l| l.may_start(now)).collect();
        assert!(
            may.iter().filter(|m| **m).count() <= 1,
            "two leaders: {ls:?}"
        );
        if done(&may) {
            return;
        }
        assert!(now < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn one_leader_a_fenced_takeover_and_a_release() {
    assert_eq!(timings().validate(), Ok(()));
    let s = FakeApiServer::start(gitops_resources(), Options::default())
        .await
        .unwrap();
    let a = replica(&s, "herald-0").await;
    watch_until(&[&a], "herald-0 leads", |m| m[0]).await;
    let b = replica(&s, "herald-1").await;
    // b follows a for a few renewals.
    for _ in 0..3 {
        let seen = a.leadership.borrow().clone();
        watch_until(&[&a, &b], "a renewal", |m| {
            m[0] && a.leadership.borrow().start_until != seen.start_until
        })
        .await;
        assert_eq!(b.leadership.borrow().holder.as_deref(), Some("herald-0"));
    }

    // a can no longer write: it stops, then b takes over, never both at once.
    s.fail_writes_from("herald-0", true);
    watch_until(&[&a, &b], "herald-1 takes over", |m| !m[0] && m[1]).await;

    // a can write again: it follows b and does not take the Lease back.
    s.fail_writes_from("herald-0", false);
    watch_until(&[&a, &b], "herald-0 follows herald-1", |_| {
        a.leadership.borrow().holder.as_deref() == Some("herald-1")
    })
    .await;

    // b shuts down and releases: a takes over without waiting out the lease.
    let released = Instant::now();
    b.stop.send_replace(true);
    b.task.await.unwrap();
    watch_until(&[&a], "herald-0 leads again", |m| m[0]).await;
    eprintln!("takeover after release: {:?}", released.elapsed());
    a.stop.send_replace(true);
    a.task.await.unwrap();
}
