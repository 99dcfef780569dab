//! `flux { ... }`: typed Flux settings, lab-wide (in `lab`) and per component (in its
//! definition, tenant body or install/instance body). The record has three sections shaped
//! like the Flux objects they change and spelled as the Flux APIs spell their fields:
//! `release` (the HelmRelease `spec`), `kustomization` (the Kustomization `spec`) and
//! `source` (the chart's source `spec`). Each value is checked against its type here, at
//! the key or value the lab wrote: E0311 an unknown key, E0312 a word outside an enum,
//! E0313 a value Flux would refuse (a missing field of an entry, a malformed key path).

use indexmap::IndexMap;

use super::eval::{Evaluator, Ty, Value};
use crate::diag::codes;
use crate::diag::{did_you_mean, listing, unknown_name_help};
use crate::literal::{check_k8s_name, NameRule};
// One step of a path into the settings: a key or a list index.
use crate::schema::Seg;
use crate::syntax::ast::*;

/// What a setting holds.
enum Kind {
    Duration,
    Bool,
    Int,
    Str,
    /// A Kubernetes object name (DNS-1123 label or subdomain).
    Name(NameRule),
    /// One of these words, spelled as the Flux API spells them; what they are.
    Enum(&'static str, &'static [&'static str]),
    /// A string Flux checks against a pattern: what it must be, and the check.
    Pattern(&'static str, fn(&str) -> bool),
    /// A CEL expression (`healthCheckExprs`), parsed by `flux_cel`.
    Cel,
    Record(Schema),
    List(&'static Kind),
}

/// A setting of a record: its name, what it holds, whether an entry needs it.
struct Field {
    name: &'static str,
    kind: Kind,
    required: bool,
}

type Schema = &'static [Field];

const fn opt(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: false,
    }
}

const fn req(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: true,
    }
}

const CRDS: Kind = Kind::Enum("a CRD policy", &["Skip", "Create", "CreateReplace"]);
const ACTION_STRATEGY: Kind = Kind::Record(&[
    req(
        "name",
        Kind::Enum(
            "an action strategy",
            &["RemediateOnFailure", "RetryOnFailure"],
        ),
    ),
    opt("retryInterval", Kind::Duration),
]);
const INSTALL: Kind = Kind::Record(&[
    opt("crds", CRDS),
    opt(
        "remediation",
        Kind::Record(&[
            opt("retries", Kind::Int),
            opt("remediateLastFailure", Kind::Bool),
            opt("ignoreTestFailures", Kind::Bool),
        ]),
    ),
    opt("strategy", ACTION_STRATEGY),
    opt("timeout", Kind::Duration),
]);
const UPGRADE: Kind = Kind::Record(&[
    opt("cleanupOnFail", Kind::Bool),
    opt("crds", CRDS),
    opt(
        "remediation",
        Kind::Record(&[
            opt("retries", Kind::Int),
            opt(
                "strategy",
                Kind::Enum("a remediation strategy", &["rollback", "uninstall"]),
            ),
            opt("remediateLastFailure", Kind::Bool),
            opt("ignoreTestFailures", Kind::Bool),
        ]),
    ),
    opt("strategy", ACTION_STRATEGY),
    opt("timeout", Kind::Duration),
]);
const ROLLBACK: Kind = Kind::Record(&[
    opt("cleanupOnFail", Kind::Bool),
    opt("recreate", Kind::Bool),
    opt("timeout", Kind::Duration),
]);
const IGNORE_RULE: Kind = Kind::Record(&[
    req("paths", Kind::List(&Kind::Str)),
    opt(
        "target",
        Kind::Record(&[
            opt("group", Kind::Str),
            opt("version", Kind::Str),
            opt("kind", Kind::Str),
            opt("name", Kind::Str),
            opt("namespace", Kind::Str),
            opt("labelSelector", Kind::Str),
            opt("annotationSelector", Kind::Str),
        ]),
    ),
]);
const DRIFT: Kind = Kind::Record(&[
    opt(
        "mode",
        Kind::Enum("a drift detection mode", &["enabled", "warn", "disabled"]),
    ),
    opt("ignore", Kind::List(&IGNORE_RULE)),
]);
const VALUES_REF: Kind = Kind::Record(&[
    req(
        "kind",
        Kind::Enum("a values source kind", &["ConfigMap", "Secret"]),
    ),
    req("name", Kind::Name(NameRule::Subdomain)),
    opt(
        "valuesKey",
        Kind::Pattern("a key of letters, digits, `-`, `_` and `.`", values_key),
    ),
    opt(
        "targetPath",
        Kind::Pattern("a Helm values path such as `a.b[0].c`", target_path),
    ),
    opt("optional", Kind::Bool),
]);
const HEALTH_EXPR: Kind = Kind::Record(&[
    req("apiVersion", Kind::Str),
    req("kind", Kind::Str),
    req("current", Kind::Cel),
    opt("failed", Kind::Cel),
    opt("inProgress", Kind::Cel),
]);

/// The HelmRelease settings (`spec` fields of `helm.toolkit.fluxcd.io/v2`); `crds` sets
/// both `install.crds` and `upgrade.crds`.
const RELEASE: Schema = &[
    opt("interval", Kind::Duration),
    opt("timeout", Kind::Duration),
    opt("maxHistory", Kind::Int),
    opt("crds", CRDS),
    opt("install", INSTALL),
    opt("upgrade", UPGRADE),
    opt("rollback", ROLLBACK),
    opt("driftDetection", DRIFT),
    opt("valuesFrom", Kind::List(&VALUES_REF)),
];

/// The Kustomization settings (`spec` fields of `kustomize.toolkit.fluxcd.io/v1`).
const KUSTOMIZATION: Schema = &[
    opt("interval", Kind::Duration),
    opt("retryInterval", Kind::Duration),
    opt("timeout", Kind::Duration),
    opt("wait", Kind::Bool),
    opt("prune", Kind::Bool),
    opt("healthCheckExprs", Kind::List(&HEALTH_EXPR)),
    opt("targetNamespace", Kind::Name(NameRule::Label)),
];

/// The settings of the chart's source (OCIRepository, or HelmRepository and HelmChart).
const SOURCE: Schema = &[opt("interval", Kind::Duration)];

const FLUX: Schema = &[
    opt("release", Kind::Record(RELEASE)),
    opt("kustomization", Kind::Record(KUSTOMIZATION)),
    opt("source", Kind::Record(SOURCE)),
];

/// `valuesKey`, as the HelmRelease schema's pattern `^[\-._a-zA-Z0-9]+$`.
fn values_key(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
}

/// `targetPath`, as the schema's pattern `^([a-zA-Z0-9_\-.\\\/]|\[[0-9]{1,5}\])+$`.
fn target_path(s: &str) -> bool {
    let mut rest = s;
    if rest.is_empty() {
        return false;
    }
    while let Some(c) = rest.chars().next() {
        if c == '[' {
            let Some(end) = rest.find(']') else {
                return false;
            };
            let digits = &rest[1..end];
            if digits.is_empty() || digits.len() > 5 || !digits.chars().all(|d| d.is_ascii_digit())
            {
                return false;
            }
            rest = &rest[end + 1..];
        } else if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '\\' | '/') {
            rest = &rest[1..];
        } else {
            return false;
        }
    }
    true
}

/// Where settings are written: the lab (defaults for every component) or a component.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Lab,
    Component,
}

