//! Email over SMTP (lettre): plain, STARTTLS or TLS from the first byte, with optional
//! authentication and an extra certificate authority; a text and an HTML part from the
//! templates, the event id as Message-ID. A group is one email with every event.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::Cx;
use crate::config::{EmailTls, Secret, Spanned, Validator};
use crate::notify::templates::Templates;
use crate::notify::{Notification, Outcome};

/// `email:` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Raw {
    server: Spanned<String>,
    #[serde(default)]
    starttls: bool,
    #[serde(default)]
    tls: bool,
    from: Spanned<String>,
    to: Vec<Spanned<String>>,
    username_file: Option<PathBuf>,
    username_env: Option<String>,
    password_file: Option<PathBuf>,
    password_env: Option<String>,
    ca_file: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub host: String,
    pub port: u16,
    pub tls: EmailTls,
    pub from: String,
    pub to: Vec<String>,
    pub username: Option<Secret>,
    pub password: Option<Secret>,
    /// An extra certificate authority (PEM) to trust, for a server with a private one.
    pub ca_file: Option<PathBuf>,
}

pub(crate) fn check(e: Raw, v: &mut Validator, at: &str, line: usize) -> Option<Config> {
    let server_line = e.server.referenced.line() as usize;
    let (host, port) = match e.server.value.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() => match p.parse::<u16>() {
            Ok(p) => (h.to_string(), p),
            Err(_) => {
                v.error(
                    server_line,
                    format!("{at}.email.server"),
                    format!("{:?}: the port is not a number", e.server.value),
                );
                (String::new(), 0)
            }
        },
        _ => {
            v.error(
                server_line,
                format!("{at}.email.server"),
                format!("{:?}: write host:port", e.server.value),
            );
            (String::new(), 0)
        }
    };
    let tls = match (e.starttls, e.tls) {
        (false, false) => EmailTls::None,
        (true, false) => EmailTls::StartTls,
        (false, true) => EmailTls::Tls,
        (true, true) => {
            v.error(
                server_line,
                format!("{at}.email"),
                "starttls and tls exclude each other",
            );
            EmailTls::Tls
        }
    };
    for addr in std::iter::once(&e.from).chain(&e.to) {
        if !crate::config::is_address(&addr.value) {
            v.error(
                addr.referenced.line() as usize,
                format!("{at}.email"),
                format!("{:?} is not an email address", addr.value),
            );
        }
    }
    if e.to.is_empty() {
        v.error(line, format!("{at}.email.to"), "no recipient");
    }
    let email = format!("{at}.email");
    let username = v.secret(line, &email, "username", e.username_file, e.username_env);
    let password = v.secret(line, &email, "password", e.password_file, e.password_env);
    if let (Ok(u), Ok(p)) = (&username, &password)
        && u.is_some() != p.is_some()
    {
        v.error(
            line,
            format!("{at}.email"),
            "give both a username and a password, or neither",
        );
    }
    let (username, password) = (username.ok().flatten(), password.ok().flatten());
    Some(Config {
        host,
        port,
        tls,
        from: e.from.value,
        to: e.to.into_iter().map(|t| t.value).collect(),
        username,
        password,
        ca_file: e.ca_file,
    })
}

pub async fn deliver(c: &Config, cx: &Cx<'_>, n: &Notification) -> Outcome {
    let Config {
        host,
        port,
        tls,
        from,
        to,
        username,
        password,
        ca_file,
    } = c;
    let (templates, timeout) = (cx.templates, cx.timeout);
    let read_secret = super::read_secret;
    let credentials = match (username, password) {
        (Some(u), Some(p)) => match (read_secret(u), read_secret(p)) {
            (Ok(u), Ok(p)) => Some(lettre::transport::smtp::authentication::Credentials::new(
                u, p,
            )),
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
