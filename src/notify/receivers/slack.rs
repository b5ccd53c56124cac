//! Slack's Web API (`chat.postMessage` with a bot token): a message with blocks (a headline,
//! the status and message, the children at fault, a context line); a recovery or deletion is
//! posted in the thread of the trouble it ends (and to the channel too), the thread kept per
//! object across restarts and leaders. A group is one message, one line per event.

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::{Value, json};

use super::{Cx, outcome, read_secret, without_url};
use crate::config::{EventKind, Secret, Spanned, Validator};
use crate::notify::templates::Templates;
use crate::notify::{Event, Notification, Outcome};

/// `slack:` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Raw {
    token_file: Option<PathBuf>,
    token_env: Option<String>,
    channel: Spanned<String>,
    api_url: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub token: Secret,
    pub channel: String,
    /// Without a trailing `/`.
    pub api_url: String,
}

pub(crate) fn check(s: Raw, v: &mut Validator, at: &str, line: usize) -> Option<Config> {
    let slack = format!("{at}.slack");
    let token = v.secret(line, &slack, "token", s.token_file, s.token_env);
    if token == Ok(None) {
        v.error(
            line,
            slack,
            "needs tokenFile or tokenEnv (a bot token with chat:write)",
        );
    }
    let token = token.ok().flatten();
    if s.channel.value.trim().is_empty() {
        v.error(
            s.channel.referenced.line() as usize,
            format!("{at}.slack.channel"),
            "empty channel",
        );
    }
    let api_url = s
        .api_url
        .unwrap_or_else(|| "https://slack.com/api".to_string());
    v.url(line, &format!("{at}.slack.apiUrl"), &api_url);
    Some(Config {
        token: token?,
        channel: s.channel.value,
        api_url: api_url.trim_end_matches('/').to_string(),
    })
}

pub async fn deliver(c: &Config, cx: &Cx<'_>, n: &Notification) -> Outcome {
    let Config {
        token,
        channel,
        api_url,
    } = c;
    let (client, threads, templates) = (cx.client, cx.threads, cx.templates);
    let token = match read_secret(token) {
        Ok(t) => t,
        Err(why) => return Outcome::Retry { after: None, why },
    };
    let thread_key = format!(
        "{}|{}|{}",
        cx.receiver,
        n.target.as_deref().unwrap_or(channel),
        n.event.object
    );
    // A group is one message about several objects: it has no thread of its own.
    let grouped = !n.grouped.is_empty();
    let threads = threads.filter(|_| !grouped);
    let thread = threads.and_then(|t| t.thread(&thread_key));
    let mut body = if grouped {
        slack_group(n, templates)
    } else {
        slack_message(&n.event, templates)
    };
    body["channel"] = json!(n.target.as_deref().unwrap_or(channel));
    if let Some(ts) = &thread {
        body["thread_ts"] = json!(ts);
        if n.event.kind == EventKind::Recovered {
            // The channel sees the recovery too, not only the thread.
            body["reply_broadcast"] = json!(true);
        }
    }
    let res = client
        .post(format!("{api_url}/chat.postMessage"))
        .header("content-type", "application/json; charset=utf-8")
        .bearer_auth(token)
        .body(serde_json::to_vec(&body).expect("JSON"))
        .send()
        .await;
    let res = match res {
        Ok(r) if r.status().is_success() => r,
        other => return outcome(other).await,
    };
    let answer: Value = match res.bytes().await {
        Ok(b) => serde_json::from_slice(&b).unwrap_or(Value::Null),
        Err(e) => {
            return Outcome::Retry {
                after: None,
                why: without_url(&e),
            };
        }
    };
    if answer["ok"] != true {
        let error = answer["error"].as_str().unwrap_or("unknown error");
        return match error {
            "ratelimited"
            | "internal_error"
            | "fatal_error"
            | "service_unavailable"
            | "request_timeout" => Outcome::Retry {
                after: None,
                why: format!("Slack: {error}"),
            },
            _ => Outcome::Refused(format!("Slack: {error}")),
        };
    }
    if let Some(threads) = threads {
        let ts = answer["ts"].as_str();
        let result = if n.event.kind == EventKind::Recovered || n.event.kind == EventKind::Deleted {
            threads.set_thread(&thread_key, None)
        } else if thread.is_none() && crate::events::is_trouble(n.event.kind) {
            threads.set_thread(&thread_key, ts)
        } else {
            Ok(())
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "cannot record the Slack thread");
        }
    }
    Outcome::Delivered
}

/// A Slack message for a group: a headline, then one line per event (45 at most).
fn slack_group(n: &Notification, templates: &Templates) -> Value {
    let count = n.events().count();
    let mut blocks = vec![json!({"type": "section", "text": {"type": "mrkdwn",
        "text": format!("*{count} events* in *{}*", n.event.cluster)}})];
    for e in n.events().take(45) {
        let line: String = templates.render("subject", e).chars().take(2900).collect();
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": line}}));
    }
    json!({"text": format!("{count} events: {}", templates.render("subject", &n.event)),
           "blocks": blocks, "unfurl_links": false})
}

/// A Slack message: a header, the status and message, the children at fault, and a context
/// line; `text` is the fallback notifications show.
pub fn slack_message(e: &Event, templates: &Templates) -> Value {
    let icon = match e.kind {
        EventKind::Unhealthy | EventKind::SyncFailed | EventKind::ChildUnhealthy => ":red_circle:",
        EventKind::Warning | EventKind::Stuck | EventKind::Drift => ":large_orange_circle:",
        EventKind::Recovered => ":large_green_circle:",
        EventKind::Deleted => ":wastebasket:",
        _ => ":large_blue_circle:",
    };
    let o = &e.object;
    let name = if o.namespace.is_empty() {
        o.name.to_string()
    } else {
        format!("{}/{}", o.namespace, o.name)
    };
    let headline: String = format!("{icon} {} {name}: {}", o.kind, e.kind)
        .chars()
        .take(150)
        .collect();
    let details = templates.render("slack", e).trim().to_string();
    let verdict = |v: &Option<crate::store::Verdict>| {
        v.as_ref().map_or("none".into(), |v| v.health.to_string())
    };
    let context = format!(
        "cluster *{}* · {} → {} · {}",
        e.cluster,
        verdict(&e.from),
        verdict(&e.to),
        e.at.strftime("%Y-%m-%d %H:%M:%S UTC")
    );
    let mut blocks = vec![json!({"type": "section", "text": {"type": "mrkdwn", "text": headline}})];
    if !details.is_empty() {
        let details: String = details.chars().take(2990).collect();
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": details}}));
    }
    blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]}));
    json!({"text": templates.render("subject", e), "blocks": blocks, "unfurl_links": false})
}