/// A component's Flux settings, checked: the merged `flux` record (sections `release`,
/// `kustomization`, `source` in Flux's spelling, `crds` already spread into `install` and
/// `upgrade`), and where each section and `kustomization.targetNamespace` was last set, for
/// the checks lowering makes (a release section without a chart, a target namespace).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct FluxSettings {
    pub value: IndexMap<String, Value>,
    pub sites: IndexMap<String, (crate::db::SourceFile, Span)>,
}

impl FluxSettings {
    /// The section `release`, `kustomization` or `source`, if set.
    pub fn section(&self, name: &str) -> Option<&IndexMap<String, Value>> {
        match self.value.get(name) {
            Some(Value::Record(r)) => Some(r),
            _ => None,
        }
    }
}

/// `flux.install.remediation.retries`: a settings path as the lab writes it.
fn path_text(path: &[Seg]) -> String {
    let rest = crate::schema::path_text(path);
    if rest.is_empty() || rest.starts_with('[') {
        format!("flux{rest}")
    } else {
        format!("flux.{rest}")
    }
}

/// `flux = ...` (or `flux.a.b = ...`, `path` being the whole key path) evaluated and
/// checked: the record of settings, or `None` after an error (reported).
pub fn eval_flux(
    ev: &mut Evaluator,
    path: &KeyPath,
    value: &Expr,
    span: Span,
    scope: Scope,
) -> Option<IndexMap<String, Value>> {
    let root = as_record(path, value, span);
    let v = ev.eval(&root, &Ty::Any)?;
    check_flux_value(ev, v, &root, scope)
}

