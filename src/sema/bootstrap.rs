//! Bootstrap settings: how each cluster's Flux is installed and pointed at its folder.
//!
//! `bootstrap = { ... }` in the `lab` (every cluster) or a `cluster` (over the lab's, key by
//! key) chooses the mode: `flux-bootstrap` (the default: `flux bootstrap` writes and reads
//! `flux-system/gotk-sync.yaml`) or `flux-operator` (a `FluxInstance` the operator
//! reconciles; its `sync` creates the same `flux-system` source and Kustomization). The
//! settings are checked here, at the lab's spans (E0420 unknown setting or value, E0421 a
//! setting its mode cannot honour); `resolve` merges the lab's and the cluster's records
//! into a [`Bootstrap`] with the defaults filled in, which `emit` writes.

use indexmap::IndexMap;

use super::eval::{Evaluator, Ty, Value};
use crate::diag::codes;
use crate::diag::{listing, unknown_name_help};
use crate::syntax::ast::*;

/// The two ways a cluster's Flux is installed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    FluxBootstrap,
    FluxOperator,
}

pub const MODES: &[&str] = &["flux-bootstrap", "flux-operator"];
/// The controllers a FluxInstance can install (its `components` enum).
pub const COMPONENTS: &[&str] = &[
    "source-controller",
    "kustomize-controller",
    "helm-controller",
    "notification-controller",
    "image-reflector-controller",
    "image-automation-controller",
    "source-watcher",
];
/// What the operator installs when `components` is not given.
pub const DEFAULT_COMPONENTS: &[&str] = &[
    "source-controller",
    "kustomize-controller",
    "helm-controller",
    "notification-controller",
];
/// The sync (the `flux-system` GitRepository and Kustomization) needs these two.
const SYNC_COMPONENTS: &[&str] = &["source-controller", "kustomize-controller"];
const CLUSTER_TYPES: &[&str] = &["kubernetes", "openshift", "aws", "azure", "gcp"];
const SIZES: &[&str] = &["small", "medium", "large"];
/// Git authentication providers of a FluxInstance sync from a GitRepository.
const PROVIDERS: &[&str] = &["generic", "azure", "github"];

/// The settings of `bootstrap`: name, type, allowed values (empty: any), and whether only
/// the operator mode reads it.
const SETTINGS: &[(&str, &str, &[&str], bool)] = &[
    ("mode", "string", MODES, false),
    ("version", "string", &[], true),
    ("registry", "string", &[], true),
    ("artifact", "string", &[], true),
    ("image_pull_secret", "name", &[], true),
    ("components", "list<string>", COMPONENTS, true),
    ("cluster_type", "string", CLUSTER_TYPES, true),
    ("size", "string", SIZES, true),
    ("multitenant", "bool", &[], true),
    ("network_policy", "bool", &[], true),
    ("pull_secret", "name", &[], true),
    ("provider", "string", PROVIDERS, true),
    ("patches", "list<any>", &[], true),
];

/// The fields of one entry of `patches`.
const PATCH_FIELDS: &[&str] = &["patch", "target"];
/// The fields of a patch's `target` (kustomize's selector), in the lab's spelling.
const TARGET_FIELDS: &[(&str, &str)] = &[
    ("group", "group"),
    ("version", "version"),
    ("kind", "kind"),
    ("name", "name"),
    ("label_selector", "labelSelector"),
    ("annotation_selector", "annotationSelector"),
];

fn setting_ty(t: &str) -> Ty {
    match t {
        "list<string>" => Ty::List(Box::new(Ty::Str)),
        "list<any>" => Ty::List(Box::new(Ty::Any)),
        t => Ty::builtin(t).unwrap_or(Ty::Any),
    }
}

/// The expression that wrote `key` in a record literal, if `e` is one that writes it with
/// a plain `key = value`; errors about that value point there, else at the whole record.
fn field_expr<'e>(e: &'e Expr, key: &str) -> Option<(&'e Ident, &'e Expr)> {
    let ExprKind::Record { items, .. } = &e.kind else {
        return None;
    };
    items.iter().rev().find_map(|item| match item {
        RecordItem::Field { path, value, .. } if path.len() == 1 && path[0].text == key => {
            Some((&path[0], value))
        }
        _ => None,
    })
}

