//! Telegram's Bot API: the trouble arrives as HTML within 4096 characters, the recovery replies
//! to it; a 429 with `parameters.retry_after` is waited out; the bot token (in the URL's path)
//! stays out of herald's log.

use serde_json::{Value, json};

use super::{Fake, Reply, Story};

const TOKEN: &str = "7012345678:AAH3xQk9-SeCrEt_t0k3n_ZyXwVuTsRqPoNmL";
const CHAT: i64 = -1001234567890;

fn error(code: u16, description: &str) -> Reply {
    Reply::json(
        code,
        json!({"ok": false, "error_code": code, "description": description}),
    )
}

/// What `sendMessage` refuses with parse_mode HTML: an unknown tag, a bare `<` or `&`, more than
/// 4096 characters once the tags and entities are parsed.
fn parse_html(s: &str) -> Result<usize, String> {
    let allowed = [
        "b",
        "strong",
        "i",
        "em",
        "u",
        "s",
        "code",
        "pre",
        "a",
        "blockquote",
        "tg-spoiler",
        "span",
    ];
    let mut visible = 0;
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => {
                let end = rest
                    .find('>')
                    .ok_or("Can't parse entities: unclosed start tag")?;
                let tag = rest[1..end].trim_start_matches('/');
                let name = tag.split([' ', '=']).next().unwrap_or("");
                if !allowed.contains(&name) {
                    return Err(format!(
                        "Can't parse entities: unsupported start tag \"{name}\""
                    ));
                }
                rest = &rest[end + 1..];
            }
            '&' => {
                let end = rest.find(';').ok_or("Can't parse entities: bare &")?;
                let name = &rest[1..end];
                if !["lt", "gt", "amp", "quot"].contains(&name) && !name.starts_with('#') {
                    return Err(format!("Can't parse entities: unsupported entity {name}"));
                }
                visible += 1;
                rest = &rest[end + 1..];
            }
            '>' => return Err("Can't parse entities: bare >".into()),
            _ => {
                visible += 1;
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    Ok(visible)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_recovery_replies_to_the_trouble() {
    let (fake, addr) = Fake::start(|r, i| {
        if r.path != format!("/bot{TOKEN}/sendMessage") {
            return error(if r.path.ends_with("/sendMessage") { 401 } else { 404 }, "Unauthorized");
        }
        if r.method != "POST" || !r.header("content-type").starts_with("application/json") {
            return error(400, "Bad Request: message text is empty");
        }
        let m: Value = r.json();
        if m["chat_id"] != json!(CHAT) {
            return error(400, "Bad Request: chat not found");
        }
        if m["parse_mode"] != "HTML" {
            return error(400, "Bad Request: unsupported parse_mode");
        }
        let text = m["text"].as_str().unwrap_or("");
        match parse_html(text) {
            Ok(0) => return error(400, "Bad Request: message text is empty"),
            Ok(n) if n > 4096 => return error(400, "Bad Request: message is too long"),
            Ok(_) => {}
            Err(e) => return error(400, &format!("Bad Request: {e}")),
        }
        if i == 0 {
            return Reply::json(
                429,
                json!({"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 1",
                       "parameters": {"retry_after": 1}}),
            );
        }
        let mut result = json!({"message_id": 100 + i, "chat": {"id": CHAT, "type": "supergroup"},
                                "date": 1_764_000_000, "text": text});
        if let Some(to) = m["reply_parameters"]["message_id"].as_i64() {
            result["reply_to_message"] = json!({"message_id": to});
        }
        Reply::json(200, json!({"ok": true, "result": result}))
    })
    .await;
    let story = Story::start(
        "telegram",
        &format!("    telegram: {{tokenEnv: TG_TOKEN, chatId: {CHAT}, apiUrl: \"http://{addr}\"}}"),
        &["unhealthy", "recovered"],
        &[("TG_TOKEN", TOKEN)],
    )
    .await;
    story.break_it();
    story
        .until("the trouble", |_| !fake.accepted().is_empty())
        .await;
    assert_eq!(fake.all()[0].1, 429, "the first was rate limited");
    let trouble = fake.accepted()[0].json();
    assert!(
        trouble["text"]
            .as_str()
            .unwrap()
            .contains("<b>Kustomization apps/web: unhealthy"),
        "{trouble}"
    );
    assert_eq!(trouble["link_preview_options"]["is_disabled"], true);
    let trouble_id = 100 + fake.all().iter().position(|(_, s)| *s == 200).unwrap() as i64;
    story.fix_it();
    story
        .until("the recovery", |_| fake.accepted().len() >= 2)
        .await;
    let recovery = fake.accepted()[1].json();
    assert!(
        recovery["text"]
            .as_str()
            .unwrap()
            .contains("Kustomization apps/web: recovered")
    );
    assert_eq!(
        recovery["reply_parameters"],
        json!({"message_id": trouble_id, "allow_sending_without_reply": true})
    );
    story.assert_secret_absent(TOKEN);
    story.assert_secret_absent("SeCrEt_t0k3n");
}
