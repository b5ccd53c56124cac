//! What the Git forges' receivers read from an event: the commit its revision names, and the
//! GitHub repository or GitLab project its repository URL is on.
//!
//! A revision is Flux's `<ref>@sha1:<40 hex>` (`main@sha1:…`, `refs/heads/main@sha1:…`,
//! `sha1:…`) or Argo CD's bare SHA. A repository URL is `https://host/owner/repo(.git)`,
//! `ssh://git@host(:port)/owner/repo.git` or `git@host:owner/repo.git`.
//!
//! And what the deployments of both forges share: where an event leaves a deployment
//! ([`progress`]), what is remembered of it ([`Deployment`]), and the small text templates of
//! environments and event types ([`fill`]).

use crate::config::EventKind;
use crate::health::Health;
use crate::notify::Event;

/// The commit a revision names ([`super::forge::commit`], which the commit statuses use too):
/// the 40 hex digits of a Flux `…@sha1:` revision or of Argo CD's bare SHA. None for anything
/// else (a chart version, an OCI digest, several sources).
pub fn commit_of(revision: &str) -> Option<String> {
    super::forge::commit(revision)
}

/// The ref a Flux revision names before its hash, and whether it is a tag: `main@sha1:…` →
/// (`main`, false), `refs/heads/main@sha1:…` → (`main`, false), `refs/tags/v1@sha1:…` →
/// (`v1`, true). None for a bare SHA.
pub fn ref_of(revision: &str) -> Option<(&str, bool)> {
    let (name, _) = revision.trim().rsplit_once("@sha1:")?;
    if let Some(tag) = name.strip_prefix("refs/tags/") {
        return (!tag.is_empty()).then_some((tag, true));
    }
    let name = name.strip_prefix("refs/heads/").unwrap_or(name);
    (!name.is_empty()).then_some((name, false))
}

/// The host (lower case, without port or user) and the path of a repository URL, read as the
/// commit statuses read it ([`super::forge::parse_url`]).
fn host_and_path(url: &str) -> Option<(String, String)> {
    let r = super::forge::parse_url(url)?;
    Some((r.host, r.path.join("/")))
}

/// Whether `host` (from a URL) is the forge's `forge` (a host name, maybe with a port), ports
/// aside.
fn same_host(host: &str, forge: &str) -> bool {
    let bare = |h: &str| -> String {
        match h.rsplit_once(':') {
            Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
            _ => h,
        }
        .to_ascii_lowercase()
    };
    bare(host) == bare(forge)
}

/// The GitHub repository (`owner`, `repo`) of a repository URL on `host` (`github.com`, or a
/// GitHub Enterprise host). None for another host or a path that is not `owner/repo`.
pub fn github_repo(url: &str, host: &str) -> Option<(String, String)> {
    let (h, path) = host_and_path(url)?;
    if !same_host(&h, host) {
        return None;
    }
    let (owner, repo) = path.split_once('/')?;
    if repo.contains('/') {
        return None;
    }
    Some((owner.to_string(), repo.to_string()))
}

/// The GitLab project path (`group/subgroup/project`) of a repository URL on `host`. None for
/// another host or a path without a group.
pub fn gitlab_project(url: &str, host: &str) -> Option<String> {
    let (h, path) = host_and_path(url)?;
    if !same_host(&h, host) || !path.contains('/') || path.contains("/-/") {
        return None;
    }
    Some(path)
}

/// The host of an API URL, as repository URLs on that forge name it: `https://api.github.com`
/// → `github.com`; `https://ghe.example.com/api/v3` → `ghe.example.com`;
/// `https://gitlab.example.com:8443` → `gitlab.example.com:8443`.
pub fn host_of(api_url: &str) -> String {
    let rest = api_url.split_once("://").map_or(api_url, |(_, r)| r);
    let host = rest.split('/').next().unwrap_or_default();
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    match host {
        "api.github.com" => "github.com".to_string(),
        "gitlab.com" | "www.gitlab.com" => "gitlab.com".to_string(),
        h => h.to_ascii_lowercase(),
    }
}

/// A GitLab project path in a URL (`acme/apps` → `acme%2Fapps`): [`super::forge::encode`].
pub fn encode_path_segment(s: &str) -> String {
    super::forge::encode(s)
}

