//! herald's history: what happened to each object (transitions, notifications sent or refused,
//! Kubernetes Warning Events), kept in a redb file of its own for a retention, so that it
//! outlives restarts and the store's short memory of deleted objects.
//!
//! One thread writes, fed by a bounded channel: whoever records (the evaluator, the delivery
//! workers) never waits on the disk. When the channel is full the record is dropped and counted
//! (`herald_history_dropped_total`). Batches are committed without a sync, and a synced commit
//! follows at most every [`SYNC_EVERY`]: a crash loses at most that much.
//!
//! Reads are redb read transactions (MVCC): they never block the writer, and each is bounded
//! (a page size and a scan budget).
//!
//! The writer's work per record is kept small (issue 18): the index by object is keyed by
//! integers (hashes of the object's kind, namespace and name and of its group, then the id), so
//! comparing keys is comparing integers; a batch's records are appended by id, then their index
//! entries are inserted in key order, and each object's count is read and written once per
//! batch. The index is split into generations of [`GENERATION`] entries, generation first in
//! its key, so that a batch's entries land in the newest generation's few pages rather than all
//! over an index of days (a query by object reads each generation's range, newest first, and
//! stops once it has its page). A file of schema 1 (the index keyed by text) or 2 (one
//! generation) is moved to schema 3 at open, in steps.

use std::hash::Hasher as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use redb::{
    Database, Durability, ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction,
};
use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::config::EventKind;
use crate::store::{ObjectKey, Verdict};

/// Every record, by id (`at` in µs × 1024 + a sequence): oldest first.
const RECORDS: TableDefinition<u64, &[u8]> = TableDefinition::new("records");
/// Each object's records: (the generation, the object's name hash, its group's hash, id); see
/// [`ObjectIds`] and [`GENERATIONS`]. Fixed-width keys: they compare as integers (no text, no
/// UTF-8 check) and keep the index small.
const BY_OBJECT: TableDefinition<(u64, u64, u64, u64), ()> = TableDefinition::new("by-object-3");
/// The index's generations, each by the id of its first record (0 for the first): every id of a
/// generation is below the next generation's.
const GENERATIONS: TableDefinition<u64, ()> = TableDefinition::new("generations");
/// Schema 2's index, one generation: (name hash, group hash, id). Moved to schema 3 at open.
const V2_BY_OBJECT: TableDefinition<(u64, u64, u64), ()> = TableDefinition::new("by-object-2");
/// Schema 2's records kept per object: (name hash, group hash). Deleted when the file moves to
/// schema 3, which counts them in memory ([`Counts`]).
const V2_COUNTS: TableDefinition<(u64, u64), u32> = TableDefinition::new("counts-2");
/// Schema 1's index and counts, by `kind/namespace/name/group` (kind lower-cased) as text:
/// read once to move a file to schema 2, then deleted.
const V1_BY_OBJECT: TableDefinition<(&str, u64), ()> = TableDefinition::new("by-object");
const V1_COUNTS: TableDefinition<&str, u32> = TableDefinition::new("counts");
/// `schema`, `bytes` (the records' size as stored, indexes included), `migrated` (while a
/// schema 1 file is being moved to schema 2: the last record id indexed anew), `generation`
/// (the newest generation) and `generation-entries` (the index entries written into it).
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// 3: the index by object in generations; 2: keyed by hashes, one generation; 1: by text.
const SCHEMA: u64 = 3;
/// Records indexed anew in one transaction while moving a schema 1 or 2 file.
const MIGRATE_STEP: usize = 20_000;
/// Index entries per generation: a batch's entries (at most [`BATCH`]) go into the pages of at
/// most two generations, however long the history. The unit tests use small ones, so that
/// each of them crosses generations.
const GENERATION: u64 = if cfg!(test) { 64 } else { 16_384 };
/// Records waiting for the writer, at most; more are dropped (and counted). A burst of 20,000
/// updates at 100,000 objects, or at 10,000 with a history of 400,000 records, dropped some
/// with 4,096 (the writer busy with a synced commit meanwhile); none with this (BENCHMARKS.md).
pub const QUEUE: usize = 16384;
/// Bytes waiting for the writer, at most (as [`waiting_bytes`] counts them): a record is
/// usually under a KiB, but its texts may take up to [`MAX_TEXT`] each, and a queue full of
/// those must not take the process past its memory limit.
pub const QUEUE_BYTES: usize = 16 << 20;
/// Records committed together, at most.
const BATCH: usize = 4096;
/// While a batch is open the writer sleeps until it is due instead of waking for each record;
/// this many queued wake it sooner, so that a burst does not fill the queue.
const WAKE_AT: usize = 1024;
/// A batch is committed at least this often (a full one at once). Each commit writes every
/// page its records touched in the index and the counts, however few the records: a trickle's
/// records committed every second cost the writer about twice as much each as a burst's
/// (BENCHMARKS.md). As it equals [`SYNC_EVERY`], a trickle's commit is also its sync.
const BATCH_EVERY: Duration = Duration::from_secs(5);
/// A synced commit follows at most this long after an unsynced one.
pub const SYNC_EVERY: Duration = Duration::from_secs(5);
/// Pruning runs this often.
pub const PRUNE_EVERY: Duration = Duration::from_secs(60);
/// Records removed in one transaction, at most.
const PRUNE_STEP: usize = 10_000;
/// redb's page cache: its default (1 GiB) would let the process grow with the file.
pub const CACHE_BYTES: usize = 4 << 20;
/// The in-memory backend's records, at most (`--no-history`).
pub const MEMORY_MAX_BYTES: u64 = 4 << 20;
/// Records a query looks at, at most, before it answers a short page with a `continue`.
pub const SCAN_BUDGET: usize = 20_000;
/// Generations a query by object reads, at most, before it answers a short page with a
/// `continue` (each also counts in [`SCAN_BUDGET`]). Few in the unit tests, so that one can
/// reach it.
const GENERATIONS_READ: usize = if cfg!(test) { 8 } else { SCAN_BUDGET };
/// Records one page holds, at most.
pub const MAX_LIMIT: usize = 1000;
/// A record's size beyond its value: its keys in both tables.
const OVERHEAD: u64 = 24;
/// A record's text, at most (a message, a note): longer ones are cut.
const MAX_TEXT: usize = 4096;

/// How long and how much is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    pub retention: SignedDuration,
    pub max_bytes: u64,
    pub max_per_object: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            retention: SignedDuration::from_hours(14 * 24),
            max_bytes: 256 << 20,
            max_per_object: 2000,
        }
    }
}

