//! Declaration facts: the evaluated `lab`, cluster and pool declarations (checked against
//! their core schemas), mesh peers, and the CRDs each cluster has.

use indexmap::IndexMap;

use super::component_ir::Crd;
use super::eval::{Env, Evaluator, Header, Ty, Value};
use super::index::{self, component_items_on, decl_index, module_uses, ItemRef};
use crate::db::{Db, Lab};
use crate::diag::codes;
use crate::diag::{did_you_mean, listing, unknown_name_help, Diag};
use crate::syntax::ast::*;

/// Typed fields of a core declaration: name, type, required.
pub type Schema = &'static [(&'static str, &'static str, bool)];

const LAB_SCHEMA: Schema = &[
    ("domain", "string", true),
    ("git", "url", true),
    ("branch", "string", false),
    ("path", "string", false),
    ("interval", "duration", false),
    ("vars", "any", false),
    ("bootstrap", "Bootstrap", false),
    ("flux", "any", false),
    // The Kubernetes minor version whose core kinds' schemas objects are checked against.
    ("kubernetes", "string", false),
    // Where the output's files go (`sema::layout`); `clusters` when unset.
    ("layout", "string", false),
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
    ("bootstrap", "Bootstrap", false),
];

const POOL_SCHEMA: Schema = &[("addresses", "range", true)];

/// The fields a `lab`, `cluster` or `pool` declaration may set, with their written types
/// and whether they are required (for an editor's completion); none for other kinds.
pub fn declaration_fields(kind: DeclKind) -> Schema {
    match kind {
        DeclKind::Lab => LAB_SCHEMA,
        DeclKind::Cluster => CLUSTER_SCHEMA,
        DeclKind::Pool => POOL_SCHEMA,
        _ => &[],
    }
}

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
    if let Some(inner) = t.strip_prefix("map<").and_then(|r| r.strip_suffix('>')) {
        return Ty::Map(Box::new(schema_ty(inner)));
    }
    Ty::builtin(t).unwrap_or_else(|| Ty::Record(t.to_string()))
}

/// Evaluate a value against a core schema type (which may be a core record).
fn eval_schema_value(ev: &mut Evaluator, e: &Expr, t: &str) -> Option<Value> {
    // `bootstrap` has settings of its own, checked at the lab's spans (E0420, E0421).
    if t == "Bootstrap" {
        return super::bootstrap::check(ev, e);
    }
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
                        codes::E0301,
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
            codes::E0301,
            e.span,
            format!("expected a {name} record, found {}", v.type_name()),
        );
        return None;
    };
    let mut out = IndexMap::new();
    for k in fields.keys() {
        if !schema.iter().any(|(n, _, _)| n == k) {
            let d = ev
                .error(codes::E0205, e.span, format!("a {name} has no field `{k}`"))
                .lbl("in this record");
            d.help = unknown_name_help(k, schema.iter().map(|(n, _, _)| *n), |known| {
                listing(&format!("a {name} has"), known)
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
                ev.error(codes::E0206, e.span, format!("a {name} needs `{field}`"))
                    .primary
                    .message = format!("`{field}` is missing");
                return None;
            }
            None => {}
        }
    }
    Some(Value::Record(out))
}

/// A CRD a cluster's bootstrap installs.
pub type BootstrapCrd = Crd;

