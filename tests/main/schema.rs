//! The schema importer and validator (`src/schema/`) against the `jsonschema` crate: the
//! same objects, checked by labc on the imported set and by jsonschema on the original
//! schema, get the same verdict.
//!
//! The fixtures are the project's own (`tests/schema/`: CRD YAML and a per-kind JSON
//! schema with `$defs`, samples in `samples.yaml`). With `LABC_SHARED_SCHEMAS` naming a
//! folder of real schemas (CI sets it to the shared snapshot), every file there is
//! imported, objects are generated from its schema and mutated, and the verdicts are
//! compared too.
//!
//! Deliberate differences, where labc follows the API server rather than JSON Schema:
//! - a CRD's schema is converted for jsonschema as kubeconform's openapi2jsonschema does
//!   (objects with `properties` closed unless `x-kubernetes-preserve-unknown-fields`,
//!   int-or-string as string or integer, `nullable` as a `null` type, boolean exclusive
//!   bounds as numbers), except that `properties` inside `oneOf`/`anyOf`/`allOf`/`not`
//!   branches are not closed: there they constrain the object, they declare nothing;
//! - preserve-unknown-fields wins over `additionalProperties: false` (the API server's
//!   rule), so the jsonschema side drops such a `false`;
//! - formats jsonschema does not check (`int32`, `byte`) or reads another way
//!   (`duration` is Go's `1h30m` in Kubernetes, ISO 8601's `PT1H` in JSON Schema), list
//!   types `set`/`map` and `x-kubernetes-embedded-resource`: a sample whose verdicts
//!   differ for such a reason says so in `differs`. Generated samples avoid them.

use std::path::{Path, PathBuf};
use std::time::Instant;

use labc::schema::import::{import, import_noted, Options};
use labc::schema::model::{Additional, GroupRule, Node};
use labc::schema::validate::validate;
use labc::schema::{NodeId, SchemaSet};
use serde_json::{json, Map, Value};

const FIXTURES: &str = "tests/schema";

fn fixture_inputs() -> Vec<(String, String)> {
    ["widgets.yaml", "thing.json"]
        .iter()
        .map(|f| {
            let path = format!("{FIXTURES}/{f}");
            let text = std::fs::read_to_string(&path).expect("fixture");
            (path, text)
        })
        .collect()
}

/// A CRD's `openAPIV3Schema` as kubeconform's openapi2jsonschema makes it a JSON schema
/// (see the module comment for where this differs).
fn kubeconform_schema(schema: &mut Value, branch: bool) {
    let Value::Object(obj) = schema else {
        return;
    };
    let preserve = obj.get("x-kubernetes-preserve-unknown-fields") == Some(&json!(true));
    if preserve && obj.get("additionalProperties") == Some(&json!(false)) {
        obj.remove("additionalProperties");
    }
    if !branch && !preserve && obj.contains_key("properties") {
        obj.entry("additionalProperties").or_insert(json!(false));
    }
    if obj.get("x-kubernetes-int-or-string") == Some(&json!(true)) && !obj.contains_key("oneOf") {
        obj.insert(
            "oneOf".into(),
            json!([{"type": "string"}, {"type": "integer"}]),
        );
    }
    if obj.get("nullable") == Some(&json!(true)) {
        if let Some(Value::String(t)) = obj.get("type").cloned() {
            obj.insert("type".into(), json!([t, "null"]));
        }
    }
    for (flag, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        match obj.get(flag) {
            Some(Value::Bool(true)) => {
                let b = obj.remove(bound).unwrap_or(Value::Null);
                obj.insert(flag.into(), b);
            }
            Some(Value::Bool(false)) => {
                obj.remove(flag);
            }
            _ => {}
        }
    }
    for (key, value) in obj.iter_mut() {
        match key.as_str() {
            "properties" | "$defs" | "definitions" => {
                if let Value::Object(props) = value {
                    for sub in props.values_mut() {
                        kubeconform_schema(sub, branch);
                    }
                }
            }
            "additionalProperties" | "items" => kubeconform_schema(value, branch),
            "oneOf" | "anyOf" | "allOf" => {
                if let Value::Array(list) = value {
                    for sub in list {
                        kubeconform_schema(sub, true);
                    }
                }
            }
            "not" => kubeconform_schema(value, true),
            _ => {}
        }
    }
}

