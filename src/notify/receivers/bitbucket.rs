//! Bitbucket Cloud commit build statuses: `POST
//! /repositories/{workspace}/{repo_slug}/commit/{sha}/statuses/build` with `key` (the context;
//! when longer than Bitbucket's 40 characters, `herald-` and a hash of it), `state`
//! (`INPROGRESS`, `SUCCESSFUL`, `FAILED`), `name` (the whole context), `url` (required: the
//! object's first link, else the receiver's `targetUrl`) and `description`. The token is an
//! access token (repository, project or workspace) with `repository:write`, sent as
//! `Authorization: Bearer`.

use std::time::Duration;

use serde_json::json;

use super::forge::{self, Forge, State, Status};
use super::{Cx, Reply, by_status};
use crate::config::Validator;
use crate::notify::{Notification, Outcome};

pub use super::forge::{Config, Raw};

/// The longest `key` Bitbucket takes.
pub const MAX_KEY: usize = 40;

pub(crate) fn check(raw: Raw, v: &mut Validator, at: &str, line: usize) -> Option<Config> {
    forge::check(raw, v, at, line, Forge::Bitbucket)
}

pub async fn deliver(c: &Config, cx: &Cx<'_>, n: &Notification) -> Outcome {
    forge::deliver_each(c, cx, n, |s, token| async move {
        let req = cx
            .client
            .post(url(c, &s))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&body(c, &s)).expect("JSON"));
        super::exchange(req, answer).await
    })
    .await
}

pub fn url(c: &Config, s: &Status) -> String {
    format!(
        "{}/repositories/{}/{}/commit/{}/statuses/build",
        c.api_url,
        forge::encode(&s.repo[0]),
        forge::encode(&s.repo[1]),
        s.sha
    )
}

pub fn state(s: State) -> &'static str {
    match s {
        State::Pending => "INPROGRESS",
        State::Success => "SUCCESSFUL",
        State::Warning | State::Failure => "FAILED",
    }
}

/// The context as a key of at most 40 characters: itself when it fits, else `herald-` and
/// the first 16 bytes of its SHA-256 in hex (stable, so one object keeps one status).
pub fn key(context: &str) -> String {
    if context.chars().count() <= MAX_KEY {
        return context.to_string();
    }
    let d = ring::digest::digest(&ring::digest::SHA256, context.as_bytes());
    let hex: String = d.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("herald-{hex}")
}

pub fn body(c: &Config, s: &Status) -> serde_json::Value {
    json!({
        "key": key(&s.context),
        "state": state(s.state),
        "name": s.context,
        "url": s.target_url.clone().or_else(|| c.target_url.clone()).unwrap_or_default(),
        "description": super::cut(&s.description, Forge::Bitbucket.description_limit()),
    })
}

/// Bitbucket's answer: 200/201 taken; 429 waits for `Retry-After` (a minute without it:
/// Bitbucket's limits are counted per hour); 400, 401, 403, 404 refused.
pub fn answer(r: &Reply) -> Outcome {
    if r.status == 429 {
        return Outcome::Retry {
            after: forge::rate_limited(r, "x-ratelimit-remaining", "x-ratelimit-reset")
                .or(Some(Duration::from_secs(60))),
            why: r.why(),
        };
    }
    by_status(r, None)
}

#[cfg(test)]
mod tests {
    use super::super::forge::tests::*;
    use super::*;

    fn bitbucket() -> Config {
        let mut c = config(
            Forge::Bitbucket,
            "https://api.bitbucket.org/2.0",
            &["bitbucket.org"],
        );
        c.target_url = Some("https://herald.example.com".into());
        c
    }

    #[test]
    fn statuses_with_a_short_key_and_a_link() {
        let c = bitbucket();
        let mut t = trouble();
        t.repo = Some("git@bitbucket.org:acme/apps.git".into());
        let s = with_cx(|cx| forge::status(&c, cx, &t)).unwrap();
        assert_eq!(
            url(&c, &s),
            format!(
                "https://api.bitbucket.org/2.0/repositories/acme/apps/commit/{SHA}/statuses/build"
            )
        );
        let b = body(&c, &s);
        assert_eq!(b["state"], "FAILED");
        assert_eq!(b["name"], "herald/prod/Kustomization/apps/web");
        assert_eq!(b["key"], "herald/prod/Kustomization/apps/web");
        assert_eq!(b["url"], "https://herald.example.com");
        let mut r = recovery();
        r.repo = t.repo.clone();
        let s = with_cx(|cx| forge::status(&c, cx, &r)).unwrap();
        assert_eq!(body(&c, &s)["state"], "SUCCESSFUL");
        assert_eq!(state(State::Pending), "INPROGRESS");
        // A long context: a stable hashed key within 40 characters.
        let long = "herald/production-eu-west-1/Kustomization/platform/ingress-nginx";
        let k = key(long);
        assert!(k.len() <= MAX_KEY && k.starts_with("herald-"), "{k}");
        assert_eq!(k, key(long));
        assert_ne!(k, key(&format!("{long}2")));
    }

    #[test]
    fn answers() {
        assert_eq!(answer(&reply_of(201, &[], "{}")), Outcome::Delivered);
        assert!(matches!(
            answer(&reply_of(400, &[], r#"{"type":"error","error":{"message":"url: This field is required."}}"#)),
            Outcome::Refused(w) if w.contains("required")
        ));
        assert!(matches!(
            answer(&reply_of(429, &[], "Rate limit for this resource has been exceeded")),
            Outcome::Retry { after: Some(d), .. } if d.as_secs() == 60
        ));
        assert!(matches!(
            answer(&reply_of(429, &[("retry-after", "3")], "")),
            Outcome::Retry { after: Some(d), .. } if d.as_secs() == 3
        ));
    }
}
