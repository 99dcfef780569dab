//! Lowering: the components of one cluster to a Flux IR (Kustomizations with their files),
//! deriving `dependsOn` and health checks, and running the per-cluster whole-lab checks.
//!
//! The IR has no syntax: documents are `Yaml` trees, paths are relative to the output root.
//! Vendor knowledge never appears here; it arrives through operator definitions (`crds`,
//! `provides`, `healthy`) evaluated from `.lab` files.

mod checks;
mod depends;
mod flux;
mod flux_settings;
mod ir;
pub mod lab_checks;
mod namespace_refs;
mod namespaces;
mod placement;
mod resource_checks;
mod schema_checks;
mod secret_refs;
mod selectors;

pub use checks::capability_clusters;
pub use ir::{ClusterIr, KustomizationIr, Reason, Reasons, Why};

use crate::db::{Db, Lab};
use crate::sema::component::components_on;
use crate::sema::facts::crds_on_cluster;

use checks::{
    check_addresses, check_cycles, check_duplicate_objects, check_kustomization_names,
    generated_object_origins,
};
use depends::{capability_providers, dependencies, plan_components};
use flux::component_kustomizations;
use ir::cluster_header;
use namespaces::{
    check_namespace_kustomization_names, namespace_kustomizations, namespace_labels,
    namespace_owners,
};

/// Every check of one cluster: its lowering (`cluster_ir`), its namespace references and
/// what the whole-lab capacity check reads of it. Returns nothing, so its memo stays when
/// a lean build drops the cluster's IR (`set_lean`): `compile::check_lab` reads this, and
/// does not lower the cluster again.
#[salsa::tracked(returns(copy))]
pub fn cluster_checked(db: &dyn Db, lab: Lab, cluster: String) {
    cluster_ir(db, lab, cluster.clone());
    namespace_refs::namespace_checks_on(db, lab, cluster.clone());
    lab_checks::cluster_capacities(db, lab, cluster);
}

/// Make the memos of the evaluations and of the lowering droppable (`lean`), or keep them
/// all (the default). A lean build of many clusters holds a few clusters' at a time: after
/// each group, `salsa::Database::trigger_lru_eviction` drops all but the last used (only
/// their values; what they read and reported stays, so nothing runs again unless read).
pub fn set_lean(db: &mut dyn Db, lean: bool) {
    let capacity = usize::from(lean);
    cluster_ir::set_lru_capacity(db, capacity);
    crate::sema::component::set_lean(db, lean);
}

/// Lower one cluster. Reports per-cluster checks; returns `None` when the lab has no
/// valid `lab` declaration.
#[salsa::tracked(returns(ref), lru = 0)]
pub fn cluster_ir(db: &dyn Db, lab: Lab, cluster: String) -> Option<ClusterIr> {
    let mut ir = cluster_header(db, lab, &cluster)?;
    let components = components_on(db, lab, &cluster);
    let crds = crds_on_cluster(db, lab, cluster.clone());
    let providers = capability_providers(&components);
    let (ns_owner, ns_plans) = namespace_owners(db, lab, &cluster, &components);
    let labels = namespace_labels(db, lab, &cluster, &components);
    let plans = plan_components(db, lab, &cluster, &components, crds, &ns_owner);
    check_addresses(db, lab, &cluster, &components);
    resource_checks::check_resources(db, lab, &cluster, &components);
    selectors::check_selectors(db, &cluster, &components);
    placement::check_crd_installers(db, lab, &cluster, crds);
    placement::check_unreconciled(db, lab, &cluster, &components, crds);
    secret_refs::check_secret_uses(db, &cluster, &components);
    // A query per component: an edit of one tenant re-checks that tenant only.
    for item in crate::sema::index::component_items_on(db, lab, cluster.clone()) {
        let key =
            crate::sema::component::CompKey::new(db, lab, item.file, item.index, cluster.clone());
        schema_checks::check_schemas(db, key);
    }
    let planned: Vec<_> = plans.plans.iter().map(|p| p.c).collect();
    check_kustomization_names(db, &planned, &plans.has_config);
    check_namespace_kustomization_names(db, &planned, &ns_plans);
    flux_settings::check_flux_settings(db, &planned);
    let mut objects = generated_object_origins(&plans);
    namespaces::generated_namespace_origins(&ns_plans, &components, &mut objects);
    ir.kustomizations
        .extend(namespace_kustomizations(&ns_plans, &labels, &ir.flux));
    for plan in &plans.plans {
        let (deps, reasons) = dependencies(db, lab, &cluster, plan, &plans, &ns_owner, &providers);
        ir.kustomizations.extend(component_kustomizations(
            plan,
            &plans,
            crds,
            &labels,
            &flux_settings::LabFlux {
                interval: &ir.interval,
                settings: &ir.flux,
            },
            deps,
            reasons,
        ));
        check_duplicate_objects(db, &cluster, plan.c, &mut objects);
    }
    check_cycles(db, &ir, &components);
    Some(ir)
}