/// [`kubeconform_schema`] of a kind's root, which also lets the fields every object has
/// through, as labc's importer does (some CRDs list only `spec` and `status`).
fn kubeconform_root(schema: &mut Value) {
    kubeconform_schema(schema, false);
    if schema.get("additionalProperties") == Some(&json!(false)) {
        if let Some(Value::Object(props)) = schema.get_mut("properties") {
            for (field, ty) in [
                ("apiVersion", "string"),
                ("kind", "string"),
                ("metadata", "object"),
            ] {
                props.entry(field).or_insert(json!({"type": ty}));
            }
        }
    }
}

/// The jsonschema validator of a schema, formats checked.
fn jsonschema_of(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .unwrap_or_else(|e| panic!("not a schema: {e}"))
}

/// (apiVersion, kind) -> the JSON schema jsonschema checks, for the fixtures.
fn fixture_json_schemas() -> Vec<((String, String), Value)> {
    let mut out = Vec::new();
    for (path, text) in fixture_inputs() {
        if path.ends_with(".json") {
            let mut schema: Value = serde_json::from_str(&text).unwrap();
            kubeconform_root(&mut schema);
            out.push((("things.example.com/v2".into(), "Thing".into()), schema));
            continue;
        }
        for doc in serde_yaml::Deserializer::from_str(&text) {
            let crd: Value = serde::Deserialize::deserialize(doc).unwrap();
            let group = crd["spec"]["group"].as_str().unwrap().to_string();
            let kind = crd["spec"]["names"]["kind"].as_str().unwrap().to_string();
            for version in crd["spec"]["versions"].as_array().unwrap() {
                let mut schema = version["schema"]["openAPIV3Schema"].clone();
                kubeconform_root(&mut schema);
                let api = format!("{group}/{}", version["name"].as_str().unwrap());
                out.push(((api, kind.clone()), schema));
            }
        }
    }
    out
}

/// Each sample of `samples.yaml` gets labc's expected verdict, and jsonschema's is the
/// same unless the sample says why it differs.
fn fixtures_agree_with_jsonschema() {
    let set = import("fixtures", "1", "tests/schema", &fixture_inputs()).expect("imports");
    let schemas = fixture_json_schemas();
    let text = std::fs::read_to_string(format!("{FIXTURES}/samples.yaml")).unwrap();
    let mut failures = Vec::new();
    let mut count = 0;
    for doc in serde_yaml::Deserializer::from_str(&text) {
        let sample: Value = serde::Deserialize::deserialize(doc).unwrap();
        count += 1;
        let name = sample["name"].as_str().unwrap_or("?");
        let object = &sample["object"];
        let key = match sample["schema"].as_str().and_then(|s| s.split_once(' ')) {
            Some((v, k)) => (v.to_string(), k.to_string()),
            None => (
                object["apiVersion"].as_str().unwrap().to_string(),
                object["kind"].as_str().unwrap().to_string(),
            ),
        };
        let root = set
            .root(&key.0, &key.1)
            .unwrap_or_else(|| panic!("{name}: no schema for {key:?}"));
        let problems = validate(&set, root, object);
        let schema = &schemas.iter().find(|(k, _)| *k == key).unwrap().1;
        let theirs = jsonschema_of(schema).is_valid(object);
        let expected = sample["valid"].as_bool().unwrap();
        let differs = sample.get("differs").is_some();
        if problems.is_empty() != expected {
            failures.push(format!(
                "{name}: labc says {problems:?}, expected valid={expected}"
            ));
        }
        if (theirs == expected) == differs {
            failures.push(format!(
                "{name}: jsonschema says valid={theirs}, labc valid={expected}, differs={differs}"
            ));
        }
    }
    assert!(count >= 40, "only {count} samples");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Served versions only, with the CRD's names; a kind's problems carry their paths.
fn fixture_kinds_and_paths() {
    let set = import("fixtures", "1", "tests/schema", &fixture_inputs()).unwrap();
    assert_eq!(set.served_versions("example.com", "Widget"), vec!["v1"]);
    assert_eq!(
        set.served_versions("example.com", "Gadget"),
        vec!["v1alpha1", "v1"]
    );
    let entry = set.kind("example.com/v1", "Widget").unwrap();
    assert_eq!(entry.plural.as_deref(), Some("widgets"));
    assert_eq!(entry.scope.as_deref(), Some("Namespaced"));
    let root = entry.root;
    let object = json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "spec": {"size": "small", "ports": [{"name": "a", "port": 1, "proto": "TCP"}]}});
    let problems = validate(&set, root, &object);
    let rendered: Vec<String> = problems.iter().map(|p| format!("{:?}", p)).collect();
    assert_eq!(problems.len(), 1, "{rendered:?}");
    assert_eq!(
        problems[0].path,
        vec![
            labc::schema::Seg::Key("spec".into()),
            labc::schema::Seg::Key("ports".into()),
            labc::schema::Seg::Index(0),
            labc::schema::Seg::Key("proto".into()),
        ]
    );
    match &problems[0].what {
        labc::schema::What::UnknownField { field, known } => {
            assert_eq!(field, "proto");
            assert_eq!(known, &["name", "port", "protocol"]);
        }
        other => panic!("{other:?}"),
    }
    // The oneOf of required fields is an exclusive group, exactly one.
    let both = json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "spec": {"size": "small", "source": {"git": {"url": "u"}, "oci": {"ref": "r"}}}});
    let problems = validate(&set, root, &both);
    assert!(
        matches!(&problems[..], [p] if matches!(&p.what,
            labc::schema::What::Exclusive { set, one_required: true, .. } if set.len() == 2)),
        "{problems:?}"
    );
}

