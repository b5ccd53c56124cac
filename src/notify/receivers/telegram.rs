//! Telegram's Bot API, `sendMessage` (`POST <apiUrl>/bot<token>/sendMessage`): a message in
//! HTML (`<b>`, `<code>`, `<a>`; everything else escaped), at most 4096 characters as Telegram
//! counts them, without link previews; optionally in a forum topic (`messageThreadId`). The
//! recovery replies to its trouble's message (remembered for the object's episode). The bot
//! token is in the URL's path: it is a secret, and no error or log line shows the URL.
//! Telegram says how long to wait when it throttles (`parameters.retry_after`).

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use super::chat::{self, Tone};
use super::{Cx, by_status, cut, reply, secret};
use crate::config::{EventKind, Secret, Spanned, Validator};
use crate::notify::templates::Templates;
use crate::notify::{Event, Notification, Outcome};

/// A message's text holds at most 4096 characters after entity parsing.
pub const MAX_TEXT: usize = 4096;

/// A chat: its numeric id (`-1001234567890`) or a channel's `@username`, written as a number or
/// a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatId(pub String);

impl<'de> Deserialize<'de> for ChatId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ChatId;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a chat id (a number) or a channel's @username")
            }
            fn visit_i64<E>(self, v: i64) -> Result<ChatId, E> {
                Ok(ChatId(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<ChatId, E> {
                Ok(ChatId(v.to_string()))
            }
            fn visit_str<E>(self, v: &str) -> Result<ChatId, E> {
                Ok(ChatId(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// `telegram:` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Raw {
    token_file: Option<PathBuf>,
    token_env: Option<String>,
    chat_id: Spanned<ChatId>,
    message_thread_id: Option<Spanned<i64>>,
    api_url: Option<Spanned<String>>,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The bot token (a secret, in the request's path).
    pub token: Secret,
    /// A number (sent as one) or `@channel`.
    pub chat_id: Value,
    pub message_thread_id: Option<i64>,
    /// Without a trailing `/`.
    pub api_url: String,
}

pub(crate) fn check(raw: Raw, v: &mut Validator, at: &str, line: usize) -> Option<Config> {
    let here = format!("{at}.telegram");
    let id = raw.chat_id.value.0.trim().to_string();
    let chat_id = if let Ok(n) = id.parse::<i64>() {
        json!(n)
    } else if id.len() > 1 && id.starts_with('@') {
        json!(id)
    } else {
        v.error(
            raw.chat_id.referenced.line() as usize,
            format!("{here}.chatId"),
            format!("{id:?} is neither a chat id (a number) nor a channel's @username"),
        );
        Value::Null
    };
    if let Some(t) = &raw.message_thread_id
        && t.value <= 0
    {
        v.error(
            t.referenced.line() as usize,
            format!("{here}.messageThreadId"),
            "a topic's id is a positive number",
        );
    }
    let api_url = match &raw.api_url {
        Some(u) => {
            v.url(
                u.referenced.line() as usize,
                &format!("{here}.apiUrl"),
                &u.value,
            );
            u.value.trim_end_matches('/').to_string()
        }
        None => "https://api.telegram.org".to_string(),
    };
    let token = chat::required_secret(
        v,
        line,
        &here,
        "token",
        raw.token_file,
        raw.token_env,
        "the bot's token from @BotFather",
    )?;
    Some(Config {
        token,
        chat_id,
        message_thread_id: raw.message_thread_id.map(|t| t.value),
        api_url,
    })
}

pub async fn deliver(c: &Config, cx: &Cx<'_>, n: &Notification) -> Outcome {
    let token = match secret(&c.token) {
        Ok(t) => t,
        Err(o) => return o,
    };
    let key = cx.episode_key(&c.chat_id.to_string(), n);
    let single = n.grouped.is_empty();
    let recalled = single.then(|| cx.recall(&key)).flatten();
    let mut body = json!({
        "chat_id": c.chat_id,
        "text": text(n, cx.templates),
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": true},
    });
    if let Some(t) = c.message_thread_id {
        body["message_thread_id"] = json!(t);
    }
    if let Some(id) = recalled.as_deref().and_then(|s| s.parse::<i64>().ok()) {
        body["reply_parameters"] = json!({"message_id": id, "allow_sending_without_reply": true});
    }
    let req = cx
        .client
        .post(format!("{}/bot{}/sendMessage", c.api_url, token.trim()))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body).expect("JSON"));
    let r = match reply(req.send().await).await {
        Ok(r) => r,
        Err(o) => return o,
    };
    let outcome = answer(&r);
    if outcome == Outcome::Delivered && single {
        let e = &n.event;
        if matches!(e.kind, EventKind::Recovered | EventKind::Deleted) {
            if recalled.is_some() {
                cx.remember(&key, None);
            }
        } else if recalled.is_none() && crate::events::is_trouble(e.kind) {
            let id = r.json()["result"]["message_id"]
                .as_i64()
                .map(|i| i.to_string());
            cx.remember(&key, id.as_deref());
        }
    }
    outcome
}

/// Telegram's answer: `{"ok": true, "result": …}`, or `{"ok": false, "error_code",
/// "description", "parameters": {"retry_after"}}`.
pub fn answer(r: &super::Reply) -> Outcome {
    let body = r.json();
    let wait = body["parameters"]["retry_after"]
        .as_f64()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| Duration::from_secs_f64(s.min(1e9)));
    if r.ok() && body["ok"] != false {
        return Outcome::Delivered;
    }
    let Some(description) = body["description"].as_str() else {
        return by_status(r, wait);
    };
    // The description names what went wrong; the URL (with the token) is never shown.
    let why = format!(
        "Telegram: {} {}",
        body["error_code"].as_i64().unwrap_or(r.status as i64),
        cut(description, 300)
    );
    if r.ok() {
        return Outcome::Refused(why);
    }
    match by_status(r, wait) {
        Outcome::Retry { after, .. } => Outcome::Retry { after, why },
        Outcome::Delivered => Outcome::Delivered,
        Outcome::Refused(_) => Outcome::Refused(why),
    }
}

/// `<`, `>`, `&` and, in attributes, `"` escaped.
fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn icon(t: Tone) -> &'static str {
    match t {
        Tone::Bad => "🔴",
        Tone::Warn => "🟠",
        Tone::Good => "🟢",
        Tone::Neutral => "⚪",
    }
}

/// What Telegram counts of an HTML text: its characters with the tags left out and each
/// entity as one.
pub fn visible(s: &str) -> usize {
    let mut n = 0;
    let mut in_tag = false;
    let mut in_entity = false;
    for c in s.chars() {
        match (c, in_tag, in_entity) {
            ('<', false, _) => in_tag = true,
            ('>', true, _) => in_tag = false,
            (_, true, _) => {}
            ('&', false, false) => {
                in_entity = true;
                n += 1;
            }
            (';', false, true) => in_entity = false,
            (_, false, true) => {}
            _ => n += 1,
        }
    }
    n
}

/// The message's text: for one event its headline, facts, message and links; for a group a
/// line per event (as many as fit, the rest counted).
pub fn text(n: &Notification, templates: &Templates) -> String {
    let events: Vec<&Event> = n.events().collect();
    if events.len() == 1 {
        return one(events[0], templates);
    }
    let mut out = format!(
        "<b>{} events in {}</b>\n",
        events.len(),
        html(&n.event.cluster)
    );
    for (i, e) in events.iter().enumerate() {
        let line = format!(
            "{} {}\n",
            icon(chat::tone(e)),
            html(&cut(&chat::title(e, templates), 300))
        );
        let more = format!("and {} more", events.len() - i);
        if visible(&out) + visible(&line) + more.len() + 1 > MAX_TEXT {
            out.push_str(&more);
            return out;
        }
        out.push_str(&line);
    }
    out.trim_end().to_string()
}

fn one(e: &Event, templates: &Templates) -> String {
    let mut head = format!(
        "{} <b>{}</b>\n",
        icon(chat::tone(e)),
        html(&cut(&chat::title(e, templates), 500))
    );
    for (k, v) in chat::facts(e) {
        head.push_str(&format!("<b>{k}:</b> {}\n", html(&cut(&v, 300))));
    }
    let links: Vec<String> = templates
        .links_of(e)
        .into_iter()
        .map(|(name, url)| format!("<a href=\"{}\">{}</a>", html(&url), html(&name)))
        .collect();
    let tail = links.join(" · ");
    let room = MAX_TEXT.saturating_sub(visible(&head) + visible(&tail) + 2);
    let mut out = head;
    if !e.message.is_empty() && room > 1 {
        out.push_str(&format!(
            "<pre>{}</pre>\n",
            html(&cut(&e.message, room.min(3000)))
        ));
    }
    out.push_str(&tail);
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::receivers::Reply;
    use crate::notify::receivers::chat::sample;

    #[test]
    fn a_trouble_is_escaped_html_with_facts_and_links() {
        let mut t = Templates::default();
        t.add_link(
            "Status",
            "https://h.example.com/?o={{ object.ref }}&x=1",
            vec![],
        )
        .unwrap();
        let n = sample::one(sample::event(EventKind::Unhealthy, "web"));
        let s = text(&n, &t);
        assert!(
            s.starts_with(
                "🔴 <b>Kustomization apps/web: unhealthy (HealthCheckFailed) [prod]</b>\n"
            ),
            "{s}"
        );
        assert!(s.contains("<b>Health:</b> healthy → unhealthy\n"), "{s}");
        assert!(
            s.contains("<pre>health check failed &lt;timeout&gt; &amp; more</pre>"),
            "{s}"
        );
        assert!(
            s.ends_with("<a href=\"https://h.example.com/?o=apps/web&amp;x=1\">Status</a>"),
            "{s}"
        );
    }

    #[test]
    fn long_texts_are_cut_to_4096_visible_characters() {
        let mut e = sample::event(EventKind::Unhealthy, "web");
        e.message = "<&>".repeat(5000);
        let s = text(&sample::one(e), &Templates::default());
        assert!(visible(&s) <= MAX_TEXT, "{}", visible(&s));
        let mut g = sample::group(200);
        g.event.message = "x".repeat(5000);
        let s = text(&g, &Templates::default());
        assert!(visible(&s) <= MAX_TEXT, "{}", visible(&s));
        assert!(s.contains("more"));
        assert!(s.starts_with("<b>200 events in prod</b>"));
        assert_eq!(visible("<b>a&amp;b</b>"), 3);
    }

    fn r(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: Default::default(),
            body: bytes::Bytes::from(body.to_string()),
        }
    }

    #[test]
    fn answers_map_to_outcomes_and_the_wait_is_telegrams() {
        assert_eq!(
            answer(&r(200, r#"{"ok": true, "result": {"message_id": 7}}"#)),
            Outcome::Delivered
        );
        match answer(&r(
            429,
            r#"{"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 5", "parameters": {"retry_after": 5}}"#,
        )) {
            Outcome::Retry { after, why } => {
                assert_eq!(after, Some(Duration::from_secs(5)));
                assert!(why.contains("Too Many Requests"), "{why}");
            }
            o => panic!("{o:?}"),
        }
        assert!(matches!(
            answer(&r(400, r#"{"ok": false, "error_code": 400, "description": "Bad Request: chat not found"}"#)),
            Outcome::Refused(w) if w.contains("chat not found")
        ));
        assert!(matches!(
            answer(&r(
                401,
                r#"{"ok": false, "error_code": 401, "description": "Unauthorized"}"#
            )),
            Outcome::Refused(_)
        ));
        assert!(matches!(
            answer(&r(502, "<html>Bad Gateway</html>")),
            Outcome::Retry { .. }
        ));
    }
}
