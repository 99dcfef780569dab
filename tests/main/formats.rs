//! `--format json|github|sarif` of `labc check` and `labc build`: the JSON and SARIF of
//! every UI fixture validate against `docs/diagnostics.schema.json` and the SARIF 2.1.0
//! schema (`tests/formats/sarif-2.1.0-rtm.5.json`), positions agree with the source
//! text, and the real binary reports a known fixture and a clean lab as documented in
//! `docs/diagnostics.md`. The github lines of a fixture are an insta snapshot in
//! `tests/formats/`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use labc::db::LabDb;
use labc::diag::formats;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A JSON file of the project.
fn read_json(rel: &str) -> Value {
    let text = std::fs::read_to_string(root().join(rel)).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The `language` pattern of the published SARIF 2.1.0 (rtm.5) schema, twice, with a
/// stray `]` that makes it no regex: the validator refuses to compile the schema.
const BROKEN_PATTERN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
/// What it means (a language tag `en` or `en-US`); labc emits no `language`, so the
/// repair cannot hide a fault of labc's output.
const REPAIRED_PATTERN: &str = "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$";

/// Replace every `BROKEN_PATTERN` in `v`; how many there were.
fn repair(v: &mut Value) -> usize {
    match v {
        Value::String(s) if s == BROKEN_PATTERN => {
            *s = REPAIRED_PATTERN.to_string();
            1
        }
        Value::Array(items) => items.iter_mut().map(repair).sum(),
        Value::Object(map) => map.values_mut().map(repair).sum(),
        _ => 0,
    }
}

/// The validator of the schema in `schema_file`.
fn validator(schema_file: &str) -> jsonschema::Validator {
    let mut schema = read_json(schema_file);
    if schema_file == SARIF_SCHEMA {
        // The file is kept as published; a changed copy must be looked at again.
        assert_eq!(
            repair(&mut schema),
            2,
            "{SARIF_SCHEMA} is not the one expected"
        );
    }
    // Formats (`uri`, `date-time`) are left unchecked, the validator's default.
    jsonschema::validator_for(&schema)
        .unwrap_or_else(|e| panic!("{schema_file} is not a schema: {e}"))
}

/// The violations of `doc` against `validator`, one line each.
fn violations(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Check `doc` against the schema in `schema_file`, listing every violation.
fn assert_valid(schema_file: &str, doc: &Value, what: &str) {
    let errors = violations(&validator(schema_file), doc);
    assert!(
        errors.is_empty(),
        "{what} does not validate against {schema_file}:\n{}",
        errors.join("\n")
    );
}

const JSON_SCHEMA: &str = "docs/diagnostics.schema.json";
const SARIF_SCHEMA: &str = "tests/formats/sarif-2.1.0-rtm.5.json";

/// Every UI fixture as (name, lab files): a `.lab` file alone, or a fixture directory.
fn ui_fixtures() -> Vec<(String, Vec<(String, String)>)> {
    let dir = root().join("tests/ui");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "lab"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let sources = if p.is_dir() {
                labc::cli::read_lab(&p).unwrap()
            } else {
                vec![(name.clone(), std::fs::read_to_string(&p).unwrap())]
            };
            (name, sources)
        })
        .collect()
}

