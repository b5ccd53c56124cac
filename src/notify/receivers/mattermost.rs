//! Mattermost and Rocket.Chat incoming webhooks, which both take Slack's older message shape:
//! `{text, attachments: [{fallback, color, title, title_link, text, fields: [{title, value,
//! short}]}]}`, with optional overrides of the channel, the name and the icon (Mattermost's
//! `channel`, `username`, `icon_url`; Rocket.Chat's `channel`, `alias`, `avatar`). One
//! attachment per event: a group is one post of several. Mattermost answers `ok`, Rocket.Chat
//! `{"success": true}`. The webhook URL holds the hook's key: it is a secret.

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::{Value, json};

use super::chat::{self, Tone};
use super::{Cx, by_status, cut, secret};
use crate::config::{Secret, Spanned, Validator};
use crate::notify::templates::Templates;
use crate::notify::{Event, Notification, Outcome};

/// Mattermost posts hold at most 16383 characters (4000 on old servers); herald keeps each
/// text part well under, and a group to this many attachments (the rest counted).
pub const MAX_ATTACHMENTS: usize = 20;
pub const MAX_TEXT: usize = 4000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Mattermost,
    RocketChat,
}

impl Flavor {
    pub fn key(self) -> &'static str {
        match self {
            Flavor::Mattermost => "mattermost",
            Flavor::RocketChat => "rocketchat",
        }
    }
}

/// `mattermost:` or `rocketchat:` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Raw {
    url_file: Option<PathBuf>,
    url_env: Option<String>,
    channel: Option<Spanned<String>>,
    username: Option<Spanned<String>>,
    icon_url: Option<Spanned<String>>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub flavor: Flavor,
    /// The incoming webhook's URL (a secret).
    pub url: Secret,
    pub channel: Option<String>,
    pub username: Option<String>,
    pub icon_url: Option<String>,
}

pub(crate) fn check(
    raw: Raw,
    flavor: Flavor,
    v: &mut Validator,
    at: &str,
    line: usize,
) -> Option<Config> {
    let here = format!("{at}.{}", flavor.key());
    for (name, f) in [("channel", &raw.channel), ("username", &raw.username)] {
        if let Some(f) = f
            && f.value.trim().is_empty()
        {
            v.error(
                f.referenced.line() as usize,
                format!("{here}.{name}"),
                "empty: leave it out to use the webhook's own",
            );
        }
    }
    if let Some(i) = &raw.icon_url {
        v.url(
            i.referenced.line() as usize,
            &format!("{here}.iconUrl"),
            &i.value,
        );
    }
    let url = chat::required_secret(
        v,
        line,
        &here,
        "url",
        raw.url_file,
        raw.url_env,
        "the incoming webhook's URL",
    )?;
    Some(Config {
        flavor,
        url,
        channel: raw.channel.map(|c| c.value),
        username: raw.username.map(|u| u.value),
        icon_url: raw.icon_url.map(|i| i.value),
    })
}

pub async fn deliver(c: &Config, cx: &Cx<'_>, n: &Notification) -> Outcome {
    let url = match secret(&c.url) {
        Ok(u) => u,
        Err(o) => return o,
    };
    let req = cx
        .client
        .post(url.trim())
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&message(c, n, cx.templates)).expect("JSON"));
    super::exchange(req, |r| answer(c.flavor, r)).await
}

/// Rocket.Chat may say `{"success": false, "error": …}`, even with a 200.
pub fn answer(flavor: Flavor, r: &super::Reply) -> Outcome {
    let o = by_status(r, None);
    if flavor == Flavor::RocketChat && o == Outcome::Delivered && r.json()["success"] == false {
        return Outcome::Refused(format!(
            "Rocket.Chat: {}",
            cut(r.json()["error"].as_str().unwrap_or("not taken"), 300)
        ));
    }
    o
}

fn color(t: Tone) -> &'static str {
    match t {
        Tone::Bad => "#d73a49",
        Tone::Warn => "#f0a020",
        Tone::Good => "#2ea043",
        Tone::Neutral => "#959da5",
    }
}

pub fn message(c: &Config, n: &Notification, templates: &Templates) -> Value {
    let events: Vec<&Event> = n.events().collect();
    let mut attachments: Vec<Value> = events
        .iter()
        .take(MAX_ATTACHMENTS)
        .map(|e| attachment(e, templates))
        .collect();
    let text = if events.len() == 1 {
        chat::title(events[0], templates)
    } else {
        format!("{} events in {}", events.len(), n.event.cluster)
    };
    if events.len() > MAX_ATTACHMENTS {
        let rest: Vec<String> = events[MAX_ATTACHMENTS..]
            .iter()
            .map(|e| chat::title(e, templates))
            .collect();
        attachments.push(json!({
            "fallback": format!("and {} more", rest.len()),
            "color": color(Tone::Neutral),
            "title": format!("and {} more", rest.len()),
            "text": cut(&rest.join("\n"), MAX_TEXT),
        }));
    }
    let mut m = json!({"text": cut(&text, MAX_TEXT), "attachments": attachments});
    if let Some(ch) = &c.channel {
        m["channel"] = json!(ch);
    }
    match c.flavor {
        Flavor::Mattermost => {
            if let Some(u) = &c.username {
                m["username"] = json!(u);
            }
            if let Some(i) = &c.icon_url {
                m["icon_url"] = json!(i);
            }
        }
        Flavor::RocketChat => {
            if let Some(u) = &c.username {
                m["alias"] = json!(u);
            }
            if let Some(i) = &c.icon_url {
                m["avatar"] = json!(i);
            }
        }
    }
    m
}

