use std::collections::HashSet;

use super::*;
use crate::clock::ManualClock;
use crate::health::Health;

fn t0() -> Timestamp {
    "2026-01-01T00:00:00Z".parse().unwrap()
}

fn key(name: &str) -> ObjectKey {
    ObjectKey::new(
        "kustomize.toolkit.fluxcd.io",
        "Kustomization",
        "flux-system",
        name,
    )
}

fn verdict(h: Health) -> Verdict {
    Verdict {
        health: h,
        ready: h == Health::Healthy,
        status: "Status".into(),
        revision: None,
        suspended: false,
        sync: None,
        from_children: false,
    }
}

fn flip(n: usize) -> Record {
    let (from, to, ev) = if n.is_multiple_of(2) {
        (Health::Healthy, Health::Unhealthy, EventKind::Unhealthy)
    } else {
        (Health::Unhealthy, Health::Healthy, EventKind::Recovered)
    };
    Record::Transition {
        events: vec![ev],
        from: Some(verdict(from)),
        to: Some(verdict(to)),
        message: format!("flip {n}"),
        via: None,
        change: None,
    }
}

fn history(limits: Limits) -> (Arc<History>, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(t0()));
    (History::in_memory(limits, clock.clone()), clock)
}

fn at(secs: i64) -> Timestamp {
    t0() + SignedDuration::from_secs(secs)
}

fn all(h: &History, mut q: Query) -> Vec<Vec<(u64, Stored)>> {
    let mut pages = Vec::new();
    for _ in 0..100 {
        let page = h.changes(&q).unwrap();
        let next = page.next;
        pages.push(page.items);
        match next {
            Some(id) => q.before = Some(id),
            None => break,
        }
    }
    pages
}

#[test]
fn pages_are_newest_first_without_duplicates() {
    let (h, _) = history(Limits::default());
    for i in 0..250 {
        // Several records in one microsecond still get ids in order.
        h.record(&key(&format!("app-{}", i % 7)), at(i / 3), flip(i as usize));
    }
    h.flush();
    assert_eq!(h.len(), 250);
    let q = Query {
        limit: 100,
        ..Query::default()
    };
    let pages = all(&h, q);
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, [100, 100, 50]);
    let ids: Vec<u64> = pages.iter().flatten().map(|(id, _)| *id).collect();
    let unique: HashSet<u64> = ids.iter().copied().collect();
    assert_eq!(unique.len(), 250);
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first");
    let messages: Vec<String> = pages
        .iter()
        .flatten()
        .map(|(_, s)| match &s.record {
            Record::Transition { message, .. } => message.clone(),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(messages[0], "flip 249");
    assert_eq!(messages[249], "flip 0");
}

#[test]
fn one_object_all_its_groups_and_filters() {
    let (h, _) = history(Limits::default());
    let other_group = ObjectKey::new("example.com", "Kustomization", "flux-system", "apps");
    for i in 0..10 {
        h.record(&key("apps"), at(i * 10), flip(i as usize));
        h.record(&key("infra"), at(i * 10 + 1), flip(i as usize));
    }
    h.record(&other_group, at(200), flip(0));
    h.record(
        &key("apps"),
        at(300),
        Record::Warning {
            reason: "BackOff".into(),
            note: "n".into(),
            count: 1,
        },
    );
    h.flush();
    let q = Query {
        kind: Some("kustomization".into()),
        namespace: Some("flux-system".into()),
        name: Some("apps".into()),
        limit: 4,
        ..Query::default()
    };
    let pages = all(&h, q.clone());
    let items: Vec<&Stored> = pages.iter().flatten().map(|(_, s)| s).collect();
    assert_eq!(items.len(), 12, "both groups, the warning");
    assert!(items.iter().all(|s| s.object.name == "apps"));
    assert!(items.windows(2).all(|w| w[0].at >= w[1].at));
    assert!(matches!(items[0].record, Record::Warning { .. }));
    assert_eq!(items[1].object.group, "example.com");

    // By type: a transition matches any of its events.
    let q2 = Query {
        types: vec!["recovered".into()],
        limit: 100,
        ..q.clone()
    };
    let page = h.changes(&q2).unwrap();
    assert_eq!(page.items.len(), 5);
    let q3 = Query {
        types: vec!["warning".into()],
        limit: 100,
        ..Query::default()
    };
    assert_eq!(h.changes(&q3).unwrap().items.len(), 1);

    // Since, by scan (name alone).
    let q4 = Query {
        name: Some("infra".into()),
        since: Some(at(50)),
        limit: 100,
        ..Query::default()
    };
    let page = h.changes(&q4).unwrap();
    assert_eq!(page.items.len(), 5);
    assert!(page.next.is_none());
}

#[test]
fn a_token_is_bound_to_its_filters() {
    let q = Query {
        name: Some("apps".into()),
        limit: 10,
        ..Query::default()
    };
    let token = q.token(12345);
    assert_eq!(q.resume(&token), Some(12345));
    // A different limit pages the same list.
    let q_limit = Query {
        limit: 50,
        ..q.clone()
    };
    assert_eq!(q_limit.resume(&token), Some(12345));
    let other = Query {
        name: Some("infra".into()),
        ..q.clone()
    };
    assert_eq!(other.resume(&token), None);
    assert_eq!(q.resume("zz"), None);
    assert_eq!(q.resume(&"g".repeat(32)), None);
}

#[test]
fn retention_removes_what_is_older() {
    let limits = Limits {
        retention: SignedDuration::from_hours(24),
        ..Limits::default()
    };
    let (h, clock) = history(limits);
    h.record(&key("old"), at(0), flip(0));
    h.record(&key("new"), at(3600 * 20), flip(1));
    h.flush();
    clock.set(at(3600 * 25));
    assert_eq!(h.prune().unwrap(), 1);
    let page = h
        .changes(&Query {
            limit: 10,
            ..Query::default()
        })
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].1.object.name, "new");
    assert!(h.timeline(&[key("old")], 10).unwrap().is_empty());
    clock.set(at(3600 * 45));
    assert_eq!(h.prune().unwrap(), 1);
    assert!(h.is_empty());
    assert_eq!(h.bytes(), 0, "the size is kept with the records");
}

