//! Evaluation queries: the lab, clusters, pools, and each component on each cluster.
//!
//! One query per declaration (and per cluster for components), so an edit re-evaluates
//! only the declarations that read what changed.

use indexmap::IndexMap;

use crate::db::{Db, Lab, SourceFile};
use crate::diag::{did_you_mean, Diag};
use crate::sema::eval::{AddressUse, CapabilityUse, ComponentUse, Evaluator, Ty, Value};
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

/// Typed fields of a core declaration: name, type, required.
type Schema = &'static [(&'static str, &'static str, bool)];

const LAB_SCHEMA: Schema = &[
    ("domain", "string", true),
    ("git", "url", true),
    ("branch", "string", false),
    ("path", "string", false),
    ("interval", "duration", false),
    ("vars", "any", false),
];

const CLUSTER_SCHEMA: Schema = &[
    ("id", "int", true),
    ("api", "string", true),
    ("api_port", "port", false),
    ("pods", "cidr", true),
    ("services", "cidr", true),
    ("dns_domain", "string", false),
    ("nodes", "list<Node>", false),
    ("bgp", "Bgp", false),
    ("mesh", "name", false),
    ("vars", "any", false),
];

const POOL_SCHEMA: Schema = &[("addresses", "range", true)];

/// Core record types used by the cluster schema.
fn core_record(name: &str) -> Option<Schema> {
    match name {
        "Node" => Some(&[("name", "name", true), ("address", "ip", true)]),
        "Bgp" => Some(&[
            ("asn", "asn", true),
            ("peer", "ip", true),
            ("peer_asn", "asn", true),
        ]),
        _ => None,
    }
}

fn schema_ty(t: &str) -> Ty {
    if let Some(inner) = t.strip_prefix("list<").and_then(|r| r.strip_suffix('>')) {
        return Ty::List(Box::new(schema_ty(inner)));
    }
    Ty::builtin(t).unwrap_or_else(|| Ty::Record(t.to_string()))
}

/// Evaluate a value against a core schema type (which may be a core record).
fn eval_schema_value(ev: &mut Evaluator, e: &Expr, t: &str) -> Option<Value> {
    match schema_ty(t) {
        Ty::Record(name) => {
            let v = ev.eval(e, &Ty::Any)?;
            check_core_record(ev, &name, v, e)
        }
        Ty::List(inner) => match *inner {
            Ty::Record(name) => {
                let v = ev.eval(e, &Ty::Any)?;
                let Value::List(items) = v else {
                    ev.error(
                        "E0301",
                        e.span,
                        format!("expected list<{name}>, found {}", v.type_name()),
                    );
                    return None;
                };
                let mut out = Vec::new();
                for it in items {
                    out.push(check_core_record(ev, &name, it, e)?);
                }
                Some(Value::List(out))
            }
            inner => ev.eval(e, &Ty::List(Box::new(inner))),
        },
        ty => ev.eval(e, &ty),
    }
}