/// The `i`th element of a list literal, or the list itself.
fn element_expr(e: &Expr, i: usize) -> &Expr {
    match &e.kind {
        ExprKind::List(items) => items.get(i).unwrap_or(e),
        _ => e,
    }
}

/// Evaluate and check a `bootstrap` record; the checked record (values coerced, patches as
/// text) goes into the lab or cluster record.
pub fn check(ev: &mut Evaluator, e: &Expr) -> Option<Value> {
    let v = ev.eval(e, &Ty::Any)?;
    let Value::Record(fields) = v else {
        ev.error(
            codes::E0301,
            e.span,
            format!("expected a bootstrap record, found {}", v.type_name()),
        )
        .lbl("not a record")
        .help = Some("write `bootstrap = { mode = \"flux-operator\", version = \"2.x\" }`".into());
        return None;
    };
    let mut out = IndexMap::new();
    let mut ok = true;
    for (key, value) in fields {
        let (key_span, value_expr) = match field_expr(e, &key) {
            Some((ident, value)) => (ident.span, value),
            None => (e.span, e),
        };
        let Some((_, t, allowed, _)) = SETTINGS.iter().find(|(n, ..)| *n == key) else {
            let d = ev
                .error(
                    codes::E0420,
                    key_span,
                    format!("`bootstrap` has no setting `{key}`"),
                )
                .lbl("unknown bootstrap setting");
            d.help = unknown_name_help(&key, SETTINGS.iter().map(|(n, ..)| *n), |known| {
                listing("`bootstrap` has", known)
            });
            ok = false;
            continue;
        };
        let Some(value) = ev.coerce(value, &setting_ty(t), value_expr) else {
            ok = false;
            continue;
        };
        let checked = match key.as_str() {
            "components" => check_components(ev, value, value_expr),
            "patches" => check_patches(ev, value, value_expr),
            "version" => check_version(ev, value, value_expr),
            "artifact" => check_artifact(ev, value, value_expr),
            _ => check_enum(ev, &key, value, allowed, value_expr),
        };
        match checked {
            Some(v) => {
                out.insert(key, v);
            }
            None => ok = false,
        }
    }
    ok.then_some(Value::Record(out))
}

/// E0420: a value outside a setting's known set, with the closest one.
fn check_enum(
    ev: &mut Evaluator,
    key: &str,
    value: Value,
    allowed: &[&str],
    e: &Expr,
) -> Option<Value> {
    let Value::Str(text) = &value else {
        return Some(value);
    };
    if allowed.is_empty() || allowed.contains(&text.as_str()) {
        return Some(value);
    }
    let d = ev
        .error(
            codes::E0420,
            e.span,
            format!("`{text}` is not a bootstrap `{key}`"),
        )
        .lbl(format!("unknown `{key}`"));
    d.help = unknown_name_help(text, allowed.iter().copied(), |known| {
        listing(&format!("`{key}` is one of"), known)
    });
    None
}

/// `components`: each from the known set (E0420), none twice, and the two controllers
/// the sync runs on present (E0421).
fn check_components(ev: &mut Evaluator, value: Value, e: &Expr) -> Option<Value> {
    let Value::List(items) = &value else {
        return Some(value);
    };
    let mut ok = true;
    let mut seen: Vec<&str> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Value::Str(name) = item else { continue };
        let at = element_expr(e, i);
        if !COMPONENTS.contains(&name.as_str()) {
            let d = ev
                .error(
                    codes::E0420,
                    at.span,
                    format!("`{name}` is not a Flux component"),
                )
                .lbl("unknown component");
            d.help = unknown_name_help(name, COMPONENTS.iter().copied(), |known| {
                listing("the components are", known)
            });
            ok = false;
        } else if seen.contains(&name.as_str()) {
            ev.error(
                codes::E0421,
                at.span,
                format!("`{name}` is listed twice in `components`"),
            )
            .lbl("listed again here")
            .help = Some(format!("remove the second `{name}`"));
            ok = false;
        }
        seen.push(name);
    }
    let missing: Vec<&str> = SYNC_COMPONENTS
        .iter()
        .copied()
        .filter(|c| !seen.contains(c))
        .collect();
    if ok && !missing.is_empty() {
        let list = missing
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>();
        ev.error(
            codes::E0421,
            e.span,
            format!(
                "`components` leaves out {}, which the cluster's sync needs",
                list.join(" and ")
            ),
        )
        .lbl("the sync cannot run without it")
        .help = Some(format!("add {} to `components`", list.join(", ")));
        ok = false;
    }
    ok.then_some(value)
}

