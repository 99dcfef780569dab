//! The two output layouts (`lab { layout = ... }`) write the same objects: a lab built in
//! `clusters` and in `home-ops` (the example lab and `tests/build/layout-home-ops`)
//! gives, cluster by cluster, the same Kubernetes objects compared as data by
//! `labc::objdiff` (apiVersion, kind, namespace, name), once the fields that only say
//! where things are (a Flux Kustomization's namespace, `path`, `targetNamespace` and
//! the namespaces of its `dependsOn` entries, the entry point's sync path) are set aside.
//! The one difference by design: `home-ops` writes a namespace's Namespace in the
//! namespace's folder and no `namespace-<ns>` Kustomization, nor `dependsOn` entries
//! naming one. The paths are checked on their own: every Kustomization's `path` is a
//! folder of the tree that holds, through its kustomize files, the same objects in both
//! layouts, every `dependsOn` names a Kustomization that exists in the namespace given,
//! and a `targetNamespace` moves no object.

use std::collections::BTreeSet;
use std::path::Path;

use indexmap::IndexMap;
use serde::Deserialize as _;
use serde_yaml::Value;

type Tree = IndexMap<String, String>;

/// The lab's files with `layout = "<layout>"` set in its `lab` declaration (replacing a
/// `layout` line, else added as its first field).
fn with_layout(files: &[(String, String)], layout: &str) -> Vec<(String, String)> {
    let line = format!("  layout = \"{layout}\"");
    files
        .iter()
        .map(|(path, text)| {
            let Some(at) = text
                .lines()
                .position(|l| l.starts_with("lab ") && l.ends_with('{'))
            else {
                return (path.clone(), text.clone());
            };
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            match lines
                .iter()
                .position(|l| l.trim_start().starts_with("layout "))
            {
                Some(old) => lines[old] = line.clone(),
                None => lines.insert(at + 1, line.clone()),
            }
            (path.clone(), lines.join("\n") + "\n")
        })
        .collect()
}

fn build(files: Vec<(String, String)>) -> Tree {
    let db = labc::db::LabDb::default();
    let lab = db.load(files);
    let (out, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    assert!(
        diags.is_empty(),
        "{}",
        labc::diag::render_plain(&db, &diags)
    );
    out.files.to_map()
}

fn docs(text: &str) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(text)
        .map(|d| Value::deserialize(d).expect("emitted YAML parses"))
        .filter(|v| !v.is_null())
        .collect()
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    labc::objdiff::str_at(v, path).unwrap_or("")
}

fn is_flux_kustomization(v: &Value) -> bool {
    str_at(v, &["apiVersion"]).starts_with("kustomize.toolkit.fluxcd.io/")
        && str_at(v, &["kind"]) == "Kustomization"
}

fn is_kustomize_file(v: &Value) -> bool {
    str_at(v, &["apiVersion"]).starts_with("kustomize.config.k8s.io/")
}

