//! The evaluator: expressions and statements of one component on one cluster, to values.
//!
//! Evaluation is total: there is no recursion in the language (templates cannot include
//! themselves, checked by a depth limit), `for` runs over finite lists, and a value budget
//! bounds the work per component. Type checking happens here too: every value is checked
//! against the type expected where it is written, and literals are interpreted by it.

mod access;
mod arith;
mod budget;
mod builtins;
mod charts;
mod coerce;
mod cron;
pub mod env;
mod exprs;
mod fields;
pub mod files;
pub mod merge;
mod names;
mod origins;
pub mod plaintext;
mod records;
pub mod secrets;
pub mod value;

use std::net::IpAddr;

use indexmap::{IndexMap, IndexSet};

use crate::db::{Db, Lab, SourceFile};
use crate::diag::Diag;
use crate::literal;
use crate::sema::index::{self, DeclIndex, ItemRef};
use crate::syntax::ast::*;
pub use budget::{component_evaluations, component_size_share, component_value_share};
pub use builtins::BUILTIN_FUNCTIONS;
pub use env::{Env, Header};
pub use names::meant_operator;
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
/// The label at the site that asked for a definition's code.
const WHILE_EVALUATING: &str = "while evaluating this";
/// Deepest template include chain.
pub const MAX_INCLUDE_DEPTH: usize = 16;

/// A capability use: a value of capability type, to be matched against providers.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CapabilityUse {
    pub kind: String,
    pub value: String,
    pub file: SourceFile,
    pub span: Span,
    /// Where the lab gave the value, when it is checked inside a definition: what
    /// `E0402` points at (`Evaluator::user_site`).
    pub user: Option<(SourceFile, Span)>,
}

/// A reference from this component to another on the same cluster (a `dependsOn` edge).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ComponentUse {
    pub name: String,
    pub file: SourceFile,
    pub span: Span,
}

/// A reference `x via mesh` to a component on another cluster of this one's mesh. It
/// makes no `dependsOn` (Flux cannot order across clusters); `labc graph` draws it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MeshUse {
    pub name: String,
    pub cluster: String,
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
    /// Where the lab gave the address, when the call is in a definition it reached:
    /// what the address checks point at (`Evaluator::user_site`).
    pub user: Option<(SourceFile, Span)>,
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

/// Where a value the lab gave comes from: an argument or setting `key = value` written in
/// a lab file (not the stdlib). A bound parameter carries the origin of its argument, or
/// of the first such value its default (or, in the stdlib, its argument) read; a `for`
/// variable that of its list. Plain `Copy` data, so tracking it allocates nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    pub file: SourceFile,
    /// The whole `key = value`.
    pub span: Span,
    /// The key alone, to name it in the label.
    pub key: Span,
}

/// The origins of one frame's names: none (most frames), one for all (a `for`
/// variable's), or one per name in order (bound parameters).
#[derive(Default)]
pub enum FrameOrigins {
    #[default]
    None,
    All(Origin),
    Each(Vec<Option<Origin>>),
}

/// One frame of local names and where their values come from.
struct Frame {
    values: IndexMap<String, Value>,
    origins: FrameOrigins,
}

/// Lexical scopes of local names (parameters, settings, `for` variables).
#[derive(Default)]
struct Scopes {
    frames: Vec<Frame>,
}

impl Scopes {
    fn get(&self, name: &str) -> Option<&Value> {
        self.frames.iter().rev().find_map(|f| f.values.get(name))
    }
    /// The value of `name` and the origin of that value, if the lab gave it.
    fn get_with_origin(&self, name: &str) -> Option<(&Value, Option<Origin>)> {
        self.frames.iter().rev().find_map(|f| {
            let (i, _, v) = f.values.get_full(name)?;
            let origin = match &f.origins {
                FrameOrigins::None => None,
                FrameOrigins::All(o) => Some(*o),
                FrameOrigins::Each(each) => each.get(i).copied().flatten(),
            };
            Some((v, origin))
        })
    }
    fn push(&mut self, values: IndexMap<String, Value>, origins: FrameOrigins) {
        self.frames.push(Frame { values, origins });
    }
    fn pop(&mut self) {
        self.frames.pop();
    }
    fn names(&self) -> Vec<String> {
        self.frames
            .iter()
            .flat_map(|f| f.values.keys().cloned())
            .collect()
    }
}

