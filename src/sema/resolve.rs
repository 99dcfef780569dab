//! Name resolution of definitions (operators, templates, record types) on their own,
//! before and independently of any instantiation, so a template nobody uses yet still
//! has its unknown names, types, functions and includes reported.
//!
//! Evaluation resolves names again with values; diagnostics that both passes find are
//! de-duplicated when they are collected.

use crate::db::{Db, Lab};
use crate::diag::codes;
use crate::diag::{did_you_mean, unknown_name_help};
use crate::sema::eval::{Evaluator, BUILTIN_FUNCTIONS};
use crate::sema::index::{self, DeclKey};
use crate::syntax::ast::*;

/// Check the names used in one definition.
#[salsa::tracked(returns(copy))]
pub fn check_definition<'db>(db: &'db dyn Db, lab: Lab, key: DeclKey<'db>) {
    let Some(decl) = index::decl_of(db, key) else {
        return;
    };
    if !decl.kind.is_definition() {
        return;
    }
    let mut ev = Evaluator::new(
        db,
        &crate::sema::component::ComponentEnv,
        lab,
        *key.file(db),
        None,
    );
    let mut r = Resolver {
        ev: &mut ev,
        scopes: vec![vec![
            "name".to_string(),
            "cluster".to_string(),
            "lab".to_string(),
        ]],
    };
    // Parameters, settings and record fields: their types, and their defaults (which may
    // refer to earlier parameters).
    let mut names = Vec::new();
    for f in decl.params.iter().chain(decl.settings()) {
        r.ev.resolve_type(&f.ty);
        if let Some(d) = &f.default {
            r.scopes.push(names.clone());
            r.expr(d);
            r.scopes.pop();
        }
        names.push(f.name.text.clone());
    }
    if decl.kind != DeclKind::Type {
        r.scopes.push(names);
        r.stmts(&decl.body);
    }
    for d in ev.diags {
        d.emit(db);
    }
}

struct Resolver<'e, 'a> {
    ev: &'e mut Evaluator<'a>,
    scopes: Vec<Vec<String>>,
}

impl Resolver<'_, '_> {
    fn known(&self, name: &str) -> bool {
        if self.scopes.iter().any(|s| s.iter().any(|n| n == name)) {
            return true;
        }
        let index = self.ev.index;
        self.ev.is_component(name)
            || index.clusters.contains_key(name)
            || index.pools.contains_key(name)
    }

    fn unknown(&mut self, id: &Ident) {
        let locals = self.scopes.iter().flatten().cloned().collect();
        self.ev.report_unknown_name(id, locals);
    }

    fn with_var(&mut self, var: &Ident, f: impl FnOnce(&mut Self)) {
        self.scopes.push(vec![var.text.clone()]);
        f(self);
        self.scopes.pop();
    }

    fn stmts(&mut self, stmts: &[Stmt]) {
        for s in stmts {
            match s {
                Stmt::Assign { value, .. } => self.expr(value),
                Stmt::Settings { .. } | Stmt::Once { .. } => {}
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
                Stmt::Provides { value, .. } => self.expr(value),
                Stmt::Capacity { amount, .. } => self.expr(amount),
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
                Stmt::Patch(p) => {
                    if let Some(av) = &p.api_version {
                        self.expr(av);
                    }
                    self.expr(&p.name);
                    self.items(&p.body);
                }
                Stmt::Include { template, args, .. } => {
                    self.include_target(template);
                    self.items(args);
                }
                Stmt::For {
                    var, iter, body, ..
                } => {
                    self.expr(iter);
                    self.with_var(var, |r| r.stmts(body));
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

    /// The template an `include` names: E0201 when no visible definition has that name
    /// (one of another kind is reported with context when instantiated, E0207).
    fn include_target(&mut self, template: &Ident) {
        let module = self.ev.module.clone();
        // The definitions through `decl_index`, not the whole index: a tenant file added
        // or removed leaves it equal, so no definition is checked again.
        let uses = index::module_uses(self.ev.db, self.ev.lab, module.clone());
        let index = index::decl_index(self.ev.db, self.ev.lab);
        match index.definition_with(&module, uses, &template.text) {
            Some(d) if d.kind == DeclKind::Template => {}
            Some(_) => {} // reported with context when instantiated (E0207)
            None => {
                let visible = index.visible_definitions_with(&module, uses);
                let help = unknown_name_help(&template.text, visible, |_| {
                    index
                        .definition_elsewhere(&template.text)
                        .map(|d| format!("add `use {}` at the top of this file", d.module))
                });
                let d = self
                    .ev
                    .error(
                        codes::E0201,
                        template.span,
                        format!("unknown template `{}`", template.text),
                    )
                    .lbl("no template with this name");
                d.help = help;
                d.add_suggested_fix();
            }
        }
    }

    /// The type of a typed record (`Backup { ... }`): E0201 unless it is a visible record
    /// type.
    fn record_type(&mut self, t: &Ident) {
        let module = self.ev.module.clone();
        let uses = index::module_uses(self.ev.db, self.ev.lab, module.clone());
        let index = index::decl_index(self.ev.db, self.ev.lab);
        if index
            .definition_with(&module, uses, &t.text)
            .is_none_or(|d| d.kind != DeclKind::Type)
        {
            let help = did_you_mean(
                &t.text,
                index
                    .visible_definitions_with(&module, uses)
                    .collect::<Vec<_>>(),
            );
            let d = self
                .ev
                .error(
                    codes::E0201,
                    t.span,
                    format!("unknown record type `{}`", t.text),
                )
                .lbl("not a record type");
            d.help = help;
            d.add_suggested_fix();
        }
    }

    fn items(&mut self, items: &[RecordItem]) {
        for it in items {
            match it {
                RecordItem::Field { value, .. } => self.expr(value),
                RecordItem::For {
                    var, iter, body, ..
                } => {
                    self.expr(iter);
                    self.with_var(var, |r| r.items(body));
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
            ExprKind::Bool(_)
            | ExprKind::Null
            | ExprKind::Int(_)
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
            ExprKind::Var(id) => {
                if !self.known(&id.text) {
                    self.unknown(id);
                }
            }
            ExprKind::Field(base, _) | ExprKind::ViaMesh(base) | ExprKind::Unary(_, base) => {
                self.expr(base)
            }
            ExprKind::Index(base, index) => {
                self.expr(base);
                self.expr(index);
            }
            ExprKind::Call { func, args } => {
                if !BUILTIN_FUNCTIONS.contains(&func.text.as_str()) {
                    self.ev.report_unknown_function(func);
                }
                for a in args {
                    self.expr(&a.value);
                }
            }
            ExprKind::List(items) => items.iter().for_each(|i| self.expr(i)),
            ExprKind::ListComp {
                var,
                iter,
                filter,
                body,
            } => {
                self.expr(iter);
                self.with_var(var, |r| {
                    if let Some(f) = filter {
                        r.expr(f);
                    }
                    r.expr(body);
                });
            }
            ExprKind::Record { type_name, items } => {
                if let Some(t) = type_name {
                    self.record_type(t);
                }
                self.items(items)
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
            ExprKind::Binary(_, l, r) => {
                self.expr(l);
                self.expr(r);
            }
        }
    }
}
