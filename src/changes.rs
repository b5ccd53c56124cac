//! Changes herald tells besides health: an object's `spec` that changed (`changed`) and a
//! workload's container that runs a new image digest under the same tag (`image-changed`).
//!
//! A change travels as a [`crate::store::Transition`] whose verdict stays as it was (`from ==
//! to`) and whose `change` says what changed; [`crate::events::of`] turns it into its event.

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
}
