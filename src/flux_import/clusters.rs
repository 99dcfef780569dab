//! The repository's objects per cluster, as Flux applies them: each cluster's entry point
//! (the `flux-system` Kustomization's or FluxInstance's path, else `clusters/<name>/`,
//! else `kubernetes/flux/`), every Flux Kustomization reached from it (breadth first,
//! each once), its kustomize build and its `postBuild` substitution.

use std::collections::VecDeque;

use indexmap::IndexMap;
use serde_yaml::Value;

use super::kustomize::{
    self, is_dir, normalize, parse_docs, scalar_text, set_namespace, str_at, Build, Doc,
};
use super::substitute::substitute;
use super::{Note, Repo};

/// Where a variable's value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VarSource {
    /// A settings ConfigMap of `substituteFrom`: the cluster's `vars`.
    Settings,
    /// The Kustomization's own `substitute`.
    Inline,
}

/// One Flux Kustomization and the objects its build applies.
#[derive(Clone, Debug)]
pub struct FluxKs {
    pub name: String,
    pub namespace: String,
    /// The file that declares it.
    pub file: String,
    pub spec: Value,
    /// Its objects after substitution, without the Flux Kustomizations it declares.
    pub objects: Vec<Doc>,
    /// The same objects before substitution (the same list when the shapes differ).
    pub raw: Vec<Doc>,
    pub vars: IndexMap<String, (String, VarSource)>,
}

/// One cluster of the repository.
#[derive(Clone, Debug)]
pub struct RenderedCluster {
    pub name: String,
    pub entry: String,
    /// The data of the settings ConfigMaps its Kustomizations substitute from.
    pub settings: IndexMap<String, String>,
    /// Those ConfigMaps, as (namespace, name).
    pub settings_maps: Vec<(String, String)>,
    pub kustomizations: Vec<FluxKs>,
    /// The `flux-system` GitRepository's URL and branch.
    pub git: Option<(String, String)>,
}

pub struct Rendered {
    pub clusters: Vec<RenderedCluster>,
    pub notes: Vec<Note>,
}

impl Rendered {
    /// The Kustomization `name` of `cluster`.
    pub fn kustomization(&self, cluster: &str, name: &str) -> Option<&FluxKs> {
        let rc = self.clusters.iter().find(|c| c.name == cluster)?;
        rc.kustomizations.iter().find(|k| k.name == name)
    }
}

impl FluxKs {
    /// How the variable `name` reads in the lab (`lab_text::VarRef`): a settings variable
    /// as `cluster.vars.NAME`, one of its own `substitute` as its value.
    pub fn var_ref(&self, name: &str) -> Option<(Option<String>, String)> {
        let (value, source) = self.vars.get(name)?;
        let settings = *source == VarSource::Settings && super::lab_text::is_ident(name);
        Some((
            settings.then(|| format!("cluster.vars.{name}")),
            value.clone(),
        ))
    }
}

fn is_flux_ks(v: &Value) -> bool {
    str_at(v, &["kind"]) == Some("Kustomization")
        && str_at(v, &["apiVersion"]).is_some_and(|a| a.starts_with("kustomize.toolkit.fluxcd.io/"))
}

fn name_ns(v: &Value) -> (String, String) {
    let name = str_at(v, &["metadata", "name"])
        .unwrap_or_default()
        .to_string();
    let ns = str_at(v, &["metadata", "namespace"])
        .unwrap_or("flux-system")
        .to_string();
    (name, ns)
}

/// Flux's own objects: the bootstrap sync and controllers, which labc writes itself. The
/// sync Kustomization is the one of the entry's path, whatever its name.
fn is_bootstrap(d: &Doc, entry: &str) -> bool {
    let (name, _) = name_ns(&d.value);
    let kind = str_at(&d.value, &["kind"]).unwrap_or_default();
    let syncs_entry = is_flux_ks(&d.value)
        && str_at(&d.value, &["spec", "path"])
            .and_then(normalize)
            .as_deref()
            == Some(entry);
    d.file.ends_with("gotk-components.yaml")
        || kind == "FluxInstance"
        || syncs_entry
        || (name == "flux-system"
            && matches!(kind, "Kustomization" | "GitRepository" | "OCIRepository"))
}