/// The same inputs give the same bytes, and a compact text reads back to itself.
fn import_is_deterministic_and_round_trips() {
    let inputs = fixture_inputs();
    let a = import("fixtures", "1", "tests/schema", &inputs)
        .unwrap()
        .to_compact();
    let b = import("fixtures", "1", "tests/schema", &inputs)
        .unwrap()
        .to_compact();
    assert_eq!(a, b);
    let back = SchemaSet::from_compact(&a).unwrap();
    assert_eq!(back.to_compact(), a);
    // A compact file is an input too: merged, it changes nothing.
    let merged = import(
        "fixtures",
        "1",
        "tests/schema",
        &[("fixtures.json".to_string(), a.clone())],
    )
    .unwrap();
    assert_eq!(merged.to_compact(), a);
    // No description text is shipped.
    assert!(
        !a.contains("hand-written"),
        "a description leaked into the compact form"
    );
}

/// What the importer does not check is said, not dropped.
fn unsupported_keywords_are_noted() {
    let crd = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: notes.example.com}
spec:
  group: example.com
  names: {kind: Note, plural: notes}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-validations:
            - rule: self.a == self.b
          properties:
            a: {type: string, format: idn-email}
            b: {type: string, pattern: '^(?!x)'}
            c: {type: object, patternProperties: {"^x": {type: string}}}
"#;
    let imported = import_noted(
        "n",
        "1",
        "test",
        &[("notes.yaml".to_string(), crd.to_string())],
        &Options::default(),
    )
    .unwrap();
    let notes = imported.notes.join("\n");
    for expected in [
        "x-kubernetes-validations",
        "idn-email",
        "(?!x)",
        "patternProperties",
    ] {
        assert!(notes.contains(expected), "no note on {expected}:\n{notes}");
    }
    // The pattern the regex crate cannot compile is kept but not checked.
    let root = imported.set.root("example.com/v1", "Note").unwrap();
    let problems = validate(&imported.set, root, &json!({"b": "xyz"}));
    assert!(problems.is_empty(), "{problems:?}");
}

