//! Evaluation queries: the lab, clusters, pools, and each component on each cluster.
//!
//! One query per declaration (and per cluster for components), so an edit re-evaluates
//! only the declarations that read what changed.

use indexmap::IndexMap;

use super::component_ir::{
    Capacity, Chart, ComponentIr, ComponentOut, Consumption, Crd, HealthCheck, Resource,
};
use super::facts::DeclarationEnv;
use super::kube::CORE_CLUSTER_SCOPED;
use super::manifest::include_manifest;
use crate::db::{Db, Lab, SourceFile};
use crate::diag::did_you_mean;
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
    let lab = *key.lab(db);
    let mut ev = Evaluator::new(
        db,
        &ComponentEnv,
        lab,
        *key.file(db),
        Some(key.cluster(db).clone()),
    );
    ev.use_component_share();
    let mut out = ComponentOut::default();
    run_component(&mut ev, decl, &mut out, true);
    // Diagnostics of this pass are reported by `eval_component`; drop them here.
    let broken = !ev.diags.is_empty() || ev.cut;
    Header {
        broken,
        over_budget: ev.over_budget() || ev.cut,
        namespace: out.namespace.unwrap_or_else(|| decl.name.text.clone()),
        definition: decl.definition.as_ref().map(|d| d.text.clone()),
        args: std::sync::Arc::new(out.args),
        cyclic: false,
    }
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

