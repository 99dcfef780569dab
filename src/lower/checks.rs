//! Per-cluster checks: missing CRDs and capabilities, addresses outside the cluster's
//! pools or used twice, Kustomization names that clash, objects created twice, and
//! dependency cycles.

use indexmap::{IndexMap, IndexSet};

use crate::db::{Db, Lab, SourceFile};
use crate::diag::{unknown_name_help, Diag};
use crate::sema::component::components_on;
use crate::sema::component_ir::{ComponentIr, Crd, Resource};
use crate::sema::eval::{AddressUse, CapabilityUse, Value};
use crate::sema::facts::{self, crds_on_cluster};
use crate::sema::index::item_index;
use crate::syntax::ast::Span;

use super::ir::{ClusterIr, Plans, Providers};
use crate::diag::codes;

// ---- missing CRDs and capabilities ----

/// `E0403`: no CRD for the kind of `r` is installed on the cluster; says where it is.
pub(super) fn report_missing_crd(
    db: &dyn Db,
    lab: Lab,
    cluster: &str,
    r: &Resource,
    crds: &[(Crd, Option<String>)],
) {
    let elsewhere: Vec<String> = item_index(db, lab)
        .clusters
        .keys()
        .filter(|other| **other != cluster)
        .filter(|other| {
            crds_on_cluster(db, lab, (*other).clone())
                .iter()
                .any(|(crd, _)| crd.api_version == r.api_version && crd.kind == r.kind)
        })
        .cloned()
        .collect();
    let mut d = Diag::error(
        codes::E0403,
        r.file,
        r.span,
        format!(
            "no CRD for `{}` `{}` is installed on cluster `{cluster}`",
            r.api_version, r.kind
        ),
    )
    .label(format!("{} on cluster `{cluster}`", r.kind));
    if !elsewhere.is_empty() {
        d = d.note(format!("it is installed on: {}", elsewhere.join(", ")));
    }
    let same_kind: Vec<&str> = crds
        .iter()
        .filter(|(crd, _)| crd.kind == r.kind)
        .map(|(crd, _)| crd.api_version.as_str())
        .collect();
    d = if let Some(v) = same_kind.first() {
        d.help(format!("`{}` is served as `{v}` on this cluster", r.kind))
    } else {
        d.help("install the operator that provides this CRD on this cluster")
    };
    d.emit(db);
}

/// How many providers of a kind a missing-capability error compares the value with.
const MAX_SUGGESTED: usize = 1000;
/// How many of them its help lists.
const MAX_LISTED: usize = 20;

/// The clusters where each (capability kind, value) is provided, for E0402's note: one
/// pass over the lab, instead of a scan of every cluster's components per error.
#[salsa::tracked(returns(ref))]
pub fn capability_clusters(db: &dyn Db, lab: Lab) -> IndexMap<(String, String), Vec<String>> {
    let mut out: IndexMap<(String, String), Vec<String>> = IndexMap::new();
    for cluster in item_index(db, lab).clusters.keys() {
        for comp in components_on(db, lab, cluster) {
            for (k, v, _, _) in &comp.out.provides {
                let on = out.entry((k.clone(), v.clone())).or_default();
                if on.last() != Some(cluster) {
                    on.push(cluster.clone());
                }
            }
        }
    }
    out
}

/// `E0402`: no component on the cluster provides the capability `u` uses.
pub(super) fn report_missing_capability(
    db: &dyn Db,
    lab: Lab,
    cluster: &str,
    u: &CapabilityUse,
    providers: &Providers,
) {
    let elsewhere: Vec<String> = capability_clusters(db, lab)
        .get(&(u.kind.clone(), u.value.clone()))
        .into_iter()
        .flatten()
        .filter(|c| c.as_str() != cluster)
        .cloned()
        .collect();
    // Suggestions and the list in the help come from the first providers of the kind
    // only: with thousands of providers and of uses, comparing each use with each
    // provider would be quadratic (and the list unreadable).
    let here = providers
        .keys()
        .filter(|(k, _)| *k == u.kind)
        .map(|(_, v)| v.as_str())
        .take(MAX_SUGGESTED);
    let mut d = Diag::error(
        codes::E0402,
        u.file,
        u.span,
        format!(
            "no component on cluster `{cluster}` provides {} `{}`",
            u.kind, u.value
        ),
    )
    .label(format!("needs {} `{}` on `{cluster}`", u.kind, u.value));
    if !elsewhere.is_empty() {
        d = d.note(format!(
            "{} `{}` is provided on: {}",
            u.kind,
            u.value,
            elsewhere.join(", ")
        ));
    }
    d.help_opt(unknown_name_help(&u.value, here, |here| {
        Some(providers_help(cluster, &u.kind, here))
    }))
    .emit(db);
}

