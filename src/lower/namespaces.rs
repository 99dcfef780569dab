//! Namespaces: which component owns (creates) each namespace of a cluster, the labels of
//! the generated Namespace objects, and those objects.

use indexmap::IndexMap;

use crate::db::{Db, SourceFile};
use crate::diag::Diag;
use crate::sema::component_ir::ComponentIr;
use crate::sema::kube::SYSTEM_NAMESPACES;
use crate::syntax::ast::Span;
use crate::yaml::{map, s, Yaml};

use super::ir::{NamespaceLabels, NamespaceOwners};
use crate::diag::codes;

/// Namespace owners: the first component (in declaration order) whose namespace it
/// is; for a namespace only resources are put in (`in "monitoring"`), the first
/// component that does so. The owner creates the Namespace; the others depend on it.
pub(super) fn namespace_owners(components: &[&ComponentIr]) -> NamespaceOwners {
    let mut ns_owner: NamespaceOwners = IndexMap::new();
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
    ns_owner
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

/// The labels of each generated Namespace: what the components in it ask for, in
/// declaration order; two different values for one label are an error (`E0501`).
pub(super) fn namespace_labels(db: &dyn Db, components: &[&ComponentIr]) -> NamespaceLabels {
    let mut namespace_labels: NamespaceLabels = IndexMap::new();
    let mut label_origin: IndexMap<(String, String), (String, SourceFile, Span)> = IndexMap::new();
    for c in components.iter().filter(|c| c.ok) {
        for (label, (value, file, span)) in &c.out.namespace_labels {
            let key = (c.namespace.clone(), label.clone());
            match label_origin.get(&key) {
                Some((first, ffile, fspan)) if first != value => {
                    Diag::error(
                        codes::E0501,
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
    namespace_labels
}

/// The Namespace objects labc writes for `namespaces`, with their labels.
pub(super) fn namespace_docs(namespaces: &[&str], labels: &NamespaceLabels) -> Vec<Yaml> {
    namespaces
        .iter()
        .map(|ns| {
            let mut meta = vec![("name", s(ns))];
            if let Some(labels) = labels.get(*ns) {
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
        .collect()
}
