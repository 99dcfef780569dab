//! The app/config split of each component (which resources wait for the component's own
//! CRDs) and the `dependsOn` of its Kustomizations: namespace owners, referenced
//! components, capability providers and the operators whose CRDs it uses.

use indexmap::{IndexMap, IndexSet};

use crate::db::{Db, Lab};
use crate::sema::component_ir::{ComponentIr, Crd, Resource};
use crate::sema::kube::core_kind;

use super::checks::{report_missing_capability, report_missing_crds};
use super::ir::{add_reason, NamespaceOwners, Plan, Plans, Providers, Reasons, Why};
use super::namespaces::{generated_namespaces, owned_by};

/// Providers of capabilities on this cluster: the first component for each.
pub(super) fn capability_providers(components: &[&ComponentIr]) -> Providers {
    let mut providers: Providers = IndexMap::new();
    for c in components {
        for (kind, value, _, _) in &c.out.provides {
            providers
                .entry((kind.clone(), value.clone()))
                .or_insert_with(|| c.name.clone());
        }
    }
    providers
}

/// The first CRD of each (apiVersion, kind): a lookup per resource, not a scan.
fn crd_index(crds: &[(Crd, Option<String>)]) -> IndexMap<(&str, &str), usize> {
    let mut crd_index: IndexMap<(&str, &str), usize> = IndexMap::new();
    for (i, (crd, _)) in crds.iter().enumerate() {
        crd_index
            .entry((crd.api_version.as_str(), crd.kind.as_str()))
            .or_insert(i);
    }
    crd_index
}

/// Plan each valid component of the cluster: split its resources, pick the Namespaces
/// labc writes for it, and note which components have a main and a config Kustomization.
pub(super) fn plan_components<'a>(
    db: &dyn Db,
    lab: Lab,
    cluster: &str,
    components: &[&'a ComponentIr],
    crds: &[(Crd, Option<String>)],
    ns_owner: &'a NamespaceOwners,
) -> Plans<'a> {
    let owned_by = owned_by(ns_owner);
    let crd_index = crd_index(crds);
    let mut plans = Plans {
        plans: Vec::new(),
        has_main: IndexSet::new(),
        has_config: IndexSet::new(),
        stand_ins: IndexMap::new(),
    };
    for &c in components {
        if !c.ok {
            continue;
        }
        let mut plan = split_resources(db, lab, cluster, c, crds, &crd_index);
        let owned_namespaces: Vec<&str> =
            owned_by.get(c.name.as_str()).cloned().unwrap_or_default();
        let main_nonempty =
            c.out.chart.is_some() || !plan.app_resources.is_empty() || !owned_namespaces.is_empty();
        if main_nonempty {
            plans.has_main.insert(c.name.clone());
            if !plan.config_resources.is_empty() {
                plans.has_config.insert(c.name.clone());
            }
        }
        if !main_nonempty && plan.config_resources.is_empty() {
            let owner = ns_owner.get(&c.namespace).filter(|o| **o != c.name);
            plans.stand_ins.insert(c.name.clone(), owner.cloned());
        }
        plan.generated_namespaces = generated_namespaces(c, &owned_namespaces);
        plans.plans.push(plan);
    }
    plans
}

