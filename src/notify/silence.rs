//! Silences: an event a silence covers (its matcher, its events, until it ends) is sent to
//! nobody. Silences come from the configuration, and from the HTTP API; those are kept in the
//! outbox's database, so that they outlive a restart.

use jiff::Timestamp;

use super::{AddSilenceError, Notifier, Pipeline};
use crate::config::{EventKind, Silence};
use crate::route::{self, Routed};

impl Notifier {
    /// The silences added through the API, with their ids.
    pub fn silences(&self) -> Vec<(String, Silence)> {
        self.silences
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Adds a silence unless `max` of those added through the API are running at `now`;
    /// returns its id. Ended silences stay listed, the latest `max` of them: the rest are
    /// forgotten, so adding and expiring cannot grow the database for ever.
    pub fn add_silence(
        &self,
        s: Silence,
        max: usize,
        now: Timestamp,
    ) -> Result<String, AddSilenceError> {
        let mut all = self.silences.write().unwrap_or_else(|p| p.into_inner());
        let running = all.values().filter(|s| s.until > now).count();
        if running >= max {
            return Err(AddSilenceError::TooMany(running));
        }
        let mut ended: Vec<(Timestamp, String)> = all
            .iter()
            .filter(|(_, s)| s.until <= now)
            .map(|(id, s)| (s.until, id.clone()))
            .collect();
        if ended.len() >= max {
            ended.sort();
            for (_, id) in &ended[..=ended.len() - max] {
                self.outbox
                    .remove_silence(id)
                    .map_err(|e| AddSilenceError::Store(e.to_string()))?;
                all.remove(id);
            }
        }
        // Ids are unique even when two writes come in the same nanosecond.
        let mut id = format!("s{}", now.as_nanosecond());
        while all.contains_key(&id) {
            id.push('x');
        }
        self.outbox
            .put_silence(&id, &s)
            .map_err(|e| AddSilenceError::Store(e.to_string()))?;
        all.insert(id.clone(), s);
        Ok(id)
    }

    /// Ends a silence now; what it was, or None if there is no such silence.
    pub fn expire_silence(&self, id: &str, now: Timestamp) -> Result<Option<Silence>, String> {
        let mut all = self.silences.write().unwrap_or_else(|p| p.into_inner());
        let Some(s) = all.get_mut(id) else {
            return Ok(None);
        };
        let was = s.clone();
        s.until = s.until.min(now);
        self.outbox.put_silence(id, s).map_err(|e| e.to_string())?;
        Ok(Some(was))
    }

    /// Silences running at `now`: (from the configuration, added through the API).
    pub fn silences_active(&self, now: Timestamp) -> (usize, usize) {
        let configured = self
            .configured_silences
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|until| **until > now)
            .count();
        let api = self
            .silences
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .filter(|s| s.until > now)
            .count();
        (configured, api)
    }
}

impl Pipeline {
    /// Whether a silence, from the configuration or added through the API, covers an event of
    /// `kind` about the object `routed` describes.
    pub(super) fn silenced(&self, kind: EventKind, routed: &Routed, now: Timestamp) -> bool {
        let covers = |s: &Silence| {
            s.until > now
                && (s.events.is_empty() || s.events.contains(&kind))
                && route::matches(&s.matcher, routed)
        };
        self.config.silences.iter().any(covers)
            || self
                .api_silences
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .values()
                .any(covers)
    }
}
