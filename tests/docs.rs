//! The users' documentation stands on its own: every link from the README, the docs/ pages and
//! the other top-level documents to a file of the repository reaches a file that exists (and a
//! heading that exists, when it names one), and nothing points outside the repository.

use std::path::{Component, Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The documents a user of the repository reads: the top-level `*.md`, `docs/*.md`, and each
/// top-level directory's README.
fn documents() -> Vec<PathBuf> {
    let root = root();
    let md_in = |dir: &Path| -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut out: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "md") && p.is_file())
            .collect();
        out.sort();
        out
    };
    let mut docs = md_in(&root);
    docs.extend(md_in(&root.join("docs")));
    for entry in std::fs::read_dir(&root).unwrap().filter_map(Result::ok) {
        let readme = entry.path().join("README.md");
        let name = entry.file_name();
        if name != "target" && name != "docs" && readme.is_file() {
            docs.push(readme);
        }
    }
    docs
}

/// The targets of a Markdown text's inline links (`[text](target)`), with their line numbers,
/// outside fenced code blocks and code spans.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut fenced = false;
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        // Code spans may hold `[a](b)` that is not a link.
        let prose: String = line
            .split('`')
            .enumerate()
            .filter(|(n, _)| n % 2 == 0)
            .map(|(_, s)| s)
            .collect::<Vec<_>>()
            .join(" ");
        let mut rest = prose.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else {
                break;
            };
            let target = after[..end].split_whitespace().next().unwrap_or_default();
            out.push((i + 1, target.trim_matches(['<', '>']).to_string()));
            rest = &after[end..];
        }
    }
    out
}

/// GitHub's anchor for a heading: lowercase, spaces to `-`, punctuation dropped.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn anchors(text: &str) -> Vec<String> {
    let mut fenced = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            out.push(anchor(line.trim_start_matches('#')));
        }
    }
    out
}

/// `path` with `.` and `..` resolved lexically; None when it climbs above the start.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::Normal(p) => out.push(p),
            _ => return None,
        }
    }
    Some(out)
}

/// What is wrong with the links of one document (`text`, at `rel` in the repository).
fn broken(rel: &Path, text: &str, exists: &dyn Fn(&Path) -> Option<String>) -> Vec<String> {
    let mut problems = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.contains("../shared") {
            problems.push(format!(
                "{}:{}: mentions ../shared, which a user of the repository does not have",
                rel.display(),
                n + 1
            ));
        }
    }
    for (line, target) in links(text) {
        let at = format!("{}:{line}", rel.display());
        if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
            continue;
        }
        let (file, fragment) = target.split_once('#').unwrap_or((&target, ""));
        let dir = rel.parent().unwrap_or(Path::new(""));
        let resolved = if file.is_empty() {
            Some(rel.to_path_buf())
        } else if file.starts_with('/') {
            None
        } else {
            normalize(&dir.join(file))
        };
        let Some(resolved) = resolved else {
            problems.push(format!("{at}: {target} points outside the repository"));
            continue;
        };
        match exists(&resolved) {
            None => problems.push(format!("{at}: {target}: no such file in the repository")),
            Some(content)
                if !fragment.is_empty() && resolved.extension().is_some_and(|x| x == "md") =>
            {
                if !anchors(&content).iter().any(|a| a == fragment) {
                    problems.push(format!("{at}: {target}: no heading #{fragment} there"));
                }
            }
            Some(_) => {}
        }
    }
    problems
}

/// A file of the repository: its text ("" for a directory or a file that is not text).
fn in_repository(rel: &Path) -> Option<String> {
    let path = root().join(rel);
    if path.is_dir() {
        return Some(String::new());
    }
    path.is_file()
        .then(|| std::fs::read_to_string(&path).unwrap_or_default())
}

#[test]
fn the_documentation_links_only_files_of_the_repository_that_exist() {
    let docs = documents();
    let names: Vec<String> = docs
        .iter()
        .map(|d| d.strip_prefix(root()).unwrap().display().to_string())
        .collect();
    for needed in [
        "README.md",
        "docs/README.md",
        "docs/health-model.md",
        "docs/receivers.md",
    ] {
        assert!(
            names.iter().any(|n| n == needed),
            "{needed} missing: {names:?}"
        );
    }
    let mut problems = Vec::new();
    for doc in &docs {
        let rel = doc.strip_prefix(root()).unwrap();
        let text = std::fs::read_to_string(doc).unwrap();
        problems.extend(broken(rel, &text, &in_repository));
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn the_link_check_finds_what_a_user_could_not_follow() {
    let files = ["README.md", "docs/health-model.md", "NOTICE"];
    let exists = |p: &Path| {
        files
            .contains(&p.to_str().unwrap())
            .then(|| "# Title\n\n## Children and roll-up\n".to_string())
    };
    let text = "See [the model](../shared/HEALTH-MODEL.md) and [notes](HEALTH-MODEL-NOTES.md).\n\
                Good: [model](docs/health-model.md#children-and-roll-up), [n](NOTICE), \
                [web](https://example.com/x.md), [here](#title).\n\
                Bad anchor: [m](docs/health-model.md#no-such-part). `[code](nowhere.md)`\n\
                ```\n[fenced](nowhere.md)\n```\n";
    let problems = broken(Path::new("README.md"), text, &exists);
    assert_eq!(
        problems,
        [
            "README.md:1: mentions ../shared, which a user of the repository does not have",
            "README.md:1: ../shared/HEALTH-MODEL.md points outside the repository",
            "README.md:1: HEALTH-MODEL-NOTES.md: no such file in the repository",
            "README.md:3: docs/health-model.md#no-such-part: no heading #no-such-part there",
        ]
    );
    // From docs/, `..` is the repository's root.
    let problems = broken(
        Path::new("docs/health-model.md"),
        "[readme](../README.md) [up](../../x.md)",
        &exists,
    );
    assert_eq!(
        problems,
        ["docs/health-model.md:1: ../../x.md points outside the repository"]
    );
    assert_eq!(
        anchor("Projection onto Argo CD's statuses"),
        "projection-onto-argo-cds-statuses"
    );
    assert_eq!(anchor("`herald demo`"), "herald-demo");
}
