//! The ledger: what the notifier remembers of each object between events (since when it is not
//! ready; whether its trouble was told, held back by inhibition, or over before a `waitFor`
//! ended), so that what follows is told or not told to match.
//!
//! A single replica holds it in memory only: a restart begins with an empty ledger. What is not
//! yet delivered, the Slack threads and the silences added through the API are in the outbox's
//! database ([`super::outbox`]), which outlives a restart; repeats, group timers and `stuck`
//! checks are in the schedule ([`super::hold`]). With leader election, the leader writes the
//! ledger of every object it touched, with the verdict it last took, to the hand-over state
//! ([`super::handover`]) before it sends anything, and a new leader starts from it.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;

use super::handover::Told;
use crate::store::{ObjectKey, Verdict};

#[derive(Debug, Default)]
pub(super) struct Ledger {
    /// Objects not ready, since when herald saw them become so.
    pub(super) not_ready: HashMap<ObjectKey, Timestamp>,
    /// Objects whose trouble was told (or is being told) and has not recovered.
    pub(super) troubled: HashSet<ObjectKey>,
    /// Objects whose trouble was held back because an ancestor's was told.
    pub(super) inhibited: HashSet<ObjectKey>,
    /// Troubles held by `waitFor` that were over before anyone heard of them, per receiver and
    /// object: the recovery that follows is not news either.
    pub(super) withheld: HashSet<(String, ObjectKey)>,
    /// When an object's trouble is next told again (the earliest of its receivers').
    pub(super) repeat_due: HashMap<ObjectKey, Timestamp>,
}

impl Ledger {
    /// What is remembered of `key`, with the verdict last taken, for the hand-over state.
    pub(super) fn told(&self, key: &ObjectKey, verdict: Option<Verdict>) -> Told {
        Told {
            verdict,
            not_ready: self.not_ready.get(key).copied(),
            troubled: self.troubled.contains(key),
            inhibited: self.inhibited.contains(key),
            withheld: {
                let mut w: Vec<String> = self
                    .withheld
                    .iter()
                    .filter(|(_, k)| k == key)
                    .map(|(r, _)| r.clone())
                    .collect();
                w.sort();
                w
            },
            repeat_due: self.repeat_due.get(key).copied(),
        }
    }

    /// The ledger a new leader starts from.
    pub(super) fn from_told(all: &[(ObjectKey, Told)]) -> Ledger {
        let mut l = Ledger::default();
        for (k, t) in all {
            if let Some(at) = t.not_ready {
                l.not_ready.insert(k.clone(), at);
            }
            if t.troubled {
                l.troubled.insert(k.clone());
            }
            if t.inhibited {
                l.inhibited.insert(k.clone());
            }
            for r in &t.withheld {
                l.withheld.insert((r.clone(), k.clone()));
            }
            if let Some(at) = t.repeat_due {
                l.repeat_due.insert(k.clone(), at);
            }
        }
        l
    }
}
