//! Message templates (minijinja): the email subject and bodies, the Slack details and the
//! webhook summary. herald ships defaults; a `templates.dir` of the configuration may replace
//! any of them with a file of the same name:
//!
//! - `subject.jinja`: one line (email subject, Slack fallback text, webhook `summary`);
//! - `text.jinja`: the plain-text email body;
//! - `html.jinja`: the HTML email body (autoescaped);
//! - `slack.jinja`: the Slack message's details (mrkdwn).
//!
//! Every template sees `event` (`unhealthy`…), `id`, `cluster`, `object` (`group`, `kind`,
//! `namespace`, `name`, `ref`), `from` and `to` (`health`, `ready`, `status`, `revision`,
//! `suspended`, `sync`, or none), `message`, `revision`, `commit` (the revision's hash),
//! `oldRevision` and `oldCommit` (the revision before, when the event moved it), `compare` (the
//! forge's page comparing the two commits, when both are Git commits and `repo` is known),
//! `children` (`group/Kind ns/name`), `via` (for an event about a health rolled up from
//! children: the first child behind it, with its message), `headline` (the event in one line, as
//! the default subject says it), `labels`, `at` and `links` (`name`, `url`: the
//! configuration's `links`, each a URL template of its own, for the kinds it names), and
//! `warnings` (for trouble: the latest Kubernetes Warning Events of the object and of its
//! descendants, newest first, each `reason`, `note`, `count`, `at` and `object`, `Pod
//! apps/web-1`; the defaults show the first three), and for a Node leaving Healthy `affected`
//! (the GitOps objects whose Pods run there, most Pods first, each `group`, `kind`,
//! `namespace`, `name`, `object`, `Kustomization flux-system/apps`, and `pods`),
//! `affected_more` (how many more there are) and `affects` (all of it in one line:
//! `Kustomization flux-system/apps (3 Pods), …`; the defaults show it),
//! and, for `changed` and `image-changed`,
//! `change` (`type` `spec`: `fromGeneration`, `toGeneration`, `paths` each `path`, `op`, `old`,
//! `new`, and `more`; `type` `image`: `workload`, `container`, `image`, `oldDigest`,
//! `newDigest`) with `changeSummary`, the change in one line (also the event's `message`).

use std::path::Path;

use minijinja::{AutoEscape, Environment};
use serde_json::{Value, json};

use super::Event;

pub const NAMES: [&str; 4] = ["subject", "text", "html", "slack"];

// A health rolled up from children is told with the child behind it, and the status as the
// object's own: `unhealthy (ReconciliationSucceeded)` alone reads as a contradiction.
const SUBJECT: &str = "{{ headline }} [{{ cluster }}]";

const TEXT: &str = "{{ object.kind }} {{ object.ref }} in {{ cluster }}: {{ event }}

Health:   {{ from.health if from else 'none' }} -> {{ to.health if to else 'deleted' }}\
{% if to and to.fromChildren %} (from its children){% endif %}
{% if to %}Status:   {{ to.status }}{% if not to.ready %} (not ready){% endif %}\
{% if to.fromChildren %} (its own){% endif %}
{% endif %}{% if revision %}Revision: {% if oldRevision %}{{ oldRevision }} -> {% endif %}{{ revision }}
{% endif %}{% if compare %}Compare:  {{ compare }}
{% endif %}{% if message %}Message:  {{ message }}
{% endif %}{% for c in children %}Child:    {{ c }}
{% endfor %}{% if affected %}Affects:  {{ affects }}
{% endif %}{% for w in warnings[:3] %}Warning:  {{ w.object }}: {{ w.reason }}{% if w.count > 1 %} (x{{ w.count }}){% endif %}: {{ w.note }}
{% endfor %}{% for l in links %}{{ l.name }}: {{ l.url }}
{% endfor %}At:       {{ at }}
Object:   {{ object.group ~ '/' if object.group }}{{ object.kind }} {{ object.ref }}
";