/// The lab's `flux` field, already evaluated as `v` by the lab's schema: checked the same
/// way, at the lab's `flux` statement.
pub fn check_lab_flux(ev: &mut Evaluator, decl: &Decl, v: Value) -> Option<Value> {
    let root = lab_root(decl)?;
    check_flux_value(ev, v, &root, Scope::Lab).map(Value::Record)
}

/// The lab's `flux` statements as one record literal, in order (the schema merged them
/// so), for `locate`: `flux { a = 1 }` gives its items, `flux.b = 2` the item `b = 2`. A
/// `flux = <expression>` that is no record literal stands for the whole record.
fn lab_root(decl: &Decl) -> Option<Expr> {
    let mut items = Vec::new();
    let mut whole = None;
    let mut span = None;
    for stmt in &decl.body {
        let Stmt::Assign {
            path,
            value,
            span: at,
        } = stmt
        else {
            continue;
        };
        if path[0].text != "flux" {
            continue;
        }
        span = Some(span.map_or(*at, |s: Span| s.to(*at)));
        match (&value.kind, path.len()) {
            (ExprKind::Record { items: inner, .. }, 1) => items.extend(inner.iter().cloned()),
            (_, 1) => whole = Some(value.clone()),
            _ => items.push(RecordItem::Field {
                path: path[1..].to_vec(),
                value: value.clone(),
                span: *at,
            }),
        }
    }
    whole.or_else(|| {
        Some(Expr {
            span: span?,
            kind: ExprKind::Record {
                type_name: None,
                items,
            },
        })
    })
}

/// `flux.a.b = v` as the record `{ a.b = v }` it sets, so both forms are checked alike.
fn as_record(path: &KeyPath, value: &Expr, span: Span) -> Expr {
    if path.len() == 1 {
        return value.clone();
    }
    Expr::record_of_path(&path[1..], value, span)
}

fn check_flux_value(
    ev: &mut Evaluator,
    v: Value,
    root: &Expr,
    scope: Scope,
) -> Option<IndexMap<String, Value>> {
    let mut path = Vec::new();
    let Value::Record(mut rec) = check(ev, v, &Kind::Record(FLUX), &mut path, root)? else {
        return None;
    };
    if let Some(Value::Record(release)) = rec.get_mut("release") {
        spread_crds(release);
    }
    if scope == Scope::Lab {
        let target = rec
            .get("kustomization")
            .and_then(|k| match k {
                Value::Record(r) => r.get("targetNamespace"),
                _ => None,
            })
            .is_some();
        if target {
            let path = [
                Seg::Key("kustomization".into()),
                Seg::Key("targetNamespace".into()),
            ];
            let at = locate(root, &path);
            let d = ev
                .error(
                    codes::E0314,
                    at.key.unwrap_or(at.span()),
                    "`flux.kustomization.targetNamespace` cannot be a lab-wide default",
                )
                .lbl("would move every component's objects into one namespace");
            d.help = Some("remove it from `lab`; to place a component in a namespace, set `namespace = \"...\"` on that component".into());
            return None;
        }
    }
    Some(rec)
}

/// `release.crds` is the policy of both actions: it becomes `install.crds` and
/// `upgrade.crds`, unless the same record gives one of them itself.
fn spread_crds(release: &mut IndexMap<String, Value>) {
    let Some(policy) = release.shift_remove("crds") else {
        return;
    };
    for action in ["install", "upgrade"] {
        let entry = release
            .entry(action.to_string())
            .or_insert_with(|| Value::Record(IndexMap::new()));
        if let Value::Record(r) = entry {
            r.entry("crds".to_string()).or_insert(policy.clone());
        }
    }
}

