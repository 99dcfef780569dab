//! The evaluator: expressions and statements of one component on one cluster, to values.
//!
//! Evaluation is total: there is no recursion in the language (templates cannot include
//! themselves, checked by a depth limit), `for` runs over finite lists, and a value budget
//! bounds the work per component. Type checking happens here too: every value is checked
//! against the type expected where it is written, and literals are interpreted by it.

pub mod env;
pub mod plaintext;
pub mod secrets;
pub mod value;

use std::net::IpAddr;

use indexmap::IndexMap;

use crate::db::{Db, Lab, SourceFile};
use crate::diag::{did_you_mean, Diag};
use crate::literal::{self, AddrRange, Millicores, NameRule};
use crate::sema::index::{self, ItemIndex, ItemRef};
use crate::syntax::ast::*;
pub use env::{Env, Header};
pub use value::{ComponentRef, Ty, Value};

/// Most expressions one component may evaluate (a guard against runaway `for` nesting).
pub const VALUE_BUDGET: usize = 100_000;
/// Most expressions all components of a lab may evaluate together, shared like
/// `LAB_SIZE_BUDGET`, each component getting at least `MIN_VALUE_SHARE` (the largest
/// component of the example lab evaluates about 3,400).
pub const LAB_VALUE_BUDGET: usize = 4_000_000;
pub const MIN_VALUE_SHARE: usize = 10_000;
/// What one string byte, list element or record entry costs in the size budget: an entry
/// is about this many bytes of memory, so the budget is roughly the memory built.
const ENTRY_SIZE: usize = 160;
/// The most one component may build, in bytes of strings plus `ENTRY_SIZE` per list
/// element or record entry, counting every copy (reading a variable copies its value).
/// Counting evaluations alone let `p1 = p0 + p0`, repeated 40 times, reach terabytes.
pub const SIZE_BUDGET: usize = 32 << 20;
/// What all components of a lab may build together; each component evaluation gets an
/// equal share, between `MIN_SIZE_SHARE` and `SIZE_BUDGET`. A share computed from the
/// number of components keeps each query pure: it does not depend on what the others
/// built, and the lab's total stays within `max(LAB_SIZE_BUDGET, n * MIN_SIZE_SHARE)`.
pub const LAB_SIZE_BUDGET: usize = 256 << 20;
/// The least share of a component, so a lab with many small components still works; the
/// lab's total then grows linearly with the number of declarations, not faster.
pub const MIN_SIZE_SHARE: usize = 2 << 20;
/// Deepest template include chain.
pub const MAX_INCLUDE_DEPTH: usize = 16;

/// The builtin functions (core Kubernetes and Flux notions only; no vendor).
pub const BUILTIN_FUNCTIONS: &[&str] = &[
    "oci",
    "helm",
    "deployment",
    "daemonset",
    "statefulset",
    "health",
    "secret",
    "lb_address",
    "len",
    "join",
    "str",
    "map_of",
    "contains",
    "bytes",
    "millicores",
    "seconds",
    "range",
];

/// The longest list `range(n)` makes.
const MAX_RANGE: i64 = 10_000;

/// A capability use: a value of capability type, to be matched against providers.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CapabilityUse {
    pub kind: String,
    pub value: String,
    pub file: SourceFile,
    pub span: Span,
}

/// A reference from this component to another on the same cluster (a `dependsOn` edge).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ComponentUse {
    pub name: String,
    pub file: SourceFile,
    pub span: Span,
}

/// An address requested from the cluster's LoadBalancer pools (`lb_address(...)`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AddressUse {
    pub ip: IpAddr,
    pub file: SourceFile,
    pub span: Span,
    /// The `include` or declaration that asked for it, when the call is inside a
    /// template or operator (see `Evaluator::site`).
    pub site: Option<(SourceFile, Span)>,
}

/// What an evaluator evaluates, for the references it allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// The `lab` declaration: no references at all.
    Lab,
    /// A cluster or pool: may read `lab`, nothing else.
    Core,
    /// A component, operator or template: everything.
    Component,
}

/// Lexical scopes of local names (parameters, settings, `for` variables).
#[derive(Default)]
struct Scopes {
    frames: Vec<IndexMap<String, Value>>,
}

impl Scopes {
    fn get(&self, name: &str) -> Option<&Value> {
        self.frames.iter().rev().find_map(|f| f.get(name))
    }
    fn push(&mut self, frame: IndexMap<String, Value>) {
        self.frames.push(frame);
    }
    fn pop(&mut self) {
        self.frames.pop();
    }
    fn names(&self) -> Vec<String> {
        self.frames.iter().flat_map(|f| f.keys().cloned()).collect()
    }
}

/// The evaluation context of one component (or cluster, pool, lab) on one cluster.
pub struct Evaluator<'a> {
    pub db: &'a dyn Db,
    /// The declarations this evaluation may read (see `env`).
    env: &'a dyn Env,
    pub lab: Lab,
    pub index: &'a ItemIndex,
    /// The file whose spans are being evaluated (switches inside templates).
    pub file: SourceFile,
    pub module: String,
    /// The cluster this component is placed on, if any.
    pub cluster: Option<String>,
    /// What is being evaluated; lab, cluster and pool declarations hold plain values and
    /// may not refer to other declarations (which could refer back: a query cycle).
    pub context: Context,
    scopes: Scopes,
    budget: usize,
    /// The whole evaluation allowance (`budget` is what is left of it).
    budget_limit: usize,
    /// What may still be built (see `SIZE_BUDGET`); `size_limit` is the whole allowance.
    size_left: usize,
    size_limit: usize,
    /// A value was missing because a component it was read from went over its budget
    /// (reported there): this evaluation failed without a diagnostic of its own.
    pub cut: bool,
    /// The innermost expression being evaluated that builds a value (not a read): where a
    /// copy that goes over the size budget is reported (`p + p`, not the `p` in it).
    building: Option<(SourceFile, Span)>,
    pub diags: Vec<Diag>,
    pub component_uses: Vec<ComponentUse>,
    pub capability_uses: Vec<CapabilityUse>,
    pub address_uses: Vec<AddressUse>,
    /// Where the lab asked for the template or operator being evaluated (the instance's
    /// name, or the outermost `include`): what whole-lab diagnostics point at.
    pub site: Option<(SourceFile, Span)>,
    /// The `values` statements run so far, checked for plaintext secrets once the values
    /// are complete (`secrets::Evaluator::report_values_leaks`).
    pub value_writers: Vec<secrets::Writer>,
}

impl<'a> Evaluator<'a> {
    pub fn new(
        db: &'a dyn Db,
        env: &'a dyn Env,
        lab: Lab,
        file: SourceFile,
        cluster: Option<String>,
    ) -> Self {
        Evaluator {
            db,
            env,
            lab,
            index: index::item_index(db, lab),
            file,
            module: crate::db::module_name(file.path(db)),
            cluster,
            context: Context::Component,
            scopes: Scopes::default(),
            budget: VALUE_BUDGET,
            budget_limit: VALUE_BUDGET,
            size_left: SIZE_BUDGET,
            size_limit: SIZE_BUDGET,
            cut: false,
            building: None,
            diags: Vec::new(),
            component_uses: Vec::new(),
            capability_uses: Vec::new(),
            address_uses: Vec::new(),
            site: None,
            value_writers: Vec::new(),
        }
    }

    pub fn push_scope(&mut self, frame: IndexMap<String, Value>) {
        self.scopes.push(frame);
    }
    pub fn pop_scope(&mut self) {
        self.scopes.pop();
    }

    pub fn error(
        &mut self,
        code: &'static str,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Diag {
        let mut d = Diag::error(code, self.file, span, message);
        // Inside a template or operator from another file, also show where the lab asked
        // for it: the mistake is often in the arguments given there.
        if let Some((file, site)) = self.site {
            if file != self.file {
                d = d.secondary(file, site, "while evaluating this");
            }
        }
        self.diags.push(d);
        self.diags.last_mut().expect("just pushed")
    }

    /// Run `f` with spans and names resolved in another file (a template's).
    pub fn in_file<T>(&mut self, file: SourceFile, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved_file = std::mem::replace(&mut self.file, file);
        let saved_module =
            std::mem::replace(&mut self.module, crate::db::module_name(file.path(self.db)));
        let out = f(self);
        self.file = saved_file;
        self.module = saved_module;
        out
    }

    /// Limit what this evaluator may build to a component's share of the lab's budget.
    pub fn use_component_share(&mut self) {
        let evaluations = *component_evaluations(self.db, self.lab);
        let share = component_size_share(evaluations);
        self.size_left = share;
        self.size_limit = share;
        self.budget = component_value_share(evaluations);
        self.budget_limit = self.budget;
    }

