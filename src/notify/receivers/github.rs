//! GitHub (and GitHub Enterprise Server, with its `apiUrl`) commit statuses: `POST
//! /repos/{owner}/{repo}/statuses/{sha}` with `state` (`pending`, `success`, `failure`),
//! `target_url`, `description` (at most 140 characters) and `context`, one per object and
//! cluster. The shared part (commit, repository, state, context) is in [`super::forge`].
//!
//! Rate limits: a 403 or 429 with `Retry-After`, or with `x-ratelimit-remaining: 0` and
//! `x-ratelimit-reset` (Unix seconds), waits that long; a secondary rate limit without them
//! waits a minute, as GitHub asks. Any other 403 (no access), 404 and 422 (such as more than
//! 1000 statuses for one commit and context) are refused.

use std::time::Duration;

use serde_json::json;

use super::forge::{self, Forge, State, Status};
use super::{Cx, Reply, by_status};
use crate::config::Validator;
use crate::notify::{Notification, Outcome};

pub use super::forge::{Config, Raw};

pub(crate) fn check(raw: Raw, v: &mut Validator, at: &str, line: usize) -> Option<Config> {
    forge::check(raw, v, at, line, Forge::GitHub)
}

pub async fn deliver(c: &Config, cx: &Cx<'_>, n: &Notification) -> Outcome {
    forge::deliver_each(c, cx, n, |s, token| async move {
        let req = cx
            .client
            .post(url(c, &s))
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28")
            .header("content-type", "application/json")
            .bearer_auth(token)
            .body(serde_json::to_vec(&body(&s)).expect("JSON"));
        super::exchange(req, answer).await
    })
    .await
}

pub fn url(c: &Config, s: &Status) -> String {
    format!(
        "{}/repos/{}/{}/statuses/{}",
        c.api_url,
        forge::encode(&s.repo[0]),
        forge::encode(&s.repo[1]),
        s.sha
    )
}

pub fn state(s: State) -> &'static str {
    match s {
        State::Pending => "pending",
        State::Success => "success",
        State::Warning | State::Failure => "failure",
    }
}

pub fn body(s: &Status) -> serde_json::Value {
    let mut b = json!({
        "state": state(s.state),
        "description": super::cut(&s.description, Forge::GitHub.description_limit()),
        "context": s.context,
    });
    if let Some(u) = &s.target_url {
        b["target_url"] = json!(u);
    }
    b
}

/// GitHub's answer: 201 taken; rate limits waited out; the rest as usual (403 without a rate
/// limit, 404, 422: refused).
pub fn answer(r: &Reply) -> Outcome {
    if matches!(r.status, 403 | 429) {
        let wait =
            forge::rate_limited(r, "x-ratelimit-remaining", "x-ratelimit-reset").or_else(|| {
                let text = String::from_utf8_lossy(&r.body).to_ascii_lowercase();
                (r.status == 429 || text.contains("secondary rate limit"))
                    .then_some(Duration::from_secs(60))
            });
        return match wait {
            Some(d) => Outcome::Retry {
                after: Some(d),
                why: r.why(),
            },
            None => Outcome::Refused(r.why()),
        };
    }
    by_status(r, None)
}

#[cfg(test)]
mod tests {
    use super::super::forge::tests::*;
    use super::*;

    #[test]
    fn a_trouble_and_its_recovery_on_the_commit() {
        let c = config(Forge::GitHub, "https://api.github.com", &["github.com"]);
        let (t, r) = with_cx(|cx| {
            (
                forge::status(&c, cx, &trouble()).unwrap(),
                forge::status(&c, cx, &recovery()).unwrap(),
            )
        });
        assert_eq!(
            url(&c, &t),
            format!("https://api.github.com/repos/acme/apps/statuses/{SHA}")
        );
        let b = body(&t);
        assert_eq!(b["state"], "failure");
        assert_eq!(b["context"], "herald/prod/Kustomization/apps/web");
        assert!(b.get("target_url").is_none());
        let b = body(&r);
        assert_eq!(b["state"], "success");
        assert_eq!(b["context"], "herald/prod/Kustomization/apps/web");
        let pending = Status {
            state: State::Pending,
            ..t.clone()
        };
        assert_eq!(body(&pending)["state"], "pending");
    }

    #[test]
    fn the_description_is_cut_to_140_characters() {
        let c = config(Forge::GitHub, "https://api.github.com", &["github.com"]);
        let mut e = trouble();
        e.message = "é".repeat(500);
        let s = with_cx(|cx| forge::status(&c, cx, &e)).unwrap();
        let d = body(&s)["description"].as_str().unwrap().to_string();
        assert_eq!(d.chars().count(), 140);
        assert!(d.ends_with('…'));
    }

    #[test]
    fn rate_limits_wait_and_refusals_are_final() {
        let soon = (jiff::Timestamp::now().as_second() + 2).to_string();
        match answer(&reply_of(
            403,
            &[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", &soon)],
            r#"{"message":"API rate limit exceeded"}"#,
        )) {
            Outcome::Retry { after: Some(d), .. } => {
                assert!(d >= Duration::from_secs(1) && d <= Duration::from_secs(2))
            }
            o => panic!("{o:?}"),
        }
        assert!(matches!(
            answer(&reply_of(429, &[("retry-after", "3")], "")),
            Outcome::Retry { after: Some(d), .. } if d == Duration::from_secs(3)
        ));
        assert!(matches!(
            answer(&reply_of(403, &[], r#"{"message":"You have exceeded a secondary rate limit."}"#)),
            Outcome::Retry { after: Some(d), .. } if d == Duration::from_secs(60)
        ));
        assert!(matches!(
            answer(&reply_of(403, &[("x-ratelimit-remaining", "4999")], r#"{"message":"Resource not accessible by integration"}"#)),
            Outcome::Refused(w) if w.contains("403")
        ));
        assert!(matches!(
            answer(&reply_of(422, &[], r#"{"message":"Validation Failed","errors":[{"resource":"Status","code":"custom","message":"This SHA and context has reached the maximum number of statuses."}]}"#)),
            Outcome::Refused(w) if w.contains("422")
        ));
        assert!(matches!(
            answer(&reply_of(502, &[], "")),
            Outcome::Retry { after: None, .. }
        ));
        assert_eq!(answer(&reply_of(201, &[], "{}")), Outcome::Delivered);
    }
}
