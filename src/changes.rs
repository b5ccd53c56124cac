//! Changes herald tells besides health: an object's `spec` that changed (`changed`) and a
//! workload's container that runs a new image digest under the same tag (`image-changed`).
//!
//! A change travels as a [`crate::store::Transition`] whose verdict stays as it was (`from ==
//! to`) and whose `change` says what changed; [`crate::events::of`] turns it into its event.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::store::ObjectKey;

/// What changed, as a `changed` or `image-changed` event carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Change {
    /// The object's `spec` moved to a new generation.
    Spec(SpecDiff),
    /// A container of a workload runs another digest of the same image tag.
    Image(ImageChange),
}

/// The paths of a `spec` that changed between two generations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpecDiff {
    /// The generation compared with (None when the object had none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_generation: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_generation: Option<i64>,
    /// At most [`DIFF_PATHS`], in path order.
    pub paths: Vec<PathChange>,
    /// Paths that changed beyond those.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub more: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Changed paths a diff names, at most; the rest are counted.
pub const DIFF_PATHS: usize = 20;

/// One path of a `spec` that changed: `spec.template.spec.containers[api].image`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PathChange {
    pub path: String,
    pub op: Op,
    /// The values, only when both may be shown (short, not redacted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Added,
    Removed,
    Changed,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Added => "added",
            Op::Removed => "removed",
            Op::Changed => "changed",
        }
    }
}

/// A container that runs a new digest of the image tag it ran before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageChange {
    /// The Deployment, StatefulSet, DaemonSet, Job, CronJob or Rollout (or the Pod itself, when
    /// it has none) the container belongs to.
    pub workload: ObjectKey,
    pub container: String,
    /// The image as the Pod declares it: `nginx:latest`.
    pub image: String,
    pub old_digest: String,
    pub new_digest: String,
}

impl Change {
    /// The change in one line: `spec.path: ./a → ./b; spec.values.db.host (changed)`, or
    /// `apps/Deployment apps/api: container api nginx:latest sha256:1a2b… → sha256:9f8e…`.
    pub fn summary(&self) -> String {
        match self {
            Change::Spec(d) => {
                let mut parts: Vec<String> = d.paths.iter().map(PathChange::summary).collect();
                if d.more > 0 {
                    parts.push(format!("(+{} more)", d.more));
                }
                parts.join("; ")
            }
            Change::Image(i) => format!(
                "{}: container {} {} {} → {}",
                i.workload,
                i.container,
                i.image,
                short_digest(&i.old_digest),
                short_digest(&i.new_digest)
            ),
        }
    }
}

impl PathChange {
    pub fn summary(&self) -> String {
        match (self.op, &self.old, &self.new) {
            (Op::Changed, Some(o), Some(n)) => format!("{}: {o} → {n}", self.path),
            (Op::Added, _, Some(n)) => format!("{}: added {n}", self.path),
            (Op::Removed, Some(o), _) => format!("{}: removed {o}", self.path),
            (op, ..) => format!("{} ({})", self.path, op.as_str()),
        }
    }
}

/// `sha256:` and the first 12 hex digits, with an ellipsis.
pub fn short_digest(d: &str) -> String {
    let (algo, hex) = d.split_once(':').unwrap_or(("", d));
    let cut: String = hex.chars().take(12).collect();
    let ellipsis = if hex.chars().count() > 12 { "…" } else { "" };
    if algo.is_empty() {
        format!("{cut}{ellipsis}")
    } else {
        format!("{algo}:{cut}{ellipsis}")
    }
}

/// What `changes:` in the configuration says: whether spec changes are tracked, whether their
/// values may be shown, and paths whose values never are (globs, `*` any characters).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct Rules {
    pub track: bool,
    pub show_values: bool,
    pub redact: Vec<String>,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            track: true,
            show_values: true,
            redact: Vec::new(),
        }
    }
}

/// `redact` globs, at most, and their length.
pub const REDACT_GLOBS: usize = 64;
pub const REDACT_GLOB_BYTES: usize = 256;