/// Bad inputs are errors, not panics.
fn bad_inputs_are_errors() {
    let cases = [
        (
            "a.yaml",
            "kind: CustomResourceDefinition\napiVersion: apiextensions.k8s.io/v1\n",
        ),
        (
            "a.yaml",
            "kind: CustomResourceDefinition\napiVersion: apiextensions.k8s.io/v1beta1\nspec: {}\n",
        ),
        ("a.json", "{not json"),
        ("a.yaml", ": : :\n\t-"),
        ("a.json", r#"{"type": "object"}"#),
    ];
    for (path, text) in cases {
        let result = import("x", "1", "t", &[(path.to_string(), text.to_string())]);
        assert!(result.is_err(), "{path}: {text:?} was accepted");
    }
    let twice = [
        (
            "a/example.com/w_v1.json".to_string(),
            r#"{"type": "object"}"#.to_string(),
        ),
        (
            "b/example.com/w_v1.json".to_string(),
            r#"{"type": "string"}"#.to_string(),
        ),
    ];
    let err = import("x", "1", "t", &twice).unwrap_err();
    assert!(err.contains("twice"), "{err}");
}

/// Alternatives that share their branches (through `$ref`s) cost each (branch, value)
/// once, not the size of the schema unfolded, which here is 2^40 nodes.
fn shared_alternatives_stay_linear() {
    let mut defs = Map::new();
    defs.insert("d0".into(), json!({"type": "string"}));
    for k in 1..=40 {
        let below = json!({"$ref": format!("#/$defs/d{}", k - 1)});
        let kind = if k % 2 == 0 { "oneOf" } else { "anyOf" };
        defs.insert(format!("d{k}"), json!({kind: [below, {"allOf": [below]}]}));
    }
    let doc = json!({
        "x-kubernetes-group-version-kind": [{"group": "x.io", "version": "v1", "kind": "Deep"}],
        "type": "object",
        "properties": {"v": {"$ref": "#/$defs/d40"}},
        "$defs": defs,
    });
    let set = import("d", "1", "t", &[("deep.json".into(), doc.to_string())]).unwrap();
    let root = set.root("x.io/v1", "Deep").unwrap();
    let start = Instant::now();
    let problems = validate(&set, root, &json!({"v": 1.5}));
    assert!(!problems.is_empty());
    assert!(validate(&set, root, &json!({"v": "s"})).len() <= 1);
    assert!(start.elapsed().as_secs() < 5, "took {:?}", start.elapsed());
}

/// An OpenAPI v3 document: kinds from x-kubernetes-group-version-kind, `allOf`-wrapped
/// references, the structural rule, and the curated core rules.
fn openapi_documents_and_core_rules() {
    let path = format!("{FIXTURES}/openapi.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let set = import("kubernetes", "1.34", "test", &[(path, text)]).unwrap();
    assert_eq!(
        set.kinds(),
        vec![
            ("policy/v1".to_string(), "PodDisruptionBudget".to_string()),
            ("v1".to_string(), "ResourceQuota".to_string()),
        ]
    );
    let pdb = set.root("policy/v1", "PodDisruptionBudget").unwrap();
    let check = |root, v: Value| validate(&set, root, &v);
    let ok = check(
        pdb,
        json!({"spec": {"minAvailable": 1, "selector": {"matchLabels": {"a": "b"}}}}),
    );
    assert!(ok.is_empty(), "{ok:?}");
    assert!(check(pdb, json!({"spec": {"maxUnavailable": "50%"}})).is_empty());
    let both = check(
        pdb,
        json!({"spec": {"minAvailable": 1, "maxUnavailable": 1}}),
    );
    assert!(
        matches!(&both[..], [p] if matches!(&p.what, labc::schema::What::Exclusive { one_required: false, .. })),
        "{both:?}"
    );
    let typo = check(pdb, json!({"spec": {"selctor": {}}}));
    assert!(
        matches!(&typo[..], [p] if matches!(&p.what, labc::schema::What::UnknownField { field, .. } if field == "selctor")),
        "{typo:?}"
    );
    assert!(!check(pdb, json!({"spec": {"minAvailable": true}})).is_empty());
    let quota = set.root("v1", "ResourceQuota").unwrap();
    assert!(check(
        quota,
        json!({"spec": {"hard": {"cpu": 2, "memory": "4Gi"}}})
    )
    .is_empty());
    let bad = check(quota, json!({"spec": {"hard": {"memory": "4GB"}}}));
    assert!(
        matches!(&bad[..], [p] if matches!(&p.what, labc::schema::What::BadFormat { format, .. } if format == "quantity")),
        "{bad:?}"
    );
}

// ---- The shared schemas (LABC_SHARED_SCHEMAS) ----

/// Every schema file under the folder, sorted.
fn shared_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter(|p| p.file_name().is_some_and(|n| n != "index.json"))
        .collect();
    files.sort();
    files
}

/// Strings tried against a pattern, for generated objects.
const PATTERN_CANDIDATES: &[&str] = &[
    "a",
    "abc",
    "a1",
    "1",
    "10",
    "1Gi",
    "100m",
    "example.com",
    "a-b",
    "A",
    "Abc",
    "http://example.com",
    "https://example.com",
    "10.0.0.1",
    "10.0.0.0/8",
    "1s",
    "5m",
    "1h",
    "v1",
    "a/b",
    "a.b/c",
    "x_y",
    "0",
    "1.0",
    "*",
    "/",
    "/a",
    "a:b",
    "a=b",
    "ab:12",
    "oci://example.com",
    "",
];

/// A value for a string format that every checker takes.
fn format_example(format: &str) -> Option<&'static str> {
    Some(match format {
        "date-time" => "2024-01-31T12:00:00Z",
        "date" => "2024-01-31",
        "ipv4" => "10.0.0.1",
        "ipv6" => "fd00::1",
        "cidr" => "10.0.0.0/8",
        "uri" => "https://example.com/",
        "byte" => "aGVsbG8=",
        "uuid" => "123e4567-e89b-12d3-a456-426614174000",
        "hostname" | "idn-hostname" => "example.com",
        "quantity" => "1Gi",
        "email" | "idn-email" => "a@example.com",
        _ => return None,
    })
}