/// `version`: a semver expression the operator understands (`2.x`, `2.7.x`, `2.7.2`).
fn check_version(ev: &mut Evaluator, value: Value, e: &Expr) -> Option<Value> {
    let Value::Str(text) = &value else {
        return Some(value);
    };
    let mut parts = text.split('.');
    let first_ok = parts
        .next()
        .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let rest_ok =
        parts.all(|p| p == "x" || (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())));
    if first_ok && rest_ok {
        return Some(value);
    }
    ev.error(
        codes::E0420,
        e.span,
        format!("`{text}` is not a Flux version the operator can follow"),
    )
    .lbl("not a version or version range")
    .help = Some(
        "write a version or a range of patch or minor releases: `2.x`, `2.7.x`, `2.7.2`".into(),
    );
    None
}

/// `artifact`: the operator pulls the distribution's manifests from an OCI artifact.
fn check_artifact(ev: &mut Evaluator, value: Value, e: &Expr) -> Option<Value> {
    match &value {
        Value::Str(text) if !text.starts_with("oci://") => {
            ev.error(
                codes::E0420,
                e.span,
                format!("`{text}` is not an OCI artifact address"),
            )
            .lbl("expected `oci://...`")
            .help = Some(
                "the artifact is an OCI address: `oci://<registry>/<repository>:<tag>`".into(),
            );
            None
        }
        _ => Some(value),
    }
}

/// `patches`: a list of `{ patch, target }`. A patch written as a record or a list (a
/// strategic merge patch or JSON 6902 operations) becomes its YAML text, as the
/// FluxInstance's kustomize patches take text. A target names no namespace (E0421): the
/// operator applies every patch in its own namespace.
fn check_patches(ev: &mut Evaluator, value: Value, e: &Expr) -> Option<Value> {
    let Value::List(items) = value else {
        return Some(value);
    };
    let mut out = Vec::new();
    let mut ok = true;
    for (i, item) in items.into_iter().enumerate() {
        let at = element_expr(e, i);
        match check_patch(ev, item, at) {
            Some(p) => out.push(p),
            None => ok = false,
        }
    }
    ok.then_some(Value::List(out))
}

fn check_patch(ev: &mut Evaluator, item: Value, at: &Expr) -> Option<Value> {
    let Value::Record(mut fields) = item else {
        ev.error(
            codes::E0301,
            at.span,
            format!("expected a patch record, found {}", item.type_name()),
        )
        .lbl("not a record")
        .help = Some("write `{ patch = \"...\", target = { kind = \"Deployment\" } }`".into());
        return None;
    };
    for key in fields.keys() {
        if !PATCH_FIELDS.contains(&key.as_str()) {
            let span = field_expr(at, key).map_or(at.span, |(k, _)| k.span);
            let d = ev
                .error(codes::E0420, span, format!("a patch has no field `{key}`"))
                .lbl("unknown patch field");
            d.help = unknown_name_help(key, PATCH_FIELDS.iter().copied(), |known| {
                listing("a patch has", known)
            });
            return None;
        }
    }
    let text = match fields.shift_remove("patch") {
        Some(Value::Str(text)) => text,
        Some(v @ (Value::Record(_) | Value::List(_))) => crate::yaml::to_string(&v.to_yaml()),
        Some(other) => {
            let span = field_expr(at, "patch").map_or(at.span, |(_, v)| v.span);
            ev.error(
                codes::E0301,
                span,
                format!(
                    "expected a patch (text, a record or a list), found {}",
                    other.type_name()
                ),
            )
            .lbl("not a patch");
            return None;
        }
        None => {
            ev.error(codes::E0206, at.span, "a patch needs `patch`")
                .lbl("`patch` is missing")
                .help =
                Some("give the strategic merge patch or JSON patch as `patch = ...`".into());
            return None;
        }
    };
    let mut out = IndexMap::new();
    out.insert("patch".to_string(), Value::Str(text));
    if let Some(target) = fields.shift_remove("target") {
        let target_expr = field_expr(at, "target").map_or(at, |(_, v)| v);
        out.insert("target".into(), check_target(ev, target, target_expr)?);
    }
    Some(Value::Record(out))
}

