//! User checks from Argo CD's `argocd-cm` ConfigMap, so a team's existing customizations keep
//! working: `resource.customizations.health.<group>_<kind>` keys and the older
//! `resource.customizations` block (`<group>/<Kind>: {health.lua: ...}`).

use serde_json::Value;

use super::{KindPattern, ScriptSource};
use crate::object::ValueExt;

const HEALTH_KEY: &str = "resource.customizations.health.";
const BLOCK_KEY: &str = "resource.customizations";

/// Reads the health scripts out of an `argocd-cm` ConfigMap. `origin` names the ConfigMap in
/// messages (`argocd/argocd-cm`, or a file). Per-key entries win over the block, as in Argo CD.
pub fn health_checks(cm: &Value, origin: &str) -> Result<Vec<ScriptSource>, String> {
    let Some(data) = cm.at(&["data"]).and_then(Value::as_object) else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    if let Some(block) = data.get(BLOCK_KEY).and_then(Value::as_str) {
        let parsed: Vec<Value> =
            crate::load::parse_yaml(block, crate::load::DuplicateKeyPolicy::LastWins)
                .map_err(|e| format!("{origin}: data.{BLOCK_KEY}: {e}"))?;
        if let Some(map) = parsed.first().and_then(Value::as_object) {
            for (resource, custom) in map {
                let Some(script) = custom.str_at(&["health.lua"]) else {
                    continue;
                };
                let (group, kind) = resource.rsplit_once('/').unwrap_or(("", resource));
                found.push(ScriptSource {
                    pattern: KindPattern {
                        group: group.to_string(),
                        kind: kind.to_string(),
                    },
                    origin: format!("{origin}: data.{BLOCK_KEY}.{resource}"),
                    source: script.to_string(),
                });
            }
        }
    }
    let mut keys: Vec<(&String, &Value)> = data
        .iter()
        .filter(|(k, _)| k.starts_with(HEALTH_KEY))
        .collect();
    keys.sort_by_key(|(k, _)| *k);
    for (key, script) in keys {
        let Some(script) = script.as_str() else {
            return Err(format!(
                "{origin}: data.{key}: expected a Lua script (a string)"
            ));
        };
        let resource = &key[HEALTH_KEY.len()..];
        let (group, kind) = resource.rsplit_once('_').unwrap_or(("", resource));
        found.push(ScriptSource {
            pattern: KindPattern {
                group: group.to_string(),
                kind: kind.to_string(),
            },
            origin: format!("{origin}: data.{key}"),
            source: script.to_string(),
        });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alias_bomb_in_the_customizations_block_is_refused() {
        // As a live ConfigMap has it: the block is one string of YAML.
        let mut block = format!("l0: &l0 \"{}\"\n", "x".repeat(64 << 10));
        for i in 1..=3 {
            let refs = vec![format!("*l{}", i - 1); 10].join(", ");
            block.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
        }
        let cm = serde_json::json!({"data": {BLOCK_KEY: block}});
        let e = health_checks(&cm, "argocd/argocd-cm").unwrap_err();
        assert!(
            e.starts_with("argocd/argocd-cm: data.resource.customizations:"),
            "{e}"
        );
        assert!(e.contains("aliases expand"), "{e}");
    }
}
