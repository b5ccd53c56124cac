//! The services herald delivers to, one file each, every file of one shape:
//!
//! - `Raw`: the receiver's block as written in `herald.yaml` (read strictly: an unknown field is
//!   refused with its line);
//! - `Config` and `check(raw, v, at, line) -> Option<Config>`: the block checked, every mistake
//!   reported through the configuration's [`Validator`](crate::config::Validator) with the file,
//!   line and field; secrets only as `…File` or `…Env`, read when a message is sent;
//! - `deliver(config, cx, n) -> Outcome`: one notification (with its group, where the service
//!   takes several events in one message) sent as the service's documented API expects, its
//!   answer mapped to an [`Outcome`]: taken, retried (after the wait the service asked for), or
//!   refused for good.
//!
//! What they share is here: the HTTP client and templates ([`Cx`]), what is remembered per
//! object episode across deliveries, restarts and leaders (a Slack thread, a Google Chat
//! `threadKey`, a PagerDuty `dedup_key`: [`Cx::recall`]), and the reading of answers
//! ([`reply`], [`by_status`], [`retry_after`]). Errors never carry a URL (which may hold a token)
//! or a secret.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use serde_json::Value;

use super::outbox::Outbox;
use super::templates::Templates;
use super::{Notification, Outcome};
use crate::config::Secret;

pub mod alertmanager;
pub mod azure_devops;
pub mod bitbucket;
pub mod chat;
pub mod discord;
pub mod email;
pub mod forge;
pub mod git;
pub mod gitea;
pub mod github;
pub mod github_deployment;
pub mod github_dispatch;
pub mod gitlab;
pub mod gitlab_deployment;
pub mod gitlab_pipeline;
pub mod google_chat;
pub mod mattermost;
pub mod opsgenie;
pub mod pagerduty;
pub mod slack;
pub mod teams;
pub mod telegram;
pub mod template;
pub mod webhook;

/// The most of an answer's body herald reads: enough for any service's error document.
pub const MAX_REPLY_BYTES: usize = 64 * 1024;

/// What a delivery has at hand.
pub struct Cx<'a> {
    pub client: &'a reqwest::Client,
    /// Where threads and episode keys are kept (the outbox's database, or the hand-over state
    /// with leader election); None in `herald notify test`, which keeps nothing.
    pub threads: Option<&'a Outbox>,
    pub templates: &'a Templates,
    /// The receiver's name, as the configuration gives it.
    pub receiver: &'a str,
    /// The longest one request may take.
    pub timeout: Duration,
}

impl Cx<'_> {
    /// The key under which something is remembered for `n`'s object at `target` (a channel, a
    /// service, a repository): the receiver, the target and the object.
    pub fn episode_key(&self, target: &str, n: &Notification) -> String {
        format!("{}|{}|{}", self.receiver, target, n.event.object)
    }

    /// What was remembered under `key` (a thread id, an incident key), if anything.
    pub fn recall(&self, key: &str) -> Option<String> {
        self.threads.and_then(|t| t.thread(key))
    }

    /// Remembers `value` under `key`, or forgets it (None). A failure is logged: the next
    /// message of the episode then starts a new thread or incident, which loses nothing.
    pub fn remember(&self, key: &str, value: Option<&str>) {
        if let Some(t) = self.threads
            && let Err(e) = t.set_thread(key, value)
        {
            tracing::warn!(receiver = %self.receiver, error = %e, "cannot record the thread or incident key");
        }
    }
}

