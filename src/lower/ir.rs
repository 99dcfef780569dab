//! The Flux IR of one cluster (`ClusterIr`, `KustomizationIr`) and the plan of each
//! component that lowering builds it from (`Plan`, `Plans`).

use indexmap::{IndexMap, IndexSet};

use crate::db::{Db, Lab, SourceFile};
use crate::sema::component_ir::{ComponentIr, HealthCheck, Resource};
use crate::sema::eval::{MeshUse, Value};
use crate::sema::facts;
use crate::syntax::ast::Span;
use crate::yaml::Yaml;

// ---------------------------------------------------------------------------
// Validated parts of output paths and object identities
// ---------------------------------------------------------------------------
//
// Every output path is `clusters/<cluster>/<component>/<app|config>/<file>` (or, in the
// `home-ops` layout, under `[<cluster>/]apps/<namespace>/`, a checked name too). The cluster
// is a grammar identifier, the component a checked DNS-1123 label (`component_name_problem`),
// and the file is made from a checked kind (`object_file`). So no path built here can be
// absolute, contain `..`, a hidden or empty segment, or name a file labc writes itself.

/// One Flux Kustomization and the files under its path.
#[derive(Clone, Debug, PartialEq)]
pub struct KustomizationIr {
    pub name: String,
    /// The component it belongs to.
    pub component: String,
    /// Directory of its manifests, relative to the cluster directory (`podinfo/app`).
    pub dir: String,
    /// Its component's namespace; for a namespace's own Kustomization (`namespace-<name>`),
    /// that namespace. The `home-ops` layout files the component under it.
    pub namespace: String,
    /// Whether it is the Kustomization labc writes for a namespace (`namespace-<name>`):
    /// the `home-ops` layout writes that Namespace in the namespace's folder instead.
    pub creates_namespace: bool,
    pub depends_on: Vec<String>,
    /// Why each dependency exists and where the lab makes it, for diagnostics such as
    /// cycles and for `labc graph`. Not emitted.
    pub reasons: Reasons,
    /// References `x via mesh` to components on other clusters, which Flux cannot order
    /// (no `dependsOn`); on the Kustomization that carries the component's dependencies.
    pub mesh_uses: Vec<MeshUse>,
    pub health_checks: Vec<HealthCheck>,
    pub timeout: String,
    /// `spec` fields the lab's and the component's Flux settings give (`flux.kustomization`
    /// but its timeout), written over emit's defaults.
    pub settings: IndexMap<String, Yaml>,
    /// File name -> documents, in emission order.
    pub files: IndexMap<String, Vec<Yaml>>,
}

/// Everything Flux needs for one cluster.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ClusterIr {
    pub name: String,
    /// Repository folder the output is committed to (`kubernetes`), may be empty.
    pub repo_path: String,
    pub git_url: String,
    pub branch: String,
    pub interval: String,
    /// The lab-wide Flux settings (`lab { flux { ... } }`).
    pub flux: crate::sema::flux_settings::FluxSettings,
    pub kustomizations: Vec<KustomizationIr>,
}

/// The cluster's IR without Kustomizations: its git source from the `lab` declaration,
/// or `None` when the lab has no valid one.
pub(super) fn cluster_header(db: &dyn Db, lab: Lab, cluster: &str) -> Option<ClusterIr> {
    let lab_rec = match facts::lab_value(db, lab) {
        Some(Value::Record(r)) => r,
        _ => return None,
    };
    let text = |k: &str| {
        lab_rec
            .get(k)
            .and_then(Value::scalar_text)
            .unwrap_or_default()
    };
    Some(ClusterIr {
        name: cluster.to_string(),
        repo_path: text("path").trim_matches('/').to_string(),
        git_url: text("git"),
        branch: text("branch"),
        interval: text("interval"),
        flux: match lab_rec.get("flux") {
            Some(Value::Record(r)) => crate::sema::flux_settings::FluxSettings {
                value: r.clone(),
                sites: IndexMap::new(),
            },
            _ => Default::default(),
        },
        kustomizations: Vec::new(),
    })
}

/// Capability (kind, value) -> the first component on the cluster that provides it.
pub(super) type Providers = IndexMap<(String, String), String>;

