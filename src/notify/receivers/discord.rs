//! Discord webhooks (`POST <webhook>?wait=true`): one embed per event, coloured by health, with
//! its facts as fields; a group is one message of several embeds (ten at most: beyond nine, the
//! tenth counts the rest). Nothing pings (`allowed_mentions: {parse: []}`). Discord's limits are
//! kept: title 256, description 4096, 25 fields of name 256 and value 1024, 6000 characters in
//! all. A 429's body says how long to wait (`retry_after`, seconds); that wait is honoured.
//! The webhook URL holds the webhook's token: it is a secret.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use super::chat::{self, Tone};
use super::{Cx, by_status, cut, seconds, secret};
use crate::config::{Secret, Spanned, Validator};
use crate::notify::templates::Templates;
use crate::notify::{Event, Notification, Outcome};

pub const MAX_EMBEDS: usize = 10;
pub const MAX_TITLE: usize = 256;
pub const MAX_DESCRIPTION: usize = 4096;
pub const MAX_FIELDS: usize = 25;
pub const MAX_FIELD_NAME: usize = 256;
pub const MAX_FIELD_VALUE: usize = 1024;
pub const MAX_TOTAL: usize = 6000;
pub const MAX_USERNAME: usize = 80;

/// `discord:` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Raw {
    url_file: Option<PathBuf>,
    url_env: Option<String>,
    username: Option<Spanned<String>>,
    avatar_url: Option<Spanned<String>>,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The webhook URL (a secret: it holds the webhook's token).
    pub url: Secret,
    /// The name the messages are posted under, instead of the webhook's.
    pub username: Option<String>,
    pub avatar_url: Option<String>,
}

pub(crate) fn check(raw: Raw, v: &mut Validator, at: &str, line: usize) -> Option<Config> {
    let here = format!("{at}.discord");
    if let Some(u) = &raw.username {
        let n = u.value.trim().chars().count();
        let lower = u.value.to_lowercase();
        if n == 0 || n > MAX_USERNAME || lower.contains("discord") || lower.contains("clyde") {
            v.error(
                u.referenced.line() as usize,
                format!("{here}.username"),
                "1 to 80 characters, without \"discord\" or \"clyde\" (Discord refuses them)",
            );
        }
    }
    if let Some(a) = &raw.avatar_url {
        v.url(
            a.referenced.line() as usize,
            &format!("{here}.avatarUrl"),
            &a.value,
        );
    }
    let url = chat::required_secret(
        v,
        line,
        &here,
        "url",
        raw.url_file,
        raw.url_env,
        "the webhook URL",
    )?;
    Some(Config {
        url,
        username: raw.username.map(|u| u.value),
        avatar_url: raw.avatar_url.map(|a| a.value),
    })
}

pub async fn deliver(c: &Config, cx: &Cx<'_>, n: &Notification) -> Outcome {
    let url = match secret(&c.url) {
        Ok(u) => u,
        Err(o) => return o,
    };
    let url = url.trim();
    let sep = if url.contains('?') { '&' } else { '?' };
    let req = cx
        .client
        .post(format!("{url}{sep}wait=true"))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&message(c, n, cx.templates)).expect("JSON"));
    super::exchange(req, |r| by_status(r, wait(r))).await
}

/// How long a 429 says to wait: its body's `retry_after` (seconds, fractional), else the
/// `X-RateLimit-Reset-After` header; `Retry-After` is read by [`by_status`] after these.
pub fn wait(r: &super::Reply) -> Option<Duration> {
    if r.status != 429 {
        return None;
    }
    let body = r.json();
    body["retry_after"]
        .as_f64()
        .and_then(|s| seconds(&s.to_string()))
        .or_else(|| {
            r.headers
                .get("x-ratelimit-reset-after")
                .and_then(|v| v.to_str().ok())
                .and_then(seconds)
        })
}

fn color(t: Tone) -> u32 {
    match t {
        Tone::Bad => 0xD7_3A_49,
        Tone::Warn => 0xF0_A0_20,
        Tone::Good => 0x2E_A0_43,
        Tone::Neutral => 0x95_9D_A5,
    }
}