/// Evaluate the assignments of a core declaration against its schema.
///
/// A `crds` statement's unreadable `schema` (E0503, E0520) is returned apart, in
/// `schema_problems`: the statement still declares its kinds (their objects are only left
/// unchecked), so the record stays valid and its components see the CRDs, one mistake
/// giving one error.
pub(super) fn eval_schema_body(
    ev: &mut Evaluator,
    decl: &Decl,
    schema: Schema,
    allow_crds: bool,
    schema_problems: &mut Vec<Diag>,
) -> (IndexMap<String, Value>, Vec<BootstrapCrd>) {
    let mut fields = Fields::default();
    let mut crds = Vec::new();
    for stmt in &decl.body {
        match stmt {
            Stmt::Assign { path, value, span } => {
                assign_schema_field(ev, decl, schema, path, value, *span, &mut fields)
            }
            Stmt::Crds {
                api_version,
                kinds,
                schema,
                ..
            } if allow_crds => {
                let before = ev.diags.len();
                let schema = schema
                    .as_ref()
                    .and_then(|e| super::schema_sources::check_source(ev, e));
                schema_problems.extend(ev.diags.drain(before..));
                if let Some(Value::Str(av)) = ev.eval(api_version, &Ty::Str) {
                    for k in kinds {
                        crds.push(Crd {
                            api_version: av.clone(),
                            kind: k.kind.text.clone(),
                            cluster_scoped: k.cluster_scoped,
                            schema: schema.clone(),
                        });
                    }
                }
            }
            other => report_not_allowed(ev, decl, other, allow_crds),
        }
    }
    report_missing_fields(ev, decl, schema, &fields.seen);
    (fields.values, crds)
}

/// The fields of a core declaration evaluated so far: their values, and where each is set.
#[derive(Default)]
struct Fields {
    values: IndexMap<String, Value>,
    seen: IndexMap<String, Span>,
}

/// `field = value` (or `field.path = value`) in a core declaration, into `fields`: the
/// field must be in the schema (E0205) and set once (E0202).
fn assign_schema_field(
    ev: &mut Evaluator,
    decl: &Decl,
    schema: Schema,
    path: &KeyPath,
    value: &Expr,
    span: Span,
    fields: &mut Fields,
) {
    let key = &path[0];
    let Some((_, t, _)) = schema.iter().find(|(n, _, _)| *n == key.text) else {
        let d = ev
            .error(
                codes::E0205,
                key.span,
                format!("a {} has no field `{}`", decl.kind.keyword(), key.text),
            )
            .lbl("unknown field");
        d.help = unknown_name_help(&key.text, schema.iter().map(|(n, _, _)| *n), |known| {
            listing(&format!("a {} has", decl.kind.keyword()), known)
        });
        return;
    };
    if let Some(prev) = fields.seen.insert(key.text.clone(), span) {
        let file = ev.file;
        let d = ev
            .error(
                codes::E0202,
                key.span,
                format!("`{}` is set twice", key.text),
            )
            .lbl("set again here");
        d.secondary.push(crate::diag::Label {
            file,
            span: prev,
            message: "first set here".into(),
        });
        return;
    }
    if path.len() > 1 {
        // `bgp.asn = ...`: evaluate as a record with that one path.
        let rec = Expr::record_of_path(&path[1..], value, span);
        if let Some(v) = eval_schema_value(ev, &rec, t) {
            fields.values.insert(key.text.clone(), v);
        }
    } else if let Some(v) = eval_schema_value(ev, value, t) {
        fields.values.insert(key.text.clone(), v);
    }
}

/// E0208: a statement other than an assignment (or `crds`, where allowed) in a core
/// declaration.
fn report_not_allowed(ev: &mut Evaluator, decl: &Decl, stmt: &Stmt, allow_crds: bool) {
    ev.error(
        codes::E0208,
        stmt.span(),
        format!("this statement is not allowed in a {}", decl.kind.keyword()),
    )
    .lbl("not allowed here")
    .help = Some(format!(
        "a {} takes only field assignments{}",
        decl.kind.keyword(),
        if allow_crds { " and `crds`" } else { "" }
    ));
}