#[test]
fn the_size_bound_removes_the_oldest() {
    let limits = Limits {
        max_bytes: 64 << 10,
        ..Limits::default()
    };
    let (h, _) = history(limits);
    for i in 0..2000 {
        h.record(&key(&format!("app-{}", i % 50)), at(i), flip(i as usize));
        if i % 500 == 499 {
            h.flush();
        }
    }
    h.flush();
    // Pruned as soon as a write took it past its size, not at the next minute's round.
    assert!(h.bytes() <= 64 << 10, "{}", h.bytes());
    assert!(h.len() < 2000, "{}", h.len());
    let kept = h.len();
    h.prune().unwrap();
    consistent(&h);
    assert!(h.bytes() <= 64 << 10, "{}", h.bytes());
    assert!(h.len() <= kept);
    // The newest stayed.
    let page = h
        .changes(&Query {
            limit: 1,
            ..Query::default()
        })
        .unwrap();
    assert_eq!(page.items[0].1.at, at(1999));
}

#[test]
fn an_object_keeps_its_newest_up_to_its_cap() {
    let limits = Limits {
        max_per_object: 3,
        ..Limits::default()
    };
    let (h, _) = history(limits);
    for i in 0..8 {
        h.record(&key("apps"), at(i), flip(i as usize));
        h.record(&key("infra"), at(i), flip(i as usize));
    }
    h.flush();
    let tl = h.timeline(&[key("apps")], 50).unwrap();
    let ats: Vec<Timestamp> = tl.iter().map(|s| s.at).collect();
    assert_eq!(ats, [at(7), at(6), at(5)]);
    assert_eq!(h.len(), 6);
    consistent(&h);
    // Merged, newest first.
    let both = h.timeline(&[key("apps"), key("infra")], 4).unwrap();
    assert_eq!(both.len(), 4);
    assert!(both.windows(2).all(|w| w[0].at >= w[1].at));
}

#[test]
fn the_scan_budget_bounds_a_query() {
    // A file: the records are more than an in-memory history keeps.
    let dir = fresh_dir("scan");
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(t0()));
    let h = History::open(&dir.join("history.redb"), Limits::default(), clock).unwrap();
    h.record(&key("rare"), at(-10), flip(0));
    for i in 0..(SCAN_BUDGET + 10) {
        h.record(&key(&format!("busy-{}", i % 100)), at(i as i64), flip(i));
        if i % 2000 == 0 {
            h.flush();
        }
    }
    h.flush();
    let q = Query {
        name: Some("rare".into()),
        limit: 10,
        ..Query::default()
    };
    let first = h.changes(&q).unwrap();
    assert!(first.items.is_empty());
    assert!(first.next.is_some(), "a short page that pages on");
    let pages = all(&h, q);
    let found: Vec<&Stored> = pages.iter().flatten().map(|(_, s)| s).collect();
    assert_eq!(found.len(), 1);
    h.close();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_full_queue_drops_and_counts() {
    // A file: four queues' worth of records are more than an in-memory history keeps.
    let dir = fresh_dir("full-queue");
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(t0()));
    let h = History::open(&dir.join("history.redb"), Limits::default(), clock).unwrap();
    // The writer takes records as they come; many more than the queue at once overflow it
    // unless it keeps up, and what was not dropped is written.
    for i in 0..(QUEUE * 4) {
        h.record(&key(&format!("storm-{}", i % 100)), at(0), flip(i));
    }
    h.flush();
    assert_eq!(h.len() + h.dropped(), (QUEUE * 4) as u64);
    h.close();
    let _ = std::fs::remove_dir_all(&dir);
}

