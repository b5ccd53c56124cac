//! Embeds the shipped Lua checks (`lua-checks/<group>/<Kind>/health.lua`) and the shipped Lua
//! library (`lua-checks/lib/<name>.lua`) into the binary.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("lua-checks");
    println!("cargo::rerun-if-changed={}", root.display());
    let mut checks = Vec::new();
    let mut libs = Vec::new();
    if root.is_dir() {
        for group in sorted_dirs(&root) {
            let group_name = name(&group);
            if group_name == "lib" {
                for f in sorted_entries(&group) {
                    println!("cargo::rerun-if-changed={}", f.display());
                    if f.extension().is_some_and(|e| e == "lua") {
                        let module = f.file_stem().unwrap().to_string_lossy().into_owned();
                        libs.push((module, f));
                    }
                }
                continue;
            }
            println!("cargo::rerun-if-changed={}", group.display());
            for kind in sorted_dirs(&group) {
                println!("cargo::rerun-if-changed={}", kind.display());
                let script = kind.join("health.lua");
                println!("cargo::rerun-if-changed={}", script.display());
                if script.is_file() {
                    checks.push((group_name.clone(), name(&kind), script));
                }
            }
        }
    }
    let mut out = String::from("pub const SHIPPED_CHECKS: &[(&str, &str, &str)] = &[\n");
    for (g, k, p) in &checks {
        writeln!(
            out,
            "    ({g:?}, {k:?}, include_str!({:?})),",
            p.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\npub const SHIPPED_LIBS: &[(&str, &str)] = &[\n");
    for (m, p) in &libs {
        writeln!(
            out,
            "    ({m:?}, include_str!({:?})),",
            p.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("shipped_checks.rs");
    fs::write(dest, out).unwrap();
}

fn name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    sorted_entries(dir)
        .into_iter()
        .filter(|p| p.is_dir())
        .collect()
}