/// Where a diagnostic raised inside a definition is moved to once the evaluation ends
/// (`Evaluator::place_at_user_sites`): diagnostic `diag` of `diags` gets its primary
/// label at `file`/`span`, its own becoming a secondary one.
struct Move {
    diag: usize,
    file: SourceFile,
    span: Span,
    /// The argument's key, when the target is an argument (named in the label).
    key: Option<Span>,
}

/// The evaluation context of one component (or cluster, pool, lab) on one cluster.
pub struct Evaluator<'a> {
    pub db: &'a dyn Db,
    /// The declarations this evaluation may read (see `env`).
    env: &'a dyn Env,
    pub lab: Lab,
    /// What this evaluation may read of the index: not the components (see `DeclIndex`),
    /// which it looks up by name with `components_named`.
    pub index: &'a DeclIndex,
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
    /// A value was missing because a component it was read from went over its budget or
    /// has errors of its own (reported there): this evaluation failed without a
    /// diagnostic of its own, and its component is poisoned (no follow-on errors).
    pub cut: bool,
    /// The innermost expression being evaluated that builds a value (not a read): where a
    /// copy that goes over the size budget is reported (`p + p`, not the `p` in it).
    building: Option<(SourceFile, Span)>,
    pub diags: Vec<Diag>,
    pub component_uses: Vec<ComponentUse>,
    pub capability_uses: Vec<CapabilityUse>,
    pub mesh_uses: Vec<MeshUse>,
    pub address_uses: Vec<AddressUse>,
    /// Where the lab asked for the template or operator being evaluated (the instance's
    /// name, or the outermost `include`): what whole-lab diagnostics point at.
    pub site: Option<(SourceFile, Span)>,
    /// The `values` statements run so far, checked for plaintext secrets once the values
    /// are complete (`secrets::Evaluator::report_values_leaks`).
    pub value_writers: Vec<secrets::Writer>,
    /// The origin of the first value the lab gave that the expression being evaluated
    /// has read so far (`eval` keeps one per expression: see `origins.rs`).
    reads: Option<Origin>,
    /// Diagnostics to move to the lab's lines when the evaluation ends.
    moves: Vec<Move>,
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
            index: index::decl_index(db, lab),
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
            mesh_uses: Vec::new(),
            address_uses: Vec::new(),
            site: None,
            value_writers: Vec::new(),
            reads: None,
            moves: Vec::new(),
        }
    }

    /// The modules `module` uses: from `index` for a module with definitions, else from
    /// the query of that module alone (a tenant file's), so that reading it does not
    /// make this evaluation depend on every other file's `use` lines.
    pub fn uses_of(&self, module: &str) -> &'a IndexSet<String> {
        match self.index.uses.get(module) {
            Some(uses) => uses,
            None => index::module_uses(self.db, self.lab, module.to_string()),
        }
    }

    /// Look a definition up from `module`: its own module first, then the modules it uses.
    pub fn definition(&self, module: &str, name: &str) -> Option<&'a ItemRef> {
        self.index
            .definition_with(module, self.uses_of(module), name)
    }

    /// All names a definition lookup from `module` could have meant.
    pub fn visible_definitions(&self, module: &str) -> Vec<String> {
        let uses = self.uses_of(module);
        self.index
            .visible_definitions_with(module, uses)
            .map(String::from)
            .collect()
    }

    /// The component declarations named `name`, in file order (a query per name).
    pub fn components_named(&self, name: &str) -> &'a [ItemRef] {
        index::components_named(self.db, self.lab, name.to_string())
    }

    /// Whether some component has this name.
    pub fn is_component(&self, name: &str) -> bool {
        !self.components_named(name).is_empty()
    }

    pub fn push_scope(&mut self, frame: IndexMap<String, Value>) {
        self.scopes.push(frame, FrameOrigins::None);
    }
    /// Push a frame whose values come from the lab's lines `origins`.
    pub fn push_scope_from(&mut self, frame: IndexMap<String, Value>, origins: FrameOrigins) {
        self.scopes.push(frame, origins);
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
        let reads = self.reads;
        self.error_reading(code, span, message, reads, false)
    }

    /// `error`, with what the failing expression read (`reads`): inside the stdlib, or
    /// for a check on a value (`value_check`: a `require`), the diagnostic moves to the
    /// lab's line that gave the value when the evaluation ends (`origins.rs`).
    pub fn error_reading(
        &mut self,
        code: &'static str,
        span: Span,
        message: impl Into<String>,
        reads: Option<Origin>,
        value_check: bool,
    ) -> &mut Diag {
        let mut d = Diag::error(code, self.file, span, message);
        // Inside a template or operator from another file, also show where the lab asked
        // for it: the mistake is often in the arguments given there.
        if let Some((file, site)) = self.site {
            if file != self.file {
                d = d.secondary(file, site, WHILE_EVALUATING);
            }
        }
        self.diags.push(d);
        self.move_to_user_site(reads, value_check);
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

    // -----------------------------------------------------------------------
    // Expressions
    // -----------------------------------------------------------------------

    /// Evaluate `e` where a value of type `ty` is expected. `None` means an error was
    /// reported (callers stop there instead of reporting follow-on errors).
    pub fn eval(&mut self, e: &Expr, ty: &Ty) -> Option<Value> {
        // What `e` reads is tracked on its own (an error in it points at what it read,
        // not at what its siblings read), then added to the enclosing expression's.
        let outer = self.reads.take();
        let v = self.eval_checked(e, ty);
        self.reads = outer.or(self.reads);
        v
    }

    /// `eval` without the tracking of what was read.
    fn eval_checked(&mut self, e: &Expr, ty: &Ty) -> Option<Value> {
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

    /// The value of `e` before it is charged and checked against `ty` (which only
    /// guides list elements and record literals here): one step per expression kind.
    fn eval_raw(&mut self, e: &Expr, ty: &Ty) -> Option<Value> {
        match &e.kind {
            ExprKind::Bool(b) => Some(Value::Bool(*b)),
            ExprKind::Null => Some(Value::Null),
            ExprKind::Int(n) => Some(Value::Int(*n)),
            ExprKind::Decimal(s) => Some(Value::Decimal(s.clone())),
            ExprKind::Unit(s) => Some(Value::Unit(s.clone())),
            ExprKind::Percent(s) => {
                let parsed = literal::parse_percent(s).map(Value::Percent);
                self.parsed(parsed, e.span, "percent")
            }
            ExprKind::Ip(s) => {
                self.parsed(literal::parse_ip(s).map(Value::Ip), e.span, "IP address")
            }
            ExprKind::Cidr(s) => {
                self.parsed(literal::parse_cidr(s).map(Value::Cidr), e.span, "CIDR")
            }
            ExprKind::Str(parts) => self.interpolate(parts, e.span),
            ExprKind::Var(id) => self.var(id, false),
            ExprKind::ViaMesh(inner) => self.via_mesh(inner),
            ExprKind::Field(base, field) => {
                if let Some(v) = self.global_field(base, field) {
                    return Some(v);
                }
                let b = self.eval(base, &Ty::Any)?;
                self.field(b, field, base.span)
            }
            ExprKind::Index(base, index) => {
                let b = self.eval(base, &Ty::Any)?;
                let i = self.eval(index, &Ty::Any)?;
                self.index(b, i, base.span, index.span)
            }
            ExprKind::Call { func, args } => self.call(func, args, e.span),
            ExprKind::List(items) => self.list(items, ty),
            ExprKind::ListComp {
                var,
                iter,
                filter,
                body,
            } => self.list_comp(var, iter, filter.as_deref(), body, ty),
            ExprKind::Record { type_name, items } => {
                self.record_literal(type_name.as_ref(), items, ty, e)
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => match self.eval(cond, &Ty::Bool)? {
                Value::Bool(true) => self.eval(then, ty),
                _ => self.eval(otherwise, ty),
            },
            ExprKind::Unary(op, inner) => self.unary(*op, inner),
            ExprKind::Binary(op, l, r) => self.binary(*op, l, r, e.span),
        }
    }
}