/// `v` checked against `kind` at `path`; the value with its types interpreted.
fn check(
    ev: &mut Evaluator,
    v: Value,
    kind: &Kind,
    path: &mut Vec<Seg>,
    root: &Expr,
) -> Option<Value> {
    let at = locate(root, path);
    let expr = at.value.unwrap_or(root);
    match kind {
        Kind::Duration => scalar(ev, v, &Ty::Duration, path, &at.expr_at(expr)),
        Kind::Bool => scalar(ev, v, &Ty::Bool, path, &at.expr_at(expr)),
        Kind::Int => scalar(ev, v, &Ty::Int, path, &at.expr_at(expr)),
        Kind::Str => scalar(ev, v, &Ty::Str, path, &at.expr_at(expr)),
        Kind::Cel => {
            let Value::Str(text) = scalar(ev, v, &Ty::Str, path, &at.expr_at(expr))? else {
                return None;
            };
            check_cel(ev, text, path, &at)
        }
        Kind::Name(rule) => {
            let Value::Str(s) = ev.coerce(v, &Ty::Str, &at.expr_at(expr))? else {
                return None;
            };
            if let Err(err) = check_k8s_name(&s, *rule) {
                let d = ev
                    .error(codes::E0305, at.span(), err.message)
                    .lbl("not a valid Kubernetes name");
                d.help = err.help;
                return None;
            }
            Some(Value::Str(s))
        }
        Kind::Enum(what, choices) => check_enum(ev, v, what, choices, path, &at, expr),
        Kind::Pattern(what, ok) => {
            let Value::Str(s) = ev.coerce(v, &Ty::Str, &at.expr_at(expr))? else {
                return None;
            };
            if !ok(&s) {
                let d = ev
                    .error(
                        codes::E0313,
                        at.span(),
                        format!("`{}` must be {what}", path_text(path)),
                    )
                    .lbl(format!("Flux refuses `{}`", crate::diag::shown(&s)));
                d.help = Some(format!("write {what}"));
                return None;
            }
            Some(Value::Str(s))
        }
        Kind::Record(schema) => check_record(ev, v, schema, path, root, &at),
        Kind::List(inner) => {
            let Value::List(items) = v else {
                return ev.coerce(v, &Ty::List(Box::new(Ty::Any)), &at.expr_at(expr));
            };
            let mut out = Vec::new();
            let mut ok = true;
            for (i, item) in items.into_iter().enumerate() {
                path.push(Seg::Index(i));
                match check(ev, item, inner, path, root) {
                    Some(v) => out.push(v),
                    None => ok = false,
                }
                path.pop();
            }
            ok.then_some(Value::List(out))
        }
    }
}

/// `v` as a `ty`; a mismatch (the evaluator's E0301) gets a help line that names the
/// setting and how its values are written, when the evaluator gave none.
fn scalar(ev: &mut Evaluator, v: Value, ty: &Ty, path: &[Seg], e: &Expr) -> Option<Value> {
    let before = ev.diags.len();
    let out = ev.coerce(v, ty, e);
    if out.is_none() && ev.diags.len() > before {
        let how = match ty {
            Ty::Duration => "a duration with its unit, as `10m`, `1h30m` or `30s`",
            Ty::Bool => "`true` or `false`",
            Ty::Int => "a whole number, as `3`",
            _ => "a quoted string",
        };
        if let Some(d) = ev.diags.last_mut() {
            if d.help.is_none() {
                d.help = Some(format!("`{}` is {how}", path_text(path)));
            }
        }
    }
    out
}

/// A `healthCheckExprs` expression: CEL that `flux_cel` parses, else E0313 at the
/// expression, with what the parser found and where.
fn check_cel(ev: &mut Evaluator, text: String, path: &[Seg], at: &Located) -> Option<Value> {
    let Err(err) = super::flux_cel::parse(&text) else {
        return Some(Value::Str(text));
    };
    let d = ev
        .error(
            codes::E0313,
            at.span(),
            format!("`{}` is not a CEL expression", path_text(path)),
        )
        .lbl(format!("{} (at character {})", err.message, err.offset + 1));
    d.help = Some(format!(
        "Flux evaluates it as CEL over the object, as `status.phase == 'Running'`; {}",
        err.help
    ));
    None
}

