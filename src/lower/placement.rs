//! Placement checks: a definition marked `once` placed more than once in the lab (E0414),
//! one CRD with two installers on a cluster (E0415), and custom resources whose CRD the
//! bootstrap installs while the operator whose `crds` ship that kind is not installed
//! there (E0413). What is placed once and which operator ships which kinds is written in
//! `.lab` files (`once`, `crds`); this file only counts.

use indexmap::IndexMap;

use crate::db::{Db, Lab, SourceFile};
use crate::diag::{codes, Diag};
use crate::sema::component_ir::{ComponentIr, Crd, Resource};
use crate::sema::index::{
    self, component_items_on, decl_index, item_index, module_uses, DeclIndex, ItemIndex, ItemRef,
};
use crate::sema::kube::core_kind;
use crate::syntax::ast::{DeclKind, Span, Stmt};

/// The group of an API version (`example.com/v1` -> `example.com`): a CRD is one group
/// and kind, whatever versions it serves.
fn group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// The definition a component instantiates (`install X`, `instance n = X`).
fn definition_of<'a>(db: &'a dyn Db, index: &'a ItemIndex, c: &ItemRef) -> Option<&'a ItemRef> {
    let key = index::DeclKey::new(db, c.file, c.index);
    let name = index::decl_head(db, key).definition.as_ref()?;
    index.definition(&c.module, &name.text)
}

/// A diagnostic about resource `r` of component `c`, at the user's line: the resource
/// when the lab wrote it, else (a stdlib template wrote it) the component that placed it,
/// with the resource as a secondary label.
pub(super) fn resource_diag(
    db: &dyn Db,
    code: &'static str,
    c: &ComponentIr,
    r: &Resource,
    message: String,
    label: String,
) -> Diag {
    if r.file == c.file {
        return Diag::error(code, r.file, r.span, message).label(label);
    }
    if r.file.path(db).starts_with("std/") {
        return Diag::error(code, c.file, c.name_span, message)
            .label(label)
            .secondary(
                r.file,
                r.span,
                format!("{} `{}` is written here", r.kind, r.name),
            );
    }
    Diag::error(code, r.file, r.span, message)
        .label(label)
        .secondary(c.file, c.name_span, format!("`{}` is placed here", c.name))
}

// ---- E0414: once-per-lab definitions ----

/// One placement of a once-per-lab definition: the component and the cluster it names.
struct Placement<'a> {
    component: &'a ItemRef,
    cluster: String,
    span: Span,
}

/// `E0414`: a definition marked `once` is placed on more than one cluster, or by more
/// than one component. The first placement (in declaration order) is the one kept.
pub(super) fn check_once_placements(db: &dyn Db, index: &ItemIndex) {
    let mut placements: IndexMap<(SourceFile, u32), (&ItemRef, Vec<Placement>)> = IndexMap::new();
    for c in &index.components {
        if !matches!(c.kind, DeclKind::Install | DeclKind::Instance) {
            continue;
        }
        let Some(def) = definition_of(db, index, c) else {
            continue;
        };
        let marked = index::decl(db, def)
            .body
            .iter()
            .any(|s| matches!(s, Stmt::Once { .. }));
        if !marked {
            continue;
        }
        let entry = placements
            .entry((def.file, def.index))
            .or_insert_with(|| (def, Vec::new()));
        let key = index::DeclKey::new(db, c.file, c.index);
        for on in &index::decl_head(db, key).on {
            // A placement on an unknown cluster is E0201 already.
            if index.clusters.contains_key(&on.text) {
                entry.1.push(Placement {
                    component: c,
                    cluster: on.text.clone(),
                    span: on.span,
                });
            }
        }
    }
    for (def, list) in placements.values() {
        let Some((first, rest)) = list.split_first() else {
            continue;
        };
        for again in rest {
            report_twice_placed(db, def, first, again);
        }
    }
}

