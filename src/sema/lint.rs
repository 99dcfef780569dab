//! Warnings found from the syntax of the lab's files: a `use` of a module none of the
//! file's declarations takes a definition from (E0601), an operator, template or record
//! type of a lab file that nothing names (E0602), an integer written with a leading zero
//! (E0603, only where the zeros change nothing: `00`..`07`; `0775` is the error E0103),
//! an argument equal to the literal default of its parameter in a definition of the lab
//! (E0604). The stdlib's own files are never warned about: its unused things are not the
//! user's.
//!
//! The names a file uses are collected from its syntax alone (every identifier that can
//! name a definition: types, `install`/`instance` targets, includes, typed records,
//! variables and calls), so a name that is also a local only hides a warning, never
//! makes a wrong one.

use indexmap::IndexSet;

use crate::db::{module_name, Db, Lab, SourceFile};
use crate::diag::{codes, Diag, Severity};
use crate::sema::index::{self, item_index};
use crate::syntax::ast::*;

/// Whether `file` is one of the stdlib's (`std/<module>.lab`, see `db::SourceFile`).
pub fn is_stdlib(db: &dyn Db, file: SourceFile) -> bool {
    file.path(db).starts_with("std/")
}

/// The warnings of the lab, in file order (they are sorted later): each file's own
/// (`file_lint`), then E0602 for the lab's definitions no file names.
#[salsa::tracked(returns(ref))]
pub fn warnings(db: &dyn Db, lab: Lab) -> Vec<Diag> {
    let mut out = Vec::new();
    // A file with syntax errors lost some of its names: no definition at all is
    // reported (it may have been the one naming it). A `use` of an unknown module
    // (E0203) was meant to reach definitions, likely the ones that look unused: none is
    // reported until it is fixed either.
    let mut all_parsed = true;
    let mut lab_files = Vec::new();
    for &file in lab.files(db) {
        let lint = file_lint(db, lab, file);
        all_parsed &= lint.parsed;
        out.extend(lint.warnings.iter().cloned());
        // The stdlib cannot name a lab file's definitions (it uses no lab module), so
        // its names would only hide warnings.
        if !is_stdlib(db, file) {
            lab_files.push(lint);
        }
    }
    if !all_parsed || unknown_module_used(db, lab) {
        return out;
    }
    let index = index::decl_index(db, lab);
    for defs in index.definitions.values() {
        for d in defs.values() {
            if is_stdlib(db, d.file) || lab_files.iter().any(|f| f.names.contains(&d.name)) {
                continue;
            }
            let what = d.kind.keyword();
            out.push(
                Diag::warning(
                    codes::E0602,
                    d.file,
                    d.name_span,
                    format!("{what} `{}` is never used", d.name),
                )
                .label(format!("no declaration of the lab names this {what}"))
                .help(format!(
                    "remove it, or use it: {}",
                    usage_hint(d.kind, &d.name)
                )),
            );
        }
    }
    out
}

/// Whether some file uses a module the lab does not have (E0203).
#[salsa::tracked(returns(copy))]
fn unknown_module_used(db: &dyn Db, lab: Lab) -> bool {
    item_index(db, lab)
        .diags
        .iter()
        .any(|d| d.code == codes::E0203)
}

/// What the warnings of the lab need of one file: its own warnings (E0601, E0603, E0604,
/// E0606), whether it parsed, and the names it uses (for E0602). A query per file, so
/// that an edit re-reads only the edited file; it reads the definitions through
/// `decl_index`, which a tenant file added or removed leaves equal.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FileLint {
    pub warnings: Vec<Diag>,
    pub parsed: bool,
    pub names: IndexSet<String>,
}

/// The `FileLint` of `file`.
#[salsa::tracked(returns(ref))]
pub fn file_lint(db: &dyn Db, lab: Lab, file: SourceFile) -> FileLint {
    let mut names = Names::default();
    names.file(index::parse(db, file));
    let parsed = !index::has_syntax_errors(db, file);
    let mut out = Vec::new();
    if parsed && !is_stdlib(db, file) {
        out.extend(unused_uses(db, lab, file, &names.names));
        out.extend(
            names
                .ints
                .iter()
                .filter_map(|&s| octal_looking(db, file, s)),
        );
        for call in &names.calls {
            out.extend(restated_defaults(db, lab, file, call));
            let given: Vec<&str> = call.args.iter().map(|(n, _, _)| n.text.as_str()).collect();
            out.extend(super::unused_defaults::unused_capability_defaults(
                db,
                lab,
                file,
                (&call.target, call.kinds),
                &given,
                names_in,
            ));
        }
    }
    FileLint {
        warnings: out,
        parsed,
        names: names.names,
    }
}