/// E0312: a word that is not one of `choices`.
fn check_enum(
    ev: &mut Evaluator,
    v: Value,
    what: &str,
    choices: &[&str],
    path: &[Seg],
    at: &Located,
    expr: &Expr,
) -> Option<Value> {
    let Value::Str(s) = ev.coerce(v, &Ty::Str, &at.expr_at(expr))? else {
        return None;
    };
    if choices.contains(&s.as_str()) {
        return Some(Value::Str(s));
    }
    let list = choices
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ");
    // A difference of case only is the likeliest slip with Flux's mixed spellings.
    let same_word = choices.iter().find(|c| c.eq_ignore_ascii_case(&s));
    let d = ev
        .error(
            codes::E0312,
            at.span(),
            format!(
                "`{}` is not {what}: `{}`",
                path_text(path),
                crate::diag::shown(&s)
            ),
        )
        .lbl(format!("not {what}"));
    let one_of = format!("{what} is one of {list}");
    d.help = Some(match same_word {
        Some(c) => format!("did you mean `{c}`? Flux spells it so; {one_of}"),
        None => match did_you_mean(&s, choices.iter().copied()) {
            Some(h) => format!("{h} {}{}", one_of[..1].to_uppercase(), &one_of[1..]),
            None => one_of,
        },
    });
    None
}

/// A record of settings: every key known (E0311), required keys present (E0313), each
/// value checked; the result in the schema's order.
fn check_record(
    ev: &mut Evaluator,
    v: Value,
    schema: Schema,
    path: &mut Vec<Seg>,
    root: &Expr,
    at: &Located,
) -> Option<Value> {
    let Value::Record(mut rec) = v else {
        let found = v.type_name();
        let d = ev
            .error(
                codes::E0301,
                at.span(),
                format!("`{}` is a record, found {found}", path_text(path)),
            )
            .lbl(format!(
                "this is {}",
                crate::sema::eval::value::with_article(found)
            ));
        d.help = Some(format!(
            "write `{} {{ ... }}` with: {}",
            path_text(path),
            names(schema).join(", ")
        ));
        return None;
    };
    let mut ok = true;
    for key in rec.keys() {
        if schema.iter().any(|f| f.name == key) {
            continue;
        }
        path.push(Seg::Key(key.clone()));
        let here = locate(root, path);
        path.pop();
        let section = path_text(path);
        let d = ev
            .error(
                codes::E0311,
                here.key.unwrap_or(here.span()),
                format!("`{section}` has no setting `{}`", crate::diag::shown(key)),
            )
            .lbl("unknown setting");
        d.help = unknown_name_help(key, names(schema), |known| {
            listing(&format!("`{section}` has"), known)
        });
        ok = false;
    }
    let mut out = IndexMap::new();
    for field in schema {
        match rec.shift_remove(field.name) {
            Some(value) => {
                path.push(Seg::Key(field.name.to_string()));
                let checked = check(ev, value, &field.kind, path, root);
                path.pop();
                match checked {
                    Some(v) => {
                        out.insert(field.name.to_string(), v);
                    }
                    None => ok = false,
                }
            }
            None if field.required && ok => {
                let d = ev
                    .error(
                        codes::E0313,
                        at.span(),
                        format!("`{}` needs `{}`", path_text(path), field.name),
                    )
                    .lbl(format!("`{}` is missing", field.name));
                d.help = Some(format!(
                    "Flux refuses the object without it; add `{} = ...`",
                    field.name
                ));
                ok = false;
            }
            None => {}
        }
    }
    ok.then_some(Value::Record(out))
}

fn names(schema: Schema) -> Vec<&'static str> {
    schema.iter().map(|f| f.name).collect()
}

/// Where the lab wrote a path of the settings: the key that names it and the expression
/// that gives its value, when the syntax shows them (a computed record shows neither, and
/// the diagnostic points at the nearest expression that built it).
struct Located<'e> {
    key: Option<Span>,
    value: Option<&'e Expr>,
    near: Span,
}

