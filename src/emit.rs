//! Emission: the Flux IR of each cluster to files (relative path -> YAML text).
//!
//! Layout per cluster (paths relative to the output root, which is the repository folder
//! the lab declares as `path`):
//!
//! ```text
//! clusters/<cluster>/kustomization.yaml          root: flux-system + every ks.yaml
//! clusters/<cluster>/flux-system/gotk-sync.yaml   GitRepository + root Kustomization
//! clusters/<cluster>/<component>/ks.yaml          Flux Kustomization(s) of the component
//! clusters/<cluster>/<component>/app/...          namespace, source, HelmRelease, core resources
//! clusters/<cluster>/<component>/config/...       custom resources that need CRDs first
//! ```

use indexmap::IndexMap;

use crate::db::{Db, Lab};
use crate::lower::{cluster_ir, ClusterIr};
use crate::yaml::{self, map, s, Yaml};

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

/// Files of one cluster: relative path -> YAML text.
#[salsa::tracked(returns(ref))]
pub fn emit_cluster(db: &dyn Db, lab: Lab, cluster: String) -> IndexMap<String, String> {
    let mut files = IndexMap::new();
    let Some(ir) = cluster_ir(db, lab, cluster.clone()) else {
        return files;
    };
    let base = format!("clusters/{cluster}");
    let repo_prefix = if ir.repo_path.is_empty() {
        ".".to_string()
    } else {
        format!("./{}", ir.repo_path)
    };
    let flux_path = |dir: &str| format!("{repo_prefix}/{base}/{dir}");

    files.insert(
        format!("{base}/flux-system/gotk-sync.yaml"),
        gotk_sync(ir, &flux_path("")),
    );
    files.insert(
        format!("{base}/flux-system/kustomization.yaml"),
        kustomize_file(vec!["gotk-sync.yaml".into()]),
    );

    let mut root = vec!["flux-system".to_string()];
    let mut ks_docs: IndexMap<String, Vec<Yaml>> = IndexMap::new();
    for k in &ir.kustomizations {
        let mut spec = vec![];
        if !k.depends_on.is_empty() {
            spec.push((
                "dependsOn",
                Yaml::Seq(
                    k.depends_on
                        .iter()
                        .map(|d| map(vec![("name", s(d))]))
                        .collect(),
                ),
            ));
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
        spec.push(("path", s(&flux_path(&k.dir))));
        spec.push(("prune", Yaml::Bool(true)));
        spec.push((
            "sourceRef",
            map(vec![
                ("kind", s("GitRepository")),
                ("name", s("flux-system")),
                ("namespace", s("flux-system")),
            ]),
        ));
        spec.push(("timeout", s(&k.timeout)));
        // With `wait`, Flux ignores healthChecks; wait only when there are none.
        spec.push(("wait", Yaml::Bool(k.health_checks.is_empty())));
        ks_docs
            .entry(k.component.clone())
            .or_default()
            .push(map(vec![
                ("apiVersion", s("kustomize.toolkit.fluxcd.io/v1")),
                ("kind", s("Kustomization")),
                (
                    "metadata",
                    map(vec![("name", s(&k.name)), ("namespace", s("flux-system"))]),
                ),
                ("spec", map(spec)),
            ]));
        let mut resources = Vec::new();
        for (file, docs) in &k.files {
            files.insert(format!("{base}/{}/{file}", k.dir), yaml::to_stream(docs));
            resources.push(file.clone());
        }
        files.insert(
            format!("{base}/{}/kustomization.yaml", k.dir),
            kustomize_file(resources),
        );
    }
    // By name, not declaration order: renaming or reordering the lab's files must not
    // change the tree.
    ks_docs.sort_keys();
    for (component, docs) in ks_docs {
        files.insert(
            format!("{base}/{component}/ks.yaml"),
            yaml::to_stream(&docs),
        );
        root.push(format!("{component}/ks.yaml"));
    }
    files.insert(format!("{base}/kustomization.yaml"), kustomize_file(root));
    files
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