/// For services that take one event per request (an incident, a commit status, a deployment,
/// a workflow run): sends a notification's events (a group's, or the one) in turn. A retry stops
/// there and the whole notification is tried again later: the events already taken go again,
/// which each service's own key makes harmless (a `dedup_key`, an alias, a status context) or
/// its section in docs/receivers.md says. A refusal is reported and the other events still go.
pub async fn each_event<'n, F, Fut>(n: &'n Notification, mut send: F) -> Outcome
where
    F: FnMut(&'n super::Event) -> Fut,
    Fut: std::future::Future<Output = Outcome>,
{
    let mut refused = Vec::new();
    for e in n.events() {
        match send(e).await {
            Outcome::Delivered => {}
            retry @ Outcome::Retry { .. } => return retry,
            Outcome::Refused(why) => refused.push(why),
        }
    }
    if refused.is_empty() {
        Outcome::Delivered
    } else {
        Outcome::Refused(refused.join("; "))
    }
}

/// A service's answer, its body read up to [`MAX_REPLY_BYTES`].
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as JSON (Null when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The start of the body, for a log line.
    pub fn excerpt(&self) -> String {
        String::from_utf8_lossy(&self.body[..self.body.len().min(200)])
            .chars()
            .filter(|c| !c.is_control())
            .collect()
    }

    /// `HTTP 400 Bad Request: {body}`.
    pub fn why(&self) -> String {
        let reason = reqwest::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        format!("HTTP {} {reason}: {}", self.status, self.excerpt())
    }
}

/// Reads the answer to a request; no answer at all (refused, timed out, cut) is an
/// `Err(Outcome::Retry)`.
pub async fn reply(res: reqwest::Result<reqwest::Response>) -> Result<Reply, Outcome> {
    let mut res = res.map_err(|e| Outcome::Retry {
        after: None,
        why: without_url(&e),
    })?;
    let status = res.status().as_u16();
    let headers = std::mem::take(res.headers_mut());
    let mut body = Vec::new();
    loop {
        match res.chunk().await {
            Ok(Some(c)) => {
                let room = MAX_REPLY_BYTES - body.len();
                body.extend_from_slice(&c[..c.len().min(room)]);
                if body.len() >= MAX_REPLY_BYTES {
                    break;
                }
            }
            Ok(None) => break,
            // The status came: a body cut short does not change what it says.
            Err(_) => break,
        }
    }
    Ok(Reply {
        status,
        headers,
        body: Bytes::from(body),
    })
}

/// Sends a request and maps its answer with `answer` (each service's reading); no answer at all
/// is retried, as [`reply`] says.
pub async fn exchange(
    req: reqwest::RequestBuilder,
    answer: impl FnOnce(&Reply) -> Outcome,
) -> Outcome {
    match reply(req.send().await).await {
        Ok(r) => answer(&r),
        Err(o) => o,
    }
}

/// The usual reading of an HTTP status: 2xx taken; 429 retried after `wait` (what the service
/// said in its body), else its `Retry-After`, else a second; 408, 425 and 5xx retried after
/// the backoff (or the `Retry-After` a 503 may carry); any other 4xx refused.
pub fn by_status(r: &Reply, wait: Option<Duration>) -> Outcome {
    if r.ok() {
        return Outcome::Delivered;
    }
    let why = r.why();
    match r.status {
        429 => Outcome::Retry {
            after: Some(
                wait.or_else(|| retry_after(&r.headers))
                    .unwrap_or(Duration::from_secs(1)),
            ),
            why,
        },
        408 | 425 | 500..=599 => Outcome::Retry {
            after: wait.or_else(|| retry_after(&r.headers)),
            why,
        },
        _ => Outcome::Refused(why),
    }
}

/// The whole answer mapped by [`by_status`]: for services whose answer says nothing more.
pub async fn outcome(res: reqwest::Result<reqwest::Response>) -> Outcome {
    match reply(res).await {
        Ok(r) => by_status(&r, None),
        Err(o) => o,
    }
}

/// `Retry-After` as seconds (`120`, `1.5`) or an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Some(d) = seconds(v) {
        return Some(d);
    }
    let at = jiff::fmt::rfc2822::parse(v).ok()?.timestamp();
    let now = jiff::Timestamp::now();
    Some(Duration::try_from(at.duration_since(now)).unwrap_or(Duration::ZERO))
}

/// A header holding the Unix time (seconds) at which a rate limit resets, as the time to wait
/// from now (`x-ratelimit-reset`, `RateLimit-Reset` as a time).
pub fn reset_at(headers: &HeaderMap, name: &str) -> Option<Duration> {
    let at: i64 = headers.get(name)?.to_str().ok()?.trim().parse().ok()?;
    let now = jiff::Timestamp::now().as_second();
    Some(Duration::from_secs(u64::try_from(at - now).unwrap_or(0)))
}

