//! A component's overrides of what its definition computes: `values { ... }` merged over
//! the chart values (E0211 for a key a typed setting writes, or without a chart) and
//! `patch Kind name { ... }` merged into one of its objects (E0212 when there is none).
//!
//! An install or instance body holds its arguments and these; they run after the
//! definition's body, in the lab's file. Both bodies are open value trees, checked for
//! plaintext secrets like any other.

use indexmap::IndexMap;

use super::component_ir::ComponentOut;
use crate::diag::codes;
use crate::diag::{did_you_mean, listing};
use crate::sema::eval::merge::{first_secret, key_span, merge_over, setting_for, written_paths};
use crate::sema::eval::{Evaluator, Ty, Value};
use crate::syntax::ast::*;

/// Whether `stmt` of an install or instance body is an override rather than an
/// argument: `values ...`, `patch ...`, `flux ...`, or an `if` around them.
pub fn is_override(stmt: &Stmt) -> bool {
    match stmt {
        Stmt::Assign { path, .. } => matches!(path[0].text.as_str(), "values" | "flux"),
        Stmt::Patch(_) | Stmt::If { .. } => true,
        _ => false,
    }
}

/// Run the overrides of an install or instance body over `out`, the definition's result.
/// `definition` names it in messages.
pub fn apply_overrides(
    ev: &mut Evaluator,
    stmts: &[Stmt],
    definition: &str,
    out: &mut ComponentOut,
) {
    for stmt in stmts {
        match stmt {
            Stmt::Assign { path, value, span } if path[0].text == "values" => {
                override_values(ev, path, value, *span, definition, out)
            }
            Stmt::Patch(p) => apply_patch(ev, p, out),
            // The component's Flux settings, over its definition's.
            Stmt::Assign { path, value, .. } if path[0].text == "flux" => {
                super::flux_settings::set_flux(ev, path, value, &mut out.flux)
            }
            Stmt::If {
                cond,
                then,
                otherwise,
                ..
            } => match ev.eval(cond, &Ty::Bool) {
                Some(Value::Bool(true)) => apply_overrides(ev, then, definition, out),
                Some(_) => apply_overrides(ev, otherwise, definition, out),
                None => {}
            },
            other => {
                ev.error(
                    codes::E0208,
                    other.span(),
                    "only `values` and `patch` may be written inside an `if` of a component body",
                )
                .lbl("not allowed here")
                .help = Some(
                    "arguments are not conditional: choose the value with `if ... then ... else ...`"
                        .into(),
                );
            }
        }
    }
}

/// The record an override body writes (`{ ... }` or any expression giving a record),
/// with the items that wrote it; `None` after an error.
fn override_tree(
    ev: &mut Evaluator,
    path: &KeyPath,
    value: &Expr,
) -> Option<(Value, Vec<RecordItem>)> {
    let items = if path.len() > 1 {
        vec![RecordItem::Field {
            path: path[1..].to_vec(),
            value: value.clone(),
            span: value.span,
        }]
    } else if let ExprKind::Record {
        type_name: None,
        items,
    } = &value.kind
    {
        items.clone()
    } else {
        // A whole record passed through: `values = extra`.
        return match ev.eval(value, &Ty::Any)? {
            v @ Value::Record(_) => match first_secret(&v) {
                Some(p) => {
                    let p = p.to_string();
                    ev.error(
                        codes::E0304,
                        value.span,
                        format!("the secret `{p}` cannot be written into a manifest"),
                    )
                    .lbl("secret reference in a value tree");
                    None
                }
                None => Some((v, Vec::new())),
            },
            other => {
                ev.error(
                    codes::E0301,
                    value.span,
                    format!(
                        "`values` is a record, found {}",
                        crate::sema::eval::value::with_article(other.type_name())
                    ),
                )
                .lbl("not a record");
                None
            }
        };
    };
    let mut tree = Value::Record(IndexMap::new());
    ev.record_items(&items, &mut tree)?;
    Some((tree, items))
}

