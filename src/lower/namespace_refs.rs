//! Namespace references: the namespaces a cluster has (component namespaces, the ones labc
//! writes for resources, Namespace objects, the system ones), and the emitted objects and
//! health checks that name a namespace the cluster does not have: a selector or subject
//! naming one (E0412), a health check waiting in one (E0411).

use indexmap::{IndexMap, IndexSet};

use crate::db::{Db, Lab};
use crate::diag::{codes, did_you_mean, Diag};
use crate::sema::component::components_on;
use crate::sema::component_ir::{ComponentIr, Resource};
use crate::sema::eval::Value;
use crate::sema::index::{self, decl_index};
use crate::sema::kube::SYSTEM_NAMESPACES;

/// Label keys whose value is a namespace name, in a selector's `matchLabels` or as the
/// `key` of a `matchExpressions` entry: the label the API server puts on every Namespace,
/// and the pod label that network policy engines match a pod's namespace with (with and
/// without the `k8s:` source prefix such engines accept).
const NAMESPACE_LABEL_KEYS: &[&str] = &[
    "kubernetes.io/metadata.name",
    "io.kubernetes.pod.namespace",
    "k8s:io.kubernetes.pod.namespace",
];

/// Whether a label key names the cluster of the selected pods (its last dotted word is
/// `cluster`): a selector with one reaches another cluster's namespaces.
fn is_cluster_key(key: &str) -> bool {
    key.rsplit('.').next() == Some("cluster")
}

/// Which clusters a namespace reference is about.
#[derive(Clone)]
enum Scope {
    /// The object's own cluster.
    Here,
    /// The clusters a selector names with a cluster label; empty when it names them in a
    /// way not read here (the reference is then checked against every cluster).
    Clusters(Vec<String>),
}

/// A namespace an object names, and on which clusters it must exist.
struct NsRef {
    name: String,
    scope: Scope,
    what: &'static str,
}

/// The clusters a selector names: a cluster label in `matchLabels` or an `In` entry on
/// one in `matchExpressions`.
fn selector_scope(r: &IndexMap<String, Value>) -> Scope {
    let mut named: Option<Vec<String>> = None;
    if let Some(Value::Record(labels)) = r.get("matchLabels") {
        for (k, v) in labels {
            if is_cluster_key(k) {
                let list = named.get_or_insert_with(Vec::new);
                if let Value::Str(c) = v {
                    list.push(c.clone());
                }
            }
        }
    }
    if let Some(Value::List(exprs)) = r.get("matchExpressions") {
        for e in exprs {
            let Value::Record(e) = e else { continue };
            if !matches!(e.get("key"), Some(Value::Str(k)) if is_cluster_key(k)) {
                continue;
            }
            let list = named.get_or_insert_with(Vec::new);
            let is_in = matches!(e.get("operator"), Some(Value::Str(o)) if o == "In");
            if let (true, Some(Value::List(values))) = (is_in, e.get("values")) {
                list.extend(values.iter().filter_map(|v| match v {
                    Value::Str(c) => Some(c.clone()),
                    _ => None,
                }));
            } else {
                // `NotIn`, `Exists`: any cluster may be meant.
                return Scope::Clusters(Vec::new());
            }
        }
    }
    named.map_or(Scope::Here, Scope::Clusters)
}

/// The namespaces `v` names in selectors and ServiceAccount subjects, depth first.
fn collect_refs(v: &Value, out: &mut Vec<NsRef>) {
    match v {
        Value::List(items) => items.iter().for_each(|i| collect_refs(i, out)),
        Value::Record(r) => {
            let scope = selector_scope(r);
            if let Some(Value::Record(labels)) = r.get("matchLabels") {
                for key in NAMESPACE_LABEL_KEYS {
                    if let Some(Value::Str(ns)) = labels.get(*key) {
                        out.push(NsRef {
                            name: ns.clone(),
                            scope: scope.clone(),
                            what: "selects namespace",
                        });
                    }
                }
            }
            if let Some(Value::List(exprs)) = r.get("matchExpressions") {
                expression_refs(exprs, &scope, out);
            }
            let service_account =
                matches!(r.get("kind"), Some(Value::Str(k)) if k == "ServiceAccount");
            if let (true, Some(Value::Str(ns))) = (service_account, r.get("namespace")) {
                out.push(NsRef {
                    name: ns.clone(),
                    scope: Scope::Here,
                    what: "names a ServiceAccount in namespace",
                });
            }
            r.values().for_each(|i| collect_refs(i, out));
        }
        _ => {}
    }
}

/// `matchExpressions` entries `{ key = <namespace label>, operator = "In", values = [...] }`.
fn expression_refs(exprs: &[Value], scope: &Scope, out: &mut Vec<NsRef>) {
    for e in exprs {
        let Value::Record(e) = e else { continue };
        let on_namespace = matches!(e.get("key"), Some(Value::Str(k)) if NAMESPACE_LABEL_KEYS.contains(&k.as_str()));
        let is_in = matches!(e.get("operator"), Some(Value::Str(o)) if o == "In");
        let (true, true, Some(Value::List(values))) = (on_namespace, is_in, e.get("values")) else {
            continue;
        };
        for v in values {
            if let Value::Str(ns) = v {
                out.push(NsRef {
                    name: ns.clone(),
                    scope: scope.clone(),
                    what: "selects namespace",
                });
            }
        }
    }
}

