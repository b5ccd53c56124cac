//! A templated HTTP request, for the services herald has no receiver of its own for (Grafana
//! annotations, Datadog events, an internal API): the URL, the header values and the body are
//! minijinja templates over the variables of herald's templates
//! ([`templates::context`](crate::notify::templates::context)), with a few more (`summary`,
//! `links`, `timestamp`, `time_ms`, `events`, `count`, `group`). A header whose value is a secret
//! comes from a file or the environment (`valueFile` / `valueEnv`, with an optional `prefix`
//! such as `Bearer `), read at each delivery and never rendered, logged or shown in an error.
//!
//! The templates are compiled, and tried on a sample event, when the configuration is read: a
//! mistake is reported with the file's line. Rendering is bounded: each template has a fuel
//! budget (minijinja's count of instructions), and what it renders a size limit.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use minijinja::{AutoEscape, Environment};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Cx, by_status, secret};
use crate::config::{Secret, Spanned, Validator};
use crate::notify::templates::Templates;
use crate::notify::{Event, Notification, Outcome};

/// The most one rendering may execute (minijinja's fuel): plenty for a body looping over a
/// group, little enough that a runaway template stops at once.
pub const FUEL: u64 = 200_000;
/// The largest body a template may render.
pub const MAX_BODY: usize = 256 * 1024;
/// The longest URL or header value.
pub const MAX_LINE: usize = 8 * 1024;

const METHODS: [&str; 5] = ["POST", "PUT", "PATCH", "GET", "DELETE"];

/// `template:` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Raw {
    method: Option<Spanned<String>>,
    url: Spanned<String>,
    #[serde(default)]
    headers: Option<Spanned<BTreeMap<String, RawHeader>>>,
    body: Option<Spanned<String>>,
}

/// A header's value: a template, or a secret with an optional prefix.
#[derive(Debug)]
pub enum RawHeader {
    Template(String),
    Secret {
        file: Option<PathBuf>,
        env: Option<String>,
        prefix: String,
        unknown: Vec<String>,
    },
}

