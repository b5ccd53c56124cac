//! Subscriptions that application teams write on their own objects, so they hear of them without
//! touching herald's configuration:
//!
//! - herald's: `herald.io/subscribe.<event>: <receiver>[, <receiver>…]`, where `<event>` is one of
//!   herald's events or `all`, and each receiver is named in the configuration.
//! - Argo CD's: `notifications.argoproj.io/subscribe.<trigger>.<service>: <recipient>[;…]`, as
//!   argocd-notifications reads them. The trigger maps onto herald's events (`on-sync-failed` →
//!   `sync-failed`, `on-health-degraded` → `unhealthy`, `on-deployed` → `revision`…); the
//!   service picks the first configured receiver of that kind (`slack`, `email`, `webhook`,
//!   `alertmanager`); each recipient is the Slack channel or email address to send to, or, for a
//!   webhook or Alertmanager, the name of the receiver.

use std::collections::BTreeMap;

use crate::config::{EventKind, Receiver};

const HERALD: &str = "herald.io/subscribe.";
const ARGO: &str = "notifications.argoproj.io/subscribe.";

/// Argo CD's stock triggers, as herald's events.
fn trigger(name: &str) -> &'static [EventKind] {
    match name {
        "on-created" => &[EventKind::Created],
        "on-deleted" => &[EventKind::Deleted],
        "on-deployed" | "on-sync-succeeded" => &[EventKind::Revision],
        "on-health-degraded" => &[EventKind::Unhealthy, EventKind::ChildUnhealthy],
        "on-sync-failed" => &[EventKind::SyncFailed],
        "on-sync-status-unknown" => &[EventKind::Unknown],
        "on-out-of-sync" | "on-sync-status-out-of-sync" => &[EventKind::Drift],
        _ => &[],
    }
}

/// Who the annotations subscribe to an event: (receiver, target, annotation). `target` is the
/// channel or address replacing the receiver's own, for Argo CD's form.
pub fn subscribers(
    annotations: &BTreeMap<String, String>,
    event: EventKind,
    receivers: &[Receiver],
) -> Vec<(String, Option<String>, String)> {
    let mut out = Vec::new();
    for (key, value) in annotations {
        if let Some(which) = key.strip_prefix(HERALD) {
            let wanted = which == "all" || EventKind::parse(which) == Some(event);
            if !wanted {
                continue;
            }
            for name in value
                .split([',', ';'])
                .map(str::trim)
                .filter(|n| !n.is_empty())
            {
                if receivers.iter().any(|r| r.name == name) {
                    out.push((name.to_string(), None, key.clone()));
                } else {
                    tracing::warn!(annotation = %key, receiver = name, "subscription names no configured receiver");
                }
            }
        } else if let Some(rest) = key.strip_prefix(ARGO) {
            let Some((trig, service)) = rest.rsplit_once('.') else {
                continue;
            };
            if !trigger(trig).contains(&event) {
                continue;
            }
            let by_kind = receivers.iter().find(|r| r.kind.as_str() == service);
            for recipient in value
                .split([';', ','])
                .map(str::trim)
                .filter(|n| !n.is_empty())
            {
                match service {
                    "slack" | "email" => match by_kind {
                        Some(r) => {
                            out.push((r.name.clone(), Some(recipient.to_string()), key.clone()))
                        }
                        None => {
                            tracing::warn!(annotation = %key, "no {service} receiver is configured")
                        }
                    },
                    _ => {
                        if receivers.iter().any(|r| r.name == recipient) {
                            out.push((recipient.to_string(), None, key.clone()));
                        } else if let Some(r) = by_kind {
                            out.push((r.name.clone(), None, key.clone()));
                        }
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn receivers() -> Vec<Receiver> {
        crate::config::parse(
            r##"receivers:
  - {name: team-slack, slack: {tokenEnv: T, channel: "#platform"}}
  - {name: mail, email: {server: "smtp.example.com:587", from: a@example.com, to: [b@example.com]}}
  - {name: audit, webhook: {url: "http://x"}}
"##,
            Path::new("t.yaml"),
        )
        .unwrap()
        .receivers
    }

    fn annotations(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn herald_subscriptions_name_receivers() {
        let a = annotations(&[
            ("herald.io/subscribe.unhealthy", "team-slack, audit"),
            ("herald.io/subscribe.all", "mail"),
            ("herald.io/subscribe.recovered", "nobody"),
        ]);
        let got: Vec<String> = subscribers(&a, EventKind::Unhealthy, &receivers())
            .into_iter()
            .map(|s| s.0)
            .collect();
        assert_eq!(got, ["mail", "team-slack", "audit"]);
        assert!(
            subscribers(&a, EventKind::Recovered, &receivers())
                .iter()
                .all(|s| s.0 == "mail")
        );
    }

    #[test]
    fn argo_subscriptions_map_triggers_and_recipients() {
        let a = annotations(&[
            (
                "notifications.argoproj.io/subscribe.on-sync-failed.slack",
                "deploys;alerts",
            ),
            (
                "notifications.argoproj.io/subscribe.on-health-degraded.email",
                "oncall@example.com",
            ),
            (
                "notifications.argoproj.io/subscribe.on-deployed.webhook",
                "audit",
            ),
        ]);
        let r = receivers();
        let failed = subscribers(&a, EventKind::SyncFailed, &r);
        assert_eq!(
            failed
                .iter()
                .map(|s| (s.0.as_str(), s.1.as_deref()))
                .collect::<Vec<_>>(),
            [
                ("team-slack", Some("deploys")),
                ("team-slack", Some("alerts"))
            ]
        );
        let degraded = subscribers(&a, EventKind::Unhealthy, &r);
        assert_eq!(degraded[0].0, "mail");
        assert_eq!(degraded[0].1.as_deref(), Some("oncall@example.com"));
        assert_eq!(subscribers(&a, EventKind::Revision, &r)[0].0, "audit");
        assert!(subscribers(&a, EventKind::Recovered, &r).is_empty());
    }
}