/// One record as kept and as `/api/v1/changes` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stored {
    pub at: Timestamp,
    pub object: ObjectKey,
    #[serde(flatten)]
    pub record: Record,
}

/// What happened, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Record {
    /// A change of herald's verdict, with the events it made.
    #[serde(rename_all = "camelCase")]
    Transition {
        events: Vec<EventKind>,
        from: Option<Verdict>,
        to: Option<Verdict>,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via: Option<String>,
        /// What changed in the object itself (its spec, its images), when that is what the
        /// transition is about.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        change: Option<serde_json::Value>,
    },
    /// A notification taken (`delivered`) or refused for good (`refused`) by a receiver.
    Notification {
        event: EventKind,
        receiver: String,
        route: String,
        outcome: String,
    },
    /// A Kubernetes Warning Event: at its first occurrence and each time its count doubles.
    Warning {
        reason: String,
        note: String,
        count: u64,
    },
}

impl Record {
    /// Whether a `type` filter names this record.
    fn is(&self, ty: &str) -> bool {
        match self {
            Record::Transition { events, .. } => events.iter().any(|e| e.as_str() == ty),
            Record::Notification { .. } => ty == "notification",
            Record::Warning { .. } => ty == "warning",
        }
    }
}

/// Whether a Warning Event whose count went from `before` (0: first seen) to `after` is worth a
/// record: its first occurrence, then each time its count doubles (a storm of n occurrences
/// writes about log2 n records).
pub fn warning_worth_recording(before: u64, after: u64) -> bool {
    before == 0 || after.checked_ilog2() > before.checked_ilog2()
}

/// The names `type` takes: the events a transition makes (all but `stuck`), `notification`
/// and `warning`.
pub fn types() -> Vec<&'static str> {
    EventKind::ALL
        .into_iter()
        .filter(|e| *e != EventKind::Stuck)
        .map(EventKind::as_str)
        .chain(["notification", "warning"])
        .collect()
}

#[derive(Debug, thiserror::Error)]
#[error("history {path}: {message}")]
pub struct HistoryError {
    path: String,
    message: String,
}

enum Msg {
    /// A record, with its bytes as [`waiting_bytes`] counted them when it was queued.
    Put(Box<Stored>, usize),
    /// Commit what is waiting (synced), then answer.
    Flush(std::sync::mpsc::SyncSender<()>),
}

/// The history: a handle for writing (never blocking) and reading.
pub struct History {
    db: Arc<Database>,
    tx: Mutex<Option<SyncSender<Msg>>>,
    dropped: Arc<AtomicU64>,
    /// Records handed to the writer, and those of them synced to disk.
    accepted: AtomicU64,
    synced: Arc<AtomicU64>,
    shown: String,
    limits: Limits,
    clock: Arc<dyn Clock>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// The writer's thread, woken by a flush or a filling queue while it sleeps on an open batch.
    woken: std::thread::Thread,
    /// What is in the queue: past [`WAKE_AT`] records, the writer is woken.
    queued: Arc<Waiting>,
    counts: Arc<Mutex<Counts>>,
}

/// The records in the writer's queue and their bytes ([`waiting_bytes`]).
#[derive(Default)]
struct Waiting {
    records: AtomicUsize,
    bytes: AtomicUsize,
}

/// What a record waiting in the queue holds, about: its texts and a fixed part for the rest (a
/// change's fields are bounded by the change rules, a few KiB at most).
fn waiting_bytes(s: &Stored) -> usize {
    let key = s.object.group.len() + s.object.kind.len() + s.object.namespace.len();
    let texts = match &s.record {
        Record::Transition {
            message,
            via,
            from,
            to,
            change,
            ..
        } => {
            let verdict = |v: &Option<Verdict>| {
                v.as_ref().map_or(0, |v| {
                    v.status.len()
                        + v.revision.as_ref().map_or(0, String::len)
                        + v.sync.as_ref().map_or(0, String::len)
                })
            };
            message.len()
                + via.as_ref().map_or(0, String::len)
                + verdict(from)
                + verdict(to)
                + if change.is_some() { 4096 } else { 0 }
        }
        Record::Notification {
            receiver,
            route,
            outcome,
            ..
        } => receiver.len() + route.len() + outcome.len(),
        Record::Warning { reason, note, .. } => reason.len() + note.len(),
    };
    256 + key + s.object.name.len() + texts
}

impl std::fmt::Debug for History {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("History")
            .field("path", &self.shown)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// A query of `/api/v1/changes`, checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    pub kind: Option<String>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub since: Option<Timestamp>,
    pub types: Vec<String>,
    pub limit: usize,
    /// Only records older than this id (from a `continue` token).
    pub before: Option<u64>,
}

impl Query {
    /// What a `continue` token is bound to: every filter but the page's position and size.
    pub fn fingerprint(&self) -> u64 {
        let text = format!(
            "{:?}|{:?}|{:?}|{:?}|{:?}",
            self.kind.as_ref().map(|k| k.to_ascii_lowercase()),
            self.namespace,
            self.name,
            self.since.map(|t| t.as_microsecond()),
            self.types
        );
        crate::stable_hash(text.as_bytes())
    }

    /// The opaque token that pages on after `id`.
    pub fn token(&self, id: u64) -> String {
        format!("{id:016x}{:016x}", self.fingerprint())
    }

    /// The id a token pages on after, if it was made for these filters.
    pub fn resume(&self, token: &str) -> Option<u64> {
        if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let id = u64::from_str_radix(&token[..16], 16).ok()?;
        let fp = u64::from_str_radix(&token[16..], 16).ok()?;
        (fp == self.fingerprint()).then_some(id)
    }
}

/// One page of records, newest first, and the token for the next when there may be more.
#[derive(Debug, Default)]
pub struct Page {
    pub items: Vec<(u64, Stored)>,
    /// The last id looked at, when more may follow.
    pub next: Option<u64>,
}

/// `kind/namespace/name/group`, the kind lower-cased: schema 1's key, and what a record's
/// size counts for its index entry.
#[cfg(test)]
fn object_key(k: &ObjectKey) -> String {
    format!(
        "{}/{}/{}/{}",
        k.kind.to_ascii_lowercase(),
        k.namespace,
        k.name,
        k.group
    )
}

/// The length of [`object_key`], without building it.
fn object_key_len(k: &ObjectKey) -> u64 {
    (k.kind.len() + k.namespace.len() + k.name.len() + k.group.len() + 3) as u64
}

/// The file's own key for the index's hashes, random, made with the file and kept in it: a
/// name whose hash collides with another object's cannot be computed without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct IndexKey(u64, u64);

const INDEX_KEY: [&str; 2] = ["index-key-0", "index-key-1"];

