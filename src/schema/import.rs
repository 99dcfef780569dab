//! The importer: CRD YAML, per-kind JSON schemas, core Kubernetes schemas with `$defs`,
//! OpenAPI v3 documents and compact files, into one [`SchemaSet`].
//!
//! Each input is recognised by its content: a YAML or JSON `CustomResourceDefinition`
//! (or a `List` of them; every served version of `spec.versions[]`), a compact file
//! (merged), an OpenAPI v3 document (`components.schemas`, kinds from
//! `x-kubernetes-group-version-kind`), or the JSON schema of one kind (kubeconform's
//! layouts: `<group>/<kind>_<version>.json` as in the CRD catalog, `<kind>-<group>-<version>.json`
//! as in kubernetes-json-schema, or a schema that names its kind). Nothing is dropped
//! without a word: what the model cannot hold is returned as notes.

use super::convert::{Converter, Notes};
use super::model::{Additional, Builder, Copier, KindEntry, Node, NodeId, Types};
use super::{SchemaSet, Type};
use serde::Deserialize;
use serde_json::Value;

/// A set and what the import could not carry over.
#[derive(Debug)]
pub struct Imported {
    pub set: SchemaSet,
    /// One line per kind of loss (a keyword not checked, a file skipped), with counts.
    pub notes: Vec<String>,
}

/// What the inputs cannot say themselves.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The spelling of kinds whose schema file names them in lower case only (the CRD
    /// catalog's `certificate_v1.json` is `Certificate`).
    pub kinds: Vec<String>,
}

/// Imports `inputs` (path, text) into a set named `name` at `version`, from `source`.
pub fn import(
    name: &str,
    version: &str,
    source: &str,
    inputs: &[(String, String)],
) -> Result<SchemaSet, String> {
    import_noted(name, version, source, inputs, &Options::default()).map(|i| i.set)
}

/// [`import`], with the notes and the options.
pub fn import_noted(
    name: &str,
    version: &str,
    source: &str,
    inputs: &[(String, String)],
    options: &Options,
) -> Result<Imported, String> {
    let mut importer = Importer {
        builder: Builder::default(),
        notes: Notes::default(),
        kinds: Vec::new(),
        options,
    };
    for (path, text) in inputs {
        importer
            .input(path, text)
            .map_err(|e| format!("{path}: {e}"))?;
    }
    let set = importer.builder.finish(
        name.to_string(),
        version.to_string(),
        source.to_string(),
        importer.kinds,
    );
    Ok(Imported {
        set,
        notes: importer.notes.into_lines(),
    })
}

struct Importer<'o> {
    builder: Builder,
    notes: Notes,
    kinds: Vec<KindEntry>,
    options: &'o Options,
}

