//! Evaluation queries: the lab, clusters, pools, and each component on each cluster.
//!
//! One query per declaration (and per cluster for components), so an edit re-evaluates
//! only the declarations that read what changed.

use indexmap::IndexMap;

use super::chart_overrides::{apply_chart_args, chart_of, take_chart_args};
use super::component_ir::{Capacity, ComponentIr, ComponentOut, Consumption, Crd, HealthCheck};
use super::definition::{bind_params, find_definition};
use super::depends_on::{apply_depends_on, record_depends_on, take_depends_on, DEPENDS_ON};
use super::facts::DeclarationEnv;
use super::kube::CORE_CLUSTER_SCOPED;
use super::manifest::include_manifest;
use super::overrides::{apply_overrides, apply_patch, is_override};
use super::resource::{eval_amount, eval_resource};
use crate::db::{Db, Lab, SourceFile};
use crate::diag::codes;
use crate::diag::unknown_name_help;
use crate::sema::eval::merge::{
    drop_replaced_nulls, first_secret, merge_over, setting_value_paths,
};
use crate::sema::eval::{Env, Evaluator, Header, Ty, Value};
use crate::sema::index::{self, item_index, ItemRef};
use crate::syntax::ast::*;

/// A component placed on one cluster: (declaration, cluster).
#[salsa::interned(debug)]
pub struct CompKey<'db> {
    pub lab: Lab,
    pub file: SourceFile,
    pub index: u32,
    #[returns(ref)]
    pub cluster: String,
}

/// The header of a component: its namespace, definition and bound arguments, from a pass
/// over its body that skips resources, values and checks. The header of a component it
/// refers to is computed the same way, so `harbor-db.server.namespace` is known; a cycle
/// of headers (each computed from the other) falls back to `header_cycle`.
#[salsa::tracked(returns(ref), cycle_result = header_cycle)]
pub fn component_header<'db>(db: &'db dyn Db, key: CompKey<'db>) -> Header {
    let Some(decl) = index::decl_of(db, index::DeclKey::new(db, *key.file(db), *key.index(db)))
    else {
        return Header::default();
    };
    let (ev, out) = run_pass(db, key, decl, true);
    // Diagnostics of this pass are reported by `eval_component`; drop them here.
    // `cut`: a value it read was lost to another component's errors, so this one is
    // poisoned too, and its readers fail as silently (transitively: C reads B reads A).
    let broken = !ev.diags.is_empty() || ev.cut;
    Header {
        broken,
        over_budget: ev.over_budget(),
        namespace: out.namespace.unwrap_or_else(|| decl.name.text.clone()),
        definition: decl.definition.as_ref().map(|d| d.text.clone()),
        args: std::sync::Arc::new(out.args),
        cyclic: false,
    }
}

/// One pass over the body of the component `key` on its cluster, with the component's
/// share of the lab's budgets: the header pass (`header_only`) or the whole evaluation.
fn run_pass<'db>(
    db: &'db dyn Db,
    key: CompKey<'db>,
    decl: &Decl,
    header_only: bool,
) -> (Evaluator<'db>, ComponentOut) {
    let cluster = Some(key.cluster(db).clone());
    let mut ev = Evaluator::new(db, &ComponentEnv, *key.lab(db), *key.file(db), cluster);
    ev.use_component_share();
    let mut out = ComponentOut::default();
    run_component(&mut ev, decl, &mut out, header_only);
    (ev, out)
}

/// The header of a component whose header is computed from itself through references:
/// only what the declaration says syntactically (its name as namespace, its definition).
fn header_cycle<'db>(db: &'db dyn Db, _id: salsa::Id, key: CompKey<'db>) -> Header {
    let decl = index::decl_of(db, index::DeclKey::new(db, *key.file(db), *key.index(db)));
    Header {
        namespace: decl
            .as_ref()
            .map(|d| d.name.text.clone())
            .unwrap_or_default(),
        definition: decl
            .as_ref()
            .and_then(|d| d.definition.as_ref().map(|x| x.text.clone())),
        args: Default::default(),
        cyclic: true,
        broken: false,
        over_budget: false,
    }
}

