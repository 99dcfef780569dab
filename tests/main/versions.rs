//! The Renovate preset `renovate/labc.json` without Renovate: its regex managers, applied
//! to every `.lab` file of `lab/` and `stdlib/` as Renovate applies them (each pattern of
//! `matchStrings` over the whole file, every match a dependency), find every chart
//! (`oci(...)`, `helm(...)`) and every `image = "repo:tag"` with its current version, as a
//! hand scan of the same files lists them. `.ci/renovate-extract` runs Renovate itself.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn preset() -> Value {
    let text = std::fs::read_to_string(root().join("renovate/labc.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A regex manager of the preset: file patterns, match patterns, datasource template.
struct Manager {
    files: Vec<regex::Regex>,
    patterns: Vec<regex::Regex>,
    datasource: Option<String>,
}

/// Renovate's patterns are JavaScript (RE2) regexes; the preset keeps to the part whose
/// meaning is the same in Rust's `regex`: no lookaround, no backreferences.
fn compile(pattern: &str) -> regex::Regex {
    for js_only in ["(?=", "(?!", "(?<=", "(?<!", "\\1", "\\k<"] {
        assert!(
            !pattern.contains(js_only),
            "{pattern}: `{js_only}` is not portable"
        );
    }
    regex::Regex::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"))
}

fn managers() -> Vec<Manager> {
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    preset()["customManagers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            assert_eq!(m["customType"], "regex");
            Manager {
                files: strings(&m["fileMatch"])
                    .iter()
                    .map(|p| compile(p))
                    .collect(),
                patterns: strings(&m["matchStrings"])
                    .iter()
                    .map(|p| compile(p))
                    .collect(),
                datasource: m["datasourceTemplate"].as_str().map(str::to_string),
            }
        })
        .collect()
}

/// (file, depName, currentValue, datasource) of every match of the managers in `text`.
fn extract(
    managers: &[Manager],
    file: &str,
    text: &str,
) -> BTreeSet<(String, String, String, String)> {
    let mut out = BTreeSet::new();
    for m in managers
        .iter()
        .filter(|m| m.files.iter().any(|f| f.is_match(file)))
    {
        for p in &m.patterns {
            for c in p.captures_iter(text) {
                let group = |n: &str| c.name(n).map(|x| x.as_str().to_string());
                let datasource = group("datasource")
                    .or(m.datasource.clone())
                    .unwrap_or_default();
                out.insert((
                    file.to_string(),
                    group("depName").unwrap_or_default(),
                    group("currentValue").unwrap_or_default(),
                    datasource,
                ));
            }
        }
    }
    out
}

/// The quoted strings right after `at` in `text` (`"a", "b")`), up to the closing `)`.
fn call_args(text: &str, at: usize) -> Vec<String> {
    let end = text[at..].find(')').map_or(text.len(), |e| at + e);
    text[at..end]
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The charts and images of `text` by a hand scan, without the preset's patterns.
fn scanned(file: &str, text: &str) -> BTreeSet<(String, String, String, String)> {
    let mut out = BTreeSet::new();
    let mut add = |dep: &str, version: &str, source: &str| {
        out.insert((file.into(), dep.into(), version.into(), source.into()));
    };
    for line in text.lines() {
        let code = line.split('#').next().unwrap_or_default();
        for (at, _) in code.match_indices("oci(") {
            if let [url, version] = call_args(code, at).as_slice() {
                add(url.trim_start_matches("oci://"), version, "docker");
            }
        }
        for (at, _) in code.match_indices("helm(") {
            if let [_, chart, version] = call_args(code, at).as_slice() {
                add(chart, version, "helm");
            }
        }
        if let Some((key, value)) = code.split_once('=') {
            let value = value.trim().trim_matches(',');
            if key.trim().ends_with("image") && value.starts_with('"') {
                // A tag computed with `${...}` is not a version Renovate could bump.
                let literal = value.trim_matches('"');
                if let Some((repo, tag)) =
                    literal.rsplit_once(':').filter(|_| !literal.contains('$'))
                {
                    add(repo, tag, "docker");
                }
            }
        }
    }
    out
}

fn lab_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["lab", "stdlib"] {
        let mut stack = vec![root().join(dir)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "lab") {
                    files.push(p);
                }
            }
        }
    }
    files.sort();
    files
}

fn the_preset_finds_every_chart_and_image() {
    let managers = managers();
    let (mut found, mut expected) = (BTreeSet::new(), BTreeSet::new());
    for path in lab_files() {
        let rel = path
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        found.extend(extract(&managers, &rel, &text));
        expected.extend(scanned(&rel, &text));
    }
    let missing: Vec<_> = expected.difference(&found).collect();
    assert!(missing.is_empty(), "the preset misses: {missing:#?}");
    let extra: Vec<_> = found.difference(&expected).collect();
    assert!(
        extra.is_empty(),
        "the preset finds what is not a version: {extra:#?}"
    );
    // The stdlib holds every chart of the example lab; the lab its images.
    let charts = expected
        .iter()
        .filter(|e| e.0.starts_with("stdlib/"))
        .count();
    let images = expected.iter().filter(|e| e.0.starts_with("lab/")).count();
    assert!(
        charts >= 20 && images >= 5,
        "{charts} stdlib versions, {images} lab versions"
    );
}

fn the_comment_convention_names_the_next_line() {
    let text = "cluster c {\n  # renovate: datasource=github-releases depName=siderolabs/talos\n  talos = \"v1.11.5\"\n}\n\
                install web on c {\n  # renovate: datasource=helm depName=web registryUrl=https://charts.example.com\n  version = \"1.4.0\"\n}\n";
    let found = extract(&managers(), "lab/x.lab", text);
    let want = |d: &str, v: &str, s: &str| {
        (
            "lab/x.lab".to_string(),
            d.to_string(),
            v.to_string(),
            s.to_string(),
        )
    };
    assert!(
        found.contains(&want("siderolabs/talos", "v1.11.5", "github-releases")),
        "{found:?}"
    );
    assert!(found.contains(&want("web", "1.4.0", "helm")), "{found:?}");
    // The patterns apply to `.lab` files only.
    assert!(extract(&managers(), "kubernetes/x.yaml", text).is_empty());
}

fn the_flux_manager_is_off() {
    // The generated tree is rebuilt by `labc build`; a bump there would be undone.
    assert_eq!(preset()["flux"]["enabled"], false);
}

tests!(
    the_preset_finds_every_chart_and_image,
    the_comment_convention_names_the_next_line,
    the_flux_manager_is_off,
);