/// The message: one embed per event (nine at most in a group, then one counting the rest).
pub fn message(c: &Config, n: &Notification, templates: &Templates) -> Value {
    let events: Vec<&Event> = n.events().collect();
    let mut embeds: Vec<Value> = if events.len() <= MAX_EMBEDS {
        events.iter().map(|e| embed(e, templates)).collect()
    } else {
        let mut v: Vec<Value> = events[..MAX_EMBEDS - 1]
            .iter()
            .map(|e| embed(e, templates))
            .collect();
        let rest = &events[MAX_EMBEDS - 1..];
        let lines: Vec<String> = rest.iter().map(|e| chat::title(e, templates)).collect();
        v.push(json!({
            "title": cut(&format!("and {} more", rest.len()), MAX_TITLE),
            "description": cut(&lines.join("\n"), MAX_DESCRIPTION),
            "color": color(Tone::Neutral),
        }));
        v
    };
    fit(&mut embeds);
    let mut m = json!({
        "embeds": embeds,
        "allowed_mentions": {"parse": []},
    });
    if events.len() > 1 {
        m["content"] = json!(cut(
            &format!("{} events in {}", events.len(), n.event.cluster),
            2000
        ));
    }
    if let Some(u) = &c.username {
        m["username"] = json!(u);
    }
    if let Some(a) = &c.avatar_url {
        m["avatar_url"] = json!(a);
    }
    m
}

fn embed(e: &Event, templates: &Templates) -> Value {
    let mut fields: Vec<Value> = chat::facts(e)
        .into_iter()
        .map(|(k, v)| {
            json!({"name": cut(k, MAX_FIELD_NAME), "value": cut(&v, MAX_FIELD_VALUE),
                   "inline": k != "Children" && k != "Via" && k != "Revision"})
        })
        .collect();
    let links: Vec<String> = templates
        .links_of(e)
        .into_iter()
        .map(|(name, url)| format!("[{name}]({url})"))
        .collect();
    if !links.is_empty() {
        fields.push(
            json!({"name": "Links", "value": cut(&links.join(" · "), MAX_FIELD_VALUE),
                           "inline": false}),
        );
    }
    fields.truncate(MAX_FIELDS);
    let mut em = json!({
        "title": cut(&chat::title(e, templates), MAX_TITLE),
        "color": color(chat::tone(e)),
        "fields": fields,
        "timestamp": e.at.to_string(),
        "footer": {"text": "herald"},
    });
    if !e.message.is_empty() {
        em["description"] = json!(cut(&e.message, MAX_DESCRIPTION));
    }
    if let Some((_, url)) = templates.links_of(e).into_iter().next() {
        em["url"] = json!(url);
    }
    em
}

/// The characters Discord counts against its 6000: titles, descriptions, field names and
/// values, footers.
pub fn total(embeds: &[Value]) -> usize {
    let len = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    embeds
        .iter()
        .map(|e| {
            len(&e["title"])
                + len(&e["description"])
                + len(&e["footer"]["text"])
                + e["fields"].as_array().map_or(0, |f| {
                    f.iter().map(|f| len(&f["name"]) + len(&f["value"])).sum()
                })
        })
        .sum()
}

