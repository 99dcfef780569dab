//! Emission: the Flux IR of each cluster to files (relative path -> YAML text).
//!
//! Layout per cluster (paths relative to the output root, which is the repository folder
//! the lab declares as `path`), in the default layout, `clusters`:
//!
//! ```text
//! clusters/<cluster>/kustomization.yaml          root: flux-system + every ks.yaml
//! clusters/<cluster>/flux-system/gotk-sync.yaml   GitRepository + root Kustomization
//!                                                 (`flux-bootstrap` mode, the default), or
//! clusters/<cluster>/flux-system/flux-instance.yaml  the FluxInstance (`flux-operator` mode)
//! clusters/<cluster>/<component>/ks.yaml          Flux Kustomization(s) of the component
//! clusters/<cluster>/<component>/app/...          namespace, source, HelmRelease, core resources
//! clusters/<cluster>/<component>/config/...       custom resources that need CRDs first
//! ```
//!
//! The `home-ops` layout (`lab { layout = "home-ops" }`) writes the same files under
//! `apps/<namespace>/` and `flux/`; `layout` holds every path and the Kustomization
//! fields that follow from them.

mod layout;

use std::sync::Arc;

use indexmap::IndexMap;

use crate::db::{Db, Lab};
use crate::lower::{cluster_ir, ClusterIr, KustomizationIr};
use crate::sema::bootstrap::{self, Bootstrap, Mode};
use crate::sema::eval::Value;
use crate::sema::facts;
use crate::sema::layout::Layout;
use crate::yaml::{self, map, s, Yaml};
use layout::Tree;

/// Whether `path` is a relative path of plain names, as every path `emit_cluster` builds
/// is by construction: `/`-separated segments of ASCII letters, digits, `-`, `_` and `.`,
/// none empty, none starting with `.` (so no `..`, no hidden file, nothing absolute).
pub fn is_plain_path(path: &str) -> bool {
    path.split('/').all(|seg| {
        !seg.is_empty()
            && !seg.starts_with('.')
            && seg
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    })
}

fn kustomize_file(resources: Vec<String>) -> String {
    yaml::to_stream(&[map(vec![
        ("apiVersion", s("kustomize.config.k8s.io/v1beta1")),
        ("kind", s("Kustomization")),
        (
            "resources",
            Yaml::Seq(resources.into_iter().map(Yaml::Str).collect()),
        ),
    ])])
}

/// A Kustomization's `spec`: labc's defaults with the lab's and the component's
/// `flux.kustomization` settings over them, keys in alphabetical order (as the defaults are).
fn with_settings(spec: Vec<(&str, Yaml)>, settings: &IndexMap<String, Yaml>) -> Yaml {
    let mut spec: IndexMap<String, Yaml> =
        spec.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    spec.extend(settings.iter().map(|(k, v)| (k.clone(), v.clone())));
    spec.sort_keys();
    Yaml::Map(spec)
}

/// Files of one cluster: relative path -> YAML text, shared with `compile::Output`.
#[salsa::tracked(returns(ref))]
pub fn emit_cluster(db: &dyn Db, lab: Lab, cluster: String) -> Arc<IndexMap<String, String>> {
    Arc::new(cluster_files(db, lab, cluster))
}

