//! herald's configuration file (`herald.yaml`): what to watch, where notifications go and which
//! events reach whom. Read strictly: an unknown field, a bad duration, a route naming a receiver
//! that does not exist or a CEL expression that does not parse is refused with the file, the line
//! and the field, and every such mistake in the file is reported at once.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use serde::Deserialize;
pub(crate) use strict::Spanned;
use strict::{Lenient, present};

use crate::health::Health;
use crate::intervals::TimeInterval;

mod strict;

/// What herald tells about: the events of PRODUCT.md.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    Created,
    Deleted,
    Unhealthy,
    Warning,
    Recovered,
    Unknown,
    Stuck,
    Revision,
    SyncFailed,
    Drift,
    Suspended,
    Resumed,
    ChildUnhealthy,
    /// The object's `spec` changed (a new generation): which paths, with their values when
    /// they may be shown.
    Changed,
    /// A workload's container runs a new image digest under the same tag.
    ImageChanged,
}

impl EventKind {
    pub const ALL: [EventKind; 15] = [
        EventKind::Created,
        EventKind::Deleted,
        EventKind::Unhealthy,
        EventKind::Warning,
        EventKind::Recovered,
        EventKind::Unknown,
        EventKind::Stuck,
        EventKind::Revision,
        EventKind::SyncFailed,
        EventKind::Drift,
        EventKind::Suspended,
        EventKind::Resumed,
        EventKind::ChildUnhealthy,
        EventKind::Changed,
        EventKind::ImageChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Created => "created",
            EventKind::Deleted => "deleted",
            EventKind::Unhealthy => "unhealthy",
            EventKind::Warning => "warning",
            EventKind::Recovered => "recovered",
            EventKind::Unknown => "unknown",
            EventKind::Stuck => "stuck",
            EventKind::Revision => "revision",
            EventKind::SyncFailed => "sync-failed",
            EventKind::Drift => "drift",
            EventKind::Suspended => "suspended",
            EventKind::Resumed => "resumed",
            EventKind::ChildUnhealthy => "child-unhealthy",
            EventKind::Changed => "changed",
            EventKind::ImageChanged => "image-changed",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The whole configuration, checked.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub cluster: String,
    pub watch: Watch,
    pub health: HealthConfig,
    pub receivers: Vec<Receiver>,
    pub routes: Vec<Route>,
    /// Named time intervals (`timeIntervals`), for the routes' `activeTimeIntervals` and
    /// `muteTimeIntervals`.
    pub time_intervals: Vec<std::sync::Arc<TimeInterval>>,
    pub silences: Vec<Silence>,
    /// The message templates: the built-in ones and those of `templates.dir`.
    pub messages: std::sync::Arc<crate::notify::templates::Templates>,
    /// Hold back a child's event while its parent's event for the same trouble is sent.
    pub inhibit_children: bool,
    pub delivery: Delivery,
    pub api: Api,
    /// Spec changes (`changed`): tracked, values shown, paths redacted.
    pub changes: crate::changes::Rules,
    /// Several replicas, one of which notifies (see [`LeaderElection`]).
    pub leader_election: LeaderElection,
    /// This instance serves one shard of the cluster.
    pub shard: Option<Shard>,
    /// herald's history of every object ([`crate::history`]).
    pub history: HistoryConfig,
}

/// `history`: where the history file is and what it keeps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistoryConfig {
    /// The file [default: `herald-history.redb`].
    pub path: Option<PathBuf>,
    pub limits: crate::history::Limits,
}

/// The file the history is kept in unless told otherwise.
pub const DEFAULT_HISTORY_PATH: &str = "herald-history.redb";

/// Leader election: every replica watches, assesses and serves; the one holding the Lease
/// notifies, and keeps what it told in the cluster for the next one. Taken at start.
#[derive(Debug, Clone)]
pub struct LeaderElection {
    pub enabled: bool,
    /// herald's own namespace, where the Lease and the state are [default: `$POD_NAMESPACE`,
    /// else the kubeconfig's namespace].
    pub namespace: Option<String>,
    /// The Lease's name; the state's ConfigMaps are named after it [default: `herald`, or
    /// `herald-<shard>`].
    pub lease_name: Option<String>,
    pub timings: crate::lease::Timings,
    /// Parts the hand-over state is split into.
    pub state_parts: usize,
}

impl Default for LeaderElection {
    fn default() -> Self {
        LeaderElection {
            enabled: false,
            namespace: None,
            lease_name: None,
            timings: crate::lease::Timings::default(),
            state_parts: crate::notify::handover::DEFAULT_PARTS,
        }
    }
}

/// One shard of a cluster split between herald instances by a label, as Flux splits its
/// controllers: this instance watches the objects whose `label` is `name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shard {
    pub name: String,
    pub label: String,
}

/// Flux's sharding label.
pub const SHARD_LABEL: &str = "sharding.fluxcd.io/key";

/// The HTTP API: how long and how many clients it keeps, and who may write. Taken when herald
/// starts (a reload does not change it).
#[derive(Debug, Clone)]
pub struct Api {
    /// Connections kept at once; past it, the connection idle the longest is closed.
    pub max_connections: usize,
    /// A request's headers must arrive within this time; an idle keep-alive connection is closed
    /// after it too.
    pub header_timeout: Duration,
    /// A request (its body read and its answer made) must be done within this time.
    pub request_timeout: Duration,
    /// A connection on which no byte moves for this long is closed (a client that stopped
    /// reading its answer).
    pub idle_timeout: Duration,
    pub writes: Writes,
}

impl Default for Api {
    fn default() -> Self {
        Api {
            max_connections: 256,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            writes: Writes::default(),
        }
    }
}

/// Who may add and expire silences through the API, and within which limits.
#[derive(Debug, Clone)]
pub struct Writes {
    /// One bearer token per file, named by the file's name in the audit log; none: writes are
    /// off.
    pub token_files: Vec<PathBuf>,
    /// Silences added through the API and still running, at most.
    pub max_silences: usize,
    pub max_comment_bytes: usize,
    pub max_duration: Duration,
}

impl Default for Writes {
    fn default() -> Self {
        Writes {
            token_files: Vec::new(),
            max_silences: 1000,
            max_comment_bytes: 1024,
            max_duration: Duration::from_secs(7 * 86_400),
        }
    }
}

/// How notifications are kept and sent.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The outbox: every notification is written here before it is sent.
    pub outbox: PathBuf,
    /// The first retry waits this long; each next one twice as long (with jitter), up to
    /// `retry_max`.
    pub retry_initial: Duration,
    pub retry_max: Duration,
    /// One attempt's time limit.
    pub timeout: Duration,
}

impl Default for Delivery {
    fn default() -> Self {
        Delivery {
            outbox: PathBuf::from("herald-outbox.redb"),
            retry_initial: Duration::from_secs(1),
            retry_max: Duration::from_secs(300),
            timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct Watch {
    pub flux: bool,
    pub argo: bool,
    pub namespaces: Vec<String>,
    pub label_selector: String,
    pub children: bool,
    pub max_child_kinds: usize,
    /// Watch Kubernetes Warning Events and attach them to the objects they regard.
    pub events: bool,
    /// With `children`: watch Nodes, their health and which GitOps objects their Pods belong to.
    pub nodes: bool,
    /// Every watch lists again this often to repair any divergence from the API server (`0`:
    /// never; unset: 30m).
    #[serde(deserialize_with = "some_duration")]
    pub relist_interval: Option<Duration>,
    /// herald is not ready while a watch has been down this long (unset: 60s).
    #[serde(deserialize_with = "some_duration")]
    pub not_ready_after: Option<Duration>,
}

impl Default for Watch {
    fn default() -> Self {
        Watch {
            flux: true,
            argo: true,
            namespaces: Vec::new(),
            label_selector: String::new(),
            children: true,
            max_child_kinds: 64,
            events: true,
            nodes: true,
            relist_interval: None,
            not_ready_after: None,
        }
    }
}

/// A duration field written as `30s`, `2m`, `1h30m`.
fn some_duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    let s = String::deserialize(d)?;
    parse_duration(&s).map(Some).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "{s:?} is not a duration: write e.g. 30s, 2m, 4h, 1h30m, 500ms"
        ))
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct HealthConfig {
    /// Directories of user Lua checks.
    pub lua_checks: Vec<PathBuf>,
    /// An argocd-cm ConfigMap, as a YAML file, whose custom health checks herald also runs.
    pub argo_config_map: Option<PathBuf>,
    /// The same, read from the cluster when herald starts.
    pub argo_config_map_ref: Option<ConfigMapRef>,
}

/// A ConfigMap in the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConfigMapRef {
    #[serde(default = "ConfigMapRef::default_namespace")]
    pub namespace: String,
    #[serde(default = "ConfigMapRef::default_name")]
    pub name: String,
}

impl ConfigMapRef {
    fn default_namespace() -> String {
        "argocd".into()
    }

    fn default_name() -> String {
        "argocd-cm".into()
    }
}