fn every_fixture_validates_against_both_schemas() {
    let fixtures = ui_fixtures();
    assert!(fixtures.len() > 50, "the UI fixtures were not found");
    let (json_schema, sarif_schema) = (validator(JSON_SCHEMA), validator(SARIF_SCHEMA));
    let mut diagnostics = 0;
    let mut related = 0;
    for (name, sources) in fixtures {
        let db = LabDb::default();
        let lab = db.load(sources);
        let (_, diags) = labc::compile::compile_with_diagnostics(&db, lab);
        let json: Value = serde_json::from_str(&formats::to_json(&db, &diags)).unwrap();
        let bad = violations(&json_schema, &json);
        assert!(bad.is_empty(), "the JSON of {name}: {bad:#?}");
        let sarif: Value = serde_json::from_str(&formats::to_sarif(&db, &diags, "lab/")).unwrap();
        let bad = violations(&sarif_schema, &sarif);
        assert!(bad.is_empty(), "the SARIF of {name}: {bad:#?}");
        let n = json["diagnostics"].as_array().unwrap().len();
        assert_eq!(n, diags.len(), "{name}");
        assert_eq!(
            sarif["runs"][0]["results"].as_array().unwrap().len(),
            n,
            "{name}"
        );
        diagnostics += n;
        related += diags.iter().filter(|d| !d.secondary.is_empty()).count();
    }
    // The schemas were exercised on real content, secondary labels included.
    assert!(diagnostics > 100 && related > 5, "{diagnostics} {related}");
}

/// The schemas are not vacuous: a document with a wrong field fails each.
fn the_schemas_reject_wrong_documents() {
    let db = LabDb::default();
    let text = std::fs::read_to_string(root().join("tests/ui").join(DUPLICATE)).unwrap();
    let lab = db.load(vec![(DUPLICATE.to_string(), text)]);
    let (_, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    let json: Value = serde_json::from_str(&formats::to_json(&db, &diags)).unwrap();
    let sarif: Value = serde_json::from_str(&formats::to_sarif(&db, &diags, "")).unwrap();
    let (json_schema, sarif_schema) = (validator(JSON_SCHEMA), validator(SARIF_SCHEMA));
    for (path, wrong) in [
        ("/diagnostics/0/severity", serde_json::json!("fatal")),
        ("/diagnostics/0/column", serde_json::json!(0)),
        ("/diagnostics/0/labels/1/primary", serde_json::json!("no")),
        ("/summary/errors", serde_json::json!(-1)),
    ] {
        let mut doc = json.clone();
        *doc.pointer_mut(path).unwrap() = wrong;
        assert!(
            !violations(&json_schema, &doc).is_empty(),
            "JSON with a wrong {path}"
        );
    }
    for (path, wrong) in [
        ("/runs/0/results/0/level", serde_json::json!("fatal")),
        (
            "/runs/0/results/0/locations/0/physicalLocation/region/startLine",
            serde_json::json!(0),
        ),
        ("/version", serde_json::json!("2.0.0")),
    ] {
        let mut doc = sarif.clone();
        *doc.pointer_mut(path).unwrap() = wrong;
        assert!(
            !violations(&sarif_schema, &doc).is_empty(),
            "SARIF with a wrong {path}"
        );
    }
}

/// 1-based line and character column of byte `at`, counted from the text alone.
fn expected_line_column(text: &str, at: usize) -> (u64, u64) {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line as u64, before[line_start..].chars().count() as u64 + 1)
}

fn positions_agree_with_the_text_in_characters() {
    let mut multibyte = false;
    for (name, sources) in ui_fixtures() {
        let db = LabDb::default();
        let lab = db.load(sources.clone());
        let (_, diags) = labc::compile::compile_with_diagnostics(&db, lab);
        let json: Value = serde_json::from_str(&formats::to_json(&db, &diags)).unwrap();
        for d in json["diagnostics"].as_array().unwrap() {
            for l in d["labels"].as_array().unwrap() {
                let file = l["file"].as_str().unwrap();
                let Some((_, text)) = sources.iter().find(|(p, _)| p == file) else {
                    continue; // a stdlib file
                };
                let (start, end) = (
                    l["byte_start"].as_u64().unwrap() as usize,
                    l["byte_end"].as_u64().unwrap() as usize,
                );
                assert!(start <= end && end <= text.len(), "{name}: {l}");
                let at_start = expected_line_column(text, start);
                let at_end = expected_line_column(text, end);
                assert_eq!(
                    (l["line"].as_u64().unwrap(), l["column"].as_u64().unwrap()),
                    at_start,
                    "{name}: {l}"
                );
                assert_eq!(
                    (
                        l["end_line"].as_u64().unwrap(),
                        l["end_column"].as_u64().unwrap()
                    ),
                    at_end,
                    "{name}: {l}"
                );
                let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
                multibyte |=
                    text[line_start..start].len() != text[line_start..start].chars().count();
            }
            assert_eq!(d["line"], d["labels"][0]["line"], "{name}");
            assert_eq!(d["file"], d["labels"][0]["file"], "{name}");
        }
    }
    assert!(
        multibyte,
        "no fixture has a label after a multi-byte character"
    );
}