/// `values { ... }` in a component body: merged over the definition's chart values.
fn override_values(
    ev: &mut Evaluator,
    path: &KeyPath,
    value: &Expr,
    span: Span,
    definition: &str,
    out: &mut ComponentOut,
) {
    let key = path[0].span;
    if out.chart.is_none() {
        ev.error(
            codes::E0211,
            key,
            format!("`{definition}` installs no chart, so it has no values to override"),
        )
        .lbl("no chart values here")
        .help = Some(
            "change its objects with `patch Kind name { ... }`, or give the template a chart"
                .into(),
        );
        return;
    }
    let Some((tree, items)) = override_tree(ev, path, value) else {
        return;
    };
    let mut ok = true;
    for written in written_paths(&tree) {
        let Some((set, setting)) = setting_for(&out.typed_paths, &written) else {
            continue;
        };
        let at = key_span(&items, &written).unwrap_or(value.span);
        let (set, here) = (set.join("."), written.join("."));
        let message = if set == here {
            format!("`{set}` is set by the setting `{setting}` of `{definition}`")
        } else {
            format!("`{here}` would change `{set}`, which the setting `{setting}` of `{definition}` sets")
        };
        let d = ev
            .error(codes::E0211, at, message)
            .lbl("written by a typed setting");
        d.help = Some(format!(
            "write `{setting} = ...` among the arguments instead: the setting's type is checked"
        ));
        ok = false;
    }
    if !ok {
        return;
    }
    ev.values_written(&items, span);
    let had = out.values.is_some();
    let mut values = out.values.take().unwrap_or(Value::Record(IndexMap::new()));
    merge_over(&mut values, tree);
    let empty = matches!(&values, Value::Record(r) if r.is_empty());
    out.values = (had || !empty).then_some(values);
}

/// `patch [api] Kind name { ... }`: merged into the object of that kind and name the
/// component emits so far.
pub fn apply_patch(ev: &mut Evaluator, p: &PatchStmt, out: &mut ComponentOut) {
    let api_version = match &p.api_version {
        Some(e) => match ev.eval(e, &Ty::Str) {
            Some(Value::Str(s)) => Some(s),
            _ => return,
        },
        None => None,
    };
    let Some(Value::Str(name)) = ev.eval(&p.name, &Ty::Name) else {
        return;
    };
    let kind = &p.kind.text;
    let matches: Vec<usize> = out
        .resources
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            &r.kind == kind
                && r.name == name
                && api_version.as_ref().is_none_or(|a| &r.api_version == a)
        })
        .map(|(i, _)| i)
        .collect();
    let span = p.kind.span.to(p.name.span);
    let at = match matches.as_slice() {
        [one] => *one,
        [] => return report_missing(ev, kind, &name, api_version.as_deref(), span, out),
        [first, ..] => {
            let versions: Vec<&str> = matches
                .iter()
                .map(|i| out.resources[*i].api_version.as_str())
                .collect();
            if versions.iter().all(|v| *v == versions[0]) {
                // The same object in several namespaces: the first, as a duplicate
                // object is reported by the per-cluster checks anyway.
                *first
            } else {
                let d = ev
                    .error(
                        codes::E0212,
                        span,
                        format!("the component emits more than one `{kind} {name}`"),
                    )
                    .lbl("ambiguous object");
                d.help = Some(format!(
                    "name the API version: `patch \"{}\" {kind} ...` ({})",
                    versions[0],
                    versions.join(", ")
                ));
                return;
            }
        }
    };
    let mut tree = Value::Record(IndexMap::new());
    if ev.record_items(&p.body, &mut tree).is_none() {
        return;
    }
    let target = &out.resources[at];
    let object = (target.api_version.clone(), target.kind.clone());
    ev.report_leaks(Some((&object.0, &object.1)), &tree, &p.body, span);
    merge_over(&mut out.resources[at].body, tree);
}

/// E0212: no object of that kind and name, with the closest one the component emits.
fn report_missing(
    ev: &mut Evaluator,
    kind: &str,
    name: &str,
    api_version: Option<&str>,
    span: Span,
    out: &ComponentOut,
) {
    let objects: Vec<String> = out
        .resources
        .iter()
        .map(|r| match api_version {
            Some(_) => format!("\"{}\" {} {}", r.api_version, r.kind, r.name),
            None => format!("{} {}", r.kind, r.name),
        })
        .collect();
    let wanted = match api_version {
        Some(a) => format!("\"{a}\" {kind} {name}"),
        None => format!("{kind} {name}"),
    };
    let known: Vec<&str> = objects.iter().map(String::as_str).collect();
    let d = ev
        .error(
            codes::E0212,
            span,
            format!("the component emits no object `{wanted}`"),
        )
        .lbl("no such object");
    d.help = did_you_mean(&wanted, known.iter().copied()).or_else(|| {
        listing("its objects are", &known).or_else(|| {
            Some("this component emits no objects to patch; its chart's are Helm's: override them with `values`".into())
        })
    });
}
