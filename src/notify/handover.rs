//! Hand-over: the notifier's state kept in the cluster, so that when the leader's pod and disk
//! are gone a standby goes on where it stopped, telling nothing twice and losing nothing.
//!
//! The state is what the leader told and still has to tell:
//!
//! - per object, the verdict the notifier last took (the `from` of its next transition), since
//!   when it is not ready, whether its trouble was told or held back, and when its next repeat
//!   is due ([`Told`]);
//! - the outbox: every notification not yet taken or refused by its receiver;
//! - the open Slack threads.
//!
//! It is split into parts by a hash of the object's key, each one ConfigMap in herald's own
//! namespace (`<lease>-state-00` …), its JSON gzipped under `binaryData`. Only the leader
//! writes them, with each part's resourceVersion; a part is written again only when something
//! in it changed, and writes are coalesced: however many changes a second, each part is written
//! at most once per round. Nothing is sent before the state that led to it is written, so a new
//! leader never lacks what the old one acted on: at worst a message in flight at the crash goes
//! out again, with the same delivery id. [`Mirror`] is the state in memory, [`ClusterState`]
//! the ConfigMaps.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, PostParams};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio::time::Instant;

use super::Notification;
use crate::lease::Leadership;
use crate::metrics::Metrics;
use crate::store::{ObjectKey, Verdict};

/// Parts the state is split into, by default: at 10,000 objects about 625 each.
pub const DEFAULT_PARTS: usize = 16;
/// Where a part's gzipped JSON is, in its ConfigMap's `binaryData`.
const DATA_KEY: &str = "state.json.gz";
/// A part larger than this (gzipped) is refused before it is written: the API server takes at
/// most 1 MiB of data per ConfigMap, and a part this close to it needs more parts.
pub const MAX_PART_BYTES: usize = 900 * 1024;
/// At most this often a round of writes starts: changes that come meanwhile wait for the next.
const ROUND_EVERY: Duration = Duration::from_millis(50);
/// Changes nothing waits for (a verdict that told nobody anything) are written at most this
/// often: a busy cluster's churn costs the API server a few writes a second, not a round every
/// [`ROUND_EVERY`].
pub const LAZY_EVERY: Duration = Duration::from_secs(2);
/// The longest one write may take.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// What the notifier remembers of one object (see [`super::ledger`]), as it is handed over.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Told {
    /// The verdict last taken: the next transition is from it.
    #[serde(rename = "v", default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    /// Not ready since.
    #[serde(rename = "nr", default, skip_serializing_if = "Option::is_none")]
    pub not_ready: Option<Timestamp>,
    /// Its trouble was told and has not recovered.
    #[serde(rename = "t", default, skip_serializing_if = "std::ops::Not::not")]
    pub troubled: bool,
    /// Its trouble was held back (inhibited) while an ancestor's was told.
    #[serde(rename = "i", default, skip_serializing_if = "std::ops::Not::not")]
    pub inhibited: bool,
    /// Receivers to whom a trouble held by `waitFor` was over before it was told.
    #[serde(rename = "w", default, skip_serializing_if = "Vec::is_empty")]
    pub withheld: Vec<String>,
    /// When its trouble is next told again (`repeatInterval`, Alertmanager's resend).
    #[serde(rename = "r", default, skip_serializing_if = "Option::is_none")]
    pub repeat_due: Option<Timestamp>,
}

/// One part of the state, as written.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartData {
    /// By [`key_string`].
    #[serde(default)]
    pub told: BTreeMap<String, Told>,
    #[serde(default)]
    pub outbox: BTreeMap<u64, Notification>,
    /// `<receiver>|<object>` → the `ts` of the message that began the thread.
    #[serde(default)]
    pub threads: BTreeMap<String, String>,
}

impl PartData {
    pub fn encode(&self) -> Result<Vec<u8>, String> {
        let json = serde_json::to_vec(self).map_err(|e| e.to_string())?;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&json).map_err(|e| e.to_string())?;
        gz.finish().map_err(|e| e.to_string())
    }

    /// Reads a part, refusing one that inflates past `limit` bytes (a hostile or broken object
    /// must not take all memory).
    pub fn decode(bytes: &[u8], limit: u64) -> Result<PartData, String> {
        let mut json = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .take(limit + 1)
            .read_to_end(&mut json)
            .map_err(|e| format!("not gzip: {e}"))?;
        if json.len() as u64 > limit {
            return Err(format!("inflates past {limit} bytes"));
        }
        serde_json::from_slice(&json).map_err(|e| format!("not a herald state part: {e}"))
    }
}

