//! The ledger: what the notifier remembers of each object between events (since when it is not
//! ready; whether its trouble was told, held back by inhibition, or over before a `waitFor`
//! ended), so that what follows is told or not told to match.
//!
//! Held in memory only: a restart begins with an empty ledger. The rest of the notifier's state
//! is elsewhere: what is not yet delivered, the Slack threads and the silences added through the
//! API are in the outbox's database ([`super::outbox`]), which outlives a restart; repeats due,
//! group timers and `stuck` checks are in the schedule ([`super::hold`]), in memory too.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;

use crate::store::ObjectKey;

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
}