fn check_core_record(ev: &mut Evaluator, name: &str, v: Value, e: &Expr) -> Option<Value> {
    let schema = core_record(name).expect("core record");
    let Value::Record(mut fields) = v else {
        ev.error(
            "E0301",
            e.span,
            format!("expected a {name} record, found {}", v.type_name()),
        );
        return None;
    };
    let mut out = IndexMap::new();
    for k in fields.keys() {
        if !schema.iter().any(|(n, _, _)| n == k) {
            let d = ev
                .error("E0205", e.span, format!("a {name} has no field `{k}`"))
                .lbl("in this record");
            d.help = did_you_mean(k, schema.iter().map(|(n, _, _)| *n)).or_else(|| {
                Some(format!(
                    "a {name} has: {}",
                    schema
                        .iter()
                        .map(|(n, _, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            });
            return None;
        }
    }
    for (field, t, required) in schema {
        match fields.shift_remove(*field) {
            Some(v) => {
                let v = ev.coerce(v, &schema_ty(t), e)?;
                out.insert(field.to_string(), v);
            }
            None if *required => {
                ev.error("E0206", e.span, format!("a {name} needs `{field}`"))
                    .primary
                    .message = format!("`{field}` is missing");
                return None;
            }
            None => {}
        }
    }
    Some(Value::Record(out))
}

/// A CRD a cluster's bootstrap installs: (apiVersion, kind, cluster-scoped).
pub type BootstrapCrd = (String, String, bool);

/// Evaluate the assignments of a core declaration against its schema.
fn eval_schema_body(
    ev: &mut Evaluator,
    decl: &Decl,
    schema: Schema,
    allow_crds: bool,
) -> (IndexMap<String, Value>, Vec<BootstrapCrd>) {
    let mut out = IndexMap::new();
    let mut crds = Vec::new();
    let mut seen: IndexMap<String, Span> = IndexMap::new();
    for stmt in &decl.body {
        match stmt {
            Stmt::Assign { path, value, span } => {
                let key = &path[0];
                let Some((_, t, _)) = schema.iter().find(|(n, _, _)| *n == key.text) else {
                    let d = ev
                        .error(
                            "E0205",
                            key.span,
                            format!("a {} has no field `{}`", decl.kind.keyword(), key.text),
                        )
                        .lbl("unknown field");
                    d.help =
                        did_you_mean(&key.text, schema.iter().map(|(n, _, _)| *n)).or_else(|| {
                            Some(format!(
                                "a {} has: {}",
                                decl.kind.keyword(),
                                schema
                                    .iter()
                                    .map(|(n, _, _)| *n)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ))
                        });
                    continue;
                };
                if let Some(prev) = seen.insert(key.text.clone(), *span) {
                    let file = ev.file;
                    let d = ev
                        .error("E0202", key.span, format!("`{}` is set twice", key.text))
                        .lbl("set again here");
                    d.secondary.push(crate::diag::Label {
                        file,
                        span: prev,
                        message: "first set here".into(),
                    });
                    continue;
                }
                if path.len() > 1 {
                    // `bgp.asn = ...`: evaluate as a record with that one path.
                    let rec = Expr {
                        span: *span,
                        kind: ExprKind::Record {
                            type_name: None,
                            items: vec![RecordItem::Field {
                                path: path[1..].to_vec(),
                                value: value.clone(),
                                span: *span,
                            }],
                        },
                    };
                    if let Some(v) = eval_schema_value(ev, &rec, t) {
                        out.insert(key.text.clone(), v);
                    }
                } else if let Some(v) = eval_schema_value(ev, value, t) {
                    out.insert(key.text.clone(), v);
                }
            }
            Stmt::Crds {
                api_version, kinds, ..
            } if allow_crds => {
                if let Some(Value::Str(av)) = ev.eval(api_version, &Ty::Str) {
                    for k in kinds {
                        crds.push((av.clone(), k.kind.text.clone(), k.cluster_scoped));
                    }
                }
            }
            other => {
                ev.error(
                    "E0208",
                    other.span(),
                    format!("this statement is not allowed in a {}", decl.kind.keyword()),
                )
                .lbl("not allowed here")
                .help = Some(format!(
                    "a {} takes only field assignments{}",
                    decl.kind.keyword(),
                    if allow_crds { " and `crds`" } else { "" }
                ));
            }
        }
    }
    let missing: Vec<String> = schema
        .iter()
        .filter(|(field, _, required)| *required && !seen.contains_key(*field))
        .map(|(field, _, _)| format!("`{field}`"))
        .collect();
    if !missing.is_empty() {
        let list = missing.join(", ");
        ev.error(
            "E0206",
            decl.name.span,
            format!("{} `{}` needs {list}", decl.kind.keyword(), decl.name.text),
        )
        .lbl(format!("missing {list}"));
    }
    (out, crds)
}

/// What the `lab` declaration says, evaluated: its record and the CRDs the bootstrap of
/// every cluster installs.
#[derive(Clone, Debug, PartialEq)]
pub struct LabFacts {
    pub value: Value,
    pub bootstrap_crds: Vec<BootstrapCrd>,
}

/// The lab's facts, or `None` if there is no valid lab declaration.
pub fn lab_facts(db: &dyn Db, lab: Lab) -> &Option<LabFacts> {
    &lab_facts_checked(db, lab).0
}

/// `lab_facts` with the declaration's diagnostics, which `emit::compile` reports (a
/// cycle of component headers can reach this query; see `index::parse_checked`).
#[salsa::tracked(returns(ref))]
pub fn lab_facts_checked(db: &dyn Db, lab: Lab) -> (Option<LabFacts>, Vec<Diag>) {
    let index = item_index(db, lab);
    let Some(item) = index.labs.first() else {
        return (None, Vec::new());
    };
    let decl = index::decl(db, item);
    let mut ev = Evaluator::new(db, lab, item.file, None);
    ev.context = crate::sema::eval::Context::Lab;
    let (mut fields, crds) = eval_schema_body(&mut ev, decl, LAB_SCHEMA, true);
    check_repo_path(&mut ev, decl, fields.get("path"));
    let ok = ev.diags.is_empty();
    fields.insert("name".into(), Value::Str(item.name.clone()));
    fields
        .entry("branch".into())
        .or_insert(Value::Str("main".into()));
    fields
        .entry("path".into())
        .or_insert(Value::Str(String::new()));
    fields
        .entry("interval".into())
        .or_insert(Value::Duration(crate::literal::Duration(3_600_000)));
    fields.entry("vars".into()).or_insert(Value::Null);
    let facts = ok.then_some(LabFacts {
        value: Value::Record(fields),
        bootstrap_crds: crds,
    });
    (facts, ev.diags)
}

/// `lab.path` becomes part of every Flux `spec.path` (`./<path>/clusters/...`): it must be
/// a folder inside the repository, plain names joined by `/` (E0302 otherwise). Leading and
/// trailing slashes are allowed and dropped.
fn check_repo_path(ev: &mut Evaluator, decl: &Decl, path: Option<&Value>) {
    let Some(Value::Str(text)) = path else { return };
    let problem = text
        .trim_matches('/')
        .split('/')
        .find_map(|part| match part {
            "" if text.trim_matches('/').is_empty() => None,
            "" => Some("it has an empty folder name (`//`)".to_string()),
            "." | ".." => Some(format!("`{part}` leaves the folder it names")),
            p if p.chars().any(|c| c.is_control() || c == '\\') => {
                Some("it contains a control character or a backslash".to_string())
            }
            _ => None,
        });
    let Some(problem) = problem else { return };
    let span = decl.body.iter().find_map(|stmt| match stmt {
        Stmt::Assign { path, value, .. } if path[0].text == "path" => Some(value.span),
        _ => None,
    });
    let d = ev
        .error(
            "E0302",
            span.unwrap_or(decl.name.span),
            format!("`path` must be a folder of the repository: {problem}"),
        )
        .lbl("not a plain folder path");
    d.help = Some("name the folder from the repository root, e.g. `path = \"kubernetes\"`".into());
}

/// The `lab` record (`lab.domain`, ...), or `None` if there is no valid lab declaration.
pub fn lab_value(db: &dyn Db, lab: Lab) -> Option<&Value> {
    lab_facts(db, lab).as_ref().map(|f| &f.value)
}

/// A pool's record: `name`, `cluster`, `addresses`.
pub fn pool_value(db: &dyn Db, lab: Lab, name: String) -> &Option<Value> {
    &pool_value_checked(db, lab, name).0
}

/// `pool_value` with the declaration's diagnostics, which `emit::compile` reports (a
/// cycle of component headers can reach this query; see `index::parse_checked`).
#[salsa::tracked(returns(ref))]
pub fn pool_value_checked(db: &dyn Db, lab: Lab, name: String) -> (Option<Value>, Vec<Diag>) {
    let index = item_index(db, lab);
    let Some(item) = index.pools.get(&name) else {
        return (None, Vec::new());
    };
    let decl = index::decl(db, item);
    let mut ev = Evaluator::new(db, lab, item.file, None);
    ev.context = crate::sema::eval::Context::Core;
    let (mut fields, _) = eval_schema_body(&mut ev, decl, POOL_SCHEMA, false);
    let cluster = decl.on.first().map(|c| c.text.clone()).unwrap_or_default();
    if !index.clusters.contains_key(&cluster) {
        if let Some(on) = decl.on.first() {
            let d = ev
                .error("E0201", on.span, format!("unknown cluster `{}`", on.text))
                .lbl("no such cluster");
            d.help = did_you_mean(&on.text, index.clusters.keys().map(String::as_str));
        }
    }
    let ok = ev.diags.is_empty();
    let mut rec = IndexMap::new();
    rec.insert("name".to_string(), Value::Str(name));
    rec.insert("cluster".to_string(), Value::Str(cluster));
    rec.extend(fields.drain(..));
    (ok.then_some(Value::Record(rec)), ev.diags)
}

/// What a cluster declares, evaluated: its record and the CRDs its bootstrap installs.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterFacts {
    pub value: Value,
    pub bootstrap_crds: Vec<BootstrapCrd>,
}

/// The cluster's facts, or `None` if it is not declared or its declaration has errors.
pub fn cluster_facts(db: &dyn Db, lab: Lab, name: String) -> &Option<ClusterFacts> {
    &cluster_facts_checked(db, lab, name).0
}

/// `cluster_facts` with the declaration's diagnostics, which `emit::compile` reports (a
/// cycle of component headers can reach this query; see `index::parse_checked`).
#[salsa::tracked(returns(ref))]
pub fn cluster_facts_checked(
    db: &dyn Db,
    lab: Lab,
    name: String,
) -> (Option<ClusterFacts>, Vec<Diag>) {
    let index = item_index(db, lab);
    let Some(item) = index.clusters.get(&name) else {
        return (None, Vec::new());
    };
    let decl = index::decl(db, item);
    let mut ev = Evaluator::new(db, lab, item.file, None);
    ev.context = crate::sema::eval::Context::Core;
    let (fields, crds) = eval_schema_body(&mut ev, decl, CLUSTER_SCHEMA, true);
    let ok = ev.diags.is_empty();
    let mut rec = IndexMap::new();
    rec.insert("name".to_string(), Value::Str(name.clone()));
    rec.extend(fields);
    // Optional fields are present as `null`, so bodies can test `cluster.bgp != null`.
    for (field, _, _) in CLUSTER_SCHEMA {
        rec.entry(field.to_string()).or_insert(Value::Null);
    }
    if rec.get("dns_domain") == Some(&Value::Null) {
        rec.shift_remove("dns_domain");
    }
    if rec.get("api_port") == Some(&Value::Null) {
        rec.shift_remove("api_port");
    }
    rec.entry("dns_domain".to_string())
        .or_insert(Value::Str("cluster.local".into()));
    rec.entry("api_port".to_string())
        .or_insert(Value::Int(6443));
    let pools: Vec<Value> = index
        .pools
        .values()
        .filter(|p| p.on.first() == Some(&name))
        .filter_map(|p| pool_value(db, lab, p.name.clone()).clone())
        .collect();
    rec.insert("pools".to_string(), Value::List(pools));
    let facts = ok.then_some(ClusterFacts {
        value: Value::Record(rec),
        bootstrap_crds: crds,
    });
    (facts, ev.diags)
}

/// The records of the other clusters in the same mesh as `name`, in declaration order
/// (empty when it is in none). Its own query, so that an edit to a cluster outside the
/// mesh, or one that leaves the peers' records unchanged, re-evaluates no component.
#[salsa::tracked(returns(ref))]
pub fn mesh_peers(db: &dyn Db, lab: Lab, name: String) -> Vec<Value> {
    let mesh_of = |facts: &ClusterFacts| match &facts.value {
        Value::Record(r) => r.get("mesh").cloned().unwrap_or(Value::Null),
        _ => Value::Null,
    };
    let Some(own) = cluster_facts(db, lab, name.clone()) else {
        return Vec::new();
    };
    let mesh = mesh_of(own);
    if mesh == Value::Null {
        return Vec::new();
    }
    item_index(db, lab)
        .clusters
        .keys()
        .filter(|other| **other != name)
        .filter_map(|other| cluster_facts(db, lab, other.clone()).as_ref())
        .filter(|facts| mesh_of(facts) == mesh)
        .map(|facts| facts.value.clone())
        .collect()
}

/// The `cluster` record seen by component bodies: the cluster's own record plus
/// `mesh_peers`, the records of the other clusters of its mesh.
pub fn cluster_value(db: &dyn Db, lab: Lab, name: String) -> Option<Value> {
    let mut value = cluster_facts(db, lab, name.clone()).as_ref()?.value.clone();
    if let Value::Record(rec) = &mut value {
        rec.insert(
            "mesh_peers".to_string(),
            Value::List(mesh_peers(db, lab, name).clone()),
        );
    }
    Some(value)
}

/// What other components need to know about a component: its namespace and definition.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Header {
    pub namespace: String,
    pub definition: Option<String>,
    /// The bound settings or parameters of an install or instance (shared: every
    /// reference to the component carries them).
    pub args: std::sync::Arc<IndexMap<String, Value>>,
    /// This header is the fallback of a cycle: `args` are unknown.
    pub cyclic: bool,
    /// The component's own declaration has errors, so some `args` may be missing.
    pub broken: bool,
    /// Its header pass went over the evaluation budget (E0307), or read an argument cut
    /// that way: readers of a missing argument fail silently (one error, not a cascade).
    pub over_budget: bool,
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
    let mut ev = Evaluator::new(db, lab, *key.file(db), Some(key.cluster(db).clone()));
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

/// A chart source, as `oci(...)` or `helm(...)` describe it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Chart {
    pub oci: bool,
    pub url: String,
    /// The chart name in a Helm repository (`None` for OCI, where the URL names it).
    pub chart: Option<String>,
    pub version: String,
}

/// A health check Flux should wait for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HealthCheck {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

/// A resource a component creates, evaluated.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    pub body: Value,
    pub file: SourceFile,
    pub span: Span,
}

/// A countable resource a component offers: `capacity connections = 200`.
#[derive(Clone, Debug, PartialEq)]
pub struct Capacity {
    pub kind: String,
    pub amount: Value,
    pub file: SourceFile,
    pub span: Span,
}

/// A use of another component's capacity: `consumes connections of server = 60`.
#[derive(Clone, Debug, PartialEq)]
pub struct Consumption {
    pub kind: String,
    pub provider: crate::sema::eval::ComponentRef,
    pub amount: Value,
    pub file: SourceFile,
    pub span: Span,
}

/// A CRD an operator installs.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Crd {
    pub api_version: String,
    pub kind: String,
    pub cluster_scoped: bool,
}