/// Kinds whose spec changes are not told: they follow their owner's (a Deployment's Pods and
/// ReplicaSets) or churn.
pub fn tracks(group: &str, kind: &str) -> bool {
    !matches!(
        (group, kind),
        ("", "Pod")
            | ("apps", "ReplicaSet")
            | ("batch", "Job")
            | ("apps", "ControllerRevision")
            | ("", "Endpoints")
            | ("discovery.k8s.io", "EndpointSlice")
            | ("", "Secret")
            | ("", "Event")
            | ("events.k8s.io", "Event")
    )
}

/// Values kept as text, at most this long; longer ones are kept as a hash.
pub const TEXT_BYTES: usize = 64;
/// Leaves kept per object, and bytes of their text, at most.
pub const LEAVES: usize = 64;
pub const TEXT_TOTAL: usize = 1024;
/// How deep a spec is read; below that, one hashed leaf.
const DEPTH: usize = 24;

/// Words that make a path's values secret wherever they appear in one of its segments.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "key",
    "credential",
    "auth",
    "cert",
    "private",
    "dsn",
    "connection",
];

/// Under Helm values, only these keys show values.
const HELM_SHOWN: &[&str] = &[
    "tag",
    "version",
    "image",
    "repository",
    "replicas",
    "replicaCount",
    "enabled",
];

/// The arrays Kubernetes merges by a key, and which.
const KEYED: &[&str] = &["name", "containerPort", "mountPath"];

/// One leaf of a spec: its value as text (short, shown) or as a keyed hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leaf {
    Text(Arc<str>),
    Hash(u64),
}

/// Distinct paths and short values shared by every object's print, at most.
const SHARED_MAX: usize = 65_536;
/// Longer strings are kept by the print alone.
const SHARED_BYTES: usize = 256;

/// The one copy of a path or short value that objects share (`spec.sourceRef.kind`, `5m`):
/// 10,000 Kustomizations keep their common paths once. Bounded: past [`SHARED_MAX`] entries
/// (or for a string over [`SHARED_BYTES`]) a print keeps its own copy.
fn shared(s: &str) -> Arc<str> {
    static TABLE: std::sync::OnceLock<std::sync::Mutex<std::collections::HashSet<Arc<str>>>> =
        std::sync::OnceLock::new();
    if s.len() > SHARED_BYTES {
        return Arc::from(s);
    }
    let mut table = TABLE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(found) = table.get(s) {
        return Arc::clone(found);
    }
    let new: Arc<str> = Arc::from(s);
    if table.len() < SHARED_MAX {
        table.insert(Arc::clone(&new));
    }
    new
}

/// What herald keeps of an object's spec to tell what a new generation changed: its leaves,
/// sorted by path; secret or long values only as a hash, keyed per process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecPrint {
    pub generation: Option<i64>,
    leaves: Box<[(Arc<str>, Leaf)]>,
}

fn hasher() -> &'static std::collections::hash_map::RandomState {
    static KEY: std::sync::OnceLock<std::collections::hash_map::RandomState> =
        std::sync::OnceLock::new();
    KEY.get_or_init(std::collections::hash_map::RandomState::new)
}

fn hash_value(v: &serde_json::Value, h: &mut impl std::hash::Hasher) {
    use serde_json::Value;
    use std::hash::Hash;
    match v {
        Value::Null => 0u8.hash(h),
        Value::Bool(b) => (1u8, b).hash(h),
        Value::Number(n) => (2u8, n.to_string()).hash(h),
        Value::String(s) => (3u8, s).hash(h),
        Value::Array(a) => {
            (4u8, a.len()).hash(h);
            for x in a {
                hash_value(x, h);
            }
        }
        Value::Object(o) => {
            (5u8, o.len()).hash(h);
            for (k, x) in o {
                k.hash(h);
                hash_value(x, h);
            }
        }
    }
}

fn hash_of(v: &serde_json::Value) -> u64 {
    use std::hash::BuildHasher;
    let mut h = hasher().build_hasher();
    hash_value(v, &mut h);
    std::hash::Hasher::finish(&h)
}

