//! GitLab (gitlab.com or a server of one's own, with its `apiUrl`) commit statuses: `POST
//! /api/v4/projects/{url-encoded path}/statuses/{sha}` with `state` (`running` while the
//! object reconciles, `success`, `failed`), `name` (the context, one per object and cluster),
//! `target_url` and `description` (at most 255 characters); the token in `PRIVATE-TOKEN`.
//! Projects in subgroups (`group/sub/project`) are one encoded path segment.
//!
//! GitLab refuses to move a status to the state it is in (`400 Cannot transition status via
//! :run from :running`): the status already says it, so that is taken. A 429 waits for
//! `Retry-After` or `RateLimit-Reset`.

use serde_json::json;

use super::forge::{self, Forge, State, Status};
use super::{Cx, Reply, by_status};
use crate::config::Validator;
use crate::notify::{Notification, Outcome};

pub use super::forge::{Config, Raw};

pub(crate) fn check(raw: Raw, v: &mut Validator, at: &str, line: usize) -> Option<Config> {
    forge::check(raw, v, at, line, Forge::GitLab)
}

pub async fn deliver(c: &Config, cx: &Cx<'_>, n: &Notification) -> Outcome {
    forge::deliver_each(c, cx, n, |s, token| async move {
        let req = cx
            .client
            .post(url(c, &s))
            .header("private-token", token)
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&body(&s)).expect("JSON"));
        super::exchange(req, |r| answer(r, s.state)).await
    })
    .await
}

pub fn url(c: &Config, s: &Status) -> String {
    format!(
        "{}/api/v4/projects/{}/statuses/{}",
        c.api_url,
        forge::encode(&s.repo.join("/")),
        s.sha
    )
}

pub fn state(s: State) -> &'static str {
    match s {
        State::Pending => "running",
        State::Success => "success",
        State::Warning | State::Failure => "failed",
    }
}

pub fn body(s: &Status) -> serde_json::Value {
    let mut b = json!({
        "state": state(s.state),
        "name": s.context,
        "description": super::cut(&s.description, Forge::GitLab.description_limit()),
    });
    if let Some(u) = &s.target_url {
        b["target_url"] = json!(u);
    }
    b
}

/// GitLab's answer to a status in `sent` state.
pub fn answer(r: &Reply, sent: State) -> Outcome {
    if r.status == 400 {
        let text = String::from_utf8_lossy(&r.body);
        if text.contains("Cannot transition status")
            && text.contains(&format!("from :{}", state(sent)))
        {
            // Already in that state: nothing to change.
            return Outcome::Delivered;
        }
    }
    if r.status == 429 {
        return Outcome::Retry {
            after: forge::rate_limited(r, "ratelimit-remaining", "ratelimit-reset")
                .or(forge::wait(std::time::Duration::ZERO)),
            why: r.why(),
        };
    }
    by_status(r, None)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::forge::tests::*;
    use super::*;

    fn gitlab() -> Config {
        let mut c = config(
            Forge::GitLab,
            "https://gitlab.example.com",
            &["gitlab.example.com"],
        );
        c.repository = Some(vec!["acme".into(), "platform".into(), "apps".into()]);
        c
    }

    #[test]
    fn a_trouble_and_its_recovery_on_the_commit_of_a_subgroups_project() {
        let c = gitlab();
        let (t, r) = with_cx(|cx| {
            (
                forge::status(&c, cx, &trouble()).unwrap(),
                forge::status(&c, cx, &recovery()).unwrap(),
            )
        });
        assert_eq!(
            url(&c, &t),
            format!(
                "https://gitlab.example.com/api/v4/projects/acme%2Fplatform%2Fapps/statuses/{SHA}"
            )
        );
        assert_eq!(body(&t)["state"], "failed");
        assert_eq!(body(&t)["name"], "herald/prod/Kustomization/apps/web");
        assert_eq!(body(&r)["state"], "success");
        let running = Status {
            state: State::Pending,
            ..t
        };
        assert_eq!(body(&running)["state"], "running");
        // From the repository URL too, ssh with subgroups.
        let mut e = trouble();
        e.repo = Some("git@gitlab.example.com:acme/platform/apps.git".into());
        let mut from_url = gitlab();
        from_url.repository = None;
        let s = with_cx(|cx| forge::status(&from_url, cx, &e)).unwrap();
        assert_eq!(s.repo, ["acme", "platform", "apps"]);
        // A GitHub repository is not this GitLab's.
        assert_eq!(with_cx(|cx| forge::status(&from_url, cx, &trouble())), None);
    }

    #[test]
    fn the_description_is_cut_to_255_characters() {
        let mut e = trouble();
        e.message = "x".repeat(1000);
        let s = with_cx(|cx| forge::status(&gitlab(), cx, &e)).unwrap();
        let d = body(&s)["description"].as_str().unwrap().to_string();
        assert_eq!(d.chars().count(), 255);
    }

    #[test]
    fn the_same_state_again_is_taken_and_rate_limits_wait() {
        let same = reply_of(
            400,
            &[],
            r#"{"message":"Cannot transition status via :run from :running"}"#,
        );
        assert_eq!(answer(&same, State::Pending), Outcome::Delivered);
        // A move GitLab refuses from another state is refused.
        let other = reply_of(
            400,
            &[],
            r#"{"message":"Cannot transition status via :run from :success"}"#,
        );
        assert!(matches!(
            answer(&other, State::Pending),
            Outcome::Refused(_)
        ));
        assert!(matches!(
            answer(&reply_of(400, &[], r#"{"message":"400 Bad request - state is missing"}"#), State::Success),
            Outcome::Refused(w) if w.contains("state is missing")
        ));
        assert!(matches!(
            answer(&reply_of(429, &[("retry-after", "2")], "Retry later"), State::Success),
            Outcome::Retry { after: Some(d), .. } if d == Duration::from_secs(2)
        ));
        let soon = (jiff::Timestamp::now().as_second() + 5).to_string();
        assert!(matches!(
            answer(&reply_of(429, &[("ratelimit-remaining", "0"), ("ratelimit-reset", &soon)], ""), State::Success),
            Outcome::Retry { after: Some(d), .. } if d >= Duration::from_secs(4)
        ));
        assert!(matches!(
            answer(&reply_of(429, &[], ""), State::Success),
            Outcome::Retry { after: Some(d), .. } if d == Duration::from_secs(1)
        ));
        assert!(matches!(
            answer(
                &reply_of(401, &[], r#"{"message":"401 Unauthorized"}"#),
                State::Success
            ),
            Outcome::Refused(_)
        ));
        assert_eq!(
            answer(&reply_of(201, &[], "{}"), State::Success),
            Outcome::Delivered
        );
    }
}
