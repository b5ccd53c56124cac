//! What the chat receivers (Teams, Discord, Google Chat, Mattermost/Rocket.Chat, Telegram)
//! share: how an event is told on a card — its title, its tone (the colour), its facts — and
//! the reading of a secret webhook URL from the configuration.

use std::path::PathBuf;

use crate::config::{EventKind, Secret, Validator};
use crate::health::Health;
use crate::notify::Event;
use crate::notify::templates::Templates;

/// How an event reads at a glance: the colour of its card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Unhealthy, failed.
    Bad,
    /// A warning, stuck, drifting.
    Warn,
    /// Recovered, healthy.
    Good,
    /// Anything else (a new revision, a deletion, unknown health).
    Neutral,
}

pub fn tone(e: &Event) -> Tone {
    match e.kind {
        EventKind::Unhealthy | EventKind::SyncFailed | EventKind::ChildUnhealthy => Tone::Bad,
        EventKind::Warning | EventKind::Stuck | EventKind::Drift => Tone::Warn,
        EventKind::Recovered => Tone::Good,
        EventKind::Deleted | EventKind::Unknown => Tone::Neutral,
        _ => match e.to.as_ref().map(|v| v.health) {
            Some(Health::Unhealthy) => Tone::Bad,
            Some(Health::Warning) => Tone::Warn,
            Some(Health::Healthy) => Tone::Good,
            _ => Tone::Neutral,
        },
    }
}

/// The headline: the first line of the `subject` template.
pub fn title(e: &Event, templates: &Templates) -> String {
    let s = templates.render("subject", e);
    s.lines().next().unwrap_or_default().trim().to_string()
}

/// The facts a card lists, in order: health (from → to), status, revision, children (their
/// count and the first names), cluster. Empty ones are left out.
pub fn facts(e: &Event) -> Vec<(&'static str, String)> {
    let health = |v: &Option<crate::store::Verdict>| {
        v.as_ref()
            .map_or("none".to_string(), |v| v.health.to_string())
    };
    let mut out = vec![(
        "Health",
        match (&e.from, &e.to) {
            (_, None) => format!("{} → deleted", health(&e.from)),
            (None, to) => health(to),
            (from, to) => format!("{} → {}", health(from), health(to)),
        },
    )];
    if let Some(v) = &e.to {
        if !v.status.is_empty() {
            out.push(("Status", v.status.clone()));
        }
        if let Some(r) = &v.revision {
            out.push(("Revision", r.clone()));
        }
    }
    if !e.children.is_empty() {
        let names: Vec<String> = e.children.iter().take(5).map(ToString::to_string).collect();
        let more = e.children.len().saturating_sub(names.len());
        let mut s = format!("{}: {}", e.children.len(), names.join(", "));
        if more > 0 {
            s.push_str(&format!(" and {more} more"));
        }
        out.push(("Children", s));
    }
    if let Some(via) = e.via() {
        out.push(("Via", via.to_string()));
    }
    out.push(("Cluster", e.cluster.clone()));
    out
}

/// A required secret given as `{field}File` or `{field}Env` (a webhook URL, a bot token): an
/// error when neither or both are given.
pub(crate) fn required_secret(
    v: &mut Validator,
    line: usize,
    at: &str,
    field: &str,
    file: Option<PathBuf>,
    env: Option<String>,
    what: &str,
) -> Option<Secret> {
    match v.secret(line, at, field, file, env) {
        Ok(Some(s)) => Some(s),
        Ok(None) => {
            v.error(
                line,
                at,
                format!("needs {field}File or {field}Env ({what})"),
            );
            None
        }
        Err(()) => None,
    }
}

#[cfg(test)]
pub(crate) mod sample {
    //! Events for the receivers' unit tests.
    use crate::config::EventKind;
    use crate::health::Health;
    use crate::notify::{Event, Notification};
    use crate::store::{ObjectKey, Verdict};

    pub fn verdict(health: Health) -> Verdict {
        Verdict {
            health,
            ready: health == Health::Healthy,
            status: if health == Health::Healthy {
                "ReconciliationSucceeded".into()
            } else {
                "HealthCheckFailed".into()
            },
            revision: Some("main@sha1:4f1c2a9".into()),
            suspended: false,
            sync: None,
            from_children: false,
        }
    }

    pub fn event(kind: EventKind, name: &str) -> Event {
        let (from, to) = match kind {
            EventKind::Recovered => (Health::Unhealthy, Health::Healthy),
            EventKind::Warning => (Health::Healthy, Health::Warning),
            _ => (Health::Healthy, Health::Unhealthy),
        };
        Event {
            id: format!("id-{name}"),
            kind,
            cluster: "prod".into(),
            object: ObjectKey::new("kustomize.toolkit.fluxcd.io", "Kustomization", "apps", name),
            at: "2026-11-23T12:00:00Z".parse().unwrap(),
            from: Some(verdict(from)),
            to: Some(verdict(to)),
            message: "health check failed <timeout> & more".into(),
            children: vec![ObjectKey::new("apps", "Deployment", "apps", "api")],
            via: None,
            labels: Default::default(),
            annotations: Default::default(),
            test: false,
            repo: None,
            attempted: None,
            warnings: Vec::new(),
            affected: Vec::new(),
            affected_more: 0,
            change: None,
        }
    }