/// Run labc in `cwd` with `args`.
fn labc(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_labc"))
        .current_dir(cwd)
        .args(args)
        .arg("--color=never")
        .output()
        .unwrap()
}

/// A temp dir whose `lab/` holds the UI fixture `name` (or, for `None`, a clean lab).
fn lab_of(name: Option<&str>) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let lab = t.path().join("lab");
    std::fs::create_dir(&lab).unwrap();
    let (from, to) = match name {
        Some(n) => (root().join("tests/ui").join(n), n.to_string()),
        None => (
            root().join("tests/build/lab-vars-urls-ranges/lab.lab"),
            "lab.lab".to_string(),
        ),
    };
    std::fs::copy(from, lab.join(to)).unwrap();
    t
}

const DUPLICATE: &str = "e0202-duplicate-cluster.lab";

fn stdout_json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&o.stdout)
        )
    })
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_of_a_known_fixture() {
    let t = lab_of(Some(DUPLICATE));
    let o = labc(t.path(), &["check", "lab", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stderr(&o), "labc: 1 error(s), 0 warning(s)\n");
    let doc = stdout_json(&o);
    assert_valid(JSON_SCHEMA, &doc, "check --format json");
    assert_eq!(
        doc["summary"],
        serde_json::json!({"errors": 1, "warnings": 0})
    );
    let d = &doc["diagnostics"][0];
    assert_eq!(doc["diagnostics"].as_array().unwrap().len(), 1);
    assert_eq!(d["code"], "E0202");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["title"], "duplicate declaration");
    assert_eq!(d["message"], "cluster `c` is declared twice");
    assert_eq!(d["file"], DUPLICATE);
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(11), Some(9))
    );
    assert_eq!(
        (d["end_line"].as_u64(), d["end_column"].as_u64()),
        (Some(11), Some(10))
    );
    let text = std::fs::read_to_string(root().join("tests/ui").join(DUPLICATE)).unwrap();
    let (s, e) = (
        d["byte_start"].as_u64().unwrap() as usize,
        d["byte_end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&text[s..e], "c");
    assert_eq!(d["help"], "rename one of them or remove the duplicate");
    let second = &d["labels"][1];
    assert_eq!(second["primary"], false);
    assert_eq!(
        (second["line"].as_u64(), second["column"].as_u64()),
        (Some(4), Some(9))
    );
    assert_eq!(second["message"], "first declared here");
    assert_eq!(d["labels"][0]["message"], "declared again here");
}

fn sarif_of_a_known_fixture() {
    let t = lab_of(Some(DUPLICATE));
    let o = labc(t.path(), &["check", "./lab/", "--format", "sarif"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let doc = stdout_json(&o);
    assert_valid(SARIF_SCHEMA, &doc, "check --format sarif");
    let run = &doc["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "labc");
    assert_eq!(run["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), labc::diag::codes::CODES.len());
    let r = &run["results"][0];
    assert_eq!(r["ruleId"], "E0202");
    assert_eq!(
        rules[r["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "E0202"
    );
    assert_eq!(r["level"], "error");
    let loc = &r["locations"][0]["physicalLocation"];
    // The lab directory as given, `./` dropped: the path from the repository's root.
    assert_eq!(loc["artifactLocation"]["uri"], format!("lab/{DUPLICATE}"));
    assert_eq!(loc["region"]["startLine"], 11);
    assert_eq!(loc["region"]["startColumn"], 9);
    let rel = &r["relatedLocations"][0];
    assert_eq!(rel["physicalLocation"]["region"]["startLine"], 4);
    assert_eq!(rel["message"]["text"], "first declared here");
}

fn github_lines_of_a_fixture() {
    let t = lab_of(Some(DUPLICATE));
    let o = labc(t.path(), &["check", "lab", "--format", "github"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    insta::with_settings!({
        snapshot_path => root().join("tests/formats"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("github-e0202-duplicate-cluster", out);
    });
}

fn a_clean_lab_prints_an_empty_result() {
    let t = lab_of(None);
    let o = labc(t.path(), &["check", "lab", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc = stdout_json(&o);
    assert_valid(JSON_SCHEMA, &doc, "a clean lab's JSON");
    assert_eq!(doc["diagnostics"], serde_json::json!([]));
    assert_eq!(stderr(&o), "labc: 0 error(s), 0 warning(s)\n");

    let o = labc(t.path(), &["check", "lab", "--format", "sarif"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc = stdout_json(&o);
    assert_valid(SARIF_SCHEMA, &doc, "a clean lab's SARIF");
    assert_eq!(doc["runs"][0]["results"], serde_json::json!([]));

    let o = labc(t.path(), &["check", "lab", "--format", "github"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        o.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

fn build_with_json_writes_the_tree_only_without_errors() {
    let t = lab_of(None);
    let o = labc(
        t.path(),
        &["build", "lab", "--out", "out", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout_json(&o)["summary"]["errors"], 0);
    assert!(t.path().join("out/.labc-manifest").is_file());
    assert!(stderr(&o).contains("wrote "), "{}", stderr(&o));

    let t = lab_of(Some(DUPLICATE));
    let o = labc(
        t.path(),
        &["build", "lab", "--out", "out", "--format", "sarif"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stdout_json(&o)["runs"][0]["results"][0]["ruleId"], "E0202");
    assert!(!t.path().join("out").exists());
    assert!(stderr(&o).ends_with("nothing written\n"), "{}", stderr(&o));
}

fn build_check_takes_only_the_human_format() {
    let t = lab_of(None);
    let o = labc(t.path(), &["build", "lab", "--check", "--format", "json"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--format human"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
}

/// The JSON and github examples of docs/diagnostics.md are what labc prints for
/// the fixture they show.
fn the_documented_examples_are_real() {
    let doc = std::fs::read_to_string(root().join("docs/diagnostics.md")).unwrap();
    let block = |after: &str, fence: &str| -> String {
        let from = doc.find(after).unwrap_or_else(|| panic!("no `{after}`"));
        let rest = &doc[from..];
        let start = rest.find(fence).unwrap() + fence.len();
        let end = start + rest[start..].find("```").unwrap();
        rest[start..end].to_string()
    };
    let db = LabDb::default();
    let text = std::fs::read_to_string(root().join("tests/ui").join(DUPLICATE)).unwrap();
    let lab = db.load(vec![(DUPLICATE.to_string(), text)]);
    let (_, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    let shown: Value = serde_json::from_str(&block("## JSON", "```json\n")).unwrap();
    let real: Value = serde_json::from_str(&formats::to_json(&db, &diags)).unwrap();
    assert_eq!(shown, real, "docs/diagnostics.md's JSON example");
    assert_eq!(
        block("## github", "```text\n"),
        formats::to_github(&db, &diags, "lab/"),
        "docs/diagnostics.md's github example"
    );
}

tests!(
    the_documented_examples_are_real,
    every_fixture_validates_against_both_schemas,
    the_schemas_reject_wrong_documents,
    positions_agree_with_the_text_in_characters,
    json_of_a_known_fixture,
    sarif_of_a_known_fixture,
    github_lines_of_a_fixture,
    a_clean_lab_prints_an_empty_result,
    build_with_json_writes_the_tree_only_without_errors,
    build_check_takes_only_the_human_format,
);