/// A secret: read from a file (re-read on each use, so a rotated Secret is picked up) or from an
/// environment variable. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub enum Secret {
    File(PathBuf),
    Env(String),
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Secret::File(p) => write!(f, "Secret(file {})", p.display()),
            Secret::Env(v) => write!(f, "Secret(env {v})"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Receiver {
    pub name: String,
    pub kind: ReceiverKind,
    /// At most this many messages per minute; the rest wait.
    pub rate_per_minute: Option<u32>,
}

#[derive(Debug, Clone)]
pub enum ReceiverKind {
    Slack(crate::notify::receivers::slack::Config),
    Email(crate::notify::receivers::email::Config),
    Webhook(crate::notify::receivers::webhook::Config),
    Alertmanager(crate::notify::receivers::alertmanager::Config),
    Teams(crate::notify::receivers::teams::Config),
    Discord(crate::notify::receivers::discord::Config),
    GoogleChat(crate::notify::receivers::google_chat::Config),
    Mattermost(crate::notify::receivers::mattermost::Config),
    Telegram(crate::notify::receivers::telegram::Config),
    PagerDuty(crate::notify::receivers::pagerduty::Config),
    Opsgenie(crate::notify::receivers::opsgenie::Config),
    Template(crate::notify::receivers::template::Config),
    GitHub(crate::notify::receivers::github::Config),
    GitLab(crate::notify::receivers::gitlab::Config),
    Gitea(crate::notify::receivers::gitea::Config),
    Bitbucket(crate::notify::receivers::bitbucket::Config),
    AzureDevops(crate::notify::receivers::azure_devops::Config),
    GithubDeployment(crate::notify::receivers::github_deployment::Config),
    GithubDispatch(crate::notify::receivers::github_dispatch::Config),
    GitlabDeployment(crate::notify::receivers::gitlab_deployment::Config),
    GitlabPipeline(crate::notify::receivers::gitlab_pipeline::Config),
}

impl ReceiverKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            ReceiverKind::Slack(_) => "slack",
            ReceiverKind::Email(_) => "email",
            ReceiverKind::Webhook(_) => "webhook",
            ReceiverKind::Alertmanager(_) => "alertmanager",
            ReceiverKind::Teams(_) => "teams",
            ReceiverKind::Discord(_) => "discord",
            ReceiverKind::GoogleChat(_) => "googleChat",
            ReceiverKind::Mattermost(c) => c.flavor.key(),
            ReceiverKind::Telegram(_) => "telegram",
            ReceiverKind::PagerDuty(_) => "pagerduty",
            ReceiverKind::Opsgenie(_) => "opsgenie",
            ReceiverKind::Template(_) => "template",
            ReceiverKind::GitHub(_) => "github",
            ReceiverKind::GitLab(_) => "gitlab",
            ReceiverKind::Gitea(_) => "gitea",
            ReceiverKind::Bitbucket(_) => "bitbucket",
            ReceiverKind::AzureDevops(_) => "azureDevops",
            ReceiverKind::GithubDeployment(_) => "githubDeployment",
            ReceiverKind::GithubDispatch(_) => "githubDispatch",
            ReceiverKind::GitlabDeployment(_) => "gitlabDeployment",
            ReceiverKind::GitlabPipeline(_) => "gitlabPipeline",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailTls {
    /// Plain SMTP (only for a relay on localhost or inside the cluster).
    None,
    /// Upgrade with STARTTLS (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    /// herald's own JSON.
    Herald,
    /// The shape of a Flux notification-controller event.
    Flux,
}

/// Which objects a route or silence applies to. Globs (`*`, `?`) on kind, namespace and name;
/// every label must match. An empty list matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct Matcher {
    pub kinds: Vec<String>,
    pub namespaces: Vec<String>,
    pub names: Vec<String>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default)]
pub struct Route {
    /// Where it is in the file, for `herald route test` and error messages: `routes[0].routes[1]`.
    pub path: String,
    pub matcher: Matcher,
    pub events: BTreeSet<EventKind>,
    pub health: BTreeSet<Health>,
    pub status: BTreeSet<String>,
    /// A CEL expression over `event`, `object`, `old` and `new`.
    pub when: Option<String>,
    pub receivers: Vec<String>,
    pub wait_for: Duration,
    pub group_by: Vec<String>,
    pub group_wait: Duration,
    pub group_interval: Duration,
    pub repeat_interval: Option<Duration>,
    pub stuck_after: Option<Duration>,
    pub continue_matching: bool,
    /// The route speaks only while one of these holds (none: always). Not inherited by the
    /// routes below it, as in Alertmanager.
    pub active_time_intervals: Vec<std::sync::Arc<TimeInterval>>,
    /// The route never speaks while one of these holds: what it would send is held until the
    /// window opens. Not inherited either.
    pub mute_time_intervals: Vec<std::sync::Arc<TimeInterval>>,
    pub routes: Vec<Route>,
}

impl Route {
    /// When the route may speak.
    pub fn windows(&self) -> crate::intervals::Windows<'_> {
        crate::intervals::Windows {
            active: &self.active_time_intervals,
            mute: &self.mute_time_intervals,
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
pub struct Silence {
    pub matcher: Matcher,
    pub events: BTreeSet<EventKind>,
    pub until: Timestamp,
    pub comment: String,
}

/// What `groupBy` may name.
const GROUP_KEYS: &[&str] = &["cluster", "kind", "namespace", "name", "event", "health"];

/// One mistake in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: PathBuf,
    pub line: Option<usize>,
    /// `routes[0].waitFor`; empty when the parser could not tell.
    pub field: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Reads and checks a configuration file.
pub fn load(path: &Path) -> Result<Config, Vec<ConfigError>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![ConfigError {
            file: path.to_path_buf(),
            line: None,
            field: String::new(),
            message: format!("cannot read: {e}"),
        }]
    })?;
    parse(&text, path)
}

/// Checks a configuration given as text; `file` names it in errors.
pub fn parse(text: &str, file: &Path) -> Result<Config, Vec<ConfigError>> {
    let error = |line: Option<usize>, field: String, message: String| ConfigError {
        file: file.to_path_buf(),
        line,
        field,
        message,
    };
    let empty = strict::Node {
        line: 1,
        value: strict::Value::Null,
    };
    // The file is read into a tree first (YAML syntax, nesting and alias limits), then the
    // configuration is filled from the tree, every mistake noted; the checks that need the
    // whole configuration come last.
    let mut docs = if text.trim().is_empty() {
        vec![empty.clone()]
    } else {
        crate::load::parse_yaml::<strict::Node>(text, crate::load::DuplicateKeyPolicy::PassThrough)
            .map_err(|e| {
                vec![error(
                    e.line,
                    String::new(),
                    format!("not valid YAML: {}", e.message),
                )]
            })?
    };
    if docs.len() > 1 {
        return Err(vec![error(
            None,
            String::new(),
            format!(
                "expected one YAML document, found {}: remove the `---` lines",
                docs.len()
            ),
        )]);
    }
    let tree = docs.pop().unwrap_or(empty);
    let (raw, problems) = strict::read::<RawConfig>(&tree);
    let mut v = Validator {
        file: file.to_path_buf(),
        unreadable: problems.iter().map(|p| p.field.clone()).collect(),
        errors: problems
            .into_iter()
            .map(|p| error(Some(p.line).filter(|l| *l > 0), p.field, p.message))
            .collect(),
        declared: receiver_names(&tree),
        declared_intervals: interval_names(&tree),
        intervals: BTreeMap::new(),
        defined_intervals: BTreeSet::new(),
    };
    let config = raw.map(|raw| v.config(raw));
    // Checks that know the field but not the line: the tree knows it.
    for e in &mut v.errors {
        if e.line.is_none() && e.file == v.file && !e.field.is_empty() {
            e.line = tree.line_of(&e.field);
        }
    }
    match config {
        Some(config) if v.errors.is_empty() => Ok(config),
        _ => {
            v.errors.sort_by_key(|e| e.line);
            v.errors.dedup();
            Err(v.errors)
        }
    }
}

/// Every time interval name written in the file, even of intervals with mistakes.
fn interval_names(tree: &strict::Node) -> BTreeSet<String> {
    tree.get("timeIntervals")
        .map(strict::Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|r| r.get("name")?.scalar())
        .map(str::to_string)
        .collect()
}

/// Every receiver name written in the file, even of receivers with mistakes: a route naming
/// one is not told that it does not exist.
fn receiver_names(tree: &strict::Node) -> BTreeSet<String> {
    tree.get("receivers")
        .map(strict::Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|r| r.get("name")?.scalar())
        .map(str::to_string)
        .collect()
}