/// The name of the Kustomization (and folder) in which labc writes a namespace's
/// Namespace object: fixed by the namespace's name alone, so no file order and no
/// component's name or rename can move it.
pub(super) fn namespace_kustomization(ns: &str) -> String {
    format!("namespace-{ns}")
}

/// Namespace -> the Kustomization that creates it (`namespace-<name>`, or the component
/// that writes the Namespace itself).
pub(super) type NamespaceOwners = IndexMap<String, String>;

/// Namespace -> the labels of its generated Namespace object.
pub(super) type NamespaceLabels = IndexMap<String, IndexMap<String, String>>;

/// Why one Kustomization depends on another.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Why {
    /// The component refers to the other by name (`server = db`).
    Reference { component: String },
    /// It uses a capability the other provides (`storage_class` `fast`).
    Capability { kind: String, value: String },
    /// One of its resources has a kind whose CRD the other installs.
    Crd { api_version: String, kind: String },
    /// It puts objects in a namespace the other owns (creates).
    Namespace { namespace: String },
    /// A config Kustomization waits for its own component's main one, whose chart
    /// installs the CRDs of its resources.
    OwnCrds,
    /// The component names the other in `depends_on`: an order the lab states.
    DependsOn { component: String },
}

impl Why {
    /// Whether the lab makes this dependency with a value it writes (a reference, a
    /// capability value, a resource kind): what a cycle diagnostic points at. Namespace
    /// and own-CRD dependencies follow from where things are, not from one value.
    pub fn is_written(&self) -> bool {
        matches!(
            self,
            Why::Reference { .. }
                | Why::Capability { .. }
                | Why::Crd { .. }
                | Why::DependsOn { .. }
        )
    }
}

/// One reason for a dependency and where the lab makes it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Reason {
    pub why: Why,
    pub file: SourceFile,
    pub span: Span,
}

/// A Kustomization's dependency -> its distinct reasons, the first place of each, in the
/// order lowering finds them (namespaces, references, capabilities, CRDs).
pub type Reasons = IndexMap<String, Vec<Reason>>;

/// Add a reason for `dep`, unless the same reason is already known (a component that
/// uses one storage class in ten claims depends on its provider for one reason).
pub(super) fn add_reason(reasons: &mut Reasons, dep: &str, why: Why, file: SourceFile, span: Span) {
    let list = reasons.entry(dep.to_string()).or_default();
    if !list.iter().any(|r| r.why == why) {
        list.push(Reason { why, file, span });
    }
}

/// How one component is lowered: which of its resources go to `app/` and which wait in
/// `config/`, what it depends on for CRDs, which Namespaces labc writes for it.
pub(super) struct Plan<'a> {
    pub c: &'a ComponentIr,
    pub app_resources: Vec<&'a Resource>,
    /// The component's own custom resources (its chart installs their CRDs).
    pub config_resources: Vec<&'a Resource>,
    /// Other operators whose CRDs the resources in `app/` need, with the resource.
    pub crd_providers: Vec<(String, &'a Resource)>,
    /// The namespaces this component owns that labc writes a Namespace for: all but
    /// the ones it declares itself (`resource "v1" Namespace ...`), which replace the
    /// generated one.
    pub generated_namespaces: Vec<&'a str>,
}

/// The plans of a cluster's valid components, in declaration order, and which of them
/// have a main (`app/`) and a config Kustomization.
pub(super) struct Plans<'a> {
    pub plans: Vec<Plan<'a>>,
    pub has_main: IndexSet<String>,
    pub has_config: IndexSet<String>,
    /// Components that write nothing of their own (a template that only sets its
    /// `namespace`), so have no Kustomization -> the Kustomization that creates their
    /// namespace, which stands in for them, or `None` (a system namespace).
    pub stand_ins: IndexMap<String, Option<String>>,
}

impl Plans<'_> {
    /// The Kustomization that is a component's "ready" point: its config one when it has
    /// one, else its own; for a component without a Kustomization the one creating its
    /// namespace (all such a component makes exist), and `None` when there is none, so a
    /// `dependsOn` never names a Kustomization that is not written.
    pub fn ready(&self, name: &str) -> Option<String> {
        if let Some(stand_in) = self.stand_ins.get(name) {
            stand_in.clone()
        } else if self.has_config.contains(name) {
            Some(format!("{name}-config"))
        } else {
            Some(name.to_string())
        }
    }
}