impl Located<'_> {
    /// The span a diagnostic about the value points at.
    fn span(&self) -> Span {
        self.value.map(|v| v.span).or(self.key).unwrap_or(self.near)
    }
    /// `expr` when it is the value itself, else an expression standing at `span()`, for
    /// the evaluator's type checks (which read only the span).
    fn expr_at(&self, expr: &Expr) -> Expr {
        if self.value.is_some() {
            return expr.clone();
        }
        Expr {
            span: self.span(),
            kind: expr.kind.clone(),
        }
    }
}

fn locate<'e>(e: &'e Expr, path: &[Seg]) -> Located<'e> {
    let Some((first, rest)) = path.split_first() else {
        return Located {
            key: None,
            value: Some(e),
            near: e.span,
        };
    };
    let none = Located {
        key: None,
        value: None,
        near: e.span,
    };
    match (&e.kind, first) {
        (ExprKind::Record { items, .. }, Seg::Key(_)) => locate_items(items, path).unwrap_or(none),
        (ExprKind::List(elems), Seg::Index(i)) => match elems.get(*i) {
            Some(el) => locate(el, rest),
            None => none,
        },
        _ => none,
    }
}

/// `locate` in the items of a record literal: the last item that writes the path (a
/// later key replaces an earlier one).
fn locate_items<'e>(items: &'e [RecordItem], path: &[Seg]) -> Option<Located<'e>> {
    let mut found = None;
    for item in items {
        let here = match item {
            RecordItem::Field {
                path: keys,
                value,
                span,
            } => locate_field(keys, value, *span, path),
            RecordItem::For { body, .. } => locate_items(body, path),
            RecordItem::If {
                then, otherwise, ..
            } => locate_items(then, path).or_else(|| locate_items(otherwise, path)),
        };
        if here.is_some() {
            found = here;
        }
    }
    found
}

fn locate_field<'e>(
    keys: &[Ident],
    value: &'e Expr,
    span: Span,
    path: &[Seg],
) -> Option<Located<'e>> {
    let n = keys.len().min(path.len());
    let same = keys[..n]
        .iter()
        .zip(&path[..n])
        .all(|(k, s)| matches!(s, Seg::Key(t) if *t == k.text));
    if !same {
        return None;
    }
    if path.len() < keys.len() {
        // The path names a record a dotted key builds: only its key is written.
        return Some(Located {
            key: Some(keys[path.len() - 1].span),
            value: None,
            near: span,
        });
    }
    let key = keys.last().map(|k| k.span);
    let mut deeper = locate(value, &path[keys.len()..]);
    if path.len() == keys.len() {
        deeper.key = key;
    } else {
        deeper.key = deeper.key.or(key);
        if deeper.value.is_none() {
            deeper.near = key.unwrap_or(span);
        }
    }
    Some(deeper)
}

/// `flux { ... }` in a definition or component body: checked, and merged over the
/// settings set before it (records key by key, lists replaced), so an install's own
/// `flux` beats its definition's.
pub fn set_flux(ev: &mut Evaluator, path: &KeyPath, value: &Expr, settings: &mut FluxSettings) {
    let span = path[0].span.to(value.span);
    let Some(rec) = eval_flux(ev, path, value, span, Scope::Component) else {
        return;
    };
    let root = as_record(path, value, span);
    for (section, v) in rec {
        // Where lowering's checks point: the section's key, and the target namespace's value.
        let key = [Seg::Key(section.clone())];
        let at = locate(&root, &key);
        settings
            .sites
            .insert(section.clone(), (ev.file, at.key.unwrap_or(at.near)));
        if let Value::Record(fields) = &v {
            if fields.contains_key("targetNamespace") {
                let target = [
                    Seg::Key(section.clone()),
                    Seg::Key("targetNamespace".into()),
                ];
                let at = locate(&root, &target).span();
                settings
                    .sites
                    .insert(format!("{section}.targetNamespace"), (ev.file, at));
            }
        }
        match settings.value.get_mut(&section) {
            Some(old) => super::eval::merge::merge_over(old, v),
            None => {
                settings.value.insert(section, v);
            }
        }
    }
}