/// A number of seconds, whole or not, as a service writes it in a header or a body; None for
/// anything negative, not finite or not a number.
pub fn seconds(v: &str) -> Option<Duration> {
    let s: f64 = v.trim().parse().ok()?;
    (s.is_finite() && s >= 0.0).then(|| Duration::from_secs_f64(s.min(1e9)))
}

/// Reads a secret's value. The error names where it was looked for, never what it holds.
pub fn read_secret(s: &Secret) -> Result<String, String> {
    match s {
        Secret::File(p) => std::fs::read_to_string(p)
            .map(|v| v.trim_end_matches(['\n', '\r']).to_string())
            .map_err(|e| format!("cannot read the secret file {}: {e}", p.display())),
        Secret::Env(v) => {
            std::env::var(v).map_err(|_| format!("the environment variable {v} is not set"))
        }
    }
}

/// A secret for a delivery, or the outcome to return when it cannot be read (retried: the
/// file may be mounted late).
pub fn secret(s: &Secret) -> Result<String, Outcome> {
    read_secret(s).map_err(|why| Outcome::Retry { after: None, why })
}

/// The error without its URL, which may carry a token in its path or query.
pub fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    let mut source = std::error::Error::source(e);
    let mut detail = String::new();
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}: {detail}")
    }
}

/// `s` cut to at most `max` characters, with `…` in place of what was cut: for fields a
/// service limits in length.
pub fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    fn answer(status: u16, h: &[(&'static str, &str)], body: &str) -> Reply {
        Reply {
            status,
            headers: headers(h),
            body: Bytes::from(body.to_string()),
        }
    }

    #[test]
    fn statuses_map_to_outcomes_and_waits_come_from_the_service() {
        assert!(matches!(
            by_status(&answer(204, &[], ""), None),
            Outcome::Delivered
        ));
        match by_status(&answer(429, &[("retry-after", "7")], "slow down"), None) {
            Outcome::Retry { after, why } => {
                assert_eq!(after, Some(Duration::from_secs(7)));
                assert!(why.contains("429") && why.contains("slow down"), "{why}");
            }
            o => panic!("{o:?}"),
        }
        // What the body said wins over the header.
        match by_status(
            &answer(429, &[("retry-after", "7")], ""),
            Some(Duration::from_millis(1500)),
        ) {
            Outcome::Retry { after, .. } => assert_eq!(after, Some(Duration::from_millis(1500))),
            o => panic!("{o:?}"),
        }
        assert!(matches!(
            by_status(&answer(429, &[], ""), None),
            Outcome::Retry { after: Some(d), .. } if d == Duration::from_secs(1)
        ));
        assert!(matches!(
            by_status(&answer(503, &[], ""), None),
            Outcome::Retry { after: None, .. }
        ));
        assert!(matches!(
            by_status(&answer(404, &[], "no such hook"), None),
            Outcome::Refused(w) if w.contains("404 Not Found")
        ));
    }

    #[test]
    fn retry_after_reads_seconds_and_dates_and_refuses_nonsense() {
        assert_eq!(
            retry_after(&headers(&[("retry-after", " 2.5 ")])),
            Some(Duration::from_millis(2500))
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "-3")])), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")])), None);
        // A date in the past: no wait.
        assert_eq!(
            retry_after(&headers(&[(
                "retry-after",
                "Wed, 21 Oct 2015 07:28:00 GMT"
            )])),
            Some(Duration::ZERO)
        );
        let later = jiff::Timestamp::now().as_second() + 30;
        let d = reset_at(
            &headers(&[("x-ratelimit-reset", &later.to_string())]),
            "x-ratelimit-reset",
        )
        .unwrap();
        assert!(
            d <= Duration::from_secs(30) && d >= Duration::from_secs(28),
            "{d:?}"
        );
        assert_eq!(seconds("NaN"), None);
        assert_eq!(seconds("inf"), None);
    }

    #[test]
    fn cut_keeps_short_text_and_marks_what_it_cut() {
        assert_eq!(cut("short", 10), "short");
        assert_eq!(cut("0123456789abc", 10), "012345678…");
        assert_eq!(cut("ééééé", 3).chars().count(), 3);
    }
}