const HTML: &str = "<html><body>
<p><b>{{ object.kind }} {{ object.ref }}</b> in <b>{{ cluster }}</b>: {{ event }}</p>
<table>
<tr><td>Health</td><td>{{ from.health if from else 'none' }} &rarr; {{ to.health if to else 'deleted' }}{% if to and to.fromChildren %} (from its children){% endif %}</td></tr>
{% if to %}<tr><td>Status</td><td>{{ to.status }}{% if not to.ready %} (not ready){% endif %}{% if to.fromChildren %} (its own){% endif %}</td></tr>{% endif %}
{% if revision %}<tr><td>Revision</td><td>{% if oldRevision %}<code>{{ oldRevision }}</code> &rarr; {% endif %}<code>{{ revision }}</code>{% if compare %} (<a href=\"{{ compare }}\">compare</a>){% endif %}</td></tr>{% endif %}
{% if message %}<tr><td>Message</td><td>{{ message }}</td></tr>{% endif %}
{% for c in children %}<tr><td>Child</td><td>{{ c }}</td></tr>{% endfor %}
{% if affected %}<tr><td>Affects</td><td>{{ affects }}</td></tr>{% endif %}
{% for w in warnings[:3] %}<tr><td>Warning</td><td>{{ w.object }}: <b>{{ w.reason }}</b>{% if w.count > 1 %} (&times;{{ w.count }}){% endif %}: {{ w.note }}</td></tr>{% endfor %}
{% for l in links %}<tr><td>{{ l.name }}</td><td><a href=\"{{ l.url }}\">{{ l.url }}</a></td></tr>{% endfor %}
<tr><td>At</td><td>{{ at }}</td></tr>
</table>
</body></html>
";

const SLACK: &str = "{% if to %}*Status:* {{ to.status }} \
({% if to.fromChildren %}its own; {{ to.health }} from its children{% else %}{{ to.health }}{% endif %})
{% endif %}{% if revision %}*Revision:* {% if oldRevision %}`{{ oldRevision }}` → {% endif %}`{{ revision }}`{% if compare %} (<{{ compare }}|compare>){% endif %}
{% endif %}{% if message %}*Message:* {{ message }}
{% endif %}{% if children %}*Children:* {% for c in children[:10] %}`{{ c }}`{% if not loop.last %}, {% endif %}{% endfor %}
{% endif %}{% if affected %}*Affects:* {{ affects }}
{% endif %}{% for w in warnings[:3] %}*Warning:* {{ w.object }}: {{ w.reason }}{% if w.count > 1 %} (x{{ w.count }}){% endif %}: {{ w.note }}
{% endfor %}{% if links %}{% for l in links %}<{{ l.url }}|{{ l.name }}>{% if not loop.last %} · {% endif %}{% endfor %}
{% endif %}";

/// The templates in use: the defaults, and the user's where given.
pub struct Templates {
    env: Environment<'static>,
    defaults: Environment<'static>,
    /// (name, kinds it applies to: all when empty); the URL template is `link:<index>`.
    links: Vec<(String, Vec<String>)>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Templates")
    }
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| {
        if name == "html" {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env.set_keep_trailing_newline(true);
    env
}

fn with_defaults() -> Environment<'static> {
    let mut env = environment();
    for (name, source) in NAMES.iter().zip([SUBJECT, TEXT, HTML, SLACK]) {
        env.add_template(name, source)
            .expect("the built-in templates parse");
    }
    env
}

impl Default for Templates {
    fn default() -> Self {
        Templates {
            env: with_defaults(),
            defaults: with_defaults(),
            links: Vec::new(),
        }
    }
}

impl Templates {
    /// The defaults, with `<name>.jinja` from `dir` in place of each default it replaces. An
    /// error names the file and line.
    pub fn load(dir: &Path) -> Result<Templates, Vec<(String, Option<usize>, String)>> {
        let mut env = with_defaults();
        let mut errors = Vec::new();
        for name in NAMES {
            let path = dir.join(format!("{name}.jinja"));
            let Ok(source) = std::fs::read_to_string(&path) else {
                continue;
            };
            if let Err(e) = env.add_template_owned(name, source) {
                errors.push((path.display().to_string(), e.line(), e.to_string()));
            }
        }
        if !dir.is_dir() {
            errors.push((
                dir.display().to_string(),
                None,
                "not a directory".to_string(),
            ));
        }
        if errors.is_empty() {
            Ok(Templates {
                env,
                defaults: with_defaults(),
                links: Vec::new(),
            })
        } else {
            Err(errors)
        }
    }

    /// Adds a link: `url` is a template over the same variables. An error says what is wrong.
    pub fn add_link(&mut self, name: &str, url: &str, kinds: Vec<String>) -> Result<(), String> {
        let id = format!("link:{}", self.links.len());
        self.env
            .add_template_owned(id, url.to_string())
            .map_err(|e| e.to_string())?;
        self.links.push((name.to_string(), kinds));
        Ok(())
    }

    /// The links for an event (`name`, `url`), rendered: for receivers that show them as
    /// buttons or fields of their own.
    pub fn links_of(&self, e: &Event) -> Vec<(String, String)> {
        self.links(e, &context(e))
            .into_iter()
            .filter_map(|l| {
                Some((
                    l["name"].as_str()?.to_string(),
                    l["url"].as_str()?.to_string(),
                ))
            })
            .collect()
    }

    /// The links for an event, rendered.
    fn links(&self, e: &Event, ctx: &Value) -> Vec<Value> {
        let mut out = Vec::new();
        for (i, (name, kinds)) in self.links.iter().enumerate() {
            if !kinds.is_empty() && !kinds.iter().any(|k| *k == e.object.kind) {
                continue;
            }
            match self
                .env
                .get_template(&format!("link:{i}"))
                .and_then(|t| t.render(ctx))
            {
                Ok(url) if !url.trim().is_empty() => {
                    out.push(json!({"name": name, "url": url.trim()}))
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(link = %name, error = %err, "link template failed"),
            }
        }
        out
    }

    /// Renders one template for an event; a user template that fails falls back to the default
    /// (and says so in the log).
    pub fn render(&self, name: &str, e: &Event) -> String {
        let mut ctx = context(e);
        ctx["links"] = json!(self.links(e, &ctx));
        let user = self.env.get_template(name).and_then(|t| t.render(&ctx));
        match user {
            Ok(s) => s,
            Err(err) => {
                tracing::warn!(template = name, error = %err, "template failed; using the default");
                self.defaults
                    .get_template(name)
                    .and_then(|t| t.render(&ctx))
                    .unwrap_or_default()
            }
        }
    }
}

/// The hash in a revision: `main@sha1:4f1c2a9` → `4f1c2a9`; `v1.2.3@sha256:ab…` → `ab…`.
fn commit(revision: &str) -> String {
    let after_at = revision.rsplit_once('@').map_or(revision, |(_, r)| r);
    after_at
        .split_once(':')
        .map_or(after_at, |(_, h)| h)
        .to_string()
}

/// What every template sees for an event (the module's documentation lists it); also the
/// variables of a templated webhook.
pub fn context(e: &Event) -> Value {
    let o = &e.object;
    let via = e.via();
    let revision = e.to.as_ref().and_then(|v| v.revision.as_deref());
    // The revision before, when this event moved it (the same one says nothing new).
    let old_revision = e
        .from
        .as_ref()
        .and_then(|v| v.revision.as_deref())
        .filter(|old| Some(*old) != revision);
    let reference = if o.namespace.is_empty() {
        o.name.to_string()
    } else {
        format!("{}/{}", o.namespace, o.name)
    };
    json!({
        "event": e.kind.as_str(),
        "id": e.id,
        "cluster": e.cluster,
        "object": {"group": o.group, "kind": o.kind, "namespace": o.namespace, "name": o.name,
                   "ref": reference},
        "from": e.from,
        "to": e.to,
        "message": e.message,
        "revision": revision,
        "commit": revision.map(commit),
        "oldRevision": old_revision,
        "oldCommit": old_revision.map(commit),
        "compare": match (&e.repo, old_revision, revision) {
            (Some(repo), Some(old), Some(new)) => crate::notify::receivers::forge::compare_url(repo, old, new),
            _ => None,
        },
        "children": e.children.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "via": via,
        "headline": match &e.change {
            Some(c) => crate::events::change_headline(e.kind, o, c),
            None => crate::events::headline(e.kind, o, e.to.as_ref(), via),
        },
        "change": e.change,
        "changeSummary": e.change.as_ref().map(crate::changes::Change::summary),
        "labels": e.labels,
        "repo": e.repo,
        "warnings": e.warnings.iter().map(|w| json!({
            "reason": w.reason, "note": w.note, "count": w.count,
            "at": w.at.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(), "object": w.object,
        })).collect::<Vec<_>>(),
        "affected": e.affected.iter().map(|a| json!({
            "group": a.object.group, "kind": a.object.kind, "namespace": a.object.namespace,
            "name": a.object.name, "object": crate::placement::short(&a.object), "pods": a.pods,
        })).collect::<Vec<_>>(),
        "affected_more": e.affected_more,
        "affects": (!e.affected.is_empty())
            .then(|| crate::placement::describe(&e.affected, e.affected_more)),
        "at": e.at.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EventKind;
    use crate::health::Health;
    use crate::store::{ObjectKey, Verdict};

    fn event() -> Event {
        let v = |health| Verdict {
            health,
            ready: health == Health::Healthy,
            status: "HealthCheckFailed".into(),
            revision: Some("main@sha1:4f1c2a9".into()),
            suspended: false,
            sync: None,
            from_children: false,
        };
        Event {
            id: "abc".into(),
            kind: EventKind::Unhealthy,
            cluster: "prod".into(),
            object: ObjectKey::new(
                "kustomize.toolkit.fluxcd.io",
                "Kustomization",
                "flux-system",
                "apps",
            ),
            at: "2026-11-23T12:00:00Z".parse().unwrap(),
            from: Some(v(Health::Healthy)),
            to: Some(v(Health::Unhealthy)),
            message: "health check failed <timeout>".into(),
            children: vec![ObjectKey::new("apps", "Deployment", "apps", "api")],
            via: None,
            labels: Default::default(),
            annotations: Default::default(),
            test: false,
            repo: None,
            attempted: None,
            warnings: Vec::new(),
            affected: Vec::new(),
            affected_more: 0,
            change: None,
        }
    }

    #[test]
    fn a_new_revision_names_the_old_one_and_links_the_comparison() {
        let t = Templates::default();
        let mut e = event();
        let (a, b) = ("a".repeat(40), "b".repeat(40));
        e.kind = EventKind::Revision;
        e.from.as_mut().unwrap().revision = Some(format!("main@sha1:{a}"));
        e.to.as_mut().unwrap().revision = Some(format!("main@sha1:{b}"));
        e.repo = Some("https://github.com/acme/apps.git".into());
        let ctx = context(&e);
        assert_eq!(ctx["oldRevision"], format!("main@sha1:{a}"));
        assert_eq!(ctx["oldCommit"], a);
        let link = format!("https://github.com/acme/apps/compare/{a}...{b}");
        assert_eq!(ctx["compare"], link);
        let text = t.render("text", &e);
        assert!(
            text.contains(&format!("Revision: main@sha1:{a} -> main@sha1:{b}\n")),
            "{text}"
        );
        assert!(text.contains(&format!("Compare:  {link}\n")), "{text}");
        assert!(t.render("html", &e).contains("\">compare</a>"));
        assert!(
            t.render("slack", &e)
                .contains(&format!("(<{link}|compare>)"))
        );
        // No repository: the revisions, no link; the same revision: neither.
        e.repo = None;
        assert!(context(&e)["compare"].is_null());
        assert!(t.render("text", &e).contains(" -> main@sha1:"));
        e.from = e.to.clone();
        let ctx = context(&e);
        assert!(ctx["oldRevision"].is_null() && ctx["compare"].is_null());
    }

    #[test]
    fn the_defaults_say_what_changed() {
        let t = Templates::default();
        let e = event();
        assert_eq!(
            t.render("subject", &e),
            "Kustomization flux-system/apps: unhealthy (HealthCheckFailed) [prod]"
        );
        let text = t.render("text", &e);
        assert!(text.contains("Health:   healthy -> unhealthy"), "{text}");
        assert!(text.contains("Revision: main@sha1:4f1c2a9"), "{text}");
        assert!(
            text.contains("Child:    apps/Deployment apps/api"),
            "{text}"
        );
        let html = t.render("html", &e);
        assert!(
            html.contains("health check failed &lt;timeout&gt;"),
            "escaped: {html}"
        );
        let slack = t.render("slack", &e);
        assert!(
            slack.contains("*Status:* HealthCheckFailed (unhealthy)"),
            "{slack}"
        );
    }

    /// `apps` is unhealthy because of its Deployment's Pod, while Flux calls it Ready.
    fn rolled_up() -> Event {
        let mut e = event();
        for v in [e.to.as_mut().unwrap(), e.from.as_mut().unwrap()] {
            v.status = "ReconciliationSucceeded".into();
            v.ready = true;
        }
        e.to.as_mut().unwrap().from_children = true;
        e.message = "apps/Deployment apps/api: Pod apps/api-7d9f8-0: back-off 5m0s restarting \
                     failed container; apps/Deployment apps/worker: Pod apps/worker-1: back-off"
            .into();
        e.via = Some(
            "apps/Deployment apps/api: Pod apps/api-7d9f8-0: back-off 5m0s restarting failed \
             container (+1 more)"
                .into(),
        );
        e
    }

    #[test]
    fn a_rolled_up_trouble_names_the_child_and_says_the_status_is_the_objects_own() {
        let t = Templates::default();
        let e = rolled_up();
        assert_eq!(
            t.render("subject", &e),
            "Kustomization flux-system/apps: unhealthy via apps/Deployment apps/api: Pod \
             apps/api-7d9f8-0: back-off 5m0s restarting failed container (+1 more) \
             (own: ready, ReconciliationSucceeded) [prod]"
        );
        let text = t.render("text", &e);
        assert!(
            text.contains("Health:   healthy -> unhealthy (from its children)\n"),
            "{text}"
        );
        assert!(
            text.contains("Status:   ReconciliationSucceeded (its own)\n"),
            "{text}"
        );
        let slack = t.render("slack", &e);
        assert!(
            slack.contains(
                "*Status:* ReconciliationSucceeded (its own; unhealthy from its children)"
            ),
            "{slack}"
        );
        let html = t.render("html", &e);
        assert!(html.contains("unhealthy (from its children)"), "{html}");
        // A child-unhealthy event reads the same; a revision of the same object is no health news.
        let mut child = rolled_up();
        child.kind = EventKind::ChildUnhealthy;
        assert!(t.render("subject", &child).starts_with(
            "Kustomization flux-system/apps: child-unhealthy via apps/Deployment apps/api: "
        ),);
        let mut revision = rolled_up();
        revision.kind = EventKind::Revision;
        assert_eq!(
            t.render("subject", &revision),
            "Kustomization flux-system/apps: revision (ReconciliationSucceeded) [prod]"
        );
        // A webhook gets the child too, beside the summary.
        let payload = crate::notify::send::herald_payload(&e, t.render("subject", &e));
        assert_eq!(payload["via"], json!(e.via));
        assert!(
            payload["summary"]
                .as_str()
                .unwrap()
                .contains(" via apps/Deployment apps/api: ")
        );
        let payload = crate::notify::send::herald_payload(&revision, String::new());
        assert!(payload["via"].is_null(), "{payload}");
        // The object's own trouble reads as before.
        let own = t.render("text", &event());
        assert!(own.contains("Health:   healthy -> unhealthy\n"), "{own}");
        assert!(
            own.contains("Status:   HealthCheckFailed (not ready)\n"),
            "{own}"
        );
    }

    #[test]
    fn every_default_renders_for_every_shape_of_event() {
        let t = Templates::default();
        let mut deleted = event();
        deleted.kind = EventKind::Deleted;
        deleted.to = None;
        deleted.children.clear();
        deleted.message.clear();
        let mut created = event();
        created.kind = EventKind::Created;
        created.from = None;
        for e in [event(), deleted, created, rolled_up()] {
            let ctx = context(&e);
            for name in NAMES {
                let out = t.defaults.get_template(name).unwrap().render(&ctx);
                assert!(out.is_ok(), "{name} for {}: {out:?}", e.kind);
            }
        }
    }

    #[test]
    fn links_are_templates_for_the_kinds_they_name() {
        let mut t = Templates::default();
        t.add_link(
            "Commit",
            "https://git.example.com/fleet/commit/{{ commit }}",
            vec![],
        )
        .unwrap();
        t.add_link(
            "Argo CD",
            "https://argocd.example.com/applications/{{ object.namespace }}/{{ object.name }}",
            vec!["Application".into()],
        )
        .unwrap();
        let text = t.render("text", &event());
        assert!(
            text.contains("Commit: https://git.example.com/fleet/commit/4f1c2a9"),
            "{text}"
        );
        assert!(!text.contains("Argo CD"), "not for a Kustomization: {text}");
        let slack = t.render("slack", &event());
        assert!(
            slack.contains("<https://git.example.com/fleet/commit/4f1c2a9|Commit>"),
            "{slack}"
        );
        assert!(t.add_link("bad", "{{ oops", vec![]).is_err());
    }

    #[test]
    fn user_templates_replace_defaults_and_mistakes_name_file_and_line() {
        let dir = std::env::temp_dir().join(format!("herald-templates-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("subject.jinja"),
            "[{{ cluster | upper }}] {{ object.name }} is {{ event }}",
        )
        .unwrap();
        let t = Templates::load(&dir).unwrap();
        assert_eq!(t.render("subject", &event()), "[PROD] apps is unhealthy");
        assert!(
            t.render("text", &event()).contains("Health:"),
            "others stay the defaults"
        );

        std::fs::write(dir.join("slack.jinja"), "line one\n{% if %}").unwrap();
        let errors = Templates::load(&dir).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].0.ends_with("slack.jinja"));
        assert_eq!(errors[0].1, Some(2));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_node_in_trouble_names_what_it_affects() {
        let mut e = event();
        e.object = ObjectKey::new("", "Node", "", "n1");
        e.affected = vec![crate::placement::Affects {
            object: ObjectKey::new(
                "kustomize.toolkit.fluxcd.io",
                "Kustomization",
                "flux-system",
                "apps",
            ),
            pods: 3,
        }];
        e.affected_more = 2;
        let ctx = context(&e);
        assert_eq!(
            ctx["affected"][0]["object"],
            "Kustomization flux-system/apps"
        );
        assert_eq!(ctx["affected"][0]["pods"], 3);
        assert_eq!(ctx["affected_more"], 2);
        let t = Templates::default();
        let line = "Kustomization flux-system/apps (3 Pods) (+2 more)";
        for name in ["text", "html", "slack"] {
            // HTML escapes `/`.
            let out = t.render(name, &e).replace("&#x2f;", "/");
            assert!(
                out.contains("Affects") && out.contains(line),
                "{name}: {out}"
            );
        }
        e.affected.clear();
        assert!(!t.render("text", &e).contains("Affects"));
    }

    #[test]
    fn trouble_shows_its_latest_three_warnings() {
        let t = Templates::default();
        let mut e = rolled_up();
        e.warnings = (0..4)
            .map(|i| crate::warnings::Warning {
                reason: format!("BackOff{i}"),
                note: "back-off restarting failed container <app>".into(),
                count: if i == 0 { 12 } else { 1 },
                at: jiff::Timestamp::from_second(1_800_000_000 - i).unwrap(),
                object: "Pod apps/api-7d9f8-0".into(),
            })
            .collect();
        let text = t.render("text", &e);
        assert!(
            text.contains(
                "Warning:  Pod apps/api-7d9f8-0: BackOff0 (x12): back-off restarting failed container <app>\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("BackOff2") && !text.contains("BackOff3"),
            "{text}"
        );
        let html = t.render("html", &e);
        assert!(html.contains("<b>BackOff0</b> (&times;12)"), "{html}");
        assert!(html.contains("&lt;app&gt;"), "escaped: {html}");
        assert!(
            t.render("slack", &e)
                .contains("*Warning:* Pod apps/api-7d9f8-0: BackOff1")
        );
        let ctx = context(&e);
        assert_eq!(ctx["warnings"].as_array().unwrap().len(), 4);
        assert_eq!(ctx["warnings"][0]["count"], 12);
        assert_eq!(ctx["warnings"][0]["object"], "Pod apps/api-7d9f8-0");
        assert!(!t.render("text", &rolled_up()).contains("Warning:"));
    }
}
