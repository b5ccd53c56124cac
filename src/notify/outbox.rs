//! The outbox: every notification is written (and synced to disk) before anything tries to send
//! it, and removed once its receiver took it or refused it for good. After a restart, even a
//! `kill -9`, what is still in the outbox is sent; what was removed is not sent again.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};

use super::Notification;
use super::handover::Mirror;

const PENDING: TableDefinition<u64, &[u8]> = TableDefinition::new("pending");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// Silences added through the HTTP API: id → JSON.
const SILENCES: TableDefinition<&str, &[u8]> = TableDefinition::new("silences");
/// Open Slack threads: `<receiver>|<object>` → the `ts` of the message that began it.
const THREADS: TableDefinition<&str, &str> = TableDefinition::new("threads");
const NEXT_ID: &str = "next-id";

#[derive(Debug, thiserror::Error)]
#[error("outbox {path}: {message}")]
pub struct OutboxError {
    path: String,
    message: String,
}

pub struct Outbox {
    db: Database,
    path: String,
    next: AtomicU64,
    /// The receiver of each pending entry, for the outbox depth by receiver.
    receivers: Mutex<HashMap<u64, Arc<str>>>,
    /// With leader election: every change is mirrored to the hand-over state in the cluster.
    mirror: Option<Arc<Mirror>>,
}