/// Split a component's resources into `app/` and `config/` by where their CRD comes
/// from; resources whose CRDs are not on the cluster are one `E0403`. The plan has no
/// generated namespaces yet.
fn split_resources<'a>(
    db: &dyn Db,
    lab: Lab,
    cluster: &str,
    c: &'a ComponentIr,
    crds: &[(Crd, Option<String>)],
    crd_index: &IndexMap<(&str, &str), usize>,
) -> Plan<'a> {
    let mut app_resources: Vec<&Resource> = Vec::new();
    let mut config_resources = Vec::new();
    let mut crd_providers = Vec::new();
    // Resources whose CRD is not on the cluster: one E0403 for the component.
    let mut missing = Vec::new();
    for (i, r) in c.out.resources.iter().enumerate() {
        if core_kind(&r.api_version, &r.kind) {
            app_resources.push(r);
            continue;
        }
        match crd_index
            .get(&(r.api_version.as_str(), r.kind.as_str()))
            .map(|&i| &crds[i])
        {
            Some((_, None)) => app_resources.push(r),
            // Only the component's own chart installs its CRDs with the component, so
            // only such resources must wait in `config/`.
            Some((_, Some(provider))) if *provider == c.name => config_resources.push(r),
            // Another operator's CRD: that operator's Kustomization is a dependency,
            // and the resource is applied with the rest of the component, so that
            // (say) an ExternalSecret a chart's pods read is there before they start.
            Some((_, Some(provider))) => {
                crd_providers.push((provider.clone(), r));
                app_resources.push(r)
            }
            None => missing.push((r, c.out.resource_site(i, r))),
        }
    }
    report_missing_crds(db, lab, cluster, &missing, crds);
    Plan {
        c,
        app_resources,
        config_resources,
        crd_providers,
        generated_namespaces: Vec::new(),
    }
}

/// What a component's Kustomization depends on, and why and where the lab makes each
/// dependency: the owners of the namespaces it uses, the components it references, the
/// providers of the capabilities it uses (a missing one is `E0402`), the components its
/// `depends_on` names, and the operators whose CRDs its resources need. May include the
/// component itself.
pub(super) fn dependencies(
    db: &dyn Db,
    lab: Lab,
    cluster: &str,
    plan: &Plan,
    plans: &Plans,
    ns_owner: &NamespaceOwners,
    providers: &Providers,
) -> (IndexSet<String>, Reasons) {
    let c = plan.c;
    let mut deps: IndexSet<String> = IndexSet::new();
    let mut reasons = IndexMap::new();
    // The component's own namespace is "made" by its declaration; a resource's `in`
    // namespace by the resource.
    let namespaces = std::iter::once((&c.namespace, c.file, c.name_span)).chain(
        c.out
            .resources
            .iter()
            .filter_map(|r| r.namespace.as_ref().map(|ns| (ns, r.file, r.span))),
    );
    for (ns, file, span) in namespaces {
        if let Some(owner) = ns_owner.get(ns) {
            if owner != &c.name {
                deps.insert(owner.clone());
                let why = Why::Namespace {
                    namespace: ns.clone(),
                };
                add_reason(&mut reasons, owner, why, file, span);
            }
        }
    }
    for u in &c.out.component_uses {
        if u.name != c.name {
            let Some(dep) = plans.ready(&u.name) else {
                continue;
            };
            let why = Why::Reference {
                component: u.name.clone(),
            };
            add_reason(&mut reasons, &dep, why, u.file, u.span);
            deps.insert(dep);
        }
    }
    for u in &c.out.capability_uses {
        match providers.get(&(u.kind.clone(), u.value.clone())) {
            Some(p) if p != &c.name => {
                let Some(dep) = plans.ready(p) else {
                    continue;
                };
                let why = Why::Capability {
                    kind: u.kind.clone(),
                    value: u.value.clone(),
                };
                add_reason(&mut reasons, &dep, why, u.file, u.span);
                deps.insert(dep);
            }
            Some(_) => {}
            None => report_missing_capability(db, lab, cluster, u, providers),
        }
    }
    // The order the lab states: like a reference, to the other's ready point.
    for u in &c.out.depends_on {
        if u.name != c.name {
            let Some(dep) = plans.ready(&u.name) else {
                continue;
            };
            let why = Why::DependsOn {
                component: u.name.clone(),
            };
            add_reason(&mut reasons, &dep, why, u.file, u.span);
            deps.insert(dep);
        }
    }
    for (provider, r) in &plan.crd_providers {
        deps.insert(provider.clone());
        let why = Why::Crd {
            api_version: r.api_version.clone(),
            kind: r.kind.clone(),
        };
        add_reason(&mut reasons, provider, why, r.file, r.span);
    }
    (deps, reasons)
}