impl IndexKey {
    /// The key `meta` holds; none in a file made before keys were.
    fn read(meta: &impl ReadableTable<&'static str, u64>) -> Result<Option<Self>, redb::Error> {
        let k0 = meta.get(INDEX_KEY[0])?.map(|v| v.value());
        let k1 = meta.get(INDEX_KEY[1])?.map(|v| v.value());
        Ok(k0.zip(k1).map(|(a, b)| IndexKey(a, b)))
    }

    /// The key of the file whose transaction `txn` is ([`History::start`] made it).
    fn of(txn: &WriteTransaction) -> Result<Self, redb::Error> {
        let meta = txn.open_table(META)?;
        Ok(Self::read(&meta)?.unwrap_or(IndexKey(0, 0)))
    }

    fn random() -> Self {
        use std::hash::BuildHasher;
        let s = std::collections::hash_map::RandomState::new();
        IndexKey(s.hash_one(0u8), s.hash_one(1u8))
    }

    fn hasher(self) -> Keyed {
        #[allow(deprecated)]
        Keyed(std::hash::SipHasher::new_with_keys(self.0, self.1))
    }
}

/// SipHash-2-4 over parts separated by `/`, keyed by the file's [`IndexKey`]: stable across
/// processes and versions for one file.
#[allow(deprecated)]
struct Keyed(std::hash::SipHasher);

impl Keyed {
    fn part(&mut self, s: &str) -> &mut Self {
        self.0.write(s.as_bytes());
        self.0.write_u8(b'/');
        self
    }
    fn lower(&mut self, s: &str) -> &mut Self {
        for b in s.bytes() {
            self.0.write_u8(b.to_ascii_lowercase());
        }
        self.0.write_u8(b'/');
        self
    }
    fn value(&self) -> u64 {
        self.0.finish()
    }
}

/// An object's place in the index: a hash of its kind (lower-cased), namespace and name, so that
/// a query by those three finds every group's records in one range, and a hash of its group.
/// Two objects whose hashes collide share an index range (and a `maxPerObject` budget): readers
/// check each record's object, so they never show one object's records as another's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct ObjectIds {
    name: u64,
    group: u64,
}

impl ObjectIds {
    fn of(key: IndexKey, k: &ObjectKey) -> Self {
        ObjectIds {
            name: name_hash(key, &k.kind, &k.namespace, &k.name),
            group: key.hasher().part(&k.group).value(),
        }
    }
}

fn name_hash(key: IndexKey, kind: &str, namespace: &str, name: &str) -> u64 {
    key.hasher().lower(kind).part(namespace).part(name).value()
}