/// The namespaces a cluster has: those of its components and their resources (labc
/// writes a Namespace for each), Namespace objects, and the system namespaces.
fn cluster_namespaces(components: &[&ComponentIr]) -> IndexSet<String> {
    let mut out: IndexSet<String> = SYSTEM_NAMESPACES.iter().map(|s| s.to_string()).collect();
    for c in components {
        out.insert(c.namespace.clone());
        for r in &c.out.resources {
            if let Some(ns) = &r.namespace {
                out.insert(ns.clone());
            }
            if r.api_version == "v1" && r.kind == "Namespace" {
                out.insert(r.name.clone());
            }
        }
    }
    out
}

/// Cluster -> its namespaces, for every cluster of the lab.
type LabNamespaces<'a> = IndexMap<String, &'a IndexSet<String>>;

/// What the checks of every cluster read of one cluster: its namespaces, and whether labc
/// knows them all. A cluster's are not all known when one of its components failed (it
/// may have owned a namespace) or a component is placed on an unknown cluster (it may have
/// been meant for any): its missing namespaces are follow-ons of that error, so nothing
/// that reads them is checked until it is fixed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterNamespaces {
    names: IndexSet<String>,
    complete: bool,
}

/// The namespaces of `cluster`. A query of its own, so that an edit of one component
/// re-runs the namespace checks of its cluster only: the others read this result, which
/// stays equal unless a namespace comes or goes.
#[salsa::tracked(returns(ref))]
pub fn namespaces_of(db: &dyn Db, lab: Lab, cluster: String) -> ClusterNamespaces {
    let misplaced = index::components_misplaced(db, lab);
    let components = components_on(db, lab, &cluster);
    let mut names = cluster_namespaces(&components);
    // A declared namespace exists on its clusters even when nothing is placed in it.
    let declared = crate::sema::namespace_decl::namespace_decls(db, lab);
    names.extend(
        declared
            .iter()
            .filter(|n| n.on.contains(&cluster))
            .map(|n| n.name.clone()),
    );
    ClusterNamespaces {
        names,
        complete: !misplaced && components.iter().all(|c| c.ok),
    }
}

/// `E0411` and `E0412` over every cluster.
pub fn namespace_checks(db: &dyn Db, lab: Lab) {
    for cluster in decl_index(db, lab).clusters.keys() {
        namespace_checks_on(db, lab, cluster.clone());
    }
}

/// `E0411` and `E0412` for the objects of one cluster: they compare its references with
/// every cluster's namespaces (a selector may name another cluster's, and the notes say
/// where a namespace does exist).
#[salsa::tracked(returns(copy))]
pub(super) fn namespace_checks_on(db: &dyn Db, lab: Lab, cluster: String) {
    // Most clusters refer only to namespaces they have. Then nothing is reported and no
    // other cluster's namespaces are read, so a namespace added or removed on another
    // cluster (a tenant file added) does not check this cluster again.
    let own = namespaces_of(db, lab, cluster.clone());
    if own.complete
        && components_on(db, lab, &cluster)
            .into_iter()
            .filter(|c| c.ok)
            .all(|c| refers_only_to(c, &own.names))
    {
        return;
    }
    let mut namespaces: LabNamespaces = IndexMap::new();
    let mut incomplete: IndexSet<String> = IndexSet::new();
    for other in decl_index(db, lab).clusters.keys() {
        let known = namespaces_of(db, lab, other.clone());
        if !known.complete {
            incomplete.insert(other.clone());
        }
        namespaces.insert(other.clone(), &known.names);
    }
    let checked_here = !incomplete.contains(&cluster);
    for c in components_on(db, lab, &cluster)
        .into_iter()
        .filter(|c| c.ok)
    {
        check_selectors(db, &cluster, c, &namespaces, &incomplete);
        if checked_here {
            check_health_namespaces(db, &cluster, c, &namespaces);
        }
    }
}

/// Whether every namespace a component's health checks and selectors name is in `here`
/// and no selector names another cluster: what `check_selectors` and
/// `check_health_namespaces` would then find is nothing to report.
fn refers_only_to(c: &ComponentIr, here: &IndexSet<String>) -> bool {
    let health_here = c
        .out
        .health
        .iter()
        .all(|h| h.namespace.as_deref().is_none_or(|ns| here.contains(ns)));
    health_here
        && c.out.resources.iter().all(|r| {
            let mut refs = Vec::new();
            collect_refs(&r.body, &mut refs);
            refs.iter()
                .all(|nr| matches!(nr.scope, Scope::Here) && here.contains(&nr.name))
        })
}

/// The clusters other than `cluster` that have namespace `ns`.
fn clusters_with<'a>(namespaces: &'a LabNamespaces, cluster: &str, ns: &str) -> Vec<&'a str> {
    namespaces
        .iter()
        .filter(|(c, set)| *c != cluster && set.contains(ns))
        .map(|(c, _)| c.as_str())
        .collect()
}