/// `diags` without the E0602 of a definition that has errors of its own: while it does
/// not compile, that nobody uses it yet is noise (it is often why: work in progress).
/// Likewise without E0607 while the lab has errors.
pub fn without_noise(db: &dyn Db, lab: Lab, diags: Vec<Diag>) -> Vec<Diag> {
    let index = item_index(db, lab);
    let broken = |d: &Diag| {
        let Some(def) = index
            .definitions
            .values()
            .flat_map(|m| m.values())
            .find(|i| i.file == d.primary.file && i.name_span == d.primary.span)
        else {
            return false;
        };
        let whole = index::decl(db, def).span;
        diags.iter().any(|e| {
            e.severity == Severity::Error
                && e.primary.file == def.file
                && e.primary.span.anchor == whole.anchor
                && whole.start <= e.primary.span.start
                && e.primary.span.end <= whole.end
        })
    };
    // A pin looks unused (E0607) when the component that uses it has an error of its
    // own (a misspelled definition, a missing `use`): one mistake, one diagnostic.
    let any_error = diags.iter().any(|e| e.severity == Severity::Error);
    let keep: Vec<bool> = diags
        .iter()
        .map(|d| match d.code {
            codes::E0602 => !broken(d),
            codes::E0607 => !any_error,
            _ => true,
        })
        .collect();
    diags
        .into_iter()
        .zip(keep)
        .filter_map(|(d, k)| k.then_some(d))
        .collect()
}

/// How a definition of this kind is used, for the help of E0602.
fn usage_hint(kind: DeclKind, name: &str) -> String {
    match kind {
        DeclKind::Operator => format!("`install {name} on CLUSTER`"),
        DeclKind::Template => format!("`instance NAME = {name} on CLUSTER {{ ... }}`"),
        _ => format!("as the type of a field or parameter, `NAME: {name}`"),
    }
}

/// E0601 for each `use` of `file` that no name of the file takes a definition from.
fn unused_uses(db: &dyn Db, lab: Lab, file: SourceFile, names: &IndexSet<String>) -> Vec<Diag> {
    let index = index::decl_index(db, lab);
    let own = module_name(file.path(db));
    let mut out = Vec::new();
    for u in &index::parse(db, file).uses {
        // An unknown module is E0203's; a module using itself imports nothing either way.
        // A module without definitions (`decl_index` leaves it out) gives nothing to use.
        let used = match index.definitions.get(&u.path.text) {
            Some(defs) => names.iter().any(|n| defs.contains_key(n)),
            None if index::is_module(db, lab, u.path.text.clone()) => false,
            None => continue,
        };
        if u.path.text == own || used {
            continue;
        }
        out.push(
            Diag::warning(
                codes::E0601,
                file,
                u.path.span,
                format!("`use {}` is never used", u.path.text),
            )
            .label("no declaration of this file names a definition of this module")
            .help("remove it"),
        );
    }
    out
}

/// E0603 when the integer literal at `span` of `file` is written with a leading zero.
fn octal_looking(db: &dyn Db, file: SourceFile, span: Span) -> Option<Diag> {
    // The text is read at the absolute place; the warning keeps the relative span, so
    // that it stays equal when an edit before the declaration moves it.
    let text = file.text(db).get(index::absolute(db, file, span).range())?;
    let digits = text.trim_start_matches('0');
    if text.len() < 2 || !text.starts_with('0') || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let decimal = if digits.is_empty() { "0" } else { digits };
    let help = match i64::from_str_radix(text, 8) {
        Ok(octal) if octal.to_string() != decimal => format!(
            "for the octal value (a file mode) write `{octal}`; for the number {decimal} \
             write `{decimal}`; for the text write the string \"{text}\""
        ),
        _ => format!("write `{decimal}`, or the string \"{text}\" if the zeros are meant"),
    };
    // `0`..`07` and `00`: the same value in both bases, only the zeros are odd.
    let message = match i64::from_str_radix(text, 8) {
        Ok(octal) if octal.to_string() == decimal => {
            format!("`{text}` is {decimal} written with leading zeros")
        }
        _ => format!("`{text}` is the decimal number {decimal}, not an octal one"),
    };
    Some(
        Diag::warning(codes::E0603, file, span, message)
            .label("leading zeros are ignored")
            .help(help),
    )
}