/// Make the memos of component evaluations droppable, or keep them all (the default);
/// see `lower::set_lean`.
pub fn set_lean(db: &mut dyn Db, lean: bool) {
    eval_component::set_lru_capacity(db, usize::from(lean));
    crate::sema::index::set_lean(db, lean);
}

#[salsa::tracked(returns(ref), lru = 0)]
pub fn eval_component<'db>(db: &'db dyn Db, key: CompKey<'db>) -> Option<ComponentIr> {
    let decl =
        index::decl_of(db, index::DeclKey::new(db, *key.file(db), *key.index(db))).as_ref()?;
    let lab = *key.lab(db);
    let (mut ev, mut out) = run_pass(db, key, decl, false);
    ev.place_at_user_sites();
    out.component_uses = std::mem::take(&mut ev.component_uses);
    out.capability_uses = std::mem::take(&mut ev.capability_uses);
    out.mesh_uses = std::mem::take(&mut ev.mesh_uses);
    out.address_uses = std::mem::take(&mut ev.address_uses);
    if let Some(values) = &out.values {
        ev.report_values_leaks(values);
    }
    // A name that cannot be used is the one error reported: what the body says about
    // names built from it (`"${name}-db"`) only repeats it. The body still runs, so what
    // the component provides is known and its users report nothing either. `cut`: a value
    // read from a component over its budget or with errors of its own was missing; that
    // component reports the error, this one is left out without one.
    let bad_name =
        crate::sema::kube::component_name_problem(&decl.name.text, *key.file(db), decl.name.span);
    let ok = ev.diags.is_empty() && bad_name.is_none() && !ev.cut;
    match bad_name {
        Some(d) => d.emit(db),
        None => ev.diags.into_iter().for_each(|d| d.emit(db)),
    }
    let namespace = out
        .namespace
        .clone()
        .unwrap_or_else(|| decl.name.text.clone());
    for r in &mut out.resources {
        if r.namespace.is_none()
            && !is_cluster_scoped(db, lab, key.cluster(db), &r.api_version, &r.kind)
        {
            r.namespace = Some(namespace.clone());
        }
    }
    Some(ComponentIr {
        name: decl.name.text.clone(),
        kind: decl.kind,
        file: *key.file(db),
        name_span: decl.name.span,
        namespace,
        out,
        ok,
    })
}

fn is_cluster_scoped(db: &dyn Db, lab: Lab, cluster: &str, api_version: &str, kind: &str) -> bool {
    if crate::sema::kube::core_kind(api_version, kind) {
        return CORE_CLUSTER_SCOPED.contains(&kind);
    }
    crate::sema::facts::crds_on_cluster(db, lab, cluster.to_string())
        .iter()
        .any(|(c, _)| c.api_version == api_version && c.kind == kind && c.cluster_scoped)
}

/// Evaluate a component declaration (install, instance or tenant) into `out`.
fn run_component(ev: &mut Evaluator, decl: &Decl, out: &mut ComponentOut, header_only: bool) {
    let name_frame = IndexMap::from([("name".to_string(), Value::Str(decl.name.text.clone()))]);
    match decl.kind {
        DeclKind::Tenant => {
            ev.push_scope(name_frame);
            exec(
                ev,
                &decl.body,
                out,
                Pass::body(DeclKind::Tenant, header_only),
            );
            ev.pop_scope();
        }
        DeclKind::Install | DeclKind::Instance => {
            run_instance(ev, decl, name_frame, out, header_only)
        }
        _ => {}
    }
}

