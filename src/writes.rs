//! Who may write through the HTTP API (add and expire silences), and within which limits.
//!
//! Writes are off unless the configuration names token files (`api.writes.tokenFiles`) or
//! `herald run --api-token-file` does. A write must then come with `Authorization: Bearer
//! <token>`, one of those files' contents; the file's name stands for the writer in the audit
//! log. A browser's cross-origin request is refused whatever it carries, so a page elsewhere
//! cannot use a token the browser might hold, nor post a form.

use std::path::Path;

use http::{HeaderMap, StatusCode};

use crate::config::{Matcher, Writes};

/// A token file is a Secret's key: a few hundred bytes at most.
const MAX_TOKEN_BYTES: u64 = 4096;

/// Shorter tokens can be guessed.
const MIN_TOKEN_BYTES: usize = 16;

/// The name a token stands for in the audit log: its file's name (a Secret's key).
pub fn token_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// A token file's token (surrounding white space dropped); re-read at each write, so a rotated
/// Secret is taken at once.
pub fn read_token(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let shown = path.display();
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let mut text = String::new();
    file.take(MAX_TOKEN_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    if text.len() as u64 > MAX_TOKEN_BYTES {
        return Err(format!(
            "{shown}: longer than {MAX_TOKEN_BYTES} bytes: not a token"
        ));
    }
    let token = text.trim();
    if token.len() < MIN_TOKEN_BYTES {
        return Err(format!(
            "{shown}: the token has {} characters; at least {MIN_TOKEN_BYTES} are needed (e.g. `openssl rand -hex 32`)",
            token.len()
        ));
    }
    Ok(token.to_string())
}

/// Why a write is refused.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    pub message: String,
}

impl Refusal {
    fn new(status: StatusCode, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            message: message.into(),
        }
    }
}

/// Whether a write with these headers may go on; the writer's name if so. Checked before the
/// body is read, so a stranger costs no more than its headers.
pub fn authorise(writes: &Writes, headers: &HeaderMap) -> Result<String, Refusal> {
    if writes.token_files.is_empty() {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "writes are off: give herald token files (api.writes.tokenFiles in its configuration, or --api-token-file) to allow them",
        ));
    }
    cross_origin(headers).map_or(Ok(()), |why| Err(Refusal::new(StatusCode::FORBIDDEN, why)))?;
    let given = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .ok_or_else(|| {
            Refusal::new(
                StatusCode::UNAUTHORIZED,
                "a write needs an Authorization: Bearer <token> header",
            )
        })?;
    // Every token is compared, whichever matches, so the time taken tells nothing of which.
    let mut found = None;
    for path in &writes.token_files {
        match read_token(path) {
            Ok(token) => {
                if same(given.as_bytes(), token.as_bytes()) && found.is_none() {
                    found = Some(token_name(path));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "a token file cannot be read: its token is refused")
            }
        }
    }
    found.ok_or_else(|| {
        Refusal::new(
            StatusCode::UNAUTHORIZED,
            "the token is not one herald knows",
        )
    })
}

/// Why a request is a browser's from another origin, if it is one. Browsers send `Origin` with
/// every cross-origin write and `Sec-Fetch-Site` with every request; other clients send neither.
fn cross_origin(headers: &HeaderMap) -> Option<String> {
    let get = |name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().unwrap_or("(not text)"))
    };
    if let Some(site) = get("sec-fetch-site")
        && !matches!(site, "same-origin" | "none")
    {
        return Some(format!(
            "a browser's request from another site (Sec-Fetch-Site: {site}) may not write"
        ));
    }
    let origin = get("origin")?;
    let host = get("host").unwrap_or_default();
    let own = ["http://", "https://"].iter().any(|scheme| {
        origin
            .strip_prefix(scheme)
            .is_some_and(|o| o.eq_ignore_ascii_case(host))
    });
    (!own || host.is_empty())
        .then(|| format!("a request from another origin ({origin}) may not write"))
}