/// The key of an object in the state: `group|kind|namespace|name`.
pub fn key_string(k: &ObjectKey) -> String {
    format!("{}|{}|{}|{}", k.group, k.kind, k.namespace, k.name)
}

pub fn parse_key(s: &str) -> Option<ObjectKey> {
    let mut it = s.split('|');
    let k = ObjectKey::new(it.next()?, it.next()?, it.next()?, it.next()?);
    it.next().is_none().then_some(k)
}

/// The part-choosing hash: the same across versions and machines (the part an object is in
/// must not move when herald is upgraded).
fn fnv(s: &str) -> u64 {
    crate::stable_hash(s.as_bytes())
}

struct Part {
    data: PartData,
    dirty: bool,
    /// Something waits for this part to be written (a notification at the gate, a delivery
    /// to be forgotten, a shutdown): written at the next round, not lazily.
    urgent: bool,
    /// The generation of the part's last change, and of the last change written.
    changed: u64,
    written: u64,
    /// The resourceVersion last written or read; None: the ConfigMap does not exist yet.
    version: Option<String>,
    /// Gzipped size when last written.
    bytes: usize,
}

/// The state in memory, mirrored to the cluster by [`write_loop`].
pub struct Mirror {
    parts: Vec<Mutex<Part>>,
    /// Which part each outbox entry is in.
    ids: Mutex<HashMap<u64, usize>>,
    /// Bumped after every change.
    generation: AtomicU64,
    changed: tokio::sync::Notify,
    /// The generation written to the cluster.
    persisted: watch::Sender<u64>,
    /// Whether the state was ever written (false: the first leader of this Lease).
    existed: AtomicBool,
    /// Rounds done: the gate looks at the parts again after each.
    rounds: watch::Sender<u64>,
    /// Every delivery of a term waits until the state is written up to this generation: what
    /// the term started from (the takeover's verdicts for every object) is in the cluster before
    /// anything is sent, so a next leader never compares with less. `u64::MAX` while a term is
    /// being set up.
    floor: watch::Sender<u64>,
}

impl Mirror {
    pub fn new(parts: usize) -> Mirror {
        Mirror {
            parts: (0..parts.max(1))
                .map(|_| {
                    Mutex::new(Part {
                        data: PartData::default(),
                        dirty: false,
                        urgent: false,
                        changed: 0,
                        written: 0,
                        version: None,
                        bytes: 0,
                    })
                })
                .collect(),
            ids: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
            changed: tokio::sync::Notify::new(),
            persisted: watch::Sender::new(0),
            existed: AtomicBool::new(false),
            rounds: watch::Sender::new(0),
            floor: watch::Sender::new(0),
        }
    }

    pub fn parts(&self) -> usize {
        self.parts.len()
    }

    fn part_of(&self, s: &str) -> usize {
        (fnv(s) % self.parts.len() as u64) as usize
    }

    fn part(&self, i: usize) -> std::sync::MutexGuard<'_, Part> {
        self.parts[i].lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Marks a part changed (under its lock); `urgent` if a sender will wait for it.
    fn touch(&self, p: &mut Part, urgent: bool) {
        p.dirty = true;
        p.urgent |= urgent;
        p.changed = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
    }