/// A writer asleep on an open batch until a deadline far away: what wakes it, and what it takes.
#[test]
fn a_writer_asleep_on_an_open_batch_wakes_when_called() {
    let (tx, rx) = std::sync::mpsc::sync_channel(8);
    let waiting = Arc::new(Waiting::default());
    let queued = &waiting.records;
    let queue = Queue {
        rx,
        queued: Arc::clone(&waiting),
    };
    let (out_tx, out) = std::sync::mpsc::channel();
    let writer = std::thread::spawn(move || {
        // Far past any test's patience: only a wake-up ends these waits in time.
        let far = Duration::from_secs(3600);
        for _ in 0..3 {
            let got = loop {
                match queue.next(true, far) {
                    Err(RecvTimeoutError::Timeout) => continue,
                    got => break got,
                }
            };
            let _ = out_tx.send(got.map(|m| matches!(m, Msg::Put(..))));
        }
    });
    let patience = Duration::from_secs(60);
    // What is queued already is taken without sleeping, and counted out of the queue.
    queued.store(1, Ordering::Relaxed);
    tx.send(Msg::Put(
        Box::new(Stored {
            at: t0(),
            object: key("a"),
            record: flip(0),
        }),
        0,
    ))
    .unwrap();
    writer.thread().unpark();
    assert_eq!(out.recv_timeout(patience).unwrap(), Ok(true));
    assert_eq!(queued.load(Ordering::Relaxed), 0);
    // A flush sent while it sleeps, and the wake-up `History::flush` gives it.
    let (done, _) = std::sync::mpsc::sync_channel(1);
    tx.send(Msg::Flush(done)).unwrap();
    writer.thread().unpark();
    assert_eq!(out.recv_timeout(patience).unwrap(), Ok(false));
    // The end: the history dropped (its sender gone), and the wake-up its `Drop` gives.
    drop(tx);
    writer.thread().unpark();
    assert_eq!(
        out.recv_timeout(patience).unwrap(),
        Err(RecvTimeoutError::Disconnected)
    );
    writer.join().unwrap();
}

/// Records handed over while the writer sleeps on an open batch are written or counted as
/// dropped, none lost, and each is counted out of the queue as the writer takes it.
#[test]
fn records_queued_while_the_writer_sleeps_are_written() {
    let (h, _) = history(Limits::default());
    // Opens a batch: the writer now sleeps until it is due (a second) unless woken.
    h.record(&key("first"), at(0), flip(0));
    h.flush();
    let n = WAKE_AT * 3;
    for i in 0..n {
        h.record(&key(&format!("burst-{}", i % 50)), at(1), flip(i));
    }
    h.flush();
    assert_eq!(h.len() + h.dropped(), 1 + n as u64);
    assert_eq!(
        h.queued.records.load(Ordering::Relaxed),
        0,
        "every record counted out"
    );
    assert_eq!(h.queued.bytes.load(Ordering::Relaxed), 0, "and its bytes");
}