// The file as written. Fields that later checks must point at are `Spanned`.

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
struct RawConfig {
    cluster: String,
    watch: Watch,
    health: HealthConfig,
    // One broken item (a required field missing) is left out; the others are still checked.
    receivers: Vec<Lenient<RawReceiver>>,
    routes: Vec<Lenient<RawRoute>>,
    time_intervals: Vec<Lenient<RawTimeInterval>>,
    silences: Vec<Lenient<RawSilence>>,
    templates: Lenient<RawTemplates>,
    inhibition: Lenient<RawInhibition>,
    delivery: Option<RawDelivery>,
    links: Vec<Lenient<RawLink>>,
    api: Option<RawApi>,
    leader_election: Option<RawLeaderElection>,
    shard: Option<RawShard>,
    changes: crate::changes::Rules,
    history: Option<RawHistory>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawHistory {
    path: Option<PathBuf>,
    retention: Option<Spanned<String>>,
    max_bytes: Option<Spanned<String>>,
    max_per_object: Option<Spanned<u64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawLeaderElection {
    #[serde(default)]
    enabled: bool,
    namespace: Option<Spanned<String>>,
    lease_name: Option<Spanned<String>>,
    lease_duration: Option<Spanned<String>>,
    renew_deadline: Option<Spanned<String>>,
    retry_period: Option<Spanned<String>>,
    state_parts: Option<Spanned<u64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawShard {
    name: Spanned<String>,
    label: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawApi {
    max_connections: Option<Spanned<u64>>,
    header_timeout: Option<Spanned<String>>,
    request_timeout: Option<Spanned<String>>,
    idle_timeout: Option<Spanned<String>>,
    writes: Option<RawWrites>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawWrites {
    token_files: Vec<Spanned<PathBuf>>,
    max_silences: Option<Spanned<u64>>,
    max_comment_bytes: Option<Spanned<u64>>,
    max_duration: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLink {
    name: String,
    /// A minijinja template over the message variables.
    url: Spanned<String>,
    #[serde(default)]
    kinds: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawDelivery {
    outbox: Option<PathBuf>,
    retry_initial: Option<Spanned<String>>,
    retry_max: Option<Spanned<String>>,
    timeout: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplates {
    dir: PathBuf,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawInhibition {
    children: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawReceiver {
    name: Spanned<String>,
    slack: Option<crate::notify::receivers::slack::Raw>,
    email: Option<crate::notify::receivers::email::Raw>,
    webhook: Option<crate::notify::receivers::webhook::Raw>,
    alertmanager: Option<crate::notify::receivers::alertmanager::Raw>,
    teams: Option<crate::notify::receivers::teams::Raw>,
    discord: Option<crate::notify::receivers::discord::Raw>,
    google_chat: Option<crate::notify::receivers::google_chat::Raw>,
    mattermost: Option<crate::notify::receivers::mattermost::Raw>,
    #[serde(rename = "rocketchat")]
    rocket_chat: Option<crate::notify::receivers::mattermost::Raw>,
    telegram: Option<crate::notify::receivers::telegram::Raw>,
    pagerduty: Option<crate::notify::receivers::pagerduty::Raw>,
    opsgenie: Option<crate::notify::receivers::opsgenie::Raw>,
    template: Option<crate::notify::receivers::template::Raw>,
    github: Option<crate::notify::receivers::github::Raw>,
    gitlab: Option<crate::notify::receivers::gitlab::Raw>,
    gitea: Option<crate::notify::receivers::gitea::Raw>,
    bitbucket: Option<crate::notify::receivers::bitbucket::Raw>,
    azure_devops: Option<crate::notify::receivers::azure_devops::Raw>,
    github_deployment: Option<crate::notify::receivers::github_deployment::Raw>,
    github_dispatch: Option<crate::notify::receivers::github_dispatch::Raw>,
    gitlab_deployment: Option<crate::notify::receivers::gitlab_deployment::Raw>,
    gitlab_pipeline: Option<crate::notify::receivers::gitlab_pipeline::Raw>,
    rate_limit: Option<Spanned<String>>,
}

/// A string or a list of strings.
#[derive(Debug)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

// By hand rather than `untagged`, whose mistake reads "data did not match any variant".
impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a name or a list of names")
            }
            fn visit_str<E>(self, v: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(v.to_string()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<OneOrMany, A::Error> {
                let mut all = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    all.push(s);
                }
                Ok(OneOrMany::Many(all))
            }
        }
        d.deserialize_any(V)
    }
}

impl RawMatch {
    pub(crate) fn into_matcher(self) -> Matcher {
        Matcher {
            kinds: self.kind.map(OneOrMany::into_vec).unwrap_or_default(),
            namespaces: self.namespace.map(OneOrMany::into_vec).unwrap_or_default(),
            names: self.name.map(OneOrMany::into_vec).unwrap_or_default(),
            labels: self.labels,
        }
    }
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// A matcher as written (in the file, or in a silence posted to the HTTP API): each of kind,
/// namespace and name a string or a list.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct RawMatch {
    kind: Option<OneOrMany>,
    namespace: Option<OneOrMany>,
    name: Option<OneOrMany>,
    labels: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawRoute {
    #[serde(rename = "match", default)]
    matcher: RawMatch,
    #[serde(default)]
    events: Vec<EventKind>,
    #[serde(default)]
    health: Vec<Health>,
    #[serde(default)]
    status: Vec<String>,
    when: Option<Spanned<String>>,
    #[serde(default)]
    receivers: Vec<Spanned<String>>,
    wait_for: Option<Spanned<String>>,
    #[serde(default)]
    group_by: Vec<Spanned<String>>,
    group_wait: Option<Spanned<String>>,
    group_interval: Option<Spanned<String>>,
    repeat_interval: Option<Spanned<String>>,
    stuck_after: Option<Spanned<String>>,
    #[serde(rename = "continue", default)]
    continue_matching: bool,
    #[serde(default)]
    active_time_intervals: Vec<Spanned<String>>,
    #[serde(default)]
    mute_time_intervals: Vec<Spanned<String>>,
    #[serde(default)]
    routes: Vec<Lenient<RawRoute>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawTimeInterval {
    name: Spanned<String>,
    #[serde(default)]
    intervals: Vec<Lenient<RawInterval>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
struct RawInterval {
    times: Vec<Lenient<RawTimes>>,
    weekdays: Vec<Spanned<String>>,
    days_of_month: Vec<Spanned<String>>,
    months: Vec<Spanned<String>>,
    years: Vec<Spanned<String>>,
    location: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawTimes {
    start_time: Spanned<String>,
    end_time: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawSilence {
    #[serde(rename = "match", default)]
    matcher: RawMatch,
    #[serde(default)]
    events: Vec<EventKind>,
    until: Spanned<String>,
    #[serde(default)]
    comment: String,
}

/// Checks a configuration, collecting every mistake with its line and field. Receivers'
/// blocks are checked by their own files ([`crate::notify::receivers`]) through it.
pub(crate) struct Validator {
    file: PathBuf,
    errors: Vec<ConfigError>,
    /// The receiver names the file gives, read from the tree.
    declared: BTreeSet<String>,
    /// The fields that could not be read.
    unreadable: Vec<String>,
    /// The time interval names the file gives, read from the tree (even of broken ones).
    declared_intervals: BTreeSet<String>,
    /// The time intervals read, by name.
    intervals: BTreeMap<String, std::sync::Arc<TimeInterval>>,
    /// The time interval names defined so far (with mistakes or not).
    defined_intervals: BTreeSet<String>,
}

impl Validator {
    pub(crate) fn error(
        &mut self,
        line: usize,
        field: impl Into<String>,
        message: impl Into<String>,
    ) {
        let field = field.into();
        // A field already reported as unreadable holds a stand-in value: what the later checks
        // would say of it is not news.
        let within = |broken: &String| {
            field
                .strip_prefix(broken.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
        };
        if self.unreadable.iter().any(within) {
            return;
        }
        self.errors.push(ConfigError {
            file: self.file.clone(),
            line: (line > 0).then_some(line),
            field,
            message: message.into(),
        });
    }

    fn config(&mut self, raw: RawConfig) -> Config {
        // Routes are checked against every name given, even of receivers with mistakes.
        let raw_receivers: Vec<(usize, RawReceiver)> = present(raw.receivers).collect();
        let mut names = std::mem::take(&mut self.declared);
        let mut seen = BTreeSet::new();
        for (i, r) in &raw_receivers {
            if !seen.insert(r.name.value.clone()) {
                self.error(
                    r.name.referenced.line() as usize,
                    format!("receivers[{i}].name"),
                    format!("receiver {:?} is defined twice", r.name.value),
                );
            }
        }
        names.extend(seen);
        let receivers: Vec<Receiver> = raw_receivers
            .into_iter()
            .filter_map(|(i, r)| self.receiver(i, r))
            .collect();
        let time_intervals: Vec<std::sync::Arc<TimeInterval>> = present(raw.time_intervals)
            .filter_map(|(i, t)| self.time_interval(i, t))
            .collect();
        let routes = present(raw.routes)
            .map(|(i, r)| self.route(&format!("routes[{i}]"), r, &names))
            .collect();
        let silences = present(raw.silences)
            .filter_map(|(i, s)| self.silence(i, s))
            .collect();
        self.watch(&raw.watch);
        self.health(&raw.health);
        self.changes(&raw.changes);
        let templates = raw.templates.into_inner();
        Config {
            cluster: raw.cluster,
            watch: raw.watch,
            health: raw.health,
            changes: raw.changes,
            receivers,
            routes,
            time_intervals,
            silences,
            messages: self.templates(
                templates.as_ref().map(|t| t.dir.as_path()),
                present(raw.links).collect(),
            ),
            inhibit_children: raw.inhibition.into_inner().is_none_or(|i| i.children),
            delivery: self.delivery(raw.delivery),
            api: self.api(raw.api),
            leader_election: self.leader_election(raw.leader_election),
            shard: self.shard(raw.shard),
            history: self.history(raw.history),
        }
    }

    fn history(&mut self, h: Option<RawHistory>) -> HistoryConfig {
        let mut out = HistoryConfig::default();
        let Some(h) = h else { return out };
        if let Some(p) = h.path {
            if p.as_os_str().is_empty() {
                self.error(0, "history.path", "empty: name a file, or leave it out");
            }
            out.path = Some(p);
        }
        let year = Duration::from_secs(366 * 86_400);
        if let Some(d) = self.bounded_duration("history.retention", h.retention, year) {
            out.limits.retention =
                jiff::SignedDuration::try_from(d).unwrap_or(jiff::SignedDuration::MAX);
        }
        if let Some(b) = h.max_bytes {
            match parse_size(&b.value) {
                Some(n) if (1 << 20..=64 << 30).contains(&n) => out.limits.max_bytes = n,
                _ => self.error(
                    b.referenced.line() as usize,
                    "history.maxBytes",
                    format!(
                        "{:?} is not a size from 1Mi to 64Gi: write e.g. 256Mi, 1Gi or a number of bytes",
                        b.value
                    ),
                ),
            }
        }
        if let Some(n) = self.count("history.maxPerObject", h.max_per_object, 1..=1_000_000) {
            out.limits.max_per_object = u32::try_from(n).unwrap_or(u32::MAX);
        }
        out
    }

    fn leader_election(&mut self, l: Option<RawLeaderElection>) -> LeaderElection {
        let mut out = LeaderElection::default();
        let Some(l) = l else { return out };
        out.enabled = l.enabled;
        if let Some(ns) = l.namespace {
            if let Err(why) = check_namespace(&ns.value) {
                self.error(
                    ns.referenced.line() as usize,
                    "leaderElection.namespace",
                    why,
                );
            }
            out.namespace = Some(ns.value);
        }
        if let Some(n) = l.lease_name {
            // The state's ConfigMaps add `-silences` or `-state-NN` to it.
            let longest = format!("{}-silences", n.value);
            if let Err(why) = check_object_name(&longest) {
                self.error(
                    n.referenced.line() as usize,
                    "leaderElection.leaseName",
                    why,
                );
            }
            out.lease_name = Some(n.value);
        }
        let line = [&l.lease_duration, &l.renew_deadline, &l.retry_period]
            .iter()
            .find_map(|d| d.as_ref().map(|d| d.referenced.line() as usize))
            .unwrap_or(0);
        if let Some(d) = self.positive("leaderElection.leaseDuration".into(), l.lease_duration) {
            out.timings.duration = d;
        }
        if let Some(d) = self.positive("leaderElection.renewDeadline".into(), l.renew_deadline) {
            out.timings.renew_deadline = d;
        }
        if let Some(d) = self.positive("leaderElection.retryPeriod".into(), l.retry_period) {
            out.timings.retry_period = d;
        }
        if let Err(why) = out.timings.validate() {
            self.error(line, "leaderElection", why);
        }
        if let Some(n) = self.count("leaderElection.stateParts", l.state_parts, 1..=256) {
            out.state_parts = n;
        }
        out
    }

    fn shard(&mut self, s: Option<RawShard>) -> Option<Shard> {
        let s = s?;
        let line = s.name.referenced.line() as usize;
        let label = s.label.map_or_else(|| SHARD_LABEL.to_string(), |l| l.value);
        let selector = format!("{label}={}", s.name.value);
        if s.name.value.is_empty() {
            self.error(line, "shard.name", "empty: name the shard");
        } else if let Err(why) = check_selector(&selector) {
            self.error(line, "shard", why);
        }
        Some(Shard {
            name: s.name.value,
            label,
        })
    }

    fn api(&mut self, a: Option<RawApi>) -> Api {
        let mut out = Api::default();
        let Some(a) = a else {
            return out;
        };
        if let Some(n) = self.count("api.maxConnections", a.max_connections, 1..=65_536) {
            out.max_connections = n;
        }
        let bounded =
            |v: &mut Self, field: &str, d| v.bounded_duration(field, d, Duration::from_secs(3600));
        if let Some(d) = bounded(self, "api.headerTimeout", a.header_timeout) {
            out.header_timeout = d;
        }
        if let Some(d) = bounded(self, "api.requestTimeout", a.request_timeout) {
            out.request_timeout = d;
        }
        if let Some(d) = bounded(self, "api.idleTimeout", a.idle_timeout) {
            out.idle_timeout = d;
        }
        let Some(w) = a.writes else {
            return out;
        };
        let writes = &mut out.writes;
        if w.token_files.is_empty() {
            self.error(
                0,
                "api.writes.tokenFiles",
                "no token file: name at least one, or leave writes out to keep them off",
            );
        }
        // The files themselves are secrets, which may only exist where herald runs: `run` reads
        // them at start and at each write.
        let mut names = BTreeSet::new();
        for (i, f) in w.token_files.into_iter().enumerate() {
            let name = crate::writes::token_name(&f.value);
            if !names.insert(name.clone()) {
                self.error(
                    f.referenced.line() as usize,
                    format!("api.writes.tokenFiles[{i}]"),
                    format!(
                        "a second token named {name:?}: the audit log could not tell them apart"
                    ),
                );
            }
            writes.token_files.push(f.value);
        }
        if let Some(n) = self.count("api.writes.maxSilences", w.max_silences, 1..=100_000) {
            writes.max_silences = n;
        }
        if let Some(n) = self.count(
            "api.writes.maxCommentBytes",
            w.max_comment_bytes,
            1..=16_384,
        ) {
            writes.max_comment_bytes = n;
        }
        if let Some(d) = self.bounded_duration(
            "api.writes.maxDuration",
            w.max_duration,
            Duration::from_secs(366 * 86_400),
        ) {
            writes.max_duration = d;
        }
        out
    }

    /// A number within `range`.
    fn count(
        &mut self,
        field: &str,
        n: Option<Spanned<u64>>,
        range: std::ops::RangeInclusive<u64>,
    ) -> Option<usize> {
        let n = n?;
        if !range.contains(&n.value) {
            self.error(
                n.referenced.line() as usize,
                field,
                format!(
                    "{} is out of bounds: from {} to {}",
                    n.value,
                    range.start(),
                    range.end()
                ),
            );
            return None;
        }
        usize::try_from(n.value).ok()
    }

    /// A duration above zero and at most `max`.
    fn bounded_duration(
        &mut self,
        field: &str,
        d: Option<Spanned<String>>,
        max: Duration,
    ) -> Option<Duration> {
        let line = d.as_ref().map_or(0, |d| d.referenced.line() as usize);
        let v = self.duration(field.to_string(), d)?;
        if v.is_zero() || v > max {
            self.error(
                line,
                field,
                format!("must be above zero and at most {}", show_duration(max)),
            );
            return None;
        }
        Some(v)
    }

    fn templates(
        &mut self,
        dir: Option<&Path>,
        links: Vec<(usize, RawLink)>,
    ) -> std::sync::Arc<crate::notify::templates::Templates> {
        let mut t = self.template_dir(dir);
        for (i, l) in links {
            if let Err(e) = t.add_link(&l.name, &l.url.value, l.kinds) {
                self.error(
                    l.url.referenced.line() as usize,
                    format!("links[{i}].url"),
                    format!("not a template: {e}"),
                );
            }
        }
        std::sync::Arc::new(t)
    }

    fn template_dir(&mut self, dir: Option<&Path>) -> crate::notify::templates::Templates {
        let Some(dir) = dir else {
            return crate::notify::templates::Templates::default();
        };
        // Relative to the configuration file.
        let dir = self
            .file
            .parent()
            .map_or_else(|| dir.to_path_buf(), |base| base.join(dir));
        match crate::notify::templates::Templates::load(&dir) {
            Ok(t) => t,
            Err(errors) => {
                for (file, line, message) in errors {
                    self.errors.push(ConfigError {
                        file: PathBuf::from(file),
                        line,
                        field: "templates.dir".into(),
                        message,
                    });
                }
                crate::notify::templates::Templates::default()
            }
        }
    }

    fn delivery(&mut self, d: Option<RawDelivery>) -> Delivery {
        let mut out = Delivery::default();
        let Some(d) = d else {
            return out;
        };
        if let Some(p) = d.outbox {
            out.outbox = p;
        }
        let initial = self.positive("delivery.retryInitial".into(), d.retry_initial);
        let max = self.positive("delivery.retryMax".into(), d.retry_max);
        if let Some(v) = initial {
            out.retry_initial = v;
        }
        if let Some(v) = max {
            out.retry_max = v;
        }
        if out.retry_initial > out.retry_max {
            let field = if initial.is_some() {
                "delivery.retryInitial"
            } else {
                "delivery.retryMax"
            };
            self.error(
                0,
                field,
                format!(
                    "the first retry ({}) waits longer than the longest wait, retryMax ({})",
                    show_duration(out.retry_initial),
                    show_duration(out.retry_max)
                ),
            );
        }
        if let Some(v) = self.positive("delivery.timeout".into(), d.timeout) {
            out.timeout = v;
        }
        out
    }

    /// What `herald run` would refuse about what to watch.
    fn watch(&mut self, w: &Watch) {
        for (i, ns) in w.namespaces.iter().enumerate() {
            if let Err(why) = check_namespace(ns) {
                self.error(0, format!("watch.namespaces[{i}]"), why);
            }
        }
        if let Err(why) = check_selector(&w.label_selector) {
            self.error(0, "watch.labelSelector", why);
        }
        if let Some(Err(why)) = w.relist_interval.map(check_relist_interval) {
            self.error(0, "watch.relistInterval", why);
        }
        if let Some(Err(why)) = w.not_ready_after.map(check_not_ready_after) {
            self.error(0, "watch.notReadyAfter", why);
        }
    }

    fn changes(&mut self, c: &crate::changes::Rules) {
        use crate::changes::{REDACT_GLOB_BYTES, REDACT_GLOBS};
        if c.redact.len() > REDACT_GLOBS {
            self.error(
                0,
                "changes.redact",
                format!("at most {REDACT_GLOBS} paths, not {}", c.redact.len()),
            );
        }
        for (i, g) in c.redact.iter().enumerate() {
            if g.is_empty() || g.len() > REDACT_GLOB_BYTES {
                self.error(
                    0,
                    format!("changes.redact[{i}]"),
                    format!(
                        "a path glob of 1 to {REDACT_GLOB_BYTES} bytes, such as spec.values.*.host"
                    ),
                );
            }
        }
    }

    /// The user checks must be there, and load, as `herald run` requires at start.
    fn health(&mut self, h: &HealthConfig) {
        let mut present = true;
        for (i, dir) in h.lua_checks.iter().enumerate() {
            if !dir.is_dir() {
                present = false;
                self.error(
                    0,
                    format!("health.luaChecks[{i}]"),
                    missing_path(dir, "directory"),
                );
            }
        }
        if let Some(file) = &h.argo_config_map
            && !file.is_file()
        {
            present = false;
            self.error(0, "health.argoConfigMap", missing_path(file, "file"));
        }
        if let Some(r) = &h.argo_config_map_ref {
            if let Err(why) = check_namespace(&r.namespace) {
                self.error(0, "health.argoConfigMapRef.namespace", why);
            }
            if let Err(why) = check_object_name(&r.name) {
                self.error(0, "health.argoConfigMapRef.name", why);
            }
        }
        if present && (!h.lua_checks.is_empty() || h.argo_config_map.is_some()) {
            let checks = crate::cli::lua::UserChecks {
                scripts: h.lua_checks.clone(),
                argocd_cm: h.argo_config_map.clone(),
                lua_timeout_ms: 1000,
                lua_memory_mib: 16,
                extra: Vec::new(),
            };
            if let Err(errors) = checks.assessor() {
                let field = if h.lua_checks.is_empty() {
                    "health.argoConfigMap"
                } else {
                    "health.luaChecks"
                };
                for e in errors {
                    self.error(0, field, e);
                }
            }
        }
    }

    /// `Err` when both sources are given: reported here, so that the caller does not also
    /// say that none is.
    pub(crate) fn secret(
        &mut self,
        line: usize,
        at: &str,
        field: &str,
        file: Option<PathBuf>,
        env: Option<String>,
    ) -> Result<Option<Secret>, ()> {
        match (file, env) {
            (Some(f), None) => Ok(Some(Secret::File(f))),
            (None, Some(e)) => Ok(Some(Secret::Env(e))),
            (None, None) => Ok(None),
            (Some(_), Some(_)) => {
                self.error(
                    line,
                    at,
                    format!("give {field}File or {field}Env, not both"),
                );
                Err(())
            }
        }
    }

    fn receiver(&mut self, i: usize, r: RawReceiver) -> Option<Receiver> {
        let at = format!("receivers[{i}]");
        let line = r.name.referenced.line() as usize;
        let name = r.name.value;
        if name.trim().is_empty() {
            self.error(line, format!("{at}.name"), "a receiver needs a name");
        }
        let kinds = [
            r.slack.is_some(),
            r.email.is_some(),
            r.webhook.is_some(),
            r.alertmanager.is_some(),
            r.teams.is_some(),
            r.discord.is_some(),
            r.google_chat.is_some(),
            r.mattermost.is_some(),
            r.rocket_chat.is_some(),
            r.telegram.is_some(),
            r.pagerduty.is_some(),
            r.opsgenie.is_some(),
            r.template.is_some(),
            r.github.is_some(),
            r.gitlab.is_some(),
            r.gitea.is_some(),
            r.bitbucket.is_some(),
            r.azure_devops.is_some(),
            r.github_deployment.is_some(),
            r.github_dispatch.is_some(),
            r.gitlab_deployment.is_some(),
            r.gitlab_pipeline.is_some(),
        ];
        if kinds.iter().filter(|k| **k).count() != 1 {
            self.error(
                line,
                &at,
                format!(
                    "receiver {name:?} needs exactly one of slack, email, webhook, alertmanager, teams, discord, googleChat, mattermost, rocketchat, telegram, pagerduty, opsgenie, template, github, gitlab, gitea, bitbucket, azureDevops, githubDeployment, githubDispatch, gitlabDeployment, gitlabPipeline"
                ),
            );
            return None;
        }
        let rate_per_minute = r.rate_limit.and_then(|s| {
            let l = s.referenced.line() as usize;
            match parse_rate(&s.value) {
                Some(n) => Some(n),
                None => {
                    self.error(
                        l,
                        format!("{at}.rateLimit"),
                        format!("{:?} is not a rate: write N/s, N/m or N/h", s.value),
                    );
                    None
                }
            }
        });
        let kind = if let Some(s) = r.slack {
            ReceiverKind::Slack(crate::notify::receivers::slack::check(s, self, &at, line)?)
        } else if let Some(e) = r.email {
            ReceiverKind::Email(crate::notify::receivers::email::check(e, self, &at, line)?)
        } else if let Some(w) = r.webhook {
            ReceiverKind::Webhook(crate::notify::receivers::webhook::check(
                w, self, &at, line,
            )?)
        } else if let Some(t) = r.teams {
            ReceiverKind::Teams(crate::notify::receivers::teams::check(t, self, &at, line)?)
        } else if let Some(d) = r.discord {
            ReceiverKind::Discord(crate::notify::receivers::discord::check(
                d, self, &at, line,
            )?)
        } else if let Some(g) = r.google_chat {
            ReceiverKind::GoogleChat(crate::notify::receivers::google_chat::check(
                g, self, &at, line,
            )?)
        } else if let Some((m, f)) = r
            .mattermost
            .map(|m| (m, crate::notify::receivers::mattermost::Flavor::Mattermost))
            .or(r
                .rocket_chat
                .map(|m| (m, crate::notify::receivers::mattermost::Flavor::RocketChat)))
        {
            ReceiverKind::Mattermost(crate::notify::receivers::mattermost::check(
                m, f, self, &at, line,
            )?)
        } else if let Some(t) = r.telegram {
            ReceiverKind::Telegram(crate::notify::receivers::telegram::check(
                t, self, &at, line,
            )?)
        } else if let Some(p) = r.pagerduty {
            ReceiverKind::PagerDuty(crate::notify::receivers::pagerduty::check(
                p, self, &at, line,
            )?)
        } else if let Some(o) = r.opsgenie {
            ReceiverKind::Opsgenie(crate::notify::receivers::opsgenie::check(
                o, self, &at, line,
            )?)
        } else if let Some(t) = r.template {
            ReceiverKind::Template(crate::notify::receivers::template::check(
                t, self, &at, line,
            )?)
        } else if let Some(g) = r.github {
            ReceiverKind::GitHub(crate::notify::receivers::github::check(g, self, &at, line)?)
        } else if let Some(g) = r.gitlab {
            ReceiverKind::GitLab(crate::notify::receivers::gitlab::check(g, self, &at, line)?)
        } else if let Some(g) = r.gitea {
            ReceiverKind::Gitea(crate::notify::receivers::gitea::check(g, self, &at, line)?)
        } else if let Some(b) = r.bitbucket {
            ReceiverKind::Bitbucket(crate::notify::receivers::bitbucket::check(
                b, self, &at, line,
            )?)
        } else if let Some(a) = r.azure_devops {
            ReceiverKind::AzureDevops(crate::notify::receivers::azure_devops::check(
                a, self, &at, line,
            )?)
        } else if let Some(g) = r.github_deployment {
            ReceiverKind::GithubDeployment(crate::notify::receivers::github_deployment::check(
                g, self, &at, line,
            )?)
        } else if let Some(g) = r.github_dispatch {
            ReceiverKind::GithubDispatch(crate::notify::receivers::github_dispatch::check(
                g, self, &at, line,
            )?)
        } else if let Some(g) = r.gitlab_deployment {
            ReceiverKind::GitlabDeployment(crate::notify::receivers::gitlab_deployment::check(
                g, self, &at, line,
            )?)
        } else if let Some(g) = r.gitlab_pipeline {
            ReceiverKind::GitlabPipeline(crate::notify::receivers::gitlab_pipeline::check(
                g, self, &at, line,
            )?)
        } else {
            let a = r.alertmanager.expect("one kind");
            ReceiverKind::Alertmanager(crate::notify::receivers::alertmanager::check(a, self, &at))
        };
        Some(Receiver {
            name,
            kind,
            rate_per_minute,
        })
    }

    pub(crate) fn url(&mut self, line: usize, field: &str, url: &str) {
        let ok = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'));
        if !ok {
            self.error(
                line,
                field,
                format!("{url:?} is not an http:// or https:// URL"),
            );
        }
    }

    /// A duration where 0 makes no sense (a retry, a timeout, an interval).
    pub(crate) fn positive(
        &mut self,
        field: String,
        d: Option<Spanned<String>>,
    ) -> Option<Duration> {
        let line = d.as_ref().map_or(0, |d| d.referenced.line() as usize);
        let v = self.duration(field.clone(), d)?;
        if v.is_zero() {
            self.error(line, field, "must be longer than 0");
            return None;
        }
        Some(v)
    }

    pub(crate) fn duration(
        &mut self,
        field: String,
        d: Option<Spanned<String>>,
    ) -> Option<Duration> {
        let d = d?;
        match parse_duration(&d.value) {
            Some(v) => Some(v),
            None => {
                self.error(
                    d.referenced.line() as usize,
                    field,
                    format!(
                        "{:?} is not a duration: write e.g. 30s, 2m, 4h, 1h30m, 500ms",
                        d.value
                    ),
                );
                None
            }
        }
    }

    fn matcher(&mut self, m: RawMatch) -> Matcher {
        m.into_matcher()
    }

    fn route(&mut self, at: &str, r: RawRoute, receivers: &BTreeSet<String>) -> Route {
        let when = r.when.and_then(|w| {
            if let Err(e) = cel::Program::compile(&w.value) {
                let first = e.to_string();
                let first = first.lines().next().unwrap_or_default().to_string();
                self.error(
                    w.referenced.line() as usize,
                    format!("{at}.when"),
                    format!("CEL: {first}"),
                );
                return None;
            }
            Some(w.value)
        });
        for name in &r.receivers {
            if !receivers.contains(&name.value) {
                self.error(
                    name.referenced.line() as usize,
                    format!("{at}.receivers"),
                    format!("no receiver is named {:?}", name.value),
                );
            }
        }
        for key in &r.group_by {
            if !GROUP_KEYS.contains(&key.value.as_str()) && !key.value.starts_with("label:") {
                self.error(
                    key.referenced.line() as usize,
                    format!("{at}.groupBy"),
                    format!(
                        "cannot group by {:?}: use {} or label:<key>",
                        key.value,
                        GROUP_KEYS.join(", ")
                    ),
                );
            }
        }
        let stuck_after = self.positive(format!("{at}.stuckAfter"), r.stuck_after);
        let events: BTreeSet<EventKind> = r.events.into_iter().collect();
        if stuck_after.is_some() && !events.is_empty() && !events.contains(&EventKind::Stuck) {
            self.error(
                0,
                format!("{at}.stuckAfter"),
                "the route does not take the stuck event",
            );
        }
        Route {
            path: at.to_string(),
            matcher: self.matcher(r.matcher),
            events,
            health: r.health.into_iter().collect(),
            status: r.status.into_iter().collect(),
            when,
            receivers: r.receivers.into_iter().map(|n| n.value).collect(),
            wait_for: self
                .duration(format!("{at}.waitFor"), r.wait_for)
                .unwrap_or_default(),
            group_by: r.group_by.into_iter().map(|k| k.value).collect(),
            group_wait: self
                .duration(format!("{at}.groupWait"), r.group_wait)
                .unwrap_or_default(),
            group_interval: self
                .positive(format!("{at}.groupInterval"), r.group_interval)
                .unwrap_or(Duration::from_secs(5 * 60)),
            repeat_interval: self.positive(format!("{at}.repeatInterval"), r.repeat_interval),
            stuck_after,
            continue_matching: r.continue_matching,
            active_time_intervals: self.named_intervals(
                &format!("{at}.activeTimeIntervals"),
                r.active_time_intervals,
            ),
            mute_time_intervals: self
                .named_intervals(&format!("{at}.muteTimeIntervals"), r.mute_time_intervals),
            routes: present(r.routes)
                .map(|(i, child)| self.route(&format!("{at}.routes[{i}]"), child, receivers))
                .collect(),
        }
    }

    /// A route's `activeTimeIntervals` or `muteTimeIntervals`: names of `timeIntervals`.
    fn named_intervals(
        &mut self,
        field: &str,
        names: Vec<Spanned<String>>,
    ) -> Vec<std::sync::Arc<TimeInterval>> {
        let mut out = Vec::new();
        for (j, name) in names.into_iter().enumerate() {
            match self.intervals.get(&name.value) {
                Some(t) => out.push(std::sync::Arc::clone(t)),
                // One with mistakes of its own is not also unknown.
                None if self.declared_intervals.contains(&name.value) => {}
                None => self.error(
                    name.referenced.line() as usize,
                    format!("{field}[{j}]"),
                    format!("no time interval is named {:?}", name.value),
                ),
            }
        }
        out
    }

    /// One of `timeIntervals`, checked as Alertmanager checks its `time_intervals`.
    fn time_interval(
        &mut self,
        i: usize,
        t: RawTimeInterval,
    ) -> Option<std::sync::Arc<TimeInterval>> {
        let at = format!("timeIntervals[{i}]");
        let errors = self.errors.len();
        let name = t.name.value.clone();
        if name.is_empty() {
            self.error(
                t.name.referenced.line() as usize,
                format!("{at}.name"),
                "must not be empty",
            );
        } else if !self.defined_intervals.insert(name.clone()) {
            self.error(
                t.name.referenced.line() as usize,
                format!("{at}.name"),
                format!("time interval {name:?} is defined twice"),
            );
        }
        let mut intervals = Vec::new();
        for (j, raw) in present(t.intervals) {
            let at = format!("{at}.intervals[{j}]");
            let mut out = crate::intervals::Interval::default();
            for (k, times) in present(raw.times) {
                match crate::intervals::parse_times(&times.start_time.value, &times.end_time.value)
                {
                    Ok(range) => out.times.push(range),
                    Err((start, message)) => {
                        let (field, value) = if start {
                            ("startTime", &times.start_time)
                        } else {
                            ("endTime", &times.end_time)
                        };
                        self.error(
                            value.referenced.line() as usize,
                            format!("{at}.times[{k}].{field}"),
                            message,
                        );
                    }
                }
            }
            out.weekdays = self.ranges(
                &at,
                "weekdays",
                raw.weekdays,
                crate::intervals::parse_weekdays,
            );
            out.days_of_month = self.ranges(
                &at,
                "daysOfMonth",
                raw.days_of_month,
                crate::intervals::parse_days_of_month,
            );
            out.months = self.ranges(&at, "months", raw.months, crate::intervals::parse_months);
            out.years = self.ranges(&at, "years", raw.years, crate::intervals::parse_years);
            if let Some(loc) = raw.location {
                match crate::intervals::parse_location(&loc.value) {
                    Ok(zone) => out.location = Some(zone),
                    Err(message) => self.error(
                        loc.referenced.line() as usize,
                        format!("{at}.location"),
                        message,
                    ),
                }
            }
            intervals.push(out);
        }
        if self.errors.len() > errors {
            return None;
        }
        let t = std::sync::Arc::new(TimeInterval {
            name: name.clone(),
            intervals,
        });
        self.intervals.insert(name, std::sync::Arc::clone(&t));
        Some(t)
    }

    /// A list of ranges (`monday:friday`), each read by `parse`.
    fn ranges<T>(
        &mut self,
        at: &str,
        field: &str,
        items: Vec<Spanned<String>>,
        parse: fn(&str) -> Result<T, String>,
    ) -> Vec<T> {
        let mut out = Vec::new();
        for (k, item) in items.into_iter().enumerate() {
            match parse(&item.value) {
                Ok(r) => out.push(r),
                Err(message) => self.error(
                    item.referenced.line() as usize,
                    format!("{at}.{field}[{k}]"),
                    message,
                ),
            }
        }
        out
    }

    fn silence(&mut self, i: usize, s: RawSilence) -> Option<Silence> {
        let until = match s.until.value.parse::<Timestamp>() {
            Ok(t) => t,
            Err(_) => {
                self.error(
                    s.until.referenced.line() as usize,
                    format!("silences[{i}].until"),
                    format!(
                        "{:?} is not a time: write RFC 3339, e.g. 2026-12-01T00:00:00Z",
                        s.until.value
                    ),
                );
                return None;
            }
        };
        Some(Silence {
            matcher: self.matcher(s.matcher),
            events: s.events.into_iter().collect(),
            until,
            comment: s.comment,
        })
    }
}

/// `30s`, `2m`, `4h`, `1d`, `1h30m`, `500ms`, `0`.
/// A size in bytes: a number, or a number with `Ki`, `Mi` or `Gi` (`256Mi`).
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    if digits == 0 || digits > 12 {
        return None;
    }
    let n: u64 = s[..digits].parse().ok()?;
    let unit: u64 = match &s[digits..] {
        "" => 1,
        "Ki" => 1 << 10,
        "Mi" => 1 << 20,
        "Gi" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(unit)
}

pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s == "0" {
        return Some(Duration::ZERO);
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let n: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n.checked_mul(60)?),
            "h" => Duration::from_secs(n.checked_mul(3600)?),
            "d" => Duration::from_secs(n.checked_mul(86_400)?),
            _ => return None,
        };
        total = total.checked_add(unit)?;
        rest = &rest[unit_len..];
    }
    Some(total)
}

/// `1m30s`, `7d`, `500ms`: a duration as the configuration writes it, for messages.
pub fn show_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) {
        return format!("{ms}ms");
    }
    let mut s = d.as_secs();
    let mut out = String::new();
    for (unit, len) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
        if s >= len {
            out.push_str(&format!("{}{unit}", s / len));
            s %= len;
        }
    }
    if out.is_empty() { "0".into() } else { out }
}

fn missing_path(p: &Path, what: &str) -> String {
    match std::fs::metadata(p) {
        Ok(_) => format!("{} is not a {what}", p.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            format!("no such {what}: {}", p.display())
        }
        Err(e) => format!("cannot read {}: {e}", p.display()),
    }
}

/// A namespace name: an RFC 1123 label (what the API server accepts).
pub fn check_namespace(name: &str) -> Result<(), String> {
    if is_dns_label(name) {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not a namespace name: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit"
        ))
    }
}

fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// An object name: an RFC 1123 subdomain.
fn check_object_name(name: &str) -> Result<(), String> {
    if name.len() <= 253 && name.split('.').all(is_dns_label) {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not an object name: lowercase letters, digits, '-' and '.'"
        ))
    }
}

/// A label selector as the API server parses it: `a=b`, `a==b`, `a!=b`, `a in (x,y)`,
/// `a notin (x,y)`, `a`, `!a`, joined by commas; keys and values as Kubernetes allows them.
/// A relist more often than every minute would turn every watch into a stream of full lists.
pub fn check_relist_interval(d: Duration) -> Result<(), String> {
    if d.is_zero() || d >= Duration::from_secs(60) {
        Ok(())
    } else {
        Err("must be 0 (never) or at least 1m".into())
    }
}

/// Below a second, every dropped connection would make herald unready; past an hour, a blind
/// herald would say it is ready for too long.
pub fn check_not_ready_after(d: Duration) -> Result<(), String> {
    if (Duration::from_secs(1)..=Duration::from_secs(3600)).contains(&d) {
        Ok(())
    } else {
        Err("must be between 1s and 1h".into())
    }
}

pub fn check_selector(selector: &str) -> Result<(), String> {
    let bad = |part: &str, why: &str| {
        Err(format!(
            "{selector:?} is not a label selector: {part:?} {why}; write e.g. team=web,tier in (api, worker),!legacy"
        ))
    };
    if selector.trim().is_empty() {
        return Ok(());
    }
    let mut depth = 0i32;
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, c) in selector.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&selector[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        if !(0..=1).contains(&depth) {
            return bad(selector, "has unbalanced parentheses");
        }
    }
    if depth != 0 {
        return bad(selector, "has unbalanced parentheses");
    }
    parts.push(&selector[start..]);
    for part in parts {
        let p = part.trim();
        let (key, values): (&str, Vec<&str>) = if let Some(k) = p.strip_prefix('!') {
            (k, Vec::new())
        } else if let Some((k, v)) = p.split_once("!=") {
            (k, vec![v])
        } else if let Some((k, v)) = p.split_once("==").or_else(|| p.split_once('=')) {
            (k, vec![v])
        } else if let Some((k, set)) = p.split_once(" notin ").or_else(|| p.split_once(" in ")) {
            let Some(inner) = set
                .trim()
                .strip_prefix('(')
                .and_then(|s| s.strip_suffix(')'))
            else {
                return bad(p, "needs its values in parentheses");
            };
            (k, inner.split(',').collect())
        } else {
            (p, Vec::new())
        };
        if !is_label_key(key.trim()) {
            return bad(p, "does not start with a valid label key");
        }
        if let Some(v) = values.iter().find(|v| !is_label_value(v.trim())) {
            return bad(p, &format!("has an invalid value {:?}", v.trim()));
        }
    }
    Ok(())
}

fn is_label_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

fn is_label_value(s: &str) -> bool {
    s.is_empty() || is_label_name(s)
}

fn is_label_key(s: &str) -> bool {
    match s.split_once('/') {
        Some((prefix, name)) => {
            prefix.len() <= 253 && prefix.split('.').all(is_dns_label) && is_label_name(name)
        }
        None => is_label_name(s),
    }
}

/// `10/m` → 10 per minute (`/s` and `/h` too).
fn parse_rate(s: &str) -> Option<u32> {
    let (n, per) = s.trim().split_once('/')?;
    let n: u32 = n.trim().parse().ok()?;
    match per.trim() {
        "s" => n.checked_mul(60),
        "m" => Some(n),
        "h" => Some(n.div_ceil(60).max(1)),
        _ => None,
    }
    .filter(|n| *n > 0)
}

pub(crate) fn is_address(s: &str) -> bool {
    let addr = s
        .rsplit_once('<')
        .map_or(s, |(_, a)| a.trim_end_matches('>'));
    addr.split_once('@').is_some_and(|(user, domain)| {
        !user.is_empty() && domain.contains('.') || domain == "localhost"
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<Config, Vec<ConfigError>> {
        parse(text, Path::new("herald.yaml"))
    }

    fn errors(text: &str) -> Vec<String> {
        check(text)
            .expect_err("refused")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn history_is_read_strictly() {
        let c = check("history: {path: /var/lib/herald/h.redb, retention: 2d, maxBytes: 64Mi, maxPerObject: 10}\n")
            .unwrap();
        assert_eq!(
            c.history.path,
            Some(PathBuf::from("/var/lib/herald/h.redb"))
        );
        assert_eq!(
            c.history.limits.retention,
            jiff::SignedDuration::from_hours(48)
        );
        assert_eq!(c.history.limits.max_bytes, 64 << 20);
        assert_eq!(c.history.limits.max_per_object, 10);
        let d = check("cluster: x\n").unwrap().history;
        assert_eq!(d, HistoryConfig::default());
        assert_eq!(d.limits.max_bytes, 256 << 20);
        for (text, field) in [
            ("history: {retention: 0s}\n", "history.retention"),
            ("history: {retention: 400d}\n", "history.retention"),
            ("history: {maxBytes: 1Ti}\n", "history.maxBytes"),
            ("history: {maxBytes: 100}\n", "history.maxBytes"),
            ("history: {maxPerObject: 0}\n", "history.maxPerObject"),
            ("history: {retension: 1d}\n", "retension"),
        ] {
            let e = errors(text);
            assert!(e.iter().any(|m| m.contains(field)), "{text}: {e:?}");
        }
        assert_eq!(parse_size("256Mi"), Some(256 << 20));
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("1.5Gi"), None);
        assert_eq!(parse_size("Mi"), None);
    }

    const GOOD: &str = r##"
cluster: prod-eu-1
watch: {flux: true, argo: false, namespaces: [apps], labelSelector: "team=web", children: true,
        relistInterval: 10m, notReadyAfter: 2m}
receivers:
  - name: platform
    slack: {tokenFile: /run/secrets/slack, channel: "#platform"}
  - name: oncall
    email: {server: "smtp.example.com:587", starttls: true, from: herald@example.com, to: [oncall@example.com],
            usernameFile: /run/u, passwordEnv: SMTP_PASSWORD}
    rateLimit: 10/m
  - name: audit
    webhook: {url: "https://audit.example.com/hook", hmacSecretFile: /run/key, format: flux}
  - name: am
    alertmanager: {url: "http://alertmanager:9093/"}
routes:
  - match: {kind: [Kustomization, HelmRelease], namespace: "prod-*"}
    events: [unhealthy, stuck, recovered]
    when: 'object.metadata.labels["tier"] == "critical"'
    receivers: [platform, oncall]
    waitFor: 2m
    stuckAfter: 1h
    groupBy: [namespace]
    groupWait: 30s
    repeatInterval: 4h
    continue: true
    routes:
      - match: {name: "db-*"}
        receivers: [am]
silences:
  - match: {namespace: staging}
    until: 2026-12-01T00:00:00Z
    comment: migration week
"##;

    #[test]
    fn a_full_configuration_is_read() {
        let c = check(GOOD).unwrap();
        assert_eq!(c.cluster, "prod-eu-1");
        assert!(!c.watch.argo);
        assert_eq!(c.watch.relist_interval, Some(Duration::from_secs(600)));
        assert_eq!(c.watch.not_ready_after, Some(Duration::from_secs(120)));
        assert_eq!(c.receivers.len(), 4);
        assert_eq!(c.receivers[1].rate_per_minute, Some(10));
        assert!(matches!(
            &c.receivers[1].kind,
            ReceiverKind::Email(crate::notify::receivers::email::Config { port: 587, tls: EmailTls::StartTls, password: Some(Secret::Env(e)), .. }) if e == "SMTP_PASSWORD"
        ));
        assert!(
            matches!(&c.receivers[3].kind, ReceiverKind::Alertmanager(a) if a.url == "http://alertmanager:9093")
        );
        let r = &c.routes[0];
        assert_eq!(r.matcher.kinds, ["Kustomization", "HelmRelease"]);
        assert_eq!(r.matcher.namespaces, ["prod-*"]);
        assert_eq!(r.wait_for, Duration::from_secs(120));
        assert_eq!(r.repeat_interval, Some(Duration::from_secs(4 * 3600)));
        assert!(r.events.contains(&EventKind::Stuck));
        assert_eq!(r.routes[0].path, "routes[0].routes[0]");
        assert_eq!(c.silences[0].comment, "migration week");
        assert!(c.inhibit_children);
        assert!(check("").is_ok(), "an empty file is the defaults");
    }

    #[test]
    fn time_intervals_are_read_and_routes_name_them() {
        let c = check(
            r#"receivers: [{name: pager, webhook: {url: "http://x"}}]
timeIntervals:
  - name: business-hours
    intervals:
      - weekdays: ["Monday:friday"]
        times: [{startTime: "09:00", endTime: "17:00"}, {startTime: "18:00", endTime: "24:00"}]
        location: Europe/Berlin
  - name: freeze
    intervals:
      - daysOfMonth: ["20:31", -1, 1]
        months: [december, "1:2", 3]
        years: ["2026:2027"]
      - {}
  - name: never
routes:
  - receivers: [pager]
    activeTimeIntervals: [business-hours]
    muteTimeIntervals: [freeze, never]
    routes:
      - receivers: [pager]
"#,
        )
        .unwrap();
        assert_eq!(c.time_intervals.len(), 3);
        let bh = &c.time_intervals[0].intervals[0];
        assert_eq!(bh.weekdays, [(1, 5)]);
        assert_eq!(bh.times, [(540, 1020), (1080, 1440)]);
        assert!(bh.location.is_some());
        let freeze = &c.time_intervals[1].intervals;
        assert_eq!(freeze[0].days_of_month, [(20, 31), (-1, -1), (1, 1)]);
        assert_eq!(freeze[0].months, [(12, 12), (1, 2), (3, 3)]);
        assert_eq!(freeze[0].years, [(2026, 2027)]);
        assert!(freeze[1].location.is_none() && freeze[1].times.is_empty());
        assert!(c.time_intervals[2].intervals.is_empty());
        let r = &c.routes[0];
        assert_eq!(r.active_time_intervals[0].name, "business-hours");
        let mute: Vec<&str> = r
            .mute_time_intervals
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(mute, ["freeze", "never"]);
        assert!(!r.routes[0].windows().any(), "a child route inherits none");
    }

    #[test]
    fn time_interval_mistakes_are_named_with_file_line_and_field() {
        let text = r#"receivers: [{name: pager, webhook: {url: "http://x"}}]
timeIntervals:
  - name: bad
    intervals:
      - times: [{startTime: "17:00", endTime: "09:00"}]
        weekdays: ["friday:monday", mon]
      - times: [{startTime: "9:00", endTime: "24:00"}, {startTime: "00:00"}]
        daysOfMonth: ["0", "31:1"]
        months: [13, "december:january"]
        years: ["2027:2026"]
        location: Mars/Olympus
        weeks: [1]
  - name: bad
    intervals: [{}]
routes:
  - receivers: [pager]
    activeTimeIntervals: [bad, business-hours]
    muteTimeIntervals: [freeze]
"#;
        let e = errors(text);
        let expect = [
            "herald.yaml:5: timeIntervals[0].intervals[0].times[0].endTime: \"09:00\" is not after the start \"17:00\"",
            "herald.yaml:6: timeIntervals[0].intervals[0].weekdays[0]: \"friday:monday\": the start day comes after the end",
            "herald.yaml:6: timeIntervals[0].intervals[0].weekdays[1]: \"mon\" is not a weekday",
            "herald.yaml:7: timeIntervals[0].intervals[1].times[1].endTime: missing: this field is required",
            "herald.yaml:7: timeIntervals[0].intervals[1].times[0].startTime: \"9:00\" is not a time of day",
            "herald.yaml:8: timeIntervals[0].intervals[1].daysOfMonth[0]: \"0\" is not a day of the month",
            "herald.yaml:8: timeIntervals[0].intervals[1].daysOfMonth[1]: \"31:1\": the start day comes after the end",
            "herald.yaml:9: timeIntervals[0].intervals[1].months[0]: \"13\" is not a month",
            "herald.yaml:9: timeIntervals[0].intervals[1].months[1]: \"december:january\": the start month comes after the end",
            "herald.yaml:10: timeIntervals[0].intervals[1].years[0]: \"2027:2026\": the start year comes after the end",
            "herald.yaml:11: timeIntervals[0].intervals[1].location: \"Mars/Olympus\" is not a time zone",
            "herald.yaml:12: timeIntervals[0].intervals[1].weeks: unknown field",
            "herald.yaml:13: timeIntervals[1].name: time interval \"bad\" is defined twice",
            "herald.yaml:17: routes[0].activeTimeIntervals[1]: no time interval is named \"business-hours\"",
            "herald.yaml:18: routes[0].muteTimeIntervals[0]: no time interval is named \"freeze\"",
        ];
        assert_eq!(e.len(), expect.len(), "{e:#?}");
        for (got, want) in e.iter().zip(expect) {
            assert!(got.starts_with(want), "{got}\n  should start with\n{want}");
        }
    }

    #[test]
    fn mistakes_are_named_with_file_line_and_field() {
        let e = errors("cluster: a\nreceivers:\n  - name: x\n    slak: {channel: c}\n");
        assert_eq!(
            e,
            [
                "herald.yaml:3: receivers[0]: receiver \"x\" needs exactly one of slack, email, webhook, alertmanager, teams, discord, googleChat, mattermost, rocketchat, telegram, pagerduty, opsgenie, template, github, gitlab, gitea, bitbucket, azureDevops, githubDeployment, githubDispatch, gitlabDeployment, gitlabPipeline",
                "herald.yaml:4: receivers[0].slak: unknown field: did you mean slack?",
            ]
        );

        let text = "receivers:\n  - name: a\n    webhook: {url: \"ftp://x\"}\nroutes:\n  - receivers: [a, b]\n    waitFor: 2x\n    when: 'object.metadata.name =='\n    groupBy: [color]\nsilences:\n  - until: tomorrow\n";
        let e = errors(text);
        let expect = [
            "herald.yaml:3: receivers[0].webhook.url: \"ftp://x\" is not an http:// or https:// URL",
            "herald.yaml:5: routes[0].receivers: no receiver is named \"b\"",
            "herald.yaml:6: routes[0].waitFor: \"2x\" is not a duration",
            "herald.yaml:7: routes[0].when: CEL: ",
            "herald.yaml:8: routes[0].groupBy: cannot group by \"color\"",
            "herald.yaml:10: silences[0].until: \"tomorrow\" is not a time",
        ];
        assert_eq!(e.len(), expect.len(), "{e:#?}");
        for (got, want) in e.iter().zip(expect) {
            assert!(got.starts_with(want), "{got}\n  should start with\n{want}");
        }
    }

    #[test]
    fn structural_mistakes_do_not_hide_the_others() {
        let text = "\
cluster: [a]
watch: {flux: yes, maxChildKinds: -1, namespace: [a]}
receivers:
  - name: broken
    slack: {tokenFile: /t}
  - name: hook
    webhook: {url: \"http://x\"}
    rateLimit: 5
routes:
  - receivers: hook
  - receivers: [broken, hook]
    continue: 1
    events: [unhealty]
silences:
  - comment: no until
  - until: 2026-12-01T00:00:00Z
    until: 2027-01-01T00:00:00Z
";
        let e = errors(text);
        let expect = [
            "herald.yaml:1: cluster: expected text, got a list",
            "herald.yaml:2: watch.flux: expected true or false, got the text \"yes\"",
            "herald.yaml:2: watch.maxChildKinds: expected a whole number of at least 0, got -1",
            "herald.yaml:2: watch.namespace: unknown field: did you mean namespaces?",
            "herald.yaml:5: receivers[0].slack.channel: missing: this field is required",
            "herald.yaml:8: receivers[1].rateLimit: \"5\" is not a rate",
            "herald.yaml:10: routes[0].receivers: expected a list of receiver names, got the text \"hook\"",
            "herald.yaml:12: routes[1].continue: expected true or false, got the number 1",
            "herald.yaml:13: routes[1].events[0]: \"unhealty\" is not one of created, deleted, unhealthy,",
            "herald.yaml:15: silences[0].until: missing: this field is required",
            "herald.yaml:17: silences[1].until: given twice (first on line 16); give it once",
        ];
        assert_eq!(e.len(), expect.len(), "{e:#?}");
        for (got, want) in e.iter().zip(expect) {
            assert!(got.starts_with(want), "{got}\n  should start with\n{want}");
        }
        assert!(e[8].ends_with("did you mean unhealthy?"), "{}", e[8]);
        // The receiver left out for its mistake is still a name routes may use.
        assert!(
            !e.iter().any(|e| e.contains("no receiver is named")),
            "{e:#?}"
        );
        for e in &e {
            for serde_words in [
                "invalid type",
                "u64",
                "mapping start",
                "DuplicateKeyPolicy",
                "usize",
            ] {
                assert!(!e.contains(serde_words), "{e}");
            }
        }

        let e = errors("just text\n");
        assert_eq!(e.len(), 1);
        assert!(
            e[0].starts_with("herald.yaml:1: expected a mapping (with cluster, watch"),
            "{e:?}"
        );
        // Nesting is bounded: refused, not a stack overflow.
        let deep = format!("cluster: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(errors(&deep).len(), 1);
    }

    #[test]
    fn a_secret_given_twice_is_told_once() {
        let e = errors(
            "receivers:\n  - name: s\n    slack: {tokenFile: /t, tokenEnv: T, channel: c}\n  - name: m\n    email: {server: \"h:25\", from: a@b.c, to: [d@e.f], usernameFile: /u, usernameEnv: U, passwordEnv: P}\n",
        );
        assert_eq!(
            e,
            [
                "herald.yaml:2: receivers[0].slack: give tokenFile or tokenEnv, not both",
                "herald.yaml:4: receivers[1].email: give usernameFile or usernameEnv, not both",
            ]
        );
    }

    #[test]
    fn relists_and_the_blind_grace_are_bounded() {
        let e = errors("watch: {relistInterval: 1s, notReadyAfter: 0s}\n");
        assert_eq!(
            e,
            [
                "herald.yaml:1: watch.relistInterval: must be 0 (never) or at least 1m",
                "herald.yaml:1: watch.notReadyAfter: must be between 1s and 1h",
            ]
        );
        assert!(check("watch: {relistInterval: \"0\", notReadyAfter: 30s}\n").is_ok());
    }

    #[test]
    fn what_run_would_refuse_is_refused() {
        let text = "\
watch:
  namespaces: [apps, Apps, -x, \"\"]
  labelSelector: \"team in web\"
  maxChildKinds: 0
health:
  luaChecks: [/no/such/checks]
  argoConfigMap: /no/such/argocd-cm.yaml
  argoConfigMapRef: {namespace: Argo_CD}
routes:
  - groupInterval: 0s
    repeatInterval: \"0\"
    stuckAfter: 0m
    waitFor: 0s
    groupWait: \"0\"
delivery: {retryInitial: 10m, retryMax: 1m, timeout: 0ms}
";
        let e = errors(text);
        let expect = [
            "herald.yaml:2: watch.namespaces[1]: \"Apps\" is not a namespace name",
            "herald.yaml:2: watch.namespaces[2]: \"-x\" is not a namespace name",
            "herald.yaml:2: watch.namespaces[3]: \"\" is not a namespace name",
            "herald.yaml:3: watch.labelSelector: \"team in web\" is not a label selector",
            "herald.yaml:6: health.luaChecks[0]: no such directory: /no/such/checks",
            "herald.yaml:7: health.argoConfigMap: no such file: /no/such/argocd-cm.yaml",
            "herald.yaml:8: health.argoConfigMapRef.namespace: \"Argo_CD\" is not a namespace name",
            "herald.yaml:10: routes[0].groupInterval: must be longer than 0",
            "herald.yaml:11: routes[0].repeatInterval: must be longer than 0",
            "herald.yaml:12: routes[0].stuckAfter: must be longer than 0",
            "herald.yaml:15: delivery.retryInitial: the first retry (10m) waits longer than the longest wait, retryMax (1m)",
            "herald.yaml:15: delivery.timeout: must be longer than 0",
        ];
        assert_eq!(e.len(), expect.len(), "{e:#?}");
        for (got, want) in e.iter().zip(expect) {
            assert!(got.starts_with(want), "{got}\n  should start with\n{want}");
        }
    }

    #[test]
    fn label_selectors_are_read_as_the_api_server_reads_them() {
        for good in [
            "",
            "app=web",
            "app==web,tier!=db",
            "app.kubernetes.io/name in (api, worker),!legacy",
            "tier notin (a,b)",
            "env",
            "x=",
        ] {
            assert_eq!(check_selector(good), Ok(()), "{good}");
        }
        for bad in [
            "team in web",
            "a in (x",
            "a=b=c",
            "=b",
            "a b",
            "-a=b",
            "a=b c",
            "a/b/c=d",
            "a in (x))",
        ] {
            assert!(check_selector(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_events_and_health_values_are_refused() {
        let e = errors("routes:\n  - events: [unhealthy, exploded]\n");
        assert!(e[0].starts_with("herald.yaml:2"), "{e:?}");
        assert!(e[0].contains("exploded"), "{e:?}");
        let e = errors("routes:\n  - health: [sick]\n");
        assert!(e[0].contains("sick"), "{e:?}");
    }

    #[test]
    fn receivers_are_checked_for_what_they_need() {
        let e = errors(
            "receivers:\n  - name: s\n    slack: {channel: \"#c\"}\n  - name: m\n    email: {server: smtp, from: me, to: []}\n  - name: both\n    webhook: {url: \"http://x\"}\n    alertmanager: {url: \"http://y\"}\n  - name: s\n    alertmanager: {url: \"http://y\"}\n",
        );
        let all = e.join("\n");
        for want in [
            "receivers[0].slack: needs tokenFile or tokenEnv",
            "receivers[1].email.server: \"smtp\": write host:port",
            "\"me\" is not an email address",
            "receivers[1].email.to: no recipient",
            "receivers[2]: receiver \"both\" needs exactly one of",
            "receiver \"s\" is defined twice",
        ] {
            assert!(all.contains(want), "{want} missing from:\n{all}");
        }
    }

    #[test]
    fn links_are_url_templates() {
        let c = check(
            "links:\n  - {name: Argo CD, url: \"https://argocd.example.com/applications/{{ object.namespace }}/{{ object.name }}\", kinds: [Application]}\n",
        );
        assert!(c.is_ok());
        let e = errors("cluster: a\nlinks:\n  - name: broken\n    url: \"{{ oops\"\n");
        assert!(
            e[0].starts_with("herald.yaml:4: links[0].url: not a template"),
            "{e:?}"
        );
    }

    #[test]
    fn durations_and_rates() {
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("0"), Some(Duration::ZERO));
        assert_eq!(parse_duration("2d"), Some(Duration::from_secs(172_800)));
        for bad in ["", "5", "m", "1.5h", "-1m", "1w"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        assert_eq!(parse_rate("2/s"), Some(120));
        assert_eq!(parse_rate("30/h"), Some(1));
        assert_eq!(parse_rate("0/m"), None);
    }

    #[test]
    fn the_api_section_is_read_strictly_with_sane_defaults() {
        let c = check("cluster: a\n").unwrap();
        assert!(
            c.api.writes.token_files.is_empty(),
            "writes are off unless asked"
        );
        assert_eq!(c.api.writes.max_silences, 1000);
        assert_eq!(c.api.writes.max_comment_bytes, 1024);
        assert_eq!(c.api.writes.max_duration, Duration::from_secs(7 * 86_400));
        assert_eq!(c.api.max_connections, 256);

        let c = check(
            "api:\n  maxConnections: 64\n  headerTimeout: 2s\n  writes:\n    tokenFiles: [/run/alice]\n    maxSilences: 5\n    maxDuration: 1d\n",
        )
        .unwrap();
        assert_eq!(c.api.writes.token_files, [PathBuf::from("/run/alice")]);
        assert_eq!(c.api.writes.max_silences, 5);
        assert_eq!(c.api.writes.max_duration, Duration::from_secs(86_400));
        assert_eq!(c.api.header_timeout, Duration::from_secs(2));
        assert_eq!(c.api.max_connections, 64);

        let all = errors(
            "api:\n  maxConnections: 0\n  idleTimeout: 0\n  requestTimeout: 2y\n  writes:\n    tokenFiles: [/a/alice, /b/alice]\n    maxCommentBytes: 100000\n    maxDuration: 400d\n    colour: red\n",
        )
        .join("\n");
        for want in [
            "herald.yaml:2: api.maxConnections: 0 is out of bounds: from 1 to 65536",
            "herald.yaml:3: api.idleTimeout: must be above zero",
            "herald.yaml:4: api.requestTimeout: \"2y\" is not a duration",
            "herald.yaml:6: api.writes.tokenFiles[1]: a second token named \"alice\"",
            "herald.yaml:7: api.writes.maxCommentBytes: 100000 is out of bounds",
            "herald.yaml:8: api.writes.maxDuration: must be above zero and at most 366d",
            "herald.yaml:9: api.writes.colour",
        ] {
            assert!(all.contains(want), "{want} missing from:\n{all}");
        }
        let all = errors("api:\n  writes: {maxSilences: 3}\n").join("\n");
        assert!(all.contains("herald.yaml:2"), "{all}");
        assert!(all.contains("tokenFiles"), "{all}");
    }

    #[test]
    fn secrets_never_print_their_values() {
        let s = Secret::Env("SLACK_TOKEN".into());
        assert_eq!(format!("{s:?}"), "Secret(env SLACK_TOKEN)");
    }
}

#[cfg(test)]
mod watch_nodes_tests {
    use super::*;

    #[test]
    fn nodes_are_watched_unless_turned_off() {
        let on = parse("cluster: c\n", Path::new("herald.yaml")).unwrap();
        assert!(on.watch.nodes);
        let off = parse("watch: {nodes: false}\n", Path::new("herald.yaml")).unwrap();
        assert!(!off.watch.nodes);
        assert!(parse("watch: {nodes: maybe}\n", Path::new("herald.yaml")).is_err());
    }
}
