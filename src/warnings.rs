//! Kubernetes Warning Events (`events.k8s.io/v1`), attached to the object each regards: the
//! latest few per object, for its API answer, its page and the notifications of its trouble.
//!
//! Bounded whatever the cluster sends: an event storm costs at most [`TOTAL`] entries.
//!
//! - Normal events are dropped (the watch asks for `type=Warning` alone, and anything else that
//!   arrives is dropped again here).
//! - Events of one object with the same reason and note are one entry with a count.
//! - An object keeps its [`PER_OBJECT`] latest entries; all objects together keep [`TOTAL`], the
//!   oldest evicted first; entries not seen for [`MAX_AGE`] are dropped (Kubernetes itself keeps
//!   events for an hour by default).
//! - A note keeps its first [`NOTE_BYTES`] bytes, a reason its first [`REASON_BYTES`].

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::object::ValueExt;
use crate::store::{Key, ObjectKey};

/// Entries kept per object.
pub const PER_OBJECT: usize = 5;
/// Entries kept in all.
pub const TOTAL: usize = 10_000;
/// A note's length, at most, in bytes.
pub const NOTE_BYTES: usize = 1024;
/// A reason's length, at most, in bytes.
pub const REASON_BYTES: usize = 128;
/// Entries not seen again for this long are dropped.
pub const MAX_AGE: SignedDuration = SignedDuration::from_hours(1);

/// One warning as the API and the templates show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub reason: String,
    pub note: String,
    /// How many times it happened, as far as herald saw.
    pub count: u64,
    /// When it last happened.
    pub at: Timestamp,
    /// The object it is about: `Pod apps/web-1`.
    pub object: String,
}

/// A Warning Event as read from the API server, before the store takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The object the event regards.
    pub regarding: ObjectKey,
    pub reason: String,
    pub note: String,
    /// Occurrences the event counts (its series' count, or the legacy count, or one).
    pub count: u64,
    pub at: Timestamp,
    /// Identifies the Event object (its uid, or namespace and name), hashed.
    pub id: u64,
}

impl Seen {
    /// A Warning Event (`events.k8s.io/v1`, or a core `v1` Event, whose fields differ); None for
    /// any other type or an event that names no object.
    pub fn of(obj: &Value, now: Timestamp) -> Option<Seen> {
        if obj.str_at(&["type"]) != Some("Warning") {
            return None;
        }
        let regarding = obj
            .at(&["regarding"])
            .or_else(|| obj.at(&["involvedObject"]))?;
        let kind = regarding.str_at(&["kind"])?;
        let name = regarding.str_at(&["name"])?;
        let group = regarding
            .str_at(&["apiVersion"])
            .and_then(|a| a.rsplit_once('/'))
            .map_or("", |(g, _)| g);
        let namespace = regarding
            .str_at(&["namespace"])
            .or_else(|| obj.str_at(&["metadata", "namespace"]))
            .unwrap_or_default();
        let text = |paths: &[&[&str]], max: usize| {
            let mut s = paths
                .iter()
                .find_map(|p| obj.str_at(p))
                .unwrap_or_default()
                .trim()
                .to_string();
            if crate::object::truncate_bytes(&mut s, max) {
                s.push('…');
            }
            s
        };
        let time = |paths: &[&[&str]]| {
            paths
                .iter()
                .filter_map(|p| obj.str_at(p))
                .find_map(|s| s.parse::<Timestamp>().ok())
        };
        let count = obj
            .at(&["series", "count"])
            .or_else(|| obj.at(&["deprecatedCount"]))
            .or_else(|| obj.at(&["count"]))
            .and_then(Value::as_u64)
            .unwrap_or(1)
            .max(1);
        let mut h = std::collections::hash_map::DefaultHasher::new();
        match obj.str_at(&["metadata", "uid"]) {
            Some(uid) => uid.hash(&mut h),
            None => {
                obj.str_at(&["metadata", "namespace"]).hash(&mut h);
                obj.str_at(&["metadata", "name"]).hash(&mut h);
            }
        }
        Some(Seen {
            regarding: ObjectKey::new(group, kind, namespace, name),
            reason: text(&[&["reason"]], REASON_BYTES),
            note: text(&[&["note"], &["message"]], NOTE_BYTES),
            count,
            at: time(&[
                &["series", "lastObservedTime"],
                &["deprecatedLastTimestamp"],
                &["lastTimestamp"],
                &["eventTime"],
                &["metadata", "creationTimestamp"],
            ])
            .unwrap_or(now),
            id: h.finish(),
        })
    }
}

/// One kept entry.
#[derive(Debug, Clone)]
struct Kept {
    reason: Box<str>,
    note: Box<str>,
    count: u64,
    at: Timestamp,
    /// The Event object last counted, and its count then: the same Event seen again (updated,
    /// or listed again) adds only what its count grew by.
    id: u64,
    id_count: u64,
    /// Its place in the order of eviction.
    seq: u64,
}