fn cut(s: &mut String) {
    if s.len() > MAX_TEXT {
        let mut end = MAX_TEXT;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
}

fn micros(t: Timestamp) -> u64 {
    u64::try_from(t.as_microsecond()).unwrap_or(0)
}

/// The smallest id of a record at `t` or later.
fn id_at(t: Timestamp) -> u64 {
    micros(t).saturating_mul(1024)
}

impl History {
    /// The history in a file, created if need be.
    pub fn open(
        path: &Path,
        limits: Limits,
        clock: Arc<dyn Clock>,
    ) -> Result<Arc<History>, HistoryError> {
        let shown = path.display().to_string();
        let err = |e: &dyn std::fmt::Display| HistoryError {
            path: shown.clone(),
            message: e.to_string(),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| err(&e))?;
        }
        let db = Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(path)
            .map_err(|e| err(&e))?;
        // A file well past its bound (a lower `maxBytes` than before: the file is normally about
        // 2.3 times the records, see BENCHMARKS.md) is compacted, at open only: once its schema
        // is known to be this herald's (a file of another is refused untouched, one of schema 1
        // moved first).
        let file = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let compact = file > limits.max_bytes.saturating_mul(3);
        History::start(db, shown, limits, clock, compact)
    }

    /// The history in memory, at most [`MEMORY_MAX_BYTES`] (`--no-history`: the same API, lost
    /// at exit).
    pub fn in_memory(mut limits: Limits, clock: Arc<dyn Clock>) -> Arc<History> {
        limits.max_bytes = limits.max_bytes.min(MEMORY_MAX_BYTES);
        let db = Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .expect("an in-memory database opens");
        History::start(db, "(memory)".into(), limits, clock, false)
            .expect("an in-memory history starts")
    }

    fn start(
        mut db: Database,
        shown: String,
        limits: Limits,
        clock: Arc<dyn Clock>,
        compact: bool,
    ) -> Result<Arc<History>, HistoryError> {
        let err = |e: &dyn std::fmt::Display| HistoryError {
            path: shown.clone(),
            message: e.to_string(),
        };
        let txn = db.begin_write().map_err(|e| err(&e))?;
        {
            txn.open_table(RECORDS).map_err(|e| err(&e))?;
            txn.open_table(BY_OBJECT).map_err(|e| err(&e))?;
            txn.open_table(GENERATIONS).map_err(|e| err(&e))?;
            let mut meta = txn.open_table(META).map_err(|e| err(&e))?;
            let schema = meta.get("schema").map_err(|e| err(&e))?.map(|v| v.value());
            // A new file, or one of schema 1 about to be indexed: its key is made now.
            if matches!(schema, None | Some(1))
                && IndexKey::read(&meta).map_err(|e| err(&e))?.is_none()
            {
                let key = IndexKey::random();
                meta.insert(INDEX_KEY[0], key.0).map_err(|e| err(&e))?;
                meta.insert(INDEX_KEY[1], key.1).map_err(|e| err(&e))?;
            }
            match schema {
                // Moved below, in steps.
                Some(1 | 2) => {}
                Some(SCHEMA) => {}
                None => {
                    meta.insert("schema", SCHEMA).map_err(|e| err(&e))?;
                }
                Some(s) => {
                    return Err(err(&format!(
                        "schema {s}, this herald reads {SCHEMA} (and moves 1 and 2 to it): move \
                         the file away"
                    )));
                }
            }
        }
        txn.commit().map_err(|e| err(&e))?;
        migrate_v1(&db, MIGRATE_STEP).map_err(|e| err(&e))?;
        migrate_v2(&db, MIGRATE_STEP).map_err(|e| err(&e))?;
        let counts = Arc::new(Mutex::new(count_index(&db).map_err(|e| err(&e))?));
        if compact {
            let _ = Self::prune_db(&db, &limits, clock.now(), &counts);
            let _ = db.compact();
        }
        let db = Arc::new(db);
        // What is past the retention goes at once, not a minute later.
        History::prune_db(&db, &limits, clock.now(), &counts).map_err(|e| err(&e))?;
        let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE);
        let synced = Arc::new(AtomicU64::new(0));
        let queued = Arc::new(Waiting::default());
        let writer = {
            let db = Arc::clone(&db);
            let limits = limits.clone();
            let clock = Arc::clone(&clock);
            let synced = Arc::clone(&synced);
            let counts = Arc::clone(&counts);
            let queue = Queue {
                rx,
                queued: Arc::clone(&queued),
            };
            std::thread::Builder::new()
                .name("herald-history".into())
                .spawn(move || {
                    let to = Written {
                        db: &db,
                        limits: &limits,
                        counts: &counts,
                    };
                    write_loop(&to, clock.as_ref(), &queue, &synced)
                })
                .map_err(|e| err(&e))?
        };
        let woken = writer.thread().clone();
        Ok(Arc::new(History {
            db,
            tx: Mutex::new(Some(tx)),
            dropped: Arc::new(AtomicU64::new(0)),
            accepted: AtomicU64::new(0),
            synced,
            shown,
            limits,
            clock,
            writer: Mutex::new(Some(writer)),
            woken,
            queued,
            counts,
        }))
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Records handed over and not yet synced to disk (a crash now would lose them).
    pub fn unsynced(&self) -> u64 {
        self.accepted
            .load(Ordering::Relaxed)
            .saturating_sub(self.synced.load(Ordering::Relaxed))
    }

    /// Records dropped because the writer was behind.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Hands a record to the writer, never waiting: dropped (and counted) when it is behind.
    pub fn record(&self, object: &ObjectKey, at: Timestamp, mut record: Record) {
        match &mut record {
            Record::Transition { message, via, .. } => {
                cut(message);
                if let Some(v) = via {
                    cut(v);
                }
            }
            Record::Warning { reason, note, .. } => {
                cut(reason);
                cut(note);
            }
            Record::Notification { .. } => {}
        }
        let stored = Box::new(Stored {
            at,
            object: object.clone(),
            record,
        });
        let bytes = waiting_bytes(&stored);
        let tx = self.tx.lock().unwrap_or_else(|p| p.into_inner());
        let Some(tx) = tx.as_ref() else {
            return;
        };
        // Counted before it is sent, so that the writer never takes it before it is counted.
        let waiting = &self.queued;
        let queued = waiting.records.fetch_add(1, Ordering::Relaxed) + 1;
        let queued_bytes = waiting.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        let sent = queued_bytes <= QUEUE_BYTES && tx.try_send(Msg::Put(stored, bytes)).is_ok();
        if sent {
            self.accepted.fetch_add(1, Ordering::Relaxed);
            if queued >= WAKE_AT {
                self.woken.unpark();
            }
        } else {
            waiting.records.fetch_sub(1, Ordering::Relaxed);
            waiting.bytes.fetch_sub(bytes, Ordering::Relaxed);
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A transition: written unless it is part of herald learning the cluster.
    pub fn transition(&self, t: &crate::store::Transition) {
        if t.initial {
            return;
        }
        let events = crate::events::of(t);
        self.record(
            &t.key,
            t.at,
            Record::Transition {
                events,
                from: t.from.clone(),
                to: t.to.clone(),
                message: t.message.clone(),
                via: t.via.clone(),
                change: t
                    .change
                    .as_deref()
                    .and_then(|c| serde_json::to_value(c).ok()),
            },
        );
    }

    /// Waits until everything handed over so far is written and synced.
    pub fn flush(&self) {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let sender = self
            .tx
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .cloned();
        if let Some(s) = sender
            && s.send(Msg::Flush(tx)).is_ok()
        {
            self.woken.unpark();
            let _ = rx.recv();
        }
    }

    /// Writes what is waiting, syncs, and stops the writer (at exit).
    pub fn close(&self) {
        self.flush();
        self.tx.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(w) = self.writer.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = w.join();
        }
    }

    /// Removes what is past the retention, then the oldest while the records are past
    /// `maxBytes` (down to 90 % of it), in transactions of at most [`PRUNE_STEP`] records.
    /// Returns how many went.
    pub fn prune(&self) -> Result<usize, HistoryError> {
        Self::prune_db(&self.db, &self.limits, self.clock.now(), &self.counts)
            .map_err(|e| self.err(e))
    }

    fn prune_db(
        db: &Database,
        limits: &Limits,
        now: Timestamp,
        counts: &Mutex<Counts>,
    ) -> Result<usize, redb::Error> {
        let cutoff = now
            .checked_sub(limits.retention)
            .map_or(0, |t| id_at(t.max(Timestamp::UNIX_EPOCH)));
        let mut removed = 0;
        // Past the retention.
        loop {
            let mut counts = lock(counts);
            let txn = db.begin_write()?;
            let (n, gone) = remove_oldest(&txn, PRUNE_STEP, |id, _| id < cutoff)?;
            txn.commit()?;
            forget(&mut counts, gone);
            removed += n;
            if n < PRUNE_STEP {
                break;
            }
        }
        // Past the size bound.
        if bytes(db)? > limits.max_bytes {
            let target = limits.max_bytes / 10 * 9;
            loop {
                let mut counts = lock(counts);
                let txn = db.begin_write()?;
                let mut over = bytes_in(&txn)?.saturating_sub(target);
                let (n, gone) = remove_oldest(&txn, PRUNE_STEP, |_, size| {
                    let go = over > 0;
                    over = over.saturating_sub(size);
                    go
                })?;
                txn.commit()?;
                forget(&mut counts, gone);
                drop(counts);
                removed += n;
                if n < PRUNE_STEP || bytes(db)? <= target {
                    break;
                }
            }
        }
        Ok(removed)
    }

    /// The smallest id within the retention.
    fn oldest_kept(&self) -> u64 {
        self.clock
            .now()
            .checked_sub(self.limits.retention)
            .map_or(0, |t| id_at(t.max(Timestamp::UNIX_EPOCH)))
    }

    /// The key of the index's hashes, as the file holds it.
    fn index_key(&self, r: &redb::ReadTransaction) -> Result<IndexKey, HistoryError> {
        let meta = r.open_table(META).map_err(|e| self.err(e))?;
        Ok(IndexKey::read(&meta)
            .map_err(|e| self.err(e))?
            .unwrap_or(IndexKey(0, 0)))
    }

    /// The generations that may hold ids from `floor` up to `top` (excluded), newest first, each
    /// with the id its next one begins at (`u64::MAX` for the newest).
    fn generations_within(
        &self,
        r: &redb::ReadTransaction,
        floor: u64,
        top: u64,
    ) -> Result<Vec<(u64, u64)>, HistoryError> {
        let table = r.open_table(GENERATIONS).map_err(|e| self.err(e))?;
        let gens = generations(&table).map_err(|e| self.err(e))?;
        let ends = gens.iter().skip(1).copied().chain([u64::MAX]);
        let mut within: Vec<(u64, u64)> = gens
            .iter()
            .copied()
            .zip(ends)
            .filter(|(g, end)| *g < top && *end > floor)
            .collect();
        within.reverse();
        Ok(within)
    }

    fn err(&self, e: impl std::fmt::Display) -> HistoryError {
        HistoryError {
            path: self.shown.clone(),
            message: e.to_string(),
        }
    }

    /// The records' size as stored (values and index keys).
    pub fn bytes(&self) -> u64 {
        self.db
            .begin_read()
            .ok()
            .and_then(|r| r.open_table(META).ok())
            .and_then(|m| m.get("bytes").ok().flatten().map(|v| v.value()))
            .unwrap_or(0)
    }

    /// Records kept.
    pub fn len(&self) -> u64 {
        use redb::ReadableTableMetadata;
        self.db
            .begin_read()
            .ok()
            .and_then(|r| r.open_table(RECORDS).ok())
            .and_then(|t| t.len().ok())
            .unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A page of `/api/v1/changes`, newest first. With kind, namespace and name: that object's
    /// records (each group's); otherwise every record, filtered, at most [`SCAN_BUDGET`]
    /// looked at.
    pub fn changes(&self, q: &Query) -> Result<Page, HistoryError> {
        let limit = q.limit.clamp(1, MAX_LIMIT);
        let r = self.db.begin_read().map_err(|e| self.err(e))?;
        let records = r.open_table(RECORDS).map_err(|e| self.err(e))?;
        // What is past the retention is not shown, pruned or not yet.
        let floor = q.since.map_or(0, id_at).max(self.oldest_kept());
        let top = q.before.unwrap_or(u64::MAX);
        let wanted = |s: &Stored| q.types.is_empty() || q.types.iter().any(|t| s.record.is(t));
        if let (Some(kind), Some(ns), Some(name)) = (&q.kind, &q.namespace, &q.name) {
            let by = r.open_table(BY_OBJECT).map_err(|e| self.err(e))?;
            let key = self.index_key(&r)?;
            let h = name_hash(key, kind, ns, name);
            let mut page = Page::default();
            let mut looked = 0;
            // Newest generation first: every id of one is above every id of the older ones, so
            // the page is full once a generation fills it. Each generation's range counts in
            // the budget as one entry looked at, found or not: many generations without the
            // object still end a page, which then pages on below that generation.
            'generations: for (read, (g, end)) in self
                .generations_within(&r, floor, top)?
                .into_iter()
                .enumerate()
            {
                looked += 1;
                if looked >= SCAN_BUDGET || read >= GENERATIONS_READ {
                    page.next = Some(page.items.last().map_or(top.min(end), |(i, _)| *i));
                    break;
                }
                let mut ids: Vec<u64> = Vec::new();
                for e in by
                    .range((g, h, 0, 0)..=(g, h, u64::MAX, u64::MAX))
                    .map_err(|e| self.err(e))?
                {
                    let (k, _) = e.map_err(|e| self.err(e))?;
                    let id = k.value().3;
                    if (floor..top.min(end)).contains(&id) {
                        ids.push(id);
                    }
                    looked += 1;
                    if looked >= SCAN_BUDGET {
                        break;
                    }
                }
                ids.sort_unstable_by(|a, b| b.cmp(a));
                for id in ids {
                    if page.items.len() == limit {
                        page.next = page.items.last().map(|(i, _)| *i);
                        break 'generations;
                    }
                    let Some(v) = records.get(id).map_err(|e| self.err(e))? else {
                        continue;
                    };
                    let Some(s) = encoding::decode(v.value()) else {
                        continue;
                    };
                    // The hash found it; the record says whether it is that object.
                    let o = &s.object;
                    let same =
                        o.kind.eq_ignore_ascii_case(kind) && o.namespace == *ns && o.name == *name;
                    if same && wanted(&s) {
                        page.items.push((id, s));
                    }
                }
                if looked >= SCAN_BUDGET {
                    if page.next.is_none() {
                        page.next = page.items.last().map(|(i, _)| *i);
                    }
                    break;
                }
            }
            return Ok(page);
        }
        let mut page = Page::default();
        let mut looked = 0;
        for e in records.range(floor..top).map_err(|e| self.err(e))?.rev() {
            let (k, v) = e.map_err(|e| self.err(e))?;
            let id = k.value();
            looked += 1;
            if let Some(s) = encoding::decode(v.value()) {
                let o = &s.object;
                let keep = q
                    .kind
                    .as_ref()
                    .is_none_or(|k| o.kind.eq_ignore_ascii_case(k))
                    && q.namespace.as_ref().is_none_or(|n| o.namespace == *n)
                    && q.name.as_ref().is_none_or(|n| o.name == *n)
                    && wanted(&s);
                if keep {
                    page.items.push((id, s));
                    if page.items.len() == limit {
                        page.next = Some(id);
                        break;
                    }
                }
            }
            if looked >= SCAN_BUDGET {
                page.next = Some(id);
                break;
            }
        }
        Ok(page)
    }

    /// The newest `limit` records of these objects, merged, newest first (an object's answer:
    /// its own and its descendants').
    pub fn timeline(
        &self,
        objects: &[ObjectKey],
        limit: usize,
    ) -> Result<Vec<Stored>, HistoryError> {
        let r = self.db.begin_read().map_err(|e| self.err(e))?;
        let records = r.open_table(RECORDS).map_err(|e| self.err(e))?;
        let by = r.open_table(BY_OBJECT).map_err(|e| self.err(e))?;
        let mut ids: Vec<u64> = Vec::new();
        let floor = self.oldest_kept();
        let mut seen = std::collections::HashSet::new();
        let wanted: std::collections::HashSet<&ObjectKey> = objects.iter().collect();
        let key = self.index_key(&r)?;
        // Objects whose hashes are the same share a range: read it once.
        let ranges: Vec<ObjectIds> = objects
            .iter()
            .map(|o| ObjectIds::of(key, o))
            .filter(|o| seen.insert(*o))
            .collect();
        let mut out = Vec::new();
        let mut ranges_read = 0;
        // Newest generation first, until `limit` records are found: an older generation's
        // records are all older. At most [`SCAN_BUDGET`] ranges are read (one generation at
        // least): the objects' newest records in those (a timeline shows the newest, it does
        // not page).
        for (g, _) in self.generations_within(&r, floor, u64::MAX)? {
            ranges_read += ranges.len();
            if ranges_read > SCAN_BUDGET.max(ranges.len()) {
                break;
            }
            ids.clear();
            for o in &ranges {
                for e in by
                    .range((g, o.name, o.group, floor)..=(g, o.name, o.group, u64::MAX))
                    .map_err(|e| self.err(e))?
                    .rev()
                    .take(limit)
                {
                    let (k, _) = e.map_err(|e| self.err(e))?;
                    ids.push(k.value().3);
                }
            }
            // Each record is indexed once and each range read once: no id comes twice.
            ids.sort_unstable_by(|a, b| b.cmp(a));
            for id in &ids {
                if out.len() == limit {
                    return Ok(out);
                }
                if let Some(v) = records.get(*id).map_err(|e| self.err(e))?
                    && let Some(s) = encoding::decode(v.value())
                    && wanted.contains(&s.object)
                {
                    out.push(s);
                }
            }
            if out.len() == limit {
                break;
            }
        }
        Ok(out)
    }
}

impl Drop for History {
    fn drop(&mut self) {
        self.tx.lock().unwrap_or_else(|p| p.into_inner()).take();
        self.woken.unpark();
    }
}

/// Moves a schema 1 file to schema 2: indexes every record anew by hashes, in transactions of
/// `step` records ([`MIGRATE_STEP`]), noting the last id done, so that a crash part way resumes
/// where it stopped; then deletes the old index and counts and says schema 2 ([`migrate_v2`]
/// follows). The records themselves and their counted size do not change.
fn migrate_v1(db: &Database, step: usize) -> Result<(), redb::Error> {
    loop {
        let txn = db.begin_write()?;
        {
            let mut meta = txn.open_table(META)?;
            if meta.get("schema")?.map(|v| v.value()) != Some(1) {
                return Ok(());
            }
            let from = meta.get("migrated")?.map(|v| v.value());
            let key = IndexKey::read(&meta)?.unwrap_or(IndexKey(0, 0));
            let records = txn.open_table(RECORDS)?;
            let mut by = txn.open_table(V2_BY_OBJECT)?;
            let mut counts: std::collections::HashMap<ObjectIds, u32> =
                std::collections::HashMap::new();
            let mut done = 0;
            let mut last = from;
            let range = match from {
                Some(f) => records.range(f.saturating_add(1)..)?,
                None => records.range(0..)?,
            };
            for e in range {
                let (k, v) = e?;
                let id = k.value();
                last = Some(id);
                done += 1;
                // A record that does not read is left without an index entry, as the readers
                // skip it anyway; pruning still removes it by age and size.
                if let Some(o) = encoding::object(v.value()) {
                    let ids = ObjectIds::of(key, &o);
                    by.insert((ids.name, ids.group, id), ())?;
                    *counts.entry(ids).or_default() += 1;
                }
                if done >= step {
                    break;
                }
            }
            let mut table = txn.open_table(V2_COUNTS)?;
            for (ids, n) in counts {
                let before = table.get((ids.name, ids.group))?.map_or(0, |v| v.value());
                table.insert((ids.name, ids.group), before + n)?;
            }
            if done < step {
                drop(records);
                txn.delete_table(V1_BY_OBJECT)?;
                txn.delete_table(V1_COUNTS)?;
                meta.remove("migrated")?;
                meta.insert("schema", 2)?;
                tracing::info!("history: the file moved to schema 2");
            } else if let Some(l) = last {
                meta.insert("migrated", l)?;
            }
        }
        txn.commit()?;
    }
}

/// Moves a schema 2 file to schema 3: its index becomes the first generation (0), moved in
/// transactions of `step` entries, each taking the old index's first entries away as it adds
/// them to the new one (a crash part way resumes where it stopped, nothing twice); then the old
/// index and counts are deleted and the file says schema 3. Records and sizes do not change.
fn migrate_v2(db: &Database, step: usize) -> Result<(), redb::Error> {
    loop {
        let txn = db.begin_write()?;
        {
            let mut meta = txn.open_table(META)?;
            if meta.get("schema")?.map(|v| v.value()) != Some(2) {
                return Ok(());
            }
            let mut old = txn.open_table(V2_BY_OBJECT)?;
            let mut by = txn.open_table(BY_OBJECT)?;
            let mut moved = 0u64;
            while moved < step as u64 {
                let Some((name, group, id)) = old.pop_first()?.map(|(k, _)| k.value()) else {
                    break;
                };
                by.insert((0, name, group, id), ())?;
                moved += 1;
            }
            let entries = meta.get("generation-entries")?.map_or(0, |v| v.value()) + moved;
            meta.insert("generation-entries", entries)?;
            if entries > 0 {
                txn.open_table(GENERATIONS)?.insert(0, ())?;
            }
            if moved < step as u64 {
                drop(old);
                txn.delete_table(V2_BY_OBJECT)?;
                txn.delete_table(V2_COUNTS)?;
                meta.insert("generation", 0)?;
                meta.insert("schema", SCHEMA)?;
                tracing::info!("history: the file moved to schema {SCHEMA}");
            }
        }
        txn.commit()?;
    }
}

/// Records kept per object, counted from the index when the file opens and kept current by
/// whoever writes (the writer, pruning), each holding the lock across its transaction. A count
/// kept in the file was a page written per object per batch, all over a table as large as the
/// cluster: about an eighth of the writer's work, more the more objects (BENCHMARKS.md).
type Counts = std::collections::HashMap<ObjectIds, Kept, foldhash::fast::RandomState>;

/// What [`Counts`] holds of one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Kept {
    records: u32,
    /// A generation at or before the one of its oldest record: past its cap, its oldest are
    /// looked for from here on, not from the file's oldest generation (a flapping object's
    /// oldest are recent, and a long history has many generations).
    from: u64,
}

/// Each object's records, from the index.
fn count_index(db: &Database) -> Result<Counts, redb::Error> {
    let r = db.begin_read()?;
    let by = r.open_table(BY_OBJECT)?;
    let mut counts = Counts::default();
    // Generation first in the key: an object's first entry met is in its oldest generation.
    for e in by.iter()? {
        let (g, name, group, _) = e?.0.value();
        counts
            .entry(ObjectIds { name, group })
            .or_insert(Kept {
                records: 0,
                from: g,
            })
            .records += 1;
    }
    Ok(counts)
}

fn lock(counts: &Mutex<Counts>) -> std::sync::MutexGuard<'_, Counts> {
    counts.lock().unwrap_or_else(|p| p.into_inner())
}

