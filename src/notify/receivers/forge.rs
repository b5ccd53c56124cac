//! What the Git forges' commit statuses share (GitHub, GitLab, Gitea/Forgejo, Bitbucket Cloud,
//! Azure DevOps; one file each for the request and the answer): the receiver's block, the
//! commit and repository an event applies, the state its verdict gives, and the context naming
//! the object in its cluster.
//!
//! An event becomes a status on the commit of its revision (`main@sha1:<40 hex>`, or the bare
//! SHA Argo CD reports) in the repository it applies from (`event.repo`, a Flux source's URL or
//! an Application's `repoURL`; or the receiver's `repository`). An object whose revision is not
//! a Git commit (an OCI digest, a chart version), without a repository, or whose repository is
//! on another forge's host is skipped: nothing to send, taken. Each event of a group is one
//! status (a status is per commit and context): the group is taken when every status is.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::{Cx, Reply};
use crate::config::{EventKind, Secret, Spanned, Validator};
use crate::health::Health;
use crate::notify::{Event, Notification, Outcome};

/// The forges herald posts commit statuses to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forge {
    GitHub,
    GitLab,
    Gitea,
    Bitbucket,
    AzureDevops,
}

impl Forge {
    /// The receiver's key in `herald.yaml`.
    pub fn key(self) -> &'static str {
        match self {
            Forge::GitHub => "github",
            Forge::GitLab => "gitlab",
            Forge::Gitea => "gitea",
            Forge::Bitbucket => "bitbucket",
            Forge::AzureDevops => "azureDevops",
        }
    }

    fn default_api(self) -> Option<&'static str> {
        match self {
            Forge::GitHub => Some("https://api.github.com"),
            Forge::GitLab => Some("https://gitlab.com"),
            Forge::Gitea => None,
            Forge::Bitbucket => Some("https://api.bitbucket.org/2.0"),
            Forge::AzureDevops => Some("https://dev.azure.com"),
        }
    }

    /// What a repository is called in this forge, as `repository:` is written.
    fn repository_form(self) -> &'static str {
        match self {
            Forge::GitHub | Forge::Gitea => "owner/repo",
            Forge::GitLab => "group/project (or group/subgroup/…/project)",
            Forge::Bitbucket => "workspace/repo_slug",
            Forge::AzureDevops => "organization/project/repository",
        }
    }

    /// The repository's path as this forge names it, from a repository URL's path segments:
    /// None when they do not name one of its repositories.
    fn locate(self, repo: &Repo) -> Option<Vec<String>> {
        let p: Vec<&str> = repo.path.iter().map(String::as_str).collect();
        let out = match self {
            Forge::GitHub | Forge::Gitea | Forge::Bitbucket => (p.len() == 2).then(|| p.clone())?,
            Forge::GitLab => (p.len() >= 2).then(|| p.clone())?,
            Forge::AzureDevops => {
                let vs_org = repo
                    .host
                    .strip_suffix(".visualstudio.com")
                    .filter(|o| !o.is_empty() && *o != "vs-ssh");
                match (vs_org, p.as_slice()) {
                    // https://dev.azure.com/{org}/{project}/_git/{repo}
                    (None, [org, project, "_git", name]) => vec![*org, *project, *name],
                    // git@ssh.dev.azure.com:v3/{org}/{project}/{repo}
                    (None, ["v3", org, project, name]) => vec![*org, *project, *name],
                    // https://{org}.visualstudio.com[/DefaultCollection]/{project}/_git/{repo}
                    (Some(org), [project, "_git", name])
                    | (Some(org), ["DefaultCollection", project, "_git", name]) => {
                        vec![org, *project, *name]
                    }
                    _ => return None,
                }
            }
        };
        Some(out.into_iter().map(str::to_string).collect())
    }

    /// The longest description the forge takes.
    pub fn description_limit(self) -> usize {
        match self {
            Forge::GitHub => 140,
            _ => 255,
        }
    }
}

/// A forge receiver's block as written (`github:`, `gitlab:`, `gitea:`, `bitbucket:`,
/// `azureDevops:`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Raw {
    api_url: Option<Spanned<String>>,
    token_file: Option<PathBuf>,
    token_env: Option<String>,
    repository: Option<Spanned<String>>,
    context_prefix: Option<Spanned<String>>,
    target_url: Option<Spanned<String>>,
    host: Option<Spanned<String>>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub forge: Forge,
    /// The API's base URL, without a trailing `/`.
    pub api_url: String,
    pub token: Secret,
    /// Every status goes to this repository (its path as the forge names it).
    pub repository: Option<Vec<String>>,
    /// The first part of each status's context: `<prefix>/<cluster>/<Kind>/<namespace>/<name>`.
    pub prefix: String,
    /// The link of a status when the configuration's `links` give none for the object.
    pub target_url: Option<String>,
    /// The hosts (lower case) of the repository URLs this forge serves.
    pub hosts: Vec<String>,
}

impl Config {
    /// Whether a repository URL's host is this forge's.
    fn serves(&self, host: &str) -> bool {
        self.hosts.iter().any(|h| h == host)
            || (self.forge == Forge::AzureDevops
                && self.hosts.iter().any(|h| h == "dev.azure.com")
                && host.ends_with(".visualstudio.com"))
    }
}