/// The warnings of every object, bounded (see the module's documentation).
#[derive(Debug)]
pub struct Warnings {
    by_object: HashMap<Key, VecDeque<Kept>>,
    /// Every entry by when it was last touched: the first is evicted first.
    order: BTreeMap<u64, Key>,
    seq: u64,
    per_object: usize,
    total: usize,
    /// Warnings dropped for a cap, in all.
    pub evicted: u64,
}

impl Default for Warnings {
    fn default() -> Self {
        Warnings::with_limits(PER_OBJECT, TOTAL)
    }
}

impl Warnings {
    pub fn with_limits(per_object: usize, total: usize) -> Warnings {
        Warnings {
            by_object: HashMap::new(),
            order: BTreeMap::new(),
            seq: 0,
            per_object: per_object.max(1),
            total: total.max(1),
            evicted: 0,
        }
    }

    /// Entries kept, in all.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Objects with warnings.
    pub fn objects(&self) -> usize {
        self.by_object.len()
    }

    /// Takes one event: counted into the entry of the same reason and note, or kept as a new
    /// entry, evicting the object's oldest and then the oldest of all beyond the caps. Returns
    /// the entry's count before (0 for a new entry) and after.
    pub fn record(&mut self, seen: &Seen) -> (u64, u64) {
        self.seq += 1;
        let seq = self.seq;
        if let Some(list) = self.by_object.get_mut(&seen.regarding)
            && let Some(i) = list
                .iter()
                .position(|k| *k.reason == *seen.reason && *k.note == *seen.note)
        {
            let mut k = list.remove(i).expect("found");
            let before = k.count;
            if k.id == seen.id {
                k.count += seen.count.saturating_sub(k.id_count);
                k.id_count = k.id_count.max(seen.count);
            } else {
                k.count += seen.count;
                k.id = seen.id;
                k.id_count = seen.count;
            }
            k.at = k.at.max(seen.at);
            let key = self.order.remove(&k.seq).expect("ordered");
            k.seq = seq;
            self.order.insert(seq, key);
            let after = k.count;
            list.push_back(k);
            return (before, after);
        }
        let key: Key = match self.by_object.get_key_value(&seen.regarding) {
            Some((k, _)) => Arc::clone(k),
            None => Arc::new(seen.regarding.clone()),
        };
        let list = self.by_object.entry(Arc::clone(&key)).or_default();
        list.push_back(Kept {
            reason: seen.reason.clone().into(),
            note: seen.note.clone().into(),
            count: seen.count,
            at: seen.at,
            id: seen.id,
            id_count: seen.count,
            seq,
        });
        self.order.insert(seq, key);
        if list.len() > self.per_object
            && let Some(old) = list.pop_front()
        {
            self.order.remove(&old.seq);
            self.evicted += 1;
        }
        while self.order.len() > self.total {
            let Some((old, key)) = self.order.pop_first() else {
                break;
            };
            self.remove(&key, old);
            self.evicted += 1;
        }
        (0, seen.count)
    }

    fn remove(&mut self, key: &Key, seq: u64) {
        if let Some(list) = self.by_object.get_mut(key) {
            list.retain(|k| k.seq != seq);
            if list.is_empty() {
                self.by_object.remove(key);
            }
        }
    }

    /// Drops the entries not seen for [`MAX_AGE`].
    pub fn prune(&mut self, now: Timestamp) {
        let cutoff = now - MAX_AGE;
        let mut dropped = Vec::new();
        self.by_object.retain(|_, list| {
            list.retain(|k| {
                let keep = k.at >= cutoff;
                if !keep {
                    dropped.push(k.seq);
                }
                keep
            });
            !list.is_empty()
        });
        for seq in dropped {
            self.order.remove(&seq);
        }
    }

    /// The warnings of one object, newest first.
    pub fn of(&self, key: &ObjectKey) -> Vec<Warning> {
        let Some(list) = self.by_object.get(key) else {
            return Vec::new();
        };
        let object = describe(key);
        let mut out: Vec<Warning> = list
            .iter()
            .map(|k| Warning {
                reason: k.reason.to_string(),
                note: k.note.to_string(),
                count: k.count,
                at: k.at,
                object: object.clone(),
            })
            .collect();
        newest_first(&mut out);
        out
    }
}

/// Newest first; ties by reason, so the order is stable.
pub fn newest_first(ws: &mut [Warning]) {
    ws.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.reason.cmp(&b.reason)));
}