/// A plausible object for a node: required fields, a few optional ones, one field of each
/// exclusive group, the first enum value, a string that fits the pattern when one of the
/// candidates does.
fn generate(set: &SchemaSet, id: NodeId, depth: usize) -> Value {
    let node = set.node(id);
    if let Some(first) = node.enum_values.first() {
        return serde_json::from_str(first).unwrap_or(Value::Null);
    }
    if let Some(c) = &node.const_value {
        return serde_json::from_str(c).unwrap_or(Value::Null);
    }
    let base = generate_typed(set, node, depth);
    let branch = node.one_of.first().or(node.any_of.first());
    match (base, branch) {
        (Value::Object(mut fields), Some(b)) => {
            if let Value::Object(more) = generate(set, *b, depth) {
                fields.extend(more);
            }
            Value::Object(fields)
        }
        (Value::Null, Some(b)) => generate(set, *b, depth),
        (base, _) => base,
    }
}

fn generate_typed(set: &SchemaSet, node: &Node, depth: usize) -> Value {
    use labc::schema::Type;
    let types = node.types.list();
    let ty = types
        .iter()
        .find(|t| **t != Type::Null)
        .copied()
        .or_else(|| {
            if !node.properties.is_empty() || node.additional.is_some() {
                Some(Type::Object)
            } else if node.items.is_some() {
                Some(Type::Array)
            } else if node.int_or_string {
                Some(Type::Integer)
            } else {
                None
            }
        });
    match ty {
        Some(Type::Boolean) => json!(true),
        Some(Type::Integer) | Some(Type::Number) => {
            let mut n = node.minimum.map_or(1.0, |m| {
                m.ceil() + f64::from(u8::from(node.exclusive_minimum))
            });
            if let Some(m) = node.multiple_of {
                n = (n / m).ceil() * m;
            }
            if node.maximum.is_some_and(|max| n > max) {
                n = node.maximum.unwrap_or(n);
            }
            json!(n as i64)
        }
        Some(Type::String) => json!(generate_string(set, node)),
        Some(Type::Array) => {
            let count = node.min_items.unwrap_or(1).clamp(1, 2) as usize;
            match node.items {
                Some(items) if depth < 8 => Value::Array(
                    (0..count)
                        .map(|_| generate(set, items, depth + 1))
                        .take(1)
                        .collect(),
                ),
                _ => json!([]),
            }
        }
        Some(Type::Object) => generate_object(set, node, depth),
        Some(Type::Null) | None => Value::Null,
    }
}

fn generate_string(set: &SchemaSet, node: &Node) -> String {
    if let Some(example) = node.format.as_deref().and_then(format_example) {
        return example.to_string();
    }
    if let Some(p) = node.pattern {
        if let Some(re) = set.regex(p) {
            if let Some(c) = PATTERN_CANDIDATES.iter().find(|c| re.is_match(c)) {
                return c.to_string();
            }
        }
    }
    let min = node.min_length.unwrap_or(1).max(1) as usize;
    "a".repeat(min.min(64))
}