/// Evaluate an install or instance: bind its arguments to the operator's settings or the
/// template's parameters, then run the definition's body with them.
fn run_instance(
    ev: &mut Evaluator,
    decl: &Decl,
    name_frame: IndexMap<String, Value>,
    out: &mut ComponentOut,
    header_only: bool,
) {
    let Some(def_name) = &decl.definition else {
        return;
    };
    let want = if decl.kind == DeclKind::Install {
        DeclKind::Operator
    } else {
        DeclKind::Template
    };
    let Some(def) = find_definition(ev, def_name, want) else {
        return;
    };
    let def_decl = index::decl(ev.db, &def);
    // An operator's settings play the part of a template's parameters.
    let params: Vec<FieldDecl> = if want == DeclKind::Operator {
        def_decl.settings().cloned().collect()
    } else {
        def_decl.params.clone()
    };
    let mut args = instance_args(ev, decl);
    let chart_args = take_chart_args(&mut args, &params);
    let depends_args = take_depends_on(&mut args, &params);
    ev.push_scope(name_frame);
    ev.site = Some((ev.file, decl.name.span));
    let bound = bind_params(ev, &params, &def, &args, def_name);
    if let Some(bound) = bound {
        out.args = bound.values.clone();
        bound.push_onto(ev);
        let before = out.chart_span;
        ev.in_file(def.file, |ev| {
            exec(ev, &def_decl.body, out, Pass::body(want, header_only))
        });
        super::pins::apply_pin(ev, &def, before, out);
        ev.pop_scope();
        // The lab's chart, `values` and `patch`, over what the definition computed, with
        // the definition's parameters out of scope again.
        if !header_only {
            apply_chart_args(ev, &chart_args, &format!("`{}`", def_name.text), out);
            apply_depends_on(ev, &depends_args, out);
            let overrides: Vec<Stmt> = decl
                .body
                .iter()
                .filter(|s| is_override(s))
                .cloned()
                .collect();
            apply_overrides(ev, &overrides, &def_name.text, out);
        }
    }
    ev.pop_scope();
}

/// The arguments of an install or instance body, whose statements are all `name = value`
/// (E0208 for any other) besides its overrides (`values`, `patch`, an `if` of them).
fn instance_args(ev: &mut Evaluator, decl: &Decl) -> Vec<RecordItem> {
    let mut args = Vec::new();
    for s in decl.body.iter().filter(|s| !is_override(s)) {
        match s {
            Stmt::Assign { path, value, span } => args.push(RecordItem::Field {
                path: path.clone(),
                value: value.clone(),
                span: *span,
            }),
            other => {
                ev.error(
                    codes::E0208,
                    other.span(),
                    format!(
                        "an {} body takes only arguments (`name = value`)",
                        decl.kind.keyword()
                    ),
                )
                .lbl("not an argument");
            }
        }
    }
    args
}

const COMPONENT_FIELDS: &[&str] = &[
    "namespace",
    "namespace_labels",
    "chart",
    "values",
    "healthy",
    "timeout",
    "flux",
];

/// How a body runs: whose body it is, whether it was included, how deep, and whether
/// only the header is wanted.
#[derive(Clone, Copy)]
struct Pass {
    /// The kind of declaration the body belongs to (operator, template or tenant).
    ctx: DeclKind,
    /// The body of a template run by `include`: its `namespace` is not the component's.
    included: bool,
    /// How many `include`s deep the body runs.
    depth: usize,
    /// The header pass: only `namespace` assignments run, and the `for` and `if` that
    /// may hold them.
    header_only: bool,
}

impl Pass {
    /// The pass over the top-level body of a `ctx` (not included).
    fn body(ctx: DeclKind, header_only: bool) -> Pass {
        Pass {
            ctx,
            included: false,
            depth: 0,
            header_only,
        }
    }
}

