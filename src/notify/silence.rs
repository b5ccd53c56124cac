//! Silences: an event a silence covers (its matcher, its events, until it ends) is sent to
//! nobody. Silences come from the configuration, and from the HTTP API; those are kept in the
//! outbox's database, so that they outlive a restart, or with leader election in a ConfigMap
//! that every replica reads and writes ([`ClusterSilences`]).

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, PostParams};

use super::{AddSilenceError, Notifier, Pipeline};
use crate::config::{EventKind, Silence};
use crate::route::{self, Routed};

/// Where the silences added through the API are kept.
pub(super) enum SilenceStore {
    /// In the outbox's database (a single replica).
    Outbox,
    /// In a ConfigMap every replica reads and writes (leader election).
    Cluster(Box<ClusterSilences>),
}

/// Adds `s` to `all` unless `max` are running at `now`; forgets the oldest ended ones beyond
/// `max`. Returns the new id and the ids forgotten.
fn add_to(
    all: &mut BTreeMap<String, Silence>,
    s: Silence,
    max: usize,
    now: Timestamp,
) -> Result<(String, Vec<String>), AddSilenceError> {
    let running = all.values().filter(|s| s.until > now).count();
    if running >= max {
        return Err(AddSilenceError::TooMany(running));
    }
    let mut ended: Vec<(Timestamp, String)> = all
        .iter()
        .filter(|(_, s)| s.until <= now)
        .map(|(id, s)| (s.until, id.clone()))
        .collect();
    let mut forgotten = Vec::new();
    if ended.len() >= max {
        ended.sort();
        for (_, id) in &ended[..=ended.len() - max] {
            all.remove(id);
            forgotten.push(id.clone());
        }
    }
    // Ids are unique even when two writes come in the same nanosecond.
    let mut id = format!("s{}", now.as_nanosecond());
    while all.contains_key(&id) {
        id.push('x');
    }
    all.insert(id.clone(), s);
    Ok((id, forgotten))
}

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
    /// forgotten, so adding and expiring cannot grow the store for ever.
    pub async fn add_silence(
        &self,
        s: Silence,
        max: usize,
        now: Timestamp,
    ) -> Result<String, AddSilenceError> {
        match &self.silence_store {
            SilenceStore::Outbox => {
                let mut all = self.silences.write().unwrap_or_else(|p| p.into_inner());
                let mut next = all.clone();
                let (id, forgotten) = add_to(&mut next, s, max, now)?;
                for f in &forgotten {
                    self.outbox
                        .remove_silence(f)
                        .map_err(|e| AddSilenceError::Store(e.to_string()))?;
                }
                self.outbox
                    .put_silence(&id, &next[&id])
                    .map_err(|e| AddSilenceError::Store(e.to_string()))?;
                *all = next;
                Ok(id)
            }
            SilenceStore::Cluster(c) => {
                let (id, all) = c
                    .modify(|all| add_to(all, s.clone(), max, now).map(|(id, _)| id))
                    .await?;
                *self.silences.write().unwrap_or_else(|p| p.into_inner()) = all;
                Ok(id)
            }
        }
    }

    /// Ends a silence now; what it was, or None if there is no such silence.
    pub async fn expire_silence(
        &self,
        id: &str,
        now: Timestamp,
    ) -> Result<Option<Silence>, String> {
        let end =
            |all: &mut BTreeMap<String, Silence>| -> Result<Option<Silence>, AddSilenceError> {
                let Some(s) = all.get_mut(id) else {
                    return Ok(None);
                };
                let was = s.clone();
                s.until = s.until.min(now);
                Ok(Some(was))
            };
        match &self.silence_store {
            SilenceStore::Outbox => {
                let mut all = self.silences.write().unwrap_or_else(|p| p.into_inner());
                let mut next = all.clone();
                let Ok(Some(was)) = end(&mut next) else {
                    return Ok(None);
                };
                self.outbox
                    .put_silence(id, &next[id])
                    .map_err(|e| e.to_string())?;
                *all = next;
                Ok(Some(was))
            }
            SilenceStore::Cluster(c) => {
                let (was, all) = c.modify(end).await.map_err(|e| match e {
                    AddSilenceError::Store(e) => e,
                    AddSilenceError::TooMany(n) => format!("{n} silences"),
                })?;
                *self.silences.write().unwrap_or_else(|p| p.into_inner()) = all;
                Ok(was)
            }
        }
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

/// The silences of every replica, in one ConfigMap of herald's namespace (`<lease>-silences`):
/// any replica adds and expires them (with the ConfigMap's resourceVersion, again on a
/// conflict), and every replica reads them every [`FOLLOW_EVERY`], so a silence made on a
/// standby is honoured by the leader.
#[derive(Clone)]
pub struct ClusterSilences {
    api: Api<ConfigMap>,
    name: String,
}

/// How often every replica reads the silences again.
pub const FOLLOW_EVERY: Duration = Duration::from_secs(1);
const SILENCES_KEY: &str = "silences.json";
/// The most bytes of silences read (the API's own limits keep it far below).
const MAX_SILENCES_BYTES: usize = 1 << 20;

impl ClusterSilences {
    pub fn new(client: kube::Client, namespace: &str, name: &str) -> Self {
        ClusterSilences {
            api: Api::namespaced(client, namespace),
            name: name.to_string(),
        }
    }

    /// The silences and the ConfigMap's resourceVersion (None: it does not exist yet).
    pub async fn read(&self) -> Result<(BTreeMap<String, Silence>, Option<String>), String> {
        let cm = tokio::time::timeout(Duration::from_secs(5), self.api.get_opt(&self.name))
            .await
            .map_err(|_| format!("configmap {}: timed out", self.name))?
            .map_err(|e| format!("configmap {}: {e}", self.name))?;
        let Some(cm) = cm else {
            return Ok((BTreeMap::new(), None));
        };
        let version = cm.metadata.resource_version.clone();
        let text = cm
            .data
            .as_ref()
            .and_then(|d| d.get(SILENCES_KEY))
            .map_or("{}", String::as_str);
        if text.len() > MAX_SILENCES_BYTES {
            return Err(format!("configmap {}: silences too large", self.name));
        }
        let all = serde_json::from_str(text)
            .map_err(|e| format!("configmap {}: {SILENCES_KEY}: {e}", self.name))?;
        Ok((all, version))
    }

    /// Reads, changes and writes the silences, again if another replica wrote meanwhile.
    async fn modify<R>(
        &self,
        mut change: impl FnMut(&mut BTreeMap<String, Silence>) -> Result<R, AddSilenceError>,
    ) -> Result<(R, BTreeMap<String, Silence>), AddSilenceError> {
        for _ in 0..8 {
            let (mut all, version) = self.read().await.map_err(AddSilenceError::Store)?;
            let r = change(&mut all)?;
            let text =
                serde_json::to_string(&all).map_err(|e| AddSilenceError::Store(e.to_string()))?;
            let cm = ConfigMap {
                metadata: ObjectMeta {
                    name: Some(self.name.clone()),
                    resource_version: version.clone(),
                    labels: Some(BTreeMap::from([(
                        "app.kubernetes.io/name".to_string(),
                        "herald".to_string(),
                    )])),
                    ..ObjectMeta::default()
                },
                data: Some(BTreeMap::from([(SILENCES_KEY.to_string(), text)])),
                ..ConfigMap::default()
            };
            let pp = PostParams::default();
            let written = tokio::time::timeout(Duration::from_secs(5), async {
                match version {
                    None => self.api.create(&pp, &cm).await,
                    Some(_) => self.api.replace(&self.name, &pp, &cm).await,
                }
            })
            .await
            .map_err(|_| AddSilenceError::Store(format!("configmap {}: timed out", self.name)))?;
            match written {
                Ok(_) => return Ok((r, all)),
                Err(kube::Error::Api(s)) if s.code == 409 => continue,
                Err(e) => {
                    return Err(AddSilenceError::Store(format!(
                        "configmap {}: {e}",
                        self.name
                    )));
                }
            }
        }
        Err(AddSilenceError::Store(format!(
            "configmap {}: changed by others at every try",
            self.name
        )))
    }
}

/// Keeps `silences` as the ConfigMap says, read every [`FOLLOW_EVERY`].
pub(super) async fn follow(c: ClusterSilences, silences: Arc<RwLock<BTreeMap<String, Silence>>>) {
    let mut failing = false;
    loop {
        match c.read().await {
            Ok((all, _)) => {
                failing = false;
                *silences.write().unwrap_or_else(|p| p.into_inner()) = all;
            }
            Err(e) => {
                if !failing {
                    tracing::warn!(error = %e, "cannot read the silences; the last ones read stay");
                }
                failing = true;
            }
        }
        tokio::time::sleep(FOLLOW_EVERY).await;
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