    /// Whether the budget of this evaluation is spent (E0307 was reported).
    pub fn over_budget(&self) -> bool {
        self.budget == 0 || self.size_left == 0
    }

    fn spend(&mut self, span: Span) -> bool {
        if self.over_budget() {
            return false;
        }
        self.budget -= 1;
        if self.budget == 0 {
            let limit = self.budget_limit;
            let d = self
                .error(
                    "E0307",
                    span,
                    format!("this component evaluates more than {limit} expressions"),
                )
                .lbl("evaluation stopped here");
            let share = if limit < VALUE_BUDGET {
                format!(" (each component of this lab may evaluate {limit}, its share of {LAB_VALUE_BUDGET} for the whole lab)")
            } else {
                String::new()
            };
            d.help = Some(format!("a `for` inside a `for` multiplies{share}: iterate over shorter lists, or split the component"));
            return false;
        }
        true
    }

    /// Charge `size` (see `SIZE_BUDGET`) for a value built at `span`. Over the budget is
    /// E0307 once; after it every evaluation fails silently, so nothing follows from the
    /// value that was cut.
    fn charge(&mut self, size: usize, span: Span) -> bool {
        if self.over_budget() {
            return false;
        }
        if size < self.size_left {
            self.size_left -= size;
            return true;
        }
        self.size_left = 0;
        let limit = self.size_limit;
        let d = self
            .error(
                "E0307",
                span,
                format!(
                    "this component builds more than {} of values",
                    human_size(limit)
                ),
            )
            .lbl("this value is too big");
        let share = if limit < SIZE_BUDGET {
            format!(
                "each component of this lab may build {} (its share of {} for the whole lab)",
                human_size(limit),
                human_size(LAB_SIZE_BUDGET)
            )
        } else {
            format!("a component may build {}", human_size(limit))
        };
        d.help = Some(format!("{share}: string bytes, plus {ENTRY_SIZE} per list element or record entry, counting copies; a value that doubles at each step (`x + x`, `xs + xs`, `\"${{a}}${{a}}\"`) outgrows any limit: build it once"));
        false
    }

    /// Charge what evaluating `e` built: a copy of a variable, field or element costs its
    /// whole size; a value built from parts costs its own entries and bytes (the parts
    /// were charged when they were evaluated).
    fn charge_result(&mut self, v: &Value, e: &Expr) -> bool {
        let (size, span) = match &e.kind {
            ExprKind::Var(_) | ExprKind::ViaMesh(_) | ExprKind::Field(..) | ExprKind::Index(..) => {
                let span = match self.building {
                    Some((file, span)) if file == self.file => span,
                    _ => e.span,
                };
                (deep_size(v, self.size_left), span)
            }
            ExprKind::If { .. } => (0, e.span),
            _ => (shallow_size(v), e.span),
        };
        self.charge(size, span)
    }

    // -----------------------------------------------------------------------
    // Types
    // -----------------------------------------------------------------------

    /// Resolve a written type in the current module.
    pub fn resolve_type(&mut self, t: &TypeExpr) -> Ty {
        match t {
            TypeExpr::List(inner, _) => Ty::List(Box::new(self.resolve_type(inner))),
            TypeExpr::Map(inner, _) => Ty::Map(Box::new(self.resolve_type(inner))),
            TypeExpr::Optional(inner, _) => Ty::Optional(Box::new(self.resolve_type(inner))),
            TypeExpr::Named(id) => {
                if let Some(b) = Ty::builtin(&id.text) {
                    return b;
                }
                if let Some(def) = self.index.definition(&self.module, &id.text) {
                    if def.kind != DeclKind::Type && self.index.capability_kinds.contains(&id.text)
                    {
                        // `gateway: gateway` could mean "a component of the template
                        // `gateway`" or "a value some component `provides gateway`".
                        let (def_file, def_span, kind) =
                            (def.file, def.name_span, def.kind.keyword());
                        let d = self
                            .error(
                                "E0210",
                                id.span,
                                format!(
                                    "`{}` is both {} {kind} and a capability kind",
                                    id.text,
                                    if kind == "operator" { "an" } else { "a" },
                                ),
                            )
                            .lbl("ambiguous type");
                        d.secondary.push(crate::diag::Label {
                            file: def_file,
                            span: def_span,
                            message: format!("the {kind} `{}`", id.text),
                        });
                        d.help = Some(format!(
                            "rename the {kind}: capability kinds are named by `provides` statements anywhere in the lab"
                        ));
                        return Ty::Any;
                    }
                    return match def.kind {
                        DeclKind::Type => Ty::Record(id.text.clone()),
                        _ => Ty::Component(id.text.clone()),
                    };
                }
                if self.index.capability_kinds.contains(&id.text) {
                    return Ty::Capability(id.text.clone());
                }
                let mut candidates: Vec<String> =
                    Ty::BUILTIN_NAMES.iter().map(|s| s.to_string()).collect();
                candidates.extend(self.index.capability_kinds.iter().cloned());
                candidates.extend(
                    self.index
                        .visible_definitions(&self.module)
                        .map(String::from),
                );
                let help = did_you_mean(&id.text, candidates.iter().map(String::as_str));
                let d = self
                    .error("E0201", id.span, format!("unknown type `{}`", id.text))
                    .lbl("not a type");
                d.help = help.or_else(|| {
                    Some("types are builtins (int, quantity, ip, ...), record types, operator or template names, or capability kinds named by a `provides`".into())
                });
                Ty::Any
            }
        }
    }

    /// Find a record type's declaration from the current module.
    fn record_type(&self, name: &str) -> Option<ItemRef> {
        self.index
            .definition(&self.module, name)
            .filter(|d| d.kind == DeclKind::Type)
            .cloned()
    }

    // -----------------------------------------------------------------------
    // Expressions
    // -----------------------------------------------------------------------

    /// Evaluate `e` where a value of type `ty` is expected. `None` means an error was
    /// reported (callers stop there instead of reporting follow-on errors).
    pub fn eval(&mut self, e: &Expr, ty: &Ty) -> Option<Value> {
        if !self.spend(e.span) {
            return None;
        }
        let read = matches!(
            e.kind,
            ExprKind::Var(_) | ExprKind::ViaMesh(_) | ExprKind::Field(..) | ExprKind::Index(..)
        );
        let outer = self.building;
        if !read {
            self.building = Some((self.file, e.span));
        }
        let v = self.eval_raw(e, ty);
        self.building = outer;
        let v = v?;
        if !self.charge_result(&v, e) {
            return None;
        }
        self.coerce(v, ty, e)
    }