/// The entry directories: (cluster name, directory).
fn entries(repo: &Repo, notes: &mut Vec<Note>) -> Vec<(String, String)> {
    let mut found: Vec<String> = Vec::new();
    for (path, text) in repo.iter().filter(|(p, _)| kustomize::is_yaml(p)) {
        let docs = parse_docs(text, path, &mut Vec::new());
        // `flux bootstrap` writes the sync Kustomization beside the `flux-system` source
        // (gotk-sync.yaml); a repository may rename the Kustomization, not the source.
        let beside_source = docs.iter().any(|d| {
            name_ns(&d.value).0 == "flux-system"
                && matches!(
                    str_at(&d.value, &["kind"]),
                    Some("GitRepository" | "OCIRepository")
                )
        });
        for d in &docs {
            let kind = str_at(&d.value, &["kind"]).unwrap_or_default();
            let sync = match kind {
                "Kustomization"
                    if is_flux_ks(&d.value)
                        && (name_ns(&d.value).0 == "flux-system" || beside_source) =>
                {
                    str_at(&d.value, &["spec", "path"])
                }
                "FluxInstance" => str_at(&d.value, &["spec", "sync", "path"]),
                _ => None,
            };
            match sync.map(normalize) {
                Some(Some(dir)) if is_dir(repo, &dir) && !found.contains(&dir) => found.push(dir),
                Some(_) => notes.push(Note::error(
                    path,
                    "a sync path that names no directory of the repository",
                )),
                None => {}
            }
        }
    }
    if found.is_empty() {
        // `clusters/<name>/` at the top, or below one folder (`kubernetes/clusters/<name>/`).
        let mut dirs: Vec<String> = repo
            .keys()
            .filter_map(|k| {
                let parts: Vec<&str> = k.split('/').collect();
                let at = parts.iter().take(2).position(|p| *p == "clusters")?;
                (parts.len() > at + 2).then(|| parts[..at + 2].join("/"))
            })
            .collect();
        dirs.dedup();
        found = dirs;
    }
    if found.is_empty() && is_dir(repo, "kubernetes/flux") {
        found.push("kubernetes/flux".into());
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for dir in found {
        let parts: Vec<&str> = dir.split('/').collect();
        let base = match parts.iter().position(|p| *p == "clusters") {
            Some(i) if i + 1 < parts.len() => parts[i + 1].to_string(),
            _ => "main".to_string(),
        };
        let mut name = base.clone();
        let mut n = 2;
        while out.iter().any(|(c, _)| *c == name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        out.push((name, dir));
    }
    if out.is_empty() {
        notes.push(Note::error(
            "(repository)",
            "no cluster entry point: no `flux-system` Kustomization, `clusters/<name>/` or `kubernetes/flux/`",
        ));
    }
    out
}

/// The objects of every cluster of the repository.
pub fn render(repo: &Repo) -> Rendered {
    let mut notes = Vec::new();
    let clusters: Vec<RenderedCluster> = entries(repo, &mut notes)
        .into_iter()
        .map(|(name, entry)| cluster(repo, name, entry, &mut notes))
        .collect();
    unreached(repo, &clusters, &mut notes);
    Rendered { clusters, notes }
}

/// A note for every Flux Kustomization of the repository that no cluster reaches: Flux
/// never applies it, so the lab has nothing of it (a leftover, or a missing reference).
fn unreached(repo: &Repo, clusters: &[RenderedCluster], notes: &mut Vec<Note>) {
    let entries: Vec<&str> = clusters.iter().map(|c| c.entry.as_str()).collect();
    for (path, text) in repo.iter().filter(|(p, _)| kustomize::is_yaml(p)) {
        for d in parse_docs(text, path, &mut Vec::new()) {
            if !is_flux_ks(&d.value) || entries.iter().any(|e| is_bootstrap(&d, e)) {
                continue;
            }
            let name = name_ns(&d.value).0;
            let reached = clusters
                .iter()
                .flat_map(|c| &c.kustomizations)
                .any(|k| k.file == *path && k.name == name);
            if !reached {
                notes.push(Note::skipped(
                    path,
                    format!("Flux Kustomization `{name}` is reached from no cluster entry point; not imported"),
                ));
            }
        }
    }
}

/// A Flux Kustomization waiting to be built, with the file that declared it.
struct Queued {
    doc: Doc,
    ancestors: Vec<String>,
}

fn cluster(repo: &Repo, name: String, entry: String, notes: &mut Vec<Note>) -> RenderedCluster {
    let identity = |t: &str| t.to_string();
    let mut build = Build::new(repo, &identity);
    let root = build.dir(&entry, &mut Vec::new());
    notes.append(&mut build.notes);
    let mut rc = RenderedCluster {
        name,
        entry: entry.clone(),
        settings: IndexMap::new(),
        settings_maps: Vec::new(),
        kustomizations: Vec::new(),
        git: None,
    };
    let mut config_maps: Vec<Doc> = Vec::new();
    let mut queue: VecDeque<Queued> = VecDeque::new();
    let mut root_objects = Vec::new();
    for d in root {
        if is_bootstrap(&d, &entry) {
            if str_at(&d.value, &["kind"]) == Some("GitRepository") {
                let url = str_at(&d.value, &["spec", "url"]).unwrap_or_default();
                let branch = str_at(&d.value, &["spec", "ref", "branch"]).unwrap_or("main");
                rc.git = Some((url.to_string(), branch.to_string()));
            }
            continue;
        }
        if is_flux_ks(&d.value) {
            queue.push_back(Queued {
                doc: d,
                ancestors: Vec::new(),
            });
            continue;
        }
        if str_at(&d.value, &["kind"]) == Some("ConfigMap") {
            config_maps.push(d.clone());
        }
        root_objects.push(d);
    }
    notes.push(Note::skipped(
        &format!("{}/{entry}", rc.name),
        "Flux's own bootstrap (flux-system sync, controllers): labc writes its own",
    ));
    if !root_objects.is_empty() {
        rc.kustomizations.push(FluxKs {
            name: "cluster-root".into(),
            namespace: "flux-system".into(),
            file: entry.clone(),
            spec: Value::Null,
            raw: root_objects.clone(),
            objects: root_objects,
            vars: IndexMap::new(),
        });
    }
    let mut seen: Vec<(String, String)> = Vec::new();
    while let Some(q) = queue.pop_front() {
        let key = name_ns(&q.doc.value);
        if q.ancestors.contains(&key.0) {
            let chain = format!("{} -> {}", q.ancestors.join(" -> "), key.0);
            notes.push(Note::error(
                &q.doc.file,
                format!("Flux Kustomization cycle: {chain}"),
            ));
            continue;
        }
        if seen.contains(&key) {
            notes.push(Note::skipped(
                &q.doc.file,
                format!(
                    "Flux Kustomization `{}/{}` reached twice; built once",
                    key.1, key.0
                ),
            ));
            continue;
        }
        seen.push(key);
        if let Some((ks, children)) = flux_ks(repo, &mut rc, &q, &mut config_maps, notes) {
            for c in children {
                let mut ancestors = q.ancestors.clone();
                ancestors.push(ks.name.clone());
                queue.push_back(Queued { doc: c, ancestors });
            }
            rc.kustomizations.push(ks);
        }
    }
    rc
}

/// The variables of a Kustomization: its `substituteFrom` ConfigMaps, then `substitute`.
fn vars_of(
    rc: &mut RenderedCluster,
    ks: &Doc,
    namespace: &str,
    config_maps: &[Doc],
    notes: &mut Vec<Note>,
) -> IndexMap<String, (String, VarSource)> {
    let mut vars = IndexMap::new();
    let post = ks.value.get("spec").and_then(|s| s.get("postBuild"));
    let from = post
        .and_then(|p| p.get("substituteFrom"))
        .and_then(Value::as_sequence);
    for src in from.into_iter().flatten() {
        let kind = str_at(src, &["kind"]).unwrap_or_default();
        let name = str_at(src, &["name"]).unwrap_or_default();
        let optional = src
            .get("optional")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if kind != "ConfigMap" {
            notes.push(Note::skipped(
                &ks.file,
                format!("substituteFrom {kind} `{name}`: its values are secret; its variables stay unset"),
            ));
            continue;
        }
        let found = config_maps
            .iter()
            .find(|d| name_ns(&d.value) == (name.to_string(), namespace.to_string()));
        let Some(cm) = found else {
            if !optional {
                notes.push(Note::error(
                    &ks.file,
                    format!(
                        "substituteFrom ConfigMap `{namespace}/{name}` is not in the repository"
                    ),
                ));
            }
            continue;
        };
        let key = (namespace.to_string(), name.to_string());
        if !rc.settings_maps.contains(&key) {
            rc.settings_maps.push(key);
        }
        for (k, v) in cm
            .value
            .get("data")
            .and_then(Value::as_mapping)
            .into_iter()
            .flatten()
        {
            let (Some(k), Some(v)) = (k.as_str(), v.as_str()) else {
                continue;
            };
            match rc.settings.get(k) {
                Some(old) if old != v => notes.push(Note::untyped(
                    &ks.file,
                    format!("variable `{k}` has two values on cluster `{}`; `{v}` written literally here", rc.name),
                )),
                Some(_) => {}
                None => {
                    rc.settings.insert(k.to_string(), v.to_string());
                }
            }
            let source = if rc.settings.get(k).is_some_and(|s| s == v) {
                VarSource::Settings
            } else {
                VarSource::Inline
            };
            vars.insert(k.to_string(), (v.to_string(), source));
        }
    }
    let inline = post
        .and_then(|p| p.get("substitute"))
        .and_then(Value::as_mapping);
    for (k, v) in inline.into_iter().flatten() {
        let v = scalar_text(v);
        if let Some(k) = k.as_str() {
            vars.insert(k.to_string(), (v, VarSource::Inline));
        }
    }
    vars
}

/// Build one Kustomization: itself and the Flux Kustomizations its build declares.
fn flux_ks(
    repo: &Repo,
    rc: &mut RenderedCluster,
    q: &Queued,
    config_maps: &mut Vec<Doc>,
    notes: &mut Vec<Note>,
) -> Option<(FluxKs, Vec<Doc>)> {
    let (name, namespace) = name_ns(&q.doc.value);
    let file = &q.doc.file;
    let spec = q.doc.value.get("spec").cloned().unwrap_or(Value::Null);
    let source = str_at(&spec, &["sourceRef", "name"]).unwrap_or("flux-system");
    if source != "flux-system" {
        notes.push(Note::skipped(
            file,
            format!("Kustomization `{name}` reads source `{source}`, not this repository"),
        ));
        return None;
    }
    let path = str_at(&spec, &["path"]).unwrap_or("");
    let Some(dir) = normalize(path) else {
        notes.push(Note::error(
            file,
            format!("Kustomization `{name}`: path `{path}` leads outside the repository"),
        ));
        return None;
    };
    let has_post = spec.get("postBuild").is_some();
    let vars = vars_of(rc, &q.doc, &namespace, config_maps, notes);
    let lookup = |n: &str| vars.get(n).map(|(v, _)| v.clone());
    let subst = |t: &str| {
        if has_post {
            substitute(t, &lookup)
        } else {
            t.to_string()
        }
    };
    let mut build = Build::new(repo, &subst);
    let mut objects = build.flux(&dir, &spec, file);
    notes.append(&mut build.notes);
    let identity = |t: &str| t.to_string();
    let mut raw = Build::new(repo, &identity).flux(&dir, &spec, file);
    if let Some(target) = str_at(&spec, &["targetNamespace"]) {
        for d in objects.iter_mut().chain(raw.iter_mut()) {
            set_namespace(&mut d.value, target);
        }
    }
    let same_shape = raw.len() == objects.len()
        && raw
            .iter()
            .zip(&objects)
            .all(|(a, b)| str_at(&a.value, &["kind"]) == str_at(&b.value, &["kind"]));
    if !same_shape {
        raw = objects.clone();
    }
    let mut children = Vec::new();
    let mut own = Vec::new();
    let mut own_raw = Vec::new();
    for (d, r) in objects.into_iter().zip(raw) {
        if is_flux_ks(&d.value) {
            children.push(d);
            continue;
        }
        if str_at(&d.value, &["kind"]) == Some("ConfigMap") {
            config_maps.push(d.clone());
        }
        own.push(d);
        own_raw.push(r);
    }
    let ks = FluxKs {
        name,
        namespace,
        file: file.clone(),
        spec,
        objects: own,
        raw: own_raw,
        vars,
    };
    Some((ks, children))
}