// What the deployments of GitHub and GitLab share.

/// Where a deployment stands, from the events about its object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// The object reconciles (not ready yet, health unknown).
    InProgress,
    /// Ready and healthy (or ready with a warning).
    Success,
    /// Unhealthy, failed to apply, or stuck.
    Failure,
    /// The object was deleted.
    Inactive,
}

impl Progress {
    fn as_str(self) -> &'static str {
        match self {
            Progress::InProgress => "in_progress",
            Progress::Success => "success",
            Progress::Failure => "failure",
            Progress::Inactive => "inactive",
        }
    }

    fn parse(s: &str) -> Option<Progress> {
        [
            Progress::InProgress,
            Progress::Success,
            Progress::Failure,
            Progress::Inactive,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

/// Where an event leaves its object's deployment: a deletion ends it; `stuck` and an apply
/// failure fail it; otherwise the verdict tells (unhealthy: failure; ready and healthy or
/// warning: success; anything else: in progress).
pub fn progress(e: &Event) -> Progress {
    let Some(v) = e.to.as_ref() else {
        return Progress::Inactive;
    };
    match e.kind {
        EventKind::Deleted => return Progress::Inactive,
        EventKind::Stuck | EventKind::SyncFailed => return Progress::Failure,
        _ => {}
    }
    match v.health {
        Health::Unhealthy => Progress::Failure,
        Health::Healthy | Health::Warning if v.ready => Progress::Success,
        _ => Progress::InProgress,
    }
}

/// The revision an event's deployment is about: while a commit is being applied or fails to
/// apply, the one last attempted (Flux's `lastAttemptedRevision`, newer than the applied one);
/// else the verdict's (applied) revision.
pub fn revision_of(e: &Event) -> Option<&str> {
    let applied =
        e.to.as_ref()
            .or(e.from.as_ref())
            .and_then(|v| v.revision.as_deref());
    match progress(e) {
        Progress::InProgress | Progress::Failure => e
            .attempted
            .as_deref()
            .filter(|a| commit_of(a).is_some())
            .or(applied),
        _ => applied,
    }
}

/// What is remembered of an object's deployment (with [`super::Cx::remember`]): the commit it
/// deploys, its id at the forge, and the last state posted (None: none yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    pub commit: String,
    pub id: u64,
    pub state: Option<Progress>,
}

impl Deployment {
    /// `<commit> <id> <state or ->`, as kept.
    pub fn to_value(&self) -> String {
        format!(
            "{} {} {}",
            self.commit,
            self.id,
            self.state.map_or("-", Progress::as_str)
        )
    }

    pub fn parse(v: &str) -> Option<Deployment> {
        let mut parts = v.split(' ');
        let commit = parts.next()?.to_string();
        let id = parts.next()?.parse().ok()?;
        let state = parts.next()?;
        Some(Deployment {
            commit,
            id,
            state: Progress::parse(state),
        })
    }
}

/// The names a receiver's text template (an environment, an event type) may use.
pub const PLACEHOLDERS: [&str; 6] = ["cluster", "kind", "namespace", "name", "event", "commit"];

/// `template` with `{cluster}`, `{kind}`, `{namespace}`, `{name}`, `{event}` and `{commit}`
/// (empty without one) replaced by the event's.
pub fn fill(template: &str, e: &Event) -> String {
    let commit =
        e.to.as_ref()
            .or(e.from.as_ref())
            .and_then(|v| v.revision.as_deref())
            .and_then(commit_of)
            .unwrap_or_default();
    template
        .replace("{cluster}", &e.cluster)
        .replace("{kind}", &e.object.kind)
        .replace("{namespace}", &e.object.namespace)
        .replace("{name}", &e.object.name)
        .replace("{event}", event_name(e))
        .replace("{commit}", &commit)
}

/// The event's name for a forge: its kind, or `test` for `herald notify test`'s, so that a test
/// starts no real mitigation (`herald-test`, `HERALD_EVENT=test`).
pub fn event_name(e: &Event) -> &'static str {
    if e.test { "test" } else { e.kind.as_str() }
}