fn report_twice_placed(db: &dyn Db, def: &ItemRef, first: &Placement, again: &Placement) {
    let what = if again.component.name == first.component.name {
        format!(
            "`{}` is placed on cluster `{}` too",
            again.component.name, again.cluster
        )
    } else {
        format!(
            "`{}` on cluster `{}` is a second `{}`",
            again.component.name, again.cluster, def.name
        )
    };
    Diag::error(
        codes::E0414,
        again.component.file,
        again.span,
        format!("`{}` is placed once per lab, but {what}", def.name),
    )
    .label("second placement")
    .secondary(
        first.component.file,
        first.span,
        format!(
            "`{}` is placed here first, on cluster `{}`",
            first.component.name, first.cluster
        ),
    )
    .secondary(
        def.file,
        def.name_span,
        format!("`{}` is marked `once`", def.name),
    )
    .help(format!(
        "keep one `{}` for the whole lab and refer to it from other clusters with `{} via mesh`",
        def.name, first.component.name
    ))
    .emit(db);
}

// ---- E0415: two installers of one CRD ----

/// Who installs a CRD on a cluster: its bootstrap (`None`) or an installed component.
type Installer = Option<String>;

/// `E0415`: a CRD (group and kind) that two installers ship on one cluster: two
/// components, or a component and the bootstrap. Reported once per pair of installers,
/// at the later one, with every kind they share.
pub(super) fn check_crd_installers(
    db: &dyn Db,
    lab: Lab,
    cluster: &str,
    crds: &[(Crd, Option<String>)],
) {
    let mut by_crd: IndexMap<(&str, &str), Vec<&Installer>> = IndexMap::new();
    for (crd, origin) in crds {
        let list = by_crd
            .entry((group(&crd.api_version), crd.kind.as_str()))
            .or_default();
        if !list.contains(&origin) {
            list.push(origin);
        }
    }
    let mut pairs: IndexMap<(&Installer, &Installer), Vec<(&str, &str)>> = IndexMap::new();
    for (crd, installers) in &by_crd {
        for later in &installers[1..] {
            pairs.entry((installers[0], later)).or_default().push(*crd);
        }
    }
    // The components of this cluster only: `cluster_ir` calls this, and reading the whole
    // index would make every cluster's lowering depend on every tenant file.
    let on_cluster = index::component_items_on(db, lab, cluster.to_string());
    for ((first, later), kinds) in &pairs {
        let Some(later_name) = later else {
            continue;
        };
        let Some(later_item) = on_cluster.iter().find(|c| &c.name == later_name) else {
            continue;
        };
        let names: Vec<String> = kinds.iter().map(|(_, k)| format!("`{k}`")).collect();
        let mut d = Diag::error(
            codes::E0415,
            later_item.file,
            later_item.name_span,
            format!(
                "the CRD of {} has two installers on cluster `{cluster}`",
                names.join(", ")
            ),
        )
        .label(format!("`{later_name}` installs it"));
        d = match first {
            Some(first_name) => match on_cluster.iter().find(|c| &c.name == first_name) {
                Some(f) => d.secondary(
                    f.file,
                    f.name_span,
                    format!("`{first_name}` installs it too"),
                ),
                None => d,
            }
            .help(format!(
                "install only one of `{first_name}` and `{later_name}` on cluster `{cluster}`"
            )),
            None => {
                if let Some((file, span)) =
                    bootstrap_crd_span(db, item_index(db, lab), cluster, kinds[0])
                {
                    d = d.secondary(file, span, "the bootstrap installs it too");
                }
                d.help(format!(
                    "remove the kind from the bootstrap's `crds`, or do not install `{later_name}` on cluster `{cluster}`"
                ))
            }
        };
        d.emit(db);
    }
}

/// Where the bootstrap declares a CRD for `cluster`: its kind in a `crds` statement of
/// the cluster, else of the `lab`.
fn bootstrap_crd_span(
    db: &dyn Db,
    index: &ItemIndex,
    cluster: &str,
    (crd_group, kind): (&str, &str),
) -> Option<(SourceFile, Span)> {
    let decls = index
        .clusters
        .get(cluster)
        .into_iter()
        .chain(index.labs.first());
    for item in decls {
        for stmt in &index::decl(db, item).body {
            let Stmt::Crds {
                api_version, kinds, ..
            } = stmt
            else {
                continue;
            };
            let same_group = api_version
                .as_plain_str()
                .is_some_and(|av| group(&av) == crd_group);
            if let Some(k) = kinds.iter().find(|k| same_group && k.kind.text == kind) {
                return Some((item.file, k.kind.span));
            }
        }
    }
    None
}

