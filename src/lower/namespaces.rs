//! Namespaces: which Kustomization creates each namespace of a cluster, the labels and
//! annotations of the Namespace objects labc writes, and their Kustomizations.
//!
//! The rule reads nothing but the namespace's name, so no file order, component order or
//! rename can change it (a Namespace that moved between Kustomizations would be deleted
//! and created again by Flux, with everything in it): every non-system namespace of a
//! cluster, declared (`namespace media on apps { ... }`) or only used (a component's
//! namespace, a resource's `in`), gets a Kustomization of its own, `namespace-<name>`,
//! with no dependencies, and every component in it depends on that. The one exception
//! is a namespace the lab does not declare whose own component writes it
//! (`resource "v1" Namespace` named like the component's `namespace`): that component
//! owns it, as before declarations existed. The Namespaces labc writes carry Flux's prune
//! marker unless a declaration says `prune = true`, so deleting or renaming one app never
//! deletes the namespace its neighbours live in.

use indexmap::{IndexMap, IndexSet};

use crate::db::{Db, Lab, SourceFile};
use crate::diag::Diag;
use crate::sema::component_ir::ComponentIr;
use crate::sema::flux_settings::FluxSettings;
use crate::sema::kube::SYSTEM_NAMESPACES;
use crate::sema::namespace_decl::{namespace_decls, PRUNE_MARKER};
use crate::syntax::ast::Span;
use crate::yaml::{map, s, Yaml};

use super::flux_settings::lab_kustomization_settings;
use super::ir::{namespace_kustomization, KustomizationIr, NamespaceLabels, NamespaceOwners};
use crate::diag::codes;

/// A Namespace labc writes in a Kustomization of its own.
pub(super) struct NamespacePlan {
    pub name: String,
    /// Its Flux Kustomization and folder: `namespace-<name>`.
    pub kustomization: String,
    pub annotations: IndexMap<String, String>,
    pub prune: bool,
    /// Its declaration, if the lab declares it.
    pub declared: Option<(SourceFile, Span)>,
}

/// The namespaces of a cluster and who creates each: the declared ones and those used by
/// components (their own namespace, or `in` one for a resource), except the system ones.
/// A namespace the lab does not declare and a component in it writes itself
/// (`resource "v1" Namespace` of its own `namespace`) is owned by that component (the
/// first by name when several do, which is E0408 anyway); every other one gets a
/// `NamespacePlan`. Plans are sorted by name.
pub(super) fn namespace_owners(
    db: &dyn Db,
    lab: Lab,
    cluster: &str,
    components: &[&ComponentIr],
) -> (NamespaceOwners, Vec<NamespacePlan>) {
    let declared: IndexMap<&str, _> = namespace_decls(db, lab)
        .iter()
        .filter(|n| n.on.iter().any(|o| o == cluster))
        .map(|n| (n.name.as_str(), n))
        .collect();
    let mut writers: IndexMap<&str, &str> = IndexMap::new();
    let mut used: IndexSet<&str> = IndexSet::new();
    for c in components {
        used.insert(c.namespace.as_str());
        for r in &c.out.resources {
            if let Some(ns) = &r.namespace {
                used.insert(ns.as_str());
            }
            // Only the component's own namespace: a component that writes another one's
            // Namespace is a duplicate of the one labc writes (E0408), as it always was.
            if r.api_version == "v1" && r.kind == "Namespace" && r.name == c.namespace {
                let w = writers.entry(r.name.as_str()).or_insert(c.name.as_str());
                if c.name.as_str() < *w {
                    *w = c.name.as_str();
                }
            }
        }
    }
    used.extend(declared.keys().copied());
    let mut names: Vec<&str> = used
        .into_iter()
        .filter(|ns| !SYSTEM_NAMESPACES.contains(ns))
        .collect();
    names.sort_unstable();
    let mut owners: NamespaceOwners = IndexMap::new();
    let mut plans = Vec::new();
    for ns in names {
        let decl = declared.get(ns);
        if let (None, Some(writer)) = (decl, writers.get(ns)) {
            owners.insert(ns.to_string(), writer.to_string());
            continue;
        }
        let kustomization = namespace_kustomization(ns);
        owners.insert(ns.to_string(), kustomization.clone());
        plans.push(NamespacePlan {
            name: ns.to_string(),
            kustomization,
            annotations: decl.map(|d| d.annotations.clone()).unwrap_or_default(),
            prune: decl.is_some_and(|d| d.prune),
            declared: decl.map(|d| (d.file, d.name_span)),
        });
    }
    (owners, plans)
}