/// `*` matches any characters (none included); anything else itself.
fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for p in middle {
        match rest.find(p) {
            Some(i) => rest = &rest[i + p.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// Whether a segment names something secret.
fn secret_segment(segment: &str) -> bool {
    let lower = segment.to_ascii_lowercase();
    SECRET_WORDS.iter().any(|w| lower.contains(w))
}

struct Flattener<'a> {
    rules: &'a Rules,
    /// Helm values: where only [`HELM_SHOWN`] keys show values.
    helm: &'a [&'a str],
    out: Vec<(String, Leaf)>,
}

impl Flattener<'_> {
    fn shown(&self, path: &str, segments: &[&str]) -> bool {
        if !self.rules.show_values {
            return false;
        }
        if segments.iter().any(|s| secret_segment(s)) {
            return false;
        }
        if self.rules.redact.iter().any(|g| glob(g, path)) {
            return false;
        }
        let under_helm = self
            .helm
            .iter()
            .any(|h| path.starts_with(h) && path[h.len()..].starts_with(['.', '[']));
        if under_helm {
            let last = segments.last().copied().unwrap_or_default();
            return HELM_SHOWN.contains(&last);
        }
        true
    }

    fn walk(&mut self, v: &serde_json::Value, path: &mut String, segments: &mut Vec<String>) {
        use serde_json::Value;
        let leaf = |f: &Self, v: &Value, path: &str, segments: &[String]| -> Leaf {
            let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
            let text = match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                Value::Bool(b) => Some(b.to_string()),
                Value::Null => Some("null".into()),
                Value::Array(a) if a.is_empty() => Some("[]".into()),
                Value::Object(o) if o.is_empty() => Some("{}".into()),
                _ => None,
            };
            match text {
                Some(t) if t.len() <= TEXT_BYTES && f.shown(path, &segs) => Leaf::Text(shared(&t)),
                _ => Leaf::Hash(hash_of(v)),
            }
        };
        let deep = segments.len() >= DEPTH;
        match v {
            Value::Object(o) if !o.is_empty() && !deep => {
                for (k, x) in o {
                    let len = path.len();
                    path.push('.');
                    path.push_str(k);
                    segments.push(k.clone());
                    self.walk(x, path, segments);
                    segments.pop();
                    path.truncate(len);
                }
            }
            Value::Array(a) if !a.is_empty() && !deep => {
                for (i, x) in a.iter().enumerate() {
                    let key = KEYED.iter().find_map(|k| match x.get(k) {
                        Some(Value::String(s)) => Some(s.clone()),
                        Some(Value::Number(n)) => Some(n.to_string()),
                        _ => None,
                    });
                    let len = path.len();
                    let segment = key.unwrap_or_else(|| i.to_string());
                    path.push('[');
                    path.push_str(&segment);
                    path.push(']');
                    segments.push(segment);
                    self.walk(x, path, segments);
                    segments.pop();
                    path.truncate(len);
                }
            }
            _ => {
                let l = leaf(self, v, path, segments);
                self.out.push((path.clone(), l));
            }
        }
    }
}

/// Where Helm values sit, for kinds that have them.
fn helm_paths(group: &str, kind: &str, spec: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    match (group, kind) {
        ("helm.toolkit.fluxcd.io", "HelmRelease") => out.push("spec.values".to_string()),
        ("argoproj.io", "Application") => {
            for f in ["values", "valuesObject", "parameters"] {
                out.push(format!("spec.source.helm.{f}"));
            }
            if let Some(sources) = spec.get("sources").and_then(|s| s.as_array()) {
                for (i, s) in sources.iter().enumerate() {
                    let segment = s
                        .get("name")
                        .and_then(|n| n.as_str())
                        .map_or_else(|| i.to_string(), str::to_string);
                    for f in ["values", "valuesObject", "parameters"] {
                        out.push(format!("spec.sources[{segment}].helm.{f}"));
                    }
                }
            }
        }
        _ => {}
    }
    out
}

/// The prefix of a path made of its first `n` segments (`.` or `[` start one).
fn prefix(path: &str, n: usize) -> &str {
    let mut seen = 0;
    for (i, c) in path.char_indices() {
        if (c == '.' || c == '[') && i > 0 {
            seen += 1;
            if seen == n {
                return &path[..i];
            }
        }
    }
    path
}

