//! The shipped schema library (`stdlib/schemas/<set>/<version>.json`, issue 12): every
//! file is in the canonical compact form and named after its own set and version, the
//! table of sources (`stdlib/schemas/sources.txt`) and the shipped files name the same
//! (set, version) pairs, every `crds` statement of the stdlib and `lab/` names a shipped
//! set (`schema "<set>"`) whose every version has its kinds, and every object the example
//! lab writes whose kind a shipped set has validates against it with no problem, checked
//! here on the data alone, apart from the compiler's own schema check.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use labc::schema::validate::validate;
use labc::schema::SchemaSet;

fn schemas_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("stdlib/schemas")
}

/// Every shipped file as ((set, version), text), sorted.
fn shipped() -> Vec<((String, String), String)> {
    let mut out = Vec::new();
    for set in std::fs::read_dir(schemas_dir()).expect("stdlib/schemas/ exists") {
        let set = set.expect("readable entry").path();
        if !set.is_dir() {
            continue;
        }
        let name = set.file_name().unwrap().to_string_lossy().into_owned();
        for file in std::fs::read_dir(&set).expect("readable set folder") {
            let file = file.expect("readable entry").path();
            let Some(version) = file
                .file_name()
                .unwrap()
                .to_string_lossy()
                .strip_suffix(".json")
                .map(str::to_string)
            else {
                panic!("{} is not a <version>.json file", file.display());
            };
            let text = std::fs::read_to_string(&file).expect("readable schema file");
            out.push(((name.clone(), version), text));
        }
    }
    out.sort();
    out
}

/// A string of five words or more outside the set's `source` and `patterns`: description
/// text, which stays upstream (enum values have at most three words: `ipsec end system`).
fn prose_in(set: &serde_json::Value) -> Option<String> {
    fn walk(v: &serde_json::Value) -> Option<String> {
        match v {
            serde_json::Value::String(s) if s.matches(' ').count() >= 4 => Some(s.clone()),
            serde_json::Value::Array(items) => items.iter().find_map(walk),
            serde_json::Value::Object(fields) => fields.values().find_map(walk),
            _ => None,
        }
    }
    let fields = set.as_object()?;
    fields
        .iter()
        .filter(|(k, _)| *k != "source" && *k != "patterns")
        .find_map(|(_, v)| walk(v))
}

fn shipped_files_are_canonical_and_named_by_their_path() {
    let files = shipped();
    assert!(files.len() >= 14, "the library has {} files", files.len());
    for ((name, version), text) in &files {
        let set = SchemaSet::from_compact(text)
            .unwrap_or_else(|e| panic!("{name}/{version}.json does not load: {e}"));
        assert_eq!(&set.name, name, "{name}/{version}.json names another set");
        assert_eq!(
            &set.version, version,
            "{name}/{version}.json has another version"
        );
        assert!(
            !set.source.is_empty(),
            "{name}/{version}.json says no source"
        );
        assert!(!set.kinds().is_empty(), "{name}/{version}.json has no kind");
        assert!(
            set.to_compact() == *text,
            "{name}/{version}.json is not canonical: regenerate it with stdlib/schemas/generate.sh"
        );
        let value: serde_json::Value = serde_json::from_str(text).expect("JSON");
        if let Some(prose) = prose_in(&value) {
            panic!("{name}/{version}.json holds upstream text: {prose:?}");
        }
    }
}

fn sources_table_names_the_shipped_files() {
    let table = std::fs::read_to_string(schemas_dir().join("sources.txt")).expect("sources.txt");
    let listed: BTreeSet<(String, String)> = table
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut words = l.split_whitespace();
            let set = words.next().unwrap().to_string();
            let version = words.next().expect("a version after the set").to_string();
            assert!(
                words.count() >= 3,
                "sources.txt line without repository, ref and path: {l}"
            );
            (set, version)
        })
        .collect();
    let files: BTreeSet<(String, String)> = shipped().into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        listed, files,
        "sources.txt and stdlib/schemas/<set>/<version>.json disagree"
    );
}

