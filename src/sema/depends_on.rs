//! `depends_on = [component, ...]` on an install, instance or tenant: an order labc cannot
//! derive from what the component reads, written into its Kustomization's `dependsOn` by
//! lowering like a reference. Each name must be a component placed on the same cluster
//! (E0425, with the close name); a list of anything else is E0301.

use super::component_ir::ComponentOut;
use crate::diag::codes;
use crate::diag::{did_you_mean, listing};
use crate::sema::eval::{ComponentUse, Evaluator};
use crate::syntax::ast::*;

/// The field's name.
pub const DEPENDS_ON: &str = "depends_on";

/// Take `depends_on = [...]` out of an install's or instance's arguments, unless the
/// definition declares a setting or parameter of that name (then it is that one).
pub fn take_depends_on(args: &mut Vec<RecordItem>, params: &[FieldDecl]) -> Vec<RecordItem> {
    if params.iter().any(|p| p.name.text == DEPENDS_ON) {
        return Vec::new();
    }
    let mut taken = Vec::new();
    args.retain(|item| match item {
        RecordItem::Field { path, .. } if path.len() == 1 && path[0].text == DEPENDS_ON => {
            taken.push(item.clone());
            false
        }
        _ => true,
    });
    taken
}

/// Apply taken `depends_on` arguments (in the lab's file).
pub fn apply_depends_on(ev: &mut Evaluator, items: &[RecordItem], out: &mut ComponentOut) {
    for item in items {
        if let RecordItem::Field { value, .. } = item {
            record_depends_on(ev, value, out);
        }
    }
}

/// `depends_on = [a, b]`: each name, checked, as an explicit dependency of the component.
/// The names are read as written, not evaluated: a dependency is on a component, not on a
/// value, and a name that is a parameter too still means the component.
pub fn record_depends_on(ev: &mut Evaluator, value: &Expr, out: &mut ComponentOut) {
    let ExprKind::List(items) = &value.kind else {
        not_names(ev, value.span);
        return;
    };
    for item in items {
        let ExprKind::Var(name) = &item.kind else {
            not_names(ev, item.span);
            return;
        };
        if check_component(ev, name) {
            out.depends_on.push(ComponentUse {
                name: name.text.clone(),
                file: ev.file,
                span: name.span,
            });
        }
    }
}

/// E0301 for a `depends_on` that is not a list of names.
fn not_names(ev: &mut Evaluator, span: Span) {
    ev.error(
        codes::E0301,
        span,
        "`depends_on` is a list of component names",
    )
    .lbl("not a component name")
    .help = Some(
        "write the components as names, as declared: `depends_on = [postgres, cert-manager]`"
            .into(),
    );
}

/// Whether `name` is a component on the cluster being evaluated; E0425 when it is not.
fn check_component(ev: &mut Evaluator, name: &Ident) -> bool {
    let Some(cluster) = ev.cluster.clone() else {
        return false;
    };
    let named = ev.components_named(&name.text);
    if named.is_empty() {
        // An error: only this evaluation reads every component's name.
        let index = crate::sema::index::item_index(ev.db, ev.lab);
        let names = index.component_names.keys().map(String::as_str);
        let help = did_you_mean(&name.text, names).or_else(|| {
            Some("`depends_on` names components of the lab (installs, instances, tenants)".into())
        });
        ev.error(
            codes::E0425,
            name.span,
            format!(
                "`depends_on` names `{}`, which is no component of the lab",
                name.text
            ),
        )
        .lbl("unknown component")
        .help = help;
        return false;
    }
    let mut elsewhere: Vec<&str> = Vec::new();
    for item in named {
        let on = &item.on;
        if on.contains(&cluster) {
            return true;
        }
        elsewhere.extend(on.iter().map(String::as_str));
    }
    elsewhere.sort_unstable();
    elsewhere.dedup();
    let on = listing("it is placed on", &elsewhere).unwrap_or_default();
    ev.error(
        codes::E0425,
        name.span,
        format!("`depends_on` names `{}`, which is not on cluster `{cluster}`", name.text),
    )
    .lbl("on another cluster")
    .help = Some(format!(
        "{on}; Flux orders Kustomizations of one cluster only: place `{}` on `{cluster}` too, or drop it from `depends_on`",
        name.text
    ));
    false
}