// ---- E0413: custom resources nothing reconciles ----

/// The operator definitions of the lab (any module) whose `crds` ship `kind` of
/// `api_version`, read syntactically as `crds_on_cluster` does.
fn shipping_operators<'a>(
    db: &dyn Db,
    index: &'a DeclIndex,
    api_version: &str,
    kind: &str,
) -> Vec<&'a ItemRef> {
    let mut out: Vec<&ItemRef> = Vec::new();
    for def in index.definitions.values().flat_map(|m| m.values()) {
        if def.kind != DeclKind::Operator || out.iter().any(|d| d.name == def.name) {
            continue;
        }
        let ships = index::decl(db, def).body.iter().any(|s| match s {
            Stmt::Crds {
                api_version: av,
                kinds,
                ..
            } => {
                av.as_plain_str().is_some_and(|av| av == api_version)
                    && kinds.iter().any(|k| k.kind.text == kind)
            }
            _ => false,
        });
        if ships {
            out.push(def);
        }
    }
    out
}

/// `E0413`: a custom resource whose CRD only the cluster's bootstrap installs, while an
/// operator definition ships that kind in its `crds` and none of them is installed on the
/// cluster: the API server accepts the object and nothing reconciles it. Reported once
/// per component and kind, at its first such resource.
pub(super) fn check_unreconciled(
    db: &dyn Db,
    lab: Lab,
    cluster: &str,
    components: &[&ComponentIr],
    crds: &[(Crd, Option<String>)],
) {
    for c in components.iter().filter(|c| c.ok) {
        let mut seen: Vec<(&str, &str)> = Vec::new();
        for r in &c.out.resources {
            let key = (r.api_version.as_str(), r.kind.as_str());
            if core_kind(&r.api_version, &r.kind) || seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let from_bootstrap = crds.iter().any(|(crd, origin)| {
                origin.is_none() && crd.api_version == r.api_version && crd.kind == r.kind
            });
            let by_component = crds.iter().any(|(crd, origin)| {
                origin.is_some()
                    && group(&crd.api_version) == group(&r.api_version)
                    && crd.kind == r.kind
            });
            if !from_bootstrap || by_component {
                continue;
            }
            // The definitions, not the whole index: a tenant file added or removed
            // leaves `decl_index` equal, so the other clusters are not lowered again.
            let index = decl_index(db, lab);
            let operators = shipping_operators(db, index, &r.api_version, &r.kind);
            if !operators.is_empty() {
                // The install line needs the operator's module unless the component's
                // module sees it already.
                let module = component_items_on(db, lab, cluster.to_string())
                    .iter()
                    .find(|i| i.name == c.name)
                    .map(|i| i.module.clone())
                    .unwrap_or_default();
                let uses = module_uses(db, lab, module.clone());
                let visible = index
                    .definition_with(&module, uses, &operators[0].name)
                    .is_some();
                let use_line = (!visible).then(|| operators[0].module.as_str());
                report_unreconciled(db, cluster, c, r, &operators, use_line);
            }
        }
    }
}

fn report_unreconciled(
    db: &dyn Db,
    cluster: &str,
    c: &ComponentIr,
    r: &Resource,
    operators: &[&ItemRef],
    use_line: Option<&str>,
) {
    let names: Vec<String> = operators.iter().map(|o| format!("`{}`", o.name)).collect();
    let mut d = resource_diag(
        db,
        codes::E0413,
        c,
        r,
        format!(
            "no operator on cluster `{cluster}` reconciles `{}` `{}`",
            r.api_version, r.kind
        ),
        format!("{} on cluster `{cluster}`", r.kind),
    );
    for o in operators {
        d = d.secondary(
            o.file,
            o.name_span,
            format!("`{}` ships the `{}` CRD", o.name, r.kind),
        );
    }
    d.note(format!(
        "the bootstrap installs the CRD, so the object is accepted, but {} reconciles it and is not installed there",
        names.join(" or ")
    ))
    .help(match use_line {
        Some(module) => format!(
            "add `use {module}` and `install {} on {cluster}`",
            operators[0].name
        ),
        None => format!("add `install {} on {cluster}`", operators[0].name),
    })
    .emit(db);
}
