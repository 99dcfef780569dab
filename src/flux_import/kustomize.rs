//! A kustomize build of one directory of the repository map, offline: `resources` (files
//! and directories), `components`, `configMapGenerator`, `namespace`, the label and
//! annotation transformers (`transform.rs`), and patches (strategic merge as a keyed
//! merge, JSON 6902 `add`/`replace`/`remove`; a component's patches reach its own resources
//! only). One object twice in a build is an error, as kustomize refuses it. Everything
//! else a `kustomization.yaml` may say is reported as skipped. Paths stay inside the
//! repository and directories are never entered twice on one chain (a cycle is reported,
//! not followed).

use serde_yaml::{Mapping, Value};

use super::{Note, Repo};
use crate::sema::kube::CORE_CLUSTER_SCOPED;

/// The keys of a `kustomization.yaml` the build understands.
const KNOWN_KEYS: &[&str] = &[
    "apiVersion",
    "kind",
    "resources",
    "components",
    "namespace",
    "patches",
    "patchesStrategicMerge",
    "bases",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "configMapGenerator",
    "generatorOptions",
];

/// How many directory builds and documents one build may make: a directory included
/// twice on each of thirty levels would otherwise be built 2^30 times.
const DIR_BUDGET: usize = 20_000;
const DOC_BUDGET: usize = 200_000;

/// A document of a file, and the file it came from.
#[derive(Clone, Debug)]
pub struct Doc {
    pub value: Value,
    pub file: String,
}

/// The build of one directory: its documents and what was skipped on the way.
pub struct Build<'a> {
    repo: &'a Repo,
    /// Applied to every file's text before it is parsed (Flux's postBuild substitution).
    subst: &'a dyn Fn(&str) -> String,
    pub notes: Vec<Note>,
    /// Directory builds and documents made so far (see `DIR_BUDGET`).
    spent: (usize, usize),
}

/// `a/./b/../c` -> `a/c`; `None` when the path climbs above the repository root.
pub fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// `base/rel` normalized.
pub fn join(base: &str, rel: &str) -> Option<String> {
    if rel.starts_with('/') {
        return None;
    }
    normalize(&format!("{base}/{rel}"))
}

/// Whether `dir` holds any file of the repository.
pub fn is_dir(repo: &Repo, dir: &str) -> bool {
    let prefix = format!("{dir}/");
    dir.is_empty() || repo.keys().any(|k| k.starts_with(&prefix))
}

pub fn is_yaml(path: &str) -> bool {
    path.ends_with(".yaml") || path.ends_with(".yml")
}

/// The kustomization file of `dir`, if it has one.
pub fn kustomization_file(repo: &Repo, dir: &str) -> Option<String> {
    ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .map(|f| join(dir, f).unwrap_or_default())
        .find(|p| repo.contains_key(p))
}

/// The YAML documents of a text; a document that does not parse is a note and ends the file.
pub fn parse_docs(text: &str, file: &str, notes: &mut Vec<Note>) -> Vec<Doc> {
    let mut out = Vec::new();
    for de in serde_yaml::Deserializer::from_str(text) {
        match serde::Deserialize::deserialize(de) {
            Ok(Value::Null) => {}
            Ok(value) => out.push(Doc {
                value,
                file: file.to_string(),
            }),
            Err(e) => {
                notes.push(Note::error(file, format!("YAML that does not parse: {e}")));
                break;
            }
        }
    }
    out
}

/// Whether objects of `kind` have no namespace: the core kinds, the custom kinds the stdlib
/// declares `cluster`, and `Cluster<Name>` kinds (ClusterIssuer, ClusterSecretStore). Flux
/// drops a namespace kustomize set on one of those when it applies it, so neither
/// `namespace:` nor `targetNamespace` gives them one here.
pub fn cluster_scoped(kind: &str) -> bool {
    let cluster_prefixed = kind
        .strip_prefix("Cluster")
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()));
    CORE_CLUSTER_SCOPED.contains(&kind)
        || cluster_prefixed
        || super::stdlib_crds::cluster_kinds()
            .iter()
            .any(|k| k == kind)
}