impl Outbox {
    pub fn open(path: &Path) -> Result<Outbox, OutboxError> {
        let shown = path.display().to_string();
        let err = |e: &dyn std::fmt::Display| OutboxError {
            path: shown.clone(),
            message: e.to_string(),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| err(&e))?;
        }
        let db = Database::create(path).map_err(|e| err(&e))?;
        Outbox::with_db(db, shown, None)
    }

    /// An outbox in memory whose every change is mirrored to the cluster (with leader
    /// election: the cluster's copy, not a disk, is what outlives the pod).
    pub fn mirrored(mirror: Arc<Mirror>) -> Result<Outbox, OutboxError> {
        let db = Database::builder()
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .map_err(|e| OutboxError {
                path: "(memory)".into(),
                message: e.to_string(),
            })?;
        Outbox::with_db(db, "(memory)".into(), Some(mirror))
    }

    fn with_db(
        db: Database,
        shown: String,
        mirror: Option<Arc<Mirror>>,
    ) -> Result<Outbox, OutboxError> {
        let err = |e: &dyn std::fmt::Display| OutboxError {
            path: shown.clone(),
            message: e.to_string(),
        };
        let txn = db.begin_write().map_err(|e| err(&e))?;
        let next = {
            txn.open_table(PENDING).map_err(|e| err(&e))?;
            txn.open_table(THREADS).map_err(|e| err(&e))?;
            txn.open_table(SILENCES).map_err(|e| err(&e))?;
            let meta = txn.open_table(META).map_err(|e| err(&e))?;
            meta.get(NEXT_ID)
                .map_err(|e| err(&e))?
                .map_or(1, |v| v.value())
        };
        txn.commit().map_err(|e| err(&e))?;
        Ok(Outbox {
            db,
            path: shown,
            next: AtomicU64::new(next),
            receivers: Mutex::new(HashMap::new()),
            mirror,
        })
    }

    /// Replaces everything pending and every thread with the hand-over state's (a new leader
    /// taking over); ids go on after the highest.
    pub fn replace_with(
        &self,
        pending: &[Notification],
        threads: &[(String, String)],
    ) -> Result<(), OutboxError> {
        let txn = self.db.begin_write().map_err(|e| self.err(e))?;
        {
            let mut table = txn.open_table(PENDING).map_err(|e| self.err(e))?;
            table.retain(|_, _| false).map_err(|e| self.err(e))?;
            for n in pending {
                let bytes = serde_json::to_vec(n).map_err(|e| self.err(e))?;
                table
                    .insert(n.id, bytes.as_slice())
                    .map_err(|e| self.err(e))?;
            }
            let mut t = txn.open_table(THREADS).map_err(|e| self.err(e))?;
            t.retain(|_, _| false).map_err(|e| self.err(e))?;
            for (k, ts) in threads {
                t.insert(k.as_str(), ts.as_str()).map_err(|e| self.err(e))?;
            }
        }
        txn.commit().map_err(|e| self.err(e))?;
        let top = pending.iter().map(|n| n.id).max().unwrap_or(0);
        self.next.fetch_max(top + 1, Ordering::SeqCst);
        self.receivers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.track(pending.iter());
        Ok(())
    }

    fn err(&self, e: impl std::fmt::Display) -> OutboxError {
        OutboxError {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    /// Writes notifications durably, giving each its id. One transaction for all.
    pub fn put(&self, items: &mut [Notification]) -> Result<(), OutboxError> {
        if items.is_empty() {
            return Ok(());
        }
        let txn = self.db.begin_write().map_err(|e| self.err(e))?;
        {
            let mut table = txn.open_table(PENDING).map_err(|e| self.err(e))?;
            for n in items.iter_mut() {
                n.id = self.next.fetch_add(1, Ordering::SeqCst);
                let bytes = serde_json::to_vec(n).map_err(|e| self.err(e))?;
                table
                    .insert(n.id, bytes.as_slice())
                    .map_err(|e| self.err(e))?;
            }
            let mut meta = txn.open_table(META).map_err(|e| self.err(e))?;
            meta.insert(NEXT_ID, self.next.load(Ordering::SeqCst))
                .map_err(|e| self.err(e))?;
        }
        txn.commit().map_err(|e| self.err(e))?;
        self.track(items.iter());
        if let Some(m) = &self.mirror {
            m.queued(items.iter());
        }
        Ok(())
    }

    fn track<'a>(&self, items: impl Iterator<Item = &'a Notification>) {
        let mut receivers = self.receivers.lock().unwrap_or_else(|p| p.into_inner());
        let mut last: Option<Arc<str>> = None;
        for n in items {
            let name = match &last {
                Some(l) if **l == *n.receiver => Arc::clone(l),
                _ => Arc::from(n.receiver.as_str()),
            };
            last = Some(Arc::clone(&name));
            receivers.insert(n.id, name);
        }
    }

    /// How many entries wait per receiver; every name in `known` appears, at zero if need be.
    pub fn depth<'a>(&self, known: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, usize> {
        let mut out: BTreeMap<String, usize> =
            known.into_iter().map(|r| (r.to_string(), 0)).collect();
        let receivers = self.receivers.lock().unwrap_or_else(|p| p.into_inner());
        for r in receivers.values() {
            *out.entry(r.to_string()).or_default() += 1;
        }
        out
    }

    /// Rewrites a notification (after a waitFor check released it).
    pub fn update(&self, n: &Notification) -> Result<(), OutboxError> {
        let txn = self.db.begin_write().map_err(|e| self.err(e))?;
        {
            let mut table = txn.open_table(PENDING).map_err(|e| self.err(e))?;
            let bytes = serde_json::to_vec(n).map_err(|e| self.err(e))?;
            table
                .insert(n.id, bytes.as_slice())
                .map_err(|e| self.err(e))?;
        }
        txn.commit().map_err(|e| self.err(e))?;
        if let Some(m) = &self.mirror {
            m.queued([n]);
        }
        Ok(())
    }

    /// Removes a notification: delivered, refused for good, or no longer true.
    pub fn done(&self, id: u64) -> Result<(), OutboxError> {
        self.done_many(&[id])
    }

    /// Removes several in one transaction (one sync to disk).
    pub fn done_many(&self, ids: &[u64]) -> Result<(), OutboxError> {
        let txn = self.db.begin_write().map_err(|e| self.err(e))?;
        {
            let mut table = txn.open_table(PENDING).map_err(|e| self.err(e))?;
            for id in ids {
                table.remove(*id).map_err(|e| self.err(e))?;
            }
        }
        txn.commit().map_err(|e| self.err(e))?;
        let mut receivers = self.receivers.lock().unwrap_or_else(|p| p.into_inner());
        for id in ids {
            receivers.remove(id);
        }
        drop(receivers);
        if let Some(m) = &self.mirror {
            m.removed(ids);
        }
        Ok(())
    }

    /// Everything not yet sent, oldest first. Entries that no longer parse are reported and
    /// skipped (kept on disk, so nothing is lost silently).
    pub fn pending(&self) -> Result<Vec<Notification>, OutboxError> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let table = txn.open_table(PENDING).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for item in table.iter().map_err(|e| self.err(e))? {
            let (id, bytes) = item.map_err(|e| self.err(e))?;
            match serde_json::from_slice::<Notification>(bytes.value()) {
                Ok(n) => out.push(n),
                Err(e) => {
                    tracing::error!(id = id.value(), error = %e, "unreadable outbox entry kept aside")
                }
            }
        }
        self.track(out.iter());
        Ok(out)
    }

    /// The thread a receiver's messages about an object go in, if one is open.
    pub fn thread(&self, key: &str) -> Option<String> {
        let txn = self.db.begin_read().ok()?;
        let table = txn.open_table(THREADS).ok()?;
        table.get(key).ok()?.map(|v| v.value().to_string())
    }

    /// Opens (Some) or closes (None) a thread.
    pub fn set_thread(&self, key: &str, ts: Option<&str>) -> Result<(), OutboxError> {
        let txn = self.db.begin_write().map_err(|e| self.err(e))?;
        {
            let mut table = txn.open_table(THREADS).map_err(|e| self.err(e))?;
            match ts {
                Some(ts) => {
                    table.insert(key, ts).map_err(|e| self.err(e))?;
                }
                None => {
                    table.remove(key).map_err(|e| self.err(e))?;
                }
            }
        }
        txn.commit().map_err(|e| self.err(e))?;
        if let Some(m) = &self.mirror {
            m.set_thread(key, ts);
        }
        Ok(())
    }

    /// The silences added through the API (expired ones too, until removed).
    pub fn silences(&self) -> Result<Vec<(String, crate::config::Silence)>, OutboxError> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let table = txn.open_table(SILENCES).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for item in table.iter().map_err(|e| self.err(e))? {
            let (id, bytes) = item.map_err(|e| self.err(e))?;
            if let Ok(s) = serde_json::from_slice(bytes.value()) {
                out.push((id.value().to_string(), s));
            }
        }
        Ok(out)
    }

    pub fn put_silence(&self, id: &str, s: &crate::config::Silence) -> Result<(), OutboxError> {
        let txn = self.db.begin_write().map_err(|e| self.err(e))?;
        {
            let mut table = txn.open_table(SILENCES).map_err(|e| self.err(e))?;
            let bytes = serde_json::to_vec(s).map_err(|e| self.err(e))?;
            table
                .insert(id, bytes.as_slice())
                .map_err(|e| self.err(e))?;
        }
        txn.commit().map_err(|e| self.err(e))
    }

    pub fn remove_silence(&self, id: &str) -> Result<(), OutboxError> {
        let txn = self.db.begin_write().map_err(|e| self.err(e))?;
        {
            let mut table = txn.open_table(SILENCES).map_err(|e| self.err(e))?;
            table.remove(id).map_err(|e| self.err(e))?;
        }
        txn.commit().map_err(|e| self.err(e))
    }

    pub fn len(&self) -> usize {
        self.db
            .begin_read()
            .ok()
            .and_then(|t| t.open_table(PENDING).ok())
            .and_then(|t| t.len().ok())
            .unwrap_or(0) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
