//! Delivery: the production deliverer hands each notification to its receiver's service
//! ([`super::receivers`], one file each); Slack, email and webhooks are delivered here.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::outbox::Outbox;
pub use super::receivers::read_secret;
use super::receivers::{self, Cx, outcome, without_url};
use super::templates::Templates;
use super::{Deliver, Event, Notification, Outcome};
use crate::config::{EventKind, Receiver, ReceiverKind, WebhookFormat};

/// The production deliverer. `threads` keeps Slack threads (the outbox's database) so that a
/// recovery is posted in the thread of its failure, across restarts too.
pub fn http(timeout: Duration, threads: Option<Arc<Outbox>>, templates: Arc<Templates>) -> Deliver {
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .user_agent(concat!("herald/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("an HTTP client");
    Arc::new(move |receiver: Arc<Receiver>, n: Notification| {
        let client = client.clone();
        let threads = threads.clone();
        let templates = Arc::clone(&templates);
        Box::pin(async move {
            deliver(
                &client,
                threads.as_deref(),
                &templates,
                &receiver,
                &n,
                timeout,
            )
            .await
        })
    })
}

async fn deliver(
    client: &reqwest::Client,
    threads: Option<&Outbox>,
    templates: &Templates,
    r: &Receiver,
    n: &Notification,
    timeout: Duration,
) -> Outcome {
    let cx = Cx {
        client,
        threads,
        templates,
        receiver: &r.name,
        timeout,
    };
    match &r.kind {
        ReceiverKind::Webhook {
            url,
            hmac_secret,
            format,
            headers,
        } => {
            let payload = |e: &Event| match format {
                WebhookFormat::Herald => herald_payload(e, templates.render("subject", e)),
                WebhookFormat::Flux => flux_payload(e, templates.render("subject", e)),
            };
            let body = if n.grouped.is_empty() {
                payload(&n.event)
            } else {
                // A group: herald's format carries every event; Flux's, a list of its events.
                let events: Vec<Value> = n.events().map(payload).collect();
                match format {
                    WebhookFormat::Herald => json!({
                        "group": true,
                        "count": events.len(),
                        "summary": format!("{} events: {}", events.len(), templates.render("subject", &n.event)),
                        "events": events,
                    }),
                    WebhookFormat::Flux => json!(events),
                }
            };
            let body = serde_json::to_vec(&body).expect("JSON");
            let mut req = client
                .post(url)
                .header("content-type", "application/json")
                .header("x-herald-delivery", &n.event.id)
                .header("x-herald-event", n.event.kind.as_str());
            for (k, v) in headers {
                req = req.header(k, v);
            }
            if let Some(secret) = hmac_secret {
                let key = match read_secret(secret) {
                    Ok(k) => k,
                    Err(why) => return Outcome::Retry { after: None, why },
                };
                let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key.as_bytes());
                let tag = ring::hmac::sign(&key, &body);
                let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
                req = req.header("x-signature", format!("sha256={hex}"));
            }
            outcome(req.body(body).send().await).await
        }
        ReceiverKind::Alertmanager(c) => receivers::alertmanager::deliver(c, &cx, n).await,
        ReceiverKind::GithubDeployment(c) => receivers::github_deployment::deliver(c, &cx, n).await,
        ReceiverKind::GithubDispatch(c) => receivers::github_dispatch::deliver(c, &cx, n).await,
        ReceiverKind::GitlabDeployment(c) => receivers::gitlab_deployment::deliver(c, &cx, n).await,
        ReceiverKind::GitlabPipeline(c) => receivers::gitlab_pipeline::deliver(c, &cx, n).await,
        ReceiverKind::Slack {
            token,
            channel,
            api_url,
        } => {
            let token = match read_secret(token) {
                Ok(t) => t,
                Err(why) => return Outcome::Retry { after: None, why },
            };
            let thread_key = format!(
                "{}|{}|{}",
                r.name,
                n.target.as_deref().unwrap_or(channel),
                n.event.object
            );
            // A group is one message about several objects: it has no thread of its own.
            let grouped = !n.grouped.is_empty();
            let threads = threads.filter(|_| !grouped);
            let thread = threads.and_then(|t| t.thread(&thread_key));
            let mut body = if grouped {
                slack_group(n, templates)
            } else {
                slack_message(&n.event, templates)
            };
            body["channel"] = json!(n.target.as_deref().unwrap_or(channel));
            if let Some(ts) = &thread {
                body["thread_ts"] = json!(ts);
                if n.event.kind == EventKind::Recovered {
                    // The channel sees the recovery too, not only the thread.
                    body["reply_broadcast"] = json!(true);
                }
            }
            let res = client
                .post(format!("{api_url}/chat.postMessage"))
                .header("content-type", "application/json; charset=utf-8")
                .bearer_auth(token)
                .body(serde_json::to_vec(&body).expect("JSON"))
                .send()
                .await;
            let res = match res {
                Ok(r) if r.status().is_success() => r,
                other => return outcome(other).await,
            };
            let answer: Value = match res.bytes().await {
                Ok(b) => serde_json::from_slice(&b).unwrap_or(Value::Null),
                Err(e) => {
                    return Outcome::Retry {
                        after: None,
                        why: without_url(&e),
                    };
                }
            };
            if answer["ok"] != true {
                let error = answer["error"].as_str().unwrap_or("unknown error");
                return match error {
                    "ratelimited"
                    | "internal_error"
                    | "fatal_error"
                    | "service_unavailable"
                    | "request_timeout" => Outcome::Retry {
                        after: None,
                        why: format!("Slack: {error}"),
                    },
                    _ => Outcome::Refused(format!("Slack: {error}")),
                };
            }
            if let Some(threads) = threads {
                let ts = answer["ts"].as_str();
                let result =
                    if n.event.kind == EventKind::Recovered || n.event.kind == EventKind::Deleted {
                        threads.set_thread(&thread_key, None)
                    } else if thread.is_none() && crate::events::is_trouble(n.event.kind) {
                        threads.set_thread(&thread_key, ts)
                    } else {
                        Ok(())
                    };
                if let Err(e) = result {
                    tracing::warn!(error = %e, "cannot record the Slack thread");
                }
            }
            Outcome::Delivered
        }
        ReceiverKind::Email {
            host,
            port,
            tls,
            from,
            to,
            username,
            password,
            ca_file,
        } => {
            let credentials = match (username, password) {
                (Some(u), Some(p)) => match (read_secret(u), read_secret(p)) {
                    (Ok(u), Ok(p)) => Some(
                        lettre::transport::smtp::authentication::Credentials::new(u, p),
                    ),
                    (Err(why), _) | (_, Err(why)) => return Outcome::Retry { after: None, why },
                },
                _ => None,
            };
            let to = match &n.target {
                Some(t) => std::slice::from_ref(t),
                None => to.as_slice(),
            };
            let message = match email_message(n, templates, from, to) {
                Ok(m) => m,
                Err(why) => return Outcome::Refused(why),
            };
            let transport =
                match smtp_transport(host, *port, *tls, ca_file.as_deref(), credentials, timeout) {
                    Ok(t) => t,
                    Err(why) => return Outcome::Refused(why),
                };
            use lettre::AsyncTransport;
            match transport.send(message).await {
                Ok(_) => Outcome::Delivered,
                Err(e) if e.is_permanent() => Outcome::Refused(format!("SMTP: {e}")),
                Err(e) => Outcome::Retry {
                    after: None,
                    why: format!("SMTP: {e}"),
                },
            }
        }
    }
}

fn smtp_transport(
    host: &str,
    port: u16,
    tls: crate::config::EmailTls,
    ca_file: Option<&std::path::Path>,
    credentials: Option<lettre::transport::smtp::authentication::Credentials>,
    timeout: Duration,
) -> Result<lettre::AsyncSmtpTransport<lettre::Tokio1Executor>, String> {
    use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
    let parameters = || -> Result<TlsParameters, String> {
        let mut b = TlsParameters::builder(host.to_string());
        if let Some(path) = ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| format!("cannot read the CA file {}: {e}", path.display()))?;
            let cert = Certificate::from_pem(&pem).map_err(|e| {
                format!(
                    "the CA file {} is not a PEM certificate: {e}",
                    path.display()
                )
            })?;
            b = b.add_root_certificate(cert);
        }
        b.build_rustls().map_err(|e| format!("TLS: {e}"))
    };
    let mut builder = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous(host)
        .port(port)
        .timeout(Some(timeout));
    builder = match tls {
        crate::config::EmailTls::None => builder.tls(Tls::None),
        crate::config::EmailTls::StartTls => builder.tls(Tls::Required(parameters()?)),
        crate::config::EmailTls::Tls => builder.tls(Tls::Wrapper(parameters()?)),
    };
    if let Some(c) = credentials {
        builder = builder.credentials(c);
    }
    Ok(builder.build())
}

