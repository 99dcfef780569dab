//! Warnings found from the syntax of the lab's files: a `use` of a module none of the
//! file's declarations takes a definition from (E0601), an operator, template or record
//! type of a lab file that nothing names (E0602), an integer written with a leading zero
//! (E0603, `0775` is 775, not octal). The stdlib's own files are never warned about: its
//! unused things are not the user's.
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

/// The warnings of the lab, in file order (they are sorted later).
#[salsa::tracked(returns(ref))]
pub fn warnings(db: &dyn Db, lab: Lab) -> Vec<Diag> {
    let index = item_index(db, lab);
    let mut used_anywhere: IndexSet<String> = IndexSet::new();
    let mut out = Vec::new();
    // A file with syntax errors lost some of its names: nothing it seems not to use is
    // reported, and no definition at all (it may have been the one naming it). A `use`
    // of an unknown module (E0203) was meant to reach definitions, likely the ones that
    // look unused: none is reported until it is fixed either.
    let mut all_parsed = true;
    for &file in lab.files(db) {
        let mut names = Names::default();
        names.file(index::parse(db, file));
        let parsed = index::parse_checked(db, file).1.is_empty();
        all_parsed &= parsed;
        if parsed && !is_stdlib(db, file) {
            out.extend(unused_uses(db, lab, file, &names.names));
            out.extend(
                names
                    .ints
                    .iter()
                    .filter_map(|&s| octal_looking(db, file, s)),
            );
        }
        used_anywhere.extend(names.names);
    }
    if !all_parsed || index.diags.iter().any(|d| d.code == codes::E0203) {
        return out;
    }
    for defs in index.definitions.values() {
        for d in defs.values() {
            if is_stdlib(db, d.file) || used_anywhere.contains(&d.name) {
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

/// `diags` without the E0602 of a definition that has errors of its own: while it does
/// not compile, that nobody uses it yet is noise (it is often why: work in progress).
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
                && whole.start <= e.primary.span.start
                && e.primary.span.end <= whole.end
        })
    };
    let keep: Vec<bool> = diags
        .iter()
        .map(|d| d.code != codes::E0602 || !broken(d))
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
    let index = item_index(db, lab);
    let own = module_name(file.path(db));
    let mut out = Vec::new();
    for u in &index::parse(db, file).uses {
        // An unknown module is E0203's; a module using itself imports nothing either way.
        let Some(defs) = index.definitions.get(&u.path.text) else {
            continue;
        };
        if u.path.text == own || names.iter().any(|n| defs.contains_key(n)) {
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
    let text = file.text(db).get(span.range())?;
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

/// The identifiers of a file that can name a definition, and the places of its integer
/// literals.
#[derive(Default)]
struct Names {
    names: IndexSet<String>,
    ints: Vec<Span>,
}

impl Names {
    fn id(&mut self, id: &Ident) {
        self.names.insert(id.text.clone());
    }

    fn file(&mut self, ast: &FileAst) {
        for d in &ast.decls {
            if let Some(def) = &d.definition {
                self.id(def);
            }
            self.fields(&d.params);
            self.stmts(&d.body);
        }
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
                Stmt::Crds { api_version, .. } => self.expr(api_version),
                Stmt::Provides { value, .. } | Stmt::Capacity { amount: value, .. } => {
                    self.expr(value)
                }
                Stmt::Manifest { path, .. } => self.expr(path),
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
                Stmt::Include { template, args, .. } => {
                    self.id(template);
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