/// The index's generations, oldest first.
fn generations(table: &impl ReadableTable<u64, ()>) -> Result<Vec<u64>, redb::Error> {
    table
        .iter()?
        .map(|e| e.map(|(k, _)| k.value()))
        .collect::<Result<_, _>>()
        .map_err(Into::into)
}

/// The generation of the record `id`: the newest that began at or before it.
fn generation_of(generations: &[u64], id: u64) -> u64 {
    let after = generations.partition_point(|g| *g <= id);
    after.checked_sub(1).map_or(0, |i| generations[i])
}

/// The records' size as counted in the meta table.
fn bytes(db: &Database) -> Result<u64, redb::Error> {
    let r = db.begin_read()?;
    let meta = r.open_table(META)?;
    Ok(meta.get("bytes")?.map_or(0, |v| v.value()))
}

fn bytes_in(txn: &WriteTransaction) -> Result<u64, redb::Error> {
    let meta = txn.open_table(META)?;
    Ok(meta.get("bytes")?.map_or(0, |v| v.value()))
}

/// Removes up to `max` of the oldest records while `go(id, size)` says so, with their index
/// entries and the generations left with no record; says how many went of each object.
fn remove_oldest(
    txn: &WriteTransaction,
    max: usize,
    mut go: impl FnMut(u64, u64) -> bool,
) -> Result<(usize, Gone), redb::Error> {
    let key = IndexKey::of(txn)?;
    let mut records = txn.open_table(RECORDS)?;
    let mut doomed: Vec<(u64, Option<ObjectIds>, u64)> = Vec::new();
    for e in records.iter()? {
        let (k, v) = e?;
        let id = k.value();
        let size = v.value().len() as u64;
        let (object, len) = encoding::object(v.value())
            .map(|o| (Some(ObjectIds::of(key, &o)), object_key_len(&o)))
            .unwrap_or((None, 0));
        let size = size + len + OVERHEAD;
        if doomed.len() >= max || !go(id, size) {
            break;
        }
        doomed.push((id, object, size));
    }
    let mut by = txn.open_table(BY_OBJECT)?;
    let mut generations_table = txn.open_table(GENERATIONS)?;
    let gens = generations(&generations_table)?;
    let mut gone = Gone::default();
    let mut freed = 0;
    for (id, object, size) in &doomed {
        records.remove(*id)?;
        if let Some(o) = object {
            by.remove((generation_of(&gens, *id), o.name, o.group, *id))?;
            *gone.entry(*o).or_default() += 1;
        }
        freed += size;
    }
    // The generations older than the oldest record's are empty; the newest stays, as the
    // writer adds to it.
    let keep = records
        .first()?
        .map(|(k, _)| generation_of(&gens, k.value()));
    let newest = gens.last().copied();
    for g in &gens {
        if Some(*g) != newest && keep.is_none_or(|k| *g < k) {
            generations_table.remove(*g)?;
        }
    }
    let mut meta = txn.open_table(META)?;
    let bytes = meta.get("bytes")?.map_or(0, |v| v.value());
    meta.insert("bytes", bytes.saturating_sub(freed))?;
    Ok((doomed.len(), gone))
}