/// Execute body statements of a component, operator or template into `out`.
fn exec(ev: &mut Evaluator, stmts: &[Stmt], out: &mut ComponentOut, pass: Pass) {
    for stmt in stmts {
        ev.clear_reads();
        match stmt {
            Stmt::Assign { path, value, .. } => assign_field(ev, path, value, out, pass),
            // `for` and `if` run in the header pass too: a `namespace` inside them is
            // part of the header.
            Stmt::For {
                var, iter, body, ..
            } => exec_for(ev, var, iter, body, out, pass),
            Stmt::If {
                cond,
                then,
                otherwise,
                ..
            } => match ev.eval(cond, &Ty::Bool) {
                Some(Value::Bool(true)) => exec(ev, then, out, pass),
                Some(_) => exec(ev, otherwise, out, pass),
                None => {}
            },
            _ if pass.header_only => {}
            Stmt::Settings { span, .. } => check_settings_allowed(ev, *span, pass.ctx),
            // Read by the whole-lab placement check; only definitions are placed.
            Stmt::Once { span } => check_once_allowed(ev, *span, pass.ctx),
            Stmt::Crds {
                api_version,
                kinds,
                schema,
                span,
            } => declare_crds(ev, (api_version, schema.as_ref()), kinds, *span, out, pass),
            Stmt::Provides {
                capability,
                value,
                span,
            } => provide_capability(ev, capability, value, *span, out),
            Stmt::Manifest { path, span } => {
                if let Some(Value::Str(p)) = ev.eval(path, &Ty::Str) {
                    include_manifest(ev, &p, path.span, *span, out);
                }
            }
            Stmt::Require { cond, message, .. } => check_requirement(ev, cond, message),
            Stmt::Capacity { kind, amount, span } => declare_capacity(ev, kind, amount, *span, out),
            Stmt::Consumes {
                kind,
                provider,
                amount,
                span,
            } => consume_capacity(ev, kind, provider, amount, *span, out),
            Stmt::Resource(r) => {
                if let Some(res) = eval_resource(ev, r) {
                    if let Some(site) = ev.declaration_site() {
                        out.resource_sites.insert(out.resources.len(), site);
                    }
                    out.resources.push(res);
                }
            }
            // In a definition or tenant: a change to an object emitted above it (by an
            // `include`, typically).
            Stmt::Patch(p) => apply_patch(ev, p, out),
            Stmt::Include {
                template,
                args,
                span,
            } => include_template(ev, template, args, *span, out, pass),
        }
    }
}

/// `for x in list { ... }`: the body once per item, with `x` bound to it.
fn exec_for(
    ev: &mut Evaluator,
    var: &Ident,
    iter: &Expr,
    body: &[Stmt],
    out: &mut ComponentOut,
    pass: Pass,
) {
    let (Some(items), origin) = ev.reading(|ev| ev.eval_list(iter)) else {
        return;
    };
    for it in items {
        ev.push_scope_from(IndexMap::from([(var.text.clone(), it)]), origin.into());
        exec(ev, body, out, pass);
        ev.pop_scope();
    }
}

/// `field = value`: one of the component fields (`COMPONENT_FIELDS`); in the header pass
/// only `namespace`, which an included template does not set.
fn assign_field(
    ev: &mut Evaluator,
    path: &KeyPath,
    value: &Expr,
    out: &mut ComponentOut,
    pass: Pass,
) {
    let key = &path[0];
    match key.text.as_str() {
        "namespace" => {
            if !pass.included {
                set_namespace(ev, value, out);
            }
        }
        _ if pass.header_only => {}
        // `chart.version = "..."` in a body, `version = "..."` in a tenant's: over the
        // chart set so far (by an `include`, typically).
        "chart" if path.len() > 1 => chart_field(ev, path, value, out, pass),
        "version" if pass.ctx == DeclKind::Tenant && !pass.included => {
            chart_field(ev, path, value, out, pass)
        }
        "chart" => set_chart(ev, value, out),
        "values" => {
            // A setting written straight into the values of the definition the lab
            // instantiates: the lab may not override that key (E0211).
            if !pass.included && matches!(pass.ctx, DeclKind::Operator | DeclKind::Template) {
                let at: Vec<String> = path[1..].iter().map(|k| k.text.clone()).collect();
                let args = &out.args;
                let mut found = IndexMap::new();
                setting_value_paths(value, at, &|n| args.contains_key(n), &mut found);
                // A record spread at the root (`values = extra`) is raw values by
                // design, and claims no key.
                for (p, s) in found.into_iter().filter(|(p, _)| !p.is_empty()) {
                    out.typed_paths.entry(p).or_insert(s);
                }
            }
            set_values(ev, path, value, out)
        }
        "healthy" => set_health_checks(ev, value, out),
        "timeout" => set_timeout(ev, value, out),
        DEPENDS_ON if pass.ctx == DeclKind::Tenant && !pass.included && path.len() == 1 => {
            record_depends_on(ev, value, out)
        }
        "flux" => super::flux_settings::set_flux(ev, path, value, &mut out.flux),
        "namespace_labels" => set_namespace_labels(ev, value, out),
        other => report_unknown_field(ev, key, other, pass.ctx),
    }
}