/// The email: the summary as subject, a text and an HTML part, the event id as Message-ID.
fn email_message(
    n: &Notification,
    templates: &Templates,
    from: &str,
    to: &[String],
) -> Result<lettre::Message, String> {
    use lettre::message::{Mailbox, MultiPart, SinglePart, header::ContentType};
    let e = &n.event;
    let parse = |a: &str| {
        a.parse::<Mailbox>()
            .map_err(|err| format!("address {a:?}: {err}"))
    };
    let first_line = |s: String| s.lines().next().unwrap_or_default().to_string();
    let count = n.events().count();
    let subject = if count == 1 {
        first_line(templates.render("subject", e))
    } else {
        format!(
            "{count} events: {}",
            first_line(templates.render("subject", e))
        )
    };
    let text: Vec<String> = n.events().map(|e| templates.render("text", e)).collect();
    let html: Vec<String> = n.events().map(|e| templates.render("html", e)).collect();
    let mut b = lettre::Message::builder()
        .from(parse(from)?)
        .subject(subject)
        .message_id(Some(format!("<{}@herald>", e.id)));
    for t in to {
        b = b.to(parse(t)?);
    }
    b.multipart(
        MultiPart::alternative()
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .body(text.join("\n----\n\n")),
            )
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_HTML)
                    .body(html.join("<hr>\n")),
            ),
    )
    .map_err(|err| format!("cannot build the email: {err}"))
}

