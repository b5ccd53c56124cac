//! Inhibition (the configuration's `inhibition.children`, on unless turned off): a child's
//! trouble is not told while an ancestor's trouble is, in the same batch or told before and not
//! recovered: the parent's message already names its children. The recovery of an inhibited
//! trouble is not told either.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::{Notification, Pipeline};
use crate::config::EventKind;
use crate::events;

impl Pipeline {
    /// The notifications of a batch, less those inhibited; notes which troubles are told.
    pub(super) fn inhibit(&mut self, fresh: Vec<Notification>) -> Vec<Notification> {
        for n in &fresh {
            if events::is_trouble(n.event.kind) {
                self.ledger.troubled.insert(n.event.object.clone());
            }
        }
        let store = Arc::clone(&self.store);
        let store = store.read().unwrap_or_else(|p| p.into_inner());
        let mut out = Vec::with_capacity(fresh.len());
        for n in fresh {
            let key = &n.event.object;
            if n.event.kind == EventKind::Recovered && self.ledger.inhibited.remove(key) {
                self.stats.inhibited.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            if events::is_trouble(n.event.kind) {
                // Walk up (bounded): is an ancestor in trouble that was told?
                let mut frontier = vec![key.clone()];
                let mut seen = HashSet::new();
                let mut held = false;
                for _ in 0..8 {
                    let mut next = Vec::new();
                    for k in frontier {
                        for p in store.parents(&k) {
                            if seen.insert((*p).clone()) {
                                if self.ledger.troubled.contains(p.as_ref()) {
                                    held = true;
                                }
                                next.push((*p).clone());
                            }
                        }
                    }
                    if held || next.is_empty() {
                        break;
                    }
                    frontier = next;
                }
                if held {
                    self.ledger.inhibited.insert(key.clone());
                    self.stats.inhibited.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
            }
            if n.event.kind == EventKind::Recovered || n.event.kind == EventKind::Deleted {
                self.ledger.troubled.remove(key);
            }
            out.push(n);
        }
        out
    }
}
