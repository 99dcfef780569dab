//! A component whose HelmRelease installs a stdlib operator's chart (same repository and
//! chart name) becomes an `install` of that operator: the settings its values give (those
//! the operator writes unchanged, read back at their key), then `values` and `patch` for
//! what still differs, so that the built objects are the generic component's.
//!
//! Each install is proven by building, not trusted: the lab is compiled with the generic
//! components, then with the installs (settings only), then with the overlays computed from
//! what that build wrote, and an install is kept only when its file builds without a
//! diagnostic and its component's objects equal the generic ones (labc's own Flux
//! Kustomization and chart source aside, a HelmRelease's chart compared by URL, chart and
//! version). Otherwise the generic component stays, and the report says why.

use indexmap::IndexMap;
use serde_yaml::{Mapping, Value};

use super::clusters::Rendered;
use super::component::Plan;
use super::lab_text::{key, quote, Writer};
use super::stdlib_defs::{find, Binding, StdDef};
use super::Note;

/// An object's identity in a component's folder: (API group, kind, namespace, name).
type ObjKey = (String, String, String, String);
/// The objects of each (cluster, component folder) of a build.
type Built = IndexMap<(String, String), IndexMap<ObjKey, Value>>;

/// One component name about to become an install.
struct Candidate {
    name: String,
    def: &'static StdDef,
    plans: Vec<usize>,
    /// Per plan: the `values` and `patch` overlays of the last round.
    overlays: Vec<Overlay>,
}

#[derive(Clone, Default)]
struct Overlay {
    values: Option<Value>,
    patches: Vec<(String, String, String, Value)>,
}

/// Replace the generic components that a stdlib operator builds alike by installs of it.
pub fn adopt(
    r: &Rendered,
    plans: &[Plan],
    files: &mut IndexMap<String, String>,
    notes: &mut Vec<Note>,
) {
    let mut cands = candidates(plans, notes);
    if cands.is_empty() {
        return;
    }
    let (base_bad, base) = build(files);
    cands.retain(|c| {
        let clean = !base_bad.contains_key(&file_of(&c.name));
        if !clean {
            notes.push(Note::untyped(
                &c.name,
                format!(
                    "stdlib `{}` not tried: the generic component does not build",
                    c.def.name
                ),
            ));
        }
        clean
    });
    let mut trial = files.clone();
    // Round 1: the settings alone; round 2: with the overlays that round 1's build asks for.
    for round in 0..2 {
        for c in &cands {
            trial.insert(file_of(&c.name), install_file(r, plans, c));
        }
        let Some(built) = settle(files, &mut trial, &mut cands, &base_bad, notes) else {
            return;
        };
        if round == 0 {
            cands.retain_mut(|c| overlays(plans, c, &built, &base, notes));
        } else {
            cands.retain(|c| {
                let same = equal(plans, c, &built, &base);
                if !same {
                    notes.push(Note::untyped(&c.name, format!("stdlib `{}` builds other objects than the repository's; kept as a generic chart", c.def.name)));
                    trial.insert(file_of(&c.name), files[&file_of(&c.name)].clone());
                }
                same
            });
        }
    }
    // The reverts of the last check put generic files back: the whole still builds as before.
    let (bad, _) = build(&trial);
    if bad.keys().any(|f| !base_bad.contains_key(f)) {
        notes.push(Note::untyped(
            "lab",
            "the stdlib installs did not build together; every component kept as a generic chart",
        ));
        return;
    }
    for c in &cands {
        notes.push(Note::mapped(
            &c.name,
            format!("chart {}/{} -> install of stdlib `{}` (use std.{}), its settings from the values, the rest as `values`/`patch`; built alike", c.def.repository, c.def.chart, c.def.name, c.def.module),
        ));
    }
    *files = trial;
}

fn file_of(name: &str) -> String {
    format!("components/{name}.lab")
}

/// The component names whose every plan has a stdlib operator's chart and nothing else.
fn candidates(plans: &[Plan], notes: &mut Vec<Note>) -> Vec<Candidate> {
    let mut by_name: IndexMap<&str, Vec<usize>> = IndexMap::new();
    for (i, p) in plans.iter().enumerate().filter(|(_, p)| !p.name.is_empty()) {
        by_name.entry(p.name.as_str()).or_default().push(i);
    }
    let mut out = Vec::new();
    for (name, ids) in by_name {
        let defs: Vec<Option<&'static StdDef>> = ids
            .iter()
            .map(|&i| {
                let p = &plans[i];
                let s = p.chart_source.as_ref()?;
                let mut names = p.chart_names.clone();
                names.push(p.name.clone());
                find(&s.repository, &s.chart, &names)
            })
            .collect();
        let Some(Some(def)) = defs.first().copied() else {
            continue;
        };
        if defs
            .iter()
            .any(|d| d.map(|d| d.name.as_str()) != Some(def.name.as_str()))
        {
            continue;
        }
        if let Some(p) = ids
            .iter()
            .map(|&i| &plans[i])
            .find(|p| !p.resources.is_empty())
        {
            notes.push(Note::untyped(
                &p.subject,
                format!("the chart is stdlib `{}`'s, but the Kustomization has {} object(s) besides it, which an install cannot hold; kept as a generic chart", def.name, p.resources.len()),
            ));
            continue;
        }
        out.push(Candidate {
            name: name.to_string(),
            def,
            overlays: vec![Overlay::default(); ids.len()],
            plans: ids,
        });
    }
    out
}

