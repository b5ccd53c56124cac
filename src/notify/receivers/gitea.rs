//! Gitea and Forgejo commit statuses (the same API; `apiUrl` is the server's URL): `POST
//! /api/v1/repos/{owner}/{repo}/statuses/{sha}` with `state` (`pending`, `success`,
//! `warning`, `failure`), `target_url`, `description` and `context`, one per object and
//! cluster; the token as `Authorization: token <token>`. The shared part is in
//! [`super::forge`].

use serde_json::json;

use super::forge::{self, Forge, State, Status};
use super::{Cx, Reply, by_status};
use crate::config::Validator;
use crate::notify::{Notification, Outcome};

pub use super::forge::{Config, Raw};

pub(crate) fn check(raw: Raw, v: &mut Validator, at: &str, line: usize) -> Option<Config> {
    forge::check(raw, v, at, line, Forge::Gitea)
}

pub async fn deliver(c: &Config, cx: &Cx<'_>, n: &Notification) -> Outcome {
    forge::deliver_each(c, cx, n, |s, token| async move {
        let req = cx
            .client
            .post(url(c, &s))
            .header("authorization", format!("token {token}"))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&body(&s)).expect("JSON"));
        super::exchange(req, answer).await
    })
    .await
}

pub fn url(c: &Config, s: &Status) -> String {
    format!(
        "{}/api/v1/repos/{}/{}/statuses/{}",
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
        State::Warning => "warning",
        State::Failure => "failure",
    }
}

pub fn body(s: &Status) -> serde_json::Value {
    let mut b = json!({
        "state": state(s.state),
        "description": super::cut(&s.description, Forge::Gitea.description_limit()),
        "context": s.context,
    });
    if let Some(u) = &s.target_url {
        b["target_url"] = json!(u);
    }
    b
}

/// Gitea's answer: 201 taken; 429 waits (`Retry-After`, or `X-RateLimit-Reset` of a proxy in
/// front); 401, 403, 404, 422 refused.
pub fn answer(r: &Reply) -> Outcome {
    if r.status == 429 {
        return Outcome::Retry {
            after: forge::rate_limited(r, "x-ratelimit-remaining", "x-ratelimit-reset")
                .or(forge::wait(std::time::Duration::ZERO)),
            why: r.why(),
        };
    }
    by_status(r, None)
}

#[cfg(test)]
mod tests {
    use super::super::forge::tests::*;
    use super::*;
    use crate::config::EventKind;
    use crate::health::Health;

    #[test]
    fn statuses_in_giteas_words() {
        let c = config(
            Forge::Gitea,
            "https://git.example.com",
            &["git.example.com"],
        );
        let mut t = trouble();
        t.repo = Some("ssh://git@git.example.com:2222/acme/apps.git".into());
        let s = with_cx(|cx| forge::status(&c, cx, &t)).unwrap();
        assert_eq!(
            url(&c, &s),
            format!("https://git.example.com/api/v1/repos/acme/apps/statuses/{SHA}")
        );
        assert_eq!(body(&s)["state"], "failure");
        assert_eq!(body(&s)["context"], "herald/prod/Kustomization/apps/web");
        let mut w = event(
            EventKind::Warning,
            verdict(Health::Warning, true, "Degraded"),
        );
        w.repo = t.repo.clone();
        let s = with_cx(|cx| forge::status(&c, cx, &w)).unwrap();
        assert_eq!(body(&s)["state"], "warning");
        let mut r = recovery();
        r.repo = t.repo.clone();
        let s = with_cx(|cx| forge::status(&c, cx, &r)).unwrap();
        assert_eq!(body(&s)["state"], "success");
        assert_eq!(state(State::Pending), "pending");
        let mut long = t.clone();
        long.message = "y".repeat(400);
        let s = with_cx(|cx| forge::status(&c, cx, &long)).unwrap();
        assert_eq!(
            body(&s)["description"].as_str().unwrap().chars().count(),
            255
        );
    }

    #[test]
    fn answers() {
        assert_eq!(answer(&reply_of(201, &[], "{}")), Outcome::Delivered);
        assert!(matches!(
            answer(&reply_of(
                404,
                &[],
                r#"{"message":"The target couldn't be found.","url":"https://git.example.com/api/swagger"}"#
            )),
            Outcome::Refused(_)
        ));
        assert!(matches!(
            answer(&reply_of(429, &[("retry-after", "2")], "")),
            Outcome::Retry { after: Some(d), .. } if d.as_secs() == 2
        ));
    }
}