/// A scalar as the text it reads as: a string itself, anything else as YAML writes it
/// (`2`, `true`).
pub fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

/// The string at a path of keys (the one `labc diff` uses).
pub use crate::objdiff::str_at;

impl<'a> Build<'a> {
    pub fn new(repo: &'a Repo, subst: &'a dyn Fn(&str) -> String) -> Build<'a> {
        Build {
            repo,
            subst,
            notes: Vec::new(),
            spent: (0, 0),
        }
    }

    fn file_docs(&mut self, path: &str) -> Vec<Doc> {
        if self.spent.1 > DOC_BUDGET {
            return Vec::new();
        }
        let text = (self.subst)(&self.repo[path]);
        let docs = parse_docs(&text, path, &mut self.notes);
        self.spent.1 += docs.len();
        docs
    }

    /// Whether the build may go on; the first refusal is a note, and every later one stops too.
    fn within_budget(&mut self, dir: &str) -> bool {
        if self.spent.0 > DIR_BUDGET {
            return false;
        }
        self.spent.0 += 1;
        if self.spent.0 > DIR_BUDGET || self.spent.1 > DOC_BUDGET {
            self.spent.0 = DIR_BUDGET + 1;
            self.notes.push(Note::error(
                dir,
                "the build grows without end (directories included over and over); stopped",
            ));
            return false;
        }
        true
    }

    /// The objects `kustomize build dir` gives (as Flux does: without a
    /// `kustomization.yaml`, every YAML file below `dir`, and a subdirectory with one as a whole).
    pub fn dir(&mut self, dir: &str, chain: &mut Vec<String>) -> Vec<Doc> {
        if chain.iter().any(|d| d == dir) {
            let cycle = format!("{} -> {dir}", chain.join(" -> "));
            self.notes
                .push(Note::error(dir, format!("kustomize cycle: {cycle}")));
            return Vec::new();
        }
        if !self.within_budget(dir) {
            return Vec::new();
        }
        if !is_dir(self.repo, dir) {
            self.notes.push(Note::error(
                dir,
                "a path that names no directory of the repository",
            ));
            return Vec::new();
        }
        chain.push(dir.to_string());
        let docs = match kustomization_file(self.repo, dir) {
            Some(k) => self.kustomization(dir, &k, chain),
            None => self.generated(dir, chain),
        };
        chain.pop();
        docs
    }

    /// What a Flux Kustomization applies: `dir` built, then its own `spec.components`
    /// (relative to `dir`) and `spec.patches`, which Flux adds to the build.
    pub fn flux(&mut self, dir: &str, spec: &Value, file: &str) -> Vec<Doc> {
        let mut docs = self.dir(dir, &mut Vec::new());
        for entry in list_of_str(spec.get("components")) {
            match join(dir, &entry) {
                Some(sub) => docs.extend(self.dir(&sub, &mut vec![dir.to_string()])),
                None => self.escape(file, &entry),
            }
        }
        if let Some(patches) = spec.get("patches") {
            let mut k = Mapping::new();
            k.insert("patches".into(), patches.clone());
            self.patches(dir, file, &k, &mut docs);
        }
        docs
    }

    /// Flux's generated kustomization: YAML files directly in `dir` and in subdirectories
    /// without a kustomization file; a subdirectory with one is built as a whole.
    fn generated(&mut self, dir: &str, chain: &mut Vec<String>) -> Vec<Doc> {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let mut sub_builds: Vec<String> = Vec::new();
        let mut docs = Vec::new();
        let files: Vec<String> = self
            .repo
            .keys()
            .filter(|k| k.starts_with(&prefix) && is_yaml(k))
            .cloned()
            .collect();
        for f in files {
            let rel = &f[prefix.len()..];
            // The nearest folder between dir and f that has a kustomization is built whole.
            let mut owner = None;
            let parts: Vec<&str> = rel.split('/').collect();
            for n in 1..parts.len() {
                let sub = format!("{prefix}{}", parts[..n].join("/"));
                if kustomization_file(self.repo, &sub).is_some() {
                    owner = Some(sub);
                    break;
                }
            }
            match owner {
                Some(sub) if !sub_builds.contains(&sub) => {
                    docs.extend(self.dir(&sub, chain));
                    sub_builds.push(sub);
                }
                Some(_) => {}
                None => docs.extend(self.file_docs(&f)),
            }
        }
        self.drop_doubles(dir, &mut docs);
        docs
    }

    fn kustomization(&mut self, dir: &str, file: &str, chain: &mut Vec<String>) -> Vec<Doc> {
        let text = (self.subst)(&self.repo[file]);
        let k = match serde_yaml::from_str::<Value>(&text) {
            Ok(Value::Mapping(m)) => m,
            Ok(_) => Mapping::new(),
            Err(e) => {
                self.notes
                    .push(Note::error(file, format!("YAML that does not parse: {e}")));
                return Vec::new();
            }
        };
        for key in k.keys().filter_map(Value::as_str) {
            if !KNOWN_KEYS.contains(&key) {
                self.notes.push(Note::skipped(
                    file,
                    format!("kustomize `{key}` is not applied by the importer"),
                ));
            }
        }
        let mut docs = Vec::new();
        for key in ["resources", "bases"] {
            for entry in list_of_str(k.get(key)) {
                docs.extend(self.resource(dir, file, &entry, chain));
            }
        }
        for entry in list_of_str(k.get("components")) {
            match join(dir, &entry) {
                // A component's own patches reach only its own resources here (kustomize
                // applies them to the including build too); said in the module comment.
                Some(sub) => docs.extend(self.dir(&sub, chain)),
                None => self.escape(file, &entry),
            }
        }
        self.generate(dir, file, &k, &mut docs);
        self.drop_doubles(file, &mut docs);
        if let Some(ns) = k.get("namespace").and_then(Value::as_str) {
            for d in &mut docs {
                set_namespace(&mut d.value, ns);
            }
        }
        let mut values: Vec<Value> = docs.iter().map(|d| d.value.clone()).collect();
        super::transform::labels(&k, &mut values);
        super::transform::annotations(&k, &mut values);
        for (d, v) in docs.iter_mut().zip(values) {
            d.value = v;
        }
        self.patches(dir, file, &k, &mut docs);
        docs
    }

    /// The ConfigMaps of the kustomization's `configMapGenerator`, its files read (and
    /// substituted, as Flux substitutes the whole build) from the repository.
    fn generate(&mut self, dir: &str, file: &str, k: &Mapping, docs: &mut Vec<Doc>) {
        let (repo, subst) = (self.repo, self.subst);
        let mut read = |rel: &str| {
            let path = join(dir, rel)?;
            repo.get(&path).map(|t| subst(t))
        };
        let (maps, lost) = super::transform::config_maps(k, &mut read);
        for l in lost {
            self.notes.push(Note::untyped(file, l));
        }
        docs.extend(maps.into_iter().map(|value| Doc {
            file: file.to_string(),
            value,
        }));
    }

    /// Kustomize refuses a build that holds one object twice (same group, kind, namespace
    /// and name), so Flux fails that Kustomization: an error, and the first one kept.
    fn drop_doubles(&mut self, file: &str, docs: &mut Vec<Doc>) {
        let mut seen: Vec<(String, String, String, String)> = Vec::new();
        docs.retain(|d| {
            let v = &d.value;
            let (Some(kind), Some(name)) = (str_at(v, &["kind"]), str_at(v, &["metadata", "name"]))
            else {
                return true;
            };
            let api = str_at(v, &["apiVersion"]).unwrap_or_default();
            let group = api.rsplit_once('/').map(|(g, _)| g).unwrap_or_default();
            let ns = str_at(v, &["metadata", "namespace"]).unwrap_or_default();
            let id = (group.into(), kind.into(), ns.into(), name.into());
            if !seen.contains(&id) {
                seen.push(id);
                return true;
            }
            self.notes.push(Note::error(
                file,
                format!("{kind} `{name}` twice in one build ({}): kustomize refuses it, so Flux fails this Kustomization (a defect of the repository); the first kept", d.file),
            ));
            false
        });
    }

    fn escape(&mut self, file: &str, entry: &str) {
        self.notes.push(Note::error(
            file,
            format!("`{entry}` leads outside the repository; not followed"),
        ));
    }

    fn resource(
        &mut self,
        dir: &str,
        file: &str,
        entry: &str,
        chain: &mut Vec<String>,
    ) -> Vec<Doc> {
        if entry.contains("://") || entry.starts_with("github.com/") {
            self.notes.push(Note::skipped(
                file,
                format!("remote resource `{entry}` is not fetched (offline import)"),
            ));
            return Vec::new();
        }
        let Some(path) = join(dir, entry) else {
            self.escape(file, entry);
            return Vec::new();
        };
        if self.repo.contains_key(&path) {
            self.file_docs(&path)
        } else if is_dir(self.repo, &path) {
            self.dir(&path, chain)
        } else {
            self.notes.push(Note::error(
                file,
                format!("resource `{entry}` names no file or directory of the repository"),
            ));
            Vec::new()
        }
    }

    fn patches(&mut self, dir: &str, file: &str, k: &Mapping, docs: &mut [Doc]) {
        let mut all: Vec<(Value, Option<Value>)> = Vec::new();
        for p in k
            .get("patches")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            let target = p.get("target").cloned();
            let body = if let Some(text) = p.get("patch").and_then(Value::as_str) {
                serde_yaml::from_str::<Value>(text).ok()
            } else if let Some(rel) = p.get("path").and_then(Value::as_str) {
                self.patch_file(dir, file, rel)
            } else {
                None
            };
            match body {
                Some(b) => all.push((b, target)),
                None => self
                    .notes
                    .push(Note::skipped(file, "a patch the importer cannot read")),
            }
        }
        for rel in list_of_str(k.get("patchesStrategicMerge")) {
            if let Some(b) = self.patch_file(dir, file, &rel) {
                all.push((b, None));
            }
        }
        for (body, target) in all {
            let hits = apply_patch(docs, &body, target.as_ref());
            if hits == 0 {
                self.notes.push(Note::skipped(
                    file,
                    "a patch that matches no object of the build",
                ));
            }
        }
    }

    fn patch_file(&mut self, dir: &str, file: &str, rel: &str) -> Option<Value> {
        let Some(path) = join(dir, rel) else {
            self.escape(file, rel);
            return None;
        };
        let text = self.repo.get(&path).map(|t| (self.subst)(t));
        let Some(text) = text else {
            self.notes
                .push(Note::error(file, format!("patch `{rel}` names no file")));
            return None;
        };
        serde_yaml::from_str(&text).ok()
    }
}