/// E0604 for each argument of `call` (in `file`) that is the literal its parameter has
/// as default. Only literals are compared: a default computed from other parameters may
/// equal an argument on one cluster and not on another. Only the lab's own definitions
/// count: restating a stdlib default pins it on purpose, as a new labc may change it.
fn restated_defaults(db: &dyn Db, lab: Lab, file: SourceFile, call: &Call) -> Vec<Diag> {
    let Some((def, _, params)) =
        super::unused_defaults::lab_definition_called(db, lab, file, &call.target, call.kinds)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, value, span) in &call.args {
        let Some(p) = params.iter().find(|p| p.name.text == name.text) else {
            continue;
        };
        let Some(default) = p.default.as_ref().filter(|d| same_literal(d, value)) else {
            continue;
        };
        out.push(
            Diag::warning(
                codes::E0604,
                file,
                *span,
                format!(
                    "`{}` is set to its default value in `{}`",
                    name.text, def.name
                ),
            )
            .label("the same as the default")
            .secondary(def.file, default.span, "the default")
            .help("remove it, it is the default"),
        );
    }
    out
}

/// Whether `a` and `b` are the same literal, as written (spans aside).
fn same_literal(a: &Expr, b: &Expr) -> bool {
    use ExprKind as K;
    match (&a.kind, &b.kind) {
        (K::Bool(x), K::Bool(y)) => x == y,
        (K::Null, K::Null) => true,
        (K::Int(x), K::Int(y)) => x == y,
        (K::Decimal(x), K::Decimal(y))
        | (K::Unit(x), K::Unit(y))
        | (K::Percent(x), K::Percent(y))
        | (K::Ip(x), K::Ip(y))
        | (K::Cidr(x), K::Cidr(y)) => x == y,
        (K::Str(_), K::Str(_)) => a
            .as_plain_str()
            .is_some_and(|x| b.as_plain_str() == Some(x)),
        (K::Unary(UnOp::Neg, x), K::Unary(UnOp::Neg, y)) => same_literal(x, y),
        (K::List(x), K::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_literal(x, y))
        }
        _ => false,
    }
}

/// The identifiers a declaration's parameters and body name (for E0606).
fn names_in(decl: &Decl) -> IndexSet<String> {
    let mut names = Names::default();
    names.fields(&decl.params);
    names.stmts(&decl.body);
    names.names
}

/// The identifiers of a file that can name a definition, and the places of its integer
/// literals.
#[derive(Default)]
struct Names {
    names: IndexSet<String>,
    ints: Vec<Span>,
    /// Each place arguments are given to a definition: an install (its operator's
    /// settings), an instance or include (a template's parameters), a typed record.
    calls: Vec<Call>,
}

/// Arguments given to the definition `target`.
struct Call {
    target: Ident,
    /// The kinds of definition `target` may be (an instance may name either).
    kinds: &'static [DeclKind],
    /// (`name`, value, span of `name = value`) of each one-name argument.
    args: Vec<(Ident, Expr, Span)>,
}

impl Names {
    fn id(&mut self, id: &Ident) {
        self.names.insert(id.text.clone());
    }

    fn file(&mut self, ast: &FileAst) {
        for d in &ast.decls {
            if let Some(def) = &d.definition {
                self.id(def);
                let args = d.body.iter().filter_map(|s| match s {
                    Stmt::Assign { path, value, span } if path.len() == 1 => {
                        Some((path[0].clone(), value.clone(), *span))
                    }
                    _ => None,
                });
                let kinds: &[DeclKind] = match d.kind {
                    DeclKind::Install => &[DeclKind::Operator],
                    _ => &[DeclKind::Template, DeclKind::Operator],
                };
                self.calls.push(Call {
                    target: def.clone(),
                    kinds,
                    args: args.collect(),
                });
            }
            // A pin names its definition: E0607 says when that is the only use.
            if d.kind == DeclKind::Pins {
                for s in &d.body {
                    if let Stmt::Assign { path, .. } = s {
                        self.id(&path[0]);
                    }
                }
            }
            self.fields(&d.params);
            self.stmts(&d.body);
        }
    }

    fn call(&mut self, target: &Ident, kinds: &'static [DeclKind], items: &[RecordItem]) {
        let args = items.iter().filter_map(|it| match it {
            RecordItem::Field { path, value, span } if path.len() == 1 => {
                Some((path[0].clone(), value.clone(), *span))
            }
            _ => None,
        });
        self.calls.push(Call {
            target: target.clone(),
            kinds,
            args: args.collect(),
        });
    }