/// Records removed per object, to take off [`Counts`] once their transaction committed.
type Gone = std::collections::HashMap<ObjectIds, u32>;

fn forget(counts: &mut Counts, gone: Gone) {
    for (o, n) in gone {
        if let Some(left) = counts.get_mut(&o) {
            if left.records <= n {
                counts.remove(&o);
            } else {
                left.records -= n;
            }
        }
    }
}

/// Where the writer writes: the file, its limits and its counts.
struct Written<'a> {
    db: &'a Database,
    limits: &'a Limits,
    counts: &'a Mutex<Counts>,
}

/// Writes one batch: each record under a fresh id, the object's oldest dropped past
/// `max_per_object`. Each object's count is looked at once per batch, and changed once the
/// batch is committed.
fn write_batch(
    to: &Written<'_>,
    batch: &[Stored],
    last: &mut u64,
    sync: bool,
) -> Result<(), redb::Error> {
    let limits = to.limits;
    let mut counts = lock(to.counts);
    let mut counted: Vec<(ObjectIds, Kept)> = Vec::new();
    let mut txn = to.db.begin_write()?;
    txn.set_durability(if sync {
        Durability::Immediate
    } else {
        Durability::None
    })?;
    {
        let mut records = txn.open_table(RECORDS)?;
        let mut by = txn.open_table(BY_OBJECT)?;
        let mut generations_table = txn.open_table(GENERATIONS)?;
        let mut meta = txn.open_table(META)?;
        let key = IndexKey::read(&meta)?.unwrap_or(IndexKey(0, 0));
        let mut generation = meta.get("generation")?.map_or(0, |v| v.value());
        let mut entries = meta.get("generation-entries")?.map_or(0, |v| v.value());
        if *last == 0 {
            *last = records.last()?.map_or(0, |(k, _)| k.value());
        }
        let mut bytes = meta.get("bytes")?.map_or(0, |v| v.value());
        let cap = limits.max_per_object.max(1);
        // The records go in by id (appended); their index entries and counts after, in key
        // order, so that the B-tree is walked leaf after leaf rather than at random.
        let mut index: Vec<(u64, ObjectIds, u64, u64)> = Vec::with_capacity(batch.len());
        let mut value = Vec::with_capacity(1024);
        for s in batch {
            value.clear();
            encoding::encode(s, &mut value);
            let id = id_at(s.at).max(*last + 1);
            *last = id;
            let key_len = object_key_len(&s.object);
            records.insert(id, value.as_slice())?;
            bytes += value.len() as u64 + key_len + OVERHEAD;
            // A full generation: the next begins with this record.
            if entries >= GENERATION {
                generation = id;
                entries = 0;
            }
            if entries == 0 {
                generations_table.insert(generation, ())?;
            }
            entries += 1;
            index.push((generation, ObjectIds::of(key, &s.object), id, key_len));
        }
        index.sort_unstable_by_key(|(g, o, id, _)| (*g, o.name, o.group, *id));
        for (g, o, id, _) in &index {
            by.insert((*g, o.name, o.group, *id), ())?;
        }
        // Each object once: its count, and its oldest dropped past the cap (looked for from the
        // generation its count says on).
        index.sort_unstable_by_key(|(g, o, id, _)| (o.name, o.group, *g, *id));
        let mut gens: Option<Vec<u64>> = None;
        for same in index.chunk_by(|a, b| a.1 == b.1) {
            let (first, o, _, key_len) = same[0];
            let stored = counts.get(&o).copied().unwrap_or(Kept {
                records: 0,
                from: first,
            });
            let mut n = stored.records.saturating_add(same.len() as u32);
            let mut from = stored.from;
            if n > cap {
                let gens = match &mut gens {
                    Some(g) => g,
                    None => gens.insert(generations(&generations_table)?),
                };
                let mut doomed: Vec<(u64, u64)> = Vec::new();
                for g in gens.iter().filter(|g| **g >= from) {
                    let want = (n - cap) as usize - doomed.len();
                    if want == 0 {
                        break;
                    }
                    for e in by
                        .range((*g, o.name, o.group, 0)..=(*g, o.name, o.group, u64::MAX))?
                        .take(want)
                    {
                        doomed.push((*g, e?.0.value().3));
                    }
                }
                for (g, old) in doomed {
                    // What is left of the object is in this generation or later ones.
                    from = g;
                    by.remove((g, o.name, o.group, old))?;
                    if let Some(v) = records.remove(old)? {
                        bytes = bytes.saturating_sub(v.value().len() as u64 + key_len + OVERHEAD);
                    }
                    n -= 1;
                }
            }
            counted.push((o, Kept { records: n, from }));
        }
        meta.insert("bytes", bytes)?;
        meta.insert("generation", generation)?;
        meta.insert("generation-entries", entries)?;
    }
    txn.commit()?;
    for (o, kept) in counted {
        if kept.records == 0 {
            counts.remove(&o);
        } else {
            counts.insert(o, kept);
        }
    }
    Ok(())
}