pub(crate) fn check(
    raw: Raw,
    v: &mut Validator,
    at: &str,
    line: usize,
    forge: Forge,
) -> Option<Config> {
    let at = format!("{at}.{}", forge.key());
    let token = v.secret(line, &at, "token", raw.token_file, raw.token_env);
    if token == Ok(None) {
        v.error(
            line,
            &at,
            match forge {
                Forge::GitHub => {
                    "needs tokenFile or tokenEnv (a token allowed to write commit statuses)"
                }
                Forge::GitLab => "needs tokenFile or tokenEnv (an access token with the api scope)",
                Forge::Gitea => {
                    "needs tokenFile or tokenEnv (an access token with write:repository)"
                }
                Forge::Bitbucket => {
                    "needs tokenFile or tokenEnv (an access token with repository:write)"
                }
                Forge::AzureDevops => {
                    "needs tokenFile or tokenEnv (a personal access token with Code (status))"
                }
            },
        );
    }
    let api_url = match (raw.api_url, forge.default_api()) {
        (Some(u), _) => {
            v.url(
                u.referenced.line() as usize,
                &format!("{at}.apiUrl"),
                &u.value,
            );
            u.value
        }
        (None, Some(d)) => d.to_string(),
        (None, None) => {
            v.error(
                line,
                format!("{at}.apiUrl"),
                "needs the server's URL (https://gitea.example.com)",
            );
            String::new()
        }
    };
    let api_url = api_url.trim_end_matches('/').to_string();
    let repository = raw.repository.and_then(|r| {
        let path: Vec<String> = r
            .value
            .trim_matches('/')
            .split('/')
            .map(|s| decode(s.trim()))
            .collect();
        let located = forge.locate(&Repo {
            host: String::new(),
            path: match forge {
                // As written, organization/project/repository: the URL's form.
                Forge::AzureDevops if path.len() == 3 => {
                    vec![
                        path[0].clone(),
                        path[1].clone(),
                        "_git".into(),
                        path[2].clone(),
                    ]
                }
                _ => path.clone(),
            },
        });
        if located.is_none() || path.iter().any(String::is_empty) {
            v.error(
                r.referenced.line() as usize,
                format!("{at}.repository"),
                format!("{:?} is not {}", r.value, forge.repository_form()),
            );
            return None;
        }
        located
    });
    let prefix = match raw.context_prefix {
        Some(p) if p.value.trim().is_empty() => {
            v.error(
                p.referenced.line() as usize,
                format!("{at}.contextPrefix"),
                "empty prefix",
            );
            String::new()
        }
        Some(p) => p.value.trim().trim_end_matches('/').to_string(),
        None => "herald".to_string(),
    };
    let target_url = raw.target_url.map(|u| {
        v.url(
            u.referenced.line() as usize,
            &format!("{at}.targetUrl"),
            &u.value,
        );
        u.value
    });
    if forge == Forge::Bitbucket && target_url.is_none() {
        v.error(
            line,
            format!("{at}.targetUrl"),
            "Bitbucket needs a link for every status: give targetUrl (used when no link applies)",
        );
    }
    let hosts = match raw.host {
        Some(h) => {
            let host = h.value.trim().to_ascii_lowercase();
            if host.is_empty() || host.contains(['/', ':', '@', ' ']) {
                v.error(
                    h.referenced.line() as usize,
                    format!("{at}.host"),
                    format!("{:?} is not a host name", h.value),
                );
            }
            vec![host]
        }
        None => default_hosts(forge, &api_url),
    };
    Some(Config {
        forge,
        api_url,
        token: token.ok().flatten()?,
        repository,
        prefix,
        target_url,
        hosts,
    })
}

/// The hosts of the repositories a forge's API serves: its own (`gitlab.example.com`), or the
/// one its public API stands for (`api.github.com` → `github.com` and `ssh.github.com`).
fn default_hosts(forge: Forge, api_url: &str) -> Vec<String> {
    let host = parse_url(&format!("{api_url}/x/y"))
        .map(|r| r.host)
        .unwrap_or_default();
    match (forge, host.as_str()) {
        (Forge::GitHub, "api.github.com") => vec!["github.com".into(), "ssh.github.com".into()],
        (Forge::Bitbucket, "api.bitbucket.org") => vec!["bitbucket.org".into()],
        (Forge::AzureDevops, "dev.azure.com") => {
            vec!["dev.azure.com".into(), "ssh.dev.azure.com".into()]
        }
        _ => vec![host],
    }
}

/// A repository URL's host (lower case, without port or user) and path segments (without
/// `.git`, percent-decoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    pub host: String,
    pub path: Vec<String>,
}

/// Reads `https://github.com/o/r.git`, `ssh://git@github.com:22/o/r.git`,
/// `git@github.com:o/r.git`, `https://user@dev.azure.com/…`; None for anything else.
pub fn parse_url(url: &str) -> Option<Repo> {
    let url = url.trim();
    let (authority, path) = if let Some((scheme, rest)) = url.split_once("://") {
        if !matches!(
            scheme.to_ascii_lowercase().as_str(),
            "https" | "http" | "ssh" | "git" | "git+ssh" | "ssh+git"
        ) {
            return None;
        }
        let rest = rest.split(['?', '#']).next().unwrap_or_default();
        rest.split_once('/')?
    } else {
        // scp-like: [user@]host:path
        let (authority, path) = url.split_once(':')?;
        if authority.contains('/') {
            return None;
        }
        (authority, path)
    };
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    };
    let host = host.to_ascii_lowercase();
    let mut path: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(decode)
        .collect();
    if let Some(last) = path.last_mut()
        && let Some(name) = last.strip_suffix(".git")
    {
        *last = name.to_string();
    }
    if host.is_empty() || path.is_empty() || path.iter().any(String::is_empty) {
        return None;
    }
    Some(Repo { host, path })
}