    fn fields(&mut self, fields: &[FieldDecl]) {
        for f in fields {
            self.ty(&f.ty);
            if let Some(d) = &f.default {
                self.expr(d);
            }
        }
    }

    fn ty(&mut self, t: &TypeExpr) {
        match t {
            TypeExpr::Named(i) => self.id(i),
            TypeExpr::List(t, _) | TypeExpr::Map(t, _) | TypeExpr::Optional(t, _) => self.ty(t),
        }
    }

    fn stmts(&mut self, stmts: &[Stmt]) {
        for s in stmts {
            match s {
                Stmt::Assign { value, .. } => self.expr(value),
                Stmt::Settings { fields, .. } => self.fields(fields),
                Stmt::Crds {
                    api_version,
                    schema,
                    ..
                } => {
                    self.expr(api_version);
                    if let Some(schema) = schema {
                        self.expr(schema);
                    }
                }
                Stmt::Provides { value, .. } | Stmt::Capacity { amount: value, .. } => {
                    self.expr(value)
                }
                Stmt::Manifest { path, .. } => self.expr(path),
                Stmt::Once { .. } => {}
                Stmt::Require { cond, message, .. } => {
                    self.expr(cond);
                    self.expr(message);
                }
                Stmt::Consumes {
                    provider, amount, ..
                } => {
                    self.expr(provider);
                    self.expr(amount);
                }
                Stmt::Resource(r) => {
                    self.expr(&r.api_version);
                    self.expr(&r.name);
                    if let Some(ns) = &r.namespace {
                        self.expr(ns);
                    }
                    self.items(&r.body);
                }
                Stmt::Patch(p) => {
                    if let Some(av) = &p.api_version {
                        self.expr(av);
                    }
                    self.expr(&p.name);
                    self.items(&p.body);
                }
                Stmt::Include { template, args, .. } => {
                    self.id(template);
                    self.call(template, &[DeclKind::Template], args);
                    self.items(args);
                }
                Stmt::For { iter, body, .. } => {
                    self.expr(iter);
                    self.stmts(body);
                }
                Stmt::If {
                    cond,
                    then,
                    otherwise,
                    ..
                } => {
                    self.expr(cond);
                    self.stmts(then);
                    self.stmts(otherwise);
                }
            }
        }
    }

    fn items(&mut self, items: &[RecordItem]) {
        for it in items {
            match it {
                RecordItem::Field { value, .. } => self.expr(value),
                RecordItem::For { iter, body, .. } => {
                    self.expr(iter);
                    self.items(body);
                }
                RecordItem::If {
                    cond,
                    then,
                    otherwise,
                    ..
                } => {
                    self.expr(cond);
                    self.items(then);
                    self.items(otherwise);
                }
            }
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Int(_) => self.ints.push(e.span),
            ExprKind::Bool(_)
            | ExprKind::Null
            | ExprKind::Decimal(_)
            | ExprKind::Unit(_)
            | ExprKind::Percent(_)
            | ExprKind::Ip(_)
            | ExprKind::Cidr(_) => {}
            ExprKind::Str(parts) => {
                for p in parts {
                    if let StrPart::Interp(i) = p {
                        self.expr(i);
                    }
                }
            }
            ExprKind::Var(id) => self.id(id),
            ExprKind::Field(base, _) | ExprKind::ViaMesh(base) | ExprKind::Unary(_, base) => {
                self.expr(base)
            }
            ExprKind::Index(base, index) | ExprKind::Binary(_, base, index) => {
                self.expr(base);
                self.expr(index);
            }
            ExprKind::Call { func, args } => {
                self.id(func);
                args.iter().for_each(|a| self.expr(&a.value));
            }
            ExprKind::List(items) => items.iter().for_each(|i| self.expr(i)),
            ExprKind::ListComp {
                iter, filter, body, ..
            } => {
                self.expr(iter);
                if let Some(f) = filter {
                    self.expr(f);
                }
                self.expr(body);
            }
            ExprKind::Record { type_name, items } => {
                if let Some(t) = type_name {
                    self.id(t);
                    self.call(t, &[DeclKind::Type], items);
                }
                self.items(items);
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                self.expr(cond);
                self.expr(then);
                self.expr(otherwise);
            }
        }
    }
}