fn generate_object(set: &SchemaSet, node: &Node, depth: usize) -> Value {
    let mut fields = Map::new();
    // Fields of exclusive groups past the first are left out.
    let left_out: Vec<&str> = node
        .groups
        .iter()
        .flat_map(|g| g.fields.iter().skip(1).map(String::as_str))
        .collect();
    let wanted: Vec<&str> = node
        .groups
        .iter()
        .filter(|g| g.rule != GroupRule::AtMostOne)
        .filter_map(|g| g.fields.first().map(String::as_str))
        .collect();
    for (name, child) in &node.properties {
        let required = node.required.contains(name) || wanted.contains(&name.as_str());
        let room = node.max_properties.map_or(12, |m| m as usize).min(12);
        let optional_ok = depth < 5 && fields.len() < room && !left_out.contains(&name.as_str());
        if required || optional_ok {
            fields.insert(name.clone(), generate(set, *child, depth + 1));
        }
    }
    for name in &node.required {
        if !fields.contains_key(name) && node.property(name).is_none() {
            fields.insert(name.clone(), json!("a"));
        }
    }
    if let Some(Additional::Node(extra)) = node.additional {
        if depth < 5
            && node
                .max_properties
                .is_none_or(|m| fields.len() < m as usize)
        {
            fields.insert("key".into(), generate(set, extra, depth + 1));
        }
    }
    if node
        .min_properties
        .is_some_and(|m| fields.len() < m as usize)
    {
        // One optional field, when the object must have some.
        if let Some((name, child)) = node
            .properties
            .iter()
            .find(|(n, _)| !fields.contains_key(n))
        {
            fields.insert(name.clone(), generate(set, *child, depth + 1));
        }
    }
    if node.embedded_resource {
        fields.insert("apiVersion".into(), json!("v1"));
        fields.insert("kind".into(), json!("ConfigMap"));
    }
    // Drop nulls: a field generated as null is one no type was found for.
    fields.retain(|_, v| !v.is_null());
    Value::Object(fields)
}

/// The places of `value` where a mutation makes it invalid, found by walking it with
/// its schema: closed objects (unknown field), string leaves (wrong type), enum leaves,
/// and objects with a required field set (missing).
#[derive(Default)]
struct Sites {
    closed: Vec<Vec<String>>,
    strings: Vec<Vec<String>>,
    enums: Vec<Vec<String>>,
    required: Vec<(Vec<String>, String)>,
}

fn find_sites(
    set: &SchemaSet,
    id: NodeId,
    value: &Value,
    path: &mut Vec<String>,
    sites: &mut Sites,
) {
    let node = set.node(id);
    if !node.one_of.is_empty() || !node.any_of.is_empty() || !node.all_of.is_empty() {
        // Inside alternatives, a mutation's verdict depends on the other branches.
        return;
    }
    match value {
        Value::Object(fields) => {
            if node.additional == Some(Additional::Closed) && !node.preserve_unknown {
                sites.closed.push(path.clone());
            }
            for r in &node.required {
                if fields.contains_key(r) && node.groups.is_empty() {
                    sites.required.push((path.clone(), r.clone()));
                }
            }
            for (k, v) in fields {
                if let Some(child) = node.property(k) {
                    path.push(k.clone());
                    find_sites(set, child, v, path, sites);
                    path.pop();
                }
            }
        }
        Value::String(_)
            if !node.int_or_string && node.types.list() == [labc::schema::Type::String] =>
        {
            if node.enum_values.is_empty() {
                sites.strings.push(path.clone());
            } else {
                sites.enums.push(path.clone());
            }
        }
        _ => {}
    }
}

fn at_path<'v>(value: &'v mut Value, path: &[String]) -> &'v mut Value {
    path.iter().fold(value, |v, k| &mut v[k.as_str()])
}