/// `namespace = "..."`: the namespace of the component.
fn set_namespace(ev: &mut Evaluator, value: &Expr, out: &mut ComponentOut) {
    if let Some(Value::Str(ns)) = ev.eval(value, &Ty::Name) {
        out.namespace = Some(ns);
    }
}

/// A chart override written as a field of a body (`chart.version = "..."`).
fn chart_field(
    ev: &mut Evaluator,
    path: &KeyPath,
    value: &Expr,
    out: &mut ComponentOut,
    pass: Pass,
) {
    let item = RecordItem::Field {
        path: path.clone(),
        value: value.clone(),
        span: value.span,
    };
    let owner = format!("this {}", pass.ctx.keyword());
    apply_chart_args(ev, std::slice::from_ref(&item), &owner, out);
}

/// `chart = oci(...)` or `helm(...)`: the Helm chart the component installs.
fn set_chart(ev: &mut Evaluator, value: &Expr, out: &mut ComponentOut) {
    if let Some(v @ Value::Record(_)) = ev.eval(value, &Ty::Any) {
        if let Some(chart) = chart_of(&v) {
            out.chart = Some(chart);
            out.chart_span = Some((ev.file, value.span));
        } else {
            ev.error(
                codes::E0301,
                value.span,
                "expected a chart: oci(url, version) or helm(url, chart, version)",
            );
        }
    }
}

/// `values { ... }` or `values.a.b = ...`: Helm values, merged into those set so far.
fn set_values(ev: &mut Evaluator, path: &KeyPath, value: &Expr, out: &mut ComponentOut) {
    let had = out.values.is_some();
    let mut target = out.values.take().unwrap_or(Value::Record(IndexMap::new()));
    let before = had.then(|| target.clone());
    let item = RecordItem::Field {
        path: if path.len() > 1 {
            path[1..].to_vec()
        } else {
            Vec::new()
        },
        value: value.clone(),
        span: value.span,
    };
    if path.len() > 1 {
        let items = std::slice::from_ref(&item);
        ev.record_items(items, &mut target);
        ev.values_written(items, value.span);
    } else if let ExprKind::Record { items, .. } = &value.kind {
        ev.record_items(items, &mut target);
        ev.values_written(items, value.span);
    } else {
        // A whole record passed through (`values = extra`): spread at the root; an empty
        // one writes no key.
        match ev.eval(value, &Ty::Any) {
            Some(v @ Value::Record(_)) => {
                if let Some(p) = first_secret(&v) {
                    ev.error(
                        codes::E0304,
                        value.span,
                        format!("the secret `{p}` cannot be written into a manifest"),
                    )
                    .lbl("secret reference in a value tree");
                } else {
                    ev.values_written(&[], value.span);
                    merge_over(&mut target, v);
                }
            }
            Some(_) => {
                ev.error(
                    codes::E0301,
                    value.span,
                    "`values` is a record: values { key = value }, or values = a record",
                );
            }
            None => {}
        }
        if matches!(&target, Value::Record(r) if r.is_empty()) && !had {
            return;
        }
    }
    if let Some(before) = &before {
        drop_replaced_nulls(before, &mut target);
    }
    out.values = Some(target);
}

/// `healthy = [deployment(...), ...]`: the objects Flux waits for.
fn set_health_checks(ev: &mut Evaluator, value: &Expr, out: &mut ComponentOut) {
    let Some(Value::List(items)) = ev.eval(value, &Ty::List(Box::new(Ty::Any))) else {
        return;
    };
    for it in items {
        let Value::Record(r) = it else {
            ev.error(codes::E0301, value.span, "health checks are deployment(...), daemonset(...), statefulset(...) or health(...)");
            break;
        };
        let text = |k: &str| r.get(k).and_then(Value::scalar_text);
        if let (Some(api_version), Some(kind), Some(name)) =
            (text("apiVersion"), text("kind"), text("name"))
        {
            out.health.push(HealthCheck {
                api_version,
                kind,
                name,
                namespace: text("namespace"),
            });
        }
    }
}