/// E0206: the required fields of the schema that the declaration does not set.
fn report_missing_fields(
    ev: &mut Evaluator,
    decl: &Decl,
    schema: Schema,
    seen: &IndexMap<String, Span>,
) {
    let missing: Vec<String> = schema
        .iter()
        .filter(|(field, _, required)| *required && !seen.contains_key(*field))
        .map(|(field, _, _)| format!("`{field}`"))
        .collect();
    if !missing.is_empty() {
        let list = missing.join(", ");
        ev.error(
            codes::E0206,
            decl.name.span,
            format!("{} `{}` needs {list}", decl.kind.keyword(), decl.name.text),
        )
        .lbl(format!("missing {list}"));
    }
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

/// `lab_facts` with the declaration's diagnostics, which `compile::compile` reports (a
/// cycle of component headers can reach this query; see `index::parse_checked`).
#[salsa::tracked(returns(ref))]
pub fn lab_facts_checked(db: &dyn Db, lab: Lab) -> (Option<LabFacts>, Vec<Diag>) {
    let index = decl_index(db, lab);
    let Some(item) = index.labs.first() else {
        return (None, Vec::new());
    };
    let decl = index::decl(db, item);
    let mut ev = Evaluator::new(db, &DeclarationEnv, lab, item.file, None);
    ev.context = crate::sema::eval::Context::Lab;
    let mut schema_problems = Vec::new();
    let (mut fields, crds) =
        eval_schema_body(&mut ev, decl, LAB_SCHEMA, true, &mut schema_problems);
    check_repo_path(&mut ev, decl, fields.get("path"));
    check_layout(&mut ev, decl, fields.get("layout"));
    // Lab-wide Flux settings: the defaults of every component, checked as a component's.
    if let Some(flux) = fields.shift_remove("flux") {
        if let Some(v) = super::flux_settings::check_lab_flux(&mut ev, decl, flux) {
            fields.insert("flux".into(), v);
        }
    }
    let minor = check_kubernetes_version(&mut ev, decl, fields.get("kubernetes"));
    let ok = ev.diags.is_empty();
    ev.diags.extend(schema_problems);
    // A warning leaves the facts valid: it is added after `ok` (and not after E0302).
    let version = fields.get("kubernetes").filter(|_| minor);
    ev.diags.extend(kubernetes_version_warning(
        db, lab, item.file, decl, version,
    ));
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
            codes::E0302,
            span.unwrap_or(decl.name.span),
            format!("`path` must be a folder of the repository: {problem}"),
        )
        .lbl("not a plain folder path");
    d.help = Some("name the folder from the repository root, e.g. `path = \"kubernetes\"`".into());
}

/// `layout = "home-ops"`: one of the layouts `emit` knows (E0315 otherwise, with the one
/// it most likely meant and the list).
fn check_layout(ev: &mut Evaluator, decl: &Decl, layout: Option<&Value>) {
    let Some(Value::Str(text)) = layout else {
        return;
    };
    if super::layout::Layout::named(text).is_some() {
        return;
    }
    let names: Vec<&str> = super::layout::LAYOUTS.iter().map(|(n, _)| *n).collect();
    let list = super::layout::LAYOUT_LIST;
    let help = match did_you_mean(text, names) {
        Some(guess) => format!("{guess} {list}"),
        None => list.to_string(),
    };
    let d = ev
        .error(
            codes::E0315,
            field_value_span(decl, "layout"),
            format!("`{}` is not an output layout", crate::diag::shown(text)),
        )
        .lbl("unknown layout");
    d.help = Some(help);
}

/// The span of the value of the `lab` field `name`, else of the lab's name.
fn field_value_span(decl: &Decl, name: &str) -> Span {
    decl.body
        .iter()
        .find_map(|stmt| match stmt {
            Stmt::Assign { path, value, .. } if path[0].text == name => Some(value.span),
            _ => None,
        })
        .unwrap_or(decl.name.span)
}

/// `kubernetes = "1.34"`: a Kubernetes minor version, `MAJOR.MINOR` (E0302 otherwise);
/// `false` after reporting one that is not.
fn check_kubernetes_version(ev: &mut Evaluator, decl: &Decl, version: Option<&Value>) -> bool {
    let Some(Value::Str(text)) = version else {
        return true;
    };
    let minor = text.split_once('.').is_some_and(|(a, b)| {
        [a, b]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
    });
    if minor {
        return true;
    }
    let d = ev
        .error(
            codes::E0302,
            field_value_span(decl, "kubernetes"),
            format!(
                "`{}` is not a Kubernetes minor version",
                crate::diag::shown(text)
            ),
        )
        .lbl("not MAJOR.MINOR");
    d.help = Some("write the minor version the clusters run, e.g. `kubernetes = \"1.34\"`".into());
    false
}

