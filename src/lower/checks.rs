//! Per-cluster checks: missing CRDs and capabilities, addresses outside the cluster's
//! pools or used twice, Kustomization names that clash, objects created twice, and
//! dependency cycles.

use indexmap::{IndexMap, IndexSet};

use crate::db::{Db, Lab, SourceFile};
use crate::diag::{unknown_name_help, Diag};
use crate::sema::component::{components_on, may_have_lost_provides};
use crate::sema::component_ir::{ComponentIr, Crd, Resource};
use crate::sema::eval::{meant_operator, AddressUse, CapabilityUse, Value};
use crate::sema::facts::{self, crds_on_cluster};
use crate::sema::index::{self, item_index, ItemRef};
use crate::syntax::ast::{DeclKind, Span, Stmt};

use super::ir::{namespace_kustomization, ClusterIr, Plans, Providers, Why};
use crate::diag::codes;

// ---- missing CRDs and capabilities ----

/// The operator definitions (stdlib and lab) whose `crds` ship each (apiVersion, kind):
/// their names, in declaration order, for E0403's help (and to keep it quiet when a
/// misspelled install meant one of them). Read from the definitions'
/// `crds` statements as `crds_on_cluster` reads them, so no operator is named in code.
#[salsa::tracked(returns(ref))]
pub fn crd_shippers(db: &dyn Db, lab: Lab) -> IndexMap<(String, String), Vec<ItemRef>> {
    let mut out: IndexMap<(String, String), Vec<ItemRef>> = IndexMap::new();
    // The definitions only (`decl_index`): a tenant file added leaves this equal.
    let index = crate::sema::index::decl_index(db, lab);
    let operators = index
        .definitions
        .values()
        .flat_map(|m| m.values())
        .filter(|d| d.kind == DeclKind::Operator);
    for op in operators {
        let mut stmts = Vec::new();
        crds_statements(&crate::sema::index::decl(db, op).body, &mut stmts);
        for stmt in stmts {
            let Stmt::Crds {
                api_version, kinds, ..
            } = stmt
            else {
                continue;
            };
            let Some(av) = api_version.as_plain_str() else {
                continue;
            };
            for k in kinds {
                let ops = out.entry((av.clone(), k.kind.text.clone())).or_default();
                if !ops.contains(op) {
                    ops.push(op.clone());
                }
            }
        }
    }
    out
}

/// `E0403`: no CRD for the kinds of `missing` (the resources of one component, each with
/// the lab's line that asked for it) is installed on the cluster. One error for the
/// component, at the first such line, the others as secondary labels: the mistake is one
/// missing operator, not one per object. Says where the CRDs are installed and which
/// operators ship them.
pub(super) fn report_missing_crds(
    db: &dyn Db,
    lab: Lab,
    cluster: &str,
    missing: &[(&Resource, (SourceFile, Span))],
    crds: &[(Crd, Option<String>)],
) {
    // `cluster_ir` calls this for every component: with nothing missing it reads no
    // query, so a clean cluster's lowering does not depend on the whole index.
    if missing.is_empty() {
        return;
    }
    // An install whose operator is misspelled (or not imported) is the one error: the
    // CRDs of the operator it was meant to install are not missing for another reason.
    let index = item_index(db, lab);
    let shippers = crd_shippers(db, lab);
    let missing: Vec<&(&Resource, (SourceFile, Span))> = missing
        .iter()
        .filter(|(r, _)| {
            let ops = shippers.get(&(r.api_version.clone(), r.kind.clone()));
            let meant_ships = |item| {
                meant_operator(db, index, item)
                    .is_some_and(|op| ops.is_some_and(|o| o.contains(op)))
            };
            !index.components_on(cluster).any(meant_ships)
        })
        .collect();
    let Some(&&(first, site)) = missing.first() else {
        return;
    };
    let mut kinds: IndexSet<(&str, &str)> = IndexSet::new();
    for (r, _) in &missing {
        kinds.insert((r.api_version.as_str(), r.kind.as_str()));
    }
    let named: Vec<String> = kinds.iter().map(|(v, k)| format!("`{v}` `{k}`")).collect();
    let message = match named.as_slice() {
        [one] => format!("no CRD for {one} is installed on cluster `{cluster}`"),
        _ => format!(
            "no CRDs for {} are installed on cluster `{cluster}`",
            named.join(", ")
        ),
    };
    let own_line = site == (first.file, first.span);
    let mut d = Diag::error(codes::E0403, site.0, site.1, message).label(if own_line {
        format!("{} on cluster `{cluster}`", first.kind)
    } else {
        format!(
            "creates {} `{}` on cluster `{cluster}`",
            first.kind, first.name
        )
    });
    for (i, (r, at)) in missing.iter().enumerate() {
        if *at != (r.file, r.span) {
            d = d.secondary(r.file, r.span, "the resource is declared here");
        }
        if i > 0 && *at != site {
            d = d.secondary(at.0, at.1, format!("creates {} `{}` here", r.kind, r.name));
        }
    }
    let elsewhere: Vec<String> = index
        .clusters
        .keys()
        .filter(|other| **other != cluster)
        .filter(|other| {
            let there = crds_on_cluster(db, lab, (*other).clone());
            kinds.iter().all(|(v, k)| {
                there
                    .iter()
                    .any(|(crd, _)| crd.api_version == *v && crd.kind == *k)
            })
        })
        .cloned()
        .collect();
    if !elsewhere.is_empty() {
        d = d.note(format!("it is installed on: {}", elsewhere.join(", ")));
    }
    let mut helps: IndexSet<String> = IndexSet::new();
    for (r, _) in &missing {
        let served = crds
            .iter()
            .find(|(crd, _)| crd.kind == r.kind)
            .map(|(crd, _)| crd.api_version.as_str());
        helps.insert(match served {
            Some(v) => format!("`{}` is served as `{v}` on this cluster", r.kind),
            None => install_help(db, lab, cluster, r, site.0),
        });
        if served.is_none() {
            for fix in install_fixes(db, lab, cluster, r, site.0) {
                if !d.fixes.contains(&fix) {
                    d.fixes.push(fix);
                }
            }
        }
    }
    d.help(helps.into_iter().collect::<Vec<_>>().join("; "))
        .emit(db);
}