/// `timeout = 5m`: how long Flux waits for the component.
fn set_timeout(ev: &mut Evaluator, value: &Expr, out: &mut ComponentOut) {
    if let Some(Value::Duration(d)) = ev.eval(value, &Ty::Duration) {
        out.timeout = Some(d);
    }
}

/// `namespace_labels { ... }`: labels of the Namespace labc creates for the component
/// (pod security levels, for instance); included templates add theirs.
fn set_namespace_labels(ev: &mut Evaluator, value: &Expr, out: &mut ComponentOut) {
    let Some(Value::Record(labels)) = ev.eval(value, &Ty::Map(Box::new(Ty::Str))) else {
        return;
    };
    // Labels are written into a Namespace: a sink like any body.
    let items = match &value.kind {
        ExprKind::Record { items, .. } => items.as_slice(),
        _ => &[],
    };
    let tree = Value::Record(labels.clone());
    ev.report_leaks(Some(("v1", "Namespace")), &tree, items, value.span);
    for (k, v) in labels {
        if let Some(text) = v.scalar_text() {
            out.namespace_labels.insert(k, (text, ev.file, value.span));
        }
    }
}

/// E0205: an assignment to a field components do not have.
fn report_unknown_field(ev: &mut Evaluator, key: &Ident, other: &str, ctx: DeclKind) {
    let d = ev
        .error(
            codes::E0205,
            key.span,
            format!("a {} has no field `{other}`", ctx.keyword()),
        )
        .lbl("unknown field");
    d.help = unknown_name_help(other, COMPONENT_FIELDS.iter().copied(), |fields| {
        Some(format!(
            "fields are: {}; Helm values go in `values {{ ... }}`",
            fields.join(", ")
        ))
    });
    d.add_suggested_fix();
}

/// `settings { ... }` is an operator's: E0208 anywhere else.
fn check_settings_allowed(ev: &mut Evaluator, span: Span, ctx: DeclKind) {
    if ctx != DeclKind::Operator {
        ev.error(
            codes::E0208,
            span,
            format!("`settings` is not allowed in a {}", ctx.keyword()),
        )
        .lbl("not allowed here")
        .help = Some("only operators have settings; templates take parameters".into());
    }
}

/// `once` marks a definition (E0208 in a tenant, which is placed where it is written).
fn check_once_allowed(ev: &mut Evaluator, span: Span, ctx: DeclKind) {
    if !matches!(ctx, DeclKind::Operator | DeclKind::Template) {
        ev.error(
            codes::E0208,
            span,
            format!("`once` is not allowed in a {}", ctx.keyword()),
        )
        .lbl("not allowed here")
        .help = Some("`once` marks an operator or template that a lab places at most once".into());
    }
}

/// `crds "group/version" { Kind, ... }`: the CRDs an operator installs (E0208 in anything
/// else, an included template too).
fn declare_crds(
    ev: &mut Evaluator,
    (api_version, schema): (&Expr, Option<&Expr>),
    kinds: &[CrdKind],
    span: Span,
    out: &mut ComponentOut,
    pass: Pass,
) {
    if pass.ctx != DeclKind::Operator || pass.included {
        ev.error(
            codes::E0208,
            span,
            format!("`crds` is not allowed in a {}", pass.ctx.keyword()),
        )
        .lbl("not allowed here")
        .help = Some("CRDs are installed by operators (or by a cluster's bootstrap)".into());
        return;
    }
    let schema = schema.and_then(|e| super::schema_sources::check_source(ev, e));
    if let Some(Value::Str(av)) = ev.eval(api_version, &Ty::Str) {
        for k in kinds {
            out.crds.push(Crd {
                api_version: av.clone(),
                kind: k.kind.text.clone(),
                cluster_scoped: k.cluster_scoped,
                schema: schema.clone(),
            });
        }
    }
}