impl Importer<'_> {
    fn input(&mut self, path: &str, text: &str) -> Result<(), String> {
        if path.to_ascii_lowercase().ends_with(".json") {
            let doc: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
            return self.json_document(path, doc, text);
        }
        for (n, doc) in serde_yaml::Deserializer::from_str(text).enumerate() {
            let doc = Value::deserialize(doc).map_err(|e| format!("document {}: {e}", n + 1))?;
            if doc.is_null() {
                continue;
            }
            self.object(path, &doc, n + 1)?;
        }
        Ok(())
    }

    fn json_document(&mut self, path: &str, doc: Value, text: &str) -> Result<(), String> {
        let has = |k: &str| doc.get(k).is_some();
        if has("nodes") && has("kinds") && has("name") {
            return self.compact(text);
        }
        if has("openapi") || doc.pointer("/components/schemas").is_some() {
            return self.openapi(path, &doc);
        }
        if has("swagger") {
            return Err("OpenAPI v2 (swagger) documents are not read; use the v3 document".into());
        }
        if doc.get("kind").and_then(Value::as_str).is_some() && doc.get("apiVersion").is_some() {
            return self.object(path, &doc, 1);
        }
        let looks_like_schema = ["type", "properties", "$defs", "oneOf", "anyOf", "allOf"]
            .iter()
            .any(|k| has(k));
        if !looks_like_schema {
            self.notes.add(
                "a JSON file that is not a schema was skipped".into(),
                || path.into(),
            );
            return Ok(());
        }
        self.kind_schema(path, &doc)
    }

    /// A Kubernetes object of a YAML stream or a JSON file: a CRD or a list of them.
    fn object(&mut self, path: &str, doc: &Value, n: usize) -> Result<(), String> {
        match doc.get("kind").and_then(Value::as_str) {
            Some("CustomResourceDefinition") => self.crd(path, doc),
            Some(list) if list.ends_with("List") => {
                let items = doc.get("items").and_then(Value::as_array);
                for item in items.into_iter().flatten() {
                    self.object(path, item, n)?;
                }
                Ok(())
            }
            other => {
                let what = other.unwrap_or("document without a kind");
                self.notes.add(
                    format!("a {what} is not a CustomResourceDefinition; skipped"),
                    || format!("{path} document {n}"),
                );
                Ok(())
            }
        }
    }

    fn crd(&mut self, path: &str, doc: &Value) -> Result<(), String> {
        let api = doc.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        if api != "apiextensions.k8s.io/v1" {
            return Err(format!(
                "a CustomResourceDefinition of {api:?}: only apiextensions.k8s.io/v1 is read"
            ));
        }
        let spec = doc.get("spec").ok_or("a CRD without spec")?;
        let text = |p: &str| spec.pointer(p).and_then(Value::as_str).map(str::to_string);
        let group = text("/group").ok_or("a CRD without spec.group")?;
        let kind = text("/names/kind").ok_or("a CRD without spec.names.kind")?;
        let versions = spec
            .get("versions")
            .and_then(Value::as_array)
            .ok_or("a CRD without spec.versions")?;
        for version in versions {
            let name = version.get("name").and_then(Value::as_str).unwrap_or("");
            if version.get("served").and_then(Value::as_bool) != Some(true) {
                continue;
            }
            let api_version = format!("{group}/{name}");
            let Some(schema) = version.pointer("/schema/openAPIV3Schema") else {
                self.notes.add(
                    format!("{api_version} {kind} has no schema; it is left out"),
                    || path.into(),
                );
                continue;
            };
            let label = format!("{api_version} {kind}");
            let root = Converter::new(&mut self.builder, &mut self.notes, None, false, label)
                .convert(schema, false);
            self.add_kind(KindEntry {
                api_version,
                kind: kind.clone(),
                root,
                plural: text("/names/plural"),
                scope: text("/scope"),
            })?;
        }
        Ok(())
    }

    fn compact(&mut self, text: &str) -> Result<(), String> {
        let other = SchemaSet::from_compact(text)?;
        let mut copier = Copier::default();
        for entry in other.kind_entries() {
            let root = copier.copy(&mut self.builder, &other, entry.root);
            self.add_kind(KindEntry {
                root,
                ..entry.clone()
            })?;
        }
        Ok(())
    }

    fn openapi(&mut self, path: &str, doc: &Value) -> Result<(), String> {
        let schemas = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .ok_or("an OpenAPI document without components.schemas")?;
        let mut converter = Converter::new(
            &mut self.builder,
            &mut self.notes,
            Some(schemas),
            true,
            path.to_string(),
        );
        let mut found = Vec::new();
        for (name, schema) in schemas {
            for (api_version, kind) in group_version_kinds(schema) {
                let root = converter.definition(name);
                found.push(KindEntry {
                    api_version,
                    kind,
                    root,
                    plural: None,
                    scope: None,
                });
            }
        }
        for entry in found {
            self.add_kind(entry)?;
        }
        Ok(())
    }

    /// The JSON schema of one kind (perhaps with its `$defs`, as core schemas have).
    fn kind_schema(&mut self, path: &str, doc: &Value) -> Result<(), String> {
        let named = self.kind_names(path, doc)?;
        let defs = doc
            .get("$defs")
            .or_else(|| doc.get("definitions"))
            .and_then(Value::as_object);
        let core = defs.is_some_and(|d| d.keys().any(|k| k.starts_with("io.k8s.")));
        let label = named
            .first()
            .map(|(v, k)| format!("{v} {k}"))
            .unwrap_or_default();
        let root = Converter::new(&mut self.builder, &mut self.notes, defs, core, label)
            .convert(doc, false);
        for (api_version, kind) in named {
            self.add_kind(KindEntry {
                api_version,
                kind,
                root,
                plural: None,
                scope: None,
            })?;
        }
        Ok(())
    }

    /// The (apiVersion, kind) a kind's schema is for: from the schema when it says
    /// (`x-kubernetes-group-version-kind`, or one-value `enum`s on `apiVersion` and
    /// `kind`), else from the file name.
    fn kind_names(&mut self, path: &str, doc: &Value) -> Result<Vec<(String, String)>, String> {
        let gvks = group_version_kinds(doc);
        if !gvks.is_empty() {
            return Ok(gvks);
        }
        let single = |field: &str| {
            let values = doc
                .pointer(&format!("/properties/{field}/enum"))?
                .as_array()?;
            match values.as_slice() {
                [Value::String(s)] => Some(s.clone()),
                _ => None,
            }
        };
        if let (Some(v), Some(k)) = (single("apiVersion"), single("kind")) {
            return Ok(vec![(v, k)]);
        }
        let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
        let stem = file.strip_suffix(".json").unwrap_or(file);
        let parent = path
            .rsplit(['/', '\\'])
            .nth(1)
            .filter(|dir| dir.contains('.'));
        let (kind, api_version) = if let Some((kind, version)) = stem.split_once('_') {
            let group = parent.ok_or_else(|| {
                format!("cannot tell the group of {file}: put it in a folder named after the group")
            })?;
            (kind, format!("{group}/{version}"))
        } else {
            let parts: Vec<&str> = stem.split('-').collect();
            match parts.as_slice() {
                [kind, version] => (*kind, version.to_string()),
                [kind, group, version] => (*kind, format!("{group}/{version}")),
                _ => {
                    return Err(format!(
                        "cannot tell the kind of {file}: name it <kind>_<version>.json in a \
                         folder named after the group, or give the schema \
                         x-kubernetes-group-version-kind"
                    ))
                }
            }
        };
        Ok(vec![(api_version, self.spelling(kind, path))])
    }

    /// A kind named in lower case by its file, as the options spell it.
    fn spelling(&mut self, lower: &str, path: &str) -> String {
        if let Some(k) = self
            .options
            .kinds
            .iter()
            .find(|k| k.eq_ignore_ascii_case(lower))
        {
            return k.clone();
        }
        if lower.chars().all(|c| !c.is_ascii_uppercase()) {
            self.notes.add(
                format!(
                    "kind `{lower}` is spelled as its file name; give its spelling with --kind"
                ),
                || path.into(),
            );
        }
        lower.to_string()
    }

    fn add_kind(&mut self, mut entry: KindEntry) -> Result<(), String> {
        entry.root = self.with_object_fields(entry.root);
        let same = self
            .kinds
            .iter()
            .find(|k| k.api_version == entry.api_version && k.kind == entry.kind);
        match same {
            Some(old) if old.root == entry.root => Ok(()),
            Some(_) => Err(format!(
                "{} {} is given twice, with different schemas",
                entry.api_version, entry.kind
            )),
            None => {
                self.kinds.push(entry);
                Ok(())
            }
        }
    }
}