/// The namespaces each component owns, in `ns_owner` order: one pass, not a scan of
/// every namespace per component (quadratic on a cluster with many tenants).
pub(super) fn owned_by(ns_owner: &NamespaceOwners) -> IndexMap<&str, Vec<&str>> {
    let mut owned_by: IndexMap<&str, Vec<&str>> = IndexMap::new();
    for (ns, owner) in ns_owner {
        owned_by
            .entry(owner.as_str())
            .or_default()
            .push(ns.as_str());
    }
    owned_by
}

/// The namespaces among `owned` that labc writes a Namespace for: those `c` does not
/// declare itself.
pub(super) fn generated_namespaces<'a>(c: &ComponentIr, owned: &[&'a str]) -> Vec<&'a str> {
    owned
        .iter()
        .copied()
        .filter(|ns| {
            !c.out
                .resources
                .iter()
                .any(|r| r.api_version == "v1" && r.kind == "Namespace" && r.name == *ns)
        })
        .collect()
}

/// The labels of each Namespace labc writes: its declaration's, then what the components
/// in it ask for; two different values for one label are an error (`E0501`). The first
/// value seen is kept, and the declaration is seen first, so which one wins does not
/// depend on file order where it matters (a conflict is an error anyway).
pub(super) fn namespace_labels(
    db: &dyn Db,
    lab: Lab,
    cluster: &str,
    components: &[&ComponentIr],
) -> NamespaceLabels {
    let mut namespace_labels: NamespaceLabels = IndexMap::new();
    let mut label_origin: IndexMap<(String, String), (String, SourceFile, Span)> = IndexMap::new();
    let declared = namespace_decls(db, lab)
        .iter()
        .filter(|n| n.on.iter().any(|o| o == cluster))
        .flat_map(|n| {
            let who = format!("the declaration of `{}`", n.name);
            n.labels.iter().map(move |(k, v)| {
                (
                    n.name.clone(),
                    who.clone(),
                    k.clone(),
                    (v.clone(), n.file, n.name_span),
                )
            })
        });
    let from_components = components.iter().filter(|c| c.ok).flat_map(|c| {
        c.out.namespace_labels.iter().map(|(k, v)| {
            (
                c.namespace.clone(),
                format!("`{}`", c.name),
                k.clone(),
                v.clone(),
            )
        })
    });
    for (ns, who, label, (value, file, span)) in declared.chain(from_components) {
        let key = (ns.clone(), label.clone());
        match label_origin.get(&key) {
            Some((first, ffile, fspan)) if *first != value => {
                Diag::error(
                    codes::E0501,
                    file,
                    span,
                    format!(
                        "namespace `{ns}` gets two values for label `{label}`: `{first}` and `{value}`"
                    ),
                )
                .label(format!("`{label}` = `{value}` from {who}"))
                .secondary(*ffile, *fspan, format!("`{label}` = `{first}` here"))
                .emit(db);
            }
            Some(_) => {}
            None => {
                label_origin.insert(key, (value.clone(), file, span));
                namespace_labels.entry(ns).or_default().insert(label, value);
            }
        }
    }
    namespace_labels
}

/// One Namespace object: its name, labels and annotations sorted by key (so that the
/// order of files and components never shows), and Flux's prune marker unless `prune`.
fn namespace_doc(
    ns: &str,
    labels: Option<&IndexMap<String, String>>,
    annotations: &IndexMap<String, String>,
    prune: bool,
) -> Yaml {
    let sorted = |m: &IndexMap<String, String>| {
        let mut m = m.clone();
        m.sort_keys();
        Yaml::Map(m.into_iter().map(|(k, v)| (k, Yaml::Str(v))).collect())
    };
    let mut meta = vec![("name", s(ns))];
    if let Some(labels) = labels.filter(|l| !l.is_empty()) {
        meta.push(("labels", sorted(labels)));
    }
    let mut annotations = annotations.clone();
    if !prune {
        annotations.insert(PRUNE_MARKER.to_string(), "disabled".to_string());
    }
    if !annotations.is_empty() {
        meta.push(("annotations", sorted(&annotations)));
    }
    map(vec![
        ("apiVersion", s("v1")),
        ("kind", s("Namespace")),
        ("metadata", map(meta)),
    ])
}