/// `provides capability "value"`: a capability the component provides.
fn provide_capability(
    ev: &mut Evaluator,
    capability: &Ident,
    value: &Expr,
    span: Span,
    out: &mut ComponentOut,
) {
    if let Some(v) = ev.eval(value, &Ty::Str) {
        out.provides.push((
            capability.text.clone(),
            v.scalar_text().unwrap_or_default(),
            ev.file,
            span,
        ));
    }
}

/// `require cond, "message"`: E0308 with the message when the condition is false, at
/// the lab's line that gave a value the condition read (the message's reads do not
/// count).
fn check_requirement(ev: &mut Evaluator, cond: &Expr, message: &Expr) {
    if let (Some(Value::Bool(false)), reads) = ev.reading(|ev| ev.eval(cond, &Ty::Bool)) {
        let text = match ev.eval(message, &Ty::Str) {
            Some(Value::Str(t)) => t,
            _ => return,
        };
        ev.error_reading(codes::E0308, cond.span, text, reads, true)
            .lbl("this requirement is not met");
    }
}

/// `capacity kind = amount`: how much of `kind` the component offers its consumers.
fn declare_capacity(
    ev: &mut Evaluator,
    kind: &Ident,
    amount: &Expr,
    span: Span,
    out: &mut ComponentOut,
) {
    if let Some(amount) = eval_amount(ev, amount) {
        let (file, span) = ev.site.unwrap_or((ev.file, span));
        out.capacities.push(Capacity {
            kind: kind.text.clone(),
            amount,
            file,
            span,
        });
    }
}

/// `consumes kind of provider = amount`: capacity the component takes from another one.
fn consume_capacity(
    ev: &mut Evaluator,
    kind: &Ident,
    provider: &Expr,
    amount: &Expr,
    span: Span,
    out: &mut ComponentOut,
) {
    let provider_value = ev.eval(provider, &Ty::Any);
    let amount = eval_amount(ev, amount);
    match (provider_value, amount) {
        (Some(Value::Component(p)), Some(amount)) => {
            let (file, span) = ev.site.unwrap_or((ev.file, span));
            out.consumptions.push(Consumption {
                kind: kind.text.clone(),
                provider: p,
                amount,
                file,
                span,
            })
        }
        (Some(other), _) => {
            ev.error(
                codes::E0301,
                provider.span,
                format!(
                    "expected a component, found {}",
                    crate::sema::eval::value::with_article(other.type_name())
                ),
            )
            .lbl("not a component");
        }
        _ => {}
    }
}

/// `include template { args }`: run the template's body with its parameters bound, as
/// part of this component (E0307 past `MAX_INCLUDE_DEPTH` includes).
fn include_template(
    ev: &mut Evaluator,
    template: &Ident,
    args: &[RecordItem],
    span: Span,
    out: &mut ComponentOut,
    pass: Pass,
) {
    if pass.depth >= crate::sema::eval::MAX_INCLUDE_DEPTH {
        ev.error(
            codes::E0307,
            span,
            "templates include each other more than 16 levels deep",
        )
        .lbl("included again here")
        .help = Some("a template that includes itself (directly or through others) never ends; break the loop".into());
        return;
    }
    let Some(def) = find_definition(ev, template, DeclKind::Template) else {
        return;
    };
    let def_decl = index::decl(ev.db, &def);
    let mut args = args.to_vec();
    let chart_args = take_chart_args(&mut args, &def_decl.params);
    // The site is set before the arguments are bound: a check on a parameter's default
    // (a capability the default names) points at this include, as for an instance.
    let outer_site = ev.site;
    if outer_site.is_none() {
        ev.site = Some((
            ev.file,
            Span {
                end: template.span.end,
                ..span
            },
        ));
    }
    let Some(bound) = bind_params(ev, &def_decl.params, &def, &args, template) else {
        ev.site = outer_site;
        return;
    };
    bound.push_onto(ev);
    let inner = Pass {
        ctx: DeclKind::Template,
        included: true,
        depth: pass.depth + 1,
        header_only: pass.header_only,
    };
    // The include's chart overrides concern the chart the included body sets, not one
    // set before it.
    let before = if chart_args.is_empty() || pass.header_only {
        None
    } else {
        Some(out.chart.take())
    };
    let chart_before = out.chart_span;
    ev.in_file(def.file, |ev| exec(ev, &def_decl.body, out, inner));
    super::pins::apply_pin(ev, &def, chart_before, out);
    ev.site = outer_site;
    ev.pop_scope();
    if let Some(before) = before {
        let included_chart = out.chart.is_some();
        apply_chart_args(ev, &chart_args, &format!("`{}`", template.text), out);
        if !included_chart {
            out.chart = before;
        }
    }
}

