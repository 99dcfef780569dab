//! Where each file of a cluster goes in the lab's output layout (`sema::layout`), and the
//! parts of a Flux Kustomization that depend on it: its namespace, `path`, `dependsOn`
//! entries and `targetNamespace`. Everything else `emit` writes the same in both layouts.
//!
//! `clusters` (the default), relative to the output root (the repository folder `path`):
//!
//! ```text
//! clusters/<cluster>/kustomization.yaml            flux-system + every <component>/ks.yaml
//! clusters/<cluster>/flux-system/...               the entry point (gotk-sync or FluxInstance)
//! clusters/<cluster>/<component>/ks.yaml           its Kustomizations, in `flux-system`
//! clusters/<cluster>/<component>/{app,config}/...  their files
//! clusters/<cluster>/namespace-<ns>/...            a namespace's own Kustomization
//! ```
//!
//! `home-ops`, the layout of the Flux community's repositories, under `<cluster>/` when the
//! lab has several clusters (as multi-cluster home-ops repositories do) and at the output
//! root when it has one (so an existing `kubernetes/apps/...` keeps its paths):
//!
//! ```text
//! flux/kustomization.yaml                     flux-system + ../apps/<ns> of every namespace
//! flux/flux-system/...                        the entry point; the root Kustomization syncs flux/
//! apps/<ns>/kustomization.yaml                namespace.yaml + every <app>/ks.yaml
//! apps/<ns>/namespace.yaml                    the Namespace labc writes (no Kustomization of its own)
//! apps/<ns>/<app>/ks.yaml                     its Kustomizations, in the namespace <ns>
//! apps/<ns>/<app>/{app,config}/...            their files
//! ```
//!
//! In `home-ops` the root Kustomization applies each namespace's Namespace together with
//! the Kustomizations that live in it (Flux applies Namespaces first), so the
//! `namespace-<ns>` Kustomizations of the other layout, and the `dependsOn` entries naming
//! them, are not needed and not written. A Kustomization goes in its app's namespace when
//! that exists before it: one labc writes there, or a system one (`kube-system`); a
//! namespace its own component writes is created by that component's Kustomization, which
//! therefore stays in `flux-system`. `targetNamespace` is set, as the community does, where
//! it changes nothing: every object of the Kustomization is already in that namespace.

use indexmap::{IndexMap, IndexSet};

use crate::db::{Db, Lab};
use crate::lower::{ClusterIr, KustomizationIr};
use crate::sema::index::decl_index;
use crate::sema::kube::SYSTEM_NAMESPACES;
use crate::sema::layout::Layout;
use crate::yaml::{map, s, Yaml};

/// Whether the lab has more than one cluster: a query of its own, so that emission reads
/// a count that almost never changes, not the whole declaration index.
#[salsa::tracked(returns(copy))]
pub(super) fn several_clusters(db: &dyn Db, lab: Lab) -> bool {
    decl_index(db, lab).clusters.len() > 1
}

/// The folders of one cluster in one layout.
pub(super) struct Tree {
    layout: Layout,
    /// The cluster's folder in the output root (`clusters/infra`, `infra`, or empty).
    root: String,
    /// `./<repository path>` or `.`: what every Flux `spec.path` starts with.
    repo_prefix: String,
    /// Kustomization name -> the namespace its object is written in.
    object_ns: IndexMap<String, String>,
    /// The Kustomizations the layout writes no object of (`home-ops`: the namespaces').
    folded: IndexSet<String>,
}

impl Tree {
    pub fn new(db: &dyn Db, lab: Lab, layout: Layout, ir: &ClusterIr) -> Tree {
        let root = match layout {
            Layout::Clusters => format!("clusters/{}", ir.name),
            Layout::HomeOps if several_clusters(db, lab) => ir.name.clone(),
            Layout::HomeOps => String::new(),
        };
        let repo_prefix = if ir.repo_path.is_empty() {
            ".".to_string()
        } else {
            format!("./{}", ir.repo_path)
        };
        let folded: IndexSet<String> = match layout {
            Layout::Clusters => IndexSet::new(),
            Layout::HomeOps => (ir.kustomizations.iter())
                .filter(|k| k.creates_namespace)
                .map(|k| k.name.clone())
                .collect(),
        };
        let created: IndexSet<&str> = (ir.kustomizations.iter())
            .filter(|k| folded.contains(&k.name))
            .map(|k| k.namespace.as_str())
            .collect();
        let object_ns = (ir.kustomizations.iter())
            .map(|k| {
                let ns = match layout {
                    Layout::HomeOps
                        if created.contains(k.namespace.as_str())
                            || SYSTEM_NAMESPACES.contains(&k.namespace.as_str()) =>
                    {
                        k.namespace.clone()
                    }
                    _ => "flux-system".to_string(),
                };
                (k.name.clone(), ns)
            })
            .collect();
        Tree {
            layout,
            root,
            repo_prefix,
            object_ns,
            folded,
        }
    }