/// The writer's end of the queue, with what is in it (records and bytes).
struct Queue {
    rx: Receiver<Msg>,
    queued: Arc<Waiting>,
}

impl Queue {
    /// The next message, waiting at most `wait`. While a batch is `open`, the writer does not
    /// wake for each record that comes: it takes what is queued, and when nothing is, sleeps
    /// until the batch is due, unless a flush, a queue past [`WAKE_AT`] or the end (the
    /// history dropped) wakes it sooner. A trickle of records then costs one wake-up a batch,
    /// not one a record.
    fn next(&self, open: bool, wait: Duration) -> Result<Msg, RecvTimeoutError> {
        let got = if open {
            match self.rx.try_recv() {
                Err(TryRecvError::Empty) => {
                    std::thread::park_timeout(wait);
                    self.rx.try_recv().map_err(|e| match e {
                        TryRecvError::Empty => RecvTimeoutError::Timeout,
                        TryRecvError::Disconnected => RecvTimeoutError::Disconnected,
                    })
                }
                Err(TryRecvError::Disconnected) => Err(RecvTimeoutError::Disconnected),
                Ok(m) => Ok(m),
            }
        } else {
            self.rx.recv_timeout(wait)
        };
        if let Ok(Msg::Put(_, bytes)) = &got {
            self.queued.records.fetch_sub(1, Ordering::Relaxed);
            self.queued.bytes.fetch_sub(*bytes, Ordering::Relaxed);
        }
        got
    }
}