/// Build `trial`, putting back the generic file of every candidate whose install has a
/// diagnostic, until none has one; the build's objects, or `None` when nothing is left.
fn settle(
    files: &IndexMap<String, String>,
    trial: &mut IndexMap<String, String>,
    cands: &mut Vec<Candidate>,
    base_bad: &Bad,
    notes: &mut Vec<Note>,
) -> Option<Built> {
    loop {
        let (bad, built) = build(trial);
        let failed: Vec<usize> = (0..cands.len())
            .filter(|&i| bad.contains_key(&file_of(&cands[i].name)))
            .collect();
        if failed.is_empty() {
            // A diagnostic elsewhere that the generic lab did not have: give up on all.
            if bad.keys().any(|f| !base_bad.contains_key(f)) {
                for c in cands.iter() {
                    trial.insert(file_of(&c.name), files[&file_of(&c.name)].clone());
                }
                notes.push(Note::untyped("lab", "the stdlib installs broke the build of other files; every component kept as a generic chart"));
                cands.clear();
            }
            return (!cands.is_empty()).then_some(built);
        }
        for &i in failed.iter().rev() {
            let c = cands.remove(i);
            let why = &bad[&file_of(&c.name)];
            notes.push(Note::untyped(
                &c.name,
                format!("stdlib `{}` matches the chart, but its install does not build ({why}); kept as a generic chart", c.def.name),
            ));
            trial.insert(file_of(&c.name), files[&file_of(&c.name)].clone());
        }
        if cands.is_empty() {
            return None;
        }
    }
}

/// The files of a build with a diagnostic, each with its first one (`E0211 message`).
type Bad = IndexMap<String, String>;

/// Compile a lab: the files with a diagnostic, and the objects of every component folder.
fn build(files: &IndexMap<String, String>) -> (Bad, Built) {
    let db = crate::db::LabDb::default();
    let lab = db.load(files.clone().into_iter().collect());
    let (out, diags) = crate::compile::compile_with_diagnostics(&db, lab);
    let mut bad = Bad::new();
    for d in &diags {
        let f = d.primary.file.path(&db).clone();
        bad.entry(f)
            .or_insert_with(|| format!("{} {}", d.code, d.message));
    }
    let mut built: Built = IndexMap::new();
    let mut sources: IndexMap<(String, String), Vec<Value>> = IndexMap::new();
    for (path, text) in &out.files {
        let parts: Vec<&str> = path.split('/').collect();
        if parts.len() < 4 || parts[0] != "clusters" || !path.ends_with(".yaml") {
            continue;
        }
        let at = (parts[1].to_string(), parts[2].to_string());
        for doc in serde_yaml::Deserializer::from_str(text) {
            let Ok(v) = <Value as serde::Deserialize>::deserialize(doc) else {
                continue;
            };
            let kind = str_of(&v, &["kind"]);
            let api = str_of(&v, &["apiVersion"]);
            if matches!(kind, "OCIRepository" | "HelmRepository") {
                sources.entry(at.clone()).or_default().push(v);
            } else if !(api.starts_with("kustomize.toolkit.fluxcd.io/")
                || api.starts_with("kustomize.config.k8s.io/")
                || v.is_null())
            {
                let group = api.rsplit_once('/').map(|(g, _)| g).unwrap_or_default();
                let key = (
                    group.to_string(),
                    kind.to_string(),
                    str_of(&v, &["metadata", "namespace"]).to_string(),
                    str_of(&v, &["metadata", "name"]).to_string(),
                );
                built.entry(at.clone()).or_default().insert(key, v);
            }
        }
    }
    // A HelmRelease's chart as the URL, chart and version its source resolves to: labc
    // names the source after the component, which is not what is compared.
    for (at, objects) in built.iter_mut() {
        let srcs = sources.get(at).map(Vec::as_slice).unwrap_or(&[]);
        for v in objects
            .values_mut()
            .filter(|v| str_of(v, &["kind"]) == "HelmRelease")
        {
            let chart = resolved_chart(v, srcs);
            if let Some(spec) = v.get_mut("spec").and_then(Value::as_mapping_mut) {
                spec.remove("chartRef");
                spec.insert("chart".into(), chart);
            }
        }
    }
    (bad, built)
}