/// A Slack message for a group: a headline, then one line per event (45 at most).
fn slack_group(n: &Notification, templates: &Templates) -> Value {
    let count = n.events().count();
    let mut blocks = vec![json!({"type": "section", "text": {"type": "mrkdwn",
        "text": format!("*{count} events* in *{}*", n.event.cluster)}})];
    for e in n.events().take(45) {
        let line: String = templates.render("subject", e).chars().take(2900).collect();
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": line}}));
    }
    json!({"text": format!("{count} events: {}", templates.render("subject", &n.event)),
           "blocks": blocks, "unfurl_links": false})
}

/// A Slack message: a header, the status and message, the children at fault, and a context
/// line; `text` is the fallback notifications show.
pub fn slack_message(e: &Event, templates: &Templates) -> Value {
    let icon = match e.kind {
        EventKind::Unhealthy | EventKind::SyncFailed | EventKind::ChildUnhealthy => ":red_circle:",
        EventKind::Warning | EventKind::Stuck | EventKind::Drift => ":large_orange_circle:",
        EventKind::Recovered => ":large_green_circle:",
        EventKind::Deleted => ":wastebasket:",
        _ => ":large_blue_circle:",
    };
    let o = &e.object;
    let name = if o.namespace.is_empty() {
        o.name.clone()
    } else {
        format!("{}/{}", o.namespace, o.name)
    };
    let headline: String = format!("{icon} {} {name}: {}", o.kind, e.kind)
        .chars()
        .take(150)
        .collect();
    let details = templates.render("slack", e).trim().to_string();
    let verdict = |v: &Option<crate::store::Verdict>| {
        v.as_ref().map_or("none".into(), |v| v.health.to_string())
    };
    let context = format!(
        "cluster *{}* · {} → {} · {}",
        e.cluster,
        verdict(&e.from),
        verdict(&e.to),
        e.at.strftime("%Y-%m-%d %H:%M:%S UTC")
    );
    let mut blocks = vec![json!({"type": "section", "text": {"type": "mrkdwn", "text": headline}})];
    if !details.is_empty() {
        let details: String = details.chars().take(2990).collect();
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": details}}));
    }
    blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]}));
    json!({"text": templates.render("subject", e), "blocks": blocks, "unfurl_links": false})
}

pub fn herald_payload(e: &Event, summary: String) -> Value {
    json!({
        "id": e.id,
        "event": e.kind.as_str(),
        "cluster": e.cluster,
        "object": {"group": e.object.group, "kind": e.object.kind,
                   "namespace": e.object.namespace, "name": e.object.name},
        "at": e.at,
        "from": e.from,
        "to": e.to,
        "message": e.message,
        "revision": e.to.as_ref().and_then(|v| v.revision.clone()),
        "children": e.children,
        "via": e.via(),
        "labels": e.labels,
        "summary": summary,
        "test": e.test,
    })
}

/// The shape of Flux notification-controller's events, so receivers written for Flux work.
pub fn flux_payload(e: &Event, summary: String) -> Value {
    let trouble = matches!(
        e.kind,
        EventKind::Unhealthy
            | EventKind::Warning
            | EventKind::Stuck
            | EventKind::SyncFailed
            | EventKind::ChildUnhealthy
    );
    let api_version = if e.object.group.is_empty() {
        "v1".to_string()
    } else {
        format!("{}/v1", e.object.group)
    };
    let mut metadata = json!({"herald.io/event": e.kind.as_str(), "herald.io/id": e.id});
    if let Some(rev) = e.to.as_ref().and_then(|v| v.revision.as_ref()) {
        metadata["revision"] = json!(rev);
    }
    json!({
        "involvedObject": {"kind": e.object.kind, "namespace": e.object.namespace,
                           "name": e.object.name, "apiVersion": api_version},
        "severity": if trouble { "error" } else { "info" },
        "timestamp": e.at,
        "message": if e.message.is_empty() { summary } else { e.message.clone() },
        "reason": e.to.as_ref().map_or("Deleted", |v| v.status.as_str()),
        "reportingController": "herald",
        "reportingInstance": e.cluster,
        "metadata": metadata,
    })
}