/// How many operators that ship a missing CRD get a quick fix each.
const MAX_INSTALL_FIXES: usize = 3;

/// The quick fixes of `E0403`: for each operator (the first few) whose `crds` ship the
/// kind, its `install` on `cluster` at the end of `file`, with the `use` it needs.
fn install_fixes(
    db: &dyn Db,
    lab: Lab,
    cluster: &str,
    r: &Resource,
    file: SourceFile,
) -> Vec<crate::diag::Fix> {
    let key = (r.api_version.clone(), r.kind.clone());
    let Some(ops) = crd_shippers(db, lab).get(&key) else {
        return Vec::new();
    };
    let index = item_index(db, lab);
    let module = crate::db::module_name(file.path(db));
    let text = file.text(db);
    let end = text.len();
    let gap = if text.is_empty() || text.ends_with("\n\n") {
        ""
    } else if text.ends_with('\n') {
        "\n"
    } else {
        "\n\n"
    };
    ops.iter()
        .take(MAX_INSTALL_FIXES)
        .map(|op| {
            let line = format!("install {} on {cluster}", op.name);
            let mut edits = vec![crate::diag::Edit {
                file,
                span: Span::new(end, end),
                text: format!("{gap}{line}\n"),
            }];
            if index.definition(&module, &op.name) != Some(op) {
                edits.insert(0, index::add_use(db, file, &op.module));
            }
            crate::diag::Fix {
                title: format!("Add `{line}`"),
                edits,
            }
        })
        .collect()
}

/// The help of `E0403`: the line that installs an operator whose `crds` ship the kind on
/// `cluster` (with the `use` it needs in `file`), or that no known operator ships it.
fn install_help(db: &dyn Db, lab: Lab, cluster: &str, r: &Resource, file: SourceFile) -> String {
    let key = (r.api_version.clone(), r.kind.clone());
    let Some(ops) = crd_shippers(db, lab).get(&key).filter(|o| !o.is_empty()) else {
        return format!(
            "no known operator ships `{}` `{}`: install an operator whose `crds` declare it, or declare it in the `crds` of cluster `{cluster}` if its bootstrap installs it",
            r.api_version, r.kind
        );
    };
    let index = item_index(db, lab);
    let module = crate::db::module_name(file.path(db));
    // The `use` a file needs to name the operator, when it does not see it yet.
    let line = |op: &ItemRef| {
        let install = format!("`install {} on {cluster}`", op.name);
        match index.definition(&module, &op.name) {
            Some(seen) if seen == op => install,
            _ => format!("{install} (with `use {}`)", op.module),
        }
    };
    match ops.as_slice() {
        [op] => format!("`{}` ships this CRD: add {}", op.name, line(op)),
        _ => {
            let names: Vec<String> = ops.iter().map(|o| format!("`{}`", o.name)).collect();
            format!(
                "operators that ship this CRD: {}; add one of them, e.g. {}",
                names.join(", "),
                line(&ops[0])
            )
        }
    }
}