impl SpecPrint {
    /// The print of a spec (`spec` is the object's `spec`, read as `spec.…` paths).
    pub fn of(
        group: &str,
        kind: &str,
        generation: Option<i64>,
        spec: &serde_json::Value,
        rules: &Rules,
    ) -> SpecPrint {
        let helm = helm_paths(group, kind, spec);
        let helm: Vec<&str> = helm.iter().map(String::as_str).collect();
        let mut f = Flattener {
            rules,
            helm: &helm,
            out: Vec::new(),
        };
        let mut path = String::from("spec");
        let mut segments = vec!["spec".to_string()];
        f.walk(spec, &mut path, &mut segments);
        let mut leaves = f.out;
        leaves.sort_by(|a, b| a.0.cmp(&b.0));
        // Too many leaves or too much text: the largest subtrees fold into one hashed leaf
        // each, from three segments deep (`spec.values.ingress`), then two.
        for depth in [3, 2] {
            if within_caps(&leaves) {
                break;
            }
            leaves = fold(leaves, depth);
        }
        if !within_caps(&leaves) {
            // Still too many: the first ones stay, the rest fold into one leaf.
            let mut text = 0;
            let mut keep = 0;
            for (i, (_, l)) in leaves.iter().enumerate() {
                text += text_len(l);
                if i + 1 >= LEAVES || text > TEXT_TOTAL {
                    break;
                }
                keep = i + 1;
            }
            let rest = leaves.split_off(keep);
            let mut h = std::hash::BuildHasher::build_hasher(hasher());
            for (p, l) in &rest {
                std::hash::Hash::hash(p, &mut h);
                std::hash::Hash::hash(&leaf_hash(l), &mut h);
            }
            leaves.push((
                "spec.…".to_string(),
                Leaf::Hash(std::hash::Hasher::finish(&h)),
            ));
        }
        SpecPrint {
            generation,
            leaves: leaves.into_iter().map(|(p, l)| (shared(&p), l)).collect(),
        }
    }

