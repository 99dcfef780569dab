//! Lowering: the components of one cluster to a Flux IR (Kustomizations with their files),
//! deriving `dependsOn` and health checks, and running the per-cluster whole-lab checks.
//!
//! The IR has no syntax: documents are `Yaml` trees, paths are relative to the output root.
//! Vendor knowledge never appears here; it arrives through operator definitions (`crds`,
//! `provides`, `healthy`) evaluated from `.lab` files.

pub mod lab_checks;

use indexmap::{IndexMap, IndexSet};

use crate::db::{Db, Lab};
use crate::diag::{did_you_mean, Diag};
use crate::sema::component::components_on;
use crate::sema::component_ir;
use crate::sema::component_ir::{ComponentIr, HealthCheck};
use crate::sema::eval::Value;
use crate::sema::facts::{self, crds_on_cluster};
use crate::sema::index::item_index;
use crate::sema::kube::{core_kind, object_file, SYSTEM_NAMESPACES};
use crate::yaml::{map, s, Yaml};

// ---------------------------------------------------------------------------
// Validated parts of output paths and object identities
// ---------------------------------------------------------------------------
//
// Every output path is `clusters/<cluster>/<component>/<app|config>/<file>`. The cluster
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
    pub depends_on: Vec<String>,
    /// Where the lab makes each dependency (a reference or a capability use), for
    /// diagnostics such as cycles. Not emitted.
    pub reasons: IndexMap<String, (crate::db::SourceFile, crate::syntax::ast::Span)>,
    pub health_checks: Vec<HealthCheck>,
    pub timeout: String,
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
    pub kustomizations: Vec<KustomizationIr>,
}