/// Records as large as their texts may be: while the writer is stuck (the file's write lock held
/// elsewhere, as a stalled disk would), the queue holds at most [`QUEUE_BYTES`] of them, the rest
/// dropped and counted; once the writer goes on, what was kept is written.
#[test]
fn a_queue_of_large_records_is_bounded_by_its_bytes() {
    let dir = fresh_dir("queue-bytes");
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(t0()));
    let h = History::open(&dir.join("history.redb"), Limits::default(), clock).unwrap();
    let large = |n: usize| Record::Transition {
        events: vec![EventKind::Unhealthy],
        from: Some(verdict(Health::Healthy)),
        to: Some(verdict(Health::Unhealthy)),
        message: format!("{n} {}", "m".repeat(MAX_TEXT)),
        via: Some("v".repeat(MAX_TEXT)),
        change: None,
    };
    let stuck = h.db.begin_write().unwrap();
    // A batch's worth for the writer to take before it blocks on the lock, and a full queue's
    // count more: by count alone, the queue would hold them all.
    let n = BATCH + QUEUE;
    for i in 0..n {
        h.record(&key(&format!("big-{}", i % 100)), at(1), large(i));
        let bytes = h.queued.bytes.load(Ordering::Relaxed);
        assert!(bytes <= QUEUE_BYTES, "{bytes} bytes waiting");
    }
    assert!(
        h.dropped() > 0,
        "the queue holds fewer large records than its count"
    );
    drop(stuck);
    h.flush();
    assert_eq!(h.len() + h.dropped(), n as u64);
    h.close();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_file_outlives_the_process() {
    let dir = fresh_dir("file");
    let path = dir.join("history.redb");
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(t0()));
    {
        let h = History::open(&path, Limits::default(), clock.clone()).unwrap();
        for i in 0..3 {
            h.record(&key("apps"), at(i), flip(i as usize));
        }
        h.close();
    }
    let h = History::open(&path, Limits::default(), clock).unwrap();
    assert_eq!(h.timeline(&[key("apps")], 50).unwrap().len(), 3);
    // New records come after the old ones even from an earlier clock.
    h.record(&key("apps"), at(-100), flip(3));
    h.flush();
    let page = h
        .changes(&Query {
            limit: 1,
            ..Query::default()
        })
        .unwrap();
    assert_eq!(page.items[0].1.at, at(-100));
    h.close();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_warning_storm_writes_about_log2_n_records() {
    assert!(warning_worth_recording(0, 1));
    assert!(warning_worth_recording(0, 7), "first seen with a count");
    assert!(!warning_worth_recording(1, 1));
    assert!(warning_worth_recording(1, 2));
    assert!(!warning_worth_recording(2, 3));
    assert!(warning_worth_recording(3, 4));
    // One occurrence at a time up to 100,000: 17 records.
    let written = (1..100_000u64)
        .filter(|n| warning_worth_recording(*n - 1, *n))
        .count();
    assert_eq!(written, 17);
    // A jump past several doublings is one record.
    assert!(warning_worth_recording(5, 1000));
}