fn list_of_str(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|e| e.as_str().map(str::to_string))
        .collect()
}

pub fn set_namespace(v: &mut Value, ns: &str) {
    let kind = v.get("kind").and_then(Value::as_str).unwrap_or_default();
    if cluster_scoped(kind) {
        return;
    }
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_mapping_mut) {
        meta.insert("namespace".into(), ns.into());
    }
}

/// Whether a document matches a patch target (`kind`, `name`, `namespace`, `group`, `version`).
fn matches(doc: &Value, target: &Value) -> bool {
    let api = str_at(doc, &["apiVersion"]).unwrap_or_default();
    let (group, version) = api.rsplit_once('/').unwrap_or(("", api));
    let checks = [
        ("kind", str_at(doc, &["kind"]).unwrap_or_default()),
        (
            "name",
            str_at(doc, &["metadata", "name"]).unwrap_or_default(),
        ),
        (
            "namespace",
            str_at(doc, &["metadata", "namespace"]).unwrap_or_default(),
        ),
        ("group", group),
        ("version", version),
    ];
    checks.iter().all(|(key, have)| {
        target
            .get(*key)
            .and_then(Value::as_str)
            .is_none_or(|want| want == *have)
    })
}

/// Apply one patch; the number of objects it changed.
fn apply_patch(docs: &mut [Doc], body: &Value, target: Option<&Value>) -> usize {
    let mut hits = 0;
    for d in docs.iter_mut() {
        if let Value::Sequence(ops) = body {
            if target.is_some_and(|t| matches(&d.value, t)) {
                ops.iter().for_each(|op| json6902(&mut d.value, op));
                hits += 1;
            }
            continue;
        }
        let own_target = || {
            let mut t = Mapping::new();
            for (k, path) in [("kind", &["kind"][..]), ("name", &["metadata", "name"][..])] {
                if let Some(s) = str_at(body, path) {
                    t.insert(k.into(), s.into());
                }
            }
            Value::Mapping(t)
        };
        let hit = match target {
            Some(t) => matches(&d.value, t),
            None => matches(&d.value, &own_target()),
        };
        if hit {
            let mut patch = body.clone();
            if target.is_some() {
                // A targeted patch's own name and kind are placeholders.
                if let Some(m) = patch.as_mapping_mut() {
                    m.remove("apiVersion");
                    m.remove("kind");
                    m.remove("metadata");
                    if let Some(meta) = body.get("metadata").and_then(Value::as_mapping) {
                        let mut meta = meta.clone();
                        meta.remove("name");
                        meta.remove("namespace");
                        if !meta.is_empty() {
                            m.insert("metadata".into(), Value::Mapping(meta));
                        }
                    }
                }
            }
            merge(&mut d.value, &patch);
            hits += 1;
        }
    }
    hits
}

