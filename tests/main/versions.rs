//! The Renovate preset `renovate/labc.json` without Renovate: its regex managers, applied
//! to every `.lab` file of `lab/` and `stdlib/` as Renovate applies them (each pattern of
//! `matchStrings` over the whole file, every match a dependency), find every chart
//! (`oci(...)`, `helm(...)`) and every `image = "repo:tag"` with its current version, as a
//! hand scan of the same files lists them, and every chart the example lab installs is
//! found in a file of `lab/` (`lab/versions.lab`); the two-part `image = "repo"` +
//! `tag = "TAG"` of app-template is checked on the build cases that use it.
//! `.ci/renovate-extract` runs Renovate itself.

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
                // A colon before a `/` is a registry's port, not a tag.
                if let Some((repo, tag)) = literal
                    .rsplit_once(':')
                    .filter(|(_, tag)| !literal.contains('$') && !tag.contains('/'))
                {
                    add(repo, tag, "docker");
                }
            }
        }
    }
    out
}

/// The literal string of `key = "..."` in `code` (`key` a whole word), if any.
fn literal_after(code: &str, key: &str) -> Option<String> {
    code.match_indices(key).find_map(|(at, _)| {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| !(c.is_whitespace() || c == '{' || c == ',')) {
            return None;
        }
        let rest = code[at + key.len()..].trim_start().strip_prefix('=')?;
        let value = rest.trim_start().strip_prefix('"')?;
        let value = &value[..value.find('"')?];
        (!value.contains('$')).then(|| value.to_string())
    })
}

/// The two-part images of `text` by a hand scan: `image = "repo"` (or a chart's
/// `repository = "repo"`) with `tag = "TAG"` on the same line or the next one; a digest
/// after `@` is not part of the version.
fn scanned_split(file: &str, text: &str) -> BTreeSet<(String, String, String, String)> {
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or_default())
        .collect();
    let mut out = BTreeSet::new();
    for (i, code) in lines.iter().enumerate() {
        let Some(repo) = literal_after(code, "image").or_else(|| literal_after(code, "repository"))
        else {
            continue;
        };
        // A repository with its tag is the one-part form.
        if repo.rsplit_once(':').is_some_and(|(_, t)| !t.contains('/')) {
            continue;
        }
        let tag = literal_after(code, "tag")
            .or_else(|| lines.get(i + 1).and_then(|next| literal_after(next, "tag")));
        if let Some(tag) = tag {
            let version = tag.split('@').next().unwrap_or_default();
            out.insert((file.into(), repo, version.into(), "docker".into()));
        }
    }
    out
}

/// The versions named by a `# renovate: datasource=D depName=N` comment, by a hand scan:
/// the quoted value of the next line's `key = "VERSION"`.
fn scanned_comments(file: &str, text: &str) -> BTreeSet<(String, String, String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = BTreeSet::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(rest) = line.trim().strip_prefix("# renovate:") else {
            continue;
        };
        let field = |name: &str| {
            rest.split_whitespace()
                .find_map(|w| w.strip_prefix(name).map(str::to_string))
        };
        let next = lines.get(i + 1).and_then(|l| l.split_once('='));
        let version = next.and_then(|(_, v)| v.trim().strip_prefix('"')?.split('"').next());
        if let (Some(source), Some(dep), Some(version)) =
            (field("datasource="), field("depName="), version)
        {
            out.insert((file.into(), dep, version.into(), source));
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
        expected.extend(scanned_split(&rel, &text));
        expected.extend(scanned_comments(&rel, &text));
    }
    let missing: Vec<_> = expected.difference(&found).collect();
    assert!(missing.is_empty(), "the preset misses: {missing:#?}");
    let extra: Vec<_> = found.difference(&expected).collect();
    assert!(
        extra.is_empty(),
        "the preset finds what is not a version: {extra:#?}"
    );
    // The stdlib holds the default charts; the lab its images and, in versions.lab,
    // its own pins of those charts.
    let charts = expected
        .iter()
        .filter(|e| e.0.starts_with("stdlib/"))
        .count();
    let pins = expected
        .iter()
        .filter(|e| e.0 == "lab/versions.lab")
        .count();
    let images = expected
        .iter()
        .filter(|e| e.0.starts_with("lab/") && e.0 != "lab/versions.lab")
        .count();
    assert!(
        charts >= 20 && pins >= 20 && images >= 4,
        "{charts} stdlib versions, {pins} lab pins, {images} other lab versions"
    );
}