/// An empty directory of this test's own under the temporary one.
fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("herald-history-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Indexes record `id` of `s` as schema 2 did: its entry and its count.
fn index_v2(
    by: &mut redb::Table<(u64, u64, u64), ()>,
    counts: &mut redb::Table<(u64, u64), u32>,
    key: IndexKey,
    s: &Stored,
    id: u64,
) {
    let o = ObjectIds::of(key, &s.object);
    by.insert((o.name, o.group, id), ()).unwrap();
    let n = counts
        .get((o.name, o.group))
        .unwrap()
        .map_or(0, |v| v.value());
    counts.insert((o.name, o.group), n + 1).unwrap();
}

/// `n` records, one a second, of three objects in turn.
fn of_three(n: i64) -> Vec<Stored> {
    (0..n)
        .map(|i| Stored {
            at: at(i),
            object: key(["apps", "infra", "tenants"][i as usize % 3]),
            record: flip(i as usize),
        })
        .collect()
}

/// Writes a schema 1 file as herald before schema 2 did: the index and counts by text. With
/// `done`, the move to schema 2 had got that far (up to that many records) before a crash.
fn schema_1_file(path: &Path, records: &[Stored], done: Option<usize>) {
    let db = Database::create(path).unwrap();
    let txn = db.begin_write().unwrap();
    {
        let mut table = txn.open_table(RECORDS).unwrap();
        let mut by = txn.open_table(V1_BY_OBJECT).unwrap();
        let mut counts = txn.open_table(V1_COUNTS).unwrap();
        let mut meta = txn.open_table(META).unwrap();
        let mut new_by = txn.open_table(V2_BY_OBJECT).unwrap();
        let mut new_counts = txn.open_table(V2_COUNTS).unwrap();
        let mut bytes = 0;
        // A herald that began moving the file had made its key first.
        let key = IndexKey(7, 11);
        if done.is_some() {
            meta.insert(INDEX_KEY[0], key.0).unwrap();
            meta.insert(INDEX_KEY[1], key.1).unwrap();
        }
        for (i, s) in records.iter().enumerate() {
            let id = id_at(s.at) + i as u64;
            let value = serde_json::to_vec(s).unwrap();
            let object = object_key(&s.object);
            table.insert(id, value.as_slice()).unwrap();
            by.insert((object.as_str(), id), ()).unwrap();
            let n = counts
                .get(object.as_str())
                .unwrap()
                .map_or(0, |v| v.value());
            counts.insert(object.as_str(), n + 1).unwrap();
            bytes += value.len() as u64 + object.len() as u64 + OVERHEAD;
            if done.is_some_and(|d| i < d) {
                index_v2(&mut new_by, &mut new_counts, key, s, id);
                meta.insert("migrated", id).unwrap();
            }
        }
        meta.insert("schema", 1).unwrap();
        meta.insert("bytes", bytes).unwrap();
    }
    txn.commit().unwrap();
}

/// The move in steps of any size, the last one full or not, ends with the same index and counts
/// as the move in one step.
#[test]
fn a_schema_1_file_moves_the_same_in_steps_of_any_size() {
    let dir = fresh_dir("v1-steps");
    let records = of_three(8);
    let moved = |step: usize| {
        let path = dir.join(format!("step-{step}.redb"));
        schema_1_file(&path, &records, None);
        let db = Database::create(&path).unwrap();
        // The key a herald makes before it moves a file, the same for each.
        let txn = db.begin_write().unwrap();
        {
            let mut meta = txn.open_table(META).unwrap();
            meta.insert(INDEX_KEY[0], 7).unwrap();
            meta.insert(INDEX_KEY[1], 11).unwrap();
        }
        txn.commit().unwrap();
        migrate_v1(&db, step).unwrap();
        let r = db.begin_read().unwrap();
        let meta = r.open_table(META).unwrap();
        assert_eq!(meta.get("schema").unwrap().unwrap().value(), 2);
        assert!(meta.get("migrated").unwrap().is_none(), "step {step}");
        let index: Vec<(u64, u64, u64)> = r
            .open_table(V2_BY_OBJECT)
            .unwrap()
            .iter()
            .unwrap()
            .map(|e| e.unwrap().0.value())
            .collect();
        let counts: Vec<((u64, u64), u32)> = r
            .open_table(V2_COUNTS)
            .unwrap()
            .iter()
            .unwrap()
            .map(|e| {
                let (k, v) = e.unwrap();
                (k.value(), v.value())
            })
            .collect();
        (index, counts)
    };
    let whole = moved(MIGRATE_STEP);
    assert_eq!(whole.0.len(), 8);
    assert_eq!(whole.1.iter().map(|(_, n)| n).sum::<u32>(), 8);
    assert_eq!(whole.1.len(), 3);
    for step in [1, 3, 4, 8] {
        assert_eq!(moved(step), whole, "step {step}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_schema_1_file_moves_to_schema_2_whole() {
    for done in [None, Some(3)] {
        let dir = fresh_dir(&format!("v1-{done:?}"));
        let path = dir.join("history.redb");
        let other_group = ObjectKey::new("example.com", "Kustomization", "flux-system", "apps");
        let mut records = Vec::new();
        for i in 0..8 {
            let object = match i % 3 {
                0 => key("apps"),
                1 => key("infra"),
                _ => other_group.clone(),
            };
            records.push(Stored {
                at: at(i),
                object,
                record: flip(i as usize),
            });
        }
        schema_1_file(&path, &records, done);
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(at(100)));
        let limits = Limits {
            max_per_object: 3,
            ..Limits::default()
        };
        let h = History::open(&path, limits, clock).unwrap();
        assert_eq!(h.len(), 8);
        let bytes = h.bytes();
        {
            let r = h.db.begin_read().unwrap();
            let meta = r.open_table(META).unwrap();
            assert_eq!(meta.get("schema").unwrap().unwrap().value(), SCHEMA);
            assert!(meta.get("migrated").unwrap().is_none());
            assert!(r.open_table(V1_BY_OBJECT).is_err(), "the old index is gone");
            assert!(r.open_table(V1_COUNTS).is_err(), "the old counts are gone");
            assert!(
                r.open_table(V2_BY_OBJECT).is_err(),
                "schema 2's index is gone"
            );
            assert!(
                r.open_table(V2_COUNTS).is_err(),
                "schema 2's counts are gone"
            );
        }
        consistent(&h);
        // Every group's records of one kind, namespace and name, newest first.
        let page = h
            .changes(&Query {
                kind: Some("kustomization".into()),
                namespace: Some("flux-system".into()),
                name: Some("apps".into()),
                limit: 10,
                ..Query::default()
            })
            .unwrap();
        let ats: Vec<Timestamp> = page.items.iter().map(|(_, s)| s.at).collect();
        assert_eq!(ats, [at(6), at(5), at(3), at(2), at(0)], "{done:?}");
        let infra = h.timeline(&[key("infra")], 10).unwrap();
        assert_eq!(infra.len(), 3);
        // The counts came along: one more record of `apps` drops its oldest (at 0).
        h.record(&key("apps"), at(50), flip(9));
        h.flush();
        let apps: Vec<Timestamp> = h
            .timeline(&[key("apps")], 10)
            .unwrap()
            .iter()
            .map(|s| s.at)
            .collect();
        assert_eq!(apps, [at(50), at(6), at(3)], "{done:?}");
        assert!(h.bytes() > bytes - 600, "the size is still counted");
        h.close();
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn each_file_hashes_its_index_with_a_key_of_its_own() {
    let dir = fresh_dir("key");
    let key_of = |name: &str| {
        let path = dir.join(name);
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(t0()));
        let h = History::open(&path, Limits::default(), clock).unwrap();
        let key = {
            let r = h.db.begin_read().unwrap();
            IndexKey::read(&r.open_table(META).unwrap())
                .unwrap()
                .unwrap()
        };
        h.close();
        key
    };
    let (a, b) = (key_of("a.redb"), key_of("b.redb"));
    assert_ne!(a, b);
    // The key decides the hashes: the same object lands elsewhere in another file's index.
    let o = ObjectKey::new("apps", "Deployment", "shop", "web");
    assert_ne!(ObjectIds::of(a, &o), ObjectIds::of(b, &o));
    // And it is kept: the file opened again hashes as before.
    assert_eq!(key_of("a.redb"), a);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = fresh_dir("v9");
    let path = dir.join("history.redb");
    {
        let db = Database::create(&path).unwrap();
        let txn = db.begin_write().unwrap();
        txn.open_table(META).unwrap().insert("schema", 9).unwrap();
        txn.open_table(RECORDS)
            .unwrap()
            .insert(1, &[b'x'; 4096][..])
            .unwrap();
        txn.commit().unwrap();
    }
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(t0()));
    // Far over a small bound: still refused before anything is pruned or compacted.
    let tiny = Limits {
        max_bytes: 1,
        ..Limits::default()
    };
    let e = History::open(&path, tiny, clock).unwrap_err();
    assert!(e.to_string().contains("schema 9"), "{e}");
    let db = Database::open(&path).unwrap();
    let txn = db.begin_read().unwrap();
    assert!(txn.open_table(RECORDS).unwrap().get(1).unwrap().is_some());
    drop(txn);
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
}

/// An index entry found by a hash says nothing on its own: the record it leads to names its
/// object, and a query shows only the object asked about. Forged here (an object's hashes
/// pointing at another object's record), since a real collision of two 64-bit hashes under the
/// file's own key cannot be found.
#[test]
fn a_forged_collision_in_the_index_shows_nothing_of_the_other_object() {
    let (h, _) = history(Limits::default());
    let apps = key("apps");
    let infra = key("infra");
    h.record(&apps, at(10), flip(0));
    h.flush();
    let query = |name: &str| Query {
        kind: Some("Kustomization".into()),
        namespace: Some("flux-system".into()),
        name: Some(name.into()),
        ..Query::default()
    };
    let ids: Vec<u64> = all(&h, query("apps"))
        .into_iter()
        .flatten()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(ids.len(), 1);
    {
        let txn = h.db.begin_write().unwrap();
        let key = IndexKey::of(&txn).unwrap();
        let forged = ObjectIds::of(key, &infra);
        let gens = generations(&txn.open_table(GENERATIONS).unwrap()).unwrap();
        txn.open_table(BY_OBJECT)
            .unwrap()
            .insert(
                (
                    generation_of(&gens, ids[0]),
                    forged.name,
                    forged.group,
                    ids[0],
                ),
                (),
            )
            .unwrap();
        txn.commit().unwrap();
    }
    assert!(
        all(&h, query("infra")).iter().all(Vec::is_empty),
        "the record found through infra's hashes is apps'"
    );
    let shown: Vec<String> = all(&h, query("apps"))
        .into_iter()
        .flatten()
        .map(|(_, s)| s.object.name.to_string())
        .collect();
    assert_eq!(shown, ["apps"]);
}

/// The index agrees with the records: one entry per record, in the generation its id falls in;
/// the counts are the index's; the newest generation is the writer's; no generation is older
/// than the oldest record's.
fn consistent(h: &History) {
    use redb::ReadableTableMetadata;
    let r = h.db.begin_read().unwrap();
    let records = r.open_table(RECORDS).unwrap();
    let by = r.open_table(BY_OBJECT).unwrap();
    let gens = generations(&r.open_table(GENERATIONS).unwrap()).unwrap();
    let meta = r.open_table(META).unwrap();
    assert_eq!(
        by.len().unwrap(),
        records.len().unwrap(),
        "an entry per record"
    );
    for e in by.iter().unwrap() {
        let (g, _, _, id) = e.unwrap().0.value();
        assert!(
            records.get(id).unwrap().is_some(),
            "entry {id} has its record"
        );
        assert_eq!(g, generation_of(&gens, id), "entry {id} in its generation");
    }
    // The counts are the index's; where each object's oldest are looked for is at or before
    // its oldest generation.
    let counts = lock(&h.counts).clone();
    let exact = count_index(&h.db).unwrap();
    assert_eq!(counts.len(), exact.len(), "the same objects counted");
    for (o, k) in &exact {
        let kept = counts[o];
        assert_eq!(kept.records, k.records, "{o:?}");
        assert!(
            kept.from <= k.from,
            "{o:?}: from {} past {}",
            kept.from,
            k.from
        );
    }
    let newest = meta.get("generation").unwrap().map_or(0, |v| v.value());
    if let Some(last) = gens.last() {
        assert_eq!(*last, newest, "the newest generation is the writer's");
    }
    if let Some((first, _)) = records.first().unwrap() {
        let oldest = generation_of(&gens, first.value());
        assert!(gens.iter().all(|g| *g >= oldest), "{gens:?} past {oldest}");
    }
}

/// An object's records spread over many generations (64 entries each in the unit tests) page
/// newest first without a gap or a duplicate, by query and by timeline; its cap reaches into
/// the oldest generations; pruning leaves no empty generation behind.
#[test]
fn an_objects_records_across_generations() {
    let limits = Limits {
        max_per_object: 150,
        retention: SignedDuration::from_hours(1),
        ..Limits::default()
    };
    let (h, clock) = history(limits);
    // A quiet object's one record, in the oldest generation; then 400 records of `apps`, each
    // between three of others: about 25 generations.
    h.record(&key("quiet"), at(0), flip(0));
    for i in 0..400 {
        h.record(&key("apps"), at(i), flip(i as usize));
        for o in 0..3 {
            h.record(
                &key(&format!("other-{}", (i + o) % 40)),
                at(i),
                flip(i as usize),
            );
        }
        if i % 37 == 0 {
            h.flush();
        }
    }
    h.flush();
    consistent(&h);
    let gens = {
        let r = h.db.begin_read().unwrap();
        generations(&r.open_table(GENERATIONS).unwrap()).unwrap()
    };
    assert!(gens.len() > 10, "{} generations", gens.len());
    let q = Query {
        kind: Some("Kustomization".into()),
        namespace: Some("flux-system".into()),
        name: Some("apps".into()),
        limit: 7,
        ..Query::default()
    };
    let pages = all(&h, q);
    let ats: Vec<Timestamp> = pages.iter().flatten().map(|(_, s)| s.at).collect();
    // The newest 150 (the cap), newest first, each once.
    let expected: Vec<Timestamp> = (250..400).rev().map(at).collect();
    assert_eq!(ats, expected);
    assert!(pages.iter().all(|p| p.len() <= 7));
    let tl: Vec<Timestamp> = h
        .timeline(&[key("apps")], 20)
        .unwrap()
        .iter()
        .map(|s| s.at)
        .collect();
    assert_eq!(tl, (380..400).rev().map(at).collect::<Vec<_>>());
    // Merged with the quiet object: its record is found in the oldest generation.
    let both = h.timeline(&[key("quiet"), key("other-1")], 1000).unwrap();
    assert_eq!(both.last().map(|s| s.object.name.as_str()), Some("quiet"));
    assert!(both.windows(2).all(|w| w[0].at >= w[1].at));
    // Past the retention, the oldest go with their generations.
    clock.set(at(3600 + 300));
    assert!(h.prune().unwrap() > 0);
    consistent(&h);
    let left = {
        let r = h.db.begin_read().unwrap();
        generations(&r.open_table(GENERATIONS).unwrap()).unwrap()
    };
    assert!(left.len() < gens.len(), "{} of {}", left.len(), gens.len());
    let ats: Vec<Timestamp> = all(
        &h,
        Query {
            limit: 50,
            ..Query::default()
        },
    )
    .iter()
    .flatten()
    .map(|(_, s)| s.at)
    .collect();
    assert!(ats.iter().all(|t| *t >= at(300)));
    // Everything past the retention: the writer's generation alone stays, and takes more.
    clock.set(at(7200 + 400));
    h.prune().unwrap();
    assert!(h.is_empty());
    consistent(&h);
    h.record(&key("apps"), at(7200 + 400), flip(0));
    h.flush();
    consistent(&h);
    assert_eq!(h.timeline(&[key("apps")], 10).unwrap().len(), 1);
}

/// Writes a schema 2 file: one index without generations, counts, the index key.
fn schema_2_file(path: &Path, records: &[Stored]) {
    let db = Database::create(path).unwrap();
    let txn = db.begin_write().unwrap();
    {
        let mut table = txn.open_table(RECORDS).unwrap();
        let mut by = txn.open_table(V2_BY_OBJECT).unwrap();
        let mut counts = txn.open_table(V2_COUNTS).unwrap();
        let mut meta = txn.open_table(META).unwrap();
        let key = IndexKey(7, 11);
        meta.insert(INDEX_KEY[0], key.0).unwrap();
        meta.insert(INDEX_KEY[1], key.1).unwrap();
        let mut bytes = 0;
        for (i, s) in records.iter().enumerate() {
            let id = id_at(s.at) + i as u64;
            let value = serde_json::to_vec(s).unwrap();
            table.insert(id, value.as_slice()).unwrap();
            index_v2(&mut by, &mut counts, key, s, id);
            bytes += value.len() as u64 + object_key_len(&s.object) + OVERHEAD;
        }
        meta.insert("schema", 2).unwrap();
        meta.insert("bytes", bytes).unwrap();
    }
    txn.commit().unwrap();
}

/// A schema 2 file's index becomes the first generation, the same in steps of any size (a
/// stop between steps resumes: each step is a transaction that moves what it took); the file
/// then reads, caps and grows as one of schema 3.
#[test]
fn a_schema_2_file_moves_to_generations() {
    let dir = fresh_dir("v2");
    let records = of_three(150);
    let moved = |step: usize| {
        let path = dir.join(format!("step-{step}.redb"));
        schema_2_file(&path, &records);
        let db = Database::create(&path).unwrap();
        migrate_v2(&db, step).unwrap();
        let r = db.begin_read().unwrap();
        let meta = r.open_table(META).unwrap();
        assert_eq!(meta.get("schema").unwrap().unwrap().value(), SCHEMA);
        assert_eq!(meta.get("generation").unwrap().unwrap().value(), 0);
        assert_eq!(
            meta.get("generation-entries").unwrap().unwrap().value(),
            150
        );
        assert!(r.open_table(V2_BY_OBJECT).is_err(), "step {step}");
        assert!(r.open_table(V2_COUNTS).is_err(), "step {step}");
        r.open_table(BY_OBJECT)
            .unwrap()
            .iter()
            .unwrap()
            .map(|e| e.unwrap().0.value())
            .collect::<Vec<_>>()
    };
    let whole = moved(MIGRATE_STEP);
    assert_eq!(whole.len(), 150);
    assert!(whole.iter().all(|(g, ..)| *g == 0));
    for step in [1, 7, 75, 150] {
        assert_eq!(moved(step), whole, "step {step}");
    }
    // Opened by herald: read, capped and written on.
    let path = dir.join("history.redb");
    schema_2_file(&path, &records);
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(at(1000)));
    let limits = Limits {
        max_per_object: 50,
        ..Limits::default()
    };
    let h = History::open(&path, limits, clock).unwrap();
    consistent(&h);
    let apps = h.timeline(&[key("apps")], 100).unwrap();
    assert_eq!(apps.len(), 50);
    assert_eq!(apps[0].at, at(147));
    for i in 0..100 {
        h.record(&key("apps"), at(500 + i), flip(i as usize));
    }
    h.flush();
    consistent(&h);
    let apps: Vec<Timestamp> = h
        .timeline(&[key("apps")], 100)
        .unwrap()
        .iter()
        .map(|s| s.at)
        .collect();
    assert_eq!(apps, (550..600).rev().map(at).collect::<Vec<_>>());
    let infra = h.timeline(&[key("infra")], 100).unwrap();
    assert_eq!(infra.len(), 50, "the other objects' records stay");
    h.close();
    let _ = std::fs::remove_dir_all(&dir);
}

/// A query by object reads a bounded number of generations: an object recorded once, long ago,
/// under many generations of others' records, is found by paging on, each page short and
/// bounded.
#[test]
fn generations_read_by_a_query_are_bounded() {
    let (h, _) = history(Limits::default());
    h.record(&key("rare"), at(0), flip(0));
    // About 30 generations of 64 entries after it.
    for i in 0..(64 * 30) {
        h.record(&key(&format!("busy-{}", i % 50)), at(1 + i as i64), flip(i));
        if i % 500 == 0 {
            h.flush();
        }
    }
    h.flush();
    let q = Query {
        kind: Some("Kustomization".into()),
        namespace: Some("flux-system".into()),
        name: Some("rare".into()),
        limit: 10,
        ..Query::default()
    };
    let first = h.changes(&q).unwrap();
    assert!(first.items.is_empty());
    assert!(first.next.is_some(), "a short page that pages on");
    let pages = all(&h, q);
    assert!(pages.len() >= 3, "{} pages", pages.len());
    let found: Vec<&Stored> = pages.iter().flatten().map(|(_, s)| s).collect();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].at, at(0));
    // A timeline reads up to SCAN_BUDGET ranges: it finds it at once.
    assert_eq!(h.timeline(&[key("rare")], 10).unwrap().len(), 1);
}