/// The commit a revision names: `main@sha1:<40 hex>`, `refs/heads/main@sha1:…`,
/// `v1.2.3@sha1:…`, `sha1:…`, or a bare 40-hex SHA (Argo CD); None for an OCI digest
/// (`latest@sha256:…`), a chart version or anything else that is not a Git commit.
pub fn commit(revision: &str) -> Option<String> {
    let r = revision.trim();
    let r = r.rsplit_once('@').map_or(r, |(_, h)| h);
    let hex = match r.split_once(':') {
        Some(("sha1", h)) => h,
        Some(_) => return None,
        None => r,
    };
    (hex.len() == 40 && hex.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| hex.to_ascii_lowercase())
}

/// The forge's web page comparing two commits of a repository (`repo`: a Flux source's or an
/// Application's URL, in any form [`parse_url`] reads), or None when either side is not a Git
/// commit, the two are the same, or the URL cannot be read. The page's form follows the host:
/// GitLab (a host naming `gitlab`), Bitbucket Cloud, Azure DevOps, and otherwise GitHub's
/// `compare/old...new`, which GitHub Enterprise, Gitea and Forgejo serve too. An `http(s)` URL
/// keeps its scheme and port; any other form is read as `https` on the same host.
pub fn compare_url(repo: &str, old: &str, new: &str) -> Option<String> {
    let (old, new) = (commit(old)?, commit(new)?);
    if old == new {
        return None;
    }
    let parsed = parse_url(repo)?;
    let base = web_base(repo, &parsed.host);
    let path = |segments: &[String]| {
        segments
            .iter()
            .map(|s| encode(s))
            .collect::<Vec<_>>()
            .join("/")
    };
    let host = parsed.host.as_str();
    let p = &parsed.path;
    if host == "ssh.dev.azure.com" || host == "dev.azure.com" || host.ends_with(".visualstudio.com")
    {
        // https: organization/project/_git/repository; ssh: v3/organization/project/repository.
        let (org, project, name) = match p.as_slice() {
            [v3, org, project, name] if v3 == "v3" => (org, project, name),
            [org, project, git, name] if git == "_git" => (org, project, name),
            _ => return None,
        };
        let base = if host == "ssh.dev.azure.com" {
            "https://dev.azure.com".to_string()
        } else {
            base
        };
        return Some(format!(
            "{base}/{}/_git/{}/branchCompare?baseVersion=GC{old}&targetVersion=GC{new}",
            path(&[org.clone(), project.clone()]),
            encode(name)
        ));
    }
    if host == "bitbucket.org" {
        return Some(format!("{base}/{}/branches/compare/{new}%0D{old}", path(p)));
    }
    if host.split('.').any(|label| label.contains("gitlab")) {
        return Some(format!("{base}/{}/-/compare/{old}...{new}", path(p)));
    }
    Some(format!("{base}/{}/compare/{old}...{new}", path(p)))
}

/// `scheme://host[:port]` of a repository's web pages: an `http(s)` URL's own (without its
/// user), else `https://` and the host (`ssh.github.com` is github.com's SSH endpoint).
fn web_base(repo: &str, host: &str) -> String {
    let repo = repo.trim();
    for scheme in ["https", "http"] {
        if let Some(rest) = repo
            .get(..scheme.len() + 3)
            .filter(|s| s.eq_ignore_ascii_case(&format!("{scheme}://")))
            .map(|_| &repo[scheme.len() + 3..])
        {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            return format!("{scheme}://{}", authority.to_ascii_lowercase());
        }
    }
    match host {
        "ssh.github.com" => "https://github.com".to_string(),
        _ => format!("https://{host}"),
    }
}

/// What a status says of the commit, before each forge's own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Being applied: a new revision not yet ready, progressing.
    Pending,
    /// Applied, ready and healthy.
    Success,
    /// Applied but degraded (only Gitea/Forgejo has a word for it; a failure elsewhere).
    Warning,
    /// Failed: unhealthy, the apply failed, stuck.
    Failure,
}

/// The state an event gives its commit: from its kind (a failed apply, stuck) and the verdict
/// it leads to. Events that say nothing of the commit (deleted, suspended, resumed, drift) give
/// none.
pub fn state(e: &Event) -> Option<State> {
    let v = e.to.as_ref()?;
    match e.kind {
        EventKind::Deleted
        | EventKind::Suspended
        | EventKind::Resumed
        | EventKind::Drift
        | EventKind::Changed
        | EventKind::ImageChanged => None,
        EventKind::Stuck | EventKind::SyncFailed => Some(State::Failure),
        _ => Some(match v.health {
            Health::Unhealthy => State::Failure,
            Health::Warning => State::Warning,
            Health::Healthy if v.ready => State::Success,
            Health::Healthy | Health::Unknown => State::Pending,
        }),
    }
}

/// One status to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The repository as the forge names it (`["acme", "apps"]`).
    pub repo: Vec<String>,
    pub sha: String,
    pub state: State,
    /// `<prefix>/<cluster>/<Kind>/<namespace>/<name>`.
    pub context: String,
    /// The object's name in its cluster, `<cluster>/<Kind>/<namespace>/<name>` (Azure DevOps's
    /// context name, under the prefix as its genre).
    pub name: String,
    /// Not cut yet: each forge cuts it to its limit.
    pub description: String,
    pub target_url: Option<String>,
}

/// The context's part naming the object: `<cluster>/<Kind>/<namespace>/<name>` (no namespace
/// for a cluster-wide object).
pub fn object_name(e: &Event) -> String {
    let o = &e.object;
    if o.namespace.is_empty() {
        format!("{}/{}/{}", e.cluster, o.kind, o.name)
    } else {
        format!("{}/{}/{}/{}", e.cluster, o.kind, o.namespace, o.name)
    }
}