/// The evaluated component on one cluster: the input of lowering.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ComponentOut {
    pub namespace: Option<String>,
    /// Label -> (value, where it is set).
    pub namespace_labels: IndexMap<String, (String, SourceFile, Span)>,
    /// The bound arguments of an install or instance.
    pub args: IndexMap<String, Value>,
    pub chart: Option<Chart>,
    pub chart_span: Option<(SourceFile, Span)>,
    pub values: Option<Value>,
    pub health: Vec<HealthCheck>,
    pub timeout: Option<crate::literal::Duration>,
    pub provides: Vec<(String, String, SourceFile, Span)>,
    pub crds: Vec<Crd>,
    pub capacities: Vec<Capacity>,
    pub consumptions: Vec<Consumption>,
    pub resources: Vec<Resource>,
    pub component_uses: Vec<ComponentUse>,
    pub capability_uses: Vec<CapabilityUse>,
    pub address_uses: Vec<AddressUse>,
}

/// A component evaluated on one cluster (diagnostics are accumulated).
#[derive(Clone, Debug, PartialEq)]
pub struct ComponentIr {
    pub name: String,
    pub kind: DeclKind,
    pub file: SourceFile,
    pub name_span: Span,
    pub namespace: String,
    pub out: ComponentOut,
    pub ok: bool,
}