/// The files of one cluster (see `emit_cluster`), where the lab's layout puts them, made anew
/// on each call: the lean build (`compile::build_clusters`) writes and drops them instead of
/// keeping them in a memo.
pub fn cluster_files(db: &dyn Db, lab: Lab, cluster: String) -> IndexMap<String, String> {
    let mut files = IndexMap::new();
    let Some(ir) = cluster_ir(db, lab, cluster.clone()) else {
        return files;
    };
    let tree = Tree::new(db, lab, Layout::of_lab(facts::lab_value(db, lab)), ir);
    let entry = tree.flux_path(&tree.entry());

    let boot = bootstrap::resolve(
        facts::lab_value(db, lab),
        facts::cluster_facts(db, lab, cluster.clone())
            .as_ref()
            .map(|f| &f.value),
    );
    let (sync_file, sync_text) = match boot.mode {
        Mode::FluxBootstrap => ("gotk-sync.yaml", gotk_sync(ir, &entry)),
        Mode::FluxOperator => (
            "flux-instance.yaml",
            flux_instance(ir, &boot, &cluster_domain(db, lab, &cluster), &entry),
        ),
    };
    files.insert(format!("{}/{sync_file}", tree.flux_system()), sync_text);
    files.insert(
        format!("{}/kustomization.yaml", tree.flux_system()),
        kustomize_file(vec![sync_file.into()]),
    );

    let mut ks_docs: IndexMap<String, (&KustomizationIr, Vec<Yaml>)> = IndexMap::new();
    for k in &ir.kustomizations {
        let dir = tree.dir(k);
        if tree.folds(k) {
            // Listed by the namespace folder's kustomization.yaml (`Tree::index_files`).
            for (file, docs) in &k.files {
                files.insert(format!("{dir}/{file}"), yaml::to_stream(docs));
            }
            continue;
        }
        let doc = kustomization_doc(ir, k, &tree, &tree.flux_path(&dir));
        ks_docs
            .entry(k.component.clone())
            .or_insert_with(|| (k, Vec::new()))
            .1
            .push(doc);
        let mut resources = Vec::new();
        for (file, docs) in &k.files {
            files.insert(format!("{dir}/{file}"), yaml::to_stream(docs));
            resources.push(file.clone());
        }
        files.insert(
            format!("{dir}/kustomization.yaml"),
            kustomize_file(resources),
        );
    }
    // By name, not declaration order: renaming or reordering the lab's files must not
    // change the tree.
    ks_docs.sort_keys();
    for (k, docs) in ks_docs.values() {
        files.insert(tree.ks_file(k), yaml::to_stream(docs));
    }
    let components: Vec<&KustomizationIr> = ks_docs.values().map(|(k, _)| *k).collect();
    for (path, resources) in tree.index_files(ir, &components) {
        files.insert(path, kustomize_file(resources));
    }
    files
}

/// The Flux Kustomization object of `k`, its files at `path`.
fn kustomization_doc(ir: &ClusterIr, k: &KustomizationIr, tree: &Tree, path: &str) -> Yaml {
    let mut spec = vec![];
    let depends_on = tree.depends_on(k);
    if !depends_on.is_empty() {
        spec.push(("dependsOn", Yaml::Seq(depends_on)));
    }
    if !k.health_checks.is_empty() {
        spec.push((
            "healthChecks",
            Yaml::Seq(
                k.health_checks
                    .iter()
                    .map(|h| {
                        let mut m = vec![
                            ("apiVersion", s(&h.api_version)),
                            ("kind", s(&h.kind)),
                            ("name", s(&h.name)),
                        ];
                        if let Some(ns) = &h.namespace {
                            m.push(("namespace", s(ns)));
                        }
                        map(m)
                    })
                    .collect(),
            ),
        ));
    }
    spec.push(("interval", s(&ir.interval)));
    spec.push(("path", s(path)));
    spec.push(("prune", Yaml::Bool(true)));
    spec.push((
        "sourceRef",
        map(vec![
            ("kind", s("GitRepository")),
            ("name", s("flux-system")),
            ("namespace", s("flux-system")),
        ]),
    ));
    if let Some(ns) = tree.target_namespace(k) {
        spec.push(("targetNamespace", s(ns)));
    }
    spec.push(("timeout", s(&k.timeout)));
    // With `wait`, Flux ignores healthChecks; wait only when there are none.
    spec.push(("wait", Yaml::Bool(k.health_checks.is_empty())));
    let spec = with_settings(spec, &k.settings);
    map(vec![
        ("apiVersion", s("kustomize.toolkit.fluxcd.io/v1")),
        ("kind", s("Kustomization")),
        (
            "metadata",
            map(vec![
                ("name", s(&k.name)),
                ("namespace", s(tree.object_namespace(k))),
            ]),
        ),
        ("spec", spec),
    ])
}

fn gotk_sync(ir: &ClusterIr, path: &str) -> String {
    let path = path.trim_end_matches('/');
    let meta = map(vec![
        ("name", s("flux-system")),
        ("namespace", s("flux-system")),
    ]);
    yaml::to_stream(&[
        map(vec![
            ("apiVersion", s("source.toolkit.fluxcd.io/v1")),
            ("kind", s("GitRepository")),
            ("metadata", meta.clone()),
            (
                "spec",
                map(vec![
                    ("interval", s(&ir.interval)),
                    ("ref", map(vec![("branch", s(&ir.branch))])),
                    ("url", s(&ir.git_url)),
                ]),
            ),
        ]),
        map(vec![
            ("apiVersion", s("kustomize.toolkit.fluxcd.io/v1")),
            ("kind", s("Kustomization")),
            ("metadata", meta),
            (
                "spec",
                map(vec![
                    ("interval", s(&ir.interval)),
                    ("path", s(path)),
                    ("prune", Yaml::Bool(true)),
                    (
                        "sourceRef",
                        map(vec![
                            ("kind", s("GitRepository")),
                            ("name", s("flux-system")),
                        ]),
                    ),
                ]),
            ),
        ]),
    ])
}