/// `Pod apps/web-1`: how a warning names its object.
pub fn describe(key: &ObjectKey) -> String {
    if key.namespace.is_empty() {
        format!("{} {}", key.kind, key.name)
    } else {
        format!("{} {}/{}", key.kind, key.namespace, key.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).unwrap()
    }

    fn seen(pod: &str, reason: &str, note: &str, at: i64) -> Seen {
        Seen {
            regarding: ObjectKey::new("", "Pod", "apps", pod),
            reason: reason.into(),
            note: note.into(),
            count: 1,
            at: t(at),
            id: at as u64,
        }
    }

    #[test]
    fn an_event_is_read_with_its_object_and_bounded_note() {
        let e = json!({"apiVersion": "events.k8s.io/v1", "kind": "Event", "type": "Warning",
            "metadata": {"name": "web-1.17a", "namespace": "apps", "uid": "u1"},
            "regarding": {"apiVersion": "v1", "kind": "Pod", "namespace": "apps", "name": "web-1"},
            "reason": "BackOff", "note": "x".repeat(5000),
            "series": {"count": 7, "lastObservedTime": "2026-12-03T05:00:00Z"},
            "eventTime": "2026-12-03T04:00:00Z"});
        let s = Seen::of(&e, t(0)).unwrap();
        assert_eq!(s.regarding, ObjectKey::new("", "Pod", "apps", "web-1"));
        assert_eq!(s.reason, "BackOff");
        assert_eq!(s.count, 7);
        assert_eq!(s.at, "2026-12-03T05:00:00Z".parse().unwrap());
        assert!(
            s.note.len() <= NOTE_BYTES + '…'.len_utf8(),
            "{}",
            s.note.len()
        );
        let mut normal = e.clone();
        normal["type"] = json!("Normal");
        assert_eq!(Seen::of(&normal, t(0)), None, "Normal events are dropped");
        let deployment = json!({"type": "Warning", "reason": "ProgressDeadlineExceeded",
            "metadata": {"name": "e", "namespace": "apps"},
            "regarding": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}});
        let s = Seen::of(&deployment, t(3)).unwrap();
        assert_eq!(
            s.regarding,
            ObjectKey::new("apps", "Deployment", "apps", "web")
        );
        assert_eq!((s.count, s.at), (1, t(3)), "defaults");
    }

    #[test]
    fn same_reason_and_note_is_one_entry_with_a_count() {
        let mut w = Warnings::default();
        for i in 0..10 {
            w.record(&seen("web-1", "BackOff", "back-off restarting", i));
        }
        w.record(&seen("web-1", "Unhealthy", "probe failed", 20));
        let got = w.of(&ObjectKey::new("", "Pod", "apps", "web-1"));
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].reason, "Unhealthy", "newest first");
        assert_eq!((got[1].count, got[1].at), (10, t(9)));
        assert_eq!(got[1].object, "Pod apps/web-1");
        assert_eq!(w.len(), 2);
    }

    #[test]
    fn the_same_event_seen_again_counts_only_what_it_grew_by() {
        let mut w = Warnings::default();
        let mut s = seen("web-1", "BackOff", "n", 0);
        s.count = 3;
        w.record(&s);
        w.record(&s); // listed again
        s.count = 5;
        w.record(&s); // updated
        let mut other = s.clone();
        other.id = 99;
        other.count = 2;
        w.record(&other); // another Event object, same reason and note
        let got = w.of(&s.regarding);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].count, 7);
    }

    #[test]
    fn an_object_keeps_its_latest_few() {
        let mut w = Warnings::with_limits(3, 100);
        for i in 0..10 {
            w.record(&seen("web-1", &format!("R{i}"), "n", i));
        }
        let got: Vec<String> = w
            .of(&ObjectKey::new("", "Pod", "apps", "web-1"))
            .into_iter()
            .map(|w| w.reason)
            .collect();
        assert_eq!(got, ["R9", "R8", "R7"]);
        assert_eq!((w.len(), w.evicted), (3, 7));
    }

    #[test]
    fn all_objects_together_keep_the_latest_total() {
        let mut w = Warnings::with_limits(5, 100);
        for i in 0..1000 {
            w.record(&seen(&format!("pod-{i}"), "FailedMount", "n", i));
        }
        assert_eq!(w.len(), 100);
        assert_eq!(w.objects(), 100);
        assert!(w.of(&ObjectKey::new("", "Pod", "apps", "pod-0")).is_empty());
        assert_eq!(
            w.of(&ObjectKey::new("", "Pod", "apps", "pod-999")).len(),
            1,
            "the newest stay"
        );
        // A warning seen again is young again: not the next evicted.
        w.record(&seen("pod-900", "FailedMount", "n", 2000));
        w.record(&seen("pod-x", "FailedMount", "n", 2001));
        assert!(
            !w.of(&ObjectKey::new("", "Pod", "apps", "pod-900"))
                .is_empty()
        );
        assert!(
            w.of(&ObjectKey::new("", "Pod", "apps", "pod-901"))
                .is_empty()
        );
        assert_eq!(w.len(), 100);
    }

    #[test]
    fn a_storm_on_one_object_costs_its_few_entries() {
        let mut w = Warnings::default();
        for i in 0..10_000 {
            w.record(&seen("web-1", "BackOff", &format!("note {i}"), i));
        }
        assert_eq!(w.len(), PER_OBJECT);
        assert_eq!(w.order.len(), PER_OBJECT);
        assert_eq!(w.by_object.len(), 1);
    }

    #[test]
    fn old_warnings_are_pruned() {
        let mut w = Warnings::default();
        w.record(&seen("web-1", "BackOff", "n", 0));
        w.record(&seen("web-2", "BackOff", "n", 3000));
        w.prune(t(3700));
        assert_eq!(w.len(), 1);
        assert_eq!(w.objects(), 1);
        assert!(w.of(&ObjectKey::new("", "Pod", "apps", "web-1")).is_empty());
    }
}