#[salsa::tracked(returns(ref))]
pub fn eval_component<'db>(db: &'db dyn Db, key: CompKey<'db>) -> Option<ComponentIr> {
    let decl =
        index::decl_of(db, index::DeclKey::new(db, *key.file(db), *key.index(db))).as_ref()?;
    let lab = *key.lab(db);
    let mut ev = Evaluator::new(db, lab, *key.file(db), Some(key.cluster(db).clone()));
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
        crate::lower::component_name_problem(&decl.name.text, *key.file(db), decl.name.span);
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

/// Core Kubernetes kinds that are cluster-scoped.
pub const CORE_CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "StorageClass",
    "PersistentVolume",
    "CustomResourceDefinition",
    "PriorityClass",
    "IngressClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
];

fn is_cluster_scoped(db: &dyn Db, lab: Lab, cluster: &str, api_version: &str, kind: &str) -> bool {
    if crate::lower::core_kind(api_version, kind) {
        return CORE_CLUSTER_SCOPED.contains(&kind);
    }
    crate::lower::crds_on_cluster(db, lab, cluster.to_string())
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

/// Add the documents of the manifest file `rel` (relative to the current file's folder)
/// to the component's resources, checking each is a named Kubernetes object.
fn include_manifest(
    ev: &mut Evaluator,
    rel: &str,
    path_span: Span,
    span: Span,
    out: &mut ComponentOut,
) {
    let here = ev.file.path(ev.db).clone();
    let dir = here.rsplit_once('/').map_or("", |(d, _)| d);
    let wanted = normalize_path(&format!("{dir}/{rel}"));
    let assets = ev.lab.assets(ev.db);
    let Some(&asset) = assets.iter().find(|a| *a.path(ev.db) == wanted) else {
        let paths: Vec<&str> = assets.iter().map(|a| a.path(ev.db).as_str()).collect();
        let help = did_you_mean(&wanted, paths.iter().copied()).unwrap_or_else(|| {
            "manifests are .yaml or .yml files in the lab directory, named relative to the including file".into()
        });
        ev.error(
            "E0503",
            path_span,
            format!("there is no manifest `{wanted}` in the lab"),
        )
        .lbl("no such file")
        .help = Some(help);
        return;
    };
    let parsed = index::manifest_docs(ev.db, asset);
    if let Some((at, message)) = &parsed.error {
        ev.diags.push(
            crate::diag::Diag::error(
                "E0504",
                asset,
                *at,
                format!("`{wanted}` is not valid YAML: {message}"),
            )
            .label("here")
            .secondary(ev.file, span, "included here"),
        );
        return;
    }
    for (doc, at) in &parsed.docs {
        let doc_span = Span::new(*at as usize, *at as usize + 1);
        let problem = |what: &str| {
            crate::diag::Diag::error(
                "E0504",
                asset,
                doc_span,
                format!("a document of `{wanted}` {what}"),
            )
            .label("this document")
            .secondary(ev.file, span, "included here")
        };
        let Value::Record(fields) = doc else {
            ev.diags.push(problem("is not a mapping"));
            continue;
        };
        let (api_version, kind, name, namespace) = match manifest_object(fields) {
            Ok(head) => head,
            Err((code, what, help)) => {
                let mut d = problem(&what).help_opt(help);
                d.code = code;
                ev.diags.push(d);
                continue;
            }
        };
        if let Some(leak) = crate::sema::eval::secrets::leaks(None, doc)
            .into_iter()
            .next()
        {
            let secret_doc = api_version == "v1" && kind == "Secret";
            ev.diags.push(manifest_leak(
                &leak, secret_doc, &name, &wanted, asset, doc_span, ev.file, span,
            ));
            continue;
        }
        let mut body = fields.clone();
        body.shift_remove("apiVersion");
        body.shift_remove("kind");
        out.resources.push(Resource {
            api_version,
            kind,
            name,
            namespace,
            body: Value::Record(body),
            file: ev.file,
            span,
        });
    }
}

/// What identifies a manifest document as an object: (apiVersion, kind, name, namespace),
/// each checked like its counterpart in a `resource` statement, since they become file
/// names and object identities. Or what is wrong, as (code, "has ...", help).
type ObjectHead = (String, String, String, Option<String>);
fn manifest_object(
    fields: &IndexMap<String, Value>,
) -> Result<ObjectHead, (&'static str, String, Option<String>)> {
    use crate::literal::{check_k8s_name, NameRule};
    let bad = |what: String, help: Option<&str>| ("E0504", what, help.map(String::from));
    let text = |v: Option<&Value>| match v {
        Some(Value::Str(s)) => Some(s.clone()),
        _ => None,
    };
    let meta = match fields.get("metadata") {
        Some(Value::Record(m)) => Some(m),
        _ => None,
    };
    let (Some(api_version), Some(kind), Some(name)) = (
        text(fields.get("apiVersion")),
        text(fields.get("kind")),
        meta.and_then(|m| text(m.get("name"))),
    ) else {
        return Err(bad(
            "needs `apiVersion`, `kind` and `metadata.name`".into(),
            None,
        ));
    };
    if let Some(reason) = crate::lower::kind_problem(&kind) {
        return Err(bad(
            invalid_field("kind", &kind, &reason),
            Some("a kind is an ASCII letter, then ASCII letters and digits (`ConfigMap`)"),
        ));
    }
    if let Some(reason) = crate::lower::api_version_problem(&api_version) {
        return Err(bad(
            invalid_field("apiVersion", &api_version, &reason),
            Some("an apiVersion is `group/version` (`apps/v1`) or `version` (`v1`)"),
        ));
    }
    if crate::lower::is_kustomize_config(&api_version) {
        return Err((
            "E0507",
            format!("is a `{api_version}` `{kind}`: kustomize configuration, not a Kubernetes object"),
            Some("labc writes the kustomization.yaml of every folder itself; declare the objects it would list".into()),
        ));
    }
    if is_rbac_object(&api_version, &kind) {
        if let Some(reason) = rbac_name_problem(&name) {
            return Err(bad(
                invalid_field("name", &name, &reason),
                Some("an RBAC object's name may hold any character except `/` and `%` (`system:metrics-reader`)"),
            ));
        }
    } else if let Err(err) = check_k8s_name(&name, NameRule::Subdomain) {
        return Err(bad(format!("has an invalid name: {}", err.message), None));
    }
    let namespace = match meta.and_then(|m| m.get("namespace")) {
        None => None,
        Some(Value::Str(ns)) => match check_k8s_name(ns, NameRule::Label) {
            Ok(()) => Some(ns.clone()),
            Err(err) => {
                let what = format!("has an invalid namespace: {}", err.message);
                return Err(("E0504", what, err.help));
            }
        },
        Some(other) => {
            return Err(bad(
                format!(
                    "has a `metadata.namespace` that is {}, not a string",
                    crate::sema::eval::value::with_article(other.type_name())
                ),
                None,
            ))
        }
    };
    Ok((api_version, kind, name, namespace))
}

/// Roles and role bindings: Kubernetes names them by path segment, not DNS-1123, and
/// `system:...` names are common in hand-written RBAC manifests.
fn is_rbac_object(api_version: &str, kind: &str) -> bool {
    api_version.starts_with("rbac.authorization.k8s.io/")
        && matches!(
            kind,
            "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding"
        )
}

/// Why `name` is not a path segment name (Kubernetes' rule for RBAC objects: not `.` or
/// `..`, no `/` or `%`), or has characters no object name should (control characters,
/// spaces), or is longer than any object name may be (253).
fn rbac_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("it is empty".into());
    }
    if name == "." || name == ".." {
        return Some(format!("`{name}` is not a name"));
    }
    if let Some(c) = name
        .chars()
        .find(|&c| c == '/' || c == '%' || c.is_control() || c.is_whitespace())
    {
        return Some(format!(
            "it contains `{}`",
            crate::lower::shown(&c.to_string())
        ));
    }
    (name.len() > 253).then(|| format!("it is {} bytes long, more than 253", name.len()))
}