impl Importer<'_> {
    /// A kind's root that lets `apiVersion`, `kind` and `metadata` through: every object
    /// has them, and a closed root that does not list them (some CRDs list only `spec`
    /// and `status`) would refuse every object. Added as a string, a string and an open
    /// object.
    fn with_object_fields(&mut self, root: NodeId) -> NodeId {
        let node = self.builder.get(root);
        let missing: Vec<&str> = ["apiVersion", "kind", "metadata"]
            .into_iter()
            .filter(|f| node.property(f).is_none())
            .collect();
        if node.additional != Some(Additional::Closed) || missing.is_empty() {
            return root;
        }
        let mut node = node.clone();
        for field in missing {
            let ty = if field == "metadata" {
                Type::Object
            } else {
                Type::String
            };
            let child = self.builder.intern(Node {
                types: Types::of(&[ty]),
                ..Node::default()
            });
            node.properties.push((field.to_string(), child));
        }
        node.properties.sort_by(|a, b| a.0.cmp(&b.0));
        self.builder.intern(node)
    }
}

/// The kinds a schema declares with `x-kubernetes-group-version-kind`.
fn group_version_kinds(schema: &Value) -> Vec<(String, String)> {
    let list = schema
        .get("x-kubernetes-group-version-kind")
        .and_then(Value::as_array);
    list.into_iter()
        .flatten()
        .filter_map(|gvk| {
            let field = |k: &str| gvk.get(k).and_then(Value::as_str);
            let (group, version, kind) = (field("group")?, field("version")?, field("kind")?);
            let api_version = if group.is_empty() {
                version.to_string()
            } else {
                format!("{group}/{version}")
            };
            Some((api_version, kind.to_string()))
        })
        .collect()
}