/// Equal bytes, in a time that depends on neither content: both sides are hashed first, so the
/// comparison always runs over 32 bytes whatever the lengths.
fn same(a: &[u8], b: &[u8]) -> bool {
    let da = ring::digest::digest(&ring::digest::SHA256, a);
    let db = ring::digest::digest(&ring::digest::SHA256, b);
    let diff = da
        .as_ref()
        .iter()
        .zip(db.as_ref())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// Whether a silence's matcher covers every object: no field constrains anything (a pattern
/// of stars alone matches every value).
pub fn matches_everything(m: &Matcher) -> bool {
    let open =
        |globs: &[String]| globs.is_empty() || globs.iter().any(|g| g.chars().all(|c| c == '*'));
    open(&m.kinds) && open(&m.namespaces) && open(&m.names) && m.labels.is_empty()
}

/// The Content-Type of a write must be JSON: a form (`text/plain`, `application/x-www-form-
/// urlencoded`, `multipart/form-data`) is what another origin's page can send without asking.
pub fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    fn writes(dir: &str, tokens: &[(&str, &str)]) -> Writes {
        static SWEPT: std::sync::Once = std::sync::Once::new();
        SWEPT.call_once(|| crate::remove_ended_runs_files("herald-writes-"));
        let dir = std::env::temp_dir().join(format!("herald-writes-{}-{dir}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut w = Writes::default();
        for (name, token) in tokens {
            let p = dir.join(name);
            std::fs::write(&p, format!("{token}\n")).unwrap();
            w.token_files.push(p);
        }
        w
    }

    #[test]
    fn tokens_are_compared_whole() {
        assert!(same(b"0123456789abcdef", b"0123456789abcdef"));
        assert!(!same(b"0123456789abcdef", b"0123456789abcdeF"));
        assert!(!same(b"0123456789abcdef", b"0123456789abcde"));
        assert!(!same(b"", b"0123456789abcdef"));
    }

    #[test]
    fn a_write_names_its_token_or_is_refused() {
        let w = writes(
            "names",
            &[
                ("alice", "a-long-enough-token-1"),
                ("bob", "a-long-enough-token-2"),
            ],
        );
        let ok = authorise(
            &w,
            &headers(&[("authorization", "Bearer a-long-enough-token-2")]),
        );
        assert_eq!(ok, Ok("bob".to_string()));
        for h in [
            headers(&[]),
            headers(&[("authorization", "Bearer nope")]),
            headers(&[("authorization", "Basic a-long-enough-token-2")]),
            headers(&[("authorization", "Bearer a-long-enough-token-")]),
        ] {
            assert_eq!(
                authorise(&w, &h).unwrap_err().status,
                StatusCode::UNAUTHORIZED,
                "{h:?}"
            );
        }
        let off = authorise(
            &Writes::default(),
            &headers(&[("authorization", "Bearer x")]),
        );
        assert_eq!(off.unwrap_err().status, StatusCode::FORBIDDEN);
    }

    #[test]
    fn browsers_from_elsewhere_may_not_write_even_with_a_token() {
        let w = writes("origin", &[("alice", "a-long-enough-token-1")]);
        let token = ("authorization", "Bearer a-long-enough-token-1");
        for h in [
            headers(&[
                token,
                ("host", "herald:8080"),
                ("origin", "https://evil.example"),
            ]),
            headers(&[token, ("host", "herald:8080"), ("origin", "null")]),
            headers(&[token, ("origin", "http://herald:8080")]),
            headers(&[
                token,
                ("host", "herald:8080"),
                ("sec-fetch-site", "cross-site"),
            ]),
            headers(&[
                token,
                ("host", "herald:8080"),
                ("sec-fetch-site", "same-site"),
            ]),
        ] {
            assert_eq!(
                authorise(&w, &h).unwrap_err().status,
                StatusCode::FORBIDDEN,
                "{h:?}"
            );
        }
        for h in [
            headers(&[
                token,
                ("host", "herald:8080"),
                ("origin", "http://herald:8080"),
            ]),
            headers(&[
                token,
                ("host", "herald:8080"),
                ("sec-fetch-site", "same-origin"),
            ]),
        ] {
            assert!(authorise(&w, &h).is_ok(), "{h:?}");
        }
    }

    #[test]
    fn short_or_missing_tokens_are_refused() {
        let w = writes("short", &[("weak", "123")]);
        assert!(
            read_token(&w.token_files[0])
                .unwrap_err()
                .contains("at least 16")
        );
        assert!(
            read_token(Path::new("/nonexistent/token"))
                .unwrap_err()
                .contains("/nonexistent/token")
        );
    }

    #[test]
    fn empty_matchers_are_told_apart() {
        let mut m = Matcher::default();
        assert!(matches_everything(&m));
        m.namespaces = vec!["**".into()];
        assert!(matches_everything(&m));
        m.names = vec!["api".into()];
        assert!(!matches_everything(&m));
        let labelled = Matcher {
            labels: [("team".to_string(), "*".to_string())].into(),
            ..Matcher::default()
        };
        assert!(!matches_everything(&labelled));
    }

    #[test]
    fn only_json_is_taken() {
        assert!(is_json(&headers(&[(
            "content-type",
            "application/json; charset=utf-8"
        )])));
        for t in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
        ] {
            assert!(!is_json(&headers(&[("content-type", t)])), "{t}");
        }
        assert!(!is_json(&headers(&[])));
    }
}