/// The cluster's DNS domain (`cluster.dns_domain`, default `cluster.local`).
fn cluster_domain(db: &dyn Db, lab: Lab, cluster: &str) -> String {
    match facts::cluster_facts(db, lab, cluster.to_string()) {
        Some(facts) => match &facts.value {
            Value::Record(r) => r.get("dns_domain").and_then(Value::scalar_text),
            _ => None,
        },
        None => None,
    }
    .unwrap_or_else(|| "cluster.local".into())
}

/// The FluxInstance of a cluster in `flux-operator` mode. Its `sync` makes the operator
/// create the `flux-system` GitRepository and Kustomization that `gotk-sync.yaml` holds in
/// the other mode (same names, so every `ks.yaml` refers to the same source), and since
/// the sync path includes `flux-system/`, Flux then manages its own FluxInstance.
fn flux_instance(ir: &ClusterIr, boot: &Bootstrap, domain: &str, path: &str) -> String {
    let mut distribution = vec![
        ("version", s(&boot.version)),
        ("registry", s(&boot.registry)),
    ];
    if let Some(artifact) = &boot.artifact {
        distribution.push(("artifact", s(artifact)));
    }
    if let Some(secret) = &boot.image_pull_secret {
        distribution.push(("imagePullSecret", s(secret)));
    }
    let mut cluster = vec![("type", s(&boot.cluster_type))];
    if let Some(size) = &boot.size {
        cluster.push(("size", s(size)));
    }
    cluster.push(("multitenant", Yaml::Bool(boot.multitenant)));
    cluster.push(("networkPolicy", Yaml::Bool(boot.network_policy)));
    cluster.push(("domain", s(domain)));
    // The operator's sync path is relative to the repository root, without `./`.
    let path = path.trim_end_matches('/').trim_start_matches("./");
    let path = if path.is_empty() || path == "." {
        "./"
    } else {
        path
    };
    let mut sync = vec![
        ("kind", s("GitRepository")),
        ("url", s(&ir.git_url)),
        ("ref", s(&format!("refs/heads/{}", ir.branch))),
        ("path", s(path)),
        ("interval", s(&ir.interval)),
    ];
    if let Some(secret) = &boot.pull_secret {
        sync.push(("pullSecret", s(secret)));
    }
    if let Some(provider) = &boot.provider {
        sync.push(("provider", s(provider)));
    }
    let mut spec = vec![
        ("distribution", map(distribution)),
        (
            "components",
            Yaml::Seq(boot.components.iter().map(|c| s(c)).collect()),
        ),
        ("cluster", map(cluster)),
    ];
    if !boot.patches.is_empty() {
        spec.push((
            "kustomize",
            map(vec![(
                "patches",
                Yaml::Seq(boot.patches.iter().map(Value::to_yaml).collect()),
            )]),
        ));
    }
    spec.push(("sync", map(sync)));
    yaml::to_stream(&[map(vec![
        ("apiVersion", s("fluxcd.controlplane.io/v1")),
        ("kind", s("FluxInstance")),
        (
            "metadata",
            map(vec![("name", s("flux")), ("namespace", s("flux-system"))]),
        ),
        ("spec", map(spec)),
    ])])
}

#[cfg(test)]
mod tests {
    use super::is_plain_path;

    #[test]
    fn plain_paths() {
        assert!(is_plain_path("clusters/home/web/app/configmap.yaml"));
        assert!(is_plain_path(
            "clusters/home/web/app/kustomization.kustomize.toolkit.fluxcd.io.yaml"
        ));
        for bad in [
            "",
            "/etc/passwd",
            "clusters//x.yaml",
            "clusters/c/web/app/../../../../victim.yaml",
            "clusters/c/web/app/.yaml",
            "clusters/c/web/app/",
            "clusters/c/we b/x.yaml",
            "clusters/c/web\\x.yaml",
            "clusters/c/web/x\0.yaml",
        ] {
            assert!(!is_plain_path(bad), "{bad:?}");
        }
    }
}