fn attachment(e: &Event, templates: &Templates) -> Value {
    let title = chat::title(e, templates);
    let mut fields: Vec<Value> = chat::facts(e)
        .into_iter()
        .map(|(k, v)| {
            json!({"title": k, "value": cut(&v, 1000),
                   "short": matches!(k, "Health" | "Status" | "Cluster")})
        })
        .collect();
    let links = templates.links_of(e);
    if !links.is_empty() {
        let md: Vec<String> = links
            .iter()
            .map(|(name, url)| format!("[{name}]({url})"))
            .collect();
        fields.push(json!({"title": "Links", "value": md.join(" · "), "short": false}));
    }
    let mut a = json!({
        "fallback": cut(&title, 500),
        "color": color(chat::tone(e)),
        "title": cut(&title, 500),
        "text": cut(&e.message, MAX_TEXT),
        "fields": fields,
    });
    if let Some((_, url)) = links.first() {
        a["title_link"] = json!(url);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EventKind;
    use crate::notify::receivers::Reply;
    use crate::notify::receivers::chat::sample;

    fn config(flavor: Flavor) -> Config {
        Config {
            flavor,
            url: Secret::Env("X".into()),
            channel: Some("town-square".into()),
            username: Some("herald".into()),
            icon_url: Some("https://herald.example.com/icon.png".into()),
        }
    }

    #[test]
    fn a_trouble_is_a_red_attachment_with_fields() {
        let n = sample::one(sample::event(EventKind::Unhealthy, "web"));
        let m = message(&config(Flavor::Mattermost), &n, &Templates::default());
        assert_eq!(
            m["text"],
            "Kustomization apps/web: unhealthy (HealthCheckFailed) [prod]"
        );
        assert_eq!(m["channel"], "town-square");
        assert_eq!(m["username"], "herald");
        assert_eq!(m["icon_url"], "https://herald.example.com/icon.png");
        let a = &m["attachments"][0];
        assert_eq!(a["color"], "#d73a49");
        assert_eq!(a["text"], "health check failed <timeout> & more");
        assert_eq!(
            a["fields"][0],
            json!({"title": "Health", "value": "healthy → unhealthy", "short": true})
        );
        assert!(a["fallback"].is_string());
    }

    #[test]
    fn rocket_chat_names_its_overrides_its_way() {
        let n = sample::one(sample::event(EventKind::Recovered, "web"));
        let m = message(&config(Flavor::RocketChat), &n, &Templates::default());
        assert_eq!(m["alias"], "herald");
        assert_eq!(m["avatar"], "https://herald.example.com/icon.png");
        assert!(m.get("username").is_none());
        assert_eq!(m["attachments"][0]["color"], "#2ea043");
    }

    #[test]
    fn a_group_is_one_post_of_attachments_counted_beyond_twenty() {
        let m = message(
            &config(Flavor::Mattermost),
            &sample::group(3),
            &Templates::default(),
        );
        assert_eq!(m["attachments"].as_array().unwrap().len(), 3);
        assert_eq!(m["text"], "3 events in prod");
        let m = message(
            &config(Flavor::Mattermost),
            &sample::group(25),
            &Templates::default(),
        );
        let a = m["attachments"].as_array().unwrap();
        assert_eq!(a.len(), MAX_ATTACHMENTS + 1);
        assert_eq!(a[MAX_ATTACHMENTS]["title"], "and 5 more");
    }

    #[test]
    fn answers_map_to_outcomes() {
        let r = |status, body: &str| Reply {
            status,
            headers: Default::default(),
            body: bytes::Bytes::from(body.to_string()),
        };
        assert_eq!(
            answer(Flavor::Mattermost, &r(200, "ok")),
            Outcome::Delivered
        );
        assert_eq!(
            answer(Flavor::RocketChat, &r(200, r#"{"success": true}"#)),
            Outcome::Delivered
        );
        assert!(matches!(
            answer(Flavor::RocketChat, &r(200, r#"{"success": false, "error": "Invalid integration"}"#)),
            Outcome::Refused(w) if w.contains("Invalid integration")
        ));
        assert!(matches!(
            answer(
                Flavor::Mattermost,
                &r(400, r#"{"id": "web.incoming_webhook.text.app_error"}"#)
            ),
            Outcome::Refused(_)
        ));
        assert!(matches!(
            answer(Flavor::Mattermost, &r(429, "")),
            Outcome::Retry { after: Some(_), .. }
        ));
    }
}