    /// `rel` inside the cluster's folder.
    fn join(&self, rel: &str) -> String {
        if self.root.is_empty() {
            rel.to_string()
        } else {
            format!("{}/{rel}", self.root)
        }
    }

    /// The folder the root Kustomization (`flux-system`) syncs.
    pub fn entry(&self) -> String {
        match self.layout {
            Layout::Clusters => self.root.clone(),
            Layout::HomeOps => self.join("flux"),
        }
    }

    /// The folder of the entry point's own files (`gotk-sync.yaml` or `flux-instance.yaml`).
    pub fn flux_system(&self) -> String {
        format!("{}/flux-system", self.entry())
    }

    /// A folder of the output as a Flux `spec.path` (relative to the repository root).
    pub fn flux_path(&self, dir: &str) -> String {
        format!("{}/{dir}", self.repo_prefix)
    }

    /// Whether the layout writes no Kustomization object for `k`, only its files.
    pub fn folds(&self, k: &KustomizationIr) -> bool {
        self.folded.contains(&k.name)
    }

    /// The folder that holds `k`'s component folder.
    fn parent(&self, k: &KustomizationIr) -> String {
        match self.layout {
            Layout::Clusters => self.root.clone(),
            Layout::HomeOps => self.join(&format!("apps/{}", k.namespace)),
        }
    }

    /// The folder of `k`'s files: its `spec.path`. A folded namespace Kustomization's file
    /// goes in the namespace's folder itself.
    pub fn dir(&self, k: &KustomizationIr) -> String {
        if self.folds(k) {
            self.parent(k)
        } else {
            format!("{}/{}", self.parent(k), k.dir)
        }
    }

    /// The `ks.yaml` of `k`'s component.
    pub fn ks_file(&self, k: &KustomizationIr) -> String {
        format!("{}/{}/ks.yaml", self.parent(k), k.component)
    }

    /// The namespace `k`'s object is written in.
    pub fn object_namespace(&self, k: &KustomizationIr) -> &str {
        self.object_ns
            .get(&k.name)
            .map_or("flux-system", String::as_str)
    }

    /// `k`'s `dependsOn` entries: by name in `clusters` (all are in `flux-system`), by
    /// name and namespace in `home-ops`, without the folded ones.
    pub fn depends_on(&self, k: &KustomizationIr) -> Vec<Yaml> {
        (k.depends_on.iter())
            .filter(|d| !self.folded.contains(*d))
            .map(|d| match (self.layout, self.object_ns.get(d)) {
                (Layout::HomeOps, Some(ns)) => map(vec![("name", s(d)), ("namespace", s(ns))]),
                _ => map(vec![("name", s(d))]),
            })
            .collect()
    }

    /// The `targetNamespace` the layout gives `k`, if any: in `home-ops`, its namespace
    /// when its object is there, the lab sets none, and every object of its files is
    /// already in it (so the setting moves nothing, and a cluster-scoped object, which
    /// kustomize would give a namespace, rules it out).
    pub fn target_namespace<'k>(&self, k: &'k KustomizationIr) -> Option<&'k str> {
        let ns = k.namespace.as_str();
        let all_in = !k.files.is_empty()
            && (k.files.values().flatten())
                .all(|doc| doc.get_path(&["metadata", "namespace"]) == Some(&s(ns)));
        (self.layout == Layout::HomeOps
            && self.object_namespace(k) == ns
            && !k.settings.contains_key("targetNamespace")
            && all_in)
            .then_some(ns)
    }

    /// The kustomize files that tie the cluster together, given one Kustomization of each
    /// component (sorted by component): path -> the entries of its `resources`.
    pub fn index_files(
        &self,
        ir: &ClusterIr,
        components: &[&KustomizationIr],
    ) -> IndexMap<String, Vec<String>> {
        let ks = |k: &KustomizationIr| format!("{}/ks.yaml", k.component);
        let mut out: IndexMap<String, Vec<String>> = IndexMap::new();
        let mut root = vec!["flux-system".to_string()];
        match self.layout {
            Layout::Clusters => root.extend(components.iter().map(|k| ks(k))),
            Layout::HomeOps => {
                // Namespace folders by name, each with its Namespace first.
                let mut by_ns: IndexMap<&str, Vec<String>> = IndexMap::new();
                for k in ir.kustomizations.iter().filter(|k| self.folds(k)) {
                    let files = by_ns.entry(k.namespace.as_str()).or_default();
                    files.extend(k.files.keys().cloned());
                }
                for k in components {
                    by_ns.entry(k.namespace.as_str()).or_default().push(ks(k));
                }
                by_ns.sort_keys();
                for (ns, resources) in by_ns {
                    root.push(format!("../apps/{ns}"));
                    let file = self.join(&format!("apps/{ns}/kustomization.yaml"));
                    out.insert(file, resources);
                }
            }
        }
        out.insert(format!("{}/kustomization.yaml", self.entry()), root);
        out
    }
}