    fn eval_raw(&mut self, e: &Expr, ty: &Ty) -> Option<Value> {
        Some(match &e.kind {
            ExprKind::Bool(b) => Value::Bool(*b),
            ExprKind::Null => Value::Null,
            ExprKind::Int(n) => Value::Int(*n),
            ExprKind::Decimal(s) => Value::Decimal(s.clone()),
            ExprKind::Unit(s) => Value::Unit(s.clone()),
            ExprKind::Percent(s) => match literal::parse_percent(s) {
                Ok(bp) => Value::Percent(bp),
                Err(err) => return self.literal_error(e.span, "percent", err),
            },
            ExprKind::Ip(s) => match literal::parse_ip(s) {
                Ok(ip) => Value::Ip(ip),
                Err(err) => return self.literal_error(e.span, "IP address", err),
            },
            ExprKind::Cidr(s) => match literal::parse_cidr(s) {
                Ok(c) => Value::Cidr(c),
                Err(err) => return self.literal_error(e.span, "CIDR", err),
            },
            ExprKind::Str(parts) => {
                let mut out = String::new();
                for p in parts {
                    match p {
                        StrPart::Text(t) => out.push_str(t),
                        StrPart::Interp(inner) => {
                            let v = self.eval(inner, &Ty::Any)?;
                            match v.scalar_text() {
                                // Check before growing: `"${a}${a}"` doubles.
                                Some(t) if out.len() + t.len() >= self.size_left => {
                                    self.charge(out.len() + t.len(), e.span);
                                    return None;
                                }
                                Some(t) => out.push_str(&t),
                                None => {
                                    self.error(
                                        "E0301",
                                        inner.span,
                                        format!("a {} cannot be put into a string", v.type_name()),
                                    )
                                    .primary
                                    .message = "not a scalar".into();
                                    return None;
                                }
                            }
                        }
                    }
                }
                Value::Str(out)
            }
            ExprKind::Var(id) => return self.var(id, false),
            ExprKind::ViaMesh(inner) => {
                if let ExprKind::Var(id) = &inner.kind {
                    return self.var(id, true);
                }
                self.error(
                    "E0301",
                    inner.span,
                    "only a component name can be reached `via mesh`",
                )
                .primary
                .message = "not a component name".into();
                return None;
            }
            ExprKind::Field(base, field) => {
                if let Some(v) = self.global_field(base, field) {
                    return Some(v);
                }
                let b = self.eval(base, &Ty::Any)?;
                return self.field(b, field, base.span);
            }
            ExprKind::Index(base, index) => {
                let b = self.eval(base, &Ty::Any)?;
                let i = self.eval(index, &Ty::Any)?;
                return self.index(b, i, base.span, index.span);
            }
            ExprKind::Call { func, args } => return self.call(func, args, e.span),
            ExprKind::List(items) => {
                let elem = match ty {
                    Ty::List(t) => (**t).clone(),
                    _ => Ty::Any,
                };
                let mut out = Vec::with_capacity(items.len());
                for it in items {
                    out.push(self.eval(it, &elem)?);
                }
                Value::List(out)
            }
            ExprKind::ListComp {
                var,
                iter,
                filter,
                body,
            } => {
                let elem = match ty {
                    Ty::List(t) => (**t).clone(),
                    _ => Ty::Any,
                };
                let list = self.eval_list(iter)?;
                let mut out = Vec::new();
                for item in list {
                    self.scopes.push(IndexMap::from([(var.text.clone(), item)]));
                    let keep = match filter {
                        Some(f) => match self.eval(f, &Ty::Bool) {
                            Some(Value::Bool(b)) => b,
                            _ => {
                                self.scopes.pop();
                                return None;
                            }
                        },
                        None => true,
                    };
                    let v = if keep { self.eval(body, &elem) } else { None };
                    self.scopes.pop();
                    if keep {
                        out.push(v?);
                    }
                }
                Value::List(out)
            }
            ExprKind::Record { type_name, items } => {
                let mut rec = Value::Record(IndexMap::new());
                let open = matches!(ty, Ty::Any) && type_name.is_none();
                self.record_items_checked(items, &mut rec, open)?;
                if let Some(t) = type_name {
                    if self.record_type(&t.text).is_none() {
                        let help = did_you_mean(
                            &t.text,
                            self.index
                                .visible_definitions(&self.module)
                                .collect::<Vec<_>>(),
                        );
                        let d = self
                            .error("E0201", t.span, format!("unknown record type `{}`", t.text))
                            .lbl("not a record type");
                        d.help = help;
                        return None;
                    }
                    return self.coerce(rec, &Ty::Record(t.text.clone()), e);
                }
                rec
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => match self.eval(cond, &Ty::Bool)? {
                Value::Bool(true) => self.eval(then, ty)?,
                _ => self.eval(otherwise, ty)?,
            },
            ExprKind::Unary(op, inner) => {
                let v = self.eval(inner, &Ty::Any)?;
                match (op, v) {
                    (UnOp::Not, Value::Bool(b)) => Value::Bool(!b),
                    (UnOp::Neg, Value::Int(n)) => Value::Int(-n),
                    (op, v) => {
                        let sym = if *op == UnOp::Not { "!" } else { "-" };
                        self.error(
                            "E0301",
                            inner.span,
                            format!("`{sym}` cannot be applied to a {}", v.type_name()),
                        );
                        return None;
                    }
                }
            }
            ExprKind::Binary(op, l, r) => return self.binary(*op, l, r, e.span),
        })
    }

    fn literal_error(
        &mut self,
        span: Span,
        what: &str,
        err: literal::LiteralError,
    ) -> Option<Value> {
        let d = self
            .error("E0302", span, err.message)
            .lbl(format!("not a valid {what}"));
        d.help = err.help;
        None
    }

    pub fn eval_list(&mut self, e: &Expr) -> Option<Vec<Value>> {
        match self.eval(e, &Ty::Any)? {
            Value::List(items) => Some(items),
            Value::Record(map) => Some(
                map.into_iter()
                    .map(|(k, v)| {
                        Value::Record(IndexMap::from([
                            ("key".to_string(), Value::Str(k)),
                            ("value".to_string(), v),
                        ]))
                    })
                    .collect(),
            ),
            other => {
                self.error(
                    "E0301",
                    e.span,
                    format!(
                        "expected a list to iterate over, found {}",
                        other.type_name()
                    ),
                )
                .primary
                .message = "not a list".into();
                None
            }
        }
    }

    /// Resolve a variable: locals, `cluster`, `lab`, clusters, pools, components.
    fn var(&mut self, id: &Ident, via_mesh: bool) -> Option<Value> {
        if let Some(v) = self.scopes.get(&id.text) {
            if via_mesh {
                if let Value::Component(c) = v {
                    let mut c = c.clone();
                    c.via_mesh = true;
                    return Some(Value::Component(c));
                }
            }
            return Some(v.clone());
        }
        match id.text.as_str() {
            "cluster" => {
                if let Some(c) = self.cluster.clone() {
                    return self.env.cluster_value(self.db, self.lab, &c);
                }
                self.error(
                    "E0201",
                    id.span,
                    "`cluster` is only known inside a component placed on a cluster",
                )
                .primary
                .message = "no cluster here".into();
                return None;
            }
            "lab" if self.context == Context::Lab => {
                self.error(
                    "E0209",
                    id.span,
                    "the `lab` declaration cannot refer to itself",
                )
                .lbl("`lab` is being declared here");
                return None;
            }
            "lab" => return self.env.lab_value(self.db, self.lab).cloned(),
            _ => {}
        }
        let declared = self.index.is_component(&id.text)
            || self.index.clusters.contains_key(&id.text)
            || self.index.pools.contains_key(&id.text);
        if declared && self.context != Context::Component {
            let d = self
                .error(
                    "E0209",
                    id.span,
                    format!("`{}` cannot be used here: lab, cluster and pool declarations hold plain values", id.text),
                )
                .lbl("reference to another declaration");
            d.help = Some(
                "write the value itself; components can read `cluster`, `lab`, clusters and pools"
                    .into(),
            );
            return None;
        }
        if self.index.is_component(&id.text) {
            return self.component_ref(id, via_mesh);
        }
        if self.index.clusters.contains_key(&id.text) {
            return self.env.cluster_value(self.db, self.lab, &id.text);
        }
        if self.index.pools.contains_key(&id.text) {
            return self.env.pool_value(self.db, self.lab, &id.text).cloned();
        }
        let locals = self.scopes.names();
        self.report_unknown_name(id, locals);
        None
    }

    /// `lab.x` and `cluster.x`: the field read from the stored record, without copying
    /// the whole record first (each copy is charged to the size budget). `None` when the
    /// fast path does not apply; the ordinary path then reads it (and reports errors).
    fn global_field(&mut self, base: &Expr, field: &Ident) -> Option<Value> {
        let ExprKind::Var(id) = &base.kind else {
            return None;
        };
        if self.scopes.get(&id.text).is_some() {
            return None;
        }
        let db = self.db;
        let root = match id.text.as_str() {
            "lab" if self.context != Context::Lab => self.env.lab_value(db, self.lab)?,
            // `mesh_peers` is added by `cluster_value`, not stored.
            "cluster" if field.text != "mesh_peers" => {
                let name = self.cluster.clone()?;
                self.env.cluster_record(db, self.lab, &name)?
            }
            _ => return None,
        };
        match root {
            Value::Record(r) => r.get(&field.text).cloned(),
            _ => None,
        }
    }

    /// E0201 for a name that is neither one of `locals` nor declared in the lab.
    pub fn report_unknown_name(&mut self, id: &Ident, locals: Vec<String>) {
        let mut candidates = locals;
        candidates.extend(["cluster".to_string(), "lab".to_string()]);
        candidates.extend(self.index.component_names.keys().cloned());
        candidates.extend(self.index.clusters.keys().cloned());
        candidates.extend(self.index.pools.keys().cloned());
        let help = did_you_mean(&id.text, candidates.iter().map(String::as_str));
        let d = self
            .error("E0201", id.span, format!("unknown name `{}`", id.text))
            .lbl("not found in this scope");
        d.help = help;
    }

    /// E0201 for a call of a function that is not a builtin.
    pub fn report_unknown_function(&mut self, func: &Ident) {
        let help = did_you_mean(&func.text, BUILTIN_FUNCTIONS.iter().copied());
        let d = self
            .error(
                "E0201",
                func.span,
                format!("unknown function `{}`", func.text),
            )
            .lbl("not a builtin function");
        d.help = help;
    }

    /// A reference to a component by name, checked against the current cluster.
    fn component_ref(&mut self, id: &Ident, via_mesh: bool) -> Option<Value> {
        let here = self.cluster.clone();
        let candidates: Vec<ItemRef> = self.index.components_named(&id.text).cloned().collect();
        let local = here
            .as_ref()
            .and_then(|h| candidates.iter().find(|c| c.on.contains(h)));
        let target = local.or(candidates.first())?.clone();
        let target_cluster = match (&local, &here) {
            (Some(_), Some(h)) => h.clone(),
            _ => target.on.first().cloned().unwrap_or_default(),
        };
        let same_cluster = local.is_some() || here.is_none();
        if !same_cluster && !via_mesh {
            let here = here.unwrap_or_default();
            let share_mesh = self.share_mesh(&here, &target_cluster);
            let d = self
                .error(
                    "E0401",
                    id.span,
                    format!(
                        "`{}` runs on cluster `{target_cluster}`, not on `{here}`",
                        id.text
                    ),
                )
                .lbl(format!("reference from cluster `{here}`"));
            d.secondary.push(crate::diag::Label {
                file: target.file,
                span: target.name_span,
                message: format!("`{}` is placed on `{target_cluster}` here", id.text),
            });
            d.help = Some(if share_mesh {
                format!(
                    "both clusters are in one mesh: write `{} via mesh`",
                    id.text
                )
            } else {
                format!(
                    "put `{here}` and `{target_cluster}` in one mesh (`mesh = \"...\"` on both) and write `{} via mesh`",
                    id.text
                )
            });
            return None;
        }
        if via_mesh && !same_cluster {
            let here_name = here.clone().unwrap_or_default();
            if !self.share_mesh(&here_name, &target_cluster) {
                self.error(
                    "E0401",
                    id.span,
                    format!("clusters `{here_name}` and `{target_cluster}` are not in one mesh"),
                )
                .help = Some(format!(
                    "set the same `mesh = \"...\"` on clusters `{here_name}` and `{target_cluster}`"
                ));
                return None;
            }
        }
        // Also in the header pass: a component's arguments and namespace may be computed
        // from other components (`namespace = server.namespace`). Headers that refer to
        // each other in a cycle get a fallback (see `component_header`).
        let header = self
            .env
            .component_header(self.db, self.lab, &target, &target_cluster);
        if same_cluster && !via_mesh {
            self.component_uses.push(ComponentUse {
                name: target.name.clone(),
                file: self.file,
                span: id.span,
            });
        }
        Some(Value::Component(ComponentRef {
            name: target.name,
            namespace: header.namespace,
            cluster: target_cluster,
            definition: header.definition,
            via_mesh: via_mesh && !same_cluster,
            args: header.args,
            cyclic: header.cyclic,
            broken: header.broken,
            over_budget: header.over_budget,
        }))
    }

    fn share_mesh(&self, a: &str, b: &str) -> bool {
        let mesh = |c: &str| -> Option<String> {
            match self.env.cluster_record(self.db, self.lab, c) {
                Some(Value::Record(r)) => match r.get("mesh") {
                    Some(Value::Str(m)) => Some(m.clone()),
                    _ => None,
                },
                _ => None,
            }
        };
        matches!((mesh(a), mesh(b)), (Some(x), Some(y)) if x == y)
    }

    /// `base[index]`: element `index` of a list (negative: from the end), or the field
    /// named `index` of a record.
    fn index(
        &mut self,
        base: Value,
        index: Value,
        base_span: Span,
        index_span: Span,
    ) -> Option<Value> {
        match (&base, &index) {
            (Value::List(items), Value::Int(i)) => {
                let len = items.len() as i64;
                let at = if *i < 0 { len + i } else { *i };
                if (0..len).contains(&at) {
                    return Some(items[at as usize].clone());
                }
                let file = self.file;
                let d = self
                    .error(
                        "E0306",
                        index_span,
                        format!("index {i} is out of range: the list has {len} element(s)"),
                    )
                    .lbl("no such element");
                d.secondary.push(crate::diag::Label {
                    file,
                    span: base_span,
                    message: format!("a list of {len}"),
                });
                None
            }
            (Value::Record(r), Value::Str(key)) => match r.get(key) {
                Some(v) => Some(v.clone()),
                None => {
                    let d = self
                        .error(
                            "E0205",
                            index_span,
                            format!("no field `{key}` in this record"),
                        )
                        .lbl("unknown field");
                    d.help = did_you_mean(key, r.keys().map(String::as_str)).or_else(|| {
                        Some(format!(
                            "the record has: {}",
                            r.keys().cloned().collect::<Vec<_>>().join(", ")
                        ))
                    });
                    None
                }
            },
            _ => {
                let file = self.file;
                let d = self
                    .error(
                        "E0301",
                        index_span,
                        format!("cannot index {} with {}", base.describe(), index.describe()),
                    )
                    .lbl("not an index here");
                d.secondary.push(crate::diag::Label {
                    file,
                    span: base_span,
                    message: format!("this is {}", base.describe()),
                });
                d.help = Some(
                    "lists take an int (`xs[0]`, `xs[-1]`), records a string (`r[\"key\"]`)".into(),
                );
                None
            }
        }
    }

    fn field(&mut self, base: Value, field: &Ident, base_span: Span) -> Option<Value> {
        let name = field.text.as_str();
        let found = match &base {
            Value::Record(r) => r.get(name).cloned(),
            Value::Component(c) => match name {
                "name" => Some(Value::Str(c.name.clone())),
                "namespace" => Some(Value::Str(c.namespace.clone())),
                "cluster" => Some(Value::Str(c.cluster.clone())),
                arg if c.args.contains_key(arg) => c.args.get(arg).cloned(),
                // The in-cluster DNS name of the component's Service of the same name.
                "host" => {
                    let domain = match self.env.cluster_record(self.db, self.lab, &c.cluster) {
                        Some(Value::Record(r)) => r.get("dns_domain").and_then(Value::scalar_text),
                        _ => None,
                    };
                    Some(Value::Str(format!(
                        "{}.{}.svc.{}",
                        c.name,
                        c.namespace,
                        domain.unwrap_or_else(|| "cluster.local".into())
                    )))
                }
                _ => None,
            },
            Value::Range(r) => match name {
                "start" => Some(Value::Ip(r.start)),
                "end" => Some(Value::Ip(r.end)),
                "size" => Some(Value::Int(r.len().min(i64::MAX as u128) as i64)),
                _ => None,
            },
            Value::Cidr(c) => match name {
                "network" => Some(Value::Ip(c.network())),
                "prefix" => Some(Value::Int(c.prefix_len() as i64)),
                _ => None,
            },
            // Only templates that materialise secrets read the path of a reference.
            Value::Secret(p) => match name {
                "path" => Some(Value::Str(p.clone())),
                _ => None,
            },
            Value::List(items) => match name {
                "length" => Some(Value::Int(items.len() as i64)),
                _ => None,
            },
            Value::Url(u) => url::Url::parse(u).ok().and_then(|parsed| match name {
                "scheme" => Some(Value::Str(parsed.scheme().to_string())),
                "host" => parsed.host_str().map(|h| Value::Str(h.to_string())),
                // The explicit port, or the scheme's (http 80, https 443, ...).
                "port" => parsed.port_or_known_default().map(|p| Value::Int(p.into())),
                "path" => Some(Value::Str(parsed.path().to_string())),
                _ => None,
            }),
            Value::Version(v) => match name {
                "major" => Some(Value::Int(v.semver.major as i64)),
                "minor" => Some(Value::Int(v.semver.minor as i64)),
                "patch" => Some(Value::Int(v.semver.patch as i64)),
                _ => None,
            },
            _ => None,
        };
        if found.is_some() {
            return found;
        }
        // An argument lost because its component went over its budget: that component
        // reports E0307; this read fails without a second error.
        if let Value::Component(c) = &base {
            if c.over_budget {
                self.cut = true;
                return None;
            }
        }
        let candidates: Vec<String> = match &base {
            Value::Record(r) => r.keys().cloned().collect(),
            Value::Component(c) => ["name", "namespace", "cluster", "host"]
                .map(String::from)
                .into_iter()
                .chain(c.args.keys().cloned())
                .collect(),
            Value::Range(_) => ["start", "end", "size"].map(String::from).to_vec(),
            Value::Url(_) => ["scheme", "host", "port", "path"]
                .map(String::from)
                .to_vec(),
            _ => Vec::new(),
        };
        let help = match &base {
            Value::Component(c) if c.cyclic => Some(format!(
                "the arguments of `{}` are computed from a component that refers back to it, so they cannot be read through a reference: compute one side without the other",
                c.name
            )),
            Value::Component(c) if c.broken => Some(format!(
                "`{}` has errors of its own (reported separately); fix them and its arguments can be read",
                c.name
            )),
            _ => did_you_mean(name, candidates.iter().map(String::as_str)).or_else(|| {
                (!candidates.is_empty()).then(|| format!("it has: {}", candidates.join(", ")))
            }),
        };
        let message = match &base {
            Value::Component(c) if c.cyclic || c.broken => {
                format!("the argument `{name}` of `{}` is unknown here", c.name)
            }
            _ => format!("a {} has no field `{name}`", base.type_name()),
        };
        let file = self.file;
        let d = self
            .error("E0205", field.span, message)
            .lbl("unknown field");
        d.secondary.push(crate::diag::Label {
            file,
            span: base_span,
            message: format!("this is {}", value::with_article(base.type_name())),
        });
        d.help = help;
        None
    }

    // -----------------------------------------------------------------------
    // Coercion: interpret literals by the expected type and check it
    // -----------------------------------------------------------------------

    /// Check `v` against `ty`, interpreting untyped literals. `e` is the expression, for spans.
    pub fn coerce(&mut self, v: Value, ty: &Ty, e: &Expr) -> Option<Value> {
        let span = e.span;
        let mismatch = |this: &mut Self, v: &Value| -> Option<Value> {
            let found = v.type_name();
            let d = this
                .error("E0301", span, format!("expected {ty}, found {found}"))
                .lbl(format!("this is {}", value::with_article(found)));
            d.help = match (ty, v) {
                (Ty::Version, _) => Some("versions are strings: \"1.18.3\"".into()),
                (Ty::Quantity, Value::Int(n)) => {
                    Some(format!("give it a unit: `{n}Gi` or `{n}Mi`"))
                }
                (Ty::Secret, _) => Some("secrets are references: secret(\"path/in/store\")".into()),
                _ => None,
            };
            None
        };
        match ty {
            Ty::Any => Some(v),
            Ty::Optional(inner) => match v {
                Value::Null => Some(Value::Null),
                v => self.coerce(v, inner, e),
            },
            Ty::Bool => match v {
                Value::Bool(_) => Some(v),
                v => mismatch(self, &v),
            },
            Ty::Int => match v {
                Value::Int(_) => Some(v),
                v => mismatch(self, &v),
            },
            Ty::Str => match v {
                Value::Str(_) => Some(v),
                // Scalars with a natural text form are accepted where a string is expected.
                Value::Int(_)
                | Value::Ip(_)
                | Value::Cidr(_)
                | Value::Bytes(_)
                | Value::Cpu(_)
                | Value::Duration(_)
                | Value::Version(_)
                | Value::Url(_)
                | Value::Unit(_) => Some(Value::Str(v.scalar_text().unwrap_or_default())),
                v => mismatch(self, &v),
            },
            Ty::Quantity => match v {
                Value::Bytes(_) => Some(v),
                Value::Unit(s) | Value::Decimal(s) => match literal::parse_bytes(&s) {
                    Ok(b) => Some(Value::Bytes(b)),
                    Err(err) => self.literal_error(span, "quantity", err),
                },
                v => mismatch(self, &v),
            },
            Ty::Cpu => match v {
                Value::Cpu(_) => Some(v),
                Value::Int(n) => Some(Value::Cpu(Millicores(n.saturating_mul(1000)))),
                Value::Unit(s) | Value::Decimal(s) => match literal::parse_cpu(&s) {
                    Ok(c) => Some(Value::Cpu(c)),
                    Err(err) => self.literal_error(span, "CPU quantity", err),
                },
                v => mismatch(self, &v),
            },
            Ty::Duration => match v {
                Value::Duration(_) => Some(v),
                Value::Unit(s) => match literal::parse_duration(&s) {
                    Ok(d) => Some(Value::Duration(d)),
                    Err(err) => self.literal_error(span, "duration", err),
                },
                v => mismatch(self, &v),
            },
            Ty::Percent => match v {
                Value::Percent(_) => Some(v),
                v => mismatch(self, &v),
            },
            Ty::Ip => match v {
                Value::Ip(_) => Some(v),
                Value::Str(s) => match literal::parse_ip(&s) {
                    Ok(ip) => Some(Value::Ip(ip)),
                    Err(err) => self.literal_error(span, "IP address", err),
                },
                v => mismatch(self, &v),
            },
            Ty::Cidr => match v {
                Value::Cidr(_) => Some(v),
                Value::Str(s) => match literal::parse_cidr(&s) {
                    Ok(c) => Some(Value::Cidr(c)),
                    Err(err) => self.literal_error(span, "CIDR", err),
                },
                v => mismatch(self, &v),
            },
            Ty::Range => match v {
                Value::Range(_) => Some(v),
                v => mismatch(self, &v),
            },
            Ty::Port => match v {
                Value::Int(n) => match literal::parse_port(n) {
                    Ok(_) => Some(Value::Int(n)),
                    Err(err) => self.literal_error(span, "port", err),
                },
                v => mismatch(self, &v),
            },
            Ty::Asn => match v {
                Value::Int(n) => match literal::parse_asn(n) {
                    Ok(_) => Some(Value::Int(n)),
                    Err(err) => self.literal_error(span, "ASN", err),
                },
                v => mismatch(self, &v),
            },
            Ty::Version => match v {
                Value::Version(_) => Some(v),
                Value::Str(s) => match literal::parse_version(&s) {
                    Ok(ver) => Some(Value::Version(ver)),
                    Err(err) => self.literal_error(span, "version", err),
                },
                v => mismatch(self, &v),
            },
            Ty::Url => match v {
                Value::Url(ref s) | Value::Str(ref s) if secrets::url_password(s).is_some() => {
                    self.url_with_password(span, s)
                }
                Value::Url(_) => Some(v),
                Value::Str(s) => match literal::parse_url(&s) {
                    // Keep the text as written: `Url` normalises (adds a trailing `/`).
                    Ok(_) => Some(Value::Url(s)),
                    Err(err) => self.literal_error(span, "URL", err),
                },
                v => mismatch(self, &v),
            },
            Ty::Name => {
                match v {
                    Value::Str(s) => match literal::check_k8s_name(&s, NameRule::Label) {
                        Ok(()) => Some(Value::Str(s)),
                        Err(err) => {
                            let d = self
                                .error("E0305", span, err.message)
                                .lbl("not a valid Kubernetes name");
                            // A fixed spelling helps for a literal; for a computed name the fix
                            // is in its parts, so say that instead.
                            d.help = if e.as_plain_str().is_some() {
                                err.help
                            } else {
                                Some("this name is computed; shorten or fix the values it is made of".into())
                            };
                            None
                        }
                    },
                    v => mismatch(self, &v),
                }
            }
            Ty::Secret => match v {
                Value::Secret(_) => Some(v),
                Value::Str(_) => {
                    let d = self
                        .error(
                            "E0304",
                            span,
                            "a secret must be a reference into a secret store, not a value",
                        )
                        .lbl("plaintext secret");
                    d.help = Some(
                        "store the value in the secret store and write secret(\"path/in/store\")"
                            .into(),
                    );
                    None
                }
                v => mismatch(self, &v),
            },
            Ty::List(inner) => match v {
                Value::List(items) => {
                    let mut out = Vec::with_capacity(items.len());
                    for it in items {
                        out.push(self.coerce(it, inner, e)?);
                    }
                    Some(Value::List(out))
                }
                v => mismatch(self, &v),
            },
            Ty::Map(inner) => match v {
                Value::Record(items) => {
                    let mut out = IndexMap::new();
                    for (k, it) in items {
                        out.insert(k, self.coerce(it, inner, e)?);
                    }
                    Some(Value::Record(out))
                }
                v => mismatch(self, &v),
            },
            Ty::Record(name) => match v {
                Value::Record(fields) => self.check_record(name, fields, e),
                v => mismatch(self, &v),
            },
            Ty::Capability(kind) => match v {
                Value::Str(s) => {
                    self.capability_uses.push(CapabilityUse {
                        kind: kind.clone(),
                        value: s.clone(),
                        file: self.file,
                        span,
                    });
                    Some(Value::Str(s))
                }
                v => mismatch(self, &v),
            },
            Ty::Component(def) => match v {
                Value::Component(c) => {
                    if c.definition.as_deref() != Some(def.as_str()) {
                        let what = match &c.definition {
                            Some(d) => format!("a `{d}`"),
                            None => "a tenant".to_string(),
                        };
                        self.error(
                            "E0301",
                            span,
                            format!("expected a `{def}` component, `{}` is {what}", c.name),
                        )
                        .lbl("wrong kind of component");
                        return None;
                    }
                    Some(Value::Component(c))
                }
                v => mismatch(self, &v),
            },
        }
    }

    /// Check a record literal against a record type: unknown fields, missing fields,
    /// field types, defaults.
    fn check_record(
        &mut self,
        type_name: &str,
        fields: IndexMap<String, Value>,
        e: &Expr,
    ) -> Option<Value> {
        let Some(def) = self.record_type(type_name) else {
            return Some(Value::Record(fields));
        };
        let decl = index::decl(self.db, &def);
        let mut out = IndexMap::new();
        let mut ok = true;
        for (k, _) in fields.iter() {
            if !decl.params.iter().any(|f| &f.name.text == k) {
                let names: Vec<&str> = decl.params.iter().map(|f| f.name.text.as_str()).collect();
                let help = did_you_mean(k, names.iter().copied())
                    .unwrap_or_else(|| format!("`{type_name}` has: {}", names.join(", ")));
                let d = self
                    .error("E0205", e.span, format!("`{type_name}` has no field `{k}`"))
                    .lbl("in this record");
                d.secondary.push(crate::diag::Label {
                    file: def.file,
                    span: def.name_span,
                    message: format!("`{type_name}` is declared here"),
                });
                d.help = Some(help);
                ok = false;
            }
        }
        let mut fields = fields;
        for f in &decl.params {
            let ty = self.in_file(def.file, |ev| ev.resolve_type(&f.ty));
            match fields.shift_remove(&f.name.text) {
                Some(v) => out.insert(f.name.text.clone(), self.coerce(v, &ty, e)?),
                None => match &f.default {
                    Some(d) => {
                        let v = self.in_file(def.file, |ev| ev.eval(d, &ty))?;
                        out.insert(f.name.text.clone(), v)
                    }
                    None if matches!(ty, Ty::Optional(_)) => {
                        out.insert(f.name.text.clone(), Value::Null)
                    }
                    None => {
                        let d = self
                            .error(
                                "E0206",
                                e.span,
                                format!("`{type_name}` needs a value for `{}`", f.name.text),
                            )
                            .lbl(format!("`{}` is missing", f.name.text));
                        d.secondary.push(crate::diag::Label {
                            file: def.file,
                            span: f.span,
                            message: "declared here without a default".into(),
                        });
                        ok = false;
                        None
                    }
                },
            };
        }
        ok.then_some(Value::Record(out))
    }

    // -----------------------------------------------------------------------
    // Operators
    // -----------------------------------------------------------------------

    fn binary(&mut self, op: BinOp, l: &Expr, r: &Expr, span: Span) -> Option<Value> {
        match op {
            BinOp::And | BinOp::Or => {
                let a = self.eval(l, &Ty::Bool)?;
                // Short-circuit, so `x != null && x.y` works.
                match (op, &a) {
                    (BinOp::And, Value::Bool(false)) => return Some(a),
                    (BinOp::Or, Value::Bool(true)) => return Some(a),
                    _ => {}
                }
                return self.eval(r, &Ty::Bool);
            }
            BinOp::Range => {
                let a = self.eval(l, &Ty::Ip)?;
                let b = self.eval(r, &Ty::Ip)?;
                let (Value::Ip(a), Value::Ip(b)) = (a, b) else {
                    return None;
                };
                return match AddrRange::new(a, b) {
                    Ok(range) => Some(Value::Range(range)),
                    Err(err) => self.literal_error(span, "address range", err),
                };
            }
            _ => {}
        }
        let a = self.eval(l, &Ty::Any)?;
        let b = self.eval(r, &Ty::Any)?;
        // Refuse a concatenation over the budget before building it.
        if op == BinOp::Add {
            let size = match (&a, &b) {
                (Value::Str(x), Value::Str(y)) => x.len() + y.len(),
                (Value::List(x), Value::List(y)) => (x.len() + y.len()) * ENTRY_SIZE,
                _ => 0,
            };
            if size >= self.size_left {
                self.charge(size, span);
                return None;
            }
        }
        let (a, b) = self.unify_units(a, b);
        let result = arith(op, &a, &b);
        match result {
            Ok(v) => Some(v),
            Err(ArithError::Mismatch) => {
                let file = self.file;
                let d = self
                    .error(
                        "E0303",
                        span,
                        format!(
                            "`{}` cannot combine {} and {}",
                            op.symbol(),
                            a.describe(),
                            b.describe()
                        ),
                    )
                    .lbl("units do not match");
                d.secondary.push(crate::diag::Label {
                    file,
                    span: l.span,
                    message: format!("this is {}", a.describe()),
                });
                d.secondary.push(crate::diag::Label {
                    file,
                    span: r.span,
                    message: format!("this is {}", b.describe()),
                });
                if matches!(op, BinOp::Of) {
                    d.help = Some("`of` takes a percentage on the left: `90% of limit`".into());
                } else if let Some(u) = [&a, &b].into_iter().find(|v| matches!(v, Value::Unit(_))) {
                    d.help = Some(format!(
                        "`{}` has no unit of its own here: use it where a `quantity`, `cpu` or `duration` is expected (a typed parameter or setting)",
                        u.scalar_text().unwrap_or_default()
                    ));
                }
                None
            }
            Err(ArithError::Arith(msg)) => {
                self.error("E0306", span, msg).lbl("cannot be computed");
                None
            }
        }
    }

    /// Interpret untyped unit literals by the other operand's unit.
    fn unify_units(&mut self, a: Value, b: Value) -> (Value, Value) {
        fn interpret(v: Value, like: &Value) -> Value {
            let text = match &v {
                Value::Unit(s) | Value::Decimal(s) => s.clone(),
                _ => return v,
            };
            let parsed = match like {
                Value::Cpu(_) => literal::parse_cpu(&text).ok().map(Value::Cpu),
                Value::Duration(_) => literal::parse_duration(&text).ok().map(Value::Duration),
                Value::Bytes(_) => literal::parse_bytes(&text).ok().map(Value::Bytes),
                // No typed partner: only unambiguous units are interpreted. `250m` could
                // be CPU or minutes, so it stays uninterpreted (arithmetic on it then fails
                // with a hint) rather than silently meaning one of them.
                _ => literal::parse_bytes(&text)
                    .ok()
                    .map(Value::Bytes)
                    .or_else(|| {
                        if literal::parse_cpu(&text).is_ok() {
                            None
                        } else {
                            literal::parse_duration(&text).ok().map(Value::Duration)
                        }
                    }),
            };
            parsed.unwrap_or(v)
        }
        let a2 = interpret(a, &b);
        let b2 = interpret(b, &a2);
        (a2, b2)
    }

    // -----------------------------------------------------------------------
    // Builtin functions (core Kubernetes and Flux only: no vendor knows)
    // -----------------------------------------------------------------------

    fn call(&mut self, func: &Ident, args: &[Arg], span: Span) -> Option<Value> {
        let sig: &[(&str, Ty)] = match func.text.as_str() {
            "oci" => &[("url", Ty::Url), ("version", Ty::Version)],
            "helm" => &[
                ("url", Ty::Url),
                ("chart", Ty::Name),
                ("version", Ty::Version),
            ],
            "deployment" | "daemonset" | "statefulset" => &[
                ("name", Ty::Name),
                ("namespace", Ty::Optional(Box::new(Ty::Name))),
            ],
            "health" => &[
                ("api_version", Ty::Str),
                ("kind", Ty::Str),
                ("name", Ty::Name),
                ("namespace", Ty::Optional(Box::new(Ty::Name))),
            ],
            "secret" => &[("path", Ty::Str)],
            "lb_address" => &[("address", Ty::Ip)],
            "len" => &[("list", Ty::Any)],
            "join" => &[
                ("list", Ty::List(Box::new(Ty::Str))),
                ("separator", Ty::Str),
            ],
            "str" => &[("value", Ty::Any)],
            "map_of" => &[("key", Ty::Str), ("value", Ty::Any)],
            "contains" => &[("list", Ty::Any), ("item", Ty::Any)],
            "bytes" => &[("quantity", Ty::Quantity)],
            "millicores" => &[("cpu", Ty::Cpu)],
            "seconds" => &[("duration", Ty::Duration)],
            "range" => &[("count", Ty::Int)],
            _ => {
                self.report_unknown_function(func);
                return None;
            }
        };
        // Bind positional and named arguments to the signature.
        let mut bound: Vec<Option<&Expr>> = vec![None; sig.len()];
        for (i, a) in args.iter().enumerate() {
            let slot = match &a.name {
                Some(n) => match sig.iter().position(|(p, _)| *p == n.text) {
                    Some(p) => p,
                    None => {
                        let help = did_you_mean(&n.text, sig.iter().map(|(p, _)| *p));
                        let d = self
                            .error(
                                "E0205",
                                n.span,
                                format!("`{}` has no parameter `{}`", func.text, n.text),
                            )
                            .lbl("unknown parameter");
                        d.help = help;
                        return None;
                    }
                },
                None => i,
            };
            if slot >= sig.len() {
                self.error(
                    "E0205",
                    a.value.span,
                    format!("`{}` takes {} arguments", func.text, sig.len()),
                )
                .primary
                .message = "extra argument".into();
                return None;
            }
            bound[slot] = Some(&a.value);
        }
        let mut vals = Vec::with_capacity(sig.len());
        for ((pname, ty), arg) in sig.iter().zip(bound) {
            match arg {
                Some(e) => vals.push(self.eval(e, ty)?),
                None if matches!(ty, Ty::Optional(_)) => vals.push(Value::Null),
                None => {
                    self.error(
                        "E0206",
                        span,
                        format!("`{}` needs an argument `{pname}`", func.text),
                    )
                    .primary
                    .message = format!("missing `{pname}`");
                    return None;
                }
            }
        }
        let rec = |pairs: Vec<(&str, Value)>| {
            Value::Record(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
        };
        Some(match func.text.as_str() {
            "oci" => rec(vec![
                ("source", Value::Str("oci".into())),
                ("url", vals[0].clone()),
                ("version", vals[1].clone()),
            ]),
            "helm" => rec(vec![
                ("source", Value::Str("helm".into())),
                ("url", vals[0].clone()),
                ("chart", vals[1].clone()),
                ("version", vals[2].clone()),
            ]),
            "deployment" | "daemonset" | "statefulset" => {
                let kind = match func.text.as_str() {
                    "deployment" => "Deployment",
                    "daemonset" => "DaemonSet",
                    _ => "StatefulSet",
                };
                rec(vec![
                    ("apiVersion", Value::Str("apps/v1".into())),
                    ("kind", Value::Str(kind.into())),
                    ("name", vals[0].clone()),
                    ("namespace", vals[1].clone()),
                ])
            }
            "health" => rec(vec![
                ("apiVersion", vals[0].clone()),
                ("kind", vals[1].clone()),
                ("name", vals[2].clone()),
                ("namespace", vals[3].clone()),
            ]),
            "secret" => match &vals[0] {
                Value::Str(p) => Value::Secret(p.clone()),
                _ => return None,
            },
            "lb_address" => {
                let Value::Ip(ip) = vals[0] else { return None };
                self.address_uses.push(AddressUse {
                    ip,
                    file: self.file,
                    span,
                    site: self.site,
                });
                Value::Ip(ip)
            }
            "len" => match &vals[0] {
                Value::List(l) => Value::Int(l.len() as i64),
                Value::Record(r) => Value::Int(r.len() as i64),
                Value::Str(s) => Value::Int(s.chars().count() as i64),
                other => {
                    self.error(
                        "E0301",
                        span,
                        format!(
                            "`len` needs a list, record or string, found {}",
                            other.type_name()
                        ),
                    );
                    return None;
                }
            },
            "join" => match &vals[0] {
                Value::List(items) => {
                    let sep = vals[1].scalar_text().unwrap_or_default();
                    let texts: Vec<String> = items
                        .iter()
                        .map(|i| i.scalar_text().unwrap_or_default())
                        .collect();
                    // The separator is repeated once per element: check before building.
                    let size = texts.iter().map(String::len).sum::<usize>()
                        + sep.len().saturating_mul(texts.len().saturating_sub(1));
                    if size >= self.size_left {
                        self.charge(size, span);
                        return None;
                    }
                    Value::Str(texts.join(&sep))
                }
                _ => return None,
            },
            "str" => match vals[0].scalar_text() {
                Some(t) => Value::Str(t),
                None => {
                    self.error(
                        "E0301",
                        span,
                        format!("a {} has no text form", vals[0].type_name()),
                    );
                    return None;
                }
            },
            "contains" => match &vals[0] {
                Value::List(items) => Value::Bool(items.contains(&vals[1])),
                Value::Record(r) => {
                    Value::Bool(vals[1].scalar_text().is_some_and(|k| r.contains_key(&k)))
                }
                Value::Str(s) => Value::Bool(
                    vals[1]
                        .scalar_text()
                        .is_some_and(|t| s.contains(t.as_str())),
                ),
                other => {
                    self.error(
                        "E0301",
                        span,
                        format!(
                            "`contains` needs a list, record or string, found {}",
                            value::with_article(other.type_name())
                        ),
                    );
                    return None;
                }
            },
            "map_of" => {
                let key = vals[0].scalar_text().unwrap_or_default();
                Value::Record(IndexMap::from([(key, vals[1].clone())]))
            }
            "bytes" => match &vals[0] {
                Value::Bytes(b) => Value::Int(i64::try_from(b.0).unwrap_or(i64::MAX)),
                _ => return None,
            },
            "millicores" => match &vals[0] {
                Value::Cpu(c) => Value::Int(c.0),
                _ => return None,
            },
            "range" => match &vals[0] {
                Value::Int(n) if (0..=MAX_RANGE).contains(n) => {
                    Value::List((0..*n).map(Value::Int).collect())
                }
                Value::Int(n) => {
                    self.error(
                        "E0306",
                        span,
                        format!("range({n}): the count must be between 0 and {MAX_RANGE}"),
                    )
                    .lbl("count out of range");
                    return None;
                }
                _ => return None,
            },
            _ => match &vals[0] {
                Value::Duration(d) => Value::Int((d.0 / 1000) as i64),
                _ => return None,
            },
        })
    }

    // -----------------------------------------------------------------------
    // Records and open value trees
    // -----------------------------------------------------------------------

    /// Evaluate record items into `target` (a `Value::Record`), honouring dotted keys.
    pub fn record_items(&mut self, items: &[RecordItem], target: &mut Value) -> Option<()> {
        self.record_items_checked(items, target, true)
    }

    /// `check_secrets`: whether this is an open value tree (Helm values, a resource body,
    /// an untyped record), where credential-named keys may not hold string literals.
    fn record_items_checked(
        &mut self,
        items: &[RecordItem],
        target: &mut Value,
        check_secrets: bool,
    ) -> Option<()> {
        let mut ok = true;
        for item in items {
            match item {
                RecordItem::Field { path, value, span } => {
                    let Some(v) = self.eval(value, &Ty::Any) else {
                        ok = false;
                        continue;
                    };
                    if check_secrets {
                        self.check_literal_secret(items, path, value);
                    }
                    // A typed record or map (`map<secret>`, a record type with a secret
                    // field) may hold references; an open tree becomes a manifest.
                    if let Some(p) = check_secrets.then(|| secret_in(&v)).flatten() {
                        let d = self
                            .error(
                                "E0304",
                                value.span,
                                format!("the secret `{p}` cannot be written into a manifest"),
                            )
                            .lbl("secret reference in a value tree");
                        d.help = Some("pass it to a template parameter of type `secret`, which turns it into a reference (an ExternalSecret)".into());
                        ok = false;
                        continue;
                    }
                    if !set_path(target, path, v) {
                        self.error(
                            "E0501",
                            *span,
                            format!(
                                "`{}` conflicts with an earlier value",
                                path.iter()
                                    .map(|p| p.text.as_str())
                                    .collect::<Vec<_>>()
                                    .join(".")
                            ),
                        )
                        .primary
                        .message =
                            "a part of this path is already set to a non-record value".into();
                        ok = false;
                    }
                }
                RecordItem::For {
                    var, iter, body, ..
                } => {
                    let Some(list) = self.eval_list(iter) else {
                        ok = false;
                        continue;
                    };
                    for it in list {
                        self.scopes.push(IndexMap::from([(var.text.clone(), it)]));
                        let r = self.record_items_checked(body, target, check_secrets);
                        self.scopes.pop();
                        ok &= r.is_some();
                    }
                }
                RecordItem::If {
                    cond,
                    then,
                    otherwise,
                    ..
                } => match self.eval(cond, &Ty::Bool) {
                    Some(Value::Bool(true)) => {
                        ok &= self
                            .record_items_checked(then, target, check_secrets)
                            .is_some()
                    }
                    Some(_) => {
                        ok &= self
                            .record_items_checked(otherwise, target, check_secrets)
                            .is_some()
                    }
                    None => ok = false,
                },
            }
        }
        ok.then_some(())
    }
}

/// The size of `v` for the budget without its parts: a string's bytes, or `ENTRY_SIZE`
/// per element or entry (plus the keys' bytes).
fn shallow_size(v: &Value) -> usize {
    match v {
        Value::Str(s) | Value::Unit(s) | Value::Decimal(s) | Value::Url(s) | Value::Secret(s) => {
            s.len()
        }
        Value::List(items) => items.len() * ENTRY_SIZE,
        Value::Record(fields) => fields.keys().map(|k| k.len() + ENTRY_SIZE).sum(),
        _ => 0,
    }
}

/// The size of `v` with everything in it, or some number over `limit` (the walk stops
/// there, so measuring costs no more than what is charged).
fn deep_size(v: &Value, limit: usize) -> usize {
    let mut total = shallow_size(v);
    let children: Box<dyn Iterator<Item = &Value>> = match v {
        Value::List(items) => Box::new(items.iter()),
        Value::Record(fields) => Box::new(fields.values()),
        _ => return total,
    };
    for c in children {
        if total > limit {
            break;
        }
        total += deep_size(c, limit - total);
    }
    total
}

/// `32 MiB`, `1 MiB`, `512 KiB`.
fn human_size(n: usize) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

/// The number of (component, cluster) evaluations of the lab, which share the lab's
/// budgets.
#[salsa::tracked]
pub fn component_evaluations(db: &dyn Db, lab: Lab) -> usize {
    index::item_index(db, lab)
        .components
        .iter()
        .map(|c| c.on.len())
        .sum()
}

/// A component evaluation's share of `LAB_SIZE_BUDGET`, within
/// `MIN_SIZE_SHARE..=SIZE_BUDGET`.
pub fn component_size_share(evaluations: usize) -> usize {
    (LAB_SIZE_BUDGET / evaluations.max(1)).clamp(MIN_SIZE_SHARE, SIZE_BUDGET)
}

/// A component evaluation's share of `LAB_VALUE_BUDGET`, within
/// `MIN_VALUE_SHARE..=VALUE_BUDGET`.
pub fn component_value_share(evaluations: usize) -> usize {
    (LAB_VALUE_BUDGET / evaluations.max(1)).clamp(MIN_VALUE_SHARE, VALUE_BUDGET)
}

/// The path of the first secret reference inside `v`, however deep.
fn secret_in(v: &Value) -> Option<&str> {
    match v {
        Value::Secret(p) => Some(p),
        Value::List(items) => items.iter().find_map(secret_in),
        Value::Record(fields) => fields.values().find_map(secret_in),
        _ => None,
    }
}

/// Set a dotted path in a record value, creating records on the way. `false` on conflict.
pub fn set_path(target: &mut Value, path: &[Ident], v: Value) -> bool {
    let Value::Record(map) = target else {
        return false;
    };
    match path {
        [] => false,
        [last] => {
            // Assigning a record over a record merges, so `a { x = 1 }` then `a.y = 2` works.
            match (map.get_mut(&last.text), v) {
                (Some(existing @ Value::Record(_)), Value::Record(new)) => {
                    for (k, val) in new {
                        let id = Ident {
                            text: k,
                            span: last.span,
                        };
                        if !set_path(existing, std::slice::from_ref(&id), val) {
                            return false;
                        }
                    }
                    true
                }
                (_, v) => {
                    map.insert(last.text.clone(), v);
                    true
                }
            }
        }
        [first, rest @ ..] => {
            let entry = map
                .entry(first.text.clone())
                .or_insert_with(|| Value::Record(IndexMap::new()));
            set_path(entry, rest, v)
        }
    }
}

enum ArithError {
    Mismatch,
    Arith(String),
}

fn checked<T>(v: Option<T>) -> Result<T, ArithError> {
    v.ok_or_else(|| ArithError::Arith("arithmetic overflow".into()))
}

/// `ip + n`: the address `n` further on (`n` may be negative), in the same family.
fn offset_ip(ip: std::net::IpAddr, n: i64) -> Result<std::net::IpAddr, ArithError> {
    use std::net::IpAddr;
    let out_of_range = || ArithError::Arith(format!("{ip} + {n} is not an address"));
    Ok(match ip {
        IpAddr::V4(v4) => {
            let moved = i64::from(u32::from(v4)) + n;
            IpAddr::V4(u32::try_from(moved).map_err(|_| out_of_range())?.into())
        }
        IpAddr::V6(v6) => {
            let moved = i128::try_from(u128::from(v6))
                .ok()
                .and_then(|x| x.checked_add(i128::from(n)))
                .and_then(|x| u128::try_from(x).ok())
                .ok_or_else(out_of_range)?;
            IpAddr::V6(moved.into())
        }
    })
}

/// Typed arithmetic and comparison.
fn arith(op: BinOp, a: &Value, b: &Value) -> Result<Value, ArithError> {
    use Value::*;
    let div_zero = || ArithError::Arith("division by zero".into());
    // Comparisons first: equality works on any two values of one type.
    match op {
        BinOp::Eq => return Ok(Bool(a == b)),
        BinOp::Ne => return Ok(Bool(a != b)),
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            let ord = match (a, b) {
                (Int(x), Int(y)) => x.cmp(y),
                (Bytes(x), Bytes(y)) => x.cmp(y),
                (Cpu(x), Cpu(y)) => x.cmp(y),
                (Duration(x), Duration(y)) => x.cmp(y),
                (Percent(x), Percent(y)) => x.cmp(y),
                (Ip(x), Ip(y)) => x.cmp(y),
                (Str(x), Str(y)) => x.cmp(y),
                (Version(x), Version(y)) => x.semver.cmp(&y.semver),
                _ => return Err(ArithError::Mismatch),
            };
            use std::cmp::Ordering::*;
            let r = match op {
                BinOp::Lt => ord == Less,
                BinOp::Le => ord != Greater,
                BinOp::Gt => ord == Greater,
                _ => ord != Less,
            };
            return Ok(Bool(r));
        }
        _ => {}
    }
    let scale = |n: i128, bp: u32| -> i128 { n * bp as i128 / 10_000 };
    Ok(match (op, a, b) {
        (BinOp::Add, Int(x), Int(y)) => Int(checked(x.checked_add(*y))?),
        (BinOp::Sub, Int(x), Int(y)) => Int(checked(x.checked_sub(*y))?),
        (BinOp::Mul, Int(x), Int(y)) => Int(checked(x.checked_mul(*y))?),
        (BinOp::Div, Int(_), Int(0)) => return Err(div_zero()),
        (BinOp::Div, Int(x), Int(y)) => Int(x / y),
        (BinOp::Add, Ip(x), Int(n)) | (BinOp::Add, Int(n), Ip(x)) => Ip(offset_ip(*x, *n)?),
        (BinOp::Sub, Ip(x), Int(n)) => Ip(offset_ip(*x, checked(n.checked_neg())?)?),
        (BinOp::Add, Str(x), Str(y)) => Str(format!("{x}{y}")),
        (BinOp::Add, List(x), List(y)) => List(x.iter().chain(y).cloned().collect()),
        (BinOp::Add, Bytes(x), Bytes(y)) => {
            Bytes(crate::literal::Bytes(checked(x.0.checked_add(y.0))?))
        }
        (BinOp::Sub, Bytes(x), Bytes(y)) => {
            Bytes(crate::literal::Bytes(checked(x.0.checked_sub(y.0))?))
        }
        (BinOp::Mul, Bytes(x), Int(n)) | (BinOp::Mul, Int(n), Bytes(x)) => {
            Bytes(crate::literal::Bytes(checked(x.0.checked_mul(*n as i128))?))
        }
        (BinOp::Div, Bytes(_), Int(0)) => return Err(div_zero()),
        (BinOp::Div, Bytes(x), Int(n)) => Bytes(crate::literal::Bytes(x.0 / *n as i128)),
        (BinOp::Mul | BinOp::Of, Percent(p), Bytes(x)) | (BinOp::Mul, Bytes(x), Percent(p)) => {
            Bytes(crate::literal::Bytes(scale(x.0, *p)))
        }
        (BinOp::Add, Cpu(x), Cpu(y)) => Cpu(Millicores(checked(x.0.checked_add(y.0))?)),
        (BinOp::Sub, Cpu(x), Cpu(y)) => Cpu(Millicores(checked(x.0.checked_sub(y.0))?)),
        (BinOp::Mul, Cpu(x), Int(n)) | (BinOp::Mul, Int(n), Cpu(x)) => {
            Cpu(Millicores(checked(x.0.checked_mul(*n))?))
        }
        (BinOp::Mul | BinOp::Of, Percent(p), Cpu(x)) | (BinOp::Mul, Cpu(x), Percent(p)) => {
            Cpu(Millicores(scale(x.0 as i128, *p) as i64))
        }
        (BinOp::Add, Duration(x), Duration(y)) => {
            Duration(crate::literal::Duration(checked(x.0.checked_add(y.0))?))
        }
        (BinOp::Sub, Duration(x), Duration(y)) => {
            Duration(crate::literal::Duration(checked(x.0.checked_sub(y.0))?))
        }
        (BinOp::Mul, Duration(x), Int(n)) | (BinOp::Mul, Int(n), Duration(x)) if *n >= 0 => {
            Duration(crate::literal::Duration(checked(
                x.0.checked_mul(*n as u64),
            )?))
        }
        (BinOp::Mul | BinOp::Of, Percent(p), Int(n)) | (BinOp::Mul, Int(n), Percent(p)) => {
            Int(scale(*n as i128, *p) as i64)
        }
        _ => return Err(ArithError::Mismatch),
    })
}