/// `dir/entry` with `..` resolved.
fn resolve(dir: &str, entry: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in entry.split('/') {
        match part {
            ".." => assert!(parts.pop().is_some(), "{dir}/{entry} leaves the tree"),
            "." | "" => {}
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// The files kustomize reads for the folder `dir`: its `kustomization.yaml`'s resources,
/// folders followed.
fn reached(tree: &Tree, dir: &str) -> Vec<String> {
    let kfile = resolve(dir, "kustomization.yaml");
    let text = tree
        .get(&kfile)
        .unwrap_or_else(|| panic!("`{dir}` has no kustomization.yaml"));
    let mut out = Vec::new();
    for doc in docs(text) {
        for entry in doc["resources"].as_sequence().into_iter().flatten() {
            let target = resolve(dir, entry.as_str().expect("a resource is a path"));
            if tree.contains_key(&target) {
                out.push(target);
            } else {
                out.extend(reached(tree, &target));
            }
        }
    }
    out
}

/// The identities (apiVersion, kind, namespace, name) of the objects kustomize builds in
/// `dir`, a Flux Kustomization's `targetNamespace` applied to the namespaced ones.
fn objects_at(tree: &Tree, dir: &str, target: Option<&str>) -> BTreeSet<[String; 4]> {
    let mut out = BTreeSet::new();
    for file in reached(tree, dir) {
        for doc in docs(&tree[&file]) {
            let ns = str_at(&doc, &["metadata", "namespace"]);
            if let Some(target) = target {
                assert_eq!(
                    ns, target,
                    "{file}: targetNamespace `{target}` would move it"
                );
            }
            out.insert([
                str_at(&doc, &["apiVersion"]).to_string(),
                str_at(&doc, &["kind"]).to_string(),
                ns.to_string(),
                str_at(&doc, &["metadata", "name"]).to_string(),
            ]);
        }
    }
    out
}

/// Each Flux Kustomization of a tree by cluster and name: its folder (its `path` less the
/// repository folder) and its `targetNamespace`.
type Placements = IndexMap<(String, String), (String, Option<String>)>;

/// The objects of a tree with the layout's own fields set aside, one file per cluster
/// (so that objdiff compares objects, not where they are), and where each Kustomization's
/// files are. `cluster_of` names the cluster of an output path, `folded` the Kustomizations
/// the other layout writes that this one does not (whose `dependsOn` entries are dropped).
fn normalized(
    tree: &Tree,
    repo: &str,
    cluster_of: &dyn Fn(&str) -> String,
    folded: &BTreeSet<String>,
) -> (Tree, Placements) {
    let mut out: IndexMap<String, Vec<Value>> = IndexMap::new();
    let mut placements = Placements::new();
    let mut names: BTreeSet<(String, String, String)> = BTreeSet::new();
    let mut deps: Vec<(String, String, Value)> = Vec::new();
    for (path, text) in tree {
        let cluster = cluster_of(path);
        for mut doc in docs(text) {
            if is_kustomize_file(&doc) {
                continue;
            }
            if is_flux_kustomization(&doc) {
                let name = str_at(&doc, &["metadata", "name"]).to_string();
                let ns = str_at(&doc, &["metadata", "namespace"]).to_string();
                names.insert((cluster.clone(), ns.clone(), name.clone()));
                let spec = doc["spec"].as_mapping_mut().expect("a spec");
                let flux_path = spec.remove("path").expect("a path");
                let dir = flux_path.as_str().unwrap().trim_start_matches("./");
                let dir = dir.strip_prefix(repo).expect("under the repository folder");
                let target = spec
                    .remove("targetNamespace")
                    .map(|t| t.as_str().unwrap().to_string());
                if let Some(Value::Sequence(list)) = spec.get_mut("dependsOn") {
                    for dep in list.iter() {
                        deps.push((cluster.clone(), ns.clone(), dep.clone()));
                    }
                    list.retain(|d| !folded.contains(str_at(d, &["name"])));
                    for dep in list.iter_mut() {
                        dep.as_mapping_mut().unwrap().remove("namespace");
                    }
                    if list.is_empty() {
                        spec.remove("dependsOn");
                    }
                }
                doc["metadata"]["namespace"] = Value::from("flux-system");
                let dir = dir.trim_start_matches('/').to_string();
                placements.insert((cluster.clone(), name), (dir, target));
            }
            if str_at(&doc, &["kind"]) == "FluxInstance" {
                let sync = doc["spec"]["sync"].as_mapping_mut().expect("a sync");
                sync.remove("path");
            }
            out.entry(format!("clusters/{cluster}/objects.yaml"))
                .or_default()
                .push(doc);
        }
    }
    // Every dependsOn entry names a Kustomization of its cluster, in the namespace it gives
    // (its own when it gives none).
    for (cluster, ns, dep) in deps {
        let dep_ns = dep
            .get("namespace")
            .and_then(Value::as_str)
            .unwrap_or(&ns)
            .to_string();
        let key = (cluster.clone(), dep_ns, str_at(&dep, &["name"]).to_string());
        assert!(
            names.contains(&key),
            "dependsOn {key:?} names no Kustomization"
        );
    }
    let out = out
        .into_iter()
        .map(|(path, mut docs)| {
            // One order for both sides: objdiff matches by identity, not position.
            docs.sort_by_key(|d| serde_yaml::to_string(d).unwrap());
            let text = docs
                .iter()
                .map(|d| format!("---\n{}", serde_yaml::to_string(d).unwrap()))
                .collect::<String>();
            (path, text)
        })
        .collect();
    (out, placements)
}

/// Build `files` in both layouts and check what the module's doc says; `clusters` is the
/// lab's clusters, `repo` its `path`.
fn compare(files: &[(String, String)], clusters: &[&str], repo: &str) {
    let plain = build(with_layout(files, "clusters"));
    let home_ops = build(with_layout(files, "home-ops"));
    let several = clusters.len() > 1;
    let in_clusters = |path: &str| path.split('/').nth(1).unwrap_or_default().to_string();
    let in_home_ops = |path: &str| {
        if several {
            path.split('/').next().unwrap_or_default().to_string()
        } else {
            clusters[0].to_string()
        }
    };
    for path in home_ops.keys() {
        let top = if several {
            path.split('/').nth(1)
        } else {
            path.split('/').next()
        };
        assert!(
            matches!(top, Some("apps" | "flux")),
            "{path} is outside apps/ and flux/"
        );
        assert!(!path.starts_with("clusters/"), "{path}");
    }
    // The Kustomizations `home-ops` folds: the namespaces' own, each a lone Namespace.
    let (_, plain_at) = normalized(&plain, repo, &in_clusters, &BTreeSet::new());
    let (_, home_at) = normalized(&home_ops, repo, &in_home_ops, &BTreeSet::new());
    let folded: BTreeSet<String> = plain_at
        .keys()
        .filter(|k| !home_at.contains_key(*k))
        .map(|(_, name)| name.clone())
        .collect();
    assert!(!folded.is_empty(), "the lab has namespaces labc writes");
    let (plain_objects, _) = normalized(&plain, repo, &in_clusters, &folded);
    let (home_objects, _) = normalized(&home_ops, repo, &in_home_ops, &BTreeSet::new());
    // Without the folded Kustomizations, the rest is the same objects as data.
    let mut plain_objects = plain_objects;
    for text in plain_objects.values_mut() {
        let kept: Vec<Value> = docs(text)
            .into_iter()
            .filter(|d| {
                !(is_flux_kustomization(d) && folded.contains(str_at(d, &["metadata", "name"])))
            })
            .collect();
        *text = kept
            .iter()
            .map(|d| format!("---\n{}", serde_yaml::to_string(d).unwrap()))
            .collect();
    }
    let diff = labc::objdiff::diff(&plain_objects, &home_objects);
    assert!(
        diff.is_empty(),
        "the layouts differ:\n{}",
        labc::objdiff::render_text(&diff)
    );
    let objects: usize = home_objects.values().map(|t| docs(t).len()).sum();
    assert!(objects > 10, "only {objects} objects compared");

    // Paths: the same objects behind every Kustomization's path in both layouts.
    let mut targets = 0;
    for ((cluster, name), (home_dir, target)) in &home_at {
        let (plain_dir, _) = &plain_at[&(cluster.clone(), name.clone())];
        let home = objects_at(&home_ops, home_dir, target.as_deref());
        let mut objects = objects_at(&plain, plain_dir, None);
        targets += usize::from(target.is_some());
        if name == "flux-system" {
            // The root: the folded Kustomizations' Namespaces instead of them, and every
            // Kustomization object in its namespace of that layout.
            for (c, folded_name) in plain_at.keys() {
                if c == cluster && folded.contains(folded_name) {
                    let dir = &plain_at[&(c.clone(), folded_name.clone())].0;
                    objects.extend(objects_at(&plain, dir, None));
                }
            }
            let unplaced = |set: BTreeSet<[String; 4]>| -> BTreeSet<[String; 4]> {
                set.into_iter()
                    .filter(|[_, kind, _, n]| !(kind == "Kustomization" && folded.contains(n)))
                    .map(|[a, kind, ns, n]| {
                        let ns = if kind == "Kustomization" {
                            String::new()
                        } else {
                            ns
                        };
                        [a, kind, ns, n]
                    })
                    .collect()
            };
            assert_eq!(
                unplaced(objects),
                unplaced(home),
                "{cluster}: the root reaches other objects"
            );
        } else {
            assert_eq!(
                objects, home,
                "{cluster}/{name}: `{home_dir}` holds other objects than `{plain_dir}`"
            );
        }
    }
    assert!(targets > 0, "no Kustomization got a targetNamespace");
}

fn example_lab_has_the_same_objects_in_both_layouts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("lab");
    let files = labc::cli::read_lab(&dir).unwrap();
    compare(&files, &["apps", "infra"], "kubernetes");
}

fn home_ops_case_has_the_same_objects_in_both_layouts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/build/layout-home-ops");
    let files = labc::cli::read_lab(&dir).unwrap();
    compare(&files, &["home"], "kubernetes");
}

/// A lab without the setting is the `clusters` layout, byte for byte.
fn the_default_layout_is_clusters() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/build/layout-home-ops");
    let files = labc::cli::read_lab(&dir).unwrap();
    let unset: Vec<(String, String)> = files
        .iter()
        .map(|(p, t)| {
            let kept: Vec<&str> = t
                .lines()
                .filter(|l| !l.trim_start().starts_with("layout "))
                .collect();
            (p.clone(), kept.join("\n") + "\n")
        })
        .collect();
    assert_ne!(unset, files, "the case sets a layout");
    assert_eq!(build(unset), build(with_layout(&files, "clusters")));
}