/// "has an invalid kind `a/b`: it contains `/`...", or "has an empty kind".
fn invalid_field(field: &str, value: &str, reason: &str) -> String {
    if value.is_empty() {
        format!("has an empty {field}")
    } else {
        format!(
            "has an invalid {field} `{}`: {reason}",
            crate::lower::shown(value)
        )
    }
}

/// E0304 for the first plaintext secret of a manifest document (one document, one error).
#[allow(clippy::too_many_arguments)]
fn manifest_leak(
    leak: &crate::sema::eval::secrets::Leak,
    secret_doc: bool,
    name: &str,
    wanted: &str,
    asset: SourceFile,
    doc_span: Span,
    file: SourceFile,
    span: Span,
) -> crate::diag::Diag {
    use crate::sema::eval::secrets::{Rule, Seg};
    let top_secret_data = secret_doc
        && matches!(leak.rule, Rule::Key | Rule::SecretData)
        && matches!(leak.path.first(), Some(Seg::Key(k)) if k == "data" || k == "stringData");
    let d = if top_secret_data {
        crate::diag::Diag::error("E0304", asset, doc_span, format!("the Secret `{name}` in `{wanted}` holds its values in plaintext"))
            .help("keep the values in the secret store and create the Secret from it (a template with a `secret` parameter)")
    } else {
        let mut d = crate::diag::Diag::error(
            "E0304",
            asset,
            doc_span,
            format!("{}, in `{name}` of `{wanted}`", leak.message()),
        )
        .note(format!("at `{}`", leak.path_text()))
        .help(leak.help());
        d.notes.extend(leak.note());
        d
    };
    d.label("this document")
        .secondary(file, span, "included here")
}

/// `a/./b/../c` is `a/c`; a leading `/` is dropped (paths are relative to the lab).
fn normalize_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
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
    use crate::lower::shown;
    let kind = &r.kind.text;
    if let Some(reason) = crate::lower::kind_problem(kind) {
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
    if let Some(reason) = crate::lower::api_version_problem(api_version) {
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
    if crate::lower::is_kustomize_config(api_version) {
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