#[salsa::tracked(returns(ref))]
pub fn eval_component<'db>(db: &'db dyn Db, key: CompKey<'db>) -> Option<ComponentIr> {
    let decl =
        index::decl_of(db, index::DeclKey::new(db, *key.file(db), *key.index(db))).as_ref()?;
    let lab = *key.lab(db);
    let mut ev = Evaluator::new(
        db,
        &ComponentEnv,
        lab,
        *key.file(db),
        Some(key.cluster(db).clone()),
    );
    ev.use_component_share();
    let mut out = ComponentOut::default();
    run_component(&mut ev, decl, &mut out, false);
    out.component_uses = std::mem::take(&mut ev.component_uses);
    out.capability_uses = std::mem::take(&mut ev.capability_uses);
    out.address_uses = std::mem::take(&mut ev.address_uses);
    if let Some(values) = &out.values {
        ev.report_values_leaks(values);
    }
    // A name that cannot be used is the one error reported: what the body says about
    // names built from it (`"${name}-db"`) only repeats it. The body still runs, so what
    // the component provides is known and its users report nothing either. `cut`: a value
    // read from a component over its budget was missing; that component reports the
    // error, this one is left out without one.
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
            exec(ev, &decl.body, out, DeclKind::Tenant, false, 0, header_only);
            ev.pop_scope();
        }
        DeclKind::Install | DeclKind::Instance => {
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
            let mut args = Vec::new();
            for s in &decl.body {
                match s {
                    Stmt::Assign { path, value, span } => args.push(RecordItem::Field {
                        path: path.clone(),
                        value: value.clone(),
                        span: *span,
                    }),
                    other => {
                        ev.error(
                            "E0208",
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
            ev.push_scope(name_frame);
            ev.site = Some((ev.file, decl.name.span));
            let bound = bind_params(ev, &params, &def, &args, def_name);
            if let Some(bound) = bound {
                out.args = bound.clone();
                ev.push_scope(bound);
                ev.in_file(def.file, |ev| {
                    exec(ev, &def_decl.body, out, want, false, 0, header_only)
                });
                ev.pop_scope();
            }
            ev.pop_scope();
        }
        _ => {}
    }
}

/// Find an operator or template by name, reporting unknown/unimported/wrong-kind names.
fn find_definition(ev: &mut Evaluator, name: &Ident, want: DeclKind) -> Option<ItemRef> {
    if let Some(d) = ev.index.definition(&ev.module, &name.text) {
        if d.kind == want {
            return Some(d.clone());
        }
        let d = d.clone();
        let hint = match want {
            DeclKind::Operator => {
                "operators are installed with `install`; templates with `instance` or `include`"
            }
            _ => "templates are used with `instance` or `include`; operators with `install`",
        };
        let diag = ev
            .error(
                "E0207",
                name.span,
                format!(
                    "`{}` is {} {}, not {} {}",
                    name.text,
                    article(d.kind),
                    d.kind.keyword(),
                    article(want),
                    want.keyword()
                ),
            )
            .lbl(format!("expected {} {}", article(want), want.keyword()));
        diag.secondary.push(crate::diag::Label {
            file: d.file,
            span: d.name_span,
            message: format!("`{}` is declared here", name.text),
        });
        diag.help = Some(hint.into());
        return None;
    }
    if let Some(d) = ev.index.definition_elsewhere(&name.text).cloned() {
        let module = d.module.clone();
        let diag = ev
            .error(
                "E0204",
                name.span,
                format!(
                    "`{}` is defined in module `{module}`, which this file does not use",
                    name.text
                ),
            )
            .lbl("not imported");
        diag.secondary.push(crate::diag::Label {
            file: d.file,
            span: d.name_span,
            message: "defined here".into(),
        });
        diag.help = Some(format!("add `use {module}` at the top of this file"));
        return None;
    }
    let candidates: Vec<String> = ev
        .index
        .visible_definitions(&ev.module)
        .map(String::from)
        .collect();
    let help = did_you_mean(&name.text, candidates.iter().map(String::as_str));
    let d = ev
        .error(
            "E0201",
            name.span,
            format!("unknown {} `{}`", want.keyword(), name.text),
        )
        .lbl(format!("no {} with this name", want.keyword()));
    d.help = help;
    None
}

fn article(k: DeclKind) -> &'static str {
    match k {
        DeclKind::Operator | DeclKind::Install | DeclKind::Instance => "an",
        _ => "a",
    }
}

/// Bind arguments (evaluated in the caller's file) to parameters (declared in `def`).
fn bind_params(
    ev: &mut Evaluator,
    params: &[FieldDecl],
    def: &ItemRef,
    args: &[RecordItem],
    call_site: &Ident,
) -> Option<IndexMap<String, Value>> {
    let mut bound = IndexMap::new();
    let mut ok = true;
    let mut given: IndexMap<String, (&Expr, Span)> = IndexMap::new();
    for a in args {
        let RecordItem::Field { path, value, span } = a else {
            ev.error(
                "E0208",
                call_site.span,
                "arguments are `name = value` pairs",
            )
            .lbl("not an argument");
            ok = false;
            continue;
        };
        let key = &path[0];
        if path.len() > 1 {
            ev.error("E0205", key.span, "arguments are single names, not paths")
                .help = Some(format!("write `{} = {{ ... }}`", key.text));
            ok = false;
            continue;
        }
        if !params.iter().any(|p| p.name.text == key.text) {
            let names: Vec<&str> = params.iter().map(|p| p.name.text.as_str()).collect();
            let help = did_you_mean(&key.text, names.iter().copied()).or_else(|| {
                Some(if names.is_empty() {
                    format!("`{}` takes no arguments", def.name)
                } else {
                    format!("`{}` takes: {}", def.name, names.join(", "))
                })
            });
            let d = ev
                .error(
                    "E0205",
                    key.span,
                    format!("`{}` has no parameter `{}`", def.name, key.text),
                )
                .lbl("unknown parameter");
            d.secondary.push(crate::diag::Label {
                file: def.file,
                span: def.name_span,
                message: format!("`{}` is defined here", def.name),
            });
            d.help = help;
            ok = false;
            continue;
        }
        given.insert(key.text.clone(), (value, *span));
    }
    for p in params {
        let ty = ev.in_file(def.file, |ev| ev.resolve_type(&p.ty));
        let v = match given.get(&p.name.text) {
            Some((e, _)) => {
                let v = ev.eval(e, &ty);
                if v.is_none() {
                    // Point at the parameter's declaration too, when the type is the issue.
                    if let Some(last) = ev.diags.last_mut() {
                        if last.code == "E0301" && last.secondary.is_empty() {
                            last.secondary.push(crate::diag::Label {
                                file: def.file,
                                span: p.ty.span(),
                                message: format!("`{}` is declared as {ty} here", p.name.text),
                            });
                        }
                    }
                }
                v
            }
            // After a bad argument, defaults that may refer to it are not evaluated, so
            // one mistake gives one diagnostic.
            None if !ok => None,
            None => match &p.default {
                // Defaults may refer to earlier parameters (`owner: name = database`).
                Some(d) => {
                    ev.push_scope(bound.clone());
                    let v = ev.in_file(def.file, |ev| ev.eval(d, &ty));
                    ev.pop_scope();
                    v
                }
                None if matches!(ty, Ty::Optional(_)) => Some(Value::Null),
                None => {
                    let d = ev
                        .error(
                            "E0206",
                            call_site.span,
                            format!("`{}` needs a value for `{}`", def.name, p.name.text),
                        )
                        .lbl(format!("`{}` is missing", p.name.text));
                    d.secondary.push(crate::diag::Label {
                        file: def.file,
                        span: p.span,
                        message: "declared here without a default".into(),
                    });
                    None
                }
            },
        };
        match v {
            Some(v) => {
                bound.insert(p.name.text.clone(), v);
            }
            None => ok = false,
        }
    }
    ok.then_some(bound)
}

const COMPONENT_FIELDS: &[&str] = &[
    "namespace",
    "namespace_labels",
    "chart",
    "values",
    "healthy",
    "timeout",
];

/// Execute body statements of a component, operator or template into `out`.
fn exec(
    ev: &mut Evaluator,
    stmts: &[Stmt],
    out: &mut ComponentOut,
    ctx: DeclKind,
    included: bool,
    depth: usize,
    header_only: bool,
) {
    for stmt in stmts {
        match stmt {
            Stmt::Assign { path, value, .. } => {
                let key = &path[0];
                match key.text.as_str() {
                    "namespace" => {
                        if included {
                            continue;
                        }
                        if let Some(Value::Str(ns)) = ev.eval(value, &Ty::Name) {
                            out.namespace = Some(ns);
                        }
                    }
                    _ if header_only => {}
                    "chart" => {
                        if let Some(Value::Record(r)) = ev.eval(value, &Ty::Any) {
                            let text = |k: &str| r.get(k).and_then(Value::scalar_text);
                            if let (Some(source), Some(url), Some(version)) =
                                (text("source"), text("url"), text("version"))
                            {
                                out.chart = Some(Chart {
                                    oci: source == "oci",
                                    url,
                                    chart: text("chart"),
                                    version,
                                });
                                out.chart_span = Some((ev.file, value.span));
                            } else {
                                ev.error("E0301", value.span, "expected a chart: oci(url, version) or helm(url, chart, version)");
                            }
                        }
                    }
                    "values" => {
                        let mut target =
                            out.values.take().unwrap_or(Value::Record(IndexMap::new()));
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
                            ev.error(
                                "E0301",
                                value.span,
                                "`values` is a record: values { key = value }",
                            );
                        }
                        out.values = Some(target);
                    }
                    "healthy" => {
                        if let Some(Value::List(items)) =
                            ev.eval(value, &Ty::List(Box::new(Ty::Any)))
                        {
                            for it in items {
                                let Value::Record(r) = it else {
                                    ev.error("E0301", value.span, "health checks are deployment(...), daemonset(...), statefulset(...) or health(...)");
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
                    }
                    "timeout" => {
                        if let Some(Value::Duration(d)) = ev.eval(value, &Ty::Duration) {
                            out.timeout = Some(d);
                        }
                    }
                    // Labels of the Namespace labc creates for the component (pod security
                    // levels, for instance); included templates add theirs.
                    "namespace_labels" => {
                        if let Some(Value::Record(labels)) =
                            ev.eval(value, &Ty::Map(Box::new(Ty::Str)))
                        {
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
                    }
                    other => {
                        let d = ev
                            .error(
                                "E0205",
                                key.span,
                                format!("a {} has no field `{other}`", ctx.keyword()),
                            )
                            .lbl("unknown field");
                        d.help =
                            did_you_mean(other, COMPONENT_FIELDS.iter().copied()).or_else(|| {
                                Some(format!(
                                    "fields are: {}; Helm values go in `values {{ ... }}`",
                                    COMPONENT_FIELDS.join(", ")
                                ))
                            });
                    }
                }
            }
            // `for` and `if` run in the header pass too: a `namespace` inside them is
            // part of the header.
            Stmt::For {
                var, iter, body, ..
            } => {
                let Some(items) = ev.eval_list(iter) else {
                    continue;
                };
                for it in items {
                    ev.push_scope(IndexMap::from([(var.text.clone(), it)]));
                    exec(ev, body, out, ctx, included, depth, header_only);
                    ev.pop_scope();
                }
            }
            Stmt::If {
                cond,
                then,
                otherwise,
                ..
            } => match ev.eval(cond, &Ty::Bool) {
                Some(Value::Bool(true)) => exec(ev, then, out, ctx, included, depth, header_only),
                Some(_) => exec(ev, otherwise, out, ctx, included, depth, header_only),
                None => {}
            },
            _ if header_only => {}
            Stmt::Settings { span, .. } => {
                if ctx != DeclKind::Operator {
                    ev.error(
                        "E0208",
                        *span,
                        format!("`settings` is not allowed in a {}", ctx.keyword()),
                    )
                    .lbl("not allowed here")
                    .help = Some("only operators have settings; templates take parameters".into());
                }
            }
            Stmt::Crds {
                api_version,
                kinds,
                span,
            } => {
                if ctx != DeclKind::Operator || included {
                    ev.error(
                        "E0208",
                        *span,
                        format!("`crds` is not allowed in a {}", ctx.keyword()),
                    )
                    .lbl("not allowed here")
                    .help = Some(
                        "CRDs are installed by operators (or by a cluster's bootstrap)".into(),
                    );
                    continue;
                }
                if let Some(Value::Str(av)) = ev.eval(api_version, &Ty::Str) {
                    for k in kinds {
                        out.crds.push(Crd {
                            api_version: av.clone(),
                            kind: k.kind.text.clone(),
                            cluster_scoped: k.cluster_scoped,
                        });
                    }
                }
            }
            Stmt::Provides {
                capability,
                value,
                span,
            } => {
                if let Some(v) = ev.eval(value, &Ty::Str) {
                    out.provides.push((
                        capability.text.clone(),
                        v.scalar_text().unwrap_or_default(),
                        ev.file,
                        *span,
                    ));
                }
            }
            Stmt::Manifest { path, span } => {
                if let Some(Value::Str(p)) = ev.eval(path, &Ty::Str) {
                    include_manifest(ev, &p, path.span, *span, out);
                }
            }
            Stmt::Require { cond, message, .. } => {
                if let Some(Value::Bool(false)) = ev.eval(cond, &Ty::Bool) {
                    let text = match ev.eval(message, &Ty::Str) {
                        Some(Value::Str(t)) => t,
                        _ => continue,
                    };
                    ev.error("E0308", cond.span, text)
                        .lbl("this requirement is not met");
                }
            }
            Stmt::Capacity { kind, amount, span } => {
                if let Some(amount) = eval_amount(ev, amount) {
                    let (file, span) = ev.site.unwrap_or((ev.file, *span));
                    out.capacities.push(Capacity {
                        kind: kind.text.clone(),
                        amount,
                        file,
                        span,
                    });
                }
            }
            Stmt::Consumes {
                kind,
                provider,
                amount,
                span,
            } => {
                let provider_value = ev.eval(provider, &Ty::Any);
                let amount = eval_amount(ev, amount);
                match (provider_value, amount) {
                    (Some(Value::Component(p)), Some(amount)) => {
                        let (file, span) = ev.site.unwrap_or((ev.file, *span));
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
                            "E0301",
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
            Stmt::Resource(r) => {
                if let Some(res) = eval_resource(ev, r) {
                    out.resources.push(res);
                }
            }
            Stmt::Include {
                template,
                args,
                span,
            } => {
                if depth >= crate::sema::eval::MAX_INCLUDE_DEPTH {
                    ev.error(
                        "E0307",
                        *span,
                        "templates include each other more than 16 levels deep",
                    )
                    .lbl("included again here")
                    .help = Some("a template that includes itself (directly or through others) never ends; break the loop".into());
                    continue;
                }
                let Some(def) = find_definition(ev, template, DeclKind::Template) else {
                    continue;
                };
                let def_decl = index::decl(ev.db, &def);
                if let Some(bound) = bind_params(ev, &def_decl.params, &def, args, template) {
                    ev.push_scope(bound);
                    let outer_site = ev.site;
                    if outer_site.is_none() {
                        ev.site = Some((
                            ev.file,
                            Span {
                                start: span.start,
                                end: template.span.end,
                            },
                        ));
                    }
                    ev.in_file(def.file, |ev| {
                        exec(
                            ev,
                            &def_decl.body,
                            out,
                            DeclKind::Template,
                            true,
                            depth + 1,
                            header_only,
                        )
                    });
                    ev.site = outer_site;
                    ev.pop_scope();
                }
            }
        }
    }
}

/// An amount of capacity: a count or a quantity.
fn eval_amount(ev: &mut Evaluator, e: &Expr) -> Option<Value> {
    match ev.eval(e, &Ty::Any)? {
        v @ (Value::Int(_) | Value::Bytes(_)) => Some(v),
        Value::Unit(s) => match crate::literal::parse_bytes(&s) {
            Ok(b) => Some(Value::Bytes(b)),
            Err(err) => {
                ev.error("E0302", e.span, err.message).lbl("not a quantity");
                None
            }
        },
        other => {
            ev.error(
                "E0301",
                e.span,
                format!(
                    "expected a count or a quantity, found {}",
                    crate::sema::eval::value::with_article(other.type_name())
                ),
            )
            .lbl("not an amount");
            None
        }
    }
}

/// Check a resource's kind and apiVersion, which name its output file and identity;
/// `false` after reporting what is wrong.
fn check_resource_type(ev: &mut Evaluator, r: &ResourceStmt, api_version: &str) -> bool {
    use crate::diag::shown;
    let kind = &r.kind.text;
    if let Some(reason) = crate::sema::kube::kind_problem(kind) {
        ev.error(
            "E0505",
            r.kind.span,
            format!("`{}` is not a valid kind: {reason}", shown(kind)),
        )
        .lbl("not a Kubernetes kind")
        .help =
            Some("a kind is an ASCII letter, then ASCII letters and digits (`ConfigMap`)".into());
        return false;
    }
    if let Some(reason) = crate::sema::kube::api_version_problem(api_version) {
        let d = ev
            .error(
                "E0506",
                r.api_version.span,
                format!(
                    "`{}` is not a valid API version: {reason}",
                    shown(api_version)
                ),
            )
            .lbl("not an API version");
        d.help = Some("an API version is `group/version` (`apps/v1`) or `version` (`v1`)".into());
        return false;
    }
    if crate::sema::kube::is_kustomize_config(api_version) {
        let d = ev
            .error(
                "E0507",
                r.api_version.span.to(r.kind.span),
                format!(
                    "`{api_version}` `{kind}` is kustomize configuration, not a Kubernetes object"
                ),
            )
            .lbl("not an object labc can write");
        d.help = Some("labc writes the kustomization.yaml of every folder itself; declare the objects it would list".into());
        return false;
    }
    true
}

fn eval_resource(ev: &mut Evaluator, r: &ResourceStmt) -> Option<Resource> {
    let api_version = match ev.eval(&r.api_version, &Ty::Str)? {
        Value::Str(s) => s,
        _ => return None,
    };
    if !check_resource_type(ev, r, &api_version) {
        return None;
    }
    let name = match ev.eval(&r.name, &Ty::Name)? {
        Value::Str(s) => s,
        _ => return None,
    };
    // `in null` means the component's namespace (so templates can take an optional one).
    let namespace = match &r.namespace {
        Some(ns) => match ev.eval(ns, &Ty::Optional(Box::new(Ty::Name)))? {
            Value::Str(s) => Some(s),
            _ => None,
        },
        None => None,
    };
    let mut body = Value::Record(IndexMap::new());
    ev.record_items(&r.body, &mut body)?;
    let span = r.kind.span.to(r.name.span);
    ev.report_leaks(Some((&api_version, &r.kind.text)), &body, &r.body, span);
    Some(Resource {
        api_version,
        kind: r.kind.text.clone(),
        name,
        namespace,
        body,
        file: ev.file,
        // Kind and name: what a diagnostic about the object should underline.
        span: r.kind.span.to(r.name.span),
    })
}

/// The evaluated components placed on a cluster, in declaration order.
pub fn components_on<'db>(db: &'db dyn Db, lab: Lab, cluster: &str) -> Vec<&'db ComponentIr> {
    item_index(db, lab)
        .components_on(cluster)
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
