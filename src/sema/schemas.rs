//! The schemas objects are checked against on a cluster (`schema_for`, a query per
//! cluster, apiVersion and kind): core kinds from the lab's Kubernetes version, Flux kinds
//! from the library's Flux set, custom kinds from the `crds` statement that declares them
//! on the cluster, at the chart version the component installing them there has.

use super::component::{eval_component, CompKey};
use super::component_ir::{Crd, CrdSchema};
use super::eval::files::normalize_path;
use super::eval::Value;
use super::facts::{crds_on_cluster, lab_facts};
use super::index::component_items_on;
pub use super::schema_sources::{is_schema_path, SetRef, FLUX, KUBERNETES};
use super::schema_sources::{pick_version, schema_file_set, schema_library};
use crate::db::{Db, Lab, SourceFile};
use crate::schema::NodeId;

/// The Kubernetes minor version the lab's core kinds are checked against: the lab's
/// `kubernetes`, else the newest shipped; with its set.
pub fn kubernetes_set(db: &dyn Db, lab: Lab) -> Option<&SetRef> {
    let versions = schema_library(db, lab).get(KUBERNETES)?;
    let wanted = lab_kubernetes(db, lab);
    let (_, file, _) = pick_version(versions, wanted.as_deref())?;
    schema_file_set(db, file).as_ref().ok()
}

/// The newest Flux set of the library, for the kinds Flux installs.
fn flux_set(db: &dyn Db, lab: Lab) -> Option<&SetRef> {
    let (_, file, _) = pick_version(schema_library(db, lab).get(FLUX)?, None)?;
    schema_file_set(db, file).as_ref().ok()
}

/// The lab's `kubernetes = "1.34"`, when it says.
fn lab_kubernetes(db: &dyn Db, lab: Lab) -> Option<String> {
    match &lab_facts(db, lab).as_ref()?.value {
        Value::Record(fields) => match fields.get("kubernetes")? {
            Value::Str(s) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// A lab file named from `from` (relative to its folder), among the lab's assets.
fn lab_asset(db: &dyn Db, lab: Lab, from: SourceFile, rel: &str) -> Option<SourceFile> {
    let here = from.path(db);
    let dir = here.rsplit_once('/').map_or("", |(d, _)| d);
    let wanted = normalize_path(&format!("{dir}/{rel}"));
    lab.assets(db)
        .iter()
        .find(|a| *a.path(db) == wanted)
        .copied()
}

/// The chart version the component `name` installs on `cluster`, after pins and
/// overrides; `None` when it has none or failed.
fn installed_chart_version(db: &dyn Db, lab: Lab, cluster: &str, name: &str) -> Option<String> {
    let item = component_items_on(db, lab, cluster.to_string())
        .iter()
        .find(|i| i.name == name)?;
    let key = CompKey::new(db, lab, item.file, item.index, cluster.to_string());
    let ir = eval_component(db, key).as_ref()?;
    Some(ir.out.chart.as_ref()?.version.clone())
}

/// The library version a CRD schema named `name` is taken at for a chart version (the
/// newest without one), and whether it matches.
pub fn library_version<'db>(
    db: &'db dyn Db,
    lab: Lab,
    name: &str,
    chart_version: Option<&str>,
) -> Option<(&'db str, SourceFile, bool)> {
    pick_version(schema_library(db, lab).get(name)?, chart_version)
}

/// The set a `crds` statement's schema names, for the CRDs installed on `cluster` by
/// `installer` (`None`: the bootstrap, which has no chart version).
fn crd_set<'db>(
    db: &'db dyn Db,
    lab: Lab,
    cluster: &str,
    schema: &CrdSchema,
    installer: Option<&str>,
) -> Option<&'db SetRef> {
    let file = if is_schema_path(&schema.source) {
        lab_asset(db, lab, schema.file, &schema.source)?
    } else {
        let version = installer.and_then(|c| installed_chart_version(db, lab, cluster, c));
        library_version(db, lab, &schema.source, version.as_deref())?.1
    };
    schema_file_set(db, file).as_ref().ok()
}

/// What labc knows of one kind on one cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// No schema: objects of the kind are not checked.
    Unknown,
    /// The schema of the kind at this apiVersion.
    Found { set: SetRef, root: NodeId },
    /// The kind's schema is known, but not at this apiVersion: the versions served.
    NotServed { served: Vec<String> },
}

/// The group of an apiVersion (`apps/v1` is `apps`, `v1` the core group ``).
pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// The schema of `kind` at `api_version` on `cluster`: from the `crds` statement that
/// declares that group and kind there (its `schema`; none without one), else from the
/// core kinds of the lab's Kubernetes version or the Flux kinds.
#[salsa::tracked(returns(ref))]
pub fn schema_for(
    db: &dyn Db,
    lab: Lab,
    cluster: String,
    api_version: String,
    kind: String,
) -> Lookup {
    let group = group_of(&api_version);
    let declared: Vec<&(Crd, Option<String>)> = crds_on_cluster(db, lab, cluster.clone())
        .iter()
        .filter(|(c, _)| c.kind == kind && group_of(&c.api_version) == group)
        .collect();
    // A kind declared at other versions only is E0403's (no CRD of this version).
    if !declared.is_empty() && !declared.iter().any(|(c, _)| c.api_version == api_version) {
        return Lookup::Unknown;
    }
    let set = if declared.is_empty() {
        let core = [kubernetes_set(db, lab), flux_set(db, lab)];
        // The set that has the kind (at any version), so E0519 can list its versions.
        core.iter()
            .flatten()
            .find(|s| !s.set.served_versions(group, &kind).is_empty())
            .copied()
    } else {
        declared.iter().find_map(|(c, installer)| {
            crd_set(db, lab, &cluster, c.schema.as_ref()?, installer.as_deref())
        })
    };
    let Some(set) = set else {
        return Lookup::Unknown;
    };
    if let Some(root) = set.set.root(&api_version, &kind) {
        return Lookup::Found {
            set: set.clone(),
            root,
        };
    }
    let served = set.set.served_versions(group, &kind);
    // An apiVersion neither core nor declared is E0403's (no CRD installs it).
    let explained = declared.is_empty() && !super::kube::core_kind(&api_version, &kind);
    if served.is_empty() || explained {
        Lookup::Unknown
    } else {
        Lookup::NotServed { served }
    }
}