/// Lower one cluster. Reports per-cluster checks; returns `None` when the lab has no
/// valid `lab` declaration.
#[salsa::tracked(returns(ref))]
pub fn cluster_ir(db: &dyn Db, lab: Lab, cluster: String) -> Option<ClusterIr> {
    let index = item_index(db, lab);
    let lab_rec = match facts::lab_value(db, lab) {
        Some(Value::Record(r)) => r.clone(),
        _ => return None,
    };
    let text = |k: &str| {
        lab_rec
            .get(k)
            .and_then(Value::scalar_text)
            .unwrap_or_default()
    };
    let mut ir = ClusterIr {
        name: cluster.clone(),
        repo_path: text("path").trim_matches('/').to_string(),
        git_url: text("git"),
        branch: text("branch"),
        interval: text("interval"),
        kustomizations: Vec::new(),
    };
    let components = components_on(db, lab, &cluster);
    let crds = crds_on_cluster(db, lab, cluster.clone());

    // Providers of capabilities on this cluster.
    let mut providers: IndexMap<(String, String), String> = IndexMap::new();
    for c in &components {
        for (kind, value, _, _) in &c.out.provides {
            providers
                .entry((kind.clone(), value.clone()))
                .or_insert_with(|| c.name.clone());
        }
    }

    // Namespace owners: the first component (in declaration order) whose namespace it
    // is; for a namespace only resources are put in (`in "monitoring"`), the first
    // component that does so. The owner creates the Namespace; the others depend on it.
    let mut ns_owner: IndexMap<String, String> = IndexMap::new();
    let resource_namespaces = components.iter().flat_map(|c| {
        c.out
            .resources
            .iter()
            .filter_map(move |r| r.namespace.as_ref().map(|ns| (ns, c)))
    });
    let component_namespaces = components.iter().map(|c| (&c.namespace, c));
    for (ns, c) in component_namespaces.chain(resource_namespaces) {
        if !SYSTEM_NAMESPACES.contains(&ns.as_str()) {
            ns_owner.entry(ns.clone()).or_insert_with(|| c.name.clone());
        }
    }

    // The labels of each generated Namespace: what the components in it ask for, in
    // declaration order; two different values for one label are an error.
    let mut namespace_labels: IndexMap<String, IndexMap<String, String>> = IndexMap::new();
    let mut label_origin: IndexMap<
        (String, String),
        (String, crate::db::SourceFile, crate::syntax::ast::Span),
    > = IndexMap::new();
    for c in components.iter().filter(|c| c.ok) {
        for (label, (value, file, span)) in &c.out.namespace_labels {
            let key = (c.namespace.clone(), label.clone());
            match label_origin.get(&key) {
                Some((first, ffile, fspan)) if first != value => {
                    Diag::error(
                        "E0501",
                        *file,
                        *span,
                        format!(
                            "namespace `{}` gets two values for label `{label}`: `{first}` and `{value}`",
                            c.namespace
                        ),
                    )
                    .label(format!("`{label}` = `{value}` from `{}`", c.name))
                    .secondary(*ffile, *fspan, format!("`{label}` = `{first}` here"))
                    .emit(db);
                }
                Some(_) => {}
                None => {
                    label_origin.insert(key, (value.clone(), *file, *span));
                    namespace_labels
                        .entry(c.namespace.clone())
                        .or_default()
                        .insert(label.clone(), value.clone());
                }
            }
        }
    }

    // Which Kustomization is a component's "ready" point (config when it has one).
    let mut has_config: IndexSet<String> = IndexSet::new();
    let mut has_main: IndexSet<String> = IndexSet::new();
    struct Plan<'a> {
        c: &'a ComponentIr,
        app_resources: Vec<&'a component_ir::Resource>,
        /// The component's own custom resources (its chart installs their CRDs).
        config_resources: Vec<&'a component_ir::Resource>,
        /// Other operators whose CRDs the resources in `app/` need, with where.
        crd_providers: Vec<(String, crate::db::SourceFile, crate::syntax::ast::Span)>,
        /// The namespaces this component owns that labc writes a Namespace for: all but
        /// the ones it declares itself (`resource "v1" Namespace ...`), which replace the
        /// generated one.
        generated_namespaces: Vec<&'a str>,
    }
    // The namespaces each component owns, in `ns_owner` order: one pass, not a scan of
    // every namespace per component (quadratic on a cluster with many tenants).
    let mut owned_by: IndexMap<&str, Vec<&str>> = IndexMap::new();
    for (ns, owner) in &ns_owner {
        owned_by
            .entry(owner.as_str())
            .or_default()
            .push(ns.as_str());
    }
    // The first CRD of each (apiVersion, kind): a lookup per resource, not a scan.
    let mut crd_index: IndexMap<(&str, &str), usize> = IndexMap::new();
    for (i, (crd, _)) in crds.iter().enumerate() {
        crd_index
            .entry((crd.api_version.as_str(), crd.kind.as_str()))
            .or_insert(i);
    }
    let mut plans = Vec::new();
    for c in &components {
        if !c.ok {
            continue;
        }
        let mut app_resources = Vec::new();
        let mut config_resources = Vec::new();
        let mut crd_providers = Vec::new();
        for r in &c.out.resources {
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
                    crd_providers.push((provider.clone(), r.file, r.span));
                    app_resources.push(r)
                }
                None => {
                    let elsewhere: Vec<String> = index
                        .clusters
                        .keys()
                        .filter(|other| **other != cluster)
                        .filter(|other| {
                            crds_on_cluster(db, lab, (*other).clone())
                                .iter()
                                .any(|(crd, _)| {
                                    crd.api_version == r.api_version && crd.kind == r.kind
                                })
                        })
                        .cloned()
                        .collect();
                    let mut d = Diag::error(
                        "E0403",
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
            }
        }
        let owned_namespaces: Vec<&str> =
            owned_by.get(c.name.as_str()).cloned().unwrap_or_default();
        let main_nonempty =
            c.out.chart.is_some() || !app_resources.is_empty() || !owned_namespaces.is_empty();
        if main_nonempty {
            has_main.insert(c.name.clone());
            if !config_resources.is_empty() {
                has_config.insert(c.name.clone());
            }
        }
        plans.push(Plan {
            c,
            app_resources,
            config_resources,
            crd_providers,
            generated_namespaces: owned_namespaces
                .iter()
                .copied()
                .filter(|ns| {
                    !c.out
                        .resources
                        .iter()
                        .any(|r| r.api_version == "v1" && r.kind == "Namespace" && r.name == *ns)
                })
                .collect(),
        });
    }
    let ready = |name: &str| -> String {
        if has_config.contains(name) {
            format!("{name}-config")
        } else {
            name.to_string()
        }
    };

    // Address checks: requested addresses lie in a pool of this cluster, used once.
    let pools: Vec<crate::literal::AddrRange> = match facts::cluster_facts(db, lab, cluster.clone())
    {
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
    };
    let mut addresses: IndexMap<std::net::IpAddr, &crate::sema::eval::AddressUse> = IndexMap::new();
    // An address requested inside a template: also point at what asked for it.
    let with_site = |d: Diag, a: &crate::sema::eval::AddressUse, what: &str| match a.site {
        Some((file, span)) => d.secondary(file, span, what.to_string()),
        None => d,
    };
    for c in &components {
        for a in &c.out.address_uses {
            if !pools.iter().any(|p| p.contains(a.ip)) {
                let mut d = Diag::error(
                    "E0405",
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
            if let Some(first) = addresses.get(&a.ip) {
                let d = Diag::error(
                    "E0409",
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

    // Dependencies and the IR.
    // (group, kind, namespace, name) -> (component, where it is declared)
    // (component, where, whether labc generates the object for it)
    type Origin = (
        String,
        crate::db::SourceFile,
        crate::syntax::ast::Span,
        bool,
    );
    let mut objects: IndexMap<ObjectKey, Origin> = IndexMap::new();
    check_kustomization_names(
        db,
        &plans.iter().map(|p| p.c).collect::<Vec<_>>(),
        &has_config,
    );
    // The objects labc generates count as objects of their components, so a declared one
    // of the same identity is `E0408` rather than silently replacing it on apply.
    for plan in &plans {
        let origin = (plan.c.name.clone(), plan.c.file, plan.c.name_span, true);
        let kustomizations = flux_kustomizations(
            plan.c,
            has_main.contains(&plan.c.name),
            has_config.contains(&plan.c.name),
            !plan.config_resources.is_empty(),
        );
        for key in generated_objects(plan.c, &plan.generated_namespaces, &kustomizations) {
            objects.entry(key).or_insert_with(|| origin.clone());
        }
    }
    for plan in &plans {
        let c = plan.c;
        let mut deps: IndexSet<String> = IndexSet::new();
        if let Some(owner) = ns_owner.get(&c.namespace) {
            if owner != &c.name {
                deps.insert(owner.clone());
            }
        }
        for r in &c.out.resources {
            if let Some(ns) = &r.namespace {
                if let Some(owner) = ns_owner.get(ns) {
                    if owner != &c.name {
                        deps.insert(owner.clone());
                    }
                }
            }
        }
        let mut reasons = IndexMap::new();
        for u in &c.out.component_uses {
            if u.name != c.name {
                deps.insert(ready(&u.name));
                reasons.entry(ready(&u.name)).or_insert((u.file, u.span));
            }
        }
        for u in &c.out.capability_uses {
            match providers.get(&(u.kind.clone(), u.value.clone())) {
                Some(p) if p != &c.name => {
                    deps.insert(ready(p));
                    reasons.entry(ready(p)).or_insert((u.file, u.span));
                }
                Some(_) => {}
                None => report_missing_capability(db, lab, &cluster, u, &providers),
            }
        }
        for (provider, file, span) in &plan.crd_providers {
            deps.insert(provider.clone());
            reasons.entry(provider.clone()).or_insert((*file, *span));
        }
        let timeout = c
            .out
            .timeout
            .map(|d| d.to_string())
            .unwrap_or_else(|| "5m".to_string());
        let has_main_ks = has_main.contains(&c.name);
        // Main Kustomization: namespace, chart source and release, core resources.
        let mut main_files: IndexMap<String, Vec<Yaml>> = IndexMap::new();
        let generated: Vec<Yaml> = plan
            .generated_namespaces
            .iter()
            .map(|ns| {
                let mut meta = vec![("name", s(ns))];
                if let Some(labels) = namespace_labels.get(*ns) {
                    meta.push((
                        "labels",
                        Yaml::Map(labels.iter().map(|(k, v)| (k.clone(), s(v))).collect()),
                    ));
                }
                map(vec![
                    ("apiVersion", s("v1")),
                    ("kind", s("Namespace")),
                    ("metadata", map(meta)),
                ])
            })
            .collect();
        if !generated.is_empty() {
            main_files.insert("namespace.yaml".into(), generated);
        }
        let mut health = Vec::new();
        if let Some(chart) = &c.out.chart {
            for (file, source) in chart_source(c, chart, &ir.interval) {
                main_files.insert(file.into(), vec![source]);
            }
            main_files.insert(
                "helmrelease.yaml".into(),
                vec![helm_release(c, chart, &ir.interval)],
            );
            health.push(HealthCheck {
                api_version: "helm.toolkit.fluxcd.io/v2".into(),
                kind: "HelmRelease".into(),
                name: c.name.clone(),
                namespace: Some(c.namespace.clone()),
            });
        }
        for r in &plan.app_resources {
            main_files
                .entry(object_file(&r.api_version, &r.kind))
                .or_default()
                .push(resource_doc(r));
        }
        // Checks on kinds of the component's own CRDs can only run in `config/`.
        let own_kind = |h: &HealthCheck| {
            crds.iter().any(|(crd, provider)| {
                crd.api_version == h.api_version
                    && crd.kind == h.kind
                    && provider.as_deref() == Some(c.name.as_str())
            })
        };
        let (app_health, config_health): (Vec<&HealthCheck>, Vec<&HealthCheck>) = c
            .out
            .health
            .iter()
            .partition(|h| !has_config.contains(&c.name) || !own_kind(h));
        health.extend(app_health.into_iter().cloned());
        let with_ns = |h: HealthCheck| HealthCheck {
            namespace: h.namespace.or_else(|| Some(c.namespace.clone())),
            ..h
        };
        let mut config_files: IndexMap<String, Vec<Yaml>> = IndexMap::new();
        for r in &plan.config_resources {
            config_files
                .entry(object_file(&r.api_version, &r.kind))
                .or_default()
                .push(resource_doc(r));
        }
        if has_main_ks {
            ir.kustomizations.push(KustomizationIr {
                name: c.name.clone(),
                component: c.name.clone(),
                dir: format!("{}/app", c.name),
                depends_on: deps.iter().filter(|d| **d != c.name).cloned().collect(),
                reasons: reasons.clone(),
                health_checks: health.into_iter().map(with_ns).collect(),
                timeout: timeout.clone(),
                files: main_files,
            });
            if !config_files.is_empty() {
                // Only the component's own CRDs are in here: they come with its release.
                ir.kustomizations.push(KustomizationIr {
                    name: format!("{}-config", c.name),
                    component: c.name.clone(),
                    dir: format!("{}/config", c.name),
                    depends_on: vec![c.name.clone()],
                    reasons: IndexMap::new(),
                    health_checks: config_health.into_iter().cloned().map(with_ns).collect(),
                    timeout,
                    files: config_files,
                });
            }
        } else if !config_files.is_empty() {
            let all = deps.clone();
            let mut hc: Vec<HealthCheck> = health;
            hc.extend(config_health.into_iter().cloned());
            ir.kustomizations.push(KustomizationIr {
                name: c.name.clone(),
                component: c.name.clone(),
                dir: format!("{}/app", c.name),
                depends_on: all.into_iter().filter(|d| *d != c.name).collect(),
                reasons,
                health_checks: hc.into_iter().map(with_ns).collect(),
                timeout,
                files: config_files,
            });
        }

        // Duplicate objects on the cluster.
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
                    "E0408",
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

    check_cycles(db, &ir, &components);
    Some(ir)
}

/// The identity of an object: (group, kind, namespace, name); the group of a core kind is
/// its version (`v1`), as `apiVersion` splits.
type ObjectKey = (String, String, String, String);

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

/// A component named like the config Kustomization of another (`a-config` next to `a`
/// with a config part) would make two Flux Kustomizations of one name: `E0508` at it.
fn check_kustomization_names(
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
            "E0508",
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

fn report_missing_capability(
    db: &dyn Db,
    lab: Lab,
    cluster: &str,
    u: &crate::sema::eval::CapabilityUse,
    providers: &IndexMap<(String, String), String>,
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
    let here: Vec<&str> = providers
        .keys()
        .filter(|(k, _)| *k == u.kind)
        .map(|(_, v)| v.as_str())
        .take(MAX_SUGGESTED)
        .collect();
    let mut d = Diag::error(
        "E0402",
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
    if let Some(h) = did_you_mean(&u.value, here.iter().copied()) {
        d = d.help(h);
    } else if !here.is_empty() {
        let shown = &here[..here.len().min(MAX_LISTED)];
        let more = if here.len() > shown.len() {
            ", ..."
        } else {
            ""
        };
        d = d.help(format!(
            "{} on `{cluster}`: {}{more}",
            u.kind,
            shown.join(", ")
        ));
    } else {
        d = d.help(format!(
            "install an operator that provides {} on `{cluster}`",
            u.kind
        ));
    }
    d.emit(db);
}

/// Report each cycle of the Kustomization graph once.
fn check_cycles(db: &dyn Db, ir: &ClusterIr, components: &[&ComponentIr]) {
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
    for cycle in cycles {
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
            continue;
        };
        let mut d = Diag::error(
            "E0407",
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
            if let Some((file, span)) = from.reasons.get(&to.name) {
                d = d.secondary(
                    *file,
                    *span,
                    format!("`{}` depends on `{}` here", from.name, to.name),
                );
            }
        }
        d.help("remove one of the references that form the cycle")
            .emit(db);
    }
}

/// The chart's Flux source documents, by file: an OCIRepository, or a HelmRepository and
/// the HelmChart that picks the chart and version from it. Either way the HelmRelease
/// refers to the last one with `chartRef` (`chart_ref_kind`), in its own namespace.
fn chart_source(
    c: &ComponentIr,
    chart: &component_ir::Chart,
    interval: &str,
) -> Vec<(&'static str, Yaml)> {
    let metadata = map(vec![("name", s(&c.name)), ("namespace", s(&c.namespace))]);
    if chart.oci {
        vec![(
            "ocirepository.yaml",
            map(vec![
                ("apiVersion", s("source.toolkit.fluxcd.io/v1")),
                ("kind", s("OCIRepository")),
                ("metadata", metadata),
                (
                    "spec",
                    map(vec![
                        ("interval", s(interval)),
                        (
                            "layerSelector",
                            map(vec![
                                (
                                    "mediaType",
                                    s("application/vnd.cncf.helm.chart.content.v1.tar+gzip"),
                                ),
                                ("operation", s("copy")),
                            ]),
                        ),
                        ("ref", map(vec![("tag", s(&chart.version))])),
                        ("url", s(&chart.url)),
                    ]),
                ),
            ]),
        )]
    } else {
        vec![
            (
                "helmrepository.yaml",
                map(vec![
                    ("apiVersion", s("source.toolkit.fluxcd.io/v1")),
                    ("kind", s("HelmRepository")),
                    ("metadata", metadata.clone()),
                    (
                        "spec",
                        map(vec![("interval", s(interval)), ("url", s(&chart.url))]),
                    ),
                ]),
            ),
            (
                "helmchart.yaml",
                map(vec![
                    ("apiVersion", s("source.toolkit.fluxcd.io/v1")),
                    ("kind", s("HelmChart")),
                    ("metadata", metadata),
                    (
                        "spec",
                        map(vec![
                            ("chart", s(chart.chart.as_deref().unwrap_or(&c.name))),
                            ("interval", s(interval)),
                            (
                                "sourceRef",
                                map(vec![("kind", s("HelmRepository")), ("name", s(&c.name))]),
                            ),
                            ("version", s(&chart.version)),
                        ]),
                    ),
                ]),
            ),
        ]
    }
}

fn chart_ref_kind(chart: &component_ir::Chart) -> &'static str {
    if chart.oci {
        "OCIRepository"
    } else {
        "HelmChart"
    }
}

fn helm_release(c: &ComponentIr, chart: &component_ir::Chart, interval: &str) -> Yaml {
    let spec_ref = map(vec![
        ("kind", s(chart_ref_kind(chart))),
        ("name", s(&c.name)),
    ]);
    let mut spec = vec![("interval", s(interval)), ("chartRef", spec_ref)];
    // The component's timeout bounds its release too (Helm's own default is 5m, shorter
    // than a slow chart's first install).
    if let Some(t) = &c.out.timeout {
        spec.push(("timeout", s(&t.to_string())));
    }
    let retries = map(vec![("retries", Yaml::Int(3))]);
    // An operator that declares `crds` ships them in its chart: Helm only creates CRDs on
    // install and never updates them, so let Flux create and replace them.
    let crds = (!c.out.crds.is_empty()).then(|| ("crds", s("CreateReplace")));
    spec.push((
        "install",
        map([crds.clone(), Some(("remediation", retries.clone()))]
            .into_iter()
            .flatten()
            .collect()),
    ));
    spec.push((
        "upgrade",
        map([
            Some(("cleanupOnFail", Yaml::Bool(true))),
            crds,
            Some(("remediation", retries)),
        ]
        .into_iter()
        .flatten()
        .collect()),
    ));
    if let Some(v) = &c.out.values {
        let y = v.to_yaml();
        if !matches!(&y, Yaml::Map(m) if m.is_empty()) {
            spec.push(("values", y));
        }
    }
    map(vec![
        ("apiVersion", s("helm.toolkit.fluxcd.io/v2")),
        ("kind", s("HelmRelease")),
        (
            "metadata",
            map(vec![("name", s(&c.name)), ("namespace", s(&c.namespace))]),
        ),
        ("spec", map(spec)),
    ])
}

/// A resource as a Kubernetes document: apiVersion, kind, metadata first.
fn resource_doc(r: &component_ir::Resource) -> Yaml {
    let mut body = match r.body.to_yaml() {
        Yaml::Map(m) => m,
        _ => IndexMap::new(),
    };
    let mut metadata = match body.shift_remove("metadata") {
        Some(Yaml::Map(m)) => m,
        _ => IndexMap::new(),
    };
    let mut meta = IndexMap::new();
    meta.insert("name".to_string(), s(&r.name));
    if let Some(ns) = &r.namespace {
        meta.insert("namespace".to_string(), s(ns));
    }
    metadata.shift_remove("name");
    metadata.shift_remove("namespace");
    meta.extend(metadata);
    let mut doc = IndexMap::new();
    doc.insert("apiVersion".to_string(), s(&r.api_version));
    doc.insert("kind".to_string(), s(&r.kind));
    doc.insert("metadata".to_string(), Yaml::Map(meta));
    doc.extend(body);
    Yaml::Map(doc)
}