/// A repository without a folder (`path` unset): `home-ops` paths start at its root.
fn home_ops_paths_without_a_repository_folder() {
    let files = vec![(
        "lab.lab".to_string(),
        "lab home { domain = \"example.com\", git = \"https://github.com/me/lab\", layout = \"home-ops\" }\n\
         cluster c { id = 1, api = \"c.example.com\", pods = 10.244.0.0/16, services = 10.245.0.0/16 }\n\
         tenant web on c { resource \"v1\" ConfigMap \"web\" { data.mode = \"fast\" } }\n"
            .to_string(),
    )];
    let tree = build(files);
    let ks = docs(&tree["apps/web/web/ks.yaml"]);
    assert_eq!(str_at(&ks[0], &["spec", "path"]), "./apps/web/web/app");
    assert_eq!(str_at(&ks[0], &["metadata", "namespace"]), "web");
    assert_eq!(str_at(&ks[0], &["spec", "targetNamespace"]), "web");
    let sync = docs(&tree["flux/flux-system/gotk-sync.yaml"]);
    assert_eq!(str_at(&sync[1], &["spec", "path"]), "./flux");
    let root = docs(&tree["flux/kustomization.yaml"]);
    let resources: Vec<&str> = root[0]["resources"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(resources, ["flux-system", "../apps/web"]);
}

tests!(
    example_lab_has_the_same_objects_in_both_layouts,
    home_ops_case_has_the_same_objects_in_both_layouts,
    the_default_layout_is_clusters,
    home_ops_paths_without_a_repository_folder,
);