/// The generated object and its mutations, each named.
fn samples_of(set: &SchemaSet, root: NodeId) -> Vec<(String, Value)> {
    let valid = generate(set, root, 0);
    let mut sites = Sites::default();
    find_sites(set, root, &valid, &mut Vec::new(), &mut sites);
    let mut out = vec![("generated".to_string(), valid.clone())];
    let pick = |list: &[Vec<String>]| list.last().cloned();
    if let Some(path) = pick(&sites.closed) {
        let mut v = valid.clone();
        if let Value::Object(map) = at_path(&mut v, &path) {
            map.insert("zzUnknownField".into(), json!(1));
        }
        out.push((format!("unknown field at {path:?}"), v));
    }
    if let Some(path) = pick(&sites.strings) {
        let mut v = valid.clone();
        *at_path(&mut v, &path) = json!({"wrong": "type"});
        out.push((format!("wrong type at {path:?}"), v));
    }
    if let Some(path) = pick(&sites.enums) {
        let mut v = valid.clone();
        *at_path(&mut v, &path) = json!("zz-not-in-enum");
        out.push((format!("enum at {path:?}"), v));
    }
    if let Some((path, field)) = sites.required.last().cloned() {
        let mut v = valid.clone();
        if let Value::Object(map) = at_path(&mut v, &path) {
            map.remove(&field);
        }
        out.push((format!("missing {field} at {path:?}"), v));
    }
    out
}

/// Every file of LABC_SHARED_SCHEMAS: imported, re-exported stably, and generated and
/// mutated objects judged as jsonschema judges them on the original file.
fn shared_schemas_agree_with_jsonschema() {
    let Some(dir) = std::env::var_os("LABC_SHARED_SCHEMAS") else {
        println!(
            "schema::shared_schemas_agree_with_jsonschema: LABC_SHARED_SCHEMAS is not set; skipped"
        );
        return;
    };
    let files = shared_files(Path::new(&dir));
    assert!(!files.is_empty(), "no schema files under {dir:?}");
    let start = Instant::now();
    let mut failures = Vec::new();
    let mut compared = 0;
    // How many generated objects labc finds valid, and how many mutations invalid: the
    // comparison means little unless both are most of them.
    let (mut generated, mut generated_valid, mut mutated, mut mutated_invalid) = (0, 0, 0, 0);
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let path = file.display().to_string();
        let set = match import("shared", "1", &path, &[(path.clone(), text.clone())]) {
            Ok(set) => set,
            Err(e) => {
                failures.push(format!("{path}: {e}"));
                continue;
            }
        };
        let compact = set.to_compact();
        let again = SchemaSet::from_compact(&compact).map(|s| s.to_compact());
        if again.as_ref() != Ok(&compact) {
            failures.push(format!(
                "{path}: the compact form does not read back to itself"
            ));
        }
        let mut schema: Value = serde_json::from_str(&text).unwrap();
        kubeconform_root(&mut schema);
        let theirs = jsonschema_of(&schema);
        for (api_version, kind) in set.kinds() {
            let root = set.root(&api_version, &kind).unwrap();
            for (what, mut object) in samples_of(&set, root) {
                if let Value::Object(map) = &mut object {
                    map.insert("apiVersion".into(), json!(api_version));
                    map.insert("kind".into(), json!(kind));
                }
                let ours = validate(&set, root, &object);
                compared += 1;
                if what == "generated" {
                    generated += 1;
                    generated_valid += usize::from(ours.is_empty());
                    if !ours.is_empty() && std::env::var_os("LABC_SCHEMA_DEBUG").is_some() {
                        println!("{path}: generated {:?}", &ours[..1]);
                    }
                } else {
                    mutated += 1;
                    mutated_invalid += usize::from(!ours.is_empty());
                }
                if ours.is_empty() != theirs.is_valid(&object) {
                    let why: Vec<String> = theirs
                        .iter_errors(&object)
                        .map(|e| format!("{e} at {}", e.instance_path()))
                        .take(3)
                        .collect();
                    failures.push(format!("{path} {what}: labc {ours:?}, jsonschema {why:?}"));
                }
            }
        }
    }
    println!(
        "{compared} objects compared over {} files in {:?}: {generated_valid} of {generated} \
         generated valid, {mutated_invalid} of {mutated} mutations invalid",
        files.len(),
        start.elapsed()
    );
    assert!(
        generated_valid * 10 >= generated * 9,
        "too few generated objects are valid"
    );
    assert!(
        mutated_invalid * 10 >= mutated * 9,
        "too few mutations are invalid"
    );
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

tests!(
    fixtures_agree_with_jsonschema,
    fixture_kinds_and_paths,
    import_is_deterministic_and_round_trips,
    unsupported_keywords_are_noted,
    bad_inputs_are_errors,
    shared_alternatives_stay_linear,
    openapi_documents_and_core_rules,
    shared_schemas_agree_with_jsonschema,
);