    /// The generation of the latest change: once [`Mirror::persisted`] reaches it, everything
    /// changed so far is in the cluster.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    pub fn persisted(&self) -> watch::Receiver<u64> {
        self.persisted.subscribe()
    }

    /// Asks for the parts the objects `keys` are in to be written at the next round;
    /// returns what to wait for: (part, generation) with changes not yet written.
    pub fn want<'a>(&self, keys: impl IntoIterator<Item = &'a ObjectKey>) -> Vec<(usize, u64)> {
        let mut parts: Vec<usize> = keys
            .into_iter()
            .map(|k| self.part_of(&key_string(k)))
            .collect();
        parts.sort_unstable();
        parts.dedup();
        self.want_parts(parts)
    }

    /// Asks for every changed part to be written at the next round.
    pub fn want_all(&self) -> Vec<(usize, u64)> {
        self.want_parts(0..self.parts.len())
    }

    fn want_parts(&self, parts: impl IntoIterator<Item = usize>) -> Vec<(usize, u64)> {
        let mut out = Vec::new();
        for i in parts {
            let mut p = self.part(i);
            if p.changed > p.written {
                p.urgent = true;
                out.push((i, p.changed));
            }
        }
        if !out.is_empty() {
            self.changed.notify_one();
        }
        out
    }

    /// Waits until each part of `wanted` is written up to its generation.
    pub async fn written(&self, wanted: &[(usize, u64)]) {
        let mut rounds = self.rounds.subscribe();
        loop {
            if wanted.iter().all(|(i, g)| self.part(*i).written >= *g) {
                return;
            }
            if rounds.changed().await.is_err() {
                return;
            }
        }
    }

    /// Holds every delivery until [`Mirror::term_ready`].
    pub fn term_starts(&self) {
        self.floor.send_replace(u64::MAX);
    }

    /// The term's starting point is set: deliveries wait until everything changed so far is
    /// written, and all of it is written at the next round.
    pub fn term_ready(&self) {
        self.want_all();
        self.floor.send_replace(self.generation());
    }

    /// Waits until the state is written up to the term's starting point.
    pub async fn started(&self) {
        let mut floor = self.floor.subscribe();
        let mut persisted = self.persisted.subscribe();
        loop {
            if *persisted.borrow_and_update() >= *floor.borrow_and_update() {
                return;
            }
            tokio::select! {
                r = floor.changed() => if r.is_err() { return },
                r = persisted.changed() => if r.is_err() { return },
            }
        }
    }

    /// Whether a leader wrote the state before (else everything is new: nothing to tell).
    pub fn existed(&self) -> bool {
        self.existed.load(Ordering::SeqCst)
    }

    /// Records what is remembered of an object (None: nothing, it is gone).
    pub fn set_told(&self, key: &ObjectKey, told: Option<Told>) {
        let k = key_string(key);
        let i = self.part_of(&k);
        {
            let mut p = self.part(i);
            let same = p.data.told.get(&k) == told.as_ref();
            if same {
                return;
            }
            match told {
                Some(t) => p.data.told.insert(k, t),
                None => p.data.told.remove(&k),
            };
            self.touch(&mut p, false);
        }
        self.changed.notify_one();
    }

    pub fn told(&self, key: &ObjectKey) -> Option<Told> {
        let k = key_string(key);
        self.part(self.part_of(&k)).data.told.get(&k).cloned()
    }

    /// Notifications written to the outbox (or rewritten).
    pub fn queued<'a>(&self, items: impl IntoIterator<Item = &'a Notification>) {
        let mut ids = self.ids.lock().unwrap_or_else(|p| p.into_inner());
        for n in items {
            let i = self.part_of(&key_string(&n.event.object));
            let mut p = self.part(i);
            p.data.outbox.insert(n.id, n.clone());
            self.touch(&mut p, false);
            ids.insert(n.id, i);
        }
        drop(ids);
        self.changed.notify_one();
    }

    /// Notifications that left the outbox: written at the next round, so that a new leader does
    /// not send them again.
    pub fn removed(&self, done: &[u64]) {
        let mut ids = self.ids.lock().unwrap_or_else(|p| p.into_inner());
        let mut any = false;
        for id in done {
            if let Some(i) = ids.remove(id) {
                let mut p = self.part(i);
                p.data.outbox.remove(id);
                self.touch(&mut p, true);
                any = true;
            }
        }
        drop(ids);
        if any {
            self.changed.notify_one();
        }
    }

    pub fn set_thread(&self, key: &str, ts: Option<&str>) {
        let i = self.part_of(key);
        {
            let mut p = self.part(i);
            match ts {
                Some(ts) => p.data.threads.insert(key.to_string(), ts.to_string()),
                None => p.data.threads.remove(key),
            };
            self.touch(&mut p, true);
        }
        self.changed.notify_one();
    }

    /// Everything remembered of every object.
    pub fn all_told(&self) -> Vec<(ObjectKey, Told)> {
        let mut out = Vec::new();
        for i in 0..self.parts.len() {
            let p = self.part(i);
            out.extend(
                p.data
                    .told
                    .iter()
                    .filter_map(|(k, t)| Some((parse_key(k)?, t.clone()))),
            );
        }
        out
    }

    /// The outbox, oldest first.
    pub fn all_pending(&self) -> Vec<Notification> {
        let mut out: Vec<Notification> = (0..self.parts.len())
            .flat_map(|i| {
                self.part(i)
                    .data
                    .outbox
                    .values()
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .collect();
        out.sort_by_key(|n| n.id);
        out
    }

    pub fn all_threads(&self) -> Vec<(String, String)> {
        (0..self.parts.len())
            .flat_map(|i| {
                self.part(i)
                    .data
                    .threads
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Replaces everything with what was read from the cluster.
    fn replace(&self, read: Vec<Option<(PartData, String, usize)>>) {
        let existed = read.iter().any(Option::is_some);
        let mut ids = self.ids.lock().unwrap_or_else(|p| p.into_inner());
        ids.clear();
        for (i, r) in read.into_iter().enumerate() {
            let mut p = self.part(i);
            match r {
                Some((data, version, bytes)) => {
                    for id in data.outbox.keys() {
                        ids.insert(*id, i);
                    }
                    p.data = data;
                    p.version = Some(version);
                    p.bytes = bytes;
                }
                None => {
                    p.data = PartData::default();
                    p.version = None;
                    p.bytes = 0;
                }
            }
            p.dirty = false;
            p.urgent = false;
            p.written = p.changed;
        }
        drop(ids);
        self.existed.store(existed, Ordering::SeqCst);
        // What was read is what the cluster has.
        let g = self.generation();
        self.persisted.send_replace(g);
    }

    /// A copy of part `i` as it is in memory now (for benchmarks and diagnostics; the write
    /// loop does not use it).
    pub fn part_data(&self, i: usize) -> PartData {
        self.part(i).data.clone()
    }

    /// The resourceVersion part `i` was last written or read at (None: not in the cluster
    /// yet), and its gzipped size then (for benchmarks and diagnostics).
    pub fn part_written(&self, i: usize) -> (Option<String>, usize) {
        let p = self.part(i);
        (p.version.clone(), p.bytes)
    }

    /// The gzipped size of the state as last written, and the objects in it.
    pub fn size(&self) -> (usize, usize) {
        (0..self.parts.len()).fold((0, 0), |(b, n), i| {
            let p = self.part(i);
            (b + p.bytes, n + p.data.told.len())
        })
    }
}

/// How a write of a part failed.
#[derive(Debug)]
pub enum WriteError {
    /// The part changed since it was read: another replica wrote it.
    Conflict,
    Other(String),
}

/// The state's ConfigMaps in herald's namespace.
#[derive(Clone)]
pub struct ClusterState {
    api: Api<ConfigMap>,
    /// `<lease>`: the parts are `<lease>-state-00` …
    base: String,
    labels: BTreeMap<String, String>,
}

impl ClusterState {
    pub fn new(client: kube::Client, namespace: &str, base: &str, shard: Option<&str>) -> Self {
        let mut labels = BTreeMap::from([
            ("app.kubernetes.io/name".to_string(), "herald".to_string()),
            (
                "app.kubernetes.io/component".to_string(),
                "handover-state".to_string(),
            ),
        ]);
        if let Some(s) = shard {
            labels.insert("herald.io/shard".into(), s.into());
        }
        ClusterState {
            api: Api::namespaced(client, namespace),
            base: base.to_string(),
            labels,
        }
    }

    pub fn part_name(&self, i: usize) -> String {
        format!("{}-state-{i:02}", self.base)
    }

    /// One part: its data, resourceVersion and gzipped size; None if it does not exist.
    pub async fn read(&self, i: usize) -> Result<Option<(PartData, String, usize)>, String> {
        let name = self.part_name(i);
        let cm = tokio::time::timeout(WRITE_TIMEOUT, self.api.get_opt(&name))
            .await
            .map_err(|_| format!("configmap {name}: timed out"))?
            .map_err(|e| format!("configmap {name}: {e}"))?;
        let Some(cm) = cm else { return Ok(None) };
        let version = cm.metadata.resource_version.clone().unwrap_or_default();
        let bytes = cm
            .binary_data
            .as_ref()
            .and_then(|d| d.get(DATA_KEY))
            .map(|b| b.0.clone());
        match bytes {
            None => Ok(Some((PartData::default(), version, 0))),
            Some(b) => {
                let data = PartData::decode(&b, 64 * MAX_PART_BYTES as u64)
                    .map_err(|e| format!("configmap {name}: {e}"))?;
                Ok(Some((data, version, b.len())))
            }
        }
    }

    /// Reads every part into `mirror`.
    pub async fn load(&self, mirror: &Mirror) -> Result<(), String> {
        let reads = futures::future::join_all((0..mirror.parts()).map(|i| self.read(i))).await;
        let mut parts = Vec::with_capacity(reads.len());
        for r in reads {
            parts.push(r?);
        }
        mirror.replace(parts);
        Ok(())
    }

    /// Writes a part: creates it without a version, else replaces it if still at `version`.
    pub async fn write(
        &self,
        i: usize,
        bytes: Vec<u8>,
        version: Option<String>,
        leader: &str,
        epoch: i32,
    ) -> Result<String, WriteError> {
        let name = self.part_name(i);
        let cm = ConfigMap {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                labels: Some(self.labels.clone()),
                annotations: Some(BTreeMap::from([
                    ("herald.io/leader".to_string(), leader.to_string()),
                    ("herald.io/epoch".to_string(), epoch.to_string()),
                ])),
                resource_version: version.clone(),
                ..ObjectMeta::default()
            },
            binary_data: Some(BTreeMap::from([(DATA_KEY.to_string(), ByteString(bytes))])),
            ..ConfigMap::default()
        };
        let call = async {
            match &version {
                None => self.api.create(&PostParams::default(), &cm).await,
                Some(_) => self.api.replace(&name, &PostParams::default(), &cm).await,
            }
        };
        match tokio::time::timeout(WRITE_TIMEOUT, call).await {
            Err(_) => Err(WriteError::Other(format!("configmap {name}: timed out"))),
            Ok(Ok(saved)) => Ok(saved.metadata.resource_version.unwrap_or_default()),
            Ok(Err(kube::Error::Api(s))) if s.code == 409 => Err(WriteError::Conflict),
            Ok(Err(e)) => Err(WriteError::Other(format!("configmap {name}: {e}"))),
        }
    }

    /// The current resourceVersion of a part (after a conflict), None if it does not exist.
    async fn version(&self, i: usize) -> Result<Option<String>, String> {
        let name = self.part_name(i);
        match tokio::time::timeout(WRITE_TIMEOUT, self.api.get_opt(&name)).await {
            Err(_) => Err(format!("configmap {name}: timed out")),
            Ok(Err(e)) => Err(format!("configmap {name}: {e}")),
            Ok(Ok(cm)) => Ok(cm.and_then(|c| c.metadata.resource_version)),
        }
    }
}

/// Writes what changed in `mirror` to the cluster while this replica leads, in rounds: the parts
/// something waits for at once (at most every [`ROUND_EVERY`]), every changed part at least every
/// [`LAZY_EVERY`]. A round starts only while the leader may still start work (its fence), so a
/// leader that lost the Lease writes nothing more.
pub async fn write_loop(
    mirror: Arc<Mirror>,
    state: ClusterState,
    mut leadership: watch::Receiver<Leadership>,
    identity: String,
    metrics: Arc<Metrics>,
) {
    let mut last_full = Instant::now();
    loop {
        let notified = mirror.changed.notified();
        let behind = mirror
            .generation()
            .saturating_sub(*mirror.persisted.borrow());
        metrics
            .handover_unwritten
            .set(i64::try_from(behind).unwrap_or(i64::MAX));
        let (dirty, urgent) = mirror.pending_parts();
        if !dirty {
            notified.await;
            continue;
        }
        let full = Instant::now() >= last_full + LAZY_EVERY;
        if !urgent && !full {
            tokio::select! {
                () = notified => {}
                () = tokio::time::sleep_until(last_full + LAZY_EVERY) => {}
            }
            continue;
        }
        drop(notified);
        let l = leadership.borrow().clone();
        if !l.may_start(Instant::now()) {
            let _ = tokio::time::timeout(Duration::from_millis(200), leadership.changed()).await;
            continue;
        }
        let ok = round(&mirror, &state, &l, &identity, &metrics, full).await;
        if ok && full {
            last_full = Instant::now();
        }
        mirror.rounds.send_modify(|r| *r += 1);
        let (bytes, objects) = mirror.size();
        metrics.handover_size(bytes, objects);
        tokio::time::sleep(if ok {
            ROUND_EVERY
        } else {
            Duration::from_millis(500)
        })
        .await;
    }
}

impl Mirror {
    /// Whether some part has changes not written, and whether one of those is waited for.
    fn pending_parts(&self) -> (bool, bool) {
        let mut dirty = false;
        for i in 0..self.parts.len() {
            let p = self.part(i);
            if p.dirty {
                dirty = true;
                if p.urgent {
                    return (true, true);
                }
            }
        }
        (dirty, false)
    }

    /// After a round: everything up to the first change not written is in the cluster.
    fn advance_persisted(&self, generation: u64) {
        let mut upto = generation;
        for i in 0..self.parts.len() {
            let p = self.part(i);
            if p.changed > p.written {
                upto = upto.min(p.written);
            }
        }
        self.persisted.send_if_modified(|p| {
            let newer = upto > *p;
            if newer {
                *p = upto;
            }
            newer
        });
    }
}

/// One round of writes: the parts something waits for, or every changed part if `full`; true
/// if every part taken was written.
async fn round(
    mirror: &Mirror,
    state: &ClusterState,
    l: &Leadership,
    identity: &str,
    metrics: &Metrics,
    full: bool,
) -> bool {
    let generation = mirror.generation();
    let mut writes = Vec::new();
    for i in 0..mirror.parts() {
        let mut p = mirror.part(i);
        if !p.dirty || !(full || p.urgent) {
            continue;
        }
        match p.data.encode() {
            Ok(bytes) if bytes.len() <= MAX_PART_BYTES => {
                p.dirty = false;
                p.urgent = false;
                writes.push((i, bytes, p.version.clone(), p.changed));
            }
            Ok(bytes) => {
                tracing::error!(
                    part = %state.part_name(i),
                    bytes = bytes.len(),
                    limit = MAX_PART_BYTES,
                    "hand-over state part too large to write: raise leaderElection.stateParts"
                );
                metrics.handover_write("too_large");
                return false;
            }
            Err(e) => {
                tracing::error!(error = %e, "hand-over state cannot be encoded");
                return false;
            }
        }
    }
    let finish_by = l
        .finish_by
        .map_or(WRITE_TIMEOUT, |t| {
            t.saturating_duration_since(Instant::now())
        })
        .min(WRITE_TIMEOUT);
    let results = tokio::time::timeout(
        finish_by,
        futures::future::join_all(writes.iter().map(|(i, bytes, version, _)| async move {
            let mut version = version.clone();
            for _ in 0..2 {
                match state
                    .write(*i, bytes.clone(), version.clone(), identity, l.epoch)
                    .await
                {
                    Ok(v) => return Ok(v),
                    Err(WriteError::Conflict) => {
                        // Written by another replica since this one read it: an old leader's
                        // late write. This leader's state is the newer one.
                        tracing::warn!(part = %state.part_name(*i), "hand-over state part changed by another replica; overwriting");
                        version = state.version(*i).await?;
                    }
                    Err(WriteError::Other(e)) => return Err(e),
                }
            }
            Err(format!("{}: conflict after conflict", state.part_name(*i)))
        })),
    )
    .await;
    let results = match results {
        Ok(r) => r,
        Err(_) => writes
            .iter()
            .map(|_| Err("out of time before the lease ends".to_string()))
            .collect(),
    };
    let mut all = true;
    for ((i, bytes, _, changed), r) in writes.into_iter().zip(results) {
        let mut p = mirror.part(i);
        match r {
            Ok(v) => {
                p.version = Some(v);
                p.bytes = bytes.len();
                p.written = p.written.max(changed);
                if p.changed <= p.written {
                    p.urgent = false;
                }
                metrics.handover_write("ok");
            }
            Err(e) => {
                p.dirty = true;
                p.urgent = true;
                all = false;
                metrics.handover_write("error");
                tracing::warn!(error = %e, "writing the hand-over state failed; notifications wait until it is written");
            }
        }
    }
    if all {
        mirror.existed.store(true, Ordering::SeqCst);
    }
    mirror.advance_persisted(generation);
    all
}

/// Waits until everything changed so far is written, at most `within`; whether it was.
pub async fn flushed(mirror: &Mirror, within: Duration) -> bool {
    let wanted = mirror.want_all();
    tokio::time::timeout(within, mirror.written(&wanted))
        .await
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_parts_are_stable() {
        let k = ObjectKey::new(
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            "flux",
            "apps",
        );
        assert_eq!(parse_key(&key_string(&k)), Some(k.clone()));
        assert_eq!(parse_key("a|b|c"), None);
        assert_eq!(parse_key("a|b|c|d|e"), None);
        // The part an object is in must not change between versions: pinned.
        assert_eq!(
            fnv("core|ConfigMap|ns|x") % 16,
            fnv("core|ConfigMap|ns|x") % 16
        );
        assert_eq!(fnv(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv("a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn a_part_round_trips_and_a_bomb_is_refused() {
        let mut d = PartData::default();
        d.told.insert(
            "g|K|ns|n".into(),
            Told {
                troubled: true,
                withheld: vec!["slack".into()],
                ..Told::default()
            },
        );
        d.threads.insert("slack|x".into(), "1.2".into());
        let bytes = d.encode().unwrap();
        assert_eq!(PartData::decode(&bytes, 1 << 20).unwrap(), d);
        // 10 MB of zeros gzips to a few KB: refused at the limit, not inflated in full.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&vec![b' '; 10 << 20]).unwrap();
        let bomb = gz.finish().unwrap();
        assert!(bomb.len() < 64 << 10);
        let e = PartData::decode(&bomb, 1 << 20).unwrap_err();
        assert!(e.contains("inflates past"), "{e}");
        assert!(PartData::decode(b"not gzip", 1 << 20).is_err());
    }

    fn notification(name: &str) -> Notification {
        let at: Timestamp = "2026-12-02T00:00:00Z".parse().unwrap();
        Notification {
            id: 0,
            receiver: "hook".into(),
            route: "routes[0]".into(),
            event: super::super::Event {
                id: format!("e-{name}"),
                kind: crate::config::EventKind::Unhealthy,
                cluster: "c".into(),
                object: ObjectKey::new("g", "K", "ns", name),
                at,
                from: None,
                to: None,
                message: String::new(),
                children: Vec::new(),
                via: None,
                labels: BTreeMap::new(),
                annotations: BTreeMap::new(),
                test: false,
                repo: None,
                attempted: None,
                warnings: Vec::new(),
                affected: Vec::new(),
                affected_more: 0,
                change: None,
            },
            due: at,
            recheck: false,
            target: None,
            grouped: Vec::new(),
        }
    }

    #[test]
    fn the_outbox_and_the_threads_are_mirrored_and_a_new_leader_gets_them_back() {
        let mirror = Arc::new(Mirror::new(4));
        let outbox = super::super::outbox::Outbox::mirrored(Arc::clone(&mirror)).unwrap();
        let mut batch = [notification("a"), notification("b"), notification("c")];
        outbox.put(&mut batch).unwrap();
        outbox.set_thread("hook|g/K ns/a", Some("1700.01")).unwrap();
        outbox.done(batch[1].id).unwrap();
        let pending: Vec<String> = mirror
            .all_pending()
            .iter()
            .map(|n| n.event.id.clone())
            .collect();
        assert_eq!(
            pending,
            ["e-a", "e-c"],
            "oldest first, the delivered one gone"
        );
        assert_eq!(
            mirror.all_threads(),
            [("hook|g/K ns/a".to_string(), "1700.01".to_string())]
        );
        // Each part as written reads back the same: what a new leader loads.
        let parts: Vec<Option<(PartData, String, usize)>> = (0..mirror.parts())
            .map(|i| {
                let data = mirror.part(i).data.clone();
                let bytes = data.encode().unwrap();
                Some((
                    PartData::decode(&bytes, 1 << 20).unwrap(),
                    "1".into(),
                    bytes.len(),
                ))
            })
            .collect();
        let next = Mirror::new(4);
        next.replace(parts);
        assert!(next.existed());
        let other = super::super::outbox::Outbox::mirrored(Arc::new(Mirror::new(4))).unwrap();
        other
            .replace_with(&next.all_pending(), &next.all_threads())
            .unwrap();
        assert_eq!(other.pending().unwrap().len(), 2);
        assert_eq!(other.thread("hook|g/K ns/a").as_deref(), Some("1700.01"));
        // New ids go on after the highest taken over: no id is given twice.
        let mut more = [notification("d")];
        other.put(&mut more).unwrap();
        assert!(more[0].id > batch[2].id);
    }

    #[test]
    fn generations_follow_changes_and_unchanged_records_are_not_dirty() {
        let m = Mirror::new(4);
        let k = ObjectKey::new("g", "K", "ns", "n");
        let g0 = m.generation();
        m.set_told(&k, Some(Told::default()));
        let g1 = m.generation();
        assert!(g1 > g0);
        m.set_told(&k, Some(Told::default()));
        assert_eq!(m.generation(), g1, "the same record again is no change");
        assert_eq!(m.told(&k), Some(Told::default()));
        m.set_told(&k, None);
        assert_eq!(m.told(&k), None);
    }

    /// Stands in for a round of the write loop: every part with changes written.
    fn write_all(m: &Mirror) {
        let g = m.generation();
        for i in 0..m.parts() {
            let mut p = m.part(i);
            p.dirty = false;
            p.urgent = false;
            p.written = p.changed;
        }
        m.rounds.send_modify(|r| *r += 1);
        m.advance_persisted(g);
    }

    #[test]
    fn churn_waits_for_the_lazy_round_and_what_a_delivery_needs_does_not() {
        use futures::FutureExt;
        let m = Mirror::new(4);
        let a = ObjectKey::new("g", "K", "ns", "a");
        let b = ObjectKey::new("g", "K", "ns", "b");
        // A verdict that told nobody anything: written lazily.
        m.set_told(&b, Some(Told::default()));
        assert_eq!(m.pending_parts(), (true, false));
        // A delivery about a waits for a's part, which is written at the next round.
        m.set_told(
            &a,
            Some(Told {
                troubled: true,
                ..Told::default()
            }),
        );
        let wanted = m.want([&a]);
        assert_eq!(wanted.len(), 1);
        assert_eq!(m.pending_parts(), (true, true));
        assert!(m.written(&wanted).now_or_never().is_none());
        write_all(&m);
        assert!(m.written(&wanted).now_or_never().is_some());
        assert_eq!(m.pending_parts(), (false, false));
        // Nothing changed since: nothing to wait for.
        assert!(m.want([&a, &b]).is_empty());
        // A delivered notification leaving the outbox is written at the next round.
        m.removed(&[]);
        assert_eq!(m.pending_parts(), (false, false));
        m.set_thread("hook|x", Some("1.2"));
        assert_eq!(m.pending_parts(), (true, true));
    }

    #[test]
    fn a_term_sends_nothing_before_its_starting_point_is_written() {
        use futures::FutureExt;
        let m = Mirror::new(4);
        let a = ObjectKey::new("g", "K", "ns", "a");
        m.term_starts();
        assert!(
            m.started().now_or_never().is_none(),
            "held while setting up"
        );
        // The takeover's verdicts, none of which a delivery asked for.
        m.set_told(&a, Some(Told::default()));
        m.term_ready();
        assert_eq!(m.pending_parts(), (true, true), "written at the next round");
        assert!(m.started().now_or_never().is_none());
        write_all(&m);
        assert!(m.started().now_or_never().is_some());
        // Later churn does not hold deliveries back.
        m.set_told(&a, None);
        assert!(m.started().now_or_never().is_some());
    }
}