// By hand: a string or a mapping, each mistake said plainly.
impl<'de> Deserialize<'de> for RawHeader {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawHeader;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value, or {valueFile | valueEnv, prefix}")
            }
            fn visit_str<E>(self, v: &str) -> Result<RawHeader, E> {
                Ok(RawHeader::Template(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<RawHeader, E> {
                Ok(RawHeader::Template(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<RawHeader, E> {
                Ok(RawHeader::Template(v.to_string()))
            }
            fn visit_bool<E>(self, v: bool) -> Result<RawHeader, E> {
                Ok(RawHeader::Template(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<RawHeader, A::Error> {
                let (mut file, mut env, mut prefix, mut unknown) =
                    (None, None, String::new(), Vec::new());
                while let Some(k) = map.next_key::<String>()? {
                    match k.as_str() {
                        "valueFile" => file = Some(map.next_value::<PathBuf>()?),
                        "valueEnv" => env = Some(map.next_value::<String>()?),
                        "prefix" => prefix = map.next_value::<String>()?,
                        _ => {
                            let _ = map.next_value::<serde::de::IgnoredAny>()?;
                            unknown.push(k);
                        }
                    }
                }
                Ok(RawHeader::Secret {
                    file,
                    env,
                    prefix,
                    unknown,
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// A header as sent.
#[derive(Debug, Clone)]
pub enum Header {
    /// Rendered from the template `header:<name>`.
    Template,
    /// The secret's value after the prefix.
    Secret { secret: Secret, prefix: String },
}

#[derive(Clone)]
pub struct Config {
    pub method: reqwest::Method,
    /// The templates `url`, `body` (when given) and `header:<name>`.
    pub env: Arc<Environment<'static>>,
    pub headers: Vec<(String, Header)>,
    pub has_body: bool,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("method", &self.method)
            .field("headers", &self.headers)
            .field("has_body", &self.has_body)
            .finish()
    }
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_keep_trailing_newline(false);
    env.set_fuel(Some(FUEL));
    // `{{ summary | cut(100) }}`: at most 100 characters, `…` in place of the rest, for the
    // fields a service limits.
    env.add_filter("cut", |s: String, max: usize| super::cut(&s, max));
    env
}

/// The file's line of line `at` (1-based) of a template whose YAML value starts on `line` (for a
/// block scalar, `|` or `>`, the line after the key).
fn line_of(line: usize, at: Option<usize>) -> usize {
    match (line, at) {
        (0, _) => 0,
        (l, Some(a)) => l + a.saturating_sub(1),
        (l, None) => l,
    }
}

pub(crate) fn check(raw: Raw, v: &mut Validator, at: &str, line: usize) -> Option<Config> {
    let field = format!("{at}.template");
    let mut env = environment();
    let mut ok = true;
    // Where each template is written, for the mistakes rendering finds.
    let mut written: Vec<(String, String, usize)> = Vec::new();
    let mut add = |v: &mut Validator, name: String, source: String, line: usize, f: String| {
        if let Err(e) = env.add_template_owned(name.clone(), source) {
            v.error(line_of(line, e.line()), f, e.to_string());
            false
        } else {
            written.push((name, f, line));
            true
        }
    };
    let method = match raw.method {
        Some(m) => {
            let upper = m.value.trim().to_ascii_uppercase();
            if !METHODS.contains(&upper.as_str()) {
                v.error(
                    m.referenced.line() as usize,
                    format!("{field}.method"),
                    format!("{:?} is not one of {}", m.value, METHODS.join(", ")),
                );
                ok = false;
            }
            reqwest::Method::from_bytes(upper.as_bytes()).unwrap_or(reqwest::Method::POST)
        }
        None => reqwest::Method::POST,
    };
    let url_line = raw.url.referenced.line() as usize;
    // The URL's scheme and host are checked as written, before any variable.
    let head = raw.url.value.split("{{").next().unwrap_or_default();
    if !(head.starts_with("https://") || head.starts_with("http://"))
        || head
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .is_empty()
    {
        v.error(
            url_line,
            format!("{field}.url"),
            "must start with http:// or https:// and a host (variables may follow)",
        );
        ok = false;
    }
    ok &= add(
        v,
        "url".into(),
        raw.url.value,
        url_line,
        format!("{field}.url"),
    );
    let has_body = raw.body.is_some();
    if let Some(b) = raw.body {
        ok &= add(
            v,
            "body".into(),
            b.value,
            b.referenced.line() as usize,
            format!("{field}.body"),
        );
    }
    let mut headers = Vec::new();
    if let Some(h) = raw.headers {
        let hl = h.referenced.line() as usize;
        for (name, value) in h.value {
            let f = format!("{field}.headers.{name}");
            if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                v.error(hl, &f, format!("{name:?} is not a header name"));
                ok = false;
                continue;
            }
            match value {
                RawHeader::Template(t) => {
                    ok &= add(v, format!("header:{name}"), t, hl, f);
                    headers.push((name, Header::Template));
                }
                RawHeader::Secret {
                    file,
                    env: var,
                    prefix,
                    unknown,
                } => {
                    for u in unknown {
                        v.error(
                            hl,
                            format!("{f}.{u}"),
                            "unknown field: give valueFile or valueEnv, and a prefix",
                        );
                        ok = false;
                    }
                    match v.secret(hl, &f, "value", file, var) {
                        Ok(Some(secret)) => headers.push((name, Header::Secret { secret, prefix })),
                        Ok(None) => {
                            v.error(hl, f, "needs valueFile or valueEnv (or a plain value)");
                            ok = false;
                        }
                        Err(()) => ok = false,
                    }
                }
            }
        }
    }
    let c = Config {
        method,
        env: Arc::new(env),
        headers,
        has_body,
    };
    if ok {
        // Tried on a sample event and a sample group: what only rendering finds (an unknown
        // filter, a loop over a string) is found now rather than at the first trouble.
        let templates = Templates::default();
        let e = sample();
        let mut other = sample();
        other.object.name = "worker".into();
        for (vars, what) in [
            (variables(&templates, [&e].into_iter()), "an event"),
            (variables(&templates, [&e, &other].into_iter()), "a group"),
        ] {
            if let Err(f) = render_all(&c, &vars) {
                match written.iter().find(|(name, ..)| *name == f.template) {
                    Some((_, at, l)) => v.error(
                        line_of(*l, f.line),
                        at,
                        format!("rendering {what} fails: {}", f.why),
                    ),
                    None => v.error(line, &field, format!("rendering {what} fails: {}", f.why)),
                }
                return None;
            }
        }
    }
    ok.then_some(c)
}

/// What a template sees for one event: herald's variables, and `summary` (the `subject`
/// template), `links` (`name`, `url`), `timestamp` (RFC 3339) and `time_ms` (Unix milliseconds).
fn one(templates: &Templates, e: &Event) -> Value {
    let mut v = crate::notify::templates::context(e);
    v["summary"] = json!(templates.render("subject", e).trim());
    v["links"] = json!(
        templates
            .links_of(e)
            .into_iter()
            .map(|(name, url)| json!({"name": name, "url": url}))
            .collect::<Vec<_>>()
    );
    v["timestamp"] = json!(e.at.to_string());
    v["time_ms"] = json!(e.at.as_millisecond());
    v["test"] = json!(e.test);
    v
}

/// The variables of a message: the first event's at the top, and `events` (every event's),
/// `count`, `group` (true when there are several).
pub fn variables<'a>(templates: &Templates, events: impl Iterator<Item = &'a Event>) -> Value {
    let all: Vec<Value> = events.map(|e| one(templates, e)).collect();
    let mut top = all.first().cloned().unwrap_or_else(|| json!({}));
    top["count"] = json!(all.len());
    top["group"] = json!(all.len() > 1);
    top["events"] = json!(all);
    top
}

/// What the request is made of, rendered.
#[derive(Debug, PartialEq)]
pub struct Rendered {
    pub url: String,
    /// The template headers only (secrets are added when sending).
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

/// A template that could not render: which (`url`, `body`, `header:<name>`), at which of its
/// lines when known, and why.
#[derive(Debug)]
pub struct Failure {
    pub template: String,
    pub line: Option<usize>,
    pub why: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.why)
    }
}

fn render(c: &Config, name: &str, vars: &Value, max: usize) -> Result<String, Failure> {
    let fail = |line, why| Failure {
        template: name.to_string(),
        line,
        why,
    };
    let t = c
        .env
        .get_template(name)
        .map_err(|e| fail(None, e.to_string()))?;
    let out = t.render(vars).map_err(|e| fail(e.line(), e.to_string()))?;
    if out.len() > max {
        return Err(fail(
            None,
            format!("{name} is {} bytes, more than the {max} allowed", out.len()),
        ));
    }
    Ok(out)
}

pub fn render_all(c: &Config, vars: &Value) -> Result<Rendered, Failure> {
    let url = render(c, "url", vars, MAX_LINE)?.trim().to_string();
    let mut headers = Vec::new();
    for (name, h) in &c.headers {
        if let Header::Template = h {
            let v = render(c, &format!("header:{name}"), vars, MAX_LINE)?;
            if v.contains(['\r', '\n']) {
                return Err(Failure {
                    template: format!("header:{name}"),
                    line: None,
                    why: format!("the header {name} holds a line break"),
                });
            }
            headers.push((name.clone(), v.trim().to_string()));
        }
    }
    let body = if c.has_body {
        Some(render(c, "body", vars, MAX_BODY)?)
    } else {
        None
    };
    Ok(Rendered { url, headers, body })
}

pub async fn deliver(c: &Config, cx: &Cx<'_>, n: &Notification) -> Outcome {
    let vars = variables(cx.templates, n.events());
    // A template that cannot render is a configuration mistake (it was tried when read).
    let r = match render_all(c, &vars) {
        Ok(r) => r,
        Err(why) => return Outcome::Refused(format!("template: {why}")),
    };
    if !(r.url.starts_with("https://") || r.url.starts_with("http://")) {
        return Outcome::Refused("template: the URL rendered is not http:// or https://".into());
    }
    let mut req = cx
        .client
        .request(c.method.clone(), &r.url)
        .header("x-herald-delivery", &n.event.id)
        .header("x-herald-event", n.event.kind.as_str());
    let given = |name: &str| c.headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(name));
    if r.body.is_some() && !given("content-type") {
        req = req.header("content-type", "application/json");
    }
    for (name, value) in &r.headers {
        req = req.header(name, value);
    }
    for (name, h) in &c.headers {
        if let Header::Secret { secret: s, prefix } = h {
            let value = match secret(s) {
                Ok(v) => v,
                Err(o) => return o,
            };
            let Ok(mut value) = reqwest::header::HeaderValue::from_str(&format!("{prefix}{value}"))
            else {
                return Outcome::Refused(format!(
                    "template: the secret of the header {name} is not a header value"
                ));
            };
            value.set_sensitive(true);
            req = req.header(name, value);
        }
    }
    if let Some(b) = r.body {
        req = req.body(b);
    }
    super::exchange(req, |r| by_status(r, None)).await
}

/// The event templates are tried on when the configuration is read.
fn sample() -> Event {
    use crate::health::Health;
    use crate::store::{ObjectKey, Verdict};
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
        id: "sample".into(),
        kind: crate::config::EventKind::Unhealthy,
        cluster: "sample".into(),
        object: ObjectKey::new(
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            "apps",
            "web",
        ),
        at: jiff::Timestamp::UNIX_EPOCH,
        from: Some(v(Health::Healthy)),
        to: Some(v(Health::Unhealthy)),
        message: "health check failed".into(),
        children: Vec::new(),
        via: None,
        labels: [("team".to_string(), "web".to_string())].into(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EventKind;

    fn config(url: &str, headers: &[(&str, &str)], body: Option<&str>) -> Config {
        let mut env = environment();
        env.add_template_owned("url", url.to_string()).unwrap();
        if let Some(b) = body {
            env.add_template_owned("body", b.to_string()).unwrap();
        }
        for (k, v) in headers {
            env.add_template_owned(format!("header:{k}"), v.to_string())
                .unwrap();
        }
        Config {
            method: reqwest::Method::POST,
            env: Arc::new(env),
            headers: headers
                .iter()
                .map(|(k, _)| (k.to_string(), Header::Template))
                .collect(),
            has_body: body.is_some(),
        }
    }

    const GRAFANA: &str = r#"{"time": {{ time_ms }}, "tags": {{ ["herald", cluster, event] | tojson }}, "text": {{ summary | tojson }}, "dashboardUID": "herald-fleet-overview"}"#;

    #[test]
    fn a_grafana_annotation_renders_as_json() {
        let c = config(
            "https://grafana/api/annotations",
            &[("X-Object", "{{ object.ref }}")],
            Some(GRAFANA),
        );
        let mut e = sample();
        e.message = "a \"quoted\" message\nover two lines".into();
        let r = render_all(&c, &variables(&Templates::default(), [&e].into_iter())).unwrap();
        let body: Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
        assert_eq!(body["time"], 0);
        assert_eq!(body["tags"], json!(["herald", "sample", "unhealthy"]));
        assert_eq!(
            body["text"],
            "Kustomization apps/web: unhealthy (HealthCheckFailed) [sample]"
        );
        assert_eq!(
            r.headers,
            [("X-Object".to_string(), "apps/web".to_string())]
        );
        assert_eq!(r.url, "https://grafana/api/annotations");
    }

    #[test]
    fn a_group_has_every_event() {
        let c = config(
            "https://x/{{ count }}",
            &[],
            Some(
                "{% for e in events %}{{ e.object.name }} {{ e.event }};{% endfor %}{{ group | tojson }}",
            ),
        );
        let a = sample();
        let mut b = sample();
        b.object.name = "worker".into();
        b.kind = EventKind::Recovered;
        let r = render_all(&c, &variables(&Templates::default(), [&a, &b].into_iter())).unwrap();
        assert_eq!(r.url, "https://x/2");
        assert_eq!(r.body.unwrap(), "web unhealthy;worker recovered;true");
        let one = render_all(&c, &variables(&Templates::default(), [&a].into_iter())).unwrap();
        let cut = config("https://x", &[], Some("{{ object.name | cut(2) }}"));
        let r = render_all(&cut, &variables(&Templates::default(), [&a].into_iter())).unwrap();
        assert_eq!(r.body.unwrap(), "w…");
        assert_eq!(one.body.unwrap(), "web unhealthy;false");
    }

    #[test]
    fn rendering_is_bounded() {
        let vars = variables(&Templates::default(), [&sample()].into_iter());
        // Too large.
        let big = config(
            "https://x",
            &[],
            Some("{% for i in range(100000) %}xxxxxxxxxx{% endfor %}"),
        );
        let err = render_all(&big, &vars).unwrap_err().why;
        assert!(err.contains("fuel") || err.contains("allowed"), "{err}");
        let wide = config("https://x", &[], Some("{{ 'x' * 300000 }}"));
        let err = render_all(&wide, &vars).unwrap_err().why;
        assert!(err.contains("more than the"), "{err}");
        // Runs forever: stopped by the fuel.
        let forever = config(
            "https://x",
            &[],
            Some("{% for a in range(10000) %}{% for b in range(10000) %}{% endfor %}{% endfor %}"),
        );
        let err = render_all(&forever, &vars).unwrap_err().why;
        assert!(err.contains("fuel"), "{err}");
        // A header value cannot break the request.
        let split = config("https://x", &[("X-A", "a\r\nX-B: b")], None);
        assert!(
            render_all(&split, &vars)
                .unwrap_err()
                .why
                .contains("line break")
        );
    }

    fn errors(text: &str) -> Vec<String> {
        crate::config::parse(text, std::path::Path::new("herald.yaml"))
            .expect_err("refused")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn the_configuration_is_checked() {
        let good = "receivers:\n  - name: g\n    template:\n      url: https://grafana/api/annotations\n      headers:\n        Authorization: {valueEnv: GRAFANA_TOKEN, prefix: \"Bearer \"}\n        X-Team: web\n      body: |\n        {\"text\": {{ summary | tojson }}}\n";
        let c = crate::config::parse(good, std::path::Path::new("herald.yaml")).unwrap();
        match &c.receivers[0].kind {
            crate::config::ReceiverKind::Template(t) => {
                assert_eq!(t.headers.len(), 2);
                assert!(
                    matches!(&t.headers[0], (n, Header::Secret { prefix, .. }) if n == "Authorization" && prefix == "Bearer ")
                );
            }
            k => panic!("{k:?}"),
        }
        // A mistake in a block body: the file's line of the template's line.
        let e = errors(
            "receivers:\n  - name: g\n    template:\n      url: https://x\n      body: |\n        {\"a\": 1,\n         \"b\": {{ oops }\n        }\n",
        );
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with("herald.yaml:7: receivers[0].template.body: "),
            "{e:?}"
        );
        let e =
            errors("receivers:\n  - name: g\n    template:\n      url: \"ftp://{{ cluster }}\"\n");
        assert!(
            e[0].starts_with("herald.yaml:4: receivers[0].template.url: must start with http"),
            "{e:?}"
        );
        let e = errors(
            "receivers:\n  - name: g\n    template:\n      url: https://x\n      method: FETCH\n",
        );
        assert!(
            e[0].starts_with(
                "herald.yaml:5: receivers[0].template.method: \"FETCH\" is not one of"
            ),
            "{e:?}"
        );
        let e = errors(
            "receivers:\n  - name: g\n    template:\n      url: https://x\n      headers:\n        Authorization: {valueFile: /a, valueEnv: B}\n        X-Key: {value: abc}\n",
        );
        let all = e.join("\n");
        assert!(all.contains("herald.yaml:6: receivers[0].template.headers.Authorization: give valueFile or valueEnv, not both"), "{all}");
        assert!(
            all.contains("receivers[0].template.headers.X-Key.value: unknown field"),
            "{all}"
        );
        assert!(
            all.contains("receivers[0].template.headers.X-Key: needs valueFile or valueEnv"),
            "{all}"
        );
        // What only rendering finds: an unknown filter.
        let e = errors(
            "receivers:\n  - name: g\n    template:\n      url: https://x\n      body: \"{{ summary | shout }}\"\n",
        );
        assert!(
            e[0].starts_with("herald.yaml:5: receivers[0].template.body: rendering an event fails: unknown filter"),
            "{e:?}"
        );
        let e = errors(
            "receivers:\n  - name: g\n    template:\n      url: https://x\n      body: |\n        {% for e in events %}\n        {{ e.at | shout }}\n        {% endfor %}\n",
        );
        assert!(
            e[0].starts_with("herald.yaml:7: receivers[0].template.body: rendering an event fails"),
            "{e:?}"
        );
        let e = errors(
            "receivers:\n  - name: g\n    template:\n      url: https://x\n      secret: abc\n",
        );
        assert!(
            e[0].starts_with("herald.yaml:5: receivers[0].template.secret: unknown field"),
            "{e:?}"
        );
    }

    /// The requests docs/receivers.md shows are valid configurations and render JSON.
    #[test]
    fn the_documented_recipes_render_json() {
        let doc = include_str!("../../../docs/receivers.md");
        let section = &doc[doc.find("## Templated requests").unwrap()..];
        // Up to the next section.
        let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
        let mut n = 0;
        for block in section.split("```yaml\n").skip(1) {
            let block = &block[..block.find("```").unwrap()];
            let receivers = block.strip_prefix("receivers:\n").map_or_else(
                || {
                    block
                        .lines()
                        .map(|l| format!("  {l}\n"))
                        .collect::<String>()
                },
                |b| b.split("routes:").next().unwrap().to_string(),
            );
            let text = format!("receivers:\n{receivers}");
            let c = crate::config::parse(&text, std::path::Path::new("herald.yaml"))
                .unwrap_or_else(|e| panic!("{text}\n{e:?}"));
            let crate::config::ReceiverKind::Template(t) = &c.receivers[0].kind else {
                panic!("{text}");
            };
            let mut e = sample();
            e.message = "a \"quoted\" message\nover two lines".into();
            let r = render_all(t, &variables(&Templates::default(), [&e].into_iter())).unwrap();
            let body: Value = serde_json::from_str(r.body.as_deref().unwrap())
                .unwrap_or_else(|err| panic!("{err}: {:?}", r.body));
            assert!(body.is_object(), "{body}");
            n += 1;
        }
        assert_eq!(n, 3, "the generic example, Grafana and Datadog");
    }
}