/// `unhealthy (HealthCheckFailed): health check failed after 30s…`; for a health rolled up
/// from children, the child behind it.
pub fn description(e: &Event) -> String {
    let Some(v) = &e.to else {
        return e.kind.as_str().to_string();
    };
    let mut d = format!("{} {}", e.kind.as_str(), v.explained(e.via()));
    if e.via().is_none() && !e.message.trim().is_empty() {
        d.push_str(": ");
        d.push_str(e.message.trim());
    }
    d
}

/// The status for one event, or None (with a debug line saying why) when there is nothing to
/// post.
pub fn status(c: &Config, cx: &Cx<'_>, e: &Event) -> Option<Status> {
    let skip = |why: &str| {
        tracing::debug!(receiver = %cx.receiver, object = %e.object, event = %e.kind, "no commit status: {why}");
    };
    let Some(state) = state(e) else {
        skip("the event says nothing of the commit");
        return None;
    };
    // A commit being applied, or failing to, is the one last attempted (a Flux Kustomization's
    // `lastAttemptedRevision`), which may be newer than the one applied; success is the applied.
    let applied = e.to.as_ref().and_then(|v| v.revision.as_deref());
    let revision = match state {
        State::Pending | State::Failure => e
            .attempted
            .as_deref()
            .filter(|a| commit(a).is_some())
            .or(applied),
        State::Success | State::Warning => applied,
    };
    let Some(sha) = revision.and_then(commit) else {
        skip("its revision is not a Git commit");
        return None;
    };
    let repo = match &c.repository {
        Some(r) => r.clone(),
        None => {
            let Some(url) = e.repo.as_deref() else {
                skip("no repository known");
                return None;
            };
            let Some(r) = parse_url(url) else {
                skip("the repository URL is not one herald reads");
                return None;
            };
            if !c.serves(&r.host) {
                skip("the repository is on another host");
                return None;
            }
            let Some(located) = c.forge.locate(&r) else {
                skip("the repository URL does not name one of this forge's repositories");
                return None;
            };
            located
        }
    };
    let name = object_name(e);
    let target_url = cx
        .templates
        .links_of(e)
        .into_iter()
        .map(|(_, url)| url)
        .find(|u| u.starts_with("https://") || u.starts_with("http://"))
        .or_else(|| c.target_url.clone());
    Some(Status {
        repo,
        sha,
        state,
        context: format!("{}/{name}", c.prefix),
        name,
        description: description(e),
        target_url,
    })
}