/// The string at `path` in `v`, or "" where there is none.
fn str_of<'v>(v: &'v Value, path: &[&str]) -> &'v str {
    crate::objdiff::str_at(v, path).unwrap_or_default()
}

fn resolved_chart(release: &Value, sources: &[Value]) -> Value {
    let spec = release.get("spec").cloned().unwrap_or_default();
    let (kind, name, chart, version) = match spec.get("chartRef") {
        Some(r) => (str_of(r, &["kind"]), str_of(r, &["name"]), "", ""),
        None => {
            let c = spec
                .get("chart")
                .and_then(|c| c.get("spec"))
                .cloned()
                .unwrap_or_default();
            let (k, n) = (
                str_of(&c, &["sourceRef", "kind"]).to_string(),
                str_of(&c, &["sourceRef", "name"]).to_string(),
            );
            let (ch, ver) = (
                str_of(&c, &["chart"]).to_string(),
                str_of(&c, &["version"]).to_string(),
            );
            return chart_value(sources, &k, &n, &ch, &ver);
        }
    };
    chart_value(sources, kind, name, chart, version)
}

fn chart_value(sources: &[Value], kind: &str, name: &str, chart: &str, version: &str) -> Value {
    let src = sources
        .iter()
        .find(|s| str_of(s, &["kind"]) == kind && str_of(s, &["metadata", "name"]) == name);
    let mut m = Mapping::new();
    let spec = src.and_then(|s| s.get("spec")).cloned().unwrap_or_default();
    m.insert("url".into(), str_of(&spec, &["url"]).into());
    m.insert("chart".into(), chart.into());
    let tag = str_of(&spec, &["ref", "tag"]);
    m.insert(
        "version".into(),
        if version.is_empty() { tag } else { version }.into(),
    );
    Value::Mapping(m)
}