/// The Namespace objects a component's own Kustomization writes for `namespaces`, with
/// their labels (none today: see `namespace_owners`, which gives every namespace nobody
/// writes a Kustomization of its own; kept for the plan's shape).
pub(super) fn namespace_docs(namespaces: &[&str], labels: &NamespaceLabels) -> Vec<Yaml> {
    namespaces
        .iter()
        .map(|ns| namespace_doc(ns, labels.get(*ns), &IndexMap::new(), false))
        .collect()
}

/// The Kustomization of each planned namespace: one `namespace.yaml`, no dependencies
/// (so no cycle can pass through it), waited for like any other, with the lab-wide
/// Kustomization settings (`lab { flux { kustomization { ... } } }`).
pub(super) fn namespace_kustomizations(
    plans: &[NamespacePlan],
    labels: &NamespaceLabels,
    lab_flux: &FluxSettings,
) -> Vec<KustomizationIr> {
    let (timeout, settings) = lab_kustomization_settings(lab_flux);
    plans
        .iter()
        .map(|p| {
            let doc = namespace_doc(&p.name, labels.get(&p.name), &p.annotations, p.prune);
            KustomizationIr {
                name: p.kustomization.clone(),
                component: p.kustomization.clone(),
                dir: format!("{}/app", p.kustomization),
                namespace: p.name.clone(),
                creates_namespace: true,
                depends_on: Vec::new(),
                reasons: IndexMap::new(),
                mesh_uses: Vec::new(),
                health_checks: Vec::new(),
                timeout: timeout.clone(),
                settings: settings.clone(),
                files: IndexMap::from([("namespace.yaml".to_string(), vec![doc])]),
            }
        })
        .collect()
}

/// E0508: a component named like the Kustomization of a namespace on its cluster
/// (`namespace-media` next to the namespace `media`): two Flux Kustomizations, one folder.
pub(super) fn check_namespace_kustomization_names(
    db: &dyn Db,
    components: &[&ComponentIr],
    plans: &[NamespacePlan],
) {
    // A lookup, not a scan: a cluster may hold thousands of components and namespaces.
    let by_name: IndexMap<&str, &NamespacePlan> = plans
        .iter()
        .map(|p| (p.kustomization.as_str(), p))
        .collect();
    for c in components {
        let Some(p) = by_name.get(c.name.as_str()) else {
            continue;
        };
        let d = Diag::error(
            codes::E0508,
            c.file,
            c.name_span,
            format!(
                "the name `{}` is taken by the Kustomization of namespace `{}`",
                c.name, p.name
            ),
        )
        .label("named like a generated Kustomization")
        .note(format!(
            "labc creates the namespace `{}` in the Flux Kustomization `{}`, which every component in it depends on",
            p.name, p.kustomization
        ))
        .help("choose another name");
        match p.declared {
            Some((file, span)) => d.secondary(file, span, "the namespace is declared here"),
            None => d,
        }
        .emit(db);
    }
}

/// The Namespace and Flux Kustomization of each planned namespace count as objects labc
/// generates, so a resource of the same identity is `E0408`: at the declaration, or for
/// an undeclared namespace at the first component (by name) placed in it.
pub(super) fn generated_namespace_origins(
    plans: &[NamespacePlan],
    components: &[&ComponentIr],
    objects: &mut super::checks::Objects,
) {
    let mut first_user: IndexMap<&str, &ComponentIr> = IndexMap::new();
    for &c in components {
        let e = first_user.entry(c.namespace.as_str()).or_insert(c);
        if c.name < e.name {
            *e = c;
        }
    }
    for p in plans {
        let site = p.declared.or_else(|| {
            first_user
                .get(p.name.as_str())
                .map(|c| (c.file, c.name_span))
        });
        let Some((file, span)) = site else {
            continue;
        };
        let origin = (p.kustomization.clone(), file, span, true, None);
        let keys = [
            ("v1", "Namespace", "", p.name.as_str()),
            (
                "kustomize.toolkit.fluxcd.io",
                "Kustomization",
                "flux-system",
                p.kustomization.as_str(),
            ),
        ];
        for (group, kind, ns, name) in keys {
            let key = (group.into(), kind.into(), ns.into(), name.into());
            objects.entry(key).or_insert_with(|| origin.clone());
        }
    }
}
