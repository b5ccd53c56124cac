//! Microsoft Teams through a Workflows webhook (the Power Automate flow "post to a channel when
//! a webhook request is received"): a message with one Adaptive Card (version 1.4) holding the
//! headline, a FactSet (health, status, revision, children, cluster), the message and the
//! links as `Action.OpenUrl` buttons. The webhook's URL carries its signature: it is a secret.
//! Workflows answers 202 Accepted; 429 with `Retry-After` when it throttles.

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::{Value, json};

use super::chat::{self, Tone};
use super::{Cx, outcome, secret};
use crate::config::{Secret, Validator};
use crate::notify::templates::Templates;
use crate::notify::{Event, Notification, Outcome};

/// Teams takes a message of at most 28 KB; herald keeps under this to leave room for what
/// Teams adds.
pub const MAX_BYTES: usize = 27 * 1024;
/// The most events one group's card shows; the rest are counted.
pub const MAX_GROUP: usize = 20;

/// `teams:` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Raw {
    url_file: Option<PathBuf>,
    url_env: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The Workflows webhook URL (a secret: it holds the flow's signature).
    pub url: Secret,
}

pub(crate) fn check(raw: Raw, v: &mut Validator, at: &str, line: usize) -> Option<Config> {
    let url = chat::required_secret(
        v,
        line,
        &format!("{at}.teams"),
        "url",
        raw.url_file,
        raw.url_env,
        "the Workflows webhook URL",
    )?;
    Some(Config { url })
}

pub async fn deliver(c: &Config, cx: &Cx<'_>, n: &Notification) -> Outcome {
    let url = match secret(&c.url) {
        Ok(u) => u,
        Err(o) => return o,
    };
    let body = serde_json::to_vec(&message(n, cx.templates)).expect("JSON");
    let req = cx
        .client
        .post(url.trim())
        .header("content-type", "application/json")
        .body(body);
    outcome(req.send().await).await
}

/// The message Workflows takes: one attachment, the Adaptive Card.
pub fn message(n: &Notification, templates: &Templates) -> Value {
    let events: Vec<&Event> = n.events().collect();
    // The card shrinks until it fits: fewer events, shorter messages.
    let mut shown = events.len().min(MAX_GROUP);
    let mut room = 2000;
    loop {
        let m = wrap(card(&events, shown, room, templates));
        if serde_json::to_vec(&m).map_or(0, |b| b.len()) <= MAX_BYTES || (shown <= 1 && room == 0) {
            return m;
        }
        if room > 200 {
            room /= 2;
        } else if shown > 1 {
            shown = shown.div_ceil(2);
        } else {
            room = 0;
        }
    }
}

fn wrap(card: Value) -> Value {
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": card,
        }],
    })
}

fn color(t: Tone) -> &'static str {
    match t {
        Tone::Bad => "Attention",
        Tone::Warn => "Warning",
        Tone::Good => "Good",
        Tone::Neutral => "Default",
    }
}

/// The card: for one event its headline, facts, message and links; for a group a line saying
/// how many, then each event shown (`shown` at most) with its headline and facts.
fn card(events: &[&Event], shown: usize, room: usize, templates: &Templates) -> Value {
    let mut body = Vec::new();
    let first = events[0];
    if events.len() > 1 {
        body.push(json!({"type": "TextBlock", "text": format!("{} events in {}", events.len(), first.cluster),
            "weight": "Bolder", "size": "Large", "wrap": true}));
    }
    let mut actions = Vec::new();
    for e in events.iter().take(shown) {
        body.push(
            json!({"type": "TextBlock", "text": chat::title(e, templates),
            "weight": "Bolder", "size": "Medium", "wrap": true, "color": color(chat::tone(e)),
            "separator": events.len() > 1}),
        );
        let facts: Vec<Value> = chat::facts(e)
            .into_iter()
            .map(|(k, v)| json!({"title": k, "value": super::cut(&v, 500)}))
            .collect();
        body.push(json!({"type": "FactSet", "facts": facts}));
        if !e.message.is_empty() && room > 0 {
            body.push(
                json!({"type": "TextBlock", "text": super::cut(&e.message, room),
                "wrap": true, "isSubtle": true}),
            );
        }
        for (name, url) in templates.links_of(e) {
            // Adaptive Cards show a handful of actions; a group's go under each event.
            if events.len() > 1 {
                body.push(json!({"type": "ActionSet", "actions": [
                    {"type": "Action.OpenUrl", "title": name, "url": url}]}));
            } else {
                actions.push(json!({"type": "Action.OpenUrl", "title": name, "url": url}));
            }
        }
    }
    if events.len() > shown {
        body.push(json!({"type": "TextBlock", "wrap": true, "isSubtle": true,
            "text": format!("and {} more", events.len() - shown)}));
    }
    let mut card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "msteams": {"width": "Full"},
        "body": body,
    });
    if !actions.is_empty() {
        card["actions"] = json!(actions);
    }
    card
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EventKind;
    use crate::notify::receivers::chat::sample;

    fn templates() -> Templates {
        let mut t = Templates::default();
        t.add_link(
            "Status",
            "https://herald.example.com/objects/{{ object.ref }}",
            vec![],
        )
        .unwrap();
        t
    }

    #[test]
    fn a_trouble_is_one_adaptive_card_with_facts_message_and_links() {
        let n = sample::one(sample::event(EventKind::Unhealthy, "web"));
        let m = message(&n, &templates());
        assert_eq!(m["type"], "message");
        let a = &m["attachments"][0];
        assert_eq!(a["contentType"], "application/vnd.microsoft.card.adaptive");
        let card = &a["content"];
        assert_eq!(card["type"], "AdaptiveCard");
        assert_eq!(card["version"], "1.4");
        assert_eq!(
            card["body"][0]["text"],
            "Kustomization apps/web: unhealthy (HealthCheckFailed) [prod]"
        );
        assert_eq!(card["body"][0]["color"], "Attention");
        let facts = card["body"][1]["facts"].as_array().unwrap();
        assert_eq!(
            facts[0],
            json!({"title": "Health", "value": "healthy → unhealthy"})
        );
        assert!(
            facts
                .iter()
                .any(|f| f["title"] == "Cluster" && f["value"] == "prod")
        );
        assert_eq!(
            card["body"][2]["text"],
            "health check failed <timeout> & more"
        );
        assert_eq!(
            card["actions"][0],
            json!({"type": "Action.OpenUrl", "title": "Status",
                   "url": "https://herald.example.com/objects/apps/web"})
        );
    }

    #[test]
    fn a_recovery_is_green() {
        let n = sample::one(sample::event(EventKind::Recovered, "web"));
        let m = message(&n, &templates());
        let card = &m["attachments"][0]["content"];
        assert_eq!(card["body"][0]["color"], "Good");
        assert_eq!(card["body"][1]["facts"][0]["value"], "unhealthy → healthy");
    }

    #[test]
    fn a_group_is_one_card_and_stays_under_28_kb() {
        let m = message(&sample::group(3), &templates());
        let card = &m["attachments"][0]["content"];
        assert_eq!(card["body"][0]["text"], "3 events in prod");
        let titles = card["body"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["color"].is_string())
            .count();
        assert_eq!(titles, 3);

        let mut big = sample::group(60);
        big.event.message = "x".repeat(50_000);
        for (_, e) in &mut big.grouped {
            e.message = "y".repeat(5_000);
        }
        let m = message(&big, &templates());
        let size = serde_json::to_vec(&m).unwrap().len();
        assert!(size <= MAX_BYTES, "{size}");
        let text = m.to_string();
        assert!(text.contains("more"), "the rest is counted");
    }
}