/// Whether the component `c`, which has errors of its own, may have been meant to
/// provide a capability of `kind` that its failed evaluation lost: it provides none of
/// that kind, and its definition is unknown or says `provides kind` (or includes a
/// template, which may). Its users then report no missing capability (one error, not a
/// cascade).
pub fn may_have_lost_provides(db: &dyn Db, lab: Lab, c: &ComponentIr, kind: &str) -> bool {
    if c.ok || c.out.provides.iter().any(|(k, ..)| k == kind) {
        return false;
    }
    let index = item_index(db, lab);
    let Some(item) = index
        .components
        .iter()
        .find(|i| i.file == c.file && i.name_span == c.name_span)
    else {
        return false;
    };
    let decl = index::decl(db, item);
    let body = match &decl.definition {
        None => &decl.body,
        Some(def) => match index.definition_elsewhere(&def.text) {
            Some(d) => &index::decl(db, d).body,
            None => return true,
        },
    };
    says_provides(body, kind)
}

/// Whether `stmts` (with the `for` and `if` bodies in them) hold `provides kind` or an
/// `include`.
fn says_provides(stmts: &[Stmt], kind: &str) -> bool {
    stmts.iter().any(|s| match s {
        Stmt::Provides { capability, .. } => capability.text == kind,
        Stmt::Include { .. } => true,
        Stmt::For { body, .. } => says_provides(body, kind),
        Stmt::If {
            then, otherwise, ..
        } => says_provides(then, kind) || says_provides(otherwise, kind),
        _ => false,
    })
}

/// The evaluated components placed on a cluster, in declaration order.
/// Reads `component_items_on`, not the whole index, so that the lowering of a cluster
/// does not depend on the components of the others.
pub fn components_on<'db>(db: &'db dyn Db, lab: Lab, cluster: &str) -> Vec<&'db ComponentIr> {
    index::component_items_on(db, lab, cluster.to_string())
        .iter()
        .filter_map(|item| {
            eval_component(
                db,
                CompKey::new(db, lab, item.file, item.index, cluster.to_string()),
            )
            .as_ref()
        })
        .collect()
}

/// The evaluator's view of the lab for components: the declaration facts, and the headers
/// of the components they refer to.
pub struct ComponentEnv;

impl Env for ComponentEnv {
    fn lab_value<'db>(&self, db: &'db dyn Db, lab: Lab) -> Option<&'db Value> {
        DeclarationEnv.lab_value(db, lab)
    }
    fn cluster_value(&self, db: &dyn Db, lab: Lab, name: &str) -> Option<Value> {
        DeclarationEnv.cluster_value(db, lab, name)
    }
    fn cluster_record<'db>(&self, db: &'db dyn Db, lab: Lab, name: &str) -> Option<&'db Value> {
        DeclarationEnv.cluster_record(db, lab, name)
    }
    fn pool_value<'db>(&self, db: &'db dyn Db, lab: Lab, name: &str) -> Option<&'db Value> {
        DeclarationEnv.pool_value(db, lab, name)
    }
    fn component_header(&self, db: &dyn Db, lab: Lab, target: &ItemRef, cluster: &str) -> Header {
        let key = CompKey::new(db, lab, target.file, target.index, cluster.to_string());
        component_header(db, key).clone()
    }
}