/// Why a template is wrong (a `{…}` that is not one of [`PLACEHOLDERS`], a brace left open),
/// or None.
pub fn template_error(template: &str) -> Option<String> {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Some(format!("{template:?}: a '{{' without its '}}'"));
        };
        let name = &after[..close];
        if !PLACEHOLDERS.contains(&name) {
            return Some(format!(
                "{template:?}: unknown placeholder {{{name}}}; use {}",
                PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
            ));
        }
        rest = &after[close + 1..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "4f1c2a9d3e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c";

    #[test]
    fn commits_from_flux_and_argo_revisions() {
        assert_eq!(commit_of(&format!("main@sha1:{SHA}")).as_deref(), Some(SHA));
        assert_eq!(
            commit_of(&format!("refs/heads/main@sha1:{SHA}")).as_deref(),
            Some(SHA)
        );
        assert_eq!(commit_of(&format!("sha1:{SHA}")).as_deref(), Some(SHA));
        assert_eq!(commit_of(SHA).as_deref(), Some(SHA));
        // Not commits: a chart version, an OCI digest, a short hash, several sources.
        assert_eq!(commit_of("6.7.1"), None);
        assert_eq!(commit_of("latest@sha256:0123abcd"), None);
        assert_eq!(commit_of("main@sha1:4f1c2a9"), None);
        assert_eq!(commit_of(&format!("{SHA},1.2.0")), None);
        assert_eq!(commit_of(&format!("mainsha1:{SHA}")), None);
        assert_eq!(commit_of(""), None);
    }

    #[test]
    fn refs_from_flux_revisions() {
        assert_eq!(ref_of(&format!("main@sha1:{SHA}")), Some(("main", false)));
        assert_eq!(
            ref_of(&format!("refs/heads/release/1.x@sha1:{SHA}")),
            Some(("release/1.x", false))
        );
        assert_eq!(
            ref_of(&format!("refs/tags/v1.2@sha1:{SHA}")),
            Some(("v1.2", true))
        );
        assert_eq!(ref_of(SHA), None);
        assert_eq!(ref_of(&format!("sha1:{SHA}")), None);
    }

    #[test]
    fn github_repositories_in_every_url_form() {
        let acme = Some(("acme".to_string(), "apps".to_string()));
        for url in [
            "https://github.com/acme/apps.git",
            "https://github.com/acme/apps",
            "https://github.com/acme/apps/",
            "http://GitHub.com/acme/apps.git",
            "https://x-access-token@github.com/acme/apps.git",
            "ssh://git@github.com/acme/apps.git",
            "ssh://git@github.com:22/acme/apps.git",
            "git@github.com:acme/apps.git",
        ] {
            assert_eq!(github_repo(url, "github.com"), acme, "{url}");
        }
        assert_eq!(
            github_repo("https://ghe.example.com/acme/apps.git", "ghe.example.com"),
            acme
        );
        for url in [
            "https://gitlab.com/acme/apps.git",
            "https://github.com/acme",
            "https://github.com/acme/apps/tree/main",
            "https://github.com//apps",
            "oci://ghcr.io/acme/apps",
            "github.com/acme/apps",
            "",
        ] {
            assert_eq!(github_repo(url, "github.com"), None, "{url}");
        }
    }

    #[test]
    fn gitlab_projects_with_subgroups() {
        assert_eq!(
            gitlab_project("https://gitlab.com/acme/platform/apps.git", "gitlab.com").as_deref(),
            Some("acme/platform/apps")
        );
        assert_eq!(
            gitlab_project("git@gitlab.example.com:acme/apps.git", "gitlab.example.com").as_deref(),
            Some("acme/apps")
        );
        assert_eq!(
            gitlab_project(
                "https://gitlab.example.com:8443/acme/apps.git",
                "gitlab.example.com:8443"
            )
            .as_deref(),
            Some("acme/apps")
        );
        assert_eq!(
            gitlab_project("https://gitlab.com/apps.git", "gitlab.com"),
            None
        );
        assert_eq!(
            gitlab_project("https://github.com/acme/apps", "gitlab.com"),
            None
        );
        assert_eq!(
            gitlab_project("https://gitlab.com/acme/apps/-/tree/main", "gitlab.com"),
            None
        );
    }

    #[test]
    fn hosts_of_api_urls_and_encoded_paths() {
        assert_eq!(host_of("https://api.github.com"), "github.com");
        assert_eq!(host_of("https://ghe.example.com/api/v3"), "ghe.example.com");
        assert_eq!(host_of("https://gitlab.com"), "gitlab.com");
        assert_eq!(host_of("http://127.0.0.1:8080/"), "127.0.0.1:8080");
        assert_eq!(
            encode_path_segment("acme/platform/apps"),
            "acme%2Fplatform%2Fapps"
        );
        assert_eq!(encode_path_segment("42"), "42");
    }

    fn event(kind: EventKind, health: Health, ready: bool) -> Event {
        let v = crate::store::Verdict {
            health,
            ready,
            status: "ReconciliationSucceeded".into(),
            revision: Some(format!("main@sha1:{SHA}")),
            suspended: false,
            sync: None,
            from_children: false,
        };
        Event {
            id: "e1".into(),
            kind,
            cluster: "prod".into(),
            object: crate::store::ObjectKey::new(
                "kustomize.toolkit.fluxcd.io",
                "Kustomization",
                "apps",
                "web",
            ),
            at: "2026-11-23T12:00:00Z".parse().unwrap(),
            from: Some(v.clone()),
            to: Some(v),
            message: String::new(),
            children: Vec::new(),
            via: None,
            labels: Default::default(),
            annotations: Default::default(),
            test: false,
            repo: Some("https://github.com/acme/apps.git".into()),
            attempted: None,
            warnings: Vec::new(),
            affected: Vec::new(),
            affected_more: 0,
            change: None,
        }
    }

    #[test]
    fn deployments_follow_health_and_readiness() {
        use EventKind::*;
        use Progress::*;
        assert_eq!(
            progress(&event(Revision, Health::Unknown, false)),
            InProgress
        );
        assert_eq!(progress(&event(Revision, Health::Healthy, true)), Success);
        assert_eq!(progress(&event(Recovered, Health::Healthy, true)), Success);
        assert_eq!(
            progress(&event(Recovered, Health::Healthy, false)),
            InProgress
        );
        assert_eq!(progress(&event(Warning, Health::Warning, true)), Success);
        assert_eq!(
            progress(&event(Unhealthy, Health::Unhealthy, true)),
            Failure
        );
        assert_eq!(progress(&event(Stuck, Health::Unknown, false)), Failure);
        assert_eq!(progress(&event(SyncFailed, Health::Healthy, true)), Failure);
        let mut gone = event(Deleted, Health::Healthy, true);
        gone.to = None;
        assert_eq!(progress(&gone), Inactive);
    }

    #[test]
    fn what_is_remembered_of_a_deployment_reads_back() {
        let d = Deployment {
            commit: SHA.into(),
            id: 1234567890123,
            state: None,
        };
        assert_eq!(Deployment::parse(&d.to_value()), Some(d.clone()));
        let done = Deployment {
            state: Some(Progress::Success),
            ..d
        };
        assert_eq!(done.to_value(), format!("{SHA} 1234567890123 success"));
        assert_eq!(Deployment::parse(&done.to_value()), Some(done));
        assert_eq!(Deployment::parse("garbage"), None);
    }

    #[test]
    fn templates_fill_and_refuse_unknown_names() {
        let e = event(EventKind::Unhealthy, Health::Unhealthy, true);
        assert_eq!(fill("{cluster}/{namespace}/{name}", &e), "prod/apps/web");
        assert_eq!(fill("herald-{event}", &e), "herald-unhealthy");
        let test = Event {
            test: true,
            ..e.clone()
        };
        assert_eq!(fill("herald-{event}", &test), "herald-test");
        assert_eq!(fill("{kind}@{commit}", &e), format!("Kustomization@{SHA}"));
        assert_eq!(template_error("{cluster}/{namespace}/{name}"), None);
        assert_eq!(template_error("plain"), None);
        assert!(
            template_error("{clutser}")
                .unwrap()
                .contains("unknown placeholder {clutser}")
        );
        assert!(template_error("{cluster").unwrap().contains("without"));
    }

    fn config_errors(receivers: &str) -> String {
        let text = format!("cluster: prod\nreceivers:\n{receivers}");
        crate::config::parse(&text, std::path::Path::new("herald.yaml"))
            .expect_err("refused")
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_forges_receivers_are_read_and_checked() {
        use crate::config::ReceiverKind;
        let text = "cluster: prod\nreceivers:\n  - name: gh\n    githubDeployment: {tokenEnv: GH, environment: \"{cluster}/{namespace}/{name}\", productionEnvironment: true}\n  - name: ghe\n    githubDeployment: {tokenFile: /t, apiUrl: \"https://ghe.example.com/api/v3/\"}\n  - name: fix\n    githubDispatch: {tokenEnv: GH, repository: acme/ops}\n  - name: gl\n    gitlabDeployment: {tokenEnv: GL, apiUrl: \"https://gitlab.example.com\"}\n  - name: run\n    gitlabPipeline: {tokenEnv: TRIGGER, project: acme/ops, ref: main, variables: {RUNBOOK: restart}}\n";
        let c = crate::config::parse(text, std::path::Path::new("herald.yaml")).unwrap();
        let ReceiverKind::GithubDeployment(gh) = &c.receivers[0].kind else {
            panic!("{:?}", c.receivers[0].kind)
        };
        assert_eq!(
            (gh.api_url.as_str(), gh.host.as_str()),
            ("https://api.github.com", "github.com")
        );
        assert_eq!(gh.environment, "{cluster}/{namespace}/{name}");
        assert_eq!(gh.production_environment, Some(true));
        let ReceiverKind::GithubDeployment(ghe) = &c.receivers[1].kind else {
            panic!()
        };
        assert_eq!(ghe.api_url, "https://ghe.example.com/api/v3");
        assert_eq!(
            (ghe.host.as_str(), ghe.environment.as_str()),
            ("ghe.example.com", "{cluster}")
        );
        let ReceiverKind::GithubDispatch(d) = &c.receivers[2].kind else {
            panic!()
        };
        assert_eq!(d.repository, ("acme".to_string(), "ops".to_string()));
        assert_eq!(d.event_type, "herald-{event}");
        let ReceiverKind::GitlabDeployment(gl) = &c.receivers[3].kind else {
            panic!()
        };
        assert_eq!(gl.host, "gitlab.example.com");
        let ReceiverKind::GitlabPipeline(p) = &c.receivers[4].kind else {
            panic!()
        };
        assert_eq!(
            (p.project.as_str(), p.reference.as_str()),
            ("acme/ops", "main")
        );
        assert_eq!(c.receivers[4].kind.as_str(), "gitlabPipeline");

        let all = config_errors(
            "  - name: a\n    githubDeployment:\n      environment: \"{cluster}/{ns}\"\n      logUrl: ftp://x\n  - name: b\n    githubDispatch:\n      tokenEnv: T\n      tokenFile: /t\n      repository: acme\n  - name: c\n    gitlabDeployment: {tokenEnv: T, apiUrl: gitlab.example.com}\n  - name: d\n    gitlabPipeline:\n      tokenEnv: T\n      project: acme/ops\n      ref: \"\"\n      variables: {HERALD_EVENT: x}\n  - name: e\n    githubDispatch: {tokenEnv: T, repository: a/b, colour: red}\n",
        );
        for want in [
            "herald.yaml:3: receivers[0].githubDeployment: needs tokenFile or tokenEnv",
            "herald.yaml:5: receivers[0].githubDeployment.environment: \"{cluster}/{ns}\": unknown placeholder {ns}",
            "herald.yaml:6: receivers[0].githubDeployment.logUrl: \"ftp://x\" is not an http:// or https:// URL",
            "herald.yaml:7: receivers[1].githubDispatch: give tokenFile or tokenEnv, not both",
            "herald.yaml:11: receivers[1].githubDispatch.repository: \"acme\" is not a repository: write owner/repo",
            "herald.yaml:13: receivers[2].gitlabDeployment.apiUrl: \"gitlab.example.com\" is not an http:// or https:// URL",
            "herald.yaml:18: receivers[3].gitlabPipeline.ref: empty ref",
            "herald.yaml:14: receivers[3].gitlabPipeline.variables: \"HERALD_EVENT\"",
            "receivers[4]",
            "colour",
        ] {
            assert!(all.contains(want), "{want} missing from:\n{all}");
        }
    }
}
