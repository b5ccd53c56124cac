//! Azure DevOps commit statuses: `POST
//! /{organization}/{project}/_apis/git/repositories/{repository}/commits/{sha}/statuses?api-version=7.1`
//! with `state` (`pending`, `succeeded`, `failed`), `description`, `targetUrl` and `context`
//! (`genre`: the context prefix, `name`: `<cluster>/<Kind>/<namespace>/<name>`). The token is
//! a personal access token with the Code (status) scope, sent as Basic authentication with an
//! empty user name. Repository URLs: `https://dev.azure.com/{org}/{project}/_git/{repo}` (with
//! or without `{org}@`), `git@ssh.dev.azure.com:v3/{org}/{project}/{repo}` and the older
//! `https://{org}.visualstudio.com/{project}/_git/{repo}`.

use serde_json::json;

use super::forge::{self, Forge, State, Status};
use super::{Cx, Reply, by_status};
use crate::config::Validator;
use crate::notify::{Notification, Outcome};

pub use super::forge::{Config, Raw};

pub(crate) fn check(raw: Raw, v: &mut Validator, at: &str, line: usize) -> Option<Config> {
    forge::check(raw, v, at, line, Forge::AzureDevops)
}

pub async fn deliver(c: &Config, cx: &Cx<'_>, n: &Notification) -> Outcome {
    forge::deliver_each(c, cx, n, |s, token| async move {
        let req = cx
            .client
            .post(url(c, &s))
            .basic_auth("", Some(token))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&body(c, &s)).expect("JSON"));
        super::exchange(req, answer).await
    })
    .await
}

pub fn url(c: &Config, s: &Status) -> String {
    format!(
        "{}/{}/{}/_apis/git/repositories/{}/commits/{}/statuses?api-version=7.1",
        c.api_url,
        forge::encode(&s.repo[0]),
        forge::encode(&s.repo[1]),
        forge::encode(&s.repo[2]),
        s.sha
    )
}

pub fn state(s: State) -> &'static str {
    match s {
        State::Pending => "pending",
        State::Success => "succeeded",
        State::Warning | State::Failure => "failed",
    }
}

pub fn body(c: &Config, s: &Status) -> serde_json::Value {
    let mut b = json!({
        "state": state(s.state),
        "description": super::cut(&s.description, Forge::AzureDevops.description_limit()),
        "context": {"name": s.name, "genre": c.prefix},
    });
    if let Some(u) = &s.target_url {
        b["targetUrl"] = json!(u);
    }
    b
}

/// Azure DevOps's answer: 201 taken; a 203 is its sign-in page (the token was not accepted):
/// refused; 429 waits for `Retry-After`; 401, 403, 404 refused.
pub fn answer(r: &Reply) -> Outcome {
    if r.status == 203 {
        return Outcome::Refused(
            "HTTP 203: Azure DevOps answered with its sign-in page: the token was not accepted"
                .into(),
        );
    }
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

    #[test]
    fn statuses_on_the_repository_of_the_url() {
        let c = config(
            Forge::AzureDevops,
            "https://dev.azure.com",
            &["dev.azure.com", "ssh.dev.azure.com"],
        );
        let mut t = trouble();
        t.repo = Some("git@ssh.dev.azure.com:v3/acme/Shop%20Front/web".into());
        let s = with_cx(|cx| forge::status(&c, cx, &t)).unwrap();
        assert_eq!(
            url(&c, &s),
            format!(
                "https://dev.azure.com/acme/Shop%20Front/_apis/git/repositories/web/commits/{SHA}/statuses?api-version=7.1"
            )
        );
        let b = body(&c, &s);
        assert_eq!(b["state"], "failed");
        assert_eq!(b["context"]["genre"], "herald");
        assert_eq!(b["context"]["name"], "prod/Kustomization/apps/web");
        let mut r = recovery();
        r.repo = Some("https://acme.visualstudio.com/Shop%20Front/_git/web".into());
        let s = with_cx(|cx| forge::status(&c, cx, &r)).unwrap();
        assert_eq!(s.repo, ["acme", "Shop Front", "web"]);
        assert_eq!(body(&c, &s)["state"], "succeeded");
        assert_eq!(state(State::Pending), "pending");
    }

    #[test]
    fn answers() {
        assert_eq!(answer(&reply_of(201, &[], "{}")), Outcome::Delivered);
        assert!(matches!(
            answer(&reply_of(203, &[], "<html>Sign In</html>")),
            Outcome::Refused(_)
        ));
        assert!(matches!(
            answer(&reply_of(404, &[], r#"{"$id":"1","message":"TF401019: The Git repository with name or identifier web does not exist","typeKey":"GitRepositoryNotFoundException","errorCode":0}"#)),
            Outcome::Refused(w) if w.contains("TF401019")
        ));
        assert!(matches!(
            answer(&reply_of(429, &[("retry-after", "4")], "")),
            Outcome::Retry { after: Some(d), .. } if d.as_secs() == 4
        ));
    }
}