/// The charts the example lab installs (OCI: repository without `oci://`, HelmChart:
/// chart name; with the version), from the objects `labc build` writes.
fn installed_charts() -> BTreeSet<(String, String)> {
    let db = labc::db::LabDb::default();
    let lab = db.load(labc::cli::read_lab(&root().join("lab")).expect("lab/ is readable"));
    let (out, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    assert!(
        diags.is_empty(),
        "{}",
        labc::diag::render_plain(&db, &diags)
    );
    let mut charts = BTreeSet::new();
    for text in out.files.values() {
        for doc in serde_yaml::Deserializer::from_str(text) {
            let Ok(v) = <serde_yaml::Value as serde::Deserialize>::deserialize(doc) else {
                continue;
            };
            let at = |path: &[&str]| {
                let mut cur = &v;
                for k in path {
                    cur = cur.get(*k)?;
                }
                cur.as_str().map(str::to_string)
            };
            match at(&["kind"]).as_deref() {
                Some("OCIRepository") => {
                    let url = at(&["spec", "url"]).unwrap_or_default();
                    let tag = at(&["spec", "ref", "tag"]).unwrap_or_default();
                    charts.insert((url.trim_start_matches("oci://").to_string(), tag));
                }
                Some("HelmChart") => {
                    let chart = at(&["spec", "chart"]).unwrap_or_default();
                    charts.insert((chart, at(&["spec", "version"]).unwrap_or_default()));
                }
                _ => {}
            }
        }
    }
    charts
}

/// Renovate on a lab's repository can bump every chart the lab installs: each is found,
/// with the version the lab builds, in a file of `lab/` (its versions.lab, from
/// `labc pin lab/`), not only in the stdlib compiled into labc.
fn every_chart_the_lab_installs_is_a_version_in_lab() {
    let managers = managers();
    let mut in_lab = BTreeSet::new();
    for path in lab_files() {
        let rel = path.strip_prefix(root()).unwrap().to_string_lossy();
        if rel.starts_with("lab/") {
            let text = std::fs::read_to_string(&path).unwrap();
            for (_, dep, version, _) in extract(&managers, &rel, &text) {
                in_lab.insert((dep, version));
            }
        }
    }
    let installed = installed_charts();
    assert!(installed.len() >= 20, "{installed:?}");
    let missing: Vec<_> = installed.difference(&in_lab).collect();
    assert!(
        missing.is_empty(),
        "charts of the example lab no file of lab/ pins (run `labc pin lab/`): {missing:#?}"
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

/// app-template's `image = "repo"` + `tag = "TAG"`, and a chart's `repository` with its
/// `tag`, in the build cases that use them: every app's image is found with its tag (and
/// open-components' chart versions through their `# renovate:` comments), and nothing
/// else is.
fn the_split_image_form_is_found() {
    let managers = managers();
    let mut total = 0;
    for case in ["app-template", "open-components"] {
        let rel = format!("tests/build/{case}/lab.lab");
        let text = std::fs::read_to_string(root().join(&rel)).unwrap();
        let found = extract(&managers, &rel, &text);
        let mut expected = scanned(&rel, &text);
        expected.extend(scanned_comments(&rel, &text));
        let split = scanned_split(&rel, &text);
        total += split.len();
        expected.extend(split);
        assert_eq!(found, expected, "{rel}");
    }
    // Ten apps and their sidecars and init containers in open-components, one app in
    // app-template.
    assert!(total >= 15, "{total} two-part images");
    let text = "instance a = app-template on c {\n  image = \"registry.internal:5000/org/app\"\n  tag   = \"1.2.3@sha256:0123456789abcdef\"\n}\n\
                instance b = app-template on c {\n  image = \"ghcr.io/org/b\"\n  tag   = \"${version}\"\n}\n";
    let found = extract(&managers, "lab/x.lab", text);
    let want = (
        "lab/x.lab".to_string(),
        "registry.internal:5000/org/app".to_string(),
        "1.2.3".to_string(),
        "docker".to_string(),
    );
    // A registry's port is not a tag, and a computed tag is left alone.
    assert_eq!(found, BTreeSet::from([want]));
}

fn the_flux_manager_is_off() {
    // The generated tree is rebuilt by `labc build`; a bump there would be undone.
    assert_eq!(preset()["flux"]["enabled"], false);
}

tests!(
    the_preset_finds_every_chart_and_image,
    every_chart_the_lab_installs_is_a_version_in_lab,
    the_comment_convention_names_the_next_line,
    the_split_image_form_is_found,
    the_flux_manager_is_off,
);