/// A patch's target, its keys renamed to kustomize's spelling.
fn check_target(ev: &mut Evaluator, target: Value, e: &Expr) -> Option<Value> {
    let Value::Record(fields) = target else {
        ev.error(
            codes::E0301,
            e.span,
            format!("expected a target record, found {}", target.type_name()),
        )
        .lbl("not a record");
        return None;
    };
    let mut out = IndexMap::new();
    for (key, value) in fields {
        let span = field_expr(e, &key).map_or(e.span, |(k, _)| k.span);
        if key == "namespace" {
            ev.error(
                codes::E0421,
                span,
                "a bootstrap patch cannot target a namespace",
            )
            .lbl("the operator patches its own namespace only")
            .help = Some(
                "remove `namespace`: every patch applies to the objects of `flux-system`".into(),
            );
            return None;
        }
        let Some((_, written)) = TARGET_FIELDS.iter().find(|(n, _)| *n == key) else {
            let d = ev
                .error(
                    codes::E0420,
                    span,
                    format!("a patch target has no field `{key}`"),
                )
                .lbl("unknown target field");
            d.help = unknown_name_help(&key, TARGET_FIELDS.iter().map(|(n, _)| *n), |known| {
                listing("a patch target has", known)
            });
            return None;
        };
        let value_expr = field_expr(e, &key).map_or(e, |(_, v)| v);
        let value = ev.coerce(value, &Ty::Str, value_expr)?;
        out.insert(written.to_string(), value);
    }
    Some(Value::Record(out))
}

/// E0421 on a cluster: operator settings where the cluster's mode (its own, else the
/// lab's, else `flux-bootstrap`) is `flux-bootstrap`, so nothing would read them. The
/// lab's record may hold operator settings for the clusters that choose the operator.
pub fn check_cluster_mode(
    ev: &mut Evaluator,
    decl: &Decl,
    lab: Option<&Value>,
    own: Option<&Value>,
) {
    let Some(Value::Record(own)) = own else {
        return;
    };
    if mode_of(lab, Some(own)) != Mode::FluxBootstrap {
        return;
    }
    let Some(expr) = decl.body.iter().find_map(|stmt| match stmt {
        Stmt::Assign { path, value, .. } if path.len() == 1 && path[0].text == "bootstrap" => {
            Some(value)
        }
        _ => None,
    }) else {
        return;
    };
    for key in own.keys() {
        let operator_only = SETTINGS.iter().any(|(n, .., op)| n == key && *op);
        if !operator_only {
            continue;
        }
        let span = field_expr(expr, key).map_or(expr.span, |(k, _)| k.span);
        ev.error(
            codes::E0421,
            span,
            format!("`{key}` is read only in `flux-operator` mode, but this cluster uses `flux-bootstrap`"),
        )
        .lbl("nothing reads this")
        .help = Some(format!(
            "set `mode = \"flux-operator\"` in this `bootstrap` (or the lab's), or remove `{key}`"
        ));
        return;
    }
}

fn record_of(v: Option<&Value>) -> Option<&IndexMap<String, Value>> {
    match v {
        Some(Value::Record(r)) => Some(r),
        _ => None,
    }
}