/// The overlays each plan of `c` needs after a build of its settings alone: its values
/// over what the settings wrote, and a patch per other difference. False (with a note)
/// when the install writes other objects than the generic component.
fn overlays(
    plans: &[Plan],
    c: &mut Candidate,
    built: &Built,
    base: &Built,
    notes: &mut Vec<Note>,
) -> bool {
    for (j, &i) in c.plans.iter().enumerate() {
        let p = &plans[i];
        let at = (p.cluster.clone(), c.name.clone());
        let (Some(got), Some(want)) = (built.get(&at), base.get(&at)) else {
            return false;
        };
        let extra: Vec<&ObjKey> = got.keys().filter(|k| !want.contains_key(*k)).collect();
        let lacking: Vec<&ObjKey> = want.keys().filter(|k| !got.contains_key(*k)).collect();
        if !extra.is_empty() || !lacking.is_empty() {
            let names = |ks: &[&ObjKey]| {
                ks.iter()
                    .map(|k| format!("{} {}", k.1, k.3))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            notes.push(Note::untyped(&p.subject, format!("stdlib `{}` matches the chart, but writes other objects (more: [{}], fewer: [{}]); kept as a generic chart", c.def.name, names(&extra), names(&lacking))));
            return false;
        }
        let mut o = Overlay::default();
        for (k, want_v) in want {
            let got_v = &got[k];
            if got_v == want_v {
                continue;
            }
            let (mut a, mut b) = (got_v.clone(), want_v.clone());
            if k.1 == "HelmRelease" {
                let values = |v: &mut Value| {
                    v.get_mut("spec")
                        .and_then(Value::as_mapping_mut)
                        .and_then(|s| s.remove("values"))
                        .unwrap_or(Value::Mapping(Mapping::new()))
                };
                let (va, vb) = (values(&mut a), values(&mut b));
                o.values = diff(&va, &vb);
                // The rest of the release is its Flux settings, which the install writes as
                // the repository had them (`flux.release`); a patch cannot reach it.
                continue;
            }
            for v in [&mut a, &mut b] {
                if let Some(m) = v.as_mapping_mut() {
                    m.remove("apiVersion");
                    m.remove("kind");
                    if let Some(meta) = m.get_mut("metadata").and_then(Value::as_mapping_mut) {
                        meta.remove("name");
                        meta.remove("namespace");
                    }
                }
            }
            if let Some(d) = diff(&a, &b) {
                let api = str_of(want_v, &["apiVersion"]).to_string();
                o.patches.push((api, k.1.clone(), k.3.clone(), d));
            }
        }
        c.overlays[j] = o;
    }
    true
}

/// What turns `from` into `to`, merged the lab's way (records by key, `null` removes,
/// lists and scalars replace); `None` when they are equal.
fn diff(from: &Value, to: &Value) -> Option<Value> {
    match (from, to) {
        (Value::Mapping(a), Value::Mapping(b)) => {
            let mut out = Mapping::new();
            for (k, v) in b {
                match a.get(k) {
                    Some(old) => {
                        if let Some(d) = diff(old, v) {
                            out.insert(k.clone(), d);
                        }
                    }
                    None => {
                        out.insert(k.clone(), v.clone());
                    }
                }
            }
            for k in a.keys().filter(|k| !b.contains_key(*k)) {
                out.insert(k.clone(), Value::Null);
            }
            (!out.is_empty()).then_some(Value::Mapping(out))
        }
        _ => (from != to).then(|| to.clone()),
    }
}

/// Whether every plan's objects under the install are the generic component's.
fn equal(plans: &[Plan], c: &Candidate, built: &Built, base: &Built) -> bool {
    c.plans.iter().all(|&i| {
        let at = (plans[i].cluster.clone(), c.name.clone());
        built.get(&at) == base.get(&at)
    })
}

/// The candidate's file: `use std.<module>` and one install per group of clusters whose
/// bodies are the same.
fn install_file(r: &Rendered, plans: &[Plan], c: &Candidate) -> String {
    let mut groups: IndexMap<String, Vec<String>> = IndexMap::new();
    for (j, &i) in c.plans.iter().enumerate() {
        let p = &plans[i];
        groups
            .entry(install_body(r, p, c.def, &c.overlays[j]))
            .or_default()
            .push(p.cluster.clone());
    }
    let alias = if c.def.name == c.name {
        String::new()
    } else {
        format!(" as {}", c.name)
    };
    let mut out = format!("use std.{}\n\n", c.def.module);
    for (body, clusters) in groups {
        out.push_str(&format!(
            "install {}{alias} on {} {{\n{body}}}\n\n",
            c.def.name,
            clusters.join(", ")
        ));
    }
    out
}

fn install_body(r: &Rendered, p: &Plan, def: &StdDef, o: &Overlay) -> String {
    let ks = r.kustomization(&p.cluster, &p.ks_name);
    let var_ref = |name: &str| ks?.var_ref(name);
    let mut w = Writer {
        var_ref: &var_ref,
        lost: Vec::new(),
    };
    let mut out = String::new();
    if !p.depends.is_empty() {
        out.push_str(&format!("  depends_on = [{}]\n", p.depends.join(", ")));
    }
    if let Some(s) = p.chart_source.as_ref().filter(|s| s.version != def.version) {
        out.push_str(&format!("  version = {}\n", quote(&s.version)));
    }
    for (path, v) in &p.flux {
        out.push_str(&format!("  {path} = {}\n", w.value(v, None, 1)));
    }
    let (values, raw) = p.values.clone().unwrap_or_default();
    let mut set: Vec<&str> = Vec::new();
    for b in &def.bindings {
        if set.contains(&b.setting.as_str()) {
            continue;
        }
        let Some(v) = at_path(&values, &b.path) else {
            continue;
        };
        if b.default.as_ref() == Some(v) {
            set.push(&b.setting);
            continue;
        }
        if let Some(text) = setting_text(&mut w, b, v, at_path(&raw, &b.path)) {
            out.push_str(&format!("  {} = {text}\n", key(&b.setting)));
            set.push(&b.setting);
        }
    }
    if let Some(v) = &o.values {
        out.push_str(&format!(
            "  values {{\n{}  }}\n",
            w.record_items(v, Some(&raw), 2)
        ));
    }
    for (api, kind, name, v) in &o.patches {
        out.push_str(&format!(
            "  patch {} {kind} {} {{\n{}  }}\n",
            quote(api),
            quote(name),
            w.record_items(v, None, 2)
        ));
    }
    out
}

fn at_path<'v>(v: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(v, |at, k| at.get(k.as_str()))
}

/// A repository value as the literal of a setting's type; `None` when it is not one
/// (then the setting keeps its default, and the build says whether that is the same).
fn setting_text(w: &mut Writer<'_>, b: &Binding, v: &Value, raw: Option<&Value>) -> Option<String> {
    let bare = |s: &str| {
        let plain = !s.is_empty()
            && s.chars().next().is_some_and(|c| c.is_ascii_digit())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '/'));
        plain.then(|| s.to_string())
    };
    match (b.ty.as_str(), v) {
        ("int" | "port", Value::Number(n)) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        ("bool", Value::Bool(x)) => Some(x.to_string()),
        ("cpu" | "quantity" | "duration" | "ip" | "cidr", Value::String(s)) => bare(s),
        ("cpu" | "quantity", Value::Number(n)) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        ("string" | "url" | "list" | "map", _) if !v.is_null() => Some(w.value(v, raw, 1)),
        _ => None,
    }
}