    /// What changed from `old` to `self`; `more` counts the paths past [`DIFF_PATHS`].
    pub fn diff(&self, old: &SpecPrint) -> SpecDiff {
        let (a, b) = (&old.leaves, &self.leaves);
        let (mut i, mut j) = (0, 0);
        let mut paths = Vec::new();
        let mut more = 0u32;
        let mut push = |c: PathChange| {
            if paths.len() < DIFF_PATHS {
                paths.push(c);
            } else {
                more += 1;
            }
        };
        let text = |l: &Leaf| match l {
            Leaf::Text(t) => Some(t.to_string()),
            Leaf::Hash(_) => None,
        };
        while i < a.len() || j < b.len() {
            let order = match (a.get(i), b.get(j)) {
                (Some(x), Some(y)) => x.0.cmp(&y.0),
                (Some(_), None) => std::cmp::Ordering::Less,
                _ => std::cmp::Ordering::Greater,
            };
            match order {
                std::cmp::Ordering::Less => {
                    push(PathChange {
                        path: a[i].0.to_string(),
                        op: Op::Removed,
                        old: text(&a[i].1),
                        new: None,
                    });
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    push(PathChange {
                        path: b[j].0.to_string(),
                        op: Op::Added,
                        old: None,
                        new: text(&b[j].1),
                    });
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    if a[i].1 != b[j].1 {
                        let (old, new) = match (text(&a[i].1), text(&b[j].1)) {
                            (Some(o), Some(n)) => (Some(o), Some(n)),
                            _ => (None, None),
                        };
                        push(PathChange {
                            path: b[j].0.to_string(),
                            op: Op::Changed,
                            old,
                            new,
                        });
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        SpecDiff {
            from_generation: old.generation,
            to_generation: self.generation,
            paths,
            more,
        }
    }

    /// The heap it holds.
    pub fn heap_bytes(&self) -> usize {
        std::mem::size_of::<SpecPrint>()
            + self
                .leaves
                .iter()
                // A shared string counts for its share.
                .map(|(p, l)| {
                    let share = |s: &Arc<str>| s.len() / Arc::strong_count(s).max(1);
                    std::mem::size_of::<(Arc<str>, Leaf)>()
                        + share(p)
                        + match l {
                            Leaf::Text(t) => share(t),
                            Leaf::Hash(_) => 0,
                        }
                })
                .sum::<usize>()
    }

    pub fn len(&self) -> usize {
        self.leaves.len()
    }

    pub fn is_empty(&self) -> bool {
        self.leaves.is_empty()
    }
}

fn text_len(l: &Leaf) -> usize {
    match l {
        Leaf::Text(t) => t.len(),
        Leaf::Hash(_) => 0,
    }
}

fn leaf_hash(l: &Leaf) -> u64 {
    match l {
        Leaf::Text(t) => std::hash::BuildHasher::hash_one(hasher(), t.as_bytes()),
        Leaf::Hash(h) => *h,
    }
}

fn within_caps(leaves: &[(String, Leaf)]) -> bool {
    leaves.len() <= LEAVES && leaves.iter().map(|(_, l)| text_len(l)).sum::<usize>() <= TEXT_TOTAL
}

/// Folds the subtrees at `depth` segments with more than one leaf, largest first, until the
/// caps hold.
fn fold(leaves: Vec<(String, Leaf)>, depth: usize) -> Vec<(String, Leaf)> {
    use std::collections::BTreeMap;
    let mut groups: BTreeMap<String, usize> = BTreeMap::new();
    for (p, _) in &leaves {
        let pre = prefix(p, depth);
        if pre.len() < p.len() {
            *groups.entry(pre.to_string()).or_default() += 1;
        }
    }
    let mut order: Vec<(String, usize)> = groups.into_iter().filter(|(_, n)| *n > 1).collect();
    order.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut count = leaves.len();
    let mut text: usize = leaves.iter().map(|(_, l)| text_len(l)).sum();
    let mut folded: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for (pre, n) in order {
        if count <= LEAVES && text <= TEXT_TOTAL {
            break;
        }
        text -= leaves
            .iter()
            .filter(|(p, _)| prefix(p, depth) == pre && p.len() > pre.len())
            .map(|(_, l)| text_len(l))
            .sum::<usize>();
        count = count + 1 - n;
        folded.insert(pre);
    }
    let mut out: Vec<(String, Leaf)> = Vec::new();
    let mut hashes: BTreeMap<String, std::collections::hash_map::DefaultHasher> = BTreeMap::new();
    for (p, l) in leaves {
        let pre = prefix(&p, depth);
        if pre.len() < p.len() && folded.contains(pre) {
            let h = hashes
                .entry(pre.to_string())
                .or_insert_with(|| std::hash::BuildHasher::build_hasher(hasher()));
            std::hash::Hash::hash(&p, h);
            std::hash::Hash::hash(&leaf_hash(&l), h);
        } else {
            out.push((p, l));
        }
    }
    for (pre, h) in hashes {
        out.push((pre, Leaf::Hash(std::hash::Hasher::finish(&h))));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// What a Pod runs, per container: its name, the image it declares (`nginx:latest`) and the
/// digest the kubelet pulled (`sha256:…`, `imageID` after its last `@`).
pub fn pod_images(pod: &serde_json::Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (statuses, specs) in [
        ("containerStatuses", "containers"),
        ("initContainerStatuses", "initContainers"),
    ] {
        let Some(list) = pod
            .get("status")
            .and_then(|s| s.get(statuses))
            .and_then(|s| s.as_array())
        else {
            continue;
        };
        for s in list.iter().take(CONTAINERS) {
            let Some(name) = s.get("name").and_then(|n| n.as_str()) else {
                continue;
            };
            let digest = s
                .get("imageID")
                .and_then(|i| i.as_str())
                .and_then(|i| i.rsplit_once('@').map(|(_, d)| d))
                .unwrap_or_default();
            let image = pod
                .get("spec")
                .and_then(|p| p.get(specs))
                .and_then(|c| c.as_array())
                .and_then(|c| {
                    c.iter()
                        .find(|c| c.get("name").and_then(|n| n.as_str()) == Some(name))
                })
                .and_then(|c| c.get("image"))
                .and_then(|i| i.as_str())
                .unwrap_or_default();
            if digest.is_empty() || image.is_empty() || digest.len() > 256 || image.len() > 512 {
                continue;
            }
            out.push((name.to_string(), image.to_string(), digest.to_string()));
        }
    }
    out
}

/// Containers read per Pod, at most.
const CONTAINERS: usize = 32;

/// The digests a workload's container ran under one tag: the last two, newest first, so an old
/// Pod's late report during a rollout does not flap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSeen {
    pub container: Box<str>,
    pub image: Box<str>,
    pub digests: [Option<Box<str>>; 2],
}

/// Records what a Pod reports on its workload's images; returns (container, image, old digest,
/// new digest) for each container that runs a new digest under the same tag. `quiet`: record
/// only (herald learning the cluster).
pub fn record_images(
    seen: &mut Vec<ImageSeen>,
    reported: &[(String, String, String)],
    quiet: bool,
) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    for (c, image, d) in reported {
        match seen.iter_mut().find(|s| &*s.container == c) {
            None => {
                if seen.len() < CONTAINERS {
                    seen.push(ImageSeen {
                        container: c.as_str().into(),
                        image: image.as_str().into(),
                        digests: [Some(d.as_str().into()), None],
                    });
                }
            }
            Some(s) if &*s.image != image => {
                // Another tag: `changed` tells that, from the workload's spec.
                s.image = image.as_str().into();
                s.digests = [Some(d.as_str().into()), None];
            }
            Some(s) => {
                if s.digests.iter().flatten().any(|x| **x == **d) {
                    continue;
                }
                let old = s.digests[0].take();
                if let (Some(o), false) = (&old, quiet) {
                    out.push((c.clone(), image.clone(), o.to_string(), d.clone()));
                }
                s.digests = [Some(d.as_str().into()), old];
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_name_paths_and_digests() {
        let d = Change::Spec(SpecDiff {
            from_generation: Some(1),
            to_generation: Some(2),
            paths: vec![
                PathChange {
                    path: "spec.path".into(),
                    op: Op::Changed,
                    old: Some("./a".into()),
                    new: Some("./b".into()),
                },
                PathChange {
                    path: "spec.values.db.password".into(),
                    op: Op::Changed,
                    old: None,
                    new: None,
                },
            ],
            more: 2,
        });
        assert_eq!(
            d.summary(),
            "spec.path: ./a → ./b; spec.values.db.password (changed); (+2 more)"
        );
        let i = Change::Image(ImageChange {
            workload: ObjectKey::new("apps", "Deployment", "apps", "api"),
            container: "api".into(),
            image: "nginx:latest".into(),
            old_digest: "sha256:1a2b3c4d5e6f7a8b9c0d".into(),
            new_digest: "sha256:9f8e".into(),
        });
        assert_eq!(
            i.summary(),
            "apps/Deployment apps/api: container api nginx:latest sha256:1a2b3c4d5e6f… → sha256:9f8e"
        );
        let json = serde_json::to_value(&i).unwrap();
        assert_eq!(json["type"], "image");
        assert_eq!(json["oldDigest"], "sha256:1a2b3c4d5e6f7a8b9c0d");
        assert_eq!(serde_json::from_value::<Change>(json).unwrap(), i);
    }

    fn print(group: &str, kind: &str, generation: i64, spec: serde_json::Value) -> SpecPrint {
        SpecPrint::of(group, kind, Some(generation), &spec, &Rules::default())
    }

    fn shown(d: &SpecDiff) -> Vec<(String, Op, Option<String>, Option<String>)> {
        d.paths
            .iter()
            .map(|p| (p.path.clone(), p.op, p.old.clone(), p.new.clone()))
            .collect()
    }

    #[test]
    fn keyed_arrays_read_by_name_and_secrets_show_no_value() {
        use serde_json::json;
        let a = print(
            "apps",
            "Deployment",
            1,
            json!({"template": {"spec": {"containers": [
                {"name": "side", "image": "envoy:1"},
                {"name": "api", "image": "api:1", "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                 "env": [{"name": "DB_PASSWORD", "value": "hunter1"}, {"name": "MODE", "value": "a"}]}]}}}),
        );
        // The containers swap places: nothing changed.
        let b = print(
            "apps",
            "Deployment",
            2,
            json!({"template": {"spec": {"containers": [
                {"name": "api", "image": "api:2", "ports": [{"containerPort": 8080, "protocol": "UDP"}],
                 "env": [{"name": "DB_PASSWORD", "value": "hunter2"}, {"name": "MODE", "value": "a"}]},
                {"name": "side", "image": "envoy:1"}]}}}),
        );
        let d = b.diff(&a);
        assert_eq!(
            shown(&d),
            [
                (
                    "spec.template.spec.containers[api].env[DB_PASSWORD].value".into(),
                    Op::Changed,
                    None,
                    None
                ),
                (
                    "spec.template.spec.containers[api].image".into(),
                    Op::Changed,
                    Some("api:1".into()),
                    Some("api:2".into())
                ),
                (
                    "spec.template.spec.containers[api].ports[8080].protocol".into(),
                    Op::Changed,
                    Some("TCP".into()),
                    Some("UDP".into())
                ),
            ]
        );
        assert_eq!((d.from_generation, d.to_generation), (Some(1), Some(2)));
        assert!(!format!("{a:?}{b:?}{d:?}").contains("hunter"));
    }

    #[test]
    fn helm_values_show_only_allowed_keys_and_rules_redact_more() {
        use serde_json::json;
        let hr = |tag: &str, host: &str| {
            json!({"chart": {"spec": {"chart": "web", "version": "1.0"}},
                   "values": {"image": {"tag": tag}, "db": {"host": host}}})
        };
        let a = print("helm.toolkit.fluxcd.io", "HelmRelease", 1, hr("v1", "db1"));
        let b = print("helm.toolkit.fluxcd.io", "HelmRelease", 2, hr("v2", "db2"));
        let d = b.diff(&a);
        assert_eq!(
            Change::Spec(d).summary(),
            "spec.values.db.host (changed); spec.values.image.tag: v1 → v2"
        );
        let rules = Rules {
            redact: vec!["spec.values.image.*".into()],
            ..Rules::default()
        };
        let a = SpecPrint::of(
            "helm.toolkit.fluxcd.io",
            "HelmRelease",
            Some(1),
            &hr("v1", "x"),
            &rules,
        );
        let b = SpecPrint::of(
            "helm.toolkit.fluxcd.io",
            "HelmRelease",
            Some(2),
            &hr("v2", "x"),
            &rules,
        );
        assert_eq!(
            Change::Spec(b.diff(&a)).summary(),
            "spec.values.image.tag (changed)"
        );
        let quiet = Rules {
            show_values: false,
            ..Rules::default()
        };
        let a = SpecPrint::of("k", "K", Some(1), &json!({"path": "./a"}), &quiet);
        let b = SpecPrint::of("k", "K", Some(2), &json!({"path": "./b"}), &quiet);
        assert_eq!(Change::Spec(b.diff(&a)).summary(), "spec.path (changed)");
        assert!(glob("a*c*e", "abcde") && !glob("a*c", "abcd") && glob("*", ""));
    }

    #[test]
    fn big_specs_fold_within_the_caps_and_still_tell_a_change() {
        use serde_json::json;
        let values = |n: usize, changed: usize| {
            let mut m = serde_json::Map::new();
            for i in 0..n {
                let mut group = serde_json::Map::new();
                for j in 0..10 {
                    let v = if i == changed && j == 3 { "new" } else { "old" };
                    group.insert(format!("k{j}"), json!(format!("{v}-{i}-{j}")));
                }
                m.insert(format!("g{i:02}"), Value::Object(group));
            }
            json!({"values": m})
        };
        use serde_json::Value;
        let a = print("helm.toolkit.fluxcd.io", "HelmRelease", 1, values(30, 99));
        let b = print("helm.toolkit.fluxcd.io", "HelmRelease", 2, values(30, 7));
        assert!(a.len() <= LEAVES, "{}", a.len());
        assert!(a.heap_bytes() < 8 * 1024, "{}", a.heap_bytes());
        let d = b.diff(&a);
        assert_eq!(
            shown(&d),
            [("spec.values.g07".into(), Op::Changed, None, None)]
        );
        // Past the caps of the diff, the rest is counted.
        let many = |v: &str| {
            let m: serde_json::Map<String, Value> =
                (0..40).map(|i| (format!("p{i:02}"), json!(v))).collect();
            Value::Object(m)
        };
        let a = print("k", "K", 1, many("a"));
        let b = print("k", "K", 2, many("b"));
        let d = b.diff(&a);
        assert_eq!(d.paths.len(), DIFF_PATHS);
        assert_eq!(d.more, 20);
        // A long value is a hash, so a change shows no value.
        let a = print("k", "K", 1, json!({"script": "x".repeat(65)}));
        let b = print("k", "K", 2, json!({"script": "y".repeat(65)}));
        assert_eq!(
            shown(&b.diff(&a)),
            [("spec.script".into(), Op::Changed, None, None)]
        );
        assert!(
            print("k", "K", 3, json!({"a": 1}))
                .diff(&print("k", "K", 3, json!({"a": 1})))
                .paths
                .is_empty()
        );
    }
}