/// The mode of a cluster from the lab's record and the cluster's own `bootstrap`.
fn mode_of(lab: Option<&Value>, cluster: Option<&IndexMap<String, Value>>) -> Mode {
    let lab = record_of(lab).and_then(|l| record_of(l.get("bootstrap")));
    let mode = cluster
        .and_then(|c| c.get("mode"))
        .or_else(|| lab.and_then(|l| l.get("mode")));
    match mode {
        Some(Value::Str(m)) if m == "flux-operator" => Mode::FluxOperator,
        _ => Mode::FluxBootstrap,
    }
}

/// A cluster's bootstrap, resolved: the cluster's settings over the lab's, key by key, and
/// the operator's own defaults for the rest.
#[derive(Clone, Debug, PartialEq)]
pub struct Bootstrap {
    pub mode: Mode,
    pub version: String,
    pub registry: String,
    pub artifact: Option<String>,
    pub image_pull_secret: Option<String>,
    pub components: Vec<String>,
    pub cluster_type: String,
    pub size: Option<String>,
    pub multitenant: bool,
    pub network_policy: bool,
    pub pull_secret: Option<String>,
    pub provider: Option<String>,
    /// `{ patch: text, target: { kind, name, ... } }` records.
    pub patches: Vec<Value>,
}

/// The bootstrap of a cluster from the `bootstrap` fields of the lab and cluster records.
pub fn resolve(lab: Option<&Value>, cluster: Option<&Value>) -> Bootstrap {
    let lab_rec = record_of(lab).and_then(|l| record_of(l.get("bootstrap")));
    let cluster_rec = record_of(cluster).and_then(|c| record_of(c.get("bootstrap")));
    let get = |key: &str| {
        cluster_rec
            .and_then(|c| c.get(key))
            .or_else(|| lab_rec.and_then(|l| l.get(key)))
    };
    let text = |key: &str| get(key).and_then(Value::scalar_text);
    let flag = |key: &str, default: bool| match get(key) {
        Some(Value::Bool(b)) => *b,
        _ => default,
    };
    let list = |key: &str| match get(key) {
        Some(Value::List(items)) => Some(items.clone()),
        _ => None,
    };
    let mode = match text("mode").as_deref() {
        Some("flux-operator") => Mode::FluxOperator,
        _ => Mode::FluxBootstrap,
    };
    Bootstrap {
        mode,
        version: text("version").unwrap_or_else(|| "2.x".into()),
        registry: text("registry").unwrap_or_else(|| "ghcr.io/fluxcd".into()),
        artifact: text("artifact"),
        image_pull_secret: text("image_pull_secret"),
        components: list("components")
            .map(|items| items.iter().filter_map(Value::scalar_text).collect())
            .unwrap_or_else(|| DEFAULT_COMPONENTS.iter().map(|c| c.to_string()).collect()),
        cluster_type: text("cluster_type").unwrap_or_else(|| "kubernetes".into()),
        size: text("size"),
        multitenant: flag("multitenant", false),
        network_policy: flag("network_policy", true),
        pull_secret: text("pull_secret"),
        provider: text("provider"),
        patches: list("patches").unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(pairs: &[(&str, Value)]) -> Value {
        Value::Record(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn the_cluster_overrides_the_lab_key_by_key() {
        let s = |t: &str| Value::Str(t.into());
        let lab = rec(&[(
            "bootstrap",
            rec(&[("mode", s("flux-operator")), ("version", s("2.7.x"))]),
        )]);
        let cluster = rec(&[("bootstrap", rec(&[("size", s("large"))]))]);
        let b = resolve(Some(&lab), Some(&cluster));
        assert_eq!(b.mode, Mode::FluxOperator);
        assert_eq!(b.version, "2.7.x");
        assert_eq!(b.size.as_deref(), Some("large"));
        assert_eq!(b.components.len(), DEFAULT_COMPONENTS.len());
        let off = rec(&[("bootstrap", rec(&[("mode", s("flux-bootstrap"))]))]);
        assert_eq!(resolve(Some(&lab), Some(&off)).mode, Mode::FluxBootstrap);
        assert_eq!(resolve(None, None).mode, Mode::FluxBootstrap);
    }
}