/// Cuts the longest descriptions, then fields from the last embeds, until the whole is under
/// Discord's 6000 characters.
fn fit(embeds: &mut [Value]) {
    loop {
        let over = total(embeds).saturating_sub(MAX_TOTAL);
        if over == 0 {
            return;
        }
        let longest = embeds
            .iter()
            .enumerate()
            .map(|(i, e)| {
                (
                    e["description"].as_str().map_or(0, |s| s.chars().count()),
                    i,
                )
            })
            .max();
        match longest {
            Some((len, i)) if len > 100 => {
                let keep = len.saturating_sub(over).max(100);
                let d = cut(embeds[i]["description"].as_str().unwrap_or(""), keep);
                embeds[i]["description"] = json!(d);
            }
            _ => {
                // Descriptions are short: drop fields, from the last embed back.
                let Some(e) = embeds
                    .iter_mut()
                    .rev()
                    .find(|e| e["fields"].as_array().is_some_and(|f| !f.is_empty()))
                else {
                    return;
                };
                e["fields"].as_array_mut().expect("fields").pop();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EventKind;
    use crate::notify::receivers::Reply;
    use crate::notify::receivers::chat::sample;

    fn config() -> Config {
        Config {
            url: Secret::Env("X".into()),
            username: Some("herald".into()),
            avatar_url: None,
        }
    }

    #[test]
    fn a_trouble_is_a_red_embed_that_pings_nobody() {
        let n = sample::one(sample::event(EventKind::Unhealthy, "web"));
        let m = message(&config(), &n, &Templates::default());
        assert_eq!(m["allowed_mentions"], json!({"parse": []}));
        assert_eq!(m["username"], "herald");
        let e = &m["embeds"][0];
        assert_eq!(
            e["title"],
            "Kustomization apps/web: unhealthy (HealthCheckFailed) [prod]"
        );
        assert_eq!(e["color"], 0xD73A49);
        assert_eq!(e["description"], "health check failed <timeout> & more");
        assert_eq!(e["fields"][0]["name"], "Health");
        assert_eq!(e["timestamp"], "2026-11-23T12:00:00Z");
    }

    #[test]
    fn a_recovery_is_green() {
        let n = sample::one(sample::event(EventKind::Recovered, "web"));
        let m = message(&config(), &n, &Templates::default());
        assert_eq!(m["embeds"][0]["color"], 0x2EA043);
    }

    #[test]
    fn a_group_is_ten_embeds_at_most_and_6000_characters() {
        let m = message(&config(), &sample::group(4), &Templates::default());
        assert_eq!(m["embeds"].as_array().unwrap().len(), 4);
        assert_eq!(m["content"], "4 events in prod");

        let mut big = sample::group(14);
        for (_, e) in &mut big.grouped {
            e.message = "y".repeat(5_000);
        }
        big.event.message = "x".repeat(10_000);
        let m = message(&config(), &big, &Templates::default());
        let embeds = m["embeds"].as_array().unwrap();
        assert_eq!(embeds.len(), MAX_EMBEDS);
        assert_eq!(embeds[9]["title"], "and 5 more");
        assert!(total(embeds) <= MAX_TOTAL, "{}", total(embeds));
        for e in embeds {
            assert!(e["description"].as_str().unwrap().chars().count() <= MAX_DESCRIPTION);
            assert!(e["title"].as_str().unwrap().chars().count() <= MAX_TITLE);
        }
    }

    fn answer(status: u16, h: &[(&'static str, &str)], body: &str) -> Reply {
        let mut headers = reqwest::header::HeaderMap::new();
        for (k, v) in h {
            headers.insert(*k, v.parse().unwrap());
        }
        Reply {
            status,
            headers,
            body: bytes::Bytes::from(body.to_string()),
        }
    }

    #[test]
    fn a_429_waits_what_its_body_says() {
        let r = answer(
            429,
            &[("retry-after", "9"), ("x-ratelimit-reset-after", "3")],
            r#"{"message": "You are being rate limited.", "retry_after": 1.234, "global": false}"#,
        );
        match by_status(&r, wait(&r)) {
            Outcome::Retry { after, .. } => assert_eq!(after, Some(Duration::from_millis(1234))),
            o => panic!("{o:?}"),
        }
        let r = answer(429, &[("x-ratelimit-reset-after", "3")], "");
        assert_eq!(wait(&r), Some(Duration::from_secs(3)));
        let r = answer(404, &[], r#"{"message": "Unknown Webhook", "code": 10015}"#);
        assert!(
            matches!(by_status(&r, wait(&r)), Outcome::Refused(w) if w.contains("Unknown Webhook"))
        );
    }
}