/// E0609: a Kubernetes minor version labc has no core schemas of; objects of core kinds
/// are checked against the nearest one shipped.
fn kubernetes_version_warning(
    db: &dyn Db,
    lab: Lab,
    file: crate::db::SourceFile,
    decl: &Decl,
    version: Option<&Value>,
) -> Option<Diag> {
    let Some(Value::Str(text)) = version else {
        return None;
    };
    let library = super::schema_sources::schema_library(db, lab);
    let versions = library
        .get(super::schema_sources::KUBERNETES)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let picked = super::schema_sources::pick_version(versions, Some(text));
    if picked.is_some_and(|(_, _, exact)| exact) {
        return None;
    }
    let shipped: Vec<&str> = versions.iter().map(|(v, _)| v.as_str()).collect();
    let (message, help) = match picked {
        Some((near, _, _)) => (
            format!("labc has no schemas of Kubernetes {text}; core kinds are checked against {near}, the nearest it has"),
            crate::diag::listing("labc has the core kinds of Kubernetes", &shipped),
        ),
        None => (
            format!("labc has no schemas of Kubernetes {text}; core kinds are not checked"),
            Some("this labc ships no schemas of core kinds".to_string()),
        ),
    };
    Some(
        Diag::warning(
            codes::E0609,
            file,
            field_value_span(decl, "kubernetes"),
            message,
        )
        .label("no schemas of this version")
        .help_opt(help),
    )
}

/// The `lab` record (`lab.domain`, ...), or `None` if there is no valid lab declaration.
pub fn lab_value(db: &dyn Db, lab: Lab) -> Option<&Value> {
    lab_facts(db, lab).as_ref().map(|f| &f.value)
}

/// A pool's record: `name`, `cluster`, `addresses`.
pub fn pool_value(db: &dyn Db, lab: Lab, name: String) -> &Option<Value> {
    &pool_value_checked(db, lab, name).0
}