/// The help of `E0402` when no provider's name is close: the first providers of the
/// kind on the cluster, or what to install.
fn providers_help(cluster: &str, kind: &str, here: &[&str]) -> String {
    if here.is_empty() {
        return format!("install an operator that provides {kind} on `{cluster}`");
    }
    let shown = &here[..here.len().min(MAX_LISTED)];
    let more = if here.len() > shown.len() {
        ", ..."
    } else {
        ""
    };
    format!("{kind} on `{cluster}`: {}{more}", shown.join(", "))
}

// ---- addresses ----

/// The address ranges of the cluster's LoadBalancer pools.
pub(super) fn cluster_pools(
    db: &dyn Db,
    lab: Lab,
    cluster: &str,
) -> Vec<crate::literal::AddrRange> {
    match facts::cluster_facts(db, lab, cluster.to_string()) {
        Some(facts::ClusterFacts {
            value: Value::Record(r),
            ..
        }) => match r.get("pools") {
            Some(Value::List(ps)) => ps
                .iter()
                .filter_map(|p| match p {
                    Value::Record(p) => match p.get("addresses") {
                        Some(Value::Range(range)) => Some(*range),
                        _ => None,
                    },
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// An address requested inside a template: also point at what asked for it.
fn with_site(d: Diag, a: &AddressUse, what: &str) -> Diag {
    match a.site {
        Some((file, span)) => d.secondary(file, span, what.to_string()),
        None => d,
    }
}

/// Address checks: requested addresses lie in a pool of this cluster (`E0405`), used
/// once (`E0409`).
pub(super) fn check_addresses(db: &dyn Db, lab: Lab, cluster: &str, components: &[&ComponentIr]) {
    let pools = cluster_pools(db, lab, cluster);
    let mut addresses: IndexMap<std::net::IpAddr, &AddressUse> = IndexMap::new();
    for c in components {
        for a in &c.out.address_uses {
            if !pools.iter().any(|p| p.contains(a.ip)) {
                report_outside_pools(db, cluster, a, &pools);
            }
            if let Some(first) = addresses.get(&a.ip) {
                let d = Diag::error(
                    codes::E0409,
                    a.file,
                    a.span,
                    format!("{} is used twice on cluster `{cluster}`", a.ip),
                )
                .label("used again here");
                let d = with_site(d, a, "used again for this");
                let d = d.secondary(first.file, first.span, "first used here");
                with_site(d, first, "first used for this").emit(db);
            } else {
                addresses.insert(a.ip, a);
            }
        }
    }
}

/// `E0405`: the address `a` is in none of the cluster's pools.
fn report_outside_pools(
    db: &dyn Db,
    cluster: &str,
    a: &AddressUse,
    pools: &[crate::literal::AddrRange],
) {
    let mut d = Diag::error(
        codes::E0405,
        a.file,
        a.span,
        format!(
            "{} is not in any LoadBalancer pool of cluster `{cluster}`",
            a.ip
        ),
    )
    .label("outside the cluster's pools");
    d = with_site(d, a, "while evaluating this");
    d = if pools.is_empty() {
        d.help(format!("declare a pool on `{cluster}`: pool {cluster}-lb on {cluster} {{ addresses = A .. B }}"))
    } else {
        d.note(format!(
            "the pools of `{cluster}` are: {}",
            pools
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    };
    d.emit(db);
}

// ---- Kustomization names ----

/// A component named like the config Kustomization of another (`a-config` next to `a`
/// with a config part) would make two Flux Kustomizations of one name: `E0508` at it.
pub(super) fn check_kustomization_names(
    db: &dyn Db,
    components: &[&ComponentIr],
    has_config: &IndexSet<String>,
) {
    for c in components {
        // A lookup, not a scan: a cluster may hold tens of thousands of components.
        let Some(owner) = c
            .name
            .strip_suffix("-config")
            .filter(|o| has_config.contains(*o))
        else {
            continue;
        };
        Diag::error(
            codes::E0508,
            c.file,
            c.name_span,
            format!("the name `{}` is taken by the config Kustomization of `{owner}`", c.name),
        )
        .label("named like a generated Kustomization")
        .note(format!("`{owner}`'s own custom resources are applied by the Flux Kustomization `{owner}-config`, after its release"))
        .help("choose another name")
        .emit(db);
    }
}

// ---- objects created twice ----

/// The identity of an object: (group, kind, namespace, name); the group of a core kind is
/// its version (`v1`), as `apiVersion` splits.
type ObjectKey = (String, String, String, String);

/// Where an object comes from: (component, where, whether labc generates the object for
/// it).
type Origin = (String, SourceFile, Span, bool);

/// The objects of a cluster seen so far, for `E0408`.
pub(super) type Objects = IndexMap<ObjectKey, Origin>;

fn object_key(group: &str, kind: &str, namespace: &str, name: &str) -> ObjectKey {
    (group.into(), kind.into(), namespace.into(), name.into())
}

/// The objects of Flux's bootstrap (`flux-system/gotk-sync.yaml`).
fn bootstrap_objects() -> [ObjectKey; 2] {
    [
        object_key(
            "source.toolkit.fluxcd.io",
            "GitRepository",
            "flux-system",
            "flux-system",
        ),
        object_key(
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            "flux-system",
            "flux-system",
        ),
    ]
}

/// The names of the Flux Kustomizations labc writes for a component: its own when it emits
/// anything, and `<name>-config` when its own custom resources wait for its release.
fn flux_kustomizations(
    c: &ComponentIr,
    has_main: bool,
    has_config: bool,
    config_only: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    if has_main || config_only {
        out.push(c.name.clone());
    }
    if has_main && has_config {
        out.push(format!("{}-config", c.name));
    }
    out
}

/// The objects labc generates for a component: its Namespaces, chart source and
/// HelmRelease, and Flux Kustomizations (in `flux-system`).
fn generated_objects(
    c: &ComponentIr,
    namespaces: &[&str],
    kustomizations: &[String],
) -> Vec<ObjectKey> {
    let mut out: Vec<ObjectKey> = namespaces
        .iter()
        .map(|ns| object_key("v1", "Namespace", "", ns))
        .collect();
    if let Some(chart) = &c.out.chart {
        let source =
            |kind: &str| object_key("source.toolkit.fluxcd.io", kind, &c.namespace, &c.name);
        if chart.oci {
            out.push(source("OCIRepository"));
        } else {
            out.push(source("HelmRepository"));
            out.push(source("HelmChart"));
        }
        out.push(object_key(
            "helm.toolkit.fluxcd.io",
            "HelmRelease",
            &c.namespace,
            &c.name,
        ));
    }
    for k in kustomizations {
        out.push(object_key(
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            "flux-system",
            k,
        ));
    }
    out
}

/// The objects labc generates count as objects of their components, so a declared one
/// of the same identity is `E0408` rather than silently replacing it on apply.
pub(super) fn generated_object_origins(plans: &Plans) -> Objects {
    let mut objects: Objects = IndexMap::new();
    for plan in &plans.plans {
        let origin = (plan.c.name.clone(), plan.c.file, plan.c.name_span, true);
        let kustomizations = flux_kustomizations(
            plan.c,
            plans.has_main.contains(&plan.c.name),
            plans.has_config.contains(&plan.c.name),
            !plan.config_resources.is_empty(),
        );
        for key in generated_objects(plan.c, &plan.generated_namespaces, &kustomizations) {
            objects.entry(key).or_insert_with(|| origin.clone());
        }
    }
    objects
}

/// Duplicate objects on the cluster: each resource of `c` is `E0408` when Flux's
/// bootstrap, labc or an earlier component already makes an object of its identity.
pub(super) fn check_duplicate_objects(
    db: &dyn Db,
    cluster: &str,
    c: &ComponentIr,
    objects: &mut Objects,
) {
    for r in &c.out.resources {
        let group = r
            .api_version
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let key = (
            group,
            r.kind.clone(),
            r.namespace.clone().unwrap_or_default(),
            r.name.clone(),
        );
        let shown_name = match &r.namespace {
            Some(ns) => format!("{ns}/{}", r.name),
            None => r.name.clone(),
        };
        let twice = || {
            Diag::error(
                codes::E0408,
                r.file,
                r.span,
                format!(
                    "{} `{shown_name}` is created twice on cluster `{cluster}`",
                    r.kind
                ),
            )
            .label(format!("created by `{}`", c.name))
        };
        if bootstrap_objects().contains(&key) {
            twice()
                .note(format!(
                    "labc writes it for Flux itself, in `clusters/{cluster}/flux-system/`"
                ))
                .help("give the object another name")
                .emit(db);
        } else if let Some((other, file, span, generated)) = objects.get(&key) {
            let also = if *generated {
                format!("also generated by labc for `{other}`")
            } else {
                format!("also created by `{other}`")
            };
            twice().secondary(*file, *span, also).emit(db);
        } else {
            objects.insert(key, (c.name.clone(), r.file, r.span, false));
        }
    }
}

// ---- dependency cycles ----

/// Report each cycle of the Kustomization graph once (`E0407`).
pub(super) fn check_cycles(db: &dyn Db, ir: &ClusterIr, components: &[&ComponentIr]) {
    for cycle in find_cycles(ir) {
        report_cycle(db, ir, components, &cycle);
    }
}

/// The cycles of the Kustomization graph, as indexes into `ir.kustomizations`, each
/// found once by a depth-first search.
fn find_cycles(ir: &ClusterIr) -> Vec<Vec<usize>> {
    let names: IndexMap<&str, usize> = ir
        .kustomizations
        .iter()
        .enumerate()
        .map(|(i, k)| (k.name.as_str(), i))
        .collect();
    // 0 = unvisited, 1 = on stack, 2 = done
    let mut state = vec![0u8; ir.kustomizations.len()];
    let mut stack: Vec<usize> = Vec::new();
    fn visit(
        i: usize,
        ir: &ClusterIr,
        names: &IndexMap<&str, usize>,
        state: &mut Vec<u8>,
        stack: &mut Vec<usize>,
        cycles: &mut Vec<Vec<usize>>,
    ) {
        state[i] = 1;
        stack.push(i);
        for d in &ir.kustomizations[i].depends_on {
            let Some(&j) = names.get(d.as_str()) else {
                continue;
            };
            if state[j] == 1 {
                let pos = stack.iter().position(|&x| x == j).unwrap_or(0);
                cycles.push(stack[pos..].to_vec());
            } else if state[j] == 0 {
                visit(j, ir, names, state, stack, cycles);
            }
        }
        stack.pop();
        state[i] = 2;
    }
    let mut cycles = Vec::new();
    for i in 0..ir.kustomizations.len() {
        if state[i] == 0 {
            visit(i, ir, &names, &mut state, &mut stack, &mut cycles);
        }
    }
    cycles
}

/// `E0407` for one cycle: at its first component, with the others and the references
/// that make each edge.
fn report_cycle(db: &dyn Db, ir: &ClusterIr, components: &[&ComponentIr], cycle: &[usize]) {
    let path: Vec<&str> = cycle
        .iter()
        .map(|&i| ir.kustomizations[i].name.as_str())
        .chain(std::iter::once(ir.kustomizations[cycle[0]].name.as_str()))
        .collect();
    let comp_of = |i: usize| {
        let name = &ir.kustomizations[i].component;
        components.iter().find(|c| &c.name == name)
    };
    let Some(first) = comp_of(cycle[0]) else {
        return;
    };
    let mut d = Diag::error(
        codes::E0407,
        first.file,
        first.name_span,
        format!(
            "dependency cycle on cluster `{}`: {}",
            ir.name,
            path.join(" -> ")
        ),
    )
    .label("this component is part of the cycle");
    for &i in &cycle[1..] {
        if let Some(c) = comp_of(i) {
            d = d.secondary(
                c.file,
                c.name_span,
                format!("`{}` is part of the cycle", c.name),
            );
        }
    }
    // The references that make each edge of the cycle, where the lab has them.
    for (pos, &i) in cycle.iter().enumerate() {
        let from = &ir.kustomizations[i];
        let to = &ir.kustomizations[cycle[(pos + 1) % cycle.len()]];
        // The first reference, capability or CRD behind the edge (a namespace or
        // own-CRD edge has no one value to point at).
        let written = from
            .reasons
            .get(&to.name)
            .and_then(|rs| rs.iter().find(|r| r.why.is_written()));
        if let Some(r) = written {
            d = d.secondary(
                r.file,
                r.span,
                format!("`{}` depends on `{}` here", from.name, to.name),
            );
        }
    }
    d.help("remove one of the references that form the cycle")
        .emit(db);
}