/// The `crds` statements of an operator body, also those inside `if` and `for`.
fn crds_statements<'a>(stmts: &'a [Stmt], out: &mut Vec<&'a Stmt>) {
    for s in stmts {
        match s {
            Stmt::Crds { .. } => out.push(s),
            Stmt::For { body, .. } => crds_statements(body, out),
            Stmt::If {
                then, otherwise, ..
            } => {
                crds_statements(then, out);
                crds_statements(otherwise, out);
            }
            _ => {}
        }
    }
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
    // A component with errors of its own that may have been the provider is the one
    // error reported (it says what went wrong there).
    if components_on(db, lab, cluster)
        .iter()
        .any(|c| may_have_lost_provides(db, lab, c, &u.kind))
    {
        return;
    }
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
    // A value the lab gave to a definition: at the lab's line, the check as secondary.
    let (file, span) = u.user.unwrap_or((u.file, u.span));
    let mut d = Diag::error(
        codes::E0402,
        file,
        span,
        format!(
            "no component on cluster `{cluster}` provides {} `{}`",
            u.kind, u.value
        ),
    )
    .label(format!("needs {} `{}` on `{cluster}`", u.kind, u.value));
    if u.user.is_some() {
        d = d.secondary(u.file, u.span, format!("used as {} here", u.kind));
    }
    if !elsewhere.is_empty() {
        d = d.note(format!(
            "{} `{}` is provided on: {}",
            u.kind,
            u.value,
            elsewhere.join(", ")
        ));
    }
    let mut d = d.help_opt(unknown_name_help(&u.value, here, |here| {
        Some(providers_help(cluster, &u.kind, here))
    }));
    // The suggested provider replaces the value where the lab wrote it as a literal.
    let meant = d.help.as_deref().and_then(crate::diag::suggest::suggested);
    let written = file.text(db).get(index::absolute(db, file, span).range());
    let replacement = match (meant, written) {
        (Some(meant), Some(w)) if w == u.value => Some(meant.to_string()),
        (Some(meant), Some(w)) if *w == format!("\"{}\"", u.value) => Some(format!("\"{meant}\"")),
        _ => None,
    };
    if let Some(text) = replacement {
        let title = format!("Replace with {text}");
        d = d.fix(crate::diag::Fix::replace(title, file, span, text));
    }
    d.emit(db);
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

/// Where an address check points: the lab's line that gave the address (see
/// `AddressUse::user`), else the `lb_address` call.
fn address_site(a: &AddressUse) -> (SourceFile, Span) {
    a.user.unwrap_or((a.file, a.span))
}