/// The objects of the example lab's output, as JSON values.
fn lab_objects() -> Vec<(String, serde_json::Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("lab");
    let db = labc::db::LabDb::default();
    let lab = db.load(labc::cli::read_lab(&dir).expect("lab/ is readable"));
    let (out, _) = labc::compile::compile_with_diagnostics(&db, lab);
    let mut objects = Vec::new();
    for (path, text) in &out.files {
        if !path.ends_with(".yaml") {
            continue;
        }
        for doc in serde_yaml::Deserializer::from_str(text) {
            let value: serde_json::Value =
                serde::Deserialize::deserialize(doc).expect("emitted YAML is valid");
            if value.get("kind").is_some() {
                objects.push((path.clone(), value));
            }
        }
    }
    objects
}

fn lab_output_validates_against_the_library() {
    let sets: Vec<SchemaSet> = shipped()
        .iter()
        .map(|(_, text)| SchemaSet::from_compact(text).expect("loads"))
        .collect();
    let mut checked = 0;
    let mut problems = Vec::new();
    for (path, object) in lab_objects() {
        let api_version = object["apiVersion"].as_str().unwrap_or_default();
        let kind = object["kind"].as_str().unwrap_or_default();
        // The newest set that has the kind: each (group, kind) is in one set only.
        let Some((set, root)) = sets
            .iter()
            .rev()
            .find_map(|s| s.root(api_version, kind).map(|r| (s, r)))
        else {
            continue;
        };
        checked += 1;
        for p in validate(set, root, &object) {
            problems.push(format!("{path}: {kind} {:?}: {:?}", p.path, p.what));
        }
    }
    assert!(checked > 500, "only {checked} objects had a schema");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every `crds "group/version" { Kinds } schema "set"` statement of the stdlib and the
/// example lab, as (file, apiVersion, kinds, set).
fn crds_statements() -> Vec<(String, String, Vec<String>, Option<String>)> {
    let statement =
        regex::Regex::new(r#"crds\s+"([^"]+)"\s*\{([^}]*)\}(?:[ \t]*schema\s+"([^"]+)")?"#)
            .unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in ["stdlib", "lab", "lab/tenants"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("readable folder") {
            let path = entry.expect("readable entry").path();
            if path.extension().is_some_and(|e| e == "lab") {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable .lab file");
        let text: String = text
            .lines()
            .map(|l| l.split('#').next().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n");
        for c in statement.captures_iter(&text) {
            let kinds = c[2]
                .split(',')
                .map(|k| k.trim().trim_start_matches("cluster").trim().to_string())
                .filter(|k| !k.is_empty())
                .collect();
            let file = path.strip_prefix(root).unwrap().display().to_string();
            out.push((
                file,
                c[1].to_string(),
                kinds,
                c.get(3).map(|s| s.as_str().to_string()),
            ));
        }
    }
    out
}

fn every_crds_kind_has_a_schema() {
    let sets: Vec<SchemaSet> = shipped()
        .iter()
        .map(|(_, text)| SchemaSet::from_compact(text).expect("loads"))
        .collect();
    let statements = crds_statements();
    assert!(
        statements.len() >= 15,
        "{} crds statements",
        statements.len()
    );
    let mut missing = Vec::new();
    for (file, api_version, kinds, schema) in &statements {
        // Every statement names its set, and every version of that set has each kind.
        let Some(name) = schema else {
            panic!("{file}: `crds \"{api_version}\"` names no `schema` set");
        };
        let versions: Vec<&SchemaSet> = sets.iter().filter(|s| &s.name == name).collect();
        assert!(!versions.is_empty(), "{file}: no shipped set {name:?}");
        for kind in kinds {
            if !versions.iter().all(|s| s.root(api_version, kind).is_some()) {
                missing.push(format!("{file}: {api_version} {kind}"));
            }
        }
    }
    assert!(missing.is_empty(), "no schema for:\n{}", missing.join("\n"));
}

tests!(
    shipped_files_are_canonical_and_named_by_their_path,
    sources_table_names_the_shipped_files,
    lab_output_validates_against_the_library,
    every_crds_kind_has_a_schema,
);