/// `pool_value` with the declaration's diagnostics, which `compile::compile` reports (a
/// cycle of component headers can reach this query; see `index::parse_checked`).
#[salsa::tracked(returns(ref))]
pub fn pool_value_checked(db: &dyn Db, lab: Lab, name: String) -> (Option<Value>, Vec<Diag>) {
    let index = decl_index(db, lab);
    let Some(item) = index.pools.get(&name) else {
        return (None, Vec::new());
    };
    let decl = index::decl(db, item);
    let mut ev = Evaluator::new(db, &DeclarationEnv, lab, item.file, None);
    ev.context = crate::sema::eval::Context::Core;
    let (mut fields, _) = eval_schema_body(&mut ev, decl, POOL_SCHEMA, false, &mut Vec::new());
    let cluster = decl.on.first().map(|c| c.text.clone()).unwrap_or_default();
    if !index.clusters.contains_key(&cluster) {
        if let Some(on) = decl.on.first() {
            unknown_cluster(&mut ev, on, index.clusters.keys().map(String::as_str));
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

/// `cluster_facts` with the declaration's diagnostics, which `compile::compile` reports (a
/// cycle of component headers can reach this query; see `index::parse_checked`).
#[salsa::tracked(returns(ref))]
pub fn cluster_facts_checked(
    db: &dyn Db,
    lab: Lab,
    name: String,
) -> (Option<ClusterFacts>, Vec<Diag>) {
    let index = decl_index(db, lab);
    let Some(item) = index.clusters.get(&name) else {
        return (None, Vec::new());
    };
    let decl = index::decl(db, item);
    let mut ev = Evaluator::new(db, &DeclarationEnv, lab, item.file, None);
    ev.context = crate::sema::eval::Context::Core;
    let mut schema_problems = Vec::new();
    let (fields, crds) =
        eval_schema_body(&mut ev, decl, CLUSTER_SCHEMA, true, &mut schema_problems);
    let own_bootstrap = fields.get("bootstrap");
    super::bootstrap::check_cluster_mode(&mut ev, decl, lab_value(db, lab), own_bootstrap);
    let ok = ev.diags.is_empty();
    ev.diags.extend(schema_problems);
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
    decl_index(db, lab)
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

/// CRDs available on a cluster: (CRD, installing component or `None` for bootstrap).
#[salsa::tracked(returns(ref))]
pub fn crds_on_cluster(db: &dyn Db, lab: Lab, cluster: String) -> Vec<(Crd, Option<String>)> {
    let mut out = Vec::new();
    let lab_crds = lab_facts(db, lab)
        .iter()
        .flat_map(|f| f.bootstrap_crds.iter());
    let cluster_crds = cluster_facts(db, lab, cluster.clone())
        .iter()
        .flat_map(|f| f.bootstrap_crds.iter());
    // CRDs of the bootstrap: the lab's (every cluster) and this cluster's own.
    for crd in lab_crds.chain(cluster_crds) {
        out.push((crd.clone(), None));
    }
    // Only operators install CRDs; reading just their `crds` keeps tenants' edits from
    // re-running this query, and reading the components of this cluster only (not the
    // whole index) keeps a tenant added elsewhere from doing so.
    let index = decl_index(db, lab);
    for item in component_items_on(db, lab, cluster.clone()) {
        if item.kind != DeclKind::Install {
            continue;
        }
        let Some(op) = crate::sema::index::decl(db, item).definition.clone() else {
            continue;
        };
        let uses = module_uses(db, lab, item.module.clone());
        let Some(def) = index.definition_with(&item.module, uses, &op.text) else {
            continue;
        };
        for stmt in &crate::sema::index::decl(db, def).body {
            if let crate::syntax::ast::Stmt::Crds {
                api_version,
                kinds,
                schema,
                ..
            } = stmt
            {
                let Some(av) = api_version.as_plain_str() else {
                    continue;
                };
                let schema = schema.as_ref().and_then(|e| {
                    Some(super::component_ir::CrdSchema {
                        source: e.as_plain_str()?,
                        file: def.file,
                        span: e.span,
                    })
                });
                for k in kinds {
                    out.push((
                        Crd {
                            api_version: av.clone(),
                            kind: k.kind.text.clone(),
                            cluster_scoped: k.cluster_scoped,
                            schema: schema.clone(),
                        },
                        Some(item.name.clone()),
                    ));
                }
            }
        }
    }
    out
}

/// The evaluator's view of the lab for declarations: `lab`, clusters and pools, read from
/// the queries above. Lab, cluster and pool declarations cannot refer to components (the
/// evaluator reports that before asking), so there are no component headers to give.
pub struct DeclarationEnv;

impl Env for DeclarationEnv {
    fn lab_value<'db>(&self, db: &'db dyn Db, lab: Lab) -> Option<&'db Value> {
        lab_value(db, lab)
    }
    fn cluster_value(&self, db: &dyn Db, lab: Lab, name: &str) -> Option<Value> {
        cluster_value(db, lab, name.to_string())
    }
    fn cluster_record<'db>(&self, db: &'db dyn Db, lab: Lab, name: &str) -> Option<&'db Value> {
        cluster_facts(db, lab, name.to_string())
            .as_ref()
            .map(|f| &f.value)
    }
    fn pool_value<'db>(&self, db: &'db dyn Db, lab: Lab, name: &str) -> Option<&'db Value> {
        pool_value(db, lab, name.to_string()).as_ref()
    }
    fn component_header(&self, _: &dyn Db, _: Lab, target: &ItemRef, _: &str) -> Header {
        Header {
            namespace: target.name.clone(),
            broken: true,
            ..Header::default()
        }
    }
}

/// E0201 for `on NAME` of a pool or namespace declaration that names no cluster, with the
/// nearest cluster name as the help.
pub(super) fn unknown_cluster<'a>(
    ev: &mut Evaluator,
    on: &Ident,
    clusters: impl Iterator<Item = &'a str>,
) {
    let d = ev
        .error(
            codes::E0201,
            on.span,
            format!("unknown cluster `{}`", on.text),
        )
        .lbl("no such cluster");
    d.help = did_you_mean(&on.text, clusters);
    d.add_suggested_fix();
}