/// The label that says where the address `a` was requested, added after its own label:
/// the `lb_address` call when that label is at the lab's line (`a.user`), else what
/// asked for the definition (`what` names the use).
fn requested(d: Diag, a: &AddressUse, what: &str) -> Diag {
    match a.user {
        Some(_) => d.secondary(a.file, a.span, "requested from the pools here"),
        None => with_site(d, a, what),
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
                let (file, span) = address_site(a);
                let d = Diag::error(
                    codes::E0409,
                    file,
                    span,
                    format!("{} is used twice on cluster `{cluster}`", a.ip),
                )
                .label("used again here");
                let d = requested(d, a, "used again for this");
                let (first_file, first_span) = address_site(first);
                let d = d.secondary(first_file, first_span, "first used here");
                match first.user {
                    // The call of the first use is only worth a label when it differs.
                    Some(_) if (first.file, first.span) == (a.file, a.span) => d,
                    _ => requested(d, first, "first used for this"),
                }
                .emit(db);
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
    let (file, span) = address_site(a);
    let mut d = Diag::error(
        codes::E0405,
        file,
        span,
        format!(
            "{} is not in any LoadBalancer pool of cluster `{cluster}`",
            a.ip
        ),
    )
    .label("outside the cluster's pools");
    d = requested(d, a, "while evaluating this");
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

/// Where an object comes from: (component, the lab's line that makes it, whether labc
/// generates the object for it, the resource statement when it is another line, in the
/// stdlib).
type Origin = (String, SourceFile, Span, bool, Option<(SourceFile, Span)>);

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
        let origin = (
            plan.c.name.clone(),
            plan.c.file,
            plan.c.name_span,
            true,
            None,
        );
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
    for (i, r) in c.out.resources.iter().enumerate() {
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
        // A resource of a stdlib definition is reported at the lab's line that asked for
        // it, with the resource statement as a secondary label.
        let (file, span) = c.out.resource_site(i, r);
        let in_definition = (file, span) != (r.file, r.span);
        let twice = || {
            Diag::error(
                codes::E0408,
                file,
                span,
                format!(
                    "{} `{shown_name}` is created twice on cluster `{cluster}`",
                    r.kind
                ),
            )
            .label(format!("created by `{}`", c.name))
        };
        if bootstrap_objects().contains(&key) {
            let d = twice();
            let d = if in_definition {
                d.secondary(r.file, r.span, "declared here")
            } else {
                d
            };
            d.note(format!(
                "labc writes it for Flux itself, in `clusters/{cluster}/flux-system/`"
            ))
            .help("give the object another name")
            .emit(db);
        } else if let Some((other, other_file, other_span, generated, statement)) =
            objects.get(&key)
        {
            let also = if *generated {
                format!("also generated by labc for `{other}`")
            } else {
                format!("also created by `{other}`")
            };
            let d = twice().secondary(*other_file, *other_span, also);
            // Both made at one line of the lab (one instance, two statements of its
            // definition): the statements tell them apart.
            let d = match statement {
                Some((f, s)) if (*other_file, *other_span) == (file, span) => d
                    .secondary(r.file, r.span, "declared here")
                    .secondary(*f, *s, "and here"),
                _ => d,
            };
            d.emit(db);
        } else {
            let statement = in_definition.then_some((r.file, r.span));
            objects.insert(key, (c.name.clone(), file, span, false, statement));
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

/// One step of a cycle that a namespace makes: `from` waits for `to`, which creates
/// `namespace` (a component that writes its own `v1` Namespace), and where `from` uses it.
struct NamespaceStep<'a> {
    from: &'a str,
    to: &'a str,
    namespace: &'a str,
    file: SourceFile,
    span: Span,
}

/// The steps of a cycle that exist because of a namespace, in cycle order.
fn namespace_steps<'a>(ir: &'a ClusterIr, cycle: &[usize]) -> Vec<NamespaceStep<'a>> {
    let mut steps = Vec::new();
    for (pos, &i) in cycle.iter().enumerate() {
        let from = &ir.kustomizations[i];
        let to = &ir.kustomizations[cycle[(pos + 1) % cycle.len()]];
        let reasons = from.reasons.get(&to.name).into_iter().flatten();
        for r in reasons {
            if let Why::Namespace { namespace } = &r.why {
                steps.push(NamespaceStep {
                    from: &from.name,
                    to: &to.name,
                    namespace,
                    file: r.file,
                    span: r.span,
                });
                break;
            }
        }
    }
    steps
}

/// `E0407` for one cycle, `E0424` when a step of it is a namespace (a component waiting
/// for the component that creates its namespace): at its first component, with the
/// others, the references that make each edge, and each namespace step named.
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
    let ns_steps = namespace_steps(ir, cycle);
    let (code, message) = if ns_steps.is_empty() {
        (
            codes::E0407,
            format!(
                "dependency cycle on cluster `{}`: {}",
                ir.name,
                path.join(" -> ")
            ),
        )
    } else {
        let through: Vec<String> = ns_steps
            .iter()
            .map(|s| {
                format!(
                    "`{}` waits for namespace `{}`, which `{}` creates",
                    s.from, s.namespace, s.to
                )
            })
            .collect();
        (
            codes::E0424,
            format!(
                "dependency cycle through a namespace on cluster `{}`: {} ({})",
                ir.name,
                path.join(" -> "),
                through.join("; ")
            ),
        )
    };
    let mut d = Diag::error(code, first.file, first.name_span, message)
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
        // own-CRD edge has no one value to point at; a namespace step is labelled below).
        let written = from
            .reasons
            .get(&to.name)
            .and_then(|rs| rs.iter().find(|r| r.why.is_written()));
        if let Some(r) = written {
            let by = match r.why {
                Why::DependsOn { .. } => " (`depends_on`)",
                _ => "",
            };
            d = d.secondary(
                r.file,
                r.span,
                format!("`{}` depends on `{}` here{by}", from.name, to.name),
            );
        }
    }
    for s in &ns_steps {
        d = d.secondary(
            s.file,
            s.span,
            format!(
                "`{}` is in namespace `{}`, so it waits for `{}`, which writes that Namespace",
                s.from, s.namespace, s.to
            ),
        );
    }
    match ns_steps.first() {
        Some(s) => d.help(format!(
            "let labc create the namespace: remove the `v1` Namespace `{ns}` from `{to}` and, for its labels or annotations, declare `namespace {ns} on {cluster} {{ ... }}`; labc then writes it in the Kustomization `{ks}`, which depends on nothing",
            ns = s.namespace,
            ks = namespace_kustomization(s.namespace),
            to = s.to,
            cluster = ir.name,
        )),
        None => d.help("remove one of the references that form the cycle"),
    }
    .emit(db);
}