/// `E0412`: a selector or subject of an emitted object names a namespace that does not
/// exist on the cluster (on any cluster, for a selector that names a cluster). Once per
/// component and namespace, at the first object naming it.
fn check_selectors(
    db: &dyn Db,
    cluster: &str,
    c: &ComponentIr,
    namespaces: &LabNamespaces,
    incomplete: &IndexSet<String>,
) {
    let here = &namespaces[cluster];
    let mut reported: IndexSet<String> = IndexSet::new();
    for r in &c.out.resources {
        let mut refs = Vec::new();
        collect_refs(&r.body, &mut refs);
        for nr in refs {
            let unsure = match &nr.scope {
                Scope::Here => incomplete.contains(cluster),
                Scope::Clusters(named) if !named.is_empty() => {
                    named.iter().any(|c| incomplete.contains(c))
                }
                Scope::Clusters(_) => !incomplete.is_empty(),
            };
            if unsure {
                continue;
            }
            let exists = match &nr.scope {
                Scope::Here => here.contains(&nr.name),
                // Named clusters the lab does not declare: any cluster may be meant.
                Scope::Clusters(named)
                    if named.iter().all(|c| namespaces.contains_key(c)) && !named.is_empty() =>
                {
                    named.iter().any(|c| namespaces[c].contains(&nr.name))
                }
                Scope::Clusters(_) => namespaces.values().any(|s| s.contains(&nr.name)),
            };
            if exists || !reported.insert(nr.name.clone()) {
                continue;
            }
            report_unknown_namespace(db, cluster, c, r, &nr, namespaces);
        }
    }
}

fn report_unknown_namespace(
    db: &dyn Db,
    cluster: &str,
    c: &ComponentIr,
    r: &Resource,
    nr: &NsRef,
    namespaces: &LabNamespaces,
) {
    // The clusters the reference is about, and the namespaces they have.
    let targets: Vec<&str> = match &nr.scope {
        Scope::Clusters(named)
            if !named.is_empty() && named.iter().all(|n| namespaces.contains_key(n)) =>
        {
            named.iter().map(String::as_str).collect()
        }
        Scope::Clusters(_) => namespaces.keys().map(String::as_str).collect(),
        Scope::Here => vec![cluster],
    };
    let known: IndexSet<&str> = targets
        .iter()
        .flat_map(|t| namespaces[*t].iter().map(String::as_str))
        .collect();
    let on = if targets.len() == 1 {
        format!("cluster `{}`", targets[0])
    } else {
        format!(
            "clusters {}",
            targets
                .iter()
                .map(|t| format!("`{t}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let mut d = super::placement::resource_diag(
        db,
        codes::E0412,
        c,
        r,
        format!(
            "{} `{}` {} `{}`, which does not exist on {on}",
            r.kind, r.name, nr.what, nr.name
        ),
        format!("{} `{}`", nr.what, nr.name),
    );
    let elsewhere: Vec<&str> = namespaces
        .iter()
        .filter(|(n, set)| !targets.contains(&n.as_str()) && set.contains(&nr.name))
        .map(|(n, _)| n.as_str())
        .collect();
    if !elsewhere.is_empty() {
        d = d.note(format!(
            "namespace `{}` exists on: {}",
            nr.name,
            elsewhere.join(", ")
        ));
    }
    d.help_opt(did_you_mean(&nr.name, known.iter().copied()))
        .emit(db);
}

/// `E0411`: a health check of a component waits for an object in a namespace that
/// nothing creates on the cluster, so the Kustomization never becomes ready.
fn check_health_namespaces(
    db: &dyn Db,
    cluster: &str,
    c: &ComponentIr,
    namespaces: &LabNamespaces,
) {
    let here = &namespaces[cluster];
    let mut reported: IndexSet<&str> = IndexSet::new();
    for h in &c.out.health {
        let Some(ns) = h.namespace.as_deref() else {
            continue;
        };
        if here.contains(ns) || !reported.insert(ns) {
            continue;
        }
        let elsewhere = clusters_with(namespaces, cluster, ns);
        let mut d = Diag::error(
            codes::E0411,
            c.file,
            c.name_span,
            format!(
                "`{}` waits for {} `{}` in namespace `{ns}`, which nothing creates on cluster `{cluster}`",
                c.name, h.kind, h.name
            ),
        )
        .label(format!("health check in namespace `{ns}`"));
        d = if elsewhere.is_empty() {
            d.help(format!(
                "place a component whose namespace is `{ns}` on cluster `{cluster}`, or check an object in a namespace the cluster has"
            ))
            .help_opt(did_you_mean(ns, here.iter().map(String::as_str)))
        } else {
            d.note(format!("namespace `{ns}` exists on: {}", elsewhere.join(", ")))
                .help(format!(
                    "place a component whose namespace is `{ns}` on cluster `{cluster}` too (as on {}), or check an object of this cluster",
                    elsewhere.join(", ")
                ))
        };
        d.emit(db);
    }
}