fn write_loop(to: &Written<'_>, clock: &dyn Clock, queue: &Queue, synced: &AtomicU64) {
    let (db, limits) = (to.db, to.limits);
    let mut last: u64 = 0;
    // Records committed since the last synced commit.
    let mut pending: u64 = 0;
    let mut batch: Vec<Stored> = Vec::new();
    let mut unsynced = false;
    let mut last_sync = Instant::now();
    let mut last_prune = Instant::now();
    let mut started = None::<Instant>;
    let mut commit = |batch: &mut Vec<Stored>, sync: bool, last: &mut u64| {
        if let Err(e) = write_batch(to, batch, last, sync) {
            tracing::error!(error = %e, records = batch.len(), "history: a batch was not written");
        }
        pending += batch.len() as u64;
        if sync {
            synced.fetch_add(pending, Ordering::Relaxed);
            pending = 0;
        }
        batch.clear();
    };
    loop {
        let wait = match started {
            Some(s) => BATCH_EVERY.saturating_sub(s.elapsed()),
            None if unsynced => SYNC_EVERY.saturating_sub(last_sync.elapsed()),
            None => PRUNE_EVERY.saturating_sub(last_prune.elapsed()),
        };
        match queue.next(started.is_some(), wait) {
            Ok(Msg::Put(s, _)) => {
                batch.push(*s);
                started.get_or_insert_with(Instant::now);
            }
            Ok(Msg::Flush(done)) => {
                commit(&mut batch, true, &mut last);
                if bytes(db).is_ok_and(|b| b > limits.max_bytes) {
                    last_prune = Instant::now();
                    if let Err(e) = History::prune_db(db, limits, clock.now(), to.counts) {
                        tracing::error!(error = %e, "history: pruning failed");
                    }
                }
                started = None;
                unsynced = false;
                last_sync = Instant::now();
                let _ = done.send(());
                continue;
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                commit(&mut batch, true, &mut last);
                return;
            }
        }
        let due = started.is_some_and(|s| s.elapsed() >= BATCH_EVERY);
        if batch.len() >= BATCH || due {
            let sync = last_sync.elapsed() >= SYNC_EVERY;
            commit(&mut batch, sync, &mut last);
            started = None;
            unsynced = !sync;
            if sync {
                last_sync = Instant::now();
            }
        } else if started.is_none() && unsynced && last_sync.elapsed() >= SYNC_EVERY {
            commit(&mut batch, true, &mut last);
            unsynced = false;
            last_sync = Instant::now();
        }
        // Past its size, the history is pruned at once rather than at the next minute: a storm
        // must not take an in-memory history (or the disk) past its bound for long.
        let over = || bytes(db).is_ok_and(|b| b > limits.max_bytes);
        if last_prune.elapsed() >= PRUNE_EVERY || (due_batch_written(&batch) && over()) {
            last_prune = Instant::now();
            if let Err(e) = History::prune_db(db, limits, clock.now(), to.counts) {
                tracing::error!(error = %e, "history: pruning failed");
            }
        }
    }
}

/// Whether the last round wrote its batch (the batch is empty once committed).
fn due_batch_written(batch: &[Stored]) -> bool {
    batch.is_empty()
}

/// `Stored` as the API shows it: `object` left out when it is the object asked about.
pub fn shown(s: &Stored, about: Option<&ObjectKey>) -> serde_json::Value {
    let mut v = serde_json::to_value(s).unwrap_or_default();
    if about == Some(&s.object)
        && let Some(m) = v.as_object_mut()
    {
        m.remove("object");
    }
    v
}

/// Where the history lives, as the configuration and flags say.
#[derive(Debug, Clone, PartialEq)]
pub enum Place {
    File(PathBuf),
    Memory,
}

mod encoding;
#[cfg(test)]
mod tests;