    pub fn one(e: Event) -> Notification {
        Notification {
            id: 1,
            receiver: "it".into(),
            route: "0".into(),
            event: e,
            due: "2026-11-23T12:00:00Z".parse().unwrap(),
            recheck: false,
            target: None,
            grouped: Vec::new(),
        }
    }

    pub fn group(n: usize) -> Notification {
        let mut first = one(event(EventKind::Unhealthy, "web-0"));
        first.grouped = (1..n)
            .map(|i| {
                (
                    i as u64 + 1,
                    event(EventKind::Unhealthy, &format!("web-{i}")),
                )
            })
            .collect();
        first
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_tell_health_status_revision_children_cluster() {
        let e = sample::event(EventKind::Unhealthy, "web");
        let f = facts(&e);
        let names: Vec<&str> = f.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            names,
            ["Health", "Status", "Revision", "Children", "Cluster"]
        );
        assert_eq!(f[0].1, "healthy → unhealthy");
        assert_eq!(f[3].1, "1: apps/Deployment apps/api");
        assert_eq!(tone(&e), Tone::Bad);
        assert_eq!(
            tone(&sample::event(EventKind::Recovered, "web")),
            Tone::Good
        );
        assert_eq!(tone(&sample::event(EventKind::Warning, "web")), Tone::Warn);
    }

    fn parse(text: &str) -> Result<crate::config::Config, Vec<String>> {
        crate::config::parse(text, std::path::Path::new("herald.yaml"))
            .map_err(|e| e.iter().map(ToString::to_string).collect())
    }

    fn errors(text: &str) -> String {
        parse(text).expect_err("refused").join("\n")
    }

    #[test]
    fn the_chat_receivers_are_read_from_the_configuration() {
        use crate::config::ReceiverKind;
        let c = parse(
            r#"receivers:
  - name: teams
    teams: {urlFile: /run/teams-url}
  - name: discord
    discord: {urlEnv: DISCORD_URL, username: herald, avatarUrl: "https://x.example.com/a.png"}
  - name: gchat
    googleChat: {urlEnv: GCHAT_URL}
  - name: mm
    mattermost: {urlEnv: MM_URL, channel: town-square, username: herald, iconUrl: "https://x.example.com/a.png"}
  - name: rc
    rocketchat: {urlFile: /run/rc}
  - name: tg
    telegram: {tokenEnv: TG_TOKEN, chatId: -1001234567890, messageThreadId: 7}
  - name: tg2
    telegram: {tokenEnv: TG_TOKEN, chatId: "@herald_alerts", apiUrl: "http://127.0.0.1:8081/"}
"#,
        )
        .unwrap();
        let kinds: Vec<&str> = c.receivers.iter().map(|r| r.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "teams",
                "discord",
                "googleChat",
                "mattermost",
                "rocketchat",
                "telegram",
                "telegram"
            ]
        );
        match &c.receivers[5].kind {
            ReceiverKind::Telegram(t) => {
                assert_eq!(t.chat_id, serde_json::json!(-1001234567890i64));
                assert_eq!(t.message_thread_id, Some(7));
                assert_eq!(t.api_url, "https://api.telegram.org");
            }
            k => panic!("{k:?}"),
        }
        match &c.receivers[6].kind {
            ReceiverKind::Telegram(t) => {
                assert_eq!(t.chat_id, serde_json::json!("@herald_alerts"));
                assert_eq!(t.api_url, "http://127.0.0.1:8081");
            }
            k => panic!("{k:?}"),
        }
    }

    #[test]
    fn chat_receivers_name_the_line_and_field_of_a_mistake() {
        let all = errors(
            r#"receivers:
  - name: teams
    teams: {}
  - name: discord
    discord: {urlFile: /a, urlEnv: B, username: "Discord bot"}
  - name: gchat
    googleChat: {url: "https://chat.googleapis.com/v1/spaces/x/messages?key=k&token=t"}
  - name: mm
    mattermost: {urlEnv: MM, channel: "", iconUrl: "ftp://x"}
  - name: tg
    telegram:
      tokenEnv: TG
      chatId: general
      messageThreadId: 0
      apiUrl: "api.telegram.org"
  - name: tg2
    telegram: {chatId: 5}
"#,
        );
        for want in [
            "herald.yaml:2: receivers[0].teams: needs urlFile or urlEnv",
            "herald.yaml:5: receivers[1].discord.username: 1 to 80 characters",
            "herald.yaml:4: receivers[1].discord: give urlFile or urlEnv, not both",
            "herald.yaml:7: receivers[2].googleChat.url: unknown field: use urlFile, urlEnv",
            "herald.yaml:9: receivers[3].mattermost.channel: empty",
            "herald.yaml:9: receivers[3].mattermost.iconUrl: \"ftp://x\" is not an http:// or https:// URL",
            "herald.yaml:13: receivers[4].telegram.chatId: \"general\" is neither a chat id",
            "herald.yaml:14: receivers[4].telegram.messageThreadId: a topic's id is a positive number",
            "herald.yaml:15: receivers[4].telegram.apiUrl",
            "herald.yaml:16: receivers[5].telegram: needs tokenFile or tokenEnv",
        ] {
            assert!(all.contains(want), "{want} missing from:\n{all}");
        }
    }
}
