//! Google Chat incoming webhooks: `POST <webhook>&threadKey=…&messageReplyOption=
//! REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD` with `text` (what notifications show) and `cardsV2`
//! (a card per event: a header, the facts as `decoratedText`, the message, the links as a
//! `buttonList`). A trouble starts a thread whose key is remembered for the object's episode;
//! what follows in the episode, its recovery too, replies in that thread. The webhook URL
//! carries the space's `key` and `token`: it is a secret.

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::{Value, json};

use super::chat::{self, Tone};
use super::{Cx, by_status, cut, reply, secret};
use crate::config::{EventKind, Secret, Validator};
use crate::notify::templates::Templates;
use crate::notify::{Event, Notification, Outcome};

/// Google Chat takes messages of at most 32,000 bytes; herald keeps under this.
pub const MAX_BYTES: usize = 30_000;
/// `text` is at most 4096 characters.
pub const MAX_TEXT: usize = 4096;
/// The most cards one group's message holds; the rest are counted in its text.
pub const MAX_CARDS: usize = 10;

/// `googleChat:` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Raw {
    url_file: Option<PathBuf>,
    url_env: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The space's webhook URL, with its `key` and `token` (a secret).
    pub url: Secret,
}

pub(crate) fn check(raw: Raw, v: &mut Validator, at: &str, line: usize) -> Option<Config> {
    let url = chat::required_secret(
        v,
        line,
        &format!("{at}.googleChat"),
        "url",
        raw.url_file,
        raw.url_env,
        "the space's webhook URL",
    )?;
    Some(Config { url })
}

/// The thread a message goes to: the episode's, remembered since its trouble; else, for a
/// trouble or a recovery, a new one named after the event (the same on every retry).
fn thread(n: &Notification, recalled: Option<String>) -> Option<String> {
    if !n.grouped.is_empty() {
        // A group is one message about several objects: it starts a thread of its own.
        return None;
    }
    let e = &n.event;
    recalled.or_else(|| {
        (crate::events::is_trouble(e.kind) || e.kind == EventKind::Recovered)
            .then(|| format!("herald-{}", e.id))
    })
}

pub async fn deliver(c: &Config, cx: &Cx<'_>, n: &Notification) -> Outcome {
    let url = match secret(&c.url) {
        Ok(u) => u,
        Err(o) => return o,
    };
    let url = url.trim();
    let key = cx.episode_key("", n);
    let recalled = if n.grouped.is_empty() {
        cx.recall(&key)
    } else {
        None
    };
    let thread_key = thread(n, recalled.clone());
    let mut body = message(n, cx.templates);
    let mut target = url.to_string();
    if let Some(t) = &thread_key {
        body["thread"] = json!({"threadKey": t});
        let sep = if url.contains('?') { '&' } else { '?' };
        let t = encode(t);
        target = format!(
            "{url}{sep}threadKey={t}&messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"
        );
    }
    let req = cx
        .client
        .post(target)
        .header("content-type", "application/json; charset=UTF-8")
        .body(serde_json::to_vec(&body).expect("JSON"));
    let r = match reply(req.send().await).await {
        Ok(r) => r,
        Err(o) => return o,
    };
    let outcome = by_status(&r, None);
    let outcome = match outcome {
        // Google's error document says more than the status: `{"error": {"code", "message",
        // "status"}}`.
        Outcome::Refused(_) | Outcome::Retry { .. } if r.json()["error"].is_object() => {
            let err = &r.json()["error"];
            let why = format!(
                "Google Chat: HTTP {} {}: {}",
                r.status,
                err["status"].as_str().unwrap_or(""),
                cut(err["message"].as_str().unwrap_or(""), 300)
            );
            match outcome {
                Outcome::Retry { after, .. } => Outcome::Retry { after, why },
                _ => Outcome::Refused(why),
            }
        }
        o => o,
    };
    if outcome == Outcome::Delivered && n.grouped.is_empty() {
        let e = &n.event;
        if matches!(e.kind, EventKind::Recovered | EventKind::Deleted) {
            if recalled.is_some() {
                cx.remember(&key, None);
            }
        } else if recalled.is_none() && crate::events::is_trouble(e.kind) {
            cx.remember(&key, thread_key.as_deref());
        }
    }
    outcome
}