/// Posts the status of each event of `n`, one at a time, with `post`: taken when every one
/// is; a retry stops at once (the events before it are posted again next time, which sets
/// the same state); refusals are told together.
pub async fn deliver_each<F, Fut>(c: &Config, cx: &Cx<'_>, n: &Notification, post: F) -> Outcome
where
    F: Fn(Status, String) -> Fut,
    Fut: std::future::Future<Output = Outcome>,
{
    let statuses: Vec<Status> = n.events().filter_map(|e| status(c, cx, e)).collect();
    if statuses.is_empty() {
        return Outcome::Delivered;
    }
    let token = match super::secret(&c.token) {
        Ok(t) => t,
        Err(o) => return o,
    };
    let mut refused = Vec::new();
    for s in statuses {
        let what = format!("{} on {}", s.context, short(&s.sha));
        match post(s, token.clone()).await {
            Outcome::Delivered => {
                tracing::debug!(receiver = %cx.receiver, "commit status {what} posted");
            }
            Outcome::Refused(why) => refused.push(format!("{what}: {why}")),
            retry => return retry,
        }
    }
    if refused.is_empty() {
        Outcome::Delivered
    } else {
        Outcome::Refused(refused.join("; "))
    }
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

/// A rate limit's wait, at least a second (never retry hot).
pub fn wait(d: Duration) -> Option<Duration> {
    Some(d.max(Duration::from_secs(1)))
}

/// A 429 or 403 that says when to come back: `Retry-After`, or a remaining count of 0 with
/// the reset time in `reset` (Unix seconds).
pub fn rate_limited(r: &Reply, remaining: &str, reset: &str) -> Option<Duration> {
    if let Some(d) = super::retry_after(&r.headers) {
        return wait(d);
    }
    let exhausted = r
        .headers
        .get(remaining)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() == "0");
    if exhausted || r.status == 429 {
        return super::reset_at(&r.headers, reset).and_then(wait);
    }
    None
}

/// A path segment percent-encoded (all but unreserved characters).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `%20` and the like decoded (an invalid escape is kept as written).
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::health::Health;
    use crate::notify::templates::Templates;
    use crate::store::{ObjectKey, Verdict};

    pub const SHA: &str = "4f1c2a9d3e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c";

    pub fn verdict(health: Health, ready: bool, status: &str) -> Verdict {
        Verdict {
            health,
            ready,
            status: status.into(),
            revision: Some(format!("main@sha1:{SHA}")),
            suspended: false,
            sync: None,
            from_children: false,
        }
    }

    /// The Kustomization `apps/web` of cluster `prod` at [`SHA`] of github.com/acme/apps.
    pub fn event(kind: EventKind, to: Verdict) -> Event {
        Event {
            id: format!("id-{kind}"),
            kind,
            cluster: "prod".into(),
            object: ObjectKey::new(
                "kustomize.toolkit.fluxcd.io",
                "Kustomization",
                "apps",
                "web",
            ),
            at: "2026-11-23T12:00:00Z".parse().unwrap(),
            from: None,
            to: Some(to),
            message: "health check failed after 30s".into(),
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

    pub fn trouble() -> Event {
        event(
            EventKind::Unhealthy,
            verdict(Health::Unhealthy, false, "HealthCheckFailed"),
        )
    }

    pub fn recovery() -> Event {
        let mut e = event(
            EventKind::Recovered,
            verdict(Health::Healthy, true, "ReconciliationSucceeded"),
        );
        e.message = "Applied revision: main@sha1:4f1c2a9".into();
        e
    }

    pub fn config(forge: Forge, api_url: &str, hosts: &[&str]) -> Config {
        Config {
            forge,
            api_url: api_url.into(),
            token: Secret::Env("FORGE_TOKEN_UNSET".into()),
            repository: None,
            prefix: "herald".into(),
            target_url: None,
            hosts: hosts.iter().map(|h| h.to_string()).collect(),
        }
    }

    pub fn client() -> reqwest::Client {
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::new()
    }

    pub fn with_cx<T>(f: impl FnOnce(&Cx<'_>) -> T) -> T {
        let client = client();
        let templates = Templates::default();
        let cx = Cx {
            client: &client,
            threads: None,
            templates: &templates,
            receiver: "forge",
            timeout: Duration::from_secs(1),
        };
        f(&cx)
    }

    pub fn reply_of(status: u16, h: &[(&'static str, &str)], body: &str) -> Reply {
        let mut headers = reqwest::header::HeaderMap::new();
        for (k, v) in h {
            headers.insert(*k, v.parse().unwrap());
        }
        Reply {
            status,
            headers,
            body: bytes::Bytes::from(body.to_string()),
        }
    }

    fn repo(host: &str, path: &[&str]) -> Option<Repo> {
        Some(Repo {
            host: host.into(),
            path: path.iter().map(|s| s.to_string()).collect(),
        })
    }

    #[test]
    fn compare_links_follow_the_forge() {
        let (a, b) = ("a".repeat(40), "b".repeat(40));
        let (old, new) = (format!("main@sha1:{a}"), format!("main@sha1:{b}"));
        let cases = [
            (
                "https://github.com/acme/apps.git",
                format!("https://github.com/acme/apps/compare/{a}...{b}"),
            ),
            (
                "ssh://git@ssh.github.com:443/acme/apps.git",
                format!("https://github.com/acme/apps/compare/{a}...{b}"),
            ),
            (
                "git@gitlab.com:group/sub/apps.git",
                format!("https://gitlab.com/group/sub/apps/-/compare/{a}...{b}"),
            ),
            (
                "https://gitlab.example.com/group/apps",
                format!("https://gitlab.example.com/group/apps/-/compare/{a}...{b}"),
            ),
            (
                "https://user@bitbucket.org/ws/apps.git",
                format!("https://bitbucket.org/ws/apps/branches/compare/{b}%0D{a}"),
            ),
            (
                "https://acme@dev.azure.com/acme/Ops%20Team/_git/apps",
                format!(
                    "https://dev.azure.com/acme/Ops%20Team/_git/apps/branchCompare?baseVersion=GC{a}&targetVersion=GC{b}"
                ),
            ),
            (
                "git@ssh.dev.azure.com:v3/acme/ops/apps",
                format!(
                    "https://dev.azure.com/acme/ops/_git/apps/branchCompare?baseVersion=GC{a}&targetVersion=GC{b}"
                ),
            ),
            (
                "http://gitea.local:3000/acme/apps.git",
                format!("http://gitea.local:3000/acme/apps/compare/{a}...{b}"),
            ),
        ];
        for (repo, want) in cases {
            assert_eq!(
                compare_url(repo, &old, &new).as_deref(),
                Some(want.as_str()),
                "{repo}"
            );
        }
        // Argo CD's bare SHAs are commits too.
        assert!(compare_url("https://github.com/a/b", &a, &b).is_some());
        // Not two different commits, or no repository to link to: no link.
        let repo = "https://github.com/acme/apps";
        assert_eq!(compare_url(repo, &old, &old), None);
        assert_eq!(compare_url(repo, "latest@sha256:abc", &new), None);
        assert_eq!(compare_url(repo, &old, "6.5.0"), None);
        assert_eq!(
            compare_url("oci://ghcr.io/acme/manifests", &old, &new),
            None
        );
        assert_eq!(compare_url("not a url", &old, &new), None);
    }

    #[test]
    fn repository_urls_in_https_ssh_and_scp_forms() {
        for url in [
            "https://github.com/acme/apps.git",
            "https://github.com/acme/apps",
            "https://GitHub.com/acme/apps/",
            "ssh://git@github.com/acme/apps.git",
            "ssh://git@github.com:22/acme/apps.git",
            "git@github.com:acme/apps.git",
            "https://x-access-token@github.com/acme/apps.git",
        ] {
            assert_eq!(
                parse_url(url),
                repo("github.com", &["acme", "apps"]),
                "{url}"
            );
        }
        assert_eq!(
            parse_url("https://gitlab.example.com:8443/acme/platform/apps.git"),
            repo("gitlab.example.com", &["acme", "platform", "apps"])
        );
        assert_eq!(
            parse_url("git@gitlab.com:acme/platform/sub/apps.git"),
            repo("gitlab.com", &["acme", "platform", "sub", "apps"])
        );
        assert_eq!(parse_url("oci://ghcr.io/acme/manifests"), None);
        assert_eq!(parse_url("https://github.com"), None);
        assert_eq!(parse_url("not a url"), None);
    }

    #[test]
    fn each_forge_reads_its_own_repository_paths() {
        let gh = parse_url("git@github.com:acme/apps.git").unwrap();
        assert_eq!(Forge::GitHub.locate(&gh).unwrap(), ["acme", "apps"]);
        let sub = parse_url("https://gitlab.com/acme/platform/apps.git").unwrap();
        assert_eq!(Forge::GitHub.locate(&sub), None, "GitHub has no subgroups");
        assert_eq!(
            Forge::GitLab.locate(&sub).unwrap(),
            ["acme", "platform", "apps"]
        );
        let want = ["acme", "Shop Front", "web"];
        for url in [
            "https://dev.azure.com/acme/Shop%20Front/_git/web",
            "https://acme@dev.azure.com/acme/Shop%20Front/_git/web",
            "git@ssh.dev.azure.com:v3/acme/Shop%20Front/web",
            "https://acme.visualstudio.com/Shop%20Front/_git/web",
            "https://acme.visualstudio.com/DefaultCollection/Shop%20Front/_git/web",
            "acme@vs-ssh.visualstudio.com:v3/acme/Shop%20Front/web",
        ] {
            let r = parse_url(url).unwrap();
            assert_eq!(
                Forge::AzureDevops.locate(&r).as_deref(),
                Some(&want.map(String::from)[..]),
                "{url}"
            );
        }
        let c = config(Forge::AzureDevops, "https://dev.azure.com", &[]);
        let c = Config {
            hosts: default_hosts(Forge::AzureDevops, &c.api_url),
            ..c
        };
        assert!(c.serves("dev.azure.com") && c.serves("ssh.dev.azure.com"));
        assert!(c.serves("acme.visualstudio.com") && !c.serves("github.com"));
        assert_eq!(
            default_hosts(Forge::GitHub, "https://api.github.com"),
            ["github.com", "ssh.github.com"]
        );
        assert_eq!(
            default_hosts(Forge::GitHub, "https://ghe.example.com/api/v3"),
            ["ghe.example.com"]
        );
        assert_eq!(
            default_hosts(Forge::Bitbucket, "https://api.bitbucket.org/2.0"),
            ["bitbucket.org"]
        );
    }

    #[test]
    fn commits_come_from_git_revisions_only() {
        for r in [
            format!("main@sha1:{SHA}"),
            format!("refs/heads/main@sha1:{SHA}"),
            format!("v1.2.3@sha1:{SHA}"),
            format!("sha1:{SHA}"),
            SHA.to_string(),
            SHA.to_uppercase(),
        ] {
            assert_eq!(commit(&r).as_deref(), Some(SHA), "{r}");
        }
        for r in [
            format!("latest@sha256:{SHA}{}", &SHA[..24]),
            "1.2.3".to_string(),
            "main@sha1:4f1c2a9".to_string(),
            String::new(),
        ] {
            assert_eq!(commit(&r), None, "{r}");
        }
    }

    #[test]
    fn states_come_from_the_event_and_the_verdict() {
        let bad = verdict(Health::Unhealthy, false, "HealthCheckFailed");
        let ok = verdict(Health::Healthy, true, "ReconciliationSucceeded");
        let busy = verdict(Health::Unknown, false, "Progressing");
        let warn = verdict(Health::Warning, true, "Degraded");
        assert_eq!(state(&trouble()), Some(State::Failure));
        assert_eq!(state(&recovery()), Some(State::Success));
        assert_eq!(
            state(&event(EventKind::Revision, busy.clone())),
            Some(State::Pending)
        );
        assert_eq!(
            state(&event(EventKind::Revision, ok.clone())),
            Some(State::Success)
        );
        assert_eq!(
            state(&event(EventKind::Revision, bad.clone())),
            Some(State::Failure)
        );
        assert_eq!(
            state(&event(EventKind::Unknown, busy.clone())),
            Some(State::Pending)
        );
        assert_eq!(
            state(&event(EventKind::Stuck, busy.clone())),
            Some(State::Failure)
        );
        assert_eq!(
            state(&event(EventKind::SyncFailed, ok.clone())),
            Some(State::Failure)
        );
        assert_eq!(
            state(&event(EventKind::Warning, warn)),
            Some(State::Warning)
        );
        assert_eq!(state(&event(EventKind::Drift, ok.clone())), None);
        assert_eq!(state(&event(EventKind::Suspended, ok)), None);
        let mut gone = trouble();
        gone.kind = EventKind::Deleted;
        gone.to = None;
        assert_eq!(state(&gone), None);
    }

    #[test]
    fn a_status_names_the_object_per_cluster_and_links_it() {
        let c = config(Forge::GitHub, "https://api.github.com", &["github.com"]);
        let s = with_cx(|cx| status(&c, cx, &trouble())).unwrap();
        assert_eq!(s.repo, ["acme", "apps"]);
        assert_eq!(s.sha, SHA);
        assert_eq!(s.context, "herald/prod/Kustomization/apps/web");
        assert_eq!(s.name, "prod/Kustomization/apps/web");
        assert_eq!(
            s.description,
            "unhealthy (HealthCheckFailed): health check failed after 30s"
        );
        assert_eq!(s.target_url, None);
        // Another cluster deploying the same commit has its own context.
        let mut other = trouble();
        other.cluster = "staging".into();
        let o = with_cx(|cx| status(&c, cx, &other)).unwrap();
        assert_ne!(o.context, s.context);
        // The first link of the configuration's links, else targetUrl.
        let mut templates = Templates::default();
        templates
            .add_link("flux", "https://flux.example.com/{{ object.ref }}", vec![])
            .unwrap();
        let client = client();
        let cx = Cx {
            client: &client,
            threads: None,
            templates: &templates,
            receiver: "gh",
            timeout: Duration::from_secs(1),
        };
        assert_eq!(
            status(&c, &cx, &trouble()).unwrap().target_url.as_deref(),
            Some("https://flux.example.com/apps/web")
        );
        let fallback = Config {
            target_url: Some("https://herald.example.com".into()),
            ..c.clone()
        };
        assert_eq!(
            with_cx(|cx| status(&fallback, cx, &trouble()))
                .unwrap()
                .target_url
                .as_deref(),
            Some("https://herald.example.com")
        );
    }

    #[test]
    fn a_commit_that_fails_to_apply_gets_the_failure_not_the_one_applied() {
        let c = config(Forge::GitHub, "https://api.github.com", &["github.com"]);
        let newer = "0123456789abcdef0123456789abcdef01234567";
        // The Kustomization still runs SHA; the new commit failed to build.
        let mut failed = trouble();
        failed.attempted = Some(format!("main@sha1:{newer}"));
        assert_eq!(with_cx(|cx| status(&c, cx, &failed)).unwrap().sha, newer);
        // While it is applied: pending on the new commit.
        let mut pending = event(
            EventKind::Revision,
            verdict(Health::Healthy, false, "Progressing"),
        );
        pending.attempted = Some(format!("main@sha1:{newer}"));
        assert_eq!(with_cx(|cx| status(&c, cx, &pending)).unwrap().sha, newer);
        // Success is on the commit applied, whatever was attempted.
        let mut ok = recovery();
        ok.attempted = Some(format!("main@sha1:{newer}"));
        assert_eq!(with_cx(|cx| status(&c, cx, &ok)).unwrap().sha, SHA);
        // An attempted chart version is no commit: the applied one stands.
        let mut chart = trouble();
        chart.attempted = Some("6.7.2".into());
        assert_eq!(with_cx(|cx| status(&c, cx, &chart)).unwrap().sha, SHA);
    }

    #[test]
    fn objects_without_a_commit_or_on_another_forge_are_skipped() {
        let c = config(Forge::GitHub, "https://api.github.com", &["github.com"]);
        let mut oci = trouble();
        oci.to.as_mut().unwrap().revision = Some(format!("latest@sha256:{SHA}{}", &SHA[..24]));
        let mut no_repo = trouble();
        no_repo.repo = None;
        let mut gitlab = trouble();
        gitlab.repo = Some("https://gitlab.com/acme/apps.git".into());
        with_cx(|cx| {
            assert_eq!(status(&c, cx, &oci), None);
            assert_eq!(status(&c, cx, &no_repo), None);
            assert_eq!(status(&c, cx, &gitlab), None);
        });
        // Unless the receiver names the repository.
        let pinned = Config {
            repository: Some(vec!["acme".into(), "mirror".into()]),
            ..c.clone()
        };
        let s = with_cx(|cx| status(&pinned, cx, &gitlab)).unwrap();
        assert_eq!(s.repo, ["acme", "mirror"]);
        // A group is one status per event, taken when all are: nothing to post is taken.
        let n = Notification {
            id: 1,
            receiver: "gh".into(),
            route: "0".into(),
            event: oci,
            due: "2026-11-23T12:00:00Z".parse().unwrap(),
            recheck: false,
            target: None,
            grouped: vec![(2, no_repo)],
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let o = with_cx(|cx| {
            rt.block_on(deliver_each(&c, cx, &n, |_, _| async {
                Outcome::Refused("not called".into())
            }))
        });
        assert_eq!(o, Outcome::Delivered);
    }

    #[test]
    fn a_group_is_one_status_per_event_taken_when_all_are() {
        let file = std::env::temp_dir().join(format!("herald-forge-token-{}", std::process::id()));
        std::fs::write(&file, "t0ken\n").unwrap();
        let c = Config {
            token: Secret::File(file.clone()),
            ..config(Forge::GitHub, "https://api.github.com", &["github.com"])
        };
        let mut other = trouble();
        other.object.name = "api".into();
        let n = Notification {
            id: 1,
            receiver: "gh".into(),
            route: "0".into(),
            event: trouble(),
            due: "2026-11-23T12:00:00Z".parse().unwrap(),
            recheck: false,
            target: None,
            grouped: vec![(2, other), (3, recovery())],
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let run = |answers: Vec<Outcome>| {
            let sent = std::sync::Mutex::new(Vec::new());
            let o = with_cx(|cx| {
                rt.block_on(deliver_each(&c, cx, &n, |s, token| {
                    assert_eq!(token, "t0ken");
                    let mut sent = sent.lock().unwrap();
                    sent.push((s.context.clone(), s.state));
                    let a = answers[sent.len() - 1].clone();
                    async move { a }
                }))
            });
            (o, sent.into_inner().unwrap())
        };
        let (o, sent) = run(vec![Outcome::Delivered; 3]);
        assert_eq!(o, Outcome::Delivered);
        assert_eq!(
            sent,
            [
                (
                    "herald/prod/Kustomization/apps/web".to_string(),
                    State::Failure
                ),
                (
                    "herald/prod/Kustomization/apps/api".to_string(),
                    State::Failure
                ),
                (
                    "herald/prod/Kustomization/apps/web".to_string(),
                    State::Success
                ),
            ]
        );
        // A refusal does not stop the others; it is reported.
        let (o, sent) = run(vec![
            Outcome::Delivered,
            Outcome::Refused("HTTP 404".into()),
            Outcome::Delivered,
        ]);
        assert_eq!(sent.len(), 3);
        assert!(matches!(o, Outcome::Refused(w) if w.contains("apps/api") && w.contains("404")));
        // A retry stops at once.
        let wait = Outcome::Retry {
            after: Some(Duration::from_secs(2)),
            why: "HTTP 429".into(),
        };
        let (o, sent) = run(vec![Outcome::Delivered, wait.clone(), Outcome::Delivered]);
        assert_eq!(sent.len(), 2);
        assert_eq!(o, wait);

        let _ = std::fs::remove_file(file);
    }

    #[test]
    fn rate_limits_wait_for_what_the_forge_says_and_never_less_than_a_second() {
        let later = (jiff::Timestamp::now().as_second() + 30).to_string();
        let r = reply_of(
            403,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", &later),
            ],
            "",
        );
        let d = rate_limited(&r, "x-ratelimit-remaining", "x-ratelimit-reset").unwrap();
        assert!(d >= Duration::from_secs(28) && d <= Duration::from_secs(30));
        let r = reply_of(403, &[("x-ratelimit-remaining", "12")], "");
        assert_eq!(
            rate_limited(&r, "x-ratelimit-remaining", "x-ratelimit-reset"),
            None
        );
        let r = reply_of(429, &[("retry-after", "0")], "");
        assert_eq!(
            rate_limited(&r, "x-ratelimit-remaining", "x-ratelimit-reset"),
            Some(Duration::from_secs(1))
        );
        let past = (jiff::Timestamp::now().as_second() - 30).to_string();
        let r = reply_of(429, &[("ratelimit-reset", &past)], "");
        assert_eq!(
            rate_limited(&r, "ratelimit-remaining", "ratelimit-reset"),
            Some(Duration::from_secs(1))
        );
    }

    #[test]
    fn paths_are_encoded_and_decoded() {
        assert_eq!(encode("acme/platform apps"), "acme%2Fplatform%20apps");
        assert_eq!(decode("Shop%20Front"), "Shop Front");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz"), "%zz");
    }

    fn errors(text: &str) -> Vec<String> {
        crate::config::parse(text, std::path::Path::new("herald.yaml"))
            .expect_err("refused")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn the_configuration_gives_each_forge_what_it_needs() {
        let c = crate::config::parse(
            "receivers:\n  - name: gh\n    github: {tokenEnv: GITHUB_TOKEN}\n  - name: ghe\n    github: {apiUrl: \"https://ghe.example.com/api/v3/\", tokenFile: /run/t, contextPrefix: ci/herald}\n  - name: gl\n    gitlab: {tokenEnv: T, repository: acme/platform/apps}\n  - name: fj\n    gitea: {apiUrl: \"https://codeberg.org\", tokenEnv: T}\n  - name: bb\n    bitbucket: {tokenEnv: T, targetUrl: \"https://herald.example.com\"}\n  - name: az\n    azureDevops: {tokenEnv: T, repository: acme/Shop Front/web}\n",
            std::path::Path::new("herald.yaml"),
        )
        .unwrap();
        let forges: Vec<&Config> = c
            .receivers
            .iter()
            .map(|r| match &r.kind {
                crate::config::ReceiverKind::GitHub(f)
                | crate::config::ReceiverKind::GitLab(f)
                | crate::config::ReceiverKind::Gitea(f)
                | crate::config::ReceiverKind::Bitbucket(f)
                | crate::config::ReceiverKind::AzureDevops(f) => f,
                k => panic!("{}", k.as_str()),
            })
            .collect();
        assert_eq!(forges[0].api_url, "https://api.github.com");
        assert_eq!(forges[0].hosts, ["github.com", "ssh.github.com"]);
        assert_eq!(forges[0].prefix, "herald");
        assert_eq!(forges[1].api_url, "https://ghe.example.com/api/v3");
        assert_eq!(forges[1].hosts, ["ghe.example.com"]);
        assert_eq!(forges[1].prefix, "ci/herald");
        assert_eq!(
            forges[2].repository.as_deref(),
            Some(&["acme".to_string(), "platform".into(), "apps".into()][..])
        );
        assert_eq!(forges[3].hosts, ["codeberg.org"]);
        assert_eq!(forges[4].forge, Forge::Bitbucket);
        assert_eq!(
            forges[5].repository.as_deref(),
            Some(&["acme".to_string(), "Shop Front".into(), "web".into()][..])
        );
    }

    #[test]
    fn configuration_mistakes_name_their_line_and_field() {
        let e = errors(
            "receivers:\n  - name: gh\n    github: {repository: acme}\n  - name: gt\n    gitea: {tokenEnv: T}\n  - name: bb\n    bitbucket: {tokenEnv: T}\n  - name: gl\n    gitlab:\n      tokenEnv: T\n      apiUrl: gitlab.example.com\n      contextPrefix: \"\"\n  - name: az\n    azureDevops: {tokenEnv: T, tokenFile: /t, repository: acme/web}\n  - name: x\n    github: {tokenEnv: T, colour: blue}\n",
        );
        let all = e.join("\n");
        for want in [
            "herald.yaml:2: receivers[0].github: needs tokenFile or tokenEnv",
            "herald.yaml:3: receivers[0].github.repository: \"acme\" is not owner/repo",
            "herald.yaml:4: receivers[1].gitea.apiUrl: needs the server's URL",
            "herald.yaml:6: receivers[2].bitbucket.targetUrl: Bitbucket needs a link",
            "herald.yaml:11: receivers[3].gitlab.apiUrl: \"gitlab.example.com\" is not an http:// or https:// URL",
            "herald.yaml:12: receivers[3].gitlab.contextPrefix: empty prefix",
            "receivers[4].azureDevops: give tokenFile or tokenEnv, not both",
            "receivers[4].azureDevops.repository: \"acme/web\" is not organization/project/repository",
            "colour",
        ] {
            assert!(all.contains(want), "{want} missing from:\n{all}");
        }
    }
}