/// A strategic merge, approximated: maps merge, `null` removes, lists of maps that all
/// have a `name` merge by name, other lists replace.
pub fn merge(into: &mut Value, patch: &Value) {
    match (into, patch) {
        (Value::Mapping(a), Value::Mapping(b)) => {
            for (k, v) in b {
                if v.is_null() {
                    a.remove(k);
                } else if let Some(old) = a.get_mut(k) {
                    merge(old, v);
                } else {
                    a.insert(k.clone(), v.clone());
                }
            }
        }
        (Value::Sequence(a), Value::Sequence(b)) if keyed(a) && keyed(b) => {
            for item in b {
                let name = item.get("name");
                match a.iter_mut().find(|x| x.get("name") == name) {
                    Some(old) => merge(old, item),
                    None => a.push(item.clone()),
                }
            }
        }
        (into, patch) => *into = patch.clone(),
    }
}

fn keyed(list: &[Value]) -> bool {
    !list.is_empty()
        && list
            .iter()
            .all(|v| v.get("name").is_some_and(Value::is_string))
}

/// One JSON 6902 operation (`add`, `replace`, `remove`); others are ignored.
fn json6902(doc: &mut Value, op: &Value) {
    let (Some(kind), Some(path)) = (str_at(op, &["op"]), str_at(op, &["path"])) else {
        return;
    };
    let parts: Vec<String> = path
        .split('/')
        .skip(1)
        .map(|p| p.replace("~1", "/").replace("~0", "~"))
        .collect();
    let Some((last, parents)) = parts.split_last() else {
        return;
    };
    let mut at = doc;
    for p in parents {
        let next = match at {
            Value::Mapping(m) => m.get_mut(p.as_str()),
            Value::Sequence(s) => p.parse::<usize>().ok().and_then(|i| s.get_mut(i)),
            _ => None,
        };
        match next {
            Some(n) => at = n,
            None => return,
        }
    }
    let value = op.get("value").cloned().unwrap_or(Value::Null);
    match (at, kind) {
        (Value::Mapping(m), "add" | "replace") => {
            m.insert(last.as_str().into(), value);
        }
        (Value::Mapping(m), "remove") => {
            m.remove(last.as_str());
        }
        (Value::Sequence(s), "add") if last == "-" => s.push(value),
        (Value::Sequence(s), op) => {
            let Ok(i) = last.parse::<usize>() else { return };
            match op {
                "add" if i <= s.len() => s.insert(i, value),
                "replace" if i < s.len() => s[i] = value,
                "remove" if i < s.len() => {
                    s.remove(i);
                }
                _ => {}
            }
        }
        _ => {}
    }
}