/// The message: `text` for notifications, a card per event (ten at most), shrunk to fit.
pub fn message(n: &Notification, templates: &Templates) -> Value {
    let events: Vec<&Event> = n.events().collect();
    let text = if events.len() == 1 {
        chat::title(events[0], templates)
    } else {
        let lines: Vec<String> = events
            .iter()
            .skip(MAX_CARDS)
            .map(|e| chat::title(e, templates))
            .collect();
        let mut t = format!("{} events in {}", events.len(), n.event.cluster);
        if !lines.is_empty() {
            t.push_str(&format!("; not shown on cards:\n{}", lines.join("\n")));
        }
        t
    };
    let mut room = 2000;
    let mut shown = events.len().min(MAX_CARDS);
    loop {
        let cards: Vec<Value> = events[..shown]
            .iter()
            .map(|e| card(e, room, templates))
            .collect();
        let m = json!({"text": cut(&text, MAX_TEXT), "cardsV2": cards});
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

fn icon(t: Tone) -> &'static str {
    match t {
        Tone::Bad => "🔴",
        Tone::Warn => "🟠",
        Tone::Good => "🟢",
        Tone::Neutral => "⚪",
    }
}

fn card(e: &Event, room: usize, templates: &Templates) -> Value {
    let o = &e.object;
    let widgets: Vec<Value> = chat::facts(e)
        .into_iter()
        .map(|(k, v)| {
            json!({"decoratedText": {"topLabel": k, "text": html(&cut(&v, 500)),
                                               "wrapText": true}})
        })
        .collect();
    let mut sections = vec![json!({"widgets": widgets})];
    if !e.message.is_empty() && room > 0 {
        sections.push(json!({"header": "Message", "widgets": [
            {"textParagraph": {"text": html(&cut(&e.message, room))}}]}));
    }
    let buttons: Vec<Value> = templates
        .links_of(e)
        .into_iter()
        .map(|(name, url)| json!({"text": name, "onClick": {"openLink": {"url": url}}}))
        .collect();
    if !buttons.is_empty() {
        sections.push(json!({"widgets": [{"buttonList": {"buttons": buttons}}]}));
    }
    json!({
        "cardId": format!("herald-{}", e.id),
        "card": {
            "header": {
                "title": cut(&format!("{} {}", icon(chat::tone(e)), chat::title(e, templates)), 200),
                "subtitle": cut(&format!("{} · {}", e.kind.as_str(), o.kind), 200),
            },
            "sections": sections,
        },
    })
}

/// `s` as a query value: unreserved characters kept, the rest percent-encoded.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Card text is a small HTML: `<`, `>` and `&` are escaped.
fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::receivers::chat::sample;

    fn templates() -> Templates {
        let mut t = Templates::default();
        t.add_link(
            "Status",
            "https://herald.example.com/{{ object.ref }}",
            vec![],
        )
        .unwrap();
        t
    }

    #[test]
    fn a_trouble_is_text_and_a_card_with_facts_message_and_buttons() {
        let n = sample::one(sample::event(EventKind::Unhealthy, "web"));
        let m = message(&n, &templates());
        assert_eq!(
            m["text"],
            "Kustomization apps/web: unhealthy (HealthCheckFailed) [prod]"
        );
        let card = &m["cardsV2"][0]["card"];
        assert!(card["header"]["title"].as_str().unwrap().starts_with("🔴 "));
        let facts = &card["sections"][0]["widgets"];
        assert_eq!(facts[0]["decoratedText"]["topLabel"], "Health");
        assert_eq!(
            card["sections"][1]["widgets"][0]["textParagraph"]["text"],
            "health check failed &lt;timeout&gt; &amp; more"
        );
        assert_eq!(
            card["sections"][2]["widgets"][0]["buttonList"]["buttons"][0],
            json!({"text": "Status", "onClick": {"openLink": {"url": "https://herald.example.com/apps/web"}}})
        );
    }

    #[test]
    fn a_recovery_is_green_and_a_group_is_several_cards_under_the_limit() {
        let n = sample::one(sample::event(EventKind::Recovered, "web"));
        let m = message(&n, &templates());
        assert!(
            m["cardsV2"][0]["card"]["header"]["title"]
                .as_str()
                .unwrap()
                .starts_with("🟢 ")
        );
        let m = message(&sample::group(3), &templates());
        assert_eq!(m["cardsV2"].as_array().unwrap().len(), 3);
        assert_eq!(m["text"], "3 events in prod");

        let mut big = sample::group(25);
        for (_, e) in &mut big.grouped {
            e.message = "y".repeat(20_000);
        }
        let m = message(&big, &templates());
        assert!(m["cardsV2"].as_array().unwrap().len() <= MAX_CARDS);
        assert!(serde_json::to_vec(&m).unwrap().len() <= MAX_BYTES);
        assert!(m["text"].as_str().unwrap().contains("web-24"));
        assert!(m["text"].as_str().unwrap().chars().count() <= MAX_TEXT);
    }
}
